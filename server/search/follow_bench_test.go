package search

import (
	"fmt"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// BenchmarkCatchUp takes a publication of 45,000 new items into an index
// of 100,000, from a change feed in memory (so without the store's part):
// the clone of the last version, the changes applied, and the compaction
// check.
//
//	go test ./server/search -run '^$' -bench CatchUp -benchmem
func BenchmarkCatchUp(b *testing.B) {
	mk := func(i int) *registry.CatalogView {
		return view(fmt.Sprintf("X%06d", i), fmt.Sprintf("d%d", i%100), fmt.Sprintf("第%d局", i%100),
			fmt.Sprintf("%s（%d）", genName(i), i), registry.Category(i%10+1), "《"+objects[i%len(objects)]+"管理条例》")
	}
	f := newFake()
	var views []*registry.CatalogView
	for i := range 100000 {
		views = append(views, mk(i))
	}
	f.publish(registry.CatalogPublished, views...)
	var changes []*registry.ChangeView
	for i := range 45000 {
		v := mk(100000 + i)
		changes = append(changes, &registry.ChangeView{Change: registry.CatalogChange{Revision: 2, Index: uint32(i),
			Kind: registry.CatalogPublished, Entry: v.Entry}, DepartmentName: v.DepartmentName})
	}
	x := &Index{src: f, savedRev: -1}
	base, err := x.rebuild()
	if err != nil {
		b.Fatal(err)
	}
	f.changes = append(f.changes, changes...)
	f.rev = 2
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		v, err := x.advance(base)
		if err != nil || v.m.live() != 145000 {
			b.Fatalf("%v: %d items", err, v.m.live())
		}
	}
}
