package sheet

import (
	"fmt"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/powerreg/powerreg/server/registry"
)

// Limits of one imported file. The readers check them as they read, row by
// row, and stop at the first one passed, so that no file, however made,
// costs more memory or time than a file within the limits. The row and
// field limits are the server's own (server/registry); the others keep a
// file's reading bounded and are generous for real lists (the Guang'an
// list is 1,136 rows, 16 columns, 0.2 MB).
const (
	// MaxRows is the number of item rows one file may hold: the server's
	// limit for one import.
	MaxRows = registry.MaxImportRows
	// MaxColumns is the number of columns a row may use: trailing empty
	// cells do not count. The template has 20.
	MaxColumns = 200
	// MaxRowBytes bounds one row's cells together (UTF-8): the server's
	// cap on one item's encoded size, which a row that passes it cannot
	// fit (its cells are the item's texts).
	MaxRowBytes = registry.MaxItemBytes
	// MaxMergedRanges is the number of merged ranges an XLSX sheet may
	// declare (a real list merges one range per main item).
	MaxMergedRanges = 10000
	// MaxFileBytes bounds the file itself.
	MaxFileBytes = 256 << 20
	// MaxUnzippedBytes bounds the parts of an XLSX file once unzipped, as
	// the file declares them (zip bombs declare hundreds of MB).
	MaxUnzippedBytes = 512 << 20
	// progressEvery is how many rows pass between two calls of
	// Options.Progress.
	progressEvery = 10000
)

// collector gathers the rows of a file as a reader reads them and checks
// the limits: it never holds more than MaxRows rows of at most MaxColumns
// cells and MaxRowBytes bytes each.
type collector struct {
	file     string
	raw      []rawRow
	nonEmpty int
	header   int // index in raw of the header row, -1 until known
	items    int // item rows so far: non-empty rows after the header but the notes row
	afterHdr int // non-empty rows after the header
	lines    int // rows seen, empty ones included, for progress
	progress func(int)
}

func newCollector(file string, opts Options) *collector {
	return &collector{file: file, header: -1, progress: opts.Progress}
}

// add takes the next row; it returns a problem when the row passes a limit,
// and the reader must stop. cells may be modified and is kept.
func (c *collector) add(line int, cells []string) *Problem {
	if c.lines++; c.progress != nil && c.lines%progressEvery == 0 {
		c.progress(c.lines)
	}
	// Trailing empty cells are not columns in use (WPS and Excel write
	// formatted empty cells up to the last formatted column).
	n := len(cells)
	for n > 0 && clean(cells[n-1]) == "" {
		n--
	}
	cells = cells[:n:n]
	if n == 0 {
		return nil // empty rows are skipped; the lines of the others count them
	}
	if n > MaxColumns {
		p := newProblem(c.file, line, "",
			fmt.Sprintf("这一行用到第 %d 列（%s），超过每行 %d 列的上限：请删除表格右侧多余的列（选中后“删除”，而不是只清除内容）", n, columnName(n), MaxColumns),
			fmt.Sprintf("this row uses %d columns (up to %s), over the limit of %d columns per row: delete the extra columns on the right (delete them, do not just clear them)", n, columnName(n), MaxColumns))
		return &p
	}
	size, big := 0, 0
	for i, s := range cells {
		size += len(s)
		if len(s) > len(cells[big]) {
			big = i
		}
	}
	if size > MaxRowBytes {
		p := newProblem(c.file, line, c.headerName(big),
			fmt.Sprintf("这一行的内容共 %s，超过每行 %s 的上限（其中最长的是第 %s 列，%d 字）：请检查这一行，删去误粘贴的内容", byteSize(size), byteSize(MaxRowBytes), columnName(big+1), utf8.RuneCountInString(cells[big])),
			fmt.Sprintf("this row holds %s, over the limit of %s per row (the longest cell is in column %s, %d characters): check the row and remove what was pasted by mistake", byteSize(size), byteSize(MaxRowBytes), columnName(big+1), utf8.RuneCountInString(cells[big])))
		return &p
	}
	c.raw = append(c.raw, rawRow{line: line, cells: cells})
	c.nonEmpty++
	switch {
	case c.header >= 0:
		c.count(c.raw[len(c.raw)-1:])
	case c.nonEmpty == headerScan:
		// findHeader looks at the first headerScan non-empty rows only.
		c.header = findHeader(c.raw)
		c.count(c.raw[c.header+1:])
	}
	if c.items > MaxRows {
		p := tooManyRows(c.file, line)
		return &p
	}
	return nil
}

// count counts the item rows among rows, which follow the header.
func (c *collector) count(rows []rawRow) {
	for _, r := range rows {
		if c.afterHdr++; c.afterHdr == 1 && isNotes(r.cells) {
			continue // the notes row, as process skips it
		}
		c.items++
	}
}

// tooManyRows is the problem of the row that passes MaxRows.
func tooManyRows(file string, line int) Problem {
	return newProblem(file, line, "",
		fmt.Sprintf("文件超过 %d 个事项行的上限（服务器一次最多导入 %d 行），在这一行停止读取：请把文件分成几个，每个不超过 %d 行，分别导入；未导入任何内容", MaxRows, MaxRows, MaxRows),
		fmt.Sprintf("the file has more than %d item rows, the limit (the server imports at most %d rows at once); reading stopped at this row: split the file into files of at most %d rows and import each; nothing was imported", MaxRows, MaxRows, MaxRows))
}

// headerName is the header of column i once the header row is known, else
// the column's letter.
func (c *collector) headerName(i int) string {
	if h := c.headerRow(); i < len(h) {
		if s := clean(h[i]); s != "" {
			return s
		}
	}
	return columnName(i + 1)
}

// headerRow is the header row if known (or guessed from the rows so far).
func (c *collector) headerRow() []string {
	h := c.header
	if h < 0 {
		h = findHeader(c.raw)
	}
	if h < 0 {
		return nil
	}
	return c.raw[h].cells
}

// columnName is a column's letters as Excel shows them (1 is A).
func columnName(n int) string {
	s, err := excelize.ColumnNumberToName(n)
	if err != nil {
		return fmt.Sprint(n)
	}
	return s
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// checkSizes reports the fields of a row that pass the server's field
// limits, located at their column, so that a row is refused before it is
// sent and in the same terms as any other bad cell.
func (l *layout) checkSizes(row Row, bad func(k int, zh, en string)) {
	it := row.Item
	text := func(k int, s string, max int) {
		if n := utf8.RuneCountInString(s); n > max {
			bad(k, fmt.Sprintf("%s过长：%d 字，最多 %d 字", l.names[k], n, max),
				fmt.Sprintf("%s is too long: %d characters, at most %d", l.names[k], n, max))
		}
	}
	list := func(k int, entries []string) {
		if len(entries) > registry.MaxListEntries {
			bad(k, fmt.Sprintf("%s有 %d 条，最多 %d 条", l.names[k], len(entries), registry.MaxListEntries),
				fmt.Sprintf("%s has %d entries, at most %d", l.names[k], len(entries), registry.MaxListEntries))
			return
		}
		for _, e := range entries {
			if n := utf8.RuneCountInString(e); n > registry.MaxTextRunes {
				bad(k, fmt.Sprintf("%s中有一条过长：%d 字，每条最多 %d 字", l.names[k], n, registry.MaxTextRunes),
					fmt.Sprintf("an entry of %s is too long: %d characters, at most %d each", l.names[k], n, registry.MaxTextRunes))
				return
			}
		}
	}
	name := cName
	if l.cell(row.Cells, cSubItem) != "" {
		name = cSubItem
	}
	text(name, it.GetDisplayName(), registry.MaxNameRunes)
	if main := cMainItem; l.idx[main] >= 0 && l.cell(row.Cells, main) != "" {
		text(main, row.MainItem, registry.MaxNameRunes)
	} else if name == cSubItem {
		text(cName, row.MainItem, registry.MaxNameRunes)
	}
	text(cDepartment, row.Department, registry.MaxNameRunes)
	bases := make([]string, len(it.GetLegalBases()))
	for i, b := range it.GetLegalBases() {
		bases[i] = b.GetText()
	}
	list(cLegalBases, bases)
	text(cEntrustingBody, it.GetEntrustingBody(), registry.MaxNameRunes)
	text(cHandlingUnit, it.GetHandlingUnit(), registry.MaxNameRunes)
	list(cLevels, it.GetLevels())
	list(cResponsibilities, it.GetResponsibilities())
	list(cAccountability, it.GetAccountability())
	text(cFeeBasis, it.GetFee().GetBasis(), registry.MaxTextRunes)
	text(cFeeStandard, it.GetFee().GetStandard(), registry.MaxTextRunes)
	text(cRemark, it.GetRemark(), registry.MaxTextRunes)
}
