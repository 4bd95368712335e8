package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/powerreg/powerreg/client"
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

// parent is the department listed, `departments/-` for all.
func (f *listFlags) parent() string {
	if f.dept == "" {
		return "departments/-"
	}
	return departmentName(f.dept)
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
