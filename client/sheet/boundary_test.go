package sheet

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// TestLimitsExactly: each limit of a file is reached without a problem
// and passed by one with the problem (rows, columns in use, a row's bytes),
// in CSV and XLSX alike.
func TestLimitsExactly(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100,001 rows")
	}
	rowsOf := func(n int) io.Reader {
		var b strings.Builder
		b.WriteString("职权名称,职权类型\n")
		for i := range n {
			fmt.Fprintf(&b, "事项%d,行政许可\n", i)
		}
		return strings.NewReader(b.String())
	}
	rows, problems, err := ReadCSV(rowsOf(MaxRows), "r.csv", Options{})
	if err != nil || len(problems) != 0 || len(rows) != MaxRows {
		t.Errorf("%d rows: read %d, problems %v, err %v", MaxRows, len(rows), problems, err)
	}
	rows, problems, err = ReadCSV(rowsOf(MaxRows+1), "r.csv", Options{})
	fileProblem(t, rows, problems, err, MaxRows+2, "", "超过 100000 个事项行的上限")

	// Columns in use: MaxColumns, then one more (a value in column GS).
	cols := func(n int) []string {
		c := []string{"甲", "行政许可"}
		for len(c) < n {
			c = append(c, "")
		}
		c[n-1] = "x"
		return c
	}
	for _, n := range []int{MaxColumns, MaxColumns + 1} {
		line := strings.Join(cols(n), ",")
		rows, problems, err := ReadCSV(csvOf("职权名称,职权类型", line), "c.csv", Options{})
		xrows, xproblems, xerr := ReadXLSX(bytes.NewReader(xlsxWith(t, func(w io.Writer) {
			io.WriteString(w, sheetHead+`<row r="1">`+inline("A1", "职权名称")+inline("B1", "职权类型")+`</row><row r="2">`)
			for i, c := range cols(n) {
				if c != "" {
					io.WriteString(w, inline(columnName(i+1)+"2", c))
				}
			}
			io.WriteString(w, `</row></sheetData></worksheet>`)
		}, nil)), "c.xlsx", Options{})
		if n == MaxColumns {
			if err != nil || xerr != nil || len(problems)+len(xproblems) != 0 || len(rows) != 1 || len(xrows) != 1 {
				t.Errorf("%d columns: CSV %d rows %v %v, XLSX %d rows %v %v", n, len(rows), problems, err, len(xrows), xproblems, xerr)
			}
			continue
		}
		fileProblem(t, rows, problems, err, 2, "", "201 列", "over the limit of 200 columns")
		fileProblem(t, xrows, xproblems, xerr, 2, "", "201 列", "over the limit of 200 columns")
	}

	// A row's bytes: exactly MaxRowBytes (name, category and a remark that
	// fills the rest), then one byte more. The remark's own field limit is
	// the server's, reported as the row's problem, not the file's.
	fill := func(extra int) string {
		rest := MaxRowBytes - len("甲") - len("行政许可") + extra
		return "甲,行政许可," + strings.Repeat("a", rest)
	}
	_, problems, err = ReadCSV(csvOf("职权名称,职权类型,备注", fill(0)), "b.csv", Options{})
	if err != nil || len(problems) != 1 || problems[0].Cells == nil || !strings.Contains(problems[0].Message, "at most 10000") {
		t.Errorf("a row of exactly %d bytes: problems %v, err %v; want the remark's field limit only", MaxRowBytes, problems, err)
	}
	rows, problems, err = ReadCSV(csvOf("职权名称,职权类型,备注", fill(1)), "b.csv", Options{})
	fileProblem(t, rows, problems, err, 2, "备注", "超过每行 1.0 MB 的上限")
}

// A row of a few cells and then 250 MB of separators took powerctl past
// 23 GB (the scanner kept 32 bytes per empty field, and the trailing empty
// cells are only dropped once the row is whole). A row is refused at its
// 16,385th cell; up to 16,384, trailing empty cells cost nothing.
func TestReadCSVSeparatorFlood(t *testing.T) {
	for _, sep := range []string{",", "\t"} {
		gen := &csvGen{header: "职权名称" + sep + "职权类型\n甲" + sep + "行政许可", rows: 256,
			row: func(int) string { return strings.Repeat(sep, 1<<20) }}
		var rows []Row
		var problems []Problem
		var err error
		if a := allocated(func() { rows, problems, err = ReadCSV(gen, "s.csv", Options{}) }); a > 64<<20 {
			t.Errorf("sep %q: allocated %d MB", sep, a>>20)
		}
		fileProblem(t, rows, problems, err, 2, "", "超过 16384 个单元格", "more than 16384 cells")
		if gen.n > 4<<20 {
			t.Errorf("sep %q: read %d MB of the file", sep, gen.n>>20)
		}
	}
	// Exactly 16,384 cells, the last ones empty: one row, two columns.
	rows, problems, err := ReadCSV(csvOf("职权名称,职权类型", "甲,行政许可"+strings.Repeat(",", maxCSVFields-2)), "s.csv", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 1 || len(rows[0].Cells) != 2 {
		t.Errorf("16384 cells: rows %v, err %v", rows, err)
	}
}

// A CSV saved by Excel in a locale whose list separator is ";" (with a
// BOM, as "CSV UTF-8" writes it) was read as one column and reported as
// having no 职权名称 and no 职权类型 column. The separator is guessed from
// the header line among comma, tab and semicolon.
func TestReadCSVSemicolons(t *testing.T) {
	data := "\ufeff职权名称;职权类型;设定依据\r\n甲;行政许可;\"《甲法》第三条；《乙法》第五条\"\r\n乙,丙;行政处罚;《丙法》\r\n"
	rows, problems, err := ReadCSV(strings.NewReader(data), "s.csv", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 2 || rows[0].Item.GetDisplayName() != "甲" || len(rows[0].Item.GetLegalBases()) != 2 ||
		rows[1].Item.GetDisplayName() != "乙,丙" || rows[1].Item.GetCategory().String() != "CATEGORY_PENALTY" {
		t.Fatalf("rows %v, err %v", rows, err)
	}
	// A comma file whose header holds no semicolon is read as before.
	rows, problems, err = ReadCSV(strings.NewReader("职权名称,职权类型,备注\n甲;乙,行政许可,a;b;c;d\n"), "c.csv", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 1 || rows[0].Item.GetDisplayName() != "甲;乙" || rows[0].Item.GetRemark() != "a;b;c;d" {
		t.Fatalf("rows %v, err %v", rows, err)
	}
}

// UTF-16 without its byte-order mark was decoded as GB18030 and refused
// at row 1 as "the rows before it are GB18030 but this row is not"; it is
// read like UTF-16 with its mark, in either byte order. A first row in no
// known encoding is said to be so, not compared with rows before it.
func TestReadCSVUTF16WithoutBOM(t *testing.T) {
	text := "职权名称,职权类型\r\n甲,行政许可\r\n乙,行政处罚\r\n"
	for _, order := range []unicode.Endianness{unicode.LittleEndian, unicode.BigEndian} {
		data, err := unicode.UTF16(order, unicode.IgnoreBOM).NewEncoder().String(text)
		if err != nil {
			t.Fatal(err)
		}
		rows, problems, err := ReadCSV(strings.NewReader(data), "u.csv", Options{})
		noProblems(t, problems)
		if err != nil || len(rows) != 2 || rows[1].Item.GetDisplayName() != "乙" || rows[1].Line != 3 {
			t.Errorf("order %v: rows %v, err %v", order, rows, err)
		}
	}
	// A stray NUL in a UTF-8 file does not make it UTF-16.
	rows, problems, err := ReadCSV(strings.NewReader("职权名称,职权类型,备注\n甲,行政许可,a\x00b\n"), "n.csv", Options{})
	if err != nil || len(rows)+len(problems) == 0 || len(rows) == 1 && rows[0].Item.GetDisplayName() != "甲" {
		t.Errorf("a NUL in UTF-8: rows %v, problems %v, err %v", rows, problems, err)
	}
	for _, p := range problems {
		if strings.Contains(p.Message, "职权名称") && strings.Contains(p.Message, "缺少") {
			t.Errorf("a NUL in UTF-8 taken for UTF-16: %s", p)
		}
	}
	rows, problems, err = ReadCSV(strings.NewReader("name,category\n\xff\xfe\xfd,行政许可\n"), "x.csv", Options{})
	fileProblem(t, rows, problems, err, 2, "", "这一行既不是 UTF-8 也不是 GB18030/GBK 编码", "this row is in neither UTF-8 nor GB18030/GBK")
}
