package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// fileProblem checks that a read gave exactly one problem of the whole
// file, at line and column, saying each of says, and no rows.
func fileProblem(t *testing.T, rows []Row, problems []Problem, err error, line int, column string, says ...string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 0 {
		t.Errorf("%d rows, want none", len(rows))
	}
	if len(problems) != 1 {
		t.Fatalf("problems %v, want one", problems)
	}
	p := problems[0]
	checkProblem(t, p)
	if p.Line != line || p.Column != column || p.Cells != nil || p.Suspect {
		t.Errorf("problem %s: line %d, column %q, cells %q, warning %v; want line %d, column %q, a problem of the whole file",
			p, p.Line, p.Column, p.Cells, p.Suspect, line, column)
	}
	for _, s := range says {
		if !strings.Contains(p.Message, s) {
			t.Errorf("problem %q does not say %q", p.Message, s)
		}
	}
}

// fileError checks that a read failed with an error saying each of says.
func fileError(t *testing.T, rows []Row, problems []Problem, err error, says ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; %d rows, problems %v", len(rows), problems)
	}
	if !strings.Contains(err.Error(), " / ") {
		t.Errorf("error %q is not bilingual", err)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
}

// A quote opened and never closed swallowed every later row into one cell,
// and the file imported as one item.
func TestReadCSVOpenQuote(t *testing.T) {
	rows, problems, err := ReadCSV(csvOf(
		"职权编码,职权名称,职权类型,设定依据",
		`x,事项甲,行政处罚,"《甲法》第三条`,
		"y,事项乙,行政处罚,《乙法》第四条",
		"z,事项丙,行政处罚,《丙法》第五条",
		"w,事项丁,行政处罚,《丁法》第六条",
	), "q.csv", Options{})
	fileProblem(t, rows, problems, err, 2, "设定依据", "没有对应的引号", "其后的 3 行", "never closed", "nothing was imported")

	// The same in a tab-separated file, in the header.
	rows, problems, err = ReadCSV(csvOf("职权名称\t\"职权类型", "甲\t行政许可"), "q.tsv", Options{})
	fileProblem(t, rows, problems, err, 1, "B", "never closed")

	// A quote open past MaxRowBytes is the same problem, found without
	// reading the rest of the file.
	gen := &csvGen{header: "职权名称,职权类型,设定依据\n", row: func(i int) string { return fmt.Sprintf("甲%d,行政许可,《甲法》\n", i) }, rows: 1 << 30}
	gen.header += `乙,行政许可,"《乙法》` + "\n"
	rows, problems, err = ReadCSV(gen, "q.csv", Options{})
	fileProblem(t, rows, problems, err, 2, "设定依据", "仍没有对应的引号", "never closed")
	if gen.n > 2*MaxRowBytes {
		t.Errorf("read %d bytes of the file, want about %d", gen.n, MaxRowBytes)
	}
}

// A stray quote that a later stray quote closes takes the rows between into
// one cell: the row is read, with a warning.
func TestReadCSVSwallowedRows(t *testing.T) {
	rows, problems, err := ReadCSV(csvOf(
		"职权编码,职权名称,职权类型,设定依据",
		`x,事项甲,行政处罚,"《甲法》第三条`,
		"y,事项乙,行政处罚,《乙法》第四条",
		`z,事项丙,行政处罚,《丙法》"第五条"`,
		"w,事项丁,行政处罚,《丁法》第六条",
		"v,事项戊,行政处罚,\"《戊法》第七条\n《己法》第八条，第九条\"",
	), "w.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 {
		t.Fatalf("problems %v, want one warning", problems)
	}
	p := problems[0]
	checkProblem(t, p)
	if !p.Suspect || p.Line != 2 || p.Column != "设定依据" || p.Cells == nil || !strings.Contains(p.Message, "2 lines inside this cell look like whole rows") {
		t.Errorf("warning %s: warning %v, line %d, column %q", p, p.Suspect, p.Line, p.Column)
	}
	if len(rows) != 3 || rows[0].Line != 2 || rows[1].Line != 3 || rows[1].Item.DisplayName != "事项丁" || rows[2].Line != 4 {
		t.Errorf("rows %v", rows)
	}
}

// A CSV whose header is UTF-8 and one row GB18030 was decoded whole as
// GB18030 and blamed for a missing 职权名称 column.
func TestReadCSVMixedEncodings(t *testing.T) {
	gb := func(s string) string {
		b, err := simplifiedchinese.GB18030.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rows, problems, err := ReadCSV(csvOf("职权名称,职权类型", "甲,行政许可", gb("乙,行政许可"), "丙,行政许可"), "m.csv", Options{})
	fileProblem(t, rows, problems, err, 3, "", "前面的行（包括表头）是 UTF-8 编码，这一行却不是", "mixes two encodings", "CSV UTF-8")

	rows, problems, err = ReadCSV(csvOf(gb("职权名称,职权类型"), gb("甲,行政许可"), "乙乙,行政许可"), "m.csv", Options{})
	fileProblem(t, rows, problems, err, 3, "", "是 GB18030/GBK 编码", "mixes two encodings")

	rows, problems, err = ReadCSV(bytes.NewReader([]byte("\ufeff职权名称,职权类型\n"+gb("乙,行政许可")+"\n")), "m.csv", Options{})
	fileProblem(t, rows, problems, err, 2, "", "文件开头标明是 UTF-8", "byte-order mark")

	// An English header: the first row with Chinese in it decides.
	rows, problems, err = ReadCSV(csvOf("name,category", gb("甲,行政许可"), gb("乙,行政处罚")), "e.csv", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 2 || rows[1].Item.DisplayName != "乙" {
		t.Errorf("rows %v, err %v", rows, err)
	}
}

// A UTF-16 file with an odd trailing byte gave a phantom row (item 18).
func TestReadCSVUTF16CutShort(t *testing.T) {
	data, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("职权名称\t职权类型\r\n甲\t行政许可\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	rows, problems, err := ReadCSV(bytes.NewReader(data), "u.txt", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 1 || rows[0].Item.DisplayName != "甲" {
		t.Fatalf("whole file: rows %v, err %v", rows, err)
	}
	rows, problems, err = ReadCSV(bytes.NewReader(append(data, '\n')), "u.txt", Options{})
	fileError(t, rows, problems, err, "u.txt", "文件不完整", "cut short")
}

// csvGen is a CSV file made as it is read: header, then rows row(0),
// row(1), … up to rows. It samples the heap in use after a GC every
// sampleEvery rows.
type csvGen struct {
	header string
	row    func(int) string
	rows   int

	buf      []byte
	i        int   // rows made
	n        int64 // bytes read
	maxHeap  uint64
	sampling int
}

func (g *csvGen) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && (g.header != "" || g.i < g.rows) {
		if g.header != "" {
			g.buf = append(g.buf, g.header...)
			g.header = ""
			continue
		}
		g.buf = append(g.buf, g.row(g.i)...)
		if g.i++; g.sampling > 0 && g.i%g.sampling == 0 {
			g.maxHeap = max(g.maxHeap, heapAfterGC())
		}
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	g.n += int64(n)
	return n, nil
}

func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// allocated returns the bytes allocated while fn runs: a bound on the
// memory it can have held at any time.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / raceAllocFactor
}

// A 1M-row CSV was read and parsed whole (811 MB) before the server
// refused it for its 100,000-row limit (item 15).
func TestReadCSVRowLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100,000 rows")
	}
	base := heapAfterGC()
	gen := &csvGen{header: "实施主体,职权名称,职权类型,设定依据\n", rows: 1000000, sampling: 20000,
		row: func(i int) string {
			return fmt.Sprintf("区局,事项%07d,行政许可,《某某法》第%d条\n", i, i%300+1)
		}}
	var progress []int
	rows, problems, err := ReadCSV(gen, "big.csv", Options{Progress: func(n int) { progress = append(progress, n) }})
	fileProblem(t, rows, problems, err, MaxRows+2, "", "超过 100000 个事项行的上限", "split the file")
	if gen.i > MaxRows+20000 {
		t.Errorf("%d rows were made: the file was read past the limit", gen.i)
	}
	// 100,000 rows of the file are about 6 MB; 150 MB is a generous bound
	// (the whole file took 811 MB).
	if grew := int64(gen.maxHeap) - int64(base); grew > 150<<20 {
		t.Errorf("heap in use grew by %d MB while reading", grew>>20)
	}
	if len(progress) != 10 || progress[0] != 10000 || progress[9] != 100000 {
		t.Errorf("progress %v, want every 10000 rows", progress)
	}
}

func TestReadCSVRowSizeLimits(t *testing.T) {
	// A 100 MB cell gave a raw gRPC error without a row (item 18): it is
	// refused at its row and column, after reading about MaxRowBytes.
	gen := &csvGen{header: "职权名称,职权类型,设定依据\n甲,行政许可,《甲法》\n乙,行政许可,", rows: 100,
		row: func(int) string { return strings.Repeat("很长的依据", 70000) }} // 100 × 1 MB
	rows, problems, err := ReadCSV(gen, "cell.csv", Options{})
	fileProblem(t, rows, problems, err, 3, "设定依据", "超过每行 1.0 MB 的上限", "over the limit of 1.0 MB per row")
	if gen.n > 4*MaxRowBytes {
		t.Errorf("read %d MB of the file", gen.n>>20)
	}

	// Columns in use: trailing empty cells do not count.
	wide := "甲,行政许可" + strings.Repeat(",", 5000)
	rows, problems, err = ReadCSV(csvOf("职权名称,职权类型", wide, wide), "w.csv", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 2 || len(rows[0].Cells) != 2 {
		t.Errorf("rows %v, err %v", rows, err)
	}
	rows, problems, err = ReadCSV(csvOf("职权名称,职权类型", "甲,行政许可", wide+"x"), "w.csv", Options{})
	fileProblem(t, rows, problems, err, 3, "", "5002 列", "over the limit of 200 columns", "GJJ")

	// Field limits are the server's, reported as problems of the row.
	rows, problems, err = ReadCSV(csvOf("职权名称,职权类型,备注", strings.Repeat("名", 501)+",行政许可,", "乙,行政许可,"+strings.Repeat("注", 10001)), "f.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems, []wantProblem{{2, "职权名称", "501 字，最多 500 字"}, {3, "备注", "10001 characters, at most 10000"}})
	if len(rows) != 0 {
		t.Errorf("rows %v", rows)
	}
}

// xlsxWith returns an XLSX file made by excelize with its first sheet's XML
// replaced by what sheet writes (and the other parts of extra), each part
// compressed as usual.
func xlsxWith(t *testing.T, sheet func(w io.Writer), extra map[string]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	if err := f.SetCellValue("Sheet1", "A1", "x"); err != nil {
		t.Fatal(err)
	}
	var base bytes.Buffer
	if err := f.Write(&base); err != nil {
		t.Fatal(err)
	}
	f.Close()
	zr, err := zip.NewReader(bytes.NewReader(base.Bytes()), int64(base.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		switch s, ok := extra[zf.Name]; {
		case zf.Name == "xl/worksheets/sheet1.xml" && sheet != nil:
			sheet(w)
			continue
		case ok:
			_, err = io.WriteString(w, s)
		default:
			rc, _ := zf.Open()
			_, err = io.Copy(w, rc)
			rc.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, s := range extra {
		if _, err := zr.Open(name); err == nil {
			continue
		}
		w, _ := zw.Create(name)
		_, _ = io.WriteString(w, s)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

const sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
	`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`

func inline(ref, s string) string {
	return fmt.Sprintf(`<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, s)
}

// 1,500 rows × 16,384 columns took powerctl past 2.6 GB (item 15): now the
// first row that uses more than MaxColumns columns is refused, and a sheet
// of formatted empty cells up to column XFD reads as its used columns.
func TestReadXLSXWide(t *testing.T) {
	wide := func(value bool) func(w io.Writer) {
		return func(w io.Writer) {
			io.WriteString(w, sheetHead+`<row r="1">`+inline("A1", "职权名称")+inline("B1", "职权类型")+`</row>`)
			for r := 2; r <= 1501; r++ {
				fmt.Fprintf(w, `<row r="%d">%s%s`, r, inline(fmt.Sprintf("A%d", r), fmt.Sprint("事项", r)), inline(fmt.Sprintf("B%d", r), "行政许可"))
				if value {
					io.WriteString(w, inline(fmt.Sprintf("XFD%d", r), "x"))
				} else if r < 40 {
					for c := 3; c <= 16384; c += 7 {
						name, _ := excelize.ColumnNumberToName(c)
						fmt.Fprintf(w, `<c r="%s%d" s="0"/>`, name, r)
					}
				}
				io.WriteString(w, `</row>`)
			}
			io.WriteString(w, `</sheetData></worksheet>`)
		}
	}
	data := xlsxWith(t, wide(true), nil)
	var rows []Row
	var problems []Problem
	var err error
	if a := allocated(func() { rows, problems, err = ReadXLSX(bytes.NewReader(data), "wide.xlsx", Options{}) }); a > 64<<20 {
		t.Errorf("allocated %d MB to refuse the file", a>>20)
	}
	fileProblem(t, rows, problems, err, 2, "", "16384 列（XFD）", "over the limit of 200 columns")

	data = xlsxWith(t, wide(false), nil)
	rows, problems, err = ReadXLSX(bytes.NewReader(data), "empty.xlsx", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 1500 || rows[0].Line != 2 || len(rows[0].Cells) != 2 || rows[1499].Item.DisplayName != "事项1501" {
		t.Errorf("%d rows, err %v", len(rows), err)
	}
}

// 60,000 merged ranges cost 20 s of CPU in excelize (item 15): they are
// counted before excelize sees them.
func TestReadXLSXManyMerges(t *testing.T) {
	merges := func(n int) func(w io.Writer) {
		return func(w io.Writer) {
			io.WriteString(w, sheetHead+`<row r="1">`+inline("A1", "职权名称")+inline("B1", "职权类型")+`</row>`)
			io.WriteString(w, `<row r="2">`+inline("A2", "甲")+inline("B2", "行政许可")+`</row>`)
			io.WriteString(w, `<row r="3">`+inline("B3", "行政许可")+`</row></sheetData><mergeCells>`)
			io.WriteString(w, `<mergeCell ref="A2:A3"/>`)
			for i := 1; i < n; i++ {
				fmt.Fprintf(w, `<mergeCell ref="C%d:D%d"/>`, i+10, i+10)
			}
			io.WriteString(w, `</mergeCells></worksheet>`)
		}
	}
	data := xlsxWith(t, merges(60000), nil)
	var rows []Row
	var problems []Problem
	var err error
	if a := allocated(func() { rows, problems, err = ReadXLSX(bytes.NewReader(data), "m.xlsx", Options{}) }); a > 64<<20 {
		t.Errorf("allocated %d MB to refuse the file", a>>20)
	}
	fileError(t, rows, problems, err, "m.xlsx", "xl/worksheets/sheet1.xml", "的合并单元格超过 10000 处的上限", "has more than 10000 merged ranges")

	// Within the limit, merges still fill the rows below.
	rows, problems, err = ReadXLSX(bytes.NewReader(xlsxWith(t, merges(MaxMergedRanges), nil)), "m.xlsx", Options{})
	noProblems(t, problems)
	if err != nil || len(rows) != 2 || rows[1].Item.DisplayName != "甲" {
		t.Errorf("rows %v, err %v", rows, err)
	}
}

// A 2.7 MB zip bomb (969 MB of empty cells) ran past a minute (item 15):
// the size it unzips to is checked before anything is unzipped.
func TestReadXLSXZipBomb(t *testing.T) {
	// The sheet's XML is 640 MB, deflated once per 1 MB block and the
	// blocks repeated: a real deflate stream that costs nothing to make.
	var chunk bytes.Buffer
	for chunk.Len() < 1<<20 {
		chunk.WriteString(`<row><c s="1"/><c s="1"/><c s="1"/><c s="1"/></row>`)
	}
	block := func(s []byte) []byte {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		fw.Write(s)
		fw.Flush()
		return b.Bytes()
	}
	head, body, tail := []byte(sheetHead), block(chunk.Bytes()), []byte(`</sheetData></worksheet>`)
	var deflated bytes.Buffer
	deflated.Write(block(head))
	crc, size := crc32.Update(0, crc32.IEEETable, head), uint64(len(head))
	for range 640 {
		deflated.Write(body)
		crc, size = crc32.Update(crc, crc32.IEEETable, chunk.Bytes()), size+uint64(chunk.Len())
	}
	var last bytes.Buffer
	fw, _ := flate.NewWriter(&last, flate.BestCompression)
	fw.Write(tail)
	fw.Close()
	deflated.Write(last.Bytes())
	crc, size = crc32.Update(crc, crc32.IEEETable, tail), size+uint64(len(tail))

	base := xlsxWith(t, nil, nil)
	zr, _ := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate, CRC32: crc,
				CompressedSize64: uint64(deflated.Len()), UncompressedSize64: size})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(deflated.Bytes())
			continue
		}
		if err := zw.Copy(zf); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	t.Logf("zip bomb: %d KB unzipping to %d MB", out.Len()>>10, size>>20)
	var rows []Row
	var problems []Problem
	var err error
	if a := allocated(func() { rows, problems, err = ReadXLSX(bytes.NewReader(out.Bytes()), "bomb.xlsx", Options{}) }); a > 64<<20 {
		t.Errorf("allocated %d MB to refuse the file", a>>20)
	}
	fileError(t, rows, problems, err, "bomb.xlsx", "超过 512.0 MB 的上限", "zip bomb")
}

// XML entity tricks were refused but blamed on row 1 (item 18): the part
// of the file is named.
func TestReadXLSXEntities(t *testing.T) {
	xxe := `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>`
	for _, tc := range []struct{ part, xml string }{
		{"xl/worksheets/sheet1.xml", xxe + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">` +
			inline("A1", "&e;") + `</row></sheetData></worksheet>`},
		{"xl/sharedStrings.xml", xxe + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&e;</t></si></sst>`},
		{"xl/workbook.xml", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><workbook/>`},
	} {
		rows, problems, err := ReadXLSX(bytes.NewReader(xlsxWith(t, nil, map[string]string{tc.part: tc.xml})), "e.xlsx", Options{})
		fileError(t, rows, problems, err, tc.part, "DTD", "refused for safety")
		// Hidden behind a long comment, it is refused too.
		hidden := strings.Replace(tc.xml, "<!DOCTYPE", "<!--"+strings.Repeat(" ", 1<<20)+"--><!DOCTYPE", 1)
		rows, problems, err = ReadXLSX(bytes.NewReader(xlsxWith(t, nil, map[string]string{tc.part: hidden})), "e.xlsx", Options{})
		fileError(t, rows, problems, err, tc.part, "more than 1 MB before its root element", "refused for safety")
		if err != nil && strings.Contains(err.Error(), "row 1") {
			t.Errorf("%s: blamed on row 1: %v", tc.part, err)
		}
	}
}

// A row over MaxRowBytes in a workbook is refused at its row and column.
func TestReadXLSXBigCell(t *testing.T) {
	data := xlsxWith(t, func(w io.Writer) {
		io.WriteString(w, sheetHead+`<row r="1">`+inline("A1", "职权名称")+inline("B1", "职权类型")+inline("C1", "备注")+`</row>`)
		io.WriteString(w, `<row r="2">`+inline("A2", "甲")+inline("B2", "行政许可")+inline("C2", strings.Repeat("长", 400000))+`</row>`)
		io.WriteString(w, `</sheetData></worksheet>`)
	}, nil)
	rows, problems, err := ReadXLSX(bytes.NewReader(data), "big.xlsx", Options{})
	fileProblem(t, rows, problems, err, 2, "备注", "1.1 MB", "超过每行 1.0 MB 的上限", "column C, 400000 characters")
}

// A file over MaxFileBytes is refused by its size, before it is read (a
// sparse file: nothing is written to disk).
func TestReadFileTooLarge(t *testing.T) {
	for _, name := range []string{"big.csv", "big.xlsx"} {
		p := filepath.Join(t.TempDir(), name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(MaxFileBytes + 1); err != nil {
			t.Fatal(err)
		}
		f.Close()
		rows, problems, err := Read(p, Options{})
		fileError(t, rows, problems, err, name, "文件超过 256.0 MB 的上限", "larger than the limit of 256.0 MB")
	}
	// Through a reader, the bytes are counted as they come.
	empty := strings.Repeat(",", 4095) + "\n"
	gen := &csvGen{header: "职权名称,职权类型\n", rows: 1 << 30, row: func(int) string { return empty }}
	_, _, err := ReadCSV(gen, "big.csv", Options{})
	if err == nil || !strings.Contains(err.Error(), "larger than the limit") || gen.n > MaxFileBytes+1<<20 {
		t.Errorf("err %v after %d MB", err, gen.n>>20)
	}
}
