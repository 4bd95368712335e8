package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// httpStatus is the HTTP status grpc-gateway gives each code the registry
// returns.
var httpStatus = map[codes.Code]int{
	codes.InvalidArgument:    http.StatusBadRequest,
	codes.FailedPrecondition: http.StatusBadRequest,
	codes.NotFound:           http.StatusNotFound,
	codes.AlreadyExists:      http.StatusConflict,
	codes.Aborted:            http.StatusConflict,
}

// bilingual reports whether an error message has a Chinese and an English
// part joined by " / ".
func bilingual(msg string) bool {
	if !strings.Contains(msg, " / ") {
		return false
	}
	han, latin := false, false
	for _, r := range msg {
		han = han || unicode.Is(unicode.Han, r)
		latin = latin || r < unicode.MaxASCII && unicode.IsLetter(r)
	}
	return han && latin
}

// restDetails returns the details of a REST error body with a given type.
func (r restResult) restDetails(typ string) []map[string]any {
	var out []map[string]any
	details, _ := r.Body["details"].([]any)
	for _, d := range details {
		if m, _ := d.(map[string]any); m["@type"] == "type.googleapis.com/google.rpc."+typ {
			out = append(out, m)
		}
	}
	return out
}

// restList collects key of every element of list of each detail of type typ.
func (r restResult) restList(typ, list, key string) []string {
	var out []string
	for _, d := range r.restDetails(typ) {
		entries, _ := d[list].([]any)
		for _, x := range entries {
			m, _ := x.(map[string]any)
			s, _ := m[key].(string)
			out = append(out, s)
		}
	}
	return out
}

// restFieldViolations lists the fields named by a REST error's BadRequest.
func (r restResult) restFieldViolations() []string {
	return r.restList("BadRequest", "fieldViolations", "field")
}

// restSubjects lists the subjects named by a REST error's
// PreconditionFailure.
func (r restResult) restSubjects() []string {
	return r.restList("PreconditionFailure", "violations", "subject")
}

// snapshot is everything a client can read of the registry's mutable
// state: items, submissions, publications, the events of some resources,
// and the catalogue.
type snapshot []proto.Message

func (e *env) snapshot(t *testing.T, eventsOf ...string) snapshot {
	t.Helper()
	ctx := as("auditor")
	out := snapshot{
		must(e.reg.ListDepartments(ctx, &pb.ListDepartmentsRequest{PageSize: 1000})),
		must(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/-", PageSize: 1000})),
		must(e.reg.ListSubmissions(ctx, &pb.ListSubmissionsRequest{Parent: "departments/-", PageSize: 1000})),
		must(e.reg.ListPublications(ctx, &pb.ListPublicationsRequest{PageSize: 1000})),
		must(e.cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{PageSize: 500})),
		must(e.cat.GetCatalogStats(ctx, &pb.GetCatalogStatsRequest{})),
	}
	for _, sub := range out[2].(*pb.ListSubmissionsResponse).Submissions {
		out = append(out, must(e.reg.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: sub.Name})))
	}
	for _, name := range eventsOf {
		out = append(out, must(e.reg.ListEvents(ctx, &pb.ListEventsRequest{Parent: name, PageSize: 1000})))
	}
	return out
}

func (s snapshot) diff(t *testing.T, after snapshot) {
	t.Helper()
	if len(s) != len(after) {
		t.Fatalf("snapshot has %d parts, was %d", len(after), len(s))
	}
	for i := range s {
		if !proto.Equal(s[i], after[i]) {
			t.Fatalf("a failed call changed the registry:\nbefore %v\n after %v", s[i], after[i])
		}
	}
}

// world is a registry holding something in every state, for the error
// cases: each name says what state it is in.
type world struct {
	e                                                   *env
	noBasis, draft, submitted, approved, published      *pb.Item
	modified, abolishing, inDraftSub, withBasis, main   *pb.Item
	sub, other, mainInForce, subInForce                 *pb.Item
	sPublished, sSubmitted, sApproved, sDraft, sMissing *pb.Submission
	sSubItem, sAbolishMain                              *pb.Submission
	pub                                                 *pb.Publication
	ownCode                                             string
	stale                                               string // an etag older than every resource's
}

func newWorld(t *testing.T) *world {
	e := start(t, "")
	w := &world{e: e, ownCode: "430400-XK-GT-0001", stale: "1"}
	clerk, rev, pubr := as("gtj-clerk"), as("reform-office"), as("publisher")
	must(e.reg.CreateDepartment(clerk, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	must(e.reg.CreateDepartment(as("hbj-clerk"), &pb.CreateDepartmentRequest{DepartmentId: "hbj",
		Department: &pb.Department{DisplayName: "市环境保护局"}}))
	mk := func(dept, name string, cat pb.Category, code, parent string, withBasis bool) *pb.Item {
		it := &pb.Item{DisplayName: name, Category: cat, Code: code, Parent: parent}
		if withBasis {
			it.LegalBases = basis("《土地管理法》第七十七条")
		}
		return must(e.reg.CreateItem(clerk, &pb.CreateItemRequest{Parent: "departments/" + dept, Item: it})).Item
	}
	batch := func(items ...*pb.Item) *pb.Submission {
		var names []string
		for _, it := range items {
			names = append(names, it.Name)
		}
		return must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
			Submission: &pb.Submission{Items: names}})).Submission
	}
	submit := func(s *pb.Submission) *pb.Submission {
		return must(e.reg.SubmitSubmission(clerk, &pb.SubmitSubmissionRequest{Name: s.Name})).Submission
	}
	approve := func(s *pb.Submission) *pb.Submission {
		return must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: submit(s).Name, Comment: "同意"})).Submission
	}

	w.noBasis = mk("gtzyj", "土地登记", pb.Category_CATEGORY_CONFIRMATION, "", "", false)
	w.draft = mk("gtzyj", "建设用地审批", pb.Category_CATEGORY_LICENSING, "", "", true)
	w.submitted = mk("gtzyj", "土地复垦验收", pb.Category_CATEGORY_SUPERVISION, "", "", true)
	w.approved = mk("gtzyj", "土地权属争议裁决", pb.Category_CATEGORY_ADJUDICATION, "", "", true)
	w.published = mk("gtzyj", "采矿权审批", pb.Category_CATEGORY_LICENSING, w.ownCode, "", true)
	w.modified = mk("gtzyj", "土地闲置费征收", pb.Category_CATEGORY_LEVY, "", "", true)
	w.abolishing = mk("gtzyj", "地质灾害治理资质审批", pb.Category_CATEGORY_LICENSING, "", "", true)
	w.inDraftSub = mk("gtzyj", "土地出让金征收", pb.Category_CATEGORY_LEVY, "", "", true)
	w.withBasis = mk("gtzyj", "对破坏耕地的处罚", pb.Category_CATEGORY_PENALTY, "", "", true)
	w.main = mk("gtzyj", "对非法占用土地的处罚", pb.Category_CATEGORY_PENALTY, "", "", true)
	w.sub = mk("gtzyj", "对非法占用耕地的处罚", pb.Category_CATEGORY_PENALTY, "", w.main.Name, true)
	w.other = mk("hbj", "排污许可", pb.Category_CATEGORY_LICENSING, "", "", true)
	w.mainInForce = mk("gtzyj", "对违法勘查矿产资源的处罚", pb.Category_CATEGORY_PENALTY, "", "", true)
	w.subInForce = mk("gtzyj", "对超越批准的勘查区块范围勘查的处罚", pb.Category_CATEGORY_PENALTY, "", w.mainInForce.Name, true)

	w.sPublished = approve(batch(w.published, w.modified, w.abolishing, w.mainInForce, w.subInForce))
	w.pub = must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{
		Publication: &pb.Publication{Submissions: []string{w.sPublished.Name}, Comment: "第一批"}})).Publication
	w.modified = must(e.reg.UpdateItem(clerk, &pb.UpdateItemRequest{
		Item:       &pb.Item{Name: w.modified.Name, DisplayName: "土地闲置费的征收"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})).Item
	w.abolishing = must(e.reg.AbolishItem(clerk, &pb.AbolishItemRequest{Name: w.abolishing.Name, Comment: "国发〔2014〕5号取消"})).Item
	w.sSubmitted = submit(batch(w.submitted))
	w.sApproved = approve(batch(w.approved))
	w.sDraft = batch(w.inDraftSub)
	w.sMissing = batch(w.noBasis, w.withBasis)
	w.sSubItem = approve(batch(w.sub))
	must(e.reg.AbolishItem(clerk, &pb.AbolishItemRequest{Name: w.mainInForce.Name, Comment: "国发〔2014〕5号取消"}))
	w.sAbolishMain = approve(batch(w.mainInForce))

	// Read back what the setup left, with current etags.
	get := func(it *pb.Item) *pb.Item { return must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: it.Name})).Item }
	for _, p := range []**pb.Item{&w.noBasis, &w.draft, &w.submitted, &w.approved, &w.published, &w.modified,
		&w.abolishing, &w.inDraftSub, &w.withBasis, &w.main, &w.sub, &w.other, &w.mainInForce, &w.subInForce} {
		*p = get(*p)
	}
	states := map[*pb.Item]pb.Item_State{w.noBasis: pb.Item_STATE_DRAFT, w.draft: pb.Item_STATE_DRAFT,
		w.submitted: pb.Item_STATE_SUBMITTED, w.approved: pb.Item_STATE_APPROVED, w.published: pb.Item_STATE_PUBLISHED,
		w.modified: pb.Item_STATE_DRAFT, w.abolishing: pb.Item_STATE_DRAFT, w.main: pb.Item_STATE_DRAFT, w.sub: pb.Item_STATE_APPROVED,
		w.mainInForce: pb.Item_STATE_APPROVED, w.subInForce: pb.Item_STATE_PUBLISHED}
	for it, st := range states {
		if it.State != st {
			t.Fatalf("setup: %s (%s) is %s, want %s", it.Name, it.DisplayName, it.State, st)
		}
	}
	if w.modified.PendingChange != pb.ChangeKind_CHANGE_KIND_MODIFY || w.abolishing.PendingChange != pb.ChangeKind_CHANGE_KIND_ABOLISH {
		t.Fatalf("setup: pending changes %s, %s", w.modified.PendingChange, w.abolishing.PendingChange)
	}
	return w
}

// errCase is one call that must fail with code and reason, over gRPC
// (call) and over REST (method, path, body), or over one of them when the
// other is unset.
type errCase struct {
	name               string
	code               codes.Code
	reason             string
	call               func(ctx context.Context) error
	actor              string
	method, path, body string
	fields             []string // exactly these field violations, when set
	subjects           []string // exactly these precondition subjects, when set
}

func (w *world) cases() []errCase {
	e := w.e
	ok := func(_ any, err error) error { return err }
	item := func(name string, cat pb.Category, bases ...*pb.LegalBasis) *pb.Item {
		return &pb.Item{DisplayName: name, Category: cat, LegalBases: bases}
	}
	text := &pb.LegalBasis{Text: "《土地管理法》第七十七条"}
	const (
		inv = codes.InvalidArgument
		fp  = codes.FailedPrecondition
		nf  = codes.NotFound
		ae  = codes.AlreadyExists
		ab  = codes.Aborted
	)
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	return []errCase{
		// INVALID_ARGUMENT: bad fields, one violation per problem.
		{name: "create item without name or category", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{}}))
			},
			method: "POST", path: "/v1/departments/gtzyj/items", body: `{}`,
			fields: []string{"item.display_name", "item.category"}},
		{name: "create item with a legal basis without text", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj",
					Item: item("土地登记", pb.Category_CATEGORY_CONFIRMATION, &pb.LegalBasis{Title: "《不动产登记暂行条例》"})}))
			},
			method: "POST", path: "/v1/departments/gtzyj/items",
			body:   `{"displayName": "土地登记", "category": "CATEGORY_CONFIRMATION", "legalBases": [{"title": "《不动产登记暂行条例》"}]}`,
			fields: []string{"item.legal_bases[0].text"}},
		{name: "create entrusted item without entrusting body", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				it := item("土地登记", pb.Category_CATEGORY_CONFIRMATION, text)
				it.Source = pb.PowerSource_POWER_SOURCE_ENTRUSTED
				return ok(e.reg.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: it}))
			},
			method: "POST", path: "/v1/departments/gtzyj/items",
			body:   `{"displayName": "土地登记", "category": "CATEGORY_CONFIRMATION", "source": "POWER_SOURCE_ENTRUSTED"}`,
			fields: []string{"item.entrusting_body"}},
		{name: "create department with a bad id", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: "Bad ID",
					Department: &pb.Department{DisplayName: "市林业局"}}))
			},
			method: "POST", path: "/v1/departments?department_id=Bad%20ID", body: `{"displayName": "市林业局"}`,
			fields: []string{"department_id"}},
		{name: "get item with a malformed name", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.GetItem(ctx, &pb.GetItemRequest{Name: "departments/x/items/abc"}))
			},
			method: "GET", path: "/v1/departments/x/items/abc", fields: []string{"name"}},
		{name: "get submission with a malformed name", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: "departments/gtzyj/submissions/007"}))
			},
			method: "GET", path: "/v1/departments/gtzyj/submissions/007", fields: []string{"name"}},
		{name: "get revision with a malformed name", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.GetRevision(ctx, &pb.GetRevisionRequest{Name: w.draft.Name + "/revisions/0"}))
			},
			method: "GET", path: "/v1/" + w.draft.Name + "/revisions/0", fields: []string{"name"}},
		{name: "get department with a malformed name", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.GetDepartment(ctx, &pb.GetDepartmentRequest{Name: "departments/GTZYJ"}))
			},
			method: "GET", path: "/v1/departments/GTZYJ", fields: []string{"name"}},
		{name: "negative page size", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/gtzyj", PageSize: -1}))
			},
			method: "GET", path: "/v1/departments/gtzyj/items?page_size=-1", fields: []string{"page_size"}},
		{name: "negative catalogue page size", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{PageSize: -5}))
			},
			method: "GET", path: "/v1/catalog/items?page_size=-5", fields: []string{"page_size"}},
		{name: "garbage page token", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.ListSubmissions(ctx, &pb.ListSubmissionsRequest{Parent: "departments/-", PageToken: "not-a-token!"}))
			},
			method: "GET", path: "/v1/departments/-/submissions?page_token=not-a-token", fields: []string{"page_token"}},
		{name: "update mask with an unknown field", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: w.draft.Name, DisplayName: "x"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name", "bogus"}}}))
			},
			method: "PATCH", path: "/v1/" + w.draft.Name + "?update_mask=display_name,bogus", body: `{"displayName": "x"}`,
			fields: []string{"update_mask"}},
		{name: "update clears the name", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: w.draft.Name},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
			},
			method: "PATCH", path: "/v1/" + w.draft.Name, body: `{"displayName": ""}`,
			fields: []string{"item.display_name"}},
		{name: "approve returning every item", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: w.sSubmitted.Name,
					ReturnedItems: []*pb.ItemComment{{Item: w.submitted.Name, Comment: "依据不全"}}}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sSubmitted.Name + ":approve",
			body:   `{"returnedItems": [{"item": ` + q(w.submitted.Name) + `, "comment": "依据不全"}]}`,
			fields: []string{"returned_items"}},
		{name: "approve commenting an item not in the batch", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: w.sSubmitted.Name,
					ItemComments: []*pb.ItemComment{{Item: w.draft.Name, Comment: "?"}}}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sSubmitted.Name + ":approve",
			body:   `{"itemComments": [{"item": ` + q(w.draft.Name) + `, "comment": "?"}]}`,
			fields: []string{"item_comments[0].item"}},
		{name: "approve returning an item named under another department", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: w.sSubmitted.Name,
					ReturnedItems: []*pb.ItemComment{{Item: strings.Replace(w.submitted.Name, "gtzyj", "hbj", 1), Comment: "?"}}}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sSubmitted.Name + ":approve",
			body:   `{"returnedItems": [{"item": ` + q(strings.Replace(w.submitted.Name, "gtzyj", "hbj", 1)) + `, "comment": "?"}]}`,
			fields: []string{"returned_items[0].item"}},
		{name: "reject commenting an item named under another department", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.RejectSubmission(ctx, &pb.RejectSubmissionRequest{Name: w.sSubmitted.Name, Comment: "退回",
					ItemComments: []*pb.ItemComment{{Item: strings.Replace(w.submitted.Name, "gtzyj", "hbj", 1), Comment: "?"}}}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sSubmitted.Name + ":reject",
			body:   `{"comment": "退回", "itemComments": [{"item": ` + q(strings.Replace(w.submitted.Name, "gtzyj", "hbj", 1)) + `, "comment": "?"}]}`,
			fields: []string{"item_comments[0].item"}},
		{name: "catalogue item without a code", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.cat.GetCatalogItem(ctx, &pb.GetCatalogItemRequest{}))
			},
			method: "GET", path: "/v1/catalog/items/", fields: []string{"code"}},
		{name: "reject without a comment", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.RejectSubmission(ctx, &pb.RejectSubmissionRequest{Name: w.sSubmitted.Name}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sSubmitted.Name + ":reject", body: `{}`,
			fields: []string{"comment"}},
		{name: "abolish without a comment", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.AbolishItem(ctx, &pb.AbolishItemRequest{Name: w.published.Name}))
			},
			method: "POST", path: "/v1/" + w.published.Name + ":abolish", body: `{}`, fields: []string{"comment"}},
		{name: "submission with an item of another department", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
					Submission: &pb.Submission{Items: []string{w.draft.Name, w.other.Name}}}))
			},
			method: "POST", path: "/v1/departments/gtzyj/submissions",
			body:   `{"items": [` + q(w.draft.Name) + `, ` + q(w.other.Name) + `]}`,
			fields: []string{"submission.items[1]"}},
		{name: "empty submission", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
					Submission: &pb.Submission{}}))
			},
			method: "POST", path: "/v1/departments/gtzyj/submissions", body: `{}`, fields: []string{"submission.items"}},
		{name: "submission listing an item twice", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
					Submission: &pb.Submission{Items: []string{w.draft.Name, w.draft.Name}}}))
			},
			method: "POST", path: "/v1/departments/gtzyj/submissions",
			body:   `{"items": [` + q(w.draft.Name) + `, ` + q(w.draft.Name) + `]}`,
			fields: []string{"submission.items[1]"}},
		{name: "publication without submissions", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreatePublication(ctx, &pb.CreatePublicationRequest{Publication: &pb.Publication{}}))
			},
			actor: "publisher", method: "POST", path: "/v1/publications", body: `{}`,
			fields: []string{"publication.submissions"}},
		{name: "publication with a malformed submission name", code: inv, reason: "INVALID_FIELDS",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreatePublication(ctx, &pb.CreatePublicationRequest{
					Publication: &pb.Publication{Submissions: []string{w.sApproved.Name, "submissions/1"}}}))
			},
			actor: "publisher", method: "POST", path: "/v1/publications",
			body:   `{"submissions": [` + q(w.sApproved.Name) + `, "submissions/1"]}`,
			fields: []string{"publication.submissions[1]"}},

		// Errors the gateway raises itself, before the registry sees the
		// request (REST only).
		{name: "body is not JSON", code: inv, reason: "MALFORMED_REQUEST",
			method: "POST", path: "/v1/departments/gtzyj/items", body: `{"displayName": "土地登记",`},
		{name: "unknown enum name in the body", code: inv, reason: "MALFORMED_REQUEST",
			method: "POST", path: "/v1/departments/gtzyj/items", body: `{"displayName": "土地登记", "category": "CATEGORY_NOPE"}`},
		{name: "unknown field in the body", code: inv, reason: "MALFORMED_REQUEST",
			method: "POST", path: "/v1/departments/gtzyj/items", body: `{"displayName": "土地登记", "bogus": 1}`},
		{name: "unknown enum name in the query", code: inv, reason: "MALFORMED_REQUEST",
			method: "GET", path: "/v1/departments/gtzyj/items?state=STATE_NOPE"},
		// json.Decoder reads one value and the
		// gateway ignored what followed.
		{name: "text after the body's object", code: inv, reason: "MALFORMED_REQUEST",
			method: "POST", path: "/v1/departments/gtzyj/items",
			body: `{"displayName": "土地登记", "category": "CATEGORY_LICENSING"} garbage{{{`},
		{name: "a second object after the body's object", code: inv, reason: "MALFORMED_REQUEST",
			method: "POST", path: "/v1/departments/gtzyj/items",
			body: `{"displayName": "土地登记", "category": "CATEGORY_LICENSING"}{"displayName": "x"}`},
		{name: "text after a PATCH body", code: inv, reason: "MALFORMED_REQUEST",
			method: "PATCH", path: "/v1/" + w.draft.Name, body: `{"displayName": "x"} }`},

		// NOT_FOUND.
		{name: "department not found", code: nf, reason: "DEPARTMENT_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.GetDepartment(ctx, &pb.GetDepartmentRequest{Name: "departments/lyj"}))
			},
			method: "GET", path: "/v1/departments/lyj"},
		{name: "create item in a missing department", code: nf, reason: "DEPARTMENT_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/lyj",
					Item: item("林木采伐许可", pb.Category_CATEGORY_LICENSING)}))
			},
			method: "POST", path: "/v1/departments/lyj/items", body: `{"displayName": "林木采伐许可", "category": "CATEGORY_LICENSING"}`},
		{name: "list items of a missing department", code: nf, reason: "DEPARTMENT_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/lyj"}))
			},
			method: "GET", path: "/v1/departments/lyj/items"},
		{name: "item not found", code: nf, reason: "ITEM_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.GetItem(ctx, &pb.GetItemRequest{Name: "departments/gtzyj/items/999"}))
			},
			method: "GET", path: "/v1/departments/gtzyj/items/999"},
		{name: "item under the wrong department", code: nf, reason: "ITEM_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.GetItem(ctx, &pb.GetItemRequest{Name: strings.Replace(w.draft.Name, "gtzyj", "hbj", 1)}))
			},
			method: "GET", path: "/v1/" + strings.Replace(w.draft.Name, "gtzyj", "hbj", 1)},
		{name: "update an item under the wrong department", code: nf, reason: "ITEM_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.UpdateItem(ctx, &pb.UpdateItemRequest{
					Item:       &pb.Item{Name: strings.Replace(w.other.Name, "hbj", "gtzyj", 1), DisplayName: "x"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
			},
			method: "PATCH", path: "/v1/" + strings.Replace(w.other.Name, "hbj", "gtzyj", 1), body: `{"displayName": "x"}`},
		{name: "revisions of a missing item", code: nf, reason: "ITEM_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.ListRevisions(ctx, &pb.ListRevisionsRequest{Parent: "departments/gtzyj/items/999"}))
			},
			method: "GET", path: "/v1/departments/gtzyj/items/999/revisions"},
		{name: "submission with a missing item", code: nf, reason: "ITEM_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
					Submission: &pb.Submission{Items: []string{w.draft.Name, "departments/gtzyj/items/999"}}}))
			},
			method: "POST", path: "/v1/departments/gtzyj/submissions",
			body: `{"items": [` + q(w.draft.Name) + `, "departments/gtzyj/items/999"]}`},
		{name: "revision not found", code: nf, reason: "REVISION_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.GetRevision(ctx, &pb.GetRevisionRequest{Name: w.draft.Name + "/revisions/99"}))
			},
			method: "GET", path: "/v1/" + w.draft.Name + "/revisions/99"},
		{name: "submission not found", code: nf, reason: "SUBMISSION_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: "departments/gtzyj/submissions/999"}))
			},
			method: "GET", path: "/v1/departments/gtzyj/submissions/999"},
		{name: "submission under the wrong department", code: nf, reason: "SUBMISSION_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.SubmitSubmission(ctx, &pb.SubmitSubmissionRequest{Name: strings.Replace(w.sDraft.Name, "gtzyj", "hbj", 1)}))
			},
			method: "POST", path: "/v1/" + strings.Replace(w.sDraft.Name, "gtzyj", "hbj", 1) + ":submit", body: `{}`},
		{name: "publish a missing submission", code: nf, reason: "SUBMISSION_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreatePublication(ctx, &pb.CreatePublicationRequest{
					Publication: &pb.Publication{Submissions: []string{w.sApproved.Name, "departments/gtzyj/submissions/999"}}}))
			},
			actor: "publisher", method: "POST", path: "/v1/publications",
			body: `{"submissions": [` + q(w.sApproved.Name) + `, "departments/gtzyj/submissions/999"]}`},
		{name: "publication not found", code: nf, reason: "PUBLICATION_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.GetPublication(ctx, &pb.GetPublicationRequest{Name: "publications/999"}))
			},
			method: "GET", path: "/v1/publications/999"},
		{name: "events of a missing publication", code: nf, reason: "PUBLICATION_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.reg.ListEvents(ctx, &pb.ListEventsRequest{Parent: "publications/999"}))
			},
			method: "GET", path: "/v1/publications/999/events"},
		{name: "catalogue code not found", code: nf, reason: "CATALOG_ITEM_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.cat.GetCatalogItem(ctx, &pb.GetCatalogItemRequest{Code: "430400-CF-999-9999-00"}))
			},
			method: "GET", path: "/v1/catalog/items/430400-CF-999-9999-00"},
		{name: "a department's own code of an unpublished item is not in the catalogue", code: nf, reason: "CATALOG_ITEM_NOT_FOUND",
			call: func(ctx context.Context) error {
				return ok(e.cat.GetCatalogItem(ctx, &pb.GetCatalogItemRequest{Code: "430400-XK-GT-0002"}))
			},
			method: "GET", path: "/v1/catalog/items/430400-XK-GT-0002"},

		// ALREADY_EXISTS.
		{name: "department id taken", code: ae, reason: "DEPARTMENT_EXISTS",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
					Department: &pb.Department{DisplayName: "市国土资源局"}}))
			},
			method: "POST", path: "/v1/departments?department_id=gtzyj", body: `{"displayName": "市国土资源局"}`},
		{name: "create item with a code in use", code: ae, reason: "CODE_IN_USE",
			call: func(ctx context.Context) error {
				it := item("矿产资源勘查审批", pb.Category_CATEGORY_LICENSING, text)
				it.Code = w.ownCode
				return ok(e.reg.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: it}))
			},
			method: "POST", path: "/v1/departments/gtzyj/items",
			body: `{"displayName": "矿产资源勘查审批", "category": "CATEGORY_LICENSING", "code": ` + q(w.ownCode) + `}`},
		{name: "create item in another department with a code in use", code: ae, reason: "CODE_IN_USE",
			call: func(ctx context.Context) error {
				it := item("排污费征收", pb.Category_CATEGORY_LEVY)
				it.Code = w.ownCode
				return ok(e.reg.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/hbj", Item: it}))
			},
			method: "POST", path: "/v1/departments/hbj/items",
			body: `{"displayName": "排污费征收", "category": "CATEGORY_LEVY", "code": ` + q(w.ownCode) + `}`},
		{name: "give a draft a code in use", code: ae, reason: "CODE_IN_USE",
			call: func(ctx context.Context) error {
				return ok(e.reg.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: w.draft.Name, Code: w.ownCode},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"code"}}}))
			},
			method: "PATCH", path: "/v1/" + w.draft.Name, body: `{"code": ` + q(w.ownCode) + `}`},

		// ABORTED: stale etags.
		{name: "update item with a stale etag", code: ab, reason: "ETAG_MISMATCH",
			call: func(ctx context.Context) error {
				return ok(e.reg.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: w.draft.Name, DisplayName: "x", Etag: w.stale},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
			},
			method: "PATCH", path: "/v1/" + w.draft.Name, body: `{"displayName": "x", "etag": ` + q(w.stale) + `}`},
		{name: "delete item with a stale etag", code: ab, reason: "ETAG_MISMATCH",
			call: func(ctx context.Context) error {
				return ok(e.reg.DeleteItem(ctx, &pb.DeleteItemRequest{Name: w.draft.Name, Etag: w.stale}))
			},
			method: "DELETE", path: "/v1/" + w.draft.Name + "?etag=" + w.stale},
		{name: "abolish with a stale etag", code: ab, reason: "ETAG_MISMATCH",
			call: func(ctx context.Context) error {
				return ok(e.reg.AbolishItem(ctx, &pb.AbolishItemRequest{Name: w.published.Name, Comment: "取消", Etag: w.stale}))
			},
			method: "POST", path: "/v1/" + w.published.Name + ":abolish", body: `{"comment": "取消", "etag": ` + q(w.stale) + `}`},
		{name: "submit with a stale etag", code: ab, reason: "ETAG_MISMATCH",
			call: func(ctx context.Context) error {
				return ok(e.reg.SubmitSubmission(ctx, &pb.SubmitSubmissionRequest{Name: w.sDraft.Name, Etag: w.stale}))
			},
			method: "POST", path: "/v1/" + w.sDraft.Name + ":submit", body: `{"etag": ` + q(w.stale) + `}`},
		{name: "approve with a stale etag", code: ab, reason: "ETAG_MISMATCH",
			call: func(ctx context.Context) error {
				return ok(e.reg.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: w.sSubmitted.Name, Etag: w.stale}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sSubmitted.Name + ":approve", body: `{"etag": ` + q(w.stale) + `}`},
		{name: "reject with a stale etag", code: ab, reason: "ETAG_MISMATCH",
			call: func(ctx context.Context) error {
				return ok(e.reg.RejectSubmission(ctx, &pb.RejectSubmissionRequest{Name: w.sSubmitted.Name, Comment: "退回", Etag: w.stale}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sSubmitted.Name + ":reject",
			body: `{"comment": "退回", "etag": ` + q(w.stale) + `}`},
		{name: "delete submission with a stale etag", code: ab, reason: "ETAG_MISMATCH",
			call: func(ctx context.Context) error {
				return ok(e.reg.DeleteSubmission(ctx, &pb.DeleteSubmissionRequest{Name: w.sDraft.Name, Etag: w.stale}))
			},
			method: "DELETE", path: "/v1/" + w.sDraft.Name + "?etag=" + w.stale},
		{name: "update department with a stale etag", code: ab, reason: "ETAG_MISMATCH",
			call: func(ctx context.Context) error {
				return ok(e.reg.UpdateDepartment(ctx, &pb.UpdateDepartmentRequest{
					Department: &pb.Department{Name: "departments/hbj", DisplayName: "市生态环境局", Etag: w.stale}}))
			},
			method: "PATCH", path: "/v1/departments/hbj", body: `{"displayName": "市生态环境局", "etag": ` + q(w.stale) + `}`},

		// FAILED_PRECONDITION: a step in the wrong state.
		{name: "submit with an item lacking a legal basis", code: fp, reason: "LEGAL_BASIS_MISSING",
			call: func(ctx context.Context) error {
				return ok(e.reg.SubmitSubmission(ctx, &pb.SubmitSubmissionRequest{Name: w.sMissing.Name, Comment: "第二批"}))
			},
			method: "POST", path: "/v1/" + w.sMissing.Name + ":submit", body: `{"comment": "第二批"}`,
			subjects: []string{w.noBasis.Name}},
		{name: "edit a submitted item", code: fp, reason: "ITEM_NOT_EDITABLE",
			call: func(ctx context.Context) error {
				return ok(e.reg.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: w.submitted.Name, DisplayName: "x"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
			},
			method: "PATCH", path: "/v1/" + w.submitted.Name, body: `{"displayName": "x"}`},
		{name: "edit an approved item", code: fp, reason: "ITEM_NOT_EDITABLE",
			call: func(ctx context.Context) error {
				return ok(e.reg.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: w.approved.Name, DisplayName: "x"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
			},
			method: "PATCH", path: "/v1/" + w.approved.Name, body: `{"displayName": "x"}`},
		{name: "edit an item whose abolition is pending", code: fp, reason: "CHANGE_PENDING",
			call: func(ctx context.Context) error {
				return ok(e.reg.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: w.abolishing.Name, DisplayName: "x"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
			},
			method: "PATCH", path: "/v1/" + w.abolishing.Name, body: `{"displayName": "x"}`},
		{name: "submit twice", code: fp, reason: "SUBMISSION_NOT_DRAFT",
			call: func(ctx context.Context) error {
				return ok(e.reg.SubmitSubmission(ctx, &pb.SubmitSubmissionRequest{Name: w.sSubmitted.Name}))
			},
			method: "POST", path: "/v1/" + w.sSubmitted.Name + ":submit", body: `{}`},
		{name: "submit an approved submission", code: fp, reason: "SUBMISSION_NOT_DRAFT",
			call: func(ctx context.Context) error {
				return ok(e.reg.SubmitSubmission(ctx, &pb.SubmitSubmissionRequest{Name: w.sApproved.Name}))
			},
			method: "POST", path: "/v1/" + w.sApproved.Name + ":submit", body: `{}`},
		{name: "approve a draft submission", code: fp, reason: "SUBMISSION_NOT_SUBMITTED",
			call: func(ctx context.Context) error {
				return ok(e.reg.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: w.sDraft.Name}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sDraft.Name + ":approve", body: `{}`},
		{name: "approve an approved submission", code: fp, reason: "SUBMISSION_NOT_SUBMITTED",
			call: func(ctx context.Context) error {
				return ok(e.reg.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: w.sApproved.Name}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sApproved.Name + ":approve", body: `{}`},
		{name: "approve a published submission", code: fp, reason: "SUBMISSION_NOT_SUBMITTED",
			call: func(ctx context.Context) error {
				return ok(e.reg.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: w.sPublished.Name}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sPublished.Name + ":approve", body: `{}`},
		{name: "reject a draft submission", code: fp, reason: "SUBMISSION_NOT_SUBMITTED",
			call: func(ctx context.Context) error {
				return ok(e.reg.RejectSubmission(ctx, &pb.RejectSubmissionRequest{Name: w.sDraft.Name, Comment: "退回"}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sDraft.Name + ":reject", body: `{"comment": "退回"}`},
		{name: "reject a published submission", code: fp, reason: "SUBMISSION_NOT_SUBMITTED",
			call: func(ctx context.Context) error {
				return ok(e.reg.RejectSubmission(ctx, &pb.RejectSubmissionRequest{Name: w.sPublished.Name, Comment: "退回"}))
			},
			actor: "reform-office", method: "POST", path: "/v1/" + w.sPublished.Name + ":reject", body: `{"comment": "退回"}`},
		{name: "publish a submitted submission", code: fp, reason: "SUBMISSION_NOT_APPROVED",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreatePublication(ctx, &pb.CreatePublicationRequest{
					Publication: &pb.Publication{Submissions: []string{w.sSubmitted.Name}}}))
			},
			actor: "publisher", method: "POST", path: "/v1/publications", body: `{"submissions": [` + q(w.sSubmitted.Name) + `]}`,
			subjects: []string{w.sSubmitted.Name}},
		{name: "publish an approved and a submitted submission", code: fp, reason: "SUBMISSION_NOT_APPROVED",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreatePublication(ctx, &pb.CreatePublicationRequest{
					Publication: &pb.Publication{Submissions: []string{w.sApproved.Name, w.sSubmitted.Name}}}))
			},
			actor: "publisher", method: "POST", path: "/v1/publications",
			body:     `{"submissions": [` + q(w.sApproved.Name) + `, ` + q(w.sSubmitted.Name) + `]}`,
			subjects: []string{w.sSubmitted.Name}},
		{name: "publish a published submission again", code: fp, reason: "SUBMISSION_NOT_APPROVED",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreatePublication(ctx, &pb.CreatePublicationRequest{
					Publication: &pb.Publication{Submissions: []string{w.sPublished.Name}}}))
			},
			actor: "publisher", method: "POST", path: "/v1/publications", body: `{"submissions": [` + q(w.sPublished.Name) + `]}`,
			subjects: []string{w.sPublished.Name}},
		{name: "add an item already in another open submission", code: fp, reason: "ITEM_NOT_SUBMITTABLE",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
					Submission: &pb.Submission{Items: []string{w.draft.Name, w.inDraftSub.Name}}}))
			},
			method: "POST", path: "/v1/departments/gtzyj/submissions",
			body:     `{"items": [` + q(w.draft.Name) + `, ` + q(w.inDraftSub.Name) + `]}`,
			subjects: []string{w.inDraftSub.Name}},
		{name: "add a published item with nothing pending", code: fp, reason: "ITEM_NOT_SUBMITTABLE",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
					Submission: &pb.Submission{Items: []string{w.published.Name, w.draft.Name}}}))
			},
			method: "POST", path: "/v1/departments/gtzyj/submissions",
			body:     `{"items": [` + q(w.published.Name) + `, ` + q(w.draft.Name) + `]}`,
			subjects: []string{w.published.Name}},
		{name: "add a submitted and an approved item", code: fp, reason: "ITEM_NOT_SUBMITTABLE",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
					Submission: &pb.Submission{Items: []string{w.submitted.Name, w.draft.Name, w.approved.Name}}}))
			},
			method: "POST", path: "/v1/departments/gtzyj/submissions",
			body:     `{"items": [` + q(w.submitted.Name) + `, ` + q(w.draft.Name) + `, ` + q(w.approved.Name) + `]}`,
			subjects: []string{w.submitted.Name, w.approved.Name}},
		{name: "delete a published item", code: fp, reason: "ITEM_NOT_DELETABLE",
			call: func(ctx context.Context) error {
				return ok(e.reg.DeleteItem(ctx, &pb.DeleteItemRequest{Name: w.published.Name}))
			},
			method: "DELETE", path: "/v1/" + w.published.Name},
		{name: "delete a submitted item", code: fp, reason: "ITEM_NOT_DELETABLE",
			call: func(ctx context.Context) error {
				return ok(e.reg.DeleteItem(ctx, &pb.DeleteItemRequest{Name: w.submitted.Name}))
			},
			method: "DELETE", path: "/v1/" + w.submitted.Name},
		{name: "delete a draft in a draft submission", code: fp, reason: "ITEM_NOT_DELETABLE",
			call: func(ctx context.Context) error {
				return ok(e.reg.DeleteItem(ctx, &pb.DeleteItemRequest{Name: w.inDraftSub.Name}))
			},
			method: "DELETE", path: "/v1/" + w.inDraftSub.Name},
		{name: "delete a main item with a sub-item", code: fp, reason: "ITEM_NOT_DELETABLE",
			call: func(ctx context.Context) error {
				return ok(e.reg.DeleteItem(ctx, &pb.DeleteItemRequest{Name: w.main.Name}))
			},
			method: "DELETE", path: "/v1/" + w.main.Name},
		{name: "abolish a never-published item", code: fp, reason: "ITEM_NOT_PUBLISHED",
			call: func(ctx context.Context) error {
				return ok(e.reg.AbolishItem(ctx, &pb.AbolishItemRequest{Name: w.draft.Name, Comment: "取消"}))
			},
			method: "POST", path: "/v1/" + w.draft.Name + ":abolish", body: `{"comment": "取消"}`},
		{name: "abolish a submitted never-published item", code: fp, reason: "ITEM_NOT_PUBLISHED",
			call: func(ctx context.Context) error {
				return ok(e.reg.AbolishItem(ctx, &pb.AbolishItemRequest{Name: w.submitted.Name, Comment: "取消"}))
			},
			method: "POST", path: "/v1/" + w.submitted.Name + ":abolish", body: `{"comment": "取消"}`},
		{name: "abolish a published item with a modification pending", code: fp, reason: "CHANGE_PENDING",
			call: func(ctx context.Context) error {
				return ok(e.reg.AbolishItem(ctx, &pb.AbolishItemRequest{Name: w.modified.Name, Comment: "取消"}))
			},
			method: "POST", path: "/v1/" + w.modified.Name + ":abolish", body: `{"comment": "取消"}`},
		{name: "abolish twice", code: fp, reason: "CHANGE_PENDING",
			call: func(ctx context.Context) error {
				return ok(e.reg.AbolishItem(ctx, &pb.AbolishItemRequest{Name: w.abolishing.Name, Comment: "取消"}))
			},
			method: "POST", path: "/v1/" + w.abolishing.Name + ":abolish", body: `{"comment": "取消"}`},
		{name: "publish a sub-item whose main item is not in force", code: fp, reason: "PARENT_NOT_IN_FORCE",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreatePublication(ctx, &pb.CreatePublicationRequest{
					Publication: &pb.Publication{Submissions: []string{w.sApproved.Name, w.sSubItem.Name}}}))
			},
			actor: "publisher", method: "POST", path: "/v1/publications",
			body:     `{"submissions": [` + q(w.sApproved.Name) + `, ` + q(w.sSubItem.Name) + `]}`,
			subjects: []string{w.sub.Name}},
		{name: "abolish a main item but not its sub-item in force", code: fp, reason: "SUB_ITEMS_IN_FORCE",
			call: func(ctx context.Context) error {
				return ok(e.reg.CreatePublication(ctx, &pb.CreatePublicationRequest{
					Publication: &pb.Publication{Submissions: []string{w.sAbolishMain.Name, w.sApproved.Name}}}))
			},
			actor: "publisher", method: "POST", path: "/v1/publications",
			body:     `{"submissions": [` + q(w.sAbolishMain.Name) + `, ` + q(w.sApproved.Name) + `]}`,
			subjects: []string{w.subInForce.Name}},
		{name: "delete a submitted submission", code: fp, reason: "SUBMISSION_NOT_DRAFT",
			call: func(ctx context.Context) error {
				return ok(e.reg.DeleteSubmission(ctx, &pb.DeleteSubmissionRequest{Name: w.sSubmitted.Name}))
			},
			method: "DELETE", path: "/v1/" + w.sSubmitted.Name},
		{name: "delete a published submission", code: fp, reason: "SUBMISSION_NOT_DRAFT",
			call: func(ctx context.Context) error {
				return ok(e.reg.DeleteSubmission(ctx, &pb.DeleteSubmissionRequest{Name: w.sPublished.Name}))
			},
			method: "DELETE", path: "/v1/" + w.sPublished.Name},
	}
}

// TestErrors runs every wrong-state and bad-input case over gRPC and REST:
// each must fail with its code (HTTP status) and stable reason, a
// bilingual message, exactly the details expected, and leave the registry
// as it was.
func TestErrors(t *testing.T) {
	w := newWorld(t)
	e := w.e
	watched := []string{"departments/gtzyj", "departments/hbj", w.draft.Name, w.noBasis.Name, w.published.Name,
		w.mainInForce.Name, w.subInForce.Name, w.sMissing.Name, w.sSubmitted.Name, w.sApproved.Name, w.sAbolishMain.Name, w.pub.Name}
	before := e.snapshot(t, watched...)
	cases := w.cases()
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case %q", c.name)
		}
		seen[c.name] = true
		actor := c.actor
		if actor == "" {
			actor = "gtj-clerk"
		}
		if c.call != nil {
			t.Run(c.name+"/grpc", func(t *testing.T) {
				st := wantStatus(t, c.call(as(actor)), c.code, c.reason)
				if !bilingual(st.Message()) {
					t.Errorf("message is not bilingual: %q", st.Message())
				}
				checkDetails(t, st, c)
				e.snapshot(t, watched...).diff(t, before)
			})
		}
		if c.method != "" {
			t.Run(c.name+"/rest", func(t *testing.T) {
				r := e.rest(actor, c.method, c.path, c.body)
				if r.Code != httpStatus[c.code] || r.reason() != c.reason {
					t.Fatalf("%s %s: HTTP %d reason %q, want %d %q: %s", c.method, c.path, r.Code, r.reason(),
						httpStatus[c.code], c.reason, r.Raw)
				}
				if code := codes.Code(r.Body["code"].(float64)); code != c.code {
					t.Errorf("body code %s, want %s", code, c.code)
				}
				if msg := r.str("message"); !bilingual(msg) {
					t.Errorf("message is not bilingual: %q", msg)
				}
				if c.fields != nil && !slices.Equal(r.restFieldViolations(), c.fields) {
					t.Errorf("field violations %q, want %q", r.restFieldViolations(), c.fields)
				}
				if c.subjects != nil && !slices.Equal(r.restSubjects(), c.subjects) {
					t.Errorf("precondition subjects %q, want %q", r.restSubjects(), c.subjects)
				}
				e.snapshot(t, watched...).diff(t, before)
			})
		}
	}
	// Every stable reason of the registry is exercised.
	reasons := map[string]bool{}
	for _, c := range cases {
		reasons[c.reason] = true
	}
	for _, r := range []string{"DEPARTMENT_NOT_FOUND", "ITEM_NOT_FOUND", "REVISION_NOT_FOUND", "SUBMISSION_NOT_FOUND",
		"PUBLICATION_NOT_FOUND", "CATALOG_ITEM_NOT_FOUND", "DEPARTMENT_EXISTS", "CODE_IN_USE", "INVALID_FIELDS",
		"ETAG_MISMATCH", "ITEM_NOT_EDITABLE", "ITEM_NOT_DELETABLE", "ITEM_NOT_PUBLISHED", "CHANGE_PENDING",
		"ITEM_NOT_SUBMITTABLE", "LEGAL_BASIS_MISSING", "SUBMISSION_NOT_DRAFT", "SUBMISSION_NOT_SUBMITTED",
		"SUBMISSION_NOT_APPROVED", "PARENT_NOT_IN_FORCE", "SUB_ITEMS_IN_FORCE", "MALFORMED_REQUEST"} {
		if !reasons[r] {
			t.Errorf("no case for reason %s", r)
		}
	}

	// After all of them: the batch that lacked a basis is still a draft,
	// the approved batch of the refused publication is still approved and
	// its item not in force, and no publication was added.
	clerk := as("gtj-clerk")
	if s := must(e.reg.GetSubmission(clerk, &pb.GetSubmissionRequest{Name: w.sMissing.Name})).Submission; s.State != pb.Submission_STATE_DRAFT ||
		s.Submitter != "" || len(s.ItemRevisions) != 0 || s.Comment != "" {
		t.Errorf("submission refused for a missing basis changed: %v", s)
	}
	if s := must(e.reg.GetSubmission(clerk, &pb.GetSubmissionRequest{Name: w.sApproved.Name})).Submission; s.State != pb.Submission_STATE_APPROVED ||
		s.Publication != "" {
		t.Errorf("approved submission of a refused publication changed: %v", s)
	}
	for _, it := range []*pb.Item{w.noBasis, w.withBasis} {
		if got := must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: it.Name})).Item; got.State != pb.Item_STATE_DRAFT {
			t.Errorf("%s is %s after a refused submit", it.Name, got.State)
		}
	}
	if it := must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: w.approved.Name})).Item; it.State != pb.Item_STATE_APPROVED ||
		it.PublishedRevisionId != "" || it.Code != "" {
		t.Errorf("item of a refused publication changed: %v", it)
	}
	if pubs := must(e.reg.ListPublications(clerk, &pb.ListPublicationsRequest{})).Publications; len(pubs) != 1 {
		t.Errorf("publications after refused ones: %v", pubs)
	}
	if n := len(must(e.cat.ListCatalogItems(clerk, &pb.ListCatalogItemsRequest{})).Items); n != 5 {
		t.Errorf("catalogue has %d items, want the 5 of the first publication", n)
	}
}

func checkDetails(t *testing.T, st *status.Status, c errCase) {
	t.Helper()
	if c.fields != nil && !slices.Equal(fieldViolations(st), c.fields) {
		t.Errorf("field violations %q, want %q", fieldViolations(st), c.fields)
	}
	if c.code == codes.InvalidArgument && len(fieldViolations(st)) == 0 {
		t.Errorf("INVALID_ARGUMENT without field violations: %v", st.Details())
	}
	if c.subjects != nil && !slices.Equal(preconditionSubjects(st), c.subjects) {
		t.Errorf("precondition subjects %q, want %q", preconditionSubjects(st), c.subjects)
	}
}

// TestEtags: the etag a change returns guards the next change, over gRPC
// and REST; the one before it no longer works.
func TestEtags(t *testing.T) {
	e := start(t, "")
	clerk, rev := as("gtj-clerk"), as("reform-office")
	must(e.reg.CreateDepartment(clerk, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	mk := func(name string) *pb.Item {
		return must(e.reg.CreateItem(clerk, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
			DisplayName: name, Category: pb.Category_CATEGORY_PENALTY, LegalBases: basis("《土地管理法》第七十六条")}})).Item
	}
	rename := func(it *pb.Item, name, etag string) (*pb.Item, error) {
		r, err := e.reg.UpdateItem(clerk, &pb.UpdateItemRequest{Item: &pb.Item{Name: it.Name, DisplayName: name, Etag: etag},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
		return r.GetItem(), err
	}

	// gRPC: update with the current etag, then with the new one; the old
	// one is refused.
	a := mk("对非法占用土地的处罚")
	a1 := must(rename(a, "对非法占用土地的行政处罚", a.Etag))
	if a1.Etag == a.Etag {
		t.Fatalf("etag did not change: %s", a1.Etag)
	}
	_, err := rename(a, "x", a.Etag)
	wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
	a2 := must(rename(a1, "对非法占用土地的处罚", a1.Etag))

	// The submission's etags: create → submit → approve, each with the
	// etag of the step before.
	b := mk("对破坏耕地的处罚")
	s := must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{a2.Name, b.Name}}})).Submission
	s1 := must(e.reg.SubmitSubmission(clerk, &pb.SubmitSubmissionRequest{Name: s.Name, Etag: s.Etag})).Submission
	_, err = e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s.Name, Etag: s.Etag})
	wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
	s2 := must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s.Name, Etag: s1.Etag,
		ReturnedItems: []*pb.ItemComment{{Item: b.Name, Comment: "依据不全"}}})).Submission
	if s2.State != pb.Submission_STATE_APPROVED {
		t.Fatalf("approved: %v", s2)
	}
	// The returned item's etag changed with the review: the etag from
	// before the review is stale, the one read after it works.
	_, err = e.reg.DeleteItem(clerk, &pb.DeleteItemRequest{Name: b.Name, Etag: b.Etag})
	wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
	b1 := must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: b.Name})).Item
	must(e.reg.DeleteItem(clerk, &pb.DeleteItemRequest{Name: b.Name, Etag: b1.Etag}))

	// A draft submission's etag guards its deletion.
	c := mk("对拒不履行土地复垦义务的处罚")
	sc := must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{c.Name}}})).Submission
	_, err = e.reg.DeleteSubmission(clerk, &pb.DeleteSubmissionRequest{Name: sc.Name, Etag: s.Etag})
	wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
	must(e.reg.DeleteSubmission(clerk, &pb.DeleteSubmissionRequest{Name: sc.Name, Etag: sc.Etag}))

	// REST: the same with JSON etags.
	d := e.restOK("gtj-clerk", "POST", "/v1/departments/gtzyj/items",
		`{"displayName": "土地登记", "category": "CATEGORY_CONFIRMATION", "legalBases": [{"text": "《不动产登记暂行条例》"}]}`)
	name, etag := d.str("name"), d.str("etag")
	d1 := e.restOK("gtj-clerk", "PATCH", "/v1/"+name, fmt.Sprintf(`{"remark": "一", "etag": %q}`, etag))
	if r := e.rest("gtj-clerk", "PATCH", "/v1/"+name, fmt.Sprintf(`{"remark": "二", "etag": %q}`, etag)); r.Code != http.StatusConflict ||
		r.reason() != "ETAG_MISMATCH" {
		t.Fatalf("stale REST etag: HTTP %d %s", r.Code, r.Raw)
	}
	d2 := e.restOK("gtj-clerk", "PATCH", "/v1/"+name, fmt.Sprintf(`{"remark": "二", "etag": %q}`, d1.str("etag")))
	if d2.str("remark") != "二" {
		t.Fatalf("REST update: %s", d2.Raw)
	}
	rs := e.restOK("gtj-clerk", "POST", "/v1/departments/gtzyj/submissions", fmt.Sprintf(`{"items": [%q]}`, name))
	rs1 := e.restOK("gtj-clerk", "POST", "/v1/"+rs.str("name")+":submit", fmt.Sprintf(`{"etag": %q}`, rs.str("etag")))
	if r := e.rest("reform-office", "POST", "/v1/"+rs.str("name")+":reject",
		fmt.Sprintf(`{"comment": "退回", "etag": %q}`, rs.str("etag"))); r.Code != http.StatusConflict || r.reason() != "ETAG_MISMATCH" {
		t.Fatalf("stale REST etag on reject: HTTP %d %s", r.Code, r.Raw)
	}
	e.restOK("reform-office", "POST", "/v1/"+rs.str("name")+":reject", fmt.Sprintf(`{"comment": "退回", "etag": %q}`, rs1.str("etag")))
	d3 := e.restOK("gtj-clerk", "GET", "/v1/"+name, "")
	if r := e.rest("gtj-clerk", "DELETE", "/v1/"+name+"?etag="+d2.str("etag"), ""); r.Code != http.StatusConflict {
		t.Fatalf("stale REST etag on delete: HTTP %d %s", r.Code, r.Raw)
	}
	e.restOK("gtj-clerk", "DELETE", "/v1/"+name+"?etag="+d3.str("etag"), "")
	if r := e.rest("gtj-clerk", "GET", "/v1/"+name, ""); r.Code != http.StatusNotFound || r.reason() != "ITEM_NOT_FOUND" {
		t.Fatalf("deleted item: HTTP %d %s", r.Code, r.Raw)
	}
}
