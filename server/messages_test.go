package server_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// errorMeta returns the ErrorInfo metadata of a status.
func errorMeta(st *status.Status) map[string]string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetMetadata()
		}
	}
	return nil
}

// TestTokenRefusalsSayWhy: a refused token says whether it is
// unknown, expired (when) or revoked (when), over gRPC and REST; a secret
// that matches no token learns nothing of any token; a token sent with the
// word Bearer in it is told to drop the word.
func TestTokenRefusalsSayWhy(t *testing.T) {
	c := newClock()
	e := startClock(t, "", c)
	admin := bearer(e.adminSecret())
	mint := func(name string, ttl time.Duration) (string, *pb.Token) {
		req := &pb.CreateTokenRequest{TokenId: name, Token: &pb.Token{Roles: []string{"reviewer"}}}
		if ttl > 0 {
			req.Ttl = durationpb.New(ttl)
		}
		resp := must(e.access().CreateToken(admin, req))
		return resp.GetSecret(), resp.GetToken()
	}
	shortSecret, short := mint("short-lived", time.Hour)
	goneSecret, _ := mint("gone", 0)
	bothSecret, _ := mint("gone-and-expired", time.Hour)
	liveSecret, _ := mint("live", 0)
	gone := must(e.access().RevokeToken(admin, &pb.RevokeTokenRequest{Name: "tokens/gone"})).Token
	both := must(e.access().RevokeToken(admin, &pb.RevokeTokenRequest{Name: "tokens/gone-and-expired"})).Token
	c.Advance(2 * time.Hour)
	names := []string{"short-lived", "gone", "live", "2014"}

	call := func(header string) *status.Status {
		t.Helper()
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", header)
		_, err := e.cat.GetCatalogStats(ctx, &pb.GetCatalogStatsRequest{})
		return status.Convert(err)
	}
	beijing := func(ts time.Time) string {
		return ts.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05 -07:00")
	}

	// Unknown secrets, a near miss of a live one included: TOKEN_UNKNOWN,
	// and no token's name or time in the answer.
	near := liveSecret[:len(liveSecret)-1] + "A"
	if near == liveSecret {
		near = liveSecret[:len(liveSecret)-1] + "B"
	}
	for _, secret := range []string{"prt_nosuchtoken", near, liveSecret + "x", strings.ToUpper(liveSecret)} {
		st := call("Bearer " + secret)
		if st.Code() != codes.Unauthenticated || reasonOf(st) != "TOKEN_UNKNOWN" {
			t.Fatalf("secret %q: %s %s %q", secret, st.Code(), reasonOf(st), st.Message())
		}
		if !bilingual(st.Message()) || !strings.Contains(st.Message(), "没有这个令牌") || !strings.Contains(st.Message(), "no such token") {
			t.Errorf("unknown token: %q", st.Message())
		}
		for _, n := range names {
			if strings.Contains(st.Message(), n) || len(errorMeta(st)) > 0 {
				t.Errorf("the refusal of an unknown secret shows %q or metadata %v: %s", n, errorMeta(st), st.Message())
			}
		}
	}

	// Expired: the token's name and when, in Beijing time and as metadata.
	st := call("Bearer " + shortSecret)
	if reasonOf(st) != "TOKEN_EXPIRED" || st.Code() != codes.Unauthenticated {
		t.Fatalf("expired: %s %s %q", st.Code(), reasonOf(st), st.Message())
	}
	when := beijing(short.GetExpireTime().AsTime())
	for _, want := range []string{"short-lived", when, "已于 " + when + " 过期", "expired at " + when, "ask an administrator for a new one"} {
		if !strings.Contains(st.Message(), want) {
			t.Errorf("expired: %q does not say %q", st.Message(), want)
		}
	}
	if m := errorMeta(st); m["expire_time"] != short.GetExpireTime().AsTime().UTC().Format(time.RFC3339Nano) || m["token"] != "tokens/short-lived" {
		t.Errorf("expired: metadata %v, want expire_time %s", m, short.GetExpireTime().AsTime())
	}

	// Revoked: when; revoked and expired says revoked (an admin's act).
	for secret, tok := range map[string]*pb.Token{goneSecret: gone, bothSecret: both} {
		st := call("Bearer " + secret)
		if reasonOf(st) != "TOKEN_REVOKED" {
			t.Fatalf("revoked %s: %s %q", tok.GetName(), reasonOf(st), st.Message())
		}
		when := beijing(tok.GetRevokeTime().AsTime())
		name := strings.TrimPrefix(tok.GetName(), "tokens/")
		for _, want := range []string{"令牌 " + name + " 已于 " + when + " 被吊销", "the token " + name + " was revoked at " + when} {
			if !strings.Contains(st.Message(), want) {
				t.Errorf("revoked: %q does not say %q", st.Message(), want)
			}
		}
		if m := errorMeta(st); m["revoke_time"] != tok.GetRevokeTime().AsTime().UTC().Format(time.RFC3339Nano) {
			t.Errorf("revoked: metadata %v", m)
		}
	}

	// The word Bearer in the token (POWERREG_TOKEN="Bearer prt_…"), any
	// case: drop it; the same for a live, an unknown or no real secret.
	for _, h := range []string{"Bearer Bearer " + liveSecret, "Bearer bearer prt_nosuchtoken", "bearer  BEARER   " + liveSecret} {
		st := call(h)
		if reasonOf(st) != "TOKEN_BEARER_PREFIX" || st.Code() != codes.Unauthenticated {
			t.Fatalf("%q: %s %q", h, reasonOf(st), st.Message())
		}
		if !strings.Contains(st.Message(), "去掉这个词") || !strings.Contains(st.Message(), "drop the word Bearer") {
			t.Errorf("%q: %q", h, st.Message())
		}
	}

	// REST says the same, with HTTP 401.
	for secret, reason := range map[string]string{shortSecret: "TOKEN_EXPIRED", goneSecret: "TOKEN_REVOKED",
		"prt_nosuchtoken": "TOKEN_UNKNOWN", "Bearer " + liveSecret: "TOKEN_BEARER_PREFIX"} {
		r := e.restAs(secret, http.MethodGet, "/v1/catalog/stats", "", nil)
		if r.Code != http.StatusUnauthorized || r.reason() != reason {
			t.Errorf("REST with %s: HTTP %d %s", reason, r.Code, r.Raw)
		}
	}
	// The live token still works.
	if st := call("Bearer " + liveSecret); st.Code() != codes.OK {
		t.Fatalf("the live token: %v", st.Err())
	}
}

// TestTokenRefusalsOddCharacters (adversarial pass): a REST
// Authorization header that gRPC metadata cannot carry (a tab, a
// full-width space typed with a Chinese input method, a curly quote
// pasted with the token) is refused saying why, never answered as an
// anonymous call: the gateway used to drop such a header silently.
func TestTokenRefusalsOddCharacters(t *testing.T) {
	e := start(t, "")
	admin := bearer(e.adminSecret())
	live := must(e.access().CreateToken(admin, &pb.CreateTokenRequest{TokenId: "live",
		Token: &pb.Token{Roles: []string{"reviewer"}}})).GetSecret()
	for secret, reason := range map[string]string{
		"Bearer\u3000" + live: "TOKEN_BEARER_PREFIX", // POWERREG_TOKEN="Bearer　prt_…"
		"Bearer\t" + live:     "TOKEN_BEARER_PREFIX",
		live + "\u201d":       "TOKEN_UNKNOWN", // the closing quote copied along
		"\u201c" + live:       "TOKEN_UNKNOWN",
	} {
		for _, path := range []string{"/v1/caller", "/v1/catalog/stats"} {
			r := e.restAs(secret, http.MethodGet, path, "", nil)
			if r.Code != http.StatusUnauthorized || r.reason() != reason {
				t.Errorf("GET %s with %q: HTTP %d %s, want 401 %s", path, secret, r.Code, r.Raw, reason)
			}
		}
	}
	// A full-width space between the scheme and the token is a space.
	if r := e.restAs("", http.MethodGet, "/v1/caller", "", map[string]string{"Authorization": "Bearer\u3000" + live}); r.Code != http.StatusOK || r.str("principal") != "live" {
		t.Errorf("Bearer<U+3000>token: HTTP %d %s", r.Code, r.Raw)
	}
}

// TestGetCaller: the caller's own principal, roles and departments, for
// anyone; nothing of other tokens.
func TestGetCaller(t *testing.T) {
	e := start(t, "")
	admin := bearer(e.adminSecret())
	must(e.reg.CreateDepartment(admin, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	clerk := must(e.access().CreateToken(admin, &pb.CreateTokenRequest{TokenId: "gtj-clerk",
		Token: &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj"}, Holder: "张三"}})).GetSecret()

	got := must(e.access().GetCaller(bearer(clerk), &pb.GetCallerRequest{}))
	if got.GetPrincipal() != "gtj-clerk" || got.GetHolder() != "张三" || !slices.Equal(got.GetRoles(), []string{"editor"}) ||
		!slices.Equal(got.GetDepartments(), []string{"departments/gtzyj"}) {
		t.Errorf("GetCaller as the clerk: %v", got)
	}
	got = must(e.access().GetCaller(context.Background(), &pb.GetCallerRequest{}))
	if got.GetPrincipal() != "anonymous" || len(got.GetRoles()) != 0 || len(got.GetDepartments()) != 0 {
		t.Errorf("GetCaller anonymously: %v", got)
	}
	r := e.restAs(clerk, http.MethodGet, "/v1/caller", "", nil)
	if r.Code != http.StatusOK || r.str("principal") != "gtj-clerk" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("REST GET /v1/caller: HTTP %d %s %v", r.Code, r.Raw, r.Header)
	}
	// A refused token is refused here too: GetCaller is no way around it.
	_, err := e.access().GetCaller(bearer("prt_nosuchtoken"), &pb.GetCallerRequest{})
	wantStatus(t, err, codes.Unauthenticated, "TOKEN_UNKNOWN")
}

// TestImportRefusalNamesOwnDepartment: an editor of one
// department importing rows that name their departments is told to import
// into its own department with --department, naming it.
func TestImportRefusalNamesOwnDepartment(t *testing.T) {
	e := start(t, "")
	admin := bearer(e.adminSecret())
	for id, name := range map[string]string{"gtzyj": "市国土资源局", "hbj": "市环境保护局"} {
		must(e.reg.CreateDepartment(admin, &pb.CreateDepartmentRequest{DepartmentId: id, Department: &pb.Department{DisplayName: name}}))
	}
	one := e.mint("gtj-clerk", []string{"editor"}, []string{"gtzyj"}, 0)
	two := e.mint("two-clerk", []string{"editor"}, []string{"gtzyj", "hbj"}, 0)
	reviewer := e.mint("rev", []string{"reviewer"}, nil, 0)
	importing := func(secret string, first *pb.ImportItemsRequest) *status.Status {
		stream := must(e.reg.ImportItems(bearer(secret)))
		stream.Send(first)
		_, err := stream.CloseAndRecv()
		return wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED")
	}
	rows := []*pb.ImportRow{{DepartmentDisplayName: "市国土资源局", Item: &pb.Item{DisplayName: "土地登记", Category: pb.Category_CATEGORY_CONFIRMATION}}}

	st := importing(one, &pb.ImportItemsRequest{Rows: rows})
	for _, want := range []string{"用 --department gtzyj 导入本部门", "add --department gtzyj", "parent departments/gtzyj",
		"gtj-clerk", "editor of every department (-)"} {
		if !strings.Contains(st.Message(), want) {
			t.Errorf("one department: %q does not say %q", st.Message(), want)
		}
	}
	if !bilingual(st.Message()) {
		t.Errorf("not bilingual: %s", st.Message())
	}
	// Several departments: --department ID, naming them.
	st = importing(two, &pb.ImportItemsRequest{Rows: rows})
	for _, want := range []string{"--department ID", "gtzyj, hbj"} {
		if !strings.Contains(st.Message(), want) {
			t.Errorf("two departments: %q does not say %q", st.Message(), want)
		}
	}
	// Creating departments: the same hint, and the admin role.
	st = importing(one, &pb.ImportItemsRequest{CreateDepartments: true, Rows: rows})
	if !strings.Contains(st.Message(), "--department gtzyj") || !strings.Contains(st.Message(), "admin") {
		t.Errorf("creating departments: %s", st.Message())
	}
	// Not an editor: no department to suggest; the requirement as before.
	st = importing(reviewer, &pb.ImportItemsRequest{Rows: rows})
	if strings.Contains(st.Message(), "--department") || !strings.Contains(st.Message(), "editor of every department (-)") {
		t.Errorf("a reviewer importing: %s", st.Message())
	}
	// With its department, the clerk imports.
	stream := must(e.reg.ImportItems(bearer(one)))
	stream.Send(&pb.ImportItemsRequest{Parent: "departments/gtzyj", Rows: []*pb.ImportRow{{Item: rows[0].Item}}})
	if resp, err := stream.CloseAndRecv(); err != nil || resp.GetRowCount() != 1 {
		t.Fatalf("import with a parent: %v %v", resp, err)
	}
}

// TestItemNamesQuoted: messages quote item names with “”, not
// 《》, which marks the titles of laws.
func TestItemNamesQuoted(t *testing.T) {
	e := start(t, "")
	boss := as("boss")
	must(e.reg.CreateDepartment(boss, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	it := must(e.reg.CreateItem(boss, &pb.CreateItemRequest{Parent: "departments/gtzyj",
		Item: &pb.Item{DisplayName: "土地登记", Category: pb.Category_CATEGORY_CONFIRMATION}})).Item
	sub := must(e.reg.CreateSubmission(boss, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{it.Name}}})).Submission
	_, err := e.reg.SubmitSubmission(boss, &pb.SubmitSubmissionRequest{Name: sub.Name})
	st := wantStatus(t, err, codes.FailedPrecondition, "LEGAL_BASIS_MISSING")
	var descs []string
	for _, d := range st.Details() {
		if pf, ok := d.(*errdetails.PreconditionFailure); ok {
			for _, v := range pf.Violations {
				descs = append(descs, v.Description)
			}
		}
	}
	if len(descs) != 1 || !strings.Contains(descs[0], "“土地登记”缺少设定依据") || !strings.Contains(descs[0], "“土地登记” lacks a legal basis") ||
		strings.Contains(descs[0], "《") {
		t.Errorf("the item is not quoted “土地登记”: %q", descs)
	}
}
