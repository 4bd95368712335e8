package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"google.golang.org/protobuf/proto"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
)

// TestMain keeps the servers' request logs out of the test output.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// guangan is the real list of Guang'an district.
const guangan = "../../../shared/data/guangan-511602/items.csv"

// env is a real server on loopback ports, and powerctl run in-process
// against it. Each actor of the tests is a token of that name, minted on
// first use by the bootstrap admin token.
type env struct {
	t      *testing.T
	dir    string // the data dir
	addr   string
	admin  string            // the bootstrap admin token, from <dir>/admin.token
	tokens map[string]string // actor → token secret
	c      *client.Client    // for checks, as "checker": every role, every department
	stop   func()            // stops the server (Cleanup does it too)
	limits server.Limits     // the server's limits: none but the defaults of sizes and times, unless startLimited
}

// allRoles is what the tests' actors hold: every role, every department.
var allRoles = &pb.Token{Roles: []string{"editor", "reviewer", "publisher", "admin"}, Departments: []string{"departments/-"}}

func start(t *testing.T) *env {
	t.Helper()
	return startWith(t, server.Limits{})
}

// startLimited starts a server with powerregd's default limits, rate
// limits included.
func startLimited(t *testing.T) *env {
	t.Helper()
	return startWith(t, server.DefaultLimits())
}

func startWith(t *testing.T, limits server.Limits) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), tokens: map[string]string{}, limits: limits}
	e.serve()
	secret, err := os.ReadFile(filepath.Join(e.dir, server.AdminTokenFile))
	if err != nil {
		t.Fatalf("the bootstrap admin token: %v", err)
	}
	e.admin = strings.TrimSpace(string(secret))
	e.tokens["admin"] = e.admin
	e.c = e.dial("checker")
	return e
}

// serve starts the server on the data dir, on new ports, with e.c.
func (e *env) serve() {
	t := e.t
	t.Helper()
	srv, err := server.New(server.Config{DataDir: e.dir, GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Region: "430400", Limits: e.limits})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	stopped := false
	e.stop = func() {
		if stopped {
			return
		}
		stopped = true
		if e.c != nil {
			e.c.Close()
			e.c = nil
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(e.stop)
	e.addr = srv.GRPCAddr()
	if e.admin != "" {
		e.c = e.dial("checker")
	}
}

// restart stops the server and starts it again on the same data dir.
func (e *env) restart() {
	e.t.Helper()
	e.stop()
	e.serve()
}

// dial connects as actor.
func (e *env) dial(actor string) *client.Client {
	e.t.Helper()
	c, err := client.Dial(e.addr, client.Options{Token: e.token(actor)})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// token returns the token of actor, minted with every role and every
// department on first use: "admin" is the bootstrap token, "anyone" has
// none (anonymous).
func (e *env) token(actor string) string {
	e.t.Helper()
	if actor == "anyone" {
		return ""
	}
	if secret, ok := e.tokens[actor]; ok {
		return secret
	}
	return e.mint(actor, allRoles)
}

// mint creates token actor with the roles and departments of tok, as the
// bootstrap admin, and returns its secret.
func (e *env) mint(actor string, tok *pb.Token) string {
	e.t.Helper()
	c, err := client.Dial(e.addr, client.Options{Token: e.admin})
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Access.CreateToken(context.Background(), &pb.CreateTokenRequest{TokenId: actor, Token: tok})
	if err != nil {
		e.t.Fatalf("token %s: %v", actor, err)
	}
	e.tokens[actor] = resp.GetSecret()
	return resp.GetSecret()
}

// result is one run of powerctl.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// run runs powerctl as actor (with actor's token in POWERREG_TOKEN) against
// the server.
func (e *env) run(actor string, args ...string) result {
	e.t.Helper()
	return e.runEnv(map[string]string{"POWERREG_TOKEN": e.token(actor)}, args...)
}

// runEnv runs powerctl with environment variables vars (and the server's
// address) against the server.
func (e *env) runEnv(vars map[string]string, args ...string) result {
	e.t.Helper()
	all := map[string]string{"POWERREG_SERVER": e.addr}
	for k, v := range vars {
		all[k] = v
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, func(k string) string { return all[k] })
	return result{code, out.String(), errOut.String()}
}

// ok runs powerctl and fails the test unless it succeeds.
func (e *env) ok(actor string, args ...string) result {
	e.t.Helper()
	r := e.run(actor, args...)
	if r.code != 0 {
		e.t.Fatalf("powerctl %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// fails runs powerctl and fails the test unless it exits with code.
func (e *env) fails(code int, actor string, args ...string) result {
	e.t.Helper()
	r := e.run(actor, args...)
	if r.code != code {
		e.t.Fatalf("powerctl %s: want exit %d, got %s", strings.Join(args, " "), code, r)
	}
	return r
}

// importResult is one file's entry in `import -o json`.
type importResult struct {
	File     string          `json:"file"`
	Imported bool            `json:"imported"`
	Rejected int             `json:"rejectedRows"`
	Rejects  string          `json:"rejectsFile"`
	Result   json.RawMessage `json:"result"`
}

// importJSON runs an import with -o json and returns each file's response.
func (e *env) importJSON(actor string, args ...string) ([]importResult, []*pb.ImportItemsResponse) {
	e.t.Helper()
	r := e.ok(actor, append([]string{"import", "-o", "json"}, args...)...)
	var list []importResult
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		e.t.Fatalf("import -o json: %v\n%s", err, r)
	}
	var out []*pb.ImportItemsResponse
	for _, f := range list {
		resp := &pb.ImportItemsResponse{}
		if f.Result != nil {
			if err := protojson.Unmarshal(f.Result, resp); err != nil {
				e.t.Fatal(err)
			}
		}
		out = append(out, resp)
	}
	return list, out
}

// items returns every item of every department.
func (e *env) items() []*pb.Item {
	e.t.Helper()
	list, err := e.c.Items(context.Background(), "departments/-", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func (e *env) departments() []*pb.Department {
	e.t.Helper()
	list, err := e.c.Departments(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func (e *env) catalog() []*pb.Item {
	e.t.Helper()
	list, err := e.c.CatalogItems(context.Background(), 0, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// departmentID returns the id of the department with a display name.
func (e *env) departmentID(display string) string {
	e.t.Helper()
	for _, d := range e.departments() {
		if d.GetDisplayName() == display {
			return shortID(d.GetName())
		}
	}
	e.t.Fatalf("no department %s", display)
	return ""
}

// readCSV reads a CSV file (UTF-8, with or without BOM) as records.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func writeCSV(t *testing.T, path string, recs [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// column returns the index of header h in a header row.
func column(t *testing.T, header []string, h string) int {
	t.Helper()
	for i, c := range header {
		if c == h {
			return i
		}
	}
	t.Fatalf("no column %s in %v", h, header)
	return -1
}

// completeRows is a small complete list (every item has a legal basis) of
// two departments, with a main item and its sub-items, and most fields set.
func completeRows() []sheet.Row {
	law := func(text string) []*pb.LegalBasis { return []*pb.LegalBasis{{Text: text}} }
	item := func(name string, cat pb.Category, basis string) *pb.Item {
		return &pb.Item{DisplayName: name, Category: cat, LegalBases: law(basis)}
	}
	penalty := item("对非法占用土地的处罚", pb.Category_CATEGORY_PENALTY, "《中华人民共和国土地管理法》第七十七条")
	penalty.Source, penalty.HandlingUnit = pb.PowerSource_POWER_SOURCE_STATUTORY, "执法监察支队"
	penalty.Levels = []string{"市级", "县级"}
	penalty.Responsibilities = []string{"立案", "调查取证", "决定"}
	penalty.Accountability = []string{"不履行职责的"}
	penalty.LegalTimeLimit = &pb.TimeLimit{Value: 60, Unit: pb.TimeLimit_UNIT_DAY}
	penalty.PromisedTimeLimit = &pb.TimeLimit{Value: 15, Unit: pb.TimeLimit_UNIT_WORKING_DAY}
	penalty.Remark = "2014 年梳理"
	licence := item("建设用地审批", pb.Category_CATEGORY_LICENSING, "《中华人民共和国土地管理法》第四十四条")
	licence.Fee = &pb.Fee{Charged: proto.Bool(true), Basis: "省物价局文件", Standard: "每件50元"}
	sub1 := item("农用地转用审批", pb.Category_CATEGORY_LICENSING, "《中华人民共和国土地管理法》第四十四条")
	sub2 := item("土地征收审批", pb.Category_CATEGORY_LICENSING, "《中华人民共和国土地管理法》第四十六条；《土地管理法实施条例》第二十五条")
	service := item("不动产登记资料查询", pb.Category_CATEGORY_MANAGEMENT_SERVICE, "《不动产登记暂行条例》第二十七条")
	service.CategoryLabel = "公共服务"
	service.Code = "430400-FW-LAND-0001"
	inspect := item("Inspection of ABC sites", pb.Category_CATEGORY_SUPERVISION, "《中华人民共和国环境保护法》第二十四条")
	inspect.ReviewAndForward = proto.Bool(true)
	return []sheet.Row{
		{Department: "市国土资源局", Item: penalty},
		{Department: "市国土资源局", Item: licence},
		{Department: "市国土资源局", MainItem: "建设用地审批", Item: sub1},
		{Department: "市国土资源局", MainItem: "建设用地审批", Item: sub2},
		{Department: "市国土资源局", Item: service},
		{Department: "Environment Bureau", Item: inspect},
	}
}

// writeRows writes rows as CSV (sheet's writer) and returns the path.
func writeRows(t *testing.T, dir, name string, rows []sheet.Row) string {
	t.Helper()
	var b bytes.Buffer
	var err error
	if strings.HasSuffix(name, ".xlsx") {
		err = sheet.WriteXLSX(&b, rows)
	} else {
		err = sheet.WriteCSV(&b, rows)
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
