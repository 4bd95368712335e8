package store

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/registry"
)

// migrations[v] upgrades a file from schema version v to v+1, inside the
// opening transaction, after every bucket of the current layout was
// created. Version 1 is the first layout. Each new migration comes with a
// test that opens a file of the old layout.
var migrations = map[uint64]func(tx *bolt.Tx) error{
	1: addChangeFeed, // 2: the change feed (changes.go)
	2: countStates,   // 3: the count of items per state (item_states)
}

// countStates fills item_states from the items.
func countStates(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(bItemStates); err != nil {
		return err
	}
	if _, err := tx.CreateBucket(bItemStates); err != nil {
		return err
	}
	t := &txn{tx}
	return tx.Bucket(bItems).ForEach(func(k, v []byte) error {
		var st struct {
			State registry.ItemState `json:"state"`
		}
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("item %x: %w", k, err)
		}
		return t.addState(st.State, 1)
	})
}

func migrate(tx *bolt.Tx, from uint64) error {
	for v := from; v < schemaVersion; v++ {
		m, ok := migrations[v]
		if !ok {
			return fmt.Errorf("no migration from schema version %d", v)
		}
		if err := m(tx); err != nil {
			return fmt.Errorf("migrate schema %d → %d: %w", v, v+1, err)
		}
	}
	return nil
}

// ErrNewerSchema means a data file was written by a newer powerregd, whose
// layout this binary does not know.
var ErrNewerSchema = errors.New("newer schema version / 数据版本较新")

func newerSchema(version uint64) error {
	return fmt.Errorf("%w: the data file has schema version %d but this powerregd knows only up to %d; run a newer powerregd / "+
		"数据文件版本 %d 高于本程序支持的 %d，请使用更新的 powerregd", ErrNewerSchema, version, schemaVersion, version, schemaVersion)
}
