package registry_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/registry"
)

// TestTokens: a token authenticates by its secret until it is revoked or
// expires; only the secret's hash is kept; each change is audited.
func TestTokens(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")

	// A failed save leaves no token: the next start tries again.
	_, err := e.svc.BootstrapToken(func(string) error { return errors.New("disk full") })
	if err == nil {
		t.Fatal("a bootstrap whose save failed succeeded")
	}
	if list, _ := e.svc.ListTokens(); len(list) != 0 {
		t.Fatalf("a failed bootstrap left tokens: %v", list)
	}
	var boot string
	created, err := e.svc.BootstrapToken(func(s string) error { boot = s; return nil })
	e.must(err, "BootstrapToken")
	if !created || !strings.HasPrefix(boot, "prt_") {
		t.Fatalf("bootstrap secret %q", boot)
	}
	created, err = e.svc.BootstrapToken(func(string) error { t.Fatal("saved twice"); return nil })
	if err != nil || created {
		t.Fatalf("a second bootstrap: %v %v", created, err)
	}
	if tok, err := e.svc.Authenticate(boot); err != nil || tok == nil || tok.Name != "admin" || tok.Roles[0] != registry.RoleAdmin {
		t.Fatalf("bootstrap token: %+v %v", tok, err)
	}

	svc := e.svc.For(registry.Call{Method: "/powerreg.v1.AccessService/CreateToken", Resource: "tokens/clerk", RequestID: "r1"})
	tok, secret, err := svc.CreateToken("admin", registry.TokenInput{Name: "clerk", Roles: []string{registry.RoleEditor},
		Departments: []string{"gtzyj"}, TTL: time.Hour})
	e.must(err, "CreateToken")
	if tok.Hash != registry.HashSecret(secret) || strings.Contains(tok.Hash, secret) || !tok.ExpireTime.Equal(t0.Add(time.Hour)) ||
		tok.Creator != "admin" {
		t.Fatalf("token: %+v", tok)
	}
	for _, bad := range []string{"", secret + " ", strings.ToUpper(secret), secret[:len(secret)-1], boot + secret} {
		if got, err := e.svc.Authenticate(bad); err != nil || got != nil {
			t.Errorf("secret %q authenticated as %+v (%v)", bad, got, err)
		}
	}
	list, err := e.svc.ListTokens()
	e.must(err, "ListTokens")
	for _, tk := range list {
		if strings.Contains(tk.Hash, "prt_") || tk.Hash == secret || tk.Hash == boot {
			t.Errorf("token %s keeps its secret", tk.Name)
		}
	}

	// Expiry: valid until, not at, the expire time.
	e.clock.Advance(time.Hour - time.Nanosecond)
	if got, _ := e.svc.Authenticate(secret); got == nil {
		t.Errorf("the token expired early")
	}
	e.clock.Advance(time.Nanosecond)
	if got, _ := e.svc.Authenticate(secret); got != nil {
		t.Errorf("the token works at its expire time")
	}

	// Revocation.
	_, s2, err := e.svc.CreateToken("admin", registry.TokenInput{Name: "reviewer", Roles: []string{registry.RoleReviewer}})
	e.must(err, "CreateToken reviewer")
	revoked, err := e.svc.For(registry.Call{Method: "revoke", Resource: "tokens/reviewer"}).RevokeToken("admin", "reviewer")
	e.must(err, "RevokeToken")
	if !revoked.RevokeTime.Equal(e.clock.t) {
		t.Errorf("revoke time %v", revoked.RevokeTime)
	}
	if got, _ := e.svc.Authenticate(s2); got != nil {
		t.Errorf("a revoked token works")
	}
	e.clock.Advance(time.Minute)
	twice, err := e.svc.RevokeToken("admin", "reviewer")
	e.must(err, "RevokeToken again")
	if !twice.RevokeTime.Equal(revoked.RevokeTime) {
		t.Errorf("a second revocation moved the revoke time")
	}
	_, err = e.svc.RevokeToken("admin", "nosuch")
	wantErr(t, err, registry.ClassNotFound, registry.ReasonTokenNotFound)

	// Refused creations.
	_, _, err = e.svc.CreateToken("admin", registry.TokenInput{Name: "reviewer", Roles: []string{registry.RoleReviewer}})
	wantErr(t, err, registry.ClassAlreadyExists, registry.ReasonTokenExists)
	_, _, err = e.svc.CreateToken("admin", registry.TokenInput{Name: "x", Roles: []string{registry.RoleEditor}, Departments: []string{"nosuch"}})
	wantErr(t, err, registry.ClassNotFound, registry.ReasonDepartmentNotFound)
	for _, in := range []registry.TokenInput{
		{Name: "Upper", Roles: []string{registry.RoleAdmin}},
		{Name: "noroles"},
		{Name: "bad-role", Roles: []string{"root"}},
		{Name: "editor-nowhere", Roles: []string{registry.RoleEditor}},
		{Name: "negative", Roles: []string{registry.RoleAdmin}, TTL: -time.Second},
		{Name: "bad-dept", Roles: []string{registry.RoleEditor}, Departments: []string{"../x"}},
	} {
		_, _, err := e.svc.CreateToken("admin", in)
		wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	}

	// The trail: the bootstrap, the creations and revocations that took
	// effect, and nothing of the refused ones (the server audits those).
	var recs []*audit.Record
	err = e.db.View(func(tx registry.Tx) error {
		return tx.ScanAudit(0, func(r *audit.Record) (bool, error) { recs = append([]*audit.Record{r}, recs...); return true, nil })
	})
	e.must(err, "ScanAudit")
	if b := audit.Verify(recs); b != nil {
		t.Fatalf("trail: %+v", b)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Method+" "+r.Resource+" "+r.RequestID)
	}
	want := []string{"  " /* the department */, "bootstrap tokens/admin ", "/powerreg.v1.AccessService/CreateToken tokens/clerk r1",
		"  " /* reviewer's token */, "revoke tokens/reviewer ", "  " /* the second revocation */}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("audit records:\n%q\nwant\n%q", got, want)
	}
}
