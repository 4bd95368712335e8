package main

import (
	"context"
	"fmt"
	"strings"
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
