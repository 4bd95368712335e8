package sheet

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// guanganRecords reads the real file with encoding/csv, independently of the
// package.
func guanganRecords(t *testing.T, data []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestGuangan(t *testing.T) {
	data := readGuangan(t)
	recs := guanganRecords(t, data)
	rows, problems, err := Read(guangan, Options{Categories: guanganCategories()})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	if len(rows) != 1135 {
		t.Fatalf("got %d rows, want 1135", len(rows))
	}
	depts := map[string]bool{}
	byLabel := map[string]int{}
	byCategory := map[pb.Category]int{}
	withMain, mainCells, selfMain := 0, 0, 0
	for i, r := range rows {
		rec := recs[i+1] // 部门,大项,事项名称,事项类型,事项类型代码,实施编码,部门编码,区划代码
		if r.File != "items.csv" || r.Line != i+2 {
			t.Fatalf("row %d is %s line %d, want items.csv line %d", i, r.File, r.Line, i+2)
		}
		depts[r.Department] = true
		byLabel[r.Item.CategoryLabel]++
		byCategory[r.Item.Category]++
		if r.Department != rec[0] || r.Item.DisplayName != rec[2] || r.Item.CategoryLabel != rec[3] {
			t.Errorf("line %d: %q %q %q, want %q", r.Line, r.Department, r.Item.DisplayName, r.Item.CategoryLabel, rec[:4])
		}
		if r.Item.Code != rec[5] {
			t.Errorf("line %d: code %q, want the file's 实施编码 %q", r.Line, r.Item.Code, rec[5])
		}
		if rec[1] != "" {
			mainCells++
		}
		// A row whose 大项 is its own name is the main item itself.
		want := rec[1]
		if want == rec[2] {
			want = ""
			selfMain++
		}
		if r.MainItem != want {
			t.Errorf("line %d: main item %q, want %q", r.Line, r.MainItem, want)
		}
		if r.MainItem != "" {
			withMain++
		}
		if r.Item.Parent != "" || r.Item.Name != "" || len(r.Item.LegalBases) != 0 || r.Item.Fee != nil {
			t.Errorf("line %d: unexpected fields in %v", r.Line, r.Item)
		}
	}
	if len(depts) != 34 {
		t.Errorf("%d departments, want 34", len(depts))
	}
	if mainCells != 520 || selfMain != 21 || withMain != 499 {
		t.Errorf("大项 filled in %d rows (want 520), %d of them the main item itself (want 21), %d rows with a MainItem (want 499)", mainCells, selfMain, withMain)
	}
	for label, n := range map[string]int{"行政许可": 536, "公共服务": 348, "其他行政权力": 182, "行政奖励": 2, "行政确认": 50, "行政给付": 9, "行政裁决": 8} {
		if byLabel[label] != n {
			t.Errorf("label %s: %d rows, want %d", label, byLabel[label], n)
		}
	}
	for c, n := range map[pb.Category]int{
		pb.Category_CATEGORY_LICENSING: 536, pb.Category_CATEGORY_MANAGEMENT_SERVICE: 348, pb.Category_CATEGORY_OTHER: 184,
		pb.Category_CATEGORY_CONFIRMATION: 50, pb.Category_CATEGORY_BENEFIT: 9, pb.Category_CATEGORY_ADJUDICATION: 8,
	} {
		if byCategory[c] != n {
			t.Errorf("%v: %d rows, want %d", c, byCategory[c], n)
		}
	}
	if len(byCategory) != 6 {
		t.Errorf("categories %v, want six", byCategory)
	}
}

// Without the aliases, the national labels are problems naming the value
// and listing the ten labels, and the other rows are still read.
func TestGuanganWithoutAliases(t *testing.T) {
	readGuangan(t)
	rows, problems, err := Read(guangan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 536+50+9+8 || len(problems) != 348+182+2 {
		t.Fatalf("%d rows and %d problems, want %d and %d", len(rows), len(problems), 536+50+9+8, 348+182+2)
	}
	for _, p := range problems {
		checkProblem(t, p)
		if p.Column != "事项类型" || !strings.Contains(p.Message, "其他权力") {
			t.Fatalf("problem %s", p)
		}
	}
	if p := problems[0]; p.Line != 2 || !strings.Contains(p.Message, "“其他行政权力”") {
		t.Errorf("first problem %s", p)
	}
}

func TestGuanganEncodings(t *testing.T) {
	data := readGuangan(t)
	opts := Options{Categories: guanganCategories()}
	want, problems, err := ReadCSV(bytes.NewReader(data), "items.csv", opts)
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)

	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gb, data) {
		t.Fatal("GB18030 bytes equal the UTF-8 bytes")
	}
	for name, in := range map[string][]byte{
		"GB18030":        gb,
		"UTF-8 with BOM": append(append([]byte{}, utf8BOM...), data...),
		"LF":             bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")),
		"CR":             bytes.ReplaceAll(data, []byte("\r\n"), []byte("\r")),
		"tab-separated":  tsv(t, guanganRecords(t, data)),
	} {
		t.Run(name, func(t *testing.T) {
			got, problems, err := ReadCSV(bytes.NewReader(in), "items.csv", opts)
			if err != nil {
				t.Fatal(err)
			}
			noProblems(t, problems)
			sameRows(t, got, want, true)
		})
	}
}

func tsv(t *testing.T, recs [][]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = '\t'
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// An XLSX file made by excelize (not by this package) with the real rows on
// its second sheet reads like the CSV file.
func TestGuanganXLSX(t *testing.T) {
	data := readGuangan(t)
	recs := guanganRecords(t, data)
	opts := Options{Categories: guanganCategories()}
	want, _, err := ReadCSV(bytes.NewReader(data), "items.csv", opts)
	if err != nil {
		t.Fatal(err)
	}

	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "封面"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStr("封面", "A1", "广安区行政权力清单"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("清单"); err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("清单", cell, &rec); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()

	got, problems, err := ReadXLSX(bytes.NewReader(buf.Bytes()), "items.xlsx", Options{Sheet: "清单", Categories: opts.Categories})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	sameRows(t, got, want, true)

	// The first sheet is the default: here a cover without a header.
	rows, problems, err := ReadXLSX(bytes.NewReader(buf.Bytes()), "items.xlsx", opts)
	if err != nil || len(rows) != 0 || len(problems) != 2 {
		t.Fatalf("first sheet: %d rows, problems %v, err %v; want the two missing columns", len(rows), problems, err)
	}
	for _, p := range problems {
		checkProblem(t, p)
		if p.Line != 1 || p.Column != "" || p.Cells != nil {
			t.Errorf("problem %s: want line 1, no column, no cells", p)
		}
	}

	// An unknown sheet is an error naming the sheets there are.
	_, _, err = ReadXLSX(bytes.NewReader(buf.Bytes()), "items.xlsx", Options{Sheet: "清单2"})
	if err == nil || !strings.Contains(err.Error(), "封面、清单") || !strings.Contains(err.Error(), "封面, 清单") {
		t.Errorf("unknown sheet: err %v", err)
	}

	// What WriteXLSX writes reads back to the same rows (one line further
	// down: the notes row), and so does what WriteCSV writes; with the
	// region column, the rows' region codes too.
	keys := append(append([]string{}, TemplateKeys...), KeyRegion)
	buf.Reset()
	if err := WriteXLSXColumns(&buf, want, keys); err != nil {
		t.Fatal(err)
	}
	got, problems, err = ReadXLSX(bytes.NewReader(buf.Bytes()), "export.xlsx", opts)
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	sameRows(t, got, want, false)
	if got[0].Line != 3 || got[len(got)-1].Line != 1136+1 {
		t.Errorf("lines %d…%d, want 3…1137", got[0].Line, got[len(got)-1].Line)
	}
	buf.Reset()
	if err := WriteCSVColumns(&buf, want, keys); err != nil {
		t.Fatal(err)
	}
	got, problems, err = ReadCSV(bytes.NewReader(buf.Bytes()), "export.csv", opts)
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	sameRows(t, got, want, true)
}
