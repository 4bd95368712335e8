package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// TestChangesCompact: an admin compacts the feed; readers below the floor
// are then refused naming it; a reviewer may not; bad revisions are
// refused before anything is deleted.
func TestChangesCompact(t *testing.T) {
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")
	e.importJSON("clerk", writeRows(t, t.TempDir(), "list.csv", completeRows()[:3]))
	e.publishAll("gtzyj")
	ctx := context.Background()
	first, err := e.c.Catalog.ListCatalogChanges(ctx, &pb.ListCatalogChangesRequest{})
	if err != nil || len(first.GetChanges()) == 0 {
		t.Fatalf("the feed before: %v, %v", first, err)
	}
	cur := first.GetCurrentRevision()

	e.mint("reviewer-li", &pb.Token{Roles: []string{"reviewer"}})
	if r := e.fails(exitFailure, "reviewer-li", "changes", "compact", "--before", "2"); !strings.Contains(r.stderr, "admin") {
		t.Errorf("a reviewer's compaction: %s", r)
	}
	e.fails(exitUsage, "admin", "changes", "compact")
	if r := e.fails(exitFailure, "admin", "changes", "compact", "--before", fmt.Sprint(cur+5)); !strings.Contains(r.stderr, "before_revision") {
		t.Errorf("compacting beyond the feed: %s", r)
	}

	r := e.ok("admin", "changes", "compact", "--before", fmt.Sprint(cur+1))
	want := fmt.Sprintf("已删除 %d 条变更；变更流自修订号 %d 起可读，当前修订号 %d", len(first.GetChanges()), cur, cur)
	if !strings.Contains(r.stdout, want) {
		t.Errorf("compact: %q, want %q", r.stdout, want)
	}
	_, err = e.c.Catalog.ListCatalogChanges(ctx, &pb.ListCatalogChangesRequest{StartRevision: cur - 1})
	if err == nil || !strings.Contains(err.Error(), "REVISION_COMPACTED") && !strings.Contains(err.Error(), registry.MetaOldestRevision) &&
		!strings.Contains(err.Error(), fmt.Sprint(cur)) {
		t.Errorf("reading below the floor: %v", err)
	}
	after, err := e.c.Catalog.ListCatalogChanges(ctx, &pb.ListCatalogChangesRequest{StartRevision: cur})
	if err != nil || len(after.GetChanges()) != 0 || after.GetCurrentRevision() != cur {
		t.Errorf("reading from the floor: %v, %v", after, err)
	}
	if n := len(e.catalog()); n != 3 {
		t.Errorf("the catalogue holds %d items after the compaction, want 3", n)
	}
}

// lineCanceler cancels once n lines were written.
type lineCanceler struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (w *lineCanceler) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Count(w.buf.String(), "\n") >= w.n {
		w.cancel()
	}
	return len(p), nil
}

// TestChangesListAndWatchFromPosition: the changes of one publication
// share a revision; list and watch resume right after a position, inside
// the publication.
func TestChangesListAndWatchFromPosition(t *testing.T) {
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")
	e.importJSON("clerk", writeRows(t, t.TempDir(), "list.csv", completeRows()[:3]))
	e.publishAll("gtzyj")
	list, err := e.c.Catalog.ListCatalogChanges(context.Background(), &pb.ListCatalogChangesRequest{})
	if err != nil || len(list.GetChanges()) != 3 {
		t.Fatalf("the feed: %v, %v", list, err)
	}
	var pos []string
	for _, c := range list.GetChanges() {
		pos = append(pos, c.GetPosition())
	}
	rev := strings.Split(pos[0], ".")[0]
	if pos[1] != rev+".1" || pos[2] != rev+".2" {
		t.Fatalf("positions %v: want one revision, indexes 0, 1, 2", pos)
	}

	r := e.ok("reviewer", "changes", "list")
	for _, p := range pos {
		if !strings.Contains(r.stdout, p) {
			t.Errorf("list lacks %s:\n%s", p, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "--from-position "+pos[2]) {
		t.Errorf("list does not say how to go on:\n%s", r.stdout)
	}
	r = e.ok("reviewer", "changes", "list", "--from-position", pos[0])
	if strings.Contains(r.stdout, pos[0]+"\t") || strings.Contains(r.stdout, pos[0]+" ") || !strings.Contains(r.stdout, pos[1]) || !strings.Contains(r.stdout, pos[2]) {
		t.Errorf("list from %s:\n%s", pos[0], r.stdout)
	}
	e.fails(exitFailure, "reviewer", "changes", "list", "--from-position", "x.1")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineCanceler{n: 2, cancel: cancel}
	var errOut bytes.Buffer
	vars := map[string]string{"POWERREG_SERVER": e.addr, "POWERREG_TOKEN": e.token("reviewer")}
	run(ctx, []string{"changes", "watch", "--from-position", pos[0], "-o", "json"}, out, &errOut, func(k string) string { return vars[k] })
	lines := strings.Split(strings.TrimSpace(out.buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("watch printed %d lines:\n%s\n%s", len(lines), out.buf.String(), errOut.String())
	}
	for i, l := range lines {
		var c map[string]any
		if err := json.Unmarshal([]byte(l), &c); err != nil || c["position"] != pos[i+1] {
			t.Errorf("watch line %d: %s (%v), want position %s", i, l, err, pos[i+1])
		}
	}
}
