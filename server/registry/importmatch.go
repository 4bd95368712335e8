package registry

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The spreadsheet round trip: which item a row of an import
// names (ImportInput.UpdateExisting), what it changes, and the rows that
// would create an item twice or put one under another region.

// nameKey is a display name as an import matches it (departments, main
// items, duplicates): runs of spaces (full-width ones too) count as one,
// and leading and trailing ones not at all.
func nameKey(s string) string { return strings.Join(strings.Fields(s), " ") }

// dupKey is the key of an item in importing.existing.
func dupKey(name, main string) string { return nameKey(name) + "\x00" + nameKey(main) }

// checkRegions refuses rows that give an existing department (of depts)
// another region than its own (or, without one, the default region):
// codes are never assigned under a region the file did not name. Each
// department's region is told once, at its first row that differs.
func (im *importing) checkRegions(depts map[string]*Department) {
	told := map[string]bool{}
	for i, r := range im.in.Rows {
		d := depts[im.depts[i]]
		if d == nil || r.RegionCode == "" || told[d.ID] {
			continue
		}
		have, how := d.RegionCode, "的区划代码为 "+d.RegionCode
		haveEn := "has region " + d.RegionCode
		if have == "" {
			have = im.region
			how, haveEn = "未设区划代码，赋码时使用默认区划 "+im.region, "has no region of its own: codes use the default region "+im.region
		}
		if have == r.RegionCode {
			continue
		}
		told[d.ID] = true
		im.add(fmt.Sprintf("rows[%d].region_code", i),
			fmt.Sprintf("本行的区划代码为 %s，而部门“%s”（%s）%s；编码不会在文件未写明的区划下赋出。如该部门属于 %s，请先运行 powerctl departments update --id %s --region %s 再导入；否则请改正区划代码列（该部门其余各行同此）",
				r.RegionCode, d.DisplayName, DepartmentName(d.ID), how, r.RegionCode, d.ID, r.RegionCode),
			fmt.Sprintf("the row gives region %s, but the department “%s” (%s) %s; codes are never assigned under a region the file did not name. If the department is of %s, run powerctl departments update --id %s --region %s, then import again; otherwise correct the region column (the department's other rows too)",
				r.RegionCode, d.DisplayName, DepartmentName(d.ID), haveEn, r.RegionCode, d.ID, r.RegionCode))
	}
}

// loadItems indexes a department's items that are not abolished: its
// main items by display name (im.mains), every one by name and main
// item (im.existing), the first in id order where names repeat.
func (im *importing) loadItems(dept string) error {
	mains := map[string]uint64{}
	im.mains[dept] = mains
	names := map[uint64]string{}
	var items []*Item
	err := im.ScanItems(dept, 0, func(it *Item) (bool, error) {
		if it.State == ItemAbolished {
			return true, nil
		}
		rev, err := loadRevision(im, it, it.Head)
		if err != nil {
			return false, err
		}
		names[it.ID] = rev.Content.DisplayName
		items = append(items, it)
		if _, dup := mains[nameKey(rev.Content.DisplayName)]; !dup && it.Parent == 0 {
			mains[nameKey(rev.Content.DisplayName)] = it.ID
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	all := map[string]uint64{}
	im.existing[dept] = all
	for _, it := range items {
		k := dupKey(names[it.ID], names[it.Parent]) // names[0] is ""
		if _, dup := all[k]; !dup {
			all[k] = it.ID
		}
	}
	return nil
}

// identify finds the item each row names with UpdateExisting (by item
// name, else by code), and checks the codes rows give.
func (im *importing) identify() error {
	rows := im.in.Rows
	im.targets = make([]*Item, len(rows))
	byItem := map[uint64]int{} // item → the row naming it
	codes := map[string]int{}  // code → the first row giving it
	for i, r := range rows {
		f := fmt.Sprintf("rows[%d]", i)
		dept := im.depts[i]
		if dept == "" {
			continue // its department is a problem already
		}
		var it *Item
		var err error
		if r.Name != "" {
			d, id, perr := ParseItemName("", r.Name)
			if perr != nil {
				continue // a problem of Add's
			}
			if it, err = im.GetItem(id); err != nil {
				return err
			}
			switch {
			case d != dept:
				im.add(f+".item.name",
					fmt.Sprintf("事项 %s 不属于本行的部门 %s；标识列只能用本部门导出的工作副本中的值，或清空以新建事项", r.Name, DepartmentName(dept)),
					fmt.Sprintf("item %s is not of the row's department %s; the identity column takes only values from this department's exported working copy; empty it to create an item", r.Name, DepartmentName(dept)))
				continue
			case it == nil || it.Department != d:
				im.add(f+".item.name",
					fmt.Sprintf("事项 %s 不存在（可能已被删除）；请重新导出工作副本（powerctl export --working-copy --department %s），或清空标识列以新建事项", r.Name, dept),
					fmt.Sprintf("item %s does not exist (it may have been deleted); export the working copy again (powerctl export --working-copy --department %s), or empty the identity column to create an item", r.Name, dept))
				continue
			case it.State == ItemAbolished:
				im.add(f+".item.name",
					fmt.Sprintf("事项 %s 已废止，不能再修改；如要重新设立，请清空标识和编码列以新建事项", r.Name),
					fmt.Sprintf("item %s is abolished and cannot change; to set the power up again, empty the identity and code columns to create a new item", r.Name))
				continue
			}
		} else if im.in.UpdateExisting && r.Item.Code != "" {
			if it, err = itemByCode(im, r.Item.Code); err != nil {
				return err
			}
			switch {
			case it == nil:
			case it.Department != dept:
				im.add(f+".item.code",
					fmt.Sprintf("编码 %s 属于部门 %s 的事项 %s，不是本行部门的事项；编码须唯一，请检查编码和部门", r.Item.Code, DepartmentName(it.Department), ItemName(it.Department, it.ID)),
					fmt.Sprintf("code %s is the code of item %s of department %s, not of the row's department; codes are unique: check the code and the department", r.Item.Code, ItemName(it.Department, it.ID), DepartmentName(it.Department)))
				continue
			case it.State == ItemAbolished:
				im.add(f+".item.code",
					fmt.Sprintf("编码 %s 属于已废止的事项 %s，编码永不重复使用；如要重新设立该职权，请清空编码以新建事项", r.Item.Code, ItemName(it.Department, it.ID)),
					fmt.Sprintf("code %s is the code of the abolished item %s, and codes are never reused; to set the power up again, empty the code to create a new item", r.Item.Code, ItemName(it.Department, it.ID)))
				continue
			}
		}
		if it != nil {
			if j, dup := byItem[it.ID]; dup {
				im.add(f, fmt.Sprintf("本行与第 %d 行是同一个事项 %s；每个事项只能出现一次，请删去其中一行", j, ItemName(it.Department, it.ID)),
					fmt.Sprintf("this row and rows[%d] are the same item %s; an item may appear once: delete one of them", j, ItemName(it.Department, it.ID)))
				continue
			}
			byItem[it.ID] = i
			im.targets[i] = it
		}
		code := r.Item.Code
		if code == "" {
			continue
		}
		if j, dup := codes[code]; dup {
			im.add(f+".item.code", fmt.Sprintf("编码 %s 与第 %d 行重复；编码须唯一", code, j),
				fmt.Sprintf("code %s is also given in rows[%d]; codes are unique", code, j))
			continue
		}
		codes[code] = i
		if it != nil && it.Code == code {
			continue
		}
		holderID, err := im.ItemByCode(code)
		if err != nil {
			return err
		}
		if holderID == 0 {
			continue
		}
		holder, err := im.GetItem(holderID)
		if err != nil {
			return err
		}
		if holder == nil {
			return missingRecord(fmt.Sprintf("items/%d", holderID), "编码 "+code+" 的事项", "the item of code "+code)
		}
		// The violation carries the reason CreateItem gives (the API's
		// documented CODE_IN_USE); the error stays INVALID_FIELDS.
		held := ItemName(holder.Department, holder.ID)
		zh := fmt.Sprintf("编码 %s 已被事项 %s 使用，不能给本行的事项；编码须唯一，请改用其他编码或留空由系统在发布时赋码", code, held)
		en := fmt.Sprintf("code %s is already used by item %s and cannot be given to this row's item; codes are unique: use another or leave it empty to get one at publication", code, held)
		if !im.in.UpdateExisting {
			zh = fmt.Sprintf("编码 %s 已被事项 %s 使用；编码须唯一。如要用本文件更新已有事项，请以更新模式导入（update_existing，powerctl import 即是）", code, held)
			en = fmt.Sprintf("code %s is already used by item %s; codes are unique. To update existing items from this file, import with update_existing (as powerctl import does)", code, held)
		}
		im.problem(Violation{Field: f + ".item.code", Description: bi(zh, en), Reason: ReasonCodeInUse})
	}
	return nil
}

// checkDuplicates refuses rows that would create an item twice: two rows
// of the import with the same department, name and main item and no code,
// and (unless CreateDuplicates) a row without identity or code that
// matches an item of its department by name and main item.
func (im *importing) checkDuplicates() {
	first := map[string]int{}
	for i, r := range im.in.Rows {
		dept := im.depts[i]
		if dept == "" || im.targets[i] != nil || r.Name != "" || r.Item.Code != "" {
			continue
		}
		f := fmt.Sprintf("rows[%d]", i)
		name := r.Item.Content.DisplayName
		k := dept + "\x00" + dupKey(name, r.MainItem)
		mainZh, mainEn := "大项“"+r.MainItem+"”", "main item “"+r.MainItem+"”"
		if r.MainItem == "" {
			mainZh, mainEn = "都是大项", "both main items"
		}
		if j, dup := first[k]; dup {
			im.add(f, fmt.Sprintf("本行与第 %d 行描述同一事项（部门 %s、名称“%s”相同，%s，都没有编码）；请删去其中一行，或给两行不同的编码",
				j, dept, name, mainZh),
				fmt.Sprintf("this row and rows[%d] describe the same item (department %s, name “%s”, %s, neither with a code); delete one, or give them different codes",
					j, dept, name, mainEn))
			continue
		}
		first[k] = i
		if im.in.CreateDuplicates {
			continue
		}
		if id, ok := im.existing[dept][dupKey(name, r.MainItem)]; ok {
			held := ItemName(dept, id)
			im.add(f, fmt.Sprintf("本行与已有事项“%s”（%s）名称和大项相同，又没有标识或编码，导入会再建一个同样的事项；请导出工作副本（powerctl export --working-copy --department %s），在其中修改后导入，或确需新建时加 --create-duplicates",
				name, held, dept),
				fmt.Sprintf("this row has the name and main item of the existing item “%s” (%s) and neither identity nor code: importing it would create the item twice. Export the working copy (powerctl export --working-copy --department %s), edit that and import it, or pass --create-duplicates to create it all the same",
					name, held, dept))
		}
	}
}

// planChanges works out what each identified row changes, refusing the
// changes the workflow does not allow now.
func (im *importing) planChanges() error {
	rows := im.in.Rows
	im.changes = make([]*itemChange, len(rows))
	im.diffs = make([][]FieldDifference, len(rows))
	plans := make([]*itemChange, len(rows))
	byID := map[uint64]*itemChange{}
	for i, it := range im.targets {
		if it == nil {
			continue
		}
		head, err := loadRevision(im, it, it.Head)
		if err != nil {
			return err
		}
		in := rows[i].Item
		in.Parent = ""
		var v violations // a mask the import cannot take was refused by NewImporter
		c := planChange(it, head, &in, updateFields(&v, "update_mask", im.in.Mask, &in, importPaths...))
		if in.Code == "" {
			c.next.Code = c.cur.Code // an empty code keeps the item's
		}
		plans[i], byID[it.ID] = c, c
	}
	for i, c := range plans {
		if c == nil {
			continue
		}
		f := fmt.Sprintf("rows[%d]", i)
		if len(im.in.Mask) == 0 || slices.Contains(im.in.Mask, "main_item") {
			if err := im.checkMainItem(i, c, byID); err != nil {
				return err
			}
		}
		diffs := c.differences()
		if len(diffs) == 0 {
			continue
		}
		if err := checkEditable(c.it); err != nil {
			im.problem(im.notEditable(i, c, err))
			continue
		}
		var v violations
		c.check(&v, f+".item")
		for _, x := range v {
			im.problem(x)
		}
		im.changes[i], im.diffs[i] = c, diffs
	}
	return nil
}

// checkMainItem refuses a row that names another main item than its
// item's: an import never moves an item. The main item's name is its
// current one, or the one a row of this import gives it.
func (im *importing) checkMainItem(i int, c *itemChange, byID map[uint64]*itemChange) error {
	r := im.in.Rows[i]
	cur, next := "", ""
	if c.it.Parent != 0 {
		if p := byID[c.it.Parent]; p != nil {
			cur, next = p.cur.Content.DisplayName, p.next.Content.DisplayName
		} else {
			parent, err := im.GetItem(c.it.Parent)
			if err != nil {
				return err
			}
			if parent == nil {
				return missingRecord(fmt.Sprintf("items/%d", c.it.Parent), "子项的大项", "the main item of a sub-item")
			}
			rev, err := loadRevision(im, parent, parent.Head)
			if err != nil {
				return err
			}
			cur, next = rev.Content.DisplayName, rev.Content.DisplayName
		}
	}
	if k := nameKey(r.MainItem); k == nameKey(cur) || k == nameKey(next) {
		return nil
	}
	show := func(s, none string) string {
		if s == "" {
			return none
		}
		return "“" + s + "”"
	}
	im.add(fmt.Sprintf("rows[%d].main_item", i),
		fmt.Sprintf("本行的大项 %s 与事项 %s 现在的大项 %s 不同；导入不改变事项所属的大项：请把该列改回，或新建事项",
			show(r.MainItem, "（空）"), ItemName(c.it.Department, c.it.ID), show(cur, "（无，本事项是大项）")),
		fmt.Sprintf("the row's main item %s is not the main item of item %s, %s; an import never moves an item to another main item: restore the column, or create a new item",
			show(r.MainItem, "(empty)"), ItemName(c.it.Department, c.it.ID), show(cur, "(none: it is a main item)")))
	return nil
}

// notEditable is the problem of row i, which changes an item that cannot
// change now (checkEditable refused it with err): in review, or with an
// abolition pending.
func (im *importing) notEditable(i int, c *itemChange, err error) Violation {
	it := c.it
	name := ItemName(it.Department, it.ID)
	reason := ReasonItemNotEditable
	var e *Error
	if errors.As(err, &e) {
		reason = e.Reason
	}
	var zh, en string
	switch {
	case it.State == ItemSubmitted:
		sub := SubmissionName(it.Department, it.Submission)
		zh = fmt.Sprintf("本行修改的事项“%s”（%s）已报送（批次 %s），正在审核，不能修改；请等审核结束（退回后可以修改）再导入，或先撤回该批次（powerctl submissions withdraw %s）",
			c.cur.Content.DisplayName, name, sub, sub)
		en = fmt.Sprintf("the row changes the item “%s” (%s), which is submitted (in %s) and under review; it cannot change: import again once the review is over (a returned item can change), or withdraw the batch first (powerctl submissions withdraw %s)",
			c.cur.Content.DisplayName, name, sub, sub)
	case it.State == ItemApproved:
		zh = fmt.Sprintf("本行修改的事项“%s”（%s）已审核通过，待发布，不能修改；请在发布后再导入（已发布事项的修改会成为新的修改草稿）",
			c.cur.Content.DisplayName, name)
		en = fmt.Sprintf("the row changes the item “%s” (%s), which is approved and awaits publication; it cannot change: import again after the publication (a change of a published item becomes a draft modification)",
			c.cur.Content.DisplayName, name)
	default: // an abolition pending
		zh = fmt.Sprintf("本行修改的事项“%s”（%s）正在申请废止，不能修改；如要撤回废止，请先删除该废止草稿（powerctl items delete %s）",
			c.cur.Content.DisplayName, name, name)
		en = fmt.Sprintf("the row changes the item “%s” (%s), whose abolition is pending; it cannot change: to withdraw the abolition, delete that draft first (powerctl items delete %s)",
			c.cur.Content.DisplayName, name, name)
	}
	return Violation{Field: fmt.Sprintf("rows[%d]", i), Description: bi(zh, en), Reason: reason}
}
