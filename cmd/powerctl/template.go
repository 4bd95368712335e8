package main

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client/sheet"
)

func (a *app) templateCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "template -o FILE.xlsx",
		Short: "生成空白导入模板 / write the empty import template",
		Long: `Writes the empty import template (XLSX): the header row, a notes row saying
what to fill in each column, and a drop-down list of the ten categories on
the category column. Departments fill it in and import it with powerctl
import. Here -o/--output names the file; it is not the global output format.`,
		Example: `  powerctl template -o 权力清单模板.xlsx`,
		Args:    args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutputFile(out); err != nil {
				return err
			}
			if (out == "" || out == "-") && isTerminal(a.stdout) {
				return usagef("请用 -o FILE.xlsx 指定文件 / name the file with -o FILE.xlsx")
			}
			var b bytes.Buffer
			if err := sheet.WriteTemplate(&b); err != nil {
				return err
			}
			if err := writeOutput(a.stdout, out, b.Bytes()); err != nil {
				return err
			}
			if out != "" && out != "-" {
				fmt.Fprintf(a.stderr, "%s: 已生成模板 / template written\n", out)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write, e.g. 模板.xlsx")
	return cmd
}
