package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func (a *app) departmentsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "departments",
		Aliases: []string{"department", "dept"},
		Short:   "部门：创建、修改、列出 / create, update and list departments",
		Example: `  powerctl departments create --id gtzyj --name 市国土资源局 --region 430400
  powerctl departments update --id d1 --region 511602
  powerctl departments list`,
		Args: args(cobra.NoArgs),
	}
	cmd.AddCommand(a.departmentsCreateCmd(), a.departmentsUpdateCmd(), a.departmentsListCmd())
	return cmd
}

func (a *app) departmentsCreateCmd() *cobra.Command {
	var id, name, region string
	cmd := &cobra.Command{
		Use:   "create --id ID --name NAME [--region CODE]",
		Short: "创建部门 / create a department",
		Long: `Creates a department. Its id is chosen by you (lower-case letters, digits
and hyphens, starting with a letter); its name is the official display name,
which imports match (实施主体 column). The region code (GB/T 2260) is used in
the codes assigned to its items; empty means the server's default region.
It needs an admin's token.`,
		Example: `  powerctl departments create --id gtzyj --name 市国土资源局
  powerctl departments create --id hyzfj --name 衡阳县住建局 --region 430421`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Registry.CreateDepartment(cmd.Context(), &pb.CreateDepartmentRequest{DepartmentId: id,
				Department: &pb.Department{DisplayName: name, RegionCode: region}})
			if err != nil {
				return err
			}
			d := resp.GetDepartment()
			if a.json() {
				return writeJSON(a.stdout, d)
			}
			_, err = fmt.Fprintf(a.stdout, "%s: 已创建部门“%s”，编号 %03d / created department %s, number %03d\n",
				oneLine(d.GetName()), oneLine(d.GetDisplayName()), d.GetNumber(), oneLine(d.GetDisplayName()), d.GetNumber())
			return err
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "department id, e.g. gtzyj (required)")
	cmd.Flags().StringVar(&name, "name", "", "display name, e.g. 市国土资源局 (required)")
	cmd.Flags().StringVar(&region, "region", "", "region code (GB/T 2260, six digits) for assigned codes")
	_ = cmd.MarkFlagRequired("id")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func (a *app) departmentsUpdateCmd() *cobra.Command {
	var id, name, region string
	cmd := &cobra.Command{
		Use:   "update --id ID [--name NAME] [--region CODE]",
		Short: "修改部门名称或区划代码 / change a department's name or region code",
		Long: `Changes a department's display name (--name) or region code (--region), or
both; only the flags given are changed. The region code (GB/T 2260) may be
written with 6, 9 or 12 digits (511602000000): the server keeps the
shortest code with the same meaning (511602). Codes assigned at later
publications use the new region; codes already assigned never change.
It needs an admin's token.`,
		Example: `  powerctl departments update --id d1 --region 511602000000
  powerctl departments update --id gtzyj --name 市自然资源和规划局`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var paths []string
			if cmd.Flags().Changed("name") {
				paths = append(paths, "display_name")
			}
			if cmd.Flags().Changed("region") {
				paths = append(paths, "region_code")
			}
			if len(paths) == 0 {
				return usagef("请至少给出 --name 或 --region / give --name or --region (or both)")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Registry.UpdateDepartment(cmd.Context(), &pb.UpdateDepartmentRequest{
				Department: &pb.Department{Name: departmentName(id), DisplayName: name, RegionCode: region},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
			if err != nil {
				return err
			}
			d := resp.GetDepartment()
			if a.json() {
				return writeJSON(a.stdout, d)
			}
			_, err = fmt.Fprintf(a.stdout, "%s: 已修改部门“%s”，区划代码 %s / updated department %s, region code %s\n",
				oneLine(d.GetName()), oneLine(d.GetDisplayName()), orNone(d.GetRegionCode()), oneLine(d.GetDisplayName()), orNoneEn(d.GetRegionCode()))
			return err
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "department id, e.g. d1 (required)")
	cmd.Flags().StringVar(&name, "name", "", "new display name")
	cmd.Flags().StringVar(&region, "region", "", "new region code (GB/T 2260: 6, 9 or 12 digits; empty: the server's default region)")
	_ = cmd.MarkFlagRequired("id")
	return cmd
}

// orNoneEn is orNone for the English half of a message.
func orNoneEn(s string) string {
	if s == "" {
		return "(none)"
	}
	return oneLine(s)
}

func (a *app) departmentsListCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "列出部门 / list departments",
		Example: `  powerctl departments list
  powerctl departments list -o json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			list, err := c.Departments(cmd.Context())
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, protoList(list))
			}
			t := &table{}
			t.add("ID", "编号 NUMBER", "区划 REGION", "名称 NAME")
			for _, d := range list {
				t.add(shortID(d.GetName()), fmt.Sprintf("%03d", d.GetNumber()), d.GetRegionCode(), d.GetDisplayName())
			}
			if err := t.write(a.stdout); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "共 %d 个部门 / %d departments\n", len(list), len(list))
			return err
		},
	}
}

// shortID is the last segment of a resource name.
func shortID(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			return name[i+1:]
		}
	}
	return name
}
