package server

// Observability of the HTTP port: metrics of answers the HTTP layer gives
// without a call, their log lines, readiness. See README "Metrics and
// logs" and "Health and readiness".

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/powerreg/powerreg/server/registry"
)

type gatewayMarkKey struct{}

// throughGateway marks a request as handed to the REST gateway (and so to
// a gRPC call, counted and logged by the interceptor).
func throughGateway(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mark, ok := r.Context().Value(gatewayMarkKey{}).(*atomic.Bool); ok {
			mark.Store(true)
		}
		next.ServeHTTP(w, r)
	})
}

// observeHTTP counts every HTTP answer by route and status, and logs those
// the HTTP layer gave without a call (cached catalogue pages, 304s, 413s):
// calls are logged by the interceptor.
func (s *Server) observeHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		mark := &atomic.Bool{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), gatewayMarkKey{}, mark)))
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		route := routeOf(r.URL.Path)
		s.metrics.HTTP(route, sw.code, mark.Load())
		if mark.Load() || !strings.HasPrefix(route, "/v1") {
			return
		}
		// Cached pages and 304s are the portal's bulk traffic: debug level.
		level := slog.LevelDebug
		if sw.code >= 400 {
			level = slog.LevelInfo
		}
		if !slog.Default().Enabled(r.Context(), level) {
			return // before building the line's values, which costs on every page
		}
		principal := "anonymous"
		if r.Header.Get("Authorization") != "" {
			principal = "(not authenticated)"
		}
		slog.Log(r.Context(), level, "http", "method", r.Method+" "+r.URL.Path, "code", sw.code,
			"principal", principal, "request_id", sw.Header().Get("X-Request-Id"), "duration", time.Since(start))
	})
}

// routeOf classes a path into a few routes, so that metrics stay few
// whatever paths clients send.
func routeOf(path string) string {
	switch {
	case strings.HasPrefix(path, catalogPrefix):
		return "/v1/catalog"
	case strings.HasPrefix(path, "/v1/"):
		return "/v1"
	case path == "/healthz", path == "/readyz", path == "/metrics", path == "/openapi.json":
		return path
	}
	return "other"
}

// statusWriter notes the status of an answer; it passes flushes (the watch
// streams) and deadlines (http.ResponseController) through.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Flush() { http.NewResponseController(w.ResponseWriter).Flush() }

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errDamaged: a stored record failed its checksum or is missing, or a page
// is damaged (server/store).
type errDamaged struct {
	n     uint64
	first string
}

func (e *errDamaged) Error() string {
	return fmt.Sprintf("存储中有记录已损坏（%d 次读取校验失败，首个为 %s），请运行 powerregd check 并从备份恢复 / "+
		"a stored record is damaged (%d reads failed their checksum, the first of %s): run powerregd check and restore from a backup",
		e.n, e.first, e.n, e.first)
}

// ready reports why the server cannot serve yet: the store must answer a
// read and the search index be built. Once a record was found damaged the
// server stays unready for the rest of the process's life: a load
// balancer should send readers elsewhere while the operator restores.
func (s *Server) ready() error {
	if n, first := s.db.Damaged(); n > 0 {
		return &errDamaged{n, first}
	}
	// Not CatalogRevision: that one is kept in memory.
	if _, err := s.svc.ChangesFloor(); err != nil {
		return fmt.Errorf("存储无法读取 / the store does not answer a read: %w", err)
	}
	if s.search == nil || !s.search.Ready() {
		return errors.New("搜索索引尚未就绪 / the search index is not ready")
	}
	return nil
}

// serveReady answers /readyz: 200 when ready, else 503 with the reason in
// the registry's error shape.
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	if err := s.ready(); err != nil {
		st := withInfo(status.New(codes.Unavailable, "服务尚未就绪 / not ready: "+err.Error()), registry.ReasonNotReady)
		if d := (*errDamaged)(nil); errors.As(err, &d) {
			st = withInfo(status.New(codes.DataLoss, "服务未就绪 / not ready: "+err.Error()), registry.ReasonDataLoss)
		}
		writeStatus(w, r, http.StatusServiceUnavailable, status.Convert(st))
		return
	}
	w.Header().Set("Cache-Control", noStore)
	w.Write([]byte("ready\n"))
}

// readinessEvery is how often the gRPC health status follows readiness.
var readinessEvery = time.Second

// followReadiness keeps the gRPC health service's status at SERVING while
// the server is ready and NOT_SERVING otherwise, until ctx ends.
func (s *Server) followReadiness(ctx context.Context) {
	t := time.NewTicker(readinessEvery)
	defer t.Stop()
	last := healthpb.HealthCheckResponse_UNKNOWN
	for {
		st := healthpb.HealthCheckResponse_SERVING
		if err := s.ready(); err != nil {
			st = healthpb.HealthCheckResponse_NOT_SERVING
			if last != st {
				slog.Warn("not ready / 未就绪", "reason", err)
			}
		}
		if st != last {
			s.health.SetServingStatus("", st)
			last = st
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
