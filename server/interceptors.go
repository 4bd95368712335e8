package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/powerreg/powerreg/server/auth"
	"github.com/powerreg/powerreg/server/metrics"
	"github.com/powerreg/powerreg/server/ratelimit"
	"github.com/powerreg/powerreg/server/registry"
)

// RequestIDHeader carries a request's id: the caller may send one (to make
// its logs and ours meet); otherwise the server makes one. It is returned
// in the response headers and recorded in the audit trail.
const RequestIDHeader = "x-request-id"

type callKey struct{}

// callInfo is what the interceptor learned about a call.
type callInfo struct {
	principal *auth.Principal
	call      registry.Call
	limited   bool // refused by a rate limit: not audited
}

func callInfoOf(ctx context.Context) *callInfo {
	if c, ok := ctx.Value(callKey{}).(*callInfo); ok {
		return c
	}
	return &callInfo{principal: auth.Anonymous}
}

// actor is the principal making a call, recorded on every workflow step.
func actor(ctx context.Context) string { return callInfoOf(ctx).principal.Name }

// access is the interceptor chain's state: who is calling, and the trail.
type access struct {
	authn          *auth.Authenticator
	svc            *registry.Service
	metrics        *metrics.Metrics
	principalLimit *ratelimit.Limiter
	anonymousLimit *ratelimit.Limiter
	gatewaySecret  string         // proves metadata comes from our own gateway (limits.go)
	watches        *gate          // long-lived streams, per client address (streams.go)
	trusted        []netip.Prefix // reverse proxies whose X-Forwarded-For names the client (limits.go)
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func firstMD(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// around runs every call the same way, unary or streaming, over gRPC and
// (through the gateway's loopback connection) REST alike: it gives the call
// a request id, authenticates and authorizes the caller, recovers panics,
// translates errors with toStatus, rate-limits callers, audits refusals,
// and logs and counts the call.
// Streams are authorized on their first message (authorizeStream).
func (a *access) around(ctx context.Context, method string, req proto.Message, call func(ctx context.Context) error) (err error) {
	start := time.Now()
	md, _ := metadata.FromIncomingContext(ctx)
	id := firstMD(md, RequestIDHeader)
	if id == "" || len(id) > 128 {
		id = newRequestID()
	}
	grpc.SetHeader(ctx, metadata.Pairs(RequestIDHeader, id))
	ci := &callInfo{principal: auth.Anonymous, call: registry.Call{Method: method, Resource: resourceOf(req), RequestID: id}}
	ctx = context.WithValue(ctx, callKey{}, ci)
	defer func() {
		if p := recover(); p != nil {
			slog.ErrorContext(ctx, "panic", "method", method, "panic", p, "stack", string(debug.Stack()))
			err = withInfo(status.New(codes.Internal, "服务器内部错误 / internal error"), registry.ReasonInternal)
		}
		a.audit(ctx, ci, err)
		code := status.Code(err)
		a.metrics.Call(method, codeName(code), time.Since(start))
		level := slog.LevelInfo
		if code == codes.Internal || code == codes.Unknown || code == codes.DataLoss {
			level = slog.LevelError
		}
		slog.Log(ctx, level, "rpc", "method", method, "code", codeName(code), "principal", ci.principal.Name,
			"request_id", id, "duration", time.Since(start))
	}()
	if isInfrastructure(method) {
		return call(ctx)
	}
	p, err := a.authn.Authenticate(firstMD(md, "authorization"))
	if err == nil {
		ci.principal = p
		ci.call.Holder, ci.call.Issuer = p.Holder, p.Issuer // for four eyes and the audit trail
	}
	// Before anything is written: a refused authentication is audited, so
	// it is limited by the caller's address first.
	if lerr := a.rateLimit(ctx, ci, md); lerr != nil {
		return lerr
	}
	if err != nil {
		return toStatus(ctx, err)
	}
	switch {
	case req != nil:
		err = authorize(p, method, req)
	case p.Anonymous && !policy[method].public:
		// A stream is authorized on its first message, but an anonymous
		// caller is turned away at once.
		err = authorize(p, method, nil)
	}
	if err != nil {
		return toStatus(ctx, err)
	}
	return toStatus(ctx, call(ctx))
}

// audit records a refused attempt: every refused change, and every call
// refused for its credentials. Changes that take effect are recorded by
// the registry in their own transaction.
func (a *access) audit(ctx context.Context, ci *callInfo, err error) {
	if err == nil || ci.limited {
		return
	}
	st := status.Convert(err)
	r := policy[ci.call.Method]
	if !r.mutates && st.Code() != codes.Unauthenticated && st.Code() != codes.PermissionDenied {
		return
	}
	reason := errorInfo(st).GetReason()
	outcome := codeName(st.Code())
	if err := a.svc.RecordRefusal(ci.principal.Name, ci.call, outcome, reason); err != nil {
		slog.ErrorContext(ctx, "audit a refusal", "err", err)
	}
}

func (a *access) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	var resp any
	msg, _ := req.(proto.Message)
	err := a.around(ctx, info.FullMethod, msg, func(ctx context.Context) (err error) {
		resp, err = handler(ctx, req)
		return err
	})
	return resp, err
}

func (a *access) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return a.around(ss.Context(), info.FullMethod, nil, func(ctx context.Context) error {
		md, _ := metadata.FromIncomingContext(ctx)
		release, err := a.watchSlot(info.FullMethod, a.callerAddr(ctx, md))
		if err != nil {
			return toStatus(ctx, err)
		}
		defer release()
		s := &authorizeStream{ServerStream: ss, ctx: ctx, method: info.FullMethod}
		if isInfrastructure(info.FullMethod) {
			s.once.Do(func() {}) // health checks and reflection are open to anyone
		}
		return handler(srv, s)
	})
}

// authorizeStream authorizes a client stream on its first message, which
// carries what the request is about (an import's department).
type authorizeStream struct {
	grpc.ServerStream
	ctx    context.Context
	method string
	once   sync.Once
	err    error
}

func (s *authorizeStream) Context() context.Context { return s.ctx }

func (s *authorizeStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	// A stream that ends without a message is authorized too, on the
	// empty message m (which names no department).
	s.once.Do(func() {
		msg, _ := m.(proto.Message)
		ci := callInfoOf(s.ctx)
		ci.call.Resource = resourceOf(msg)
		s.err = authorize(ci.principal, s.method, msg)
	})
	if s.err != nil {
		return s.err
	}
	return err
}

// codeName spells a gRPC code as in the API's documentation and the audit
// trail: PERMISSION_DENIED, not PermissionDenied.
func codeName(c codes.Code) string {
	if c == codes.OK {
		return "OK"
	}
	var b strings.Builder
	for i, r := range c.String() {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// callOf is the call a handler serves, for the registry's audit record.
func callOf(ctx context.Context) registry.Call { return callInfoOf(ctx).call }
