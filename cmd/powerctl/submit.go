package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func (a *app) submitCmd() *cobra.Command {
	var dept, comment string
	var replies []string
	cmd := &cobra.Command{
		Use:   "submit --department ID [--comment TEXT] [--reply ITEM=TEXT]…",
		Short: "报送：把部门的全部草稿组成一个批次报送审核 / submit all of a department's drafts as one batch",
		Long: `Puts every current draft of the department (new items, edited published
items, abolitions, and items returned by a reviewer) into one submission
(报送批次) and submits it for review, in one call: all or nothing. Prints
the submission's name.

An item a reviewer returned (退回修改) goes back to review only when it was
edited since, or when the department answers the reviewer's comment:
--reply ITEM=TEXT (repeatable; ITEM is the item's number or its resource
name, departments/gtzyj/items/5). The reviewer sees the comment and the
answer (review show). A returned item neither edited nor answered makes
the submit refuse, naming each such item with its comment.

A batch holds at most 10000 items (a reviewer cannot judge more at once):
with more drafts, the first 10000 are submitted and the rest stay drafts;
the command says how many, and running it again submits the next batch.

Submitting is refused, naming the items, when any item lacks a legal basis
(职权法定); nothing is submitted then, no batch is left behind and no item
changes. It needs an editor's token for the department; the token's name is
recorded as the submitter.`,
		Example: `  POWERREG_TOKEN=$(cat clerk.token) powerctl submit --department gtzyj --comment 第一批
  powerctl submit --department gtzyj --reply 7=依据已核实，第七十七条仍有效 --reply departments/gtzyj/items/9=已按意见改名`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			parent := departmentName(dept)
			answers, err := replyFlags(parent, replies)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			sub, left, err := c.SubmitDraftsWith(cmd.Context(), parent, client.SubmitOptions{Comment: comment, Replies: answers})
			switch client.Reason(err) {
			case "LEGAL_BASIS_MISSING":
				return a.reportMissingBases(err)
			case "RETURNED_NOT_ADDRESSED":
				return a.reportNotAddressed(cmd.Context(), c, parent, err)
			}
			if err != nil {
				// The first call lists the drafts, which reviewers may too:
				// say what submitting needs, also when they found none.
				zh, en := fmt.Sprintf("报送需要 %s 的 editor（部门经办人）令牌，当前令牌不是", parent),
					fmt.Sprintf("submitting needs an editor token of %s, which this token is not", parent)
				if client.IsNothingToDo(err) {
					if who, cerr := c.Caller(cmd.Context()); cerr == nil && !client.EditorOf(who, parent) {
						return permissionDenied(zh, en)
					}
				}
				return requirement(err, zh, en)
			}
			if a.json() {
				return writeJSON(a.stdout, sub)
			}
			_, err = fmt.Fprintf(a.stdout, "%s: 已报送 %d 个事项 / submitted %d items\n", sub.GetName(), len(sub.GetItems()), len(sub.GetItems()))
			if err == nil && len(sub.GetReplies()) > 0 {
				_, err = fmt.Fprintf(a.stdout, "答复了 %d 条审核意见 / answered %d review comments\n", len(sub.GetReplies()), len(sub.GetReplies()))
			}
			if err == nil && left > 0 {
				_, err = fmt.Fprintf(a.stdout, "还有 %d 个草稿未报送（每批最多 %d 个）；再次运行本命令报送下一批 / %d drafts are left (a batch holds at most %d); run this command again to submit the next batch\n",
					left, client.MaxBatchItems, left, client.MaxBatchItems)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&dept, "department", "", "department id, e.g. gtzyj (required)")
	cmd.Flags().StringVar(&comment, "comment", "", "the department's comment for the reviewer")
	cmd.Flags().StringArrayVar(&replies, "reply", nil, "ITEM=TEXT: answer the reviewer's comment on a returned item (repeatable; ITEM: number or resource name)")
	_ = cmd.MarkFlagRequired("department")
	return cmd
}

// replyFlags reads --reply ITEM=TEXT flags: item name → answer.
func replyFlags(parent string, flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		ref, text, ok := strings.Cut(f, "=")
		ref, text = strings.TrimSpace(ref), strings.TrimSpace(text)
		if !ok || ref == "" || text == "" {
			return nil, usagef("--reply 应写成 ITEM=答复（ITEM 为事项编号或名称） / --reply takes ITEM=TEXT (ITEM: the item's number or name), not %q", f)
		}
		name := ref
		switch {
		case isDigits(ref):
			name = parent + "/items/" + ref
		case !strings.HasPrefix(ref, parent+"/items/"):
			return nil, usagef("--reply 的事项应为本部门事项的编号或名称，如 5 或 %s/items/5，而不是 %q / the item of --reply is a number or an item name of the department, e.g. 5 or %s/items/5, not %q",
				parent, ref, parent, ref)
		}
		if _, dup := out[name]; dup {
			return nil, usagef("--reply 对 %s 给了两次 / --reply names %s twice", name, name)
		}
		out[name] = text
	}
	return out, nil
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

// reportNotAddressed lists the returned items that were neither edited
// nor answered, each with the reviewer's comment, and the command that
// answers them. The names come from the refusal; names and comments from
// one list of the department's returned items (not a call per item).
func (a *app) reportNotAddressed(ctx context.Context, c *client.Client, parent string, err error) error {
	problems := client.Problems(err)
	returned, lerr := c.Items(ctx, parent, pb.Item_STATE_RETURNED)
	if lerr != nil {
		return err // the refusal as the server said it
	}
	byName := map[string]*pb.Item{}
	for _, it := range returned {
		byName[it.GetName()] = it
	}
	fmt.Fprintf(a.stderr, "powerctl: 未报送：%d 个被退回的事项既未修改也未答复审核意见 / nothing submitted: %d returned items were neither edited nor answered\n",
		len(problems), len(problems))
	var b strings.Builder
	var example []string
	for _, p := range problems {
		it := byName[p.Where]
		if it == nil {
			writeWrapped(&b, "  ", "    ", oneLine(p.Where)+"  "+safeText(p.What))
			continue
		}
		writeWrapped(&b, "  ", "    ", oneLine(it.GetName())+"  "+quoteName(it.GetDisplayName()))
		writeWrapped(&b, "    审核意见 / comment: ", "      ", safeText(it.GetReviewComment()))
		if len(example) < 2 {
			example = append(example, "--reply "+shortID(it.GetName())+"=答复内容")
		}
	}
	fmt.Fprint(a.stderr, b.String())
	fmt.Fprintf(a.stderr, "按意见修改这些事项，或答复审核意见后再报送 / edit these items as the comments ask, or answer the comments and submit again:\n  powerctl submit --department %s %s\n",
		shortID(parent), strings.Join(example, " "))
	return errReported
}
