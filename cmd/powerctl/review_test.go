package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// submissions returns every submission of every department.
func (e *env) submissions() []*pb.Submission {
	e.t.Helper()
	list, err := e.c.Submissions(context.Background(), "departments/-", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func (e *env) submission(name string) *pb.Submission {
	e.t.Helper()
	resp, err := e.c.Registry.GetSubmission(context.Background(), &pb.GetSubmissionRequest{Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.GetSubmission()
}

func (e *env) item(name string) *pb.Item {
	e.t.Helper()
	resp, err := e.c.Registry.GetItem(context.Background(), &pb.GetItemRequest{Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.GetItem()
}

// matchAll fails the test for each pattern out does not match.
func matchAll(t *testing.T, what, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(out) {
			t.Errorf("%s lacks %s:\n%s", what, p, out)
		}
	}
}

// powerctl review show prints a
// batch of a new main item with its sub-item, a modified published item
// and an abolition in full: every field set, legal bases one a line, the
// sub-item indented under its main item, the differences old → new; -o
// json carries the same. A returned item answered with submit --reply
// shows the comment and the answer; a submit that leaves a returned item
// unaddressed is refused naming it, and leaves nothing behind.
func TestReviewShowWholeBatch(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.importJSON("clerk", "--create-departments", writeRows(t, t.TempDir(), "list.csv", completeRows()))
	land := e.departmentID("市国土资源局")
	e.publishAll(land)
	items := e.byDisplayName()
	penalty, service := items["对非法占用土地的处罚"], items["不动产登记资料查询"]
	clerk := e.dial("clerk")
	defer clerk.Close()

	// A new main item with a sub-item, a modified item, an abolition.
	law := []*pb.LegalBasis{{Text: "《中华人民共和国矿产资源法》第三条"}}
	main, err := clerk.Registry.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/" + land, Item: &pb.Item{
		DisplayName: "采矿权审批", Category: pb.Category_CATEGORY_LICENSING, LegalBases: law}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := clerk.Registry.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/" + land, Item: &pb.Item{
		DisplayName: "采矿权延续登记", Category: pb.Category_CATEGORY_LICENSING, LegalBases: law, Parent: main.GetItem().GetName()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clerk.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{
		Item:       &pb.Item{Name: penalty.GetName(), PromisedTimeLimit: &pb.TimeLimit{Value: 10, Unit: pb.TimeLimit_UNIT_WORKING_DAY}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"promised_time_limit"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := clerk.Registry.AbolishItem(ctx, &pb.AbolishItemRequest{Name: service.GetName(), Comment: "职能划转"}); err != nil {
		t.Fatal(err)
	}
	// A sub-item whose main item is not in the batch.
	farm := items["农用地转用审批"]
	if _, err := clerk.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: farm.GetName(), Remark: "按新法调整"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}}); err != nil {
		t.Fatal(err)
	}
	batch := nameOf(t, e.ok("clerk", "submit", "--department", land, "--comment", "第二批"))

	r := e.ok("reviewer", "review", "show", batch)
	q := regexp.QuoteMeta
	matchAll(t, "review show", r.stdout,
		`(?m)^事项 items\s+5：新增 2，修改 2，废止 1 / 5: 2 new, 2 modified, 1 abolished$`,
		// A sub-item without its main item: the main item by name.
		`(?m)^■ 修改 / modified  `+q(farm.GetName())+`  “农用地转用审批”\n(.*\n)*?  大项 main item\s+“建设用地审批” \(`+q(items["建设用地审批"].GetName())+`，不在本批次 /\s+not\s+in\s+this\s+batch\)\n`,
		// The sub-item right under its main item, indented.
		`(?m)^■ 新增 / new  `+q(main.GetItem().GetName())+`  “采矿权审批”\n  名称 name\s+采矿权审批\n  类型 category\s+行政许可\n`+
			`  设定依据 legal bases:\n    1\. 《中华人民共和国矿产资源法》第三条\n(.*\n)*?\n    ■ 新增 / new  `+q(sub.GetItem().GetName())+
			`  “采矿权延续登记”\n      大项 main item\s+“采矿权审批”\n`,
		// A change: every field, then the differences.
		`(?m)^■ 修改 / modified  `+q(penalty.GetName())+`  “对非法占用土地的处罚”\n`,
		`(?m)^  责任事项 responsibilities:\n    1\. 立案\n    2\. 调查取证\n    3\. 决定$`,
		`(?m)^■ 修改 / modified  .*\n  与在用版本的差异 / differs from the revision in force \(old → new\):\n    承诺期限 promised time limit\s+15个工作日 → 10个工作日\n  名称 name`,
		`(?m)^■ 废止 / abolish  `+q(service.GetName())+`  “不动产登记资料查询”\n  名称 name\s+不动产登记资料查询\n`,
	)
	for _, line := range strings.Split(r.stdout, "\n") {
		if w := width.StringWidth(line); w > screenWidth {
			t.Errorf("review show: a line of %d columns: %q", w, line)
		}
	}

	got := reviewJSON(t, e.ok("reviewer", "review", "show", batch, "-o", "json"))
	changes := map[string]*pb.SubmissionItem{}
	for _, si := range got {
		changes[si.GetItem().GetName()] = si
	}
	if len(got) != 5 || changes[penalty.GetName()].GetChange() != pb.ChangeKind_CHANGE_KIND_MODIFY ||
		len(changes[penalty.GetName()].GetDifferences()) != 1 || changes[penalty.GetName()].GetDifferences()[0].GetField() != "promised_time_limit" ||
		changes[service.GetName()].GetChange() != pb.ChangeKind_CHANGE_KIND_ABOLISH || changes[service.GetName()].GetPublished() == nil ||
		changes[sub.GetItem().GetName()].GetItem().GetParent() != main.GetItem().GetName() ||
		len(changes[main.GetItem().GetName()].GetItem().GetLegalBases()) != 1 {
		t.Errorf("review show -o json: %v", got)
	}

	// The review sheet names a sub-item's main item outside the batch too.
	sheetPath := filepath.Join(t.TempDir(), "审核表.csv")
	e.ok("reviewer", "review", "export", batch, "-o", sheetPath)
	recs := readCSV(t, sheetPath)
	found := false
	for _, rec := range recs[1:] {
		if rec[column(t, recs[0], "事项标识")] != farm.GetName() {
			continue
		}
		found = true
		if rec[column(t, recs[0], "大项")] != "建设用地审批" || rec[column(t, recs[0], "变更类型")] != "修改" || rec[column(t, recs[0], "变更字段")] != "备注" {
			t.Errorf("review sheet row of a sub-item outside its main item's batch: %q", rec)
		}
	}
	if !found || len(recs) != 6 {
		t.Errorf("review sheet: %d rows, the sub-item's found: %v", len(recs)-1, found)
	}

	// Returned with a comment; a submit without an answer is refused,
	// naming the item and its comment, and leaves nothing.
	e.ok("reviewer", "review", "approve", batch, "--return", shortID(penalty.GetName())+"=期限依据？")
	e.ok("publisher", "publish", "--all-approved")
	before, pre := len(e.submissions()), e.item(penalty.GetName())
	r = e.fails(1, "clerk", "submit", "--department", land)
	matchAll(t, "submit with an unanswered returned item", r.stderr,
		`未报送：1 个被退回的事项既未修改也未答复审核意见 / nothing submitted: 1 returned items were neither edited nor answered`,
		`(?m)^  `+q(penalty.GetName())+`  “对非法占用土地的处罚”\n    审核意见 / comment: 期限依据？$`,
		`(?m)^  powerctl submit --department `+land+` --reply `+shortID(penalty.GetName())+`=答复内容$`)
	if n := len(e.submissions()); n != before {
		t.Errorf("the refused submit left %d submissions, want %d", n, before)
	}
	if it := e.item(penalty.GetName()); it.GetState() != pb.Item_STATE_RETURNED || it.GetEtag() != pre.GetEtag() ||
		!it.GetUpdateTime().AsTime().Equal(pre.GetUpdateTime().AsTime()) || it.GetSubmission() != "" {
		t.Errorf("the refused submit changed the item: %v, was %v", it, pre)
	}
	// A reply to an item that was not returned: the server refuses, naming it.
	r = e.fails(1, "clerk", "submit", "--department", land, "--reply", shortID(main.GetItem().GetName())+"=无需答复")
	if !strings.Contains(r.stderr, main.GetItem().GetName()) {
		t.Errorf("submit --reply of an item not returned:\n%s", r)
	}
	if n := len(e.submissions()); n != before {
		t.Errorf("the refused submit left %d submissions, want %d", n, before)
	}
	e.fails(2, "clerk", "submit", "--department", land, "--reply", "期限依据已核实")                 // no ITEM=
	e.fails(2, "clerk", "submit", "--department", land, "--reply", "departments/x/items/1=a") // another department

	r = e.ok("clerk", "submit", "--department", land, "--reply", shortID(penalty.GetName())+"=《土地管理法》第七十七条仍有效")
	if !strings.Contains(r.stdout, "答复了 1 条审核意见 / answered 1 review comments") {
		t.Errorf("submit --reply: %s", r)
	}
	again := nameOf(t, r)
	r = e.ok("reviewer", "review", "show", again)
	matchAll(t, "review show of an answered item", r.stdout,
		`(?m)^  审核意见 review comment\s+期限依据？\n  部门答复 reply\s+《土地管理法》第七十七条仍有效$`)
	if si := reviewJSON(t, e.ok("reviewer", "review", "show", again, "-o", "json")); len(si) != 1 || si[0].GetReply() != "《土地管理法》第七十七条仍有效" ||
		si[0].GetReviewComment() != "期限依据？" {
		t.Errorf("review show -o json of an answered item: %v", si)
	}
	if it := e.item(penalty.GetName()); it.GetReviewReply() != "《土地管理法》第七十七条仍有效" {
		t.Errorf("the item's reply: %v", it)
	} else if r := e.ok("clerk", "items", "show", penalty.GetName()); !strings.Contains(r.stdout, "部门答复 reply") {
		t.Errorf("items show does not show the reply:\n%s", r.stdout)
	}
}

// An item that lacks what submission requires is marked in the batch's
// view (a draft batch, which can hold one).
func TestReviewShowMarksMissing(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	clerk := e.dial("clerk")
	defer clerk.Close()
	it, err := clerk.Registry.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
		DisplayName: "对非法采矿的处罚", Category: pb.Category_CATEGORY_PENALTY}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := clerk.Registry.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{it.GetItem().GetName()}}})
	if err != nil {
		t.Fatal(err)
	}
	r := e.ok("clerk", "submissions", "show", resp.GetSubmission().GetName())
	matchAll(t, "submissions show of an item without legal basis", r.stdout,
		`(?m)^状态 state\s+草稿 draft$`,
		`(?m)^事项 items\s+1：新增 1，修改 0，废止 0 / 1: 1 new, 0 modified, 0 abolished；\s*1 个不完整 / 1 incomplete$`,
		`(?m)^■ 新增 / new  departments/gtzyj/items/\d+  “对非法采矿的处罚”\n  ！缺少设定依据，不能报送 / lacks a legal basis: cannot be submitted\n`)
	if si := reviewJSON(t, e.ok("clerk", "submissions", "show", resp.GetSubmission().GetName(), "-o", "json")); len(si) != 1 ||
		strings.Join(si[0].GetMissing(), ",") != "legal_bases" {
		t.Errorf("submissions show -o json: %v", si)
	}
}

// reviewSheet reads a review sheet written as XLSX: header, then the rows
// after the notes row.
func reviewSheet(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(all) < 2 {
		t.Fatalf("%s: %v, %d rows", path, err, len(all))
	}
	return all[0], all[2:]
}

// powerctl review export writes the batch as a sheet (template columns,
// identity, change, changed fields, an empty comment column); review
// import applies the filled sheet in one call: a commented row returned,
// the rest approved; every row commented: the batch rejected. Bad sheets
// (a row of another item, a duplicate, a missing row, no identity) are
// refused naming the row, and four eyes hold; nothing changes then.
func TestReviewSheetRoundTrip(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.importJSON("clerk", "--create-departments", writeRows(t, dir, "list.csv", completeRows()))
	land, env := e.departmentID("市国土资源局"), e.departmentID("Environment Bureau")
	items := e.byDisplayName()
	penalty := items["对非法占用土地的处罚"]
	batch := nameOf(t, e.ok("clerk", "submit", "--department", land))
	other := nameOf(t, e.ok("clerk", "submit", "--department", env))

	xlsx := filepath.Join(dir, "审核表.xlsx")
	r := e.ok("reviewer", "review", "export", batch, "-o", xlsx)
	if !strings.Contains(r.stderr, "已导出批次 "+batch+" 的 5 个事项") || !strings.Contains(r.stderr, "powerctl review import "+batch+" "+xlsx) {
		t.Errorf("review export: %s", r)
	}
	header, rows := reviewSheet(t, xlsx)
	var want []string
	for _, k := range sheet.ReviewKeys {
		c, _ := sheet.ColumnOf(k)
		want = append(want, c.Header)
	}
	if strings.Join(header, ",") != strings.Join(want, ",") {
		t.Errorf("review sheet header %v, want %v", header, want)
	}
	col := func(key string) int {
		c, _ := sheet.ColumnOf(key)
		return column(t, header, c.Header)
	}
	cell := func(row []string, key string) string {
		if i := col(key); i < len(row) {
			return row[i]
		}
		return ""
	}
	if len(rows) != 5 {
		t.Fatalf("review sheet: %d rows, want 5", len(rows))
	}
	penaltyRow := -1
	for i, row := range rows {
		if cell(row, sheet.KeyChange) != "新增" || cell(row, sheet.KeyReviewComment) != "" || !strings.HasPrefix(cell(row, sheet.KeyItem), "departments/"+land+"/items/") {
			t.Errorf("review sheet row %d: %q", i+3, row)
		}
		if cell(row, sheet.KeyItem) == penalty.GetName() {
			penaltyRow = i
			if cell(row, sheet.KeyLegalBases) != "《中华人民共和国土地管理法》第七十七条" || cell(row, sheet.KeyDepartment) != "市国土资源局" {
				t.Errorf("review sheet row of %s: %q", penalty.GetName(), row)
			}
		}
		if cell(row, sheet.KeyName) == "农用地转用审批" && cell(row, sheet.KeyMainItem) != "建设用地审批" {
			t.Errorf("a sub-item's row lacks its main item: %q", row)
		}
	}
	if penaltyRow < 0 {
		t.Fatalf("no row of %s", penalty.GetName())
	}

	// Bad sheets, from a CSV export: nothing happens.
	csvPath := filepath.Join(dir, "审核表.csv")
	e.ok("reviewer", "review", "export", batch, "-o", csvPath)
	recs := readCSV(t, csvPath)
	idCol := column(t, recs[0], "事项标识")
	commentCol := column(t, recs[0], "审核意见（退回时填写）")
	variant := func(name string, edit func([][]string) [][]string) string {
		copied := make([][]string, len(recs))
		for i := range recs {
			copied[i] = append([]string(nil), recs[i]...)
		}
		path := filepath.Join(dir, name)
		writeCSV(t, path, edit(copied))
		return path
	}
	envItem := items["Inspection of ABC sites"].GetName()
	for _, tc := range []struct {
		name string
		edit func([][]string) [][]string
		want []string
	}{
		{"other.csv", func(r [][]string) [][]string { r[2][idCol] = envItem; return r },
			[]string{"other.csv 第3行: 事项 " + envItem + " 不在批次 " + batch + " 中", "row 3: item " + envItem + " is not in batch " + batch, "没有对应的行"}},
		{"dup.csv", func(r [][]string) [][]string { return append(r, r[1]) },
			[]string{"dup.csv 第7行: 事项 " + recs[1][idCol] + " 与第2行重复", "dup.csv row 7: item " + recs[1][idCol] + " has a row already (row 2)"}},
		{"missing.csv", func(r [][]string) [][]string { return r[:5] },
			[]string{"missing.csv: 批次中的事项 " + recs[5][idCol], "has no row"}},
		{"noid.csv", func(r [][]string) [][]string { r[4][idCol] = ""; return r },
			[]string{"noid.csv 第5行: 没有「事项标识」", "没有对应的行"}},
	} {
		path := variant(tc.name, tc.edit)
		r := e.fails(1, "reviewer", "review", "import", batch, path)
		for _, w := range tc.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("review import %s lacks %q:\n%s", tc.name, w, r)
			}
		}
		if !strings.Contains(r.stderr, "nothing was reviewed") {
			t.Errorf("review import %s:\n%s", tc.name, r)
		}
	}
	if s := e.submission(batch); s.GetState() != pb.Submission_STATE_SUBMITTED {
		t.Fatalf("a refused review import changed the batch: %v", s)
	}

	// Fill one comment in the XLSX.
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := excelize.CoordinatesToCellName(col(sheet.KeyReviewComment)+1, penaltyRow+3)
	if err := f.SetCellValue(f.GetSheetName(0), ref, "请核实期限依据"); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	r = e.ok("reviewer", "review", "import", batch, xlsx, "--dry-run")
	wantOut := batch + ": 将审核通过 4 个事项，退回 1 个 / 4 items would be approved, 1 returned\n" +
		"  退回 / return  " + penalty.GetName() + "  “对非法占用土地的处罚”\n    请核实期限依据\n" +
		"（试运行，未做任何审核 / dry run: nothing was reviewed）\n"
	if r.stdout != wantOut {
		t.Errorf("review import --dry-run:\n%s\nwant:\n%s", r, wantOut)
	}
	if s := e.submission(batch); s.GetState() != pb.Submission_STATE_SUBMITTED {
		t.Fatalf("review import --dry-run changed the batch: %v", s)
	}

	// Four eyes: the clerk who submitted cannot apply it.
	r = e.fails(1, "clerk", "review", "import", batch, xlsx)
	if !strings.Contains(r.stderr, "four eyes") || !strings.Contains(r.stderr, "四眼原则") {
		t.Errorf("review import by the submitter:\n%s", r)
	}
	if s := e.submission(batch); s.GetState() != pb.Submission_STATE_SUBMITTED {
		t.Fatalf("a refused review import changed the batch: %v", s)
	}

	r = e.ok("reviewer", "review", "import", batch, xlsx, "--comment", "其余同意")
	if !strings.HasPrefix(r.stdout, batch+": 已审核通过 4 个事项，退回 1 个 / approved 4 items, returned 1\n") {
		t.Errorf("review import: %s", r)
	}
	s := e.submission(batch)
	if s.GetState() != pb.Submission_STATE_APPROVED || s.GetReviewComment() != "其余同意" || len(s.GetReturnedItems()) != 1 ||
		s.GetReturnedItems()[0] != penalty.GetName() || len(s.GetItems()) != 4 {
		t.Errorf("batch after review import: %v", s)
	}
	if it := e.item(penalty.GetName()); it.GetState() != pb.Item_STATE_RETURNED || it.GetReviewComment() != "请核实期限依据" {
		t.Errorf("returned item: %v", it)
	}
	e.fails(1, "reviewer", "review", "import", batch, xlsx) // decided already

	// Every row commented (CSV): the batch is returned.
	otherCSV := filepath.Join(dir, "other-batch.csv")
	e.ok("reviewer", "review", "export", other, "--format", "csv", "-o", otherCSV)
	orecs := readCSV(t, otherCSV)
	orecs[1][commentCol] = "依据已修订，请更新"
	writeCSV(t, otherCSV, orecs)
	r = e.ok("reviewer", "review", "import", other, otherCSV)
	if !strings.HasPrefix(r.stdout, other+": 退回全部 1 个事项 / all 1 items returned\n") {
		t.Errorf("review import, all commented: %s", r)
	}
	if s := e.submission(other); s.GetState() != pb.Submission_STATE_RETURNED || len(s.GetItemComments()) != 1 ||
		s.GetItemComments()[0].GetComment() != "依据已修订，请更新" {
		t.Errorf("batch after review import, all commented: %v", s)
	}

	// Usage.
	e.fails(2, "reviewer", "review", "export", batch, "--format", "json")
	e.fails(2, "reviewer", "review", "export", batch, "-o", "xlsx")
	e.fails(2, "reviewer", "review", "import", batch)
}

// A department withdraws a batch no reviewer has decided: it becomes
// 已撤回, leaves the review queue, its items are editable again and can be
// submitted anew; a decided batch cannot be withdrawn.
func TestSubmissionsWithdraw(t *testing.T) {
	e := start(t)
	e.importJSON("clerk", "--create-departments", writeRows(t, t.TempDir(), "list.csv", completeRows()))
	land := e.departmentID("市国土资源局")
	batch := nameOf(t, e.ok("clerk", "submit", "--department", land))

	r := e.ok("clerk", "submissions", "withdraw", batch, "--comment", "发现错误")
	if r.stdout != batch+": 已撤回；其中的事项可以再编辑，改好后用 powerctl submit --department "+land+" 再报送 / withdrawn; its items are editable again: fix them and submit again with powerctl submit --department "+land+"\n" {
		t.Errorf("submissions withdraw: %s", r)
	}
	if s := e.submission(batch); s.GetState() != pb.Submission_STATE_WITHDRAWN {
		t.Errorf("withdrawn batch: %v", s)
	}
	for _, it := range e.items() {
		if strings.HasPrefix(it.GetName(), "departments/"+land+"/") && (it.GetState() != pb.Item_STATE_DRAFT || it.GetSubmission() != "") {
			t.Errorf("item after withdrawal: %v", it)
		}
	}
	r = e.ok("clerk", "submissions", "list", "--department", land)
	matchAll(t, "submissions list", r.stdout, `(?m)^`+regexp.QuoteMeta(batch)+`\s+已撤回 withdrawn\s`)
	r = e.ok("clerk", "submissions", "show", batch)
	matchAll(t, "submissions show", r.stdout, `(?m)^状态 state\s+已撤回 withdrawn$`)
	if r := e.ok("reviewer", "review", "list"); strings.Contains(r.stdout, batch) {
		t.Errorf("review list shows a withdrawn batch:\n%s", r.stdout)
	}
	if r := e.ok("reviewer", "review", "list", "--state", "withdrawn"); !strings.Contains(r.stdout, batch) {
		t.Errorf("review list --state withdrawn:\n%s", r.stdout)
	}

	r = e.fails(1, "clerk", "submissions", "withdraw", batch)
	if !strings.Contains(r.stderr, batch) || !strings.Contains(r.stderr, "powerctl submissions list") || strings.Contains(r.stderr, "review list") {
		t.Errorf("withdraw of a withdrawn batch:\n%s", r)
	}
	e.fails(1, "reviewer", "review", "approve", batch)

	again := nameOf(t, e.ok("clerk", "submit", "--department", land))
	e.ok("reviewer", "review", "approve", again)
	r = e.fails(1, "clerk", "submissions", "withdraw", again)
	if !strings.Contains(r.stderr, again) {
		t.Errorf("withdraw of an approved batch:\n%s", r)
	}
	if s := e.submission(again); s.GetState() != pb.Submission_STATE_APPROVED {
		t.Errorf("a refused withdrawal changed the batch: %v", s)
	}
}

// powerctl review show of a 400-item batch reads it in one
// call and does not trip the server's default rate limits; review export
// and import of it too.
func TestReviewBigBatchDefaultLimits(t *testing.T) {
	e := startLimited(t)
	ctx := context.Background()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	const n = 400
	rows := make([]*pb.ImportRow, n)
	for i := range rows {
		rows[i] = &pb.ImportRow{Item: &pb.Item{DisplayName: fmt.Sprintf("事项 %03d", i), Category: pb.Category_CATEGORY_PENALTY,
			LegalBases: []*pb.LegalBasis{{Text: "《中华人民共和国土地管理法》第七十七条"}}}}
	}
	clerk := e.dial("clerk")
	defer clerk.Close()
	if _, err := clerk.Import(ctx, rows, client.ImportOptions{Parent: "departments/gtzyj"}); err != nil {
		t.Fatal(err)
	}
	batch := nameOf(t, e.ok("clerk", "submit", "--department", "gtzyj"))
	r := e.ok("reviewer", "review", "show", batch)
	if c := strings.Count(r.stdout, "■ 新增 / new"); c != n || strings.Count(r.stdout, "《中华人民共和国土地管理法》第七十七条") != n {
		t.Errorf("review show of %d items: %d shown", n, c)
	}
	if got := reviewJSON(t, e.ok("reviewer", "review", "show", batch, "-o", "json")); len(got) != n {
		t.Errorf("review show -o json: %d items, want %d", len(got), n)
	}
	path := filepath.Join(t.TempDir(), "big.xlsx")
	e.ok("reviewer", "review", "export", batch, "-o", path)
	e.ok("reviewer", "review", "import", batch, path)
	if s := e.submission(batch); s.GetState() != pb.Submission_STATE_APPROVED || len(s.GetItems()) != n {
		t.Errorf("batch after review import: %v", s.GetState())
	}
}
