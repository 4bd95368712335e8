// Command powerregd is the registry server: gRPC and REST over one embedded
// bbolt store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/auth"
	"github.com/powerreg/powerreg/server/demo"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

func main() {
	if len(os.Args) > 1 {
		if sub, ok := subcommands[os.Args[1]]; ok { // restore, check, recover-admin (commands.go)
			os.Exit(sub(os.Args[2:], os.Stdout, os.Stderr))
		}
	}
	opts, err := parseFlags(flag.CommandLine, os.Args[1:], os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "powerregd:", err)
		os.Exit(2)
	}
	slog.SetDefault(opts.logger(os.Stderr))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "powerregd:", err)
		if errors.Is(err, store.ErrLocked) {
			fmt.Fprintln(os.Stderr, "stop the other process or choose another --data-dir / 请先停止另一个进程，或换一个 --data-dir")
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, opts *options) error {
	cfg := opts.server
	if opts.jwt.JWKSFile != "" {
		v, err := auth.NewJWTVerifier(opts.jwt)
		if err != nil {
			return err
		}
		cfg.JWT = v
		slog.Info("accepting single sign-on tokens", "jwks", opts.jwt.JWKSFile, "issuer", opts.jwt.Issuer, "audience", opts.jwt.Audience)
		if opts.jwt.Issuer == "" || opts.jwt.Audience == "" {
			slog.Warn("set --jwt-issuer and --jwt-audience: otherwise any token signed by these keys is accepted, " +
				"including ones issued for other applications / 请设置 --jwt-issuer 和 --jwt-audience，否则签发给其他系统的令牌也会被接受")
		}
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	if opts.demo {
		if err := demo.Load(srv.Registry().For(registry.Call{Method: "powerregd --demo", Resource: "demo"})); err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		slog.Info("demo catalogue loaded (skipped if the store already had departments)")
	}
	return srv.Serve(ctx)
}
