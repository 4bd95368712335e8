package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/store"
)

// labeled is one read of the registry, named by what was read.
type labeled struct {
	what string
	msg  proto.Message
}

// readAll reads everything the API shows: every department, item,
// revision, submission, publication and event list, the catalogue with
// each code and the stats, and the paged lists page by page.
func (e *env) readAll(t *testing.T) []labeled {
	t.Helper()
	ctx := as("auditor")
	var out []labeled
	add := func(what string, m proto.Message) { out = append(out, labeled{what, m}) }
	events := func(parent string) {
		add("events of "+parent, must(e.reg.ListEvents(ctx, &pb.ListEventsRequest{Parent: parent, PageSize: 1000})))
	}

	add("categories", must(e.reg.ListCategories(ctx, &pb.ListCategoriesRequest{})))
	depts := must(e.reg.ListDepartments(ctx, &pb.ListDepartmentsRequest{}))
	add("departments", depts)
	for _, d := range depts.Departments {
		add(d.Name, must(e.reg.GetDepartment(ctx, &pb.GetDepartmentRequest{Name: d.Name})))
		add("items of "+d.Name, must(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: d.Name})))
		add("submissions of "+d.Name, must(e.reg.ListSubmissions(ctx, &pb.ListSubmissionsRequest{Parent: d.Name})))
		add("catalogue of "+d.Name, must(e.cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Department: d.Name})))
		events(d.Name)
	}

	items := must(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/-", PageSize: 1000}))
	add("items", items)
	for _, it := range items.Items {
		add(it.Name, must(e.reg.GetItem(ctx, &pb.GetItemRequest{Name: it.Name})))
		revs := must(e.reg.ListRevisions(ctx, &pb.ListRevisionsRequest{Parent: it.Name}))
		add("revisions of "+it.Name, revs)
		for _, r := range revs.Revisions {
			add(r.Name, must(e.reg.GetRevision(ctx, &pb.GetRevisionRequest{Name: r.Name})))
		}
		events(it.Name)
	}
	for _, st := range []pb.Item_State{pb.Item_STATE_DRAFT, pb.Item_STATE_RETURNED, pb.Item_STATE_PUBLISHED, pb.Item_STATE_ABOLISHED} {
		add("items "+st.String(), must(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/-", State: st})))
	}

	subs := must(e.reg.ListSubmissions(ctx, &pb.ListSubmissionsRequest{Parent: "departments/-"}))
	add("submissions", subs)
	for _, s := range subs.Submissions {
		add(s.Name, must(e.reg.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: s.Name})))
		events(s.Name)
	}
	add("review queue", must(e.reg.ListSubmissions(ctx, &pb.ListSubmissionsRequest{Parent: "departments/-",
		State: pb.Submission_STATE_SUBMITTED})))

	pubs := must(e.reg.ListPublications(ctx, &pb.ListPublicationsRequest{}))
	add("publications", pubs)
	for _, p := range pubs.Publications {
		add(p.Name, must(e.reg.GetPublication(ctx, &pb.GetPublicationRequest{Name: p.Name})))
		events(p.Name)
	}

	cat := must(e.cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{PageSize: 500}))
	add("catalogue", cat)
	for _, it := range cat.Items {
		add("catalogue "+it.Code, must(e.cat.GetCatalogItem(ctx, &pb.GetCatalogItemRequest{Code: it.Code})))
	}
	for c := pb.Category_CATEGORY_LICENSING; c <= pb.Category_CATEGORY_OTHER; c++ {
		add("catalogue "+c.String(), must(e.cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Category: c})))
	}
	add("stats", must(e.cat.GetCatalogStats(ctx, &pb.GetCatalogStatsRequest{})))

	// Paged lists, page by page: tokens handed out before a restart keep
	// working after it.
	for token, i := "", 0; i == 0 || token != ""; i++ {
		page := must(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/-", PageSize: 2, PageToken: token}))
		add(fmt.Sprintf("items page %d", i), page)
		token = page.NextPageToken
	}
	for token, i := "", 0; i == 0 || token != ""; i++ {
		page := must(e.cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{PageSize: 2, PageToken: token}))
		add(fmt.Sprintf("catalogue page %d", i), page)
		token = page.NextPageToken
	}
	return out
}

func sameReads(t *testing.T, before, after []labeled) {
	t.Helper()
	if len(before) != len(after) {
		t.Fatalf("%d reads after, %d before", len(after), len(before))
	}
	for i := range before {
		if before[i].what != after[i].what {
			t.Fatalf("read %d is %s, was %s", i, after[i].what, before[i].what)
		}
		if !proto.Equal(before[i].msg, after[i].msg) {
			t.Errorf("%s changed:\nbefore %v\n after %v", before[i].what, before[i].msg, after[i].msg)
		}
	}
}

// TestRestartKeepsEverything runs a flow, restarts the server on the same
// data dir and reads everything back unchanged; new writes continue the
// ids, numbers and codes without collision.
func TestRestartKeepsEverything(t *testing.T) {
	e := start(t, "")
	clerk, hbj, rev, pubr := as("gtj-clerk"), as("hbj-clerk"), as("reform-office"), as("publisher")
	must(e.reg.CreateDepartment(clerk, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	must(e.reg.CreateDepartment(hbj, &pb.CreateDepartmentRequest{DepartmentId: "hbj",
		Department: &pb.Department{DisplayName: "环保局", RegionCode: "430481"}}))
	must(e.reg.UpdateDepartment(hbj, &pb.UpdateDepartmentRequest{Department: &pb.Department{Name: "departments/hbj",
		DisplayName: "市环境保护局"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
	mk := func(ctx context.Context, dept, name string, cat pb.Category, code, parent string, withBasis bool) *pb.Item {
		it := &pb.Item{DisplayName: name, Category: cat, Code: code, Parent: parent,
			HandlingUnit: "执法监察支队", Levels: []string{"市级", "县级"}, Responsibilities: []string{"立案", "调查取证", "决定"},
			LegalTimeLimit: &pb.TimeLimit{Value: 20, Unit: pb.TimeLimit_UNIT_WORKING_DAY},
			Fee:            &pb.Fee{Charged: proto.Bool(true), Basis: "《行政事业性收费标准》", Standard: "每件50元"}}
		if withBasis {
			it.LegalBases = basis("《土地管理法》第七十七条")
		}
		return must(e.reg.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/" + dept, Item: it})).Item
	}
	names := func(items ...*pb.Item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.Name)
		}
		return out
	}
	batch := func(ctx context.Context, dept string, items ...*pb.Item) *pb.Submission {
		s := must(e.reg.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: "departments/" + dept,
			Submission: &pb.Submission{Items: names(items...)}})).Submission
		return must(e.reg.SubmitSubmission(ctx, &pb.SubmitSubmissionRequest{Name: s.Name, Comment: "报送"})).Submission
	}

	main := mk(clerk, "gtzyj", "对非法占用土地的处罚", pb.Category_CATEGORY_PENALTY, "", "", true)
	sub := mk(clerk, "gtzyj", "对非法占用耕地的处罚", pb.Category_CATEGORY_PENALTY, "", main.Name, true)
	own := mk(clerk, "gtzyj", "建设用地审批", pb.Category_CATEGORY_LICENSING, "430400-XK-GT-0001", "", true)
	returned := mk(clerk, "gtzyj", "土地登记", pb.Category_CATEGORY_CONFIRMATION, "", "", true)
	draft := mk(clerk, "gtzyj", "土地复垦验收", pb.Category_CATEGORY_SUPERVISION, "", "", false)
	reserved := mk(clerk, "gtzyj", "土地闲置费征收", pb.Category_CATEGORY_LEVY, "", "", true)
	permit := mk(hbj, "hbj", "排污许可", pb.Category_CATEGORY_LICENSING, "", "", true)
	rejected := mk(hbj, "hbj", "对超标排污的处罚", pb.Category_CATEGORY_PENALTY, "", "", true)

	s1 := batch(clerk, "gtzyj", main, sub, own, returned)
	must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s1.Name, Comment: "同意",
		ReturnedItems: []*pb.ItemComment{{Item: returned.Name, Comment: "依据不全"}},
		ItemComments:  []*pb.ItemComment{{Item: main.Name, Comment: "名称规范"}}}))
	s2 := batch(hbj, "hbj", permit)
	must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s2.Name}))
	s3 := batch(hbj, "hbj", rejected)
	must(e.reg.RejectSubmission(rev, &pb.RejectSubmissionRequest{Name: s3.Name, Comment: "请补充依据条款",
		ItemComments: []*pb.ItemComment{{Item: rejected.Name, Comment: "写明第几条"}}}))
	must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{Publication: &pb.Publication{
		Submissions: []string{s1.Name, s2.Name}, Comment: "第一批"}}))

	// Dynamic adjustment: an abolition published, a modification pending.
	must(e.reg.AbolishItem(clerk, &pb.AbolishItemRequest{Name: own.Name, Comment: "国发〔2014〕5号取消"}))
	s4 := batch(clerk, "gtzyj", own)
	must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s4.Name}))
	must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: []string{s4.Name}}}))
	must(e.reg.UpdateItem(clerk, &pb.UpdateItemRequest{Item: &pb.Item{Name: main.Name, DisplayName: "对非法占用土地的行政处罚"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
	must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{reserved.Name}, Comment: "草稿批次"}}))

	// Deleted records move the counters past the highest id left.
	gone := mk(clerk, "gtzyj", "临时事项", pb.Category_CATEGORY_OTHER, "", "", false)
	goneSub := must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{gone.Name}}})).Submission
	must(e.reg.DeleteSubmission(clerk, &pb.DeleteSubmissionRequest{Name: goneSub.Name}))
	must(e.reg.DeleteItem(clerk, &pb.DeleteItemRequest{Name: gone.Name}))

	before := e.readAll(t)
	restPaths := []string{"/v1/departments", "/v1/departments/-/items", "/v1/departments/-/submissions", "/v1/publications",
		"/v1/" + main.Name, "/v1/" + draft.Name, "/v1/" + main.Name + "/revisions", "/v1/" + main.Name + "/events",
		"/v1/" + s1.Name, "/v1/" + s3.Name + "/events", "/v1/catalog/items", "/v1/catalog/stats",
		"/v1/catalog/items?category=CATEGORY_PENALTY&department=departments/gtzyj"}
	restBefore := map[string]map[string]any{}
	for _, p := range restPaths {
		restBefore[p] = e.restOK("auditor", "GET", p, "").Body
	}
	lastRevision := int64(0)
	for _, r := range before {
		if ev, ok := r.msg.(*pb.ListEventsResponse); ok {
			for _, x := range ev.Events {
				lastRevision = max(lastRevision, x.Revision)
			}
		}
	}
	var codesBefore []string
	for _, it := range must(e.reg.ListItems(clerk, &pb.ListItemsRequest{Parent: "departments/-"})).Items {
		if it.Code != "" {
			codesBefore = append(codesBefore, it.Code)
		}
	}
	if len(codesBefore) != 4 {
		t.Fatalf("codes before the restart: %v", codesBefore)
	}

	dir := e.dir
	e.stop()
	e = start(t, dir) // the helpers above now use the new server
	after := e.readAll(t)
	sameReads(t, before, after)
	for _, p := range restPaths {
		if r := e.restOK("auditor", "GET", p, ""); !reflect.DeepEqual(r.Body, restBefore[p]) {
			t.Errorf("REST GET %s changed:\nbefore %v\n after %v", p, restBefore[p], r.Body)
		}
	}
	if total := restBefore["/v1/catalog/stats"]["total"].(map[string]any)["total"].(float64); total != 3 {
		t.Errorf("catalogue total before the restart: %v, want 3", total)
	}

	// New writes continue the counters; an etag read before the restart
	// still guards its resource.
	clerk2 := as("gtj-clerk")
	_, err := e.reg.UpdateItem(clerk2, &pb.UpdateItemRequest{Item: &pb.Item{Name: draft.Name, Remark: "重启后", Etag: "1"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}})
	wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
	must(e.reg.UpdateItem(clerk2, &pb.UpdateItemRequest{Item: &pb.Item{Name: draft.Name, Remark: "重启后", Etag: draft.Etag},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}}))
	d := must(e.reg.CreateDepartment(clerk2, &pb.CreateDepartmentRequest{DepartmentId: "lyj",
		Department: &pb.Department{DisplayName: "市林业局"}})).Department
	if d.Number != 3 {
		t.Errorf("new department number %d, want 3", d.Number)
	}
	idOf := func(name string) int {
		var n int
		fmt.Sscanf(name[strings.LastIndex(name, "/")+1:], "%d", &n)
		return n
	}
	next := mk(clerk2, "gtzyj", "对破坏耕地的处罚", pb.Category_CATEGORY_PENALTY, "", "", true)
	if idOf(next.Name) != idOf(gone.Name)+1 {
		t.Errorf("new item %s, want id %d", next.Name, idOf(gone.Name)+1)
	}
	sub2 := mk(clerk2, "gtzyj", "对非法占用基本农田的处罚", pb.Category_CATEGORY_PENALTY, "", main.Name, true)
	// The pending modification of main is published with the new items.
	s5 := must(e.reg.CreateSubmission(clerk2, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{next.Name, sub2.Name, main.Name}}})).Submission
	if idOf(s5.Name) != idOf(goneSub.Name)+1 {
		t.Errorf("new submission %s, want id %d", s5.Name, idOf(goneSub.Name)+1)
	}
	s5 = must(e.reg.SubmitSubmission(clerk2, &pb.SubmitSubmissionRequest{Name: s5.Name, Etag: s5.Etag})).Submission
	must(e.reg.ApproveSubmission(as("reform-office"), &pb.ApproveSubmissionRequest{Name: s5.Name, Etag: s5.Etag}))
	p3 := must(e.reg.CreatePublication(as("publisher"), &pb.CreatePublicationRequest{Publication: &pb.Publication{
		Submissions: []string{s5.Name}}})).Publication
	if p3.Name != "publications/3" {
		t.Errorf("new publication %s, want publications/3", p3.Name)
	}
	newCodes := map[string]string{}
	for _, pi := range p3.Items {
		newCodes[pi.Item] = pi.Code
	}
	if newCodes[main.Name] != codesBefore[0] {
		t.Errorf("main item's code changed: %s, was %s", newCodes[main.Name], codesBefore[0])
	}
	for _, it := range []*pb.Item{next, sub2} {
		if c := newCodes[it.Name]; c == "" || slices.Contains(codesBefore, c) {
			t.Errorf("new item %s got code %q; codes before the restart: %v", it.Name, c, codesBefore)
		}
	}
	if newCodes[next.Name] == newCodes[sub2.Name] {
		t.Errorf("two new items share code %s", newCodes[next.Name])
	}
	events := must(e.reg.ListEvents(clerk2, &pb.ListEventsRequest{Parent: main.Name})).Events
	if last := events[len(events)-1]; last.Revision <= lastRevision || last.Action != pb.Event_ACTION_PUBLISHED {
		t.Errorf("event after the restart: revision %d (before: up to %d), %s", last.Revision, lastRevision, last.Action)
	}
	stats := must(e.cat.GetCatalogStats(clerk2, &pb.GetCatalogStatsRequest{}))
	if stats.Total.Items != 3 || stats.Total.SubItems != 2 {
		t.Errorf("stats after new publication: %v", stats.Total)
	}
	// Everything read before the restart that no new write touched still
	// reads the same: the other department's items, for one.
	hbjItems := must(e.reg.ListItems(clerk2, &pb.ListItemsRequest{Parent: "departments/hbj"}))
	for _, r := range before {
		if r.what == "items of departments/hbj" && !proto.Equal(r.msg, hbjItems) {
			t.Errorf("hbj items changed by writes to gtzyj:\n%v\n%v", r.msg, hbjItems)
		}
	}
}

// catalogueView is what the portal sees of an item, over both transports.
type catalogueView struct {
	grpcList, grpcGet, grpcStats proto.Message
	restList, restGet, restStats map[string]any
}

func (e *env) catalogueView(t *testing.T, code string) catalogueView {
	t.Helper()
	ctx := as("")
	return catalogueView{
		grpcList:  must(e.cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{})),
		grpcGet:   must(e.cat.GetCatalogItem(ctx, &pb.GetCatalogItemRequest{Code: code})),
		grpcStats: must(e.cat.GetCatalogStats(ctx, &pb.GetCatalogStatsRequest{})),
		restList:  e.restOK("", "GET", "/v1/catalog/items", "").Body,
		restGet:   e.restOK("", "GET", "/v1/catalog/items/"+code, "").Body,
		restStats: e.restOK("", "GET", "/v1/catalog/stats", "").Body,
	}
}

func (v catalogueView) equal(w catalogueView) bool {
	return proto.Equal(v.grpcList, w.grpcList) && proto.Equal(v.grpcGet, w.grpcGet) && proto.Equal(v.grpcStats, w.grpcStats) &&
		reflect.DeepEqual(v.restList, w.restList) && reflect.DeepEqual(v.restGet, w.restGet) &&
		reflect.DeepEqual(v.restStats, w.restStats)
}

// TestUnpublishedEditNeverReachesCatalogue edits a published item and takes
// the edit through submission and approval: until it is published, the
// catalogue over gRPC and REST shows the published content, unchanged.
func TestUnpublishedEditNeverReachesCatalogue(t *testing.T) {
	e := start(t, "")
	clerk, rev, pubr := as("gtj-clerk"), as("reform-office"), as("publisher")
	must(e.reg.CreateDepartment(clerk, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	it := must(e.reg.CreateItem(clerk, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
		DisplayName: "对非法占用土地的处罚", Category: pb.Category_CATEGORY_PENALTY, HandlingUnit: "执法监察支队",
		LegalBases: basis("《土地管理法》第七十七条")}})).Item
	other := must(e.reg.CreateItem(clerk, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
		DisplayName: "建设用地审批", Category: pb.Category_CATEGORY_LICENSING, LegalBases: basis("《土地管理法》第四十四条")}})).Item
	publish := func(items ...string) *pb.Publication {
		s := must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
			Submission: &pb.Submission{Items: items}})).Submission
		must(e.reg.SubmitSubmission(clerk, &pb.SubmitSubmissionRequest{Name: s.Name}))
		must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s.Name}))
		return must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: []string{s.Name}}})).Publication
	}
	publish(it.Name, other.Name)
	it = must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: it.Name})).Item
	code := it.Code
	old := e.catalogueView(t, code)
	if got := old.grpcGet.(*pb.GetCatalogItemResponse).Item; got.DisplayName != "对非法占用土地的处罚" || got.HandlingUnit != "执法监察支队" {
		t.Fatalf("published: %v", got)
	}
	check := func(step string) {
		t.Helper()
		if now := e.catalogueView(t, code); !now.equal(old) {
			t.Fatalf("after %s the catalogue changed:\nbefore %v %v\n after %v %v", step, old.grpcGet, old.restGet, now.grpcGet, now.restGet)
		}
	}

	// Edit over gRPC, then over REST: a draft modification.
	edited := must(e.reg.UpdateItem(clerk, &pb.UpdateItemRequest{Item: &pb.Item{Name: it.Name, DisplayName: "对非法占用土地的行政处罚"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})).Item
	if edited.State != pb.Item_STATE_DRAFT || edited.PublishedRevisionId != it.RevisionId {
		t.Fatalf("edited: %v", edited)
	}
	check("a gRPC edit")
	e.restOK("gtj-clerk", "PATCH", "/v1/"+it.Name, `{"handlingUnit": "土地执法大队", "category": "CATEGORY_COERCION"}`)
	check("a REST edit")
	// A draft submission, submitted, approved: still not in force.
	s := must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{it.Name}}})).Submission
	check("creating a submission")
	must(e.reg.SubmitSubmission(clerk, &pb.SubmitSubmissionRequest{Name: s.Name}))
	check("submitting")
	must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s.Name}))
	check("approving")
	if got := must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: it.Name})).Item; got.State != pb.Item_STATE_APPROVED ||
		got.PublishedRevisionId != it.RevisionId || got.DisplayName != "对非法占用土地的行政处罚" {
		t.Fatalf("approved working copy: %v", got)
	}
	// A failed publication of it changes nothing either.
	other2 := must(e.reg.CreateItem(clerk, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
		DisplayName: "土地登记", Category: pb.Category_CATEGORY_CONFIRMATION, LegalBases: basis("《不动产登记暂行条例》")}})).Item
	pending := must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{other2.Name}}})).Submission
	_, err := e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: []string{s.Name, pending.Name}}})
	wantStatus(t, err, codes.FailedPrecondition, "SUBMISSION_NOT_APPROVED")
	check("a refused publication")

	// Published: the new content is in force, under the same code, on
	// both transports; the old revision stays readable.
	must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: []string{s.Name}}}))
	now := e.catalogueView(t, code)
	got := now.grpcGet.(*pb.GetCatalogItemResponse).Item
	if got.DisplayName != "对非法占用土地的行政处罚" || got.HandlingUnit != "土地执法大队" || got.Category != pb.Category_CATEGORY_COERCION ||
		got.Code != code {
		t.Fatalf("published modification: %v", got)
	}
	if now.restGet["displayName"] != "对非法占用土地的行政处罚" || now.restGet["handlingUnit"] != "土地执法大队" || now.restGet["code"] != code {
		t.Fatalf("published modification over REST: %v", now.restGet)
	}
	list := now.grpcList.(*pb.ListCatalogItemsResponse).Items
	if len(list) != 2 || !slices.ContainsFunc(list, func(x *pb.Item) bool { return proto.Equal(x, got) }) {
		t.Fatalf("catalogue list: %v", list)
	}
	restList, _ := now.restList["items"].([]any)
	if len(restList) != 2 || !slices.ContainsFunc(restList, func(x any) bool { return reflect.DeepEqual(x, now.restGet) }) {
		t.Fatalf("REST catalogue list: %v", now.restList)
	}
	stats := now.grpcStats.(*pb.GetCatalogStatsResponse)
	if stats.Total.Total != 2 || stats.Categories[pb.Category_CATEGORY_PENALTY-1].Count.Total != 0 ||
		stats.Categories[pb.Category_CATEGORY_COERCION-1].Count.Total != 1 {
		t.Fatalf("stats: %v", stats)
	}
	oldRev := must(e.reg.GetRevision(clerk, &pb.GetRevisionRequest{Name: it.Name + "/revisions/" + it.RevisionId})).Revision
	if oldRev.Item.DisplayName != "对非法占用土地的处罚" || oldRev.SupersedeTime == nil {
		t.Fatalf("superseded revision: %v", oldRev)
	}
	if r := e.rest("", "GET", "/v1/catalog/items?category=CATEGORY_PENALTY", ""); r.Code != http.StatusOK || len(r.Body) != 0 {
		t.Fatalf("penalty catalogue after the category changed: %s", r.Raw)
	}
}

// TestSecondServerOnSameDirFails: a second server on a data dir in use
// fails fast with store.ErrLocked, and the first keeps serving.
func TestSecondServerOnSameDirFails(t *testing.T) {
	e := start(t, "")
	must(e.reg.CreateDepartment(as("clerk"), &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	srv, err := server.New(server.Config{DataDir: e.dir, GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Region: "430400"})
	if err == nil {
		t.Fatalf("second server on %s started: %s", e.dir, srv.GRPCAddr())
	}
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second server: %v, want an error wrapping store.ErrLocked", err)
	}
	if !strings.Contains(err.Error(), e.dir) {
		t.Errorf("error does not name the data dir: %v", err)
	}
	if d := must(e.reg.GetDepartment(as("clerk"), &pb.GetDepartmentRequest{Name: "departments/gtzyj"})).Department; d.DisplayName != "市国土资源局" {
		t.Fatalf("first server after the refused second: %v", d)
	}
	must(e.reg.CreateDepartment(as("clerk"), &pb.CreateDepartmentRequest{DepartmentId: "hbj",
		Department: &pb.Department{DisplayName: "市环境保护局"}}))
	// Once the first stops, the dir is free again.
	e.stop()
	e2 := start(t, e.dir)
	if l := must(e2.reg.ListDepartments(as("clerk"), &pb.ListDepartmentsRequest{})).Departments; len(l) != 2 {
		t.Fatalf("departments after restart: %v", l)
	}
}
