package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
)

// registryListing is everything a client can read of the registry's
// departments, items, submissions and their events: equal listings mean
// nothing visible changed.
func (e *env) registryListing(ctx context.Context) string {
	e.t.Helper()
	var b strings.Builder
	add := func(m proto.Message) {
		data, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			e.t.Fatal(err)
		}
		b.Write(data)
	}
	items := must(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/-", PageSize: 1000}))
	add(items)
	subs := must(e.reg.ListSubmissions(ctx, &pb.ListSubmissionsRequest{Parent: "departments/-", PageSize: 1000}))
	add(subs)
	names := []string{"departments/gtzyj"}
	for _, it := range items.Items {
		names = append(names, it.Name)
	}
	for _, s := range subs.Submissions {
		names = append(names, s.Name)
	}
	for _, n := range names {
		add(must(e.reg.ListEvents(ctx, &pb.ListEventsRequest{Parent: n, PageSize: 1000})))
	}
	return b.String()
}

// submitEnv is a server with department gtzyj, a clerk, a reviewer and a
// publisher.
type submitEnv struct {
	*env
	clerk, rev, pubr context.Context
}

func newSubmitEnv(t *testing.T, cfg server.Config) *submitEnv {
	e := &submitEnv{env: serve(t, cfg), clerk: as("clerk"), rev: as("reviewer"), pubr: as("publisher")}
	must(e.reg.CreateDepartment(e.clerk, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	return e
}

func (e *submitEnv) item(name string, bases ...*pb.LegalBasis) *pb.Item {
	return must(e.reg.CreateItem(e.clerk, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
		DisplayName: name, Category: pb.Category_CATEGORY_LICENSING, LegalBases: bases}})).Item
}

// names lists the items' names.
func names(items ...*pb.Item) []string { return itemNames(items) }

// createAndSubmit is CreateSubmission with submit.
func (e *submitEnv) createAndSubmit(items []string, replies ...*pb.ItemComment) (*pb.Submission, error) {
	resp, err := e.reg.CreateSubmission(e.clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj", Submit: true,
		Submission: &pb.Submission{Items: items, Comment: "请审核", Replies: replies}})
	return resp.GetSubmission(), err
}

// TestCreateAndSubmitLeavesNothing: a create-and-submit refused over gRPC
// or REST leaves no batch, no changed item, no event; accepted, it is one
// call that answers a submitted batch.
func TestCreateAndSubmitLeavesNothing(t *testing.T) {
	e := newSubmitEnv(t, server.Config{})
	good := e.item("建设用地审批", basis("《土地管理法》第四十四条")...)
	bare := e.item("土地复垦验收")
	items := names(good, bare)

	before := e.registryListing(e.rev)
	_, err := e.createAndSubmit(items)
	st := wantStatus(t, err, codes.FailedPrecondition, "LEGAL_BASIS_MISSING")
	if got := preconditionSubjects(st); !slices.Equal(got, []string{bare.Name}) {
		t.Errorf("refusal names %v, want %s", got, bare.Name)
	}
	body := fmt.Sprintf(`{"items": [%q, %q], "comment": "请审核"}`, good.Name, bare.Name)
	r := e.rest("clerk", "POST", "/v1/departments/gtzyj/submissions?submit=true", body)
	if r.Code != http.StatusBadRequest || r.reason() != "LEGAL_BASIS_MISSING" {
		t.Errorf("REST create-and-submit: HTTP %d %s", r.Code, r.Raw)
	}
	if after := e.registryListing(e.rev); after != before {
		t.Errorf("a refused create-and-submit changed what clients read")
	}

	must(e.reg.UpdateItem(e.clerk, &pb.UpdateItemRequest{Item: &pb.Item{Name: bare.Name, LegalBases: basis("《土地复垦条例》第二十八条")},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"legal_bases"}}}))
	r = e.rest("clerk", "POST", "/v1/departments/gtzyj/submissions?submit=true", body)
	if r.Code != http.StatusOK || r.str("state") != "STATE_SUBMITTED" || r.str("name") != "departments/gtzyj/submissions/1" {
		t.Fatalf("REST create-and-submit: HTTP %d %s", r.Code, r.Raw)
	}
	queue := must(e.reg.ListSubmissions(e.rev, &pb.ListSubmissionsRequest{Parent: "departments/-", State: pb.Submission_STATE_SUBMITTED}))
	if len(queue.Submissions) != 1 || len(queue.Submissions[0].ItemRevisions) != 2 {
		t.Errorf("review queue: %v", queue.Submissions)
	}
}

// TestRepliesAndReturnedItems: a returned item goes back to review only
// edited or answered; the refusal names each one; the answer shows on the
// item and the batch, over gRPC and REST.
func TestRepliesAndReturnedItems(t *testing.T) {
	e := newSubmitEnv(t, server.Config{})
	a, b, c := e.item("建设用地审批", basis("《土地管理法》第四十四条")...), e.item("土地复垦验收", basis("《土地复垦条例》")...),
		e.item("采矿权审批", basis("《矿产资源法》")...)
	s := must(e.createAndSubmit(names(a, b, c)))
	must(e.reg.ApproveSubmission(e.rev, &pb.ApproveSubmissionRequest{Name: s.Name, Comment: "部分同意",
		ReturnedItems: []*pb.ItemComment{{Item: a.Name, Comment: "请写明条款"}, {Item: b.Name, Comment: "名称不规范"}}}))

	before := e.registryListing(e.rev)
	_, err := e.createAndSubmit(names(a, b))
	st := wantStatus(t, err, codes.FailedPrecondition, "RETURNED_NOT_ADDRESSED")
	if got := preconditionSubjects(st); !slices.Equal(got, names(a, b)) {
		t.Errorf("refusal names %v, want %v", got, names(a, b))
	}
	if !strings.Contains(st.Message(), "powerctl submit --reply") || !strings.Contains(st.Message(), " / ") {
		t.Errorf("refusal does not say what to do in both languages: %s", st.Message())
	}
	_, err = e.createAndSubmit(names(a), &pb.ItemComment{Item: c.Name, Comment: "答复"})
	if st := wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS"); !slices.Equal(fieldViolations(st), []string{"submission.replies[0].item"}) {
		t.Errorf("reply to an item not in the batch: %v", fieldViolations(st))
	}
	if after := e.registryListing(e.rev); after != before {
		t.Errorf("a refused submit changed what clients read")
	}

	// a edited, b answered (over REST): accepted.
	must(e.reg.UpdateItem(e.clerk, &pb.UpdateItemRequest{Item: &pb.Item{Name: a.Name, LegalBases: basis("《土地管理法》第四十四条第一款")},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"legal_bases"}}}))
	r := e.rest("clerk", "POST", "/v1/departments/gtzyj/submissions?submit=true",
		fmt.Sprintf(`{"items": [%q, %q], "replies": [{"item": %q, "comment": "名称依据省级目录"}]}`, a.Name, b.Name, b.Name))
	if r.Code != http.StatusOK || r.str("state") != "STATE_SUBMITTED" {
		t.Fatalf("REST create-and-submit with a reply: HTTP %d %s", r.Code, r.Raw)
	}
	got := must(e.reg.GetSubmission(e.rev, &pb.GetSubmissionRequest{Name: r.str("name")})).Submission
	if len(got.Replies) != 1 || got.Replies[0].Item != b.Name || got.Replies[0].Comment != "名称依据省级目录" {
		t.Errorf("the batch's replies: %v", got.Replies)
	}
	r = e.rest("reviewer", "GET", "/v1/"+b.Name, "")
	if r.str("reviewReply") != "名称依据省级目录" || r.str("reviewComment") != "名称不规范" {
		t.Errorf("b over REST: %s", r.Raw)
	}
	if got := must(e.reg.GetItem(e.rev, &pb.GetItemRequest{Name: a.Name})).Item; got.ReviewReply != "" {
		t.Errorf("a's reply %q, want none", got.ReviewReply)
	}
}

// TestWithdrawSubmission over gRPC and REST: the department's editor
// withdraws a batch waiting for review; another department's editor may
// not; a decided batch cannot be.
func TestWithdrawSubmission(t *testing.T) {
	e := newSubmitEnv(t, server.Config{})
	a, b := e.item("建设用地审批", basis("《土地管理法》")...), e.item("土地复垦验收", basis("《土地复垦条例》")...)
	s := must(e.createAndSubmit(names(a)))
	changes := must(e.cat.ListCatalogChanges(context.Background(), &pb.ListCatalogChangesRequest{}))

	must(e.reg.CreateDepartment(e.clerk, &pb.CreateDepartmentRequest{DepartmentId: "hbj", Department: &pb.Department{DisplayName: "市环境保护局"}}))
	other := e.mint("ed-hbj", []string{"editor"}, []string{"hbj"}, 0)
	_, err := e.reg.WithdrawSubmission(bearer(other), &pb.WithdrawSubmissionRequest{Name: s.Name})
	st := wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED")
	if !strings.Contains(st.Message(), "editor of departments/gtzyj") {
		t.Errorf("refusal to another department's editor: %s", st.Message())
	}
	r := e.restAs(other, "POST", "/v1/"+s.Name+":withdraw", `{}`, nil)
	if r.Code != http.StatusForbidden {
		t.Errorf("REST withdraw by another department's editor: HTTP %d %s", r.Code, r.Raw)
	}

	_, err = e.reg.WithdrawSubmission(e.clerk, &pb.WithdrawSubmissionRequest{Name: s.Name, Etag: "1"})
	wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
	w := must(e.reg.WithdrawSubmission(e.clerk, &pb.WithdrawSubmissionRequest{Name: s.Name, Comment: "还要补充", Etag: s.Etag})).Submission
	if w.State != pb.Submission_STATE_WITHDRAWN {
		t.Fatalf("withdrawn: %v", w)
	}
	if got := must(e.reg.GetItem(e.clerk, &pb.GetItemRequest{Name: a.Name})).Item; got.State != pb.Item_STATE_DRAFT || got.Submission != "" {
		t.Errorf("item after withdrawal: %v", got)
	}
	evs := must(e.reg.ListEvents(e.rev, &pb.ListEventsRequest{Parent: s.Name})).Events
	if last := evs[len(evs)-1]; last.Action != pb.Event_ACTION_WITHDRAWN || last.Comment != "还要补充" {
		t.Errorf("last event of the batch: %v", last)
	}
	if q := must(e.reg.ListSubmissions(e.rev, &pb.ListSubmissionsRequest{Parent: "departments/-", State: pb.Submission_STATE_SUBMITTED})); len(q.Submissions) != 0 {
		t.Errorf("the review queue lists %v", q.Submissions)
	}
	if q := e.rest("reviewer", "GET", "/v1/departments/-/submissions?filter="+strings.ReplaceAll("state = STATE_WITHDRAWN", " ", "%20"), ""); q.Code != http.StatusOK || !strings.Contains(q.Raw, s.Name) {
		t.Errorf("filter state = STATE_WITHDRAWN: HTTP %d %s", q.Code, q.Raw)
	}
	if got := must(e.cat.ListCatalogChanges(context.Background(), &pb.ListCatalogChangesRequest{})); !proto.Equal(got, changes) {
		t.Errorf("the change feed changed: %v, was %v", got, changes)
	}

	// Over REST, and the refusals of other states.
	s2 := must(e.createAndSubmit(names(a, b)))
	if r := e.rest("clerk", "POST", "/v1/"+s2.Name+":withdraw", `{"comment": "撤回"}`); r.Code != http.StatusOK || r.str("state") != "STATE_WITHDRAWN" {
		t.Fatalf("REST withdraw: HTTP %d %s", r.Code, r.Raw)
	}
	if r := e.rest("clerk", "POST", "/v1/"+s2.Name+":withdraw", `{}`); r.Code != http.StatusBadRequest || r.reason() != "SUBMISSION_NOT_SUBMITTED" || !strings.Contains(r.str("message"), "withdrawn") {
		t.Errorf("REST withdraw again: HTTP %d %s", r.Code, r.Raw)
	}
	s3 := must(e.createAndSubmit(names(a, b)))
	must(e.reg.ApproveSubmission(e.rev, &pb.ApproveSubmissionRequest{Name: s3.Name}))
	_, err = e.reg.WithdrawSubmission(e.clerk, &pb.WithdrawSubmissionRequest{Name: s3.Name})
	st = wantStatus(t, err, codes.FailedPrecondition, "SUBMISSION_NOT_SUBMITTED")
	if !strings.Contains(st.Message(), "已审核") || !strings.Contains(st.Message(), "ask a reviewer to return it") {
		t.Errorf("withdrawing an approved batch: %s", st.Message())
	}
}

// TestListSubmissionItems over gRPC and REST: a new item without a legal
// basis, a modification with its differences and an abolition, each as
// the batch holds it.
func TestListSubmissionItems(t *testing.T) {
	e := newSubmitEnv(t, server.Config{})
	mod, gone := e.item("对非法占用土地的处罚", basis("《土地管理法》第七十七条")...), e.item("采矿权审批", basis("《矿产资源法》")...)
	s := must(e.createAndSubmit(names(mod, gone)))
	must(e.reg.ApproveSubmission(e.rev, &pb.ApproveSubmissionRequest{Name: s.Name}))
	must(e.reg.CreatePublication(e.pubr, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: []string{s.Name}}}))
	must(e.reg.UpdateItem(e.clerk, &pb.UpdateItemRequest{Item: &pb.Item{Name: mod.Name, PromisedTimeLimit: &pb.TimeLimit{Value: 10,
		Unit: pb.TimeLimit_UNIT_WORKING_DAY}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"promised_time_limit"}}}))
	must(e.reg.AbolishItem(e.clerk, &pb.AbolishItemRequest{Name: gone.Name, Comment: "已取消"}))
	bare := e.item("土地复垦验收")
	d := must(e.reg.CreateSubmission(e.clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: names(mod, gone, bare)}})).Submission

	resp := must(e.reg.ListSubmissionItems(e.rev, &pb.ListSubmissionItemsRequest{Parent: d.Name}))
	if len(resp.Items) != 3 || resp.NextPageToken != "" {
		t.Fatalf("%d items, next %q", len(resp.Items), resp.NextPageToken)
	}
	m, g, n := resp.Items[0], resp.Items[1], resp.Items[2]
	if m.Item.Name != mod.Name || m.Change != pb.ChangeKind_CHANGE_KIND_MODIFY || m.Published.GetRevisionId() != "1" ||
		m.Item.RevisionId != "2" || m.Item.PromisedTimeLimit.GetValue() != 10 || m.Published.GetPromisedTimeLimit() != nil ||
		m.Published.GetCode() == "" || m.Published.GetState() != pb.Item_STATE_PUBLISHED {
		t.Errorf("modification: %v", m)
	}
	if len(m.Differences) != 1 || m.Differences[0].Field != "promised_time_limit" || m.Differences[0].From != "" || m.Differences[0].To != "10工作日" {
		t.Errorf("differences: %v", m.Differences)
	}
	if g.Change != pb.ChangeKind_CHANGE_KIND_ABOLISH || g.Published == nil || len(g.Differences) != 0 || len(g.Missing) != 0 {
		t.Errorf("abolition: %v", g)
	}
	if n.Change != pb.ChangeKind_CHANGE_KIND_CREATE || n.Published != nil || !slices.Equal(n.Missing, []string{"legal_bases"}) {
		t.Errorf("new item without a legal basis: %v", n)
	}

	r := e.rest("clerk", "GET", "/v1/"+d.Name+"/items", "")
	if r.Code != http.StatusOK || !strings.Contains(r.Raw, `"missing":["legal_bases"]`) ||
		!strings.Contains(r.Raw, `"field":"promised_time_limit"`) || !strings.Contains(r.Raw, `"change":"CHANGE_KIND_ABOLISH"`) {
		t.Errorf("REST ListSubmissionItems: HTTP %d %s", r.Code, r.Raw)
	}
	must(e.reg.CreateDepartment(e.clerk, &pb.CreateDepartmentRequest{DepartmentId: "hbj", Department: &pb.Department{DisplayName: "市环境保护局"}}))
	other := e.mint("ed-hbj", []string{"editor"}, []string{"hbj"}, 0)
	if r := e.restAs(other, "GET", "/v1/"+d.Name+"/items", "", nil); r.Code != http.StatusForbidden {
		t.Errorf("another department's editor reads the batch: HTTP %d", r.Code)
	}
}

// TestListSubmissionItemsLargeBatch: a reviewer reads a 400-item batch in
// one call, under powerregd's default limits (rate limits included).
func TestListSubmissionItemsLargeBatch(t *testing.T) {
	e := newSubmitEnv(t, server.Config{Limits: server.DefaultLimits()})
	var rows []*pb.ImportRow
	for i := range 400 {
		rows = append(rows, &pb.ImportRow{Item: &pb.Item{DisplayName: fmt.Sprintf("事项%03d", i), Category: pb.Category_CATEGORY_OTHER,
			LegalBases: basis(fmt.Sprintf("《某某条例》第%d条", i+1)), Responsibilities: []string{"受理", "审查", "决定"}}})
	}
	stream := must(e.reg.ImportItems(e.clerk))
	if err := stream.Send(&pb.ImportItemsRequest{Parent: "departments/gtzyj", Rows: rows}); err != nil {
		t.Fatal(err)
	}
	imported := must(stream.CloseAndRecv())
	s := must(e.createAndSubmit(imported.Items))
	resp := must(e.reg.ListSubmissionItems(e.rev, &pb.ListSubmissionItemsRequest{Parent: s.Name}))
	if len(resp.Items) != 400 || resp.NextPageToken != "" {
		t.Fatalf("%d items and next %q in one call, want all 400", len(resp.Items), resp.NextPageToken)
	}
	for i, it := range resp.Items {
		if it.Item.Name != imported.Items[i] || len(it.Item.LegalBases) != 1 || len(it.Item.Responsibilities) != 3 {
			t.Fatalf("item %d: %v", i, it.Item)
		}
	}
	r := e.rest("reviewer", "GET", "/v1/"+s.Name+"/items", "")
	if items, _ := r.Body["items"].([]any); r.Code != http.StatusOK || len(items) != 400 || r.str("nextPageToken") != "" {
		t.Errorf("REST: HTTP %d, %d items", r.Code, len(items))
	}
}

// TestPublishValidateOnly: a publication checked only, over gRPC and
// REST, answers with the codes the real one then assigns, and changes
// nothing.
func TestPublishValidateOnly(t *testing.T) {
	e := newSubmitEnv(t, server.Config{})
	a, b := e.item("建设用地审批", basis("《土地管理法》")...), e.item("采矿权审批", basis("《矿产资源法》")...)
	s := must(e.createAndSubmit(names(a, b)))
	must(e.reg.ApproveSubmission(e.rev, &pb.ApproveSubmissionRequest{Name: s.Name}))

	before := e.registryListing(e.rev)
	req := &pb.CreatePublicationRequest{ValidateOnly: true, Publication: &pb.Publication{Submissions: []string{s.Name}}}
	dry := must(e.reg.CreatePublication(e.pubr, req)).Publication
	r := e.rest("publisher", "POST", "/v1/publications?validate_only=true", fmt.Sprintf(`{"submissions": [%q]}`, s.Name))
	if r.Code != http.StatusOK || !strings.Contains(r.Raw, dry.Items[0].Code) {
		t.Errorf("REST validate_only: HTTP %d %s", r.Code, r.Raw)
	}
	if after := e.registryListing(e.rev); after != before {
		t.Errorf("a validate-only publication changed what clients read")
	}
	if n := len(must(e.cat.ListCatalogItems(context.Background(), &pb.ListCatalogItemsRequest{})).Items); n != 0 {
		t.Errorf("the catalogue has %d items after a dry run", n)
	}
	req.ValidateOnly = false
	real := must(e.reg.CreatePublication(e.pubr, req)).Publication
	if len(dry.Items) != 2 || dry.Name != real.Name {
		t.Fatalf("dry run %v, real %v", dry, real)
	}
	for i := range real.Items {
		if !proto.Equal(dry.Items[i], real.Items[i]) || real.Items[i].Code == "" {
			t.Errorf("item %d: dry run %v, real %v", i, dry.Items[i], real.Items[i])
		}
	}
	// Checked as a real one: a published batch is refused.
	req.ValidateOnly = true
	_, err := e.reg.CreatePublication(e.pubr, req)
	wantStatus(t, err, codes.FailedPrecondition, "SUBMISSION_NOT_APPROVED")
}
