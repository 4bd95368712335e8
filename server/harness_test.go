package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
)

// env is a real server on loopback ports with a gRPC client and a REST
// helper; every call goes through the real interceptor chain.
type env struct {
	t        *testing.T
	dir      string
	srv      *server.Server
	stop     func()
	conn     *grpc.ClientConn
	reg      pb.RegistryServiceClient
	cat      pb.CatalogServiceClient
	base     string
	shutdown chan error
}

// start runs a server on dir (a fresh temp dir when empty).
func start(t *testing.T, dir string) *env {
	t.Helper()
	return serve(t, server.Config{DataDir: dir})
}

// serve runs a server configured by cfg (a temp data dir when cfg has
// none; loopback ports; region 430400) with a gRPC client, like start.
func serve(t *testing.T, cfg server.Config) *env {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.GRPCAddr, cfg.HTTPAddr, cfg.Region = "127.0.0.1:0", "127.0.0.1:0", "430400"
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{t: t, dir: cfg.DataDir, srv: srv, base: "http://" + srv.HTTPAddr(), shutdown: make(chan error, 1)}
	go func() { e.shutdown <- srv.Serve(ctx) }()
	e.conn, err = grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	e.reg, e.cat = pb.NewRegistryServiceClient(e.conn), pb.NewCatalogServiceClient(e.conn)
	stopped := false
	e.stop = func() {
		if stopped {
			return
		}
		stopped = true
		e.conn.Close()
		cancel()
		if err := <-e.shutdown; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(e.stop)
	current = e
	return e
}

// as returns a context whose calls are made by actor: a principal of that
// name holding every role, for every department (the access tests use
// narrower tokens). Tokens are minted on first use with the data dir's
// bootstrap admin token and survive restarts with the dir.
func as(actor string) context.Context {
	if actor == "" {
		return context.Background()
	}
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+current.token(actor))
}

// current is the running test server; tests do not run in parallel.
var current *env

// secrets holds minted tokens by data dir and actor.
var secrets = map[string]map[string]string{}

func (e *env) adminSecret() string {
	b, err := os.ReadFile(filepath.Join(e.dir, server.AdminTokenFile))
	if err != nil {
		e.t.Fatalf("bootstrap admin token: %v", err)
	}
	return strings.TrimSpace(string(b))
}

func (e *env) token(actor string) string {
	m := secrets[e.dir]
	if m == nil {
		m = map[string]string{}
		secrets[e.dir] = m
	}
	if s, ok := m[actor]; ok {
		return s
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+e.adminSecret())
	resp, err := pb.NewAccessServiceClient(e.conn).CreateToken(ctx, &pb.CreateTokenRequest{TokenId: actor,
		Token: &pb.Token{Roles: []string{"editor", "reviewer", "publisher", "admin"}, Departments: []string{"departments/-"}}})
	if err != nil {
		e.t.Fatalf("create a token for %s: %v", actor, err)
	}
	m[actor] = resp.GetSecret()
	return resp.GetSecret()
}

// must returns v, or panics on err: Go cannot pass a call's two results
// after a *testing.T, and a panic fails the test with the failing line.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

// wantStatus checks a gRPC error's code and ErrorInfo reason and returns
// the status for further checks.
func wantStatus(t *testing.T, err error, code codes.Code, reason string) *status.Status {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || err == nil {
		t.Fatalf("got error %v, want %s %s", err, code, reason)
	}
	if st.Code() != code {
		t.Fatalf("got code %s (%s), want %s", st.Code(), st.Message(), code)
	}
	if got := reasonOf(st); got != reason {
		t.Fatalf("got reason %q (%s), want %q", got, st.Message(), reason)
	}
	return st
}

func reasonOf(st *status.Status) string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.Reason
		}
	}
	return ""
}

// fieldViolations lists the fields named by a status's BadRequest.
func fieldViolations(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.FieldViolations {
				out = append(out, v.Field)
			}
		}
	}
	return out
}

// preconditionSubjects lists the resources named by a PreconditionFailure.
func preconditionSubjects(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		if pf, ok := d.(*errdetails.PreconditionFailure); ok {
			for _, v := range pf.Violations {
				out = append(out, v.Subject)
			}
		}
	}
	return out
}

// restResult is a decoded REST response.
type restResult struct {
	Code   int
	Body   map[string]any
	Raw    string
	Header http.Header
}

// reason returns the ErrorInfo reason of a REST error body.
func (r restResult) reason() string {
	details, _ := r.Body["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		if m["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" {
			s, _ := m["reason"].(string)
			return s
		}
	}
	return ""
}

func (r restResult) str(key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// rest sends a JSON request as actor (none when empty).
func (e *env) rest(actor, method, path, body string) restResult {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if actor != "" {
		req.Header.Set("Authorization", "Bearer "+e.token(actor))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := restResult{Code: resp.StatusCode, Raw: string(raw), Header: resp.Header}
	if len(raw) > 0 && json.Unmarshal(raw, &out.Body) != nil {
		e.t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
	}
	return out
}

// restOK sends a request that must succeed and returns its body.
func (e *env) restOK(actor, method, path, body string) restResult {
	e.t.Helper()
	r := e.rest(actor, method, path, body)
	if r.Code != http.StatusOK {
		e.t.Fatalf("%s %s: HTTP %d: %s", method, path, r.Code, r.Raw)
	}
	return r
}
