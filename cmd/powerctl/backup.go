package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/store"
)

func (a *app) backupCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup -o FILE",
		Short: "热备份数据文件（管理员） / hot backup of the data file (admins)",
		Long: `Takes a consistent snapshot of the server's data file while it keeps serving
reads and writes, and writes it to FILE: first to FILE.tmp, which is synced to
disk and checked (a powerreg data file whose schema version, revision and size
are those the server announced), then renamed to FILE. A failed backup leaves
no FILE.tmp and does not touch an existing FILE. -o - writes the snapshot to
standard output instead (for a pipe), checking only its size.

powerregd restore --data-dir DIR FILE makes a data dir from a backup;
powerregd check --file FILE checks every index and cross-reference of it.
Here -o/--output names the file; it is not the global output format.`,
		Example: `  POWERREG_TOKEN=$(cat data/admin.token) powerctl backup -o /var/backups/powerreg/powerreg-$(date +%F).db
  powerctl backup -o - | gzip > powerreg.db.gz`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("请用 -o 指定备份文件（-o - 为标准输出） / name the backup file with -o (-o - for standard output)")
			}
			if err := checkOutputFile(out); err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			var info *pb.BackupInfo
			if out == "-" {
				info, err = c.Backup(cmd.Context(), a.stdout)
			} else {
				err = store.WriteFile(out, func(w io.Writer) (err error) {
					info, err = c.Backup(cmd.Context(), w)
					return err
				}, func(tmp string) error { return verifyBackup(tmp, info) })
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "%s: 已备份 %d 字节（数据版本 %d，修订号 %d，清单修订号 %d） / backed up %d bytes (schema version %d, revision %d, catalogue revision %d)\n",
				out, info.GetSizeBytes(), info.GetSchemaVersion(), info.GetRevision(), info.GetCatalogRevision(),
				info.GetSizeBytes(), info.GetSchemaVersion(), info.GetRevision(), info.GetCatalogRevision())
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "backup file to write; - for standard output (required)")
	return cmd
}

// verifyBackup opens the written file read-only and compares it with what
// the server said it sent.
func verifyBackup(path string, want *pb.BackupInfo) error {
	got, err := store.Inspect(path)
	if err != nil {
		return fmt.Errorf("写入的备份无法打开 / the written backup does not open: %w", err)
	}
	if int64(got.SchemaVersion) != want.GetSchemaVersion() || got.Revision != want.GetRevision() || got.Size != want.GetSizeBytes() {
		return fmt.Errorf("写入的备份与服务器所发不符（数据版本 %d/%d，修订号 %d/%d，大小 %d/%d） / "+
			"the written backup differs from what the server sent (schema version %d/%d, revision %d/%d, size %d/%d)",
			got.SchemaVersion, want.GetSchemaVersion(), got.Revision, want.GetRevision(), got.Size, want.GetSizeBytes(),
			got.SchemaVersion, want.GetSchemaVersion(), got.Revision, want.GetRevision(), got.Size, want.GetSizeBytes())
	}
	return nil
}
