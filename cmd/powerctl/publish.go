package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// codesShown is how many published items publish prints one by one; of a
// larger publication it prints how many and the command that lists them.
const codesShown = 20

func (a *app) publishCmd() *cobra.Command {
	var all, dryRun bool
	var comment string
	cmd := &cobra.Command{
		Use:   "publish NAME… | --all-approved [--dry-run]",
		Short: "集中发布已审核的批次 / publish approved batches together",
		Long: `Publishes approved submissions in one publication (集中发布): everything in
it takes effect together, and items without a code get one. Name the
submissions, or publish every approved one with --all-approved.

Prints the publication's name, how many items it published and, for up to
20 items, each item's code, change and name (“…”); of a larger publication
it prints how many and the command that lists them (powerctl catalog list
--filter 'publish_time = "…"': the items it put in force). With --output
json: the publication with every item it put in force (read page by page:
the server's answer carries only the first 1000).

--dry-run checks everything the publication would check (state, four eyes,
codes) and prints the same, with the codes that would be assigned, without
publishing anything (the server's validate_only; with --output json the
first 1000 items).

A publication holds at most 1000 submissions. It needs a publisher's token;
nobody publishes a batch they submitted (four eyes).`,
		Example: `  POWERREG_TOKEN=$(cat publisher.token) powerctl publish departments/gtzyj/submissions/1 departments/hbj/submissions/3
  POWERREG_TOKEN=$(cat publisher.token) powerctl publish --all-approved --dry-run
  POWERREG_TOKEN=$(cat publisher.token) powerctl publish --all-approved --comment 2014年第一批`,
		Args: args(func(cmd *cobra.Command, list []string) error {
			if all == (len(list) > 0) {
				return fmt.Errorf("请列出批次名称或使用 --all-approved（二者选一） / name the submissions or use --all-approved (one of the two)")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, list []string) error {
			ctx := cmd.Context()
			c, err := a.client()
			if err != nil {
				return err
			}
			if all {
				// The listing is refused to whoever is neither reviewer,
				// publisher nor editor of every department: the user must
				// read what publishing needs, not what listing does.
				if list, err = c.ApprovedSubmissions(ctx); err != nil {
					zh, en := "发布需要 publisher（发布人）角色的令牌，当前令牌没有这个角色",
						"publishing needs a token with the publisher role, which this token does not have"
					if client.IsNothingToDo(err) {
						// A reviewer finds none too: say what publishing needs.
						if who, cerr := c.Caller(ctx); cerr == nil && !slices.Contains(who.GetRoles(), registry.RolePublisher) {
							return permissionDenied(zh, en)
						}
					}
					return requirement(err, zh, en)
				}
			}
			publish := c.Publish
			if dryRun {
				publish = func(ctx context.Context, list []string, comment, _ string) (*pb.Publication, error) {
					return c.PublishDryRun(ctx, list, comment)
				}
			}
			p, err := publish(ctx, list, comment, "")
			if err != nil {
				return err
			}
			if a.json() {
				if !dryRun && int(p.GetItemCount()) > len(p.GetItems()) {
					if p.Items, err = c.PublicationItems(ctx, p.GetName()); err != nil {
						return err
					}
				}
				return writeJSON(a.stdout, p)
			}
			return a.printPublication(ctx, c, p, dryRun)
		},
	}
	cmd.Flags().BoolVar(&all, "all-approved", false, "publish every approved submission")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check and show the codes that would be assigned; publish nothing (server validate_only)")
	cmd.Flags().StringVar(&comment, "comment", "", "the publisher's comment")
	return cmd
}

// printPublication prints what a publication did (or, dry, would do): the
// count, then each item's code, change and name, or, of more than
// codesShown items, how to list them.
func (a *app) printPublication(ctx context.Context, c *client.Client, p *pb.Publication, dry bool) error {
	n, subs := p.GetItemCount(), len(p.GetSubmissions())
	if dry {
		fmt.Fprintf(a.stdout, "检查通过：将发布 %d 个批次的 %d 个事项；未发布任何内容 / check passed: %d items of %d submissions would be published; nothing was published\n",
			subs, n, n, subs)
	} else {
		fmt.Fprintf(a.stdout, "%s: 已发布 %d 个批次的 %d 个事项 / published %d items of %d submissions\n",
			p.GetName(), subs, n, n, subs)
	}
	if n > codesShown || int(n) > len(p.GetItems()) {
		if dry {
			_, err := fmt.Fprintf(a.stdout, "共 %d 个事项，逐项列出（含将分配的编码）请加 -o json / %d items: -o json lists them with the codes that would be assigned\n", n, n)
			return err
		}
		filter := fmt.Sprintf(`publish_time = "%s"`, p.GetPublishTime().AsTime().UTC().Format(time.RFC3339Nano))
		_, err := fmt.Fprintf(a.stdout, "共 %d 个事项，列出其编码和名称 / %d items; to list their codes and names:\n  powerctl catalog list --filter '%s'\n", n, n, filter)
		return err
	}
	t := &table{}
	t.add("  编码 CODE", "变更 CHANGE", "事项 ITEM", "名称 NAME")
	for _, it := range p.GetItems() {
		// The working copy of an approved or published item is the
		// revision published: its name is the one published. A name that
		// cannot be read is left out: the publication is done either way.
		name := ""
		if got, err := c.Registry.GetItem(ctx, &pb.GetItemRequest{Name: it.GetItem()}); err == nil {
			name = quoteName(got.GetItem().GetDisplayName())
		}
		t.add("  "+it.GetCode(), changeText[it.GetChange().String()], it.GetItem(), name)
	}
	return t.write(a.stdout)
}
