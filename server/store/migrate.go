package store

import (
	"bytes"
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
	3: wrapRecords,   // 4: every record in its envelope (record.go)
}

// wrapRecords puts every record of the record buckets, bare JSON until
// schema 3, in its envelope. bbolt forbids changing a bucket while
// ForEach runs: the records are read a batch at a time with a cursor and
// rewritten after it.
func wrapRecords(tx *bolt.Tx) error {
	const batch = 1024
	for _, name := range recordBuckets {
		b := tx.Bucket(name)
		var from []byte
		for {
			var keys, vals [][]byte
			c := b.Cursor()
			k, v := c.First()
			if from != nil {
				if k, v = c.Seek(from); k != nil && bytes.Equal(k, from) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(keys) < batch; k, v = c.Next() {
				if v == nil {
					return fmt.Errorf("%s/%x: a nested bucket where a record should be", name, k)
				}
				if !json.Valid(v) {
					// Not sealed with a fresh checksum: the damage would pass
					// every later check.
					return fmt.Errorf("%w: %s/%s: the record is not JSON / 记录不是 JSON; the file was not upgraded: "+
						"run powerregd check --data-dir DIR to list the damage, and restore the data dir from a backup "+
						"(powerregd restore) / 数据文件未升级：请运行 powerregd check --data-dir 目录 查看损坏之处，并从备份恢复（powerregd restore）",
						ErrDamaged, name, keyText(name, k))
				}
				keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(v))
			}
			if len(keys) == 0 {
				break
			}
			for i, k := range keys {
				if err := b.Put(k, EncodeRecord(k, vals[i])); err != nil {
					return err
				}
			}
			from = keys[len(keys)-1]
		}
	}
	return nil
}

// countStates fills item_states from the items.
func countStates(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(bItemStates); err != nil {
		return err
	}
	if _, err := tx.CreateBucket(bItemStates); err != nil {
		return err
	}
	t := &txn{tx: tx}
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
