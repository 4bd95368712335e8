package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/store"
)

// secretPattern is how the registry's token secrets look.
var secretPattern = regexp.MustCompile(`^prt_[A-Za-z0-9_-]{43}$`)

// lastLine is the last line of s, which ends with a newline.
func lastLine(s string) (rest, last string) {
	s = strings.TrimSuffix(s, "\n")
	i := strings.LastIndex(s, "\n")
	return s[:i+1], s[i+1:]
}

// as runs powerctl with a token secret in POWERREG_TOKEN.
func (e *env) as(secret string, args ...string) result {
	e.t.Helper()
	return e.runEnv(map[string]string{"POWERREG_TOKEN": secret}, args...)
}

// landRows are five rows of 市国土资源局 without a department column.
func landRows(t *testing.T, name string) string {
	rows := completeRows()[:5]
	for i := range rows {
		rows[i].Department = ""
	}
	return writeRows(t, t.TempDir(), name, rows)
}

// tokens create prints the token and then its secret alone on the last
// line, in both output formats.
func TestTokensCreateSecretIsLastLine(t *testing.T) {
	e := start(t)
	r := e.ok("admin", "tokens", "create", "--name", "reviewer-li", "--holder", "李四", "--role", "reviewer")
	table, secret := lastLine(r.stdout)
	if !secretPattern.MatchString(secret) || strings.Contains(table, secret) {
		t.Errorf("the last line is not the secret alone: %q\n%s", secret, r)
	}
	if !regexp.MustCompile(`(?m)^reviewer-li\s+reviewer\s+有效 active\s+李四\s+admin\s`).MatchString(table) {
		t.Errorf("no table of the token before the secret:\n%s", r)
	}
	if !strings.Contains(r.stderr, "shown this once") {
		t.Errorf("no warning on stderr:\n%s", r)
	}
	if got := e.as(secret, "review", "list"); got.code != 0 {
		t.Errorf("the printed secret does not work: %s", got)
	}

	r = e.ok("admin", "tokens", "create", "--name", "gtj-clerk", "--role", "editor,reviewer", "--department", "-",
		"--expires", "30d", "-o", "json")
	doc, secret := lastLine(r.stdout)
	tok := &pb.Token{}
	if err := protojson.Unmarshal([]byte(doc), tok); err != nil || !secretPattern.MatchString(secret) {
		t.Fatalf("tokens create -o json: %v\n%s", err, r)
	}
	life := tok.GetExpireTime().AsTime().Sub(tok.GetCreateTime().AsTime())
	if tok.GetName() != "tokens/gtj-clerk" || strings.Join(tok.GetRoles(), ",") != "editor,reviewer" ||
		strings.Join(tok.GetDepartments(), ",") != "departments/-" || tok.GetCreator() != "admin" ||
		tok.GetHolder() != "gtj-clerk" || tok.GetCreatorHolder() != "admin" || life != 30*24*time.Hour {
		t.Errorf("token %v", tok)
	}
}

// Tokens through the CLI: the secret works for exactly its role and
// departments; list shows them; a revoked or expired one is refused.
func TestTokensCreateListRevoke(t *testing.T) {
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	e.ok("admin", "departments", "create", "--id", "hbj", "--name", "市环保局")
	_, clerk := lastLine(e.ok("admin", "tokens", "create", "--name", "gtj-clerk", "--role", "editor", "--department", "gtzyj").stdout)
	path := landRows(t, "gtzyj.csv")

	// An editor of gtzyj imports into gtzyj, not into hbj.
	if r := e.as(clerk, "import", "--department", "gtzyj", path); r.code != 0 || !strings.Contains(r.stdout, "新增 5 项") {
		t.Fatalf("an editor of gtzyj imports into gtzyj: %s", r)
	}
	r := e.as(clerk, "import", "--department", "hbj", path)
	if r.code != 1 || !strings.Contains(r.stderr, "gtj-clerk may not call this") || !strings.Contains(r.stderr, "editor of departments/hbj") ||
		strings.Contains(r.stderr, "gtzyj") && !strings.Contains(r.stderr, "gtzyj.csv") {
		t.Errorf("an editor of gtzyj imports into hbj: %s", r)
	}
	// The same with --token, and the hint for a missing role.
	r = e.runEnv(nil, "--token", clerk, "import", "--department", "hbj", path)
	if r.code != 1 || !strings.Contains(r.stderr, "departments/hbj") {
		t.Errorf("--token: %s", r)
	}
	r = e.as(clerk, "submit", "--department", "gtzyj")
	sub := nameOf(t, r)
	r = e.as(clerk, "review", "approve", sub)
	if r.code != 1 || !strings.Contains(r.stderr, "it needs one of: reviewer") ||
		!strings.Contains(r.stderr, "ask an administrator for a token with the needed role") {
		t.Errorf("an editor approves: %s", r)
	}
	r = e.as(clerk, "tokens", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "admin") {
		t.Errorf("an editor lists tokens: %s", r)
	}

	// Anonymous callers read the catalogue only.
	if r := e.run("anyone", "catalog", "stats"); r.code != 0 {
		t.Errorf("anonymous catalog stats: %s", r)
	}
	r = e.run("anyone", "departments", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "this needs credentials") || !strings.Contains(r.stderr, "use --token or POWERREG_TOKEN") {
		t.Errorf("anonymous departments list: %s", r)
	}

	// An expired token.
	_, brief := lastLine(e.ok("admin", "tokens", "create", "--name", "brief", "--role", "reviewer", "--expires", "1ms").stdout)
	time.Sleep(20 * time.Millisecond)
	r = e.as(brief, "review", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "the token brief expired at") {
		t.Errorf("an expired token: %s", r)
	}

	// list
	r = e.ok("admin", "tokens", "list")
	for _, want := range []string{
		`(?m)^admin\s+admin\s+有效 active\s+admin\s+powerregd\s`,
		`(?m)^gtj-clerk\s+editor\s+gtzyj\s+有效 active\s+gtj-clerk\s+admin\s`,
		`(?m)^brief\s+reviewer\s+已过期 expired\s+brief\s+admin\s`,
		`(?m)^共 4 个令牌 / 4 tokens$`, // and checker
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("tokens list lacks %s:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, clerk) {
		t.Errorf("tokens list shows a secret:\n%s", r.stdout)
	}
	r = e.ok("admin", "tokens", "list", "-o", "json")
	var list []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 4 || strings.Contains(r.stdout, "prt_") {
		t.Errorf("tokens list -o json: %v\n%s", err, r.stdout)
	}

	// revoke
	r = e.ok("admin", "tokens", "revoke", "gtj-clerk")
	if !strings.HasPrefix(r.stdout, "tokens/gtj-clerk: 已吊销") {
		t.Errorf("revoke: %s", r)
	}
	r = e.as(clerk, "import", "--department", "gtzyj", path)
	if r.code != 1 || !strings.Contains(r.stderr, "the token gtj-clerk was revoked at") ||
		!strings.Contains(r.stderr, "powerctl sent the token of the environment variable POWERREG_TOKEN") {
		t.Errorf("a revoked token: %s", r)
	}
	c, err := client.Dial(e.addr, client.Options{Token: clerk})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Departments(t.Context()); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a revoked token: %v, want UNAUTHENTICATED", err)
	}
	if r := e.ok("admin", "tokens", "list"); !regexp.MustCompile(`(?m)^gtj-clerk\s+editor\s+gtzyj\s+已吊销 revoked\s`).MatchString(r.stdout) {
		t.Errorf("tokens list after revoke:\n%s", r.stdout)
	}

	// Refusals.
	for _, tc := range []struct {
		code int
		args []string
		says string
	}{
		{1, []string{"tokens", "create", "--name", "gtj-clerk", "--role", "reviewer"}, "choose another"},
		{1, []string{"tokens", "create", "--name", "x", "--role", "editor"}, "an editor needs at least one department"},
		{1, []string{"tokens", "create", "--name", "x", "--role", "boss"}, `unknown role "boss"`},
		{1, []string{"tokens", "create", "--name", "Bad Name", "--role", "reviewer"}, "a token name starts with"},
		{1, []string{"tokens", "create", "--name", "x", "--role", "editor", "--department", "nowhere"}, "departments/nowhere"},
		{1, []string{"tokens", "revoke", "nobody"}, "powerctl tokens list"},
		{2, []string{"tokens", "create", "--name", "x", "--role", "reviewer", "--expires", "soon"}, "--expires"},
		{2, []string{"tokens", "create", "--role", "reviewer"}, `"name"`},
		{2, []string{"tokens", "revoke"}, "accepts 1 arg"},
	} {
		r := e.run("admin", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.says) {
			t.Errorf("powerctl %s: want exit %d saying %q, got %s", strings.Join(tc.args, " "), tc.code, tc.says, r)
		}
	}
}

// auditRow matches a row of audit list: principal (whose holder is its
// name), method, resource and outcome.
func auditRow(principal, method, resource, outcome string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\d+\s+\S+ \S+\s+` + regexp.QuoteMeta(principal) + `\s+` + regexp.QuoteMeta(principal) + `\s+` + method + `\s+` +
		regexp.QuoteMeta(resource) + `\s+` + outcome + `\s+[0-9a-f]+$`)
}

// The audit trail through the CLI: the steps of a flow with their
// principals, a refusal, the filters, and a whole chain.
func TestAuditListAndVerify(t *testing.T) {
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	e.ok("clerk", "import", "--department", "gtzyj", landRows(t, "gtzyj.csv"))
	sub := nameOf(t, e.ok("clerk", "submit", "--department", "gtzyj", "--comment", "第一批"))
	r := e.fails(1, "clerk", "review", "approve", sub) // four eyes
	if !strings.Contains(r.stderr, "cannot review it") || !strings.Contains(r.stderr, "four eyes") {
		t.Errorf("approval by the submitter: %s", r)
	}
	e.ok("reviewer", "review", "approve", sub)
	e.ok("publisher", "publish", "--all-approved")

	r = e.ok("reviewer", "audit", "list")
	for _, want := range []*regexp.Regexp{
		auditRow("admin", "CreateDepartment", "departments/gtzyj", "OK"),
		auditRow("clerk", "ImportItems", "departments/gtzyj", "OK"),
		auditRow("clerk", "CreateSubmission", "departments/gtzyj", "OK"),
		auditRow("clerk", "ApproveSubmission", sub, "PERMISSION_DENIED FOUR_EYES"),
		auditRow("reviewer", "ApproveSubmission", sub, "OK"),
		auditRow("publisher", "CreatePublication", "publications", "OK"),
	} {
		if !want.MatchString(r.stdout) {
			t.Errorf("audit list lacks %s:\n%s", want, r.stdout)
		}
	}
	// Newest first.
	if i, j := strings.Index(r.stdout, "CreatePublication"), strings.Index(r.stdout, "CreateDepartment"); i < 0 || j < i {
		t.Errorf("audit list is not newest first:\n%s", r.stdout)
	}

	r = e.ok("admin", "audit", "list", "--limit", "0", "-o", "json")
	var all []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &all); err != nil || len(all) < 10 {
		t.Fatalf("audit list -o json: %v\n%s", err, r.stdout)
	}
	first := &pb.AuditEvent{}
	if err := protojson.Unmarshal(all[0], first); err != nil || first.GetSequence() != int64(len(all)) || first.GetHash() == "" ||
		first.GetPreviousHash() == "" {
		t.Errorf("newest event %v (%v) of %d", first, err, len(all))
	}

	// Filters.
	count := func(args ...string) int {
		t.Helper()
		r := e.ok("reviewer", append([]string{"audit", "list"}, args...)...)
		m := regexp.MustCompile(`(?m)^共 (\d+) 条 / \d+ records$`).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("no count: %s", r)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if n := count("--principal", "reviewer"); n != 1 {
		t.Errorf("--principal reviewer: %d records, want 1", n)
	}
	// powerctl submit creates and submits in one call, on the department.
	if n := count("--principal", "clerk", "--resource", sub); n != 1 {
		t.Errorf("--principal clerk --resource %s: %d records, want 1 (the refused approval)", sub, n)
	}
	if n := count("--since", "1h", "--limit", "0"); n != len(all) {
		t.Errorf("--since 1h: %d records, want %d", n, len(all))
	}
	if n := count("--since", time.Now().Add(-time.Hour).Format(time.RFC3339), "--until", "1h"); n != 0 {
		t.Errorf("--until 1h ago: %d records, want 0", n)
	}
	if n := count("--limit", "3"); n != 3 {
		t.Errorf("--limit 3: %d records", n)
	}
	e.fails(2, "reviewer", "audit", "list", "--since", "yesterday")
	_, editor := lastLine(e.ok("admin", "tokens", "create", "--name", "editor-only", "--role", "editor", "--department", "gtzyj").stdout)
	if r := e.as(editor, "audit", "verify"); r.code != 1 || !strings.Contains(r.stderr, "admin, reviewer") {
		t.Errorf("an editor reads the audit trail: %s", r)
	}

	// verify
	r = e.ok("reviewer", "audit", "verify")
	m := regexp.MustCompile(`^审计链完整，共 (\d+) 条 / the audit chain is whole: (\d+) records\n$`).FindStringSubmatch(r.stdout)
	if m == nil || m[1] != m[2] {
		t.Fatalf("audit verify: %s", r)
	}
	if n, _ := strconv.Atoi(m[1]); n < len(all) {
		t.Errorf("audit verify read %d records, fewer than the %d listed", n, len(all))
	}
	r = e.ok("admin", "audit", "verify", "-o", "json")
	var res verifyResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || !res.Whole || res.Records < len(all) {
		t.Errorf("audit verify -o json: %v\n%s", err, r)
	}
}

// A record edited in the data file breaks the chain: audit verify exits 1
// naming it.
func TestAuditVerifyTampered(t *testing.T) {
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	e.ok("clerk", "import", "--department", "gtzyj", landRows(t, "gtzyj.csv"))
	e.ok("clerk", "submit", "--department", "gtzyj")
	e.ok("admin", "audit", "verify")
	e.stop()

	// Change clerk into clark in the record of the import, sealing its
	// envelope again (the checksum catches damage, not
	// intent: the hash chain does).
	db, err := bolt.Open(filepath.Join(e.dir, "powerreg.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var seq int64
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		return b.ForEach(func(k, v []byte) error {
			rec, err := store.DecodeAuditRecord(k, v)
			if err != nil {
				return err
			}
			if seq != 0 || rec.Principal != "clerk" {
				return nil
			}
			seq = int64(rec.Seq)
			rec.Principal = "clark"
			edited, err := store.EncodeAuditRecord(k, rec)
			if err != nil {
				return err
			}
			return b.Put(k, edited)
		})
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil || seq == 0 {
		t.Fatalf("tamper: %v (record %d)", err, seq)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "powerreg.db")); err != nil {
		t.Fatal(err)
	}

	e.restart()
	r := e.fails(1, "admin", "audit", "verify")
	want := "the audit chain is broken at record " + strconv.FormatInt(seq, 10) + " "
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "does not match its hash") || r.stdout != "" {
		t.Errorf("audit verify of a tampered trail: want %q, got %s", want, r)
	}
	r = e.fails(1, "admin", "audit", "verify", "-o", "json")
	var res verifyResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Whole || res.Sequence != uint64(seq) {
		t.Errorf("audit verify -o json of a tampered trail: %v\n%s", err, r)
	}
}
