package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// publisher publishes, every o.publishEvery, all approved batches of the
// departments that mine selects (publishers share the departments out, so
// that two never race for one batch); when done closes, it publishes what
// is still approved and returns the number of items it published.
func publisher(ctx context.Context, c *client.Client, o *options, rec *recorder, mine map[string]bool,
	done <-chan struct{}) (int, error) {
	published := 0
	tick := time.NewTicker(o.publishEvery)
	defer tick.Stop()
	for last := false; !last; {
		select {
		case <-tick.C:
		case <-done:
			last = true
		case <-ctx.Done():
			return published, ctx.Err()
		}
		var approved []string
		err := rec.do(ctx, "ListSubmissions (approved)", func(ctx context.Context) error {
			subs, err := c.Submissions(ctx, "departments/-", pb.Submission_STATE_APPROVED)
			for _, s := range subs {
				if mine[departmentOf(s.GetName())] {
					approved = append(approved, s.GetName())
				}
			}
			return err
		})
		if err != nil {
			return published, err
		}
		// A publication holds at most registry.MaxPublicationSubmissions.
		for list := range slices.Chunk(approved, registry.MaxPublicationSubmissions) {
			err = rec.do(ctx, "CreatePublication", func(ctx context.Context) error {
				resp, err := c.Registry.CreatePublication(ctx, &pb.CreatePublicationRequest{Publication: &pb.Publication{
					Submissions: list, Comment: fmt.Sprintf("集中发布 %d 个批次", len(list))}})
				published += int(resp.GetPublication().GetItemCount()) // its items field holds the first 1000
				return err
			})
			if err != nil {
				return published, err
			}
		}
	}
	return published, nil
}
