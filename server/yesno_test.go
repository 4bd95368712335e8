package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// TestYesNoThreeStates: 是否收费 (fee.charged) and 是否审核转报
// (review_and_forward) are unknown, yes or no, through gRPC and REST alike:
// unknown is unset (no JSON key), no is false. Written, read back, updated
// by mask, published, read from the catalogue and compared between
// revisions ("" → 是, never "false").
func TestYesNoThreeStates(t *testing.T) {
	e := start(t, "")
	clerk, rev, pubr, public := as("clerk"), as("reviewer"), as("publisher"), as("")
	must(e.reg.CreateDepartment(clerk, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	create := func(name string, fee *pb.Fee, forward *bool) *pb.Item {
		t.Helper()
		return must(e.reg.CreateItem(clerk, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
			DisplayName: name, Category: pb.Category_CATEGORY_LICENSING, LegalBases: basis("《土地管理法》第四十四条"),
			Fee: fee, ReviewAndForward: forward}})).Item
	}
	unknown := create("建设用地审批", nil, nil)
	yes := create("采矿权登记", &pb.Fee{Charged: proto.Bool(true), Basis: "《矿产资源开采登记管理办法》第九条"}, proto.Bool(true))
	no := create("土地权属争议调处", &pb.Fee{Charged: proto.Bool(false)}, proto.Bool(false))

	// gRPC: each answer comes back as it was written, with its presence.
	answers := func(it *pb.Item) (charged, forward *bool) {
		if it.GetFee() != nil {
			charged = it.GetFee().Charged
		}
		return charged, it.ReviewAndForward
	}
	same := func(a, b *bool) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
	check := func(what string, it *pb.Item, charged, forward *bool) {
		t.Helper()
		if c, f := answers(it); !same(c, charged) || !same(f, forward) {
			t.Errorf("%s: charged %v, review and forward %v; want %v, %v", what, show(c), show(f), show(charged), show(forward))
		}
	}
	for _, c := range []struct {
		it               *pb.Item
		charged, forward *bool
	}{{unknown, nil, nil}, {yes, proto.Bool(true), proto.Bool(true)}, {no, proto.Bool(false), proto.Bool(false)}} {
		check("create "+c.it.DisplayName, c.it, c.charged, c.forward)
		check("get "+c.it.DisplayName, must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: c.it.Name})).Item, c.charged, c.forward)
	}
	if unknown.Fee != nil {
		t.Errorf("an item with no fee answer has a fee message: %v", unknown.Fee)
	}

	// REST: unknown has no key, no is false, yes is true.
	restItem := func(name string) restResult { return e.restOK("clerk", http.MethodGet, "/v1/"+name, "") }
	if r := restItem(unknown.Name); strings.Contains(r.Raw, "charged") || strings.Contains(r.Raw, "reviewAndForward") ||
		r.Body["fee"] != nil {
		t.Errorf("REST unknown: %s", r.Raw)
	}
	if r := restItem(no.Name); chargedJSON(r.Body) != "false" || r.Body["reviewAndForward"] != false {
		t.Errorf("REST no: %s", r.Raw)
	}
	if r := restItem(yes.Name); chargedJSON(r.Body) != "true" || r.Body["reviewAndForward"] != true {
		t.Errorf("REST yes: %s", r.Raw)
	}
	// Written over REST: an explicit false is no, a missing key unknown.
	r := e.restOK("clerk", http.MethodPost, "/v1/departments/gtzyj/items", `{"displayName": "征收土地闲置费",
		"category": "CATEGORY_LEVY", "fee": {"charged": false}, "reviewAndForward": false}`)
	check("REST create with false", must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: r.str("name")})).Item,
		proto.Bool(false), proto.Bool(false))
	r = e.restOK("clerk", http.MethodPost, "/v1/departments/gtzyj/items", `{"displayName": "国有土地使用权登记",
		"category": "CATEGORY_CONFIRMATION", "fee": {"basis": "《土地登记收费标准》"}}`)
	check("REST create without charged", must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: r.str("name")})).Item, nil, nil)

	// Update masks: fee.charged and review_and_forward set each answer;
	// an unset value in the mask makes it unknown again.
	upd := func(it *pb.Item, paths ...string) *pb.Item {
		t.Helper()
		return must(e.reg.UpdateItem(clerk, &pb.UpdateItemRequest{Item: it, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})).Item
	}
	got := upd(&pb.Item{Name: no.Name}, "fee.charged", "review_and_forward")
	check("no, made unknown by mask", got, nil, nil)
	got = upd(&pb.Item{Name: no.Name, Fee: &pb.Fee{Charged: proto.Bool(false)}, ReviewAndForward: proto.Bool(false)},
		"fee.charged", "review_and_forward")
	check("no again by mask", got, proto.Bool(false), proto.Bool(false))
	// Over REST, the gateway derives the mask from the body.
	r = e.restOK("clerk", http.MethodPatch, "/v1/"+yes.Name, `{"reviewAndForward": false}`)
	if r.Body["reviewAndForward"] != false || chargedJSON(r.Body) != "true" {
		t.Errorf("REST PATCH reviewAndForward false: %s", r.Raw)
	}
	r = e.restOK("clerk", http.MethodPatch, "/v1/"+yes.Name, `{"reviewAndForward": true}`)
	if r.Body["reviewAndForward"] != true {
		t.Errorf("REST PATCH reviewAndForward true: %s", r.Raw)
	}

	// Published: the catalogue says the same.
	publish := func(items ...string) {
		t.Helper()
		s := must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
			Submission: &pb.Submission{Items: items}})).Submission
		must(e.reg.SubmitSubmission(clerk, &pb.SubmitSubmissionRequest{Name: s.Name}))
		must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s.Name}))
		must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: []string{s.Name}}}))
	}
	publish(unknown.Name, yes.Name, no.Name)
	code := func(it *pb.Item) string {
		return must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: it.Name})).Item.Code
	}
	cUnknown, cYes, cNo := code(unknown), code(yes), code(no)
	check("catalogue unknown", must(e.cat.GetCatalogItem(public, &pb.GetCatalogItemRequest{Code: cUnknown})).Item, nil, nil)
	check("catalogue yes", must(e.cat.GetCatalogItem(public, &pb.GetCatalogItemRequest{Code: cYes})).Item, proto.Bool(true), proto.Bool(true))
	check("catalogue no", must(e.cat.GetCatalogItem(public, &pb.GetCatalogItemRequest{Code: cNo})).Item, proto.Bool(false), proto.Bool(false))
	if r := e.restOK("", http.MethodGet, "/v1/catalog/items/"+cUnknown, ""); strings.Contains(r.Raw, "charged") ||
		strings.Contains(r.Raw, "reviewAndForward") {
		t.Errorf("REST catalogue unknown: %s", r.Raw)
	}
	if r := e.restOK("", http.MethodGet, "/v1/catalog/items/"+cNo, ""); chargedJSON(r.Body) != "false" ||
		r.Body["reviewAndForward"] != false {
		t.Errorf("REST catalogue no: %s", r.Raw)
	}
	list := e.restOK("", http.MethodGet, "/v1/catalog/items", "")
	byCode := map[string]string{}
	items, _ := list.Body["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		byCode[m["code"].(string)] = chargedJSON(m) + "/" + fmt.Sprint(m["reviewAndForward"])
	}
	if len(byCode) != 3 || byCode[cUnknown] != "absent/<nil>" || byCode[cYes] != "true/true" || byCode[cNo] != "false/false" {
		t.Errorf("REST catalogue list: %v", byCode)
	}

	// The unknown item answered: the history shows "" → 是 and "" → 不收费.
	upd(&pb.Item{Name: unknown.Name, Fee: &pb.Fee{Charged: proto.Bool(false)}, ReviewAndForward: proto.Bool(true)},
		"fee.charged", "review_and_forward")
	publish(unknown.Name)
	diffs := must(e.cat.CompareCatalogItemRevisions(public, &pb.CompareCatalogItemRevisionsRequest{Code: cUnknown,
		FromRevisionId: "1", ToRevisionId: "2"})).Differences
	want := []*pb.FieldDifference{{Field: "fee", From: "", To: "不收费"}, {Field: "review_and_forward", From: "", To: "是"}}
	if len(diffs) != len(want) || !proto.Equal(diffs[0], want[0]) || !proto.Equal(diffs[1], want[1]) {
		t.Errorf("differences: %v, want %v", diffs, want)
	}
	// (proto3 JSON leaves the empty "from" out.)
	r = e.restOK("", http.MethodGet, "/v1/catalog/items/"+cUnknown+"/revisions:compare?from_revision_id=1&to_revision_id=2", "")
	if d, _ := r.Body["differences"].([]any); len(d) != 2 || d[1].(map[string]any)["field"] != "review_and_forward" ||
		d[1].(map[string]any)["to"] != "是" || d[1].(map[string]any)["from"] != nil {
		t.Errorf("REST compare: %s", r.Raw)
	}
	// And back: yes → unknown shows 是 → "".
	upd(&pb.Item{Name: unknown.Name}, "review_and_forward")
	publish(unknown.Name)
	diffs = must(e.cat.CompareCatalogItemRevisions(public, &pb.CompareCatalogItemRevisionsRequest{Code: cUnknown,
		FromRevisionId: "2", ToRevisionId: "3"})).Differences
	if len(diffs) != 1 || !proto.Equal(diffs[0], &pb.FieldDifference{Field: "review_and_forward", From: "是", To: ""}) {
		t.Errorf("differences 2 → 3: %v", diffs)
	}
}

// chargedJSON is fee.charged of an item's JSON: true, false, or absent.
func chargedJSON(item map[string]any) string {
	fee, _ := item["fee"].(map[string]any)
	v, ok := fee["charged"]
	if !ok {
		return "absent"
	}
	return fmt.Sprint(v)
}

func show(b *bool) string {
	if b == nil {
		return "unknown"
	}
	if *b {
		return "yes"
	}
	return "no"
}
