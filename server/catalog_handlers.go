package server

import (
	"context"
	"errors"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/search"
)

// catalogServer implements CatalogService, the public read path.
type catalogServer struct {
	pb.UnimplementedCatalogServiceServer
	svc    *registry.Service
	search *search.Index // keyword search (q); see catalog_search.go
	// What a watch holds for a client slow to read, and for how long
	// (sendQueue, streams.go).
	watchBuffer  int
	watchTimeout time.Duration
}

func (s *catalogServer) ListCatalogItems(ctx context.Context, req *pb.ListCatalogItemsRequest) (*pb.ListCatalogItemsResponse, error) {
	dept := req.GetDepartment()
	if dept != "" {
		var err error
		// Accept both `departments/gtzyj` and the bare id, as portals write either.
		if !strings.Contains(dept, "/") {
			dept = registry.DepartmentName(dept)
		}
		if dept, err = registry.ParseDepartmentName("department", dept, false); err != nil {
			return nil, err
		}
	}
	if req.GetQ() != "" {
		if req.GetAsOf() != nil {
			return nil, registry.InvalidArgument("as_of", "关键词搜索只查现行清单，不能与 as_of 同用",
				"keyword search (q) reads the catalogue in force now; it cannot be combined with as_of")
		}
		return s.searchCatalog(ctx, req, dept)
	}
	asOf, err := asOfTime(req.GetAsOf())
	if err != nil {
		return nil, err
	}
	lq := registry.ListQuery{Filter: req.GetFilter(), OrderBy: req.GetOrderBy()}
	if req.GetRegion() != "" {
		var none bool
		var err error
		if lq.Filter, none, err = s.regionFilter(req.GetRegion(), lq.Filter); err != nil {
			return nil, err
		} else if none {
			return &pb.ListCatalogItemsResponse{}, nil
		}
	}
	var list []*registry.CatalogView
	var next string
	if asOf != nil {
		list, next, err = s.svc.ListCatalogAsOf(*asOf, registry.Category(req.GetCategory()), dept,
			lq, int(req.GetPageSize()), req.GetPageToken())
	} else {
		list, next, err = s.svc.ListCatalogQuery(registry.Category(req.GetCategory()), dept,
			lq, int(req.GetPageSize()), req.GetPageToken())
	}
	if err != nil {
		return nil, err
	}
	out := &pb.ListCatalogItemsResponse{NextPageToken: next}
	for _, v := range list {
		out.Items = append(out.Items, catalogToProto(v))
	}
	return out, nil
}

func (s *catalogServer) GetCatalogItem(ctx context.Context, req *pb.GetCatalogItemRequest) (*pb.GetCatalogItemResponse, error) {
	asOf, err := asOfTime(req.GetAsOf())
	if err != nil {
		return nil, err
	}
	var v *registry.CatalogView
	if asOf != nil {
		v, err = s.svc.GetCatalogItemAsOf(req.GetCode(), *asOf)
	} else {
		v, err = s.svc.GetCatalogItem(req.GetCode())
	}
	if err != nil {
		return nil, err
	}
	return &pb.GetCatalogItemResponse{Item: catalogToProto(v)}, nil
}

func countToProto(c registry.Count) *pb.CatalogCount {
	return &pb.CatalogCount{Items: int32(c.Items), SubItems: int32(c.SubItems), Total: int32(c.Total())}
}

func (s *catalogServer) GetCatalogStats(ctx context.Context, req *pb.GetCatalogStatsRequest) (*pb.GetCatalogStatsResponse, error) {
	st, err := s.svc.CatalogStats()
	if err != nil {
		return nil, err
	}
	out := &pb.GetCatalogStatsResponse{Total: countToProto(st.Total)}
	for i, c := range st.Categories {
		info := registry.Categories[i]
		out.Categories = append(out.Categories, &pb.CategoryStats{Category: pb.Category(info.Category),
			Label: info.Label, Count: countToProto(c)})
	}
	for _, d := range st.Departments {
		out.Departments = append(out.Departments, &pb.DepartmentStats{Department: registry.DepartmentName(d.Department),
			DisplayName: d.DepartmentName, Count: countToProto(d.Count)})
	}
	return out, nil
}

// changeToProto shows one change of the feed; the item of an abolition is
// its last revision in force, in state ABOLISHED.
func changeToProto(v *registry.ChangeView) *pb.CatalogChange {
	c := &v.Change
	out := &pb.CatalogChange{Revision: c.Revision, Kind: pb.CatalogChange_Kind(c.Kind), Item: catalogToProto(v.Item()),
		PublishTime: ts(c.Time), Position: v.Position()}
	if c.Publication != 0 { // 0: a department's rename (changes.go)
		out.Publication = registry.PublicationName(c.Publication)
	}
	if c.Kind == registry.CatalogAbolished {
		out.Item.State = pb.Item_STATE_ABOLISHED
	}
	return out
}

func (s *catalogServer) ListCatalogChanges(ctx context.Context, req *pb.ListCatalogChangesRequest) (*pb.ListCatalogChangesResponse, error) {
	list, next, current, err := s.svc.ListChangesFrom(registry.FeedStart{Revision: req.GetStartRevision(), Position: req.GetStartPosition()},
		int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListCatalogChangesResponse{NextPageToken: next, CurrentRevision: current}
	for _, v := range list {
		out.Changes = append(out.Changes, changeToProto(v))
	}
	return out, nil
}

// WatchCatalogChanges sends the backlog, then new changes as they are
// published. It sends the response headers once the start is accepted, so
// that a caller (the REST gateway among them) learns at once that the
// watch is on, and ends with UNAVAILABLE when the server shuts down. The
// changes go through a bounded queue: a client that does not read is cut
// off with WATCH_TOO_SLOW rather than held (streams.go).
func (s *catalogServer) WatchCatalogChanges(req *pb.WatchCatalogChangesRequest, stream pb.CatalogService_WatchCatalogChangesServer) error {
	ctx := stream.Context()
	q := newSendQueue(func(m proto.Message) error { return stream.Send(m.(*pb.WatchCatalogChangesResponse)) },
		s.watchBuffer, s.watchTimeout)
	err := s.svc.WatchChangesFrom(ctx, registry.FeedStart{Revision: req.GetStartRevision(), Position: req.GetStartPosition()},
		func() error { return stream.SendHeader(nil) },
		func(v *registry.ChangeView) error {
			return q.put(ctx, &pb.WatchCatalogChangesResponse{Change: changeToProto(v)})
		})
	switch {
	case errors.Is(err, registry.ErrWatchesStopped):
		// What is queued is dropped: the client resumes from the last
		// change it received.
		q.stop()
		return withInfo(status.New(codes.Unavailable, err.Error()), registry.ReasonShuttingDown)
	case registry.ClassOf(err) == registry.ClassResourceExhausted:
		// Cut off: the sender may be blocked in Send for good; ending the
		// call releases it.
		q.stop()
		return err
	}
	// The changes queued before an error (a compaction's OUT_OF_RANGE)
	// go out first.
	if ferr := q.flush(ctx); err == nil {
		err = ferr
	}
	return err
}
