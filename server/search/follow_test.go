package search

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// heldCatalog holds reads of the change feed, once armed, until released:
// a catch-up that takes as long as the test wants.
type heldCatalog struct {
	*fakeCatalog
	mu      sync.Mutex
	hold    chan struct{} // nil: not held
	reading chan struct{} // receives when a held read starts
}

func (c *heldCatalog) arm() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold = make(chan struct{})
	return c.hold
}

func (c *heldCatalog) ListChanges(start int64, size int, token string) ([]*registry.ChangeView, string, int64, error) {
	c.mu.Lock()
	hold := c.hold
	c.mu.Unlock()
	if hold != nil {
		c.reading <- struct{}{}
		<-hold
	}
	return c.fakeCatalog.ListChanges(start, size, token)
}

// logRecords keeps the records logged through it.
type logRecords struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecords) WithGroup(string) slog.Handler            { return l }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}

// warnings returns the warnings logged, each as its message and attributes.
func (l *logRecords) warnings() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.Level != slog.LevelWarn {
			continue
		}
		s := r.Message
		r.Attrs(func(a slog.Attr) bool { s += " " + a.String(); return true })
		out = append(out, s)
	}
	return out
}

// TestCaughtUpWithoutSearching: after a change of the catalogue returns,
// the index has it, though nothing searched.
func TestCaughtUpWithoutSearching(t *testing.T) {
	f := sample()
	x := Open(f, "")
	defer x.Close()
	if err := x.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := x.Revision(); got != 1 {
		t.Fatalf("revision after the build: %d, want 1", got)
	}
	f.publish(registry.CatalogPublished, view("G", "hbj", "市环境保护局", "矿山环境检查", 4))
	if got := x.Revision(); got != 2 {
		t.Errorf("revision right after a publication: %d, want 2", got)
	}
	f.rename("kcj", "省勘查院")
	if got := x.Revision(); got != 3 {
		t.Errorf("revision right after a rename: %d, want 3", got)
	}
	res, err := x.Search(&Request{Q: "矿山", Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(codes(res), []string{"G"}) || res.Revision != 3 {
		t.Errorf("矿山: %v at revision %d, want [G] at 3", codes(res), res.Revision)
	}
}

// TestSearchDuringCatchUp: while the index takes a publication in, a
// search answers at once from the last complete index, naming its
// revision; the publication's wait runs out and is logged; once the index
// has caught up, searches see the publication.
func TestSearchDuringCatchUp(t *testing.T) {
	src := &heldCatalog{fakeCatalog: sample(), reading: make(chan struct{}, 1)}
	logs := &logRecords{}
	x := OpenOptions(src, Options{Wait: 1, Log: slog.New(logs)}) // 1 ns: the wait always runs out
	defer x.Close()
	if err := x.Sync(); err != nil {
		t.Fatal(err)
	}
	hold := src.arm()
	// The fake calls Await as the registry does, before returning.
	src.publish(registry.CatalogPublished, view("G", "hbj", "市环境保护局", "矿山环境检查", 4))
	<-src.reading // the follower is in the middle of the catch-up
	if x.Await(2) {
		t.Error("Await reported the index caught up while it was held")
	}
	warned := logs.warnings()
	if len(warned) != 2 {
		t.Fatalf("warnings %q, want one per wait that ran out (2)", warned)
	}
	for _, w := range warned {
		for _, want := range []string{"did not reach", "未能及时更新", "revision=2", "index_revision=1"} {
			if !strings.Contains(w, want) {
				t.Errorf("warning %q lacks %q", w, want)
			}
		}
	}
	res, err := x.Search(&Request{Q: "矿", Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := codes(res)
	slices.Sort(got)
	if !slices.Equal(got, []string{"B", "C", "E"}) || res.Revision != 1 {
		t.Errorf("矿 during the catch-up: %v at revision %d, want [B C E] at 1", got, res.Revision)
	}
	if x.Revision() != 1 {
		t.Errorf("index revision during the catch-up: %d", x.Revision())
	}

	src.mu.Lock()
	src.hold = nil
	src.mu.Unlock()
	close(hold)
	if !awaitLong(x, 2) {
		t.Fatal("the index did not catch up once released")
	}
	res, err = x.Search(&Request{Q: "矿", Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	got = codes(res)
	slices.Sort(got)
	if !slices.Equal(got, []string{"B", "C", "E", "G"}) || res.Revision != 2 {
		t.Errorf("矿 after the catch-up: %v at revision %d, want [B C E G] at 2", got, res.Revision)
	}
	if n := len(logs.warnings()); n != 2 {
		t.Errorf("%d warnings after a wait that did not run out, want still 2", n)
	}
}

// awaitLong waits for the index to reach rev with a wait that does not
// run out in a test.
func awaitLong(x *Index, rev int64) bool {
	wait := x.wait
	x.wait = DefaultWait * 30
	defer func() { x.wait = wait }()
	return x.Await(rev)
}

// TestSearchesAgreeWithTheirRevision searches while publications follow
// one another: every answer is the catalogue exactly as it was at the
// revision it names, never a mix (run with -race: searches read a version
// while the follower makes the next).
func TestSearchesAgreeWithTheirRevision(t *testing.T) {
	f := newFake()
	var mu sync.Mutex
	want := map[int64][]string{} // revision → the codes 矿 finds
	live := []string{}
	record := func() {
		mu.Lock()
		defer mu.Unlock()
		want[f.rev] = slices.Sorted(slices.Values(live))
	}
	var first []*registry.CatalogView
	for i := range 50 {
		code := fmt.Sprintf("K%04d", i)
		first = append(first, view(code, fmt.Sprintf("d%d", i%3), "某局", genName(i)+"矿", 3, "《矿产资源法》"))
		live = append(live, code)
	}
	f.publish(registry.CatalogPublished, first...)
	record()
	x := Open(f, "")
	defer x.Close()
	if err := x.Sync(); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := x.Search(&Request{Q: "矿", Size: 1000})
				if err != nil {
					t.Error(err)
					return
				}
				got := codes(res)
				slices.Sort(got)
				mu.Lock()
				w, ok := want[res.Revision]
				mu.Unlock()
				if !ok || !slices.Equal(got, w) || res.Total != len(w) {
					t.Errorf("at revision %d: %d results (total %d), want %d", res.Revision, len(got), res.Total, len(w))
					return
				}
			}
		}()
	}
	for round := range 40 {
		var add, gone []*registry.CatalogView
		for i := range 30 {
			code := fmt.Sprintf("R%02d%02d", round, i)
			add = append(add, view(code, fmt.Sprintf("d%d", i%4), "某局", genName(round*30+i)+"矿", 1, "《矿产资源法》"))
		}
		// Abolish as many: dead documents, compacted after some rounds.
		for _, code := range live[:30] {
			gone = append(gone, view(code, "", "", "", 3))
		}
		live = live[30:]
		for _, v := range add {
			live = append(live, v.Entry.Code)
		}
		// Recorded before the follower can publish the revision.
		f.mu.Lock()
		next := f.rev + 1
		f.mu.Unlock()
		mu.Lock()
		want[next] = slices.Sorted(slices.Values(live))
		mu.Unlock()
		f.mu.Lock()
		f.rev++
		for i, v := range add {
			f.changes = append(f.changes, &registry.ChangeView{Change: registry.CatalogChange{Revision: f.rev, Index: uint32(i),
				Kind: registry.CatalogPublished, Entry: v.Entry}, DepartmentName: v.DepartmentName})
			f.entries[v.Entry.Code] = v
		}
		for i, v := range gone {
			f.changes = append(f.changes, &registry.ChangeView{Change: registry.CatalogChange{Revision: f.rev, Index: uint32(len(add) + i),
				Kind: registry.CatalogAbolished, Entry: v.Entry}})
			delete(f.entries, v.Entry.Code)
		}
		f.mu.Unlock()
		f.changed()
		if x.Revision() != next {
			t.Fatalf("round %d: index at %d after the publication of %d", round, x.Revision(), next)
		}
	}
	close(stop)
	wg.Wait()
}
