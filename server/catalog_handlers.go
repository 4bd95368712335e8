package server

import (
	"context"
	"strings"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// catalogServer implements CatalogService, the public read path.
type catalogServer struct {
	pb.UnimplementedCatalogServiceServer
	svc *registry.Service
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
	list, next, err := s.svc.ListCatalog(registry.Category(req.GetCategory()), dept, int(req.GetPageSize()), req.GetPageToken())
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
	v, err := s.svc.GetCatalogItem(req.GetCode())
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
