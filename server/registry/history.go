package registry

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/powerreg/powerreg/server/filter"
)

// History of the catalogue: what was in force at a past time, and
// every revision of an item that was ever published, with the differences
// between two of them. Everything is read from the items' publish records
// (Item.Published) and their revisions; the catalogue entries hold only the
// present.

// recordAt returns the publish record in force at time at: the last one
// published at or before it, unless that one is an abolition. nil when
// nothing was in force.
func recordAt(it *Item, at time.Time) *PublishRecord {
	var in *PublishRecord
	for i := range it.Published {
		if it.Published[i].Time.After(at) {
			break
		}
		in = &it.Published[i]
	}
	if in == nil || in.Change == ChangeAbolish {
		return nil
	}
	return in
}

// entryAt builds the catalogue entry of an item as it was at time at, nil
// when nothing was in force then.
func entryAt(tx Tx, it *Item, at time.Time) (*CatalogEntry, error) {
	rec := recordAt(it, at)
	if rec == nil || it.Code == "" {
		return nil, nil
	}
	rev, err := loadRevision(tx, it, rec.Revision)
	if err != nil {
		return nil, err
	}
	e := &CatalogEntry{Code: it.Code, Item: it.ID, Department: it.Department, Revision: rec.Revision,
		Content: rev.Content, Publication: rec.Publication, PublishTime: rec.Time}
	if it.Parent != 0 {
		parent, err := tx.GetItem(it.Parent)
		if err != nil {
			return nil, err
		}
		if parent != nil {
			e.ParentCode = parent.Code
		}
	}
	return e, nil
}

// itemByCode loads the item that holds (or held: codes stay with an
// abolished item) a code; nil when no item has it.
func itemByCode(tx Tx, code string) (*Item, error) {
	id, err := tx.ItemByCode(code)
	if err != nil || id == 0 {
		return nil, err
	}
	it, err := tx.GetItem(id)
	if err != nil || it == nil || it.Code != code {
		// A code a department gave to a draft is claimed before
		// publication; it names nothing in the catalogue yet.
		return nil, err
	}
	return it, nil
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// GetCatalogItemAsOf returns the revision of the item with a code that was
// in force at time at.
func (s *Service) GetCatalogItemAsOf(code string, at time.Time) (*CatalogView, error) {
	var v violations
	checkText(&v, "code", code, 100, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *CatalogView
	err := s.store.View(func(tx Tx) error {
		it, err := itemByCode(tx, code)
		if err != nil {
			return err
		}
		var e *CatalogEntry
		if it != nil {
			if e, err = entryAt(tx, it, at); err != nil {
				return err
			}
		}
		if e == nil {
			return newErr(ClassNotFound, ReasonCatalogItemNotFound,
				fmt.Sprintf("%s 时清单中没有编码为 %s 的有效事项，请检查编码和时间", fmtTime(at), code),
				fmt.Sprintf("no item with code %s was in force at %s; check the code and the time", code, fmtTime(at)))
		}
		n, err := (&deptNames{tx: tx, names: map[string]string{}}).get(e.Department)
		out = &CatalogView{Entry: *e, DepartmentName: n}
		return err
	})
	return out, err
}

// ListCatalogAsOf is ListCatalogQuery for the catalogue as it was at time
// at: the same category, department, filter, order and paging, over the
// revisions then in force.
//
// It is a linear scan of the items (of the department, when given): there
// is no index by time. Acceptable while history is read rarely and the
// catalogue is a few thousand items; an index of (code, time) records
// would be the next step.
func (s *Service) ListCatalogAsOf(at time.Time, cat Category, dept string, lq ListQuery, size int, token string) ([]*CatalogView, string, error) {
	size, q, err := s.catalogArgs(cat, dept, lq, size)
	if err != nil {
		return nil, "", err
	}
	// The time is bound in the token: a token of one as_of is not reused
	// with another.
	tokenFilter := fmt.Sprintf("catalog/%d/%s@%s", cat, dept, fmtTime(at)) + q.token
	after, err := decodeToken(token, tokenFilter)
	if err != nil {
		return nil, "", err
	}
	order := q.order
	if order == nil {
		// The default order, code, through the same sorter.
		if order, err = filter.ParseOrder(catalogOrder, "code"); err != nil {
			return nil, "", err
		}
	}
	var out []*CatalogView
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		st := &sorted[*CatalogEntry]{order: order}
		err := tx.ScanItems(dept, 0, func(it *Item) (bool, error) {
			if len(it.Published) == 0 || it.Published[0].Time.After(at) {
				return true, nil
			}
			e, err := entryAt(tx, it, at)
			if err != nil || e == nil {
				return err == nil, err
			}
			if cat != 0 && e.Content.Category != cat {
				return true, nil
			}
			if r := catalogRecord(e); q.match(r) {
				st.add(e, r, filter.Str(e.Code))
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		next, err = st.page(after, tokenFilter, catalogPage(tx, &out, size, b))
		return err
	})
	return out, next, err
}

// PublishedRevision is one revision of an item that was put in force.
type PublishedRevision struct {
	Entry          CatalogEntry // the item as this revision published it
	DepartmentName string
	Change         ChangeKind
	SupersedeTime  time.Time // the next record's time; zero while in force
}

// loadCatalogItem loads the item of a code for the history reads; an item
// never published is not found.
func loadCatalogItem(tx Tx, code string) (*Item, error) {
	it, err := itemByCode(tx, code)
	if err != nil {
		return nil, err
	}
	if it == nil || len(it.Published) == 0 {
		return nil, newErr(ClassNotFound, ReasonCatalogItemNotFound,
			fmt.Sprintf("清单中从未有编码为 %s 的事项，请检查编码", code),
			fmt.Sprintf("no item with code %s was ever published; check the code", code))
	}
	return it, nil
}

// publishedRevision builds the view of publish record i of an item.
func publishedRevision(tx Tx, it *Item, i int, deptName string) (*PublishedRevision, error) {
	rec := it.Published[i]
	rev, err := loadRevision(tx, it, rec.Revision)
	if err != nil {
		return nil, err
	}
	out := &PublishedRevision{DepartmentName: deptName, Change: rec.Change,
		Entry: CatalogEntry{Code: it.Code, Item: it.ID, Department: it.Department, Revision: rec.Revision,
			Content: rev.Content, Publication: rec.Publication, PublishTime: rec.Time}}
	if i+1 < len(it.Published) {
		out.SupersedeTime = it.Published[i+1].Time
	}
	if it.Parent != 0 {
		parent, err := tx.GetItem(it.Parent)
		if err != nil {
			return nil, err
		}
		if parent != nil {
			out.Entry.ParentCode = parent.Code
		}
	}
	return out, nil
}

// ListCatalogItemRevisions lists every published revision of the item with
// a code, newest first (an abolition included, with the content it
// abolished). Usually a handful, but each may be up to MaxItemBytes: paged
// like every list (by count and PageBytes).
func (s *Service) ListCatalogItemRevisions(code string, size int, token string) ([]*PublishedRevision, string, error) {
	var v violations
	checkText(&v, "code", code, 100, true)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	size, err := s.pageSize(size, DefaultPageSize, MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	filter := "catalog-revisions/" + code
	cursor, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}
	after, err := parseID(cursor) // the index in Published of the last served, +1
	if err != nil {
		return nil, "", err
	}
	var out []*PublishedRevision
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		it, err := loadCatalogItem(tx, code)
		if err != nil {
			return err
		}
		n, err := (&deptNames{tx: tx, names: map[string]string{}}).get(it.Department)
		if err != nil {
			return err
		}
		start := len(it.Published) - 1
		if cursor != "" {
			if after < 2 || after > uint64(len(it.Published)) {
				return badToken()
			}
			start = int(after) - 2
		}
		for i := start; i >= 0; i-- {
			r, err := publishedRevision(tx, it, i, n)
			if err != nil {
				return err
			}
			if len(out) == size || b.full(len(out), r) {
				next = encodeToken(filter, strconv.Itoa(i+2))
				break
			}
			out = append(out, r)
		}
		return nil
	})
	return out, next, err
}

// FieldDifference is one content field that differs between two
// revisions, its values rendered as text.
type FieldDifference struct {
	Field    string
	From, To string
}

// CompareCatalogItemRevisions compares two published revisions of the item
// with a code, field by field over the content. A revision that was never
// published (a draft, a returned or pending change) is NOT_FOUND
// (REVISION_NOT_FOUND), as it is for the public: the catalogue's history
// holds only what was put in force, and a draft's existence is not
// disclosed.
func (s *Service) CompareCatalogItemRevisions(code, from, to string) ([]FieldDifference, error) {
	var v violations
	checkText(&v, "code", code, 100, true)
	nFrom, errFrom := strconv.Atoi(from)
	if errFrom != nil || nFrom < 1 {
		v.add("from_revision_id", "应为已发布的修订版本号，如 1", "give the id of a published revision, e.g. 1")
	}
	nTo, errTo := strconv.Atoi(to)
	if errTo != nil || nTo < 1 {
		v.add("to_revision_id", "应为已发布的修订版本号，如 2", "give the id of a published revision, e.g. 2")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var out []FieldDifference
	err := s.store.View(func(tx Tx) error {
		it, err := loadCatalogItem(tx, code)
		if err != nil {
			return err
		}
		load := func(n int) (*Revision, error) {
			if !slices.ContainsFunc(it.Published, func(r PublishRecord) bool { return r.Revision == n }) {
				return nil, newErr(ClassNotFound, ReasonRevisionNotFound,
					fmt.Sprintf("编码为 %s 的事项没有发布过修订版本 %d，请先列出其修订版本", code, n),
					fmt.Sprintf("item %s has no published revision %d; list its revisions first", code, n))
			}
			return loadRevision(tx, it, n)
		}
		a, err := load(nFrom)
		if err != nil {
			return err
		}
		b, err := load(nTo)
		if err != nil {
			return err
		}
		out = diffContent(&a.Content, &b.Content)
		return nil
	})
	return out, err
}

// diffContent lists the content fields that differ, in the API's field
// order, with their values as text.
func diffContent(a, b *Content) []FieldDifference {
	var out []FieldDifference
	add := func(field, x, y string) {
		if x != y {
			out = append(out, FieldDifference{Field: field, From: x, To: y})
		}
	}
	add("display_name", a.DisplayName, b.DisplayName)
	add("category", categoryText(a.Category), categoryText(b.Category))
	add("category_label", a.CategoryLabel, b.CategoryLabel)
	add("legal_bases", basesText(a.LegalBases), basesText(b.LegalBases))
	add("source", sourceText(a.Source), sourceText(b.Source))
	add("entrusting_body", a.EntrustingBody, b.EntrustingBody)
	add("handling_unit", a.HandlingUnit, b.HandlingUnit)
	add("levels", listText(a.Levels), listText(b.Levels))
	add("responsibilities", listText(a.Responsibilities), listText(b.Responsibilities))
	add("accountability", listText(a.Accountability), listText(b.Accountability))
	add("legal_time_limit", timeLimitText(a.LegalTimeLimit), timeLimitText(b.LegalTimeLimit))
	add("promised_time_limit", timeLimitText(a.PromisedTimeLimit), timeLimitText(b.PromisedTimeLimit))
	add("fee", feeText(a.Fee), feeText(b.Fee))
	add("review_and_forward", a.ReviewAndForward.Text(), b.ReviewAndForward.Text())
	add("remark", a.Remark, b.Remark)
	return out
}

func categoryText(c Category) string {
	if info, ok := c.Info(); ok {
		return "CATEGORY_" + strings.ToUpper(strings.ReplaceAll(info.EnglishLabel, " ", "_"))
	}
	if c == 0 {
		return ""
	}
	return strconv.Itoa(int(c))
}

func sourceText(s int) string {
	switch s {
	case 0:
		return ""
	case SourceStatutory:
		return "法定"
	case SourceAuthorized:
		return "授权"
	case SourceEntrusted:
		return "受委托"
	}
	return strconv.Itoa(s)
}

// basesText renders legal bases by their text, one a line.
func basesText(bs []LegalBasis) string {
	texts := make([]string, len(bs))
	for i, b := range bs {
		texts[i] = b.Text
	}
	return strings.Join(texts, "\n")
}

func listText(l []string) string { return strings.Join(l, "\n") }

func timeLimitText(t TimeLimit) string {
	if t == (TimeLimit{}) {
		return ""
	}
	unit := map[int]string{UnitDay: "天", UnitWorkingDay: "工作日", UnitMonth: "月"}[t.Unit]
	return strconv.Itoa(t.Value) + unit
}

// feeText renders a fee as 收费 or 不收费 (nothing when nobody said) with
// its basis and standard.
func feeText(f Fee) string {
	var parts []string
	switch f.Charged {
	case Yes:
		parts = append(parts, "收费")
	case No:
		parts = append(parts, "不收费")
	}
	if f.Basis != "" {
		parts = append(parts, "依据："+f.Basis)
	}
	if f.Standard != "" {
		parts = append(parts, "标准："+f.Standard)
	}
	return strings.Join(parts, "；")
}
