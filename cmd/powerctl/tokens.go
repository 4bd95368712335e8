package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/principal"
)

func (a *app) tokensCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tokens",
		Aliases: []string{"token"},
		Short:   "令牌：创建、列出、吊销（管理员） / bearer tokens: create, list, revoke (admins)",
		Long: `Tokens say who acts and what they may do. A token has a name (recorded as
who performed each step and in the audit trail), a holder (the person it is
issued to, recorded in the audit trail; four eyes compares holders) and roles:

  editor     a department's items and submissions (--department, repeatable;
             "-" is every department)
  reviewer   approves or returns submissions of every department
  publisher  publishes approved submissions
  admin      departments, tokens and the audit trail

Only admins manage tokens. The first admin token is the file admin.token that
powerregd writes into a new data directory: create the reviewers' and
publishers' tokens with it (or with another admin that edits nothing), since
a token created by someone who edited or submitted a batch may not approve
or publish that batch (four eyes).`,
		Example: `  export POWERREG_TOKEN=$(cat data/admin.token)
  powerctl tokens create --name reviewer-li --holder 李四 --role reviewer | tail -1 > reviewer.token
  powerctl tokens list
  powerctl tokens revoke reviewer-li`,
		Args: args(cobra.NoArgs),
	}
	cmd.AddCommand(a.tokensCreateCmd(), a.tokensListCmd(), a.tokensRevokeCmd())
	return cmd
}

// parseDuration reads a Go duration (720h, 90m) or a number of days (30d).
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		// Beyond 2^63 ns (about 106751 days) the conversion is not defined:
		// on amd64 it gave a negative lifetime.
		if ns := n * float64(24*time.Hour); err == nil && n >= 0 && ns < math.MaxInt64 {
			return time.Duration(ns), nil
		}
	}
	return time.ParseDuration(s)
}

func (a *app) tokensCreateCmd() *cobra.Command {
	var name, holder, expires string
	var roles, depts []string
	cmd := &cobra.Command{
		Use:   "create --name NAME [--holder PERSON] --role ROLE [--role ROLE]… [--department ID]… [--expires DURATION]",
		Short: "创建令牌，末行输出令牌本身 / create a token; its secret is the last line",
		Long: `Creates a token and prints it: a table (or JSON with -o json) of its name,
roles, departments and expiry, then the secret ALONE on the last line of
stdout, so that

  powerctl tokens create --name reviewer-li --role reviewer | tail -1 > reviewer.token

keeps it in a file. The secret is shown once and never stored by the server:
keep it safe, and hand it to its holder, who passes it with --token or
POWERREG_TOKEN.

NAME is lower-case letters, digits and . _ @ -, starting with a letter; names
are never reused. PERSON (--holder) is who the token is issued to: a name
such as 李四 or a staff number, at most 64 characters, without invisible or
bidirectional control characters; NAME when left out. Four eyes compares
holders: two tokens of one holder count as one person, and a token may not
approve or publish a batch that the person who created it submitted or
edited. --role is editor, reviewer, publisher or admin (repeatable,
or comma-separated). An editor needs --department (repeatable; "-" for every
department, e.g. an office that imports a whole city's list). --expires is a
lifetime such as 720h or 90d; without it the token works until revoked.`,
		Example: `  powerctl tokens create --name gtj-clerk --holder 张三 --role editor --department gtzyj | tail -1 > gtj-clerk.token
  powerctl tokens create --name reviewer-li --holder 李四 --role reviewer --expires 90d
  powerctl tokens create --name city-office --role editor --role admin --department -`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := &pb.CreateTokenRequest{TokenId: name, Token: &pb.Token{Holder: holder}}
			for _, r := range roles {
				for _, r := range strings.Split(r, ",") {
					if r = strings.ToLower(strings.TrimSpace(r)); r != "" && !slices.Contains(req.Token.Roles, r) {
						req.Token.Roles = append(req.Token.Roles, r)
					}
				}
			}
			for _, d := range depts {
				req.Token.Departments = append(req.Token.Departments, departmentName(strings.TrimSpace(d)))
			}
			if expires != "" {
				ttl, err := parseDuration(expires)
				if err != nil || ttl <= 0 {
					return usagef("--expires 应为时长，如 720h 或 90d / --expires takes a lifetime such as 720h or 90d, not %q", expires)
				}
				req.Ttl = durationpb.New(ttl)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Access.CreateToken(cmd.Context(), req)
			if err != nil {
				return err
			}
			if a.json() {
				err = writeJSON(a.stdout, resp.GetToken())
			} else {
				err = tokenTable([]*pb.Token{resp.GetToken()}).write(a.stdout)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stderr, "令牌只显示这一次（输出的最后一行），请妥善保管 / the token is shown this once (the last line of output): keep it safe")
			_, err = fmt.Fprintln(a.stdout, resp.GetSecret())
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "token name, e.g. reviewer-li: recorded as who acts (required)")
	f.StringVar(&holder, "holder", "", "the person the token is issued to, e.g. 李四 (default: the name)")
	f.StringArrayVar(&roles, "role", nil, "editor, reviewer, publisher or admin (repeatable; required)")
	f.StringArrayVar(&depts, "department", nil, `department id an editor works for (repeatable; "-" for every department)`)
	f.StringVar(&expires, "expires", "", "lifetime, e.g. 720h or 90d (default: until revoked)")
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

// tokenState is a token's state at now.
func tokenState(t *pb.Token, now time.Time) string {
	switch {
	case t.GetRevokeTime() != nil:
		return "已吊销 revoked"
	case t.GetExpireTime() != nil && !now.Before(t.GetExpireTime().AsTime()):
		return "已过期 expired"
	}
	return "有效 active"
}

// tokenTable is the table of tokens: name, roles, departments, state,
// holder, creator (with the person behind it when the name differs) and
// times. Names are escaped (principal.Escape).
func tokenTable(list []*pb.Token) *table {
	now := time.Now()
	t := &table{}
	t.add("名称 NAME", "角色 ROLES", "部门 DEPARTMENTS", "状态 STATE", "持有人 HOLDER", "创建人 CREATOR", "创建 CREATED", "到期 EXPIRES")
	for _, tok := range list {
		var depts []string
		for _, d := range tok.GetDepartments() {
			depts = append(depts, shortID(d))
		}
		expires := timeText(tok.GetExpireTime())
		if expires == "" {
			expires = "-"
		}
		creator := principal.Escape(tok.GetCreator())
		if h := tok.GetCreatorHolder(); h != "" && h != tok.GetCreator() {
			creator += " (" + principal.Escape(h) + ")"
		}
		t.add(shortID(tok.GetName()), strings.Join(tok.GetRoles(), ","), strings.Join(depts, ","), tokenState(tok, now),
			principal.Escape(tok.GetHolder()), creator, timeText(tok.GetCreateTime()), expires)
	}
	return t
}

func (a *app) tokensListCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "列出令牌（不含令牌本身） / list tokens (never their secrets)",
		Long:    `Lists every token, revoked and expired ones included, by name. Secrets are never shown again.`,
		Example: `  powerctl tokens list
  powerctl tokens list -o json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			list, err := c.Tokens(cmd.Context())
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, protoList(list))
			}
			if err := tokenTable(list).write(a.stdout); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "共 %d 个令牌 / %d tokens\n", len(list), len(list))
			return err
		},
	}
}

func (a *app) tokensRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "吊销令牌，立即失效 / revoke a token: it is refused from now on",
		Long: `Revokes a token: every call with it is refused from now on
(UNAUTHENTICATED, reason TOKEN_REVOKED, saying when). Its name stays taken, and the audit trail keeps what it
did.`,
		Example: `  powerctl tokens revoke reviewer-li`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			name := list[0]
			if !strings.HasPrefix(name, "tokens/") {
				name = "tokens/" + name
			}
			resp, err := c.Access.RevokeToken(cmd.Context(), &pb.RevokeTokenRequest{Name: name})
			if err != nil {
				return err
			}
			tok := resp.GetToken()
			if a.json() {
				return writeJSON(a.stdout, tok)
			}
			_, err = fmt.Fprintf(a.stdout, "%s: 已吊销（%s） / revoked (%s)\n", tok.GetName(), timeText(tok.GetRevokeTime()),
				timeText(tok.GetRevokeTime()))
			return err
		},
	}
}
