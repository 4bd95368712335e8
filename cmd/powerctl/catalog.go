package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func (a *app) catalogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "已发布的权力清单：列出、查看、统计 / the published catalogue: list, get, stats",
		Example: `  powerctl catalog list --category 行政处罚 --department gtzyj
  powerctl catalog get 430400-CF-001-0001-00
  powerctl catalog stats`,
		Args: args(cobra.NoArgs),
	}
	cmd.AddCommand(a.catalogListCmd(), a.catalogGetCmd(), a.catalogStatsCmd())
	return cmd
}

func (a *app) catalogListCmd() *cobra.Command {
	var category, dept string
	cmd := &cobra.Command{
		Use:     "list [--category C] [--department D]",
		Aliases: []string{"ls"},
		Short:   "列出在用的事项 / list the items in force",
		Long: `Lists the items in force, ordered by code. --category takes a Chinese
label or alias (行政处罚, 处罚, 公共服务), an enum name (CATEGORY_PENALTY or
penalty) or the code letters (CF); --department a department id.`,
		Example: `  powerctl catalog list
  powerctl catalog list --category 行政许可
  powerctl catalog list --category CATEGORY_PENALTY --department gtzyj -o json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			var cat pb.Category
			if category != "" {
				infos, err := c.Categories(cmd.Context())
				if err != nil {
					return err
				}
				var ok bool
				if cat, ok = parseCategory(infos, category); !ok {
					return usagef("未知的职权类型“%s”，可选：%s / unknown category %q; choose one of: %s",
						category, categoryChoices(infos), category, categoryChoices(infos))
				}
			}
			d := ""
			if dept != "" {
				d = departmentName(dept)
			}
			items, err := c.CatalogItems(cmd.Context(), cat, d)
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
			_, err = fmt.Fprintf(a.stdout, "共 %d 项 / %d items\n", len(items), len(items))
			return err
		},
	}
	cmd.Flags().StringVar(&category, "category", "", "only this category: 行政处罚, penalty, CATEGORY_PENALTY, CF, …")
	cmd.Flags().StringVar(&dept, "department", "", "only this department (id)")
	return cmd
}

func (a *app) catalogGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "get CODE",
		Short:   "查看一个在用事项 / show the item in force with a code",
		Example: `  powerctl catalog get 430400-CF-001-0001-00`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, list []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Catalog.GetCatalogItem(cmd.Context(), &pb.GetCatalogItemRequest{Code: list[0]})
			if err != nil {
				return err
			}
			it := resp.GetItem()
			if a.json() {
				return writeJSON(a.stdout, it)
			}
			t := &table{}
			for _, f := range itemFields {
				switch f.key {
				case "parent":
					t.add(f.label(), it.GetParentCode())
				case "legal_bases":
					bases := it.GetLegalBases()
					if len(bases) == 0 {
						t.add(f.label(), "")
					}
					for i, b := range bases {
						label := ""
						if i == 0 {
							label = f.label()
						}
						t.add(label, legalBasesText([]*pb.LegalBasis{b}))
					}
				default:
					t.add(f.label(), f.get(it))
				}
			}
			t.add("部门 department", it.GetDepartmentDisplayName())
			t.add("事项 item", it.GetName())
			t.add("发布时间 published", timeText(it.GetPublishTime()))
			return t.write(a.stdout)
		},
	}
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
				t.add(strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(s.GetCategory().String(), "CATEGORY_"), "_", " ")),
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
