package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Hot backups, and the read-only opening of data files that backups,
// restores and checks share.

// Info describes a data file or a backup snapshot of one.
type Info struct {
	SchemaVersion   uint64 // layout version (schema.go)
	Revision        int64  // registry revision: every change up to it is in the file
	CatalogRevision int64  // revision of the last change to the published catalogue
	Size            int64  // bytes
}

// ErrNotStore means a file is not a powerreg data file.
var ErrNotStore = errors.New("not a powerreg data file / 不是 powerreg 数据文件")

// ErrDamaged means bbolt cannot read a data file through: a page is
// damaged.
var ErrDamaged = errors.New("the file is damaged / 文件已损坏")

// SchemaVersion is the newest layout this binary reads and writes.
const SchemaVersion = schemaVersion

// describe reads what Info says of the file a transaction sees.
func describe(tx *bolt.Tx) (Info, error) {
	meta := tx.Bucket(bMeta)
	if meta == nil {
		return Info{}, fmt.Errorf("%w: no %s bucket / 没有 %s 桶", ErrNotStore, bMeta, bMeta)
	}
	if v := meta.Get(kSchema); len(v) != 8 {
		return Info{}, fmt.Errorf("%w: no schema version / 没有数据版本号", ErrNotStore)
	}
	version, _ := metaInt(meta, kSchema)
	rev, err := metaInt(meta, kRevision)
	if err != nil {
		return Info{}, err
	}
	crev, err := (&txn{tx: tx}).CatalogRevision()
	if err != nil {
		return Info{}, err
	}
	return Info{SchemaVersion: uint64(version), Revision: rev, CatalogRevision: crev, Size: tx.Size()}, nil
}

// Backup copies a consistent snapshot of the store into a temporary file,
// in one read transaction while writers go on, and returns the file at
// offset 0 with what it holds. The file is already unlinked: closing it
// frees its space, and a crash leaves nothing behind.
//
// The snapshot goes to local disk first so that the read transaction lasts
// a local copy, not a download: bbolt writers that grow the file wait for
// open read transactions, and a slow client must not hold them up.
func (db *DB) Backup() (*os.File, Info, error) {
	f, err := os.CreateTemp(filepath.Dir(db.bolt.Path()), FileName+".backup-*")
	if err != nil {
		return nil, Info{}, fmt.Errorf("backup: %w", err)
	}
	os.Remove(f.Name())
	var info Info
	err = db.bolt.View(func(tx *bolt.Tx) error {
		if info, err = describe(tx); err != nil {
			return err
		}
		_, err := tx.WriteTo(f)
		return err
	})
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, Info{}, fmt.Errorf("backup: %w", err)
	}
	return f, info, nil
}

// openReadOnly opens a data file for reading, sharing it with other
// readers, once Validate has passed it; a running powerregd holds it
// exclusively, and the open then fails within a second with ErrLocked.
// warning is Validate's ErrMetaFallback, when it gave one.
func openReadOnly(path string) (b *bolt.DB, warning, err error) {
	if err := Validate(path); errors.Is(err, ErrMetaFallback) {
		warning = err
	} else if err != nil {
		return nil, nil, err
	}
	b, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, nil, fmt.Errorf("%s: %w", path, ErrLocked)
	case err != nil:
		return nil, nil, fmt.Errorf("%s: %w: %v", path, ErrNotStore, err)
	}
	return b, warning, nil
}

// safely runs fn, which reads pages of a file that may be damaged, and
// turns what a damaged page does to bbolt (a fault on a page number out of
// the file, one of its own panics) into an error.
func safely(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, p)
		}
	}()
	return fn()
}

// touch reads every page of the file that a transaction reaches, so that
// a damaged page faults in safely rather than in bbolt's own Check, which
// runs in a goroutine of its own.
func touch(tx *bolt.Tx) error {
	var walk func(b *bolt.Bucket) error
	walk = func(b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				if sub := b.Bucket(k); sub != nil {
					return walk(sub)
				}
			}
			return nil
		})
	}
	return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walk(b) })
}

// Inspect opens a data file read-only and describes it: ErrNotStore when
// it is not a powerreg data file, ErrLocked when a running powerregd has
// it open.
func Inspect(path string) (Info, error) {
	b, _, err := openReadOnly(path)
	if err != nil {
		return Info{}, err
	}
	defer b.Close()
	var info Info
	err = b.View(func(tx *bolt.Tx) error {
		return safely(func() (err error) {
			info, err = describe(tx)
			return err
		})
	})
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", path, err)
	}
	return info, nil
}

// WriteFile makes path appear whole or not at all: write fills path.tmp,
// which is synced and handed to verify (by name), then renamed to path,
// and the directory is synced so that the rename survives a crash. On any
// failure path.tmp is removed and path is left as it was.
func WriteFile(path string, write func(io.Writer) error, verify func(tmp string) error) (err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if verify != nil {
		if err = verify(tmp); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir makes the entries of a directory (a file created or renamed in
// it) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
