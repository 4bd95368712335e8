// Package client is a thin typed Go client of the powerreg API, for
// powerctl and for anyone's own programs: the generated stubs plus the few
// loops every caller would otherwise write (all pages of a list, streaming
// an import, submitting a department's drafts, verifying the audit trail).
//
//	c, err := client.Dial("127.0.0.1:9090", client.Options{Token: os.Getenv("POWERREG_TOKEN")})
//	defer c.Close()
//	stats, err := c.Catalog.GetCatalogStats(ctx, &pb.GetCatalogStatsRequest{})
//
// Who acts is the principal of the token (its name): the token is sent as
// `authorization: Bearer <token>` on every call. Without a token the caller
// is anonymous and may read the public catalogue only.
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// DefaultAddr is powerregd's default gRPC address.
const DefaultAddr = "127.0.0.1:9090"

// Options configure a connection.
type Options struct {
	// Token is sent as `authorization: Bearer <token>` on every call; its
	// name is who acts. Empty: anonymous.
	Token string
	// CACert is the path of a PEM file of the certificate authorities to
	// trust. Setting it turns on TLS: the server's certificate must be
	// signed by one of them and name the host of the address.
	CACert string
	// TLS turns on TLS trusting the system's certificate authorities (for a
	// server whose certificate a public or company CA installed on this
	// machine signed). CACert implies TLS.
	TLS bool
}

// Client is a connection to powerregd with its services.
type Client struct {
	conn     *grpc.ClientConn
	Registry pb.RegistryServiceClient
	Catalog  pb.CatalogServiceClient
	Access   pb.AccessServiceClient
	// Operations takes hot backups (admins).
	Operations pb.OperationsServiceClient
}

// transport is the connection's security: plaintext, or TLS trusting the
// CA file or the system roots.
func transport(opts Options) (credentials.TransportCredentials, error) {
	if opts.CACert == "" && !opts.TLS {
		return insecure.NewCredentials(), nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.CACert != "" {
		pem, err := os.ReadFile(opts.CACert)
		if err != nil {
			return nil, fmt.Errorf("读取 CA 证书失败 / read the CA certificate: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s 中没有 PEM 格式的证书 / %s holds no PEM certificate", opts.CACert, opts.CACert)
		}
		cfg.RootCAs = pool
	}
	return credentials.NewTLS(cfg), nil
}

// Dial connects to addr (host:port). The connection is made lazily: a
// server that is down shows in the first call's error.
func Dial(addr string, opts Options) (*Client, error) {
	creds, err := transport(opts)
	if err != nil {
		return nil, err
	}
	md := metadata.MD{}
	if opts.Token != "" {
		md.Set("authorization", "Bearer "+opts.Token)
	}
	withMD := func(ctx context.Context) context.Context {
		if len(md) == 0 {
			return ctx
		}
		return metadata.NewOutgoingContext(ctx, metadata.Join(md, fromOutgoing(ctx)))
	}
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(creds),
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
	return &Client{conn: conn, Registry: pb.NewRegistryServiceClient(conn), Catalog: pb.NewCatalogServiceClient(conn),
		Access: pb.NewAccessServiceClient(conn), Operations: pb.NewOperationsServiceClient(conn)}, nil
}

func fromOutgoing(ctx context.Context) metadata.MD {
	md, _ := metadata.FromOutgoingContext(ctx)
	return md
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
