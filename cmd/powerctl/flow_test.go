package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// nameOf returns the resource name an action printed first: "NAME: …".
func nameOf(t *testing.T, r result) string {
	t.Helper()
	name, _, ok := strings.Cut(strings.TrimSpace(r.stdout), ":")
	if !ok {
		t.Fatalf("no name in %s", r)
	}
	return name
}

// publishAll submits the drafts of each department as clerk, approves
// each batch as reviewer and publishes them all, through the CLI.
func (e *env) publishAll(depts ...string) string {
	e.t.Helper()
	for _, d := range depts {
		sub := nameOf(e.t, e.ok("clerk", "submit", "--department", d, "--comment", "第一批"))
		e.ok("reviewer", "review", "approve", sub, "--comment", "同意")
	}
	return e.ok("publisher", "publish", "--all-approved").stdout
}

// The department → reviewer → publisher flow of a complete list through
// the CLI; then export, import into a fresh server, and the same catalogue.
func TestFlowAndRoundTrip(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")

	// 市国土资源局 matches the department created; Environment Bureau is new.
	files, resps := e.importJSON("clerk", "--create-departments", writeRows(t, dir, "list.csv", completeRows()))
	if !files[0].Imported || len(resps[0].GetItems()) != 6 || len(resps[0].GetCreatedDepartments()) != 1 ||
		resps[0].GetCreatedDepartments()[0].GetDisplayName() != "Environment Bureau" {
		t.Fatalf("import: %v", resps[0])
	}
	env := shortID(resps[0].GetCreatedDepartments()[0].GetName())

	r := e.ok("clerk", "submit", "--department", "gtzyj", "--comment", "第一批")
	sub := nameOf(t, r)
	if !regexp.MustCompile(`^departments/gtzyj/submissions/\d+: 已报送 5 个事项 / submitted 5 items\n$`).MatchString(r.stdout) {
		t.Errorf("submit: %s", r)
	}
	r = e.ok("reviewer", "review", "list")
	if !strings.Contains(r.stdout, sub) || !strings.Contains(r.stdout, "clerk") || !strings.Contains(r.stdout, "第一批") {
		t.Errorf("review list:\n%s", r)
	}
	r = e.ok("reviewer", "review", "show", sub)
	if strings.Count(r.stdout, "■ 新增 / new") != 5 || !strings.Contains(r.stdout, "市国土资源局 (departments/gtzyj)") ||
		!regexp.MustCompile(`(?m)^    ■ 新增 / new  departments/gtzyj/items/\d+  “农用地转用审批”\n      大项 main item\s+“建设用地审批”\n      名称 name\s+农用地转用审批\n      类型 category\s+行政许可\n`).MatchString(r.stdout) {
		t.Errorf("review show:\n%s", r)
	}
	r = e.ok("reviewer", "review", "approve", sub, "--comment", "同意")
	if r.stdout != sub+": 已审核通过 5 个事项，退回 0 个 / approved 5 items, returned 0\n" {
		t.Errorf("approve: %s", r)
	}
	sub2 := nameOf(t, e.ok("clerk", "submit", "--department", env))
	e.ok("reviewer", "review", "approve", sub2)
	r = e.ok("publisher", "publish", "--all-approved", "--comment", "2014年第一批")
	if !regexp.MustCompile(`^publications/\d+: 已发布 2 个批次的 6 个事项 / published 6 items of 2 submissions\n`).MatchString(r.stdout) {
		t.Errorf("publish: %s", r)
	}

	// The catalogue.
	r = e.ok("anyone", "catalog", "stats")
	for _, want := range []string{
		`licensing\s+行政许可\s+3\s+1\s+2`, `management service\s+管理服务\s+1\s+1\s+0`, `penalty\s+行政处罚\s+1\s+1\s+0`,
		`supervision\s+行政监督\s+1\s+1\s+0`, `levy\s+行政征收\s+0\s+0\s+0`, `total\s+合计\s+6\s+4\s+2`,
	} {
		if !regexp.MustCompile(`(?m)^` + want + `$`).MatchString(r.stdout) {
			t.Errorf("catalog stats lacks %s:\n%s", want, r.stdout)
		}
	}
	r = e.ok("anyone", "catalog", "list", "--category", "行政许可")
	if strings.Count(r.stdout, "\n") != 5 || !strings.Contains(r.stdout, "共 3 项 / 3 items") {
		t.Errorf("catalog list --category 行政许可:\n%s", r)
	}
	r = e.ok("anyone", "catalog", "list", "--department", "gtzyj", "--category", "CATEGORY_MANAGEMENT_SERVICE")
	if !strings.Contains(r.stdout, "430400-FW-LAND-0001") || !strings.Contains(r.stdout, "共 1 项") {
		t.Errorf("catalog list --department:\n%s", r)
	}
	r = e.ok("anyone", "catalog", "get", "430400-FW-LAND-0001")
	for _, want := range []string{`名称 name\s+不动产登记资料查询`, `类型 category\s+管理服务（公共服务）`, `部门 department\s+市国土资源局`} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("catalog get lacks %s:\n%s", want, r.stdout)
		}
	}
	r = e.ok("anyone", "catalog", "get", "430400-FW-LAND-0001", "-o", "json")
	got := &pb.Item{}
	if err := protojson.Unmarshal([]byte(r.stdout), got); err != nil || got.GetCode() != "430400-FW-LAND-0001" || !strings.Contains(r.stdout, "不动产登记资料查询") {
		t.Errorf("catalog get -o json: %v\n%s", err, r)
	}

	// Export in the three formats.
	before := e.catalog()
	csvPath, xlsxPath, jsonPath := filepath.Join(dir, "out.csv"), filepath.Join(dir, "out.xlsx"), filepath.Join(dir, "out.json")
	e.ok("anyone", "export", "-o", csvPath)
	e.ok("anyone", "export", "--format", "xlsx", "-o", xlsxPath)
	e.ok("anyone", "export", "--format", "json", "--output", jsonPath)
	r = e.ok("anyone", "export")
	if !strings.HasPrefix(r.stdout, "\ufeff实施主体,大项,子项名称,职权名称,职权类型,职权编码,设定依据") {
		t.Errorf("export to stdout is not the template's CSV: %.200s", r.stdout)
	}
	var exported []json.RawMessage
	if err := json.Unmarshal([]byte(readFile(t, jsonPath)), &exported); err != nil || len(exported) != 6 {
		t.Errorf("export json: %d items, %v", len(exported), err)
	}

	// Each export imports into a fresh server as the same catalogue.
	for _, path := range []string{csvPath, xlsxPath} {
		t.Run(filepath.Ext(path), func(t *testing.T) {
			f := start(t)
			_, resps := f.importJSON("clerk", "--create-departments", path)
			if n := len(resps[0].GetItems()); n != 6 {
				t.Fatalf("imported %d items", n)
			}
			var ids []string
			for _, d := range f.departments() {
				ids = append(ids, shortID(d.GetName()))
			}
			f.publishAll(ids...)
			if diff := compareCatalogues(before, f.catalog()); diff != "" {
				t.Error(diff)
			}
		})
	}
}

// compareCatalogues compares two catalogues by content, codes, departments
// and main items, leaving out names, ids and times.
func compareCatalogues(a, b []*pb.Item) string {
	norm := func(list []*pb.Item) []*pb.Item {
		var out []*pb.Item
		for _, it := range list {
			it = proto.Clone(it).(*pb.Item)
			it.Name, it.RevisionId, it.PublishedRevisionId, it.PublishTime, it.Etag = "", "", "", nil, ""
			out = append(out, it)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].GetCode() < out[j].GetCode() })
		return out
	}
	x, y := norm(a), norm(b)
	if len(x) != len(y) {
		return fmt.Sprintf("%d items, want %d", len(y), len(x))
	}
	var diffs []string
	for i := range x {
		if !proto.Equal(x[i], y[i]) {
			diffs = append(diffs, fmt.Sprintf("got  %v\nwant %v", y[i], x[i]))
		}
	}
	return strings.Join(diffs, "\n")
}

// review show compares each item with the revision in force; reject takes
// comments per item; approve can return single items.
func TestReviewShowRejectApprove(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.importJSON("clerk", "--create-departments", writeRows(t, t.TempDir(), "list.csv", completeRows()))
	land, env := e.departmentID("市国土资源局"), e.departmentID("Environment Bureau")
	e.publishAll(land, env)

	byName := map[string]*pb.Item{}
	for _, it := range e.items() {
		byName[it.GetDisplayName()] = it
	}
	// Modify two published items, abolish a third.
	penalty, service, inspect := byName["对非法占用土地的处罚"], byName["不动产登记资料查询"], byName["Inspection of ABC sites"]
	_, err := e.c.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{
		Item:       &pb.Item{Name: penalty.GetName(), PromisedTimeLimit: &pb.TimeLimit{Value: 10, Unit: pb.TimeLimit_UNIT_WORKING_DAY}, Remark: "2015 年调整"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"promised_time_limit", "remark"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.c.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: service.GetName(), HandlingUnit: "登记中心"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"handling_unit"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Registry.AbolishItem(ctx, &pb.AbolishItemRequest{Name: inspect.GetName(), Comment: "职能划转"}); err != nil {
		t.Fatal(err)
	}

	sub := nameOf(t, e.ok("clerk", "submit", "--department", land, "--comment", "调整"))
	r := e.ok("reviewer", "review", "show", sub)
	for _, want := range []string{
		`(?m)^■ 修改 / modified  ` + regexp.QuoteMeta(penalty.GetName()) + `  “对非法占用土地的处罚”\n` +
			`  与在用版本的差异 / differs from the revision in force \(old → new\):\n    承诺期限 promised time limit\s+15个工作日 → 10个工作日\n` +
			`    备注 remark\s+2014 年梳理 → 2015 年调整\n  名称 name\s+对非法占用土地的处罚\n  类型 category\s+行政处罚\n`,
		`(?m)^    承办机构 handling unit\s+（空 / empty） → 登记中心$`,
		`(?m)^  设定依据 legal bases:\n    1\. 《中华人民共和国土地管理法》第七十七条$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("review show lacks %s:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "■ 新增") || strings.Contains(r.stdout, "设定依据 legal bases  ") {
		t.Errorf("review show reports unchanged fields as changed, or new items:\n%s", r.stdout)
	}
	r = e.ok("reviewer", "review", "show", sub, "-o", "json")
	shown := reviewJSON(t, r)
	if len(shown) != 2 || len(shown[0].GetDifferences()) != 2 || shown[0].GetChange() != pb.ChangeKind_CHANGE_KIND_MODIFY {
		t.Errorf("review show -o json:\n%s", r.stdout)
	}
	subEnv := nameOf(t, e.ok("clerk", "submit", "--department", env))
	r = e.ok("reviewer", "review", "show", subEnv)
	if !strings.Contains(r.stdout, "■ 废止 / abolish  "+inspect.GetName()+"  “Inspection of ABC sites”\n  名称 name") {
		t.Errorf("review show of an abolition:\n%s", r.stdout)
	}

	// Reject with comments on single items, by number and by display name.
	r = e.ok("reviewer", "review", "reject", sub, "--comment", "请核实", "--item", shortID(penalty.GetName())+"=期限依据？",
		"--item", "不动产登记资料查询=承办机构名称不规范")
	if r.stdout != sub+": 已退回 2 个事项 / returned 2 items\n" {
		t.Errorf("reject: %s", r)
	}
	got, err := e.c.Registry.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: sub})
	if err != nil {
		t.Fatal(err)
	}
	s := got.GetSubmission()
	comments := map[string]string{}
	for _, ic := range s.GetItemComments() {
		comments[ic.GetItem()] = ic.GetComment()
	}
	if s.GetState() != pb.Submission_STATE_RETURNED || s.GetReviewComment() != "请核实" || s.GetReviewer() != "reviewer" ||
		comments[penalty.GetName()] != "期限依据？" || comments[service.GetName()] != "承办机构名称不规范" {
		t.Errorf("rejected submission: %v", s)
	}
	item, err := e.c.Registry.GetItem(ctx, &pb.GetItemRequest{Name: penalty.GetName()})
	if err != nil || item.GetItem().GetState() != pb.Item_STATE_RETURNED || item.GetItem().GetReviewComment() != "期限依据？" {
		t.Errorf("returned item: %v %v", item, err)
	}
	r = e.fails(1, "reviewer", "review", "reject", sub, "--comment", "again", "--item", "没有这个事项=x")
	if !strings.Contains(r.stderr, "没有这个事项") || !strings.Contains(r.stderr, "powerctl review show "+sub) {
		t.Errorf("reject of an unknown item:\n%s", r)
	}
	e.fails(2, "reviewer", "review", "reject", sub) // --comment is required

	// Submitted again, answering the comments; approved returning one item.
	sub = nameOf(t, e.ok("clerk", "submit", "--department", land, "--reply", shortID(penalty.GetName())+"=期限依据已核实",
		"--reply", service.GetName()+"=名称按登记条例"))
	r = e.ok("reviewer", "review", "approve", sub, "--return", service.GetName()+"=仍不规范")
	if r.stdout != sub+": 已审核通过 1 个事项，退回 1 个 / approved 1 items, returned 1\n" {
		t.Errorf("approve --return: %s", r)
	}
	r = e.ok("reviewer", "review", "list", "--state", "approved")
	if !strings.Contains(r.stdout, sub) || !strings.Contains(r.stdout, "已审核 approved") {
		t.Errorf("review list --state approved:\n%s", r)
	}
	e.ok("reviewer", "review", "approve", subEnv)
	r = e.ok("publisher", "publish", sub, subEnv)
	if !strings.Contains(r.stdout, ": 已发布 2 个批次的 2 个事项 / published 2 items of 2 submissions\n") {
		t.Errorf("publish NAME…: %s", r)
	}
	if n := len(e.catalog()); n != 5 {
		t.Errorf("%d items in force after an abolition, want 5", n)
	}
	got2, err := e.c.Catalog.GetCatalogItem(ctx, &pb.GetCatalogItemRequest{Code: penalty.GetCode()})
	if err != nil || got2.GetItem().GetPromisedTimeLimit().GetValue() != 10 {
		t.Errorf("modified item in force: %v %v", got2, err)
	}
}
