package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/search"
)

// Keyword search and the region filter of ListCatalogItems.

// searchRevisionMD carries a search answer's index revision (its
// search_revision) to the gateway, as the header searchRevisionHeader.
const (
	searchRevisionMD     = "x-powerreg-search-revision"
	searchRevisionHeader = "X-Powerreg-Search-Revision"
)

// regionDepartments lists the ids of the departments in a region: their
// own region code, or the registry's default one.
func (s *catalogServer) regionDepartments(region string) ([]string, error) {
	// Departments' codes are stored normalised; so is the one asked for.
	region, ok := registry.NormalizeRegion(region)
	if !ok {
		return nil, registry.InvalidArgument("region", "地区代码应为 6、9 或 12 位数字（GB/T 2260），如 430400",
			"give the region as its GB/T 2260 code of 6, 9 or 12 digits, e.g. 430400")
	}
	var out []string
	token := ""
	for {
		list, next, err := s.svc.ListDepartments(registry.MaxPageSize, token)
		if err != nil {
			return nil, err
		}
		for _, d := range list {
			if s.svc.DepartmentRegion(d) == region {
				out = append(out, d.ID)
			}
		}
		if next == "" {
			return out, nil
		}
		token = next
	}
}

// regionFilter adds the region's departments to an AIP-160 filter; none
// reports that no department is in the region.
func (s *catalogServer) regionFilter(region, filter string) (string, bool, error) {
	ids, err := s.regionDepartments(region)
	if err != nil || len(ids) == 0 {
		return "", true, err
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "department = " + strconv.Quote(registry.DepartmentName(id))
	}
	f := "(" + strings.Join(parts, " OR ") + ")"
	if strings.TrimSpace(filter) != "" {
		f += " AND (" + filter + ")"
	}
	return f, false, nil
}

// searchCatalog answers ListCatalogItems with q: results by relevance (or
// order_by), paged by offset, with highlights and facets of all results.
func (s *catalogServer) searchCatalog(ctx context.Context, req *pb.ListCatalogItemsRequest, dept string) (*pb.ListCatalogItemsResponse, error) {
	if s.search == nil {
		return nil, fmt.Errorf("keyword search is not available")
	}
	if len(req.GetQ()) > 200 {
		return nil, registry.InvalidArgument("q", "关键词不能超过 200 字节", "q must not exceed 200 bytes")
	}
	match, order, key, err := registry.CatalogSearchQuery(registry.ListQuery{Filter: req.GetFilter(), OrderBy: req.GetOrderBy()})
	if err != nil {
		return nil, err
	}
	size, err := s.svc.CatalogPageSize(int(req.GetPageSize()))
	if err != nil {
		return nil, err
	}
	sr := &search.Request{Q: req.GetQ(), Category: registry.Category(req.GetCategory()), Match: match, Order: order, Size: size}
	if sr.Category != 0 && !sr.Category.Valid() {
		return nil, registry.InvalidArgument("category", "未知的职权类型", "unknown category")
	}
	if dept != "" {
		sr.Departments = []string{dept}
	}
	if r := req.GetRegion(); r != "" {
		ids, err := s.regionDepartments(r)
		if err != nil {
			return nil, err
		}
		if dept != "" {
			if !contains(ids, dept) {
				ids = nil
			} else {
				ids = []string{dept}
			}
		}
		sr.Departments = ids
		sr.NoDepartment = len(ids) == 0
	}
	tokenKey := fmt.Sprintf("search?q=%q&category=%d&department=%q&region=%q&%s", req.GetQ(), sr.Category, dept, req.GetRegion(), key)
	cursor, err := registry.DecodePageToken(req.GetPageToken(), tokenKey)
	if err != nil {
		return nil, err
	}
	if cursor != "" {
		if sr.Offset, err = strconv.Atoi(cursor); err != nil || sr.Offset <= 0 {
			return nil, registry.InvalidArgument("page_token", "无效的分页标记，请去掉 page_token 从第一页开始",
				"invalid page token; start again from the first page without page_token")
		}
	}
	res, err := s.search.Search(sr)
	if err != nil {
		return nil, err
	}
	// The HTTP cache keeps no answer of an index older than the catalogue
	// (httpcache.go); it reads the revision from this header.
	grpc.SetHeader(ctx, metadata.Pairs(searchRevisionMD, strconv.FormatInt(res.Revision, 10)))
	out := &pb.ListCatalogItemsResponse{TotalSize: int32(res.Total), Facets: &pb.Facets{}, SearchRevision: res.Revision}
	// The page also ends before registry.PageBytes (an item and its
	// highlight counted together); the next page starts at the first hit
	// not served.
	used, served := 0, 0
	for _, h := range res.Hits {
		v, err := s.svc.GetCatalogItem(h.Code)
		if err != nil {
			if errors.Is(err, registry.ErrNotFound) {
				served++
				continue // abolished since the search
			}
			return nil, err
		}
		item := catalogToProto(v)
		hl := &pb.Highlight{Code: h.Code}
		for _, f := range h.Fragments {
			hl.Fragments = append(hl.Fragments, &pb.HighlightFragment{Field: f.Field, Text: f.Text})
		}
		size := proto.Size(item) + proto.Size(hl) + 2*listEntryOverhead
		if len(out.Items) > 0 && used+size > registry.PageBytes {
			break
		}
		used += size
		served++
		out.Items = append(out.Items, item)
		out.Highlights = append(out.Highlights, hl)
	}
	if end := sr.Offset + served; end < res.Total && served > 0 {
		out.NextPageToken = registry.EncodePageToken(tokenKey, strconv.Itoa(end))
	}
	for _, c := range res.Categories {
		n, _ := strconv.Atoi(c.Value)
		out.Facets.Categories = append(out.Facets.Categories, &pb.CategoryFacet{Category: pb.Category(n), Count: int32(c.Count)})
	}
	for _, d := range res.Departments {
		out.Facets.Departments = append(out.Facets.Departments, &pb.DepartmentFacet{Department: registry.DepartmentName(d.Value),
			DisplayName: d.Name, Count: int32(d.Count)})
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
