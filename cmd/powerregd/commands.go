package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/powerreg/powerreg/server/store"
)

// The offline subcommands: powerregd restore, check and recover-admin work
// on a data dir (or a backup file) with the server stopped. Each returns
// its exit status: 0 done, 1 refused or failed, 2 bad command line.

var subcommands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"restore":       restoreMain,
	"check":         checkMain,
	"recover-admin": recoverAdminMain,
}

const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// subcommand is a FlagSet for one subcommand, with its usage text.
func subcommand(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("powerregd "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags wherever they stand among the arguments
// (powerregd restore FILE --data-dir DIR as well as --data-dir DIR FILE)
// and returns the others.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// usageStatus is the exit status of a failed parse: 0 for --help.
func usageStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// fail prints a refusal and returns exitFailure.
func fail(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "powerregd: "+format+"\n", args...)
	return exitFailure
}

// badUsage prints what is wrong with the command line and returns
// exitUsage.
func badUsage(stderr io.Writer, format string, args ...any) int {
	fail(stderr, format+"; see --help / 用法见 --help", args...)
	return exitUsage
}

// dataFile is the data file of dir; it must exist (the offline commands
// never create a store).
func dataFile(dir string) (string, error) {
	path := filepath.Join(dir, store.FileName)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s 中没有数据文件 %s / %s holds no data file %s", dir, store.FileName, dir, store.FileName)
		}
		return "", err
	}
	return path, nil
}
