package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/powerreg/powerreg/internal/vocab"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// catalogue seeds a temp dir and returns its stats and every entry in
// force, as "code name parent".
func catalogue(t *testing.T, seedValue int64) (*registry.Stats, []string) {
	t.Helper()
	dir := t.TempDir()
	if err := seed(seedOptions{DataDir: dir, Items: 300, Departments: 20, Batch: 100, Seed: seedValue}); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := registry.New(registry.Config{Store: db})
	st, err := svc.CatalogStats()
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	err = db.View(func(tx registry.Tx) error {
		return tx.ScanCatalog(0, "", "", func(e *registry.CatalogEntry) (bool, error) {
			entries = append(entries, fmt.Sprintf("%s %s %s %s", e.Code, e.Department, e.Content.DisplayName, e.ParentCode))
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, entries
}

func TestSeedPublishesEveryCategoryDeterministically(t *testing.T) {
	st, entries := catalogue(t, 42)
	if got := st.Total.Total(); got != 300 {
		t.Fatalf("in force: %d items, want 300", got)
	}
	for i, c := range st.Categories {
		if c.Total() == 0 {
			t.Errorf("category %s has no items in force", registry.Category(i+1).Label())
		}
	}
	if st.Categories[registry.CategoryPenalty-1].Total() < 150 {
		t.Errorf("penalties: %d of 300; the report's proportions make them most", st.Categories[registry.CategoryPenalty-1].Total())
	}
	if st.Total.SubItems == 0 {
		t.Error("no sub-items")
	}
	if len(st.Departments) < 2 {
		t.Errorf("items in %d departments", len(st.Departments))
	}
	if !strings.Contains(strings.Join(entries, "\n"), "的处罚") {
		t.Error("no penalty named 对…的处罚")
	}

	_, again := catalogue(t, 42)
	if strings.Join(again, "\n") != strings.Join(entries, "\n") {
		t.Error("the same seed gave a different catalogue")
	}
	_, other := catalogue(t, 43)
	if strings.Join(other, "\n") == strings.Join(entries, "\n") {
		t.Error("another seed gave the same catalogue")
	}
}

func TestGeneratedContentIsValid(t *testing.T) {
	g := newGenerator(1, []registry.Department{vocab.Department(0), vocab.Department(1)})
	rows := g.batch(1000)
	if len(rows) != 1000 {
		t.Fatalf("%d rows, want 1000", len(rows))
	}
	for _, r := range rows {
		c := r.row.Item.Content
		if len(c.LegalBases) == 0 || !strings.HasPrefix(c.LegalBases[0].Title, "《") {
			t.Fatalf("%s: legal bases %+v", c.DisplayName, c.LegalBases)
		}
		if r.row.MainItem != "" && !strings.HasPrefix(c.DisplayName, r.row.MainItem) {
			t.Fatalf("sub-item %s of %s", c.DisplayName, r.row.MainItem)
		}
	}
}

// TestSeedSplitsLargeBatches: a department's share of a seed batch larger
// than registry.MaxSubmissionItems goes into several submissions of one
// publication (a single submission would be refused).
func TestSeedSplitsLargeBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("10,050 items")
	}
	dir := t.TempDir()
	const n = registry.MaxSubmissionItems + 50
	if err := seed(seedOptions{DataDir: dir, Items: n, Departments: 1, Batch: n, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := registry.New(registry.Config{Store: db})
	st, err := svc.CatalogStats()
	if err != nil {
		t.Fatal(err)
	}
	pubs, _, err := svc.ListPublications(0, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Total.Total(); got != n || len(pubs) != 1 || len(pubs[0].Submissions) != 2 {
		t.Fatalf("in force: %d items (want %d), in %d publications; want one of 2 submissions", got, n, len(pubs))
	}
}
