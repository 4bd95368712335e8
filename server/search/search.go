// Package search is the keyword search of the published catalogue: an
// in-memory bleve index of the items in force, derived from the store
// (rebuilt at start, caught up from the change feed before each search),
// never a source of truth of its own.
package search

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/powerreg/powerreg/server/registry"
)

// Fields of the index.
const (
	FieldName       = "display_name" // the item's name
	FieldLegalBases = "legal_bases"  // the legal bases' titles
	FieldDepartment = "department"   // the department's display name
	fieldDeptID     = "department_id"
	fieldCategory   = "category"
	fieldNameSort   = "name_sort"
	fieldPublish    = "publish_time"
)

// textAnalyzer indexes CJK text as unigrams and bigrams: bigrams rank
// multi-character queries, unigrams let one-character queries match.
const textAnalyzer = "cjk_uni"

// document is what the index holds of one catalogue entry (id: its code).
type document struct {
	Name       string    `json:"display_name"`
	LegalBases string    `json:"legal_bases"`
	Department string    `json:"department"`
	DeptID     string    `json:"department_id"`
	Category   string    `json:"category"`
	NameSort   string    `json:"name_sort"`
	Publish    time.Time `json:"publish_time"`
}

func newDocument(v *registry.CatalogView) *document {
	e := &v.Entry
	titles := make([]string, 0, len(e.Content.LegalBases))
	for _, b := range e.Content.LegalBases {
		if b.Title != "" {
			titles = append(titles, b.Title)
		}
	}
	return &document{Name: e.Content.DisplayName, LegalBases: strings.Join(titles, "\n"), Department: v.DepartmentName,
		DeptID: e.Department, Category: strconv.Itoa(int(e.Content.Category)), NameSort: e.Content.DisplayName,
		Publish: e.PublishTime}
}

func newMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomTokenFilter("cjk_bigram_uni", map[string]any{"type": cjk.BigramName, "output_unigram": true}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(textAnalyzer, map[string]any{"type": custom.Name, "tokenizer": unicode.Name,
		"token_filters": []any{cjk.WidthName, lowercase.Name, "cjk_bigram_uni"}}); err != nil {
		return nil, err
	}
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = textAnalyzer
		f.Store = true
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		return f
	}
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(FieldName, text())
	dm.AddFieldMappingsAt(FieldLegalBases, text())
	dm.AddFieldMappingsAt(FieldDepartment, text())
	dm.AddFieldMappingsAt(fieldDeptID, kw(true))
	dm.AddFieldMappingsAt(fieldCategory, kw(true))
	dm.AddFieldMappingsAt(fieldNameSort, kw(false))
	pt := bleve.NewDateTimeFieldMapping()
	pt.Store = true
	pt.IncludeInAll = false
	dm.AddFieldMappingsAt(fieldPublish, pt)
	im.DefaultMapping = dm
	im.DefaultAnalyzer = textAnalyzer
	return im, nil
}

// Catalog is the source of the index: the registry.
type Catalog interface {
	CatalogRevision() (int64, error)
	ChangesFloor() (int64, error)
	ListChanges(start int64, size int, token string) ([]*registry.ChangeView, string, int64, error)
	ListCatalog(cat registry.Category, dept string, size int, token string) ([]*registry.CatalogView, string, error)
	ListDepartments(size int, token string) ([]*registry.Department, string, error)
}

// Index is the search index of the catalogue.
type Index struct {
	src Catalog

	mu       sync.RWMutex // write: catching up; read: searching
	idx      bleve.Index
	feedRev  int64 // every change up to it is applied
	catRev   int64 // the catalogue revision the index reflects
	deptName map[string]string
	closed   bool
}

// Open builds the index from the catalogue.
func Open(src Catalog) (*Index, error) {
	x := &Index{src: src}
	if err := x.rebuild(); err != nil {
		return nil, err
	}
	return x, nil
}

// Close releases the index.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	return x.idx.Close()
}

// rebuild reads the whole catalogue into a fresh index, as a feed reader
// starting from scratch does (changes.go): note the feed's revision, read
// the list, replay the changes after the revision. x.mu is held or x is
// not shared yet.
func (x *Index) rebuild() error {
	m, err := newMapping()
	if err != nil {
		return err
	}
	// scorch with no path is an in-memory index, much faster than
	// NewMemOnly's (upsidedown over a treap).
	idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return err
	}
	catRev, err := x.src.CatalogRevision()
	if err != nil {
		idx.Close()
		return err
	}
	floor, err := x.src.ChangesFloor()
	if err != nil {
		idx.Close()
		return err
	}
	_, _, current, err := x.src.ListChanges(floor, 1, "")
	if err != nil {
		idx.Close()
		return err
	}
	names := map[string]string{}
	token := ""
	for {
		list, next, err := x.src.ListCatalog(0, "", registry.MaxCatalogPageSize, token)
		if err != nil {
			idx.Close()
			return err
		}
		b := idx.NewBatch()
		for _, v := range list {
			names[v.Entry.Department] = v.DepartmentName
			if err := b.Index(v.Entry.Code, newDocument(v)); err != nil {
				idx.Close()
				return err
			}
		}
		if err := idx.Batch(b); err != nil {
			idx.Close()
			return err
		}
		if next == "" {
			break
		}
		token = next
	}
	old := x.idx
	x.idx, x.feedRev, x.catRev, x.deptName = idx, current, catRev, names
	if old != nil {
		old.Close()
	}
	return x.apply()
}

// apply indexes the changes after feedRev.
func (x *Index) apply() error {
	token := ""
	for {
		list, next, _, err := x.src.ListChanges(x.feedRev, registry.MaxPageSize, token)
		if err != nil {
			return err
		}
		b := x.idx.NewBatch()
		for _, c := range list {
			x.deptName[c.Change.Entry.Department] = c.DepartmentName
			if c.Change.Kind == registry.CatalogAbolished {
				b.Delete(c.Change.Entry.Code)
			} else if err := b.Index(c.Change.Entry.Code, newDocument(c.Item())); err != nil {
				return err
			}
		}
		if err := x.idx.Batch(b); err != nil {
			return err
		}
		if next == "" {
			if len(list) > 0 {
				x.feedRev = max(x.feedRev, list[len(list)-1].Change.Revision)
			}
			return nil
		}
		token = next
	}
}

// errClosed is the answer of a closed index.
var errClosed = errors.New("search index closed")

// Sync brings the index to the catalogue's current revision: it applies the
// changes published since, and rebuilds the index when the catalogue changed
// otherwise (a department renamed, the feed compacted).
func (x *Index) Sync() error {
	rev, err := x.src.CatalogRevision()
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return errClosed
	}
	if rev == x.catRev {
		return nil
	}
	if err := x.apply(); err != nil {
		var re *registry.Error
		if errors.As(err, &re) && re.Reason == registry.ReasonRevisionCompacted {
			return x.rebuild()
		}
		return err
	}
	if x.feedRev < rev {
		// The catalogue changed without a publication: a department's
		// name (reindex its items), its region or a compaction (nothing
		// to do).
		if err := x.renamed(); err != nil {
			return err
		}
	}
	x.catRev = rev
	return nil
}

// renamed reindexes the items of the departments whose display name is no
// longer the one indexed, from the catalogue.
func (x *Index) renamed() error {
	token := ""
	for {
		list, next, err := x.src.ListDepartments(registry.MaxPageSize, token)
		if err != nil {
			return err
		}
		for _, d := range list {
			if old, ok := x.deptName[d.ID]; ok && old != d.DisplayName {
				if err := x.reindex(d.ID); err != nil {
					return err
				}
			}
		}
		if next == "" {
			return nil
		}
		token = next
	}
}

// reindex indexes again the items of a department.
func (x *Index) reindex(dept string) error {
	token := ""
	for {
		list, next, err := x.src.ListCatalog(0, dept, registry.MaxCatalogPageSize, token)
		if err != nil {
			return err
		}
		b := x.idx.NewBatch()
		for _, v := range list {
			x.deptName[dept] = v.DepartmentName
			if err := b.Index(v.Entry.Code, newDocument(v)); err != nil {
				return err
			}
		}
		if err := x.idx.Batch(b); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		token = next
	}
}

// Request is one search.
type Request struct {
	Q           string
	Category    registry.Category // 0: all
	Departments []string          // ids; empty: all (with AnyDepartment)
	// NoDepartment is true when the request's department or region
	// filters leave no department at all.
	NoDepartment bool
	Match        func(*registry.CatalogEntry) bool // AIP-160 filter; nil: none
	Order        []registry.CatalogOrderKey        // empty: relevance
	Offset, Size int
}

// Fragment is a highlighted fragment of one field.
type Fragment struct{ Field, Text string }

// Hit is one result.
type Hit struct {
	Code      string
	Fragments []Fragment
}

// Count is one facet value.
type Count struct {
	Value string
	Name  string // of a department: its display name
	Count int
}

// Result is one page of a search with the counts of all results.
type Result struct {
	Hits        []Hit
	Total       int
	Categories  []Count // category number as text
	Departments []Count // department ids
}

// textQuery is the keyword query: every word must match one field; a
// word of one character matches the fields containing it, longer words all
// their bigrams; names weigh most.
func textQuery(q string) (query.Query, bool) {
	words := strings.Fields(q)
	if len(words) == 0 {
		return nil, false
	}
	all := bleve.NewConjunctionQuery()
	for _, w := range words {
		analyzer := cjk.AnalyzerName
		if utf8.RuneCountInString(w) == 1 {
			analyzer = textAnalyzer
		}
		any := bleve.NewDisjunctionQuery()
		for _, f := range []struct {
			name  string
			boost float64
		}{{FieldName, 4}, {FieldLegalBases, 1}, {FieldDepartment, 1.5}} {
			m := bleve.NewMatchQuery(w)
			m.SetField(f.name)
			m.Analyzer = analyzer
			m.SetOperator(query.MatchQueryOperatorAnd)
			m.SetBoost(f.boost)
			any.AddQuery(m)
		}
		all.AddQuery(any)
	}
	return all, true
}

func (r *Request) query() (query.Query, bool) {
	q, ok := textQuery(r.Q)
	if !ok || r.NoDepartment {
		return nil, false
	}
	c := bleve.NewConjunctionQuery(q)
	if r.Category != 0 {
		t := bleve.NewTermQuery(strconv.Itoa(int(r.Category)))
		t.SetField(fieldCategory)
		c.AddQuery(t)
	}
	if len(r.Departments) > 0 {
		d := bleve.NewDisjunctionQuery()
		for _, id := range r.Departments {
			t := bleve.NewTermQuery(id)
			t.SetField(fieldDeptID)
			d.AddQuery(t)
		}
		c.AddQuery(d)
	}
	return c, true
}

func (r *Request) sort() []string {
	if len(r.Order) == 0 {
		return []string{"-_score", "_id"}
	}
	var out []string
	for _, k := range r.Order {
		f := map[string]string{"code": "_id", "display_name": fieldNameSort, "publish_time": fieldPublish}[k.Field]
		if k.Desc {
			f = "-" + f
		}
		out = append(out, f)
	}
	return append(out, "_id")
}

const maxFacetDepartments = 10000

// Search runs a request on the index as it stands after catching up with
// the catalogue.
func (x *Index) Search(r *Request) (*Result, error) {
	if err := x.Sync(); err != nil {
		return nil, err
	}
	q, ok := r.query()
	if !ok {
		return &Result{}, nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return nil, errClosed
	}
	var out *Result
	var err error
	if r.Match != nil {
		out, err = x.searchFiltered(q, r)
	} else {
		out, err = x.searchPage(q, r)
	}
	if out != nil {
		for i := range out.Departments {
			out.Departments[i].Name = x.deptName[out.Departments[i].Value]
		}
	}
	return out, err
}

// searchPage is a search without a filter: bleve pages and counts.
func (x *Index) searchPage(q query.Query, r *Request) (*Result, error) {
	req := bleve.NewSearchRequestOptions(q, r.Size, r.Offset, false)
	req.SortBy(r.sort())
	req.Highlight = bleve.NewHighlightWithStyle(html.Name)
	req.Highlight.Fields = []string{FieldName, FieldLegalBases, FieldDepartment}
	req.AddFacet("c", bleve.NewFacetRequest(fieldCategory, 20))
	req.AddFacet("d", bleve.NewFacetRequest(fieldDeptID, maxFacetDepartments))
	res, err := x.idx.Search(req)
	if err != nil {
		return nil, err
	}
	out := &Result{Total: int(res.Total)}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, Hit{Code: h.ID, Fragments: fragments(h.Fragments)})
	}
	out.Categories = facet(res.Facets["c"])
	out.Departments = facet(res.Facets["d"])
	return out, nil
}

// searchFiltered applies the AIP-160 filter to every hit (from their
// stored fields), then counts and pages the survivors.
func (x *Index) searchFiltered(q query.Query, r *Request) (*Result, error) {
	count, err := x.idx.Search(bleve.NewSearchRequestOptions(q, 0, 0, false))
	if err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(q, int(count.Total), 0, false)
	req.SortBy(r.sort())
	req.Fields = []string{FieldName, fieldDeptID, fieldCategory, fieldPublish}
	res, err := x.idx.Search(req)
	if err != nil {
		return nil, err
	}
	cats, depts := map[string]int{}, map[string]int{}
	var page []string
	out := &Result{}
	for _, h := range res.Hits {
		e := &registry.CatalogEntry{Code: h.ID}
		e.Content.DisplayName, _ = h.Fields[FieldName].(string)
		e.Department, _ = h.Fields[fieldDeptID].(string)
		c, _ := h.Fields[fieldCategory].(string)
		n, _ := strconv.Atoi(c)
		e.Content.Category = registry.Category(n)
		if s, ok := h.Fields[fieldPublish].(string); ok {
			e.PublishTime, _ = time.Parse(time.RFC3339Nano, s)
		}
		if !r.Match(e) {
			continue
		}
		if out.Total >= r.Offset && len(page) < r.Size {
			page = append(page, h.ID)
		}
		out.Total++
		cats[c]++
		depts[e.Department]++
	}
	out.Categories, out.Departments = counts(cats), counts(depts)
	if len(page) == 0 {
		return out, nil
	}
	// The page's highlights.
	hq := bleve.NewConjunctionQuery(q, bleve.NewDocIDQuery(page))
	hreq := bleve.NewSearchRequestOptions(hq, len(page), 0, false)
	hreq.Highlight = bleve.NewHighlightWithStyle(html.Name)
	hreq.Highlight.Fields = []string{FieldName, FieldLegalBases, FieldDepartment}
	hres, err := x.idx.Search(hreq)
	if err != nil {
		return nil, err
	}
	frags := map[string][]Fragment{}
	for _, h := range hres.Hits {
		frags[h.ID] = fragments(h.Fragments)
	}
	for _, code := range page {
		out.Hits = append(out.Hits, Hit{Code: code, Fragments: frags[code]})
	}
	return out, nil
}

func fragments(m map[string][]string) []Fragment {
	var out []Fragment
	for _, f := range []string{FieldName, FieldLegalBases, FieldDepartment} {
		for _, t := range m[f] {
			if !strings.Contains(t, "<mark>") {
				continue // the field's text, unmatched
			}
			out = append(out, Fragment{Field: f, Text: t})
		}
	}
	return out
}

func facet(f *bsearch.FacetResult) []Count {
	if f == nil || f.Terms == nil {
		return nil
	}
	var out []Count
	for _, t := range f.Terms.Terms() {
		out = append(out, Count{Value: t.Term, Count: t.Count})
	}
	sortCounts(out)
	return out
}

func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Value: k, Count: n})
	}
	sortCounts(out)
	return out
}

// sortCounts orders facet values largest first, then by value.
func sortCounts(c []Count) {
	sort.Slice(c, func(i, j int) bool {
		if c[i].Count != c[j].Count {
			return c[i].Count > c[j].Count
		}
		return c[i].Value < c[j].Value
	})
}

// String describes the index, for logs.
func (x *Index) String() string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n, _ := x.idx.DocCount()
	return fmt.Sprintf("search index: %d items at catalogue revision %d", n, x.catRev)
}

// Ready reports whether the index answers searches (built and open).
func (x *Index) Ready() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.idx != nil && !x.closed
}
