package main

import (
	"fmt"
	"slices"
	"strings"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// observed is what the check compares: the items the load's departments
// created (by department name), and the catalogue read at one revision.
type observed struct {
	created map[string][]created // departments/{id} → its items
	catalog []*pb.Item           // ListCatalogItems, every page
	feed    []*pb.CatalogChange  // ListCatalogChanges from the beginning
	stats   *pb.GetCatalogStatsResponse
	// published is how many items the load's publications put in force.
	published int
}

// departmentOf is the department of a resource name under it:
// departments/x/items/1 → departments/x.
func departmentOf(name string) string {
	parts := strings.SplitN(name, "/", 3)
	if len(parts) < 2 {
		return name
	}
	return parts[0] + "/" + parts[1]
}

// key identifies an item by department and name, as the check finds them.
func key(department, displayName string) string { return department + " " + displayName }

// check returns every discrepancy, one sentence each; none when every
// item the departments created is in the catalogue exactly once and the
// change feed and the stats agree with it.
func check(o observed) []string {
	var problems []string
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	// The catalogue: codes unique, each created item once, nothing else in
	// the load's departments.
	want := map[string]created{}
	wantTotal := 0
	for dept, items := range o.created {
		for _, c := range items {
			want[key(dept, c.displayName)] = c
		}
		wantTotal += len(items)
	}
	byCode := map[string]*pb.Item{}
	found := map[string]int{}
	inLoad := 0
	for _, it := range o.catalog {
		if byCode[it.GetCode()] != nil {
			fail("code %s is in the catalogue twice (%s and %s) / 编码重复", it.GetCode(), byCode[it.GetCode()].GetName(), it.GetName())
		}
		byCode[it.GetCode()] = it
		dept := departmentOf(it.GetName())
		if _, ours := o.created[dept]; !ours {
			continue
		}
		inLoad++
		k := key(dept, it.GetDisplayName())
		found[k]++
		if c, ok := want[k]; !ok {
			fail("%s %s (%s) is in the catalogue but was never created / 目录中有未创建的事项", dept, it.GetDisplayName(), it.GetCode())
		} else if c.name != it.GetName() {
			fail("%s %s is in the catalogue as %s, created as %s / 事项名不符", dept, it.GetDisplayName(), it.GetName(), c.name)
		}
	}
	for _, k := range sortedKeys(want) {
		switch n := found[k]; {
		case n == 0:
			fail("lost: %s is not in the catalogue / 丢失", k)
		case n > 1:
			fail("duplicated: %s is in the catalogue %d times / 重复", k, n)
		}
	}
	if o.published != wantTotal {
		fail("the publications put %d items in force, %d were created / 发布条数与创建数不符", o.published, wantTotal)
	}
	if inLoad != wantTotal {
		fail("the catalogue holds %d items of the load's departments, %d were created / 目录条数与创建数不符", inLoad, wantTotal)
	}

	// The change feed, replayed from the beginning, is the catalogue; each
	// created item was published exactly once.
	replay := map[string]*pb.Item{}
	publishedTimes := map[string]int{}
	for _, ch := range o.feed {
		it := ch.GetItem()
		switch ch.GetKind() {
		case pb.CatalogChange_KIND_PUBLISHED, pb.CatalogChange_KIND_CHANGED:
			replay[it.GetCode()] = it
		case pb.CatalogChange_KIND_ABOLISHED:
			delete(replay, it.GetCode())
		}
		if ch.GetKind() == pb.CatalogChange_KIND_PUBLISHED {
			publishedTimes[key(departmentOf(it.GetName()), it.GetDisplayName())]++
		}
	}
	for _, k := range sortedKeys(want) {
		if n := publishedTimes[k]; n != 1 {
			fail("%s was published %d times in the change feed, want once / 变更记录中发布次数不为一", k, n)
		}
	}
	for _, code := range sortedKeys(byCode) {
		it, re := byCode[code], replay[code]
		switch {
		case re == nil:
			fail("%s (%s) is in the catalogue but not in the replayed change feed / 变更记录缺少该事项", code, it.GetName())
		case re.GetName() != it.GetName() || re.GetDisplayName() != it.GetDisplayName() || re.GetRevisionId() != it.GetRevisionId():
			fail("%s: the change feed has %s %s revision %s, the catalogue %s %s revision %s / 变更记录与目录不符", code,
				re.GetName(), re.GetDisplayName(), re.GetRevisionId(), it.GetName(), it.GetDisplayName(), it.GetRevisionId())
		}
	}
	for _, code := range sortedKeys(replay) {
		if byCode[code] == nil {
			fail("%s (%s) is in the replayed change feed but not in the catalogue / 目录缺少变更记录中的事项", code, replay[code].GetName())
		}
	}

	problems = append(problems, checkStats(o, byCode)...)
	return problems
}

// checkStats compares the catalogue's stats with the catalogue's items:
// the totals, the categories' sum, and each load department's count.
func checkStats(o observed, byCode map[string]*pb.Item) []string {
	var problems []string
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	var main, sub int
	perDept := map[string]int{}
	for _, it := range byCode {
		if it.GetParentCode() != "" {
			sub++
		} else {
			main++
		}
		perDept[departmentOf(it.GetName())]++
	}
	total := o.stats.GetTotal()
	if int(total.GetItems()) != main || int(total.GetSubItems()) != sub || int(total.GetTotal()) != main+sub {
		fail("stats: %d items + %d sub-items = %d, the catalogue has %d + %d = %d / 统计与目录不符",
			total.GetItems(), total.GetSubItems(), total.GetTotal(), main, sub, main+sub)
	}
	sum := 0
	for _, c := range o.stats.GetCategories() {
		sum += int(c.GetCount().GetTotal())
	}
	if sum != int(total.GetTotal()) {
		fail("stats: the categories add up to %d, the total is %d / 分类合计与总数不符", sum, total.GetTotal())
	}
	stated := map[string]int{}
	for _, d := range o.stats.GetDepartments() {
		stated[d.GetDepartment()] = int(d.GetCount().GetTotal())
	}
	for _, dept := range sortedKeys(o.created) {
		if stated[dept] != perDept[dept] || stated[dept] != len(o.created[dept]) {
			fail("stats: %s has %d items, the catalogue %d, created %d / 部门统计不符", dept, stated[dept], perDept[dept], len(o.created[dept]))
		}
	}
	return problems
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
