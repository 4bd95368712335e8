package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func basis(text string) []*pb.LegalBasis {
	return []*pb.LegalBasis{{Level: pb.LegalBasis_LEVEL_LAW, Title: "《中华人民共和国土地管理法》", Article: "第七十七条", Text: text}}
}

// TestFlowGRPC walks department → reviewer → publisher → portal over gRPC,
// including a sub-item, a department's own code, a partial approval, a
// modification and an abolition of published items.
func TestFlowGRPC(t *testing.T) {
	e := start(t, "")
	dept, rev, pubr := as("gtj-clerk"), as("reform-office"), as("publisher")

	must(e.reg.CreateDepartment(dept, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局", RegionCode: "430400"}}))
	mk := func(name string, cat pb.Category, code, parent string) *pb.Item {
		return must(e.reg.CreateItem(dept, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
			DisplayName: name, Category: cat, Code: code, Parent: parent, LegalBases: basis("《土地管理法》第七十七条"),
		}})).Item
	}
	main := mk("对非法占用土地的处罚", pb.Category_CATEGORY_PENALTY, "", "")
	sub := mk("对非法占用耕地的处罚", pb.Category_CATEGORY_PENALTY, "", main.Name)
	own := mk("建设用地审批", pb.Category_CATEGORY_LICENSING, "430400-XK-GT-0001", "")
	bad := mk("土地登记", pb.Category_CATEGORY_CONFIRMATION, "", "")
	if main.State != pb.Item_STATE_DRAFT || main.PendingChange != pb.ChangeKind_CHANGE_KIND_CREATE {
		t.Fatalf("new item: state %s pending %s", main.State, main.PendingChange)
	}

	names := []string{main.Name, sub.Name, own.Name, bad.Name}
	s := must(e.reg.CreateSubmission(dept, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: names}})).Submission
	s = must(e.reg.SubmitSubmission(dept, &pb.SubmitSubmissionRequest{Name: s.Name, Comment: "2014 年梳理"})).Submission
	if s.State != pb.Submission_STATE_SUBMITTED || s.Submitter != "gtj-clerk" || len(s.ItemRevisions) != 4 {
		t.Fatalf("submitted: %v", s)
	}
	queue := must(e.reg.ListSubmissions(rev, &pb.ListSubmissionsRequest{Parent: "departments/-",
		State: pb.Submission_STATE_SUBMITTED})).Submissions
	if len(queue) != 1 || queue[0].Name != s.Name {
		t.Fatalf("review queue: %v", queue)
	}
	s = must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s.Name, Comment: "同意",
		ReturnedItems: []*pb.ItemComment{{Item: bad.Name, Comment: "依据不全"}}})).Submission
	if s.State != pb.Submission_STATE_APPROVED || len(s.Items) != 3 || !slices.Equal(s.ReturnedItems, []string{bad.Name}) {
		t.Fatalf("approved: %v", s)
	}
	returned := must(e.reg.GetItem(dept, &pb.GetItemRequest{Name: bad.Name})).Item
	if returned.State != pb.Item_STATE_RETURNED || returned.ReviewComment != "依据不全" || returned.Submission != "" {
		t.Fatalf("returned item: %v", returned)
	}

	p := must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{
		Publication: &pb.Publication{Submissions: []string{s.Name}, Comment: "第一批"}})).Publication
	codes := map[string]string{}
	for _, it := range p.Items {
		codes[it.Item] = it.Code
	}
	want := map[string]string{main.Name: "430400-CF-001-0001-00", sub.Name: "430400-CF-001-0001-01", own.Name: "430400-XK-GT-0001"}
	for n, c := range want {
		if codes[n] != c {
			t.Errorf("code of %s = %q, want %q", n, codes[n], c)
		}
	}

	list := must(e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Category: pb.Category_CATEGORY_PENALTY})).Items
	if len(list) != 2 || list[0].Code != "430400-CF-001-0001-00" || list[1].ParentCode != "430400-CF-001-0001-00" {
		t.Fatalf("penalty catalogue: %v", list)
	}
	stats := must(e.cat.GetCatalogStats(as(""), &pb.GetCatalogStatsRequest{}))
	if stats.Total.Items != 2 || stats.Total.SubItems != 1 || stats.Categories[2].Count.Total != 2 ||
		stats.Categories[0].Count.Total != 1 || len(stats.Categories) != 10 || stats.Departments[0].DisplayName != "市国土资源局" {
		t.Fatalf("stats: %v", stats)
	}

	// A modification: the published revision stays in force until its
	// successor is published.
	edited := must(e.reg.UpdateItem(dept, &pb.UpdateItemRequest{
		Item:       &pb.Item{Name: main.Name, DisplayName: "对非法占用土地的行政处罚"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})).Item
	if edited.State != pb.Item_STATE_DRAFT || edited.PendingChange != pb.ChangeKind_CHANGE_KIND_MODIFY || edited.PublishedRevisionId == "" {
		t.Fatalf("edited published item: %v", edited)
	}
	inForce := must(e.cat.GetCatalogItem(as(""), &pb.GetCatalogItemRequest{Code: "430400-CF-001-0001-00"})).Item
	if inForce.DisplayName != "对非法占用土地的处罚" {
		t.Fatalf("unpublished edit reached the catalogue: %q", inForce.DisplayName)
	}
	// An abolition of the department's own-coded item, in the same batch.
	must(e.reg.AbolishItem(dept, &pb.AbolishItemRequest{Name: own.Name, Comment: "国发〔2014〕5号取消"}))
	s2 := must(e.reg.CreateSubmission(dept, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{main.Name, own.Name}}})).Submission
	must(e.reg.SubmitSubmission(dept, &pb.SubmitSubmissionRequest{Name: s2.Name}))
	must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s2.Name}))
	must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: []string{s2.Name}}}))

	inForce = must(e.cat.GetCatalogItem(as(""), &pb.GetCatalogItemRequest{Code: "430400-CF-001-0001-00"})).Item
	if inForce.DisplayName != "对非法占用土地的行政处罚" {
		t.Fatalf("published modification not in force: %q", inForce.DisplayName)
	}
	_, err := e.cat.GetCatalogItem(as(""), &pb.GetCatalogItemRequest{Code: "430400-XK-GT-0001"})
	wantStatus(t, err, 5 /* NotFound */, "CATALOG_ITEM_NOT_FOUND")
	gone := must(e.reg.GetItem(dept, &pb.GetItemRequest{Name: own.Name})).Item
	if gone.State != pb.Item_STATE_ABOLISHED || gone.Code != "430400-XK-GT-0001" {
		t.Fatalf("abolished item: %v", gone)
	}
	revs := must(e.reg.ListRevisions(dept, &pb.ListRevisionsRequest{Parent: main.Name})).Revisions
	if len(revs) != 2 || revs[0].Item.DisplayName != "对非法占用土地的行政处罚" || revs[1].SupersedeTime == nil || revs[0].Publication == "" {
		t.Fatalf("revisions: %v", revs)
	}

	// Every step was recorded with its actor and comment.
	events := must(e.reg.ListEvents(dept, &pb.ListEventsRequest{Parent: main.Name})).Events
	var steps []string
	for _, ev := range events {
		steps = append(steps, fmt.Sprintf("%s:%s", ev.Action, ev.Actor))
	}
	wantSteps := []string{"ACTION_CREATED:gtj-clerk", "ACTION_SUBMITTED:gtj-clerk", "ACTION_APPROVED:reform-office",
		"ACTION_PUBLISHED:publisher", "ACTION_UPDATED:gtj-clerk", "ACTION_SUBMITTED:gtj-clerk",
		"ACTION_APPROVED:reform-office", "ACTION_PUBLISHED:publisher"}
	if !slices.Equal(steps, wantSteps) {
		t.Fatalf("events:\n got %v\nwant %v", steps, wantSteps)
	}
	subEvents := must(e.reg.ListEvents(dept, &pb.ListEventsRequest{Parent: s.Name})).Events
	if len(subEvents) != 4 || subEvents[1].Comment != "2014 年梳理" || subEvents[2].Comment != "同意" {
		t.Fatalf("submission events: %v", subEvents)
	}
}

// TestFlowREST walks the same flow over the REST routes the portal and our
// scripts use, with their JSON names.
func TestFlowREST(t *testing.T) {
	e := start(t, "")
	d := e.restOK("clerk", "POST", "/v1/departments?department_id=gtzyj", `{"displayName": "市国土资源局"}`)
	if d.str("name") != "departments/gtzyj" {
		t.Fatalf("department: %s", d.Raw)
	}
	if l := e.restOK("reviewer", "GET", "/v1/departments", ""); len(l.Body["departments"].([]any)) != 1 {
		t.Fatalf("departments: %s", l.Raw)
	}
	it := e.restOK("clerk", "POST", "/v1/departments/gtzyj/items",
		`{"displayName": "对非法占用土地的处罚", "category": "CATEGORY_PENALTY", "legalBases": [{"text": "《土地管理法》第七十七条"}]}`)
	name := it.str("name")
	if name != "departments/gtzyj/items/1" || it.str("state") != "STATE_DRAFT" {
		t.Fatalf("item: %s", it.Raw)
	}
	// PATCH with a partial body: the gateway derives the field mask.
	p := e.restOK("clerk", "PATCH", "/v1/"+name, `{"handlingUnit": "执法监察支队", "fee": {"charged": false}}`)
	if p.str("handlingUnit") != "执法监察支队" || p.str("displayName") != "对非法占用土地的处罚" || p.str("revisionId") != "2" {
		t.Fatalf("patch: %s", p.Raw)
	}
	e.restOK("clerk", "GET", "/v1/"+name, "")
	e.restOK("clerk", "GET", "/v1/departments/gtzyj/items", "")
	s := e.restOK("clerk", "POST", "/v1/departments/gtzyj/submissions", fmt.Sprintf(`{"items": [%q]}`, name))
	sub := s.str("name")
	e.restOK("clerk", "POST", "/v1/"+sub+":submit", `{"comment": "第一批"}`)
	q := e.restOK("reviewer", "GET", "/v1/departments/-/submissions?state=STATE_SUBMITTED", "")
	if len(q.Body["submissions"].([]any)) != 1 {
		t.Fatalf("queue: %s", q.Raw)
	}
	if a := e.restOK("reviewer", "POST", "/v1/"+sub+":approve", `{"comment": "同意"}`); a.str("state") != "STATE_APPROVED" {
		t.Fatalf("approve: %s", a.Raw)
	}
	pub := e.restOK("publisher", "POST", "/v1/publications", fmt.Sprintf(`{"submissions": [%q]}`, sub))
	e.restOK("publisher", "GET", "/v1/"+pub.str("name"), "")

	cat := e.restOK("", "GET", "/v1/catalog/items?category=CATEGORY_PENALTY&department=departments/gtzyj&page_size=10", "")
	items := cat.Body["items"].([]any)
	code := items[0].(map[string]any)["code"].(string)
	if len(items) != 1 || code != "430400-CF-001-0001-00" {
		t.Fatalf("catalogue: %s", cat.Raw)
	}
	if g := e.restOK("", "GET", "/v1/catalog/items/"+code, ""); g.str("handlingUnit") != "执法监察支队" {
		t.Fatalf("catalogue item: %s", g.Raw)
	}
	if st := e.restOK("", "GET", "/v1/catalog/stats", ""); st.Body["total"].(map[string]any)["items"].(float64) != 1 {
		t.Fatalf("stats: %s", st.Raw)
	}
	if r := e.restOK("reviewer", "GET", "/v1/"+name+"/revisions", ""); len(r.Body["revisions"].([]any)) != 2 {
		t.Fatalf("revisions: %s", r.Raw)
	}
	// A rejection names the batch and per-item comments.
	it2 := e.restOK("clerk", "POST", "/v1/departments/gtzyj/items",
		`{"displayName": "土地登记", "category": "CATEGORY_CONFIRMATION", "legalBases": [{"text": "《不动产登记暂行条例》"}]}`)
	s2 := e.restOK("clerk", "POST", "/v1/departments/gtzyj/submissions", fmt.Sprintf(`{"items": [%q]}`, it2.str("name"))).str("name")
	e.restOK("clerk", "POST", "/v1/"+s2+":submit", `{}`)
	rj := e.restOK("reviewer", "POST", "/v1/"+s2+":reject",
		fmt.Sprintf(`{"comment": "请补充依据条款", "itemComments": [{"item": %q, "comment": "写明第几条"}]}`, it2.str("name")))
	if rj.str("state") != "STATE_RETURNED" {
		t.Fatalf("reject: %s", rj.Raw)
	}
	if g := e.restOK("clerk", "GET", "/v1/"+it2.str("name"), ""); g.str("state") != "STATE_RETURNED" || g.str("reviewComment") != "写明第几条" {
		t.Fatalf("rejected item: %s", g.Raw)
	}
	// The OpenAPI document is served too.
	if r, err := http.Get(e.base + "/openapi.json"); err != nil || r.StatusCode != 200 {
		t.Fatalf("openapi: %v %v", r, err)
	}
}
