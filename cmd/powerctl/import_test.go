package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// The Guang'an list: 1135 rows of 34 departments; 520 rows name a main item
// (大项), 21 of them their own, so 112 main items are created; categories
// map through the server's table; every code is kept.
func TestImportGuangan(t *testing.T) {
	e := start(t)
	files, resps := e.importJSON("gaq-clerk", "--create-departments", guangan)
	if len(files) != 1 || !files[0].Imported {
		t.Fatalf("import: %+v", files)
	}
	resp := resps[0]
	if len(resp.GetItems()) != 1135 || resp.GetRowCount() != 1135 {
		t.Fatalf("imported %d items (%d rows), want 1135", len(resp.GetItems()), resp.GetRowCount())
	}
	if n := len(resp.GetCreatedMainItems()); n != 112 {
		t.Errorf("created %d main items, want 112", n)
	}
	if n := len(resp.GetCreatedDepartments()); n != 34 {
		t.Errorf("created %d departments, want 34", n)
	}
	if n := len(e.departments()); n != 34 {
		t.Errorf("%d departments, want 34", n)
	}
	all := e.items()
	if len(all) != 1135+112 {
		t.Errorf("%d items in the registry, want 1135 + 112", len(all))
	}
	byName := map[string]*pb.Item{}
	for _, it := range all {
		byName[it.GetName()] = it
	}

	recs := readCSV(t, guangan)
	codeCol, mainCol, nameCol, deptCol := column(t, recs[0], "实施编码"), column(t, recs[0], "大项"), column(t, recs[0], "事项名称"), column(t, recs[0], "部门")
	counts := map[pb.Category]int{}
	labels := map[string]int{}
	subItems := 0
	for i, name := range resp.GetItems() {
		it, rec := byName[name], recs[i+1]
		if it == nil {
			t.Fatalf("item %s of row %d not found", name, i+2)
		}
		if it.GetCode() != rec[codeCol] || it.GetDisplayName() != rec[nameCol] || it.GetDepartmentDisplayName() != rec[deptCol] {
			t.Errorf("row %d: got %s %q %q, want %s %q %q", i+2, it.GetCode(), it.GetDisplayName(), it.GetDepartmentDisplayName(),
				rec[codeCol], rec[nameCol], rec[deptCol])
		}
		if it.GetState() != pb.Item_STATE_DRAFT {
			t.Errorf("%s: state %s", name, it.GetState())
		}
		if it.GetParent() != "" {
			subItems++
			if main := byName[it.GetParent()]; main.GetDisplayName() != rec[mainCol] {
				t.Errorf("row %d: main item %q, want %q", i+2, main.GetDisplayName(), rec[mainCol])
			}
		}
		counts[it.GetCategory()]++
		labels[it.GetCategoryLabel()]++
	}
	want := map[pb.Category]int{
		pb.Category_CATEGORY_LICENSING: 536, pb.Category_CATEGORY_MANAGEMENT_SERVICE: 348, pb.Category_CATEGORY_OTHER: 184,
		pb.Category_CATEGORY_CONFIRMATION: 50, pb.Category_CATEGORY_BENEFIT: 9, pb.Category_CATEGORY_ADJUDICATION: 8,
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("categories: got %v, want %v", counts, want)
	}
	if labels["公共服务"] != 348 || labels["行政奖励"] != 2 || labels["其他行政权力"] != 182 {
		t.Errorf("labels as written are not kept: %v", labels)
	}
	if subItems != 520-21 {
		t.Errorf("%d sub-items, want 499", subItems)
	}
	for _, n := range resp.GetCreatedMainItems() {
		if main := byName[n]; len(main.GetLegalBases()) != 0 || main.GetCategory() == 0 {
			t.Errorf("created main item %v", main)
		}
	}

	// No legal bases: submit refuses, listing every item of the department.
	dept := e.departmentID("区教科体局")
	var deptItems []*pb.Item
	for _, it := range all {
		if strings.HasPrefix(it.GetName(), "departments/"+dept+"/") {
			deptItems = append(deptItems, it)
		}
	}
	r := e.fails(1, "gaq-clerk", "submit", "--department", dept)
	if !strings.Contains(r.stderr, fmt.Sprintf("%d 个事项缺少设定依据", len(deptItems))) {
		t.Errorf("submit does not count the items without legal basis:\n%s", r)
	}
	for _, it := range deptItems {
		if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(it.GetName()) + `\s+“` + regexp.QuoteMeta(it.GetDisplayName()) + `”缺少设定依据`).MatchString(r.stderr) {
			t.Errorf("submit does not list %s %s:\n%s", it.GetName(), it.GetDisplayName(), r.stderr)
			break
		}
	}
	if subs, err := e.c.Submissions(t.Context(), "departments/-", 0); err != nil || len(subs) != 0 {
		t.Errorf("a refused submit left submissions behind: %v %v", subs, err)
	}
}

// A file with bad rows is refused whole, every problem located by file,
// Excel row and header as written; nothing is created.
func TestImportBadRowsRefused(t *testing.T) {
	e := start(t)
	recs := readCSV(t, guangan)
	catCol, nameCol := column(t, recs[0], "事项类型"), column(t, recs[0], "事项名称")
	recs[9][catCol] = "行政处分" // Excel row 10
	recs[499][nameCol] = ""  // Excel row 500
	path := filepath.Join(t.TempDir(), "items.csv")
	writeCSV(t, path, recs)

	r := e.fails(1, "clerk", "import", "--create-departments", path)
	for _, want := range []string{
		"items.csv 第10行「事项类型」: 未知的事项类型“行政处分”",
		"items.csv row 10, column 事项类型: unknown category",
		"items.csv 第500行「事项名称」",
		"items.csv row 500, column 事项名称",
		"nothing was imported",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r)
		}
	}
	if n := strings.Count(r.stderr, "items.csv 第"); n != 2 {
		t.Errorf("%d problems reported, want 2:\n%s", n, r.stderr)
	}
	if d, it := e.departments(), e.items(); len(d) != 0 || len(it) != 0 {
		t.Errorf("a refused file created %d departments and %d items", len(d), len(it))
	}
}

// Problems only the server sees (a code given twice) are mapped back from
// rows[i] to the file's row and column; the file is refused whole.
func TestImportServerProblemsLocated(t *testing.T) {
	e := start(t)
	recs := readCSV(t, guangan)
	codeCol := column(t, recs[0], "实施编码")
	recs[700][codeCol] = recs[2][codeCol] // Excel row 701 repeats row 3's code
	path := filepath.Join(t.TempDir(), "dup.csv")
	writeCSV(t, path, recs)

	r := e.fails(1, "clerk", "import", "--create-departments", path)
	for _, want := range []string{"dup.csv 第701行「实施编码」", "与第3行", "also given in row 3", "the whole file was refused"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r)
		}
	}
	if d, it := e.departments(), e.items(); len(d) != 0 || len(it) != 0 {
		t.Errorf("a refused file created %d departments and %d items", len(d), len(it))
	}
}

// --skip-invalid imports the good rows and writes the bad ones, as read,
// with their reasons, to FILE.rejected.csv, which imports once fixed.
func TestImportSkipInvalid(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	path := writeRows(t, dir, "list.csv", completeRows())
	recs := readCSV(t, path)
	catCol, codeCol := column(t, recs[0], "职权类型"), column(t, recs[0], "职权编码")
	recs[3][catCol] = "行政处分"            // row 4 (农用地转用审批): refused by the reader
	recs[6][codeCol] = recs[5][codeCol] // row 7 repeats row 6's code: refused by the server
	writeCSV(t, path, recs)

	r := e.ok("clerk", "import", "--create-departments", "--skip-invalid", path)
	rejects := filepath.Join(dir, "list.rejected.csv")
	if !strings.Contains(r.stdout, "4 new, 0 changed") || !strings.Contains(r.stdout, rejects) {
		t.Errorf("output:\n%s", r)
	}
	if n := len(e.items()); n != 4 {
		t.Errorf("%d items imported, want 4", n)
	}
	got := readCSV(t, rejects)
	if len(got) != 3 {
		t.Fatalf("rejects file has %d records, want header + 2:\n%v", len(got), got)
	}
	if last := got[0][len(got[0])-1]; last != sheet.RejectHeader {
		t.Errorf("last header %q, want %q", last, sheet.RejectHeader)
	}
	if !strings.Contains(got[1][len(got[1])-1], "第4行「职权类型」") || got[1][catCol] != "行政处分" {
		t.Errorf("first rejected row: %v", got[1])
	}
	if !strings.Contains(got[2][len(got[2])-1], "第7行「职权编码」") || got[2][codeCol] != recs[5][codeCol] {
		t.Errorf("second rejected row: %v", got[2])
	}

	// The department fixes the rows and imports the rejects file.
	got[1][catCol], got[2][codeCol] = "行政许可", ""
	writeCSV(t, rejects, got)
	files, resps := e.importJSON("clerk", "--create-departments", rejects)
	if !files[0].Imported || len(resps[0].GetItems()) != 2 || len(resps[0].GetCreatedMainItems()) != 0 {
		t.Errorf("import of the fixed rejects: %+v %v", files, resps)
	}
	if n := len(e.items()); n != 6 {
		t.Errorf("%d items, want 6", n)
	}
}

// --dry-run checks on the server and writes nothing.
func TestImportDryRun(t *testing.T) {
	e := start(t)
	r := e.ok("clerk", "import", "--create-departments", "--dry-run", guangan)
	if !strings.Contains(r.stdout, "check passed, nothing was written: 1135 new, 0 changed, 0 unchanged; 34 departments would be created") {
		t.Errorf("output:\n%s", r)
	}
	if d, it := e.departments(), e.items(); len(d) != 0 || len(it) != 0 {
		t.Errorf("a dry run created %d departments and %d items", len(d), len(it))
	}
	// A dry run that the server refuses fails too.
	r = e.fails(1, "clerk", "import", "--dry-run", guangan)
	if !strings.Contains(r.stderr, "items.csv 第2行「部门」") || !strings.Contains(r.stderr, "--create-departments") {
		t.Errorf("dry run without departments:\n%s", r)
	}
}

// A GB18030 CSV and an XLSX (second sheet, --sheet) import like the UTF-8
// CSV.
func TestImportGB18030AndXLSX(t *testing.T) {
	dir := t.TempDir()
	utf8Data, err := os.ReadFile(guangan)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf8Data)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gb, utf8Data) {
		t.Fatal("the GB18030 file is the UTF-8 one")
	}
	gbPath := filepath.Join(dir, "gb18030.csv")
	if err := os.WriteFile(gbPath, gb, 0o644); err != nil {
		t.Fatal(err)
	}

	recs := readCSV(t, guangan)
	x := excelize.NewFile()
	if err := x.SetSheetName("Sheet1", "说明"); err != nil {
		t.Fatal(err)
	}
	if err := x.SetCellValue("说明", "A1", "广安区政务服务事项，见第二页"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.NewSheet("广安区"); err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		row := make([]any, len(rec))
		for j, c := range rec {
			row[j] = c
		}
		if err := x.SetSheetRow("广安区", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	xlsxPath := filepath.Join(dir, "guangan.xlsx")
	if err := x.SaveAs(xlsxPath); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"gb18030", []string{gbPath}},
		{"xlsx", []string{"--sheet", "广安区", xlsxPath}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t)
			_, resps := e.importJSON("clerk", append([]string{"--create-departments"}, tc.args...)...)
			if n := len(resps[0].GetItems()); n != 1135 {
				t.Fatalf("imported %d items, want 1135", n)
			}
			names := map[string]bool{}
			for _, it := range e.items() {
				names[it.GetDisplayName()] = true
			}
			for _, rec := range recs[1:] {
				if !names[rec[2]] {
					t.Fatalf("item %q is missing or garbled", rec[2])
				}
			}
		})
	}
	// Without --sheet the first sheet is read: it has no list.
	e := start(t)
	r := e.fails(1, "clerk", "import", "--create-departments", xlsxPath)
	if !strings.Contains(r.stderr, "guangan.xlsx 第1行") {
		t.Errorf("first sheet:\n%s", r)
	}
}

// 10,000 rows of 34 departments, with sub-items, import in one call.
func TestImportTenThousandRows(t *testing.T) {
	recs := [][]string{{"实施主体", "大项", "职权名称", "职权类型", "职权编码"}}
	cats := []string{"行政许可", "公共服务", "行政处罚", "行政检查", "行政裁决", "行政强制", "行政征收", "行政给付", "行政确认", "行政奖励"}
	for i := range 10000 {
		main := ""
		if i%4 != 0 {
			main = fmt.Sprintf("事项%05d", i-i%4)
		}
		recs = append(recs, []string{fmt.Sprintf("部门%02d", i%34), main, fmt.Sprintf("事项%05d", i), cats[i%10], fmt.Sprintf("511602-%06d", i)})
	}
	// Keep each main item in its sub-items' department.
	for i := 1; i < len(recs); i++ {
		recs[i][0] = fmt.Sprintf("部门%02d", ((i-1)/4)%34)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	writeCSV(t, path, recs)

	e := start(t)
	files, resps := e.importJSON("clerk", "--create-departments", path)
	if len(files) != 1 || len(resps) != 1 {
		t.Fatalf("import: %+v", files)
	}
	resp := resps[0]
	if len(resp.GetItems()) != 10000 || resp.GetRowCount() != 10000 || len(resp.GetCreatedMainItems()) != 0 || len(resp.GetCreatedDepartments()) != 34 {
		t.Fatalf("one import: %d items, %d rows, %d main items, %d departments created",
			len(resp.GetItems()), resp.GetRowCount(), len(resp.GetCreatedMainItems()), len(resp.GetCreatedDepartments()))
	}
	all := e.items()
	subs := 0
	for _, it := range all {
		if it.GetParent() != "" {
			subs++
		}
	}
	if len(all) != 10000 || subs != 7500 {
		t.Errorf("%d items of which %d sub-items, want 10000 and 7500", len(all), subs)
	}
}

// --department imports every row into one department; a list without a
// department column needs it.
func TestImportIntoDepartment(t *testing.T) {
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	rows := completeRows()[:5]
	for i := range rows {
		rows[i].Department = ""
	}
	path := writeRows(t, t.TempDir(), "gtzyj.xlsx", rows)
	r := e.ok("clerk", "import", "--department", "gtzyj", path)
	if !strings.Contains(r.stdout, "gtzyj.xlsx: 新增 5 项、修改 0 项、不变 0 项，新建大项 0 个、部门 0 个") {
		t.Errorf("import --department: %s", r)
	}
	items := e.items()
	subs := 0
	for _, it := range items {
		if !strings.HasPrefix(it.GetName(), "departments/gtzyj/items/") {
			t.Errorf("item %s outside gtzyj", it.GetName())
		}
		if it.GetParent() != "" {
			subs++
		}
	}
	if len(items) != 5 || subs != 2 {
		t.Errorf("%d items of which %d sub-items, want 5 and 2", len(items), subs)
	}
	// Without a department, rows must name theirs.
	r = e.fails(1, "clerk", "import", path)
	if !strings.Contains(r.stderr, "gtzyj.xlsx: 没有「实施主体」列：请用 --department ID 指定部门") || strings.Contains(r.stderr, "第3行") {
		t.Errorf("import without department:\n%s", r)
	}
}
