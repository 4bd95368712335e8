package server

// Limits: request size, rate limits and timeouts. See README "Limits".

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/powerreg/powerreg/server/auth"
	"github.com/powerreg/powerreg/server/ratelimit"
	"github.com/powerreg/powerreg/server/registry"
)

// Limits bounds what one caller can take of the server. Zero sizes and
// durations mean the defaults of DefaultLimits; zero rate limits mean none
// (powerregd's flags turn them on).
type Limits struct {
	// MaxRequestBytes bounds a REST body and a gRPC message (an import
	// streams its rows in many messages, each under it).
	MaxRequestBytes int64
	// MaxPageSize, when positive, lowers the largest and the default page
	// of every list to it; 0 keeps the API's (1000, the catalogue's 500).
	MaxPageSize int
	// Principal limits the calls of each authenticated principal (token or
	// SSO user).
	Principal ratelimit.Limit
	// Anonymous limits the calls of each client address without a valid
	// token: anonymous catalogue reads, and failed authentications (which
	// are limited before they are audited). Cached catalogue pages are
	// answered before any call and are not limited.
	Anonymous ratelimit.Limit
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when telling anonymous callers apart; without any, the
	// connection's address is the caller's.
	TrustedProxies []netip.Prefix
	// HTTP server timeouts (net/http's meanings); the change feed's watch
	// and the backup, which stream, have no ReadTimeout when they have no
	// body and WriteTimeout per write (streaming).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// GRPCConnectionTimeout bounds a gRPC connection's handshake;
	// GRPCKeepalive is how long a gRPC connection may be silent before the
	// server pings it (and closes it when no answer comes within 20 s).
	GRPCConnectionTimeout, GRPCKeepalive time.Duration

	// Streams (streams.go). MaxImportBytes is the byte budget of one
	// import's rows as sent; MaxConcurrentImports bounds the imports
	// running at once; one more waits up to ImportWait for a place, then
	// is refused.
	MaxImportBytes       int64
	MaxConcurrentImports int
	ImportWait           time.Duration
	// MaxWatches and MaxWatchesPerAddress bound the streams that last as
	// long as their client stays (the change feed's watch, gRPC health
	// watches and reflection), in total and per client address.
	MaxWatches, MaxWatchesPerAddress int
	// WatchBufferBytes is what a watch holds for a client slow to read;
	// a client that leaves it full for WatchSendTimeout is cut off.
	WatchBufferBytes int
	WatchSendTimeout time.Duration
	// GRPCMaxStreams bounds the streams (calls) open at once on one gRPC
	// connection; MaxConnectionsPerAddress the connections open at once
	// from one client address (an IPv6 client's /64, clientKey) on each
	// port (trusted proxies apart).
	GRPCMaxStreams           uint32
	MaxConnectionsPerAddress int
}

// DefaultLimits are powerregd's defaults.
func DefaultLimits() Limits {
	return Limits{
		MaxRequestBytes:       16 << 20,
		Principal:             ratelimit.Limit{Rate: 50, Burst: 100},
		Anonymous:             ratelimit.Limit{Rate: 20, Burst: 40},
		ReadHeaderTimeout:     10 * time.Second,
		ReadTimeout:           time.Minute,
		WriteTimeout:          time.Minute,
		IdleTimeout:           2 * time.Minute,
		GRPCConnectionTimeout: 10 * time.Second,
		GRPCKeepalive:         time.Minute,

		MaxImportBytes:           registry.DefaultMaxImportBytes,
		MaxConcurrentImports:     4,
		ImportWait:               10 * time.Second,
		MaxWatches:               1000,
		MaxWatchesPerAddress:     8,
		WatchBufferBytes:         256 << 10,
		WatchSendTimeout:         30 * time.Second,
		GRPCMaxStreams:           100,
		MaxConnectionsPerAddress: 256,
	}
}

// withDefaults fills the zero sizes and durations.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, p := range []struct{ v, def *time.Duration }{
		{&l.ReadHeaderTimeout, &d.ReadHeaderTimeout}, {&l.ReadTimeout, &d.ReadTimeout},
		{&l.WriteTimeout, &d.WriteTimeout}, {&l.IdleTimeout, &d.IdleTimeout},
		{&l.GRPCConnectionTimeout, &d.GRPCConnectionTimeout}, {&l.GRPCKeepalive, &d.GRPCKeepalive},
		{&l.WatchSendTimeout, &d.WatchSendTimeout}, {&l.ImportWait, &d.ImportWait},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	if l.MaxRequestBytes <= 0 {
		l.MaxRequestBytes = d.MaxRequestBytes
	}
	// Zero stream bounds take the defaults too: an embedder that sets
	// none is not left unbounded.
	for _, p := range []struct{ v, def *int }{
		{&l.MaxConcurrentImports, &d.MaxConcurrentImports}, {&l.MaxWatches, &d.MaxWatches},
		{&l.MaxWatchesPerAddress, &d.MaxWatchesPerAddress}, {&l.WatchBufferBytes, &d.WatchBufferBytes},
		{&l.MaxConnectionsPerAddress, &d.MaxConnectionsPerAddress},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	if l.MaxImportBytes <= 0 {
		l.MaxImportBytes = d.MaxImportBytes
	}
	if l.GRPCMaxStreams == 0 {
		l.GRPCMaxStreams = d.GRPCMaxStreams
	}
	return l
}

// maxAnswerBytes bounds one answer message the server sends, and is what
// the gateway's loopback client accepts. Lists are paged under
// registry.PageBytes (well under 4 MiB, for clients with gRPC's default
// receive limit); no answer comes near this bound, which is a last guard
// (RESPONSE_TOO_LARGE, HTTP 500).
const maxAnswerBytes = 64 << 20

// keepaliveMinTime: clients pinging more often than this are sent away
// (GOAWAY "too_many_pings"); grpc-go's default is 5 minutes, too long for
// clients behind NATs that drop silent connections.
const keepaliveMinTime = 10 * time.Second

// grpcLimits are the gRPC server options of l.
func (l Limits) grpcLimits() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(int(l.MaxRequestBytes)),
		grpc.MaxSendMsgSize(maxAnswerBytes),
		grpc.ConnectionTimeout(l.GRPCConnectionTimeout),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: keepaliveMinTime, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: l.GRPCKeepalive, Timeout: 20 * time.Second}),
	}
}

// httpServer is the HTTP server of handler with l's timeouts.
func (l Limits) httpServer(handler http.Handler) *http.Server {
	return &http.Server{Handler: handler, ReadHeaderTimeout: l.ReadHeaderTimeout, ReadTimeout: l.ReadTimeout,
		WriteTimeout: l.WriteTimeout, IdleTimeout: l.IdleTimeout,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) }}
}

// connKey holds a request's connection in its context (for streaming).
type connKey struct{}

// tcpConnOf is the TCP connection under c (through the connection
// limit's and TLS's wrappers), or nil.
func tcpConnOf(c net.Conn) *net.TCPConn {
	for {
		switch x := c.(type) {
		case *net.TCPConn:
			return x
		case *countedConn:
			c = x.Conn
		case *gatherConn:
			c = x.Conn
		case *tls.Conn:
			c = x.NetConn()
		default:
			return nil
		}
	}
}

// streamingRoutes are the routes that stream for as long as the client
// stays: the change feed's watch and a backup (which streams the whole
// data file). The HTTP mux gives them to streaming, by exact method and
// path: a suffix such as ":watch" on another path earns nothing.
var streamingRoutes = []string{watchRoute, "GET /v1/backup"}

// watchPath is the change feed's watch, the one streaming route of the
// catalogue.
const watchPath = "/v1/catalog/changes:watch"

const watchRoute = "GET " + watchPath

// streaming serves a routed streaming request without the server's
// whole-request deadlines, which would cut the stream: a request without
// a body has its read deadline lifted (nothing is left to read; the
// stream is then bounded by the watch limits, streams.go), and each write
// gets writeTimeout of its own (a client that stops reading is still cut
// off). A request with a body keeps its read deadline: a body sent one
// byte at a time is cut at --read-timeout like any other.
//
// A positive sendBuffer fixes the socket's send buffer (HTTP/1 only: an
// HTTP/2 connection carries other calls too). HTTP/1 has no flow control
// but TCP's, and the kernel's autotuning lets a socket take megabytes:
// a watcher that does not read would be sent, and the server would
// encode, that much before its watch's own buffer (--watch-buffer-bytes)
// ever filled and cut it off.
func streaming(next http.Handler, writeTimeout time.Duration, sendBuffer int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.Body == nil || r.Body == http.NoBody {
			rc.SetReadDeadline(time.Time{})
		}
		if c, ok := r.Context().Value(connKey{}).(net.Conn); ok && sendBuffer > 0 && r.ProtoMajor == 1 {
			if tc := tcpConnOf(c); tc != nil {
				tc.SetWriteBuffer(sendBuffer)
			}
		}
		next.ServeHTTP(&streamWriter{ResponseWriter: w, rc: rc, timeout: writeTimeout}, r)
	})
}

// streamWriter gives each write of a streaming answer a deadline of its
// own.
type streamWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *streamWriter) before() { w.rc.SetWriteDeadline(time.Now().Add(w.timeout)) }

func (w *streamWriter) WriteHeader(code int) {
	w.before()
	w.ResponseWriter.WriteHeader(code)
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.before()
	return w.ResponseWriter.Write(p)
}

func (w *streamWriter) Flush() {
	w.before()
	w.rc.Flush()
}

func (w *streamWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// limitedBody is a request body cut at the maximum size; it remembers
// whether the cut was hit, for gatewayError.
type limitedBody struct {
	io.ReadCloser
	max      int64
	exceeded atomic.Bool // read by the error handler while the gateway may still read
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		b.exceeded.Store(true)
	}
	return n, err
}

// limitBody refuses bodies over max with 413: at once when Content-Length
// says so, else when the gateway reads past max (gatewayError asks
// bodyTooLarge).
func limitBody(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeTooLarge(w, r, max)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, max), max: max}
		}
		next.ServeHTTP(w, r)
	})
}

// bodyTooLarge answers 413 when the request's body was cut at the
// maximum, and reports whether it did.
func bodyTooLarge(w http.ResponseWriter, r *http.Request) bool {
	body := r.Body
	if s, ok := body.(*streamBody); ok { // the import's (gateway.go)
		body = s.ReadCloser
	}
	b, ok := body.(*limitedBody)
	if !ok || !b.exceeded.Load() {
		return false
	}
	writeTooLarge(w, r, b.max)
	return true
}

func writeTooLarge(w http.ResponseWriter, r *http.Request, max int64) {
	st := withInfoMeta(status.New(codes.ResourceExhausted, fmt.Sprintf(
		"请求体超过 %d 字节的上限；大批量导入请用 powerctl import（gRPC 分块流式上传） / "+
			"the request body exceeds the limit of %d bytes; import large files with powerctl import (streams in chunks over gRPC)",
		max, max)), registry.ReasonRequestTooLarge, map[string]string{"max_bytes": strconv.FormatInt(max, 10)})
	// The rest of the body is not read: the connection is not reused.
	w.Header().Set("Connection", "close")
	writeStatus(w, r, http.StatusRequestEntityTooLarge, status.Convert(st))
}

// writeStatus writes an error answered by the HTTP layer itself in the
// gateway's shape (google.rpc.Status as JSON), with a request id.
func writeStatus(w http.ResponseWriter, r *http.Request, code int, st *status.Status) {
	body, _ := protojson.Marshal(st.Proto())
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", noStore)
	if h.Get("X-Request-Id") == "" {
		h.Set("X-Request-Id", requestID(r, ""))
	}
	w.WriteHeader(code)
	w.Write(body)
}

// The gateway tells the interceptor who the REST caller is with these
// metadata keys; the key proves the metadata comes from our own gateway
// (a gRPC caller could send any x-powerreg-client).
const (
	gatewayKeyMD = "x-powerreg-gateway"
	clientAddrMD = "x-powerreg-client"
)

// gatewayMetadata is the gateway's metadata annotator: the REST caller's
// address.
func gatewayMetadata(secret string, trusted []netip.Prefix) func(context.Context, *http.Request) metadata.MD {
	return func(_ context.Context, r *http.Request) metadata.MD {
		md := metadata.Pairs(gatewayKeyMD, secret, clientAddrMD, clientAddr(r, trusted))
		if h := r.Header.Get("Authorization"); h != "" && auth.Sendable(h) != h {
			// The gateway drops a value gRPC cannot carry, which would
			// make the call anonymous: it is passed on made sendable,
			// for the authenticator to refuse saying why.
			md.Set("authorization", auth.Sendable(h))
		}
		return md
	}
}

// clientAddr is an HTTP caller's address: the connection's peer, or, when
// that is a trusted proxy, the nearest address in X-Forwarded-For that is
// not one (the ones to its left could be forged by the caller).
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	return forwardedClient(peerAddr(r.RemoteAddr), r.Header.Values("X-Forwarded-For"), trusted)
}

// forwardedClient is the client behind peer: peer itself unless it is a
// trusted proxy, else the nearest address of the X-Forwarded-For values
// xff (HTTP headers, or gRPC metadata from a proxy such as Envoy or
// nginx's grpc_pass) that is not a trusted proxy.
func forwardedClient(peer string, xff []string, trusted []netip.Prefix) string {
	addr := peer
	if !isTrusted(addr, trusted) {
		return addr
	}
	hops := strings.Split(strings.Join(xff, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // garbage: trust nothing further left
		}
		addr = hop
		if !isTrusted(addr, trusted) {
			break
		}
	}
	return addr
}

func isTrusted(addr string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, p := range trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// clientKey is what the per-address limits count a client address as:
// an IPv6 address's /64, which one host or one customer is commonly given
// whole (counted one by one, such a client would have 2^64 addresses);
// an IPv4 address (mapped or not) as itself.
func clientKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// peerAddr is the host of a host:port.
func peerAddr(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return hostport
}

// lastMD is the last value of key: metadata the gateway adds comes after
// any a caller forwarded in Grpc-Metadata- headers.
func lastMD(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// callerAddr is the address a call's anonymous rate limit and its watch
// limit are keyed by (clientKey).
func (a *access) callerAddr(ctx context.Context, md metadata.MD) string {
	if subtle.ConstantTimeCompare([]byte(lastMD(md, gatewayKeyMD)), []byte(a.gatewaySecret)) == 1 {
		if c := lastMD(md, clientAddrMD); c != "" {
			return clientKey(c)
		}
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		// A gRPC call through a trusted proxy is its forwarded client's,
		// as a REST call is (clientAddr).
		return clientKey(forwardedClient(peerAddr(p.Addr.String()), md.Get("x-forwarded-for"), a.trusted))
	}
	return "unknown"
}

// rateLimit takes a token from the caller's bucket, or refuses the call
// with RESOURCE_EXHAUSTED, a Retry-After header (HTTP 429 through the
// gateway) and RetryInfo. It runs before anything is written, so refused
// calls are not audited.
func (a *access) rateLimit(ctx context.Context, ci *callInfo, md metadata.MD) error {
	lim, key, name := a.principalLimit, "principal:"+ci.principal.Name, "principal"
	zh, en := "每个用户", "for each principal"
	if ci.principal.Anonymous {
		lim, key, name = a.anonymousLimit, "addr:"+a.callerAddr(ctx, md), "anonymous"
		zh, en = "每个未登录的来源地址", "for each anonymous client address"
	}
	ok, wait := lim.Allow(key)
	if ok {
		return nil
	}
	ci.limited = true
	a.metrics.Limited(name)
	secs := ratelimit.RetryAfterSeconds(wait)
	grpc.SetHeader(ctx, metadata.Pairs(retryAfterMD, strconv.Itoa(secs)))
	l := lim.Limit()
	rate := strconv.FormatFloat(l.Rate, 'g', -1, 64)
	return withInfoMeta(status.New(codes.ResourceExhausted, fmt.Sprintf(
		"请求过于频繁：%s每秒最多 %s 次（可连续 %d 次），请 %d 秒后重试 / "+
			"too many requests: the %s limit is %s per second (bursts of %d) %s; retry in %d s",
		zh, rate, l.Burst, secs, name, rate, l.Burst, en, secs)), registry.ReasonRateLimited,
		map[string]string{"limit": name, "rate_per_second": rate, "burst": strconv.Itoa(l.Burst)},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Duration(secs) * time.Second)})
}

// retryAfterMD carries a rate-limited call's wait; the gateway sends it as
// Retry-After.
const retryAfterMD = "retry-after"
