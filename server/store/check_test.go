package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/demo"
	"github.com/powerreg/powerreg/server/registry"
)

// demoDir is a closed data dir holding the demo catalogue: items in every
// state, submissions, publications, the change feed, tokens and audit.
func demoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db := open(t, dir)
	svc := registry.New(registry.Config{Store: db, DefaultRegion: "430400"})
	if err := demo.Load(svc.For(registry.Call{Method: "test", Resource: "demo"})); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateToken("admin", registry.TokenInput{Name: "admin", Roles: []string{registry.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustCheck(t *testing.T, path string) *Report {
	t.Helper()
	r, err := Check(path)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return r
}

// TestCheckDemo: the demo data passes, and every bucket of it was read.
func TestCheckDemo(t *testing.T) {
	dir := demoDir(t)
	r := mustCheck(t, filepath.Join(dir, FileName))
	for _, p := range r.Problems {
		t.Errorf("problem in demo data: %s", p)
	}
	for _, b := range []string{"departments", "items", "items_by_dept", "revisions", "codes", "submissions",
		"publications", "events", "catalog", "catalog_by_category", "catalog_by_dept", "tokens", "audit", "changes"} {
		if r.Records[b] == 0 {
			t.Errorf("no records of %s were checked: %v", b, r.Records)
		}
	}
	if r.SchemaVersion != schemaVersion || r.Revision == 0 || r.CatalogRevision == 0 {
		t.Errorf("info %+v", r.Info)
	}
}

// corrupt changes a closed data file directly with bbolt.
func corrupt(t *testing.T, dir string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// firstItem is the first item of the file whose state is s.
func firstItem(t *testing.T, tx *bolt.Tx, s registry.ItemState) *registry.Item {
	t.Helper()
	var out *registry.Item
	tx.Bucket(bItems).ForEach(func(k, v []byte) error {
		it := decodeRec[registry.Item](k, v)
		if out == nil && it.State == s {
			out = it
		}
		return nil
	})
	if out == nil {
		t.Fatalf("no item in state %d", s)
	}
	return out
}

// mustDecode is the payload of a record that passes its checksum.
func mustDecode(k, v []byte) []byte {
	p, err := DecodeRecord(k, v)
	if err != nil {
		panic(fmt.Sprintf("%x: %v", k, err))
	}
	return p
}

// unwrapRecords takes every record out of its envelope, as files of
// schema 3 and older hold them: the tests of older migrations start from
// there.
func unwrapRecords(tx *bolt.Tx) error {
	if err := toJSONRecords(tx); err != nil {
		return err
	}
	for _, name := range recordBuckets {
		b := tx.Bucket(name)
		var keys, vals [][]byte
		b.ForEach(func(k, v []byte) error {
			keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(mustDecode(k, v)))
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

// TestCheckFindsCorruption: each kind of damage done to the file with
// bbolt is found and named by bucket and key, and nothing else is.
func TestCheckFindsCorruption(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, tx *bolt.Tx) (bucket, key string)
		want   string // in the problem's text
	}{
		{"dangling item index entry", func(t *testing.T, tx *bolt.Tx) (string, string) {
			if err := tx.Bucket(bItemsByDept).Put(deptKey("gtzyj", u64(9999)), nil); err != nil {
				t.Fatal(err)
			}
			return "items_by_dept", "gtzyj/9999"
		}, "dangling index entry"},
		{"missing item index entry", func(t *testing.T, tx *bolt.Tx) (string, string) {
			it := firstItem(t, tx, registry.ItemDraft)
			if err := tx.Bucket(bItemsByDept).Delete(deptKey(it.Department, u64(it.ID))); err != nil {
				t.Fatal(err)
			}
			return "items_by_dept", it.Department + "/" + numText(u64(it.ID))
		}, "missing index entry"},
		{"count of items per state", func(t *testing.T, tx *bolt.Tx) (string, string) {
			if err := tx.Bucket(bItemStates).Put(stateKey(registry.ItemDraft), u64(999)); err != nil {
				t.Fatal(err)
			}
			return "item_states", "1"
		}, "the count is 999"},
		{"code of another item", func(t *testing.T, tx *bolt.Tx) (string, string) {
			it := firstItem(t, tx, registry.ItemPublished)
			if err := tx.Bucket(bCodes).Put([]byte(it.Code), u64(it.ID+1)); err != nil {
				t.Fatal(err)
			}
			return "codes", it.Code
		}, "registered to item"},
		{"catalogue entry of an older revision", func(t *testing.T, tx *bolt.Tx) (string, string) {
			it := firstItem(t, tx, registry.ItemPublished)
			e, _ := (&txn{tx: tx}).GetCatalogEntry(it.Code)
			e.Revision++
			if err := putRecord(tx, bCatalog, []byte(it.Code), e); err != nil {
				t.Fatal(err)
			}
			return "catalog", it.Code
		}, "latest published revision"},
		{"missing catalogue entry", func(t *testing.T, tx *bolt.Tx) (string, string) {
			it := firstItem(t, tx, registry.ItemPublished)
			if err := tx.Bucket(bCatalog).Delete([]byte(it.Code)); err != nil {
				t.Fatal(err)
			}
			return "catalog", it.Code
		}, "does not hold it"},
		{"submission of a deleted item", func(t *testing.T, tx *bolt.Tx) (string, string) {
			it := firstItem(t, tx, registry.ItemSubmitted)
			if err := tx.Bucket(bItems).Delete(u64(it.ID)); err != nil {
				t.Fatal(err)
			}
			return "submissions", numText(u64(it.Submission))
		}, "dangling reference: item"},
		{"item above its counter", func(t *testing.T, tx *bolt.Tx) (string, string) {
			if err := tx.Bucket(bCounters).Put([]byte("items"), u64(1)); err != nil {
				t.Fatal(err)
			}
			return "counters", "items"
		}, "below the highest number in use"},
		{"broken audit record", func(t *testing.T, tx *bolt.Tx) (string, string) {
			r, _ := decoder[audit.Record](&txn{tx: tx}, bAudit)(u64(3), tx.Bucket(bAudit).Get(u64(3)))
			r.Principal = "intruder"
			if err := putRecord(tx, bAudit, u64(3), r); err != nil {
				t.Fatal(err)
			}
			return "audit", "3"
		}, "audit chain is broken"},
		{"deleted audit record", func(t *testing.T, tx *bolt.Tx) (string, string) {
			if err := tx.Bucket(bAudit).Delete(u64(2)); err != nil {
				t.Fatal(err)
			}
			return "audit", "2"
		}, "missing (deleted)"},
		{"change feed out of order", func(t *testing.T, tx *bolt.Tx) (string, string) {
			c := tx.Bucket(bChanges).Cursor()
			k, v := c.Last()
			ch, _ := decoder[registry.CatalogChange](&txn{tx: tx}, bChanges)(k, v)
			if err := tx.Bucket(bChanges).Delete(k); err != nil {
				t.Fatal(err)
			}
			ch.Index += 5
			if err := putRecord(tx, bChanges, changeKey(ch.Revision, ch.Index), ch); err != nil {
				t.Fatal(err)
			}
			return "changes", fmt.Sprintf("%d/%d", ch.Revision, ch.Index)
		}, "expected index"},
		{"token hash of no token", func(t *testing.T, tx *bolt.Tx) (string, string) {
			if err := tx.Bucket(bTokenHashes).Put([]byte("abc"), []byte("ghost")); err != nil {
				t.Fatal(err)
			}
			return "token_hashes", "abc"
		}, "token ghost does not exist"},
	}
	base := demoDir(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, filepath.Join(base, FileName), filepath.Join(dir, FileName))
			var bucket, key string
			corrupt(t, dir, func(tx *bolt.Tx) error {
				bucket, key = tc.damage(t, tx)
				return nil
			})
			r := mustCheck(t, filepath.Join(dir, FileName))
			t.Logf("%d problems: %v", len(r.Problems), r.Problems)
			found := false
			for _, p := range r.Problems {
				if p.Bucket == bucket && p.Key == key && strings.Contains(p.What, tc.want) {
					found = true
				}
				if !strings.Contains(p.What, " / ") {
					t.Errorf("problem is not bilingual: %s", p)
				}
			}
			if !found {
				t.Errorf("want a problem at %s %s saying %q; got %d: %v", bucket, key, tc.want, len(r.Problems), r.Problems)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCheckDamagedPages: every page of the demo file overwritten in turn
// (and the file cut short) is reported, never a crash: bbolt reads the
// file through a memory map, where a wild page number faults.
func TestCheckDamagedPages(t *testing.T) {
	path := filepath.Join(demoDir(t), FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	damaged := filepath.Join(t.TempDir(), FileName)
	reported := 0
	for p := 2; p < len(data)/page; p++ {
		bad := bytes.Clone(data)
		for i := p * page; i < (p+1)*page; i += 7 {
			bad[i] = 0xff
		}
		if err := os.WriteFile(damaged, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if r, err := Check(damaged); err != nil || len(r.Problems) > 0 {
			reported++
		}
	}
	if reported == 0 {
		t.Error("no damaged page was reported")
	}
	t.Logf("%d of %d damaged pages reported (the others are free)", reported, len(data)/page-2)

	if err := os.WriteFile(damaged, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(damaged); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("Check of a file cut short: %v", err)
	}
}

// TestDamagedKeysPrintedSafely: a flipped bit in a key can make it a
// control character ('[' is ESC with one bit flipped) or a byte that is
// not UTF-8. check's report and the DATA_LOSS message name the record
// without either: a terminal does not act on them, and the message stays
// valid UTF-8 (a proto string must be, for gRPC's status details and
// REST's JSON). (Found flipping random bits: check printed raw bytes.)
func TestDamagedKeysPrintedSafely(t *testing.T) {
	dir := demoDir(t)
	path := filepath.Join(dir, FileName)
	bad := []byte("gt\x1b[2Jzy\xe4j")
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		// A record whose checksum fails, under a damaged key.
		rec := EncodeRecord(bad, []byte(`{"id":"gtzyj"}`))
		rec[len(rec)-2] ^= 1
		return tx.Bucket(bDepartments).Put(bad, rec)
	}); err != nil {
		t.Fatal(err)
	}
	b.Close()

	safe := func(what, s string) {
		t.Helper()
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\x1b\x00") {
			t.Errorf("%s holds raw bytes: %q", what, s)
		}
		if !strings.Contains(s, "gt[U+001B][2Jzy\\xe4j") {
			t.Errorf("%s does not name the key readably: %q", what, s)
		}
	}
	r := mustCheck(t, path)
	found := false
	for _, p := range r.Problems {
		if p.Bucket == "departments" {
			found = true
			safe("check's problem", p.String())
		}
	}
	if !found {
		t.Fatalf("check does not report the damaged department: %v", r.Problems)
	}

	db := open(t, dir)
	defer db.Close()
	err = db.View(func(tx registry.Tx) error {
		return tx.ScanDepartments("", func(*registry.Department) (bool, error) { return true, nil })
	})
	var e *registry.Error
	if !errors.As(err, &e) || e.Class != registry.ClassDataLoss {
		t.Fatalf("scan over the damaged record: %v", err)
	}
	safe("the DATA_LOSS message", e.Message)
	_, first := db.Damaged()
	safe("the first damaged record (/readyz)", first)
}
