package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func (a *app) catalogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "已发布的权力清单：列出、搜索、查看、统计 / the published catalogue: list, search, get, stats",
		Example: `  powerctl catalog list --category 行政处罚 --department gtzyj
  powerctl catalog search 土地 审批
  powerctl catalog get 430400-CF-001-0001-00
  powerctl catalog stats`,
		Args: args(cobra.NoArgs),
	}
	cmd.AddCommand(a.catalogListCmd(), a.catalogSearchCmd(), a.catalogGetCmd(), a.catalogStatsCmd())
	return cmd
}

func (a *app) catalogListCmd() *cobra.Command {
	var flags catalogFlags
	var asOf string
	cmd := &cobra.Command{
		Use:     "list [--category C] [--department D] [--region R] [--filter F] [--order-by O] [--as-of T]",
		Aliases: []string{"ls"},
		Short:   "列出在用的事项 / list the items in force",
		Long: `Lists the items in force, ordered by code. --category takes a Chinese
label or alias (行政处罚, 处罚, 公共服务), an enum name (CATEGORY_PENALTY or
penalty) or the code letters (CF); --department a department id; --region a
6-digit region code (GB/T 2260): the items of the departments in it.

--filter is an AIP-160 filter over category, department, code, publish_time
and display_name (e.g. 'code: "430400-CF*" AND publish_time > "2014-11-01T00:00:00Z"');
--order-by an AIP-132 order over code, publish_time and display_name (e.g.
'publish_time desc'). The server checks both: a mistake is refused with
where it is (exit 1).

` + asOfHelp,
		Example: `  powerctl catalog list
  powerctl catalog list --category 行政许可
  powerctl catalog list --category CATEGORY_PENALTY --department gtzyj -o json
  powerctl catalog list --filter 'display_name: "土地"' --order-by 'publish_time desc'
  powerctl catalog list --region 430400 --as-of 2014-10-08`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			at, err := parseAsOf(asOf)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			q, err := flags.query(cmd.Context(), c)
			if err != nil {
				return err
			}
			q.AsOf = at
			items, err := c.ListCatalog(cmd.Context(), q)
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, protoList(items))
			}
			t := &table{}
			t.add("编码 CODE", "类型 CATEGORY", "部门 DEPARTMENT", "大项 MAIN", "名称 NAME")
			for _, it := range items {
				t.add(it.GetCode(), categoryText(it), it.GetDepartmentDisplayName(), it.GetParentCode(), it.GetDisplayName())
			}
			if err := t.write(a.stdout); err != nil {
				return err
			}
			if !at.IsZero() {
				_, err = fmt.Fprintf(a.stdout, "%s 时在用共 %d 项 / %d items in force at %s\n", asOfText(at), len(items), len(items), asOfText(at))
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "共 %d 项 / %d items\n", len(items), len(items))
			return err
		},
	}
	flags.add(cmd, "'publish_time desc'", "code")
	cmd.Flags().StringVar(&asOf, "as-of", "", "the catalogue in force then: RFC 3339, or YYYY-MM-DD = the end of that day, China Standard Time")
	return cmd
}

// categoryFlag reads a --category flag through the server's mapping table;
// empty is every category.
func categoryFlag(ctx context.Context, c *client.Client, category string) (pb.Category, error) {
	if category == "" {
		return pb.Category_CATEGORY_UNSPECIFIED, nil
	}
	infos, err := c.Categories(ctx)
	if err != nil {
		return 0, err
	}
	cat, ok := parseCategory(infos, category)
	if !ok {
		return 0, usagef("未知的职权类型“%s”，可选：%s / unknown category %q; choose one of: %s",
			category, categoryChoices(infos), category, categoryChoices(infos))
	}
	return cat, nil
}

func (a *app) catalogGetCmd() *cobra.Command {
	var asOf string
	cmd := &cobra.Command{
		Use:   "get CODE [--as-of T]",
		Short: "查看一个在用事项 / show the item in force with a code",
		Long: `Shows the revision in force of the item with a code: now, or with --as-of
the one in force then (not found when the item was not yet published, or
already abolished, at that time).

` + asOfHelp,
		Example: `  powerctl catalog get 430400-CF-001-0001-00
  powerctl catalog get 430400-CF-001-0001-00 --as-of 2014-10-08
  powerctl catalog get 430400-CF-001-0001-00 --as-of 2014-10-08T10:00:00+08:00 -o json`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			at, err := parseAsOf(asOf)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			req := &pb.GetCatalogItemRequest{Code: list[0]}
			if !at.IsZero() {
				req.AsOf = timestamppb.New(at)
			}
			resp, err := c.Catalog.GetCatalogItem(cmd.Context(), req)
			if err != nil {
				return err
			}
			it := resp.GetItem()
			if a.json() {
				return writeJSON(a.stdout, it)
			}
			t := &table{}
			for _, f := range itemFields {
				switch f.Key {
				case sheet.KeyMainItem:
					t.add(f.FieldLabel(), it.GetParentCode())
				case sheet.KeyLegalBases:
					bases := it.GetLegalBases()
					if len(bases) == 0 {
						t.add(f.FieldLabel(), "")
					}
					for i, b := range bases {
						label := ""
						if i == 0 {
							label = f.FieldLabel()
						}
						t.add(label, sheet.LegalBasisText(b))
					}
				default:
					t.add(f.FieldLabel(), f.Text(it))
				}
			}
			t.add("部门 department", it.GetDepartmentDisplayName())
			t.add("事项 item", it.GetName())
			t.add("发布时间 published", timeText(it.GetPublishTime()))
			if !at.IsZero() {
				t.add("在用于 in force at", asOfText(at))
			}
			return t.write(a.stdout)
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "the revision in force then: RFC 3339, or YYYY-MM-DD = the end of that day, China Standard Time")
	return cmd
}

func (a *app) catalogStatsCmd() *cobra.Command {
	var byDept bool
	cmd := &cobra.Command{
		Use:   "stats [--departments]",
		Short: "按类型统计在用事项 / count the items in force per category",
		Long: `Counts the items in force per category, like the report's table: category,
Chinese label, count, and the items and sub-items it is made of. With
--departments, also per department.`,
		Example: `  powerctl catalog stats
  powerctl catalog stats --departments`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			st, err := c.Catalog.GetCatalogStats(cmd.Context(), &pb.GetCatalogStatsRequest{})
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, st)
			}
			num := func(n int32) string { return strconv.Itoa(int(n)) }
			t := &table{}
			t.add("category", "中文", "count 数量", "items 事项", "sub-items 子项")
			for _, s := range st.GetCategories() {
				t.add(categoryEnglish(s.GetCategory()),
					s.GetLabel(), num(s.GetCount().GetTotal()), num(s.GetCount().GetItems()), num(s.GetCount().GetSubItems()))
			}
			t.add("total", "合计", num(st.GetTotal().GetTotal()), num(st.GetTotal().GetItems()), num(st.GetTotal().GetSubItems()))
			if err := t.write(a.stdout); err != nil {
				return err
			}
			if !byDept {
				return nil
			}
			t = &table{}
			t.add("department", "部门", "count 数量", "items 事项", "sub-items 子项")
			for _, d := range st.GetDepartments() {
				t.add(shortID(d.GetDepartment()), d.GetDisplayName(), num(d.GetCount().GetTotal()), num(d.GetCount().GetItems()), num(d.GetCount().GetSubItems()))
			}
			fmt.Fprintln(a.stdout)
			return t.write(a.stdout)
		},
	}
	cmd.Flags().BoolVar(&byDept, "departments", false, "also count per department")
	return cmd
}

// categoryEnglish is a category's enum name as words: "management service".
func categoryEnglish(c pb.Category) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(c.String(), "CATEGORY_"), "_", " "))
}
