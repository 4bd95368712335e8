package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/registry"
)

// The HTTP layer of the REST port (httpcache.go): ETags, Cache-Control,
// the catalogue's response cache, gzip and CORS, over a real server.

// plainClient neither asks for nor decodes gzip by itself: the tests set
// Accept-Encoding.
var plainClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

type httpResult struct {
	code   int
	header http.Header
	body   []byte
}

// fetch sends method url with headers given as name, value pairs.
func fetch(t testing.TB, method, url string, headers ...string) httpResult {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := plainClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return httpResult{resp.StatusCode, resp.Header, body}
}

func (e *env) get(path string, headers ...string) httpResult {
	e.t.Helper()
	return fetch(e.t, "GET", e.base+path, headers...)
}

func (r httpResult) wantCode(t testing.TB, code int) httpResult {
	t.Helper()
	if r.code != code {
		t.Fatalf("HTTP %d, want %d: %s", r.code, code, r.body)
	}
	return r
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

// catalogue fixtures, written through the registry directly (the workflow
// and its REST routes have their own tests).
const (
	fxClerk     = "clerk"
	fxReviewer  = "reviewer"
	fxPublisher = "publisher"
)

func fxContent(name string, cat registry.Category) registry.Content {
	return registry.Content{DisplayName: name, Category: cat,
		LegalBases: []registry.LegalBasis{{Level: 1, Title: "《中华人民共和国土地管理法》", Article: "第七十六条",
			Text: "《中华人民共和国土地管理法》第七十六条：未经批准或者采取欺骗手段骗取批准，非法占用土地的，由县级以上人民政府土地行政主管部门责令退还非法占用的土地，对违反土地利用总体规划擅自将农用地改为建设用地的，限期拆除在非法占用的土地上新建的建筑物和其他设施，恢复土地原状，可以并处罚款。"}},
		HandlingUnit: "执法监察支队", Levels: []string{"市级"},
		Responsibilities: []string{"立案", "调查取证", "审查", "告知", "决定", "送达", "执行"}}
}

// publishNew imports n draft items into dept (created when missing), the
// categories in turn, and publishes them; it returns their item names.
func publishNew(t testing.TB, svc *registry.Service, dept string, n int) []string {
	t.Helper()
	if d, err := svc.GetDepartment(dept); d == nil || err != nil {
		if _, err := svc.CreateDepartment("admin", registry.Department{ID: dept, DisplayName: "市国土资源局"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	var rows []registry.ImportRow
	for i := range n {
		rows = append(rows, registry.ImportRow{Item: registry.ItemInput{
			Content: fxContent(fmt.Sprintf("对非法占用土地的处罚 %s %d", t.Name(), i), registry.Category(i%10+1))}})
	}
	// A test may publish the same names again: deliberately (an import
	// refuses a row like an existing item without it).
	res, err := svc.ImportItems(fxClerk, registry.ImportInput{Department: dept, CreateDuplicates: true, Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	publishItems(t, svc, dept, res.Items)
	return res.Items
}

// publishItems takes items through the workflow, in batches of at most
// registry.MaxSubmissionItems, and publishes them in one publication.
func publishItems(t testing.TB, svc *registry.Service, dept string, items []string) {
	t.Helper()
	var subs []string
	for batch := range slices.Chunk(items, registry.MaxSubmissionItems) {
		sub, err := svc.CreateSubmission(fxClerk, dept, batch, "", "")
		if err == nil {
			_, err = svc.SubmitSubmission(fxClerk, dept, sub.ID, "", "")
		}
		if err == nil {
			_, err = svc.ApproveSubmission(fxReviewer, dept, sub.ID, registry.ReviewInput{}, "")
		}
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, registry.SubmissionName(dept, sub.ID))
	}
	if _, err := svc.CreatePublication(fxPublisher, subs, "", ""); err != nil {
		t.Fatal(err)
	}
}

// startWith runs a server with cfg's HTTP settings, like start.
func startWith(t *testing.T, cfg server.Config) *env {
	t.Helper()
	cfg.DataDir, cfg.GRPCAddr, cfg.HTTPAddr, cfg.Region = t.TempDir(), "127.0.0.1:0", "127.0.0.1:0", "430400"
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &env{t: t, dir: cfg.DataDir, srv: srv, base: "http://" + srv.HTTPAddr()}
}

// rpcCounter counts the gRPC calls the interceptor logs, by method.
type rpcCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *rpcCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *rpcCounter) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *rpcCounter) WithGroup(string) slog.Handler            { return c }
func (c *rpcCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "rpc" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "method" {
			c.mu.Lock()
			c.calls[a.Value.String()[strings.LastIndexByte(a.Value.String(), '/')+1:]]++
			c.mu.Unlock()
		}
		return true
	})
	return nil
}

func (c *rpcCounter) count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[method]
}

func countRPCs(t *testing.T) *rpcCounter {
	c := &rpcCounter{calls: map[string]int{}}
	old := slog.Default()
	slog.SetDefault(slog.New(c))
	t.Cleanup(func() { slog.SetDefault(old) })
	return c
}

const (
	penaltyPage = "/v1/catalog/items?category=CATEGORY_PENALTY&page_size=50"
	wantPublic  = "public, max-age=60, stale-while-revalidate=300"
)

func TestCatalogETag(t *testing.T) {
	e := start(t, "")
	svc := e.srv.Registry()
	items := publishNew(t, svc, "gtzyj", 30)

	first := e.get(penaltyPage).wantCode(t, 200)
	etag := first.header.Get("ETag")
	if !strings.HasPrefix(etag, `"c`) || !strings.HasSuffix(etag, `"`) {
		t.Fatalf("ETag %q: want a strong tag \"c<rev>-<hash>\"", etag)
	}
	if cc := first.header.Get("Cache-Control"); cc != wantPublic {
		t.Errorf("Cache-Control %q, want %q", cc, wantPublic)
	}
	if v := strings.Join(first.header.Values("Vary"), ", "); !strings.Contains(v, "Accept-Encoding") || !strings.Contains(v, "Origin") {
		t.Errorf("Vary %q, want Accept-Encoding and Origin", v)
	}
	if first.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
	again := e.get(penaltyPage).wantCode(t, 200)
	if again.header.Get("ETag") != etag || !bytes.Equal(again.body, first.body) {
		t.Fatalf("a second identical request got ETag %s (was %s), same body: %v", again.header.Get("ETag"), etag, bytes.Equal(again.body, first.body))
	}
	// The same query written in another order is the same resource.
	if got := e.get("/v1/catalog/items?page_size=50&category=CATEGORY_PENALTY").header.Get("ETag"); got != etag {
		t.Errorf("reordered query: ETag %s, want %s", got, etag)
	}

	// Revalidation: 304, no body, the validators again.
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, `"x",W/` + etag + `,"y"`, "*"} {
		r := e.get(penaltyPage, "If-None-Match", inm).wantCode(t, http.StatusNotModified)
		if len(r.body) != 0 || r.header.Get("ETag") != etag || r.header.Get("Cache-Control") != wantPublic {
			t.Errorf("If-None-Match %s: body %q, ETag %q, Cache-Control %q", inm, r.body, r.header.Get("ETag"), r.header.Get("Cache-Control"))
		}
	}
	for _, inm := range []string{`"nope"`, `"c1-0000000000000000"`, "garbage"} {
		e.get(penaltyPage, "If-None-Match", inm).wantCode(t, 200)
	}

	// Different requests, different ETags; every catalogue GET has one.
	code := e.restOK("", "GET", "/v1/catalog/items?page_size=1", "").Body["items"].([]any)[0].(map[string]any)["code"].(string)
	tags := map[string]string{penaltyPage: etag}
	for _, p := range []string{"/v1/catalog/items?category=CATEGORY_PENALTY&page_size=10", "/v1/catalog/items",
		"/v1/catalog/items?category=CATEGORY_LICENSING", "/v1/catalog/stats", "/v1/catalog/items/" + code} {
		r := e.get(p).wantCode(t, 200)
		tag := r.header.Get("ETag")
		if tag == "" || r.header.Get("Cache-Control") != wantPublic {
			t.Fatalf("%s: ETag %q, Cache-Control %q", p, tag, r.header.Get("Cache-Control"))
		}
		for q, other := range tags {
			if other == tag {
				t.Errorf("%s and %s share the ETag %s", p, q, tag)
			}
		}
		tags[p] = tag
		e.get(p, "If-None-Match", tag).wantCode(t, http.StatusNotModified)
	}

	// Work on drafts leaves the catalogue, and its ETags, alone.
	draft, err := svc.CreateItem(fxClerk, "gtzyj", registry.ItemInput{Content: fxContent("新的草稿", registry.CategoryPenalty)}, "")
	if err != nil {
		t.Fatal(err)
	}
	dept, id, _ := registry.ParseItemName("", items[2])
	if _, err := svc.UpdateItem(fxClerk, dept, id, registry.ItemInput{Content: registry.Content{Remark: "修改中"}}, []string{"remark"}, ""); err != nil {
		t.Fatal(err)
	}
	e.get(penaltyPage, "If-None-Match", etag).wantCode(t, http.StatusNotModified)
	if got := e.get(penaltyPage).header.Get("ETag"); got != etag {
		t.Fatalf("a draft edit changed the ETag: %s → %s", etag, got)
	}

	// A publication changes it.
	publishItems(t, svc, "gtzyj", []string{registry.ItemName(draft.Item.Department, draft.Item.ID)})
	after := e.get(penaltyPage, "If-None-Match", etag).wantCode(t, 200)
	if tag := after.header.Get("ETag"); tag == etag || tag == "" {
		t.Fatalf("after a publication: ETag %q (was %q)", tag, etag)
	}
	if !bytes.Contains(after.body, []byte("新的草稿")) || bytes.Equal(after.body, first.body) {
		t.Fatalf("after a publication the page lacks the new item: %s", after.body)
	}

	// So does renaming a department: catalogue items show its name.
	etag = after.header.Get("ETag")
	if _, err := svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "市自然资源和规划局"}, []string{"display_name"}, ""); err != nil {
		t.Fatal(err)
	}
	renamed := e.get(penaltyPage, "If-None-Match", etag).wantCode(t, 200)
	if !bytes.Contains(renamed.body, []byte("市自然资源和规划局")) || renamed.header.Get("ETag") == etag {
		t.Fatalf("after a rename: ETag %s (was %s): %s", renamed.header.Get("ETag"), etag, renamed.body)
	}
}

func TestCacheControl(t *testing.T) {
	e := start(t, "")
	publishNew(t, e.srv.Registry(), "gtzyj", 3)
	auth := "Bearer " + e.token("reader")

	for _, c := range []struct {
		path, authz string
		code        int
		want        string
	}{
		{"/v1/categories", "", 200, "no-store"},
		{"/v1/departments/gtzyj/items", auth, 200, "no-store"},
		{"/v1/departments/gtzyj/items", "", 401, "no-store"},
		{"/v1/catalog/items/430400-XX-999-9999-00", "", 404, "no-store"},
		{"/v1/catalog/items?category=NOPE", "", 400, "no-store"},
		{"/v1/catalog/items", "", 200, wantPublic},
		{"/v1/catalog/items", auth, 200, "private, max-age=60"},
	} {
		var r httpResult
		if c.authz != "" {
			r = e.get(c.path, "Authorization", c.authz)
		} else {
			r = e.get(c.path)
		}
		r.wantCode(t, c.code)
		if got := r.header.Get("Cache-Control"); got != c.want {
			t.Errorf("%s (token: %v): Cache-Control %q, want %q", c.path, c.authz != "", got, c.want)
		}
		if tag := r.header.Get("ETag"); (tag != "") != (c.code == 200 && strings.HasPrefix(c.path, "/v1/catalog/")) {
			t.Errorf("%s: ETag %q", c.path, tag)
		}
	}
	// A token does not change the catalogue's ETag, but its 304 comes only
	// after the token was checked.
	public := e.get("/v1/catalog/items").header.Get("ETag")
	e.get("/v1/catalog/items", "Authorization", auth, "If-None-Match", public).wantCode(t, http.StatusNotModified)
	r := e.get("/v1/catalog/items", "Authorization", "Bearer prt_unknown", "If-None-Match", public).wantCode(t, http.StatusUnauthorized)
	if r.header.Get("Cache-Control") != "no-store" || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401: Cache-Control %q, WWW-Authenticate %q", r.header.Get("Cache-Control"), r.header.Get("WWW-Authenticate"))
	}
}

func TestGzip(t *testing.T) {
	e := start(t, "")
	publishNew(t, e.srv.Registry(), "gtzyj", 30)

	plain := e.get(penaltyPage).wantCode(t, 200)
	if ce := plain.header.Get("Content-Encoding"); ce != "" {
		t.Fatalf("Content-Encoding %q without Accept-Encoding", ce)
	}
	for _, ae := range []string{"gzip", "br;q=1.0, gzip;q=0.8", "*", "GZIP, deflate"} {
		zipped := e.get(penaltyPage, "Accept-Encoding", ae).wantCode(t, 200)
		if zipped.header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Accept-Encoding %s: Content-Encoding %q", ae, zipped.header.Get("Content-Encoding"))
		}
		if got := gunzip(t, zipped.body); !bytes.Equal(got, plain.body) {
			t.Fatalf("Accept-Encoding %s: the decompressed body differs from the plain one", ae)
		}
		if len(zipped.body) >= len(plain.body) || zipped.header.Get("Content-Length") != fmt.Sprint(len(zipped.body)) {
			t.Errorf("gzip body %d bytes (plain %d), Content-Length %s", len(zipped.body), len(plain.body), zipped.header.Get("Content-Length"))
		}
		// Its own ETag; either tag revalidates either encoding.
		ptag, ztag := plain.header.Get("ETag"), zipped.header.Get("ETag")
		if ztag == ptag || ztag == "" {
			t.Errorf("gzip ETag %q, identity %q", ztag, ptag)
		}
		e.get(penaltyPage, "If-None-Match", ztag).wantCode(t, http.StatusNotModified)
		e.get(penaltyPage, "If-None-Match", ptag, "Accept-Encoding", ae).wantCode(t, http.StatusNotModified)
	}
	for _, ae := range []string{"identity", "gzip;q=0", "br", "*;q=0"} {
		if r := e.get(penaltyPage, "Accept-Encoding", ae); r.header.Get("Content-Encoding") != "" || !bytes.Equal(r.body, plain.body) {
			t.Errorf("Accept-Encoding %s: Content-Encoding %q", ae, r.header.Get("Content-Encoding"))
		}
	}

	// Outside the catalogue too: a large JSON answer is compressed, a small
	// one is not.
	auth := "Bearer " + e.token("reader")
	for _, c := range []struct {
		path string
		zip  bool
	}{{"/v1/departments/gtzyj/items", true}, {"/openapi.json", true}, {"/v1/departments/gtzyj", false}, {"/healthz", false}} {
		p := e.get(c.path, "Authorization", auth).wantCode(t, 200)
		z := e.get(c.path, "Authorization", auth, "Accept-Encoding", "gzip").wantCode(t, 200)
		if got := z.header.Get("Content-Encoding") == "gzip"; got != c.zip {
			t.Errorf("%s: compressed %v, want %v", c.path, got, c.zip)
			continue
		}
		body := z.body
		if c.zip {
			body = gunzip(t, z.body)
		}
		if !bytes.Equal(body, p.body) {
			t.Errorf("%s: gzip and plain bodies differ:\n%s\n%s", c.path, body, p.body)
		}
	}
	// Errors are compressed too when large, and readable.
	r := e.get("/v1/catalog/items/none", "Accept-Encoding", "gzip").wantCode(t, 404)
	if r.header.Get("Content-Encoding") == "gzip" {
		r.body = gunzip(t, r.body)
	}
	if !bytes.Contains(r.body, []byte("CATALOG_ITEM_NOT_FOUND")) {
		t.Errorf("404 body: %s", r.body)
	}
}

func TestHead(t *testing.T) {
	e := start(t, "")
	publishNew(t, e.srv.Registry(), "gtzyj", 10)
	get := e.get("/v1/catalog/items").wantCode(t, 200)
	for range 2 { // a miss, then a hit
		head := fetch(t, "HEAD", e.base+"/v1/catalog/stats").wantCode(t, 200)
		if len(head.body) != 0 || head.header.Get("ETag") == "" || head.header.Get("Content-Type") != "application/json" {
			t.Fatalf("HEAD: body %q, headers %v", head.body, head.header)
		}
	}
	head := fetch(t, "HEAD", e.base+"/v1/catalog/items").wantCode(t, 200)
	if head.header.Get("ETag") != get.header.Get("ETag") || head.header.Get("Content-Length") != fmt.Sprint(len(get.body)) {
		t.Errorf("HEAD: ETag %s, Content-Length %s; GET: %s, %d", head.header.Get("ETag"), head.header.Get("Content-Length"),
			get.header.Get("ETag"), len(get.body))
	}
}

func TestCORS(t *testing.T) {
	const portal = "https://portal.hengyang.gov.cn"
	e := startWith(t, server.Config{CORSOrigins: []string{portal, "http://localhost:3000"}})
	publishNew(t, e.srv.Registry(), "gtzyj", 3)

	r := e.get("/v1/catalog/items", "Origin", portal).wantCode(t, 200)
	if got := r.header.Get("Access-Control-Allow-Origin"); got != portal {
		t.Errorf("Access-Control-Allow-Origin %q, want %q", got, portal)
	}
	if got := r.header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "ETag") || !strings.Contains(got, "X-Request-Id") {
		t.Errorf("Access-Control-Expose-Headers %q", got)
	}
	if v := strings.Join(r.header.Values("Vary"), ","); !strings.Contains(v, "Origin") {
		t.Errorf("Vary %q", v)
	}
	// The cached answer is served to other origins without the first one's
	// CORS headers.
	for _, origin := range []string{"https://evil.example.com", "https://portal.hengyang.gov.cn.evil.com", "http://portal.hengyang.gov.cn", ""} {
		r := e.get("/v1/catalog/items", "Origin", origin).wantCode(t, 200)
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("origin %q: Access-Control-Allow-Origin %q", origin, got)
		}
	}
	if got := e.get("/v1/catalog/stats", "Origin", "http://localhost:3000").header.Get("Access-Control-Allow-Origin"); got != "http://localhost:3000" {
		t.Errorf("second origin: %q", got)
	}

	// Preflights.
	pre := fetch(t, "OPTIONS", e.base+"/v1/catalog/items", "Origin", portal, "Access-Control-Request-Method", "GET",
		"Access-Control-Request-Headers", "if-none-match").wantCode(t, http.StatusNoContent)
	if pre.header.Get("Access-Control-Allow-Origin") != portal || pre.header.Get("Access-Control-Allow-Methods") != "GET, HEAD, OPTIONS" ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "If-None-Match") || pre.header.Get("Access-Control-Max-Age") == "" {
		t.Errorf("catalogue preflight: %v", pre.header)
	}
	pre = fetch(t, "OPTIONS", e.base+"/v1/departments/gtzyj/items", "Origin", portal, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization,content-type").wantCode(t, http.StatusNoContent)
	methods := strings.Split(pre.header.Get("Access-Control-Allow-Methods"), ", ")
	for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
		if !slices.Contains(methods, m) {
			t.Errorf("registry preflight: methods %v lack %s", methods, m)
		}
	}
	for _, h := range []string{"Authorization", "Content-Type", "X-Request-Id"} {
		if !strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), h) {
			t.Errorf("registry preflight: headers %q lack %s", pre.header.Get("Access-Control-Allow-Headers"), h)
		}
	}
	bad := fetch(t, "OPTIONS", e.base+"/v1/catalog/items", "Origin", "https://evil.example.com", "Access-Control-Request-Method", "GET").
		wantCode(t, http.StatusForbidden)
	if bad.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("refused preflight: %v", bad.header)
	}

	// `*` allows any origin.
	any := startWith(t, server.Config{CORSOrigins: []string{"*"}})
	if got := any.get("/v1/categories", "Origin", "https://anyone.example.org").header.Get("Access-Control-Allow-Origin"); got != "https://anyone.example.org" {
		t.Errorf("with *: Access-Control-Allow-Origin %q", got)
	}
	// Without configuration, no CORS at all.
	none := startWith(t, server.Config{})
	if got := none.get("/v1/catalog/stats", "Origin", portal).header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("no origins configured: Access-Control-Allow-Origin %q", got)
	}
}

func TestParseCORSOrigins(t *testing.T) {
	got, any, err := server.ParseCORSOrigins([]string{"https://Portal.Example.gov.cn:443", " http://localhost:3000", "http://a.cn:80"})
	if err != nil || any {
		t.Fatal(err, any)
	}
	for _, o := range []string{"https://portal.example.gov.cn", "http://localhost:3000", "http://a.cn"} {
		if !got[o] {
			t.Errorf("%s missing from %v", o, got)
		}
	}
	if _, any, err := server.ParseCORSOrigins([]string{"*"}); err != nil || !any {
		t.Errorf("*: %v %v", any, err)
	}
	for _, bad := range []string{"https://portal.example.gov.cn/", "portal.example.gov.cn", "ftp://a.cn", "https://a.cn/x", "https://u@a.cn", "null"} {
		if _, _, err := server.ParseCORSOrigins([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := server.New(server.Config{DataDir: t.TempDir(), GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		CORSOrigins: []string{"https://a.cn/"}}); err == nil || !strings.Contains(err.Error(), "https://a.cn/") {
		t.Errorf("server.New with a bad origin: %v", err)
	}
}

func TestCatalogResponseCache(t *testing.T) {
	rpcs := countRPCs(t)
	e := start(t, "")
	svc := e.srv.Registry()
	publishNew(t, svc, "gtzyj", 30)

	first := e.get(penaltyPage, "Accept-Encoding", "gzip").wantCode(t, 200)
	calls := rpcs.count("ListCatalogItems")
	if calls != 1 {
		t.Fatalf("%d calls for the first page", calls)
	}
	for i := range 5 {
		r := e.get(penaltyPage, "Accept-Encoding", "gzip").wantCode(t, 200)
		if !bytes.Equal(r.body, first.body) || r.header.Get("ETag") != first.header.Get("ETag") {
			t.Fatalf("hit %d differs from the first answer", i)
		}
		if r.header.Get("X-Request-Id") == "" || r.header.Get("X-Request-Id") == first.header.Get("X-Request-Id") {
			t.Fatalf("hit %d: X-Request-Id %q", i, r.header.Get("X-Request-Id"))
		}
		e.get(penaltyPage, "If-None-Match", first.header.Get("ETag")).wantCode(t, http.StatusNotModified)
	}
	plain := e.get(penaltyPage).wantCode(t, 200)
	if !bytes.Equal(plain.body, gunzip(t, first.body)) {
		t.Fatal("the cached identity and gzip bodies differ")
	}
	if r := e.get(penaltyPage, "X-Request-Id", "portal-42"); r.header.Get("X-Request-Id") != "portal-42" {
		t.Errorf("a hit does not echo the caller's request id: %q", r.header.Get("X-Request-Id"))
	}
	if got := rpcs.count("ListCatalogItems"); got != calls {
		t.Fatalf("hits and revalidations made %d gRPC calls", got-calls)
	}
	// Calls with a token go through (and are authenticated) every time.
	auth := "Bearer " + e.token("reader")
	e.get(penaltyPage, "Authorization", auth).wantCode(t, 200)
	e.get(penaltyPage, "Authorization", auth).wantCode(t, 200)
	if got := rpcs.count("ListCatalogItems"); got != calls+2 {
		t.Fatalf("calls with a token: %d gRPC calls, want 2", got-calls)
	}

	// A publication invalidates it.
	publishNew(t, svc, "gtzyj", 10)
	calls = rpcs.count("ListCatalogItems")
	r := e.get(penaltyPage, "Accept-Encoding", "gzip").wantCode(t, 200)
	if rpcs.count("ListCatalogItems") != calls+1 || bytes.Equal(r.body, first.body) {
		t.Fatal("a publication did not invalidate the cache")
	}
	e.get(penaltyPage, "Accept-Encoding", "gzip").wantCode(t, 200)
	if rpcs.count("ListCatalogItems") != calls+1 {
		t.Fatal("the new revision's page is not cached")
	}

	// Many readers at once right after a publication: all get the page.
	publishNew(t, svc, "gtzyj", 10)
	want := string(gunzip(t, e.get(penaltyPage+"&x=1", "Accept-Encoding", "gzip").body))
	publishNew(t, svc, "gtzyj", 3) // one of them a penalty
	calls = rpcs.count("ListCatalogItems")
	var wg sync.WaitGroup
	bodies := make([]string, 16)
	for i := range bodies {
		wg.Go(func() {
			r := fetch(t, "GET", e.base+penaltyPage+"&x=1")
			if r.code == 200 {
				bodies[i] = string(r.body)
			}
		})
	}
	wg.Wait()
	for i, b := range bodies {
		if b == "" || b == want {
			t.Fatalf("reader %d: stale or failed answer", i)
		}
		if b != bodies[0] {
			t.Fatalf("readers got different pages")
		}
	}
	if got := rpcs.count("ListCatalogItems") - calls; got < 1 || got > len(bodies) {
		t.Fatalf("%d gRPC calls for %d readers", got, len(bodies))
	}

	// Without the cache every read runs the call; 304s still do not.
	nc := startWith(t, server.Config{CatalogCacheBytes: -1})
	publishNew(t, nc.srv.Registry(), "gtzyj", 5)
	calls = rpcs.count("ListCatalogItems")
	a, b := nc.get(penaltyPage).wantCode(t, 200), nc.get(penaltyPage).wantCode(t, 200)
	nc.get(penaltyPage, "If-None-Match", a.header.Get("ETag")).wantCode(t, http.StatusNotModified)
	if got := rpcs.count("ListCatalogItems") - calls; got != 2 || !bytes.Equal(a.body, b.body) || a.header.Get("ETag") != b.header.Get("ETag") {
		t.Fatalf("without the cache: %d calls, same body %v", got, bytes.Equal(a.body, b.body))
	}
}

// A cache of a few pages keeps serving correctly: least recently used
// pages go first and are rendered again.
func TestCatalogResponseCacheBound(t *testing.T) {
	rpcs := countRPCs(t)
	e := startWith(t, server.Config{CatalogCacheBytes: 32 << 10})
	publishNew(t, e.srv.Registry(), "gtzyj", 100)
	pages := map[string]string{}
	for round := range 2 {
		for cat := range 10 {
			p := fmt.Sprintf("/v1/catalog/items?category=%d&page_size=5", cat+1)
			r := e.get(p).wantCode(t, 200)
			if round == 0 {
				pages[p] = string(r.body)
			} else if pages[p] != string(r.body) {
				t.Fatalf("%s changed", p)
			}
			calls := rpcs.count("ListCatalogItems")
			if again := e.get(p).wantCode(t, 200); string(again.body) != pages[p] || rpcs.count("ListCatalogItems") != calls {
				t.Fatalf("%s read again at once: not served from the cache", p)
			}
		}
	}
	// Ten pages of some 6 KiB do not fit in 32 KiB: some were rendered twice.
	if got := rpcs.count("ListCatalogItems"); got <= 10 || got > 20 {
		t.Fatalf("%d gRPC calls for ten pages read twice", got)
	}
}

// BenchmarkCatalogPageREST reads one portal list page, 50 items of one
// category out of 3,000 published, over loopback HTTP (keep-alive):
//
//	go test ./server -run '^$' -bench CatalogPageREST -benchmem
//
// cached-*: served from the response cache; revalidate: an If-None-Match
// answered 304; uncached: with the cache turned off, each read runs the
// gateway, the gRPC loopback and the store (the cost before the cache).
func BenchmarkCatalogPageREST(b *testing.B) {
	old := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	defer slog.SetDefault(old)
	for _, c := range []struct {
		name    string
		cache   int64
		headers []string
	}{
		{"cached-identity", 0, nil},
		{"cached-gzip", 0, []string{"Accept-Encoding", "gzip"}},
		{"revalidate-304", 0, []string{"If-None-Match", ""}},
		{"uncached-identity", -1, nil},
		{"uncached-gzip", -1, []string{"Accept-Encoding", "gzip"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			srv, err := server.New(server.Config{DataDir: b.TempDir(), GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
				Region: "430400", CatalogCacheBytes: c.cache})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ctx) }()
			defer func() { cancel(); <-done }()
			publishNew(b, srv.Registry(), "gtzyj", 3000)
			url := "http://" + srv.HTTPAddr() + penaltyPage
			first := fetch(b, "GET", url).wantCode(b, 200)
			headers := slices.Clone(c.headers)
			if len(headers) > 1 && headers[0] == "If-None-Match" {
				headers[1] = first.header.Get("ETag")
			}
			req, _ := http.NewRequest("GET", url, nil)
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				resp, err := plainClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				m, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 && resp.StatusCode != 304 {
					b.Fatalf("HTTP %d", resp.StatusCode)
				}
				n = int(m)
			}
			b.ReportMetric(float64(n), "body-bytes")
		})
	}
}
