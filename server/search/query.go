package search

import (
	"cmp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/powerreg/powerreg/server/registry"
)

// Relevance: each word scores in every field that matches it, by the
// field's weight (names weigh most), divided by the square root of the
// text's length (a word is more of a short name than of a long one), and
// doubled where the word stands whole in the text rather than as scattered
// bigrams.
const (
	weightName       = 4
	weightDepartment = 1.5
	weightTitle      = 1
)

// wordHits is where one word matched.
type wordHits struct {
	w      word
	names  []uint32 // documents
	titles []uint32 // title numbers
	depts  []uint32 // department numbers
	size   int      // documents, counted with repeats
}

func (m *memIndex) hits(w word) wordHits {
	h := wordHits{w: w, names: m.names.match(w.grams), titles: m.titles.post.match(w.grams), depts: m.depts.post.match(w.grams)}
	h.size = len(h.names)
	for _, t := range h.titles {
		h.size += len(m.titles.docs[t])
	}
	for _, d := range h.depts {
		h.size += len(m.depts.docs[d])
	}
	return h
}

// scratch holds per-document state of one search: stamp says which search
// last touched a document (so the arrays need no clearing), cnt how many
// words it matched, score its relevance.
type scratch struct {
	stamp []uint32
	cnt   []uint8
	score []float32
	gen   uint32
	cand  []uint32 // documents matching the first word
}

var scratches sync.Pool

func getScratch(n int) *scratch {
	s, _ := scratches.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	if len(s.stamp) < n {
		n += n / 4
		s.stamp, s.cnt, s.score, s.gen = make([]uint32, n), make([]uint8, n), make([]float32, n), 0
	}
	if s.gen++; s.gen == 0 {
		clear(s.stamp)
		s.gen = 1
	}
	s.cand = s.cand[:0]
	return s
}

// touch records that document d matched word i (in one more field).
func (s *scratch) touch(i int, d uint32, score float32) {
	if i == 0 {
		if s.stamp[d] != s.gen {
			s.stamp[d], s.cnt[d], s.score[d] = s.gen, 1, score
			s.cand = append(s.cand, d)
		} else {
			s.score[d] += score
		}
		return
	}
	if s.stamp[d] != s.gen {
		return
	}
	switch s.cnt[d] {
	case uint8(i):
		s.cnt[d]++
		s.score[d] += score
	case uint8(i + 1):
		s.score[d] += score
	}
}

func phrase(text string, w word) float32 {
	if len(w.grams) > 1 && strings.Contains(text, w.text) {
		return 2
	}
	return 1
}

// search runs r on m: every word must match a field.
func (m *memIndex) search(r *Request, words []word) *Result {
	hs := make([]wordHits, len(words))
	for i, w := range words {
		if hs[i] = m.hits(w); hs[i].size == 0 {
			return &Result{}
		}
	}
	// The rarest word first: it bounds the candidates.
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].size < hs[j].size })
	s := getScratch(len(m.docs))
	defer scratches.Put(s)
	for i, h := range hs {
		for _, d := range h.names {
			s.touch(i, d, weightName*m.docs[d].norm*phrase(m.docs[d].name, h.w))
		}
		for _, t := range h.titles {
			sc := weightTitle * m.titles.norm[t] * phrase(m.titles.texts[t], h.w)
			for _, d := range m.titles.docs[t] {
				s.touch(i, d, sc)
			}
		}
		for _, dp := range h.depts {
			sc := weightDepartment * m.depts.norm[dp] * phrase(m.dname[dp], h.w)
			for _, d := range m.depts.docs[dp] {
				s.touch(i, d, sc)
			}
		}
	}
	var deptOK []bool
	if len(r.Departments) > 0 {
		deptOK = make([]bool, len(m.dname))
		for _, id := range r.Departments {
			if n, ok := m.depts.num[id]; ok {
				deptOK[n] = true
			}
		}
	}
	out := &Result{}
	var cats [16]int
	depts := make([]int, len(m.dname))
	top := topN{k: r.Offset + r.Size, better: m.better(r.Order, s.score)}
	all := uint8(len(hs))
	var e registry.CatalogEntry
	for _, d := range s.cand {
		doc := &m.docs[d]
		if s.cnt[d] != all || !m.alive(d) || (r.Category != 0 && doc.cat != r.Category) || (deptOK != nil && !deptOK[doc.dept]) {
			continue
		}
		if r.Match != nil {
			if m.entry(d, &e); !r.Match(&e) {
				continue
			}
		}
		out.Total++
		cats[doc.cat%16]++
		depts[doc.dept]++
		top.offer(d)
	}
	for c, n := range cats {
		if n > 0 {
			out.Categories = append(out.Categories, Count{Value: strconv.Itoa(c), Count: n})
		}
	}
	for dp, n := range depts {
		if n > 0 {
			out.Departments = append(out.Departments, Count{Value: m.depts.texts[dp], Name: m.dname[dp], Count: n})
		}
	}
	sortCounts(out.Categories)
	sortCounts(out.Departments)
	page := top.sorted()
	if r.Offset < len(page) {
		for _, d := range page[r.Offset:] {
			out.Hits = append(out.Hits, Hit{Code: m.docs[d].code, Fragments: m.fragments(d, words)})
		}
	}
	return out
}

// better is the order of results: relevance, or the request's order_by;
// then codes.
func (m *memIndex) better(order []registry.CatalogOrderKey, score []float32) func(a, b uint32) bool {
	return func(a, b uint32) bool {
		da, db := &m.docs[a], &m.docs[b]
		if len(order) == 0 {
			if score[a] != score[b] {
				return score[a] > score[b]
			}
		}
		for _, k := range order {
			var c int
			switch k.Field {
			case "code":
				c = strings.Compare(da.code, db.code)
			case "display_name":
				c = strings.Compare(da.name, db.name)
			case "publish_time":
				c = cmp.Compare(da.publish, db.publish)
			}
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return da.code < db.code
	}
}

// topN keeps the k best documents offered: a heap whose root is the worst
// kept.
type topN struct {
	k      int
	better func(a, b uint32) bool
	h      []uint32
}

func (t *topN) offer(d uint32) {
	switch {
	case t.k <= 0:
	case len(t.h) < t.k:
		t.h = append(t.h, d)
		t.up(len(t.h) - 1)
	case t.better(d, t.h[0]):
		t.h[0] = d
		t.down(0)
	}
}

func (t *topN) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.better(t.h[p], t.h[i]) {
			return
		}
		t.h[p], t.h[i] = t.h[i], t.h[p]
		i = p
	}
}

func (t *topN) down(i int) {
	for {
		w := i
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < len(t.h) && t.better(t.h[w], t.h[c]) {
				w = c
			}
		}
		if w == i {
			return
		}
		t.h[w], t.h[i] = t.h[i], t.h[w]
		i = w
	}
}

// sorted returns the kept documents, best first.
func (t *topN) sorted() []uint32 {
	sort.Slice(t.h, func(i, j int) bool { return t.better(t.h[i], t.h[j]) })
	return t.h
}

// fragments highlights the words in a document's fields.
func (m *memIndex) fragments(n uint32, words []word) []Fragment {
	d := &m.docs[n]
	var out []Fragment
	if t, ok := highlight(d.name, words); ok {
		out = append(out, Fragment{Field: FieldName, Text: t})
	}
	for _, ti := range d.titles {
		if t, ok := highlight(m.titles.texts[ti], words); ok {
			out = append(out, Fragment{Field: FieldLegalBases, Text: t})
		}
	}
	if t, ok := highlight(m.dname[d.dept], words); ok {
		out = append(out, Fragment{Field: FieldDepartment, Text: t})
	}
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
