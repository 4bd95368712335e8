package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/registry"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden records in testdata/records")

// fixture5 copies testdata/schema5.db, a data file written by the schema-5
// powerregd (the demo data with two tokens: departments, items in every
// state, revisions, the catalogue, the change feed, publications,
// submissions, tokens and the audit trail), into a data dir. It was made
// at commit a11d026 by demoDir's steps (demo.Load through the registry,
// the admin token) and one more token with a holder and an expiry, and the
// file copied as the store left it; it is never rewritten.
func fixture5(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, filepath.Join("testdata", "schema5.db"), filepath.Join(dir, FileName))
	return dir
}

// allRecords is the JSON of the domain value of every record of the file
// (catalogue entries and changes with their content), by bucket and key,
// and the raw values of the other buckets.
func allRecords(t *testing.T, dir string) (records, others map[string]string) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	records, others = map[string]string{}, map[string]string{}
	err = b.View(func(tx *bolt.Tx) error {
		version := getSchemaTx(tx)
		tn := &txn{tx: tx, json: version < 6}
		for _, name := range allBuckets {
			record := isRecordBucket(name)
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				id := string(name) + "/" + keyText(name, k)
				if !record {
					if !bytes.Equal(name, bMeta) || !bytes.Equal(k, kSchema) {
						others[id] = string(v)
					}
					return nil
				}
				rec, err := domainOf(tn, name, k, v)
				if err != nil {
					return err
				}
				data, err := json.Marshal(rec)
				records[id] = string(data)
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return records, others
}

func getSchemaTx(tx *bolt.Tx) uint64 { return u64Of(tx.Bucket(bMeta).Get(kSchema)) }

func u64Of(v []byte) uint64 {
	var n uint64
	for _, b := range v {
		n = n<<8 | uint64(b)
	}
	return n
}

func isRecordBucket(name []byte) bool {
	for _, r := range recordBuckets {
		if bytes.Equal(r, name) {
			return true
		}
	}
	return false
}

// TestMigrateRecords: the file written by the schema-5 powerregd is
// migrated by Open: every record of every bucket holds what it held (the
// same domain value, compared as JSON), every record is a protobuf record
// (format 2), the catalogue and the change feed no longer hold a copy of
// the content, the indexes and counters keep their bytes, the upgrade is
// logged once, and check is clean.
func TestMigrateRecords(t *testing.T) {
	dir := fixture5(t)
	if r := mustCheck(t, filepath.Join(dir, FileName)); r.SchemaVersion != 5 || len(r.Problems) > 0 {
		t.Fatalf("the fixture: version %d, problems %v", r.SchemaVersion, r.Problems)
	}
	before, beforeOthers := allRecords(t, dir)
	if len(before) < 400 {
		t.Fatalf("the fixture has %d records", len(before))
	}

	var log bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, nil)))
	open(t, dir).Close()
	if l := log.String(); strings.Count(l, "upgraded from schema version 5 to 6") != 1 || !strings.Contains(l, "每份发布内容只存一份") {
		t.Errorf("the upgrade's log: %s", l)
	}
	after, afterOthers := allRecords(t, dir)
	if len(after) != len(before) {
		t.Errorf("%d records after the migration, %d before", len(after), len(before))
	}
	for id, want := range before {
		if got := after[id]; got != want {
			t.Errorf("%s after the migration:\n%s\nwant\n%s", id, got, want)
		}
	}
	if !reflect.DeepEqual(afterOthers, beforeOthers) {
		t.Errorf("the indexes or counters changed")
	}

	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	kinds := 0
	b.View(func(tx *bolt.Tx) error {
		for _, name := range recordBuckets {
			kinds++
			tx.Bucket(name).ForEach(func(k, v []byte) error {
				if v[0] != RecordProto {
					t.Errorf("%s/%s: format %d", name, keyText(name, k), v[0])
				}
				return nil
			})
		}
		// Each content once: in its revision, not in the catalogue or the
		// feed.
		for _, name := range [][]byte{bCatalog, bChanges} {
			n := 0
			tx.Bucket(name).ForEach(func(k, v []byte) error {
				n++
				if bytes.Contains(v, []byte("《")) || bytes.Contains(v, []byte("行政")) {
					t.Errorf("%s/%s holds content: %q", name, keyText(name, k), v)
				}
				return nil
			})
			if n == 0 {
				t.Errorf("no records in %s", name)
			}
		}
		return nil
	})
	b.Close()
	if r := mustCheck(t, filepath.Join(dir, FileName)); r.SchemaVersion != schemaVersion || len(r.Problems) > 0 {
		t.Errorf("after the migration: version %d, problems %v", r.SchemaVersion, r.Problems)
	}

	// The catalogue reads as before through the store.
	db := open(t, dir)
	defer db.Close()
	view(t, db, func(tx registry.Tx) error {
		n := 0
		err := tx.ScanCatalog(0, "", "", func(e *registry.CatalogEntry) (bool, error) {
			n++
			data, _ := json.Marshal(e)
			if want := before["catalog/"+e.Code]; string(data) != want {
				t.Errorf("catalogue entry %s read as %s, want %s", e.Code, data, want)
			}
			return true, nil
		})
		if n != 30 {
			t.Errorf("%d catalogue entries", n)
		}
		return err
	})
}

// TestMigrateRecordsRefuses: a catalogue entry whose content is not its
// revision's (the copy the migration drops would take content with it)
// stops the migration, naming it; the file stays at schema 5, unchanged. A
// record that fails its checksum keeps its bytes and check goes on naming
// it.
func TestMigrateRecordsRefuses(t *testing.T) {
	dir := fixture5(t)
	var code string
	corrupt(t, dir, func(tx *bolt.Tx) error {
		k, v := tx.Bucket(bCatalog).Cursor().First()
		code = string(k)
		p := mustDecode(k, v)
		changed := bytes.Replace(p, []byte(`"displayName":"`), []byte(`"displayName":"改`), 1)
		if bytes.Equal(changed, p) {
			t.Fatalf("no display name in %s", p)
		}
		return tx.Bucket(bCatalog).Put(k, EncodeRecord(k, changed))
	})
	before, _ := allRecords(t, dir)
	if db, err := Open(dir); err == nil {
		db.Close()
		t.Fatal("a catalogue entry unlike its revision was migrated")
	} else if !strings.Contains(err.Error(), "catalog/"+code) || !strings.Contains(err.Error(), "differs from revision") ||
		!strings.Contains(err.Error(), "was not upgraded") || !strings.Contains(err.Error(), "从备份恢复") {
		t.Errorf("the refusal: %v", err)
	}
	if v := getSchema(t, dir); v != 5 {
		t.Errorf("a refused migration left schema %d", v)
	}
	if after, _ := allRecords(t, dir); !reflect.DeepEqual(after, before) {
		t.Error("a refused migration changed records")
	}

	dir = fixture5(t)
	var bad []byte
	var key []byte
	corrupt(t, dir, func(tx *bolt.Tx) error {
		k, v := tx.Bucket(bEvents).Cursor().Last()
		key, bad = bytes.Clone(k), bytes.Clone(v)
		bad[len(bad)-3] ^= 0x01
		return tx.Bucket(bEvents).Put(key, bad)
	})
	open(t, dir).Close()
	r := mustCheck(t, filepath.Join(dir, FileName))
	if r.SchemaVersion != schemaVersion || len(r.Problems) != 1 || r.Problems[0].Bucket != "events" ||
		r.Problems[0].Key != keyText(bEvents, key) {
		t.Errorf("check after migrating a file with a damaged record: version %d, problems %v", r.SchemaVersion, r.Problems)
	}
}

// goldenRecords are one record of each kind, every field set: the golden
// files in testdata/records hold their encoding.
func goldenRecords() map[string]any {
	at := func(s int) time.Time { return time.Date(2026, 12, 8, 1, 2, s, 345678901, time.UTC) }
	content := registry.Content{DisplayName: "对非法占用土地的处罚", Category: registry.CategoryPenalty, CategoryLabel: "行政处罚",
		LegalBases: []registry.LegalBasis{{Level: registry.LevelLaw, Title: "《中华人民共和国土地管理法》", Article: "第七十七条",
			Text: "《中华人民共和国土地管理法》第七十七条：未经批准或者采取欺骗手段骗取批准，非法占用土地的……"}},
		Source: registry.SourceEntrusted, EntrustingBody: "湖南省自然资源厅", HandlingUnit: "执法监察支队",
		Levels: []string{"市级", "县级"}, Responsibilities: []string{"立案责任", "调查责任"}, Accountability: []string{"滥用职权的"},
		LegalTimeLimit: registry.TimeLimit{Value: 90, Unit: registry.UnitDay}, PromisedTimeLimit: registry.TimeLimit{Value: 30, Unit: registry.UnitWorkingDay},
		Fee: registry.Fee{Charged: registry.No, Basis: "《收费办法》", Standard: "不收费"}, ReviewAndForward: registry.Yes, Remark: "备注"}
	entry := registry.CatalogEntry{Code: "430400-CF-001-0001-01", Item: 12, Department: "gtzyj", ParentCode: "430400-CF-001-0001-00",
		Revision: 3, Publication: 4, PublishTime: at(5)}
	return map[string]any{
		"department": &registry.Department{ID: "gtzyj", DisplayName: "衡阳市国土资源局", RegionCode: "430400", Number: 1,
			CreateTime: at(1), UpdateTime: at(2), Version: 7},
		"item": &registry.Item{ID: 12, Department: "gtzyj", Code: "430400-CF-001-0001-01", Parent: 11, State: registry.ItemReturned,
			Pending: registry.ChangeModify, Head: 4, Published: []registry.PublishRecord{{Revision: 3, Change: registry.ChangeCreate,
				Publication: 4, Time: at(5)}}, Submission: 9, ReviewComment: "请补充依据", ReturnedRevision: 4, ReviewReply: "已补充",
			CreateTime: at(1), UpdateTime: at(6), Version: 80},
		"revision": &registry.Revision{Item: 12, Number: 3, Change: registry.ChangeCreate, Content: content, Actor: "gtzyj-clerk",
			Holder: "张三", Comment: "新增", CreateTime: at(3)},
		"submission": &registry.Submission{ID: 9, Department: "gtzyj", State: registry.SubmissionApproved, Items: []uint64{12, 13},
			ItemRevisions: []int{4, 1}, Comment: "第一批", ReviewComment: "同意", ItemComments: []registry.ItemComment{{Item: 13, Comment: "退回"}},
			Returned: []uint64{13}, ReturnedRevisions: []int{1}, Replies: []registry.ItemComment{{Item: 12, Comment: "已补充"}},
			ReturnComments: []registry.ItemComment{{Item: 12, Comment: "请补充依据"}}, Publication: 5, Submitter: "gtzyj-clerk",
			SubmitterHolder: "张三", Reviewer: "reviewer", CreateTime: at(1), UpdateTime: at(7), Version: 81},
		"publication": &registry.Publication{ID: 4, Submissions: []registry.SubmissionRef{{Department: "gtzyj", ID: 8}},
			Comment: "发布", Items: []registry.PublishedItem{{Department: "gtzyj", Item: 12, Revision: 3, Code: "430400-CF-001-0001-01",
				Change: registry.ChangeCreate}}, Publisher: "publisher", PublishTime: at(5)},
		"event": &registry.Event{Resource: "departments/gtzyj/items/12", Action: registry.ActionReturned, Actor: "reviewer",
			Comment: "请补充依据", Time: at(6), Revision: 80, Related: "departments/gtzyj/submissions/9"},
		"catalog": &entry,
		"change": &registry.CatalogChange{Revision: 75, Index: 2, Kind: registry.CatalogPublished, Publication: 4, Time: at(5),
			Entry: entry},
		"token": &registry.Token{Name: "gtzyj-clerk", Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			Roles: []string{registry.RoleEditor}, Departments: []string{"gtzyj"}, Holder: "张三", Creator: "admin", CreatorHolder: "李四",
			CreateTime: at(1), ExpireTime: at(58), RevokeTime: at(30)},
		"audit": &audit.Record{Version: audit.Version2, Seq: 5, Time: at(6), Principal: "reviewer", Holder: "王五",
			Method: "/powerreg.v1.RegistryService/ApproveSubmission", Resource: "departments/gtzyj/submissions/9", RequestID: "r-1",
			Outcome: "PERMISSION_DENIED", Reason: "ROLE_REQUIRED", Revision: 80, PrevHash: "ab", Hash: "cd"},
	}
}

// decodeGolden decodes a golden record of kind into a new value of want's
// type.
func decodeGolden(kind string, payload []byte) (any, error) {
	switch kind {
	case "department":
		return decodePayload[registry.Department](payload)
	case "item":
		return decodePayload[registry.Item](payload)
	case "revision":
		return decodePayload[registry.Revision](payload)
	case "submission":
		return decodePayload[registry.Submission](payload)
	case "publication":
		return decodePayload[registry.Publication](payload)
	case "event":
		return decodePayload[registry.Event](payload)
	case "catalog":
		return decodePayload[registry.CatalogEntry](payload)
	case "change":
		return decodePayload[registry.CatalogChange](payload)
	case "token":
		return decodePayload[registry.Token](payload)
	case "audit":
		return decodePayload[audit.Record](payload)
	}
	return nil, os.ErrNotExist
}

// TestGoldenRecords: the golden file of each record kind decodes to its
// value, and the value encodes to exactly the golden bytes. A change of
// the format (a field renumbered, a type changed) fails here: the format
// of the data file changes only on purpose, with a migration (go test
// -run TestGoldenRecords -update rewrites the files).
func TestGoldenRecords(t *testing.T) {
	records := goldenRecords()
	if len(records) != len(recordBuckets) {
		t.Errorf("%d golden records for %d buckets of records", len(records), len(recordBuckets))
	}
	for kind, want := range records {
		if f := zeroField(reflect.ValueOf(want).Elem(), kind); f != "" {
			t.Errorf("the golden %s leaves %s unset: set every field, and run with -update", kind, f)
		}
		path := filepath.Join("testdata", "records", kind+".pb")
		data, err := encodePayload(want)
		if err != nil {
			t.Fatal(err)
		}
		if *updateGolden {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		golden, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeGolden(kind, golden)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("%s decodes to\n%s\nwant\n%s", path, g, w)
		}
		if !bytes.Equal(data, golden) {
			t.Errorf("%s: the record encodes as %x, the golden file holds %x", kind, data, golden)
		}
	}
}

// TestMissingContentRevision: the content of a catalogue entry and of its
// changes is its revision's; with that revision gone (a damaged page lost
// it) reading the entry, or the feed, is DATA_LOSS naming the revision,
// counted as damage, and check names the entry and the change.
func TestMissingContentRevision(t *testing.T) {
	dir := demoDir(t)
	var code string
	var item uint64
	var number int
	corrupt(t, dir, func(tx *bolt.Tx) error {
		k, v := tx.Bucket(bCatalog).Cursor().First()
		e := decodeRec[registry.CatalogEntry](k, v)
		code, item, number = e.Code, e.Item, e.Revision
		return tx.Bucket(bRevisions).Delete(revKey(item, number))
	})
	missing := "revisions/" + keyText(bRevisions, revKey(item, number))

	r := mustCheck(t, filepath.Join(dir, FileName))
	var inCatalog, inFeed bool
	for _, p := range r.Problems {
		inCatalog = inCatalog || p.Bucket == "catalog" && p.Key == code && strings.Contains(p.What, "which holds its content")
		inFeed = inFeed || p.Bucket == "changes" && strings.Contains(p.What, "which holds its content")
	}
	if !inCatalog || !inFeed {
		t.Errorf("check does not name the entry and its change: %v", r.Problems)
	}

	db := open(t, dir)
	defer db.Close()
	for _, read := range []func(tx registry.Tx) error{
		func(tx registry.Tx) error { _, err := tx.GetCatalogEntry(code); return err },
		func(tx registry.Tx) error {
			return tx.ScanChanges(0, 0, func(*registry.CatalogChange) (bool, error) { return true, nil })
		},
	} {
		err := db.View(read)
		var e *registry.Error
		if !errors.As(err, &e) || e.Class != registry.ClassDataLoss || e.Metadata["record"] != missing ||
			!strings.Contains(e.Message, "catalog/") && !strings.Contains(e.Message, "changes/") {
			t.Errorf("reading content whose revision is gone: %v, want DATA_LOSS naming %s", err, missing)
		}
	}
	if n, first := db.Damaged(); n != 2 || first != missing {
		t.Errorf("Damaged() = %d, %q; want 2, %q", n, first, missing)
	}
}

// filled sets every field of v (a pointer to a struct), recursively, to a
// value that is not zero: n counts, so that no two fields hold the same.
func filled(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		filled(v.Elem(), n)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 1, 0, 0, *n, *n*1000+7, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				filled(v.Field(i), n)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		filled(v.Index(0), n)
		filled(v.Index(1), n)
	case reflect.String:
		v.SetString("文" + string(rune('a'+*n%26)) + time.Duration(*n).String())
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n%2 + 1)) // small: 1 or 2 are valid values of every enumeration
	case reflect.Uint, reflect.Uint8, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n%2 + 1))
	case reflect.Bool:
		v.SetBool(true)
	default:
		panic("filled: a field of kind " + v.Kind().String())
	}
}

// TestRecordsKeepEveryField: a value of each domain type with every field
// set comes back whole from its record, so that a field added to a domain
// type and forgotten in records.go (and records.proto) fails here instead
// of being dropped from the data file. (A catalogue entry's content comes
// from its revision, not from its record.)
func TestRecordsKeepEveryField(t *testing.T) {
	for kind, v := range goldenRecords() {
		want := reflect.New(reflect.TypeOf(v).Elem())
		n := 0
		filled(want.Elem(), &n)
		switch w := want.Interface().(type) {
		case *registry.CatalogEntry:
			w.Content = registry.Content{}
		case *registry.CatalogChange:
			w.Entry.Content = registry.Content{}
		}
		data, err := encodePayload(want.Interface())
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeGolden(kind, data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want.Interface()) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want.Interface())
			t.Errorf("%s does not come back whole from its record:\n got %s\nwant %s", kind, g, w)
		}
	}
}

// zeroField names a field of v (a struct) left at its zero value, looking
// into structs and slices; "" when every field is set. A catalogue entry's
// content is not in its record.
func zeroField(v reflect.Value, path string) string {
	switch {
	case v.Kind() == reflect.Struct && v.Type() != reflect.TypeFor[time.Time]():
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Type == reflect.TypeFor[registry.Content]() && v.Type() == reflect.TypeFor[registry.CatalogEntry]() {
				continue
			}
			if z := zeroField(v.Field(i), path+"."+f.Name); z != "" {
				return z
			}
		}
		return ""
	case v.Kind() == reflect.Slice && v.Len() > 0:
		return zeroField(v.Index(0), path+"[0]")
	case v.IsZero():
		return path
	}
	return ""
}
