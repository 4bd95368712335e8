package client

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

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
	return c.SubmitDraftsWith(ctx, department, SubmitOptions{Comment: comment})
}

// SubmitOptions say how SubmitDraftsWith submits.
type SubmitOptions struct {
	Comment string
	// Replies answer reviewers' comments on returned items, by item name:
	// a returned item goes back to review only when it was edited since
	// its return or its comment is answered.
	Replies map[string]string
}

// SubmitDraftsWith is SubmitDraftBatch with replies to reviewers'
// comments. The batch is created and submitted in one call, all or
// nothing: a refused submit (an item without a legal basis, a returned
// item neither edited nor answered, …) leaves no batch and changes no
// item.
func (c *Client) SubmitDraftsWith(ctx context.Context, department string, opts SubmitOptions) (*pb.Submission, int, error) {
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
	sub, err := c.SubmitItems(ctx, department, names, opts.Comment, opts.Replies)
	return sub, left, err
}

// SubmitItems creates a batch of the named items of a department and
// submits it, in one call (all or nothing), with replies to reviewers'
// comments on returned items (item name → answer).
func (c *Client) SubmitItems(ctx context.Context, department string, items []string, comment string, replies map[string]string) (*pb.Submission, error) {
	resp, err := c.Registry.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: department, Submit: true,
		Submission: &pb.Submission{Items: items, Comment: comment, Replies: replyList(replies)}})
	return resp.GetSubmission(), err
}

// replyList orders replies by item name, so that a request is the same
// each time.
func replyList(replies map[string]string) []*pb.ItemComment {
	var out []*pb.ItemComment
	for _, name := range slices.Sorted(maps.Keys(replies)) {
		out = append(out, &pb.ItemComment{Item: name, Comment: replies[name]})
	}
	return out
}

// WithdrawSubmission withdraws a submitted batch that no reviewer has
// decided yet; its items are editable again. etag may be empty.
func (c *Client) WithdrawSubmission(ctx context.Context, name, comment, etag string) (*pb.Submission, error) {
	resp, err := c.Registry.WithdrawSubmission(ctx, &pb.WithdrawSubmissionRequest{Name: name, Comment: comment, Etag: etag})
	return resp.GetSubmission(), err
}

// SubmissionItems returns every item of a batch in full, as a reviewer
// judges it (one call for a batch of up to 1000 items of ordinary size).
func (c *Client) SubmissionItems(ctx context.Context, submission string) ([]*pb.SubmissionItem, error) {
	return all(func(token string) ([]*pb.SubmissionItem, string, error) {
		resp, err := c.Registry.ListSubmissionItems(ctx, &pb.ListSubmissionItemsRequest{Parent: submission,
			PageSize: pageSize, PageToken: token})
		return resp.GetItems(), resp.GetNextPageToken(), err
	})
}

// Publish publishes approved submissions together; codes are assigned
// now. requestID (may be empty) makes a retry safe.
func (c *Client) Publish(ctx context.Context, submissions []string, comment, requestID string) (*pb.Publication, error) {
	resp, err := c.Registry.CreatePublication(ctx, &pb.CreatePublicationRequest{RequestId: requestID,
		Publication: &pb.Publication{Submissions: submissions, Comment: comment}})
	return resp.GetPublication(), err
}

// PublishDryRun checks a publication as Publish would make it and returns
// it as it would be, with the codes it would assign; nothing is written.
// A publication made next assigns the same codes if nothing changed in
// between.
func (c *Client) PublishDryRun(ctx context.Context, submissions []string, comment string) (*pb.Publication, error) {
	resp, err := c.Registry.CreatePublication(ctx, &pb.CreatePublicationRequest{ValidateOnly: true,
		Publication: &pb.Publication{Submissions: submissions, Comment: comment}})
	return resp.GetPublication(), err
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
