package main

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// fabricated is a consistent observation: two departments, three items
// each (the third a sub-item of the first), all published once, the feed
// and the stats agreeing; plus another department's item outside the load.
func fabricated() observed {
	o := observed{created: map[string][]created{}, stats: &pb.GetCatalogStatsResponse{}}
	add := func(dept string, n int, name string, parent string) {
		item := fmt.Sprintf("%s/items/%d", dept, n)
		code := fmt.Sprintf("430400-CF-%s-%04d-00", dept[len(dept)-3:], n)
		it := &pb.Item{Name: item, DisplayName: name, Code: code, RevisionId: "1", Category: pb.Category_CATEGORY_PENALTY}
		if parent != "" {
			it.ParentCode = fmt.Sprintf("430400-CF-%s-%s-00", dept[len(dept)-3:], parent)
		}
		o.catalog = append(o.catalog, it)
		o.feed = append(o.feed, &pb.CatalogChange{Revision: int64(len(o.feed) + 1), Kind: pb.CatalogChange_KIND_PUBLISHED, Item: it})
		st := &o.stats.Departments
		if len(*st) == 0 || (*st)[len(*st)-1].GetDepartment() != dept {
			*st = append(*st, &pb.DepartmentStats{Department: dept, Count: &pb.CatalogCount{}})
		}
		count := (*st)[len(*st)-1].Count
		if o.stats.Total == nil {
			o.stats.Total = &pb.CatalogCount{}
			o.stats.Categories = []*pb.CategoryStats{{Category: pb.Category_CATEGORY_PENALTY, Count: &pb.CatalogCount{}}}
		}
		for _, c := range []*pb.CatalogCount{count, o.stats.Total, o.stats.Categories[0].Count} {
			if parent != "" {
				c.SubItems++
			} else {
				c.Items++
			}
			c.Total++
		}
	}
	for _, dept := range []string{"departments/dept001", "departments/dept002"} {
		names := []string{"对非法占用土地的处罚", "食品经营许可", "对非法占用土地的处罚（情节严重的）"}
		for i, name := range names {
			add(dept, i+1, name, map[bool]string{true: "0001"}[i == 2])
			o.created[dept] = append(o.created[dept], created{name: fmt.Sprintf("%s/items/%d", dept, i+1), displayName: name, subItem: i == 2})
		}
	}
	add("departments/other", 1, "户外广告设立审批", "") // not the load's: counted in totals only
	o.published = 6
	return o
}

// countMainItem adds delta main items of dept001 to the stats and the
// publications, as the server would count one more or one less.
func countMainItem(o *observed, delta int32) {
	for _, c := range []*pb.CatalogCount{o.stats.Total, o.stats.Categories[0].Count, o.stats.Departments[0].Count} {
		c.Items += delta
		c.Total += delta
	}
	o.published += int(delta)
}

func TestCheckPassesConsistentData(t *testing.T) {
	if problems := check(fabricated()); len(problems) != 0 {
		t.Fatalf("a consistent catalogue: %q", problems)
	}
}

// wantProblems asserts that check finds problems naming each of want.
func wantProblems(t *testing.T, o observed, want ...string) {
	t.Helper()
	problems := check(o)
	all := strings.Join(problems, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no problem names %q; got:\n%s", w, all)
		}
	}
}

// A published item missing from the catalogue, the feed and the stats
// (as if a publication had dropped it).
func TestCheckFindsALostItem(t *testing.T) {
	o := fabricated()
	lost := o.catalog[1] // dept001 食品经营许可
	o.catalog = append(o.catalog[:1:1], o.catalog[2:]...)
	o.feed = append(o.feed[:1:1], o.feed[2:]...)
	countMainItem(&o, -1)
	wantProblems(t, o, "lost: departments/dept001 "+lost.GetDisplayName()+" is not in the catalogue",
		"departments/dept001 食品经营许可 was published 0 times in the change feed",
		"the catalogue holds 5 items of the load's departments, 6 were created", "the publications put 5 items in force, 6 were created",
		"stats: departments/dept001 has 2 items, the catalogue 2, created 3")
}

// An item published twice, under two codes: in the catalogue twice and
// twice in the feed.
func TestCheckFindsADuplicatedItem(t *testing.T) {
	o := fabricated()
	twice := proto.Clone(o.catalog[1]).(*pb.Item)
	twice.Code = "430400-CF-001-0009-00"
	o.catalog = append(o.catalog, twice)
	o.feed = append(o.feed, &pb.CatalogChange{Revision: 99, Kind: pb.CatalogChange_KIND_PUBLISHED, Item: twice})
	countMainItem(&o, +1)
	wantProblems(t, o, "duplicated: departments/dept001 食品经营许可 is in the catalogue 2 times",
		"departments/dept001 食品经营许可 was published 2 times in the change feed",
		"the catalogue holds 7 items of the load's departments, 6 were created", "stats: departments/dept001 has 4 items, the catalogue 4, created 3")
}

// A code given to two items; a feed that disagrees with the catalogue;
// stats that do not add up; an item nobody created.
func TestCheckFindsOtherDiscrepancies(t *testing.T) {
	o := fabricated()
	o.catalog[4].Code = o.catalog[3].GetCode()
	wantProblems(t, o, "code "+o.catalog[3].GetCode()+" is in the catalogue twice")

	o = fabricated()
	changed := proto.Clone(o.catalog[0]).(*pb.Item)
	changed.RevisionId = "2"
	o.feed = append(o.feed, &pb.CatalogChange{Revision: 99, Kind: pb.CatalogChange_KIND_CHANGED, Item: changed})
	gone := o.catalog[6]
	o.feed = append(o.feed, &pb.CatalogChange{Revision: 100, Kind: pb.CatalogChange_KIND_ABOLISHED, Item: gone})
	wantProblems(t, o, o.catalog[0].GetCode()+": the change feed has departments/dept001/items/1 对非法占用土地的处罚 revision 2",
		gone.GetCode()+" (departments/other/items/1) is in the catalogue but not in the replayed change feed")

	o = fabricated()
	o.stats.Total.SubItems = 0
	o.stats.Categories[0].Count.Total = 1
	wantProblems(t, o, "stats: 5 items + 0 sub-items = 7, the catalogue has 5 + 2 = 7", "the categories add up to 1, the total is 7")

	o = fabricated()
	stray := &pb.Item{Name: "departments/dept002/items/9", DisplayName: "无中生有", Code: "430400-QT-002-0009-00"}
	o.catalog = append(o.catalog, stray)
	wantProblems(t, o, "departments/dept002 无中生有 (430400-QT-002-0009-00) is in the catalogue but was never created",
		"430400-QT-002-0009-00 (departments/dept002/items/9) is in the catalogue but not in the replayed change feed")
}
