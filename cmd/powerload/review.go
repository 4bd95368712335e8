package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// decision is what a reviewer does with a batch.
type decision int

const (
	approve       decision = iota
	returnOneItem          // approve the rest
	reject                 // return the whole batch
)

// decide draws the decision on a batch from the seed, the department and
// the batch's number, so that a run's returns do not depend on which
// reviewer takes which batch first.
func decide(o *options, b batch) (decision, *rand.Rand) {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d", b.dept.index, b.number)
	r := rand.New(rand.NewPCG(uint64(o.seed), h.Sum64()))
	x := r.Float64()
	switch {
	case x < o.rejectRate:
		return reject, r
	case x < o.rejectRate+o.returnRate && len(b.returnable) > 0 && len(b.items) > 1:
		return returnOneItem, r
	}
	return approve, r
}

// reviewer reads each batch it is handed and approves it, returns one item
// or rejects it, then tells the department.
func reviewer(ctx context.Context, c *client.Client, o *options, rec *recorder, batches <-chan batch) error {
	for b := range batches {
		var sub *pb.Submission
		err := rec.do(ctx, "GetSubmission", func(ctx context.Context) error {
			resp, err := c.Registry.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: b.submission})
			sub = resp.GetSubmission()
			return err
		})
		if err != nil {
			return err
		}
		if sub.GetState() != pb.Submission_STATE_SUBMITTED || len(sub.GetItems()) != len(b.items) {
			err := fmt.Errorf("%s: submitted with %d items, read back %s with %d", b.submission, len(b.items), sub.GetState(), len(sub.GetItems()))
			rec.failed(err)
			return err
		}
		var returned []string
		switch d, r := decide(o, b); d {
		case reject:
			returned = b.items
			err = rec.do(ctx, "RejectSubmission", func(ctx context.Context) error {
				_, err := c.Registry.RejectSubmission(ctx, &pb.RejectSubmissionRequest{Name: b.submission, Etag: sub.GetEtag(),
					Comment: "设定依据条款不全，请补充后重新报送"})
				return err
			})
		case returnOneItem:
			item := b.returnable[r.IntN(len(b.returnable))]
			returned = []string{item}
			err = rec.do(ctx, "ApproveSubmission", func(ctx context.Context) error {
				_, err := c.Registry.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: b.submission, Etag: sub.GetEtag(),
					Comment: "其余同意", ReturnedItems: []*pb.ItemComment{{Item: item, Comment: "责任事项不全，请补充"}}})
				return err
			})
		default:
			err = rec.do(ctx, "ApproveSubmission", func(ctx context.Context) error {
				_, err := c.Registry.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: b.submission, Etag: sub.GetEtag(), Comment: "同意"})
				return err
			})
		}
		if err != nil {
			return err
		}
		b.verdict <- returned
	}
	return nil
}
