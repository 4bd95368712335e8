package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// wantAll fails unless text holds every one of wants.
func wantAll(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, text)
		}
	}
}

// TestTokenMessages: a refused token says whether it is
// unknown, expired (when) or revoked (when), where powerctl took it from,
// and to drop the word Bearer when the variable holds it.
func TestTokenMessages(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	mint := func(name string, ttl time.Duration) (string, *pb.Token) {
		req := &pb.CreateTokenRequest{TokenId: name, Token: &pb.Token{Roles: []string{"reviewer"}}}
		if ttl > 0 {
			req.Ttl = durationpb.New(ttl)
		}
		resp, err := e.c.Access.CreateToken(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetSecret(), resp.GetToken()
	}
	// A lifetime of a microsecond is over by the next call.
	expiredSecret, expired := mint("short-lived", time.Microsecond)
	revokedSecret, _ := mint("gone", 0)
	liveSecret, _ := mint("live", 0)
	e.ok("admin", "tokens", "revoke", "gone")
	revoked := e.tokenNamed("gone")
	cst := time.FixedZone("CST", 8*3600)
	at := func(ts time.Time) string { return ts.In(cst).Format("2006-01-02 15:04:05 -07:00") }

	env := func(token string) map[string]string { return map[string]string{"POWERREG_TOKEN": token} }
	fails := func(vars map[string]string, args ...string) result {
		t.Helper()
		r := e.runEnv(vars, args...)
		if r.code != 1 {
			t.Fatalf("powerctl %v: want exit 1: %s", args, r)
		}
		return r
	}

	r := fails(env("prt_nosuchtoken"), "review", "list")
	wantAll(t, "an unknown token", r.stderr, "没有这个令牌", "no such token", "环境变量 POWERREG_TOKEN", "the token of the environment variable POWERREG_TOKEN")
	if strings.Contains(r.stderr, "live") || strings.Contains(r.stderr, "gone") {
		t.Errorf("an unknown token's refusal names a token:\n%s", r)
	}
	r = fails(nil, "--token", "prt_nosuchtoken", "review", "list")
	wantAll(t, "an unknown --token", r.stderr, "no such token", "powerctl sent the token of --token")

	r = fails(env(expiredSecret), "review", "list")
	when := at(expired.GetExpireTime().AsTime())
	wantAll(t, "an expired token", r.stderr, "令牌 short-lived 已于 "+when+" 过期", "the token short-lived expired at "+when,
		"ask an administrator for a new one", "POWERREG_TOKEN")

	r = fails(env(revokedSecret), "review", "list")
	when = at(revoked.GetRevokeTime().AsTime())
	wantAll(t, "a revoked token", r.stderr, "令牌 gone 已于 "+when+" 被吊销", "the token gone was revoked at "+when)

	// POWERREG_TOKEN="Bearer prt_…": drop the word, whatever the token.
	for _, v := range []string{"Bearer " + liveSecret, "bearer " + revokedSecret} {
		r = fails(env(v), "review", "list")
		wantAll(t, "a token with Bearer", r.stderr, "去掉这个词", "drop the word Bearer", "POWERREG_TOKEN", "export POWERREG_TOKEN=$(cat my.token)")
		if strings.Contains(r.stderr, "gone") {
			t.Errorf("the Bearer refusal tells of the token:\n%s", r)
		}
	}
	// The same with a tab or a full-width space (a Chinese input method),
	// from the variable or --token: gRPC would refuse to send either
	// ("non-printable ASCII", in English only).
	for _, v := range []string{"Bearer\t" + liveSecret, "Bearer\u3000" + liveSecret, "Bearer:" + liveSecret} {
		r = fails(env(v), "review", "list")
		wantAll(t, "a token with Bearer and odd spacing", r.stderr, "去掉这个词", "drop the word Bearer", "POWERREG_TOKEN")
		r = fails(nil, "--token", v, "review", "list")
		wantAll(t, "a --token with Bearer and odd spacing", r.stderr, "drop the word Bearer", "powerctl sent the token of --token")
	}
	// A quote copied along with the token: no such token, said in both
	// languages.
	r = fails(env("\u201c"+liveSecret+"\u201d"), "review", "list")
	wantAll(t, "a quoted token", r.stderr, "没有这个令牌", "no such token", "POWERREG_TOKEN")
	if strings.Contains(r.stderr, "non-printable") {
		t.Errorf("gRPC's English-only refusal:\n%s", r)
	}
	e.runEnvOK(env(liveSecret), "review", "list")
}

// tokenNamed returns a token as ListTokens shows it.
func (e *env) tokenNamed(id string) *pb.Token {
	e.t.Helper()
	list, err := e.c.Tokens(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, tk := range list {
		if tk.GetName() == "tokens/"+id {
			return tk
		}
	}
	e.t.Fatalf("no token %s", id)
	return nil
}

// runEnvOK is runEnv that must succeed.
func (e *env) runEnvOK(vars map[string]string, args ...string) result {
	e.t.Helper()
	r := e.runEnv(vars, args...)
	if r.code != 0 {
		e.t.Fatalf("powerctl %v: %s", args, r)
	}
	return r
}

// clerkWorld is two departments with items, a clerk of each (gtj-clerk,
// hbj-clerk), an editor of both, a reviewer and a publisher of one role
// each.
func clerkWorld(t *testing.T) *env {
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	e.ok("admin", "departments", "create", "--id", "hbj", "--name", "市环境保护局")
	e.mint("gtj-clerk", &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj"}})
	e.mint("hbj-clerk", &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/hbj"}})
	e.mint("two-clerk", &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj", "departments/hbj"}})
	e.mint("rev-only", &pb.Token{Roles: []string{"reviewer"}})
	e.mint("pub-only", &pb.Token{Roles: []string{"publisher"}})
	return e
}

// TestPermissionHints: refusals name what the caller can do
// next, and the requirement of the command, not of a listing it makes
// first.
func TestPermissionHints(t *testing.T) {
	e := clerkWorld(t)
	dir := t.TempDir()
	rows := completeRows()[:2] // 市国土资源局's
	file := writeRows(t, dir, "gtzyj.csv", rows)

	// A clerk importing a file that names its department, without
	// --department: add --department gtzyj.
	r := e.fails(1, "gtj-clerk", "import", file)
	wantAll(t, "import without --department", r.stderr, "用 --department gtzyj 导入本部门", "add --department gtzyj", "未导入")
	if len(e.items()) != 0 {
		t.Fatalf("a refused import created items")
	}
	e.ok("gtj-clerk", "import", "--department", "gtzyj", file)

	// publish --all-approved without the publisher role: publishing needs
	// it (not the listing's reviewer or editor of every department).
	for _, who := range []string{"gtj-clerk", "two-clerk"} {
		r = e.fails(1, who, "publish", "--all-approved")
		wantAll(t, "publish by "+who, r.stderr, "发布需要 publisher", "publishing needs a token with the publisher role")
		if strings.Contains(r.stderr, "editor of every department") || strings.Contains(r.stderr, "reviewer") {
			t.Errorf("publish by %s reports the listing's requirement:\n%s", who, r)
		}
	}
	// Nothing approved: a reviewer (who may list the approved batches) is
	// told what publishing needs, not that there is nothing to do; a
	// publisher that there is nothing to do (adversarial pass).
	for _, args := range [][]string{{"publish", "--all-approved"}, {"publish", "--all-approved", "--dry-run"}} {
		r = e.fails(1, "rev-only", args...)
		wantAll(t, "publish of nothing by a reviewer", r.stderr, "发布需要 publisher", "publishing needs a token with the publisher role")
		if strings.Contains(r.stderr, "nothing to do") {
			t.Errorf("%v by a reviewer says there is nothing to do:\n%s", args, r)
		}
		r = e.run("pub-only", args...)
		wantAll(t, "publish of nothing by the publisher", r.stderr, "no approved submission waits for publication")
	}
	// Named batches: CreatePublication's own refusal names the role.
	r = e.fails(1, "rev-only", "publish", "departments/gtzyj/submissions/1")
	wantAll(t, "publish by a reviewer", r.stderr, "publisher")

	// submit by a reviewer or another department's clerk: submitting needs
	// an editor of the department, not the listing's reviewer role.
	for _, who := range []string{"rev-only", "hbj-clerk"} {
		r = e.fails(1, who, "submit", "--department", "gtzyj")
		wantAll(t, "submit by "+who, r.stderr, "submitting needs an editor token of departments/gtzyj")
		if strings.Contains(r.stderr, "reviewer,") {
			t.Errorf("submit by %s reports the listing's requirement:\n%s", who, r)
		}
	}
	if subs, err := e.c.Submissions(context.Background(), "departments/-", pb.Submission_STATE_UNSPECIFIED); err != nil || len(subs) != 0 {
		t.Errorf("refused submits left batches: %v %v", subs, err)
	}
	// The clerk submits, and review list shows the clerk's own batches.
	sub := nameOf(t, e.ok("gtj-clerk", "submit", "--department", "gtzyj"))
	// With no drafts left, one who may not submit is told so, not that
	// there is nothing to do (adversarial pass); the clerk is told the
	// latter.
	for _, who := range []string{"rev-only", "hbj-clerk", "pub-only"} {
		r = e.fails(1, who, "submit", "--department", "gtzyj")
		wantAll(t, "submit of no drafts by "+who, r.stderr, "报送需要 departments/gtzyj 的 editor",
			"submitting needs an editor token of departments/gtzyj", "ask an administrator for a token")
		if strings.Contains(r.stderr, "nothing to do") {
			t.Errorf("submit of no drafts by %s says there is nothing to do:\n%s", who, r)
		}
	}
	r = e.run("gtj-clerk", "submit", "--department", "gtzyj")
	wantAll(t, "submit of no drafts by the clerk", r.stderr, "has no drafts to submit")
	r = e.ok("gtj-clerk", "review", "list")
	wantAll(t, "review list by the clerk", r.stdout, sub)

	// Returning or approving with item comments reads the batch first: a
	// clerk of another department is told reviewing needs the role.
	for _, args := range [][]string{{"reject", sub, "--comment", "x", "--item", "建设用地审批=缺条款"},
		{"approve", sub, "--return", "建设用地审批=缺条款"}} {
		r = e.fails(1, "hbj-clerk", append([]string{"review"}, args...)...)
		wantAll(t, "review "+args[0]+" by another clerk", r.stderr, "reviewing (approving or returning) needs a token with the reviewer role")
		if strings.Contains(r.stderr, "editor of departments/gtzyj") {
			t.Errorf("review %s reports the batch read's requirement:\n%s", args[0], r)
		}
	}
}

// TestItemsListDefaultsToOwnDepartment: items list for a clerk
// scoped to one department lists that department; reviewers see every
// department; an editor of several chooses.
func TestItemsListDefaultsToOwnDepartment(t *testing.T) {
	e := clerkWorld(t)
	dir := t.TempDir()
	e.ok("clerk", "import", "--department", "gtzyj", writeRows(t, dir, "a.csv", []sheet.Row{
		{Item: &pb.Item{DisplayName: "建设用地审批", Category: pb.Category_CATEGORY_LICENSING}}}))
	e.ok("clerk", "import", "--department", "hbj", writeRows(t, dir, "b.csv", []sheet.Row{
		{Item: &pb.Item{DisplayName: "排污许可", Category: pb.Category_CATEGORY_LICENSING}}}))

	r := e.ok("gtj-clerk", "items", "list")
	if !strings.Contains(r.stdout, "建设用地审批") || strings.Contains(r.stdout, "排污许可") || !strings.Contains(r.stdout, "共 1 个事项") {
		t.Errorf("items list by the clerk of gtzyj:\n%s", r)
	}
	r = e.ok("hbj-clerk", "items", "list", "-o", "json")
	if !strings.Contains(r.stdout, "departments/hbj/items/") || strings.Contains(r.stdout, "departments/gtzyj/") {
		t.Errorf("items list -o json by the clerk of hbj:\n%s", r)
	}
	// --department still chooses (and is refused for another department).
	r = e.fails(1, "gtj-clerk", "items", "list", "--department", "hbj")
	wantAll(t, "another department", r.stderr, "editor of departments/hbj")
	for _, who := range []string{"rev-only", "pub-only"} {
		r = e.ok(who, "items", "list")
		if !strings.Contains(r.stdout, "建设用地审批") || !strings.Contains(r.stdout, "排污许可") {
			t.Errorf("items list by %s:\n%s", who, r)
		}
	}
	r = e.fails(2, "two-clerk", "items", "list")
	wantAll(t, "an editor of two departments", r.stderr, "--department ID", "gtzyj, hbj")
	e.ok("two-clerk", "items", "list", "--department", "hbj")
}

// TestPublishPrintsCodes: publish prints the code and name of
// each item it put in force, or of a larger publication how many and the
// command that lists them (which does).
func TestPublishPrintsCodes(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")
	e.ok("clerk", "import", "--department", "gtzyj", writeRows(t, dir, "a.csv", completeRows()[:5]))
	out := e.publishAll("gtzyj")
	if !regexp.MustCompile(`^publications/\d+: 已发布 1 个批次的 5 个事项 / published 5 items of 1 submissions\n`).MatchString(out) {
		t.Fatalf("publish:\n%s", out)
	}
	catalog := e.catalog()
	if len(catalog) != 5 {
		t.Fatalf("%d items in force", len(catalog))
	}
	for _, it := range catalog {
		line := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(it.GetCode()) + `\s+新增 / new\s+departments/gtzyj/items/\d+\s+“` +
			regexp.QuoteMeta(it.GetDisplayName()) + `”$`)
		if !line.MatchString(out) {
			t.Errorf("publish does not print %s “%s”:\n%s", it.GetCode(), it.GetDisplayName(), out)
		}
	}
	if !strings.Contains(out, "430400-FW-LAND-0001") { // the code the department gave is kept and shown
		t.Errorf("publish does not show the given code:\n%s", out)
	}

	// More than 20: how many, and a command that lists exactly them.
	var rows []sheet.Row
	for i := range 25 {
		rows = append(rows, sheet.Row{Item: &pb.Item{DisplayName: fmt.Sprintf("事项%02d", i), Category: pb.Category_CATEGORY_PENALTY,
			LegalBases: []*pb.LegalBasis{{Text: "《中华人民共和国土地管理法》第七十七条"}}}})
	}
	e.ok("clerk", "import", "--department", "gtzyj", writeRows(t, dir, "b.csv", rows))
	e.ok("reviewer", "review", "approve", nameOf(t, e.ok("clerk", "submit", "--department", "gtzyj")))
	dry := e.ok("publisher", "publish", "--all-approved", "--dry-run").stdout
	if strings.Count(dry, "\n") != 2 || !strings.Contains(dry, "共 25 个事项") || !strings.Contains(dry, "-o json") || strings.Contains(dry, "事项00") {
		t.Errorf("publish --dry-run of 25 items:\n%s", dry)
	}
	out = e.ok("publisher", "publish", "--all-approved").stdout
	if strings.Count(out, "\n") != 3 || !strings.Contains(out, "共 25 个事项") || strings.Contains(out, "事项00") {
		t.Fatalf("publish of 25 items:\n%s", out)
	}
	m := regexp.MustCompile(`(?m)^  powerctl (catalog list --filter '([^']+)')$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("publish of 25 items names no command:\n%s", out)
	}
	listed := e.ok("anyone", "catalog", "list", "--filter", m[2], "-o", "json")
	if n := strings.Count(listed.stdout, `"code"`); n != 25 || !strings.Contains(listed.stdout, "事项24") || strings.Contains(listed.stdout, "建设用地审批") {
		t.Errorf("%s lists %d items, want the 25 published:\n%.600s", m[1], n, listed.stdout)
	}
}

// TestPublishDryRun: publish --dry-run shows the codes that
// would be assigned, publishes nothing, and the publication made next
// assigns those codes.
func TestPublishDryRun(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")
	e.ok("clerk", "import", "--department", "gtzyj", writeRows(t, dir, "a.csv", completeRows()[:5]))
	sub := nameOf(t, e.ok("clerk", "submit", "--department", "gtzyj"))
	e.ok("reviewer", "review", "approve", sub)

	dry := e.ok("publisher", "publish", "--all-approved", "--dry-run")
	if !strings.HasPrefix(dry.stdout, "检查通过：将发布 1 个批次的 5 个事项；未发布任何内容 / check passed: 5 items of 1 submissions would be published; nothing was published\n") {
		t.Fatalf("publish --dry-run:\n%s", dry)
	}
	codeRE := regexp.MustCompile(`(?m)^\s+(430400-[A-Z]+-[0-9A-Z-]+)\s+新增 / new\s+(departments/gtzyj/items/\d+)\s+“([^”]+)”$`)
	shown := codeRE.FindAllStringSubmatch(dry.stdout, -1)
	if len(shown) != 5 {
		t.Fatalf("publish --dry-run shows %d codes, want 5:\n%s", len(shown), dry)
	}
	if n := len(e.catalog()); n != 0 {
		t.Fatalf("publish --dry-run put %d items in force", n)
	}
	if s, err := e.c.Registry.GetSubmission(context.Background(), &pb.GetSubmissionRequest{Name: sub}); err != nil ||
		s.GetSubmission().GetState() != pb.Submission_STATE_APPROVED {
		t.Fatalf("after --dry-run the batch is %v (%v)", s.GetSubmission().GetState(), err)
	}
	// -o json: the publication as it would be, with the codes.
	js := e.ok("publisher", "publish", "--all-approved", "--dry-run", "-o", "json")
	for _, m := range shown {
		if !strings.Contains(js.stdout, `"code": "`+m[1]+`"`) {
			t.Errorf("publish --dry-run -o json lacks %s:\n%s", m[1], js.stdout)
		}
	}

	// The real publication assigns the codes the dry run showed.
	real := e.ok("publisher", "publish", "--all-approved")
	for _, m := range shown {
		if !strings.Contains(real.stdout, m[1]) {
			t.Errorf("publish assigned other codes than --dry-run showed (%s for %s):\n%s", m[1], m[3], real.stdout)
		}
		got, err := e.c.Registry.GetItem(context.Background(), &pb.GetItemRequest{Name: m[2]})
		if err != nil || got.GetItem().GetCode() != m[1] || got.GetItem().GetDisplayName() != m[3] {
			t.Errorf("%s: code %q name %q, the dry run said %s “%s” (%v)", m[2], got.GetItem().GetCode(), got.GetItem().GetDisplayName(), m[1], m[3], err)
		}
	}
	// A dry run is refused as the publication would be: nothing approved.
	r := e.fails(1, "publisher", "publish", "--all-approved", "--dry-run")
	wantAll(t, "publish --dry-run with nothing approved", r.stderr, "no approved submission")
}
