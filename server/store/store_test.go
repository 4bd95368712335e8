package store

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/registry"
)

func open(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func update(t *testing.T, db *DB, fn func(tx registry.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, db *DB, fn func(tx registry.Tx) error) {
	t.Helper()
	if err := db.View(fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

var fixed = time.Date(2014, 11, 3, 8, 0, 0, 0, time.UTC)

// TestPersistence: everything written survives Close and Open, and the
// counters go on where they stopped.
func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	svc := registry.New(registry.Config{Store: db, DefaultRegion: "430400", Now: func() time.Time { return fixed }})
	if _, err := svc.CreateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "市国土资源局"}, ""); err != nil {
		t.Fatal(err)
	}
	in := registry.ItemInput{Content: registry.Content{DisplayName: "对非法占用土地的处罚", Category: registry.CategoryPenalty,
		LegalBases: []registry.LegalBasis{{Level: 1, Title: "《土地管理法》", Article: "第七十六条", Text: "《土地管理法》第七十六条"}}}}
	it, err := svc.CreateItem("clerk", "gtzyj", in, "req-1")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := svc.CreateSubmission("clerk", "gtzyj", []string{registry.ItemName("gtzyj", it.Item.ID)}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { _, err := svc.SubmitSubmission("clerk", "gtzyj", sub.ID, "", ""); return err },
		func() error {
			_, err := svc.ApproveSubmission("reviewer", "gtzyj", sub.ID, registry.ReviewInput{}, "")
			return err
		},
		func() error {
			_, err := svc.CreatePublication("publisher", []string{registry.SubmissionName("gtzyj", sub.ID)}, "", "")
			return err
		},
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	var rev int64
	update(t, db, func(tx registry.Tx) (err error) {
		rev, err = tx.NextRevision()
		return err
	})
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db = open(t, dir)
	defer db.Close()
	svc = registry.New(registry.Config{Store: db, DefaultRegion: "430400", Now: func() time.Time { return fixed }})
	got, err := svc.GetItem("gtzyj", it.Item.ID)
	if err != nil {
		t.Fatalf("GetItem after reopen: %v", err)
	}
	if got.Item.State != registry.ItemPublished || got.Content.LegalBases[0].Article != "第七十六条" || !got.Item.CreateTime.Equal(fixed) {
		t.Errorf("item after reopen: %+v %+v", got.Item, got.Content)
	}
	entry, err := svc.GetCatalogItem("430400-CF-001-0001-00")
	if err != nil || entry.Entry.Item != it.Item.ID || entry.DepartmentName != "市国土资源局" {
		t.Errorf("catalogue after reopen: %+v, %v", entry, err)
	}
	evs, _, err := svc.ListEvents(registry.ItemName("gtzyj", it.Item.ID), 0, "")
	if err != nil || len(evs) != 4 {
		t.Errorf("events after reopen: %d, %v", len(evs), err)
	}
	// The request id is remembered across the restart.
	again, err := svc.CreateItem("clerk", "gtzyj", in, "req-1")
	if err != nil || again.Item.ID != it.Item.ID {
		t.Errorf("retried CreateItem after reopen: %+v, %v", again, err)
	}
	// Counters continue: no id or revision is given twice.
	update(t, db, func(tx registry.Tx) error {
		next, err := tx.NextRevision()
		if err == nil && next <= rev {
			t.Errorf("revision counter restarted: %d after %d", next, rev)
		}
		items, err := tx.NextSeq("items")
		if err == nil && items != 2 {
			t.Errorf("items counter %d, want 2", items)
		}
		return err
	})
	it2, err := svc.CreateItem("clerk", "gtzyj", in, "")
	if err != nil || it2.Item.ID != 3 {
		t.Errorf("new item after reopen: %+v, %v", it2, err)
	}
}

// TestLocked: a second Open of a dir in use fails fast with ErrLocked.
func TestLocked(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	second, err := Open(dir)
	if err == nil {
		second.Close()
		t.Fatal("second Open of a dir in use succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v; want an error wrapping ErrLocked", err)
	}
	if !strings.Contains(err.Error(), filepath.Join(dir, FileName)) {
		t.Errorf("error %q does not name the file", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open(t, dir)
	db.Close()
}

// setSchema writes a schema version into a closed store file with bbolt.
func setSchema(t *testing.T, dir string, v uint64) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), u64(v))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func getSchema(t *testing.T, dir string) uint64 {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var v []byte
	b.View(func(tx *bolt.Tx) error {
		v = slices.Clone(tx.Bucket([]byte("meta")).Get([]byte("schema")))
		return nil
	})
	if len(v) != 8 {
		t.Fatalf("schema value %x", v)
	}
	return uint64(v[0])<<56 | uint64(v[1])<<48 | uint64(v[2])<<40 | uint64(v[3])<<32 |
		uint64(v[4])<<24 | uint64(v[5])<<16 | uint64(v[6])<<8 | uint64(v[7])
}

// TestSchemaVersion: a new file gets the binary's version; a file of a
// newer version is refused and left as it was.
func TestSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	open(t, dir).Close()
	if v := getSchema(t, dir); v != schemaVersion {
		t.Fatalf("new file has schema %d, want %d", v, schemaVersion)
	}
	// Reopening a current file is fine.
	open(t, dir).Close()

	setSchema(t, dir, schemaVersion+1)
	db, err := Open(dir)
	if err == nil {
		db.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if errors.Is(err, ErrLocked) {
		t.Errorf("newer schema reported as locked: %v", err)
	}
	want := fmt.Sprintf("schema version %d", schemaVersion+1)
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %q should say %q and ask for a newer powerregd", err, want)
	}
	if v := getSchema(t, dir); v != schemaVersion+1 {
		t.Errorf("refused open rewrote the schema to %d", v)
	}

	// An old version without a migration is refused too.
	setSchema(t, dir, 0)
	if db, err := Open(dir); err == nil {
		db.Close()
		t.Error("Open of schema 0 without a migration succeeded")
	} else if !strings.Contains(err.Error(), "no migration from schema version 0") {
		t.Errorf("schema 0: %v", err)
	}
}

// TestScanSubmissions: newest first, per department, below a cursor.
func TestScanSubmissions(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	depts := map[uint64]string{1: "a", 2: "b", 3: "a", 4: "a", 5: "b", 6: "b", 7: "a", 8: "ab", 9: "aa"}
	update(t, db, func(tx registry.Tx) error {
		for id := uint64(1); id <= 9; id++ {
			if err := tx.PutSubmission(&registry.Submission{ID: id, Department: depts[id], State: registry.SubmissionDraft}); err != nil {
				return err
			}
		}
		// A deleted submission leaves both the record and the index.
		return tx.DeleteSubmission(&registry.Submission{ID: 9, Department: "aa"})
	})
	for _, tc := range []struct {
		dept   string
		before uint64
		limit  int
		want   []uint64
	}{
		{"", 0, 0, []uint64{8, 7, 6, 5, 4, 3, 2, 1}},
		{"", 5, 0, []uint64{4, 3, 2, 1}},
		{"", 1, 0, nil},
		{"", 100, 0, []uint64{8, 7, 6, 5, 4, 3, 2, 1}},
		{"", 0, 3, []uint64{8, 7, 6}},
		{"a", 0, 0, []uint64{7, 4, 3, 1}},
		{"a", 7, 0, []uint64{4, 3, 1}},
		{"a", 4, 0, []uint64{3, 1}},
		{"a", 2, 0, []uint64{1}},
		{"a", 1, 0, nil},
		{"a", 0, 2, []uint64{7, 4}},
		{"ab", 0, 0, []uint64{8}},
		{"aa", 0, 0, nil},
		{"b", 0, 0, []uint64{6, 5, 2}},
		{"b", 100, 0, []uint64{6, 5, 2}},
		{"b", 2, 0, nil},
		{"c", 0, 0, nil},
		{"0", 0, 0, nil},
	} {
		t.Run(fmt.Sprintf("%s/%d/%d", tc.dept, tc.before, tc.limit), func(t *testing.T) {
			var got []uint64
			view(t, db, func(tx registry.Tx) error {
				return tx.ScanSubmissions(tc.dept, tc.before, func(s *registry.Submission) (bool, error) {
					if tc.dept != "" && s.Department != tc.dept {
						t.Errorf("submission %d of %s in a scan of %s", s.ID, s.Department, tc.dept)
					}
					got = append(got, s.ID)
					return tc.limit == 0 || len(got) < tc.limit, nil
				})
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestScanCatalog: code order, category and department filters, cursors,
// and index upkeep when an entry moves or leaves.
func TestScanCatalog(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	const (
		cf = registry.CategoryPenalty
		xk = registry.CategoryLicensing
		zs = registry.CategoryLevy
	)
	entries := []struct {
		code string
		dept string
		cat  registry.Category
	}{
		{"430400-CF-001-0001-00", "a", cf},
		{"430400-CF-001-0001-01", "a", cf},
		{"430400-CF-001-0002-00", "a", cf},
		{"430400-XK-001-0001-00", "a", xk},
		{"430400-CF-002-0001-00", "ab", cf},
		{"430400-ZS-002-0001-00", "ab", zs},
		{"430400-CF-003-0001-00", "b", cf},
		{"GTJ-7", "a", xk},
		{"GTJ-7-01", "a", xk},
		{"GTJ-70", "b", zs},
	}
	update(t, db, func(tx registry.Tx) error {
		for i, e := range entries {
			// The content an entry serves is its revision's (records.go).
			content := registry.Content{DisplayName: e.code, Category: e.cat}
			if err := tx.PutRevision(&registry.Revision{Item: uint64(i + 1), Number: 1, Content: content}); err != nil {
				return err
			}
			err := tx.PutCatalogEntry(&registry.CatalogEntry{Code: e.code, Item: uint64(i + 1), Department: e.dept,
				Revision: 1, Content: content})
			if err != nil {
				return err
			}
		}
		return nil
	})
	scan := func(cat registry.Category, dept, after string, limit int) []string {
		t.Helper()
		var got []string
		view(t, db, func(tx registry.Tx) error {
			return tx.ScanCatalog(cat, dept, after, func(e *registry.CatalogEntry) (bool, error) {
				got = append(got, e.Code)
				return limit == 0 || len(got) < limit, nil
			})
		})
		return got
	}
	cases := []struct {
		cat   registry.Category
		dept  string
		after string
		limit int
		want  []string
	}{
		{0, "", "", 0, []string{"430400-CF-001-0001-00", "430400-CF-001-0001-01", "430400-CF-001-0002-00", "430400-CF-002-0001-00",
			"430400-CF-003-0001-00", "430400-XK-001-0001-00", "430400-ZS-002-0001-00", "GTJ-7", "GTJ-7-01", "GTJ-70"}},
		{0, "", "430400-CF-003-0001-00", 0, []string{"430400-XK-001-0001-00", "430400-ZS-002-0001-00", "GTJ-7", "GTJ-7-01", "GTJ-70"}},
		{0, "", "GTJ-7", 0, []string{"GTJ-7-01", "GTJ-70"}},
		{0, "", "GTJ-70", 0, nil},
		{0, "", "430400", 2, []string{"430400-CF-001-0001-00", "430400-CF-001-0001-01"}},
		{cf, "", "", 0, []string{"430400-CF-001-0001-00", "430400-CF-001-0001-01", "430400-CF-001-0002-00", "430400-CF-002-0001-00",
			"430400-CF-003-0001-00"}},
		{cf, "", "430400-CF-001-0001-01", 0, []string{"430400-CF-001-0002-00", "430400-CF-002-0001-00", "430400-CF-003-0001-00"}},
		{cf, "", "430400-CF-001-0001-01", 1, []string{"430400-CF-001-0002-00"}},
		{xk, "", "", 0, []string{"430400-XK-001-0001-00", "GTJ-7", "GTJ-7-01"}},
		{zs, "", "430400-ZS-002-0001-00", 0, []string{"GTJ-70"}},
		{registry.CategoryOther, "", "", 0, nil},
		{0, "a", "", 0, []string{"430400-CF-001-0001-00", "430400-CF-001-0001-01", "430400-CF-001-0002-00", "430400-XK-001-0001-00",
			"GTJ-7", "GTJ-7-01"}},
		{0, "a", "430400-XK-001-0001-00", 0, []string{"GTJ-7", "GTJ-7-01"}},
		{0, "ab", "", 0, []string{"430400-CF-002-0001-00", "430400-ZS-002-0001-00"}},
		{0, "b", "", 0, []string{"430400-CF-003-0001-00", "GTJ-70"}},
		{0, "c", "", 0, nil},
		{cf, "a", "", 0, []string{"430400-CF-001-0001-00", "430400-CF-001-0001-01", "430400-CF-001-0002-00"}},
		{cf, "a", "430400-CF-001-0001-00", 0, []string{"430400-CF-001-0001-01", "430400-CF-001-0002-00"}},
		{xk, "a", "430400-CF-001-0002-00", 0, []string{"430400-XK-001-0001-00", "GTJ-7", "GTJ-7-01"}},
		{xk, "ab", "", 0, nil},
		{zs, "b", "", 0, []string{"GTJ-70"}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d/%s/%s/%d", tc.cat, tc.dept, tc.after, tc.limit), func(t *testing.T) {
			if got := scan(tc.cat, tc.dept, tc.after, tc.limit); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	// A new revision in another category moves the entry between the
	// category indexes; a deleted entry leaves every index.
	update(t, db, func(tx registry.Tx) error {
		content := registry.Content{DisplayName: "GTJ-7", Category: zs}
		if err := tx.PutRevision(&registry.Revision{Item: 8, Number: 2, Content: content}); err != nil {
			return err
		}
		err := tx.PutCatalogEntry(&registry.CatalogEntry{Code: "GTJ-7", Item: 8, Department: "a", Revision: 2,
			Content: content})
		if err != nil {
			return err
		}
		return tx.DeleteCatalogEntry(&registry.CatalogEntry{Code: "430400-CF-001-0001-01"})
	})
	for _, tc := range []struct {
		cat  registry.Category
		dept string
		want []string
	}{
		{xk, "", []string{"430400-XK-001-0001-00", "GTJ-7-01"}},
		{zs, "", []string{"430400-ZS-002-0001-00", "GTJ-7", "GTJ-70"}},
		{zs, "a", []string{"GTJ-7"}},
		{cf, "a", []string{"430400-CF-001-0001-00", "430400-CF-001-0002-00"}},
	} {
		if got := scan(tc.cat, tc.dept, "", 0); !slices.Equal(got, tc.want) {
			t.Errorf("after the move, scan(%d, %q) = %v, want %v", tc.cat, tc.dept, got, tc.want)
		}
	}
	if got := scan(0, "", "", 0); len(got) != len(entries)-1 {
		t.Errorf("catalogue has %d entries after one delete, want %d", len(got), len(entries)-1)
	}
	view(t, db, func(tx registry.Tx) error {
		e, err := tx.GetCatalogEntry("GTJ-7")
		if err != nil || e == nil || e.Revision != 2 {
			t.Errorf("moved entry: %+v, %v", e, err)
		}
		e, err = tx.GetCatalogEntry("430400-CF-001-0001-01")
		if err != nil || e != nil {
			t.Errorf("deleted entry: %+v, %v", e, err)
		}
		return nil
	})
}

// TestScanItemsAndEvents: department prefixes and resource names that
// are prefixes of one another do not leak into each other's scans.
func TestScanItemsAndEvents(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	update(t, db, func(tx registry.Tx) error {
		for id, dept := range map[uint64]string{1: "a", 2: "ab", 3: "a", 4: "b", 5: "a"} {
			if err := tx.PutItem(&registry.Item{ID: id, Department: dept}); err != nil {
				return err
			}
			for n := 1; n <= 2; n++ {
				if err := tx.PutRevision(&registry.Revision{Item: id, Number: n}); err != nil {
					return err
				}
			}
		}
		if err := tx.DeleteRevisions(3); err != nil {
			return err
		}
		for i, res := range []string{"departments/a/items/1", "departments/a/items/10", "departments/a/items/1", "departments/a/items/1/x"} {
			if err := tx.PutEvent(&registry.Event{Resource: res, Revision: int64(10 + i), Comment: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		// Two events of one revision keep their order.
		return tx.PutEvent(&registry.Event{Resource: "departments/a/items/1", Revision: 12, Comment: "4"})
	})
	view(t, db, func(tx registry.Tx) error {
		for _, tc := range []struct {
			dept  string
			after uint64
			want  []uint64
		}{
			{"", 0, []uint64{1, 2, 3, 4, 5}},
			{"", 3, []uint64{4, 5}},
			{"a", 0, []uint64{1, 3, 5}},
			{"a", 1, []uint64{3, 5}},
			{"a", 5, nil},
			{"ab", 0, []uint64{2}},
			{"b", 0, []uint64{4}},
			// The largest id: nothing comes after it (after+1 must not
			// wrap around to the first item: a page token at the last
			// id would restart the list).
			{"", math.MaxUint64, nil},
			{"a", math.MaxUint64, nil},
		} {
			var got []uint64
			err := tx.ScanItems(tc.dept, tc.after, func(it *registry.Item) (bool, error) {
				got = append(got, it.ID)
				return true, nil
			})
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("ScanItems(%q, %d) = %v, %v; want %v", tc.dept, tc.after, got, err, tc.want)
			}
		}
		for _, tc := range []struct {
			item uint64
			n    int
			want bool
		}{{1, 1, true}, {1, 2, true}, {3, 1, false}, {3, 2, false}, {4, 2, true}, {4, 3, false}} {
			r, err := tx.GetRevision(tc.item, tc.n)
			if err != nil || (r != nil) != tc.want {
				t.Errorf("GetRevision(%d, %d) = %+v, %v; want present %v", tc.item, tc.n, r, err, tc.want)
			}
		}
		for _, tc := range []struct {
			res   string
			after int64
			want  []string
		}{
			{"departments/a/items/1", 0, []string{"0", "2", "4"}},
			{"departments/a/items/1", 10, []string{"2", "4"}},
			{"departments/a/items/1", 12, nil},
			{"departments/a/items/10", 0, []string{"1"}},
			{"departments/a/items", 0, nil},
		} {
			var got []string
			err := tx.ScanEvents(tc.res, tc.after, func(e *registry.Event) (bool, error) {
				got = append(got, e.Comment)
				return true, nil
			})
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("ScanEvents(%q, %d) = %v, %v; want %v", tc.res, tc.after, got, err, tc.want)
			}
		}
		return nil
	})
}

// TestUpdateRollsBack: a failed Update leaves nothing behind.
func TestUpdateRollsBack(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	boom := errors.New("boom")
	err := db.Update(func(tx registry.Tx) error {
		if err := tx.PutDepartment(&registry.Department{ID: "a", DisplayName: "甲"}); err != nil {
			return err
		}
		if _, err := tx.NextSeq("items"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: %v, want boom", err)
	}
	view(t, db, func(tx registry.Tx) error {
		d, err := tx.GetDepartment("a")
		if err != nil || d != nil {
			t.Errorf("department after rollback: %+v, %v", d, err)
		}
		return nil
	})
	update(t, db, func(tx registry.Tx) error {
		n, err := tx.NextSeq("items")
		if err == nil && n != 1 {
			t.Errorf("counter after rollback: %d, want 1", n)
		}
		return err
	})
}
