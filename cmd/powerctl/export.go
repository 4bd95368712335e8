package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func (a *app) exportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export [--format csv|xlsx|json] [-o FILE]",
		Short: "导出已发布的权力清单 / export the published catalogue",
		Long: `Exports the items in force. CSV and XLSX use the import template's columns
(实施主体, 大项, 职权名称, 职权类型, 职权编码, 设定依据, …), so that an export
imports again (powerctl import --create-departments) into the same
catalogue; JSON is an array of the items as the API returns them.

The format is --format, else the extension of -o, else csv. Without -o the
export goes to standard output. Here -o/--output names the file; it is not
the global output format.`,
		Example: `  powerctl export -o catalogue.xlsx
  powerctl export --format csv > catalogue.csv
  powerctl export --format json -o catalogue.json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutputFile(out); err != nil {
				return err
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
			items, err := c.CatalogItems(cmd.Context(), pb.Category_CATEGORY_UNSPECIFIED, "")
			if err != nil {
				return err
			}
			var b bytes.Buffer
			switch format {
			case "json":
				err = writeJSON(&b, protoList(items))
			case "csv":
				err = sheet.WriteCSV(&b, exportRows(items))
			case "xlsx":
				err = sheet.WriteXLSX(&b, exportRows(items))
			}
			if err != nil {
				return err
			}
			if err := writeOutput(a.stdout, out, b.Bytes()); err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintf(a.stderr, "%s: 已导出 %d 项 / exported %d items\n", out, len(items), len(items))
			}
			return nil
		},
	}
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
