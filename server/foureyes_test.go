package server_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/audit"
)

// mintAs creates a token with another token's secret (an admin's) and
// returns the new secret.
func (e *env) mintAs(t *testing.T, creator string, tok *pb.Token, id string) string {
	t.Helper()
	resp, err := e.access().CreateToken(bearer(creator), &pb.CreateTokenRequest{TokenId: id, Token: tok})
	if err != nil {
		t.Fatalf("create token %s: %v", id, err)
	}
	return resp.GetSecret()
}

// flow is a department's items and batches over the API.
type flow struct {
	t *testing.T
	e *env
}

func (f flow) item(secret, name string) *pb.Item {
	f.t.Helper()
	return must(f.e.reg.CreateItem(bearer(secret), &pb.CreateItemRequest{Parent: "departments/gtzyj",
		Item: &pb.Item{DisplayName: name, Category: pb.Category_CATEGORY_PENALTY, LegalBases: basis("第七十七条")}})).Item
}

func (f flow) edit(secret string, it *pb.Item, remark string) {
	f.t.Helper()
	must(f.e.reg.UpdateItem(bearer(secret), &pb.UpdateItemRequest{Item: &pb.Item{Name: it.Name, Remark: remark},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}}))
}

func (f flow) submit(secret string, items ...*pb.Item) *pb.Submission {
	f.t.Helper()
	var names []string
	for _, it := range items {
		names = append(names, it.Name)
	}
	s := must(f.e.reg.CreateSubmission(bearer(secret), &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: names}})).Submission
	return must(f.e.reg.SubmitSubmission(bearer(secret), &pb.SubmitSubmissionRequest{Name: s.Name})).Submission
}

func (f flow) approve(secret string, s *pb.Submission) error {
	_, err := f.e.reg.ApproveSubmission(bearer(secret), &pb.ApproveSubmissionRequest{Name: s.Name})
	return err
}

func (f flow) publish(secret string, s *pb.Submission) error {
	_, err := f.e.reg.CreatePublication(bearer(secret), &pb.CreatePublicationRequest{
		Publication: &pb.Publication{Submissions: []string{s.Name}}})
	return err
}

// fourEyes checks a FOUR_EYES refusal whose message names each of words.
func fourEyes(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	st := wantStatus(t, err, codes.PermissionDenied, "FOUR_EYES")
	for _, w := range words {
		if !strings.Contains(st.Message(), w) {
			t.Errorf("%s: the refusal does not name %q: %s", what, w, st.Message())
		}
	}
	if !strings.Contains(st.Message(), "四眼原则") || !strings.Contains(st.Message(), "four eyes") {
		t.Errorf("%s: the refusal does not name the rule in both languages: %s", what, st.Message())
	}
}

// TestFourEyesMintedTokens: one person with editor and
// admin roles (the README's city-office token) edits and submits a batch,
// mints a reviewer and a publisher token under other names, and tries to
// approve and publish with them: both are refused with FOUR_EYES naming the
// rule and the person, and change nothing. Tokens the first admin (who
// edits nothing) created for real people approve and publish the same
// batch. The audit trail names the holder of each call.
func TestFourEyesMintedTokens(t *testing.T) {
	e := start(t, "")
	f := flow{t, e}
	admin := e.adminSecret()
	must(e.reg.CreateDepartment(bearer(admin), &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	office := e.mintAs(t, admin, &pb.Token{Roles: []string{"editor", "admin"}, Departments: []string{"departments/-"},
		Holder: "张三"}, "city-office")

	// 张三 edits and submits, then mints a reviewer and a publisher under
	// other names and holders.
	a := f.item(office, "对非法占用土地的处罚")
	f.edit(office, a, "2014 年梳理")
	s := f.submit(office, a)
	fakeReviewer := e.mintAs(t, office, &pb.Token{Roles: []string{"reviewer"}, Holder: "李四"}, "reviewer-li")
	fakePublisher := e.mintAs(t, office, &pb.Token{Roles: []string{"publisher"}, Holder: "王五"}, "publisher-wang")

	fourEyes(t, "approval with a token the submitter minted", f.approve(fakeReviewer, s), "reviewer-li", "张三", s.Name)
	_, err := e.reg.RejectSubmission(bearer(fakeReviewer), &pb.RejectSubmissionRequest{Name: s.Name, Comment: "x"})
	fourEyes(t, "return with a token the submitter minted", err, "reviewer-li", "张三")
	if got := must(e.reg.GetSubmission(bearer(office), &pb.GetSubmissionRequest{Name: s.Name})).Submission; got.State != pb.Submission_STATE_SUBMITTED {
		t.Fatalf("refused reviews changed the batch: %s", got.State)
	}

	// A real reviewer, whose token the first admin created, approves.
	reviewer := e.mintAs(t, admin, &pb.Token{Roles: []string{"reviewer"}, Holder: "赵六"}, "reviewer-zhao")
	if err := f.approve(reviewer, s); err != nil {
		t.Fatalf("approval by a reviewer the first admin created: %v", err)
	}
	fourEyes(t, "publication with a token the submitter minted", f.publish(fakePublisher, s), "publisher-wang", "张三", s.Name)
	if got := must(e.cat.GetCatalogStats(context.Background(), &pb.GetCatalogStatsRequest{})); got.GetTotal().GetTotal() != 0 {
		t.Fatalf("a refused publication put %d items in force", got.GetTotal().GetTotal())
	}
	// An editor of the batch who did not submit it is involved too: a
	// token they minted may not publish it.
	clerk := e.mintAs(t, admin, &pb.Token{Roles: []string{"editor", "admin"}, Departments: []string{"departments/gtzyj"},
		Holder: "钱七"}, "gtj-clerk")
	b := f.item(office, "建设用地审批")
	f.edit(clerk, b, "钱七补充")
	s2 := f.submit(office, b)
	clerkPublisher := e.mintAs(t, clerk, &pb.Token{Roles: []string{"publisher"}, Holder: "孙八"}, "publisher-sun")
	clerkReviewer := e.mintAs(t, clerk, &pb.Token{Roles: []string{"reviewer"}, Holder: "周九"}, "reviewer-zhou")
	fourEyes(t, "approval with a token an editor minted", f.approve(clerkReviewer, s2), "reviewer-zhou", "钱七", b.Name)
	must(0, f.approve(reviewer, s2))

	// The publisher the first admin created publishes both.
	publisher := e.mintAs(t, admin, &pb.Token{Roles: []string{"publisher"}}, "publisher-wu")
	fourEyes(t, "publication of both with a token an editor minted", func() error {
		_, err := e.reg.CreatePublication(bearer(clerkPublisher), &pb.CreatePublicationRequest{
			Publication: &pb.Publication{Submissions: []string{s.Name, s2.Name}}})
		return err
	}(), "publisher-sun", "钱七")
	p := must(e.reg.CreatePublication(bearer(publisher), &pb.CreatePublicationRequest{
		Publication: &pb.Publication{Submissions: []string{s.Name, s2.Name}}})).Publication
	if len(p.GetItems()) != 2 || p.GetPublisher() != "publisher-wu" {
		t.Fatalf("publication %v", p)
	}
	// One level deep: a token created by a token that someone involved
	// created is not refused (the first admin creating every token is the
	// normal case; deeper chains are read in the audit trail).
	// 张三 submits s3 and creates admin-wu, who creates reviewer-x.
	s3 := f.submit(office, f.item(office, "土地登记"))
	second := e.mintAs(t, office, &pb.Token{Roles: []string{"admin"}, Holder: "吴十"}, "admin-wu")
	must(0, f.approve(e.mintAs(t, second, &pb.Token{Roles: []string{"reviewer"}}, "reviewer-x"), s3))

	// Token lists show holders and the person who created each token.
	tokens := map[string]*pb.Token{}
	for _, tok := range must(e.access().ListTokens(bearer(admin), &pb.ListTokensRequest{})).GetTokens() {
		tokens[tok.GetName()] = tok
	}
	for name, want := range map[string][3]string{
		"tokens/admin":          {"admin", "powerregd", "powerregd"},
		"tokens/city-office":    {"张三", "admin", "admin"},
		"tokens/reviewer-li":    {"李四", "city-office", "张三"},
		"tokens/publisher-sun":  {"孙八", "gtj-clerk", "钱七"},
		"tokens/publisher-wu":   {"publisher-wu", "admin", "admin"}, // no holder given: the token's name
		"tokens/reviewer-x":     {"reviewer-x", "admin-wu", "吴十"},
		"tokens/reviewer-zhao":  {"赵六", "admin", "admin"},
		"tokens/publisher-wang": {"王五", "city-office", "张三"},
	} {
		tok := tokens[name]
		if got := [3]string{tok.GetHolder(), tok.GetCreator(), tok.GetCreatorHolder()}; got != want {
			t.Errorf("%s: holder, creator, creator's holder %q, want %q", name, got, want)
		}
	}

	// The audit trail names the holder of every call, refused ones too,
	// and verifies.
	events := e.auditEvents(t, admin, &pb.ListAuditEventsRequest{PageSize: 1000})
	var refused, approved int
	for _, ev := range events {
		if ev.GetVersion() != audit.CurrentVersion {
			t.Errorf("event %d has version %d", ev.GetSequence(), ev.GetVersion())
		}
		want := map[string]string{"admin": "admin", "powerregd": "powerregd", "city-office": "张三", "reviewer-li": "李四",
			"publisher-wang": "王五", "reviewer-zhao": "赵六", "gtj-clerk": "钱七", "publisher-sun": "孙八",
			"reviewer-zhou": "周九", "publisher-wu": "publisher-wu", "admin-wu": "吴十", "reviewer-x": "reviewer-x"}[ev.GetPrincipal()]
		if want == "" || ev.GetHolder() != want {
			t.Errorf("event %d by %s: holder %q, want %q", ev.GetSequence(), ev.GetPrincipal(), ev.GetHolder(), want)
		}
		if ev.GetReason() == "FOUR_EYES" {
			refused++
		}
		if ev.GetMethod() == pb.RegistryService_ApproveSubmission_FullMethodName && ev.GetOutcome() == "OK" {
			approved++
		}
	}
	if refused != 5 || approved != 3 {
		t.Errorf("audit trail: %d FOUR_EYES refusals (want 5), %d approvals (want 3)", refused, approved)
	}
	if brk := audit.Verify(recordsOf(events)); brk != nil {
		t.Errorf("the trail does not verify: %+v", brk)
	}
	// Read by person: every call of 张三, whichever token.
	byHolder := e.auditEvents(t, admin, &pb.ListAuditEventsRequest{Holder: "张三"})
	if len(byHolder) < 6 {
		t.Errorf("the audit events of holder 张三: %d", len(byHolder))
	}
	for _, ev := range byHolder {
		if ev.GetHolder() != "张三" {
			t.Errorf("holder filter 张三 gave %v", ev)
		}
	}
}

// TestFourEyesComparesHolders: two tokens of one holder are one person
// (whatever their names, and regardless of case and Unicode
// normalisation): neither may review or publish a batch the other
// submitted or edited.
func TestFourEyesComparesHolders(t *testing.T) {
	e := start(t, "")
	f := flow{t, e}
	admin := e.adminSecret()
	must(e.reg.CreateDepartment(bearer(admin), &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	liClerk := e.mintAs(t, admin, &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj"}, Holder: "Li Si"}, "li-clerk")
	liReviewer := e.mintAs(t, admin, &pb.Token{Roles: []string{"reviewer"}, Holder: "li si"}, "li-reviewer")
	liPublisher := e.mintAs(t, admin, &pb.Token{Roles: []string{"publisher"}, Holder: "LI SI"}, "li-publisher")
	other := e.mintAs(t, admin, &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj"}, Holder: "Wang Wu"}, "wang-clerk")
	reviewer := e.mintAs(t, admin, &pb.Token{Roles: []string{"reviewer"}, Holder: "Zhao Liu"}, "zhao-reviewer")
	// é composed (the editor) and decomposed (the reviewer).
	joseClerk := e.mintAs(t, admin, &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj"}, Holder: "Jos\u00e9"}, "jose-clerk")
	joseReviewer := e.mintAs(t, admin, &pb.Token{Roles: []string{"reviewer"}, Holder: "Jose\u0301"}, "jose-reviewer")

	// A staff number typed in full-width digits (a Chinese input method's
	// full-width mode) names the same person as in ASCII digits.
	numClerk := e.mintAs(t, admin, &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj"}, Holder: "工号１０２３"}, "num-clerk")
	numReviewer := e.mintAs(t, admin, &pb.Token{Roles: []string{"reviewer"}, Holder: "工号1023"}, "num-reviewer")
	s0 := f.submit(numClerk, f.item(numClerk, "丙"))
	fourEyes(t, "approval by the submitter's token with ASCII digits", f.approve(numReviewer, s0), "num-reviewer", "submitted")

	s := f.submit(liClerk, f.item(liClerk, "甲"))
	fourEyes(t, "approval by the submitter's other token", f.approve(liReviewer, s), "li-reviewer", "li si", "submitted")
	must(0, f.approve(reviewer, s))
	fourEyes(t, "publication by the submitter's other token", f.publish(liPublisher, s), "li-publisher", "LI SI")

	it := f.item(other, "乙")
	f.edit(joseClerk, it, "改")
	s2 := f.submit(other, it)
	fourEyes(t, "approval by an editor's other token", f.approve(joseReviewer, s2), "jose-reviewer", it.Name)
	must(0, f.approve(reviewer, s2))
}

// TestFourEyesPublisherEdits: by default a publisher may not publish a
// batch with an item they edited since its last publication; with
// --four-eyes-publisher-edits=allow they may, but never a batch they
// submitted.
func TestFourEyesPublisherEdits(t *testing.T) {
	for _, allow := range []bool{false, true} {
		e := serve(t, server.Config{PublisherMayEdit: allow})
		f := flow{t, e}
		admin := e.adminSecret()
		must(e.reg.CreateDepartment(bearer(admin), &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
			Department: &pb.Department{DisplayName: "市国土资源局"}}))
		clerk := e.mintAs(t, admin, &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj"}}, "clerk")
		reviewer := e.mintAs(t, admin, &pb.Token{Roles: []string{"reviewer"}}, "reviewer")
		office := e.mintAs(t, admin, &pb.Token{Roles: []string{"editor", "publisher"}, Departments: []string{"departments/gtzyj"},
			Holder: "钱七"}, "office")

		it := f.item(clerk, "甲")
		f.edit(office, it, "发布人改过")
		s := f.submit(clerk, it)
		must(0, f.approve(reviewer, s))
		err := f.publish(office, s)
		if allow {
			if err != nil {
				t.Fatalf("allow: publication by a publisher who edited: %v", err)
			}
		} else {
			fourEyes(t, "publication by a publisher who edited", err, "钱七", "office", it.Name)
			if err := f.publish(e.mintAs(t, admin, &pb.Token{Roles: []string{"publisher"}}, "publisher"), s); err != nil {
				t.Fatalf("publication by another publisher: %v", err)
			}
		}
		// Submitting is never allowed to the publisher.
		s2 := f.submit(office, f.item(office, "乙"))
		must(0, f.approve(reviewer, s2))
		fourEyes(t, "publication by the submitter", f.publish(office, s2), "钱七", "submitted")
		e.stop()
	}
}

// TestTokenHolderRefused: a holder that could pass for
// another person is refused naming the field and the character; so is one
// posing as a single sign-on subject. Nothing is created.
func TestTokenHolderRefused(t *testing.T) {
	e := start(t, "")
	admin := e.adminSecret()
	for holder, want := range map[string]string{
		"admin\u200b": "U+200B", "\u202eadmin": "U+202E", "li\u3000si": "U+3000", " li": "space", "li  si": "two spaces",
		"a\x1b[31mb": "U+001B", "sso:li": "sso:", strings.Repeat("李", 65): "64",
	} {
		_, err := e.access().CreateToken(bearer(admin), &pb.CreateTokenRequest{TokenId: "x",
			Token: &pb.Token{Roles: []string{"reviewer"}, Holder: holder}})
		st := wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")
		var desc string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					desc += v.GetDescription()
				}
			}
		}
		if v := fieldViolations(st); len(v) != 1 || v[0] != "token.holder" || !strings.Contains(desc, want) {
			t.Errorf("holder %q: %v %q; want one violation of token.holder naming %s", holder, v, desc, want)
		}
	}
	if list := must(e.access().ListTokens(bearer(admin), &pb.ListTokensRequest{})).GetTokens(); len(list) != 1 {
		t.Errorf("refused creations left %d tokens", len(list))
	}
}
