package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/ratelimit"
	"github.com/powerreg/powerreg/server/registry"
)

// Operations: metrics, request ids in logs, readiness, limits and
// timeouts, over real servers on loopback.

// startOps runs a server configured by cfg with a gRPC client, like start.
func startOps(t *testing.T, cfg server.Config) *env {
	t.Helper()
	e := startWith(t, cfg)
	var err error
	e.conn, err = grpc.NewClient(e.srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.conn.Close() })
	e.reg, e.cat = pb.NewRegistryServiceClient(e.conn), pb.NewCatalogServiceClient(e.conn)
	current = e
	return e
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// metric returns the value of the sample of name whose labels include all
// of labels (`key="value"` each), and whether there is one.
func metric(exposition, name string, labels ...string) (float64, bool) {
	for _, line := range strings.Split(exposition, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		matches := true
		for _, l := range labels {
			matches = matches && strings.Contains(rest, l)
		}
		if !matches {
			continue
		}
		v, err := strconv.ParseFloat(rest[strings.LastIndexByte(rest, ' ')+1:], 64)
		return v, err == nil
	}
	return 0, false
}

func wantMetric(t *testing.T, exposition string, want float64, name string, labels ...string) {
	t.Helper()
	got, ok := metric(exposition, name, labels...)
	if !ok {
		t.Fatalf("no sample %s%v in /metrics", name, labels)
	}
	if got != want {
		t.Fatalf("%s%v = %v, want %v", name, labels, got, want)
	}
}

// TestMetrics: /metrics counts calls by method and code with histograms,
// answers the HTTP layer gives alone, and reads the workload at scrape
// time: items per state as the registry lists them, and the review queue
// with the oldest submission's age by the server's clock.
func TestMetrics(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	e := startOps(t, server.Config{Now: clk.now})
	svc := e.srv.Registry()
	publishNew(t, svc, "gtzyj", 3)
	res, err := svc.ImportItems(fxClerk, registry.ImportInput{Department: "gtzyj", Rows: []registry.ImportRow{
		{Item: registry.ItemInput{Content: fxContent("待审事项", registry.Category(1))}},
		{Item: registry.ItemInput{Content: fxContent("草稿事项", registry.Category(2))}}}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := svc.CreateSubmission(fxClerk, "gtzyj", res.Items[:1], "", "")
	if err == nil {
		_, err = svc.SubmitSubmission(fxClerk, "gtzyj", sub.ID, "", "")
	}
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(90 * time.Minute)

	must(e.cat.ListCatalogItems(context.Background(), &pb.ListCatalogItemsRequest{}))
	_, err = e.cat.GetCatalogItem(context.Background(), &pb.GetCatalogItemRequest{Code: "430400-XK-999"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("GetCatalogItem of a missing code: %v", err)
	}
	first := e.get("/v1/catalog/items").wantCode(t, http.StatusOK)
	e.get("/v1/catalog/items").wantCode(t, http.StatusOK) // from the cache
	e.get("/v1/catalog/items", "If-None-Match", first.header.Get("ETag")).wantCode(t, http.StatusNotModified)

	m := string(e.get("/metrics").wantCode(t, http.StatusOK).body)
	list := `method="/powerreg.v1.CatalogService/ListCatalogItems"`
	// Once over gRPC, once rendered for REST (the cache's miss).
	wantMetric(t, m, 2, "powerreg_rpc_requests_total", `code="OK"`, list)
	wantMetric(t, m, 1, "powerreg_rpc_requests_total", `code="NOT_FOUND"`, `method="/powerreg.v1.CatalogService/GetCatalogItem"`)
	wantMetric(t, m, 2, "powerreg_rpc_duration_seconds_bucket", `code="OK"`, list, `le="+Inf"`)
	wantMetric(t, m, 2, "powerreg_rpc_duration_seconds_count", `code="OK"`, list)
	if _, ok := metric(m, "powerreg_rpc_duration_seconds_bucket", list, `le="0.005"`); !ok {
		t.Fatal("no 5 ms bucket in the call histogram")
	}
	wantMetric(t, m, 1, "powerreg_http_responses_total", `code="200"`, `layer="gateway"`, `route="/v1/catalog"`)
	wantMetric(t, m, 1, "powerreg_http_responses_total", `code="200"`, `layer="http"`, `route="/v1/catalog"`)
	wantMetric(t, m, 1, "powerreg_http_responses_total", `code="304"`, `layer="http"`, `route="/v1/catalog"`)

	for state, name := range registry.ItemStateNames {
		items, _, err := svc.ListItems(registry.AllDepartments, state, registry.MaxPageSize, "")
		if err != nil {
			t.Fatal(err)
		}
		wantMetric(t, m, float64(len(items)), "powerreg_items", `state="`+name+`"`)
	}
	wantMetric(t, m, 3, "powerreg_items", `state="published"`) // the count is not 0 by accident
	wantMetric(t, m, 1, "powerreg_submissions_waiting_for_review")
	wantMetric(t, m, 90*60, "powerreg_submission_oldest_waiting_seconds")
	wantMetric(t, m, 0, "powerreg_workload_scrape_error")
	if v, _ := metric(m, "powerreg_store_file_bytes"); v <= 0 {
		t.Fatalf("store file size %v", v)
	}
	if v, _ := metric(m, "powerreg_store_transaction_duration_seconds_count", `kind="update"`); v < 5 {
		t.Fatalf("%v update transactions timed, want at least the fixtures' 5", v)
	}

	// The scrape reads the store again after a change, and only then.
	if _, err := svc.ApproveSubmission(fxReviewer, "gtzyj", sub.ID, registry.ReviewInput{}, ""); err != nil {
		t.Fatal(err)
	}
	m = string(e.get("/metrics").body)
	wantMetric(t, m, 0, "powerreg_submissions_waiting_for_review")
	wantMetric(t, m, 0, "powerreg_submission_oldest_waiting_seconds")
	wantMetric(t, m, 1, "powerreg_items", `state="approved"`)
}

// logCapture collects the server's log records as JSON lines.
type logCapture struct{ logBuffer }

// lines returns the records whose msg is msg.
func (c *logCapture) lines(msg string) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(c.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// captureLogs is captureLog in JSON, debug level included.
func captureLogs(t *testing.T) *logCapture {
	c := &logCapture{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(c, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return c
}

// logged returns the log record of the request with id, failing when
// there is none.
func (c *logCapture) logged(t *testing.T, msg, id string) map[string]any {
	t.Helper()
	for _, rec := range c.lines(msg) {
		if rec["request_id"] == id {
			return rec
		}
	}
	t.Fatalf("no %q log line with request_id %q in:\n%s", msg, id, c.String())
	return nil
}

// TestRequestIDs: every call gets a request id, returned in gRPC header
// metadata and REST's X-Request-Id, and its log line carries it with the
// method, principal, code and duration; a caller's own id is kept.
func TestRequestIDs(t *testing.T) {
	logs := captureLogs(t)
	e := startOps(t, server.Config{})
	ctx := as("alice")

	var hdr metadata.MD
	must(e.reg.ListDepartments(ctx, &pb.ListDepartmentsRequest{}, grpc.Header(&hdr)))
	id := hdr.Get(server.RequestIDHeader)
	if len(id) != 1 || id[0] == "" {
		t.Fatalf("gRPC header metadata %v has no request id", hdr)
	}
	rec := logs.logged(t, "rpc", id[0])
	want := map[string]any{"method": "/powerreg.v1.RegistryService/ListDepartments", "principal": "alice", "code": "OK"}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("gRPC log line: %s = %v, want %v (%v)", k, rec[k], v, rec)
		}
	}
	if _, ok := rec["duration"].(float64); !ok {
		t.Errorf("gRPC log line without a duration: %v", rec)
	}

	r := e.rest("", "GET", "/v1/departments/none", "")
	restID := r.Header.Get("X-Request-Id")
	if restID == "" {
		t.Fatal("REST answer without X-Request-Id")
	}
	rec = logs.logged(t, "rpc", restID)
	if rec["code"] != "UNAUTHENTICATED" || rec["principal"] != "anonymous" {
		t.Errorf("REST log line %v, want UNAUTHENTICATED by anonymous", rec)
	}

	// A caller's id is used and returned, on both ports.
	ctx = metadata.AppendToOutgoingContext(as("alice"), server.RequestIDHeader, "portal-42")
	must(e.reg.ListDepartments(ctx, &pb.ListDepartmentsRequest{}, grpc.Header(&hdr)))
	if got := hdr.Get(server.RequestIDHeader); len(got) != 1 || got[0] != "portal-42" {
		t.Fatalf("caller's request id came back as %v", got)
	}
	logs.logged(t, "rpc", "portal-42")
	res := fetch(t, "GET", e.base+"/v1/catalog/items", "X-Request-Id", "portal-43")
	if got := res.header.Get("X-Request-Id"); got != "portal-43" {
		t.Fatalf("REST: caller's request id came back as %q", got)
	}
	// A cached answer, given without a call, is logged by the HTTP layer.
	fetch(t, "GET", e.base+"/v1/catalog/items", "X-Request-Id", "portal-44")
	rec = logs.logged(t, "http", "portal-44")
	if rec["method"] != "GET /v1/catalog/items" || rec["code"] != float64(200) || rec["principal"] != "anonymous" {
		t.Errorf("HTTP layer's log line %v", rec)
	}
}

// TestReadiness: /healthz says the process serves; /readyz and the gRPC
// health service say whether it can do its work (store and search index),
// and change when it cannot.
func TestReadiness(t *testing.T) {
	e := startOps(t, server.Config{})
	health := healthpb.NewHealthClient(e.conn)
	waitHealth := func(want healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			r, err := health.Check(context.Background(), &healthpb.HealthCheckRequest{})
			if err == nil && r.Status == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("gRPC health: %v %v, want %v", r, err, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitHealth(healthpb.HealthCheckResponse_SERVING)
	e.get("/readyz").wantCode(t, http.StatusOK)
	e.get("/healthz").wantCode(t, http.StatusOK)

	server.CloseSearch(e.srv)
	r := e.get("/readyz").wantCode(t, http.StatusServiceUnavailable)
	var body struct {
		Message string
		Details []struct{ Reason string }
	}
	if err := json.Unmarshal(r.body, &body); err != nil || len(body.Details) == 0 || body.Details[0].Reason != "NOT_READY" {
		t.Fatalf("/readyz body %s", r.body)
	}
	if !strings.Contains(body.Message, "搜索索引") || !strings.Contains(body.Message, "search index") {
		t.Fatalf("/readyz reason is not bilingual or does not name the index: %s", body.Message)
	}
	e.get("/healthz").wantCode(t, http.StatusOK) // alive all the same
	waitHealth(healthpb.HealthCheckResponse_NOT_SERVING)
}

// errorBody decodes an error answer of the HTTP layer or the gateway.
type errorBody struct {
	Code    int
	Message string
	Details []struct {
		Reason   string
		Metadata map[string]string
	}
}

func decodeError(t *testing.T, raw []byte) errorBody {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(raw, &b); err != nil || len(b.Details) == 0 {
		t.Fatalf("not an error in the registry's shape: %s", raw)
	}
	return b
}

// TestRequestTooLarge: a body over the limit gets 413 in the registry's
// error shape, whether its size is announced or not, and the server goes
// on serving; over gRPC a message over the limit is RESOURCE_EXHAUSTED.
func TestRequestTooLarge(t *testing.T) {
	e := startOps(t, server.Config{Limits: server.Limits{MaxRequestBytes: 2048}})
	big := `{"displayName":"` + strings.Repeat("局", 1000) + `"}`
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(big)
		if chunked {
			body = io.MultiReader(body) // hides the length: sent chunked
		}
		req, _ := http.NewRequest("POST", e.base+"/v1/departments?department_id=big", body)
		req.Header.Set("Authorization", "Bearer "+e.token("alice"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked %v: HTTP %d, want 413: %s", chunked, resp.StatusCode, raw)
		}
		b := decodeError(t, raw)
		if b.Details[0].Reason != "REQUEST_TOO_LARGE" || b.Details[0].Metadata["max_bytes"] != "2048" ||
			!strings.Contains(b.Message, "2048 字节") || !strings.Contains(b.Message, "2048 bytes") {
			t.Fatalf("chunked %v: 413 body %s", chunked, raw)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Fatalf("chunked %v: 413 without a request id", chunked)
		}
	}
	// Still up, and a body under the limit passes.
	r := e.rest("alice", "POST", "/v1/departments?department_id=small", `{"displayName":"市国土资源局"}`)
	if r.Code != http.StatusOK {
		t.Fatalf("after the 413s: HTTP %d %s", r.Code, r.Raw)
	}
	_, err := e.reg.CreateDepartment(as("alice"), &pb.CreateDepartmentRequest{DepartmentId: "big",
		Department: &pb.Department{DisplayName: strings.Repeat("局", 1000)}})
	if st := status.Convert(err); st.Code() != codes.ResourceExhausted || !strings.Contains(st.Message(), "larger than max") {
		t.Fatalf("gRPC message over the limit: %v", err)
	}
}

// TestRateLimits: each principal has its bucket; an empty one is
// RESOURCE_EXHAUSTED over gRPC (with RetryInfo and retry-after) and 429
// with Retry-After over REST, naming the limit; anonymous callers are told
// apart by address, X-Forwarded-For believed only from trusted proxies;
// refusals are limited before they are audited. The clock stands still, so
// no token comes back during the test.
func TestRateLimits(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	e := startOps(t, server.Config{Now: clk.now, CatalogCacheBytes: -1, Limits: server.Limits{
		Principal:      ratelimit.Limit{Rate: 0.5, Burst: 3},
		Anonymous:      ratelimit.Limit{Rate: 0.5, Burst: 1},
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
	}})
	e.token("alice") // the admin's first two calls: minting alice and bob
	e.token("bob")
	alice := as("alice")
	for range 3 {
		must(e.reg.ListDepartments(alice, &pb.ListDepartmentsRequest{}))
	}
	var hdr metadata.MD
	_, err := e.reg.ListDepartments(alice, &pb.ListDepartmentsRequest{}, grpc.Header(&hdr))
	st := wantStatus(t, err, codes.ResourceExhausted, "RATE_LIMITED")
	if !strings.Contains(st.Message(), "每秒最多 0.5 次") || !strings.Contains(st.Message(), "0.5 per second (bursts of 3) for each principal") {
		t.Fatalf("message does not name the limit: %s", st.Message())
	}
	if got := hdr.Get("retry-after"); len(got) != 1 || got[0] != "2" {
		t.Fatalf("retry-after metadata %v, want 2 (s)", got)
	}
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if retry == nil || retry.RetryDelay.AsDuration() != 2*time.Second {
		t.Fatalf("RetryInfo %v, want 2s", retry)
	}
	r := e.rest("alice", "GET", "/v1/departments", "")
	if r.Code != http.StatusTooManyRequests || r.reason() != "RATE_LIMITED" || r.Header.Get("Retry-After") != "2" {
		t.Fatalf("REST over the limit: HTTP %d, Retry-After %q: %s", r.Code, r.Header.Get("Retry-After"), r.Raw)
	}
	must(e.reg.ListDepartments(as("bob"), &pb.ListDepartmentsRequest{})) // bob has his own bucket

	// Anonymous REST callers: one bucket per address, X-Forwarded-For
	// ignored from an untrusted peer (loopback is not trusted here).
	anon := func(xff string) int {
		return fetch(t, "GET", e.base+"/v1/catalog/items", "X-Forwarded-For", xff).code
	}
	if c := anon("192.0.2.1"); c != http.StatusOK {
		t.Fatalf("first anonymous call: HTTP %d", c)
	}
	if c := anon("192.0.2.2"); c != http.StatusTooManyRequests {
		t.Fatalf("a forged X-Forwarded-For escaped the limit: HTTP %d", c)
	}
	// Over gRPC, the same address's bucket is empty too; a failed
	// authentication is refused by the limit and not audited.
	before, _, err := e.srv.Registry().ListAudit(registry.AuditFilter{}, registry.MaxPageSize, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.cat.ListCatalogItems(context.Background(), &pb.ListCatalogItemsRequest{})
	wantStatus(t, err, codes.ResourceExhausted, "RATE_LIMITED")
	bad := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer not-a-token")
	_, err = e.reg.ListDepartments(bad, &pb.ListDepartmentsRequest{})
	wantStatus(t, err, codes.ResourceExhausted, "RATE_LIMITED")
	after, _, _ := e.srv.Registry().ListAudit(registry.AuditFilter{}, registry.MaxPageSize, "")
	if len(after) != len(before) {
		t.Fatalf("rate-limited refusals wrote %d audit records", len(after)-len(before))
	}
	m := string(e.get("/metrics").body)
	wantMetric(t, m, 2, "powerreg_rate_limited_total", `limit="principal"`)
	wantMetric(t, m, 3, "powerreg_rate_limited_total", `limit="anonymous"`)
}

// TestTrustedProxy: behind a trusted proxy, anonymous callers are told
// apart by the X-Forwarded-For it adds.
func TestTrustedProxy(t *testing.T) {
	e := startOps(t, server.Config{CatalogCacheBytes: -1, Limits: server.Limits{
		Anonymous:      ratelimit.Limit{Rate: 0.001, Burst: 1},
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	}})
	codes := map[string][]int{}
	for _, xff := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.1", "203.0.113.9, 192.0.2.2"} {
		codes[xff] = append(codes[xff], fetch(t, "GET", e.base+"/v1/catalog/items", "X-Forwarded-For", xff).code)
	}
	want := map[string][]int{"192.0.2.1": {200, 429}, "192.0.2.2": {200}, "203.0.113.9, 192.0.2.2": {429}}
	for k, v := range want {
		if !equalInts(codes[k], v) {
			t.Errorf("X-Forwarded-For %q: %v, want %v (the nearest untrusted hop is the caller)", k, codes[k], v)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// closedByServer connects to addr, sends prefix, then trickles bytes (one
// every 20 ms) until the server closes the connection, and reports whether
// it did within a minute (the timeouts under test are a fraction of a
// second).
func closedByServer(t *testing.T, addr, prefix string, trickle string) bool {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		conn.Write([]byte(prefix))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{trickle[i%len(trickle)]}); err != nil {
				return
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	_, err = io.Copy(io.Discard, conn)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestSlowClientsAreCut: a client that sends its request headers a byte
// at a time (slowloris), or never finishes a gRPC handshake, is
// disconnected by the server; the server serves the others meanwhile.
func TestSlowClientsAreCut(t *testing.T) {
	e := startOps(t, server.Config{Limits: server.Limits{ReadHeaderTimeout: 300 * time.Millisecond,
		GRPCConnectionTimeout: 300 * time.Millisecond}})
	if !closedByServer(t, e.srv.HTTPAddr(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", "abcdefgh") {
		t.Fatal("the HTTP server kept a slowloris connection open")
	}
	if !closedByServer(t, e.srv.GRPCAddr(), "", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") {
		t.Fatal("the gRPC server kept a half-finished handshake open")
	}
	e.get("/healthz").wantCode(t, http.StatusOK)
}

// TestWatchOutlivesWriteTimeout: the REST change feed streams past the
// read and write timeouts, which bound every other request.
func TestWatchOutlivesWriteTimeout(t *testing.T) {
	e := startOps(t, server.Config{Limits: server.Limits{ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The answer's headers go with its first message: one is there.
	publishNew(t, e.srv.Registry(), "gtzyj", 1)
	resp, lines := e.restWatch(ctx, t, "?start_revision=0")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("watch: HTTP %d", resp.StatusCode)
	}
	first := readChange(t, lines)
	time.Sleep(time.Second) // five write timeouts
	publishNew(t, e.srv.Registry(), "gtzyj", 1)
	if c := readChange(t, lines); c.GetRevision() <= first.GetRevision() || c.GetItem() == nil {
		t.Fatalf("after the timeouts the watch sent %v", c)
	}
}

// TestMaxPageSize: a configured maximum lowers every list's largest and
// default page, the catalogue's and its search's too; paging still reaches
// every item.
func TestMaxPageSize(t *testing.T) {
	e := startOps(t, server.Config{Limits: server.Limits{MaxPageSize: 4}})
	publishNew(t, e.srv.Registry(), "gtzyj", 10)
	for _, size := range []int32{0, 3, 4, 50, 1000} {
		want := min(int(size), 4)
		if size == 0 {
			want = 4
		}
		items := must(e.reg.ListItems(as("clerk"), &pb.ListItemsRequest{Parent: "departments/gtzyj", PageSize: size}))
		cat := must(e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{PageSize: size}))
		found := must(e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Q: "土地", PageSize: size}))
		if len(items.GetItems()) != want || len(cat.GetItems()) != want || len(found.GetItems()) != want ||
			items.GetNextPageToken() == "" || cat.GetNextPageToken() == "" || found.GetNextPageToken() == "" {
			t.Errorf("page_size %d: %d items, %d in force, %d found; want %d of each and a next page", size,
				len(items.GetItems()), len(cat.GetItems()), len(found.GetItems()), want)
		}
	}
	seen, token := 0, ""
	for {
		page := must(e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{PageSize: 100, PageToken: token}))
		seen += len(page.GetItems())
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if seen != 10 {
		t.Errorf("paging reached %d items of 10", seen)
	}
}
