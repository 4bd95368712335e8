package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// TestBackupWhileWriting: powerctl backup -o FILE while a department keeps
// creating items over another connection. The file is a whole data file
// that passes the check and holds every item committed before the backup
// began; the writes go on without error; -o - writes the same kind of
// snapshot to standard output.
func TestBackupWhileWriting(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	clerk := e.dial("clerk")
	defer clerk.Close()
	if _, err := clerk.Registry.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}); err != nil {
		t.Fatal(err)
	}
	var committed atomic.Uint64 // the highest item id committed so far
	create := func(i int) error {
		it, err := clerk.Registry.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
			DisplayName: fmt.Sprintf("对违法行为 %d 的处罚", i), Category: pb.Category_CATEGORY_PENALTY,
			LegalBases: []*pb.LegalBasis{{Text: "《中华人民共和国土地管理法》第七十七条"}}}})
		if err != nil {
			return err
		}
		var id uint64
		fmt.Sscanf(it.GetItem().GetName(), "departments/gtzyj/items/%d", &id)
		committed.Store(max(committed.Load(), id))
		return nil
	}
	for i := range 30 {
		if err := create(i); err != nil {
			t.Fatal(err)
		}
	}

	stop, writing := make(chan struct{}), make(chan struct{})
	var writeErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 30; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if writeErr = create(i); writeErr != nil {
				close(writing)
				return
			}
			if i == 32 {
				close(writing) // the writes are under way
			}
		}
	})
	<-writing
	before := committed.Load()
	path := filepath.Join(t.TempDir(), "powerreg-backup.db")
	r := e.ok("admin", "backup", "-o", path)
	after := committed.Load()
	close(stop)
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("a write during the backup failed: %v", writeErr)
	}
	if !strings.Contains(r.stderr, "backed up") || !strings.Contains(r.stderr, fmt.Sprintf("schema version %d", store.SchemaVersion)) {
		t.Errorf("backup said: %s", r)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("%s.tmp is left behind: %v", path, err)
	}

	report, err := store.Check(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Problems) > 0 {
		t.Errorf("the backup does not pass the check: %v", report.Problems)
	}
	// Every item committed before the backup began is in it; the items
	// of the backup are 1…n without a gap, n at most the last committed.
	n := uint64(report.Records["items"])
	t.Logf("items: %d committed before the backup, %d in it, %d committed when it ended", before, n, after)
	if n < before || n > after {
		t.Errorf("the backup holds %d items; %d were committed before it began and %d after it ended", n, before, after)
	}
	dir := t.TempDir()
	if err := os.Link(path, filepath.Join(dir, store.FileName)); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx registry.Tx) error {
		for id := uint64(1); id <= before; id++ {
			if it, err := tx.GetItem(id); it == nil || err != nil {
				t.Errorf("item %d, committed before the backup, is not in it (%v)", id, err)
			}
		}
		return nil
	})

	// To standard output: the same kind of file.
	r = e.ok("admin", "backup", "-o", "-")
	piped := filepath.Join(t.TempDir(), "piped.db")
	if err := os.WriteFile(piped, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	if info, err := store.Inspect(piped); err != nil || info.Revision < int64(after) {
		t.Errorf("backup to stdout: %+v, %v", info, err)
	}
}

// TestBackupRefused: a reviewer may not take a backup, and nothing is
// written; -o is required.
func TestBackupRefused(t *testing.T) {
	e := start(t)
	e.mint("reviewer-li", &pb.Token{Roles: []string{"reviewer"}})
	path := filepath.Join(t.TempDir(), "b.db")
	r := e.fails(exitFailure, "reviewer-li", "backup", "-o", path)
	if !strings.Contains(r.stderr, "admin") {
		t.Errorf("the refusal does not name the admin role: %s", r)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 0 {
		t.Errorf("a refused backup left %v", entries)
	}
	r = e.fails(exitUsage, "admin", "backup")
	if !strings.Contains(r.stderr, "-o") {
		t.Errorf("backup without -o: %s", r)
	}
}

// TestBackupAudited: a backup copies every record, so who took it and when
// is in the audit trail, and the chain stays whole.
func TestBackupAudited(t *testing.T) {
	e := start(t)
	e.ok("admin", "backup", "-o", filepath.Join(t.TempDir(), "b.db"))
	r := e.ok("admin", "audit", "list", "--limit", "1", "-o", "json")
	var events []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &events); err != nil || len(events) != 1 {
		t.Fatalf("audit list: %v\n%s", err, r.stdout)
	}
	newest := &pb.AuditEvent{}
	if err := protojson.Unmarshal(events[0], newest); err != nil || newest.GetMethod() != pb.OperationsService_Backup_FullMethodName ||
		newest.GetPrincipal() != "admin" || newest.GetOutcome() != "OK" || newest.GetRequestId() == "" {
		t.Errorf("the newest audit event: %v (%v)", newest, err)
	}
	e.ok("admin", "audit", "verify")
}
