package sheet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// Row is one spreadsheet row turned into an item.
type Row struct {
	File       string   // file name as shown to the user
	Line       int      // row number as Excel shows it (header = 1)
	Department string   // 实施主体/部门 cell (display name), "" when the file has no such column
	MainItem   string   // display name of the main item (大项) this row is a sub-item of, "" for a main item
	Item       *pb.Item // content fields, and Name from an identity column (事项标识); Parent and output fields are empty
	RegionCode string   // 区划代码 cell as written (the server normalises it), "" when none

	// Extra holds the export-only columns of the row (state, review
	// comments: RoleExport) by key, when not empty. They are never part of
	// the item; `powerctl review import` reads the reviewer's comment here.
	Extra map[string]string

	// Header and Cells are the file's header row and this row's cells as
	// read, so that a row the server refuses can be handed back with its
	// reason (see WriteRejects).
	Header []string
	Cells  []string

	// Warnings are what was changed in reading the row, such as a line
	// break in a name turned into a space (lines.go). The row is good.
	Warnings []Problem
}

// Options tune Read.
type Options struct {
	// Sheet is the XLSX sheet to read; "" means the first sheet.
	Sheet string
	// Categories maps a category label or alias, as written in the sheet, to
	// its category; the caller fills it from the server's ListCategories
	// (labels and aliases). Nil means DefaultCategories (the ten Chinese
	// labels). Enum names such as CATEGORY_PENALTY are always accepted.
	Categories map[string]pb.Category
	// Progress, when set, is called with the number of rows read so far
	// every 10,000 rows (empty rows included), for long files.
	Progress func(rows int)
}

// Read reads a CSV or XLSX file, chosen by extension: .csv, .tsv and .txt are
// CSV (comma-, tab- or semicolon-separated), .xlsx and .xlsm are XLSX. It returns the good
// rows and one problem per bad cell or row; a row with a problem is not among
// the rows. err is only for files that cannot be opened or read at all.
// Problem.File and Row.File are the file's base name.
func Read(path string, opts Options) (rows []Row, problems []Problem, err error) {
	name := filepath.Base(path)
	csv := false
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv", ".tsv", ".txt":
		csv = true
	case ".xlsx", ".xlsm":
	case ".xls", ".et":
		return nil, nil, fmt.Errorf("%s: 不支持旧版 Excel 文件（%s），请在 Excel 或 WPS 中另存为 .xlsx / old Excel files (%s) are not supported: save the file as .xlsx", name, ext, ext)
	default:
		return nil, nil, fmt.Errorf("%s: 不支持的文件类型“%s”，请使用 .xlsx 或 .csv 文件 / unsupported file type %q: use an .xlsx or .csv file", name, ext, ext)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: 无法打开文件，请检查路径和权限 / cannot open the file: check its path and permissions: %w", name, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxFileBytes {
		return nil, nil, fileTooLarge(name)
	}
	if csv {
		return ReadCSV(f, name, opts)
	}
	return readXLSXFile(path, name, opts)
}

// rawRow is one row of cells with its Excel row number.
type rawRow struct {
	line  int
	cells []string
}

// Positions of the columns in Columns.
var (
	cDepartment        = columnIndex(KeyDepartment)
	cMainItem          = columnIndex(KeyMainItem)
	cSubItem           = columnIndex(KeySubItem)
	cName              = columnIndex(KeyName)
	cCategory          = columnIndex(KeyCategory)
	cCode              = columnIndex(KeyCode)
	cLegalBases        = columnIndex(KeyLegalBases)
	cSource            = columnIndex(KeySource)
	cEntrustingBody    = columnIndex(KeyEntrustingBody)
	cHandlingUnit      = columnIndex(KeyHandlingUnit)
	cLevels            = columnIndex(KeyLevels)
	cResponsibilities  = columnIndex(KeyResponsibilities)
	cAccountability    = columnIndex(KeyAccountability)
	cLegalTimeLimit    = columnIndex(KeyLegalTimeLimit)
	cPromisedTimeLimit = columnIndex(KeyPromisedTimeLimit)
	cFeeCharged        = columnIndex(KeyFeeCharged)
	cFeeBasis          = columnIndex(KeyFeeBasis)
	cFeeStandard       = columnIndex(KeyFeeStandard)
	cReviewAndForward  = columnIndex(KeyReviewAndForward)
	cRemark            = columnIndex(KeyRemark)
	cItem              = columnIndex(KeyItem)
	cRegion            = columnIndex(KeyRegion)
)

// layout is where the file has each template column.
type layout struct {
	file   string
	header []string
	idx    []int               // by position in allColumns: index in the row, or -1
	names  []string            // by position in allColumns: the header as written
	units  []pb.TimeLimit_Unit // by position in allColumns: unit named in the header, as in 法定期限（工作日）
	cats   map[string]pb.Category
}

// headerScan is how many non-empty rows may precede the header (a title row,
// for instance).
const headerScan = 10

func isEmpty(cells []string) bool {
	for _, c := range cells {
		if clean(c) != "" {
			return false
		}
	}
	return true
}

func isNotes(cells []string) bool {
	for _, c := range cells {
		if c = clean(c); c != "" {
			return strings.HasPrefix(c, notesPrefix) || strings.HasPrefix(c, "说明:")
		}
	}
	return false
}

// findHeader returns the index in raw of the header row: the first of the
// first headerScan non-empty rows with at least two known headers, or else
// the first non-empty row; -1 when every row is empty.
func findHeader(raw []rawRow) int {
	first, seen := -1, 0
	for i, r := range raw {
		if isEmpty(r.cells) {
			continue
		}
		if first < 0 {
			first = i
		}
		known := 0
		for _, c := range r.cells {
			if _, ok := headerKeys[normHeader(c)]; ok {
				known++
			}
		}
		if known >= 2 {
			return i
		}
		if seen++; seen == headerScan {
			break
		}
	}
	return first
}

// process turns the raw rows of a file into rows and problems.
func process(file string, raw []rawRow, opts Options) (rows []Row, problems []Problem) {
	h := findHeader(raw)
	if h < 0 {
		return nil, []Problem{newProblem(file, 1, "",
			"文件是空的，请在第1行填写表头（如“实施主体”“职权名称”“职权类型”），从第2行起每行一个事项",
			"the file is empty: put the headers (such as 实施主体, 职权名称, 职权类型) in row 1 and one item per row below")}
	}
	hl := raw[h].line
	l := &layout{file: file, header: raw[h].cells, idx: make([]int, len(allColumns)), names: make([]string, len(allColumns)),
		units: make([]pb.TimeLimit_Unit, len(allColumns)), cats: opts.Categories}
	if l.cats == nil {
		l.cats = DefaultCategories()
	}
	for i := range l.idx {
		l.idx[i] = -1
	}
	for i, cell := range l.header {
		key, ok := headerKeys[normHeader(cell)]
		if !ok {
			continue
		}
		k := columnIndex(key)
		written := clean(cell)
		if prev := l.idx[k]; prev >= 0 {
			p := newProblem(file, hl, written,
				fmt.Sprintf("「%s」和「%s」是同一列（%s），请删除或改名其中一列", l.names[k], written, allColumns[k].Header),
				fmt.Sprintf("columns %s and %s both mean %s (%s): delete or rename one of them", l.names[k], written, allColumns[k].Header, key))
			p.Header = l.header
			problems = append(problems, p)
			continue
		}
		l.idx[k], l.names[k], l.units[k] = i, written, headerUnit(written)
	}
	for _, k := range []int{cName, cCategory} {
		// A working copy cut down to some columns updates the items its
		// 事项标识 names; only rows that create need a category.
		if l.idx[k] < 0 && (k != cCategory || l.idx[cItem] < 0) {
			c := Columns[k]
			p := newProblem(file, hl, "",
				fmt.Sprintf("缺少「%s」列，请在表头（第%d行）加上这一列（也可写作：%s）", c.Header, hl, strings.Join(c.Synonyms, "、")),
				fmt.Sprintf("no %s (%s) column: add it to the header row (row %d); also accepted: %s", c.Header, c.Key, hl, strings.Join(c.Synonyms, ", ")))
			p.Header = l.header
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	rows = make([]Row, 0, len(raw)-h-1)
	first := true // the notes row: the first row after the header, or our own anywhere
	n := 0
	for _, r := range raw[h+1:] {
		if isEmpty(r.cells) {
			continue
		}
		if first {
			first = false
			if isNotes(r.cells) {
				continue
			}
		} else if isNotes(r.cells) && strings.TrimPrefix(l.cell(r.cells, cName), notesPrefix) == clean(Columns[cName].Note) {
			continue // the notes row, moved by a sort in Excel
		}
		if n++; n > MaxRows {
			return nil, []Problem{tooManyRows(file, r.line)}
		}
		row, ps := l.row(r)
		if len(ps) > 0 {
			problems = append(problems, ps...)
			continue
		}
		rows = append(rows, row)
	}
	return rows, problems
}

// cell returns the cleaned cell of column k.
func (l *layout) cell(cells []string, k int) string {
	i := l.idx[k]
	if i < 0 || i >= len(cells) {
		return ""
	}
	return clean(unneutralize(cells[i]))
}

var categoryList = strings.Join(CategoryLabels(), "、")

// row turns one row into a Row, or into the problems it has.
func (l *layout) row(r rawRow) (Row, []Problem) {
	var problems []Problem
	bad := func(k int, zh, en string) {
		p := newProblem(l.file, r.line, l.names[k], zh, en)
		p.Header, p.Cells = l.header, r.cells
		problems = append(problems, p)
	}
	cells, warnings := l.joinLines(r) // lines.go
	get := func(k int) string { return l.cell(cells, k) }
	it := &pb.Item{}
	row := Row{File: l.file, Line: r.line, Item: it, Header: l.header, Cells: r.cells, Warnings: warnings}

	if l.idx[cDepartment] >= 0 {
		if row.Department = get(cDepartment); row.Department == "" {
			n := l.names[cDepartment]
			bad(cDepartment, n+"为空，请填写实施部门的名称", "the department is empty: fill in the department's name")
		}
	}

	name, main, sub := get(cName), get(cMainItem), get(cSubItem)
	switch {
	case sub != "":
		mainName := name
		if main != "" {
			if name != "" && name != main {
				bad(cSubItem,
					fmt.Sprintf("%s%s、%s%s和%s%s都已填写，但只支持两级，请把%s或%s留空",
						l.names[cMainItem], quote(main), l.names[cName], quote(name), l.names[cSubItem], quote(sub), l.names[cMainItem], l.names[cName]),
					fmt.Sprintf("%s, %s and %s are all filled in but only two levels are supported: leave %s or %s empty",
						l.names[cMainItem], l.names[cName], l.names[cSubItem], l.names[cMainItem], l.names[cName]))
			}
			mainName = main
		}
		if mainName == "" {
			bad(cName, fmt.Sprintf("子项%s没有所属的职权，请填写%s", quote(sub), l.names[cName]),
				fmt.Sprintf("sub-item %s has no main item: fill in %s", quote(sub), l.names[cName]))
		}
		it.DisplayName = sub
		if mainName != sub {
			row.MainItem = mainName
		}
	case name == "":
		n := l.names[cName]
		bad(cName, n+"为空，请填写事项名称", "the name is empty: fill in the item's name")
	default:
		it.DisplayName = name
		if main != name {
			row.MainItem = main
		}
	}

	switch c := get(cCategory); {
	case l.idx[cCategory] < 0 && get(cItem) != "":
		// An update by 事项标识 without the column: the category stays.
	case l.idx[cCategory] < 0:
		c := Columns[cCategory]
		bad(cCategory, fmt.Sprintf("本行没有事项标识，将新建事项，但文件缺少「%s」列；请在表头加上这一列并填写，或删去本行", c.Header),
			fmt.Sprintf("the row has no 事项标识 and would create an item, but the file has no %s (%s) column: add the column and fill it in, or delete the row", c.Header, c.Key))
	case c == "":
		bad(cCategory, fmt.Sprintf("%s为空，请填写以下之一：%s", l.names[cCategory], categoryList),
			"the category is empty: use one of "+strings.ReplaceAll(categoryList, "、", ", "))
	default:
		if cat, ok := l.cats[c]; ok && cat != pb.Category_CATEGORY_UNSPECIFIED {
			it.Category, it.CategoryLabel = cat, c
		} else if v, ok := pb.Category_value[strings.ToUpper(c)]; ok && v != 0 {
			it.Category = pb.Category(v)
		} else {
			bad(cCategory, fmt.Sprintf("未知的%s%s，请填写以下之一：%s", l.names[cCategory], quote(c), categoryList),
				fmt.Sprintf("unknown category %s: use one of %s", quote(c), strings.ReplaceAll(categoryList, "、", ", ")))
		}
	}

	it.Code = get(cCode)
	it.LegalBases = parseLegalBases(get(cLegalBases))
	if s := get(cSource); s != "" {
		if src, ok := parseSource(s); ok {
			it.Source = src
		} else {
			bad(cSource, fmt.Sprintf("未知的%s%s，请填写“法定”“授权”或“受委托”", l.names[cSource], quote(s)),
				fmt.Sprintf("unknown source %s: use 法定 (statutory), 授权 (delegated) or 受委托 (entrusted)", quote(s)))
		}
	}
	it.EntrustingBody = get(cEntrustingBody)
	it.HandlingUnit = get(cHandlingUnit)
	it.Levels = splitList(get(cLevels), levelSeps)
	it.Responsibilities = splitList(get(cResponsibilities), listSeps)
	it.Accountability = splitList(get(cAccountability), listSeps)
	timeLimit := func(k int) *pb.TimeLimit {
		s := get(k)
		tl, ok := parseTimeLimit(s, l.units[k])
		if !ok {
			bad(k, fmt.Sprintf("无法识别的%s%s，请写成“20个工作日”“30日”“30天”或“3个月”，没有期限请留空", l.names[k], quote(s)),
				fmt.Sprintf("unrecognised time limit %s: write it as 20个工作日 (working days), 30日 or 30天 (days) or 3个月 (months), or leave it empty", quote(s)))
		}
		return tl
	}
	it.LegalTimeLimit = timeLimit(cLegalTimeLimit)
	it.PromisedTimeLimit = timeLimit(cPromisedTimeLimit)
	boolean := func(k int) *bool {
		s := get(k)
		v, ok := parseBool(s)
		if !ok {
			bad(k, fmt.Sprintf("无法识别的%s%s，请填写“是”或“否”", l.names[k], quote(s)),
				fmt.Sprintf("unrecognised yes/no value %s in %s: use 是 (yes) or 否 (no)", quote(s), l.names[k]))
		}
		return v
	}
	charged := boolean(cFeeCharged)
	basis, standard := get(cFeeBasis), get(cFeeStandard)
	if charged != nil || basis != "" || standard != "" {
		it.Fee = &pb.Fee{Charged: charged, Basis: basis, Standard: standard}
	}
	it.ReviewAndForward = boolean(cReviewAndForward)
	it.Remark = get(cRemark)
	it.Name = get(cItem)
	row.RegionCode = get(cRegion)
	for k, c := range allColumns {
		if c.Role != RoleExport {
			continue
		}
		if v := get(k); v != "" {
			if row.Extra == nil {
				row.Extra = map[string]string{}
			}
			row.Extra[c.Key] = v
		}
	}
	l.checkSizes(row, bad)
	if len(problems) > 0 {
		return Row{}, problems
	}
	return row, nil
}
