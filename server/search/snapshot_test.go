package search

import (
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// countingCatalog counts the reads of the whole catalogue, and can hold
// them until released.
type countingCatalog struct {
	*fakeCatalog
	lists atomic.Int32
	hold  chan struct{} // nil: never hold
}

func (c *countingCatalog) ListCatalog(cat registry.Category, dept string, size int, token string) ([]*registry.CatalogView, string, error) {
	c.lists.Add(1)
	if c.hold != nil {
		<-c.hold
	}
	return c.fakeCatalog.ListCatalog(cat, dept, size, token)
}

func searchCodes(t *testing.T, x *Index, q string) []string {
	t.Helper()
	res, err := x.Search(&Request{Q: q, Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	got := codes(res)
	slices.Sort(got)
	return got
}

func TestSnapshotRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "search.snapshot")
	src := &countingCatalog{fakeCatalog: sample()}
	x := Open(src, path)
	want := searchCodes(t, x, "矿")
	if !slices.Equal(want, []string{"B", "C", "E"}) {
		t.Fatalf("矿: %v", want)
	}
	x.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no snapshot after the build: %v", err)
	}

	// A restart reads the snapshot, not the catalogue, and catches up with
	// what was published since.
	src.lists.Store(0)
	src.publish(registry.CatalogPublished, view("G", "hbj", "市环境保护局", "矿山环境检查", 4))
	src.publish(registry.CatalogAbolished, src.entries["C"])
	x = Open(src, path)
	if got := searchCodes(t, x, "矿"); !slices.Equal(got, []string{"B", "E", "G"}) {
		t.Errorf("矿 after the restart: %v", got)
	}
	if n := src.lists.Load(); n != 0 {
		t.Errorf("the catalogue was read %d times despite the snapshot", n)
	}
	// A department renamed while the server was down is found by its new name.
	x.Close()
	for _, v := range src.entries {
		if v.Entry.Department == "kcj" {
			v.DepartmentName = "省勘查院"
		}
	}
	src.rev++
	x = Open(src, path)
	defer x.Close()
	if got := searchCodes(t, x, "勘查院"); !slices.Equal(got, []string{"E"}) {
		t.Errorf("勘查院 after the restart: %v", got)
	}
}

func TestSnapshotIgnoredWhenItDoesNotMatch(t *testing.T) {
	for name, spoil := range map[string]func(path string, f *fakeCatalog){
		"corrupt": func(path string, _ *fakeCatalog) {
			b, _ := os.ReadFile(path)
			b[len(b)/2] ^= 0xff
			os.WriteFile(path, b, 0o600)
		},
		"truncated": func(path string, _ *fakeCatalog) {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, b[:len(b)-7], 0o600)
		},
		"not a snapshot": func(path string, _ *fakeCatalog) { os.WriteFile(path, []byte("hello"), 0o600) },
		"another store": func(_ string, f *fakeCatalog) {
			// The same revisions, other items: a data dir restored from
			// another registry's backup.
			g := newFake()
			g.publish(registry.CatalogPublished, view("Z", "hbj", "市环境保护局", "采矿许可", 1))
			*f = *g
		},
		"an older store": func(_ string, f *fakeCatalog) {
			*f = *newFake() // a restored backup from before the snapshot
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "search.snapshot")
			src := &countingCatalog{fakeCatalog: sample()}
			x := Open(src, path)
			searchCodes(t, x, "矿")
			x.Close()
			spoil(path, src.fakeCatalog)
			want := map[string][]string{}
			for _, q := range []string{"矿", "处罚", "许可"} {
				for c, v := range src.entries {
					if containsWord(v, q) {
						want[q] = append(want[q], c)
					}
				}
				slices.Sort(want[q])
			}
			src.lists.Store(0)
			x = Open(src, path)
			defer x.Close()
			if err := x.Sync(); err != nil {
				t.Fatal(err)
			}
			for q, w := range want {
				if got := searchCodes(t, x, q); !slices.Equal(got, w) {
					t.Errorf("%s: %v, want %v", q, got, w)
				}
			}
			if src.lists.Load() == 0 {
				t.Error("the snapshot was used")
			}
		})
	}
}

// containsWord is the search's rule for a query of one word, by brute
// force: the name, a title or the department holds every bigram (or the
// character).
func containsWord(v *registry.CatalogView, q string) bool {
	w := parseQuery(q)[0]
	texts := []string{v.Entry.Content.DisplayName, v.DepartmentName}
	for _, b := range v.Entry.Content.LegalBases {
		texts = append(texts, b.Title)
	}
	for _, s := range texts {
		have := grams(nil, s)
		all := true
		for _, g := range w.grams {
			if _, ok := slices.BinarySearch(have, g); !ok {
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}

func TestSearchWaitsForTheBuild(t *testing.T) {
	src := &countingCatalog{fakeCatalog: sample(), hold: make(chan struct{})}
	x := Open(src, "")
	defer x.Close()
	if x.Ready() {
		t.Fatal("ready before the catalogue was read")
	}
	done := make(chan []string)
	go func() {
		res, err := x.Search(&Request{Q: "矿", Size: 10})
		if err != nil {
			t.Error(err)
		}
		got := codes(res)
		slices.Sort(got)
		done <- got
	}()
	close(src.hold)
	if got := <-done; !slices.Equal(got, []string{"B", "C", "E"}) {
		t.Errorf("矿: %v", got)
	}
	if !x.Ready() {
		t.Error("not ready after a search answered")
	}
}

func TestCloseStopsTheBuild(t *testing.T) {
	src := &countingCatalog{fakeCatalog: sample(), hold: make(chan struct{})}
	x := Open(src, filepath.Join(t.TempDir(), "s"))
	closed := make(chan struct{})
	go func() { x.Close(); close(closed) }()
	close(src.hold)
	<-closed
	if x.Ready() {
		t.Error("ready after Close")
	}
	if _, err := x.Search(&Request{Q: "矿", Size: 1}); err == nil {
		t.Error("a closed index answered")
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	m := newMemIndex()
	for _, v := range sample().entries {
		m.put(&v.Entry, v.DepartmentName)
	}
	f.Add(m.encode(3, "A"))
	f.Add([]byte(snapshotMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, _, _, err := decode(data)
		if err == nil && m == nil {
			t.Fatal("no index and no error")
		}
	})
}
