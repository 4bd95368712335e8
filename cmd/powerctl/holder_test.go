package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// TestAuditOldRecordsAndLookAlikes: a data dir
// whose trail begins with records written before holders (version 1,
// stored without version or holder; two of them by SSO principals holding
// a zero-width space and a right-to-left override, as were accepted
// before) takes new records after them: audit verify finds the chain
// whole; audit list shows the old records' holders as "-", the look-alike
// principals escaped, and the holder of every new record; --holder selects
// one person's records; tokens list shows holders and who created each
// token.
func TestAuditOldRecordsAndLookAlikes(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx registry.Tx) error {
		prev := ""
		for i, p := range []string{"clerk", "sso:admin\u200b", "sso:\u202enimda"} {
			r := &audit.Record{Seq: uint64(i + 1), Time: time.Date(2025, 3, 1, 9, i, 0, 0, time.UTC), Principal: p,
				Method: "/powerreg.v1.RegistryService/CreateItem", Resource: "departments/gtzyj",
				Outcome: "PERMISSION_DENIED", Reason: "PERMISSION_DENIED", PrevHash: prev}
			r.Hash = r.Sum() // version 1: what powerregd wrote before holders
			prev = r.Hash
			if err := tx.PutAudit(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	e := &env{t: t, dir: dir, tokens: map[string]string{}}
	e.serve()
	secret, err := os.ReadFile(filepath.Join(dir, server.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	e.admin = strings.TrimSpace(string(secret))
	e.tokens["admin"] = e.admin
	e.c = e.dial("checker")

	_, office := lastLine(e.ok("admin", "tokens", "create", "--name", "city-office", "--holder", "张三", "--role", "admin").stdout)
	_, li := lastLine(e.as(office, "tokens", "create", "--name", "reviewer-li", "--holder", "李四", "--role", "reviewer").stdout)
	e.as(li, "departments", "create", "--id", "gtzyj", "--name", "市国土资源局") // refused: not an admin
	e.as(office, "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")

	r := e.ok("admin", "audit", "verify")
	if !strings.HasPrefix(r.stdout, "审计链完整") {
		t.Fatalf("audit verify over old and new records: %s", r)
	}
	r = e.ok("admin", "audit", "list", "--limit", "0")
	for _, want := range []string{
		`(?m)^1\s+\S+ \S+\s+clerk\s+-\s+CreateItem\s`,
		`(?m)^2\s+\S+ \S+\s+sso:admin\\u\{200B\}\s+-\s+CreateItem\s`,
		`(?m)^3\s+\S+ \S+\s+sso:\\u\{202E\}nimda\s+-\s+CreateItem\s`,
		`(?m)^4\s+\S+ \S+\s+powerregd\s+powerregd\s+bootstrap\s`,
		`(?m)^\d+\s+\S+ \S+\s+city-office\s+张三\s+CreateToken\s+tokens/reviewer-li\s+OK\s`,
		`(?m)^\d+\s+\S+ \S+\s+reviewer-li\s+李四\s+CreateDepartment\s+departments/gtzyj\s+PERMISSION_DENIED\s`,
		`(?m)^\d+\s+\S+ \S+\s+city-office\s+张三\s+CreateDepartment\s+departments/gtzyj\s+OK\s`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("audit list lacks %s:\n%s", want, r.stdout)
		}
	}
	if strings.ContainsAny(r.stdout, "\u200b\u202e") {
		t.Errorf("audit list prints a look-alike character raw:\n%q", r.stdout)
	}
	r = e.ok("admin", "audit", "list", "--holder", "李四")
	if !strings.Contains(r.stdout, "共 1 条 / 1 records") {
		t.Errorf("audit list --holder 李四:\n%s", r.stdout)
	}
	r = e.ok("admin", "tokens", "list")
	if !regexp.MustCompile(`(?m)^reviewer-li\s+reviewer\s+有效 active\s+李四\s+city-office \(张三\)\s`).MatchString(r.stdout) {
		t.Errorf("tokens list does not show holder and creator:\n%s", r.stdout)
	}
}
