package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func (a *app) itemsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "items",
		Short: "登记中的事项（含草稿）/ the registry's items, drafts included",
		Example: `  powerctl items list --department gtzyj --state returned
  powerctl items show departments/gtzyj/items/5
  powerctl items show --department gtzyj 5
  powerctl items delete departments/gtzyj/items/5
  powerctl items abolish departments/gtzyj/items/3 --comment 职能划转`,
		Args: args(cobra.NoArgs),
	}
	cmd.AddCommand(a.itemsListCmd(), a.itemsShowCmd(), a.itemsDeleteCmd(), a.itemsAbolishCmd())
	return cmd
}

var itemStates = map[string]pb.Item_State{
	"all": pb.Item_STATE_UNSPECIFIED, "draft": pb.Item_STATE_DRAFT, "submitted": pb.Item_STATE_SUBMITTED,
	"approved": pb.Item_STATE_APPROVED, "returned": pb.Item_STATE_RETURNED, "published": pb.Item_STATE_PUBLISHED,
	"abolished": pb.Item_STATE_ABOLISHED,
}

func (a *app) itemsListCmd() *cobra.Command {
	var state string
	var flags listFlags
	cmd := &cobra.Command{
		Use:     "list [--department ID] [--state STATE] [--filter F] [--order-by O]",
		Aliases: []string{"ls"},
		Short:   "列出事项的工作副本 / list the items' working copies",
		Long: `Lists the items of a department (--department) in order of creation, in
any state or in one (--state: draft, submitted, approved, returned,
published, abolished or all). Without --department: the department of a
clerk's token (an editor of one department), or every department for
reviewers, publishers and editors of every department; an editor of
several departments chooses one.

--filter is an AIP-160 filter over category, state, code, department,
update_time, publish_time and display_name (e.g. 'state = STATE_RETURNED OR
NOT publish_time:*'); --order-by an AIP-132 order over code, update_time,
publish_time and display_name (e.g. 'update_time desc'). The server checks
both: a mistake is refused with where it is (exit 1).`,
		Example: `  powerctl items list --department gtzyj
  powerctl items list --state returned
  powerctl items list --filter 'state = STATE_RETURNED OR NOT publish_time:*' --order-by 'update_time desc'`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, ok := itemStates[state]
			if !ok {
				return usagef("--state 应为 draft、submitted、approved、returned、published、abolished 或 all / "+
					"--state must be draft, submitted, approved, returned, published, abolished or all, not %q", state)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			parent, err := flags.ownParent(cmd.Context(), c)
			if err != nil {
				return err
			}
			list, err := c.ListItems(cmd.Context(), client.ItemQuery{Parent: parent, State: st, Filter: flags.filter, OrderBy: flags.orderBy})
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, protoList(list))
			}
			t := &table{}
			t.add("事项 ITEM", "状态 STATE", "编码 CODE", "类型 CATEGORY", "更新 UPDATED", "名称 NAME")
			for _, it := range list {
				t.add(it.GetName(), itemStateText[it.GetState()], it.GetCode(), categoryText(it),
					timeText(it.GetUpdateTime()), it.GetDisplayName())
			}
			if err := t.write(a.stdout); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "共 %d 个事项 / %d items\n", len(list), len(list))
			return err
		},
	}
	cmd.Flags().StringVar(&state, "state", "all", "draft, submitted, approved, returned, published, abolished or all")
	flags.add(cmd, "'state = STATE_RETURNED'", "'update_time desc'", "creation order")
	return cmd
}
