package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
)

func (a *app) submitCmd() *cobra.Command {
	var dept, comment string
	cmd := &cobra.Command{
		Use:   "submit --department ID [--comment TEXT]",
		Short: "报送：把部门的全部草稿组成一个批次报送审核 / submit all of a department's drafts as one batch",
		Long: `Puts every current draft of the department (new items, edited published
items, abolitions, and items returned by a reviewer) into one submission
(报送批次) and submits it for review. Prints the submission's name.

A batch holds at most 10000 items (a reviewer cannot judge more at once):
with more drafts, the first 10000 are submitted and the rest stay drafts;
the command says how many, and running it again submits the next batch.

Submitting is refused, naming the items, when any item lacks a legal basis
(职权法定); nothing is submitted then. It needs an editor's token for the
department; the token's name is recorded as the submitter.`,
		Example: `  POWERREG_TOKEN=$(cat clerk.token) powerctl submit --department gtzyj --comment 第一批`,
		Args:    args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			sub, left, err := c.SubmitDraftBatch(cmd.Context(), departmentName(dept), comment)
			if client.Reason(err) == "LEGAL_BASIS_MISSING" {
				return a.reportMissingBases(err)
			}
			if err != nil {
				// The first call lists the drafts, which reviewers may too:
				// say what submitting needs.
				return requirement(err, fmt.Sprintf("报送需要 %s 的 editor（部门经办人）令牌，当前令牌不是", departmentName(dept)),
					fmt.Sprintf("submitting needs an editor token of %s, which this token is not", departmentName(dept)))
			}
			if a.json() {
				return writeJSON(a.stdout, sub)
			}
			_, err = fmt.Fprintf(a.stdout, "%s: 已报送 %d 个事项 / submitted %d items\n", sub.GetName(), len(sub.GetItems()), len(sub.GetItems()))
			if err == nil && left > 0 {
				_, err = fmt.Fprintf(a.stdout, "还有 %d 个草稿未报送（每批最多 %d 个）；再次运行本命令报送下一批 / %d drafts are left (a batch holds at most %d); run this command again to submit the next batch\n",
					left, client.MaxBatchItems, left, client.MaxBatchItems)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&dept, "department", "", "department id, e.g. gtzyj (required)")
	cmd.Flags().StringVar(&comment, "comment", "", "the department's comment for the reviewer")
	_ = cmd.MarkFlagRequired("department")
	return cmd
}

// reportMissingBases lists the items that lack a legal basis.
func (a *app) reportMissingBases(err error) error {
	problems := client.Problems(err)
	fmt.Fprintf(a.stderr, "powerctl: 未报送：%d 个事项缺少设定依据（职权法定） / nothing submitted: %d items lack a legal basis\n",
		len(problems), len(problems))
	t := &table{}
	for _, p := range problems {
		t.add("  "+p.Where, p.What)
	}
	_ = t.write(a.stderr)
	fmt.Fprintln(a.stderr, nextStep["LEGAL_BASIS_MISSING"])
	return errReported
}
