package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/registry"
)

// The change feed (server/registry/changes.go): bucket changes and meta
// key changes_floor (schema.go).

func changeKey(rev int64, index uint32) []byte {
	return binary.BigEndian.AppendUint32(u64(uint64(rev)), index)
}

func (t *txn) PutChange(c *registry.CatalogChange) error {
	return t.put(bChanges, changeKey(c.Revision, c.Index), c)
}

func (t *txn) ScanChanges(rev int64, index uint32, fn func(*registry.CatalogChange) (bool, error)) error {
	return scan(t.b(bChanges).Cursor(), changeKey(rev, index), nil, false, t.changeDecoder, fn)
}

func (t *txn) LastChange() (*registry.CatalogChange, error) {
	k, v := t.b(bChanges).Cursor().Last()
	if v == nil {
		return nil, nil
	}
	return t.changeDecoder(k, v)
}

// changeDecoder loads a change with its entry's content, stored in the
// entry's revision.
func (t *txn) changeDecoder(k, v []byte) (*registry.CatalogChange, error) {
	c, err := load[registry.CatalogChange](t, bChanges, k, v)
	if err != nil {
		return nil, err
	}
	return c, t.withContent(bChanges, k, &c.Entry)
}

func (t *txn) DeleteChangesBefore(rev int64) (int, int64, error) {
	n, newest := 0, int64(0)
	c := t.b(bChanges).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.First() {
		r := int64(binary.BigEndian.Uint64(k))
		if r >= rev {
			break
		}
		if err := c.Delete(); err != nil {
			return 0, 0, err
		}
		n, newest = n+1, r
	}
	return n, newest, nil
}

func (t *txn) ChangesFloor() (int64, error) { return metaInt(t.b(bMeta), kChangesFloor) }

func (t *txn) SetChangesFloor(rev int64) error {
	return t.b(bMeta).Put(kChangesFloor, u64(uint64(rev)))
}

// metaInt reads a u64 of the meta bucket, 0 when absent.
func metaInt(meta *bolt.Bucket, key []byte) (int64, error) {
	v := meta.Get(key)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("meta %s: malformed value %x", key, v)
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// addChangeFeed is migration 1 → 2, the change feed: the publications of
// an older file were never recorded as changes, so the feed starts above
// them, with its floor at the file's revision (readers start from the
// catalogue, as after a compaction).
func addChangeFeed(tx *bolt.Tx) error {
	if k, _ := tx.Bucket(bPublications).Cursor().First(); k == nil {
		return nil // nothing was ever published: the feed is whole
	}
	meta := tx.Bucket(bMeta)
	rev, err := metaInt(meta, kRevision)
	if err != nil {
		return err
	}
	return meta.Put(kChangesFloor, u64(uint64(rev)))
}
