package store

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/registry"
)

// TestChanges: changes are kept in (revision, index) order; compaction
// deletes whole revisions below a bound and reports the newest deleted.
func TestChanges(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	keys := [][2]int64{{3, 0}, {3, 1}, {7, 0}, {12, 0}, {12, 1}, {12, 2}}
	update(t, db, func(tx registry.Tx) error {
		// The content a change carries is its revision's (records.go).
		if err := tx.PutRevision(&registry.Revision{Item: 1, Number: 1}); err != nil {
			return err
		}
		for i := len(keys) - 1; i >= 0; i-- { // written out of order
			k := keys[i]
			if err := tx.PutChange(&registry.CatalogChange{Revision: k[0], Index: uint32(k[1]), Kind: registry.CatalogPublished,
				Entry: registry.CatalogEntry{Code: "c", Item: 1, Revision: 1}}); err != nil {
				return err
			}
		}
		return nil
	})
	scanFrom := func(rev int64, index uint32) (out [][2]int64) {
		view(t, db, func(tx registry.Tx) error {
			return tx.ScanChanges(rev, index, func(c *registry.CatalogChange) (bool, error) {
				out = append(out, [2]int64{c.Revision, int64(c.Index)})
				return true, nil
			})
		})
		return out
	}
	if got := scanFrom(0, 0); len(got) != len(keys) || got[0] != keys[0] || got[5] != keys[5] {
		t.Fatalf("scan from 0: %v", got)
	}
	if got := scanFrom(3, 1); len(got) != 5 || got[0] != keys[1] {
		t.Fatalf("scan from 3.1: %v", got)
	}
	if got := scanFrom(8, 0); len(got) != 3 || got[0] != keys[3] {
		t.Fatalf("scan from 8.0: %v", got)
	}
	view(t, db, func(tx registry.Tx) error {
		last, err := tx.LastChange()
		if err != nil || last == nil || last.Revision != 12 || last.Index != 2 {
			t.Errorf("last change: %+v %v", last, err)
		}
		return err
	})
	update(t, db, func(tx registry.Tx) error {
		n, newest, err := tx.DeleteChangesBefore(12)
		if err != nil || n != 3 || newest != 7 {
			t.Errorf("delete before 12: %d, %d, %v", n, newest, err)
		}
		if n, newest, err = tx.DeleteChangesBefore(12); err != nil || n != 0 || newest != 0 {
			t.Errorf("delete before 12 again: %d, %d, %v", n, newest, err)
		}
		floor, err := tx.ChangesFloor()
		if err != nil || floor != 0 {
			t.Errorf("floor of a new file: %d, %v", floor, err)
		}
		return tx.SetChangesFloor(7)
	})
	if got := scanFrom(0, 0); len(got) != 3 || got[0] != keys[3] {
		t.Fatalf("after compaction: %v", got)
	}
	view(t, db, func(tx registry.Tx) error {
		floor, err := tx.ChangesFloor()
		if floor != 7 {
			t.Errorf("floor %d, want 7", floor)
		}
		return err
	})
}

// toSchema1 turns a closed store file into the layout of schema version 1:
// no changes bucket, no floor, two-state yes/no answers.
func toSchema1(t *testing.T, dir string) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Update(func(tx *bolt.Tx) error {
		if err := toTwoStates(tx); err != nil {
			return err
		}
		if err := unwrapRecords(tx); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bChanges); err != nil {
			return err
		}
		meta := tx.Bucket(bMeta)
		if err := meta.Delete(kChangesFloor); err != nil {
			return err
		}
		return meta.Put(kSchema, u64(1))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateChangeFeed: a schema-1 file with publications gets the feed
// with its floor at the file's revision (its publications were never
// recorded as changes); one without publications gets a whole feed.
func TestMigrateChangeFeed(t *testing.T) {
	for _, published := range []bool{false, true} {
		dir := t.TempDir()
		db := open(t, dir)
		svc := registry.New(registry.Config{Store: db, DefaultRegion: "430400"})
		if _, err := svc.CreateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "市国土资源局"}, ""); err != nil {
			t.Fatal(err)
		}
		if published {
			update(t, db, func(tx registry.Tx) error {
				return tx.PutPublication(&registry.Publication{ID: 1, PublishTime: fixed})
			})
		}
		var rev int64
		update(t, db, func(tx registry.Tx) (err error) {
			rev, err = tx.NextRevision()
			return err
		})
		db.Close()
		toSchema1(t, dir)

		db = open(t, dir)
		if v := getSchemaOpen(t, db); v != schemaVersion {
			t.Errorf("schema %d after migration, want %d", v, schemaVersion)
		}
		want := int64(0)
		if published {
			want = rev
		}
		view(t, db, func(tx registry.Tx) error {
			floor, err := tx.ChangesFloor()
			if floor != want {
				t.Errorf("published %v: floor %d, want %d", published, floor, want)
			}
			return err
		})
		// The feed works on the migrated file.
		svc = registry.New(registry.Config{Store: db, DefaultRegion: "430400"})
		if _, _, cur, err := svc.ListChanges(want, 0, ""); err != nil || cur != want {
			t.Errorf("published %v: ListChanges: %d, %v", published, cur, err)
		}
		if _, _, _, err := svc.ListChanges(0, 0, ""); published == (err == nil) {
			t.Errorf("published %v: ListChanges from 0: %v", published, err)
		}
		db.Close()
	}
}

func getSchemaOpen(t *testing.T, db *DB) uint64 {
	t.Helper()
	var v int64
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		v, err = metaInt(tx.Bucket(bMeta), kSchema)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return uint64(v)
}
