package registry

import (
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/powerreg/powerreg/server/filter"
)

// ListQuery is a list request's AIP-160 filter and AIP-132 order_by, as
// the API gives them (empty: every record, in the list's default order).
type ListQuery struct {
	Filter  string
	OrderBy string
}

// Enum value names, as in the API (powerreg.v1).
var (
	categoryValues = func() map[string]int64 {
		m := map[string]int64{}
		for _, c := range Categories {
			m["CATEGORY_"+strings.ToUpper(strings.ReplaceAll(c.EnglishLabel, " ", "_"))] = int64(c.Category)
		}
		return m
	}()
	itemStateValues = map[string]int64{"STATE_DRAFT": 1, "STATE_SUBMITTED": 2, "STATE_APPROVED": 3,
		"STATE_RETURNED": 4, "STATE_PUBLISHED": 5, "STATE_ABOLISHED": 6}
	submissionStateValues = map[string]int64{"STATE_DRAFT": 1, "STATE_SUBMITTED": 2, "STATE_APPROVED": 3,
		"STATE_RETURNED": 4, "STATE_PUBLISHED": 5, "STATE_WITHDRAWN": 6}
)

// canonDepartment lets filters name a department by its id as well as by
// its resource name.
func canonDepartment(s string) string {
	if strings.Contains(s, "/") {
		return s
	}
	return DepartmentName(s)
}

var (
	fCategory    = filter.Field{Name: "category", Type: filter.Enum, Values: categoryValues}
	fDepartment  = filter.Field{Name: "department", Type: filter.String, Canon: canonDepartment}
	fCode        = filter.Field{Name: "code", Type: filter.String}
	fDisplayName = filter.Field{Name: "display_name", Type: filter.String, EqualityOnly: true}
	fPublishTime = filter.Field{Name: "publish_time", Type: filter.Timestamp}
	fUpdateTime  = filter.Field{Name: "update_time", Type: filter.Timestamp}
	fCreateTime  = filter.Field{Name: "create_time", Type: filter.Timestamp}

	itemFields = filter.NewSchema(fCategory,
		filter.Field{Name: "state", Type: filter.Enum, Values: itemStateValues},
		fCode, fDepartment, fUpdateTime, fPublishTime, fDisplayName)
	itemOrder = itemFields.Subset("code", "update_time", "publish_time", "display_name")

	submissionFields = filter.NewSchema(
		filter.Field{Name: "state", Type: filter.Enum, Values: submissionStateValues},
		fDepartment, fCreateTime, fUpdateTime)
	submissionOrder = submissionFields.Subset("create_time", "update_time")

	catalogFields = filter.NewSchema(fCategory, fDepartment, fCode, fPublishTime, fDisplayName)
	catalogOrder  = catalogFields.Subset("code", "publish_time", "display_name")
)

// query is a compiled ListQuery.
type query struct {
	f     *filter.Filter
	order filter.Order // nil: the list's default order
	// token is appended to the page token's filter string, so that a
	// token is not reused with another filter or order.
	token string
}

// compile parses q against a list's fields; an order equal to the
// default one (defaultOrder, canonical) keeps the default path.
func compile(q ListQuery, fields, orders *filter.Schema, defaultOrder string) (*query, error) {
	var v violations
	f, err := filter.Parse(fields, q.Filter)
	if err != nil {
		addQueryErr(&v, "filter", err)
	}
	o, err := filter.ParseOrder(orders, q.OrderBy)
	if err != nil {
		addQueryErr(&v, "order_by", err)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if o.String() == defaultOrder {
		o = nil
	}
	out := &query{f: f, order: o}
	if !f.Empty() || o != nil {
		out.token = "?filter=" + strconv.Quote(f.String()) + "&order_by=" + strconv.Quote(o.String())
	}
	return out, nil
}

func addQueryErr(v *violations, field string, err error) {
	var fe *filter.Error
	if errors.As(err, &fe) {
		v.add(field, fe.Chinese(), fe.English())
		return
	}
	v.add(field, err.Error(), err.Error())
}

// sortKey is a record's place under an order_by: the values of the
// order's fields, then the default order's key to break ties.
type sortKey struct {
	K   []filter.Value `json:"k"`
	Tie filter.Value   `json:"t"`
}

// sorted collects the matches of a list under an order_by, to page them.
type sorted[T any] struct {
	order filter.Order
	recs  []T
	keys  []sortKey
}

func (s *sorted[T]) add(x T, r filter.Record, tie filter.Value) {
	s.recs = append(s.recs, x)
	s.keys = append(s.keys, sortKey{K: s.order.Values(r), Tie: tie})
}

func (s *sorted[T]) cmp(a, b sortKey) int {
	if c := s.order.Compare(a.K, b.K); c != 0 {
		return c
	}
	return filter.CompareTie(a.Tie, b.Tie)
}

// page sorts the matches and offers take each one after the cursor (a
// sortKey in JSON, "" for the first page), in order, until take declines
// one (the page is full: page_size or PageBytes); it returns the next
// page's token.
func (s *sorted[T]) page(cursor string, tokenFilter string, take func(T) (bool, error)) (string, error) {
	idx := make([]int, len(s.recs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return s.cmp(s.keys[a], s.keys[b]) })
	start := 0
	if cursor != "" {
		var after sortKey
		if json.Unmarshal([]byte(cursor), &after) != nil || len(after.K) != len(s.order) {
			return "", badToken()
		}
		start = sort.Search(len(idx), func(i int) bool { return s.cmp(s.keys[idx[i]], after) > 0 })
	}
	for n, i := range idx[start:] {
		ok, err := take(s.recs[i])
		if err != nil {
			return "", err
		}
		if !ok {
			if n == 0 {
				return "", nil // unreachable: a page takes at least one (budget.full)
			}
			b, _ := json.Marshal(s.keys[idx[start+n-1]])
			return encodeToken(tokenFilter, string(b)), nil
		}
	}
	return "", nil
}

// filters reports whether the query has a filter.
func (q *query) filters() bool { return !q.f.Empty() }

// match evaluates the query's filter.
func (q *query) match(r filter.Record) bool { return q.f.Match(r) }

// itemRecord gives an item's fields to a filter, loading its working
// copy's content only when a field needs it; err holds a failed load.
type itemRecord struct {
	tx      Tx
	it      *Item
	content *Content
	err     error
}

func (r *itemRecord) get(field string) filter.Value {
	it := r.it
	switch field {
	case "state":
		return filter.Num(int64(it.State))
	case "code":
		return filter.Str(it.Code)
	case "department":
		return filter.Str(DepartmentName(it.Department))
	case "update_time":
		return filter.Time(it.UpdateTime)
	case "publish_time":
		if p := it.InForce(); p != nil {
			return filter.Time(p.Time)
		}
		return filter.Value{}
	}
	if r.content == nil {
		rev, err := loadRevision(r.tx, it, it.Head)
		if err != nil {
			r.err = err
			return filter.Value{}
		}
		r.content = &rev.Content
	}
	switch field {
	case "category":
		return filter.Num(int64(r.content.Category))
	case "display_name":
		return filter.Str(r.content.DisplayName)
	}
	return filter.Value{}
}

func submissionRecord(s *Submission) filter.Record {
	return func(field string) filter.Value {
		switch field {
		case "state":
			return filter.Num(int64(s.State))
		case "department":
			return filter.Str(DepartmentName(s.Department))
		case "create_time":
			return filter.Time(s.CreateTime)
		case "update_time":
			return filter.Time(s.UpdateTime)
		}
		return filter.Value{}
	}
}

func catalogRecord(e *CatalogEntry) filter.Record {
	return func(field string) filter.Value {
		switch field {
		case "category":
			return filter.Num(int64(e.Content.Category))
		case "department":
			return filter.Str(DepartmentName(e.Department))
		case "code":
			return filter.Str(e.Code)
		case "publish_time":
			return filter.Time(e.PublishTime)
		case "display_name":
			return filter.Str(e.Content.DisplayName)
		}
		return filter.Value{}
	}
}

// listItemsSorted serves ListItems under an order_by: every match is
// collected and sorted, then paged by its sort key.
func listItemsSorted(tx Tx, scan string, state ItemState, q *query, size int, b *budget, cursor, tokenFilter string) ([]*ItemView, string, error) {
	s := &sorted[*Item]{order: q.order}
	err := tx.ScanItems(scan, 0, func(it *Item) (bool, error) {
		if state != 0 && it.State != state {
			return true, nil
		}
		r := &itemRecord{tx: tx, it: it}
		if q.match(r.get) {
			s.add(it, r.get, filter.Num(int64(it.ID)))
		}
		return r.err == nil, r.err
	})
	if err != nil {
		return nil, "", err
	}
	var out []*ItemView
	next, err := s.page(cursor, tokenFilter, func(it *Item) (bool, error) {
		if len(out) == size {
			return false, nil
		}
		v, err := view(tx, it)
		if err != nil || b.full(len(out), v) {
			return false, err
		}
		out = append(out, v)
		return true, nil
	})
	return out, next, err
}

// listSubmissionsSorted serves ListSubmissions under an order_by; ties
// keep the default order, newest first.
func listSubmissionsSorted(tx Tx, scan string, state SubmissionState, q *query, size int, b *budget, cursor, tokenFilter string) ([]*Submission, string, error) {
	s := &sorted[*Submission]{order: q.order}
	err := tx.ScanSubmissions(scan, 0, func(sub *Submission) (bool, error) {
		if state != 0 && sub.State != state {
			return true, nil
		}
		if r := submissionRecord(sub); q.match(r) {
			s.add(sub, r, filter.Num(-int64(sub.ID)))
		}
		return true, nil
	})
	if err != nil {
		return nil, "", err
	}
	var out []*Submission
	next, err := s.page(cursor, tokenFilter, func(sub *Submission) (bool, error) {
		if len(out) == size || b.full(len(out), sub) {
			return false, nil
		}
		out = append(out, sub)
		return true, nil
	})
	return out, next, err
}

// codeBounds returns where a catalogue scan in code order may start (the
// `after` of ScanCatalog) and the prefix past which it may stop, from the
// filter's code prefix; after is the page token's cursor.
func (q *query) codeBounds(after string) (start, prefix string) {
	p, ok := q.f.Prefix("code")
	if !ok || p == "" {
		return after, ""
	}
	// Scans start after `start` + "\x00": just below the prefix. Keys
	// between that and the prefix do not match the filter anyway.
	below := p[:len(p)-1]
	if last := p[len(p)-1]; last > 0 {
		below += string([]byte{last - 1}) + "\xff\xff\xff\xff"
	}
	return max(after, below), p
}

// pastPrefix reports whether a scan in code order has left the codes
// starting with prefix.
func pastPrefix(code, prefix string) bool {
	return prefix != "" && code > prefix && !strings.HasPrefix(code, prefix)
}

// listCatalogSorted serves ListCatalog under an order_by; ties keep code
// order.
func listCatalogSorted(tx Tx, cat Category, dept string, q *query, size int, b *budget, cursor, tokenFilter string) ([]*CatalogView, string, error) {
	s := &sorted[*CatalogEntry]{order: q.order}
	start, prefix := q.codeBounds("")
	err := tx.ScanCatalog(cat, dept, start, func(e *CatalogEntry) (bool, error) {
		if pastPrefix(e.Code, prefix) {
			return false, nil
		}
		if r := catalogRecord(e); q.match(r) {
			s.add(e, r, filter.Str(e.Code))
		}
		return true, nil
	})
	if err != nil {
		return nil, "", err
	}
	var out []*CatalogView
	next, err := s.page(cursor, tokenFilter, catalogPage(tx, &out, size, b))
	return out, next, err
}

// catalogPage is the take of a catalogue page sorted by listCatalogSorted
// or ListCatalogAsOf.
func catalogPage(tx Tx, out *[]*CatalogView, size int, b *budget) func(*CatalogEntry) (bool, error) {
	names := &deptNames{tx: tx, names: map[string]string{}}
	return func(e *CatalogEntry) (bool, error) {
		if len(*out) == size {
			return false, nil
		}
		n, err := names.get(e.Department)
		if err != nil {
			return false, err
		}
		v := &CatalogView{Entry: *e, DepartmentName: n}
		if b.full(len(*out), v) {
			return false, nil
		}
		*out = append(*out, v)
		return true, nil
	}
}
