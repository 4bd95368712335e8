package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Shared-string and cell bombs: excelize decodes a cell or a shared string
// whole, and indexes the whole shared string table, before any row limit
// is checked. A 0.5 MB file whose one shared string unzips to 480 MB took
// powerctl past 2.5 GB, one of 20 million rich-text runs past 6 GB, 20
// million one-letter strings 67 s and 2.2 GB. Each is now refused before
// excelize opens the file, naming the part (and the cell), at a cost
// bounded whatever the file declares.
func TestReadXLSXElementBombs(t *testing.T) {
	const sst = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	sheet := func(cell string) func(w io.Writer) {
		return func(w io.Writer) {
			io.WriteString(w, sheetHead+`<row r="1">`+inline("A1", "职权名称")+inline("B1", "职权类型")+`</row>`)
			io.WriteString(w, `<row r="2">`+cell+inline("B2", "行政许可")+`</row></sheetData></worksheet>`)
		}
	}
	repeat := func(head, unit, tail string, n int) string {
		var b strings.Builder
		b.WriteString(head)
		for range n {
			b.WriteString(unit)
		}
		b.WriteString(tail)
		return b.String()
	}
	long := strings.Repeat("a", MaxElementBytes+1)
	for _, tc := range []struct {
		name  string
		sheet func(w io.Writer)
		sst   string
		says  []string
	}{
		{"one long shared string", sheet(`<c r="A2" t="s"><v>0</v></c>`), sst + `<si><t>` + long + `</t></si></sst>`,
			[]string{"xl/sharedStrings.xml", "shared string 1 ", "more than 8.0 MB of XML"}},
		{"a shared string of many runs", sheet(`<c r="A2" t="s"><v>0</v></c>`), repeat(sst+`<si>`, `<r><t>a</t></r>`, `</si></sst>`, MaxElementBytes/15),
			[]string{"xl/sharedStrings.xml", "shared string 1 ", "第 1 个共享字符串"}},
		{"too many shared strings", sheet(`<c r="A2" t="s"><v>0</v></c>`), repeat(sst, `<x:si><x:t>a</x:t></x:si>`, `</sst>`, MaxSharedStrings+1),
			[]string{"xl/sharedStrings.xml", fmt.Sprintf("more than %d different strings", MaxSharedStrings)}},
		{"one long inline cell", sheet(`<c r="a2" t="inlineStr"><is><t>` + long + `</t></is></c>`), "",
			[]string{"cell A2 in part xl/worksheets/sheet1.xml", "单元格 A2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			extra := map[string]string{}
			if tc.sst != "" {
				extra["xl/sharedStrings.xml"] = tc.sst
			}
			data := xlsxWith(t, tc.sheet, extra)
			var rows []Row
			var problems []Problem
			var err error
			if a := allocated(func() { rows, problems, err = ReadXLSX(bytes.NewReader(data), "b.xlsx", Options{}) }); a > 64<<20 {
				t.Errorf("allocated %d MB to refuse a %d KB file", a>>20, len(data)>>10)
			}
			fileError(t, rows, problems, err, tc.says...)
		})
	}
	// Just under the limits, a file reads: the limits are not off by one.
	rows, problems, err := ReadXLSX(bytes.NewReader(xlsxWith(t, sheet(`<c r="A2" t="s"><v>1</v></c>`),
		map[string]string{"xl/sharedStrings.xml": sst + `<si><t>` + strings.Repeat("a", MaxElementBytes-len("<si><t></t></si>")) + `</t></si><si><t>甲</t></si></sst>`})),
		"ok.xlsx", Options{})
	if err != nil || len(problems) != 0 || len(rows) != 1 || rows[0].Item.GetDisplayName() != "甲" {
		t.Fatalf("a shared string of exactly %d bytes of XML: rows %v, problems %v, err %v", MaxElementBytes, rows, problems, err)
	}
}

// Formula cells: their results are read (what Excel shows, never the
// formula), but a formula whose result the file does not hold (written by
// a program that does not calculate) was read as empty — a remark lost
// without a word, a name reported "empty" — and an error value was
// imported as the text "#REF!". Both are now the row's problem at the cell.
func TestReadXLSXFormulaCells(t *testing.T) {
	data := xlsxWith(t, func(w io.Writer) {
		io.WriteString(w, sheetHead+`<row r="1">`+inline("A1", "职权名称")+inline("B1", "职权类型")+inline("C1", "备注")+inline("D1", "设定依据")+`</row>`)
		io.WriteString(w, `<row r="2"><c r="A2" t="str"><f>"甲"&amp;"乙"</f><v>甲乙</v></c>`+inline("B2", "行政许可")+
			`<c r="C2"><f>1+1</f><v>2</v></c><c r="D2" t="str"><f>HYPERLINK("http://x/","《甲法》")</f><v>《甲法》</v></c></row>`)
		io.WriteString(w, `<row r="3"><c r="A3" t="str"><f>"丙"</f></c>`+inline("B3", "行政许可")+`<c r="C3"><f>cmd|'/c calc'!A1</f></c></row>`)
		io.WriteString(w, `<row r="4">`+inline("A4", "丁")+inline("B4", "行政许可")+`<c r="C4" t="e"><v>#REF!</v></c></row>`)
		io.WriteString(w, `<row r="5">`+inline("A5", "戊")+inline("B5", "行政许可")+`<c r="C5" s="1"/></row>`)
		io.WriteString(w, `</sheetData></worksheet>`)
	}, nil)
	rows, problems, err := ReadXLSX(bytes.NewReader(data), "f.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, rows, problems)
	var got []string
	for _, r := range rows {
		var basis string
		if b := r.Item.GetLegalBases(); len(b) > 0 {
			basis = b[0].GetText()
		}
		got = append(got, fmt.Sprintf("%d %s %q %q", r.Line, r.Item.GetDisplayName(), r.Item.GetRemark(), basis))
	}
	if len(rows) != 2 || got[0] != `2 甲乙 "2" "《甲法》"` || rows[1].Line != 5 {
		t.Errorf("rows %q, want rows 2 (the formulas' results) and 5", got)
	}
	want := []string{
		"f.xlsx 第3行「备注」: 单元格 C3 是公式，但文件里没有它的计算结果",
		"f.xlsx 第3行「职权名称」: 单元格 A3 是公式",
		"f.xlsx 第4行「备注」: 单元格 C4 显示错误值 #REF!",
	}
	if len(problems) != len(want) {
		t.Fatalf("problems %v, want %d", problems, len(want))
	}
	for i, p := range problems {
		if !strings.HasPrefix(p.String(), want[i]) || p.Cells == nil || !strings.Contains(p.Message, " / cell ") {
			t.Errorf("problem %d: %s, want %s… (a row's problem, bilingual)", i, p, want[i])
		}
	}
}

// A row of 30 million cells without references (0.9 MB zipped) took
// powerctl 64 s and 1.5 GB before the 200-column limit could refuse it:
// excelize keeps one string per column. A row of more cells than Excel's
// 16,384 columns is refused first; 16,384 formatted cells still read.
func TestReadXLSXTooManyCells(t *testing.T) {
	row := func(n int, cell string) func(w io.Writer) {
		return func(w io.Writer) {
			io.WriteString(w, sheetHead+`<row r="1">`+inline("A1", "职权名称")+inline("B1", "职权类型")+`</row><row r="2">`+inline("A2", "甲")+inline("B2", "行政许可"))
			for range n - 2 {
				io.WriteString(w, cell)
			}
			io.WriteString(w, `</row></sheetData></worksheet>`)
		}
	}
	data := xlsxWith(t, row(3_000_000, `<c><v>1</v></c>`), nil)
	var rows []Row
	var problems []Problem
	var err error
	if a := allocated(func() { rows, problems, err = ReadXLSX(bytes.NewReader(data), "w.xlsx", Options{}) }); a > 64<<20 {
		t.Errorf("allocated %d MB to refuse a %d KB file", a>>20, len(data)>>10)
	}
	fileError(t, rows, problems, err, "row 2 of part xl/worksheets/sheet1.xml", "more than 16384 cells")

	rows, problems, err = ReadXLSX(bytes.NewReader(xlsxWith(t, row(maxCSVFields, `<c s="1"/>`), nil)), "w.xlsx", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 1 {
		t.Errorf("16384 cells: rows %v, err %v", rows, err)
	}
}

// A zip of something else (a Word document renamed, an archive of other
// files) was refused with excelize's "EOF" or "expected element type
// <workbook> but have <document>": it is now said what the file is.
func TestReadXLSXNotAWorkbook(t *testing.T) {
	for name, parts := range map[string]map[string]string{
		"docx.xlsx": {"[Content_Types].xml": `<Types/>`, "word/document.xml": `<document/>`},
		"zip.xlsx":  {"a.txt": "hi"},
	} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for p, s := range parts {
			w, _ := zw.Create(p)
			io.WriteString(w, s)
		}
		zw.Close()
		rows, problems, err := ReadXLSX(bytes.NewReader(buf.Bytes()), name, Options{})
		fileError(t, rows, problems, err, name+": 这个文件是 zip 压缩包，但不是 Excel 工作簿", "not an Excel workbook", "save it as .xlsx")
	}
}

// An image part holds "<c " by chance and no "</c>" for megabytes: it is
// not XML and is not scanned (the workbook reads).
func TestReadXLSXBinaryPart(t *testing.T) {
	img := "\x89PNG\r\n\x1a\n<c r=\"A1\">" + strings.Repeat("\x00\xff", MaxElementBytes)
	data := xlsxWith(t, func(w io.Writer) {
		io.WriteString(w, sheetHead+`<row r="1">`+inline("A1", "职权名称")+inline("B1", "职权类型")+`</row><row r="2">`+inline("A2", "甲")+inline("B2", "行政许可")+`</row></sheetData></worksheet>`)
	}, map[string]string{"xl/media/image1.png": img})
	rows, problems, err := ReadXLSX(bytes.NewReader(data), "img.xlsx", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows %v, err %v", rows, err)
	}
}
