package client

import (
	"context"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/registry"
)

// Tokens returns every token, revoked and expired ones included (never
// their secrets). Admins only.
func (c *Client) Tokens(ctx context.Context) ([]*pb.Token, error) {
	resp, err := c.Access.ListTokens(ctx, &pb.ListTokensRequest{})
	return resp.GetTokens(), err
}

// Caller says who the server takes this client's token to be: principal,
// holder, roles and departments (`departments/{id}`, `departments/-` for
// every one). Anyone; anonymous without a token.
func (c *Client) Caller(ctx context.Context) (*pb.GetCallerResponse, error) {
	return c.Access.GetCaller(ctx, &pb.GetCallerRequest{})
}

// OwnDepartment is the one department an editor's token is scoped to, as
// `departments/{id}`; "" when the caller reads more than one department
// (a reviewer, a publisher, an editor of several or of every department)
// or none.
func OwnDepartment(caller *pb.GetCallerResponse) string {
	if slices.ContainsFunc(caller.GetRoles(), func(r string) bool { return r == registry.RoleReviewer || r == registry.RolePublisher }) ||
		!slices.Contains(caller.GetRoles(), registry.RoleEditor) || len(caller.GetDepartments()) != 1 ||
		caller.GetDepartments()[0] == registry.DepartmentName(registry.AllDepartments) {
		return ""
	}
	return caller.GetDepartments()[0]
}

// EditorOf reports whether the caller edits department
// (`departments/{id}`): may import into it and submit its drafts.
func EditorOf(caller *pb.GetCallerResponse, department string) bool {
	return slices.Contains(caller.GetRoles(), registry.RoleEditor) &&
		slices.ContainsFunc(caller.GetDepartments(), func(d string) bool {
			return d == department || d == registry.DepartmentName(registry.AllDepartments)
		})
}

// AuditFilter selects audit events; the zero value selects all.
type AuditFilter struct {
	Principal string    // only this principal's events
	Holder    string    // only the events of this person (the principal's holder)
	Resource  string    // only events of this resource or resources under it, e.g. departments/gtzyj
	Since     time.Time // only events at or after this time
	Until     time.Time // only events before this time
	Limit     int       // at most this many (the newest); 0 for all
}

// AuditEvents returns the audit events a filter selects, newest first,
// reading every page. Admins and reviewers.
func (c *Client) AuditEvents(ctx context.Context, f AuditFilter) ([]*pb.AuditEvent, error) {
	req := &pb.ListAuditEventsRequest{Principal: f.Principal, Holder: f.Holder, Resource: f.Resource, PageSize: pageSize}
	if !f.Since.IsZero() {
		req.StartTime = timestamppb.New(f.Since)
	}
	if !f.Until.IsZero() {
		req.EndTime = timestamppb.New(f.Until)
	}
	var out []*pb.AuditEvent
	for {
		if f.Limit > 0 {
			req.PageSize = int32(min(pageSize, f.Limit-len(out)))
		}
		resp, err := c.Access.ListAuditEvents(ctx, req)
		if err != nil {
			return nil, err
		}
		out = append(out, resp.GetAuditEvents()...)
		if f.Limit > 0 && len(out) >= f.Limit {
			return out[:f.Limit], nil
		}
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// AuditRecord is the audit.Record of an event as the API returns it: the
// fields the server hashed, so that audit.Verify can recompute the chain.
func AuditRecord(e *pb.AuditEvent) *audit.Record {
	return &audit.Record{Version: int(e.GetVersion()), Seq: uint64(e.GetSequence()), Time: e.GetTime().AsTime(),
		Principal: e.GetPrincipal(), Holder: e.GetHolder(),
		Method: e.GetMethod(), Resource: e.GetResource(), RequestID: e.GetRequestId(), Outcome: e.GetOutcome(),
		Reason: e.GetReason(), Revision: e.GetRevision(), PrevHash: e.GetPreviousHash(), Hash: e.GetHash()}
}

// VerifyAudit reads the whole audit trail and checks its hash chain, oldest
// record first: every record is there (1, 2, 3, … without a gap), holds the
// hash of the one before, and matches its own hash. It returns the first
// broken link (nil when the chain is whole) and the number of records read.
// Admins and reviewers.
func (c *Client) VerifyAudit(ctx context.Context) (*audit.Break, int, error) {
	events, err := c.AuditEvents(ctx, AuditFilter{})
	if err != nil {
		return nil, 0, err
	}
	records := make([]*audit.Record, len(events))
	for i, e := range events {
		records[i] = AuditRecord(e)
	}
	slices.SortStableFunc(records, func(a, b *audit.Record) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
	return audit.Verify(records), len(records), nil
}
