package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func (a *app) changesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "changes",
		Short: "清单的变更流：列出、订阅、压缩 / the catalogue's change feed: list, watch, compact",
		Example: `  powerctl changes list --from-revision 0
  powerctl changes watch --from-position 1200.37
  powerctl changes compact --before 1200`,
		Args: args(cobra.NoArgs),
	}
	cmd.AddCommand(a.changesListCmd(), a.changesWatchCmd(), a.changesCompactCmd())
	return cmd
}

// feedFlags say where a read of the feed starts.
type feedFlags struct {
	revision int64
	position string
}

func (f *feedFlags) add(cmd *cobra.Command) {
	cmd.Flags().Int64Var(&f.revision, "from-revision", 0, "start after this revision (0: the beginning)")
	cmd.Flags().StringVar(&f.position, "from-position", "", "start right after this change's position (revision.index, e.g. 1200.37), as printed; beats --from-revision")
}

func (f *feedFlags) start() client.FeedStart {
	return client.FeedStart{Revision: f.revision, Position: strings.TrimSpace(f.position)}
}

const feedHelp = `Each change has a position, revision.index (e.g. 1200.37): all the changes
of one publication share its revision, and the index orders them within it.
--from-position resumes right after a change, also in the middle of a large
publication; --from-revision starts after a whole revision.`

var changeKindText = map[pb.CatalogChange_Kind]string{pb.CatalogChange_KIND_PUBLISHED: "发布 PUBLISHED",
	pb.CatalogChange_KIND_CHANGED: "变更 CHANGED", pb.CatalogChange_KIND_ABOLISHED: "废止 ABOLISHED"}

// changeCells are one change's columns: position, kind, code, department
// and name.
func changeCells(c *pb.CatalogChange) []string {
	it := c.GetItem()
	// oneLine: the watch prints these cells as they are, without a table.
	return []string{c.GetPosition(), changeKindText[c.GetKind()], oneLine(it.GetCode()), oneLine(it.GetDepartmentDisplayName()), oneLine(it.GetDisplayName())}
}

func (a *app) changesListCmd() *cobra.Command {
	var from feedFlags
	cmd := &cobra.Command{
		Use:   "list [--from-position P | --from-revision R]",
		Short: "列出变更 / list the catalogue's changes",
		Long:  "Lists the catalogue's changes after a point, oldest first, then the revision\nthe catalogue stands at.\n\n" + feedHelp,
		Example: `  powerctl changes list
  powerctl changes list --from-position 1200.37 -o json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			start := from.start()
			list, current, err := c.Changes(cmd.Context(), start)
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, map[string]any{"changes": protoList(list), "currentRevision": current})
			}
			t := &table{}
			t.add("位置 POSITION", "变更 KIND", "编码 CODE", "部门 DEPARTMENT", "名称 NAME")
			for _, ch := range list {
				t.add(changeCells(ch)...)
			}
			t.write(a.stdout)
			next := start.Position
			if len(list) > 0 {
				next = list[len(list)-1].GetPosition()
			}
			resume := fmt.Sprintf("--from-revision %d", current)
			if next != "" {
				resume = "--from-position " + next
			}
			_, err = fmt.Fprintf(a.stdout, "%d 条变更；清单当前修订号 %d；继续请用 %s / %d changes; the catalogue stands at revision %d; go on with %s\n",
				len(list), current, resume, len(list), current, resume)
			return err
		},
	}
	from.add(cmd)
	return cmd
}

func (a *app) changesWatchCmd() *cobra.Command {
	var from feedFlags
	cmd := &cobra.Command{
		Use:   "watch [--from-position P | --from-revision R]",
		Short: "订阅变更，逐条输出 / follow the catalogue's changes as they are published",
		Long:  "Prints the changes after a point, then each new one as it is published, until\ninterrupted. When the server cuts the watch off (a client too slow to read:\nWATCH_TOO_SLOW) or restarts, the watch goes on from the last position printed:\nno change is lost or printed twice.\n\n" + feedHelp,
		Example: `  powerctl changes watch
  powerctl changes watch --from-position 1200.37 -o json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			return c.WatchChanges(cmd.Context(), from.start(), func(ch *pb.CatalogChange) error {
				if a.json() {
					line, err := marshalNoEscape(protoJSON(ch))
					if err == nil {
						_, err = fmt.Fprintf(a.stdout, "%s\n", escapeJSON(line))
					}
					return err
				}
				_, err := fmt.Fprintln(a.stdout, strings.Join(changeCells(ch), "\t"))
				return err
			}, func(why error) {
				fmt.Fprintf(a.stderr, "powerctl: 订阅中断，从最后一条变更的位置继续 / the watch was cut off, going on from the last position: %s\n", a.describe(why))
			})
		},
	}
	from.add(cmd)
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
