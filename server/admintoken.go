package server

import (
	"errors"
	"io/fs"
	"os"
)

// WriteAdminToken writes an admin token's secret to path (the data dir's
// AdminTokenFile), readable by this user only, synced to disk. A file left
// there (with its mode, or a symlink) is replaced, never written through.
// The bootstrap and powerregd recover-admin write the file with it.
func WriteAdminToken(path, secret string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(secret + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
