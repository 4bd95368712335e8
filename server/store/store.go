// Package store keeps the registry in one bbolt file (layout in schema.go)
// and implements registry.Store.
package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/registry"
)

// FileName is the name of the bbolt file in a data dir.
const FileName = "powerreg.db"

// ErrLocked means another process has the data dir open.
var ErrLocked = errors.New("data dir is in use by another powerregd process / 数据目录正被另一个 powerregd 进程使用")

// DB is the bbolt-backed registry store.
type DB struct {
	bolt *bolt.DB
	// Records read that failed their checksum (record.go), and the first
	// of them: readiness and metrics report them.
	damaged     atomic.Uint64
	firstDamage atomic.Pointer[string]
	// upgradedFrom is the schema version the opening migrated the file
	// from; 0 when it was current (or new).
	upgradedFrom uint64
}

// Open opens the store in dir, creating it when dir holds no data file.
// An existing file must be a powerreg data file that passes Validate: a
// 0-byte, foreign, truncated or damaged file is refused (ErrNotStore,
// ErrDamaged), never taken for a new registry. A second process on the same
// dir fails within a second with ErrLocked instead of waiting.
func Open(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dir, FileName)
	created := false
	switch err := Validate(path); {
	case errors.Is(err, ErrMetaFallback):
		slog.Warn(err.Error())
	case errors.Is(err, os.ErrNotExist):
		created = true
	case err != nil:
		return nil, err
	}
	db, err := openBolt(path)
	if err != nil && created && !errors.Is(err, ErrLocked) {
		// A new registry that could not be made (a full disk) leaves no
		// file: a part of one would be refused as damaged at every later
		// start. (Locked: another process made it.)
		os.Remove(path)
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		err = fmt.Errorf("%w\n磁盘已满（或超出磁盘配额）：打开数据文件（新建，或升级数据版本）需要更多空间，数据文件未改动；请释放磁盘空间后重新运行 / "+
			"the disk is full (or over its quota): opening the data file (making it, or upgrading its schema) needs more space, "+
			"and the file was not changed; free disk space and run again", err)
	}
	if err == nil && db.upgradedFrom != 0 {
		// Said once: older binaries refuse the file from now on.
		zh, en := upgradeNotes(db.upgradedFrom)
		slog.Info(fmt.Sprintf("数据文件 %s 已从数据版本 %d 升级到 %d（%s） / the data file %s was upgraded from schema version %d to %d (%s)",
			path, db.upgradedFrom, schemaVersion, zh, path, db.upgradedFrom, schemaVersion, en))
	}
	return db, err
}

// openBolt opens the data file at path with bbolt and readies it (init).
func openBolt(path string) (*DB, error) {
	db := &DB{}
	var b *bolt.DB
	var err error
	// bbolt reads its freelist at open, and the first transaction the
	// root: a damaged page there is refused, not a crash. (A nil DB: a
	// store that is not open has no damage to count.)
	if gerr := (*DB)(nil).guard(func() error {
		if b, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second}); err != nil {
			return nil
		}
		db.bolt = b
		return db.init()
	}); gerr != nil {
		if b != nil {
			b.Close()
		}
		return nil, fmt.Errorf("%s: %w", path, gerr)
	}
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// Close closes the file.
func (db *DB) Close() error { return db.bolt.Close() }

// init creates the buckets of a new file and runs the migrations of an old
// one. A file with buckets must hold the meta bucket and a schema version:
// another program's bbolt file is not turned into a registry. (A file
// with no bucket at all holds nothing: new, or a start that stopped
// between bbolt creating the file and the first transaction.)
func (db *DB) init() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		version := uint64(schemaVersion)
		if meta := tx.Bucket(bMeta); meta != nil {
			v := meta.Get(kSchema)
			if len(v) != 8 {
				return fmt.Errorf("%w: no schema version / 没有数据版本号", ErrNotStore)
			}
			version = binary.BigEndian.Uint64(v)
		} else if k, _ := tx.Cursor().First(); k != nil {
			return fmt.Errorf("%w: no %s bucket / 没有 %s 桶", ErrNotStore, bMeta, bMeta)
		}
		meta, err := tx.CreateBucketIfNotExists(bMeta)
		if err != nil {
			return err
		}
		if version > schemaVersion {
			return newerSchema(version)
		}
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if err := migrate(tx, version); err != nil {
			return err
		}
		if version < schemaVersion {
			db.upgradedFrom = version
		}
		if meta.Get(kRevision) == nil && meta.Get(kCatalogRevision) == nil {
			// No mutation yet: the catalogue is empty at revision 0.
			if err := meta.Put(kCatalogRevision, u64(0)); err != nil {
				return err
			}
		}
		return meta.Put(kSchema, u64(schemaVersion))
	})
}

// View implements registry.Store.
func (db *DB) View(fn func(registry.Tx) error) error {
	return db.guard(func() error {
		return db.bolt.View(func(tx *bolt.Tx) error { return db.run(tx, fn) })
	})
}

// Update implements registry.Store. bbolt rolls the transaction back when
// guard stops a panic.
func (db *DB) Update(fn func(registry.Tx) error) error {
	return db.guard(func() error {
		return db.bolt.Update(func(tx *bolt.Tx) error { return db.run(tx, fn) })
	})
}

// run runs fn in tx. A DATA_LOSS error the registry found itself (a
// record another one refers to is missing: a damaged page lost it) is
// counted as damage, as a record that fails its checksum is in open.
func (db *DB) run(tx *bolt.Tx, fn func(registry.Tx) error) error {
	t := &txn{tx: tx, db: db}
	err := fn(t)
	var e *registry.Error
	if err != nil && !t.counted && errors.As(err, &e) && e.Class == registry.ClassDataLoss {
		db.countDamage(e.Metadata["record"])
	}
	return err
}

func (db *DB) countDamage(record string) {
	db.firstDamage.CompareAndSwap(nil, &record)
	db.damaged.Add(1)
}

// Damaged reports how many records read so far failed their checksum
// (each read counts) and names the first one (bucket/key): /readyz and
// the metrics report them.
func (db *DB) Damaged() (uint64, string) {
	first := ""
	if p := db.firstDamage.Load(); p != nil {
		first = *p
	}
	return db.damaged.Load(), first
}

type txn struct {
	tx *bolt.Tx
	db *DB // nil in Check, which reports damage itself
	// counted: a damaged record was read and counted (open).
	counted bool
	// legacy: the records are bare JSON, without the envelope (a file of
	// schema 3 or older, read by Check before any migration).
	legacy bool
	// json: the records are the JSON of the domain types, each catalogue
	// entry and change holding its content (a file of schema 5 or older,
	// read by Check or a migration).
	json bool
}

// open returns the payload of the record v of bucket under key, verified
// against its envelope's checksum; a damaged record is a DATA_LOSS error
// and is counted.
func (t *txn) open(bucket, key, v []byte) ([]byte, error) {
	if t.legacy {
		return v, nil
	}
	payload, err := DecodeRecord(key, v)
	if err == nil && v[0] != t.format() {
		err = &damage{fmt.Sprintf("记录格式版本 %d 不是本数据版本的 %d", v[0], t.format()),
			fmt.Sprintf("record format version %d is not this schema's %d", v[0], t.format())}
	}
	if err != nil {
		if t.db != nil {
			t.db.countDamage(string(bucket) + "/" + keyText(bucket, key))
			t.counted = true
		}
		return nil, dataLoss(bucket, key, err)
	}
	return payload, nil
}

// format is the envelope's format version of the file's records.
func (t *txn) format() byte {
	if t.json {
		return RecordJSON
	}
	return RecordProto
}

// load verifies and decodes the record v of bucket under key. A catalogue
// entry or change comes without its content (see withContent).
func load[T any](t *txn, bucket, key, v []byte) (*T, error) {
	payload, err := t.open(bucket, key, v)
	if err != nil {
		return nil, err
	}
	var rec *T
	if t.json {
		rec = new(T)
		err = json.Unmarshal(payload, rec)
	} else {
		rec, err = decodePayload[T](payload)
	}
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", bucket, keyText(bucket, key), err)
	}
	return rec, nil
}

// withContent gives a catalogue entry read from its record the content of
// the revision it refers to, where the content is stored (records.go). A
// missing revision is data lost.
func (t *txn) withContent(bucket, key []byte, e *registry.CatalogEntry) error {
	if t.json {
		return nil // the content is in the record
	}
	r, err := t.GetRevision(e.Item, e.Revision)
	if err != nil {
		return err
	}
	if r == nil {
		// Named as the registry names a missing record that another refers to.
		referrer := string(bucket) + "/" + keyText(bucket, key)
		return registry.DataLoss(fmt.Sprintf("%s/%d/%d", bRevisions, e.Item, e.Revision),
			"记录缺失："+referrer+" 的内容在这一版中", "the record is missing: it holds the content of "+referrer)
	}
	e.Content = r.Content
	return nil
}

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func deptKey(dept string, rest []byte) []byte { return join([]byte(dept), []byte{0}, rest) }

func (t *txn) b(name []byte) *bolt.Bucket {
	b := t.tx.Bucket(name)
	if b != nil && t.tx.Writable() && appendOnly(name) {
		// New keys mostly come last and records never change: a page
		// split leaves the page full instead of half empty (bbolt's
		// default), which halves these buckets on disk.
		b.FillPercent = 1.0
	}
	return b
}

// appendOnly reports whether bucket name's records are written once, with
// keys that mostly grow: revisions (item, number: an older item's new
// revision goes in between), the change feed (revision, index),
// publications and the audit trail (sequences).
func appendOnly(name []byte) bool {
	switch string(name) {
	case string(bRevisions), string(bChanges), string(bPublications), string(bAudit):
		return true
	}
	return false
}

func (t *txn) put(bucket, key []byte, v any) error {
	data, err := encodePayload(v)
	if err != nil {
		return err
	}
	return t.b(bucket).Put(key, EncodeRecordAs(key, RecordProto, data))
}

// getT reads one record, nil when absent.
func getT[T any](t *txn, bucket, key []byte) (*T, error) {
	data := t.b(bucket).Get(key)
	if data == nil {
		return nil, nil
	}
	return load[T](t, bucket, key, data)
}

// scan visits the records of bucket from start in the given direction
// while their keys have prefix; load turns a key and value into a record.
func scan[T any](c *bolt.Cursor, start, prefix []byte, reverse bool, load func(k, v []byte) (*T, error),
	fn func(*T) (bool, error)) error {
	var k, v []byte
	if reverse {
		k, v = c.Seek(start)
		if k == nil {
			k, v = c.Last()
		}
		if k != nil && bytes.Compare(k, start) >= 0 {
			k, v = c.Prev()
		}
	} else {
		k, v = c.Seek(start)
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = step(c, reverse) {
		rec, err := load(k, v)
		if err != nil {
			return err
		}
		if rec == nil {
			continue
		}
		more, err := fn(rec)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

func step(c *bolt.Cursor, reverse bool) ([]byte, []byte) {
	if reverse {
		return c.Prev()
	}
	return c.Next()
}

// decoder returns a scan's load function for the records of bucket.
func decoder[T any](t *txn, bucket []byte) func(k, v []byte) (*T, error) {
	return func(k, v []byte) (*T, error) { return load[T](t, bucket, k, v) }
}

func (t *txn) counter(bucket, key []byte) (uint64, error) {
	b := t.b(bucket)
	var n uint64
	if v := b.Get(key); v != nil {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	return n, b.Put(key, u64(n))
}

func (t *txn) NextRevision() (int64, error) {
	n, err := t.counter(bMeta, kRevision)
	return int64(n), err
}

// CatalogRevision implements registry.Tx. A file written before the key
// existed has no catalogue revision: the registry revision, which changes
// with every mutation, stands in for it until the next publication.
func (t *txn) CatalogRevision() (int64, error) {
	meta := t.b(bMeta)
	v := meta.Get(kCatalogRevision)
	if v == nil {
		v = meta.Get(kRevision)
	}
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("meta: malformed catalogue revision %x", v)
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

func (t *txn) SetCatalogRevision(rev int64) error {
	return t.b(bMeta).Put(kCatalogRevision, u64(uint64(rev)))
}

func (t *txn) NextSeq(name string) (uint64, error) { return t.counter(bCounters, []byte(name)) }

func (t *txn) GetDepartment(id string) (*registry.Department, error) {
	return getT[registry.Department](t, bDepartments, []byte(id))
}

func (t *txn) PutDepartment(d *registry.Department) error {
	return t.put(bDepartments, []byte(d.ID), d)
}

func (t *txn) ScanDepartments(after string, fn func(*registry.Department) (bool, error)) error {
	start := []byte(after)
	if after != "" {
		start = append(start, 0) // the first id after `after`
	}
	return scan(t.b(bDepartments).Cursor(), start, nil, false, decoder[registry.Department](t, bDepartments), fn)
}

func (t *txn) GetItem(id uint64) (*registry.Item, error) {
	return getT[registry.Item](t, bItems, u64(id))
}

func (t *txn) PutItem(it *registry.Item) error {
	if err := t.b(bItemsByDept).Put(deptKey(it.Department, u64(it.ID)), nil); err != nil {
		return err
	}
	if err := t.moveState(u64(it.ID), it.State); err != nil {
		return err
	}
	return t.put(bItems, u64(it.ID), it)
}

func (t *txn) DeleteItem(it *registry.Item) error {
	if err := t.b(bItemsByDept).Delete(deptKey(it.Department, u64(it.ID))); err != nil {
		return err
	}
	if err := t.moveState(u64(it.ID), 0); err != nil {
		return err
	}
	return t.b(bItems).Delete(u64(it.ID))
}

// moveState keeps item_states as the stored item under key moves to state
// to (0: deleted).
func (t *txn) moveState(key []byte, to registry.ItemState) error {
	var from registry.ItemState
	if old := t.b(bItems).Get(key); old != nil {
		it, err := load[registry.Item](t, bItems, key, old)
		if err != nil {
			return err
		}
		from = it.State
	}
	if from == to {
		return nil
	}
	if from != 0 {
		if err := t.addState(from, -1); err != nil {
			return err
		}
	}
	if to != 0 {
		return t.addState(to, 1)
	}
	return nil
}

func stateKey(s registry.ItemState) []byte { return []byte{byte(s)} }

func (t *txn) addState(s registry.ItemState, delta int64) error {
	b := t.b(bItemStates)
	var n int64
	if v := b.Get(stateKey(s)); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	return b.Put(stateKey(s), u64(uint64(max(0, n+delta))))
}

// ItemStates implements registry.Tx.
func (t *txn) ItemStates() (map[registry.ItemState]int, error) {
	out := map[registry.ItemState]int{}
	err := t.b(bItemStates).ForEach(func(k, v []byte) error {
		if len(k) != 1 || len(v) != 8 {
			return fmt.Errorf("item_states: a malformed entry %x → %x", k, v)
		}
		out[registry.ItemState(k[0])] = int(binary.BigEndian.Uint64(v))
		return nil
	})
	return out, err
}

func (t *txn) ScanItems(dept string, after uint64, fn func(*registry.Item) (bool, error)) error {
	if after == math.MaxUint64 {
		return nil // nothing comes after the largest id (after+1 would wrap to the first)
	}
	if dept == "" {
		return scan(t.b(bItems).Cursor(), u64(after+1), nil, false, decoder[registry.Item](t, bItems), fn)
	}
	prefix := deptKey(dept, nil)
	return scan(t.b(bItemsByDept).Cursor(), deptKey(dept, u64(after+1)), prefix, false, func(k, _ []byte) (*registry.Item, error) {
		return t.GetItem(binary.BigEndian.Uint64(k[len(prefix):]))
	}, fn)
}

func revKey(item uint64, n int) []byte { return binary.BigEndian.AppendUint32(u64(item), uint32(n)) }

func (t *txn) GetRevision(item uint64, n int) (*registry.Revision, error) {
	return getT[registry.Revision](t, bRevisions, revKey(item, n))
}

func (t *txn) PutRevision(r *registry.Revision) error {
	return t.put(bRevisions, revKey(r.Item, r.Number), r)
}

func (t *txn) DeleteRevisions(item uint64) error {
	c := t.b(bRevisions).Cursor()
	prefix := u64(item)
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) ItemByCode(code string) (uint64, error) {
	v := t.b(bCodes).Get([]byte(code))
	if v == nil {
		return 0, nil
	}
	return binary.BigEndian.Uint64(v), nil
}

func (t *txn) PutCode(code string, item uint64) error {
	return t.b(bCodes).Put([]byte(code), u64(item))
}

func (t *txn) DeleteCode(code string) error { return t.b(bCodes).Delete([]byte(code)) }

func (t *txn) GetSubmission(id uint64) (*registry.Submission, error) {
	return getT[registry.Submission](t, bSubmissions, u64(id))
}

func (t *txn) PutSubmission(s *registry.Submission) error {
	if err := t.b(bSubmissionsByDept).Put(deptKey(s.Department, u64(s.ID)), nil); err != nil {
		return err
	}
	return t.put(bSubmissions, u64(s.ID), s)
}

func (t *txn) DeleteSubmission(s *registry.Submission) error {
	if err := t.b(bSubmissionsByDept).Delete(deptKey(s.Department, u64(s.ID))); err != nil {
		return err
	}
	return t.b(bSubmissions).Delete(u64(s.ID))
}

// newestFirst turns a "below this id" cursor (0: from the newest) into a
// reverse-scan start key.
func newestFirst(before uint64) []byte {
	if before == 0 {
		return u64(^uint64(0))
	}
	return u64(before)
}

func (t *txn) ScanSubmissions(dept string, before uint64, fn func(*registry.Submission) (bool, error)) error {
	if dept == "" {
		return scan(t.b(bSubmissions).Cursor(), newestFirst(before), nil, true, decoder[registry.Submission](t, bSubmissions), fn)
	}
	prefix := deptKey(dept, nil)
	return scan(t.b(bSubmissionsByDept).Cursor(), deptKey(dept, newestFirst(before)), prefix, true,
		func(k, _ []byte) (*registry.Submission, error) {
			return t.GetSubmission(binary.BigEndian.Uint64(k[len(prefix):]))
		}, fn)
}

func (t *txn) GetPublication(id uint64) (*registry.Publication, error) {
	return getT[registry.Publication](t, bPublications, u64(id))
}

func (t *txn) PutPublication(p *registry.Publication) error {
	return t.put(bPublications, u64(p.ID), p)
}

func (t *txn) ScanPublications(before uint64, fn func(*registry.Publication) (bool, error)) error {
	return scan(t.b(bPublications).Cursor(), newestFirst(before), nil, true, decoder[registry.Publication](t, bPublications), fn)
}

func (t *txn) PutEvent(e *registry.Event) error {
	b := t.b(bEvents)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	return t.put(bEvents, join([]byte(e.Resource), []byte{0}, u64(uint64(e.Revision)), u64(seq)), e)
}

func (t *txn) ScanEvents(resource string, after int64, fn func(*registry.Event) (bool, error)) error {
	prefix := join([]byte(resource), []byte{0})
	return scan(t.b(bEvents).Cursor(), join(prefix, u64(uint64(after+1))), prefix, false, decoder[registry.Event](t, bEvents), fn)
}

func (t *txn) GetCatalogEntry(code string) (*registry.CatalogEntry, error) {
	e, err := getT[registry.CatalogEntry](t, bCatalog, []byte(code))
	if e == nil || err != nil {
		return nil, err
	}
	return e, t.withContent(bCatalog, []byte(code), e)
}

// catalogDecoder loads a catalogue record with its content.
func (t *txn) catalogDecoder(k, v []byte) (*registry.CatalogEntry, error) {
	e, err := load[registry.CatalogEntry](t, bCatalog, k, v)
	if err != nil {
		return nil, err
	}
	return e, t.withContent(bCatalog, k, e)
}

func catKey(c registry.Category, code string) []byte { return append([]byte{byte(c)}, code...) }

// PutCatalogEntry writes an entry and its indexes, moving them when the
// entry's category changed.
func (t *txn) PutCatalogEntry(e *registry.CatalogEntry) error {
	old, err := t.GetCatalogEntry(e.Code)
	if err != nil {
		return err
	}
	if old != nil {
		if err := t.DeleteCatalogEntry(old); err != nil {
			return err
		}
	}
	if err := t.b(bCatalogByCategory).Put(catKey(e.Content.Category, e.Code), nil); err != nil {
		return err
	}
	if err := t.b(bCatalogByDept).Put(deptKey(e.Department, []byte(e.Code)), nil); err != nil {
		return err
	}
	return t.put(bCatalog, []byte(e.Code), e)
}

func (t *txn) DeleteCatalogEntry(e *registry.CatalogEntry) error {
	old, err := t.GetCatalogEntry(e.Code)
	if err != nil || old == nil {
		return err
	}
	if err := t.b(bCatalogByCategory).Delete(catKey(old.Content.Category, old.Code)); err != nil {
		return err
	}
	if err := t.b(bCatalogByDept).Delete(deptKey(old.Department, []byte(old.Code))); err != nil {
		return err
	}
	return t.b(bCatalog).Delete([]byte(old.Code))
}

// ScanCatalog uses the department index when a department is given (and
// filters by category), else the category index, else the catalogue.
func (t *txn) ScanCatalog(cat registry.Category, dept string, after string, fn func(*registry.CatalogEntry) (bool, error)) error {
	from := func(prefix []byte) []byte {
		if after == "" {
			return prefix
		}
		return join(prefix, []byte(after), []byte{0})
	}
	byCode := func(prefix []byte) func(k, _ []byte) (*registry.CatalogEntry, error) {
		return func(k, _ []byte) (*registry.CatalogEntry, error) {
			e, err := t.GetCatalogEntry(string(k[len(prefix):]))
			if e == nil || err != nil || cat != 0 && e.Content.Category != cat {
				return nil, err
			}
			return e, nil
		}
	}
	switch {
	case dept != "":
		prefix := deptKey(dept, nil)
		return scan(t.b(bCatalogByDept).Cursor(), from(prefix), prefix, false, byCode(prefix), fn)
	case cat != 0:
		prefix := []byte{byte(cat)}
		return scan(t.b(bCatalogByCategory).Cursor(), from(prefix), prefix, false, byCode(prefix), fn)
	}
	return scan(t.b(bCatalog).Cursor(), from(nil), nil, false, t.catalogDecoder, fn)
}

func (t *txn) GetRequest(key string) (string, error) {
	return string(t.b(bRequests).Get([]byte(key))), nil
}

func (t *txn) PutRequest(key, name string) error {
	return t.b(bRequests).Put([]byte(key), []byte(name))
}

func (t *txn) GetToken(name string) (*registry.Token, error) {
	return getT[registry.Token](t, bTokens, []byte(name))
}

func (t *txn) PutToken(tok *registry.Token) error {
	if err := t.b(bTokenHashes).Put([]byte(tok.Hash), []byte(tok.Name)); err != nil {
		return err
	}
	return t.put(bTokens, []byte(tok.Name), tok)
}

func (t *txn) TokenByHash(hash string) (string, error) {
	return string(t.b(bTokenHashes).Get([]byte(hash))), nil
}

func (t *txn) ScanTokens(fn func(*registry.Token) (bool, error)) error {
	return scan(t.b(bTokens).Cursor(), nil, nil, false, decoder[registry.Token](t, bTokens), fn)
}

func (t *txn) LastAudit() (*audit.Record, error) {
	k, v := t.b(bAudit).Cursor().Last()
	if v == nil {
		return nil, nil
	}
	return decoder[audit.Record](t, bAudit)(k, v)
}

func (t *txn) PutAudit(r *audit.Record) error { return t.put(bAudit, u64(r.Seq), r) }

func (t *txn) ScanAudit(before uint64, fn func(*audit.Record) (bool, error)) error {
	return scan(t.b(bAudit).Cursor(), newestFirst(before), nil, true, decoder[audit.Record](t, bAudit), fn)
}
