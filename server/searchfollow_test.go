package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
)

// TestSearchIndexFollowsTheCatalogue: after a publication returns, the
// search index has it before anyone searched (its metric says so), and a
// search names the revision it was computed at.
func TestSearchIndexFollowsTheCatalogue(t *testing.T) {
	rpcs := countRPCs(t)
	s := newSearchEnv(t)
	it := s.add("hbj", "矿山环境检查", pb.Category_CATEGORY_SUPERVISION, "《环境保护条例》")
	s.publish("hbj", it)
	if n := rpcs.count("ListCatalogItems"); n != 0 {
		t.Fatalf("%d searches made", n)
	}
	m := string(s.get("/metrics").wantCode(t, http.StatusOK).body)
	catRev, ok := metric(m, "powerreg_catalog_revision")
	if !ok || catRev <= 0 {
		t.Fatalf("powerreg_catalog_revision %v (%v)", catRev, ok)
	}
	wantMetric(t, m, catRev, "powerreg_search_index_revision")

	res := s.search(t, &pb.ListCatalogItemsRequest{Q: "矿山"})
	if res.SearchRevision != int64(catRev) || len(res.Items) != 1 {
		t.Errorf("search_revision %d with %d items, want %v with 1", res.SearchRevision, len(res.Items), catRev)
	}
	r := s.restOK("", "GET", "/v1/catalog/items?q="+url.QueryEscape("矿山"), "")
	if got := r.str("searchRevision"); got != strconv.Itoa(int(catRev)) {
		t.Errorf("REST searchRevision %q, want %v", got, catRev)
	}
}

// TestCacheKeepsNoSearchBehindTheCatalogue: a search answered by an index
// older than the catalogue is served no-store and rendered again for the
// next caller; one at the catalogue's revision is cached as any page.
func TestCacheKeepsNoSearchBehindTheCatalogue(t *testing.T) {
	var index, renders atomic.Int64
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		renders.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(server.SearchRevisionHeader, strconv.FormatInt(index.Load(), 10))
		w.Write([]byte(`{"searchRevision":"` + strconv.FormatInt(index.Load(), 10) + `"}`))
	})
	h := server.NewCatalogCache(next, func() (int64, error) { return 7, nil })
	get := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/v1/catalog/items?q=%E7%9F%BF", nil))
		if w.Code != http.StatusOK {
			t.Fatalf("HTTP %d", w.Code)
		}
		return w
	}

	index.Store(6) // catching up with revision 7
	for i := range 2 {
		w := get()
		if cc := w.Header().Get("Cache-Control"); cc != "no-store" || w.Header().Get("ETag") != "" {
			t.Errorf("answer %d of an index behind: Cache-Control %q, ETag %q", i, cc, w.Header().Get("ETag"))
		}
		if w.Header().Get(server.SearchRevisionHeader) != "" {
			t.Errorf("answer %d shows the internal header", i)
		}
	}
	if n := renders.Load(); n != 2 {
		t.Fatalf("%d renders of two searches from an index behind, want 2 (none cached)", n)
	}

	index.Store(7) // caught up
	first := get()
	if cc := first.Header().Get("Cache-Control"); cc == "no-store" || first.Header().Get("ETag") == "" {
		t.Errorf("answer of a current index: Cache-Control %q, ETag %q", cc, first.Header().Get("ETag"))
	}
	again := get()
	if n := renders.Load(); n != 3 || again.Body.String() != `{"searchRevision":"7"}` {
		t.Errorf("%d renders after a current answer read twice, want 3 (the second cached); body %s", n, again.Body)
	}
}
