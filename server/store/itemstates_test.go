package store

import (
	"maps"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/registry"
)

// scannedStates counts the items per state by reading every item.
func scannedStates(t *testing.T, db *DB) (counted, kept map[registry.ItemState]int) {
	t.Helper()
	counted = map[registry.ItemState]int{}
	err := db.View(func(tx registry.Tx) error {
		var err error
		if kept, err = tx.ItemStates(); err != nil {
			return err
		}
		return tx.ScanItems("", 0, func(it *registry.Item) (bool, error) {
			counted[it.State]++
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for s, n := range kept {
		if n == 0 {
			delete(kept, s) // a state all items left
		}
	}
	return counted, kept
}

// TestItemStatesKept: the counts per state follow every move of the demo's
// items through the workflow, and a deleted draft.
func TestItemStatesKept(t *testing.T) {
	dir := demoDir(t)
	db := open(t, dir)
	defer db.Close()
	counted, kept := scannedStates(t, db)
	if len(counted) < 5 || !maps.Equal(counted, kept) {
		t.Fatalf("kept %v, counted %v", kept, counted)
	}
	svc := registry.New(registry.Config{Store: db, DefaultRegion: "430400"})
	var draft *registry.Item
	db.View(func(tx registry.Tx) error {
		return tx.ScanItems("", 0, func(it *registry.Item) (bool, error) {
			if it.State == registry.ItemDraft && it.Published == nil {
				draft = it
				return false, nil
			}
			return true, nil
		})
	})
	if draft == nil {
		t.Fatal("the demo has no draft")
	}
	if err := svc.DeleteItem("clerk", draft.Department, draft.ID, ""); err != nil {
		t.Fatal(err)
	}
	after, keptAfter := scannedStates(t, db)
	if !maps.Equal(after, keptAfter) || after[registry.ItemDraft] != counted[registry.ItemDraft]-1 {
		t.Errorf("after deleting a draft: kept %v, counted %v", keptAfter, after)
	}
}

// TestMigrateItemStates: a schema-2 file (no item_states) gets the counts
// when opened, and passes the check.
func TestMigrateItemStates(t *testing.T) {
	dir := demoDir(t)
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		if err := unwrapRecords(tx); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bItemStates); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(2))
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	db := open(t, dir)
	counted, kept := scannedStates(t, db)
	db.Close()
	if len(counted) == 0 || !maps.Equal(counted, kept) {
		t.Fatalf("after the migration: kept %v, counted %v", kept, counted)
	}
	if r := mustCheck(t, filepath.Join(dir, FileName)); len(r.Problems) > 0 || r.SchemaVersion != schemaVersion {
		t.Errorf("after the migration: schema %d, problems %v", r.SchemaVersion, r.Problems)
	}
}
