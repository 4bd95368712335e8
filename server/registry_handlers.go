package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// registryServer implements RegistryService. Every handler has the same
// steps: parse names, one domain call, convert; errors are translated once,
// by the error interceptor (toStatus).
type registryServer struct {
	pb.UnimplementedRegistryServiceServer
	svc *registry.Service
	// imports bounds the imports running at once (its capacity), each
	// holding its rows in memory up to maxImportBytes (streams.go).
	imports        *gate
	importWait     time.Duration // how long an import waits for a place
	maxImportBytes int64
	importIdle     time.Duration // how long an import stream may send nothing (--read-timeout); 0: no limit
}

// reg is the registry serving one call: its changes' audit records name
// the call.
func (s *registryServer) reg(ctx context.Context) *registry.Service { return s.svc.For(callOf(ctx)) }

func (s *registryServer) ListCategories(context.Context, *pb.ListCategoriesRequest) (*pb.ListCategoriesResponse, error) {
	out := &pb.ListCategoriesResponse{}
	for _, c := range registry.Categories {
		out.Categories = append(out.Categories, &pb.CategoryInfo{Category: pb.Category(c.Category), Label: c.Label,
			EnglishLabel: c.EnglishLabel, Letters: c.Letters, Aliases: c.Aliases})
	}
	return out, nil
}

func (s *registryServer) CreateDepartment(ctx context.Context, req *pb.CreateDepartmentRequest) (*pb.CreateDepartmentResponse, error) {
	d, err := s.reg(ctx).CreateDepartment(actor(ctx), registry.Department{ID: req.GetDepartmentId(),
		DisplayName: req.GetDepartment().GetDisplayName(), RegionCode: req.GetDepartment().GetRegionCode()}, req.GetRequestId())
	if err != nil {
		return nil, err
	}
	return &pb.CreateDepartmentResponse{Department: departmentToProto(d)}, nil
}

func (s *registryServer) GetDepartment(ctx context.Context, req *pb.GetDepartmentRequest) (*pb.GetDepartmentResponse, error) {
	id, err := registry.ParseDepartmentName("name", req.GetName(), false)
	if err != nil {
		return nil, err
	}
	d, err := s.reg(ctx).GetDepartment(id)
	if err != nil {
		return nil, err
	}
	return &pb.GetDepartmentResponse{Department: departmentToProto(d)}, nil
}

func (s *registryServer) ListDepartments(ctx context.Context, req *pb.ListDepartmentsRequest) (*pb.ListDepartmentsResponse, error) {
	list, next, err := s.reg(ctx).ListDepartments(int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListDepartmentsResponse{NextPageToken: next}
	for _, d := range list {
		out.Departments = append(out.Departments, departmentToProto(d))
	}
	return out, nil
}

func (s *registryServer) UpdateDepartment(ctx context.Context, req *pb.UpdateDepartmentRequest) (*pb.UpdateDepartmentResponse, error) {
	id, err := registry.ParseDepartmentName("department.name", req.GetDepartment().GetName(), false)
	if err != nil {
		return nil, err
	}
	d, err := s.reg(ctx).UpdateDepartment(actor(ctx), registry.Department{ID: id,
		DisplayName: req.GetDepartment().GetDisplayName(), RegionCode: req.GetDepartment().GetRegionCode()},
		req.GetUpdateMask().GetPaths(), req.GetDepartment().GetEtag())
	if err != nil {
		return nil, err
	}
	return &pb.UpdateDepartmentResponse{Department: departmentToProto(d)}, nil
}

func (s *registryServer) CreateItem(ctx context.Context, req *pb.CreateItemRequest) (*pb.CreateItemResponse, error) {
	dept, err := registry.ParseDepartmentName("parent", req.GetParent(), false)
	if err != nil {
		return nil, err
	}
	v, err := s.reg(ctx).CreateItem(actor(ctx), dept, itemInput(req.GetItem()), req.GetRequestId())
	if err != nil {
		return nil, err
	}
	return &pb.CreateItemResponse{Item: itemToProto(v)}, nil
}

// ImportItems checks each row as it arrives (registry.Importer), so that
// a row over a limit ends the stream at once; the rows are written in one
// transaction once the stream ends. An import takes a place among the
// imports running at once on its first message, once it is authorized,
// waiting a little for one (many departments import small lists at once
// on a deadline day; each takes a fraction of a second).
func (s *registryServer) ImportItems(stream pb.RegistryService_ImportItemsServer) error {
	var im *registry.Importer
	recv := recvWithin(stream, s.importIdle)
	for {
		req, err := recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if im == nil {
			if !s.imports.await(stream.Context(), "", s.importWait) {
				if err := stream.Context().Err(); err != nil {
					return err
				}
				return tooManyImports(s.imports.max, s.importWait)
			}
			defer s.imports.release("")
			var head registry.ImportInput
			if req.GetParent() != "" {
				if head.Department, err = registry.ParseDepartmentName("parent", req.GetParent(), false); err != nil {
					return err
				}
			}
			head.CreateDepartments, head.ValidateOnly = req.GetCreateDepartments(), req.GetValidateOnly()
			head.UpdateExisting, head.CreateDuplicates = req.GetUpdateExisting(), req.GetCreateDuplicates()
			head.Mask = req.GetUpdateMask().GetPaths()
			im = registry.NewImporter(head, s.maxImportBytes)
		}
		for _, r := range req.GetRows() {
			row := registry.ImportRow{DepartmentName: r.GetDepartmentDisplayName(), MainItem: r.GetMainItem(),
				Name: r.GetItem().GetName(), RegionCode: r.GetRegionCode(), Item: itemInput(r.GetItem())}
			if err := im.Add(row, proto.Size(r)); err != nil {
				return err
			}
		}
	}
	if im == nil {
		im = registry.NewImporter(registry.ImportInput{}, s.maxImportBytes)
	}
	res, err := s.reg(stream.Context()).Import(actor(stream.Context()), im)
	if err != nil {
		return err
	}
	// The names are cut so that the answer to the largest import stays
	// under gRPC's default 4 MiB receive limit (the proto says so): the
	// import has taken effect, and a client that cannot read its answer
	// would retry it.
	out := &pb.ImportItemsResponse{Items: firstN(res.Items, importAnswerNames), RowCount: int32(im.Rows()),
		CreatedMainItems: firstN(res.MainItems, importAnswerNames),
		CreatedCount:     int32(res.Created), UpdatedCount: int32(res.Updated), UnchangedCount: int32(res.Unchanged)}
	for _, d := range firstN(res.Departments, importAnswerDepartments) {
		out.CreatedDepartments = append(out.CreatedDepartments, departmentToProto(d))
	}
	out.Results, out.ChangesTruncated = importResultsToProto(res.Rows)
	return stream.SendAndClose(out)
}

// The bounds of the changes an import's answer shows: each value at most
// importValueRunes characters, all of them together importChangesBytes,
// past which rows carry no changes; with the names (at most 10,000 × 3 of
// about 100 bytes) and departments the answer stays under gRPC's default
// 4 MiB (TestLargeImportAnswerFitsDefaultClient).
const (
	importValueRunes   = 1000
	importChangesBytes = 512 << 10
)

// importResultsToProto converts the rows' outcomes (at most
// registry.MaxImportResults), cutting their changes to the bounds above;
// truncated says whether any was cut.
func importResultsToProto(rows []registry.ImportRowResult) (out []*pb.ImportRowResult, truncated bool) {
	budget := importChangesBytes
	cut := func(s string) string {
		s, c := registry.CutText(s, importValueRunes)
		truncated = truncated || c
		return s
	}
	for _, r := range rows {
		pr := &pb.ImportRowResult{Row: int32(r.Row), Item: r.Item, Outcome: pb.ImportRowResult_Outcome(r.Outcome)}
		for _, d := range r.Changes {
			fd := &pb.FieldDifference{Field: d.Field, From: cut(d.From), To: cut(d.To)}
			size := len(fd.Field) + len(fd.From) + len(fd.To) + 16
			if size > budget {
				pr.Changes, truncated, budget = nil, true, 0
				break
			}
			budget -= size
			pr.Changes = append(pr.Changes, fd)
		}
		out = append(out, pr)
	}
	return out, truncated
}

// The most names of items and main items, and of departments, that the
// answer of an import holds: at most 10,000 × 2 names of about 100 bytes
// and 1,000 departments of a few hundred.
const (
	importAnswerNames       = 10000
	importAnswerDepartments = 1000
)

func firstN[T any](s []T, n int) []T { return s[:min(len(s), n)] }

func (s *registryServer) GetItem(ctx context.Context, req *pb.GetItemRequest) (*pb.GetItemResponse, error) {
	dept, id, err := registry.ParseItemName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	v, err := s.reg(ctx).GetItem(dept, id)
	if err != nil {
		return nil, err
	}
	return &pb.GetItemResponse{Item: itemToProto(v)}, nil
}

func (s *registryServer) ListItems(ctx context.Context, req *pb.ListItemsRequest) (*pb.ListItemsResponse, error) {
	dept, err := registry.ParseDepartmentName("parent", req.GetParent(), true)
	if err != nil {
		return nil, err
	}
	list, next, err := s.reg(ctx).ListItemsQuery(dept, registry.ItemState(req.GetState()),
		registry.ListQuery{Filter: req.GetFilter(), OrderBy: req.GetOrderBy()}, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListItemsResponse{NextPageToken: next}
	for _, v := range list {
		out.Items = append(out.Items, itemToProto(v))
	}
	return out, nil
}

func (s *registryServer) UpdateItem(ctx context.Context, req *pb.UpdateItemRequest) (*pb.UpdateItemResponse, error) {
	dept, id, err := registry.ParseItemName("item.name", req.GetItem().GetName())
	if err != nil {
		return nil, err
	}
	v, err := s.reg(ctx).UpdateItem(actor(ctx), dept, id, itemInput(req.GetItem()), req.GetUpdateMask().GetPaths(), req.GetItem().GetEtag())
	if err != nil {
		return nil, err
	}
	return &pb.UpdateItemResponse{Item: itemToProto(v)}, nil
}

func (s *registryServer) DeleteItem(ctx context.Context, req *pb.DeleteItemRequest) (*pb.DeleteItemResponse, error) {
	dept, id, err := registry.ParseItemName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := s.reg(ctx).DeleteItem(actor(ctx), dept, id, req.GetEtag()); err != nil {
		return nil, err
	}
	return &pb.DeleteItemResponse{}, nil
}

func (s *registryServer) AbolishItem(ctx context.Context, req *pb.AbolishItemRequest) (*pb.AbolishItemResponse, error) {
	dept, id, err := registry.ParseItemName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	v, err := s.reg(ctx).AbolishItem(actor(ctx), dept, id, req.GetComment(), req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &pb.AbolishItemResponse{Item: itemToProto(v)}, nil
}

func (s *registryServer) ListRevisions(ctx context.Context, req *pb.ListRevisionsRequest) (*pb.ListRevisionsResponse, error) {
	dept, id, err := registry.ParseItemName("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	list, next, err := s.reg(ctx).ListRevisions(dept, id, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListRevisionsResponse{NextPageToken: next}
	for _, v := range list {
		out.Revisions = append(out.Revisions, revisionToProto(v))
	}
	return out, nil
}

func (s *registryServer) GetRevision(ctx context.Context, req *pb.GetRevisionRequest) (*pb.GetRevisionResponse, error) {
	dept, id, n, err := registry.ParseRevisionName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	v, err := s.reg(ctx).GetRevision(dept, id, n)
	if err != nil {
		return nil, err
	}
	return &pb.GetRevisionResponse{Revision: revisionToProto(v)}, nil
}

func (s *registryServer) CreateSubmission(ctx context.Context, req *pb.CreateSubmissionRequest) (*pb.CreateSubmissionResponse, error) {
	dept, err := registry.ParseDepartmentName("parent", req.GetParent(), false)
	if err != nil {
		return nil, err
	}
	replies, err := reviewComments(dept, "submission.replies", req.GetSubmission().GetReplies())
	if err != nil {
		return nil, err
	}
	sub, err := s.reg(ctx).CreateSubmissionWith(actor(ctx), dept, registry.SubmissionInput{Items: req.GetSubmission().GetItems(),
		Comment: req.GetSubmission().GetComment(), Replies: replies, Submit: req.GetSubmit()}, req.GetRequestId())
	if err != nil {
		return nil, err
	}
	return &pb.CreateSubmissionResponse{Submission: submissionToProto(sub)}, nil
}

func (s *registryServer) GetSubmission(ctx context.Context, req *pb.GetSubmissionRequest) (*pb.GetSubmissionResponse, error) {
	dept, id, err := registry.ParseSubmissionName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	sub, err := s.reg(ctx).GetSubmission(dept, id)
	if err != nil {
		return nil, err
	}
	return &pb.GetSubmissionResponse{Submission: submissionToProto(sub)}, nil
}

func (s *registryServer) ListSubmissions(ctx context.Context, req *pb.ListSubmissionsRequest) (*pb.ListSubmissionsResponse, error) {
	dept, err := registry.ParseDepartmentName("parent", req.GetParent(), true)
	if err != nil {
		return nil, err
	}
	list, next, err := s.reg(ctx).ListSubmissionsQuery(dept, registry.SubmissionState(req.GetState()),
		registry.ListQuery{Filter: req.GetFilter(), OrderBy: req.GetOrderBy()}, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListSubmissionsResponse{NextPageToken: next}
	for _, sub := range list {
		out.Submissions = append(out.Submissions, submissionToProto(sub))
	}
	return out, nil
}

func (s *registryServer) DeleteSubmission(ctx context.Context, req *pb.DeleteSubmissionRequest) (*pb.DeleteSubmissionResponse, error) {
	dept, id, err := registry.ParseSubmissionName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := s.reg(ctx).DeleteSubmission(actor(ctx), dept, id, req.GetEtag()); err != nil {
		return nil, err
	}
	return &pb.DeleteSubmissionResponse{}, nil
}

func (s *registryServer) SubmitSubmission(ctx context.Context, req *pb.SubmitSubmissionRequest) (*pb.SubmitSubmissionResponse, error) {
	dept, id, err := registry.ParseSubmissionName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	sub, err := s.reg(ctx).SubmitSubmission(actor(ctx), dept, id, req.GetComment(), req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &pb.SubmitSubmissionResponse{Submission: submissionToProto(sub)}, nil
}

func (s *registryServer) WithdrawSubmission(ctx context.Context, req *pb.WithdrawSubmissionRequest) (*pb.WithdrawSubmissionResponse, error) {
	dept, id, err := registry.ParseSubmissionName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	sub, err := s.reg(ctx).WithdrawSubmission(actor(ctx), dept, id, req.GetComment(), req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &pb.WithdrawSubmissionResponse{Submission: submissionToProto(sub)}, nil
}

func (s *registryServer) ListSubmissionItems(ctx context.Context, req *pb.ListSubmissionItemsRequest) (*pb.ListSubmissionItemsResponse, error) {
	dept, id, err := registry.ParseSubmissionName("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	list, next, err := s.reg(ctx).ListSubmissionItems(dept, id, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListSubmissionItemsResponse{NextPageToken: next}
	for _, v := range list {
		out.Items = append(out.Items, submissionItemToProto(v))
	}
	return out, nil
}

// reviewComments parses the item names of comments on a batch of
// department dept: a reviewer's, or the department's replies.
func reviewComments(dept, field string, list []*pb.ItemComment) ([]registry.ItemComment, error) {
	var out []registry.ItemComment
	for i, c := range list {
		id, err := registry.ParseBatchItemName(fmt.Sprintf("%s[%d].item", field, i), dept, c.GetItem())
		if err != nil {
			return nil, err
		}
		out = append(out, registry.ItemComment{Item: id, Comment: c.GetComment()})
	}
	return out, nil
}

func (s *registryServer) ApproveSubmission(ctx context.Context, req *pb.ApproveSubmissionRequest) (*pb.ApproveSubmissionResponse, error) {
	dept, id, err := registry.ParseSubmissionName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	returned, err := reviewComments(dept, "returned_items", req.GetReturnedItems())
	if err != nil {
		return nil, err
	}
	comments, err := reviewComments(dept, "item_comments", req.GetItemComments())
	if err != nil {
		return nil, err
	}
	sub, err := s.reg(ctx).ApproveSubmission(actor(ctx), dept, id,
		registry.ReviewInput{Comment: req.GetComment(), Returned: returned, ItemComments: comments}, req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &pb.ApproveSubmissionResponse{Submission: submissionToProto(sub)}, nil
}

func (s *registryServer) RejectSubmission(ctx context.Context, req *pb.RejectSubmissionRequest) (*pb.RejectSubmissionResponse, error) {
	dept, id, err := registry.ParseSubmissionName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	comments, err := reviewComments(dept, "item_comments", req.GetItemComments())
	if err != nil {
		return nil, err
	}
	sub, err := s.reg(ctx).RejectSubmission(actor(ctx), dept, id,
		registry.ReviewInput{Comment: req.GetComment(), ItemComments: comments}, req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &pb.RejectSubmissionResponse{Submission: submissionToProto(sub)}, nil
}

func (s *registryServer) CreatePublication(ctx context.Context, req *pb.CreatePublicationRequest) (*pb.CreatePublicationResponse, error) {
	subs, comment := req.GetPublication().GetSubmissions(), req.GetPublication().GetComment()
	var p *registry.Publication
	var err error
	if req.GetValidateOnly() {
		p, err = s.reg(ctx).ValidatePublication(actor(ctx), subs, comment)
	} else {
		p, err = s.reg(ctx).CreatePublication(actor(ctx), subs, comment, req.GetRequestId())
	}
	if err != nil {
		return nil, err
	}
	return &pb.CreatePublicationResponse{Publication: publicationToProto(p)}, nil
}

func (s *registryServer) GetPublication(ctx context.Context, req *pb.GetPublicationRequest) (*pb.GetPublicationResponse, error) {
	id, err := registry.ParsePublicationName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	p, err := s.reg(ctx).GetPublication(id)
	if err != nil {
		return nil, err
	}
	return &pb.GetPublicationResponse{Publication: publicationToProto(p)}, nil
}

func (s *registryServer) ListPublications(ctx context.Context, req *pb.ListPublicationsRequest) (*pb.ListPublicationsResponse, error) {
	list, next, err := s.reg(ctx).ListPublications(int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListPublicationsResponse{NextPageToken: next}
	for _, p := range list {
		out.Publications = append(out.Publications, publicationToProto(p))
	}
	return out, nil
}

func (s *registryServer) ListPublicationItems(ctx context.Context, req *pb.ListPublicationItemsRequest) (*pb.ListPublicationItemsResponse, error) {
	list, next, err := s.reg(ctx).ListPublicationItems(req.GetParent(), int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListPublicationItemsResponse{NextPageToken: next}
	for _, it := range list {
		out.Items = append(out.Items, publishedItemToProto(it))
	}
	return out, nil
}

func (s *registryServer) ListEvents(ctx context.Context, req *pb.ListEventsRequest) (*pb.ListEventsResponse, error) {
	list, next, err := s.reg(ctx).ListEvents(req.GetParent(), int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListEventsResponse{NextPageToken: next}
	for _, e := range list {
		out.Events = append(out.Events, eventToProto(e))
	}
	return out, nil
}
