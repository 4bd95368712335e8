package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// The issue-11 tests of the clerk's spreadsheet round trip: export
// --working-copy, import in update mode, departments update, the region
// column.

// landDept creates 市国土资源局 (gtzyj) and imports its five rows of
// completeRows (with 实施主体, one of them with a code) as drafts; it
// returns the file imported.
func (e *env) landDept(dir string) string {
	e.t.Helper()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	path := writeRows(e.t, dir, "gtzyj.csv", completeRows()[:5])
	e.ok("clerk", "import", "--department", "gtzyj", path)
	return path
}

// deptItems returns the items of a department by display name.
func (e *env) deptItems(dept string) map[string]*pb.Item {
	e.t.Helper()
	list, err := e.c.Items(context.Background(), departmentName(dept), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*pb.Item{}
	for _, it := range list {
		out[it.GetDisplayName()] = it
	}
	return out
}

// versions are the etag and revision of every item of a department.
func (e *env) versions(dept string) map[string]string {
	e.t.Helper()
	out := map[string]string{}
	for _, it := range e.deptItems(dept) {
		out[it.GetName()] = it.GetEtag() + "@" + it.GetRevisionId() + "@" + it.GetUpdateTime().AsTime().String()
	}
	return out
}

// submitItems puts items into one batch and submits it, as checker.
func (e *env) submitItems(dept string, names ...string) string {
	e.t.Helper()
	ctx := context.Background()
	created, err := e.c.Registry.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: departmentName(dept),
		Submission: &pb.Submission{Items: names}})
	if err != nil {
		e.t.Fatal(err)
	}
	sub, err := e.c.Registry.SubmitSubmission(ctx, &pb.SubmitSubmissionRequest{Name: created.GetSubmission().GetName()})
	if err != nil {
		e.t.Fatal(err)
	}
	return sub.GetSubmission().GetName()
}

// approve approves a batch as reviewer, returning the items of returned
// with their comments.
func (e *env) approve(sub string, returned map[string]string) {
	e.t.Helper()
	c := e.dial("reviewer")
	defer c.Close()
	req := &pb.ApproveSubmissionRequest{Name: sub}
	for n, comment := range returned {
		req.ReturnedItems = append(req.ReturnedItems, &pb.ItemComment{Item: n, Comment: comment})
	}
	if _, err := c.Registry.ApproveSubmission(context.Background(), req); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) createItem(dept, name string) *pb.Item {
	e.t.Helper()
	resp, err := e.c.Registry.CreateItem(context.Background(), &pb.CreateItemRequest{Parent: departmentName(dept),
		Item: &pb.Item{DisplayName: name, Category: pb.Category_CATEGORY_LICENSING,
			LegalBases: []*pb.LegalBasis{{Text: "《中华人民共和国行政许可法》第十二条"}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.GetItem()
}

// A working copy in every state: draft, returned with the reviewer's
// comment, submitted, approved, published and published with a pending
// change, in the template's columns plus 事项标识, 状态, 待发布变更 and
// 最近审核意见; an abolished item is left out; a yes/no never entered is
// empty, never 否.
func TestExportWorkingCopyStates(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	dir := t.TempDir()
	e.landDept(dir)
	e.publishAll("gtzyj")
	items := e.deptItems("gtzyj")
	service, penalty := items["不动产登记资料查询"], items["对非法占用土地的处罚"]

	// Abolished: gone from the working copy.
	if _, err := e.c.Registry.AbolishItem(ctx, &pb.AbolishItemRequest{Name: service.GetName(), Comment: "职能划转"}); err != nil {
		t.Fatal(err)
	}
	e.approve(e.submitItems("gtzyj", service.GetName()), nil)
	e.ok("publisher", "publish", "--all-approved")
	// Approved and returned with a comment.
	approved, returned := e.createItem("gtzyj", "已审核的事项"), e.createItem("gtzyj", "退回的事项")
	e.approve(e.submitItems("gtzyj", approved.GetName(), returned.GetName()), map[string]string{returned.GetName(): "请补充依据"})
	// Submitted, draft, published with a pending change.
	submitted := e.createItem("gtzyj", "已报送的事项")
	e.submitItems("gtzyj", submitted.GetName())
	e.createItem("gtzyj", "草稿事项")
	if _, err := e.c.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: penalty.GetName(), Remark: "2015 年调整"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}}); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(dir, "wc.csv")
	r := e.ok("clerk", "export", "--working-copy", "--department", "gtzyj", "-o", path)
	if !strings.Contains(r.stderr, "exported the working copy of gtzyj, 8 items; edit it and import it with powerctl import --department gtzyj "+path) {
		t.Errorf("export --working-copy: %s", r)
	}
	recs := readCSV(t, path)
	if got, want := strings.Join(recs[0], ","), strings.Join(sheet.Headers(), ",")+",事项标识,状态,待发布变更,最近审核意见"; got != want {
		t.Fatalf("header:\n%s\nwant\n%s", got, want)
	}
	col := func(h string) int { return column(t, recs[0], h) }
	byName := map[string][]string{}
	for _, rec := range recs[1:] {
		byName[rec[col("职权名称")]] = rec
	}
	if len(recs) != 9 || byName["不动产登记资料查询"] != nil {
		t.Fatalf("%d rows (want 8, the abolished item left out):\n%v", len(recs)-1, recs)
	}
	now := e.deptItems("gtzyj")
	for _, c := range []struct{ name, state, pending, comment string }{
		{"对非法占用土地的处罚", "草稿", "修改", ""},
		{"建设用地审批", "已发布", "", ""},
		{"农用地转用审批", "已发布", "", ""},
		{"已审核的事项", "已审核", "新增", ""},
		{"退回的事项", "退回修改", "新增", "请补充依据"},
		{"已报送的事项", "已报送", "新增", ""},
		{"草稿事项", "草稿", "新增", ""},
	} {
		rec := byName[c.name]
		if rec == nil {
			t.Errorf("no row for %s", c.name)
			continue
		}
		it := now[c.name]
		if sheet.StateLabel(it.GetState()) != rec[col("状态")] {
			t.Errorf("%s: state %s, item %s", c.name, rec[col("状态")], it.GetState())
		}
		got := []string{rec[col("事项标识")], rec[col("状态")], rec[col("待发布变更")], rec[col("最近审核意见")]}
		want := []string{it.GetName(), c.state, c.pending, c.comment}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %q, want %q", c.name, got, want)
		}
	}
	// A sub-item keeps its main item; 是否收费 never entered is empty.
	if rec := byName["农用地转用审批"]; rec[col("大项")] != "建设用地审批" || rec[col("是否收费")] != "" || rec[col("是否审核转报")] != "" {
		t.Errorf("sub-item row: %q", rec)
	}
	if rec := byName["建设用地审批"]; rec[col("是否收费")] != "是" || rec[col("收费标准")] != "每件50元" {
		t.Errorf("fee row: %q", rec)
	}

	// JSON: the same items.
	r = e.ok("clerk", "export", "--working-copy", "--department", "gtzyj", "--format", "json")
	if strings.Count(r.stdout, `"name": "departments/gtzyj/items/`)+strings.Count(r.stdout, `"name":"departments/gtzyj/items/`) != 8 ||
		strings.Contains(r.stdout, "不动产登记资料查询") {
		t.Errorf("json working copy:\n%s", r.stdout)
	}
	// XLSX reads back to the same items.
	xlsx := filepath.Join(dir, "wc.xlsx")
	e.ok("clerk", "export", "--working-copy", "--department", "gtzyj", "-o", xlsx)
	rows, problems, err := sheet.Read(xlsx, sheet.Options{Categories: sheet.DefaultCategories()})
	if err != nil || len(problems) > 0 || len(rows) != 8 || rows[0].Item.GetName() == "" {
		t.Errorf("xlsx: %d rows, %v, %v", len(rows), problems, err)
	}
	// --department goes with --working-copy; without it a clerk of one
	// department exports that department's, anyone else must choose.
	e.fails(2, "clerk", "export", "--department", "gtzyj")
	if r := e.fails(2, "clerk", "export", "--working-copy"); !strings.Contains(r.stderr, "--working-copy needs --department ID") {
		t.Errorf("a token of every department: %s", r)
	}
	e.mint("gtzyj-clerk", &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj"}})
	if own, named := e.ok("gtzyj-clerk", "export", "--working-copy").stdout, e.ok("clerk", "export", "--working-copy", "--department", "gtzyj").stdout; own != named {
		t.Errorf("a clerk's own working copy differs from --department gtzyj's:\n%s\n---\n%s", own, named)
	}
	own := filepath.Join(dir, "own.csv")
	if r := e.ok("gtzyj-clerk", "export", "--working-copy", "-o", own); !strings.Contains(r.stderr, "powerctl import --department gtzyj "+own) {
		t.Errorf("the message names the department defaulted to: %s", r)
	}
}

// The round trip: import the original file, export the working copy, edit
// a column, import it: the items are updated, none created; the unchanged
// file again changes nothing (same etags, revisions, update times).
func TestWorkingCopyRoundTrip(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.landDept(dir)
	path := filepath.Join(dir, "wc.csv")
	e.ok("clerk", "export", "--working-copy", "--department", "gtzyj", "-o", path)

	// Re-importing the export unchanged changes nothing.
	before := e.versions("gtzyj")
	r := e.ok("clerk", "import", "--department", "gtzyj", path)
	if !strings.Contains(r.stdout, "wc.csv: 新增 0 项、修改 0 项、不变 5 项") || !strings.Contains(r.stdout, "0 new, 0 changed, 5 unchanged") {
		t.Errorf("unchanged import: %s", r)
	}
	if after := e.versions("gtzyj"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("an unchanged import changed items:\n%v\n%v", before, after)
	}

	// Edit two cells: the remark of one item, the legal bases of a sub-item.
	recs := readCSV(t, path)
	nameCol, remarkCol, basesCol := column(t, recs[0], "职权名称"), column(t, recs[0], "备注"), column(t, recs[0], "设定依据")
	for _, rec := range recs[1:] {
		switch rec[nameCol] {
		case "建设用地审批":
			rec[remarkCol] = "已核对"
		case "农用地转用审批":
			rec[basesCol] = "《中华人民共和国土地管理法》第四十四条\n《中华人民共和国土地管理法实施条例》第二十三条"
		}
	}
	writeCSV(t, path, recs)
	r = e.ok("clerk", "import", "--department", "gtzyj", path)
	if !strings.Contains(r.stdout, "0 new, 2 changed, 3 unchanged") {
		t.Errorf("import of the edited working copy: %s", r)
	}
	items := e.deptItems("gtzyj")
	if len(items) != 5 || items["建设用地审批"].GetRemark() != "已核对" || len(items["农用地转用审批"].GetLegalBases()) != 2 {
		t.Errorf("after the import: %d items, remark %q, bases %v", len(items), items["建设用地审批"].GetRemark(), items["农用地转用审批"].GetLegalBases())
	}
	if items["农用地转用审批"].GetParent() != items["建设用地审批"].GetName() {
		t.Errorf("the sub-item lost its main item: %s", items["农用地转用审批"].GetParent())
	}
	// Once more: nothing changes.
	before = e.versions("gtzyj")
	r = e.ok("clerk", "import", "--department", "gtzyj", path)
	if !strings.Contains(r.stdout, "0 new, 0 changed, 5 unchanged") || fmt.Sprint(e.versions("gtzyj")) != fmt.Sprint(before) {
		t.Errorf("re-import of the same file: %s", r)
	}

	// A file without a 设定依据 column leaves the legal bases alone.
	var narrow [][]string
	for _, rec := range recs {
		narrow = append(narrow, append(append([]string{}, rec[:basesCol]...), rec[basesCol+1:]...))
	}
	narrowPath := filepath.Join(dir, "narrow.csv")
	writeCSV(t, narrowPath, narrow)
	r = e.ok("clerk", "import", "--department", "gtzyj", narrowPath)
	if !strings.Contains(r.stdout, "0 new, 0 changed, 5 unchanged") || len(e.deptItems("gtzyj")["农用地转用审批"].GetLegalBases()) != 2 {
		t.Errorf("a file without 设定依据: %s", r)
	}

	// In review: the unchanged file still imports (nothing changes); a
	// row that changes a submitted item is refused, naming its row.
	e.ok("clerk", "submit", "--department", "gtzyj")
	before = e.versions("gtzyj")
	r = e.ok("clerk", "import", "--department", "gtzyj", path)
	if !strings.Contains(r.stdout, "0 new, 0 changed, 5 unchanged") {
		t.Errorf("unchanged import of items in review: %s", r)
	}
	row := 0
	for i, rec := range recs[1:] {
		if rec[nameCol] == "建设用地审批" {
			rec[remarkCol], row = "再次修改", i+2
		}
	}
	writeCSV(t, path, recs)
	r = e.fails(1, "clerk", "import", "--department", "gtzyj", path)
	if !strings.Contains(r.stderr, fmt.Sprintf("wc.csv 第%d行", row)) || !strings.Contains(r.stderr, "nothing was imported") {
		t.Errorf("a change of an item in review: %s", r)
	}
	// Once: the refusal carries the row as a precondition failure and as a
	// field violation, and a person reads it one time.
	if n := strings.Count(r.stderr, fmt.Sprintf("wc.csv 第%d行", row)); n != 1 {
		t.Errorf("the refused row is told %d times: %s", n, r)
	}
	// The first line names the file's rows too, not the API's indices.
	if strings.Contains(r.stderr, "rows[") || !strings.Contains(r.stderr, fmt.Sprintf("nothing was imported: row %d", row)) ||
		!strings.Contains(r.stderr, fmt.Sprintf("未导入任何内容：第%d行", row)) {
		t.Errorf("the refusal names rows by their index in the request: %s", r)
	}
	if fmt.Sprint(e.versions("gtzyj")) != fmt.Sprint(before) {
		t.Error("a refused import changed items")
	}
}

// The clerk's original file, without 事项标识 and mostly without codes,
// imported again: the rows that match items by name and main item are a
// problem naming the rows, and nothing is imported; --create-duplicates
// creates them. The row with a code updates its item.
func TestImportOriginalAgain(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	original := e.landDept(dir)
	before := e.versions("gtzyj")
	r := e.fails(1, "clerk", "import", "--department", "gtzyj", original)
	for _, row := range []string{"第2行", "第3行", "第4行", "第5行"} {
		if !strings.Contains(r.stderr, "gtzyj.csv "+row) {
			t.Errorf("the duplicate at %s is not named:\n%s", row, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "gtzyj.csv 第6行") || !strings.Contains(r.stderr, "--create-duplicates") {
		t.Errorf("duplicates:\n%s", r.stderr)
	}
	if fmt.Sprint(e.versions("gtzyj")) != fmt.Sprint(before) {
		t.Error("a refused import changed items")
	}
	r = e.ok("clerk", "import", "--department", "gtzyj", "--create-duplicates", original)
	if !strings.Contains(r.stdout, "4 new, 0 changed, 1 unchanged") {
		t.Errorf("--create-duplicates: %s", r)
	}
	if n := len(e.items()); n != 9 {
		t.Errorf("%d items, want 9", n)
	}
}

// --dry-run shows per file the counts and, per changed row, its row number,
// the item's name and each field old → new, then a count per field; it
// writes nothing.
func TestImportDryRunChanges(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.landDept(dir)
	path := filepath.Join(dir, "wc.csv")
	e.ok("clerk", "export", "--working-copy", "--department", "gtzyj", "-o", path)
	recs := readCSV(t, path)
	nameCol, remarkCol, unitCol := column(t, recs[0], "职权名称"), column(t, recs[0], "备注"), column(t, recs[0], "承办机构")
	basesCol := column(t, recs[0], "设定依据")
	long := strings.Repeat("很长的备注", 30)
	for _, rec := range recs[1:] {
		switch rec[nameCol] {
		case "建设用地审批":
			rec[remarkCol], rec[unitCol] = long, "审批科"
		case "土地征收审批": // two bases: one kept, one replaced
			rec[basesCol] = "《中华人民共和国土地管理法》第四十六条\n《中华人民共和国土地管理法实施条例》第二十六条"
		case "不动产登记资料查询":
			rec[unitCol] = "登记中心"
		}
	}
	recs = append(recs, make([]string, len(recs[0])))
	last := recs[len(recs)-1]
	last[column(t, recs[0], "实施主体")], last[nameCol], last[column(t, recs[0], "职权类型")] = "市国土资源局", "新增的事项", "行政确认"
	writeCSV(t, path, recs)
	before := e.versions("gtzyj")
	r := e.ok("clerk", "import", "--department", "gtzyj", "--dry-run", path)
	for _, want := range []string{
		"wc.csv: 检查通过，未写入：将新增 1 项、修改 3 项、不变 2 项",
		"check passed, nothing was written: 1 new, 3 changed, 2 unchanged",
		"  第5行 / row 5  “土地征收审批”\n    设定依据 legal bases:\n" +
			"      - 《土地管理法实施条例》第二十五条\n      + 《中华人民共和国土地管理法实施条例》第二十六条\n",
		"  第3行 / row 3  “建设用地审批”\n",
		"承办机构 handling unit:  （空 / empty） → 审批科",
		"备注 remark:",
		"（空 / empty） → " + string([]rune(long)[:maxShown-1]) + "…\n",
		"  第6行 / row 6  “不动产登记资料查询”\n",
		"（空 / empty） → 登记中心",
		"fields changed (rows): 承办机构 handling unit 2, 备注 remark 1, 设定依据 legal bases 1\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
	if fmt.Sprint(e.versions("gtzyj")) != fmt.Sprint(before) {
		t.Error("a dry run changed items")
	}
}

// Unknown columns: one warning naming them by letter and header; --strict
// refuses the file and imports nothing.
func TestImportUnknownColumns(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.landDept(dir)
	path := filepath.Join(dir, "wc.csv")
	e.ok("clerk", "export", "--working-copy", "--department", "gtzyj", "-o", path)
	recs := readCSV(t, path)
	n := len(recs[0])
	for i := range recs {
		recs[i] = append(recs[i], "", "x")
	}
	recs[0][n], recs[0][n+1] = "联系电话", "序 号"
	writeCSV(t, path, recs)
	letter := func(i int) string { return string(rune('A' + i)) }
	r := e.ok("clerk", "import", "--department", "gtzyj", path)
	want := fmt.Sprintf("columns not recognised, ignored: %s「联系电话」, %s「序 号」", letter(n), letter(n+1))
	if strings.Count(r.stderr, "警告 / warning: wc.csv: 以下列无法识别") != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("unknown columns: want %q in\n%s", want, r)
	}
	before := e.versions("gtzyj")
	r = e.fails(1, "clerk", "import", "--department", "gtzyj", "--strict", path)
	if !strings.Contains(r.stderr, "wc.csv: 有无法识别的列") || !strings.Contains(r.stderr, "nothing was imported") {
		t.Errorf("--strict: %s", r)
	}
	if fmt.Sprint(e.versions("gtzyj")) != fmt.Sprint(before) {
		t.Error("--strict changed items")
	}
}

// A row whose 实施主体 names another department than --department is a
// problem of that row, and nothing is imported.
func TestImportOtherDepartment(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.landDept(dir)
	e.ok("admin", "departments", "create", "--id", "hbj", "--name", "市环保局")
	rows := completeRows()[:2]
	rows[1].Department = "市环保局"
	rows[0].Item.DisplayName, rows[1].Item.DisplayName = "甲", "乙"
	path := writeRows(t, dir, "mixed.csv", rows)
	r := e.fails(1, "clerk", "import", "--department", "gtzyj", path)
	if !strings.Contains(r.stderr, "mixed.csv 第3行「实施主体」") || strings.Contains(r.stderr, "mixed.csv 第2行") {
		t.Errorf("another department:\n%s", r.stderr)
	}
	if n := len(e.items()); n != 5 {
		t.Errorf("%d items, want 5", n)
	}
}

// departments update changes the name or the region, only what is given;
// a 12-digit region is kept as its shortest form.
func TestDepartmentsUpdate(t *testing.T) {
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")
	r := e.ok("admin", "departments", "update", "--id", "gtzyj", "--region", "511602000000")
	if r.stdout != "departments/gtzyj: 已修改部门“市国土资源局”，区划代码 511602 / updated department 市国土资源局, region code 511602\n" {
		t.Errorf("update --region: %s", r)
	}
	e.ok("admin", "departments", "update", "--id", "gtzyj", "--name", "市自然资源局")
	d, err := e.c.Registry.GetDepartment(context.Background(), &pb.GetDepartmentRequest{Name: "departments/gtzyj"})
	if err != nil || d.GetDepartment().GetDisplayName() != "市自然资源局" || d.GetDepartment().GetRegionCode() != "511602" {
		t.Errorf("after two updates: %v %v", d, err)
	}
	r = e.fails(2, "admin", "departments", "update", "--id", "gtzyj")
	if !strings.Contains(r.stderr, "give --name or --region") {
		t.Errorf("update without a change: %s", r)
	}
	r = e.fails(1, "admin", "departments", "update", "--id", "gtzyj", "--region", "51160")
	if !regexp.MustCompile(`region_code`).MatchString(r.stderr) {
		t.Errorf("a bad region: %s", r)
	}
}

// The 区划代码 column sets the region of the departments
// --create-departments creates: 511602000000 becomes 511602. Rows naming
// another region than their existing department's are refused with the
// departments update that fixes it.
func TestImportRegionColumn(t *testing.T) {
	e := start(t)
	path := filepath.Join(t.TempDir(), "r.csv")
	writeCSV(t, path, [][]string{
		{"部门", "事项名称", "事项类型", "区划代码"},
		{"区经信局", "企业投资项目备案", "行政许可", "511602000000"},
		{"区教科体局", "适龄儿童延缓入学审批", "行政许可", "511602000000"},
	})
	e.ok("clerk", "import", "--create-departments", path)
	if n := len(e.departments()); n != 2 {
		t.Errorf("%d departments, want the 2 the file names", n) // else the loop below checks nothing
	}
	for _, d := range e.departments() {
		if d.GetRegionCode() != "511602" {
			t.Errorf("%s: region %q, want 511602", d.GetDisplayName(), d.GetRegionCode())
		}
	}

	// A department that exists in another region: its codes must not be
	// assigned under the wrong region, so the rows are refused with the
	// command that sets the region.
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")
	other := filepath.Join(t.TempDir(), "gtzyj.csv")
	writeCSV(t, other, [][]string{
		{"部门", "事项名称", "事项类型", "区划代码"},
		{"市国土资源局", "建设用地审批", "行政许可", "511602000000"},
	})
	r := e.fails(1, "clerk", "import", "--department", "gtzyj", other)
	if !strings.Contains(r.stderr, "gtzyj.csv 第2行「区划代码」") || !strings.Contains(r.stderr, "powerctl departments update --id gtzyj --region 511602") {
		t.Errorf("a row of another region: %s", r)
	}
	e.ok("admin", "departments", "update", "--id", "gtzyj", "--region", "511602")
	r = e.ok("clerk", "import", "--department", "gtzyj", other)
	if !strings.Contains(r.stdout, "1 new, 0 changed, 0 unchanged") {
		t.Errorf("after departments update: %s", r)
	}
}

// A working copy cut down to the columns the clerk works on (职权名称,
// 设定依据, 事项标识): the rows update their items, the category left as
// it is; a row added without 事项标识 would create an item and is told
// that the file lacks the 职权类型 column.
func TestImportWorkingCopyWithoutCategoryColumn(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.landDept(dir)
	path := filepath.Join(dir, "wc.csv")
	e.ok("clerk", "export", "--working-copy", "--department", "gtzyj", "-o", path)
	recs := readCSV(t, path)
	keep := []int{column(t, recs[0], "职权名称"), column(t, recs[0], "设定依据"), column(t, recs[0], "事项标识")}
	var narrow [][]string
	for _, rec := range recs {
		narrow = append(narrow, []string{rec[keep[0]], rec[keep[1]], rec[keep[2]]})
	}
	narrow[1][1] = "《中华人民共和国土地管理法》第七十九条"
	narrowPath := filepath.Join(dir, "narrow.csv")
	writeCSV(t, narrowPath, narrow)
	before := e.deptItems("gtzyj")
	r := e.ok("clerk", "import", "--department", "gtzyj", narrowPath)
	if !strings.Contains(r.stdout, "0 new, 1 changed, 4 unchanged") {
		t.Errorf("import of the narrow working copy: %s", r)
	}
	after := e.deptItems("gtzyj")
	if got := after[narrow[1][0]]; got.GetLegalBases()[0].GetText() != narrow[1][1] || got.GetCategory() != before[narrow[1][0]].GetCategory() {
		t.Errorf("after the import: %v", got)
	}

	narrow = append(narrow, []string{"新事项", "", ""})
	writeCSV(t, narrowPath, narrow)
	r = e.fails(1, "clerk", "import", "--department", "gtzyj", narrowPath)
	if !strings.Contains(r.stderr, fmt.Sprintf("narrow.csv 第%d行", len(narrow))) || !strings.Contains(r.stderr, "职权类型") ||
		!strings.Contains(r.stderr, "no 职权类型 (category) column") {
		t.Errorf("a new row in a file without 职权类型: %s", r)
	}
}

// The yes/no columns in the working copy: 否 written in, exported back as
// 否, then the cell emptied again makes the answer unknown (not 否), and
// the export shows it empty.
func TestWorkingCopyYesNoCleared(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.landDept(dir)
	path := filepath.Join(dir, "wc.csv")
	e.ok("clerk", "export", "--working-copy", "--department", "gtzyj", "-o", path)
	recs := readCSV(t, path)
	nameCol, feeCol, fwdCol := column(t, recs[0], "职权名称"), column(t, recs[0], "是否收费"), column(t, recs[0], "是否审核转报")
	name := recs[1][nameCol]
	recs[1][feeCol], recs[1][fwdCol] = "否", "否"
	writeCSV(t, path, recs)
	e.ok("clerk", "import", "--department", "gtzyj", path)
	it := e.deptItems("gtzyj")[name]
	if it.GetFee().Charged == nil || *it.GetFee().Charged || it.ReviewAndForward == nil || *it.ReviewAndForward {
		t.Fatalf("after 否: fee %v, review and forward %v", it.GetFee(), it.ReviewAndForward)
	}
	e.ok("clerk", "export", "--working-copy", "--department", "gtzyj", "-o", path)
	recs = readCSV(t, path)
	if recs[1][nameCol] != name || recs[1][feeCol] != "否" || recs[1][fwdCol] != "否" {
		t.Fatalf("exported row %v", recs[1])
	}
	recs[1][feeCol], recs[1][fwdCol] = "", ""
	writeCSV(t, path, recs)
	r := e.ok("clerk", "import", "--department", "gtzyj", path)
	if !strings.Contains(r.stdout, "1 changed") {
		t.Errorf("emptying the cells: %s", r)
	}
	it = e.deptItems("gtzyj")[name]
	if it.GetFee().GetCharged() || it.GetFee() != nil && it.GetFee().Charged != nil || it.ReviewAndForward != nil {
		t.Errorf("after emptying: fee %v, review and forward %v; want both unknown", it.GetFee(), it.ReviewAndForward)
	}
	e.ok("clerk", "export", "--working-copy", "--department", "gtzyj", "-o", path)
	if recs = readCSV(t, path); recs[1][feeCol] != "" || recs[1][fwdCol] != "" {
		t.Errorf("exported after emptying: %v", recs[1])
	}
}
