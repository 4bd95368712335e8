package server

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// ActorHeader names who performs a step until access control exists: gRPC
// metadata `x-powerreg-actor`, HTTP header `X-Powerreg-Actor`. It is a
// placeholder that the access-control interceptor will replace with the
// authenticated principal.
const ActorHeader = "x-powerreg-actor"

// anonymous is the actor of a call that names none.
const anonymous = "anonymous"

type actorKey struct{}

// actor returns the actor of a call.
func actor(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok {
		return a
	}
	return anonymous
}

// around runs a call the same way for unary and streaming methods, over
// gRPC and (through the gateway's loopback connection) REST alike: it sets
// the actor, recovers panics, translates errors with toStatus and logs the
// call.
func around(ctx context.Context, method string, call func(ctx context.Context) error) (err error) {
	start := time.Now()
	who := anonymous
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(ActorHeader); len(v) > 0 && v[0] != "" {
			who = v[0]
		}
	}
	ctx = context.WithValue(ctx, actorKey{}, who)
	defer func() {
		if p := recover(); p != nil {
			slog.ErrorContext(ctx, "panic", "method", method, "panic", p, "stack", string(debug.Stack()))
			err = withInfo(status.New(codes.Internal, "服务器内部错误 / internal error"), "INTERNAL")
		}
		code := status.Code(err)
		level := slog.LevelInfo
		if code == codes.Internal || code == codes.Unknown {
			level = slog.LevelError
		}
		slog.Log(ctx, level, "rpc", "method", method, "code", code.String(), "actor", who,
			"duration", time.Since(start))
	}()
	return toStatus(ctx, call(ctx))
}

func unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	var resp any
	err := around(ctx, info.FullMethod, func(ctx context.Context) (err error) {
		resp, err = handler(ctx, req)
		return err
	})
	return resp, err
}

func streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return around(ss.Context(), info.FullMethod, func(ctx context.Context) error {
		return handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
	})
}

// ctxStream is a server stream with the context around gave it.
type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }
