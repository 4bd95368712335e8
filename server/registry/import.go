package registry

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	// Name is the item the row identifies (departments/{d}/items/{id}),
	// read only with ImportInput.UpdateExisting.
	Name       string
	RegionCode string // the department's region (GB/T 2260), normalised by Add
	Item       ItemInput
}

// ImportInput is a whole imported list.
type ImportInput struct {
	Department        string // import every row into this department; "" when rows name theirs
	CreateDepartments bool   // create departments that rows name and that do not exist
	ValidateOnly      bool   // check, write nothing
	// UpdateExisting: a row that names an item, or gives the code of one
	// of its department, updates it (the spreadsheet round trip).
	UpdateExisting bool
	// CreateDuplicates creates rows that match an item of the department
	// by name and main item, instead of refusing them.
	CreateDuplicates bool
	// Mask names the fields an update compares and writes: the columns
	// the file has (UpdateItem's paths, and main_item); nil: every one.
	Mask []string
	Rows []ImportRow
}

// ImportOutcome is what an import does with a row. The numbers match
// powerreg.v1.ImportRowResult.Outcome.
type ImportOutcome int

// Outcomes of a row.
const (
	OutcomeCreated   ImportOutcome = 1
	OutcomeUpdated   ImportOutcome = 2
	OutcomeUnchanged ImportOutcome = 3
)

// ImportRowResult says what an import did (or would do) with one row.
type ImportRowResult struct {
	Row     int
	Item    string // "" for a row created with ValidateOnly
	Outcome ImportOutcome
	Changes []FieldDifference // OutcomeUpdated: the fields that change
}

// MaxImportResults bounds the rows ImportResult.Rows describes, as the
// answer's names are bounded: an import of 100,000 rows is answered
// under gRPC's default 4 MiB.
const MaxImportResults = 10000

// ImportResult says what an import created and changed (or would).
type ImportResult struct {
	Items       []string // names of the items created, in row order
	MainItems   []string // main items created because absent
	Departments []*Department
	// Rows that create, change, or leave unchanged the item they name.
	Created, Updated, Unchanged int
	Rows                        []ImportRowResult // the first MaxImportResults rows
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
	// later holds, with a mask, a row's content problems in fields the
	// file does not carry: they count only if the row creates an item.
	later map[int]violations
}

// importPaths are the mask paths an import takes besides UpdateItem's.
var importPaths = []string{"main_item"}

// NewImporter starts an import with head's department and options (its
// rows are ignored), its rows' encoded size bounded by maxBytes (0: none).
func NewImporter(head ImportInput, maxBytes int64) *Importer {
	head.Rows = nil
	im := &Importer{in: head, maxBytes: maxBytes, later: map[int]violations{}}
	for _, p := range head.Mask {
		if _, ok := updatable[p]; !ok && !slices.Contains(importPaths, p) || p == "parent" {
			im.v.add("update_mask", fmt.Sprintf("导入不能更新字段 %q；可用：%s", p, strings.Join(maskPaths(), ", ")),
				fmt.Sprintf("an import cannot update field %q; it takes: %s", p, strings.Join(maskPaths(), ", ")))
		}
	}
	return im
}

// maskPaths lists the paths an import's mask takes.
func maskPaths() []string {
	var out []string
	for p := range updatable {
		if p != "parent" {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return append(out, importPaths...)
}

// masked reports whether the import's mask leaves out a problem of a
// row's item (field, under item such as "rows[3].item"): the file has
// no column for it, so an update does not touch it.
func (im *Importer) masked(item, field string) bool {
	if len(im.in.Mask) == 0 || !im.in.UpdateExisting {
		return false
	}
	rest, ok := strings.CutPrefix(field, item+".")
	if !ok {
		return false // the whole item (its size)
	}
	top := rest[:strings.IndexAny(rest+".", ".[")]
	if top == "code" || top == "name" {
		return false // identifies the row
	}
	for _, p := range im.in.Mask {
		if p == top || strings.HasPrefix(p, top+".") {
			return false
		}
	}
	return true
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
	} else {
		// Only compared with the department's name (importing.checkDepartment).
		checkSize(&v, f+".department_display_name", r.DepartmentName, maxNameRunes, false)
	}
	if !im.in.UpdateExisting {
		r.Name = "" // ignored (the API says so)
	} else if r.Name != "" {
		if _, _, err := ParseItemName("", r.Name); err != nil {
			v.add(f+".item.name", fmt.Sprintf("事项标识 %q 格式不对，应为 departments/{部门}/items/{编号}；请从导出的工作副本复制，或清空以新建事项", r.Name),
				fmt.Sprintf("item name %q is malformed: it should be departments/{department}/items/{item}; copy it from an exported working copy, or leave it empty to create an item", r.Name))
		}
	}
	checkRegion(&v, f+".region_code", &r.RegionCode)
	if v.sized() {
		// The row is not kept; the problems found so far come along.
		return append(im.v, v...).err()
	}
	for _, x := range v {
		if im.masked(f+".item", x.Field) {
			im.later[i] = append(im.later[i], x)
		} else {
			im.v = append(im.v, x)
		}
	}
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

// ImportItems imports the rows of a list in one transaction: each creates
// a draft item, or with UpdateExisting updates the item it names; all of
// them, or none when any row is refused.
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
		run := &importing{mut: m, in: &in, later: im.later, region: s.region, res: &ImportResult{},
			mains: map[string]map[string]uint64{}, existing: map[string]map[string]uint64{}}
		if err := run.run(); err != nil {
			return err
		}
		out = run.res
		if in.ValidateOnly {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		out.Items, out.MainItems, err = nil, nil, nil
		for i := range out.Rows {
			if out.Rows[i].Outcome == OutcomeCreated {
				out.Rows[i].Item = ""
			}
		}
	}
	return out, err
}

// importing is one import in progress.
type importing struct {
	*mut
	in     *ImportInput
	later  map[int]violations // Importer.later
	region string             // the registry's default region
	res    *ImportResult
	depts  []string                     // department id of each row
	mains  map[string]map[string]uint64 // department → nameKey(main item's display name) → id
	// existing indexes the items of each department that are not
	// abolished: dupKey(display name, main item's display name) → id.
	existing map[string]map[string]uint64
	targets  []*Item       // the item each row identifies (UpdateExisting), nil: a row that creates
	changes  []*itemChange // the change of each identified row that changes its item
	diffs    [][]FieldDifference
	v        violations
	full     bool // more problems than MaxImportProblems: the rest are not listed
}

// problem adds a row's problem, up to MaxImportProblems of them.
func (im *importing) problem(x Violation) {
	if len(im.v) >= MaxImportProblems {
		im.full = true
		return
	}
	im.v = append(im.v, x)
}

func (im *importing) add(field, zh, en string) {
	im.problem(Violation{Field: field, Description: bi(zh, en)})
}

// err is the import's refusal, nil when no row has a problem. When every
// problem is an item that cannot change in its state (in review, an
// abolition pending), it is that FAILED_PRECONDITION, naming the items;
// otherwise INVALID_FIELDS, each problem keeping its own reason.
func (im *importing) err() error {
	if len(im.v) == 0 {
		return nil
	}
	v := im.v
	if im.full {
		v = append(v, Violation{Field: "rows", Description: bi(
			fmt.Sprintf("问题过多：只列出前 %d 处，导入未进行；请先改正这些问题", MaxImportProblems),
			fmt.Sprintf("too many problems: the first %d are listed and nothing was imported; correct these first", MaxImportProblems))})
	}
	reason := v[0].Reason
	var subjects []Subject
	for _, x := range v {
		if x.Reason != reason || reason != ReasonItemNotEditable && reason != ReasonChangePending {
			return v.err()
		}
		subjects = append(subjects, Subject{Name: x.Field, Description: x.Description})
	}
	e := wrongState(reason,
		"以下行要修改的事项当前不能修改，未导入任何内容："+subjectNames(subjects)+"；详见各行说明",
		"the items these rows change cannot be changed now; nothing was imported: "+subjectNames(subjects)+"; see the details", subjects...)
	e.Violations = v
	return e
}

func (im *importing) run() error {
	if err := im.resolveDepartments(); err != nil {
		return err
	}
	if err := im.identify(); err != nil {
		return err
	}
	im.checkDuplicates()
	if err := im.planChanges(); err != nil {
		return err
	}
	for i := range im.in.Rows {
		if im.targets[i] == nil {
			for _, x := range im.later[i] { // the row creates: every field counts
				im.problem(x)
			}
		}
	}
	if err := im.err(); err != nil {
		return err
	}
	for _, c := range im.changes {
		if c == nil {
			continue
		}
		if _, err := c.apply(im.mut); err != nil {
			return err
		}
		if c.it.Parent == 0 && c.next.Content.DisplayName != c.cur.Content.DisplayName {
			// New sub-items of this file find it by its new name.
			names := im.mains[c.it.Department]
			if names[nameKey(c.cur.Content.DisplayName)] == c.it.ID {
				delete(names, nameKey(c.cur.Content.DisplayName))
			}
			names[nameKey(c.next.Content.DisplayName)] = c.it.ID
		}
	}
	items := make([]*Item, len(im.in.Rows))
	created := map[string]bool{} // department + main item name this import created
	for i, r := range im.in.Rows {
		if im.targets[i] != nil {
			continue
		}
		it, err := im.create(im.depts[i], r.Item.Content, r.Item.Code)
		if err != nil {
			return err
		}
		items[i] = it
		im.res.Items = append(im.res.Items, ItemName(it.Department, it.ID))
		if k := nameKey(r.Item.Content.DisplayName); r.MainItem == "" && !created[it.Department+"\x00"+k] {
			// The file's own main item, even when one of that name exists
			// (CreateDuplicates): the file's sub-items are its sub-items.
			created[it.Department+"\x00"+k] = true
			im.mains[it.Department][k] = it.ID
		}
	}
	// Sub-items find their main items by name once every row exists, so
	// that a main item may come after its sub-items in the file.
	for i, r := range im.in.Rows {
		if r.MainItem == "" || items[i] == nil {
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
	im.results(items)
	return nil
}

// results counts the rows' outcomes and describes the first
// MaxImportResults rows.
func (im *importing) results(created []*Item) {
	res := im.res
	for i := range im.in.Rows {
		r := ImportRowResult{Row: i}
		switch {
		case created[i] != nil:
			r.Outcome, r.Item = OutcomeCreated, ItemName(created[i].Department, created[i].ID)
			res.Created++
		case im.changes[i] != nil:
			r.Outcome, r.Item, r.Changes = OutcomeUpdated, ItemName(im.targets[i].Department, im.targets[i].ID), im.diffs[i]
			res.Updated++
		default:
			r.Outcome, r.Item = OutcomeUnchanged, ItemName(im.targets[i].Department, im.targets[i].ID)
			res.Unchanged++
		}
		if len(res.Rows) < MaxImportResults {
			res.Rows = append(res.Rows, r)
		}
	}
}

// resolveDepartments finds the department of every row, creating missing
// ones when asked to, and checks the rows' department names and regions.
func (im *importing) resolveDepartments() error {
	rows := im.in.Rows
	im.depts = make([]string, len(rows))
	if im.in.Department != "" {
		d, err := loadDepartment(im, im.in.Department)
		if err != nil {
			return err
		}
		for i, r := range rows {
			im.depts[i] = d.ID
			if r.DepartmentName != "" && nameKey(r.DepartmentName) != nameKey(d.DisplayName) {
				im.add(fmt.Sprintf("rows[%d].department_display_name", i),
					fmt.Sprintf("本行的实施主体“%s”不是导入的部门“%s”（%s）；请改正该列，或把这些行导入其所属部门（--department），或去掉 --department 按实施主体导入",
						r.DepartmentName, d.DisplayName, DepartmentName(d.ID)),
					fmt.Sprintf("the row's department “%s” is not the department imported into, “%s” (%s); correct the column, import these rows into their own department (--department), or import without --department to follow the column",
						r.DepartmentName, d.DisplayName, DepartmentName(d.ID)))
			}
		}
		im.checkRegions(map[string]*Department{d.ID: d})
		return im.loadItems(d.ID)
	}
	byName := map[string]*Department{}
	err := im.ScanDepartments("", func(d *Department) (bool, error) {
		if _, dup := byName[nameKey(d.DisplayName)]; !dup {
			byName[nameKey(d.DisplayName)] = d
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	// The region of each department to create: that of its rows, which
	// must agree.
	regionRow := map[string]int{} // nameKey → first row giving a region
	for i, r := range rows {
		k := nameKey(r.DepartmentName)
		if _, ok := byName[k]; ok || !im.in.CreateDepartments || r.RegionCode == "" {
			continue
		}
		j, seen := regionRow[k]
		if !seen {
			regionRow[k] = i
		} else if rows[j].RegionCode != r.RegionCode {
			im.add(fmt.Sprintf("rows[%d].region_code", i),
				fmt.Sprintf("部门“%s”在本行的区划代码为 %s，在第 %d 行为 %s；一个部门只有一个区划，请统一", r.DepartmentName, r.RegionCode, j, rows[j].RegionCode),
				fmt.Sprintf("the department “%s” has region %s in this row and %s in rows[%d]; a department has one region: make them agree", r.DepartmentName, r.RegionCode, rows[j].RegionCode, j))
		}
	}
	existing := map[string]*Department{}
	for i, r := range rows {
		k := nameKey(r.DepartmentName)
		d, ok := byName[k]
		if !ok {
			if !im.in.CreateDepartments {
				im.add(fmt.Sprintf("rows[%d].department_display_name", i),
					fmt.Sprintf("没有名为“%s”的部门；请先创建该部门，或使用 --create-departments 自动创建", r.DepartmentName),
					fmt.Sprintf("no department is called “%s”; create it first, or let the import create it (--create-departments)", r.DepartmentName))
				continue
			}
			region := ""
			if j, ok := regionRow[k]; ok {
				region = rows[j].RegionCode
			}
			var err error
			if d, err = im.newDepartment(r.DepartmentName, region); err != nil {
				return err
			}
			byName[k] = d
			im.res.Departments = append(im.res.Departments, d)
		} else if !slices.ContainsFunc(im.res.Departments, func(c *Department) bool { return c == d }) {
			existing[d.ID] = d
		}
		im.depts[i] = d.ID
		if im.mains[d.ID] == nil {
			if err := im.loadItems(d.ID); err != nil {
				return err
			}
		}
	}
	im.checkRegions(existing)
	return nil
}

// newDepartment creates a department named by a list, with id d{number}.
func (im *importing) newDepartment(name, region string) (*Department, error) {
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
	d := &Department{ID: id, DisplayName: name, RegionCode: region, Number: int(n), CreateTime: im.now, UpdateTime: im.now, Version: im.rev}
	if err := im.PutDepartment(d); err != nil {
		return nil, err
	}
	return d, im.event(DepartmentName(id), ActionCreated, "导入时创建 / created by an import", "")
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
	if id, ok := im.mains[dept][nameKey(r.MainItem)]; ok { // only main items are indexed
		return id, nil
	}
	c := Content{DisplayName: r.MainItem, Category: r.Item.Content.Category, CategoryLabel: r.Item.Content.CategoryLabel}
	main, err := im.create(dept, c, "")
	if err != nil {
		return 0, err
	}
	im.mains[dept][nameKey(r.MainItem)] = main.ID
	im.res.MainItems = append(im.res.MainItems, ItemName(dept, main.ID))
	return main.ID, nil
}
