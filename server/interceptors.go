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

// unaryInterceptor runs around every call, over gRPC and (through the
// gateway's loopback connection) REST alike: it sets the actor, recovers
// panics, translates errors with toStatus and logs the call.
func unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
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
			slog.ErrorContext(ctx, "panic", "method", info.FullMethod, "panic", p, "stack", string(debug.Stack()))
			err = withInfo(status.New(codes.Internal, "服务器内部错误 / internal error"), "INTERNAL")
		}
		code := status.Code(err)
		level := slog.LevelInfo
		if code == codes.Internal || code == codes.Unknown {
			level = slog.LevelError
		}
		slog.Log(ctx, level, "rpc", "method", info.FullMethod, "code", code.String(), "actor", who,
			"duration", time.Since(start))
	}()
	resp, err = handler(ctx, req)
	return resp, toStatus(ctx, err)
}
