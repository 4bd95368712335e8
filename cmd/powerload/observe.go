package main

import (
	"context"
	"fmt"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// observe reads the whole change feed, the whole catalogue and the stats,
// again if a publication came in between (another user of a running
// server), so that the check compares one state of the catalogue.
func observe(ctx context.Context, c *client.Client, created map[string][]created) (observed, error) {
	for range 5 {
		o := observed{created: created}
		feed, at, err := readFeed(ctx, c, 0)
		if err != nil {
			return o, fmt.Errorf("read the change feed: %w", err)
		}
		o.feed = feed
		if o.catalog, err = c.CatalogItems(ctx, pb.Category_CATEGORY_UNSPECIFIED, ""); err != nil {
			return o, fmt.Errorf("read the catalogue: %w", err)
		}
		if o.stats, err = c.Catalog.GetCatalogStats(ctx, &pb.GetCatalogStatsRequest{}); err != nil {
			return o, fmt.Errorf("read the stats: %w", err)
		}
		later, _, err := readFeed(ctx, c, at)
		if err != nil {
			return o, fmt.Errorf("read the change feed: %w", err)
		}
		if len(later) == 0 {
			return o, nil
		}
	}
	return observed{}, fmt.Errorf("the catalogue kept changing while it was read (other publishers?); run the check again")
}

// readFeed reads the change feed after revision start to its end, and the
// revision it ends at.
func readFeed(ctx context.Context, c *client.Client, start int64) ([]*pb.CatalogChange, int64, error) {
	var out []*pb.CatalogChange
	req := &pb.ListCatalogChangesRequest{StartRevision: start, PageSize: 1000}
	for {
		resp, err := c.Catalog.ListCatalogChanges(ctx, req)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, resp.GetChanges()...)
		if resp.GetNextPageToken() == "" {
			return out, resp.GetCurrentRevision(), nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}
