package client

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// pageSize is what the helpers ask for: the registry's maximum.
const pageSize = 1000

// all collects every page of a list.
func all[T any](page func(token string) ([]T, string, error)) ([]T, error) {
	var out []T
	token := ""
	for {
		list, next, err := page(token)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
		if next == "" {
			return out, nil
		}
		token = next
	}
}

// Categories returns the ten categories with their labels and aliases.
func (c *Client) Categories(ctx context.Context) ([]*pb.CategoryInfo, error) {
	resp, err := c.Registry.ListCategories(ctx, &pb.ListCategoriesRequest{})
	return resp.GetCategories(), err
}

// Departments returns every department.
func (c *Client) Departments(ctx context.Context) ([]*pb.Department, error) {
	return all(func(token string) ([]*pb.Department, string, error) {
		resp, err := c.Registry.ListDepartments(ctx, &pb.ListDepartmentsRequest{PageSize: pageSize, PageToken: token})
		return resp.GetDepartments(), resp.GetNextPageToken(), err
	})
}

// PublicationItems returns every item a publication put in force, in its
// order (the publication itself carries only the first 1000).
func (c *Client) PublicationItems(ctx context.Context, publication string) ([]*pb.PublishedItem, error) {
	return all(func(token string) ([]*pb.PublishedItem, string, error) {
		resp, err := c.Registry.ListPublicationItems(ctx, &pb.ListPublicationItemsRequest{Parent: publication,
			PageSize: pageSize, PageToken: token})
		return resp.GetItems(), resp.GetNextPageToken(), err
	})
}

// ItemQuery selects items of the registry for ListItems.
type ItemQuery struct {
	// Parent is a department, `departments/{id}`, or `departments/-` for all.
	Parent string
	// State keeps the items whose working copy is in it; unspecified: all.
	State pb.Item_State
	// Filter is an AIP-160 filter, OrderBy an AIP-132 order (fields in
	// ListItemsRequest); empty: all, in order of creation.
	Filter, OrderBy string
}

// ListItems returns every item that q selects.
func (c *Client) ListItems(ctx context.Context, q ItemQuery) ([]*pb.Item, error) {
	return all(func(token string) ([]*pb.Item, string, error) {
		resp, err := c.Registry.ListItems(ctx, &pb.ListItemsRequest{Parent: q.Parent, State: q.State, Filter: q.Filter,
			OrderBy: q.OrderBy, PageSize: pageSize, PageToken: token})
		return resp.GetItems(), resp.GetNextPageToken(), err
	})
}

// Items returns every item of a department (`departments/-`: of all) in a
// state (unspecified: every state).
func (c *Client) Items(ctx context.Context, parent string, state pb.Item_State) ([]*pb.Item, error) {
	return c.ListItems(ctx, ItemQuery{Parent: parent, State: state})
}

// SubmissionQuery selects submissions for ListSubmissions.
type SubmissionQuery struct {
	// Parent is a department, `departments/{id}`, or `departments/-` for all.
	Parent string
	// State keeps the submissions in it; unspecified: all.
	State pb.Submission_State
	// Filter is an AIP-160 filter, OrderBy an AIP-132 order (fields in
	// ListSubmissionsRequest); empty: all, newest first.
	Filter, OrderBy string
}

// ListSubmissions returns every submission that q selects.
func (c *Client) ListSubmissions(ctx context.Context, q SubmissionQuery) ([]*pb.Submission, error) {
	return all(func(token string) ([]*pb.Submission, string, error) {
		resp, err := c.Registry.ListSubmissions(ctx, &pb.ListSubmissionsRequest{Parent: q.Parent, State: q.State, Filter: q.Filter,
			OrderBy: q.OrderBy, PageSize: pageSize, PageToken: token})
		return resp.GetSubmissions(), resp.GetNextPageToken(), err
	})
}

// Submissions returns every submission of a department (`departments/-`: of
// all) in a state (unspecified: every state), newest first.
func (c *Client) Submissions(ctx context.Context, parent string, state pb.Submission_State) ([]*pb.Submission, error) {
	return c.ListSubmissions(ctx, SubmissionQuery{Parent: parent, State: state})
}

// catalogPageSize is the catalogue's maximum page.
const catalogPageSize = 500

// CatalogQuery selects items of the published catalogue for ListCatalog
// and SearchCatalog; the zero value is the whole catalogue in force now.
type CatalogQuery struct {
	// Q is the keywords of a search (SearchCatalog only).
	Q string
	// Category keeps one category; unspecified: all.
	Category pb.Category
	// Department keeps one department, `departments/{id}` or the bare id.
	Department string
	// Region keeps the departments of a region (6-digit GB/T 2260 code).
	Region string
	// Filter is an AIP-160 filter, OrderBy an AIP-132 order (fields in
	// ListCatalogItemsRequest); empty: all, by code (by relevance with Q).
	Filter, OrderBy string
	// AsOf reads the catalogue as it was in force then; zero: now. Not
	// with Q.
	AsOf time.Time
}

// request is the first page's request of q.
func (q CatalogQuery) request(size int) *pb.ListCatalogItemsRequest {
	req := &pb.ListCatalogItemsRequest{Q: q.Q, Category: q.Category, Department: q.Department, Region: q.Region,
		Filter: q.Filter, OrderBy: q.OrderBy, PageSize: int32(size)}
	if !q.AsOf.IsZero() {
		req.AsOf = timestamppb.New(q.AsOf)
	}
	return req
}

// ListCatalog returns every item that q selects (q.Q must be empty; see
// SearchCatalog), ordered by code unless q.OrderBy says otherwise.
func (c *Client) ListCatalog(ctx context.Context, q CatalogQuery) ([]*pb.Item, error) {
	if q.Q != "" {
		return nil, fmt.Errorf("client.ListCatalog: keyword search goes through SearchCatalog")
	}
	req := q.request(catalogPageSize)
	return all(func(token string) ([]*pb.Item, string, error) {
		req.PageToken = token
		resp, err := c.Catalog.ListCatalogItems(ctx, req)
		return resp.GetItems(), resp.GetNextPageToken(), err
	})
}

// CatalogItems returns every item in force, of a category and a department
// when these are set, ordered by code.
func (c *Client) CatalogItems(ctx context.Context, category pb.Category, department string) ([]*pb.Item, error) {
	return c.ListCatalog(ctx, CatalogQuery{Category: category, Department: department})
}

// SearchCatalog runs the keyword search q (q.Q set) and returns its pages
// as the server answered them, until limit results (every result when
// limit ≤ 0): each has its items, their highlights, and the facets and
// total of all the results.
func (c *Client) SearchCatalog(ctx context.Context, q CatalogQuery, limit int) ([]*pb.ListCatalogItemsResponse, error) {
	if q.Q == "" {
		return nil, fmt.Errorf("client.SearchCatalog: no keywords")
	}
	var out []*pb.ListCatalogItemsResponse
	req, got := q.request(catalogPageSize), 0
	for {
		if limit > 0 {
			req.PageSize = int32(min(limit-got, catalogPageSize))
		}
		resp, err := c.Catalog.ListCatalogItems(ctx, req)
		if err != nil {
			return nil, err
		}
		out = append(out, resp)
		got += len(resp.GetItems())
		if resp.GetNextPageToken() == "" || (limit > 0 && got >= limit) {
			return out, nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}
