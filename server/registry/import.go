package registry

import (
	"errors"
	"fmt"
	"strconv"
)

// Import limits, the same on the client (powerctl import reads its files
// against them) and on the server. An import is one transaction, so the
// rows it holds until the last one arrived are bounded in number and in
// bytes; rows that break a size limit stop the import at once.
const (
	// MaxImportRows bounds one import, so that one request cannot hold
	// the store's write lock for long. A province's list is well under it.
	MaxImportRows = 100000
	// DefaultMaxImportBytes is the default byte budget of one import's
	// rows as sent (powerregd --max-import-bytes): 100,000 rows of 2.6 KB,
	// three times the average real row (Guang'an's rows with the legal
	// bases, duties and accountability of the demo's real items: 870 B in
	// protobuf).
	DefaultMaxImportBytes = 256 << 20
	// MaxImportProblems bounds the content problems (a missing category,
	// an unknown department…) one import reports: past it the import
	// stops, and the report says that more may follow.
	MaxImportProblems = 1000
)

// ImportRow is one row of an imported list.
type ImportRow struct {
	DepartmentName string // the department's display name, when the import has no department
	MainItem       string // display name of the main item, "" for a main item
	Item           ItemInput
}

// ImportInput is a whole imported list.
type ImportInput struct {
	Department        string // import every row into this department; "" when rows name theirs
	CreateDepartments bool   // create departments that rows name and that do not exist
	ValidateOnly      bool   // check, write nothing
	Rows              []ImportRow
}

// ImportResult says what an import created (or would create).
type ImportResult struct {
	Items       []string // item names, in row order
	MainItems   []string // main items created because absent
	Departments []*Department
}

// errDryRun rolls back a validate-only import after every check passed.
var errDryRun = errors.New("validate only")

// Importer checks an import's rows one by one as they arrive: a row that
// breaks a size limit (a field, the row count, the import's byte budget)
// ends the import at once, naming the row; content problems are collected
// (up to MaxImportProblems) for the per-row report. Service.Import then
// writes the rows in one transaction.
type Importer struct {
	in       ImportInput // Rows: those accepted so far
	maxBytes int64       // 0: no budget
	bytes    int64
	v        violations // content problems so far
}

// NewImporter starts an import with head's department and options (its
// rows are ignored), its rows' encoded size bounded by maxBytes (0: none).
func NewImporter(head ImportInput, maxBytes int64) *Importer {
	head.Rows = nil
	return &Importer{in: head, maxBytes: maxBytes}
}

// Add checks the next row, of size bytes as sent, and keeps it. It
// returns an error when the import must stop: a size limit broken (this
// row's), or too many content problems.
func (im *Importer) Add(r ImportRow, size int) error {
	i := len(im.in.Rows)
	f := fmt.Sprintf("rows[%d]", i)
	if i >= MaxImportRows {
		var v violations
		v.addSize(f, fmt.Sprintf("第 %d 行超出上限：一次最多导入 %d 行，请分成几个文件", i, MaxImportRows),
			fmt.Sprintf("rows[%d] is over the limit: at most %d rows per import; split the file", i, MaxImportRows))
		return v.err()
	}
	im.bytes += int64(size)
	if im.maxBytes > 0 && im.bytes > im.maxBytes {
		return importTooLarge(i, im.maxBytes)
	}
	var v violations
	checkContent(&v, f+".item", &r.Item.Content, nil)
	checkCode(&v, f+".item.code", r.Item.Code)
	checkText(&v, f+".main_item", r.MainItem, maxNameRunes, false)
	if im.in.Department == "" {
		checkText(&v, f+".department_display_name", r.DepartmentName, maxNameRunes, true)
	}
	if v.sized() {
		// The row is not kept; the problems found so far come along.
		return append(im.v, v...).err()
	}
	im.v = append(im.v, v...)
	if len(im.v) >= MaxImportProblems {
		im.v.add("rows", fmt.Sprintf("问题过多：前 %d 行已有 %d 处问题，导入已停止；请先改正这些问题", i+1, len(im.v)),
			fmt.Sprintf("too many problems: %d in the first %d rows, the import stopped; correct these first", len(im.v), i+1))
		return im.v.err()
	}
	normalize(&r.Item.Content)
	im.in.Rows = append(im.in.Rows, r)
	return nil
}

// Rows is the number of rows accepted so far.
func (im *Importer) Rows() int { return len(im.in.Rows) }

// importTooLarge refuses an import whose row i passed the byte budget.
// Rows are named by their index in the stream (第 i 行, rows[i]), which
// powerctl rewrites as the file's row numbers.
func importTooLarge(i int, max int64) error {
	e := newErr(ClassResourceExhausted, ReasonImportTooLarge,
		fmt.Sprintf("导入在第 %d 行超过 %d 字节的上限（--max-import-bytes），未导入任何内容；请把文件分成几次导入，或请管理员调高上限", i, max),
		fmt.Sprintf("the import passed its limit of %d bytes (--max-import-bytes) at rows[%d]; nothing was imported: split the file, or ask the administrator to raise the limit", max, i))
	e.Violations = []Violation{{Field: fmt.Sprintf("rows[%d]", i), Description: bi(
		fmt.Sprintf("导入至此行超过 %d 字节的上限", max), fmt.Sprintf("the import passes its limit of %d bytes at this row", max))}}
	e.Metadata = map[string]string{"max_bytes": strconv.FormatInt(max, 10), "row_index": strconv.Itoa(i)}
	return e
}

// ImportItems creates the rows of a list as draft items in one
// transaction: all of them, or none when any row is refused.
func (s *Service) ImportItems(actor string, in ImportInput) (*ImportResult, error) {
	im := NewImporter(in, 0)
	for _, r := range in.Rows {
		if err := im.Add(r, 0); err != nil {
			return nil, err
		}
	}
	return s.Import(actor, im)
}

// Import writes the rows im accepted, after checking them against the
// store, in one transaction: all of them, or none when any row is refused.
func (s *Service) Import(actor string, im *Importer) (*ImportResult, error) {
	in := im.in
	v := im.v
	if len(in.Rows) == 0 && len(v) == 0 {
		v.add("rows", "没有可导入的行", "there are no rows to import")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *ImportResult
	err := s.mutate(actor, func(m *mut) error {
		im := &importing{mut: m, in: &in, res: &ImportResult{}, mains: map[string]map[string]uint64{}}
		if err := im.run(); err != nil {
			return err
		}
		out = im.res
		if in.ValidateOnly {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		out.Items, out.MainItems, err = nil, nil, nil
	}
	return out, err
}

// importing is one import in progress.
type importing struct {
	*mut
	in    *ImportInput
	res   *ImportResult
	depts []string                     // department id of each row
	mains map[string]map[string]uint64 // department → main item display name → id
	v     violations
}

func (im *importing) run() error {
	if err := im.resolveDepartments(); err != nil {
		return err
	}
	if err := im.checkCodes(); err != nil {
		return err
	}
	if err := im.v.err(); err != nil {
		return err
	}
	items := make([]*Item, len(im.in.Rows))
	for i, r := range im.in.Rows {
		it, err := im.create(im.depts[i], r.Item.Content, r.Item.Code)
		if err != nil {
			return err
		}
		items[i] = it
		im.res.Items = append(im.res.Items, ItemName(it.Department, it.ID))
		if r.MainItem == "" {
			if _, dup := im.mains[it.Department][r.Item.Content.DisplayName]; !dup {
				im.mains[it.Department][r.Item.Content.DisplayName] = it.ID
			}
		}
	}
	// Sub-items find their main items by name once every row exists, so
	// that a main item may come after its sub-items in the file.
	for i, r := range im.in.Rows {
		if r.MainItem == "" {
			continue
		}
		parent, err := im.mainItem(i, r)
		if err != nil {
			return err
		}
		items[i].Parent = parent
		if err := im.PutItem(items[i]); err != nil {
			return err
		}
	}
	return nil
}

// resolveDepartments finds the department of every row, creating missing
// ones when asked to.
func (im *importing) resolveDepartments() error {
	im.depts = make([]string, len(im.in.Rows))
	byName := map[string]string{}
	if im.in.Department != "" {
		if _, err := loadDepartment(im, im.in.Department); err != nil {
			return err
		}
	} else {
		err := im.ScanDepartments("", func(d *Department) (bool, error) {
			if _, dup := byName[d.DisplayName]; !dup {
				byName[d.DisplayName] = d.ID
			}
			return true, nil
		})
		if err != nil {
			return err
		}
	}
	for i, r := range im.in.Rows {
		id := im.in.Department
		if id == "" {
			var ok bool
			if id, ok = byName[r.DepartmentName]; !ok {
				if !im.in.CreateDepartments {
					im.v.add(fmt.Sprintf("rows[%d].department_display_name", i),
						fmt.Sprintf("没有名为“%s”的部门；请先创建该部门，或使用 --create-departments 自动创建", r.DepartmentName),
						fmt.Sprintf("no department is called %q; create it first, or let the import create it (--create-departments)", r.DepartmentName))
					continue
				}
				d, err := im.newDepartment(r.DepartmentName)
				if err != nil {
					return err
				}
				id, byName[r.DepartmentName] = d.ID, d.ID
				im.res.Departments = append(im.res.Departments, d)
			}
		}
		im.depts[i] = id
		if im.mains[id] == nil {
			if err := im.loadMainItems(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// newDepartment creates a department named by a list, with id d{number}.
func (im *importing) newDepartment(name string) (*Department, error) {
	n, err := im.NextSeq("departments")
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("d%03d", n)
	for suffix := 2; ; suffix++ {
		old, err := im.GetDepartment(id)
		if err != nil {
			return nil, err
		}
		if old == nil {
			break
		}
		id = fmt.Sprintf("d%03d-%d", n, suffix)
	}
	d := &Department{ID: id, DisplayName: name, Number: int(n), CreateTime: im.now, UpdateTime: im.now, Version: im.rev}
	if err := im.PutDepartment(d); err != nil {
		return nil, err
	}
	return d, im.event(DepartmentName(id), ActionCreated, "导入时创建 / created by an import", "")
}

// loadMainItems indexes a department's main items by display name.
func (im *importing) loadMainItems(dept string) error {
	names := map[string]uint64{}
	im.mains[dept] = names
	return im.ScanItems(dept, 0, func(it *Item) (bool, error) {
		if it.Parent != 0 || it.State == ItemAbolished {
			return true, nil
		}
		rev, err := loadRevision(im, it, it.Head)
		if err != nil {
			return false, err
		}
		if _, dup := names[rev.Content.DisplayName]; !dup {
			names[rev.Content.DisplayName] = it.ID
		}
		return true, nil
	})
}

// checkCodes refuses codes that are taken or given twice in the list.
func (im *importing) checkCodes() error {
	seen := map[string]int{}
	for i, r := range im.in.Rows {
		code := r.Item.Code
		if code == "" {
			continue
		}
		field := fmt.Sprintf("rows[%d].item.code", i)
		if first, dup := seen[code]; dup {
			im.v.add(field, fmt.Sprintf("编码 %s 与第 %d 行重复", code, first), fmt.Sprintf("code %s is also given in rows[%d]", code, first))
			continue
		}
		seen[code] = i
		holder, err := im.ItemByCode(code)
		if err != nil {
			return err
		}
		if holder != 0 {
			im.v.add(field, fmt.Sprintf("编码 %s 已被事项 %d 使用；编码须唯一", code, holder),
				fmt.Sprintf("code %s is already used by item %d; codes are unique", code, holder))
		}
	}
	return nil
}

// create writes a new draft item with its first revision.
func (im *importing) create(dept string, c Content, code string) (*Item, error) {
	id, err := im.NextSeq("items")
	if err != nil {
		return nil, err
	}
	if code != "" {
		if err := im.PutCode(code, id); err != nil {
			return nil, err
		}
	}
	it := &Item{ID: id, Department: dept, Code: code, State: ItemDraft, Pending: ChangeCreate, Head: 1,
		CreateTime: im.now, UpdateTime: im.now, Version: im.rev}
	rev := &Revision{Item: id, Number: 1, Change: ChangeCreate, Content: c, Actor: im.actor, CreateTime: im.now}
	if err := im.PutRevision(rev); err != nil {
		return nil, err
	}
	if err := im.PutItem(it); err != nil {
		return nil, err
	}
	return it, im.event(ItemName(dept, id), ActionCreated, "导入 / imported", "")
}

// mainItem finds row i's main item by name in its department, creating it
// when absent.
func (im *importing) mainItem(i int, r ImportRow) (uint64, error) {
	dept := im.depts[i]
	if id, ok := im.mains[dept][r.MainItem]; ok { // only main items are indexed
		return id, nil
	}
	c := Content{DisplayName: r.MainItem, Category: r.Item.Content.Category, CategoryLabel: r.Item.Content.CategoryLabel}
	main, err := im.create(dept, c, "")
	if err != nil {
		return 0, err
	}
	im.mains[dept][r.MainItem] = main.ID
	im.res.MainItems = append(im.res.MainItems, ItemName(dept, main.ID))
	return main.ID, nil
}
