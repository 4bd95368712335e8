package registry_test

import (
	"fmt"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// Benchmarks over a real bbolt store in a temp dir (fsync included), the
// sizes of one city: run with
//
//	go test ./server/registry -run '^$' -bench . -benchmem

func BenchmarkCreateItem(b *testing.B) {
	e := newEnv(b)
	e.dept("gtzyj", "市国土资源局")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{
			Content: content(fmt.Sprintf("事项%d", i), registry.CategoryPenalty)}, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// publishedCatalogue publishes n items of one department in one batch.
func publishedCatalogue(b *testing.B, n int) *env {
	e := newEnv(b)
	e.dept("gtzyj", "市国土资源局")
	var items []*registry.ItemView
	for i := range n {
		items = append(items, e.item("gtzyj", fmt.Sprintf("事项%d", i), registry.Category(i%10+1)))
	}
	e.publishItems("gtzyj", items...)
	return e
}

// BenchmarkPublish1000 publishes one batch of 1,000 items: one transaction
// assigning 1,000 codes and writing the catalogue.
func BenchmarkPublish1000(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b)
		e.dept("gtzyj", "市国土资源局")
		var items []*registry.ItemView
		for i := range 1000 {
			items = append(items, e.item("gtzyj", fmt.Sprintf("事项%d", i), registry.Category(i%10+1)))
		}
		s := e.approved("gtzyj", items...)
		b.StartTimer()
		if _, err := e.svc.CreatePublication(publisher, []string{subName(s)}, "", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListCatalogPage reads one portal page: 50 items of one category
// out of 3,189 (the report's published count).
func BenchmarkListCatalogPage(b *testing.B) {
	e := publishedCatalogue(b, 3189)
	b.ReportAllocs()
	for b.Loop() {
		list, _, err := e.svc.ListCatalog(registry.CategoryPenalty, "", 50, "")
		if err != nil || len(list) != 50 {
			b.Fatalf("got %d items, %v", len(list), err)
		}
	}
}

func BenchmarkCatalogStats(b *testing.B) {
	e := publishedCatalogue(b, 3189)
	b.ReportAllocs()
	for b.Loop() {
		if st, err := e.svc.CatalogStats(); err != nil || st.Total.Total() != 3189 {
			b.Fatalf("stats %v, %v", st, err)
		}
	}
}

// BenchmarkImport10000 imports a 10,000-row list of 34 departments with
// main items, in one transaction.
func BenchmarkImport10000(b *testing.B) {
	var rows []registry.ImportRow
	for i := range 10000 {
		main := ""
		if i%4 != 0 {
			main = fmt.Sprintf("大项%d", i/4)
		}
		rows = append(rows, registry.ImportRow{DepartmentName: fmt.Sprintf("部门%d", i%34), MainItem: main,
			Item: registry.ItemInput{Content: content(fmt.Sprintf("事项%d", i), registry.Category(i%10+1)),
				Code: fmt.Sprintf("511602-%06d", i)}})
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b)
		b.StartTimer()
		res, err := e.svc.ImportItems(clerk, registry.ImportInput{CreateDepartments: true, Rows: rows})
		if err != nil || len(res.Items) != 10000 {
			b.Fatalf("import: %v", err)
		}
	}
}

// BenchmarkReimportUnchanged imports back a working copy of 1,247 items
// (Guang'an's list) that nobody changed: every row identified by name and
// compared, nothing written but the import's audit record.
func BenchmarkReimportUnchanged(b *testing.B) {
	e := newEnv(b)
	e.dept("gtzyj", "市国土资源局")
	var rows []registry.ImportRow
	for i := range 1247 {
		rows = append(rows, row("", "", fmt.Sprintf("事项%d", i), registry.Category(i%10+1), ""))
	}
	res, err := e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", Rows: rows})
	if err != nil {
		b.Fatal(err)
	}
	for i := range rows {
		rows[i].Name = res.Items[i]
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", UpdateExisting: true, Rows: rows})
		if err != nil || res.Unchanged != len(rows) {
			b.Fatalf("%v %+v", err, res)
		}
	}
}
