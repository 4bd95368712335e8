package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/powerreg/powerreg/server/store"
)

const checkUsage = `powerregd check: verify a data dir or a backup / 检查数据目录或备份文件

Usage: powerregd check [--data-dir DIR | --file BACKUP]

First reads the file's size and both bbolt meta pages, then verifies every
record's checksum (its envelope's CRC-32C), and checks every index and
cross-reference of the store against the primary records (items, their revisions, codes, submissions, publications, the
published catalogue and its indexes, tokens), the counters and revisions, the
counts of items per state, the change feed, and the hash chain of the audit
trail. Exit status 0 when all is
well; 1 naming every problem (bucket, key, what is wrong), or when the file
cannot be read; 2 for a bad command line.

The data dir must not be in use: stop powerregd, or check a backup of the
running server instead:
  powerctl backup -o F && powerregd check --file F
`

func checkMain(args []string, stdout, stderr io.Writer) int {
	fs := subcommand("check", checkUsage, stderr)
	dir := fs.String("data-dir", "data", "data dir to check / 要检查的数据目录")
	file := fs.String("file", "", "a backup file (powerctl backup) to check instead / 改为检查备份文件")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	dirSet := false
	fs.Visit(func(f *flag.Flag) { dirSet = dirSet || f.Name == "data-dir" })
	switch {
	case len(rest) > 0:
		return badUsage(stderr, "多余的参数 %q / unexpected arguments %q", rest, rest)
	case dirSet && *file != "":
		return badUsage(stderr, "--data-dir 与 --file 只能选一个 / give --data-dir or --file, not both")
	}
	path := *file
	if path == "" {
		if path, err = dataFile(*dir); err != nil {
			return fail(stderr, "%v", err)
		}
	}
	r, err := store.Check(path)
	switch {
	case errors.Is(err, store.ErrLocked):
		return fail(stderr, "%v\n运行中的 powerregd 占用着数据目录：请先停止 powerregd，或检查一份备份 / a running powerregd holds the data dir: "+
			"stop powerregd, or check a backup:\n  powerctl backup -o F && powerregd check --file F", err)
	case err != nil:
		return fail(stderr, "%v", err)
	}
	fmt.Fprintf(stdout, "%s: 数据版本 %d，修订号 %d，清单修订号 %d，%d 字节 / schema version %d, revision %d, catalogue revision %d, %d bytes\n",
		path, r.SchemaVersion, r.Revision, r.CatalogRevision, r.Size, r.SchemaVersion, r.Revision, r.CatalogRevision, r.Size)
	total := 0
	var counts []string
	for _, b := range slices.Sorted(maps.Keys(r.Records)) {
		total += r.Records[b]
		counts = append(counts, fmt.Sprintf("%s %d", b, r.Records[b]))
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(stdout, "注意 / warning:", w)
	}
	fmt.Fprintf(stdout, "检查了 %d 条记录 / checked %d records: %s\n", total, total, strings.Join(counts, ", "))
	if len(r.Problems) == 0 {
		fmt.Fprintln(stdout, "未发现问题 / no problems found")
		return exitOK
	}
	for _, p := range r.Problems {
		fmt.Fprintln(stdout, p)
	}
	return fail(stderr, "发现 %d 个问题（见上） / found %d problems (listed above)", len(r.Problems), len(r.Problems))
}
