package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/powerreg/powerreg/client"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func (a *app) exportCmd() *cobra.Command {
	var format, out, department string
	var workingCopy bool
	cmd := &cobra.Command{
		Use:   "export [--working-copy --department ID] [--format csv|xlsx|json] [-o FILE]",
		Short: "导出已发布的权力清单，或部门的工作副本 / export the published catalogue, or a department's working copy",
		Long: `Exports the items in force. CSV and XLSX use the import template's columns
(实施主体, 大项, 职权名称, 职权类型, 职权编码, 设定依据, …), so that an export
imports again (powerctl import --create-departments) into the same
catalogue; JSON is an array of the items as the API returns them.

--working-copy --department ID exports the department's working copy
instead: every item that is not abolished, in whatever state (草稿 draft,
已报送 submitted, 已审核 approved, 退回修改 returned, 已发布 published, and
published with a pending change), in the template's columns followed by
事项标识 (the item in the registry), 状态 (its state), 待发布变更 (新增, 修改
or 废止) and 最近审核意见 (the reviewer's last comment). Edit the file (add
legal bases, fix what the reviewer said) and import it again with
powerctl import --department ID FILE: each row updates the item its
事项标识 names, rows equal to their item change nothing, and rows without
事项标识 create items. Do not edit 事项标识; 状态, 待发布变更 and 最近审核意见
are for reading and ignored on import. A value nobody entered (是否收费,
是否审核转报) exports empty, never as 否.

The format is --format, else the extension of -o, else csv. Without -o the
export goes to standard output. Here -o/--output names the file; it is not
the global output format.`,
		Example: `  powerctl export -o catalogue.xlsx
  powerctl export --format csv > catalogue.csv
  powerctl export --format json -o catalogue.json
  powerctl export --working-copy --department d5 -o d5.xlsx`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutputFile(out); err != nil {
				return err
			}
			if department != "" && !workingCopy {
				return usagef("--department 只用于 --working-copy（已发布目录请用 catalog list --department） / --department goes with --working-copy (for the published catalogue use catalog list --department)")
			}
			if format == "" {
				format = strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
				if format != "xlsx" && format != "json" {
					format = "csv"
				}
			}
			if format != "csv" && format != "xlsx" && format != "json" {
				return usagef("--format 应为 csv、xlsx 或 json / --format must be csv, xlsx or json, not %q", format)
			}
			if format == "xlsx" && out == "" && isTerminal(a.stdout) {
				return usagef("XLSX 不能输出到终端，请用 -o FILE.xlsx / XLSX is not for a terminal: use -o FILE.xlsx")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			var items []*pb.Item
			var rows []sheet.Row
			keys := sheet.TemplateKeys
			if workingCopy {
				parent, perr := a.workingCopyDepartment(cmd.Context(), c, department)
				if perr != nil {
					return perr
				}
				department = shortID(parent) // named in the message below
				items, err = c.Items(cmd.Context(), parent, pb.Item_STATE_UNSPECIFIED)
				rows, items = workingCopyRows(items)
				keys = sheet.WorkingCopyKeys
			} else {
				items, err = c.CatalogItems(cmd.Context(), pb.Category_CATEGORY_UNSPECIFIED, "")
				rows = exportRows(items)
			}
			if err != nil {
				return err
			}
			var b bytes.Buffer
			switch format {
			case "json":
				err = writeJSON(&b, protoList(items))
			case "csv":
				err = sheet.WriteCSVColumns(&b, rows, keys)
			case "xlsx":
				err = sheet.WriteXLSXColumns(&b, rows, keys)
			}
			if err != nil {
				return err
			}
			if err := writeOutput(a.stdout, out, b.Bytes()); err != nil {
				return err
			}
			if out == "" {
				return nil
			}
			if workingCopy {
				fmt.Fprintf(a.stderr, "%s: 已导出 %s 的工作副本 %d 项；修改后用 powerctl import --department %s %s 导入 / "+
					"exported the working copy of %s, %d items; edit it and import it with powerctl import --department %s %s\n",
					out, department, len(items), department, out, department, len(items), department, out)
			} else {
				fmt.Fprintf(a.stderr, "%s: 已导出 %d 项 / exported %d items\n", out, len(items), len(items))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&workingCopy, "working-copy", false, "export a department's working copy (every item not abolished, any state), with --department")
	cmd.Flags().StringVar(&department, "department", "", "with --working-copy: the department (id)")
	cmd.Flags().StringVar(&format, "format", "", "csv, xlsx or json (default: from the extension of -o, else csv)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write (default: standard output)")
	return cmd
}

// exportRows are the catalogue items as template rows: the department by
// display name, a sub-item's main item by the display name of the item
// with its parent code.
func exportRows(items []*pb.Item) []sheet.Row {
	byCode := make(map[string]*pb.Item, len(items))
	for _, it := range items {
		byCode[it.GetCode()] = it
	}
	rows := make([]sheet.Row, len(items))
	for i, it := range items {
		rows[i] = sheet.Row{Department: it.GetDepartmentDisplayName(), Item: it}
		if pc := it.GetParentCode(); pc != "" {
			rows[i].MainItem = byCode[pc].GetDisplayName()
		}
	}
	return rows
}

// workingCopyRows are a department's items but the abolished ones, as
// rows of a working-copy export: a sub-item's main item by its display
// name (so that an import finds it again), the item with its name, state,
// pending change and review comment for the extra columns. It returns the
// items exported too.
func workingCopyRows(all []*pb.Item) ([]sheet.Row, []*pb.Item) {
	byName := make(map[string]*pb.Item, len(all))
	for _, it := range all {
		byName[it.GetName()] = it
	}
	var rows []sheet.Row
	var items []*pb.Item
	for _, it := range all {
		if it.GetState() == pb.Item_STATE_ABOLISHED {
			continue
		}
		r := sheet.Row{Department: it.GetDepartmentDisplayName(), Item: it}
		if p := it.GetParent(); p != "" {
			r.MainItem = byName[p].GetDisplayName()
		}
		rows = append(rows, r)
		items = append(items, it)
	}
	return rows, items
}

// writeOutput writes data to path, or to stdout when path is "" or "-".
func writeOutput(stdout io.Writer, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// checkOutputFile refuses -o table|json|csv|xlsx on the commands where -o
// names a file: that is the global output format or --format mistaken.
func checkOutputFile(out string) error {
	switch out {
	case "table", "json", "csv", "xlsx":
		return usagef("这里 -o 是输出文件；格式请用 --format %s / here -o names the output file; for the format use --format %s", out, out)
	}
	return nil
}

// workingCopyDepartment is the department whose working copy is exported:
// --department, or a clerk's own department (as items list defaults); any
// other token must name one.
func (a *app) workingCopyDepartment(ctx context.Context, c *client.Client, department string) (string, error) {
	if department != "" {
		return departmentName(department), nil
	}
	caller, err := c.Caller(ctx)
	if err != nil {
		return "", err
	}
	if own := client.OwnDepartment(caller); own != "" {
		return own, nil
	}
	return "", usagef("--working-copy 需要 --department ID（只有单个部门的 editor 令牌可以省略） / --working-copy needs --department ID (only an editor token of one department may leave it out)")
}
