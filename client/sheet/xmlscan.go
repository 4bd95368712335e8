package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Bounds of the XML excelize decodes one element at a time: a cell of the
// sheet and a shared string. excelize decodes each whole, and a shared
// string table whole into an index, before any row limit can be checked:
// a 0.5 MB file whose one cell or shared string unzips to 480 MB took
// powerctl past 2 GB, one of 20 million rich-text runs past 6 GB, and a
// table of 20 million one-letter strings (0.8 MB) 67 s and 2.2 GB.
const (
	// MaxElementBytes bounds the XML of one cell or one shared string: a
	// cell within MaxRowBytes, escaped (&amp; is five bytes for one) or
	// cut into rich-text runs, is well under it.
	MaxElementBytes = 8 * MaxRowBytes
	// MaxSharedStrings bounds the workbook's shared strings: a sheet of
	// MaxRows rows of 20 columns, every cell different.
	MaxSharedStrings = MaxRows * 20
)

// sharedStringsPart is where excelize reads the shared strings, whatever
// the relationships say (compared without case, as excelize does).
const sharedStringsPart = "xl/sharedStrings.xml"

// checkElements refuses a part with a cell (any element named c) over
// MaxElementBytes, and a shared string table with a string over it or more
// than MaxSharedStrings strings, naming the part (and the cell). Every part
// is read, before excelize opens the file (which unzips the large ones to
// temporary files): a sheet's part may have any name. The parts are read
// as bytes, never as XML tokens: a text of hundreds of MB is one token.
//
// It also returns, for each part, its cells whose value the reader cannot
// trust (cellNotes).
func checkElements(zr *zip.Reader, name string) (map[string]cellNotes, error) {
	notes := map[string]cellNotes{}
	for _, zf := range zr.File {
		var err error
		if strings.EqualFold(zf.Name, sharedStringsPart) {
			err = scanElements(zf, "si", MaxSharedStrings, nil)
		} else {
			n := cellNotes{}
			err = scanElements(zf, "c", 0, n)
			if len(n) > 0 {
				notes[zf.Name] = n
			}
		}
		var big *bigElement
		var wide *wideRow
		switch {
		case errors.As(err, &big) && big.local == "c":
			where, whereEn := "一个单元格", "a cell"
			if big.ref != "" {
				where, whereEn = "单元格 "+big.ref, "cell "+big.ref
			}
			return nil, fmt.Errorf("%s: 文件内的 %s 中%s的 XML 超过 %s 的上限（一个单元格的内容最多 %s）：请检查这个单元格，删去误粘贴的内容后重新保存 / %s in part %s of the file holds more than %s of XML, over the limit (a cell holds at most %s): check the cell, remove what was pasted by mistake and save the file again",
				name, zf.Name, where, byteSize(MaxElementBytes), byteSize(MaxRowBytes), whereEn, zf.Name, byteSize(MaxElementBytes), byteSize(MaxRowBytes))
		case errors.As(err, &big):
			return nil, fmt.Errorf("%s: 文件内的 %s 中第 %d 个共享字符串的 XML 超过 %s 的上限（一个单元格的内容最多 %s）：请用 Excel 或 WPS 打开，删去过长的内容后另存为新文件再导入 / shared string %d of part %s of the file holds more than %s of XML, over the limit (a cell holds at most %s): open the file in Excel or WPS, remove the overlong text, save it as a new file and import that",
				name, zf.Name, big.n, byteSize(MaxElementBytes), byteSize(MaxRowBytes), big.n, zf.Name, byteSize(MaxElementBytes), byteSize(MaxRowBytes))
		case errors.As(err, &wide):
			return nil, fmt.Errorf("%s: 文件内的 %s 第 %s 行有超过 %d 个单元格，比 Excel 的列（到 XFD）还多，远超每行 %d 列的上限：请检查文件是否损坏，用 Excel 或 WPS 打开后另存为新文件再导入 / row %s of part %s of the file has more than %d cells, more than Excel's columns (up to XFD) and far over the limit of %d columns per row: check whether the file is damaged; open it in Excel or WPS, save it as a new file and import that",
				name, zf.Name, wide.row, maxCSVFields, MaxColumns, wide.row, zf.Name, maxCSVFields, MaxColumns)
		case errors.Is(err, errTooManyElements):
			return nil, fmt.Errorf("%s: 文件内的 %s 有超过 %d 个不同的字符串，超过上限（%d 行 × 20 列各不相同也只有这么多）：请只保留要导入的工作表，另存为新文件再导入 / part %s of the file holds more than %d different strings, over the limit (%d rows of 20 columns, every cell different, hold no more): keep only the sheet to import, save it as a new file and import that",
				name, zf.Name, MaxSharedStrings, MaxRows, zf.Name, MaxSharedStrings, MaxRows)
		}
	}
	return notes, nil
}

// cellNote is what is wrong with a cell's value as the file holds it.
type cellNote int

const (
	// noValue: a formula without its result, as programs that write
	// files without calculating them leave it; excelize reads it as empty.
	noValue cellNote = iota + 1
	// errorValue: the cell shows an error (#REF!, #N/A …), which excelize
	// reads as that text.
	errorValue
)

// cellNotes are the notes of a part's cells, by reference (C3). At most
// maxNotes are kept: each is a row's problem, and the problems are capped.
type cellNotes map[string]cellNote

const maxNotes = 10000

var cellType = regexp.MustCompile(`\st\s*=\s*["']e["']`)

// bigElement is an element over MaxElementBytes: the n-th of its name in
// the part, with its cell reference if it has one.
type bigElement struct {
	local string
	n     int
	ref   string
}

func (e *bigElement) Error() string { return fmt.Sprintf("element %d <%s> too large", e.n, e.local) }

// wideRow is a sheet's row of more cells than Excel's columns: excelize
// keeps a string per column up to the last cell with a value (30 million
// cells of "1", 0.9 MB zipped, took powerctl 64 s and 1.5 GB).
type wideRow struct{ row string }

func (e *wideRow) Error() string { return "row " + e.row + " has too many cells" }

var (
	rowRef             = regexp.MustCompile(`\sr\s*=\s*["']([0-9]{1,7})["']`)
	errTooManyElements = errors.New("too many elements")
	cellRef            = regexp.MustCompile(`\sr\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,7})["']`)
)

// scanElements reads a part's bytes and fails at the first element named
// local (any namespace prefix) that passes MaxElementBytes, counted from
// its start tag to the end of its end tag, without reading past it, or
// when there are more than maxCount of them (0: no limit). It is lenient
// where the XML is odd (excelize reports a broken part): a start without
// an end is measured from the last start.
//
// With notes, the children of each element (a cell) are looked at too: a
// formula without a value, or an error value, is noted by its reference.
func scanElements(zf *zip.File, local string, maxCount int, notes cellNotes) error {
	rc, err := zf.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	// Only XML parts: an image or another binary part holds "<c " by
	// chance, and then no end for megabytes.
	if head, _ := br.Peek(512); !bytes.HasPrefix(bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n"), []byte("<")) {
		return nil
	}
	var (
		off   int64 // bytes read
		start = int64(-1)
		n     int
		ref   string
		// the open cell: an error value, a formula, a value
		isErr, formula, value bool
		// the cells of the open row, and its number
		cells  int
		rowNum string
	)
	big := func() error {
		if start >= 0 && off-start > MaxElementBytes {
			return &bigElement{local: local, n: n, ref: ref}
		}
		return nil
	}
	// until reads up to and including c, checking the open element's size
	// as it goes; the bytes of the last 4 KB read are returned.
	var tail []byte
	until := func(c byte) error {
		tail = tail[:0]
		for {
			b, err := br.ReadSlice(c)
			off += int64(len(b))
			if len(tail)+len(b) > 4<<10 {
				tail = tail[:0]
			}
			if len(b) <= 4<<10 {
				tail = append(tail, b...)
			}
			if e := big(); e != nil {
				return e
			}
			if err != bufio.ErrBufferFull {
				return err
			}
		}
	}
	for {
		if err := until('<'); err != nil {
			return ignoreEOF(err)
		}
		// The tag, up to its '>'.
		if err := until('>'); err != nil {
			return ignoreEOF(err)
		}
		tag := tail
		closing := bytes.HasPrefix(tag, []byte("/"))
		name := bytes.TrimPrefix(tag, []byte("/"))
		if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
			name = name[:i]
		}
		if i := bytes.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		if local == "c" && string(name) == "row" && !closing {
			cells, rowNum = 0, "?"
			if m := rowRef.FindSubmatch(tag); m != nil {
				rowNum = string(m[1])
			}
		}
		if string(name) != local {
			if start >= 0 && notes != nil && !closing {
				switch string(name) {
				case "f":
					formula = true
				case "v":
					value = true
				}
			}
			continue
		}
		switch {
		case closing:
			if start >= 0 && notes != nil && ref != "" && len(notes) < maxNotes {
				switch {
				case isErr:
					notes[ref] = errorValue
				case formula && !value:
					notes[ref] = noValue
				}
			}
			start = -1
		default:
			n++
			if maxCount > 0 && n > maxCount {
				return errTooManyElements
			}
			if cells++; local == "c" && cells > maxCSVFields {
				return &wideRow{rowNum}
			}
			start = off - int64(len(tag)) - 1
			ref = ""
			if m := cellRef.FindSubmatch(tag); m != nil {
				ref = strings.ToUpper(string(m[1]))
			}
			isErr, formula, value = cellType.Match(tag), false, false
			if bytes.HasSuffix(tag, []byte("/>")) {
				start = -1
			}
		}
	}
}

// notedCells turns the rows that hold a noted cell into problems at that
// cell: a formula whose result the file does not hold was read as empty
// (a name "missing", a remark silently lost), an error value as the text
// "#REF!". A problem the reading found at such a cell (an empty name) is
// replaced by the note, which says why.
func notedCells(file string, rows []Row, problems []Problem, notes cellNotes) ([]Row, []Problem) {
	if len(notes) == 0 {
		return rows, problems
	}
	type line struct{ header, cells []string }
	lines := map[int]line{}
	for _, r := range rows {
		lines[r.Line] = line{r.Header, r.Cells}
	}
	for _, p := range problems {
		if _, ok := lines[p.Line]; !ok && p.Cells != nil {
			lines[p.Line] = line{p.Header, p.Cells}
		}
	}
	type at struct {
		line   int
		column string
	}
	noted := map[at]Problem{}
	for n, l := range lines {
		for i := range max(len(l.cells), len(l.header)) {
			ref := columnName(i+1) + fmt.Sprint(n)
			note := notes[ref]
			if note == 0 {
				continue
			}
			column := columnName(i + 1)
			if i < len(l.header) && clean(l.header[i]) != "" {
				column = clean(l.header[i])
			}
			var p Problem
			if note == noValue {
				p = newProblem(file, n, column,
					fmt.Sprintf("单元格 %s 是公式，但文件里没有它的计算结果（文件不是由 Excel 或 WPS 保存的）：请用 Excel 或 WPS 打开后保存，或把公式换成它的值", ref),
					fmt.Sprintf("cell %s holds a formula but the file does not hold its result (the file was not saved by Excel or WPS): open the file in Excel or WPS and save it, or replace the formula by its value", ref))
			} else {
				v := ""
				if i < len(l.cells) {
					v = l.cells[i]
				}
				p = newProblem(file, n, column,
					fmt.Sprintf("单元格 %s 显示错误值 %s：请改正这个单元格的公式，或填入它应有的内容", ref, v),
					fmt.Sprintf("cell %s shows the error %s: correct its formula, or fill in what it should hold", ref, v))
			}
			p.Header, p.Cells = l.header, l.cells
			noted[at{n, column}] = p
		}
	}
	if len(noted) == 0 {
		return rows, problems
	}
	bad := map[int]bool{}
	for k := range noted {
		bad[k.line] = true
	}
	kept := rows[:0]
	for _, r := range rows {
		if !bad[r.Line] {
			kept = append(kept, r)
		}
	}
	out := problems[:0]
	for _, p := range problems {
		if _, ok := noted[at{p.Line, p.Column}]; !ok || p.Cells == nil {
			out = append(out, p)
		}
	}
	for _, p := range noted {
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Column < out[j].Column
	})
	return kept, out
}
