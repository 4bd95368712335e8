package main

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/server/registry"
)

// listFlags narrow a list of the registry (items, submissions):
// --department, --filter (AIP-160) and --order-by (AIP-132).
type listFlags struct{ dept, filter, orderBy string }

// add registers the flags; the examples and the default order are the
// list's own.
func (f *listFlags) add(cmd *cobra.Command, filterExample, orderExample, defaultOrder string) {
	cmd.Flags().StringVar(&f.dept, "department", "", "only this department (id)")
	cmd.Flags().StringVar(&f.filter, "filter", "", "AIP-160 filter, e.g. "+filterExample)
	cmd.Flags().StringVar(&f.orderBy, "order-by", "", "AIP-132 order, e.g. "+orderExample+" (default: "+defaultOrder+")")
}

// ownParent is the department listed when --department is not given: the
// editor's own department when the token is scoped to one (a clerk), else
// every department the token may read. A token of an editor of several
// departments (and nothing more) is asked to choose one: it may not list
// them all at once.
func (f *listFlags) ownParent(ctx context.Context, c *client.Client) (string, error) {
	if f.dept != "" {
		return departmentName(f.dept), nil
	}
	caller, err := c.Caller(ctx)
	if err != nil {
		return "", err
	}
	if own := client.OwnDepartment(caller); own != "" {
		return own, nil
	}
	roles, depts := caller.GetRoles(), caller.GetDepartments()
	if slices.Equal(roles, []string{registry.RoleEditor}) && len(depts) > 1 && !slices.Contains(depts, "departments/-") {
		var ids []string
		for _, d := range depts {
			ids = append(ids, shortID(d))
		}
		list := strings.Join(ids, ", ")
		return "", usagef("令牌 %s 是多个部门（%s）的 editor：请用 --department ID 选择一个 / "+
			"the token %s edits several departments (%s): choose one with --department ID", caller.GetPrincipal(), list, caller.GetPrincipal(), list)
	}
	return "departments/-", nil
}

// catalogFlags narrow the published catalogue (catalog list and search).
type catalogFlags struct{ category, dept, region, filter, orderBy string }

func (f *catalogFlags) add(cmd *cobra.Command, orderExample, defaultOrder string) {
	cmd.Flags().StringVar(&f.category, "category", "", "only this category: 行政处罚, penalty, CATEGORY_PENALTY, CF, …")
	cmd.Flags().StringVar(&f.dept, "department", "", "only this department (id)")
	cmd.Flags().StringVar(&f.region, "region", "", "only the departments of this region (6-digit code, e.g. 430400)")
	cmd.Flags().StringVar(&f.filter, "filter", "", `AIP-160 filter, e.g. 'code: "430400-CF*" AND publish_time > "2014-11-01T00:00:00Z"'`)
	cmd.Flags().StringVar(&f.orderBy, "order-by", "", "AIP-132 order, e.g. "+orderExample+" (default: "+defaultOrder+")")
}

// query reads the flags into a query (--category through the server's
// mapping table).
func (f *catalogFlags) query(ctx context.Context, c *client.Client) (client.CatalogQuery, error) {
	cat, err := categoryFlag(ctx, c, f.category)
	if err != nil {
		return client.CatalogQuery{}, err
	}
	q := client.CatalogQuery{Category: cat, Region: f.region, Filter: f.filter, OrderBy: f.orderBy}
	if f.dept != "" {
		q.Department = departmentName(f.dept)
	}
	return q, nil
}
