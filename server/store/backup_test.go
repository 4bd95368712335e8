package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/registry"
)

// TestBackupWhileWriting: a snapshot taken while departments are being
// created is a whole data file holding at least every department created
// before it, passes Check, and leaves no file behind in the data dir.
func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	defer db.Close()
	svc := registry.New(registry.Config{Store: db, DefaultRegion: "430400"})
	create := func(i int) {
		id := fmt.Sprintf("d%05d", i)
		if _, err := svc.CreateDepartment("admin", registry.Department{ID: id, DisplayName: "部门" + id}, ""); err != nil {
			t.Error(err)
		}
	}
	for i := range 50 {
		create(i)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 50; ; i++ {
			select {
			case <-stop:
				return
			default:
				create(i)
			}
		}
	})
	f, info, err := db.Backup()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := WriteFile(out, func(w io.Writer) error { _, err := io.Copy(w, f); return err }, nil); err != nil {
		t.Fatal(err)
	}
	got, err := Inspect(out)
	if err != nil {
		t.Fatal(err)
	}
	if got != info || info.SchemaVersion != schemaVersion || info.Revision < 50 {
		t.Errorf("Inspect %+v, Backup said %+v", got, info)
	}
	r := mustCheck(t, out)
	if len(r.Problems) > 0 || r.Records["departments"] < 50 || int64(r.Records["departments"]) != info.Revision {
		t.Errorf("backup: %d departments at revision %d, problems %v", r.Records["departments"], info.Revision, r.Problems)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the data dir holds %d entries after a backup, want only %s", len(entries), FileName)
	}
}

// TestInspectRefuses: a file that is not bbolt, a bbolt file of another
// program, a newer schema and a file in use are each told apart.
func TestInspectRefuses(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte(strings.Repeat("not a database\n", 1000)), 0o600)
	other := filepath.Join(dir, "other.db")
	b, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
	b.Close()
	for _, path := range []string{text, other, filepath.Join(dir, "absent.db")} {
		if _, err := Inspect(path); err == nil {
			t.Errorf("Inspect %s succeeded", path)
		} else if path != filepath.Join(dir, "absent.db") && !errors.Is(err, ErrNotStore) {
			t.Errorf("Inspect %s: %v; want ErrNotStore", path, err)
		}
		if _, err := Check(path); err == nil {
			t.Errorf("Check %s succeeded", path)
		}
	}

	data := t.TempDir()
	open(t, data).Close()
	setSchema(t, data, schemaVersion+1)
	if _, err := Check(filepath.Join(data, FileName)); !errors.Is(err, ErrNewerSchema) ||
		!strings.Contains(err.Error(), fmt.Sprintf("schema version %d", schemaVersion+1)) ||
		!strings.Contains(err.Error(), fmt.Sprintf("only up to %d", schemaVersion)) {
		t.Errorf("Check of a newer schema: %v", err)
	}
	setSchema(t, data, schemaVersion)

	db := open(t, data)
	defer db.Close()
	if _, err := Check(filepath.Join(data, FileName)); !errors.Is(err, ErrLocked) {
		t.Errorf("Check of a file in use: %v; want ErrLocked", err)
	}
}

// TestWriteFileFailure: a failed verification leaves neither the file nor
// its temporary behind.
func TestWriteFileFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	err := WriteFile(path, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err },
		func(string) error { return errors.New("bad") })
	if err == nil {
		t.Fatal("WriteFile succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %v", entries)
	}
}
