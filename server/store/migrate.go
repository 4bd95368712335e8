package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/audit"
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
	4: threeStates,   // 5: 是否收费 and 是否审核转报 three-state (registry.YesNo)
	5: toRecords,     // 6: records as protobuf (records.go), each content stored once
}

// migrationNotes says in both languages what each migration changed that a
// reader of the data can see, for the log line of an upgrade.
var migrationNotes = map[uint64][2]string{
	1: {"新增变更流", "the change feed added"},
	2: {"按状态计数事项", "items counted per state"},
	3: {"每条记录加校验和", "every record checksummed"},
	4: {"是否收费、是否审核转报改为三态：原先的“否”若无收费依据和标准则改为未填写，有则保留为否",
		"是否收费 and 是否审核转报 are three-state: an old false is now not stated, except a fee with a basis or standard, which stays no"},
	5: {"记录改为紧凑的二进制格式，每份发布内容只存一份", "records in a compact binary format, each published content stored once"},
}

// upgradeNotes joins the notes of the migrations from version from.
func upgradeNotes(from uint64) (zh, en string) {
	var zhs, ens []string
	for v := from; v < schemaVersion; v++ {
		zhs, ens = append(zhs, migrationNotes[v][0]), append(ens, migrationNotes[v][1])
	}
	return strings.Join(zhs, "；"), strings.Join(ens, "; ")
}

// threeStates turns the yes/no fields of every stored content, written when
// they were plain bools (false, the default, was left out of the JSON), into
// three-state answers (registry.YesNo): nobody could say "no" apart from
// "not entered", so a false is unknown, except a fee with a basis or a
// standard, whose false was said with them and stays no. A true stays yes.
// Contents are stored in revisions, catalogue entries and the change feed.
func threeStates(tx *bolt.Tx) error {
	if err := rewriteContents(tx, bRevisions, func(r *registry.Revision) *registry.Content { return &r.Content }); err != nil {
		return err
	}
	if err := rewriteContents(tx, bCatalog, func(e *registry.CatalogEntry) *registry.Content { return &e.Content }); err != nil {
		return err
	}
	return rewriteContents(tx, bChanges, func(c *registry.CatalogChange) *registry.Content { return &c.Entry.Content })
}

// fromTwoStates applies threeStates' rule to one content written before
// schema 5 and reports whether it changed it. (The old JSON had no key
// for false: it reads as Unknown now; an explicit false, No, is treated the
// same.)
func fromTwoStates(c *registry.Content) bool {
	fee, forward := c.Fee, c.ReviewAndForward
	if c.ReviewAndForward == registry.No {
		c.ReviewAndForward = registry.Unknown
	}
	said := c.Fee.Basis != "" || c.Fee.Standard != ""
	switch {
	case c.Fee.Charged == registry.Unknown && said:
		c.Fee.Charged = registry.No
	case c.Fee.Charged == registry.No && !said:
		c.Fee.Charged = registry.Unknown
	}
	return c.Fee != fee || c.ReviewAndForward != forward
}

// rewriteContents applies fromTwoStates to the content of every record of
// bucket (records of type T) and writes back, in a fresh envelope, those it
// changed; the others keep their bytes. A record that fails its checksum
// is left as it is (not sealed with a fresh checksum, which would hide the
// damage): reads and powerregd check go on reporting it. A record with a
// good checksum that does not decode stops the migration.
func rewriteContents[T any](tx *bolt.Tx, name []byte, content func(*T) *registry.Content) error {
	return rewriteBucket(tx.Bucket(name), func(k, v []byte) ([]byte, error) {
		payload, err := DecodeRecord(k, v)
		if err != nil {
			return nil, nil
		}
		rec := new(T)
		if err := json.Unmarshal(payload, rec); err != nil {
			return nil, notUpgraded(name, k, "记录无法解析", "the record does not decode: "+err.Error())
		}
		if !fromTwoStates(content(rec)) {
			return nil, nil
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		return EncodeRecord(k, data), nil
	})
}

// toRecords rewrites every record of the record buckets from the JSON of
// the domain types (format 1) into the store's protobuf records (format 2,
// records.go). A catalogue entry and a change keep no content of their
// own: theirs is their revision's, which must hold the same content, else
// the migration refuses (dropping the copy would lose it). A record that
// fails its checksum keeps its bytes: reads and check go on reporting it.
func toRecords(tx *bolt.Tx) error {
	old := &txn{tx: tx, json: true}
	sameAsRevision := func(bucket, k []byte, e *registry.CatalogEntry) error {
		r, err := getT[registry.Revision](old, bRevisions, revKey(e.Item, e.Revision))
		if err != nil {
			return err
		}
		if r == nil || !sameJSON(r.Content, e.Content) {
			return notUpgraded(bucket, k, fmt.Sprintf("内容与事项 %d 第 %d 版不符", e.Item, e.Revision),
				fmt.Sprintf("its content differs from revision %d of item %d", e.Revision, e.Item))
		}
		return nil
	}
	// Revisions last: the entries and changes are compared with them
	// while they are still JSON.
	for _, step := range []func() error{
		func() error { return reencode[registry.Department](old, bDepartments, nil) },
		func() error { return reencode[registry.Item](old, bItems, nil) },
		func() error { return reencode[registry.Submission](old, bSubmissions, nil) },
		func() error { return reencode[registry.Publication](old, bPublications, nil) },
		func() error { return reencode[registry.Event](old, bEvents, nil) },
		func() error {
			return reencode(old, bCatalog, func(k []byte, e *registry.CatalogEntry) error { return sameAsRevision(bCatalog, k, e) })
		},
		func() error {
			return reencode(old, bChanges, func(k []byte, c *registry.CatalogChange) error { return sameAsRevision(bChanges, k, &c.Entry) })
		},
		func() error { return reencode[registry.Token](old, bTokens, nil) },
		func() error { return reencode[audit.Record](old, bAudit, nil) },
		func() error { return reencode[registry.Revision](old, bRevisions, nil) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// notUpgraded is a migration's refusal of a record, saying what to do.
func notUpgraded(bucket, k []byte, zh, en string) error {
	return fmt.Errorf("%w: %s/%s: %s / %s; the file was not upgraded: "+
		"run powerregd check --data-dir DIR to list the damage, and restore the data dir from a backup "+
		"(powerregd restore) / 数据文件未升级：请运行 powerregd check --data-dir 目录 查看损坏之处，并从备份恢复（powerregd restore）",
		ErrDamaged, bucket, keyText(bucket, k), en, zh)
}

// reencode rewrites the JSON records of bucket (of type T) as protobuf
// records, after verify (when given) accepts each.
func reencode[T any](old *txn, name []byte, verify func(k []byte, rec *T) error) error {
	return rewriteBucket(old.tx.Bucket(name), func(k, v []byte) ([]byte, error) {
		if _, err := DecodeRecord(k, v); err != nil || v[0] != RecordJSON {
			return nil, nil // damaged: left for check to report
		}
		rec, err := load[T](old, name, k, v)
		if err != nil {
			return nil, notUpgraded(name, k, "记录无法解析", "the record does not decode: "+err.Error())
		}
		if verify != nil {
			if err := verify(k, rec); err != nil {
				return nil, err
			}
		}
		data, err := encodePayload(rec)
		if err != nil {
			return nil, err
		}
		return EncodeRecordAs(k, RecordProto, data), nil
	})
}

// rewriteBucket calls next on every record of b in key order and puts the
// values it returns (nil: the record stays as it is). bbolt forbids
// changing a bucket while a cursor walks it, so the records are read a
// batch at a time and written after each batch; next gets its own copy
// of the key.
func rewriteBucket(b *bolt.Bucket, next func(k, v []byte) ([]byte, error)) error {
	const batch = 1024
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
		n := 0
		for ; k != nil && n < batch; k, v = c.Next() {
			n++
			from = bytes.Clone(k)
			nv, err := next(from, v)
			if err != nil {
				return err
			}
			if nv != nil {
				keys, vals = append(keys, from), append(vals, nv)
			}
		}
		if n == 0 {
			return nil
		}
		for i, k := range keys {
			if err := b.Put(k, vals[i]); err != nil {
				return err
			}
		}
	}
}

// wrapRecords puts every record of the record buckets, bare JSON until
// schema 3, in its envelope.
func wrapRecords(tx *bolt.Tx) error {
	for _, name := range recordBuckets {
		err := rewriteBucket(tx.Bucket(name), func(k, v []byte) ([]byte, error) {
			if v == nil {
				return nil, notUpgraded(name, k, "此处应为记录，却是一个嵌套的桶", "a nested bucket where a record should be")
			}
			if !json.Valid(v) {
				// Not sealed with a fresh checksum: the damage would pass
				// every later check.
				return nil, notUpgraded(name, k, "记录不是 JSON", "the record is not JSON")
			}
			return EncodeRecord(k, v), nil
		})
		if err != nil {
			return err
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
