package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/powerreg/powerreg/server/store"
)

const restoreUsage = `powerregd restore: make a data dir from a backup / 从备份恢复数据目录

Usage: powerregd restore --data-dir DIR FILE

FILE is a backup taken with powerctl backup. It must be a powerreg data file
of a schema version this powerregd knows, and pass powerregd check, before
anything is written. DIR must not exist or be empty: restore never overwrites
a data dir. The data file is written to DIR atomically (a temporary file,
synced, then renamed). Then start powerregd --data-dir DIR; the tokens of the
backup work as they did (a lost admin token: powerregd recover-admin).
`

func restoreMain(args []string, stdout, stderr io.Writer) int {
	fs := subcommand("restore", restoreUsage, stderr)
	dir := fs.String("data-dir", "data", "the new data dir (must not exist or be empty) / 新数据目录（须不存在或为空）")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	if len(rest) != 1 {
		return badUsage(stderr, "请给出一个备份文件 / give one backup file, not %d arguments", len(rest))
	}
	from := rest[0]
	switch entries, err := os.ReadDir(*dir); {
	case err == nil && len(entries) > 0:
		return fail(stderr, "数据目录 %s 已存在且不为空，恢复不会覆盖它：请指定新目录，或先将它移走 / "+
			"the data dir %s exists and is not empty; restore never overwrites one: choose a new dir, or move it away first", *dir, *dir)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fail(stderr, "数据目录 %s 不可用 / the data dir %s cannot be used: %v", *dir, *dir, err)
	}

	r, err := store.Check(from)
	switch {
	case errors.Is(err, store.ErrNotStore):
		return fail(stderr, "%v\n%s 不是 powerreg 的备份文件，未写入任何内容 / %s is not a powerreg backup; nothing was written", err, from, from)
	case err != nil:
		return fail(stderr, "%v\n未写入任何内容 / nothing was written", err)
	case len(r.Problems) > 0:
		for _, p := range r.Problems {
			fmt.Fprintln(stderr, p)
		}
		return fail(stderr, "%s 未通过检查（%d 个问题，见上），未写入任何内容 / %s fails the check (%d problems, listed above); nothing was written",
			from, len(r.Problems), from, len(r.Problems))
	}

	if err := restoreFile(from, *dir, r.Info); err != nil {
		return fail(stderr, "恢复失败，数据目录未改动 / the restore failed and left the data dir as it was: %v", err)
	}
	fmt.Fprintf(stdout, "已将 %s 恢复到 %s（数据版本 %d，修订号 %d，清单修订号 %d）；启动：powerregd --data-dir %s / "+
		"restored %s into %s (schema version %d, revision %d, catalogue revision %d); start it with powerregd --data-dir %s\n",
		from, *dir, r.SchemaVersion, r.Revision, r.CatalogRevision, *dir,
		from, *dir, r.SchemaVersion, r.Revision, r.CatalogRevision, *dir)
	return exitOK
}

// restoreFile copies the checked backup into dir (created if missing, and
// removed again if the copy fails) and checks that the copy is the same
// snapshot.
func restoreFile(from, dir string, want store.Info) (err error) {
	if _, serr := os.Stat(dir); errors.Is(serr, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				os.Remove(dir)
			}
		}()
	}
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	err = store.WriteFile(filepath.Join(dir, store.FileName), func(w io.Writer) error {
		_, err := io.Copy(w, src)
		return err
	}, func(tmp string) error {
		got, err := store.Inspect(tmp)
		if err == nil && got != want {
			err = fmt.Errorf("the copy is not the checked backup: %+v, want %+v / 副本与检查过的备份不符", got, want)
		}
		return err
	})
	if err != nil {
		return err
	}
	return store.SyncDir(filepath.Dir(filepath.Clean(dir)))
}
