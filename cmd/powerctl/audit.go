package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/server/principal"
)

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "审计记录：查看、校验（管理员、审核人） / the audit trail: list and verify (admins, reviewers)",
		Long: `The audit trail records every change that took effect and every refused
attempt: who (the principal: the token's name, or sso: and the SSO name),
the person behind it (the token's holder, or sso: and the SSO subject), when,
which method, which resource, the request id, the outcome and the reason of a
refusal. Names holding characters that could make them look like others
(invisible or bidirectional control characters, recorded before such names
were refused) are shown escaped, as \u{200B}. Each record carries the
hash of the one before it, so that a record edited or deleted in the data file
breaks the chain: powerctl audit verify finds the first broken link.

It is readable by admins and reviewers.`,
		Example: `  powerctl audit list --since 24h
  powerctl audit list --principal gtj-clerk --resource departments/gtzyj
  powerctl audit list --holder 李四
  powerctl audit verify`,
		Args: args(cobra.NoArgs),
	}
	cmd.AddCommand(a.auditListCmd(), a.auditVerifyCmd())
	return cmd
}

// parseTime reads --since and --until: RFC 3339 (2024-05-01T08:00:00+08:00),
// a date (2024-05-01, local midnight), or a duration ago (24h, 7d).
func parseTime(flag, s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateTime, s, time.Local); err == nil {
		return t, nil
	}
	if d, err := parseDuration(strings.TrimSuffix(strings.TrimSpace(s), " ago")); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usagef("%s 应为 RFC 3339 时间、日期或时长（如 2024-05-01T08:00:00+08:00、2024-05-01、24h、7d） / "+
		"%s takes an RFC 3339 time, a date or a duration ago (e.g. 2024-05-01T08:00:00+08:00, 2024-05-01, 24h, 7d), not %q", flag, flag, s)
}

// shortMethod is a method's last segment: CreateItem.
func shortMethod(m string) string {
	if i := strings.LastIndex(m, "/"); i >= 0 {
		return m[i+1:]
	}
	return m
}

func (a *app) auditListCmd() *cobra.Command {
	var f client.AuditFilter
	var since, until string
	cmd := &cobra.Command{
		Use:     "list [--principal NAME] [--holder PERSON] [--resource NAME] [--since TIME] [--until TIME] [--limit N]",
		Aliases: []string{"ls"},
		Short:   "列出审计记录，最新的在前 / list audit records, newest first",
		Long: `Lists audit records, newest first: sequence, time, principal, holder (the
person behind the principal), method, resource, outcome (OK, or the refusal's
code and reason) and request id. Records written before holders show "-".

--principal keeps one principal's records (a token name, or anonymous);
--holder one person's, whichever of their tokens they used (case and Unicode
normalisation aside);
--resource keeps the records of a resource and those under it (e.g.
departments/gtzyj); --since and --until take an RFC 3339 time, a date, or a
duration meaning that long ago (24h, 7d). --limit N shows the newest N
(default 100; 0 for all).`,
		Example: `  powerctl audit list
  powerctl audit list --since 24h --principal gtj-clerk
  powerctl audit list --holder 李四 --limit 0
  powerctl audit list --resource departments/gtzyj --since 2024-05-01 --until 2024-06-01 --limit 0 -o json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			var err error
			if since != "" {
				if f.Since, err = parseTime("--since", since, now); err != nil {
					return err
				}
			}
			if until != "" {
				if f.Until, err = parseTime("--until", until, now); err != nil {
					return err
				}
			}
			if f.Limit < 0 {
				return usagef("--limit 不能为负 / --limit must not be negative")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			list, err := c.AuditEvents(cmd.Context(), f)
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, protoList(list))
			}
			t := &table{}
			t.add("序号 SEQ", "时间 TIME", "主体 PRINCIPAL", "持有人 HOLDER", "操作 METHOD", "资源 RESOURCE", "结果 OUTCOME", "请求 REQUEST ID")
			for _, e := range list {
				outcome := e.GetOutcome()
				if e.GetReason() != "" && e.GetReason() != outcome {
					outcome += " " + e.GetReason()
				}
				holder := principal.Escape(e.GetHolder())
				if holder == "" {
					holder = "-" // a record from before holders
				}
				t.add(strconv.FormatInt(e.GetSequence(), 10), timeText(e.GetTime()), principal.Escape(e.GetPrincipal()), holder,
					shortMethod(e.GetMethod()),
					e.GetResource(), outcome, e.GetRequestId())
			}
			if err := t.write(a.stdout); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "共 %d 条 / %d records\n", len(list), len(list))
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Principal, "principal", "", "only this principal's records (a token name, or anonymous)")
	fl.StringVar(&f.Holder, "holder", "", "only this person's records (the holder of the tokens used, or sso: and an SSO subject)")
	fl.StringVar(&f.Resource, "resource", "", "only records of this resource or those under it, e.g. departments/gtzyj")
	fl.StringVar(&since, "since", "", "only records at or after this time: RFC 3339, a date, or a duration ago (24h, 7d)")
	fl.StringVar(&until, "until", "", "only records before this time: RFC 3339, a date, or a duration ago")
	fl.IntVar(&f.Limit, "limit", 100, "show the newest N records; 0 for all")
	return cmd
}

// verifyResult is the JSON of audit verify.
type verifyResult struct {
	Whole    bool   `json:"whole"`
	Records  int    `json:"records"`
	Sequence uint64 `json:"brokenSequence,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

func (a *app) auditVerifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "校验审计链的完整性 / check that the audit chain is whole",
		Long: `Reads the whole audit trail and recomputes its hash chain, oldest record
first: every record must be there (1, 2, 3, … without a gap), hold the hash of
the one before it, and match its own hash. A record edited or deleted in the
data file breaks the chain there.

Exit status 0 when the chain is whole; 1 naming the first broken record's
sequence and why.`,
		Example: `  POWERREG_TOKEN=$(cat data/admin.token) powerctl audit verify
  powerctl audit verify -o json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			brk, n, err := c.VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			if a.json() {
				res := verifyResult{Whole: brk == nil, Records: n}
				if brk != nil {
					res.Sequence, res.Reason = brk.Seq, brk.Reason
				}
				if err := writeJSON(a.stdout, res); err != nil {
					return err
				}
			} else if brk == nil {
				_, err := fmt.Fprintf(a.stdout, "审计链完整，共 %d 条 / the audit chain is whole: %d records\n", n, n)
				return err
			}
			if brk == nil {
				return nil
			}
			fmt.Fprintf(a.stderr, "powerctl: 审计链在第 %d 条记录处断开 / the audit chain is broken at record %d (of %d): %s\n",
				brk.Seq, brk.Seq, n, safe(brk.Reason))
			return errReported
		},
	}
}
