package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// itemRefHelp says how the item commands name an item.
const itemRefHelp = `ITEM is the item's resource name (departments/gtzyj/items/5, as items list
prints it), or its number with --department (--department gtzyj 5).`

// itemRef turns the ITEM argument into an item name: a resource name as
// it is, a number with --department.
func itemRef(ref, dept string) (string, error) {
	switch {
	case strings.HasPrefix(ref, "departments/"):
		if dept != "" && !strings.HasPrefix(ref, departmentName(dept)+"/items/") {
			return "", usagef("事项 %s 不属于 --department %s / item %s is not of --department %s", ref, dept, ref, dept)
		}
		return ref, nil
	case isDigits(ref) && dept != "":
		return departmentName(dept) + "/items/" + ref, nil
	case isDigits(ref):
		return "", usagef("事项编号 %s 需要 --department ID，或写全名 departments/ID/items/%s / the item number %s needs --department ID, or give the full name departments/ID/items/%s",
			ref, ref, ref, ref)
	}
	return "", usagef("事项应写成 departments/ID/items/N，或 --department ID N，而不是 %q / an item is departments/ID/items/N, or --department ID N, not %q", ref, ref)
}

func (a *app) itemsShowCmd() *cobra.Command {
	var dept string
	cmd := &cobra.Command{
		Use:   "show ITEM | show --department ID N",
		Short: "查看一个事项的工作副本（全部字段） / show an item's working copy, every field",
		Long: `Shows an item's working copy in full: its state, every field that is set
(legal bases one a line), its main item, the pending change, the revision in
force, the batch it is in, the reviewer's latest comment and the
department's answer, and its etag (for --etag of delete and abolish).
-o json prints the item as the API returns it.

` + itemRefHelp,
		Example: `  powerctl items show departments/gtzyj/items/5
  powerctl items show --department gtzyj 5 -o json`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			name, err := itemRef(list[0], dept)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Registry.GetItem(cmd.Context(), &pb.GetItemRequest{Name: name})
			if err != nil {
				return err
			}
			it := resp.GetItem()
			if a.json() {
				return writeJSON(a.stdout, it)
			}
			parent, err := mainItemLabel(cmd.Context(), c, it.GetParent())
			if err != nil {
				return err
			}
			var b strings.Builder
			writeItemHeading(&b, 0, it.GetName(), it.GetDisplayName())
			itemView(it, parent).write(&b, 2)
			_, err = fmt.Fprint(a.stdout, b.String())
			return err
		},
	}
	cmd.Flags().StringVar(&dept, "department", "", "department id, with an item number as ITEM")
	return cmd
}

// mainItemLabel is how a sub-item shows its main item: “name” and its
// resource name; "" for a main item.
func mainItemLabel(ctx context.Context, c *client.Client, parent string) (string, error) {
	if parent == "" {
		return "", nil
	}
	resp, err := c.Registry.GetItem(ctx, &pb.GetItemRequest{Name: parent})
	if err != nil {
		return "", err
	}
	return quoteName(resp.GetItem().GetDisplayName()) + " (" + parent + ")", nil
}

// writeItemHeading is the first line of an item in a view: its resource
// name and its name.
func writeItemHeading(b *strings.Builder, indent int, name, display string) {
	pad := strings.Repeat(" ", indent)
	writeWrapped(b, pad, pad+"  ", oneLine(name)+"  "+quoteName(display))
}

// itemView is the working copy of an item with its workflow fields.
func itemView(it *pb.Item, parent string) *view {
	v := &view{}
	v.add("状态 state", itemStateText[it.GetState()])
	v.add("待发布变更 pending change", changeText[it.GetPendingChange().String()])
	v.addContent(it, parent)
	v.add("版本 revision", it.GetRevisionId())
	v.add("在用版本 revision in force", it.GetPublishedRevisionId())
	v.add("发布时间 published", timeText(it.GetPublishTime()))
	v.add("所在批次 submission", it.GetSubmission())
	v.add("审核意见 review comment", it.GetReviewComment())
	v.add("部门答复 reply", it.GetReviewReply())
	v.add("更新 updated", timeText(it.GetUpdateTime()))
	v.add("etag", it.GetEtag())
	return v
}

func (a *app) itemsDeleteCmd() *cobra.Command {
	var dept, etag string
	cmd := &cobra.Command{
		Use:   "delete ITEM [--etag E] | delete --department ID N",
		Short: "删除未发布的草稿，或撤销已发布事项未报送的修改 / delete an unpublished draft, or discard a published item's pending change",
		Long: `Deletes an item that was never published and is in no submitted batch
(a draft or a returned item), with its revisions. For a published item with
a pending change (an edit or an abolition not yet submitted), it discards
that change: the revision in force stays as it is. A published item itself
is never erased: abolish it (powerctl items abolish).

The item is read first and deleted only if unchanged since (etag); with
--etag, only if its etag is still E (as items show printed it).

` + itemRefHelp,
		Example: `  powerctl items delete departments/gtzyj/items/5
  powerctl items delete --department gtzyj 5 --etag 7`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			name, err := itemRef(list[0], dept)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			it, err := c.Registry.GetItem(cmd.Context(), &pb.GetItemRequest{Name: name})
			if err != nil {
				return err
			}
			if etag == "" {
				etag = it.GetItem().GetEtag()
			}
			if _, err := c.Registry.DeleteItem(cmd.Context(), &pb.DeleteItemRequest{Name: name, Etag: etag}); err != nil {
				return err
			}
			display := quoteName(it.GetItem().GetDisplayName())
			if it.GetItem().GetPublishedRevisionId() != "" {
				_, err = fmt.Fprintf(a.stdout, "%s: 已撤销%s未报送的修改，在用版本不变 / discarded the pending change of %s; the revision in force stays\n",
					oneLine(name), display, display)
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "%s: 已删除%s / deleted %s\n", oneLine(name), display, display)
			return err
		},
	}
	cmd.Flags().StringVar(&dept, "department", "", "department id, with an item number as ITEM")
	cmd.Flags().StringVar(&etag, "etag", "", "delete only if the item's etag is still this one")
	return cmd
}

func (a *app) itemsAbolishCmd() *cobra.Command {
	var dept, comment, etag string
	cmd := &cobra.Command{
		Use:   "abolish ITEM --comment TEXT [--etag E] | abolish --department ID N --comment TEXT",
		Short: "废止一个已发布的事项（生成废止草稿） / abolish a published item (an abolition draft)",
		Long: `Starts the abolition (废止) of a published item: the item gets a draft
change that, once submitted (powerctl submit), approved and published, takes
it out of the catalogue; until then the published revision stays in force.
--comment says why (e.g. the repealing document) and is required.

With --etag, only if the item's etag is still E (as items show printed it).

` + itemRefHelp,
		Example: `  powerctl items abolish departments/gtzyj/items/3 --comment 职能划转至市自然资源局
  powerctl items abolish --department gtzyj 3 --comment 依据已废止 --etag 9`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			name, err := itemRef(list[0], dept)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Registry.AbolishItem(cmd.Context(), &pb.AbolishItemRequest{Name: name, Comment: comment, Etag: etag})
			if err != nil {
				return err
			}
			it := resp.GetItem()
			if a.json() {
				return writeJSON(a.stdout, it)
			}
			display := quoteName(it.GetDisplayName())
			d := shortID(strings.SplitN(it.GetName(), "/items/", 2)[0])
			_, err = fmt.Fprintf(a.stdout, "%s: 已生成%s的废止草稿，报送：powerctl submit --department %s / abolition of %s drafted; submit it with powerctl submit --department %s\n",
				oneLine(it.GetName()), display, d, display, d)
			return err
		},
	}
	cmd.Flags().StringVar(&dept, "department", "", "department id, with an item number as ITEM")
	cmd.Flags().StringVar(&comment, "comment", "", "why the power is abolished, e.g. the repealing document (required)")
	cmd.Flags().StringVar(&etag, "etag", "", "abolish only if the item's etag is still this one")
	_ = cmd.MarkFlagRequired("comment")
	return cmd
}
