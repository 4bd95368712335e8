package registry

import (
	"errors"
	"fmt"
)

// MaxImportRows bounds one import, so that one request cannot hold the
// store's write lock for long. A province's list is well under it.
const MaxImportRows = 100000

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

// ImportItems creates the rows of a list as draft items in one
// transaction: all of them, or none when any row is refused.
func (s *Service) ImportItems(actor string, in ImportInput) (*ImportResult, error) {
	var v violations
	if len(in.Rows) == 0 {
		v.add("rows", "没有可导入的行", "there are no rows to import")
	}
	if len(in.Rows) > MaxImportRows {
		v.add("rows", fmt.Sprintf("一次最多导入 %d 行，请分成几个文件", MaxImportRows),
			fmt.Sprintf("at most %d rows per import; split the file", MaxImportRows))
		return nil, v.err()
	}
	for i := range in.Rows {
		r := &in.Rows[i]
		f := fmt.Sprintf("rows[%d]", i)
		checkContent(&v, f+".item", &r.Item.Content, nil)
		checkItemSize(&v, f+".item", &r.Item.Content, nil)
		checkCode(&v, f+".item.code", r.Item.Code)
		checkText(&v, f+".main_item", r.MainItem, maxNameRunes, false)
		if in.Department == "" {
			checkText(&v, f+".department_display_name", r.DepartmentName, maxNameRunes, true)
		}
		normalize(&r.Item.Content)
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
