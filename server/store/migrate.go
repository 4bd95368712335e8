package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migrations[v] upgrades a file from schema version v to v+1, inside the
// opening transaction, after every bucket of the current layout was
// created. Version 1 is the first layout. Each new migration comes with a
// test that opens a file of the old layout.
var migrations = map[uint64]func(tx *bolt.Tx) error{
	1: addChangeFeed, // 2: the change feed (changes.go)
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
