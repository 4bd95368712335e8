package server

import (
	"context"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/registry"
)

// accessServer implements AccessService: tokens and the audit trail.
type accessServer struct {
	pb.UnimplementedAccessServiceServer
	svc *registry.Service
}

func tokenToProto(t *registry.Token) *pb.Token {
	out := &pb.Token{Name: "tokens/" + t.Name, Roles: t.Roles, Holder: t.HolderName(), Creator: t.Creator,
		CreatorHolder: t.IssuerName(), CreateTime: ts(t.CreateTime), ExpireTime: ts(t.ExpireTime), RevokeTime: ts(t.RevokeTime)}
	for _, d := range t.Departments {
		out.Departments = append(out.Departments, registry.DepartmentName(d))
	}
	return out
}

func (s *accessServer) CreateToken(ctx context.Context, req *pb.CreateTokenRequest) (*pb.CreateTokenResponse, error) {
	in := registry.TokenInput{Name: req.GetTokenId(), Holder: req.GetToken().GetHolder(), Roles: req.GetToken().GetRoles(),
		TTL: req.GetTtl().AsDuration()}
	for _, d := range req.GetToken().GetDepartments() {
		in.Departments = append(in.Departments, strings.TrimPrefix(d, "departments/"))
	}
	t, secret, err := s.svc.For(callOf(ctx)).CreateToken(actor(ctx), in)
	if err != nil {
		return nil, err
	}
	return &pb.CreateTokenResponse{Token: tokenToProto(t), Secret: secret}, nil
}

func (s *accessServer) ListTokens(ctx context.Context, req *pb.ListTokensRequest) (*pb.ListTokensResponse, error) {
	list, err := s.svc.ListTokens()
	if err != nil {
		return nil, err
	}
	out := &pb.ListTokensResponse{}
	for _, t := range list {
		out.Tokens = append(out.Tokens, tokenToProto(t))
	}
	return out, nil
}

func (s *accessServer) RevokeToken(ctx context.Context, req *pb.RevokeTokenRequest) (*pb.RevokeTokenResponse, error) {
	t, err := s.svc.For(callOf(ctx)).RevokeToken(actor(ctx), strings.TrimPrefix(req.GetName(), "tokens/"))
	if err != nil {
		return nil, err
	}
	return &pb.RevokeTokenResponse{Token: tokenToProto(t)}, nil
}

// GetCaller says who the interceptor authenticated: the same principal
// that authorizes the caller's other calls.
func (s *accessServer) GetCaller(ctx context.Context, req *pb.GetCallerRequest) (*pb.GetCallerResponse, error) {
	p := callInfoOf(ctx).principal
	out := &pb.GetCallerResponse{Principal: p.Name, Holder: p.Holder, Roles: p.Roles}
	for _, d := range p.Departments {
		out.Departments = append(out.Departments, registry.DepartmentName(d))
	}
	return out, nil
}

func auditToProto(r *audit.Record) *pb.AuditEvent {
	version := int32(r.Version)
	if version == 0 {
		version = audit.Version1 // stored before versions
	}
	return &pb.AuditEvent{Sequence: int64(r.Seq), Time: timestamppb.New(r.Time), Principal: r.Principal, Holder: r.Holder,
		Method: r.Method, Resource: r.Resource, RequestId: r.RequestID, Outcome: r.Outcome, Reason: r.Reason, Revision: r.Revision,
		PreviousHash: r.PrevHash, Hash: r.Hash, Version: version}
}

func (s *accessServer) ListAuditEvents(ctx context.Context, req *pb.ListAuditEventsRequest) (*pb.ListAuditEventsResponse, error) {
	f := registry.AuditFilter{Principal: req.GetPrincipal(), Holder: req.GetHolder(), Resource: req.GetResource()}
	if req.GetStartTime() != nil {
		f.Start = req.GetStartTime().AsTime()
	}
	if req.GetEndTime() != nil {
		f.End = req.GetEndTime().AsTime()
	}
	list, next, err := s.svc.ListAudit(f, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListAuditEventsResponse{NextPageToken: next}
	for _, r := range list {
		out.AuditEvents = append(out.AuditEvents, auditToProto(r))
	}
	return out, nil
}
