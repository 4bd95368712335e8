// Package client is a thin typed Go client of the powerreg API, for
// powerctl and for anyone's own programs: the generated stubs plus the few
// loops every caller would otherwise write (all pages of a list, streaming
// an import, submitting a department's drafts).
//
//	c, err := client.Dial("127.0.0.1:9090", client.Options{Token: os.Getenv("POWERREG_TOKEN")})
//	defer c.Close()
//	stats, err := c.Catalog.GetCatalogStats(ctx, &pb.GetCatalogStatsRequest{})
package client

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// DefaultAddr is powerregd's default gRPC address.
const DefaultAddr = "127.0.0.1:9090"

// actorHeader names who performs a step until access control exists (see
// server.ActorHeader).
const actorHeader = "x-powerreg-actor"

// Options configure a connection.
type Options struct {
	// Token is sent as `authorization: Bearer <token>` on every call.
	Token string
	// Actor names who performs the steps, until access control replaces it
	// with the token's principal.
	Actor string
}

// Client is a connection to powerregd with its two services.
type Client struct {
	conn     *grpc.ClientConn
	Registry pb.RegistryServiceClient
	Catalog  pb.CatalogServiceClient
}

// Dial connects to addr (host:port). The connection is made lazily: a
// server that is down shows in the first call's error.
func Dial(addr string, opts Options) (*Client, error) {
	md := metadata.MD{}
	if opts.Token != "" {
		md.Set("authorization", "Bearer "+opts.Token)
	}
	if opts.Actor != "" {
		md.Set(actorHeader, opts.Actor)
	}
	withMD := func(ctx context.Context) context.Context {
		if len(md) == 0 {
			return ctx
		}
		return metadata.NewOutgoingContext(ctx, metadata.Join(md, fromOutgoing(ctx)))
	}
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)),
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
			invoker grpc.UnaryInvoker, o ...grpc.CallOption) error {
			return invoker(withMD(ctx), method, req, reply, cc, o...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn,
			method string, streamer grpc.Streamer, o ...grpc.CallOption) (grpc.ClientStream, error) {
			return streamer(withMD(ctx), desc, cc, method, o...)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("server address %q: %w", addr, err)
	}
	return &Client{conn: conn, Registry: pb.NewRegistryServiceClient(conn), Catalog: pb.NewCatalogServiceClient(conn)}, nil
}

func fromOutgoing(ctx context.Context) metadata.MD {
	md, _ := metadata.FromOutgoingContext(ctx)
	return md
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
