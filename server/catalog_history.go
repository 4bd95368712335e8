package server

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// History of the catalogue: as_of on the catalogue list and get,
// and the published revisions of an item (registry/history.go).

// asOfTime reads an as_of timestamp; nil when unset (the catalogue now).
func asOfTime(t *timestamppb.Timestamp) (*time.Time, error) {
	if t == nil {
		return nil, nil
	}
	if err := t.CheckValid(); err != nil {
		return nil, registry.InvalidArgument("as_of", "无效的时间，请用 RFC 3339 格式，如 2014-10-08T10:00:00Z",
			"invalid time; give it in RFC 3339, e.g. 2014-10-08T10:00:00Z")
	}
	at := t.AsTime()
	return &at, nil
}

func (s *catalogServer) ListCatalogItemRevisions(ctx context.Context, req *pb.ListCatalogItemRevisionsRequest) (*pb.ListCatalogItemRevisionsResponse, error) {
	list, next, err := s.svc.ListCatalogItemRevisions(req.GetCode(), int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListCatalogItemRevisionsResponse{NextPageToken: next}
	for _, r := range list {
		out.Revisions = append(out.Revisions, catalogRevisionToProto(r))
	}
	return out, nil
}

func catalogRevisionToProto(r *registry.PublishedRevision) *pb.CatalogItemRevision {
	item := catalogToProto(&registry.CatalogView{Entry: r.Entry, DepartmentName: r.DepartmentName})
	if r.Change == registry.ChangeAbolish {
		item.State = pb.Item_STATE_ABOLISHED
	}
	return &pb.CatalogItemRevision{
		Item: item, RevisionId: revID(r.Entry.Revision), Change: pb.ChangeKind(r.Change),
		Publication: registry.PublicationName(r.Entry.Publication),
		PublishTime: ts(r.Entry.PublishTime), SupersedeTime: ts(r.SupersedeTime),
	}
}

func (s *catalogServer) CompareCatalogItemRevisions(ctx context.Context, req *pb.CompareCatalogItemRevisionsRequest) (*pb.CompareCatalogItemRevisionsResponse, error) {
	diffs, err := s.svc.CompareCatalogItemRevisions(req.GetCode(), req.GetFromRevisionId(), req.GetToRevisionId())
	if err != nil {
		return nil, err
	}
	out := &pb.CompareCatalogItemRevisionsResponse{}
	for _, d := range diffs {
		out.Differences = append(out.Differences, &pb.FieldDifference{Field: d.Field, From: d.From, To: d.To})
	}
	return out, nil
}
