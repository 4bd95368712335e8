package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/powerreg/powerreg/internal/report"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// TestWorstWindow: the window found is the one holding the stall, not
// the steady searches before and after it.
func TestWorstWindow(t *testing.T) {
	var rs []timedSearch
	for i := range 400 { // one search every 50 ms for 20 s; a stall at 10 s
		took := 2 * time.Millisecond
		at := time.Duration(i) * 50 * time.Millisecond
		if at >= 10*time.Second && at < 11*time.Second {
			took = time.Second
		}
		rs = append(rs, timedSearch{at: at - 3*time.Second, took: took}) // 3 s before the publication
	}
	lat, at := worst(rs, 5*time.Second, 15*time.Second)
	if p := report.Percentile(lat, 99); p != time.Second {
		t.Errorf("worst window's p99 %s, want 1s", p)
	}
	if at < 2*time.Second || at > 7*time.Second || len(lat) != 100 {
		t.Errorf("worst window from %s with %d searches, want one of 100 that holds the stall (7–8 s)", at, len(lat))
	}
	if lat, _ := worst(rs[:10], 5*time.Second, 15*time.Second); lat != nil {
		t.Errorf("a window of searches all before the publication: %v", lat)
	}
}

// TestStagePublication: the items staged are approved, not published,
// and named apart from the seeded ones; a second call reuses them.
func TestStagePublication(t *testing.T) {
	dir := t.TempDir()
	if err := seed(seedOptions{DataDir: dir, Items: 120, Departments: 5, Batch: 120, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	o := publicationOptions{DataDir: dir, Items: 80, Departments: 5, Seed: 1}
	st, err := stagePublication(o)
	if err != nil {
		t.Fatal(err)
	}
	if st.Items != 80 || len(st.Submissions) == 0 || st.Token == "" {
		t.Fatalf("staged %+v", st)
	}
	b, err := os.ReadFile(filepath.Join(dir, stagedFile))
	if err != nil {
		t.Fatal(err)
	}
	var saved staged
	if err := json.Unmarshal(b, &saved); err != nil || !slices.Equal(saved.Submissions, st.Submissions) || saved.Token != st.Token {
		t.Fatalf("saved %s (%v)", b, err)
	}
	again, err := stagePublication(o)
	if err != nil || !slices.Equal(again.Submissions, st.Submissions) {
		t.Fatalf("a second call staged again: %v %v", again, err)
	}

	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := registry.New(registry.Config{Store: db})
	stats, err := svc.CatalogStats()
	if err != nil {
		t.Fatal(err)
	}
	if got := stats.Total.Total(); got != 120 {
		t.Errorf("%d items in force after staging, want the 120 seeded", got)
	}
	items := 0
	for _, name := range st.Submissions {
		dept, id, err := registry.ParseSubmissionName("", name)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := svc.GetSubmission(dept, id)
		if err != nil {
			t.Fatal(err)
		}
		if sub.State != registry.SubmissionApproved {
			t.Errorf("%s: state %v, want approved", name, sub.State)
		}
		items += len(sub.Items)
	}
	if items != 80 {
		t.Errorf("%d items in the staged submissions, want 80", items)
	}
	// Publishing them puts 80 more items in force, with names of their own.
	if _, err := svc.CreatePublication("someone-else", st.Submissions, "", ""); err != nil {
		t.Fatal(err)
	}
	if stats, _ = svc.CatalogStats(); stats.Total.Total() != 200 {
		t.Errorf("%d items in force after publishing, want 200", stats.Total.Total())
	}
	var suffixed int
	db.View(func(tx registry.Tx) error {
		return tx.ScanCatalog(0, "", "", func(e *registry.CatalogEntry) (bool, error) {
			if strings.Contains(e.Content.DisplayName, "（第") {
				suffixed++
			}
			return true, nil
		})
	})
	if suffixed != 80 {
		t.Errorf("%d items named as staged, want 80", suffixed)
	}
}
