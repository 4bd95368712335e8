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

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// importRows sends one import of rows with the options of head.
func importRows(ctx context.Context, e *env, head *pb.ImportItemsRequest, rows ...*pb.ImportRow) (*pb.ImportItemsResponse, error) {
	stream := must(e.reg.ImportItems(ctx))
	head.Rows = rows
	if err := stream.Send(head); err != nil {
		return nil, err
	}
	return stream.CloseAndRecv()
}

// exported is the department's working copy as an export carries it:
// each item as a row naming it.
func exported(e *env, dept string) []*pb.ImportRow {
	var rows []*pb.ImportRow
	for _, it := range must(e.reg.ListItems(as("clerk"), &pb.ListItemsRequest{Parent: dept, PageSize: 1000})).Items {
		rows = append(rows, &pb.ImportRow{Item: it})
	}
	return rows
}

// etags maps each item of dept to its etag, revision and update time.
func etags(e *env, dept string) map[string]string {
	out := map[string]string{}
	for _, it := range must(e.reg.ListItems(as("clerk"), &pb.ListItemsRequest{Parent: dept, PageSize: 1000})).Items {
		out[it.Name] = fmt.Sprintf("%s/%s/%s/%s", it.Etag, it.RevisionId, it.UpdateTime.AsTime(), it.State)
	}
	return out
}

func outcomesOf(resp *pb.ImportItemsResponse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "created %d updated %d unchanged %d:", resp.GetCreatedCount(), resp.GetUpdatedCount(), resp.GetUnchangedCount())
	for _, r := range resp.GetResults() {
		fmt.Fprintf(&b, " %d=%s", r.GetRow(), strings.TrimPrefix(r.GetOutcome().String(), "OUTCOME_"))
		for _, c := range r.GetChanges() {
			b.WriteString("," + c.GetField())
		}
	}
	return b.String()
}

// TestImportRoundTripOverGRPC: the working copy imported back unchanged
// changes nothing (etags, revisions, update times, events); a dry run of a
// change reports it and writes nothing; the change itself updates the
// item; a change of a submitted item is refused, naming the row, and
// leaves everything as it was.
func TestImportRoundTripOverGRPC(t *testing.T) {
	e := start(t, "")
	clerk := as("clerk")
	must(e.reg.CreateDepartment(clerk, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj", Department: &pb.Department{DisplayName: "市国土资源局"}}))
	dept := "departments/gtzyj"
	var first []*pb.ImportRow
	for _, name := range []string{"甲", "乙", "丙"} {
		first = append(first, &pb.ImportRow{Item: &pb.Item{DisplayName: name, Category: pb.Category_CATEGORY_PENALTY}})
	}
	first[2].MainItem = "甲"
	resp := must(importRows(clerk, e, &pb.ImportItemsRequest{Parent: dept}, first...))
	if got := outcomesOf(resp); got != "created 3 updated 0 unchanged 0: 0=CREATED 1=CREATED 2=CREATED" {
		t.Fatalf("first import: %s", got)
	}
	before := etags(e, dept)
	events := len(must(e.reg.ListEvents(clerk, &pb.ListEventsRequest{Parent: resp.Items[0]})).Events)

	rows := exported(e, dept)
	for _, r := range rows {
		if r.Item.Parent != "" {
			r.MainItem = "甲"
		}
	}
	resp = must(importRows(clerk, e, &pb.ImportItemsRequest{Parent: dept, UpdateExisting: true}, rows...))
	if got := outcomesOf(resp); got != "created 0 updated 0 unchanged 3: 0=UNCHANGED 1=UNCHANGED 2=UNCHANGED" {
		t.Fatalf("re-import: %s", got)
	}
	if after := etags(e, dept); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("an unchanged re-import changed items:\n%v\n%v", before, after)
	}
	if n := len(must(e.reg.ListEvents(clerk, &pb.ListEventsRequest{Parent: resp.Results[0].Item})).Events); n != events {
		t.Fatalf("%d events after an unchanged re-import, %d before", n, events)
	}

	rows[1].Item.LegalBases = []*pb.LegalBasis{{Text: "《土地管理法》第七十七条"}}
	resp = must(importRows(clerk, e, &pb.ImportItemsRequest{Parent: dept, UpdateExisting: true, ValidateOnly: true}, rows...))
	if got := outcomesOf(resp); got != "created 0 updated 1 unchanged 2: 0=UNCHANGED 1=UPDATED,legal_bases 2=UNCHANGED" {
		t.Fatalf("dry run: %s", got)
	}
	if c := resp.Results[1].Changes[0]; c.From != "" || c.To != "《土地管理法》第七十七条" {
		t.Fatalf("dry run change: %v", c)
	}
	if after := etags(e, dept); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a dry run changed items")
	}
	resp = must(importRows(clerk, e, &pb.ImportItemsRequest{Parent: dept, UpdateExisting: true}, rows...))
	if resp.GetUpdatedCount() != 1 || len(resp.GetItems()) != 0 {
		t.Fatalf("import: %s", outcomesOf(resp))
	}
	changed := must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: rows[1].Item.Name})).Item
	if len(changed.LegalBases) != 1 || changed.RevisionId != "2" || changed.Etag == rows[1].Item.Etag {
		t.Fatalf("the item after the import: %v", changed)
	}

	sub := must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: dept,
		Submission: &pb.Submission{Items: []string{changed.Name}}})).Submission
	must(e.reg.SubmitSubmission(clerk, &pb.SubmitSubmissionRequest{Name: sub.Name}))
	before = etags(e, dept)
	rows[1].Item.Remark = "再改"
	rows[0].Item.Remark = "也改"
	_, err := importRows(clerk, e, &pb.ImportItemsRequest{Parent: dept, UpdateExisting: true}, rows...)
	st := wantStatus(t, err, codes.FailedPrecondition, "ITEM_NOT_EDITABLE")
	if got := fieldViolations(st); !slices.Equal(got, []string{"rows[1]"}) || !slices.Equal(preconditionSubjects(st), got) ||
		!strings.Contains(st.Message(), "rows[1]") {
		t.Fatalf("refusal: %v %v %s", got, preconditionSubjects(st), st.Message())
	}
	if after := etags(e, dept); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a refused import changed items")
	}
}

// TestImportProblemsOverREST: the mask as REST sends it, duplicates (with
// the violation's own reason), regions of created departments, and
// UpdateDepartment's normalised region.
func TestImportProblemsOverREST(t *testing.T) {
	e := start(t, "")
	e.restOK("clerk", "POST", "/v1/departments?department_id=gtzyj", `{"displayName": "市国土资源局"}`)
	row := func(name, extra string) string {
		return `{` + extra + `"item": {"displayName": "` + name + `", "category": "CATEGORY_PENALTY", "remark": "注"}}`
	}
	r := e.restOK("clerk", "POST", "/v1/items:import", `{"parent": "departments/gtzyj", "rows": [`+row("甲", "")+`,`+row("乙", "")+`]}`)
	name := r.Body["items"].([]any)[0].(string)

	// Not in the mask: the remark stays.
	r = e.restOK("clerk", "POST", "/v1/items:import", `{"parent": "departments/gtzyj", "updateExisting": true, "updateMask": "displayName,legalBases",
		"rows": [{"item": {"name": "`+name+`", "displayName": "甲"}}]}`)
	if r.Body["unchangedCount"] != float64(1) {
		t.Fatalf("masked re-import: %s", r.Raw)
	}
	r = e.restOK("clerk", "POST", "/v1/items:import", `{"parent": "departments/gtzyj", "updateExisting": true, "updateMask": "displayName",
		"rows": [{"item": {"name": "`+name+`", "displayName": "甲（改）"}}]}`)
	change := r.Body["results"].([]any)[0].(map[string]any)["changes"].([]any)[0].(map[string]any)
	if r.Body["updatedCount"] != float64(1) || change["field"] != "display_name" || change["from"] != "甲" || change["to"] != "甲（改）" {
		t.Fatalf("masked import: %s", r.Raw)
	}
	if got := e.restOK("clerk", "GET", "/v1/"+name, ""); got.str("remark") != "注" || got.str("displayName") != "甲（改）" {
		t.Fatalf("item after a masked import: %s", got.Raw)
	}

	// The original codeless file again: every row a duplicate.
	r = e.rest("clerk", "POST", "/v1/items:import", `{"parent": "departments/gtzyj", "updateExisting": true, "rows": [`+row("乙", "")+`,`+row("丙", "")+`,`+row("丙", "")+`]}`)
	if r.Code != http.StatusBadRequest || r.reason() != "INVALID_FIELDS" || !strings.Contains(r.Raw, `"rows[0]"`) ||
		!strings.Contains(r.Raw, `"rows[2]"`) || !strings.Contains(r.Raw, "--create-duplicates") || !strings.Contains(r.Raw, "rows[1]") {
		t.Fatalf("duplicates: HTTP %d %s", r.Code, r.Raw)
	}

	// Regions: a created department takes its rows'; a department's own
	// region normalised.
	r = e.restOK("city-admin", "POST", "/v1/items:import", `{"createDepartments": true, "rows": [`+
		row("甲", `"departmentDisplayName": "广安区农业农村局", "regionCode": "511602000000", `)+`]}`)
	if d := r.Body["createdDepartments"].([]any)[0].(map[string]any); d["regionCode"] != "511602" {
		t.Fatalf("created department: %s", r.Raw)
	}
	r = e.restOK("city-admin", "PATCH", "/v1/departments/gtzyj?update_mask=region_code", `{"regionCode": "511602001000"}`)
	if r.str("regionCode") != "511602001" {
		t.Fatalf("UpdateDepartment: %s", r.Raw)
	}
	r = e.rest("city-admin", "PATCH", "/v1/departments/gtzyj?update_mask=region_code", `{"regionCode": "51160200"}`)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, "6, 9 or 12 digits") {
		t.Fatalf("UpdateDepartment with a bad region: HTTP %d %s", r.Code, r.Raw)
	}
}

// TestImportAnswerChangesBounded: changes longer than the answer's bounds
// are cut, and the answer says so.
func TestImportAnswerChangesBounded(t *testing.T) {
	e := start(t, "")
	clerk := as("clerk")
	must(e.reg.CreateDepartment(clerk, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj", Department: &pb.Department{DisplayName: "市国土资源局"}}))
	var rows []*pb.ImportRow
	for i := range 600 {
		rows = append(rows, &pb.ImportRow{Item: &pb.Item{DisplayName: fmt.Sprint("事项", i), Category: pb.Category_CATEGORY_PENALTY}})
	}
	must(importRows(clerk, e, &pb.ImportItemsRequest{Parent: "departments/gtzyj"}, rows...))
	rows = exported(e, "departments/gtzyj")
	for _, r := range rows {
		r.Item.Remark = strings.Repeat("长", 3000) // 9 KB each, 5.4 MB in all
	}
	resp := must(importRows(clerk, e, &pb.ImportItemsRequest{Parent: "departments/gtzyj", UpdateExisting: true, ValidateOnly: true}, rows...))
	first := resp.Results[0].Changes[0].To
	if !resp.ChangesTruncated || resp.UpdatedCount != 600 || len(resp.Results) != 600 || len([]rune(first)) != 1001 ||
		!strings.HasSuffix(first, "…") || len(resp.Results[599].Changes) != 0 || proto.Size(resp) > 1<<20 {
		t.Fatalf("answer: truncated %v, %d updated, %d results, first change %d runes, last %d changes, %d bytes",
			resp.ChangesTruncated, resp.UpdatedCount, len(resp.Results), len([]rune(first)), len(resp.Results[599].Changes), proto.Size(resp))
	}
}
