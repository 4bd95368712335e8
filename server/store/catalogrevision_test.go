package store

import (
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/registry"
)

// The catalogue revision (meta "catalog_revision"): 0 in a new file, moved
// only by SetCatalogRevision; in a file written before the key existed, the
// registry revision stands in for it.
func TestCatalogRevision(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	defer func() { db.Close() }()
	get := func() int64 {
		t.Helper()
		var rev int64
		if err := db.View(func(tx registry.Tx) (err error) { rev, err = tx.CatalogRevision(); return err }); err != nil {
			t.Fatal(err)
		}
		return rev
	}
	if got := get(); got != 0 {
		t.Fatalf("new file: %d", got)
	}
	update(t, db, func(tx registry.Tx) error { _, err := tx.NextRevision(); return err })
	if got := get(); got != 0 {
		t.Fatalf("after a mutation that left the catalogue alone: %d", got)
	}
	update(t, db, func(tx registry.Tx) error {
		rev, err := tx.NextRevision()
		if err == nil {
			err = tx.SetCatalogRevision(rev)
		}
		return err
	})
	if got := get(); got != 2 {
		t.Fatalf("after a publication at 2: %d", got)
	}
	// Reopening keeps it.
	db.Close()
	db = open(t, dir)
	if got := get(); got != 2 {
		t.Fatalf("reopened: %d", got)
	}
	// An older file, without the key: the registry revision, even after a
	// reopen (which must not write 0 into a file that has mutations).
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Delete(kCatalogRevision) }); err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx registry.Tx) error { _, err := tx.NextRevision(); return err })
	db.Close()
	db = open(t, dir)
	if got := get(); got != 3 {
		t.Fatalf("file without the key: %d, want the registry revision 3", got)
	}
}
