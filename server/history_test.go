package server_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// TestCatalogHistory publishes two items, modifies one an hour later and
// abolishes the other an hour after that, then reads the catalogue as of
// each moment over gRPC and REST, and the items' published revisions.
func TestCatalogHistory(t *testing.T) {
	clk := newClock() // 2014-10-08T09:30:00Z
	e := startClock(t, "", clk)
	dept, rev, pubr, public := as("gtj-clerk"), as("reform-office"), as("publisher"), as("")

	must(e.reg.CreateDepartment(dept, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局", RegionCode: "430400"}}))
	mk := func(name string, cat pb.Category) *pb.Item {
		return must(e.reg.CreateItem(dept, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
			DisplayName: name, Category: cat, LegalBases: basis("《土地管理法》第七十七条"),
		}})).Item
	}
	publish := func(items ...string) *pb.Publication {
		s := must(e.reg.CreateSubmission(dept, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
			Submission: &pb.Submission{Items: items}})).Submission
		must(e.reg.SubmitSubmission(dept, &pb.SubmitSubmissionRequest{Name: s.Name}))
		must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s.Name}))
		return must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{
			Publication: &pb.Publication{Submissions: []string{s.Name}}})).Publication
	}
	var moments []time.Time
	var snapshots [][]*pb.Item
	snap := func(p *pb.Publication) {
		moments = append(moments, p.PublishTime.AsTime())
		snapshots = append(snapshots, must(e.cat.ListCatalogItems(public, &pb.ListCatalogItemsRequest{PageSize: 500})).Items)
	}

	a, b := mk("对非法占用土地的处罚", pb.Category_CATEGORY_PENALTY), mk("建设用地审批", pb.Category_CATEGORY_LICENSING)
	snap(publish(a.Name, b.Name))
	a, b = must(e.reg.GetItem(dept, &pb.GetItemRequest{Name: a.Name})).Item, must(e.reg.GetItem(dept, &pb.GetItemRequest{Name: b.Name})).Item

	clk.Advance(time.Hour)
	must(e.reg.UpdateItem(dept, &pb.UpdateItemRequest{
		Item:       &pb.Item{Name: a.Name, DisplayName: "对非法占用土地的行政处罚"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
	snap(publish(a.Name))

	clk.Advance(time.Hour)
	must(e.reg.AbolishItem(dept, &pb.AbolishItemRequest{Name: b.Name, Comment: "已取消"}))
	snap(publish(b.Name))

	list := func(at time.Time) []*pb.Item {
		t.Helper()
		resp := must(e.cat.ListCatalogItems(public, &pb.ListCatalogItemsRequest{PageSize: 500, AsOf: timestamppb.New(at)}))
		if resp.NextPageToken != "" {
			t.Fatalf("as of %s: unexpected next page", at)
		}
		return resp.Items
	}
	sameItems := func(what string, got, want []*pb.Item) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d items, want %d: %v", what, len(got), len(want), got)
		}
		for i := range got {
			if !proto.Equal(got[i], want[i]) {
				t.Errorf("%s: item %d\n got %v\nwant %v", what, i, got[i], want[i])
			}
		}
	}

	// Before the first publication: nothing was in force.
	before := moments[0].Add(-time.Minute)
	if got := list(before); len(got) != 0 {
		t.Errorf("as of before the first publication: %v", got)
	}
	_, err := e.cat.GetCatalogItem(public, &pb.GetCatalogItemRequest{Code: a.Code, AsOf: timestamppb.New(before)})
	wantStatus(t, err, codes.NotFound, "CATALOG_ITEM_NOT_FOUND")

	// At each publication, and between them, the catalogue captured then.
	for i, at := range moments {
		sameItems("as of "+at.String(), list(at), snapshots[i])
		sameItems("half an hour after "+at.String(), list(at.Add(30*time.Minute)), snapshots[i])
		got := must(e.cat.GetCatalogItem(public, &pb.GetCatalogItemRequest{Code: a.Code, AsOf: timestamppb.New(at)})).Item
		if !proto.Equal(got, snapshots[i][0]) {
			t.Errorf("a as of %s: %v, want %v", at, got, snapshots[i][0])
		}
	}
	_, err = e.cat.GetCatalogItem(public, &pb.GetCatalogItemRequest{Code: b.Code, AsOf: timestamppb.New(moments[2])})
	wantStatus(t, err, codes.NotFound, "CATALOG_ITEM_NOT_FOUND")

	// REST: as_of in RFC 3339; 10:00 is between the first and the second
	// publication.
	r := e.restOK("", http.MethodGet, "/v1/catalog/items/"+a.Code+"?as_of=2014-10-08T10:00:00Z", "")
	if r.Body["displayName"] != "对非法占用土地的处罚" || r.Body["code"] != a.Code || r.Body["revisionId"] != "1" {
		t.Errorf("REST as of 10:00: %s", r.Raw)
	}
	r = e.rest("", http.MethodGet, "/v1/catalog/items/"+a.Code+"?as_of=2014-10-08T09:00:00Z", "")
	if r.Code != http.StatusNotFound || r.reason() != "CATALOG_ITEM_NOT_FOUND" {
		t.Errorf("REST as of 09:00: HTTP %d %s", r.Code, r.Raw)
	}
	r = e.restOK("", http.MethodGet, "/v1/catalog/items?as_of="+url.QueryEscape("2014-10-08T10:00:00+08:00"), "")
	if items, _ := r.Body["items"].([]any); len(items) != 0 {
		t.Errorf("REST list as of 02:00Z: %s", r.Raw)
	}

	// Keyword search reads the present only.
	_, err = e.cat.ListCatalogItems(public, &pb.ListCatalogItemsRequest{Q: "处罚", AsOf: timestamppb.New(moments[0])})
	if st := wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS"); len(fieldViolations(st)) != 1 || fieldViolations(st)[0] != "as_of" {
		t.Errorf("q with as_of: %v", fieldViolations(st))
	}

	// The published revisions of a, newest first.
	revs := must(e.cat.ListCatalogItemRevisions(public, &pb.ListCatalogItemRevisionsRequest{Code: a.Code})).Revisions
	if len(revs) != 2 {
		t.Fatalf("revisions of a: %v", revs)
	}
	if revs[0].Change != pb.ChangeKind_CHANGE_KIND_MODIFY || !revs[0].PublishTime.AsTime().Equal(moments[1]) || revs[0].SupersedeTime != nil ||
		revs[0].Item.DisplayName != "对非法占用土地的行政处罚" || revs[0].Publication == "" {
		t.Errorf("newer revision of a: %v", revs[0])
	}
	if revs[1].Change != pb.ChangeKind_CHANGE_KIND_CREATE || revs[1].RevisionId != "1" || !revs[1].SupersedeTime.AsTime().Equal(moments[1]) ||
		!proto.Equal(revs[1].Item, snapshots[0][0]) {
		t.Errorf("older revision of a: %v", revs[1])
	}
	revsB := must(e.cat.ListCatalogItemRevisions(public, &pb.ListCatalogItemRevisionsRequest{Code: b.Code})).Revisions
	if len(revsB) != 2 || revsB[0].Change != pb.ChangeKind_CHANGE_KIND_ABOLISH || revsB[0].Item.State != pb.Item_STATE_ABOLISHED ||
		!revsB[1].SupersedeTime.AsTime().Equal(moments[2]) {
		t.Errorf("revisions of b: %v", revsB)
	}
	r = e.restOK("", http.MethodGet, "/v1/catalog/items/"+a.Code+"/revisions", "")
	if got, _ := r.Body["revisions"].([]any); len(got) != 2 {
		t.Errorf("REST revisions: %s", r.Raw)
	}

	// The differences between them.
	diffs := must(e.cat.CompareCatalogItemRevisions(public, &pb.CompareCatalogItemRevisionsRequest{Code: a.Code,
		FromRevisionId: revs[1].RevisionId, ToRevisionId: revs[0].RevisionId})).Differences
	want := []*pb.FieldDifference{{Field: "display_name", From: "对非法占用土地的处罚", To: "对非法占用土地的行政处罚"}}
	if len(diffs) != 1 || !proto.Equal(diffs[0], want[0]) {
		t.Errorf("differences: %v, want %v", diffs, want)
	}
	r = e.restOK("", http.MethodGet, "/v1/catalog/items/"+a.Code+"/revisions:compare?from_revision_id=1&to_revision_id="+revs[0].RevisionId, "")
	if got, _ := r.Body["differences"].([]any); len(got) != 1 || got[0].(map[string]any)["field"] != "display_name" {
		t.Errorf("REST compare: %s", r.Raw)
	}
	_, err = e.cat.CompareCatalogItemRevisions(public, &pb.CompareCatalogItemRevisionsRequest{Code: a.Code,
		FromRevisionId: "1", ToRevisionId: "9"})
	wantStatus(t, err, codes.NotFound, "REVISION_NOT_FOUND")
	_, err = e.cat.ListCatalogItemRevisions(public, &pb.ListCatalogItemRevisionsRequest{Code: "430400-XX-999-9999-00"})
	wantStatus(t, err, codes.NotFound, "CATALOG_ITEM_NOT_FOUND")
}
