package registry

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// ItemInput is what a department writes on an item: its content, and the
// code and main item, which are fixed once the item is published.
type ItemInput struct {
	Content Content
	Code    string
	Parent  string // item name of the main item, "" for a main item
}

// ItemView is an item as the API shows it: bookkeeping, the working copy's
// content, and names resolved for display.
type ItemView struct {
	Item           Item
	Content        Content
	DepartmentName string
	ParentName     string
}

func view(tx Tx, it *Item) (*ItemView, error) {
	rev, err := loadRevision(tx, it, it.Head)
	if err != nil {
		return nil, err
	}
	d, err := loadDepartment(tx, it.Department)
	if err != nil {
		return nil, err
	}
	v := &ItemView{Item: *it, Content: rev.Content, DepartmentName: d.DisplayName}
	if it.Parent != 0 {
		v.ParentName = ItemName(it.Department, it.Parent)
	}
	return v, nil
}

// normalize fills the defaults of content written by a department.
func normalize(c *Content) {
	if c.CategoryLabel == "" {
		c.CategoryLabel = c.Category.Label()
	}
}

// resolveParent checks the main item named parent for an item of dept.
func resolveParent(tx Tx, dept string, self uint64, parent string) (uint64, error) {
	if parent == "" {
		return 0, nil
	}
	var v violations
	pd, pid, err := ParseItemName("item.parent", parent)
	if err != nil {
		return 0, err
	}
	p, err := tx.GetItem(pid)
	if err != nil {
		return 0, err
	}
	switch {
	case pd != dept:
		v.add("item.parent", "大项须属于同一部门", "the main item must be of the same department")
	case p == nil || p.Department != dept:
		v.add("item.parent", fmt.Sprintf("大项 %s 不存在", parent), fmt.Sprintf("main item %s not found", parent))
	case pid == self:
		v.add("item.parent", "事项不能是自己的子项", "an item cannot be its own sub-item")
	case p.Parent != 0:
		v.add("item.parent", "子项不能再有子项；请指向大项", "a sub-item cannot have sub-items; name the main item")
	case p.State == ItemAbolished:
		v.add("item.parent", "大项已废止", "the main item is abolished")
	}
	if len(v) == 0 {
		err = checkNoSubItems(tx, &v, dept, self)
	}
	if err != nil {
		return 0, err
	}
	return pid, v.err()
}

// checkNoSubItems refuses to turn an existing main item that has sub-items
// into a sub-item: sub-items have no sub-items.
func checkNoSubItems(tx Tx, v *violations, dept string, self uint64) error {
	cur, err := tx.GetItem(self)
	if err != nil || cur == nil || cur.Parent != 0 {
		return err // a new item, or already a sub-item: no sub-items
	}
	return tx.ScanItems(dept, 0, func(c *Item) (bool, error) {
		if c.Parent == self {
			v.add("item.parent", "该事项已有子项，不能再成为子项", "this item has sub-items and cannot become a sub-item")
			return false, nil
		}
		return true, nil
	})
}

// nextRevision returns the number of an item's next revision: above every
// stored one, so that a draft that DeleteItem discarded (moving Head back
// to the revision in force) is never overwritten.
func nextRevision(tx Tx, it *Item) (int, error) {
	n := it.Head + 1
	for {
		r, err := tx.GetRevision(it.ID, n)
		if err != nil || r == nil {
			return n, err
		}
		n++
	}
}

// claimCode reserves a code given by the department for item id.
func claimCode(tx Tx, code string, id uint64) error {
	holder, err := tx.ItemByCode(code)
	if err != nil || holder == id {
		return err
	}
	if holder != 0 {
		return newErr(ClassAlreadyExists, ReasonCodeInUse,
			fmt.Sprintf("编码 %s 已被事项 %d 使用；编码须唯一，请改用其他编码或留空由系统在发布时赋码", code, holder),
			fmt.Sprintf("code %s is already used by item %d; codes are unique: use another or leave it empty to get one at publication", code, holder))
	}
	return tx.PutCode(code, id)
}

// CreateItem creates a draft item in a department.
func (s *Service) CreateItem(actor, dept string, in ItemInput, requestID string) (*ItemView, error) {
	var v violations
	checkContent(&v, "item", &in.Content, nil)
	checkCode(&v, "item.code", in.Code)
	if err := v.err(); err != nil {
		return nil, err
	}
	normalize(&in.Content)
	var out *ItemView
	err := s.mutate(actor, func(m *mut) error {
		if prev, err := idempotent(m, "CreateItem", requestID); err != nil || prev != "" {
			if err != nil {
				return err
			}
			d, id, _ := ParseItemName("", prev)
			it, err := loadItem(m, d, id) // deleted since: NOT_FOUND
			if err == nil {
				out, err = view(m, it)
			}
			return err
		}
		if _, err := loadDepartment(m, dept); err != nil {
			return err
		}
		id, err := m.NextSeq("items")
		if err != nil {
			return err
		}
		parent, err := resolveParent(m, dept, id, in.Parent)
		if err != nil {
			return err
		}
		if in.Code != "" {
			if err := claimCode(m, in.Code, id); err != nil {
				return err
			}
		}
		it := &Item{ID: id, Department: dept, Code: in.Code, Parent: parent, State: ItemDraft, Pending: ChangeCreate,
			Head: 1, CreateTime: m.now, UpdateTime: m.now, Version: m.rev}
		rev := &Revision{Item: id, Number: 1, Change: ChangeCreate, Content: in.Content, Actor: actor, CreateTime: m.now}
		if err := m.PutRevision(rev); err != nil {
			return err
		}
		if err := m.PutItem(it); err != nil {
			return err
		}
		name := ItemName(dept, id)
		if err := remember(m, "CreateItem", requestID, name); err != nil {
			return err
		}
		if err := m.event(name, ActionCreated, "", ""); err != nil {
			return err
		}
		out, err = view(m, it)
		return err
	})
	return out, err
}

// GetItem returns an item's working copy.
func (s *Service) GetItem(dept string, id uint64) (*ItemView, error) {
	var out *ItemView
	err := s.store.View(func(tx Tx) error {
		it, err := loadItem(tx, dept, id)
		if err != nil {
			return err
		}
		out, err = view(tx, it)
		return err
	})
	return out, err
}

// ListItems lists the items of a department (or of all, with "-") in id
// order; state 0 means every state.
func (s *Service) ListItems(dept string, state ItemState, size int, token string) ([]*ItemView, string, error) {
	return s.ListItemsQuery(dept, state, ListQuery{}, size, token)
}

// ListItemsQuery is ListItems with an AIP-160 filter and an AIP-132 order
// (fields: see itemFields and itemOrder in query.go).
func (s *Service) ListItemsQuery(dept string, state ItemState, lq ListQuery, size int, token string) ([]*ItemView, string, error) {
	size, err := s.pageSize(size, DefaultPageSize, MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	q, err := compile(lq, itemFields, itemOrder, "")
	if err != nil {
		return nil, "", err
	}
	filter := fmt.Sprintf("items/%s/%d", dept, state) + q.token
	cursor, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}
	var after uint64
	if q.order == nil { // else the cursor is a sort key (listItemsSorted)
		if after, err = parseID(cursor); err != nil {
			return nil, "", err
		}
	}
	scan := dept
	if dept == AllDepartments {
		scan = ""
	}
	var out []*ItemView
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		if scan != "" {
			if _, err := loadDepartment(tx, scan); err != nil {
				return err
			}
		}
		if q.order != nil {
			var err error
			out, next, err = listItemsSorted(tx, scan, state, q, size, b, cursor, filter)
			return err
		}
		return tx.ScanItems(scan, after, func(it *Item) (bool, error) {
			if state != 0 && it.State != state {
				return true, nil
			}
			if q.filters() {
				if r := (&itemRecord{tx: tx, it: it}); !q.match(r.get) || r.err != nil {
					return r.err == nil, r.err
				}
			}
			if len(out) == size {
				next = encodeToken(filter, strconv.FormatUint(out[len(out)-1].Item.ID, 10))
				return false, nil
			}
			v, err := view(tx, it)
			if err != nil {
				return false, err
			}
			if b.full(len(out), v) {
				next = encodeToken(filter, strconv.FormatUint(out[len(out)-1].Item.ID, 10))
				return false, nil
			}
			out = append(out, v)
			return true, nil
		})
	})
	return out, next, err
}

// updatable lists the item fields UpdateItem writes, by their API paths.
var updatable = map[string]func(dst *ItemInput, src *ItemInput){
	"display_name":        func(d, s *ItemInput) { d.Content.DisplayName = s.Content.DisplayName },
	"category":            func(d, s *ItemInput) { d.Content.Category = s.Content.Category },
	"category_label":      func(d, s *ItemInput) { d.Content.CategoryLabel = s.Content.CategoryLabel },
	"code":                func(d, s *ItemInput) { d.Code = s.Code },
	"parent":              func(d, s *ItemInput) { d.Parent = s.Parent },
	"legal_bases":         func(d, s *ItemInput) { d.Content.LegalBases = s.Content.LegalBases },
	"source":              func(d, s *ItemInput) { d.Content.Source = s.Content.Source },
	"entrusting_body":     func(d, s *ItemInput) { d.Content.EntrustingBody = s.Content.EntrustingBody },
	"handling_unit":       func(d, s *ItemInput) { d.Content.HandlingUnit = s.Content.HandlingUnit },
	"levels":              func(d, s *ItemInput) { d.Content.Levels = s.Content.Levels },
	"responsibilities":    func(d, s *ItemInput) { d.Content.Responsibilities = s.Content.Responsibilities },
	"accountability":      func(d, s *ItemInput) { d.Content.Accountability = s.Content.Accountability },
	"legal_time_limit":    func(d, s *ItemInput) { d.Content.LegalTimeLimit = s.Content.LegalTimeLimit },
	"promised_time_limit": func(d, s *ItemInput) { d.Content.PromisedTimeLimit = s.Content.PromisedTimeLimit },
	"fee":                 func(d, s *ItemInput) { d.Content.Fee = s.Content.Fee },
	"review_and_forward":  func(d, s *ItemInput) { d.Content.ReviewAndForward = s.Content.ReviewAndForward },
	"remark":              func(d, s *ItemInput) { d.Content.Remark = s.Content.Remark },
	// Sub-fields, as the REST gateway derives them from a partial body.
	"legal_time_limit.value":    func(d, s *ItemInput) { d.Content.LegalTimeLimit.Value = s.Content.LegalTimeLimit.Value },
	"legal_time_limit.unit":     func(d, s *ItemInput) { d.Content.LegalTimeLimit.Unit = s.Content.LegalTimeLimit.Unit },
	"promised_time_limit.value": func(d, s *ItemInput) { d.Content.PromisedTimeLimit.Value = s.Content.PromisedTimeLimit.Value },
	"promised_time_limit.unit":  func(d, s *ItemInput) { d.Content.PromisedTimeLimit.Unit = s.Content.PromisedTimeLimit.Unit },
	"fee.charged":               func(d, s *ItemInput) { d.Content.Fee.Charged = s.Content.Fee.Charged },
	"fee.basis":                 func(d, s *ItemInput) { d.Content.Fee.Basis = s.Content.Fee.Basis },
	"fee.standard":              func(d, s *ItemInput) { d.Content.Fee.Standard = s.Content.Fee.Standard },
}

// outputOnly lists item paths a client may send back but never writes
// (AIP-134: they are ignored).
var outputOnly = map[string]bool{
	"name": true, "state": true, "pending_change": true, "revision_id": true, "published_revision_id": true,
	"submission": true, "review_comment": true, "department_display_name": true, "create_time": true,
	"update_time": true, "publish_time": true, "parent_code": true, "etag": true,
}

// fullUpdate lists the fields a full update (an empty mask) replaces; code
// and parent only when given, so that sending back an item without them
// (or a published item, whose code is fixed) keeps them.
var fullUpdate = []string{"display_name", "category", "category_label", "legal_bases", "source",
	"entrusting_body", "handling_unit", "levels", "responsibilities", "accountability", "legal_time_limit",
	"promised_time_limit", "fee", "review_and_forward", "remark"}

// updateFields turns an update mask into the setters it applies, adding a
// violation (on field) for each path that cannot be updated; extra names
// paths a caller may also give (handled by it), which are skipped.
func updateFields(v *violations, field string, mask []string, in *ItemInput, extra ...string) []func(d, s *ItemInput) {
	var apply []func(d, s *ItemInput)
	if len(mask) == 0 {
		full := fullUpdate
		if in.Code != "" {
			full = append(full[:len(full):len(full)], "code")
		}
		if in.Parent != "" {
			full = append(full[:len(full):len(full)], "parent")
		}
		for _, p := range full {
			apply = append(apply, updatable[p])
		}
	}
	for _, p := range mask {
		if f, ok := updatable[p]; ok {
			apply = append(apply, f)
		} else if !outputOnly[p] && !slices.Contains(extra, p) {
			v.add(field, fmt.Sprintf("无法修改字段 %q", p), fmt.Sprintf("field %q cannot be updated", p))
		}
	}
	return apply
}

// itemChange is an update of an item's working copy: what it is (cur) and
// what the update makes of it (next).
type itemChange struct {
	it        *Item
	cur, next ItemInput
}

// planChange applies the setters to a copy of the working copy head of it.
func planChange(it *Item, head *Revision, in *ItemInput, apply []func(d, s *ItemInput)) *itemChange {
	cur := ItemInput{Content: head.Content, Code: it.Code}
	if it.Parent != 0 {
		cur.Parent = ItemName(it.Department, it.Parent)
	}
	next := cur
	next.Content.LegalBases = append([]LegalBasis(nil), cur.Content.LegalBases...)
	for _, f := range apply {
		f(&next, in)
	}
	normalize(&next.Content)
	return &itemChange{it: it, cur: cur, next: next}
}

// check adds the change's problems to v, its fields under prefix (such as
// "item").
func (c *itemChange) check(v *violations, prefix string) {
	checkContent(v, prefix, &c.next.Content, &c.cur.Content)
	checkCode(v, prefix+".code", c.next.Code)
	published := len(c.it.Published) > 0
	if published && c.next.Code != c.cur.Code {
		v.add(prefix+".code", fmt.Sprintf("已发布事项的编码不能修改；请改回 %s（或不提供编码）", c.cur.Code),
			fmt.Sprintf("the code of a published item never changes: put %s back (or give none)", c.cur.Code))
	}
	if published && c.next.Parent != c.cur.Parent {
		v.add(prefix+".parent", "已发布事项的大项不能修改", "the main item of a published item cannot change")
	}
}

// differences lists what the change changes, the content's fields as
// CompareCatalogItemRevisions shows them, then the code.
func (c *itemChange) differences() []FieldDifference {
	d := diffContent(&c.cur.Content, &c.next.Content)
	if c.next.Code != c.cur.Code {
		d = append(d, FieldDifference{Field: "code", From: c.cur.Code, To: c.next.Code})
	}
	if c.next.Parent != c.cur.Parent {
		d = append(d, FieldDifference{Field: "parent", From: c.cur.Parent, To: c.next.Parent})
	}
	return d
}

// apply writes a checked change: a new revision of the working copy; a
// published item becomes a draft modification (revise).
func (c *itemChange) apply(m *mut) (*ItemView, error) {
	it, id, dept := c.it, c.it.ID, c.it.Department
	var err error
	if it.Parent, err = resolveParent(m, dept, id, c.next.Parent); err != nil {
		return nil, err
	}
	if c.next.Code != c.cur.Code {
		if c.cur.Code != "" {
			if err := m.DeleteCode(c.cur.Code); err != nil {
				return nil, err
			}
		}
		if c.next.Code != "" {
			if err := claimCode(m, c.next.Code, id); err != nil {
				return nil, err
			}
		}
		it.Code = c.next.Code
	}
	return m.revise(it, ChangeModify, c.next.Content, "", ActionUpdated)
}

// UpdateItem changes the fields of mask (every writable field when empty)
// in a new revision of the working copy.
func (s *Service) UpdateItem(actor, dept string, id uint64, in ItemInput, mask []string, etag string) (*ItemView, error) {
	var v violations
	apply := updateFields(&v, "update_mask", mask, &in)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *ItemView
	err := s.mutate(actor, func(m *mut) error {
		it, head, err := loadForChange(m, dept, id, etag, checkEditable)
		if err != nil {
			return err
		}
		c := planChange(it, head, &in, apply)
		c.check(&v, "item")
		if err := v.err(); err != nil {
			return err
		}
		out, err = c.apply(m)
		return err
	})
	return out, err
}

// loadForChange loads an item and its working revision for a change that
// must pass the etag and the workflow rule check.
func loadForChange(m *mut, dept string, id uint64, etag string, check func(*Item) error) (*Item, *Revision, error) {
	it, err := loadItem(m, dept, id)
	if err != nil {
		return nil, nil, err
	}
	if err := checkEtag(ItemName(dept, id), etag, it.Version); err != nil {
		return nil, nil, err
	}
	if err := check(it); err != nil {
		return nil, nil, err
	}
	head, err := loadRevision(m, it, it.Head)
	return it, head, err
}

// revise gives an item's working copy a new revision with content c; a
// published item becomes a draft change of the given kind.
func (m *mut) revise(it *Item, kind ChangeKind, c Content, comment string, action Action) (*ItemView, error) {
	startChange(it, kind)
	var err error
	if it.Head, err = nextRevision(m, it); err != nil {
		return nil, err
	}
	rev := &Revision{Item: it.ID, Number: it.Head, Change: it.Pending, Content: c, Actor: m.actor,
		Comment: comment, CreateTime: m.now}
	if err := m.PutRevision(rev); err != nil {
		return nil, err
	}
	it.UpdateTime, it.Version = m.now, m.rev
	if err := m.PutItem(it); err != nil {
		return nil, err
	}
	if err := m.event(ItemName(it.Department, it.ID), action, comment, ""); err != nil {
		return nil, err
	}
	return view(m, it)
}

// DeleteItem erases a draft that was never published, or discards the
// pending change of a published item, which stays in force.
func (s *Service) DeleteItem(actor, dept string, id uint64, etag string) error {
	return s.mutate(actor, func(m *mut) error {
		it, err := loadItem(m, dept, id)
		if err != nil {
			return err
		}
		name := ItemName(dept, id)
		if err := checkEtag(name, etag, it.Version); err != nil {
			return err
		}
		how, err := checkDeletable(it)
		if err != nil {
			return err
		}
		if how == discardDraft {
			rec := it.Published[len(it.Published)-1]
			it.State, it.Pending, it.Head, it.ReviewComment = ItemPublished, ChangeNone, rec.Revision, ""
			it.ReturnedRevision, it.ReviewReply = 0, ""
			it.UpdateTime, it.Version = m.now, m.rev
			if err := m.PutItem(it); err != nil {
				return err
			}
			return m.event(name, ActionDeleted, "撤回未发布的修改 / pending change discarded", "")
		}
		var children []uint64
		err = m.ScanItems(dept, 0, func(c *Item) (bool, error) {
			if c.Parent == id {
				children = append(children, c.ID)
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		if len(children) > 0 {
			return wrongState(ReasonItemNotDeletable,
				fmt.Sprintf("事项 %s 还有 %d 个子项，请先删除子项", name, len(children)),
				fmt.Sprintf("item %s still has %d sub-items; delete them first", name, len(children)))
		}
		if it.Code != "" {
			if err := m.DeleteCode(it.Code); err != nil {
				return err
			}
		}
		if err := m.DeleteRevisions(id); err != nil {
			return err
		}
		if err := m.DeleteItem(it); err != nil {
			return err
		}
		return m.event(name, ActionDeleted, "", "")
	})
}

// AbolishItem starts the abolition of a published item: a draft change
// that goes through review and publication.
func (s *Service) AbolishItem(actor, dept string, id uint64, comment, etag string) (*ItemView, error) {
	var v violations
	if comment == "" {
		v.add("comment", "请写明废止理由，如废止依据的文件", "say why the power is abolished, e.g. the repealing document")
	}
	checkText(&v, "comment", comment, maxTextRunes, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *ItemView
	err := s.mutate(actor, func(m *mut) error {
		it, head, err := loadForChange(m, dept, id, etag, checkAbolishable)
		if err != nil {
			return err
		}
		out, err = m.revise(it, ChangeAbolish, head.Content, comment, ActionAbolitionRequested)
		return err
	})
	return out, err
}

// RevisionView is a revision with what became of it.
type RevisionView struct {
	Revision       Revision
	Department     string
	Code           string
	ParentName     string
	DepartmentName string
	Publication    uint64
	PublishTime    time.Time
	SupersedeTime  time.Time
}

func revisionView(it *Item, r *Revision, deptName string) *RevisionView {
	v := &RevisionView{Revision: *r, Department: it.Department, Code: it.Code, DepartmentName: deptName}
	if it.Parent != 0 {
		v.ParentName = ItemName(it.Department, it.Parent)
	}
	for i, rec := range it.Published {
		if rec.Revision == r.Number {
			v.Publication, v.PublishTime = rec.Publication, rec.Time
			if i+1 < len(it.Published) {
				v.SupersedeTime = it.Published[i+1].Time
			}
		}
	}
	return v
}

// ListRevisions lists an item's revisions, newest first.
func (s *Service) ListRevisions(dept string, id uint64, size int, token string) ([]*RevisionView, string, error) {
	size, err := s.pageSize(size, DefaultPageSize, MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	filter := ItemName(dept, id) + "/revisions"
	cursor, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}
	var out []*RevisionView
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		it, err := loadItem(tx, dept, id)
		if err != nil {
			return err
		}
		d, err := loadDepartment(tx, dept)
		if err != nil {
			return err
		}
		n := it.Head
		if cursor != "" {
			// A forged or corrupted cursor is the client's error, not a
			// broken store; one above the head (a discarded draft) resumes
			// at the head.
			if n, err = strconv.Atoi(cursor); err != nil || n < 1 {
				return badToken()
			}
			n = min(n, it.Head+1)
			n--
		}
		for ; n >= 1; n-- {
			if len(out) == size {
				next = encodeToken(filter, strconv.Itoa(n+1))
				break
			}
			r, err := loadRevision(tx, it, n)
			if err != nil {
				return err
			}
			v := revisionView(it, r, d.DisplayName)
			if b.full(len(out), v) {
				next = encodeToken(filter, strconv.Itoa(n+1))
				break
			}
			out = append(out, v)
		}
		return nil
	})
	return out, next, err
}

// GetRevision returns one revision of an item.
func (s *Service) GetRevision(dept string, id uint64, n int) (*RevisionView, error) {
	var out *RevisionView
	err := s.store.View(func(tx Tx) error {
		it, err := loadItem(tx, dept, id)
		if err != nil {
			return err
		}
		r, err := tx.GetRevision(id, n)
		if err != nil {
			return err
		}
		if r == nil {
			return notFound(ReasonRevisionNotFound, RevisionName(dept, id, n), "修订版本", "revision")
		}
		d, err := loadDepartment(tx, dept)
		if err != nil {
			return err
		}
		out = revisionView(it, r, d.DisplayName)
		return nil
	})
	return out, err
}
