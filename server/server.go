// Package server serves the registry over gRPC and, through grpc-gateway,
// over REST; it holds the handlers, the interceptor chain, the gateway
// wiring and the one mapping of errors to status codes (status.go).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/powerreg/powerreg/gen/openapiv2"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/auth"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// Config configures a Server.
type Config struct {
	DataDir  string            // holds the bbolt file
	GRPCAddr string            // e.g. 127.0.0.1:8443; port 0 picks a free one
	HTTPAddr string            // e.g. 127.0.0.1:8080
	Region   string            // default region code of assigned item codes
	JWT      *auth.JWTVerifier // accepts SSO JWTs when set
}

// AdminTokenFile is where powerregd writes the first admin token of a new
// data dir.
const AdminTokenFile = "admin.token"

// maxMessage bounds one request message; imports stream their rows in
// chunks well under it.
const maxMessage = 16 << 20

// Server is a running registry: the store, the gRPC server and the HTTP
// gateway in front of it.
type Server struct {
	db       *store.DB
	svc      *registry.Service
	grpc     *grpc.Server
	health   *health.Server
	http     *http.Server
	grpcLis  net.Listener
	httpLis  net.Listener
	loopback *grpc.ClientConn
}

// New opens the store and binds both ports; Serve starts serving.
func New(cfg Config) (*Server, error) {
	db, err := store.Open(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{db: db, svc: registry.New(registry.Config{Store: db, DefaultRegion: cfg.Region})}
	if err := s.bootstrap(cfg.DataDir); err != nil {
		s.close()
		return nil, err
	}
	if err := s.listen(cfg); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *Server) listen(cfg Config) error {
	var err error
	if s.grpcLis, err = net.Listen("tcp", cfg.GRPCAddr); err != nil {
		return fmt.Errorf("gRPC address %s: %w", cfg.GRPCAddr, err)
	}
	if s.httpLis, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return fmt.Errorf("HTTP address %s: %w", cfg.HTTPAddr, err)
	}
	a := &access{authn: &auth.Authenticator{Tokens: s.svc, JWT: cfg.JWT}, svc: s.svc}
	s.grpc = grpc.NewServer(grpc.ChainUnaryInterceptor(a.unary), grpc.ChainStreamInterceptor(a.stream),
		grpc.MaxRecvMsgSize(maxMessage))
	pb.RegisterRegistryServiceServer(s.grpc, &registryServer{svc: s.svc})
	pb.RegisterCatalogServiceServer(s.grpc, &catalogServer{svc: s.svc})
	pb.RegisterAccessServiceServer(s.grpc, &accessServer{svc: s.svc})
	s.health = health.NewServer()
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)

	// REST goes through a client connection to our own gRPC port, so that
	// it runs through the same interceptors as gRPC.
	s.loopback, err = grpc.NewClient(s.grpcLis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	gw := runtime.NewServeMux(
		runtime.WithIncomingHeaderMatcher(headerMatcher),
		runtime.WithOutgoingHeaderMatcher(func(key string) (string, bool) {
			if key == RequestIDHeader {
				return "X-Request-Id", true
			}
			return runtime.DefaultHeaderMatcher(key)
		}),
		runtime.WithErrorHandler(gatewayError),
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			// Canonical proto3 JSON: zero values and empty lists are
			// omitted (a missing count is 0).
			MarshalOptions:   protojson.MarshalOptions{},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}),
	)
	ctx := context.Background()
	if err := pb.RegisterRegistryServiceHandler(ctx, gw, s.loopback); err != nil {
		return err
	}
	if err := pb.RegisterCatalogServiceHandler(ctx, gw, s.loopback); err != nil {
		return err
	}
	if err := pb.RegisterAccessServiceHandler(ctx, gw, s.loopback); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", gw)
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openapiv2.Document)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return nil
}

// headerMatcher forwards the request id to gRPC metadata, besides the
// gateway's defaults (which forward Authorization).
func headerMatcher(key string) (string, bool) {
	if http.CanonicalHeaderKey(key) == "X-Request-Id" {
		return RequestIDHeader, true
	}
	return runtime.DefaultHeaderMatcher(key)
}

// gatewayError gives errors the gateway raises itself (a body that is not
// valid JSON, an unknown enum name, an unknown route) the same shape as the
// registry's: a bilingual message and an ErrorInfo.
func gatewayError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if st, ok := status.FromError(err); ok && len(st.Details()) == 0 {
		var reason, zh string
		switch st.Code() {
		case codes.InvalidArgument:
			reason, zh = "MALFORMED_REQUEST", "请求格式有误，请对照 /openapi.json 检查"
		case codes.NotFound, codes.Unimplemented:
			reason, zh = "NO_SUCH_ROUTE", "没有这个接口，请对照 /openapi.json 检查路径和方法"
		default: // e.g. the loopback connection failing
			reason, zh = strings.ToUpper(st.Code().String()), "服务暂时无法处理请求，请稍后重试"
		}
		err = withInfo(status.New(st.Code(), zh+" / "+st.Message()), reason)
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

// bootstrap gives a registry without tokens its first admin token, in a
// file only the server's user can read; the log names the file, never the
// token.
func (s *Server) bootstrap(dir string) error {
	secret, err := s.svc.BootstrapToken()
	if err != nil || secret == "" {
		return err
	}
	path := filepath.Join(dir, AdminTokenFile)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write the first admin token: %w", err)
	}
	slog.Info("created the first admin token; use it to create the others, then keep or delete the file",
		"file", path)
	return nil
}

// Registry returns the domain service, for loading demo data.
func (s *Server) Registry() *registry.Service { return s.svc }

// GRPCAddr is the bound gRPC address.
func (s *Server) GRPCAddr() string { return s.grpcLis.Addr().String() }

// HTTPAddr is the bound HTTP address.
func (s *Server) HTTPAddr() string { return s.httpLis.Addr().String() }

// Serve serves until ctx is done, then shuts down gracefully: in-flight
// requests finish, then the store is closed.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- s.grpc.Serve(s.grpcLis) }()
	go func() {
		if err := s.http.Serve(s.httpLis); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	slog.Info("serving", "grpc", s.GRPCAddr(), "http", s.HTTPAddr())
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.health.Shutdown()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.http.Shutdown(shutdown)
	stopped := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-shutdown.Done():
		s.grpc.Stop()
	}
	s.close()
	return err
}

func (s *Server) close() {
	if s.loopback != nil {
		s.loopback.Close()
	}
	for _, l := range []net.Listener{s.grpcLis, s.httpLis} {
		if l != nil {
			l.Close()
		}
	}
	if err := s.db.Close(); err != nil {
		slog.Error("close store", "err", err)
	}
}
