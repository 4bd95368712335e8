package registry_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

func row(dept, main, name string, cat registry.Category, code string) registry.ImportRow {
	c := content(name, cat)
	return registry.ImportRow{DepartmentName: dept, MainItem: main, Item: registry.ItemInput{Content: c, Code: code}}
}

// TestImportCreatesDepartmentsAndMainItems: departments and absent main
// items are created, main items named by rows are matched, codes are kept.
func TestImportCreatesDepartmentsAndMainItems(t *testing.T) {
	e := newEnv(t)
	e.dept("jkt", "区教科体局")
	existing := e.item("jkt", "义务教育入学", registry.CategoryManagementService)
	rows := []registry.ImportRow{
		row("区教科体局", "义务教育入学", "小学入学办理", registry.CategoryManagementService, "512B-01"),
		row("区民政局", "婚姻登记", "结婚登记", registry.CategoryConfirmation, "511-Q-1"),
		row("区民政局", "", "婚姻登记", registry.CategoryConfirmation, "511-Q-0"), // a main item after its sub-item
		row("区民政局", "社会救助", "临时救助", registry.CategoryBenefit, ""),
		row("区民政局", "社会救助", "低保", registry.CategoryBenefit, ""),
	}
	res, err := e.svc.ImportItems(clerk, registry.ImportInput{CreateDepartments: true, Rows: rows})
	e.must(err, "ImportItems")
	if len(res.Items) != 5 || len(res.Departments) != 1 || res.Departments[0].DisplayName != "区民政局" || len(res.MainItems) != 1 {
		t.Fatalf("result: %+v", res)
	}
	mz := res.Departments[0].ID
	items, _, err := e.svc.ListItems(mz, 0, 100, "")
	e.must(err, "ListItems")
	byName := map[string]*registry.ItemView{}
	for _, it := range items {
		byName[it.Content.DisplayName] = it
	}
	if len(items) != 5 || byName["结婚登记"].Item.Parent != byName["婚姻登记"].Item.ID ||
		byName["临时救助"].Item.Parent != byName["社会救助"].Item.ID || byName["低保"].Item.Parent != byName["社会救助"].Item.ID ||
		byName["婚姻登记"].Item.Code != "511-Q-0" || byName["社会救助"].Item.State != registry.ItemDraft {
		t.Fatalf("items of %s: %v", mz, fmt.Sprintf("%+v", items))
	}
	sub := e.getItem(&registry.ItemView{Item: registry.Item{Department: "jkt", ID: itemID(t, res.Items[0])}})
	if sub.Item.Parent != existing.Item.ID || sub.Item.Code != "512B-01" {
		t.Fatalf("sub-item of an existing main item: %+v", sub.Item)
	}
}

func itemID(t *testing.T, name string) uint64 {
	_, id, err := registry.ParseItemName("", name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestImportAllOrNothing: one bad row refuses the whole list, naming every
// problem by row; nothing is created, not even departments.
func TestImportAllOrNothing(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	e.itemIn("gtzyj", registry.ItemInput{Content: content("已有", registry.CategoryPenalty), Code: "TAKEN"})
	bad := row("新部门", "", "", registry.CategoryPenalty, "")
	rows := []registry.ImportRow{
		row("新部门", "", "甲", registry.CategoryPenalty, "A1"),
		bad,
		row("新部门", "", "乙", registry.CategoryPenalty, "A1"),
		row("新部门", "", "丙", registry.CategoryPenalty, "TAKEN"),
	}
	_, err := e.svc.ImportItems(clerk, registry.ImportInput{CreateDepartments: true, Rows: rows})
	wantFields(t, err, "rows[1].item.display_name")
	rows[1] = row("新部门", "", "丁", registry.CategoryPenalty, "")
	_, err = e.svc.ImportItems(clerk, registry.ImportInput{CreateDepartments: true, Rows: rows})
	wantFields(t, err, "rows[2].item.code", "rows[3].item.code")
	_, err = e.svc.ImportItems(clerk, registry.ImportInput{Rows: rows[:1]})
	wantFields(t, err, "rows[0].department_display_name")
	depts, _, _ := e.svc.ListDepartments(0, "")
	all, _, _ := e.svc.ListItems("-", 0, 100, "")
	if len(depts) != 1 || len(all) != 1 {
		t.Fatalf("a refused import left %d departments and %d items", len(depts), len(all))
	}
}

// TestImportValidateOnly checks everything and writes nothing.
func TestImportValidateOnly(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	var rows []registry.ImportRow
	for i := range 50 {
		rows = append(rows, row("", "", fmt.Sprintf("事项%d", i), registry.CategoryPenalty, ""))
	}
	res, err := e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", ValidateOnly: true, Rows: rows})
	e.must(err, "ImportItems validate only")
	if len(res.Items) != 0 {
		t.Fatalf("validate only returned items %v", res.Items)
	}
	if all, _, _ := e.svc.ListItems("gtzyj", 0, 100, ""); len(all) != 0 {
		t.Fatalf("validate only wrote %d items", len(all))
	}
	res, err = e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", Rows: rows})
	e.must(err, "ImportItems")
	all, _, _ := e.svc.ListItems("gtzyj", 0, 100, "")
	var names []string
	for _, it := range all {
		names = append(names, registry.ItemName(it.Item.Department, it.Item.ID))
	}
	if !slices.Equal(names, res.Items) {
		t.Fatalf("items %v, result %v", names, res.Items)
	}
}
