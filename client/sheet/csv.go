package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// ReadCSV reads a CSV file (UTF-8 with or without BOM, GB18030, or UTF-16
// with BOM; comma-, tab- or semicolon-separated, guessed from the first
// line). name is
// the file name used in problems.
//
// The file is read as a stream, one row at a time, and reading stops at the
// first row that passes a limit (see MaxRows and the other limits) or that
// cannot be read: a quote opened and never closed, or a row in another
// encoding than the rows before it. Such a problem is of the whole file
// (Problem.Cells is nil) and no rows are returned.
func ReadCSV(r io.Reader, name string, opts Options) ([]Row, []Problem, error) {
	counted := &countingReader{r: r, max: MaxFileBytes}
	br := bufio.NewReaderSize(counted, 64<<10)
	enc := encUnknown
	if bom, _ := br.Peek(3); bytes.HasPrefix(bom, utf8BOM) {
		enc = encUTF8BOM
		_, _ = br.Discard(len(utf8BOM))
	} else if bytes.HasPrefix(bom, []byte{0xFF, 0xFE}) || bytes.HasPrefix(bom, []byte{0xFE, 0xFF}) {
		// Excel's “Unicode text”: turned into UTF-8 before splitting.
		enc = encUTF16
		br = bufio.NewReaderSize(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Reader(br), 64<<10)
	} else if order, ok := utf16Order(br); ok {
		enc = encUTF16
		br = bufio.NewReaderSize(unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder().Reader(br), 64<<10)
	}
	first, _ := br.Peek(64 << 10)
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	// The separator is the one the header line uses most: Excel writes
	// ";" where the locale's list separator is one.
	sc := &csvScanner{r: br, sep: ',', max: MaxRowBytes}
	for _, sep := range []byte{'\t', ';'} {
		if bytes.Count(first, []byte{sep}) > bytes.Count(first, []byte{sc.sep}) {
			sc.sep = sep
		}
	}
	col := newCollector(name, opts)
	for {
		rec, err := sc.next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errFileTooLarge) {
			return nil, nil, fileTooLarge(name)
		}
		if errors.Is(err, errRecordTooLarge) {
			return nil, []Problem{recordTooLarge(col, rec)}, nil
		}
		if errors.Is(err, errTooManyFields) {
			return nil, []Problem{newProblem(name, rec.row, "",
				fmt.Sprintf("这一行超过 %d 个单元格（分隔符），比任何表格软件能写出的列都多，也远超每行 %d 列的上限：请删除表格右侧多余的列，或检查文件是否损坏；未导入任何内容", maxCSVFields, MaxColumns),
				fmt.Sprintf("this row has more than %d cells (separators), more columns than any spreadsheet program writes and far over the limit of %d columns per row: delete the extra columns on the right, or check whether the file is damaged; nothing was imported", maxCSVFields, MaxColumns))}, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: 无法读取文件，请检查文件是否完整、能否打开 / cannot read the file: check that it is whole and can be opened: %w", name, err)
		}
		if rec.open {
			return nil, []Problem{openQuote(col, rec)}, nil
		}
		cells, p := enc.decode(col, rec)
		if p != nil {
			return nil, []Problem{*p}, nil
		}
		if p := col.add(rec.row, cells); p != nil {
			return nil, []Problem{*p}, nil
		}
	}
	if enc == encUTF16 && counted.n%2 == 1 {
		return nil, nil, fmt.Errorf("%s: 文件不完整：UTF-16 编码的文件字节数应为偶数，这个文件在最后一个字的中间断了（可能没有下载或复制完）；请重新保存或重新获取文件 / the file is cut short: a UTF-16 file has an even number of bytes and this one ends in the middle of a character (an incomplete download or copy?): save or fetch it again", name)
	}
	rows, problems := process(name, col.raw, opts)
	if ws := swallowedRows(name, col.raw, sc.sep, opts); len(ws) > 0 {
		problems = append(problems, ws...)
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	}
	return rows, problems, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// utf16Order recognises UTF-16 without its byte-order mark: NUL bytes,
// which no UTF-8 or GB18030 text holds, as the high bytes of its ASCII
// characters (commas, line breaks), all at odd offsets in little-endian
// order, at even ones in big-endian; a stray NUL in other text is not.
func utf16Order(br *bufio.Reader) (unicode.Endianness, bool) {
	head, _ := br.Peek(4 << 10)
	even, odd := nuls(head, 0), nuls(head, 1)
	switch {
	case odd >= 2 && even <= odd/10:
		return unicode.LittleEndian, true
	case even >= 2 && odd <= even/10:
		return unicode.BigEndian, true
	}
	return unicode.LittleEndian, false
}

// nuls counts the NUL bytes of b at offsets of parity odd.
func nuls(b []byte, odd int) int {
	n := 0
	for i := odd; i < len(b); i += 2 {
		if b[i] == 0 {
			n++
		}
	}
	return n
}

// countingReader counts the bytes read and fails past max.
type countingReader struct {
	r   io.Reader
	n   int64
	max int64
}

var errFileTooLarge = errors.New("file too large")

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, errFileTooLarge
	}
	return n, err
}

// csvRecord is one record of a CSV file, its fields as bytes in the file's
// encoding.
type csvRecord struct {
	row    int // the row as Excel numbers it: blank lines count
	fields [][]byte
	open   bool // the last field opened a quote and the file ended inside it
	quoted bool // the last field is inside a quote (with errRecordTooLarge)
}

// csvScanner splits a CSV stream into records as Excel does: records end
// at LF, CRLF or a lone CR (old Mac files); a field that starts with a
// quote runs to the next quote not doubled, line breaks included; what
// follows that quote up to the separator is kept as written; a quote
// elsewhere is an ordinary character. Unlike encoding/csv, a blank line is
// a record (Excel shows it as an empty row, and row numbers must agree),
// the bytes need not be UTF-8 (the separators, quotes and line breaks are
// the same bytes in GB18030), and a quote left open at the end of the file
// is reported instead of taken as the end of the field.
type csvScanner struct {
	r    *bufio.Reader
	sep  byte
	max  int // bytes a record may hold
	rows int

	buf    []byte   // the current record's fields, one after the other
	ends   []int    // where each field ends in buf
	fields [][]byte // the fields, in buf
}

var errRecordTooLarge = errors.New("record too large")

// maxCSVFields bounds the cells of one record, empty ones included: the
// columns of Excel and WPS (XFD). The bytes of a record count only its
// cells' contents, so without it a row of 250 MB of separators took 32
// bytes of bookkeeping per separator (powerctl was killed at 23 GB).
const maxCSVFields = 16384

var errTooManyFields = errors.New("too many fields")

// next returns the next record; its fields are valid until the next call.
func (s *csvScanner) next() (csvRecord, error) {
	if _, err := s.r.Peek(1); err != nil {
		return csvRecord{}, err
	}
	s.rows++
	rec := csvRecord{row: s.rows}
	// The fields are kept one after the other in s.buf, which is reused.
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	finish := func(err error) (csvRecord, error) {
		s.ends = append(s.ends, len(s.buf))
		s.fields = s.fields[:0]
		start := 0
		for _, e := range s.ends {
			s.fields = append(s.fields, s.buf[start:e:e])
			start = e
		}
		rec.fields = s.fields
		return rec, err
	}
	add := func(b byte) bool {
		s.buf = append(s.buf, b)
		return len(s.buf) <= s.max
	}
	for {
		// The start of a field.
		b, err := s.r.ReadByte()
		if err != nil {
			return finish(ignoreEOF(err))
		}
		if b == '"' {
			for closed := false; !closed; {
				if b, err = s.r.ReadByte(); err != nil {
					if err == io.EOF {
						rec.open = true
						err = nil
					}
					return finish(err)
				}
				switch b {
				case '"':
					if q, _ := s.r.Peek(1); len(q) == 1 && q[0] == '"' {
						_, _ = s.r.Discard(1)
					} else {
						closed = true
						continue
					}
				case '\r':
					s.crlf()
					b = '\n'
				}
				if !add(b) {
					rec.quoted = true
					return finish(errRecordTooLarge)
				}
			}
		} else if err := s.r.UnreadByte(); err != nil {
			return rec, err
		}
		// Unquoted, or what follows a closing quote.
		for {
			b, err := s.r.ReadByte()
			if err != nil {
				return finish(ignoreEOF(err))
			}
			switch b {
			case s.sep:
				if len(s.ends) == maxCSVFields {
					return finish(errTooManyFields)
				}
				s.ends = append(s.ends, len(s.buf))
			case '\r':
				s.crlf()
				fallthrough
			case '\n':
				return finish(nil)
			default:
				if !add(b) {
					return finish(errRecordTooLarge)
				}
				continue
			}
			break
		}
	}
}

// crlf skips the LF of a CRLF.
func (s *csvScanner) crlf() {
	if q, _ := s.r.Peek(1); len(q) == 1 && q[0] == '\n' {
		_, _ = s.r.Discard(1)
	}
}

func ignoreEOF(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// openQuote is the problem of a quote opened in the last field of rec and
// never closed: everything up to the end of the file is in that field.
func openQuote(c *collector, rec csvRecord) Problem {
	i := len(rec.fields) - 1
	lines := bytes.Count(bytes.TrimRight(rec.fields[i], "\n"), []byte{'\n'})
	p := newProblem(c.file, rec.row, c.headerName(i),
		fmt.Sprintf("这个单元格以引号（\"）开头，但直到文件末尾都没有对应的引号，其后的 %d 行都被读进了这一个单元格：请在单元格内容末尾补上引号，或删去开头的引号（单元格内的引号要写成两个：\"\"）；未导入任何内容", lines),
		fmt.Sprintf("this cell opens a quote (\") that is never closed, so the %d lines after it up to the end of the file were read into this one cell: add the closing quote at the end of the cell or remove the opening one (a quote inside a cell is written twice: \"\"); nothing was imported", lines))
	return p
}

// recordTooLarge is the problem of a record that passed MaxRowBytes.
func recordTooLarge(c *collector, rec csvRecord) Problem {
	i := len(rec.fields) - 1
	if rec.quoted {
		return newProblem(c.file, rec.row, c.headerName(i),
			fmt.Sprintf("这个单元格以引号（\"）开头，之后超过 %s 仍没有对应的引号，可能是引号没有闭合：请检查这个单元格的引号（单元格内的引号要写成两个：\"\"）；未导入任何内容", byteSize(MaxRowBytes)),
			fmt.Sprintf("this cell opens a quote (\") and no closing quote follows within %s: the quote is probably never closed. Check the quotes of this cell (a quote inside a cell is written twice: \"\"); nothing was imported", byteSize(MaxRowBytes)))
	}
	return newProblem(c.file, rec.row, c.headerName(i),
		fmt.Sprintf("这一行超过每行 %s 的上限：请检查这一行，删去误粘贴的内容；未导入任何内容", byteSize(MaxRowBytes)),
		fmt.Sprintf("this row is over the limit of %s per row: check the row and remove what was pasted by mistake; nothing was imported", byteSize(MaxRowBytes)))
}

// encoding is a CSV file's text encoding, decided by its byte-order mark or
// else by the first row that is not plain ASCII (the header, as a rule).
type encoding int

const (
	encUnknown encoding = iota // no BOM, only ASCII so far
	encUTF8                    // no BOM, the first non-ASCII row was UTF-8
	encUTF8BOM
	encUTF16 // decoded to UTF-8 before splitting
	encGB18030
)

func (e encoding) String() string {
	switch e {
	case encGB18030:
		return "GB18030/GBK"
	case encUTF16:
		return "UTF-16"
	}
	return "UTF-8"
}

var gb18030 = simplifiedchinese.GB18030

// decode turns rec's fields into text. A row that is not in the encoding
// of the rows before it is a problem of the whole file: decoding it anyway
// would turn it into nonsense that passes for text.
func (e *encoding) decode(c *collector, rec csvRecord) ([]string, *Problem) {
	// Trailing empty cells are not kept (see collector.add): a row of
	// thousands of separators costs no more than an empty row.
	for len(rec.fields) > 0 && len(rec.fields[len(rec.fields)-1]) == 0 {
		rec.fields = rec.fields[:len(rec.fields)-1]
	}
	ascii := true
	for _, f := range rec.fields {
		if !isASCII(f) {
			ascii = false
			break
		}
	}
	first := *e == encUnknown && !ascii // this row decides the encoding
	if first {
		*e = encGB18030
		if validUTF8(rec.fields) {
			*e = encUTF8
		}
	}
	cells := make([]string, len(rec.fields))
	mixed := false
	switch *e {
	case encGB18030:
		if ascii {
			break
		}
		// GB18030 decodes almost any bytes, so a UTF-8 row is recognised
		// by its being valid UTF-8 with Chinese characters in it.
		mixed = validUTF8(rec.fields) && cjkRunes(rec.fields) >= 2
		for i, f := range rec.fields {
			b, err := gb18030.NewDecoder().Bytes(f)
			if err != nil || bytes.ContainsRune(b, utf8.RuneError) {
				mixed = true
			}
			cells[i] = string(b)
		}
	default:
		mixed = !ascii && !validUTF8(rec.fields)
	}
	if mixed {
		zh, en := fmt.Sprintf("前面的行（包括表头）是 %s 编码，这一行却不是", e), fmt.Sprintf("the rows before it (the header included) are in %s but this row is not", e)
		if *e == encUTF8BOM {
			zh, en = "文件开头标明是 UTF-8 编码，这一行却不是", "the file says it is UTF-8 (byte-order mark) but this row is not"
		}
		if first {
			zh, en = "这一行既不是 UTF-8 也不是 GB18030/GBK 编码", "this row is in neither UTF-8 nor GB18030/GBK"
		}
		p := newProblem(c.file, rec.row, "",
			zh+"：文件混用了两种编码（常见于把另一个文件的行粘贴进来）。请在 Excel 或 WPS 中打开，整个文件另存为“CSV UTF-8”后再导入；未导入任何内容",
			en+": the file mixes two encodings (as when rows from another file are pasted in). Open it in Excel or WPS and save the whole file as “CSV UTF-8”, then import it; nothing was imported")
		return nil, &p
	}
	if *e != encGB18030 || ascii {
		// One string for the record, cut into cells: one allocation.
		n := 0
		for _, f := range rec.fields {
			n += len(f)
		}
		var b strings.Builder
		b.Grow(n)
		for _, f := range rec.fields {
			b.Write(f)
		}
		all, start := b.String(), 0
		for i, f := range rec.fields {
			cells[i] = all[start : start+len(f)]
			start += len(f)
		}
	}
	return cells, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func validUTF8(fields [][]byte) bool {
	for _, f := range fields {
		if !utf8.Valid(f) {
			return false
		}
	}
	return true
}

func cjkRunes(fields [][]byte) int {
	n := 0
	for _, f := range fields {
		for _, r := range string(f) {
			if r >= 0x4E00 && r <= 0x9FFF {
				n++
			}
		}
	}
	return n
}

// swallowedRows warns of cells that hold, after a line break, a line that
// looks like a whole row of the file: as many separators as the header
// has (and at least two), and a known category where the header has its
// category column. That is what a stray quote does when a later stray
// quote closes it: the rows between are read into one cell and lost as
// rows. The row is still read; the caller decides (powerctl imports
// nothing from a file with warnings unless --force).
func swallowedRows(file string, raw []rawRow, sep byte, opts Options) []Problem {
	h := findHeader(raw)
	if h < 0 {
		return nil
	}
	header := raw[h].cells
	category := -1
	for i, c := range header {
		if key, ok := KeyOf(c); ok && key == KeyCategory {
			category = i
		}
	}
	if category < 0 {
		return nil // a problem of the header already
	}
	cats := opts.Categories
	if cats == nil {
		cats = DefaultCategories()
	}
	isCategory := func(s string) bool {
		s = clean(s)
		_, label := cats[s]
		_, enum := pb.Category_value[strings.ToUpper(s)]
		return s != "" && (label || enum)
	}
	need := max(2, len(header)-1)
	var out []Problem
	for _, r := range raw[h+1:] {
		for i, c := range r.cells {
			if i < len(header) && clean(header[i]) == RejectHeader {
				continue // the reasons of a rejects file list categories
			}
			found := 0
			for _, rest, ok := strings.Cut(c, "\n"); ok; {
				var l string
				l, rest, ok = strings.Cut(rest, "\n")
				if strings.Count(l, string(sep)) < need {
					continue
				}
				if fields := strings.Split(l, string(sep)); category < len(fields) && isCategory(fields[category]) {
					found++
				}
			}
			if found == 0 {
				continue
			}
			column := ""
			if i < len(header) {
				column = clean(header[i])
			}
			p := newProblem(file, r.line, column,
				fmt.Sprintf("警告：这个单元格里有 %d 行看起来是表格的整行（分隔符和表头一样多，且有职权类型），可能是引号没有配对，把后面的行读进了这个单元格；请检查这个单元格及其后的引号，确认无误后可用 --force 导入", found),
				fmt.Sprintf("warning: %d lines inside this cell look like whole rows of the file (as many separators as the header, and a category): a quote is probably not matched and the rows after it were read into this cell. Check the quotes of this cell and those after it; if the cell is right, import with --force", found))
			p.Suspect, p.Header, p.Cells = true, header, r.cells
			out = append(out, p)
			break
		}
	}
	return out
}
