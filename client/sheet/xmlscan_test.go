package sheet

import (
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
