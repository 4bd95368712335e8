package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/registry"
)

// TestRecordEnvelope: a record decodes under its own key; too short, an
// unknown format version, a flipped bit and another key are each refused
// as damaged, saying how.
func TestRecordEnvelope(t *testing.T) {
	key, payload := u64(12), []byte(`{"id":12,"department":"gtzyj"}`)
	rec := EncodeRecord(key, payload)
	if got, err := DecodeRecord(key, rec); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("DecodeRecord of a good record: %q, %v", got, err)
	}
	if rec[0] != RecordJSON || len(rec) != len(payload)+recordHeader {
		t.Errorf("envelope %x", rec[:recordHeader])
	}
	flip := func(i int) []byte { b := bytes.Clone(rec); b[i] ^= 0x01; return b }
	for _, c := range []struct {
		name string
		key  []byte
		v    []byte
		want string
	}{
		{"empty", key, nil, "0 bytes, shorter than the envelope's 5"},
		{"short", key, rec[:4], "4 bytes, shorter than the envelope's 5"},
		{"bare JSON (schema 3)", key, payload, "unknown record format version 123"},
		{"newer format version", key, append([]byte{3}, rec[1:]...), "unknown record format version 3"},
		{"a bit of the payload", key, flip(recordHeader + 8), "checksum mismatch"},
		{"a bit of the checksum", key, flip(2), "checksum mismatch"},
		{"another key", u64(13), rec, "checksum mismatch"},
		{"header only, checksum of another payload", key, rec[:recordHeader], "checksum mismatch"},
	} {
		_, err := DecodeRecord(c.key, c.v)
		if !errors.Is(err, ErrRecordDamaged) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrRecordDamaged saying %q", c.name, err, c.want)
		}
	}
}

// FuzzDecodeRecord: whatever the bytes, DecodeRecord returns the payload
// of a record that EncodeRecord would write again identically, or an error
// wrapping ErrRecordDamaged; it never panics.
func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte("gtzyj"), EncodeRecord([]byte("gtzyj"), []byte(`{"id":"gtzyj"}`)))
	f.Add(u64(1), EncodeRecord(u64(1), nil))
	f.Add(u64(1), []byte{})
	f.Add(u64(1), []byte{1, 0, 0, 0})
	f.Add([]byte{}, []byte(`{"bare":"json"}`))
	f.Fuzz(func(t *testing.T, key, v []byte) {
		payload, err := DecodeRecord(key, v)
		if err != nil {
			if !errors.Is(err, ErrRecordDamaged) || payload != nil {
				t.Fatalf("error %v (payload %q) does not wrap ErrRecordDamaged", err, payload)
			}
			return
		}
		if !bytes.Equal(EncodeRecord(key, payload), v) {
			t.Fatalf("accepted %x, which EncodeRecord would not write", v)
		}
	})
}

// TestMigrateRecordEnvelope: a schema-3 file (bare JSON records) of the
// demo data is migrated by Open: every record of every record bucket is
// in its envelope with its payload unchanged, indexes are not, and the
// file passes check.
func TestMigrateRecordEnvelope(t *testing.T) {
	dir := demoDir(t)
	bare := map[string][]byte{}
	corrupt(t, dir, func(tx *bolt.Tx) error {
		if err := unwrapRecords(tx); err != nil {
			return err
		}
		for _, name := range recordBuckets {
			tx.Bucket(name).ForEach(func(k, v []byte) error {
				bare[string(name)+"\x00"+string(k)] = bytes.Clone(v)
				return nil
			})
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(3))
	})
	if r := mustCheck(t, filepath.Join(dir, FileName)); r.SchemaVersion != 3 || len(r.Problems) > 0 {
		t.Fatalf("the schema-3 file: version %d, problems %v", r.SchemaVersion, r.Problems)
	}
	open(t, dir).Close()

	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	wrapped := 0
	b.View(func(tx *bolt.Tx) error {
		for _, name := range recordBuckets {
			tx.Bucket(name).ForEach(func(k, v []byte) error {
				// Through to the current schema: the record holds what the
				// bare JSON held.
				want := bare[string(name)+"\x00"+string(k)]
				got, err := jsonOf(tx, name, k, v)
				if err != nil || !bytes.Equal(got, want) || !json.Valid(got) {
					t.Errorf("%s/%s after the migration: %q, %v; want %q", name, keyText(name, k), got, err, want)
				}
				wrapped++
				return nil
			})
		}
		if v := tx.Bucket(bCodes).Get([]byte("430400-CF-001-0001-00")); len(v) != 8 {
			t.Errorf("an index value was changed: %x", v)
		}
		return nil
	})
	b.Close()
	if wrapped != len(bare) || wrapped < 100 {
		t.Errorf("%d records wrapped of %d", wrapped, len(bare))
	}
	if r := mustCheck(t, filepath.Join(dir, FileName)); r.SchemaVersion != schemaVersion || len(r.Problems) > 0 {
		t.Errorf("after the migration: version %d, problems %v", r.SchemaVersion, r.Problems)
	}

	// A record that is not JSON is not sealed with a fresh checksum: the
	// migration refuses, and the file stays at schema 3.
	dir = demoDir(t)
	corrupt(t, dir, func(tx *bolt.Tx) error {
		if err := unwrapRecords(tx); err != nil {
			return err
		}
		if err := tx.Bucket(bItems).Put(u64(2), []byte(`{"id":2,"depa`)); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kSchema, u64(3))
	})
	if db, err := Open(dir); err == nil {
		db.Close()
		t.Fatal("a schema-3 file with a broken record was migrated")
	} else if !strings.Contains(err.Error(), "items/2") || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("the refusal does not name the record: %v", err)
	} else if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "powerregd check") ||
		!strings.Contains(err.Error(), "从备份恢复") || !strings.Contains(err.Error(), "was not upgraded") {
		// (It said only "migrate schema 3 → 4: items/2: the record is not
		// JSON / 记录不是 JSON": not what to do.)
		t.Errorf("the refusal does not say what to do: %v", err)
	}
	if v := getSchema(t, dir); v != 3 {
		t.Errorf("a refused migration left schema %d", v)
	}
}

// oldDraftRevision flips one bit of a letter in an old revision of a
// draft item of the demo file, written back without a new checksum (as a
// bit flipped on disk), so that its payload still decodes. It returns the
// revision's item and number.
func oldDraftRevision(t *testing.T, dir string) (uint64, int) {
	t.Helper()
	var item uint64
	var n int
	corrupt(t, dir, func(tx *bolt.Tx) error {
		b := tx.Bucket(bRevisions)
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			r := decodeRec[registry.Revision](k, v)
			if k2, _ := c.Next(); k2 == nil || !bytes.HasPrefix(k2, k[:8]) {
				c.Seek(k)
				continue // the newest revision of its item
			}
			c.Seek(k)
			bad := bytes.Clone(v)
			i := bytes.Index(bad[recordHeader:], []byte(r.Actor)) + recordHeader
			bad[i] ^= 0x01 // a lower-case letter: another letter
			if _, err := decodePayload[registry.Revision](bad[recordHeader:]); err != nil || r.Actor == "" {
				t.Fatalf("the flip made a record that does not decode: %v", err)
			}
			item, n = r.Item, r.Number
			return b.Put(bytes.Clone(k), bad)
		}
		t.Fatal("no item with two revisions")
		return nil
	})
	return item, n
}

// TestDataLossOnRead: a bit flipped in an old revision (still decodable)
// fails check naming it, and every read of it is a DATA_LOSS error naming
// it, counted by Damaged; the other records still read.
func TestDataLossOnRead(t *testing.T) {
	dir := demoDir(t)
	item, n := oldDraftRevision(t, dir)
	name := "revisions/" + keyText(bRevisions, revKey(item, n))

	r := mustCheck(t, filepath.Join(dir, FileName))
	found := false
	for _, p := range r.Problems {
		found = found || p.Bucket == "revisions" && "revisions/"+p.Key == name && strings.Contains(p.What, "checksum mismatch")
	}
	if !found {
		t.Errorf("check does not name %s: %v", name, r.Problems)
	}

	db := open(t, dir)
	defer db.Close()
	if n, first := db.Damaged(); n != 0 || first != "" {
		t.Errorf("damage before any read: %d %q", n, first)
	}
	for range 2 {
		err := db.View(func(tx registry.Tx) error { _, err := tx.GetRevision(item, n); return err })
		var e *registry.Error
		if !errors.As(err, &e) || e.Class != registry.ClassDataLoss || e.Reason != registry.ReasonDataLoss ||
			!strings.Contains(e.Message, name) || !strings.Contains(e.Message, "powerregd check") || !strings.Contains(e.Message, "备份") {
			t.Fatalf("reading the damaged revision: %#v", err)
		}
	}
	if got, first := db.Damaged(); got != 2 || first != name {
		t.Errorf("Damaged() = %d, %q; want 2, %q", got, first, name)
	}
	view(t, db, func(tx registry.Tx) error {
		if r, err := tx.GetRevision(item, n+1); err != nil || r == nil {
			t.Errorf("the next revision: %v, %v", r, err)
		}
		return nil
	})
}

// TestValidate: files that are not a whole powerreg store are refused by
// every opening, before bbolt maps them, saying what they are; a 0-byte
// file is not taken for a new store.
func TestValidate(t *testing.T) {
	good := filepath.Join(demoDir(t), FileName)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(good); err != nil {
		t.Fatalf("Validate of a good file: %v", err)
	}
	const page = 4096 // the demo file's page size on this machine
	meta := func(i int) []byte { b := bytes.Clone(data); b[i*page+boltPageHeader+30] ^= 0x10; return b }
	both := meta(0)
	both[page+boltPageHeader+30] ^= 0x10
	for _, c := range []struct {
		name    string
		content []byte
		is      error
		want    string
	}{
		{"empty", nil, ErrNotStore, "empty file, 0 bytes: not a powerreg store"},
		{"text", bytes.Repeat([]byte("不是数据库 not a database\n"), 500), ErrNotStore, "without a bbolt database's marker"},
		{"short", data[:100], ErrDamaged, "the file is cut short (100 bytes of 8192)"},
		{"cut short", data[:len(data)/2], ErrDamaged, "the file is cut short"},
		{"both meta pages", both, ErrDamaged, "both meta pages are damaged"},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, c.content, 0o600); err != nil {
			t.Fatal(err)
		}
		for op, fn := range map[string]func() error{
			"Validate": func() error { return Validate(path) },
			"Check":    func() error { _, err := Check(path); return err },
			"Inspect":  func() error { _, err := Inspect(path); return err },
			"Open": func() error {
				db, err := Open(dir)
				if err == nil {
					db.Close()
				}
				return err
			},
		} {
			if err := fn(); !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %s: %v; want %v saying %q", c.name, op, err, c.is, c.want)
			}
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, c.content) {
			t.Errorf("%s: the file was changed", c.name)
		}
	}

	// One meta page damaged (a commit torn by a power failure): the file
	// is whole at the other one's transaction, bbolt's own recovery. It is
	// opened with a warning, not refused; the next commit repairs it.
	for i := range 2 {
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, meta(i), 0o600); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("meta page %d is damaged (checksum mismatch", i)
		if err := Validate(path); !errors.Is(err, ErrMetaFallback) || !strings.Contains(err.Error(), want) {
			t.Errorf("meta page %d: Validate: %v; want ErrMetaFallback saying %q", i, err, want)
		}
		r, err := Check(path)
		if err != nil || len(r.Problems) > 0 || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], want) {
			t.Fatalf("meta page %d: Check: %v, %+v; want no problems and the warning", i, err, r)
		}
		db, err := Open(dir)
		if err != nil {
			t.Fatalf("meta page %d: Open: %v", i, err)
		}
		if err := db.bolt.Update(func(tx *bolt.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		db.Close()
		db, err = Open(dir) // the commit rewrote one meta page; maybe not yet the damaged one
		if err != nil {
			t.Fatal(err)
		}
		if err := db.bolt.Update(func(tx *bolt.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if err := Validate(path); err != nil {
			t.Errorf("meta page %d: after two commits: %v", i, err)
		}
	}

	// Another program's bbolt file is not made a registry.
	dir := t.TempDir()
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
	b.Close()
	if db, err := Open(dir); err == nil {
		db.Close()
		t.Error("Open took another program's bbolt file")
	} else if !errors.Is(err, ErrNotStore) {
		t.Errorf("another program's bbolt file: %v", err)
	}
}

// TestRecordSum: the checksum is CRC-32C of the key's length (u32
// big-endian), the key, the version and the payload.
func TestRecordSum(t *testing.T) {
	key, payload := []byte("gtzyj"), []byte(`{"id":"gtzyj"}`)
	want := crc32.Checksum(slices.Concat([]byte{0, 0, 0, 5}, key, []byte{RecordJSON}, payload), crc32.MakeTable(crc32.Castagnoli))
	if got := recordSum(key, RecordJSON, payload); got != want {
		t.Errorf("recordSum %08x, want %08x", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { recordSum(key, RecordJSON, payload) }); n != 0 {
		t.Errorf("recordSum allocates %v times", n)
	}
}

// readAll reads every record of the registry through the store's
// transactions, as a server's calls would.
func readAll(db *DB) error {
	all := func(tx registry.Tx) error {
		var items []*registry.Item
		err := tx.ScanItems("", 0, func(it *registry.Item) (bool, error) { items = append(items, it); return true, nil })
		if err != nil {
			return err
		}
		for _, it := range items {
			if _, err := tx.GetRevision(it.ID, it.Head); err != nil {
				return err
			}
		}
		for _, scan := range []func() error{
			func() error {
				return tx.ScanDepartments("", func(*registry.Department) (bool, error) { return true, nil })
			},
			func() error {
				return tx.ScanCatalog(0, "", "", func(*registry.CatalogEntry) (bool, error) { return true, nil })
			},
			func() error {
				return tx.ScanSubmissions("", 0, func(*registry.Submission) (bool, error) { return true, nil })
			},
			func() error {
				return tx.ScanPublications(0, func(*registry.Publication) (bool, error) { return true, nil })
			},
			func() error { return tx.ScanTokens(func(*registry.Token) (bool, error) { return true, nil }) },
			func() error {
				return tx.ScanChanges(0, 0, func(*registry.CatalogChange) (bool, error) { return true, nil })
			},
		} {
			if err := scan(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := db.View(all); err != nil {
		return err
	}
	return db.Update(all)
}

// TestDamagedPagesServed: with any page of the demo file overwritten, the
// store is refused at Open (ErrDamaged) or serves every read, or answers
// DATA_LOSS and counts the damage: what bbolt does on a damaged page (its
// assertions, a fault) never escapes as a panic or an internal error.
func TestDamagedPagesServed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(demoDir(t), FileName))
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	refused, lost, fromBbolt := 0, 0, 0
	for p := 2; p < len(data)/page; p++ {
		bad := bytes.Clone(data)
		for i := p * page; i < (p+1)*page; i += 7 {
			bad[i] = 0xff
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), bad, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := Open(dir)
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("page %d: Open: %v, want ErrDamaged", p, err)
			}
			refused++
			continue
		}
		err = readAll(db)
		n, first := db.Damaged()
		db.Close()
		if err == nil {
			continue
		}
		var e *registry.Error
		if !errors.As(err, &e) || e.Class != registry.ClassDataLoss || n == 0 {
			t.Errorf("page %d: %v (damage counted %d), want DATA_LOSS", p, err, n)
			continue
		}
		lost++
		if strings.HasPrefix(first, "bbolt: ") {
			fromBbolt++
		}
	}
	t.Logf("of %d damaged pages: %d refused at open, %d answered DATA_LOSS (%d from bbolt's own checks)", len(data)/page-2, refused, lost, fromBbolt)
	if lost == 0 || fromBbolt == 0 {
		t.Error("no damaged page was met by a read")
	}
}

// TestGuardPassesOtherPanics: a panic of the code inside a transaction
// (a bug, not damage) goes on as it was, and is not counted as damage.
func TestGuardPassesOtherPanics(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	for _, bug := range []func(){
		func() { panic("a bug") },
		func() { var it *registry.Item; _ = it.ID },
	} {
		func() {
			defer func() {
				if p := recover(); p == nil {
					t.Error("the panic was stopped")
				}
			}()
			db.View(func(registry.Tx) error { bug(); return nil })
		}()
	}
	if n, first := db.Damaged(); n != 0 {
		t.Errorf("a bug counted as damage: %d %q", n, first)
	}
}

// TestValidateFIFO: a named pipe where the data file should be is refused
// as not a regular file; opening it first blocked until a writer came,
// so the server, check and recover-admin hung without a word.
func TestValidateFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- Validate(path) }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotStore) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Validate of a named pipe: %v", err)
		}
	case <-time.After(20 * time.Second):
		// Unblock the open so that the test ends.
		if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("Validate of a named pipe blocks")
	}
}
