package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/principal"
)

func (a *app) reviewCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "review",
		Short: "审核：查看、通过或退回报送批次 / review submitted batches: list, show, export, import, approve, reject",
		Example: `  powerctl review list
  powerctl review show departments/gtzyj/submissions/1
  powerctl review export departments/gtzyj/submissions/1 -o 审核表.xlsx
  powerctl review import departments/gtzyj/submissions/1 审核表.xlsx
  POWERREG_TOKEN=$(cat reviewer.token) powerctl review approve departments/gtzyj/submissions/1 --comment 同意
  POWERREG_TOKEN=$(cat reviewer.token) powerctl review reject departments/gtzyj/submissions/1 --comment 请补充依据 --item 2=依据不全`,
		Args: args(cobra.NoArgs),
	}
	cmd.AddCommand(a.reviewListCmd(), a.reviewShowCmd(), a.reviewExportCmd(), a.reviewImportCmd(), a.reviewApproveCmd(), a.reviewRejectCmd())
	return cmd
}

var submissionStates = map[string]pb.Submission_State{
	"all": pb.Submission_STATE_UNSPECIFIED, "draft": pb.Submission_STATE_DRAFT, "submitted": pb.Submission_STATE_SUBMITTED,
	"approved": pb.Submission_STATE_APPROVED, "returned": pb.Submission_STATE_RETURNED, "published": pb.Submission_STATE_PUBLISHED,
	"withdrawn": pb.Submission_STATE_WITHDRAWN,
}

var submissionStateText = map[pb.Submission_State]string{
	pb.Submission_STATE_DRAFT: "草稿 draft", pb.Submission_STATE_SUBMITTED: "已报送 submitted",
	pb.Submission_STATE_APPROVED: "已审核 approved", pb.Submission_STATE_RETURNED: "已退回 returned",
	pb.Submission_STATE_PUBLISHED: "已发布 published", pb.Submission_STATE_WITHDRAWN: "已撤回 withdrawn",
}

func (a *app) reviewListCmd() *cobra.Command {
	return a.submissionListCmd("submitted", "审核队列：列出待审核的批次 / the review queue: batches waiting for review",
		"by default those waiting for review\n(submitted)", "review list")
}

// submissionListCmd lists submissions: review list (default: the queue)
// and submissions list (default: all) differ in the default state only.
func (a *app) submissionListCmd(defaultState, short, what, command string) *cobra.Command {
	var state string
	var flags listFlags
	cmd := &cobra.Command{
		Use:     "list [--state STATE] [--department ID] [--filter F] [--order-by O]",
		Aliases: []string{"ls"},
		Short:   short,
		Long: `Lists submissions, newest first: ` + what + `. --state chooses another state: draft,
submitted, approved, returned, published, withdrawn (已撤回) or all.

--filter is an AIP-160 filter over state, department, create_time and
update_time, combined with --state (e.g. 'update_time > "2014-10-01T00:00:00Z"');
--order-by an AIP-132 order over create_time and update_time (e.g.
'update_time'). The server checks both: a mistake is refused with where it
is (exit 1).`,
		Example: `  powerctl ` + command + `
  powerctl ` + command + ` --state approved
  powerctl ` + command + ` --state withdrawn --department gtzyj
  powerctl ` + command + ` --state all --filter 'update_time > "2014-10-01T00:00:00Z"' --order-by 'update_time'`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, ok := submissionStates[state]
			if !ok {
				return usagef("--state 应为 draft、submitted、approved、returned、published、withdrawn 或 all / --state must be draft, submitted, approved, returned, published, withdrawn or all, not %q", state)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			parent, err := flags.ownParent(cmd.Context(), c)
			if err != nil {
				return err
			}
			list, err := c.ListSubmissions(cmd.Context(), client.SubmissionQuery{Parent: parent, State: st, Filter: flags.filter, OrderBy: flags.orderBy})
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, protoList(list))
			}
			t := &table{}
			t.add("批次 SUBMISSION", "状态 STATE", "事项 ITEMS", "报送人 SUBMITTER", "更新 UPDATED", "说明 COMMENT")
			for _, s := range list {
				t.add(s.GetName(), submissionStateText[s.GetState()], strconv.Itoa(len(s.GetItems())), principal.Escape(s.GetSubmitter()),
					timeText(s.GetUpdateTime()), s.GetComment())
			}
			if err := t.write(a.stdout); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "共 %d 个批次 / %d submissions\n", len(list), len(list))
			return err
		},
	}
	cmd.Flags().StringVar(&state, "state", defaultState, "draft, submitted, approved, returned, published, withdrawn or all")
	flags.add(cmd, `'update_time > "2014-10-01T00:00:00Z"'`, "'update_time'", "newest first")
	return cmd
}

func timeText(t *timestamppb.Timestamp) string {
	if t == nil {
		return ""
	}
	return t.AsTime().Local().Format(time.DateTime)
}

func (a *app) reviewShowCmd() *cobra.Command { return a.submissionShowCmd("review show") }

// submissionShowCmd shows a batch in full (review show, submissions show).
func (a *app) submissionShowCmd(command string) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "查看批次：每个事项的全部内容与变化 / show a batch: every item in full and what changed",
		Long: `Shows a submission and each of its items in full, as a reviewer judges
them: the change (新增 new, 修改 modified, 废止 abolish), every field that is
set (legal bases one a line), sub-items indented under their main item, for
a change every field that differs from the revision in force (e.g.
承诺期限 15个工作日 → 10个工作日), the reviewer's comment and the department's
answer. An item that lacks what submission requires is marked with ！, e.g.
缺少设定依据 / lacks a legal basis. Long values wrap; nothing is cut.

The batch is read in one call (ListSubmissionItems, 1000 items a page).
-o json prints {"submission": …, "items": [SubmissionItem…]} as the API
returns them.`,
		Example: `  powerctl ` + command + ` departments/gtzyj/submissions/1
  powerctl ` + command + ` departments/gtzyj/submissions/1 -o json
  powerctl ` + command + ` departments/gtzyj/submissions/1 | less`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			return a.showSubmission(cmd.Context(), c, list[0])
		},
	}
}

func (a *app) reviewApproveCmd() *cobra.Command {
	var comment string
	var returns, comments []string
	cmd := &cobra.Command{
		Use:   "approve NAME [--comment TEXT] [--return ITEM=COMMENT]… [--item ITEM=COMMENT]…",
		Short: "审核通过一个批次 / approve a batch",
		Long: `Approves a submitted batch. --return ITEM=COMMENT returns single items to
the department (退回修改) while approving the rest; --item ITEM=COMMENT leaves a
comment on an approved item. ITEM is an item name (departments/d/items/5),
its number (5), its code or its display name.

It needs a reviewer's token (--token or POWERREG_TOKEN); the token's name is
recorded as who approved. Four eyes (四眼原则): whoever submitted the batch or
edited one of its items cannot review it.`,
		Example: `  POWERREG_TOKEN=$(cat reviewer.token) powerctl review approve departments/gtzyj/submissions/1 --comment 同意
  powerctl --token "$(cat reviewer.token)" review approve departments/gtzyj/submissions/1 --return 7=依据已废止`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			name := list[0]
			ret, err := a.itemComments(cmd.Context(), c, name, returns, "--return")
			if err != nil {
				return err
			}
			ic, err := a.itemComments(cmd.Context(), c, name, comments, "--item")
			if err != nil {
				return err
			}
			resp, err := c.Registry.ApproveSubmission(cmd.Context(), &pb.ApproveSubmissionRequest{Name: name, Comment: comment,
				ReturnedItems: ret, ItemComments: ic})
			if err != nil {
				return err
			}
			s := resp.GetSubmission()
			if a.json() {
				return writeJSON(a.stdout, s)
			}
			_, err = fmt.Fprintf(a.stdout, "%s: 已审核通过 %d 个事项，退回 %d 个 / approved %d items, returned %d\n",
				s.GetName(), len(s.GetItems()), len(s.GetReturnedItems()), len(s.GetItems()), len(s.GetReturnedItems()))
			return err
		},
	}
	cmd.Flags().StringVar(&comment, "comment", "", "the reviewer's comment on the batch")
	cmd.Flags().StringArrayVar(&returns, "return", nil, "ITEM=COMMENT: return this item to the department (repeatable)")
	cmd.Flags().StringArrayVar(&comments, "item", nil, "ITEM=COMMENT: a comment on an approved item (repeatable)")
	return cmd
}

func (a *app) reviewRejectCmd() *cobra.Command {
	var comment string
	var comments []string
	cmd := &cobra.Command{
		Use:   "reject NAME --comment TEXT [--item ITEM=COMMENT]…",
		Short: "退回一个批次修改 / return a batch to the department",
		Long: `Returns a whole batch to the department (退回修改) with a comment, and
optional comments on single items (--item ITEM=COMMENT, repeatable). ITEM is
an item name (departments/d/items/5), its number (5), its code or its display
name. The items become editable again; the department fixes them and submits
again. It needs a reviewer's token, of someone who neither submitted the batch
nor edited its items.`,
		Example: `  POWERREG_TOKEN=$(cat reviewer.token) powerctl review reject departments/gtzyj/submissions/1 \
      --comment 请补充设定依据 --item 2=缺少条款 --item 对非法占用土地的处罚=依据已修订`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			name := list[0]
			ic, err := a.itemComments(cmd.Context(), c, name, comments, "--item")
			if err != nil {
				return err
			}
			resp, err := c.Registry.RejectSubmission(cmd.Context(), &pb.RejectSubmissionRequest{Name: name, Comment: comment, ItemComments: ic})
			if err != nil {
				return err
			}
			s := resp.GetSubmission()
			if a.json() {
				return writeJSON(a.stdout, s)
			}
			_, err = fmt.Fprintf(a.stdout, "%s: 已退回 %d 个事项 / returned %d items\n", s.GetName(), len(s.GetItems()), len(s.GetItems()))
			return err
		},
	}
	cmd.Flags().StringVar(&comment, "comment", "", "why the batch is returned and what to fix (required)")
	cmd.Flags().StringArrayVar(&comments, "item", nil, "ITEM=COMMENT: a comment on one item (repeatable)")
	_ = cmd.MarkFlagRequired("comment")
	return cmd
}

// itemComments reads ITEM=COMMENT flags of a batch. ITEM is an item name,
// an item number, or the code or display name of one of the batch's items.
func (a *app) itemComments(ctx context.Context, c *client.Client, submission string, flags []string, flag string) ([]*pb.ItemComment, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	dept, _, ok := strings.Cut(strings.TrimPrefix(submission, "departments/"), "/submissions/")
	if !ok || !strings.HasPrefix(submission, "departments/") {
		return nil, usagef("批次名称应形如 departments/gtzyj/submissions/1 / a submission name looks like departments/gtzyj/submissions/1, not %q", submission)
	}
	dept = "departments/" + dept
	var byLabel map[string][]string // code or display name → item names, loaded when needed
	var out []*pb.ItemComment
	for _, f := range flags {
		ref, comment, ok := strings.Cut(f, "=")
		ref = strings.TrimSpace(ref)
		if !ok || ref == "" {
			return nil, usagef("%s 应写成 ITEM=COMMENT / %s takes ITEM=COMMENT, not %q", flag, flag, f)
		}
		var name string
		switch {
		case strings.HasPrefix(ref, "departments/"):
			name = ref
		case isDigits(ref):
			name = dept + "/items/" + ref
		default:
			if byLabel == nil {
				var err error
				if byLabel, err = a.batchItemLabels(ctx, c, submission); err != nil {
					// Reading the batch first: refused, the caller is no
					// reviewer, which is what approving and returning need.
					return nil, requirement(err, "审核（通过或退回）需要 reviewer（审核人）角色的令牌，当前令牌没有这个角色",
						"reviewing (approving or returning) needs a token with the reviewer role, which this token does not have")
				}
			}
			switch names := byLabel[ref]; len(names) {
			case 0:
				return nil, fmt.Errorf("批次 %s 中没有编码或名称为“%s”的事项；用 powerctl review show %s 查看 / no item of batch %s has the code or name %q; see powerctl review show %s",
					submission, ref, submission, submission, ref, submission)
			case 1:
				name = names[0]
			default:
				return nil, fmt.Errorf("批次 %s 中有 %d 个事项名为“%s”，请改用事项名称（%s） / %d items of batch %s are called %q; use the item name (%s)",
					submission, len(names), ref, strings.Join(names, ", "), len(names), submission, ref, strings.Join(names, ", "))
			}
		}
		out = append(out, &pb.ItemComment{Item: name, Comment: comment})
	}
	return out, nil
}

// batchItemLabels maps the codes and display names of a batch's items to
// their names, read in one call (not one per item: a big batch must not
// run into the rate limits).
func (a *app) batchItemLabels(ctx context.Context, c *client.Client, submission string) (map[string][]string, error) {
	items, err := c.SubmissionItems(ctx, submission)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, si := range items {
		it := si.GetItem()
		if code := it.GetCode(); code != "" {
			out[code] = append(out[code], it.GetName())
		}
		out[it.GetDisplayName()] = append(out[it.GetDisplayName()], it.GetName())
	}
	return out, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
