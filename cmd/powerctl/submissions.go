package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
)

// submissionsCmd is the department's side of its batches: list, show,
// withdraw. (The reviewer's side is review.)
func (a *app) submissionsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "submissions",
		Aliases: []string{"submission"},
		Short:   "报送批次：列出、查看、撤回 / submissions: list, show, withdraw",
		Example: `  powerctl submissions list --department gtzyj
  powerctl submissions show departments/gtzyj/submissions/1
  powerctl submissions withdraw departments/gtzyj/submissions/1 --comment 发现错误，修改后重报`,
		Args: args(cobra.NoArgs),
	}
	cmd.AddCommand(
		a.submissionListCmd("all", "列出报送批次（默认全部状态） / list submissions, of every state by default",
			"by default every state", "submissions list"),
		a.submissionShowCmd("submissions show"),
		a.submissionsWithdrawCmd())
	return cmd
}

func (a *app) submissionsWithdrawCmd() *cobra.Command {
	var comment, etag string
	cmd := &cobra.Command{
		Use:   "withdraw NAME [--comment TEXT] [--etag E]",
		Short: "撤回一个尚未审核的批次 / withdraw a batch no reviewer has decided yet",
		Long: `Withdraws a submitted batch that no reviewer has approved or returned yet
(撤回): the batch becomes 已撤回 (withdrawn) and stays readable; its items
leave it and are editable again. Fix them and submit again with powerctl
submit. An approved, returned or published batch cannot be withdrawn; a
draft batch is deleted instead. --comment says why; --etag withdraws only
if the batch is unchanged since (its etag as -o json shows it).

It needs an editor's token for the batch's department.`,
		Example: `  powerctl submissions withdraw departments/gtzyj/submissions/1 --comment 发现错误，修改后重报`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			s, err := c.WithdrawSubmission(cmd.Context(), list[0], comment, etag)
			if client.Reason(err) == "SUBMISSION_NOT_SUBMITTED" {
				// The server says the batch's state and what to do; the
				// review queue's hint would not fit here.
				fmt.Fprintf(a.stderr, "powerctl: %s\n用 powerctl submissions list 查看批次的状态 / see the batches' states with powerctl submissions list\n",
					safe(client.Describe(err)))
				return errReported
			}
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, s)
			}
			d := shortID(strings.SplitN(s.GetName(), "/submissions/", 2)[0])
			_, err = fmt.Fprintf(a.stdout, "%s: 已撤回；其中的事项可以再编辑，改好后用 powerctl submit --department %s 再报送 / withdrawn; its items are editable again: fix them and submit again with powerctl submit --department %s\n",
				oneLine(s.GetName()), d, d)
			return err
		},
	}
	cmd.Flags().StringVar(&comment, "comment", "", "why the department withdraws the batch")
	cmd.Flags().StringVar(&etag, "etag", "", "withdraw only if the batch's etag is still this one")
	return cmd
}
