package server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// WriteAdminToken writes an admin token's secret to path (the data dir's
// AdminTokenFile), readable by this user only, synced to disk. A file left
// there (with its mode, or a symlink) is replaced, never written through.
// powerregd recover-admin writes the file with it; a start never replaces
// the file (createAdminToken).
func WriteAdminToken(path, secret string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return createAdminToken(path, secret)
}

// createAdminToken writes a new file at path, failing with fs.ErrExist
// when one is there.
func createAdminToken(path, secret string) error {
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

// tokenFileLeft refuses to create a registry's first admin token where an
// admin.token file is left: it belongs to another registry (or to a data
// file that was lost), and a start never replaces it.
func tokenFileLeft(path string) error {
	return fmt.Errorf("%s 已存在，而登记簿还没有任何令牌：启动从不覆盖它。它可能属于丢失或被移走的数据文件：若 powerreg.db 丢失，"+
		"请从备份恢复（powerregd restore）；若确要新建登记簿，请先将 %s 移走，再启动 / "+
		"%s exists but the registry has no token yet, and a start never replaces it. It may belong to a data file that was "+
		"lost or moved: if powerreg.db was lost, restore it from a backup (powerregd restore); to create a new registry, "+
		"move %s away first, then start again", path, path, path, path)
}
