package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// formula is the classic CSV injection: it runs calc.exe when the file is
// opened in Excel with DDE allowed.
const formula = "=cmd|'/c calc'!A1"

func formulaRows() []Row {
	return []Row{
		{Department: "市国土资源局", Item: &pb.Item{DisplayName: formula, Category: pb.Category_CATEGORY_PENALTY, CategoryLabel: "行政处罚",
			HandlingUnit: "-", EntrustingBody: "@SUM(1+1)*cmd|' /C calc'!A0", Remark: "+1",
			Fee: &pb.Fee{Basis: "'=已带引号", Standard: "''-两个引号"}}},
		{Department: "市国土资源局", Item: &pb.Item{DisplayName: "对非法占用土地的处罚", Category: pb.Category_CATEGORY_PENALTY, CategoryLabel: "行政处罚",
			Remark: "'普通的引号", HandlingUnit: "甲=乙"}},
	}
}

// TestExportNeutralisesFormulas: CSV cells that start with = + - @ get a
// leading '; XLSX cells keep their text, with Excel's quote prefix and no
// formula; both read back to the rows written.
func TestExportNeutralisesFormulas(t *testing.T) {
	rows := formulaRows()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), utf8BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for _, c := range rec {
			if c != "" && strings.ContainsAny(c[:1], triggers) {
				t.Errorf("CSV cell %q starts with a formula trigger", c)
			}
		}
	}
	cells := strings.Join(recs[1], "|")
	for _, want := range []string{"'" + formula, "'-", "'@SUM(1+1)", "'+1", "''=已带引号", "'''-两个引号"} {
		if !strings.Contains(cells, want) {
			t.Errorf("CSV row %q lacks %q", recs[1], want)
		}
	}
	if cells := strings.Join(recs[2], "|"); !strings.Contains(cells, "|'普通的引号") || !strings.Contains(cells, "|甲=乙|") {
		t.Errorf("CSV row %q: text without a trigger changed", recs[2])
	}
	got, problems, err := ReadCSV(&buf, "out.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	sameRows(t, got, rows, false)

	buf.Reset()
	if err := WriteXLSX(&buf, rows); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	quoted := quotePrefixed(t, data)
	xrows, err := f.GetRows(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range xrows[2:] {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+3)
			if formula, _ := f.GetCellFormula(SheetName, cell); formula != "" {
				t.Errorf("%s has the formula %q", cell, formula)
			}
			style, _ := f.GetCellStyle(SheetName, cell)
			if v != "" && needsQuote(v) != quoted[style] {
				t.Errorf("%s %q: quote prefix %v", cell, v, quoted[style])
			}
		}
	}
	if v, _ := f.GetCellValue(SheetName, "D3"); v != formula {
		t.Errorf("the name cell holds %q, want %q without a visible quote", v, formula)
	}
	got, problems, err = ReadXLSX(bytes.NewReader(data), "out.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	sameRows(t, got, rows, false)
}

// quotePrefixed returns, by cell style index, whether the style has
// Excel's quote prefix, as the file's styles part says.
func quotePrefixed(t *testing.T, data []byte) map[int]bool {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("xl/styles.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	xml, _ := io.ReadAll(rc)
	xfs := regexp.MustCompile(`(?s)<cellXfs[^>]*>(.*?)</cellXfs>`).FindSubmatch(xml)
	if xfs == nil {
		t.Fatalf("no cellXfs in %s", xml)
	}
	out := map[int]bool{}
	any := false
	for i, xf := range regexp.MustCompile(`<xf [^>]*>`).FindAll(xfs[1], -1) {
		out[i] = bytes.Contains(xf, []byte(`quotePrefix="1"`)) || bytes.Contains(xf, []byte(`quotePrefix="true"`))
		any = any || out[i]
	}
	if !any {
		t.Fatalf("no cell style with the quote prefix: %s", xfs[1])
	}
	return out
}

// TestExportEscapesControls: text stored before the server refused
// control characters is exported with them shown as [U+001B], in XLSX as
// in CSV, rather than raw or as U+FFFD.
func TestExportEscapesControls(t *testing.T) {
	rows := []Row{{Item: &pb.Item{DisplayName: "旧\x1b[31m名称\u202e", Category: pb.Category_CATEGORY_PENALTY,
		CategoryLabel: "行政处罚", Remark: "一\r\n二\x00\t三"}}}
	want := []Row{{Item: &pb.Item{DisplayName: "旧[U+001B][31m名称[U+202E]", Category: pb.Category_CATEGORY_PENALTY,
		CategoryLabel: "行政处罚", Remark: "一\n二[U+0000]\t三"}}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(buf.String(), "\x1b\x00\u202e") {
		t.Errorf("CSV holds raw controls: %q", buf.String())
	}
	got, problems, err := ReadCSV(&buf, "out.csv", Options{})
	noProblems(t, problems)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, got, want, false)
	buf.Reset()
	if err := WriteXLSX(&buf, rows); err != nil {
		t.Fatal(err)
	}
	got, problems, err = ReadXLSX(&buf, "out.xlsx", Options{})
	noProblems(t, problems)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, got, want, false)
}

// TestRejectsNeutralised: a rejects file neutralises the cells as read,
// and importing it gives the cells the first import read.
func TestRejectsNeutralised(t *testing.T) {
	header := []string{"职权名称", "职权类型"}
	lines := [][]string{{"'" + formula, "行政处罚"}, {"+1", "行政处罚"}}
	var buf bytes.Buffer
	if err := WriteRejects(&buf, header, lines, []string{"第2行 / row 2", "第3行 / row 3"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\r\n'"+formula+",") || !strings.Contains(buf.String(), "\r\n'+1,") {
		t.Errorf("rejects: %q", buf.String())
	}
	got, problems, err := ReadCSV(&buf, "rejects.csv", Options{})
	noProblems(t, problems)
	if err != nil || len(got) != 2 || got[0].Item.DisplayName != formula || got[1].Item.DisplayName != "+1" {
		t.Fatalf("read back %v, %v", got, err)
	}
}

// TestJoinLinesQuoted: a name wrapped by hand that starts with quotes and
// a trigger loses one quote, once.
func TestJoinLinesQuoted(t *testing.T) {
	rows, problems, err := ReadCSV(strings.NewReader("职权名称,职权类型\n\"''=甲\n乙\",行政处罚\n"), "q.csv", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 1 || rows[0].Item.DisplayName != "'=甲 乙" || len(rows[0].Warnings) != 1 {
		t.Fatalf("rows %v, %v", rows, err)
	}
}

// FuzzNeutralize: neutralising and reading back gives the text again, a
// neutralised cell never starts with a trigger, and text that needs no
// quote is left alone.
func FuzzNeutralize(f *testing.F) {
	for _, s := range []string{formula, "-", "-5", "+86", "@a", "\tx", "\r", "'=x", "''+", "'", "'a", "", "行政处罚", "a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := neutralize(s)
		if got := unneutralize(n); got != s {
			t.Fatalf("unneutralize(neutralize(%q)) = %q", s, got)
		}
		if n != "" && strings.ContainsAny(n[:1], triggers) {
			t.Fatalf("neutralize(%q) = %q starts with a trigger", s, n)
		}
		if rest := strings.TrimLeft(s, "'"); (rest == "" || !strings.ContainsAny(rest[:1], triggers)) && n != s {
			t.Fatalf("neutralize(%q) = %q, but it needs no quote", s, n)
		}
		// Through a CSV file and back (an empty record is no line at all).
		if s == "" {
			return
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write([]string{csvCell(s)}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		rec, err := csv.NewReader(&buf).Read()
		if err != nil || len(rec) != 1 {
			t.Fatalf("%q: %v %v", s, rec, err)
		}
		if got := unneutralize(rec[0]); got != exportText(s) {
			t.Fatalf("%q through CSV: %q, want %q", s, got, exportText(s))
		}
	})
}
