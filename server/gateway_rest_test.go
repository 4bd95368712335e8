package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// TestImportStreamOverREST: the import's REST body is a stream of JSON
// objects (one ImportItemsRequest each), which the one-object rule of
// the other routes leaves alone; text that is not an
// object still fails it.
func TestImportStreamOverREST(t *testing.T) {
	e := start(t, "")
	must(e.reg.CreateDepartment(as("clerk"), &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	row := func(name string) string {
		return `{"item": {"displayName": "` + name + `", "category": "CATEGORY_PENALTY"}}`
	}
	r := e.restOK("clerk", "POST", "/v1/items:import",
		`{"parent": "departments/gtzyj", "rows": [`+row("甲")+`]}`+"\n"+`{"rows": [`+row("乙")+`]}`)
	if r.Body["rowCount"] != float64(2) {
		t.Fatalf("import of two messages: %s", r.Raw)
	}
	r = e.rest("clerk", "POST", "/v1/items:import", `{"parent": "departments/gtzyj", "rows": [`+row("丙")+`]} garbage`)
	if r.Code != http.StatusBadRequest || r.reason() != "MALFORMED_REQUEST" {
		t.Fatalf("import followed by text: HTTP %d %s", r.Code, r.Raw)
	}
	if n := len(must(e.reg.ListItems(as("clerk"), &pb.ListItemsRequest{Parent: "departments/gtzyj"})).Items); n != 2 {
		t.Errorf("%d items after the imports, want 2", n)
	}
}

// TestMethodNotAllowed: a path the API serves, asked
// with another method (TRACE, OPTIONS, DELETE of a list), answers 405
// with Allow naming the methods it serves (before: 501); an unknown path
// stays 404.
func TestMethodNotAllowed(t *testing.T) {
	e := start(t, "")
	for _, c := range []struct{ method, path, allow string }{
		// The catalogue's reads answer HEAD too (httpcache.go); Allow said
		// GET only. Its watch stream answers GET only.
		{"TRACE", "/v1/catalog/items", "GET, HEAD"},
		{"OPTIONS", "/v1/catalog/items", "GET, HEAD"},
		{"TRACE", "/v1/catalog/changes:watch", "GET"},
		{"DELETE", "/v1/departments/gtzyj/items", "GET, POST"},
		{"PUT", "/v1/departments/gtzyj/items/1", "GET, PATCH, DELETE"},
		{"PATCH", "/v1/publications", "GET, POST"},
	} {
		r := e.rest("", c.method, c.path, "")
		if r.Code != http.StatusMethodNotAllowed || r.Header.Get("Allow") != c.allow || r.reason() != "METHOD_NOT_ALLOWED" ||
			!strings.Contains(r.str("message"), c.allow) {
			t.Errorf("%s %s: HTTP %d, Allow %q, %s; want 405 with Allow %q and METHOD_NOT_ALLOWED",
				c.method, c.path, r.Code, r.Header.Get("Allow"), r.Raw, c.allow)
		}
	}
	// X-HTTP-Method-Override turned a form POST into a PATCH whose body the
	// gateway's form parsing had swallowed, past the one-JSON-value check.
	// The method is the method now; a form POST still falls back to a GET
	// (grpc-gateway's long-query fallback), which changes nothing.
	e.restOK("city-admin", "POST", "/v1/departments?department_id=ovr", `{"displayName":"市林业局"}`)
	req, _ := http.NewRequest("POST", e.base+"/v1/departments/ovr", strings.NewReader("displayName=x&update_mask=display_name"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-HTTP-Method-Override", "PATCH")
	req.Header.Set("Authorization", "Bearer "+e.token("city-admin"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := e.restOK("city-admin", "GET", "/v1/departments/ovr", "").str("displayName"); got != "市林业局" || resp.StatusCode != http.StatusOK {
		t.Errorf("POST with X-HTTP-Method-Override: PATCH: HTTP %d %s; the department's name is now %q", resp.StatusCode, body, got)
	}
	if r := e.rest("", "HEAD", "/v1/catalog/items", ""); r.Code != http.StatusOK {
		t.Errorf("HEAD /v1/catalog/items: HTTP %d, want 200 as Allow says", r.Code)
	}
	// Its English half said "Not Found" only, without what to do.
	if r := e.rest("", "GET", "/v1/nothing/here", ""); r.Code != http.StatusNotFound || r.reason() != "NO_SUCH_ROUTE" ||
		!strings.Contains(r.str("message"), " / no such route: check the path and the method against /openapi.json") {
		t.Errorf("unknown path: HTTP %d %s", r.Code, r.Raw)
	}
}
