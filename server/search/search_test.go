package search

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// fakeCatalog is a catalogue with a change feed, as the registry serves
// them; like the registry, it calls its follower after each change.
type fakeCatalog struct {
	mu      *sync.Mutex // the index's follower reads while a test changes
	entries map[string]*registry.CatalogView
	changes []*registry.ChangeView
	rev     int64 // catalogue revision
	after   func(rev int64)
}

func newFake() *fakeCatalog {
	return &fakeCatalog{mu: new(sync.Mutex), entries: map[string]*registry.CatalogView{}}
}

func (f *fakeCatalog) OnCatalogChange(fn func(int64)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.after = fn
}

// changed announces the catalogue's revision to the follower, as the
// registry does after each commit.
func (f *fakeCatalog) changed() {
	f.mu.Lock()
	after, rev := f.after, f.rev
	f.mu.Unlock()
	if after != nil {
		after(rev)
	}
}

// rename renames a department (without a publication), as the registry
// does.
func (f *fakeCatalog) rename(dept, name string) {
	f.mu.Lock()
	for _, v := range f.entries {
		if v.Entry.Department == dept {
			v.DepartmentName = name
		}
	}
	f.rev++
	f.mu.Unlock()
	f.changed()
}

func (f *fakeCatalog) ListDepartments(size int, token string) ([]*registry.Department, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	var out []*registry.Department
	for _, c := range f.entries {
		if !seen[c.Entry.Department] {
			seen[c.Entry.Department] = true
			out = append(out, &registry.Department{ID: c.Entry.Department, DisplayName: c.DepartmentName})
		}
	}
	return out, "", nil
}

func (f *fakeCatalog) CatalogRevision() (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rev, nil
}

func (f *fakeCatalog) ChangesFloor() (int64, error) { return 0, nil }

func (f *fakeCatalog) ListChanges(start int64, size int, token string) ([]*registry.ChangeView, string, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	off, _ := strconv.Atoi(token)
	var after []*registry.ChangeView
	for _, c := range f.changes {
		if c.Change.Revision > start {
			after = append(after, c)
		}
	}
	current := int64(0)
	if len(f.changes) > 0 {
		current = f.changes[len(f.changes)-1].Change.Revision
	}
	end := min(off+size, len(after))
	next := ""
	if end < len(after) {
		next = strconv.Itoa(end)
	}
	return after[off:end], next, current, nil
}

func (f *fakeCatalog) ListCatalog(cat registry.Category, dept string, size int, token string) ([]*registry.CatalogView, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var codes []string
	for c, v := range f.entries {
		if (dept == "" || v.Entry.Department == dept) && (cat == 0 || v.Entry.Content.Category == cat) {
			codes = append(codes, c)
		}
	}
	sort.Strings(codes)
	off, _ := strconv.Atoi(token)
	end := min(off+size, len(codes))
	var out []*registry.CatalogView
	for _, c := range codes[off:end] {
		out = append(out, f.entries[c])
	}
	next := ""
	if end < len(codes) {
		next = strconv.Itoa(end)
	}
	return out, next, nil
}

// publish records one publication of views (nil content: abolition).
func (f *fakeCatalog) publish(kind registry.CatalogChangeKind, views ...*registry.CatalogView) {
	defer f.changed()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rev++
	for i, v := range views {
		f.changes = append(f.changes, &registry.ChangeView{Change: registry.CatalogChange{Revision: f.rev, Index: uint32(i),
			Kind: kind, Entry: v.Entry}, DepartmentName: v.DepartmentName})
		if kind == registry.CatalogAbolished {
			delete(f.entries, v.Entry.Code)
		} else {
			f.entries[v.Entry.Code] = v
		}
	}
}

func view(code, dept, deptName, name string, cat registry.Category, titles ...string) *registry.CatalogView {
	v := &registry.CatalogView{Entry: registry.CatalogEntry{Code: code, Department: dept, PublishTime: time.Unix(1e9, 0).UTC(),
		Content: registry.Content{DisplayName: name, Category: cat}}, DepartmentName: deptName}
	for _, t := range titles {
		v.Entry.Content.LegalBases = append(v.Entry.Content.LegalBases, registry.LegalBasis{Title: t, Text: t})
	}
	return v
}

func codes(r *Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Code)
	}
	return out
}

func sample() *fakeCatalog {
	f := newFake()
	f.publish(registry.CatalogPublished,
		view("A", "gtzyj", "市国土资源局", "伪造、变造、转让地质勘查资质证书的处罚", 3, "《地质勘查资质管理条例》"),
		view("B", "gtzyj", "市国土资源局", "对非法采矿的处罚", 3, "《中华人民共和国矿产资源法》"),
		view("C", "gtzyj", "市国土资源局", "探矿权登记", 1, "《矿产资源勘查区块登记管理办法》"),
		view("D", "gtzyj", "市国土资源局", "地质灾害防治", 4, "《地质灾害防治条例》"),
		view("E", "kcj", "省矿产勘查局", "勘查许可", 1, "《许可条例》"),
		view("F", "hbj", "市环境保护局", "对排放污染物的处罚", 3, "《中华人民共和国环境保护法》"))
	return f
}

func TestIndex(t *testing.T) {
	f := sample()
	x := Open(f, "")
	defer x.Close()
	search := func(r *Request) *Result {
		t.Helper()
		if r.Size == 0 {
			r.Size = 50
		}
		res, err := x.Search(r)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if got := codes(search(&Request{Q: "地质勘查"})); len(got) != 1 || got[0] != "A" {
		t.Errorf("地质勘查: %v", got)
	}
	got := codes(search(&Request{Q: "矿"}))
	slices.Sort(got)
	if !slices.Equal(got, []string{"B", "C", "E"}) {
		t.Errorf("矿: %v", got)
	}
	// Full-width and case are folded; a word absent everywhere finds nothing.
	if got := codes(search(&Request{Q: "不存在的词"})); len(got) != 0 {
		t.Errorf("absent: %v", got)
	}
	if got := codes(search(&Request{Q: "、 《"})); len(got) != 0 {
		t.Errorf("punctuation: %v", got)
	}
	if got := codes(search(&Request{Q: "   "})); len(got) != 0 {
		t.Errorf("blank: %v", got)
	}
	res := search(&Request{Q: "处罚", Category: 3, Departments: []string{"hbj"}})
	if !slices.Equal(codes(res), []string{"F"}) || res.Total != 1 || len(res.Departments) != 1 || res.Departments[0].Name != "市环境保护局" {
		t.Errorf("处罚 in hbj: %+v", res)
	}
	// Changes after the index was built are applied before a search.
	f.publish(registry.CatalogPublished, view("G", "hbj", "市环境保护局", "矿山环境检查", 4))
	f.publish(registry.CatalogAbolished, f.entries["C"])
	f.publish(registry.CatalogChanged, view("B", "gtzyj", "市国土资源局", "对无证开采的处罚", 3))
	got = codes(search(&Request{Q: "矿"}))
	slices.Sort(got)
	if !slices.Equal(got, []string{"E", "G"}) {
		t.Errorf("矿 after changes: %v", got)
	}
	// A department renamed: its items are found under the new name.
	f.rename("kcj", "省勘查院")
	if got := codes(search(&Request{Q: "勘查院"})); !slices.Equal(got, []string{"E"}) {
		t.Errorf("勘查院: %v", got)
	}
	got = codes(search(&Request{Q: "矿"}))
	if !slices.Equal(got, []string{"G"}) {
		t.Errorf("矿 after renaming: %v", got)
	}
	// Highlights mark the matches.
	for _, h := range search(&Request{Q: "开采"}).Hits {
		if len(h.Fragments) != 1 || h.Fragments[0].Text != "对无证<mark>开采</mark>的处罚" {
			t.Errorf("fragments %v", h.Fragments)
		}
	}
}

// TestOneCharacter checks that a one-character query finds exactly the
// items containing it, over many names.
func TestOneCharacter(t *testing.T) {
	f := newFake()
	var views []*registry.CatalogView
	for i := range 300 {
		views = append(views, view(fmt.Sprintf("X%04d", i), "d", "某局", genName(i), registry.Category(i%10+1)))
	}
	f.publish(registry.CatalogPublished, views...)
	x := Open(f, "")
	defer x.Close()
	for _, ch := range []string{"矿", "地", "罚", "证"} {
		res, err := x.Search(&Request{Q: ch, Size: 1000})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, v := range views {
			if strings.Contains(v.Entry.Content.DisplayName, ch) {
				want++
			}
		}
		for _, h := range res.Hits {
			if !strings.Contains(f.entries[h.Code].Entry.Content.DisplayName, ch) {
				t.Errorf("%s found %s", ch, f.entries[h.Code].Entry.Content.DisplayName)
			}
		}
		if res.Total != want || len(res.Hits) != want || want == 0 {
			t.Errorf("%s: %d results, want %d", ch, res.Total, want)
		}
	}
}

var (
	verbs   = []string{"对非法", "对擅自", "伪造", "转让", "查处", "登记", "审批", "核发"}
	objects = []string{"采矿", "地质勘查", "探矿权", "土地", "地质灾害", "测绘", "矿产资源", "建设用地", "资质证书", "排放污染物"}
	tails   = []string{"的处罚", "的许可", "的检查", "的确认", "的征收", "", "的奖励"}
)

func genName(i int) string {
	return verbs[i%len(verbs)] + objects[(i/len(verbs))%len(objects)] + tails[(i/7)%len(tails)]
}

func BenchmarkSearch(b *testing.B) {
	f := newFake()
	var views []*registry.CatalogView
	for i := range 20000 {
		views = append(views, view(fmt.Sprintf("X%06d", i), fmt.Sprintf("d%d", i%40), fmt.Sprintf("第%d局", i%40),
			genName(i), registry.Category(i%10+1), "《"+objects[i%len(objects)]+"管理条例》"))
	}
	f.publish(registry.CatalogPublished, views...)
	x := Open(f, "")
	defer x.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := x.Search(&Request{Q: "勘查", Size: 50})
		if err != nil || res.Total == 0 {
			b.Fatal(err, res.Total)
		}
	}
}
