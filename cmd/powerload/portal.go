package main

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/internal/vocab"
)

// portalReader reads the published catalogue as the portal and the public
// do, anonymously, until done closes: pages of a category, keyword
// searches, single items, the change feed followed from where it left
// off, the stats. It pauses o.readPause between reads.
func portalReader(ctx context.Context, c *client.Client, o *options, rec *recorder, id int, done <-chan struct{}) {
	r := rand.New(rand.NewPCG(uint64(o.seed), uint64(1000+id)))
	one, two, four := vocab.QueryWords()
	queries := append(append(one, two...), four...)
	var codes []string // seen in pages, to read single items
	var feedAt int64   // the change feed's position
	var feedToken string
	remember := func(items []*pb.Item) {
		for _, it := range items {
			if len(codes) < 1000 {
				codes = append(codes, it.GetCode())
			} else {
				codes[r.IntN(len(codes))] = it.GetCode()
			}
		}
	}
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		default:
		}
		switch n := r.IntN(10); {
		case n < 4 || n < 6 && len(codes) == 0:
			category := pb.Category(1 + r.IntN(10))
			var next string
			_ = rec.do(ctx, "ListCatalogItems (category page)", func(ctx context.Context) error {
				resp, err := c.Catalog.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Category: category, PageSize: 50})
				remember(resp.GetItems())
				next = resp.GetNextPageToken()
				return err
			})
			if next != "" && r.IntN(2) == 0 {
				_ = rec.do(ctx, "ListCatalogItems (category page)", func(ctx context.Context) error {
					resp, err := c.Catalog.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Category: category, PageSize: 50, PageToken: next})
					remember(resp.GetItems())
					return err
				})
			}
		case n < 6:
			code := codes[r.IntN(len(codes))]
			_ = rec.do(ctx, "GetCatalogItem", func(ctx context.Context) error {
				_, err := c.Catalog.GetCatalogItem(ctx, &pb.GetCatalogItemRequest{Code: code})
				return err
			})
		case n < 8:
			q := queries[r.IntN(len(queries))]
			_ = rec.do(ctx, "ListCatalogItems (q)", func(ctx context.Context) error {
				resp, err := c.Catalog.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Q: q, PageSize: 20})
				remember(resp.GetItems())
				return err
			})
		case n < 9:
			_ = rec.do(ctx, "ListCatalogChanges", func(ctx context.Context) error {
				resp, err := c.Catalog.ListCatalogChanges(ctx, &pb.ListCatalogChangesRequest{StartRevision: feedAt,
					PageToken: feedToken, PageSize: 100})
				if err == nil {
					// Within a publication the token goes on; once read to the
					// end, the feed is followed from the current revision.
					if feedToken = resp.GetNextPageToken(); feedToken == "" {
						feedAt = resp.GetCurrentRevision()
					}
				}
				return err
			})
		default:
			_ = rec.do(ctx, "GetCatalogStats", func(ctx context.Context) error {
				_, err := c.Catalog.GetCatalogStats(ctx, &pb.GetCatalogStatsRequest{})
				return err
			})
		}
		if o.readPause > 0 {
			time.Sleep(o.readPause)
		}
	}
}
