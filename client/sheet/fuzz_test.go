package sheet

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// checkResult checks what every read promises, whatever the input.
func checkResult(t *testing.T, rows []Row, problems []Problem) {
	t.Helper()
	for _, p := range problems {
		checkProblem(t, p)
	}
	// A line gives a row or problems, never both; a problem of the whole
	// file (no cells) gives no rows at all.
	bad := map[int]bool{}
	for _, p := range problems {
		if p.Cells == nil && len(rows) > 0 {
			t.Errorf("a problem of the whole file (%s), yet %d rows", p, len(rows))
		}
		if p.Suspect && p.Cells == nil {
			t.Errorf("a warning without its row: %s", p)
		}
		if !p.Suspect { // a warning's row is read too
			bad[p.Line] = true
		}
	}
	last := 0
	for _, r := range rows {
		if bad[r.Line] {
			t.Errorf("line %d is both a row and a problem", r.Line)
		}
		if r.Line <= last || r.Line < 2 {
			t.Errorf("row line %d after %d", r.Line, last)
		}
		last = r.Line
		if r.Item == nil || r.Item.DisplayName == "" || r.Item.Category == pb.Category_CATEGORY_UNSPECIFIED {
			t.Errorf("line %d: item %v without name or category", r.Line, r.Item)
		}
		if _, err := proto.Marshal(r.Item); err != nil || !utf8.ValidString(r.Department+r.MainItem) {
			t.Errorf("line %d: invalid item or UTF-8: %v", r.Line, err)
		}
		if r.MainItem == r.Item.GetDisplayName() {
			t.Errorf("line %d: item %q is its own main item", r.Line, r.MainItem)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(strings.Join(badLines, "\n")))
	f.Add([]byte("职权名称,职权类型\n甲,行政许可\n"))
	f.Add([]byte("\ufeff实施主体,大项,职权名称,子项名称,职权类型,设定依据,法定期限,是否收费\r\n局,,甲,乙,行政处罚,\"《法》第一条\n《条例》第二条第三款\",20个工作日,是\r\n"))
	f.Add([]byte("职权名称\t职权类型\t行使层级\n甲\tCATEGORY_LEVY\t市级、县级\n"))
	f.Add([]byte("标题\n\n职权名称,职权名称\n"))
	f.Add([]byte("职权名称,职权类型\n\"未闭合,行政许可\n"))
	f.Add([]byte("职权编码,职权名称,职权类型,设定依据\nx,事项甲,行政处罚,\"《甲法》第三条\ny,事项乙,行政处罚,《乙法》\nz,事项丙,行政处罚,《丙法》\"第五条\"\n"))
	f.Add([]byte{0xD6, 0xB0, 0xC8, 0xA8, 0xC3, 0xFB, 0xB3, 0xC6, ',', 0xD6, 0xB0, 0xC8, 0xA8, 0xC0, 0xE0, 0xD0, 0xCD, '\n', 'a', ',', 'b'}) // GB18030
	f.Add([]byte{0xFF, 0xFE, 'a', 0, '\t', 0, 'b', 0})
	f.Add([]byte(""))
	// The start of the real list of Guang'an, as UTF-8 and as GB18030 (what
	// Excel in China saves).
	if data, err := os.ReadFile(guangan); err == nil {
		lines := strings.SplitAfter(string(data), "\n")
		head := strings.Join(lines[:min(len(lines), 30)], "")
		f.Add([]byte(head))
		if gb, err := simplifiedchinese.GB18030.NewEncoder().String(head); err == nil {
			f.Add([]byte(gb))
		}
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, richRows()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	// A working-copy export (事项标识, 状态, …) and a region column.
	buf.Reset()
	if err := WriteCSVColumns(&buf, workingCopyRows(), WorkingCopyKeys); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("事项标识,职权名称,职权类型,区划代码,状态\ndepartments/d1/items/7,甲,行政许可,511602000000,退回修改\n,乙,行政许可,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, problems, err := ReadCSV(bytes.NewReader(data), "f.csv", Options{})
		if err != nil {
			return
		}
		checkResult(t, rows, problems)
		// A quote left open after these rows is reported, and nothing is
		// read (unless reading stopped before it anyway).
		whole := !bytes.HasPrefix(data, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(data, []byte{0xFE, 0xFF})
		for _, p := range problems {
			whole = whole && p.Cells != nil
		}
		if whole {
			open := append(append([]byte{}, data...), "\n\"open,行政许可\n"...)
			r, ps, err := ReadCSV(bytes.NewReader(open), "open.csv", Options{})
			if err != nil || len(r) != 0 || len(ps) != 1 || !strings.Contains(ps[0].Message, "never closed") || ps[0].Cells != nil {
				t.Fatalf("a quote left open: %d rows, problems %v, err %v", len(r), ps, err)
			}
		}
		// What was read, written and read again is the same, but for the
		// label of a category given as an enum name.
		for i := range rows {
			if rows[i].Item.CategoryLabel == "" {
				rows[i].Item.CategoryLabel = CategoryLabel(rows[i].Item.Category)
			}
		}
		// Written as a working copy with a region column, so that the
		// identity (Item.Name) comes back too.
		keys := append(append([]string{}, WorkingCopyKeys...), KeyRegion)
		var out bytes.Buffer
		if err := WriteCSVColumns(&out, rows, keys); err != nil {
			t.Fatal(err)
		}
		again, problems, err := ReadCSV(&out, "again.csv", Options{})
		for _, p := range problems {
			if !p.Suspect { // cells that look like rows still do
				err = fmt.Errorf("%s", p)
			}
		}
		if err != nil {
			t.Fatalf("rewritten: problems %v, err %v", problems, err)
		}
		// Control characters come back escaped (exportText).
		rows = exported(rows)
		sameRows(t, again, rows, false)
		// XML cannot hold U+FFFE and U+FFFF: excelize writes them as U+FFFD.
		if len(rows) == 0 || len(data) > 2000 || bytes.ContainsFunc(data, func(r rune) bool { return r == 0xfffe || r == 0xffff }) {
			return
		}
		out.Reset()
		if err := WriteXLSXColumns(&out, rows, keys); err != nil {
			t.Fatal(err)
		}
		again, problems, err = ReadXLSX(&out, "again.xlsx", Options{})
		if err != nil || len(problems) != 0 {
			t.Fatalf("rewritten as XLSX: problems %v, err %v", problems, err)
		}
		sameRows(t, again, rows, false)
	})
}

// exported is rows as an export gives them back: every text through
// exportText.
func exported(rows []Row) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		r.Department, r.MainItem, r.RegionCode = exportText(r.Department), exportText(r.MainItem), exportText(r.RegionCode)
		r.Item = proto.Clone(r.Item).(*pb.Item)
		escapeStrings(r.Item.ProtoReflect())
		out[i] = r
	}
	return out
}

func escapeStrings(m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Kind() == protoreflect.StringKind:
			for j, l := 0, v.List(); j < l.Len(); j++ {
				l.Set(j, protoreflect.ValueOfString(exportText(l.Get(j).String())))
			}
		case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
			for j, l := 0, v.List(); j < l.Len(); j++ {
				escapeStrings(l.Get(j).Message())
			}
		case fd.Kind() == protoreflect.StringKind:
			m.Set(fd, protoreflect.ValueOfString(exportText(v.String())))
		case fd.Kind() == protoreflect.MessageKind:
			escapeStrings(v.Message())
		}
		return true
	})
}

func FuzzReadXLSX(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, richRows()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	buf.Reset()
	if err := WriteTemplate(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	x := excelize.NewFile()
	for i, row := range [][]string{{"职权名称", "职权类型", "法定期限"}, {"甲", "处分", "两周"}, {}, {"乙", "行政许可", "3月"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
			f.Fatal(err)
		}
	}
	if err := x.MergeCell("Sheet1", "A2", "A4"); err != nil {
		f.Fatal(err)
	}
	buf.Reset()
	if err := x.Write(&buf); err != nil {
		f.Fatal(err)
	}
	x.Close()
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()/2]) // truncated
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("职权名称,职权类型\n"))
	f.Add([]byte("职权名称,职权类型,大项\n甲,行政许可,\n\n乙,行政许可,甲\n说明：x,,\n"))
	if data, err := os.ReadFile(guangan); err == nil { // cells of the real list, through the XLSX path
		f.Add([]byte(strings.Join(strings.SplitAfter(string(data), "\n")[:10], "")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The bytes as a workbook: mostly broken zips.
		rows, problems, err := ReadXLSX(bytes.NewReader(data), "f.xlsx", Options{})
		if err == nil {
			checkResult(t, rows, problems)
		}
		// The bytes as the text of cells, one row a line, cells split at
		// commas, in a workbook made by excelize, with the first cell
		// merged down two rows: arbitrary cells through the XLSX path.
		if bytes.HasPrefix(data, []byte("PK")) || len(data) > 4096 {
			return
		}
		x := excelize.NewFile()
		defer x.Close()
		for i, line := range strings.Split(string(data), "\n") {
			cells := strings.Split(line, ",")
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow("Sheet1", cell, &cells); err != nil {
				return
			}
		}
		if err := x.MergeCell("Sheet1", "A2", "A3"); err != nil {
			return
		}
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			return
		}
		rows, problems, err = ReadXLSX(&buf, "g.xlsx", Options{})
		if err != nil {
			t.Fatalf("a workbook made by excelize: %v", err)
		}
		checkResult(t, rows, problems)
	})
}
