package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// TestAgainstBruteForce checks searches on a random catalogue, changed
// many times over (so that dead documents are compacted), against the rule
// applied item by item: every word of the query matches the name, a title
// or the department.
func TestAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	f := newFake()
	depts := []string{"市国土资源局", "市环境保护局", "省矿产勘查局", "ＡＢＣ测绘院"}
	titles := []string{"《中华人民共和国矿产资源法》", "《地质灾害防治条例》", "《测绘法》", "《环境保护法》"}
	mk := func(i int) *registry.CatalogView {
		d := r.IntN(len(depts))
		return view(fmt.Sprintf("C%05d", i), fmt.Sprintf("d%d", d), depts[d], genName(r.IntN(600)),
			registry.Category(1+r.IntN(10)), titles[r.IntN(len(titles))])
	}
	var first []*registry.CatalogView
	for i := range 3000 {
		first = append(first, mk(i))
	}
	f.publish(registry.CatalogPublished, first...)
	x := Open(f, "")
	defer x.Close()
	queries := []string{"矿", "地质勘查", "处罚 土地", "测绘", "abc", "环境 矿产", "采矿 d", "局", "资质证书的处罚"}
	check := func(round int) {
		for _, q := range queries {
			for _, req := range []*Request{
				{Q: q, Size: 5000},
				{Q: q, Size: 5000, Category: 3},
				{Q: q, Size: 5000, Departments: []string{"d1", "d2"}},
				{Q: q, Size: 5000, Order: []registry.CatalogOrderKey{{Field: "display_name", Desc: true}}},
			} {
				res, err := x.Search(req)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				cats := map[string]int{}
				for code, v := range f.entries {
					if (req.Category == 0 || v.Entry.Content.Category == req.Category) &&
						(len(req.Departments) == 0 || slices.Contains(req.Departments, v.Entry.Department)) && matchesAll(v, q) {
						want = append(want, code)
						cats[fmt.Sprint(int(v.Entry.Content.Category))]++
					}
				}
				got := codes(res)
				if len(req.Order) > 0 {
					if !slices.IsSortedFunc(got, func(a, b string) int {
						return -strings.Compare(f.entries[a].Entry.Content.DisplayName, f.entries[b].Entry.Content.DisplayName)
					}) {
						t.Errorf("round %d %q: not ordered by name descending", round, q)
					}
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) || res.Total != len(want) {
					t.Errorf("round %d %+v: %d results (total %d), want %d", round, req, len(got), res.Total, len(want))
				}
				for _, c := range res.Categories {
					if cats[c.Value] != c.Count {
						t.Errorf("round %d %q: category %s counted %d, want %d", round, q, c.Value, c.Count, cats[c.Value])
					}
				}
			}
		}
	}
	check(0)
	for round := 1; round <= 4; round++ {
		var changed, abolished []*registry.CatalogView
		for code := range f.entries {
			var i int
			fmt.Sscanf(code, "C%05d", &i)
			switch r.IntN(4) {
			case 0:
				abolished = append(abolished, f.entries[code])
			default:
				changed = append(changed, mk(i))
			}
		}
		f.publish(registry.CatalogChanged, changed...)
		f.publish(registry.CatalogAbolished, abolished...)
		check(round)
	}
	v := x.cur.Load()
	docs, live := len(v.m.docs), v.m.live()
	if docs > 3*live+1024 {
		t.Errorf("%d documents held for %d items: dead ones not compacted", docs, live)
	}
}

func matchesAll(v *registry.CatalogView, q string) bool {
	for _, w := range parseQuery(q) {
		if !containsWord(v, w.text) {
			return false
		}
	}
	return len(parseQuery(q)) > 0
}

func TestHighlight(t *testing.T) {
	for _, c := range []struct{ text, q, want string }{
		{"对无证开采的处罚", "开采", "对无证<mark>开采</mark>的处罚"},
		{"伪造、变造、转让地质勘查资质证书的处罚", "地质勘查", "伪造、变造、转让<mark>地质勘查</mark>资质证书的处罚"},
		{"矿产资源<b>&采矿", "矿", "<mark>矿</mark>产资源&lt;b&gt;&amp;采<mark>矿</mark>"},
		{"ＡＢＣ测绘院", "abc", "<mark>ＡＢＣ</mark>测绘院"},
	} {
		got, ok := highlight(c.text, parseQuery(c.q))
		if !ok || got != c.want {
			t.Errorf("highlight(%q, %q) = %q, want %q", c.text, c.q, got, c.want)
		}
	}
	if _, ok := highlight("土地登记", parseQuery("矿")); ok {
		t.Error("a text without the word was highlighted")
	}
}
