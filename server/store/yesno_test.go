package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/registry"
)

// contentBuckets are the buckets whose records hold a content: revisions,
// catalogue entries and the change feed.
var contentBuckets = [][]byte{bRevisions, bCatalog, bChanges}

// contentOf decodes the content of a record of one of contentBuckets.
func contentOf(t *testing.T, bucket, payload []byte) registry.Content {
	t.Helper()
	var err error
	var c registry.Content
	switch string(bucket) {
	case string(bRevisions):
		var r registry.Revision
		err = json.Unmarshal(payload, &r)
		c = r.Content
	case string(bCatalog):
		var e registry.CatalogEntry
		err = json.Unmarshal(payload, &e)
		c = e.Content
	case string(bChanges):
		var ch registry.CatalogChange
		err = json.Unmarshal(payload, &ch)
		c = ch.Entry.Content
	}
	if err != nil {
		t.Fatalf("%s: %v", bucket, err)
	}
	return c
}

// toTwoStates writes the yes/no fields of every content as schema 4 and
// older did, when they were bools: no key for false (nor a fee that was
// only false). The tests of older migrations start from there too.
func toTwoStates(tx *bolt.Tx) error {
	if err := toJSONRecords(tx); err != nil {
		return err
	}
	for _, name := range contentBuckets {
		b := tx.Bucket(name)
		var keys, vals [][]byte
		b.ForEach(func(k, v []byte) error {
			p := mustDecode(k, v)
			old := bytes.ReplaceAll(p, []byte(`,"fee":{"charged":false}`), nil)
			old = bytes.ReplaceAll(old, []byte(`"charged":false,`), nil)
			old = bytes.ReplaceAll(old, []byte(`,"reviewAndForward":false`), nil)
			if !bytes.Equal(old, p) {
				keys, vals = append(keys, bytes.Clone(k)), append(vals, EncodeRecord(k, old))
			}
			return nil
		})
		for i, k := range keys {
			if err := b.Put(k, vals[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// headRevision finds the newest revision of the item named name; key and
// payload.
func headRevision(t *testing.T, tx *bolt.Tx, name string) ([]byte, []byte) {
	t.Helper()
	var key, val []byte
	tx.Bucket(bRevisions).ForEach(func(k, v []byte) error {
		p := mustDecode(k, v)
		if contentOf(t, bRevisions, p).DisplayName == name {
			key, val = bytes.Clone(k), bytes.Clone(p)
		}
		return nil
	})
	if key == nil {
		t.Fatalf("no revision of %s", name)
	}
	return key, val
}

// setContent replaces fields of the content of a revision's JSON payload,
// as raw JSON (null removes the key).
func setContent(t *testing.T, payload []byte, fields map[string]string) []byte {
	t.Helper()
	var r map[string]json.RawMessage
	var c map[string]json.RawMessage
	if err := json.Unmarshal(payload, &r); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(r["content"], &c); err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		if v == "null" {
			delete(c, k)
		} else {
			c[k] = json.RawMessage(v)
		}
	}
	r["content"], _ = json.Marshal(c)
	out, _ := json.Marshal(r)
	return out
}

// stored is a record as the file holds it.
type stored struct {
	bucket, key, val []byte
}

// payload is the record's JSON.
func (r stored) payload() []byte { return mustDecode(r.key, r.val) }

// snapshotRecords is every record of the content buckets and of items and
// submissions, by bucket/key.
func snapshotRecords(t *testing.T, dir string) map[string]stored {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	out := map[string]stored{}
	b.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bRevisions, bCatalog, bChanges, bItems, bSubmissions} {
			tx.Bucket(name).ForEach(func(k, v []byte) error {
				out[string(name)+"/"+keyText(name, k)] = stored{name, bytes.Clone(k), bytes.Clone(v)}
				return nil
			})
		}
		return nil
	})
	return out
}

// TestMigrateYesNo: a schema-4 file, whose 是否收费 and 是否审核转报 were
// bools (false: no key), gets three-state answers: a false is unknown,
// except a fee with a basis or a standard, which says no; a true stays
// yes. In revisions, the catalogue and the change feed alike; the records
// it does not change keep their bytes; check is clean.
func TestMigrateYesNo(t *testing.T) {
	dir := demoDir(t)
	var standardOnly, explicitFalse string // injected revisions, by bucket/key
	corrupt(t, dir, func(tx *bolt.Tx) error {
		if err := toTwoStates(tx); err != nil {
			return err
		}
		// Two drafts, as no old powerregd wrote them but as the old model
		// meant them: a fee with only a standard (a false said with it),
		// and explicit falses with nothing else (never entered).
		k, p := headRevision(t, tx, "不动产统一登记")
		standardOnly = "revisions/" + keyText(bRevisions, k)
		if err := tx.Bucket(bRevisions).Put(k, EncodeRecord(k, setContent(t, p, map[string]string{
			"fee": `{"standard":"每件80元"}`, "reviewAndForward": "null"}))); err != nil {
			return err
		}
		k, p = headRevision(t, tx, "律师事务所年度检查考核")
		explicitFalse = "revisions/" + keyText(bRevisions, k)
		if err := tx.Bucket(bRevisions).Put(k, EncodeRecord(k, setContent(t, p, map[string]string{
			"fee": `{"charged":false}`, "reviewAndForward": "false"}))); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(4))
	})
	if r := mustCheck(t, filepath.Join(dir, FileName)); r.SchemaVersion != 4 || len(r.Problems) > 0 {
		t.Fatalf("the schema-4 file: version %d, problems %v", r.SchemaVersion, r.Problems)
	}
	before := snapshotRecords(t, dir)
	for k, r := range before {
		if bytes.Contains(r.payload(), []byte(`"charged":false,"basis"`)) {
			t.Fatalf("%s: the schema-4 file has an explicit no: %s", k, r.payload())
		}
	}

	// The upgrade says so once, in the log, with what changed. (Open takes
	// the file on to the current schema: a copy of it. The records are
	// looked at as migration 4 → 5 leaves them.)
	whole := t.TempDir()
	copyFile(t, filepath.Join(dir, FileName), filepath.Join(whole, FileName))
	var log bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, nil)))
	open(t, whole).Close()
	if v := getSchema(t, whole); v != schemaVersion {
		t.Fatalf("schema %d after the migration", v)
	}
	if l := log.String(); strings.Count(l, fmt.Sprintf("upgraded from schema version 4 to %d", schemaVersion)) != 1 ||
		!strings.Contains(l, fmt.Sprintf("已从数据版本 4 升级到 %d", schemaVersion)) ||
		!strings.Contains(l, "an old false is now not stated") {
		t.Errorf("the upgrade's log: %s", l)
	}
	migrateTo(t, dir, 5)
	after := snapshotRecords(t, dir)

	// What each record says now, by item.
	type answer struct {
		charged, forward registry.YesNo
		fee              registry.Fee
	}
	got := map[string]map[string][]answer{} // item name → bucket → answers
	changed := map[string]bool{}
	for key, r := range after {
		if !bytes.Equal(r.val, before[key].val) {
			changed[key] = true
		}
		if bytes.Equal(r.bucket, bItems) || bytes.Equal(r.bucket, bSubmissions) {
			continue
		}
		c := contentOf(t, r.bucket, r.payload())
		if got[c.DisplayName] == nil {
			got[c.DisplayName] = map[string][]answer{}
		}
		got[c.DisplayName][string(r.bucket)] = append(got[c.DisplayName][string(r.bucket)],
			answer{c.Fee.Charged, c.ReviewAndForward, c.Fee})
	}

	// Every record of each item, in all three buckets where it is published.
	expect := func(name string, buckets int, charged, forward registry.YesNo) {
		t.Helper()
		if len(got[name]) != buckets {
			t.Errorf("%s: records in %d buckets, want %d", name, len(got[name]), buckets)
		}
		for bucket, list := range got[name] {
			for _, a := range list {
				if a.charged != charged || a.forward != forward {
					t.Errorf("%s in %s: charged %d, review and forward %d; want %d, %d",
						name, bucket, a.charged, a.forward, charged, forward)
				}
			}
		}
	}
	expect("法律援助申请审查", 3, registry.No, registry.Unknown)       // a false with a basis
	expect("采矿权新立、延续、变更登记", 3, registry.Yes, registry.Unknown) // a true
	expect("律师事务所设立审核", 3, registry.Unknown, registry.Yes)     // a true
	expect("建设用地审批", 3, registry.Unknown, registry.Unknown)    // never entered
	if a := got["法律援助申请审查"][string(bCatalog)]; len(a) != 1 || a[0].fee.Basis != "《法律援助条例》第三条" {
		t.Errorf("the fee's basis: %+v", a)
	}
	draft := contentOf(t, bRevisions, after[standardOnly].payload())
	explicit := contentOf(t, bRevisions, after[explicitFalse].payload())
	if draft.Fee != (registry.Fee{Charged: registry.No, Standard: "每件80元"}) || draft.ReviewAndForward != registry.Unknown {
		t.Errorf("a fee with only a standard: %+v, review and forward %d", draft.Fee, draft.ReviewAndForward)
	}
	if explicit.Fee != (registry.Fee{}) || explicit.ReviewAndForward != registry.Unknown {
		t.Errorf("explicit falses: %+v, review and forward %d", explicit.Fee, explicit.ReviewAndForward)
	}
	if p := string(after[explicitFalse].payload()); strings.Contains(p, `"fee"`) || strings.Contains(p, "reviewAndForward") {
		t.Errorf("unknown answers are stored without a key: %s", p)
	}

	// Exactly the records whose answers changed were rewritten: the 法律援助
	// records (a no written out) and the two injected drafts.
	for key := range changed {
		p := string(after[key].payload())
		if key != standardOnly && key != explicitFalse && !strings.Contains(p, "法律援助申请审查") {
			t.Errorf("%s was rewritten: %s", key, p)
		}
	}
	if n := len(changed); n != 2+len(got["法律援助申请审查"][string(bRevisions)])+1+len(got["法律援助申请审查"][string(bChanges)]) {
		t.Errorf("%d records rewritten", n)
	}
	if r := mustCheck(t, filepath.Join(dir, FileName)); r.SchemaVersion != 5 || len(r.Problems) > 0 {
		t.Errorf("after the migration: version %d, problems %v", r.SchemaVersion, r.Problems)
	}
	if r := mustCheck(t, filepath.Join(whole, FileName)); r.SchemaVersion != schemaVersion || len(r.Problems) > 0 {
		t.Errorf("after the migrations: version %d, problems %v", r.SchemaVersion, r.Problems)
	}

	// Opening the migrated file again changes nothing: the migration runs
	// once, in the transaction that sets the schema version.
	upgraded := snapshotRecords(t, whole)
	log.Reset()
	open(t, whole).Close()
	if strings.Contains(log.String(), "upgraded") {
		t.Errorf("a second opening logs an upgrade: %s", log.String())
	}
	for key, r := range snapshotRecords(t, whole) {
		if !bytes.Equal(r.val, upgraded[key].val) {
			t.Errorf("%s changed at the second opening", key)
		}
	}
}

// migrateTo runs the migrations of the file in dir up to schema version
// to, as Open runs them, and stops there: a test of one migration looks
// at the file it leaves.
func migrateTo(t *testing.T, dir string, to uint64) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		for v := binary.BigEndian.Uint64(meta.Get(kSchema)); v < to; v++ {
			if err := migrations[v](tx); err != nil {
				return err
			}
		}
		return meta.Put(kSchema, u64(to))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateYesNoDamage: a record whose checksum fails is left as it is
// (not sealed with a fresh checksum, which would hide the damage), and
// check still names it; a record with a good checksum that does not decode
// stops the migration, naming it, and the file stays at schema 4,
// unchanged.
func TestMigrateYesNoDamage(t *testing.T) {
	dir := demoDir(t)
	var damaged string
	var bad []byte
	corrupt(t, dir, func(tx *bolt.Tx) error {
		if err := toTwoStates(tx); err != nil {
			return err
		}
		// A draft's revision that the migration would change (a fee with a
		// basis and no charged), with a flipped bit in its checksum.
		k, p := headRevision(t, tx, "不动产统一登记")
		damaged = "revisions/" + keyText(bRevisions, k)
		bad = EncodeRecord(k, setContent(t, p, map[string]string{"fee": `{"basis":"《收费办法》"}`}))
		bad[1] ^= 0x01
		if err := tx.Bucket(bRevisions).Put(k, bad); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(4))
	})
	open(t, dir).Close()
	after := snapshotRecords(t, dir)
	if !bytes.Equal(after[damaged].val, bad) {
		t.Errorf("the damaged record was rewritten")
	}
	r := mustCheck(t, filepath.Join(dir, FileName))
	if r.SchemaVersion != schemaVersion || len(r.Problems) != 1 || !strings.Contains(r.Problems[0].String(), strings.Replace(damaged, "/", " ", 1)) {
		t.Errorf("check after the migration: version %d, problems %v; want only %s", r.SchemaVersion, r.Problems, damaged)
	}

	dir = demoDir(t)
	var broken string
	corrupt(t, dir, func(tx *bolt.Tx) error {
		if err := toTwoStates(tx); err != nil {
			return err
		}
		k, p := headRevision(t, tx, "律师事务所年度检查考核")
		broken = "revisions/" + keyText(bRevisions, k)
		if err := tx.Bucket(bRevisions).Put(k, EncodeRecord(k, setContent(t, p, map[string]string{"fee": `{"charged":"否"}`}))); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(4))
	})
	before := snapshotRecords(t, dir)
	db, err := Open(dir)
	if err == nil {
		db.Close()
		t.Fatal("a schema-4 file with an undecodable record was migrated")
	}
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), broken) || !strings.Contains(err.Error(), "was not upgraded") ||
		!strings.Contains(err.Error(), "从备份恢复") {
		t.Errorf("the refusal: %v", err)
	}
	if v := getSchema(t, dir); v != 4 {
		t.Errorf("a refused migration left schema %d", v)
	}
	for key, r := range snapshotRecords(t, dir) {
		if !bytes.Equal(r.val, before[key].val) {
			t.Errorf("%s changed by a refused migration", key)
		}
	}
}
