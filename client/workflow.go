package client

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// ErrNothingToDo means a step found nothing to work on, e.g. no drafts to
// submit or no approved submission to publish.
var ErrNothingToDo = errors.New("nothing to do")

// MaxBatchItems is the most items a submission holds: the server's.
const MaxBatchItems = registry.MaxSubmissionItems

// SubmitDrafts puts the current drafts of a department (new, edited or
// returned, and in no other batch) into one submission and submits it: at
// most MaxBatchItems of them, drafts before returned items, each in order
// of creation.
func (c *Client) SubmitDrafts(ctx context.Context, department, comment string) (*pb.Submission, error) {
	sub, _, err := c.SubmitDraftBatch(ctx, department, comment)
	return sub, err
}

// SubmitDraftBatch is SubmitDrafts that also says how many drafts are left
// for further batches (a department with more than MaxBatchItems).
func (c *Client) SubmitDraftBatch(ctx context.Context, department, comment string) (*pb.Submission, int, error) {
	var names []string
	for _, state := range []pb.Item_State{pb.Item_STATE_DRAFT, pb.Item_STATE_RETURNED} {
		items, err := c.Items(ctx, department, state)
		if err != nil {
			return nil, 0, err
		}
		for _, it := range items {
			if it.GetSubmission() == "" {
				names = append(names, it.GetName())
			}
		}
	}
	if len(names) == 0 {
		return nil, 0, fmt.Errorf("%s 没有待报送的草稿 / %s has no drafts to submit: %w", department, department, ErrNothingToDo)
	}
	left := max(0, len(names)-MaxBatchItems)
	names = names[:len(names)-left]
	created, err := c.Registry.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: department,
		Submission: &pb.Submission{Items: names, Comment: comment}})
	if err != nil {
		return nil, 0, err
	}
	submitted, err := c.Registry.SubmitSubmission(ctx, &pb.SubmitSubmissionRequest{Name: created.GetSubmission().GetName(), Comment: comment})
	if err != nil {
		// Release the items: a refused submission leaves no draft batch
		// behind, so the department can fix the items and submit again.
		_, _ = c.Registry.DeleteSubmission(ctx, &pb.DeleteSubmissionRequest{Name: created.GetSubmission().GetName()})
		return nil, 0, err
	}
	return submitted.GetSubmission(), left, nil
}

// ApprovedSubmissions returns the names of every approved submission.
func (c *Client) ApprovedSubmissions(ctx context.Context) ([]string, error) {
	subs, err := c.Submissions(ctx, "departments/-", pb.Submission_STATE_APPROVED)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range subs {
		names = append(names, s.GetName())
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("没有已审核待发布的报送批次 / no approved submission waits for publication: %w", ErrNothingToDo)
	}
	return names, nil
}

// ImportOptions say how to import rows.
type ImportOptions struct {
	Parent            string // department of every row, `departments/{id}`; "" when rows name theirs
	CreateDepartments bool
	ValidateOnly      bool
	// UpdateExisting updates the items rows identify (by item name or
	// code) instead of refusing codes in use: the spreadsheet round trip.
	UpdateExisting bool
	// CreateDuplicates creates rows that match an item of the department
	// by name and main item as new items all the same.
	CreateDuplicates bool
	// UpdateMask names the fields the rows carry (ImportItemsRequest's
	// update_mask): an update leaves the others alone. Empty: every field.
	UpdateMask []string
	ChunkSize  int            // rows per message; 500 when 0
	Progress   func(sent int) // called after each chunk is sent
}

// Import streams rows to ImportItems in chunks: one call, one transaction
// on the server, all rows or none.
func (c *Client) Import(ctx context.Context, rows []*pb.ImportRow, opts ImportOptions) (*pb.ImportItemsResponse, error) {
	size := opts.ChunkSize
	if size <= 0 {
		size = 500
	}
	stream, err := c.Registry.ImportItems(ctx)
	if err != nil {
		return nil, err
	}
	for start := 0; start == 0 || start < len(rows); start += size {
		req := &pb.ImportItemsRequest{Rows: rows[start:min(start+size, len(rows))]}
		if start == 0 {
			req.Parent, req.CreateDepartments, req.ValidateOnly = opts.Parent, opts.CreateDepartments, opts.ValidateOnly
			req.UpdateExisting, req.CreateDuplicates = opts.UpdateExisting, opts.CreateDuplicates
			if len(opts.UpdateMask) > 0 {
				req.UpdateMask = &fieldmaskpb.FieldMask{Paths: opts.UpdateMask}
			}
		}
		if err := stream.Send(req); err != nil {
			break // the server ended the call; CloseAndRecv says why
		}
		if opts.Progress != nil {
			opts.Progress(min(start+size, len(rows)))
		}
	}
	return stream.CloseAndRecv()
}
