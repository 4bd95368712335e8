package main

import (
	"fmt"

	"github.com/spf13/cobra"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func (a *app) publishCmd() *cobra.Command {
	var all bool
	var comment string
	cmd := &cobra.Command{
		Use:   "publish NAME… | --all-approved",
		Short: "集中发布已审核的批次 / publish approved batches together",
		Long: `Publishes approved submissions in one publication (集中发布): everything in
it takes effect together, and items without a code get one. Name the
submissions, or publish every approved one with --all-approved. Prints the
publication's name and how many items it published; with --output json,
the publication with every item it put in force (read page by page: the
server's answer carries only the first 1000). A publication holds at most
1000 submissions. It needs a publisher's token; nobody publishes a batch
they submitted (four eyes).`,
		Example: `  POWERREG_TOKEN=$(cat publisher.token) powerctl publish departments/gtzyj/submissions/1 departments/hbj/submissions/3
  POWERREG_TOKEN=$(cat publisher.token) powerctl publish --all-approved --comment 2014年第一批`,
		Args: args(func(cmd *cobra.Command, list []string) error {
			if all == (len(list) > 0) {
				return fmt.Errorf("请列出批次名称或使用 --all-approved（二者选一） / name the submissions or use --all-approved (one of the two)")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, list []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if all {
				if list, err = c.ApprovedSubmissions(cmd.Context()); err != nil {
					return err
				}
			}
			resp, err := c.Registry.CreatePublication(cmd.Context(), &pb.CreatePublicationRequest{
				Publication: &pb.Publication{Submissions: list, Comment: comment}})
			if err != nil {
				return err
			}
			p := resp.GetPublication()
			if a.json() {
				if int(p.GetItemCount()) > len(p.GetItems()) {
					if p.Items, err = c.PublicationItems(cmd.Context(), p.GetName()); err != nil {
						return err
					}
				}
				return writeJSON(a.stdout, p)
			}
			_, err = fmt.Fprintf(a.stdout, "%s: 已发布 %d 个批次的 %d 个事项 / published %d items of %d submissions\n",
				p.GetName(), len(p.GetSubmissions()), p.GetItemCount(), p.GetItemCount(), len(p.GetSubmissions()))
			return err
		},
	}
	cmd.Flags().BoolVar(&all, "all-approved", false, "publish every approved submission")
	cmd.Flags().StringVar(&comment, "comment", "", "the publisher's comment")
	return cmd
}
