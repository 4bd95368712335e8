package client

import (
	"context"

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

// Items returns every item of a department (`departments/-`: of all) in a
// state (unspecified: every state).
func (c *Client) Items(ctx context.Context, parent string, state pb.Item_State) ([]*pb.Item, error) {
	return all(func(token string) ([]*pb.Item, string, error) {
		resp, err := c.Registry.ListItems(ctx, &pb.ListItemsRequest{Parent: parent, State: state, PageSize: pageSize, PageToken: token})
		return resp.GetItems(), resp.GetNextPageToken(), err
	})
}

// Submissions returns every submission of a department (`departments/-`: of
// all) in a state (unspecified: every state), newest first.
func (c *Client) Submissions(ctx context.Context, parent string, state pb.Submission_State) ([]*pb.Submission, error) {
	return all(func(token string) ([]*pb.Submission, string, error) {
		resp, err := c.Registry.ListSubmissions(ctx, &pb.ListSubmissionsRequest{Parent: parent, State: state, PageSize: pageSize, PageToken: token})
		return resp.GetSubmissions(), resp.GetNextPageToken(), err
	})
}

// CatalogItems returns every item in force, of a category and a department
// when these are set, ordered by code.
func (c *Client) CatalogItems(ctx context.Context, category pb.Category, department string) ([]*pb.Item, error) {
	return all(func(token string) ([]*pb.Item, string, error) {
		resp, err := c.Catalog.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Category: category, Department: department,
			PageSize: 500, PageToken: token})
		return resp.GetItems(), resp.GetNextPageToken(), err
	})
}
