package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/server/auth"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the server refused, a file was refused, the server is unreachable
	exitUsage   = 2 // bad command line
)

// app is one run of powerctl: its streams, environment, global flags and,
// once a command needs it, the connection.
type app struct {
	ctx            context.Context
	stdout, stderr io.Writer
	env            func(string) string

	server, token, output, caCert string
	tls                           bool
	tokenFlag                     bool // the token came from --token, not POWERREG_TOKEN

	conn *client.Client
}

// run executes powerctl with args and returns the exit status. Tests call it
// in-process; main passes the real streams and os.Getenv.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) int {
	a := &app{ctx: ctx, stdout: stdout, stderr: stderr, env: env}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetContext(ctx)
	err := root.Execute()
	if a.conn != nil {
		_ = a.conn.Close()
	}
	return a.report(err)
}

// report prints err and returns the exit status for it.
func (a *app) report(err error) int {
	var usage usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errReported):
		return exitFailure
	case errors.As(err, &usage) || strings.HasPrefix(err.Error(), "unknown command") ||
		strings.HasPrefix(err.Error(), "required flag"):
		fmt.Fprintf(a.stderr, "powerctl: %v\n用法见 --help / see --help for usage\n", err)
		return exitUsage
	}
	fmt.Fprintf(a.stderr, "powerctl: %s\n", a.describe(err))
	return exitFailure
}

// errReported is returned by a command that has already printed what went
// wrong; run only sets the exit status.
var errReported = errors.New("reported")

// usageError is a bad command line: exit status 2.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// args wraps a cobra argument check so that its failure is a usage error.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, list []string) error {
		if err := check(cmd, list); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "powerctl",
		Short: "行政权力清单登记系统的命令行 / the command line of the powerreg registry",
		Long: `powerctl talks to powerregd over gRPC.

Departments (部门) import their lists and submit them (报送); reviewers (审核)
approve or return the batches; publishers (发布) publish approved batches; the
published catalogue can be listed, counted and exported.

The server is --server (env POWERREG_SERVER). Who acts is decided by the
bearer token, --token (env POWERREG_TOKEN): its name is recorded on every step
and in the audit trail, and its roles say what it may do (editor of some
departments, reviewer, publisher, admin). Without a token powerctl reads the
public catalogue only. An admin creates tokens with powerctl tokens create;
the first admin token is the file admin.token that powerregd writes into a
new data directory.

--ca-cert FILE (env POWERREG_CA_CERT) turns on TLS, trusting the CA
certificates in FILE; --tls turns it on trusting the system's CAs.`,
		Example: `  export POWERREG_SERVER=127.0.0.1:9090
  POWERREG_TOKEN=$(cat data/admin.token) powerctl tokens create --name gtj-clerk --role editor --department gtzyj | tail -1 > clerk.token
  POWERREG_TOKEN=$(cat clerk.token) powerctl import --department gtzyj items.csv
  POWERREG_TOKEN=$(cat clerk.token) powerctl submit --department gtzyj --comment 第一批
  POWERREG_TOKEN=$(cat reviewer.token) powerctl review approve departments/gtzyj/submissions/1
  powerctl --token "$(cat publisher.token)" publish --all-approved
  powerctl catalog stats`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	server := a.env("POWERREG_SERVER")
	if server == "" {
		server = client.DefaultAddr
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.server, "server", server, "gRPC address of powerregd (env POWERREG_SERVER)")
	pf.StringVar(&a.token, "token", a.env("POWERREG_TOKEN"), "bearer token, prt_… alone (powerctl adds the word Bearer): who acts, with its roles (env POWERREG_TOKEN)")
	pf.StringVar(&a.caCert, "ca-cert", a.env("POWERREG_CA_CERT"), "PEM file of the CA to trust; turns on TLS (env POWERREG_CA_CERT)")
	pf.BoolVar(&a.tls, "tls", false, "use TLS trusting the system's CAs (implied by --ca-cert)")
	pf.StringVarP(&a.output, "output", "o", "table", "output format: table or json (export, template and review export: the output file)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		a.tokenFlag = cmd.Flags().Changed("token")
		if f := cmd.Flags().Lookup("output"); f != nil && f.Value == pf.Lookup("output").Value {
			if a.output != "table" && a.output != "json" {
				return usagef("-o/--output 只能是 table 或 json / -o/--output must be table or json, not %q", a.output)
			}
		}
		return nil
	}
	root.AddCommand(a.departmentsCmd(), a.importCmd(), a.itemsCmd(), a.submitCmd(), a.submissionsCmd(), a.reviewCmd(), a.publishCmd(),
		a.catalogCmd(), a.exportCmd(), a.templateCmd(), a.tokensCmd(), a.auditCmd(), a.backupCmd(), a.changesCmd())
	return root
}

// client connects on first use.
func (a *app) client() (*client.Client, error) {
	if a.conn != nil {
		return a.conn, nil
	}
	// Sendable: a tab or a full-width space in the token reaches the
	// server, which says what is wrong, instead of gRPC refusing to send
	// it (in English only).
	c, err := client.Dial(a.server, client.Options{Token: auth.Sendable(strings.TrimSpace(a.token)), CACert: a.caCert, TLS: a.tls})
	if err != nil {
		return nil, err
	}
	a.conn = c
	return c, nil
}

func (a *app) json() bool { return a.output == "json" }

// isTerminal reports whether w is a terminal (for the progress bar).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// departmentName accepts `gtzyj` or `departments/gtzyj`.
func departmentName(id string) string {
	if strings.HasPrefix(id, "departments/") {
		return id
	}
	return "departments/" + id
}
