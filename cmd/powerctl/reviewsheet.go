package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/internal/controls"
)

func (a *app) reviewExportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export NAME [-o FILE] [--format xlsx|csv]",
		Short: "导出审核表：批次的事项，每项一行，留空的审核意见列 / write the review sheet: one row per item, an empty comment column",
		Long: `Writes a batch for reviewing offline or printing: one row per item in the
import template's columns, then 事项标识 (the item), 变更类型 (新增, 修改 or
废止), 变更字段 (the fields that differ from the revision in force) and an
empty column 审核意见（退回时填写）. Write a comment on the rows to return and
leave the others empty, then apply the sheet with powerctl review import.

The format is --format, else the extension of -o (.xlsx, .csv), else csv.
Without -o the sheet goes to standard output (CSV only). Here -o/--output
names the file; it is not the global output format.`,
		Example: `  powerctl review export departments/gtzyj/submissions/1 -o 审核表.xlsx
  powerctl review export departments/gtzyj/submissions/1 --format csv > 审核表.csv`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			if err := checkOutputFile(out); err != nil {
				return err
			}
			if format == "" {
				format = "csv"
				if strings.EqualFold(filepath.Ext(out), ".xlsx") {
					format = "xlsx"
				}
			}
			if format != "csv" && format != "xlsx" {
				return usagef("--format 应为 xlsx 或 csv / --format must be xlsx or csv, not %q", format)
			}
			if format == "xlsx" && out == "" && isTerminal(a.stdout) {
				return usagef("XLSX 不能输出到终端，请用 -o FILE.xlsx / XLSX is not for a terminal: use -o FILE.xlsx")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			name := list[0]
			rows, err := reviewRows(cmd.Context(), c, name)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if format == "xlsx" {
				err = sheet.WriteXLSXColumns(&b, rows, sheet.ReviewKeys)
			} else {
				err = sheet.WriteCSVColumns(&b, rows, sheet.ReviewKeys)
			}
			if err != nil {
				return err
			}
			if err := writeOutput(a.stdout, out, b.Bytes()); err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintf(a.stderr, "%s: 已导出批次 %s 的 %d 个事项；在要退回的行填写“审核意见”，再用 powerctl review import %s %s 提交 / "+
					"exported %d items of %s; write a comment on the rows to return, then apply it with powerctl review import %s %s\n",
					out, name, len(rows), name, out, len(rows), name, name, out)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "xlsx or csv (default: from the extension of -o, else csv)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write (default: standard output)")
	return cmd
}

// reviewRows are a batch's items as rows of the review sheet, main items
// before their sub-items: the department and the main item by display
// name (as the template has them), the change, and the labels of the
// fields that differ.
func reviewRows(ctx context.Context, c *client.Client, name string) ([]sheet.Row, error) {
	items, err := c.SubmissionItems(ctx, name)
	if err != nil {
		return nil, err
	}
	dept, err := c.Registry.GetDepartment(ctx, &pb.GetDepartmentRequest{Name: strings.SplitN(name, "/submissions/", 2)[0]})
	if err != nil {
		return nil, err
	}
	names, err := mainItemNames(ctx, c, name, items)
	if err != nil {
		return nil, err
	}
	var rows []sheet.Row
	for _, n := range itemTree(items, names) {
		si := n.item
		it := proto.Clone(si.GetItem()).(*pb.Item)
		it.PendingChange = si.GetChange() // 变更类型 is the change the batch makes
		main := ""
		if p := it.GetParent(); p != "" {
			main = names[p]
		}
		var changed []string
		for _, d := range si.GetDifferences() {
			if col, ok := sheet.ColumnOf(sheet.ColumnOfPath(d.GetField())); ok && col.Label != "" {
				changed = append(changed, col.Label)
			} else {
				changed = append(changed, d.GetField())
			}
		}
		rows = append(rows, sheet.Row{Department: dept.GetDepartment().GetDisplayName(), MainItem: main, Item: it,
			Extra: map[string]string{sheet.KeyChangedFields: strings.Join(changed, "、")}})
	}
	return rows, nil
}

func (a *app) reviewImportCmd() *cobra.Command {
	var comment string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "import NAME FILE [--comment TEXT] [--dry-run]",
		Short: "按填好的审核表审核批次：有意见的退回，其余通过 / apply a filled review sheet: rows with a comment are returned, the rest approved",
		Long: `Applies a review sheet that powerctl review export wrote and a reviewer
filled: each row is matched to an item of the batch by its 事项标识 column;
the items whose 审核意见 is filled are returned with that comment and the
rest approved, in one call (all or nothing). When every row has a comment,
the whole batch is returned (rejected) with the comments. --comment is the
comment on the batch.

Every item of the batch must have exactly one row: a row naming an item
that is not in the batch, a row without 事项标识, two rows for one item, and
an item without a row are problems, each named with its row; then nothing
is done (exit 1). --dry-run checks the sheet and prints what would be done,
doing nothing.

It needs a reviewer's token; four eyes hold as for review approve (whoever
submitted the batch or edited one of its items cannot review it).`,
		Example: `  powerctl review import departments/gtzyj/submissions/1 审核表.xlsx --dry-run
  POWERREG_TOKEN=$(cat reviewer.token) powerctl review import departments/gtzyj/submissions/1 审核表.xlsx --comment 同意`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, list []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			return a.reviewImport(cmd.Context(), c, list[0], list[1], comment, dryRun)
		},
	}
	cmd.Flags().StringVar(&comment, "comment", "", "the reviewer's comment on the batch")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the sheet and print what would be done; change nothing")
	return cmd
}

// sheetVerdict is one row of a filled review sheet.
type sheetVerdict struct {
	line          int
	item, comment string
	content       *pb.Item // the row's item as read; nil for a row read with a problem
}

func (a *app) reviewImport(ctx context.Context, c *client.Client, name, path, comment string, dryRun bool) (err error) {
	infos, err := c.Categories(ctx)
	if err != nil {
		return err
	}
	verdicts, problems, err := readReviewSheet(path, sheet.Options{Categories: categoryMap(infos)})
	if err != nil {
		return err
	}
	if verdicts == nil && len(problems) > 0 {
		return a.sheetProblems(problems) // not a review sheet
	}
	items, err := c.SubmissionItems(ctx, name)
	if err != nil {
		return err
	}
	problems = append(problems, checkVerdicts(filepath.Base(path), name, items, verdicts)...)
	if len(problems) > 0 {
		return a.sheetProblems(problems)
	}
	display := map[string]string{}
	for _, si := range items {
		display[si.GetItem().GetName()] = si.GetItem().GetDisplayName()
	}
	var returned []*pb.ItemComment
	for _, v := range verdicts {
		if v.comment != "" {
			returned = append(returned, &pb.ItemComment{Item: v.item, Comment: v.comment})
		}
	}
	rejectAll := len(items) > 0 && len(returned) == len(items) // nothing left to approve: return the batch
	if dryRun {
		return a.printVerdicts(name, items, returned, display, rejectAll, true)
	}
	var sub *pb.Submission
	defer func() {
		if ps := commentProblems(filepath.Base(path), err, returned, verdicts); len(ps) > 0 {
			err = a.sheetProblems(ps)
		}
	}()
	if rejectAll {
		if comment == "" {
			comment = "退回修改，意见见各事项 / returned: see the comment on each item"
		}
		resp, err := c.Registry.RejectSubmission(ctx, &pb.RejectSubmissionRequest{Name: name, Comment: comment, ItemComments: returned})
		if err != nil {
			return err
		}
		sub = resp.GetSubmission()
	} else {
		resp, err := c.Registry.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: name, Comment: comment, ReturnedItems: returned})
		if err != nil {
			return err
		}
		sub = resp.GetSubmission()
	}
	if a.json() {
		return writeJSON(a.stdout, sub)
	}
	return a.printVerdicts(sub.GetName(), items, returned, display, rejectAll, false)
}

// sheetProblems prints the problems of a review sheet and says that
// nothing was reviewed.
func (a *app) sheetProblems(problems []string) error {
	for _, p := range problems {
		fmt.Fprintln(a.stderr, safe(p))
	}
	fmt.Fprintf(a.stderr, "powerctl: 审核表有 %d 个问题，未做任何审核；请按上面的说明改正后重新导入 / "+
		"the review sheet has %d problems; nothing was reviewed. Fix them as said above and import it again\n", len(problems), len(problems))
	return errReported
}

// printVerdicts says what a review sheet does (or would do, dry run).
func (a *app) printVerdicts(name string, items []*pb.SubmissionItem, returned []*pb.ItemComment, display map[string]string, rejectAll, dryRun bool) error {
	var b strings.Builder
	would, wouldEn := "", ""
	if dryRun {
		would, wouldEn = "将", "would be "
	}
	switch {
	case rejectAll:
		fmt.Fprintf(&b, "%s: %s退回全部 %d 个事项 / all %d items %sreturned\n", oneLine(name), would, len(items), len(items), wouldEn)
	default:
		approved := len(items) - len(returned)
		if dryRun {
			fmt.Fprintf(&b, "%s: 将审核通过 %d 个事项，退回 %d 个 / %d items would be approved, %d returned\n", oneLine(name), approved, len(returned), approved, len(returned))
		} else {
			fmt.Fprintf(&b, "%s: 已审核通过 %d 个事项，退回 %d 个 / approved %d items, returned %d\n", oneLine(name), approved, len(returned), approved, len(returned))
		}
	}
	for _, r := range returned {
		writeWrapped(&b, "  退回 / return  ", "    ", oneLine(r.GetItem())+"  "+quoteName(display[r.GetItem()]))
		writeWrapped(&b, "    ", "    ", safeText(r.GetComment()))
	}
	if dryRun {
		b.WriteString("（试运行，未做任何审核 / dry run: nothing was reviewed）\n")
	}
	_, err := fmt.Fprint(a.stdout, b.String())
	return err
}

// readReviewSheet reads the identity and comment of each row of a review
// sheet. Rows the reader finds a problem with (in a column the reviewer
// did not need to touch) still count: their cells as read give the two
// columns. A problem of the whole file (a bad header) is returned as is.
func readReviewSheet(path string, opts sheet.Options) ([]sheetVerdict, []string, error) {
	rows, ps, err := sheet.Read(path, opts)
	if err != nil {
		return nil, nil, err
	}
	var out []sheetVerdict
	var problems []string
	for _, r := range rows {
		out = append(out, sheetVerdict{line: r.Line, item: strings.TrimSpace(r.Item.GetName()), comment: strings.TrimSpace(r.Extra[sheet.KeyReviewComment]),
			content: r.Item})
	}
	file := filepath.Base(path)
	for _, p := range ps {
		if p.Suspect {
			continue // the row is among rows
		}
		if p.Cells == nil {
			problems = append(problems, p.String())
			continue
		}
		v := sheetVerdict{line: p.Line}
		for i, h := range p.Header {
			if i >= len(p.Cells) {
				break
			}
			switch k, _ := sheet.KeyOf(h); k {
			case sheet.KeyItem:
				v.item = strings.TrimSpace(p.Cells[i])
			case sheet.KeyReviewComment:
				v.comment = strings.TrimSpace(p.Cells[i])
			}
		}
		out = append(out, v)
	}
	var header []string
	if len(rows) > 0 {
		header = rows[0].Header
	} else if len(ps) > 0 {
		header = ps[0].Header
	}
	if header != nil {
		var missing []string
		for _, key := range []string{sheet.KeyItem, sheet.KeyReviewComment} {
			if !hasColumn(header, key) {
				col, _ := sheet.ColumnOf(key)
				missing = append(missing, file+": 审核表缺少「"+col.Header+"」列：请用 powerctl review export 导出的表 / "+
					file+": the review sheet has no column "+col.Header+": use the sheet powerctl review export writes")
			}
		}
		if len(missing) > 0 {
			// Not a review sheet: saying so for each of its rows, and
			// for each item of the batch, would bury the one problem.
			return nil, missing, nil
		}
	}
	// Rows in file order, whichever list they came from.
	sort.SliceStable(out, func(i, j int) bool { return out[i].line < out[j].line })
	return out, problems, nil
}

func hasColumn(header []string, key string) bool {
	for _, h := range header {
		if k, ok := sheet.KeyOf(h); ok && k == key {
			return true
		}
	}
	return false
}

// checkVerdicts matches the rows of a review sheet with the items of the
// batch: each item exactly one row, each row an item of the batch. It
// returns the problems, each naming its row (or the item without one).
func checkVerdicts(file, name string, items []*pb.SubmissionItem, verdicts []sheetVerdict) []string {
	problem := func(line int, zh, en string) string {
		return sheet.Problem{File: file, Line: line, Message: zh + " / " + en}.String()
	}
	inBatch := map[string]*pb.Item{}
	for _, si := range items {
		inBatch[si.GetItem().GetName()] = si.GetItem()
	}
	var out []string
	seen := map[string]int{} // item → line of its row
	for _, v := range verdicts {
		switch first, dup := seen[v.item]; {
		case v.item == "":
			out = append(out, problem(v.line, "没有「事项标识」，对应不到批次中的事项；请用 powerctl review export 导出的表",
				"no 事项标识 (item): the row matches no item of the batch; use the sheet powerctl review export writes"))
		case inBatch[v.item] == nil:
			out = append(out, problem(v.line, fmt.Sprintf("事项 %s 不在批次 %s 中；用 powerctl review show %s 查看批次", oneLine(v.item), name, name),
				fmt.Sprintf("item %s is not in batch %s; see powerctl review show %s", oneLine(v.item), name, name)))
		case dup:
			out = append(out, problem(v.line, fmt.Sprintf("事项 %s 与第%d行重复，每个事项只能有一行", oneLine(v.item), first),
				fmt.Sprintf("item %s has a row already (row %d); one row per item", oneLine(v.item), first)))
		default:
			seen[v.item] = v.line
			if cols := differingColumns(v.content, inBatch[v.item]); len(cols) > 0 {
				out = append(out, problem(v.line,
					fmt.Sprintf("「%s」与批次中的事项 %s 不同：这张表是另一批次或旧的导出，按它审核等于审核没看过的内容（表中的修改也不会生效）；请重新导出审核表",
						strings.Join(cols, "」「"), oneLine(v.item)),
					fmt.Sprintf("%s differ from item %s in the batch: the sheet is of another batch or an older export, and applying it would decide on text nobody read (edits in the sheet are not applied); export the review sheet again",
						strings.Join(cols, ", "), oneLine(v.item))))
			}
		}
	}
	for _, si := range items {
		it := si.GetItem()
		if _, ok := seen[it.GetName()]; !ok {
			n, d := oneLine(it.GetName()), quoteName(it.GetDisplayName())
			out = append(out, fmt.Sprintf("%s: 批次中的事项 %s %s 没有对应的行；请重新导出审核表 / %s: item %s %s of the batch has no row; export the review sheet again",
				file, n, d, file, n, d))
		}
	}
	return out
}

// commentProblems turns the server's refusal of comments (returned_items[i]
// or item_comments[i], such as a control character) into problems naming
// the sheet's row and column: the reviewer knows rows, not list indexes.
func commentProblems(file string, err error, sent []*pb.ItemComment, verdicts []sheetVerdict) []string {
	if err == nil {
		return nil
	}
	line := map[string]int{}
	for _, v := range verdicts {
		line[v.item] = v.line
	}
	col, _ := sheet.ColumnOf(sheet.KeyReviewComment)
	var out []string
	for _, p := range client.Problems(err) {
		var i int
		if _, e := fmt.Sscanf(strings.Replace(p.Where, "item_comments[", "returned_items[", 1), "returned_items[%d]", &i); e != nil || i < 0 || i >= len(sent) {
			return nil // not a comment's problem: the error says it as it is
		}
		out = append(out, sheet.Problem{File: file, Line: line[sent[i].GetItem()], Column: col.Header, Message: p.What}.String())
	}
	return out
}

// differingColumns lists the headers of the template's columns in which a
// row of a review sheet differs from the item in the batch: a sheet
// exported from another batch, or before the item was edited, would
// approve content the reviewer never saw. The main item column is left
// out: the sheet names it by display name, the item by resource name.
func differingColumns(row, batch *pb.Item) []string {
	if row == nil {
		return nil
	}
	var out []string
	for _, c := range sheet.Columns {
		if c.Text != nil && c.Path != "parent" && sheetKey(c.Text(row)) != sheetKey(c.Text(batch)) {
			out = append(out, c.Header)
		}
	}
	return out
}

// sheetKey is a text as a sheet round trip cannot change it: without the
// spaces and line breaks the reader trims and splits at, and with the
// control characters the writer escapes ([U+001B]) escaped on both sides,
// so that an item stored before the rules on characters is not taken for
// an edited row.
func sheetKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return r
	}, controls.Escape(s, "\n\t\r"))
}
