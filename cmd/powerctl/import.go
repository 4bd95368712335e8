package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

type importOptions struct {
	department        string
	createDepartments bool
	createDuplicates  bool
	strict            bool
	dryRun            bool
	skipInvalid       bool
	force             bool
	sheet             string
	rejects           string
}

func (a *app) importCmd() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import [--department ID | --create-departments] [--dry-run] [--strict] [--skip-invalid] FILE…",
		Short: "导入梳理表（CSV 或 XLSX）：新建事项，更新已有事项 / import lists (CSV or XLSX): create items, update existing ones",
		Long: `Imports department lists (梳理表). Files are CSV (UTF-8 with or without
BOM, or GB18030) or XLSX (the first sheet, or --sheet), in the template's
columns (powerctl template) or the headers real lists use (实施主体/部门, 大项,
子项名称, 职权名称/事项名称, 职权类型/事项类型, 职权编码/实施编码, 设定依据,
区划代码, …). Categories are read through the server's mapping table
(行政许可, 公共服务 → 管理服务, 行政奖励 → 其他权力, …) or as enum names.

A row that identifies an item of its department updates it, whatever its
state: by the 事项标识 column of a working-copy export (powerctl export
--working-copy), or else by its 职权编码 when an item has that code, so the
original file with a column added works too. Only the fields the file has
columns for are compared and written: a file without a 设定依据 column
leaves the legal bases alone (with 事项标识, 职权类型 may be left out
too). A row equal to its item changes nothing; a
row that changes an item in review (submitted or approved) is refused. A
changed published item gets a pending change; it stays in force until
the change is published. Other rows create draft items.

A row without 事项标识 or code that has the name and main item of an item
the department already has is refused, naming both: import the working
copy instead (powerctl export --working-copy), or give --create-duplicates
to create such rows as new items all the same. Two rows of one file that
describe the same item are refused, naming both rows.

A row with 大项 (or 子项名称) is a sub-item of the main item of that name,
which is created when the department has none.

--department ID imports every row into one department; a row whose
实施主体 names another department is refused. Otherwise each row's
实施主体/部门 names its department by display name; --create-departments
creates the ones that do not exist, with the region of the row's 区划代码
(511602000000 is kept as 511602) when the file has that column.

Each file prints how many rows are new, changed and unchanged; with
--dry-run also which fields each changed row changes (old → new) and how
many rows change each field.

Columns the importer does not know are named in one warning per file and
ignored; --strict makes them a problem, and nothing is imported.

Every file is read and checked first. A problem is reported with file, row
(as Excel numbers it, header = row 1), column and reason; then nothing is
imported and the exit status is 1. With --skip-invalid the good rows are
imported and the bad ones are written, with their reasons, to
FILE.rejected.csv (or --rejects), to be fixed and imported again.

A suspect cell (a CSV cell that holds lines looking like whole rows, as a
stray quote makes) is reported as a warning and also stops the import,
even with --skip-invalid; --force imports such a file once you have
checked it. Other warnings (a line break in a name made a space) do not.

Files are read one row at a time within the limits of an import (at most
100,000 item rows, 200 columns in use, 1 MB per row, 10,000 merged ranges,
256 MB per file and 512 MB unzipped for XLSX); the first limit passed stops
the reading with the row it was found at. On a terminal, long files show
the rows read so far.

Each file is one import: all of its rows or none. --dry-run checks
everything on the server and writes nothing.

Importing needs an editor's token for the department (--department ID); rows
that name their departments need an editor of every department (department
"-"), and --create-departments needs the admin role as well.`,
		Example: `  powerctl import --create-departments items.csv
  powerctl import --department gtzyj --sheet 行政处罚 gtzyj.xlsx
  powerctl import --create-departments --dry-run a.csv b.xlsx
  powerctl import --department gtzyj --skip-invalid gtzyj.xlsx   # bad rows go to gtzyj.rejected.csv
  powerctl export --working-copy --department d5 -o d5.xlsx      # edit d5.xlsx, then:
  powerctl import --department d5 --dry-run d5.xlsx
  powerctl import --department d5 d5.xlsx`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, files []string) error {
			if o.department != "" && o.createDepartments {
				return usagef("--department 与 --create-departments 只能选一个 / use either --department or --create-departments, not both")
			}
			if o.rejects != "" && (!o.skipInvalid || len(files) > 1) {
				return usagef("--rejects 只用于 --skip-invalid 且只导入一个文件 / --rejects goes with --skip-invalid and one file")
			}
			return a.runImport(cmd.Context(), files, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.department, "department", "", "import every row into this department (id)")
	f.BoolVar(&o.createDepartments, "create-departments", false, "create the departments that rows name and that do not exist (region from 区划代码)")
	f.BoolVar(&o.createDuplicates, "create-duplicates", false, "create rows that match an existing item by name and main item as new items all the same")
	f.BoolVar(&o.strict, "strict", false, "refuse files with columns the importer does not know (default: a warning)")
	f.BoolVar(&o.dryRun, "dry-run", false, "check everything and show what would change, write nothing (server validate_only)")
	f.BoolVar(&o.skipInvalid, "skip-invalid", false, "import the good rows; write the bad ones with their reasons to FILE.rejected.csv")
	f.BoolVar(&o.force, "force", false, "import files with warnings (checked by you), such as cells that look like several rows")
	f.StringVar(&o.sheet, "sheet", "", "XLSX sheet to read (default: the first)")
	f.StringVar(&o.rejects, "rejects", "", "with --skip-invalid and one file: where to write the bad rows")
	return cmd
}

// inputFile is one file being imported.
type inputFile struct {
	path     string
	rows     []sheet.Row
	rejected []sheet.Problem // problems of rows left out (with --skip-invalid)
	fatal    bool            // the file cannot be imported at all
	failed   bool            // reported on stderr

	result      *pb.ImportItemsResponse
	sent        []sheet.Row // the rows of the call that result answers: its results' row indices count them
	rejectsPath string
}

func (a *app) runImport(ctx context.Context, paths []string, o importOptions) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	infos, err := c.Categories(ctx)
	if err != nil {
		return err
	}
	opts := sheet.Options{Sheet: o.sheet, Categories: categoryMap(infos)}
	var files []*inputFile
	problems, suspects := 0, 0
	for _, path := range paths {
		f := &inputFile{path: path}
		files = append(files, f)
		var done func()
		opts.Progress, done = a.readProgress(path)
		rows, ps, err := sheet.Read(path, opts)
		done()
		if err != nil {
			// The reader's errors start with the file's name.
			fmt.Fprintln(a.stderr, safe(err.Error()))
			f.fatal = true
			problems++
			continue
		}
		f.rows = rows
		if unknown := sheet.UnknownColumns(fileHeader(rows, ps), rows); len(unknown) > 0 {
			if o.strict {
				fmt.Fprintf(a.stderr, "%s: 有无法识别的列：%s；请删除或改用模板的表头（powerctl template），或去掉 --strict 忽略这些列 / "+
					"columns not recognised: %s; delete them or use the template's headers (powerctl template), or drop --strict to ignore them\n",
					filepath.Base(path), safe(strings.Join(unknown, "、")), safe(strings.Join(unknown, ", ")))
				f.fatal = true
				problems++
			} else {
				fmt.Fprintf(a.stderr, "警告 / warning: %s: 以下列无法识别，已忽略：%s（--strict 时视为错误） / "+
					"columns not recognised, ignored: %s (an error with --strict)\n",
					filepath.Base(path), safe(strings.Join(unknown, "、")), safe(strings.Join(unknown, ", ")))
			}
		}
		for _, r := range rows {
			for _, w := range r.Warnings {
				fmt.Fprintln(a.stderr, "警告 / warning: "+safe(w.String()))
			}
		}
		for _, p := range ps {
			fmt.Fprintln(a.stderr, safe(p.String()))
			if p.Suspect { // the row is among rows
				suspects++
				continue
			}
			if p.Cells == nil {
				f.fatal = true
			}
			f.rejected = append(f.rejected, p)
			problems++
		}
		if o.department == "" && len(rows) > 0 && rows[0].Department == "" {
			// sheet leaves Department empty only when there is no such column.
			fmt.Fprintf(a.stderr, "%s: 没有「实施主体」列：请用 --department ID 指定部门，或在表中加上这一列 / "+
				"no 实施主体 (department) column: give the department with --department ID, or add the column\n", filepath.Base(path))
			f.fatal = true
			problems++
		}
	}
	if problems > 0 && !o.skipInvalid {
		// --skip-invalid sets bad rows aside, never a file that cannot be read.
		skippable := false
		for _, f := range files {
			skippable = skippable || (!f.fatal && len(f.rejected) > 0)
		}
		if !skippable {
			fmt.Fprintf(a.stderr, "powerctl: 发现 %d 个问题，未导入任何内容；请按上面的说明修改文件后重新导入 / "+
				"%d problems found; nothing was imported. Fix the file as said above and import it again\n", problems, problems)
			return errReported
		}
		fmt.Fprintf(a.stderr, "powerctl: 发现 %d 个问题，未导入任何内容；请修改后重新导入，或用 --skip-invalid 只导入无误的行 / "+
			"%d problems found; nothing was imported. Fix them and import again, or import the good rows with --skip-invalid\n",
			problems, problems)
		return errReported
	}
	if suspects > 0 && !o.force {
		fmt.Fprintf(a.stderr, "powerctl: 发现 %d 个可疑的单元格（见上面的警告），未导入任何内容；请检查文件，确认无误后可用 --force 导入 / "+
			"%d suspect cells (see the warnings above); nothing was imported. Check the file; if it is right, import it with --force\n",
			suspects, suspects)
		return errReported
	}
	failed := 0
	for _, f := range files {
		if f.failed = !a.importFile(ctx, c, f, o); f.failed {
			failed++
		}
	}
	if err := a.printImportResults(files, o); err != nil {
		return err
	}
	if failed > 0 {
		fmt.Fprintf(a.stderr, "powerctl: %d 个文件未导入 / %d files were not imported\n", failed, failed)
		return errReported
	}
	return nil
}

// importFile imports one file's rows in one call; with --skip-invalid, rows
// the server refuses are set aside and the rest sent again. It reports
// problems on stderr and returns whether the file was imported.
func (a *app) importFile(ctx context.Context, c *client.Client, f *inputFile, o importOptions) bool {
	if f.fatal {
		fmt.Fprintf(a.stderr, "%s: 未导入 / not imported\n", f.path)
		return false
	}
	good := f.rows
	for attempt := 0; len(good) > 0; attempt++ {
		resp, err := a.send(ctx, c, f.path, good, o)
		if err == nil {
			f.result, f.sent = resp, good
			break
		}
		located, other := rowProblems(err, good)
		if len(located) == 0 || len(other) > 0 || !o.skipInvalid || attempt == 2 {
			if len(located) == 0 && len(other) == 0 {
				fmt.Fprintf(a.stderr, "%s: %s\n", f.path, a.describe(err))
			} else {
				fmt.Fprintf(a.stderr, "%s: %s\n", f.path, headline(firstLine(safe(client.Describe(err))), good))
				for _, p := range located {
					fmt.Fprintln(a.stderr, safe(p.String()))
				}
				for _, p := range other {
					fmt.Fprintf(a.stderr, "%s: %s: %s\n", f.path, safe(p.Where), safe(p.What))
				}
			}
			fmt.Fprintf(a.stderr, "%s: 整个文件未导入 / the whole file was refused; nothing was imported from it\n", f.path)
			return false
		}
		bad := map[int]bool{}
		for _, p := range located {
			fmt.Fprintln(a.stderr, safe(p.String()))
			bad[p.Line] = true
		}
		var rest []sheet.Row
		for _, r := range good {
			if !bad[r.Line] {
				rest = append(rest, r)
			}
		}
		good = rest
		f.rejected = append(f.rejected, located...)
	}
	if f.result == nil {
		fmt.Fprintf(a.stderr, "%s: 没有可导入的行：表头之后没有事项行（或都有误，见上文）；请在表头下面每行填写一个事项 / "+
			"no rows to import: no item rows follow the header (or all have problems, see above): put one item per row below the header\n", f.path)
	}
	if len(f.rejected) == 0 {
		return f.result != nil
	}
	f.rejectsPath = o.rejects
	if f.rejectsPath == "" {
		f.rejectsPath = strings.TrimSuffix(f.path, filepath.Ext(f.path)) + ".rejected.csv"
	}
	if o.dryRun {
		return f.result != nil
	}
	if err := writeRejects(f.rejectsPath, f.rejected); err != nil {
		fmt.Fprintf(a.stderr, "%s: %v\n", f.rejectsPath, err)
		return false
	}
	return f.result != nil
}

// send streams rows to ImportItems, with a progress bar when stderr is a
// terminal.
func (a *app) send(ctx context.Context, c *client.Client, path string, rows []sheet.Row, o importOptions) (*pb.ImportItemsResponse, error) {
	in := make([]*pb.ImportRow, len(rows))
	for i, r := range rows {
		// The department is sent with --department too: the server refuses
		// a row that names another one.
		in[i] = &pb.ImportRow{MainItem: r.MainItem, Item: r.Item, DepartmentDisplayName: r.Department, RegionCode: r.RegionCode}
	}
	// Always the round trip's mode: a row that identifies an item updates
	// it; only the fields the file has columns for.
	opts := client.ImportOptions{CreateDepartments: o.createDepartments, ValidateOnly: o.dryRun,
		UpdateExisting: true, CreateDuplicates: o.createDuplicates}
	if len(rows) > 0 {
		opts.UpdateMask = sheet.UpdateMask(rows[0].Header)
	}
	if o.department != "" {
		opts.Parent = departmentName(o.department)
	}
	if isTerminal(a.stderr) {
		bar := progressbar.NewOptions(len(in), progressbar.OptionSetWriter(a.stderr),
			progressbar.OptionSetDescription(filepath.Base(path)), progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30), progressbar.OptionClearOnFinish())
		opts.Progress = func(sent int) {
			if sent == len(in) {
				bar.Describe(filepath.Base(path) + " 服务器检查中 / the server is checking")
			}
			_ = bar.Set(sent)
		}
		defer func() { _ = bar.Finish() }()
	}
	return c.Import(ctx, in, opts)
}

// readProgress returns the Progress of sheet.Options for reading path, and
// a function that ends it: on a terminal, one line rewritten in place
// ("已读 20000 行 / read 20000 rows") and erased at the end; elsewhere
// nothing, so that logs and scripts only see results and problems.
func (a *app) readProgress(path string) (progress func(int), done func()) {
	return readProgress(a.stderr, isTerminal(a.stderr), path)
}

func readProgress(w io.Writer, tty bool, path string) (progress func(int), done func()) {
	if !tty {
		return nil, func() {}
	}
	shown := false
	return func(n int) {
			shown = true
			fmt.Fprintf(w, "\r%s: 已读 %d 行 / read %d rows", filepath.Base(path), n, n)
		}, func() {
			if shown {
				fmt.Fprint(w, "\r\033[K")
			}
		}
}

// writeRejects writes the rows of problems, with their reasons, in row
// order.
func writeRejects(path string, problems []sheet.Problem) error {
	sorted := append([]sheet.Problem{}, problems...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Line < sorted[j].Line })
	header, lines, reasons := sheet.RejectLines(sorted)
	var b bytes.Buffer
	if err := sheet.WriteRejects(&b, header, lines, reasons); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// fileHeader is the header row of a file as read: from its rows, or from
// its problems when no row is good.
func fileHeader(rows []sheet.Row, problems []sheet.Problem) []string {
	if len(rows) > 0 {
		return rows[0].Header
	}
	for _, p := range problems {
		if p.Header != nil {
			return p.Header
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// rejectedRows counts the rows set aside (a row may have several problems).
func rejectedRows(problems []sheet.Problem) int {
	seen := map[int]bool{}
	for _, p := range problems {
		if p.Cells != nil {
			seen[p.Line] = true
		}
	}
	return len(seen)
}

func (a *app) printImportResults(files []*inputFile, o importOptions) error {
	if a.json() {
		type out struct {
			File     string          `json:"file"`
			Imported bool            `json:"imported"`
			DryRun   bool            `json:"dryRun,omitempty"`
			Rejected int             `json:"rejectedRows,omitempty"`
			Rejects  string          `json:"rejectsFile,omitempty"`
			Result   json.RawMessage `json:"result,omitempty"`
		}
		var list []out
		for _, f := range files {
			e := out{File: f.path, Imported: f.result != nil, DryRun: o.dryRun, Rejected: rejectedRows(f.rejected), Rejects: f.rejectsPath}
			if f.result != nil {
				e.Result = protoJSON(f.result)
			}
			list = append(list, e)
		}
		return writeJSON(a.stdout, list)
	}
	var b strings.Builder
	for _, f := range files {
		r := f.result
		if r == nil && f.rejectsPath == "" {
			continue // refused: reported on stderr
		}
		if r == nil {
			// every row was bad; where they went is said below
		} else if o.dryRun {
			fmt.Fprintf(&b, "%s: 检查通过，未写入：将新增 %d 项、修改 %d 项、不变 %d 项，新建部门 %d 个 / "+
				"check passed, nothing was written: %d new, %d changed, %d unchanged; %d departments would be created\n",
				f.path, r.GetCreatedCount(), r.GetUpdatedCount(), r.GetUnchangedCount(), len(r.GetCreatedDepartments()),
				r.GetCreatedCount(), r.GetUpdatedCount(), r.GetUnchangedCount(), len(r.GetCreatedDepartments()))
			writeChanges(&b, f)
		} else {
			fmt.Fprintf(&b, "%s: 新增 %d 项、修改 %d 项、不变 %d 项，新建大项 %d 个、部门 %d 个 / "+
				"%d new, %d changed, %d unchanged; created %d main items and %d departments\n",
				f.path, r.GetCreatedCount(), r.GetUpdatedCount(), r.GetUnchangedCount(), len(r.GetCreatedMainItems()), len(r.GetCreatedDepartments()),
				r.GetCreatedCount(), r.GetUpdatedCount(), r.GetUnchangedCount(), len(r.GetCreatedMainItems()), len(r.GetCreatedDepartments()))
		}
		if r != nil && len(r.GetCreatedDepartments()) > 0 {
			t := &table{}
			for _, d := range r.GetCreatedDepartments() {
				t.add("  + "+shortID(d.GetName()), d.GetDisplayName())
			}
			_ = t.write(&b)
		}
		if n := rejectedRows(f.rejected); n > 0 && f.rejectsPath != "" {
			if o.dryRun {
				fmt.Fprintf(&b, "%s: %d 行有误，将跳过（--dry-run 未写入 %s） / %d bad rows would be skipped (--dry-run: %s not written)\n",
					f.path, n, f.rejectsPath, n, f.rejectsPath)
			} else {
				fmt.Fprintf(&b, "%s: %d 行有误未导入，已连同原因写入 %s，修改后可重新导入 / %d bad rows were skipped and written with their reasons to %s: fix them there and import that file\n",
					f.path, n, f.rejectsPath, n, f.rejectsPath)
			}
		}
	}
	_, err := fmt.Fprint(a.stdout, b.String())
	return err
}
