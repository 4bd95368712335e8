package search

import (
	"maps"
	"math"
	"slices"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// The in-memory index. Documents are numbered in the order they are added;
// a changed item gets a new number and its old one is marked dead, so every
// posting list stays sorted by appending. Legal-basis titles and
// departments repeat across many items: each distinct title and department
// is indexed once and lists its documents.
//
// A catch-up changes a clone while searches read the original (clone):
// the clone has its own maps and its own copies of what is changed in
// place (the dead set, the departments), and shares the slices that only
// grow (documents, posting lists). Appending to a shared slice writes past
// the end the original sees, and only the newest published version is
// cloned (the clone of a failed catch-up is dropped), so no search reads
// what a catch-up writes.

// doc is one catalogue entry as the index holds it.
type doc struct {
	code    string
	name    string
	titles  []uint32 // title numbers
	publish int64    // Unix nanoseconds
	dept    uint32   // department number
	cat     registry.Category
	norm    float32 // 1/sqrt(length of the name)
}

// postings maps a gram to the sorted numbers (of documents, titles or
// departments) whose text holds it.
type postings map[gram][]uint32

func (p postings) add(buf []gram, text string, n uint32) []gram {
	buf = grams(buf, text)
	for _, g := range buf {
		p[g] = append(p[g], n)
	}
	return buf
}

// match returns the numbers whose text holds every gram, or nil.
func (p postings) match(gs []gram) []uint32 {
	lists := make([][]uint32, 0, len(gs))
	for _, g := range gs {
		l := p[g]
		if len(l) == 0 {
			return nil
		}
		lists = append(lists, l)
	}
	if len(lists) == 1 {
		return lists[0]
	}
	slices.SortFunc(lists, func(a, b []uint32) int { return len(a) - len(b) })
	out := slices.Clone(lists[0])
	for _, l := range lists[1:] {
		out = intersect(out, l)
		if len(out) == 0 {
			return nil
		}
	}
	return out
}

// intersect keeps in a (sorted) the numbers also in b (sorted), in place.
func intersect(a, b []uint32) []uint32 {
	out := a[:0]
	j := 0
	for _, x := range a {
		if len(b)-j > 8*len(a) { // b much longer: gallop
			k, _ := slices.BinarySearch(b[j:], x)
			j += k
		} else {
			for j < len(b) && b[j] < x {
				j++
			}
		}
		if j == len(b) {
			break
		}
		if b[j] == x {
			out = append(out, x)
		}
	}
	return out
}

// interned is a set of distinct texts (titles or departments) with their
// postings and the documents of each.
type interned struct {
	texts []string
	num   map[string]uint32
	post  postings
	docs  [][]uint32
	norm  []float32
}

func newInterned() *interned { return &interned{num: map[string]uint32{}, post: postings{}} }

func (t *interned) intern(text string, buf []gram) (uint32, []gram) {
	if n, ok := t.num[text]; ok {
		return n, buf
	}
	return uint32(len(t.texts)), t.addText(text, buf)
}

// addText numbers a new text.
func (t *interned) addText(text string, buf []gram) []gram {
	n := uint32(len(t.texts))
	t.texts = append(t.texts, text)
	t.num[text] = n
	t.docs = append(t.docs, nil)
	t.norm = append(t.norm, 1/float32(math.Sqrt(float64(runeCount(text)))))
	return t.post.add(buf, text, n)
}

// memIndex is the index proper; Index publishes it in versions.
type memIndex struct {
	docs   []doc
	gone   []uint64 // bit n set: document n is dead
	byCode map[string]uint32
	dead   int
	names  postings  // grams of item names → documents
	titles *interned // legal-basis titles
	depts  *interned // departments by id; texts are the ids, names below
	dname  []string  // department number → display name
	buf    []gram
}

func newMemIndex() *memIndex {
	return &memIndex{byCode: map[string]uint32{}, names: postings{}, titles: newInterned(), depts: newInterned()}
}

// put adds or replaces the entry of a catalogue item.
func (m *memIndex) put(e *registry.CatalogEntry, deptName string) {
	m.remove(e.Code)
	d := doc{code: e.Code, name: e.Content.DisplayName, publish: e.PublishTime.UnixNano(), cat: e.Content.Category,
		dept: m.dept(e.Department, deptName)}
	for _, b := range e.Content.LegalBases {
		if b.Title == "" {
			continue
		}
		var t uint32
		t, m.buf = m.titles.intern(b.Title, m.buf)
		if !slices.Contains(d.titles, t) {
			d.titles = append(d.titles, t)
		}
	}
	m.add(d)
}

// add numbers a document whose department and titles are numbered.
func (m *memIndex) add(d doc) {
	n := uint32(len(m.docs))
	if int(n/64) >= len(m.gone) {
		m.gone = append(m.gone, 0)
	}
	d.norm = 1 / float32(math.Sqrt(float64(runeCount(d.name))))
	for _, t := range d.titles {
		m.titles.docs[t] = append(m.titles.docs[t], n)
	}
	m.depts.docs[d.dept] = append(m.depts.docs[d.dept], n)
	m.buf = m.names.add(m.buf, d.name, n)
	m.docs = append(m.docs, d)
	m.byCode[d.code] = n
}

// dept numbers a department, indexing its display name; a renamed
// department's names are indexed again (there are few departments).
func (m *memIndex) dept(id, name string) uint32 {
	t := m.depts
	n, ok := t.num[id]
	if !ok {
		n = uint32(len(t.texts))
		t.texts, t.docs, m.dname = append(t.texts, id), append(t.docs, nil), append(m.dname, name)
		t.norm = append(t.norm, 1/float32(math.Sqrt(float64(runeCount(name)))))
		t.num[id] = n
		m.buf = t.post.add(m.buf, name, n)
		return n
	}
	if m.dname[n] != name {
		m.dname[n] = name
		t.norm[n] = 1 / float32(math.Sqrt(float64(runeCount(name))))
		t.post = postings{}
		for i, s := range m.dname {
			m.buf = t.post.add(m.buf, s, uint32(i))
		}
	}
	return n
}

// remove marks the entry of code dead.
func (m *memIndex) remove(code string) {
	if n, ok := m.byCode[code]; ok {
		m.gone[n/64] |= 1 << (n % 64)
		delete(m.byCode, code)
		m.dead++
	}
}

// alive reports whether document n is in the catalogue.
func (m *memIndex) alive(n uint32) bool { return m.gone[n/64]&(1<<(n%64)) == 0 }

// live is the number of documents alive.
func (m *memIndex) live() int { return len(m.docs) - m.dead }

// clone returns a copy to change while m is searched (see above).
func (m *memIndex) clone() *memIndex {
	c := *m
	c.gone = slices.Clone(m.gone)
	c.byCode = maps.Clone(m.byCode)
	c.names = maps.Clone(m.names)
	c.titles = m.titles.clone()
	c.depts = m.depts.clone()
	c.dname = slices.Clone(m.dname)
	c.buf = nil
	return &c
}

func (t *interned) clone() *interned {
	c := *t
	c.num = maps.Clone(t.num)
	c.post = maps.Clone(t.post)
	c.docs = slices.Clone(t.docs)
	c.norm = slices.Clone(t.norm)
	return &c
}

// compacted rebuilds the index without its dead documents once they are
// the majority, so that changes do not grow it without bound.
func (m *memIndex) compacted() *memIndex {
	if m.dead < 1024 || m.dead < m.live() {
		return m
	}
	out := newMemIndex()
	for i := range m.docs {
		d := &m.docs[i]
		if !m.alive(uint32(i)) {
			continue
		}
		e := registry.CatalogEntry{Code: d.code, Department: m.depts.texts[d.dept], PublishTime: time.Unix(0, d.publish).UTC(),
			Content: registry.Content{DisplayName: d.name, Category: d.cat}}
		for _, t := range d.titles {
			e.Content.LegalBases = append(e.Content.LegalBases, registry.LegalBasis{Title: m.titles.texts[t]})
		}
		out.put(&e, m.dname[d.dept])
	}
	return out
}

// entry is the part of a document an AIP-160 filter reads.
func (m *memIndex) entry(n uint32, e *registry.CatalogEntry) {
	d := &m.docs[n]
	e.Code, e.Department, e.Content.DisplayName, e.Content.Category = d.code, m.depts.texts[d.dept], d.name, d.cat
	e.PublishTime = time.Unix(0, d.publish).UTC()
}
