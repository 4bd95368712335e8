package main

import (
	"fmt"

	"github.com/spf13/cobra"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func (a *app) changesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "changes",
		Short:   "清单变更流的维护（管理员） / maintenance of the catalogue's change feed (admins)",
		Example: `  powerctl changes compact --before 1200`,
		Args:    args(cobra.NoArgs),
	}
	cmd.AddCommand(a.changesCompactCmd())
	return cmd
}

func (a *app) changesCompactCmd() *cobra.Command {
	var before int64
	cmd := &cobra.Command{
		Use:   "compact --before REVISION",
		Short: "删除某修订号之前的变更（管理员） / delete the feed's changes before a revision (admins)",
		Long: `Deletes the change feed's changes of revisions below --before and raises the
feed's floor. Portals following the feed from a revision below the floor get
OUT_OF_RANGE (naming the oldest revision still served) and start again from
the catalogue; the catalogue itself and every item's history are kept. The
feed's current revision is in every answer of ListCatalogChanges
(currentRevision); --before may be at most that + 1.`,
		Example: `  powerctl changes compact --before 1200`,
		Args:    args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if before < 1 {
				return usagef("请用 --before 指定修订号（正整数） / give the revision with --before (a positive number)")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Operations.CompactCatalogChanges(cmd.Context(), &pb.CompactCatalogChangesRequest{BeforeRevision: before})
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, resp)
			}
			_, err = fmt.Fprintf(a.stdout, "已删除 %d 条变更；变更流自修订号 %d 起可读，当前修订号 %d / deleted %d changes; the feed is served from revision %d, current revision %d\n",
				resp.GetDeletedCount(), resp.GetOldestRevision(), resp.GetCurrentRevision(),
				resp.GetDeletedCount(), resp.GetOldestRevision(), resp.GetCurrentRevision())
			return err
		},
	}
	cmd.Flags().Int64Var(&before, "before", 0, "delete the changes of revisions below this one (required)")
	return cmd
}
