package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// ReadXLSX reads the first sheet of an XLSX workbook, or Options.Sheet. name
// is the file name used in problems. A cell merged over several rows (as
// main items often are) counts as its value in each of those rows.
//
// Before excelize sees the file, the package is checked: its size, its
// parts' size once unzipped, no DTD in any part (XML entities are how XXE
// and "billion laughs" files attack), and the number of merged ranges. The
// rows are then read one at a time with the limits checked as they come.
func ReadXLSX(r io.Reader, name string, opts Options) ([]Row, []Problem, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, nil, fileTooLarge(name)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, notXLSX(name, err)
	}
	return readXLSX(zr, name, opts, func(o excelize.Options) (*excelize.File, error) {
		return excelize.OpenReader(bytes.NewReader(data), o)
	})
}

// readXLSXFile is ReadXLSX on a file, which excelize then reads in place
// rather than as a copy in memory.
func readXLSXFile(p, name string, opts Options) ([]Row, []Problem, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, nil, notXLSX(name, err)
	}
	defer zr.Close()
	return readXLSX(&zr.Reader, name, opts, func(o excelize.Options) (*excelize.File, error) {
		return excelize.OpenFile(p, o)
	})
}

func notXLSX(name string, err error) error {
	return fmt.Errorf("%s: 无法读取 XLSX 文件，请用 Excel 或 WPS 打开后重新保存 / cannot read the XLSX file, open it in Excel or WPS and save it again: %w", name, err)
}

func fileTooLarge(name string) error {
	return fmt.Errorf("%s: 文件超过 %s 的上限，请分成几个文件分别导入 / the file is larger than the limit of %s: split it into several files and import each",
		name, byteSize(MaxFileBytes), byteSize(MaxFileBytes))
}

func readXLSX(zr *zip.Reader, name string, opts Options, open func(excelize.Options) (*excelize.File, error)) (rows []Row, problems []Problem, err error) {
	if err := checkPackage(zr, name); err != nil {
		return nil, nil, err
	}
	if !hasWorkbook(zr) {
		return nil, nil, fmt.Errorf("%s: 这个文件是 zip 压缩包，但不是 Excel 工作簿（里面没有 workbook.xml），可能是改了扩展名的 Word 文档或其他文件：请用 Excel 或 WPS 打开清单，另存为 .xlsx 后再导入 / the file is a zip archive but not an Excel workbook (it holds no workbook.xml): perhaps a Word document or another file renamed. Open the list in Excel or WPS, save it as .xlsx and import that", name)
	}
	notes, err := checkElements(zr, name)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if v := recover(); v != nil {
			rows, problems = nil, nil
			err = notXLSX(name, fmt.Errorf("%v", v))
		}
	}()
	// Dates in Excel's built-in short-date formats (14, 22) read as
	// Chinese Excel shows them, 2024/3/1, not as the US 03-01-24.
	f, err := open(excelize.Options{UnzipSizeLimit: MaxUnzippedBytes, ShortDatePattern: "yyyy/m/d", CultureInfo: excelize.CultureNameZhCN})
	if err != nil {
		return nil, nil, notXLSX(name, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, fmt.Errorf("%s: 工作簿中没有工作表 / the workbook has no sheets", name)
	}
	sheet := opts.Sheet
	if sheet == "" {
		sheet = sheets[0]
	} else if !contains(sheets, sheet) {
		return nil, nil, fmt.Errorf("%s: 没有名为“%s”的工作表，现有工作表：%s / no sheet named %q; the sheets are: %s",
			name, sheet, strings.Join(sheets, "、"), sheet, strings.Join(sheets, ", "))
	}
	part := sheetPart(zr, sheet)
	merges, err := scanMerges(zr, part)
	if part == "" {
		part = "?" // excelize found the sheet where the relationships did not say
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: 工作表“%s”（文件内的 %s）的合并单元格超过 %d 处的上限：请取消不需要的合并（选中整个表格，“取消合并单元格”），只保留大项的合并 / "+
			"sheet %q (part %s of the file) has more than %d merged ranges, over the limit: unmerge the cells that need not be merged (select the whole sheet, “Unmerge Cells”) and keep only the main items merged",
			name, sheet, part, MaxMergedRanges, sheet, part, MaxMergedRanges)
	}
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: 无法读取工作表“%s”（文件内的 %s） / cannot read sheet %q (part %s of the file): %w", name, sheet, part, sheet, part, err)
	}
	defer it.Close()
	col := newCollector(name, opts)
	line := 0
	for it.Next() {
		line++
		cols, err := it.Columns()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: 无法读取工作表“%s”第%d行（文件内的 %s），请用 Excel 或 WPS 打开后重新保存 / cannot read row %d of sheet %q (part %s of the file), open it in Excel or WPS and save it again: %w",
				name, sheet, line, part, line, sheet, part, err)
		}
		for i, c := range cols {
			if !utf8.ValidString(c) {
				cols[i] = strings.ToValidUTF8(c, "\uFFFD")
			}
		}
		if p := col.add(line, cols); p != nil {
			return nil, []Problem{*p}, nil
		}
	}
	if err := it.Error(); err != nil {
		return nil, nil, fmt.Errorf("%s: 无法读取工作表“%s”（文件内的 %s），请用 Excel 或 WPS 打开后重新保存 / cannot read sheet %q (part %s of the file), open it in Excel or WPS and save it again: %w",
			name, sheet, part, sheet, part, err)
	}
	raw := fillMerged(col.raw, merges)
	rows, problems = process(name, raw, opts)
	rows, problems = notedCells(name, rows, problems, notes[part])
	return rows, problems, nil
}

// hasWorkbook reports whether the package holds a workbook part at all:
// excelize's errors for a zip of something else are "EOF" and the like.
func hasWorkbook(zr *zip.Reader) bool {
	for _, zf := range zr.File {
		if strings.HasSuffix(strings.ToLower(zf.Name), "workbook.xml") {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkPackage refuses a package that would cost too much to open or that
// holds XML entity declarations, naming the part at fault. The sizes are
// the ones the zip declares; archive/zip refuses a part that unzips to
// more than it declares.
func checkPackage(zr *zip.Reader, name string) error {
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
	}
	if total > MaxUnzippedBytes {
		return fmt.Errorf("%s: 解压后共 %s，超过 %s 的上限（一份真实的清单远小于此，这可能是一个“压缩炸弹”）：请检查文件来源，或分成几个文件分别导入 / the file unzips to %s, over the limit of %s (a real list is far smaller; this may be a zip bomb): check where the file came from, or split it into several files",
			name, byteSize64(total), byteSize(MaxUnzippedBytes), byteSize64(total), byteSize(MaxUnzippedBytes))
	}
	// Every part, whatever its name: a sheet's part may be named anything
	// its relationship says; a part that is not XML ends the check at once.
	for _, zf := range zr.File {
		if err := checkProlog(zf); err != nil {
			return fmt.Errorf("%s: 文件内的 %s %s；Excel 和 WPS 不会写出这样的内容，出于安全原因拒绝读取。请用 Excel 或 WPS 打开后另存为新文件再导入 / part %s of the file %s; Excel and WPS never write that, so the file is refused for safety. Open it in Excel or WPS, save it as a new file and import that",
				name, zf.Name, err.(prologError).zh, zf.Name, err.(prologError).en)
		}
	}
	return nil
}

type prologError struct{ zh, en string }

func (e prologError) Error() string { return e.en }

// checkProlog reads a part up to its root element: a DOCTYPE, where XML
// declares entities, can only come before it.
func checkProlog(zf *zip.File) error {
	rc, err := zf.Open()
	if err != nil {
		return nil // excelize reports unreadable parts
	}
	defer rc.Close()
	const prolog = 1 << 20
	d := xml.NewDecoder(io.LimitReader(rc, prolog))
	for {
		tok, err := d.RawToken()
		if err != nil {
			if d.InputOffset() >= prolog { // a DOCTYPE could hide further on
				return prologError{"在根元素之前有超过 1 MB 的内容", "has more than 1 MB before its root element"}
			}
			return nil
		}
		switch tok.(type) {
		case xml.Directive:
			return prologError{"含有 DTD 声明（DOCTYPE/ENTITY，可用于读取本机文件或耗尽内存的 XML 实体）", "holds a DTD declaration (DOCTYPE/ENTITY: XML entities can read local files or exhaust memory)"}
		case xml.StartElement:
			return nil
		}
	}
}

func byteSize64(n uint64) string {
	if n > 1<<40 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return byteSize(int(n))
}

// sheetPart returns the path inside the package of the sheet's XML, from
// the workbook and its relationships, or "" when they cannot be read
// (excelize then reports the file).
func sheetPart(zr *zip.Reader, sheet string) string {
	files := map[string]*zip.File{}
	for _, zf := range zr.File {
		files[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(zf.Name, "\\", "/"), "/"))] = zf
	}
	rels := func(part string) map[string]string {
		dir, base := path.Split(part)
		out := map[string]string{}
		zf := files[strings.ToLower(dir+"_rels/"+base+".rels")]
		if zf == nil {
			return out
		}
		eachElement(zf, func(e xml.StartElement) bool {
			if e.Name.Local == "Relationship" {
				out[attr(e, "Id")] = resolve(dir, attr(e, "Target"))
			}
			return true
		})
		return out
	}
	workbook := ""
	if zf := files["_rels/.rels"]; zf != nil {
		eachElement(zf, func(e xml.StartElement) bool {
			if e.Name.Local == "Relationship" && strings.HasSuffix(attr(e, "Type"), "/officeDocument") {
				workbook = resolve("", attr(e, "Target"))
				return false
			}
			return true
		})
	}
	if workbook == "" {
		workbook = "xl/workbook.xml"
	}
	wf := files[strings.ToLower(workbook)]
	if wf == nil {
		return ""
	}
	id := ""
	eachElement(wf, func(e xml.StartElement) bool {
		if e.Name.Local == "sheet" && attr(e, "name") == sheet {
			id = attr(e, "id")
			return false
		}
		return true
	})
	target := rels(workbook)[id]
	if zf := files[strings.ToLower(target)]; zf != nil {
		return zf.Name
	}
	return ""
}

// resolve turns a relationship's target into a path inside the package.
func resolve(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean("/"+dir+target), "/")
}

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// eachElement calls fn for each start element of a small part (at most
// 16 MB read) until fn returns false.
func eachElement(zf *zip.File, fn func(xml.StartElement) bool) {
	rc, err := zf.Open()
	if err != nil {
		return
	}
	defer rc.Close()
	d := xml.NewDecoder(io.LimitReader(rc, 16<<20))
	for {
		tok, err := d.RawToken()
		if err != nil {
			return
		}
		if e, ok := tok.(xml.StartElement); ok && !fn(e) {
			return
		}
	}
}

// mergeRange is a merged range, by column and row numbers.
type mergeRange struct{ c1, r1, c2, r2 int }

var errTooManyMerges = errors.New("too many merged ranges")

// scanMerges reads the merged ranges of a sheet part itself, stopping past
// MaxMergedRanges: excelize's GetMergeCells first loads the whole sheet
// into memory and checks merges against each other (quadratic).
func scanMerges(zr *zip.Reader, part string) ([]mergeRange, error) {
	var zf *zip.File
	for _, f := range zr.File {
		if f.Name == part {
			zf = f
		}
	}
	if zf == nil {
		return nil, nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, nil
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var out []mergeRange
	n := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return out, nil // excelize reports a broken sheet
		}
		e, ok := tok.(xml.StartElement)
		if !ok || e.Name.Local != "mergeCell" {
			continue
		}
		if n++; n > MaxMergedRanges {
			return nil, errTooManyMerges
		}
		first, last, ok := strings.Cut(attr(e, "ref"), ":")
		if !ok {
			continue
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(first)
		c2, r2, err2 := excelize.CellNameToCoordinates(last)
		if err1 == nil && err2 == nil {
			out = append(out, mergeRange{min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)})
		}
	}
}

// fillMerged copies the value of a cell merged over several rows into the
// first column of each of those rows. Merges within one row are left alone:
// filling them would turn a header spread over two columns into two headers.
// Ranges that overlap an earlier one in the same column are ignored (Excel
// does not write them), so the work is at most the rows times MaxColumns.
func fillMerged(raw []rawRow, merges []mergeRange) []rawRow {
	sort.Slice(merges, func(i, j int) bool {
		if merges[i].c1 != merges[j].c1 {
			return merges[i].c1 < merges[j].c1
		}
		return merges[i].r1 < merges[j].r1
	})
	lastCol, lastRow := 0, 0
	for _, m := range merges {
		if m.r2 <= m.r1 || m.c1 > MaxColumns {
			continue
		}
		if m.c1 == lastCol && m.r1 <= lastRow {
			continue
		}
		lastCol, lastRow = m.c1, m.r2
		// raw holds the non-empty rows, in row order.
		i := sort.Search(len(raw), func(i int) bool { return raw[i].line >= m.r1 })
		if i == len(raw) || raw[i].line != m.r1 || len(raw[i].cells) < m.c1 {
			continue
		}
		v := raw[i].cells[m.c1-1]
		if v == "" {
			continue
		}
		for j := i + 1; j < len(raw) && raw[j].line <= m.r2; j++ {
			cells := raw[j].cells
			for len(cells) < m.c1 {
				cells = append(cells, "")
			}
			if cells[m.c1-1] == "" {
				cells[m.c1-1] = v
			}
			raw[j].cells = cells
		}
	}
	return raw
}
