// Package server serves the registry over gRPC and, through grpc-gateway,
// over REST; it holds the handlers, the interceptor chain, the gateway
// wiring and the one mapping of errors to status codes (status.go).
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/powerreg/powerreg/gen/openapiv2"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/auth"
	"github.com/powerreg/powerreg/server/metrics"
	"github.com/powerreg/powerreg/server/ratelimit"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/search"
	"github.com/powerreg/powerreg/server/store"
)

// Config configures a Server.
type Config struct {
	DataDir  string            // holds the bbolt file
	GRPCAddr string            // e.g. 127.0.0.1:8443; port 0 picks a free one
	HTTPAddr string            // e.g. 127.0.0.1:8080
	Region   string            // default region code of assigned item codes
	JWT      *auth.JWTVerifier // accepts SSO JWTs when set
	TLSCert  string            // PEM certificate (chain) file; with TLSKey, both ports serve TLS
	TLSKey   string            // PEM private key file of TLSCert
	Now      func() time.Time  // the clock; time.Now when nil (tests set it)
	// CORSOrigins may call the REST API from a browser: exact origins
	// (https://portal.example.gov.cn) or "*" (ParseCORSOrigins).
	CORSOrigins []string
	// CatalogCacheBytes bounds the cache of rendered catalogue answers
	// (httpcache.go): 0 for DefaultCatalogCacheBytes, negative for none.
	CatalogCacheBytes int64
	// Limits bounds request sizes, rates and timeouts (limits.go).
	Limits Limits
	// PublisherMayEdit lets a publisher publish a batch with items they
	// edited since their last publication (--four-eyes-publisher-edits=allow);
	// refused by default.
	PublisherMayEdit bool
}

// AdminTokenFile is where powerregd writes the first admin token of a new
// data dir.
const AdminTokenFile = "admin.token"

// SearchSnapshotFile, in the data dir, lets a restart skip indexing the
// whole catalogue (server/search/snapshot.go); deleting it is safe.
const SearchSnapshotFile = "search.snapshot"

// Server is a running registry: the store, the gRPC server and the HTTP
// gateway in front of it.
type Server struct {
	db       *store.DB
	svc      *registry.Service
	search   *search.Index // keyword search of the catalogue, derived from the store
	grpc     *grpc.Server  // the public gRPC port
	inner    *grpc.Server  // the gateway's, in-process (streams.go pipeListener)
	innerLis *pipeListener
	watches  *gate // the long-lived streams open (streams.go)
	health   *health.Server
	http     *http.Server
	grpcLis  net.Listener
	httpLis  net.Listener
	loopback *grpc.ClientConn
	tls      bool
	metrics  *metrics.Metrics
}

// New opens the store and binds both ports; Serve starts serving.
func New(cfg Config) (*Server, error) {
	// A data dir with an admin token but no data file: the file was lost
	// or moved, and a new registry would be another one. Nothing is
	// created.
	tokenPath := filepath.Join(cfg.DataDir, AdminTokenFile)
	if _, err := os.Lstat(filepath.Join(cfg.DataDir, store.FileName)); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Lstat(tokenPath); err == nil {
			return nil, tokenFileLeft(tokenPath)
		}
	}
	db, err := store.Open(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{db: db, metrics: metrics.New(filepath.Join(cfg.DataDir, store.FileName))}
	s.metrics.ChecksumFailures(func() uint64 { n, _ := db.Damaged(); return n })
	s.svc = registry.New(registry.Config{Store: s.metrics.Store(db), DefaultRegion: cfg.Region, Now: cfg.Now,
		MaxPageSize: cfg.Limits.MaxPageSize, PublisherMayEdit: cfg.PublisherMayEdit, EncodedSize: encodedSize,
		WatchBatchBytes: cfg.Limits.withDefaults().WatchBufferBytes})
	s.metrics.Workload(s.svc, cfg.Now)
	if err := s.bootstrap(cfg.DataDir); err != nil {
		s.close()
		return nil, err
	}
	// Built in the background: the catalogue is served at once, searches
	// wait for the index (readiness says when it is there).
	// From then on it follows the catalogue: each change that commits waits
	// (a bounded wait) until the index has it, off the searches' path.
	s.search = search.Open(s.svc.InProcess(), filepath.Join(cfg.DataDir, SearchSnapshotFile))
	s.metrics.SearchIndex(s.search.Revision, s.svc.CatalogRevision)
	if err := s.listen(cfg); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *Server) listen(cfg Config) error {
	serverTLS, err := loadTLS(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return err
	}
	s.tls = serverTLS != nil
	if !s.tls && (!isLoopback(cfg.GRPCAddr) || !isLoopback(cfg.HTTPAddr)) {
		slog.Warn("serving without TLS on a non-loopback address: bearer tokens travel in clear; use --tls-cert and --tls-key / "+
			"未启用 TLS 且监听非本机地址，令牌将以明文传输，请使用 --tls-cert 和 --tls-key",
			"grpc", cfg.GRPCAddr, "http", cfg.HTTPAddr)
	}
	limits := cfg.Limits.withDefaults()
	refused := func() { s.metrics.Limited("connections") }
	if s.grpcLis, err = net.Listen("tcp", cfg.GRPCAddr); err != nil {
		return fmt.Errorf("gRPC address %s: %w", cfg.GRPCAddr, err)
	}
	s.grpcLis = cutStalledWriters(limitConns(s.grpcLis, limits.MaxConnectionsPerAddress, limits.TrustedProxies, refused),
		limits.WriteTimeout)
	if s.httpLis, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return fmt.Errorf("HTTP address %s: %w", cfg.HTTPAddr, err)
	}
	s.httpLis = limitConns(s.httpLis, limits.MaxConnectionsPerAddress, limits.TrustedProxies, refused)
	s.httpLis = gatherWrites(s.httpLis)
	a := &access{authn: &auth.Authenticator{Tokens: s.svc, JWT: cfg.JWT}, svc: s.svc, metrics: s.metrics,
		principalLimit: ratelimit.New(limits.Principal, cfg.Now), anonymousLimit: ratelimit.New(limits.Anonymous, cfg.Now),
		gatewaySecret: newRequestID() + newRequestID(), watches: newGate(limits.MaxWatches, limits.MaxWatchesPerAddress),
		trusted: limits.TrustedProxies}
	s.watches = a.watches
	opts := append([]grpc.ServerOption{grpc.ChainUnaryInterceptor(a.unary), grpc.ChainStreamInterceptor(a.stream)},
		limits.grpcLimits()...)
	s.health = health.NewServer()
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING) // until ready (followReadiness)
	imports := newGate(limits.MaxConcurrentImports, 0)                      // shared by both servers
	register := func(g *grpc.Server) *grpc.Server {
		pb.RegisterRegistryServiceServer(g, &registryServer{svc: s.svc, imports: imports, importWait: limits.ImportWait,
			maxImportBytes: limits.MaxImportBytes, importIdle: limits.ReadTimeout})
		pb.RegisterCatalogServiceServer(g, &catalogServer{svc: s.svc, search: s.search,
			watchBuffer: limits.WatchBufferBytes, watchTimeout: limits.WatchSendTimeout})
		pb.RegisterAccessServiceServer(g, &accessServer{svc: s.svc})
		pb.RegisterOperationsServiceServer(g, &operationsServer{db: s.db, svc: s.svc, now: cfg.Now})
		healthpb.RegisterHealthServer(g, s.health)
		reflection.Register(g)
		return g
	}
	public := append(limits.grpcStreamLimits(), opts...)
	if s.tls {
		public = append(public, grpc.Creds(credentials.NewTLS(serverTLS)))
	}
	s.grpc = register(grpc.NewServer(public...))

	// REST goes through a client connection to a gRPC server of its own,
	// in-process, with the same interceptors and services as the public
	// port: REST calls are authenticated, limited and audited as gRPC
	// calls are, without sharing the public port's per-connection stream
	// limit on the gateway's one connection.
	// Its receive limit is the server's send limit: the default 4 MiB
	// would fail answers the server gave (and report writes that took
	// effect as failed).
	s.inner = register(grpc.NewServer(opts...))
	s.innerLis = newPipeListener()
	s.loopback, err = grpc.NewClient("passthrough:///gateway", grpc.WithContextDialer(s.innerLis.dial),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxAnswerBytes)),
		// Fixed windows: no BDP growth, which over a pipe reaches
		// megabytes a stream, all held for a REST watcher that does not
		// read (streaming).
		grpc.WithInitialWindowSize(loopbackWindow), grpc.WithInitialConnWindowSize(loopbackConnWindow))
	if err != nil {
		return err
	}
	gw := runtime.NewServeMux(
		// A form POST with X-HTTP-Method-Override became a PATCH whose body
		// the form parsing had swallowed: the method is the method.
		runtime.WithDisableHTTPMethodOverride(),
		runtime.WithIncomingHeaderMatcher(headerMatcher),
		runtime.WithOutgoingHeaderMatcher(func(key string) (string, bool) {
			switch key {
			case RequestIDHeader:
				return "X-Request-Id", true
			case retryAfterMD:
				return "Retry-After", true
			case searchRevisionMD:
				return searchRevisionHeader, true
			}
			return runtime.DefaultHeaderMatcher(key)
		}),
		runtime.WithErrorHandler(gatewayError),
		runtime.WithRoutingErrorHandler(routingError),
		runtime.WithMiddlewares(routeProbe),
		runtime.WithMetadata(gatewayMetadata(a.gatewaySecret, limits.TrustedProxies)),
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &oneValueJSON{JSONPb: runtime.JSONPb{
			// Canonical proto3 JSON: zero values and empty lists are
			// omitted (a missing count is 0).
			MarshalOptions:   protojson.MarshalOptions{},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
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
	if err := pb.RegisterOperationsServiceHandler(ctx, gw, s.loopback); err != nil {
		return err
	}
	mux := http.NewServeMux()
	api := throughGateway(markStreams(gw))
	mux.Handle("/v1/", api)
	for _, route := range streamingRoutes {
		buffer := 0 // a backup is read as fast as the client can: the kernel's autotuning is right
		if route == watchRoute {
			buffer = limits.WatchBufferBytes
		}
		mux.Handle(route, streaming(api, limits.WriteTimeout, buffer))
	}
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openapiv2.Document)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.serveReady)
	mux.Handle("GET /metrics", s.metrics.Handler())
	// ETags, Cache-Control, the catalogue's response cache, gzip and CORS.
	handler, err := newHTTPLayer(mux, s.svc, cfg)
	if err != nil {
		return err
	}
	s.http = limits.httpServer(s.observeHTTP(limitBody(handler, limits.MaxRequestBytes)))
	if s.tls {
		s.http.TLSConfig = serverTLS.Clone()
	}
	return nil
}

// loadTLS loads the server's certificate: the TLS configuration of both
// ports. Without a certificate, it returns nil.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, errors.New("TLS needs both a certificate and its key (--tls-cert and --tls-key) / " +
			"TLS 须同时指定证书和私钥（--tls-cert 与 --tls-key）")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// isLoopback reports whether a listen address only accepts connections
// from this machine; "", 0.0.0.0 and :: listen on every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// headerMatcher forwards the request id to gRPC metadata, besides the
// gateway's defaults (which forward Authorization).
func headerMatcher(key string) (string, bool) {
	switch k := http.CanonicalHeaderKey(key); {
	case k == "X-Request-Id":
		return RequestIDHeader, true
	case strings.HasPrefix(k, "Grpc-Metadata-X-Powerreg-"):
		return "", false // only our gateway sets these (limits.go)
	}
	return runtime.DefaultHeaderMatcher(key)
}

// gatewayError gives errors the gateway raises itself (a body that is not
// valid JSON, an unknown enum name, an unknown route) and the statuses of
// grpc-go's own transport (which carry no details) the same shape as the
// registry's: a bilingual message and an ErrorInfo with one of the reasons
// of server/registry/errors.go. It also picks the HTTP status of
// RESOURCE_EXHAUSTED by reason (httpStatusOf): only a rate limit is 429.
func gatewayError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if bodyTooLarge(w, r) {
		return
	}
	httpStatus := 0
	var hse *runtime.HTTPStatusError
	if errors.As(err, &hse) {
		httpStatus, err = hse.HTTPStatus, hse.Err
	}
	if st, ok := status.FromError(err); ok && len(st.Details()) == 0 {
		reason, zh := transportReason(st)
		en := st.Message()
		if reason == registry.ReasonNoSuchRoute {
			en = "no such route: check the path and the method against /openapi.json" // the gateway says "Not Found"
		}
		err = withInfo(status.New(st.Code(), zh+" / "+en), reason)
	}
	if httpStatus == 0 {
		httpStatus = httpStatusOf(status.Convert(err))
	}
	if httpStatus != 0 {
		err = &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: err}
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, &challenge{ResponseWriter: w}, r, err)
}

// transportReason names a status without details: one the gateway made
// (routing, decoding) or one of grpc-go's transport.
func transportReason(st *status.Status) (reason, zh string) {
	switch st.Code() {
	case codes.InvalidArgument:
		return registry.ReasonMalformedRequest, "请求格式有误，请对照 /openapi.json 检查"
	case codes.NotFound, codes.Unimplemented:
		return registry.ReasonNoSuchRoute, "没有这个接口，请对照 /openapi.json 检查路径和方法"
	case codes.ResourceExhausted:
		// grpc-go's message size limits: the server refusing a request
		// message over --max-request-bytes ("received message larger than
		// max (n vs. limit)"), or an answer over its send limit ("trying to
		// send"), or the loopback client one over its receive limit.
		if msg := st.Message(); strings.Contains(msg, "trying to send") ||
			strings.Contains(msg, fmt.Sprintf("vs. %d)", maxAnswerBytes)) {
			return registry.ReasonResponseTooLarge, "服务器的应答超过上限，请缩小 page_size 或联系管理员"
		}
		return registry.ReasonRequestTooLarge, "请求超过 --max-request-bytes 的上限"
	case codes.Canceled:
		return registry.ReasonCanceled, "请求已取消"
	case codes.DeadlineExceeded:
		return registry.ReasonDeadlineExceeded, "请求超时"
	case codes.Unavailable:
		return registry.ReasonUnavailable, "服务暂时无法处理请求，请稍后重试"
	}
	return registry.ReasonInternal, "服务器内部错误，请稍后重试或联系管理员"
}

// httpStatusOf is the HTTP status of a RESOURCE_EXHAUSTED status by its
// reason (the gateway answers 429 for every one, which tells clients to
// retry); 0 keeps the gateway's mapping.
func httpStatusOf(st *status.Status) int {
	if st.Code() != codes.ResourceExhausted {
		return 0
	}
	switch errorInfo(st).GetReason() {
	case registry.ReasonRateLimited:
		return http.StatusTooManyRequests
	case registry.ReasonRequestTooLarge:
		return http.StatusRequestEntityTooLarge
	case registry.ReasonStorageFull:
		return http.StatusInsufficientStorage
	case registry.ReasonResponseTooLarge:
		return http.StatusInternalServerError
	case registry.ReasonImportTooLarge:
		return http.StatusRequestEntityTooLarge
	case registry.ReasonTooManyImports:
		return http.StatusServiceUnavailable // busy: retry later
	case registry.ReasonImportIdle:
		return http.StatusRequestTimeout
	case registry.ReasonTooManyWatches:
		if errorInfo(st).GetMetadata()["limit"] == "server" {
			return http.StatusServiceUnavailable
		}
		return http.StatusTooManyRequests // this client holds too many: close some
	}
	return 0
}

// errorInfo is a status's ErrorInfo, nil without one (its getters are
// nil-safe).
func errorInfo(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// challenge sets a standard WWW-Authenticate on 401 answers: the gateway's
// default puts the (Chinese) error message there, and header values must be
// ASCII. The message stays in the body.
type challenge struct{ http.ResponseWriter }

func (c *challenge) WriteHeader(code int) {
	if code == http.StatusUnauthorized {
		c.Header().Set("WWW-Authenticate", `Bearer realm="powerreg"`)
	}
	c.ResponseWriter.WriteHeader(code)
}

// bootstrap gives a registry without tokens its first admin token, in a
// file only the server's user can read; the log names the file, never the
// token.
func (s *Server) bootstrap(dir string) error {
	path := filepath.Join(dir, AdminTokenFile)
	created, err := s.svc.BootstrapToken(func(secret string) error { return createAdminToken(path, secret) })
	if errors.Is(err, fs.ErrExist) {
		return tokenFileLeft(path)
	}
	if err != nil {
		return fmt.Errorf("write the first admin token to %s: %w", path, err)
	}
	if created {
		slog.Info("created the first admin token; use it to create the others, then keep or delete the file",
			"file", path)
	}
	return nil
}

// OpenWatches is the number of long-lived streams open (change feed and
// health watches, reflection).
func (s *Server) OpenWatches() int { return s.watches.held() }

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
	go s.inner.Serve(s.innerLis) // ends with the listener (close)
	go func() {
		serve := s.http.Serve
		if s.tls {
			serve = func(l net.Listener) error { return s.http.ServeTLS(l, "", "") }
		}
		if err := serve(s.httpLis); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	ready, stopReadiness := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() { s.followReadiness(ready); close(followed) }()
	slog.Info("serving", "grpc", s.GRPCAddr(), "http", s.HTTPAddr(), "tls", s.tls)
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	stopReadiness()
	<-followed
	s.health.Shutdown()
	// Open watches of the change feed would hold both shutdowns: end them
	// first (their callers reconnect to the next server).
	s.svc.StopWatches()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.http.Shutdown(shutdown)
	stopped := make(chan struct{})
	go func() { s.grpc.GracefulStop(); s.inner.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-shutdown.Done():
		s.grpc.Stop()
		s.inner.Stop()
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
	if s.innerLis != nil {
		s.innerLis.Close()
	}
	if s.search != nil {
		s.search.Close()
	}
	if err := s.db.Close(); err != nil {
		slog.Error("close store", "err", err)
	}
}
