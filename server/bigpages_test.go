package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// Items within every field limit made answers larger
// than gRPC's default 4 MiB, so REST (through the gateway's loopback
// client) and ordinary gRPC clients failed on the catalogue, the change
// feed and the items for good.

// bigBasis is a legal basis of about 2,000 characters (6 KB in UTF-8).
var bigBasis = strings.Repeat("县级以上人民政府土地行政主管部门责令退还非法占用的土地，", 74)

// bigItemContent has n legal bases of 10,000 characters (30 KB each).
func bigItemContent(name string, n int) registry.Content {
	c := registry.Content{DisplayName: name, Category: registry.CategoryPenalty}
	text := strings.Repeat("违", 10000)
	for range n {
		c.LegalBases = append(c.LegalBases, registry.LegalBasis{Level: 1, Title: "《土地管理法》", Text: text})
	}
	return c
}

const (
	bigItems  = 600
	nearCap   = 34 // legal bases of 30 KB: about 1,020,000 bytes, just under registry.MaxItemBytes
	overCap   = 36
	bigDeptID = "gtzyj"
)

// bigEnv: 600 published items with two legal bases of ~2,000 characters
// each, and one published item near the 1 MiB cap.
func bigEnv(t *testing.T) (*env, string) {
	e := start(t, "")
	svc := e.srv.Registry()
	if _, err := svc.CreateDepartment("admin", registry.Department{ID: bigDeptID, DisplayName: "市国土资源局"}, ""); err != nil {
		t.Fatal(err)
	}
	var rows []registry.ImportRow
	for i := range bigItems {
		rows = append(rows, registry.ImportRow{Item: registry.ItemInput{Content: registry.Content{
			DisplayName: fmt.Sprintf("对非法占用土地的处罚 %03d", i), Category: registry.Category(i%10 + 1),
			LegalBases: []registry.LegalBasis{{Level: 1, Title: "《土地管理法》", Text: bigBasis},
				{Level: 2, Title: "《土地管理法实施条例》", Text: bigBasis}}}}})
	}
	rows = append(rows, registry.ImportRow{Item: registry.ItemInput{Content: bigItemContent("土地大事项", nearCap)}})
	res, err := svc.ImportItems(fxClerk, registry.ImportInput{Department: bigDeptID, Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	publishItems(t, svc, bigDeptID, res.Items)
	return e, res.Items[len(res.Items)-1]
}

// restPages follows next_page_token over REST from path, collecting the
// names of the elements in field, and counts the pages.
func restPages(t *testing.T, e *env, actor, path, field string) (names []string, pages int) {
	t.Helper()
	token := ""
	for {
		p := path
		if token != "" {
			p += "&page_token=" + url.QueryEscape(token)
		}
		r := e.restOK(actor, "GET", p, "")
		list, _ := r.Body[field].([]any)
		if len(list) == 0 && r.str("nextPageToken") != "" {
			t.Fatalf("GET %s: an empty page with a next token", p)
		}
		for _, x := range list {
			m, _ := x.(map[string]any)
			if item, ok := m["item"].(map[string]any); ok { // a change
				m = item
			}
			name, _ := m["name"].(string)
			names = append(names, name)
		}
		pages++
		if token = r.str("nextPageToken"); token == "" {
			return names, pages
		}
	}
}

// grpcPages follows next_page_token over gRPC (a client with default
// settings), collecting names; the first page's size is returned too.
func grpcPages[R proto.Message](t *testing.T, list func(token string) (R, error), names func(R) []string, next func(R) string) (all []string, first int) {
	t.Helper()
	token := ""
	for pages := 0; ; pages++ {
		r, err := list(token)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		if n := proto.Size(r); n > 4<<20 {
			t.Fatalf("page %d is %d bytes, over gRPC's default 4 MiB", pages+1, n)
		}
		if pages == 0 {
			first = len(names(r))
		}
		all = append(all, names(r)...)
		if token = next(r); token == "" {
			return all, first
		}
	}
}

func distinct(t *testing.T, what string, names []string, want int) {
	t.Helper()
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("%s: %s served twice", what, n)
		}
		seen[n] = true
	}
	if len(seen) != want {
		t.Errorf("%s: %d distinct items, want %d", what, len(seen), want)
	}
}

func itemNames(items []*pb.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

// TestBigItemsEveryListPages: every list of items, at its documented
// maximum page_size, succeeds over REST and over gRPC with default client
// settings; pages end early by bytes and together hold every item once.
func TestBigItemsEveryListPages(t *testing.T) {
	e, _ := bigEnv(t)
	const all = bigItems + 1
	cat := func(req *pb.ListCatalogItemsRequest) func(string) (*pb.ListCatalogItemsResponse, error) {
		return func(tok string) (*pb.ListCatalogItemsResponse, error) {
			r := proto.Clone(req).(*pb.ListCatalogItemsRequest)
			r.PageToken = tok
			return e.cat.ListCatalogItems(context.Background(), r)
		}
	}
	catNames := func(r *pb.ListCatalogItemsResponse) []string { return itemNames(r.Items) }
	catNext := func(r *pb.ListCatalogItemsResponse) string { return r.NextPageToken }
	for _, c := range []struct {
		name string
		req  *pb.ListCatalogItemsRequest
		rest string
	}{
		{"catalogue", &pb.ListCatalogItemsRequest{PageSize: 500}, "/v1/catalog/items?page_size=500"},
		{"catalogue by department", &pb.ListCatalogItemsRequest{PageSize: 500, Department: bigDeptID},
			"/v1/catalog/items?page_size=500&department=" + bigDeptID},
		{"catalogue by name", &pb.ListCatalogItemsRequest{PageSize: 500, OrderBy: "display_name desc"},
			"/v1/catalog/items?page_size=500&order_by=" + url.QueryEscape("display_name desc")},
		{"keyword search", &pb.ListCatalogItemsRequest{PageSize: 500, Q: "土地"},
			"/v1/catalog/items?page_size=500&q=" + url.QueryEscape("土地")},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, first := grpcPages(t, cat(c.req), catNames, catNext)
			if first >= 500 {
				t.Errorf("gRPC: the first page holds %d items; want it cut by bytes", first)
			}
			distinct(t, "gRPC", got, all)
			names, pages := restPages(t, e, "", c.rest, "items")
			distinct(t, "REST", names, all)
			if pages < 3 {
				t.Errorf("REST: %d pages; want at least 3 (7 MB of items under 3 MiB a page)", pages)
			}
		})
	}
	t.Run("changes", func(t *testing.T) {
		got, _ := grpcPages(t, func(tok string) (*pb.ListCatalogChangesResponse, error) {
			return e.cat.ListCatalogChanges(context.Background(), &pb.ListCatalogChangesRequest{PageSize: 1000, PageToken: tok})
		}, func(r *pb.ListCatalogChangesResponse) []string {
			var out []string
			for _, c := range r.Changes {
				out = append(out, c.Item.Name)
			}
			return out
		}, func(r *pb.ListCatalogChangesResponse) string { return r.NextPageToken })
		distinct(t, "gRPC", got, all)
		names, _ := restPages(t, e, "", "/v1/catalog/changes?page_size=1000", "changes")
		distinct(t, "REST", names, all)
	})
	t.Run("items", func(t *testing.T) {
		clerk := as("clerk")
		got, first := grpcPages(t, func(tok string) (*pb.ListItemsResponse, error) {
			return e.reg.ListItems(clerk, &pb.ListItemsRequest{Parent: "departments/-", PageSize: 1000, PageToken: tok})
		}, func(r *pb.ListItemsResponse) []string { return itemNames(r.Items) },
			func(r *pb.ListItemsResponse) string { return r.NextPageToken })
		if first >= all {
			t.Errorf("the first page holds %d items; want it cut by bytes", first)
		}
		distinct(t, "gRPC", got, all)
		names, _ := restPages(t, e, "clerk", "/v1/departments/-/items?page_size=1000", "items")
		distinct(t, "REST", names, all)
	})
	t.Run("watch over REST", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		resp, r := e.restWatch(ctx, t, "?start_revision=0")
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("watch: HTTP %d", resp.StatusCode)
		}
		var names []string
		for range all {
			names = append(names, readChange(t, r).Item.Name)
		}
		distinct(t, "watch", names, all)
	})
	// Last: it abolishes every item. A batch's items come with the
	// revision in force they change, twice an item's size.
	t.Run("batch items", func(t *testing.T) {
		svc := e.srv.Registry()
		var batch []string
		for id := uint64(1); id <= all; id++ { // the import's items, ids 1 to 601
			if _, err := svc.AbolishItem(fxClerk, bigDeptID, id, "职能划转", ""); err != nil {
				t.Fatal(err)
			}
			batch = append(batch, registry.ItemName(bigDeptID, id))
		}
		sub, err := svc.CreateSubmission(fxClerk, bigDeptID, batch, "", "")
		if err != nil {
			t.Fatal(err)
		}
		name := registry.SubmissionName(bigDeptID, sub.ID)
		got, first := grpcPages(t, func(tok string) (*pb.ListSubmissionItemsResponse, error) {
			return e.reg.ListSubmissionItems(as("clerk"), &pb.ListSubmissionItemsRequest{Parent: name, PageToken: tok})
		}, func(r *pb.ListSubmissionItemsResponse) []string {
			var out []string
			for _, it := range r.Items {
				out = append(out, it.Item.Name)
			}
			return out
		}, func(r *pb.ListSubmissionItemsResponse) string { return r.NextPageToken })
		if first >= all {
			t.Errorf("the first page holds %d items; want it cut by bytes", first)
		}
		distinct(t, "gRPC", got, all)
		names, _ := restPages(t, e, "clerk", "/v1/"+name+"/items?page_size=1000", "items")
		distinct(t, "REST", names, all)
	})
}

// TestBigItemOverREST: an item near the 1 MiB cap is created over REST
// exactly once; one over it is refused with INVALID_ARGUMENT naming the
// item, and nothing is created (before, a 5 MB item was created and
// reported as 429 RESOURCE_EXHAUSTED); the catalogue history of an item
// published five times (about 5 MiB, one answer) reads over REST.
func TestBigItemOverREST(t *testing.T) {
	e, big := bigEnv(t)
	body := func(n int) string {
		c := bigItemContent("新的土地大事项", n)
		var bases []map[string]any
		for _, b := range c.LegalBases {
			bases = append(bases, map[string]any{"level": "LEVEL_LAW", "title": b.Title, "text": b.Text})
		}
		b, _ := json.Marshal(map[string]any{"displayName": c.DisplayName, "category": "CATEGORY_PENALTY", "legalBases": bases})
		return string(b)
	}
	count := func() int {
		n := 0
		names, _ := restPages(t, e, "clerk", "/v1/departments/"+bigDeptID+"/items?page_size=1000&filter="+
			url.QueryEscape(`display_name = "新的土地大事项"`), "items")
		n += len(names)
		return n
	}
	r := e.rest("clerk", "POST", "/v1/departments/"+bigDeptID+"/items", body(overCap))
	if r.Code != http.StatusBadRequest || r.reason() != registry.ReasonInvalidFields {
		t.Fatalf("an item over 1 MiB: HTTP %d %s; want 400 INVALID_FIELDS", r.Code, r.reason())
	}
	if !strings.Contains(r.Raw, `"field":"item"`) || !strings.Contains(r.Raw, "1 MiB") {
		t.Errorf("the refusal does not name the item and the limit: %.300s", r.Raw)
	}
	if n := count(); n != 0 {
		t.Fatalf("a refused item was created %d times", n)
	}
	r = e.restOK("clerk", "POST", "/v1/departments/"+bigDeptID+"/items", body(nearCap))
	if len(r.Raw) < 1_000_000 || r.str("name") == "" {
		t.Fatalf("the created item's answer: %d bytes, name %q", len(r.Raw), r.str("name"))
	}
	if n := count(); n != 1 {
		t.Fatalf("the item was created %d times, want once", n)
	}

	// Five published revisions of the big item: one answer of ~5 MiB.
	svc := e.srv.Registry()
	dept, id, err := registry.ParseItemName("item", big)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := svc.UpdateItem(fxClerk, dept, id, registry.ItemInput{Content: registry.Content{Remark: fmt.Sprint(i)}},
			[]string{"remark"}, ""); err != nil {
			t.Fatal(err)
		}
		publishItems(t, svc, dept, []string{big})
	}
	v, err := svc.GetItem(dept, id)
	if err != nil {
		t.Fatal(err)
	}
	got, first := grpcPages(t, func(tok string) (*pb.ListCatalogItemRevisionsResponse, error) {
		return e.cat.ListCatalogItemRevisions(context.Background(), &pb.ListCatalogItemRevisionsRequest{
			Code: v.Item.Code, PageSize: 1000, PageToken: tok})
	}, func(r *pb.ListCatalogItemRevisionsResponse) []string {
		var out []string
		for _, x := range r.Revisions {
			out = append(out, x.RevisionId)
		}
		return out
	}, func(r *pb.ListCatalogItemRevisionsResponse) string { return r.NextPageToken })
	if first >= 5 {
		t.Errorf("history: the first page holds %d revisions of 1 MiB; want it cut by bytes", first)
	}
	distinct(t, "history over gRPC", got, 5)
	var ids []string
	for tok := ""; ; {
		path := "/v1/catalog/items/" + url.PathEscape(v.Item.Code) + "/revisions?page_size=1000"
		if tok != "" {
			path += "&page_token=" + url.QueryEscape(tok)
		}
		r := e.restOK("", "GET", path, "")
		revs, _ := r.Body["revisions"].([]any)
		for _, x := range revs {
			id, _ := x.(map[string]any)["revisionId"].(string)
			ids = append(ids, id)
		}
		if tok = r.str("nextPageToken"); tok == "" {
			break
		}
	}
	distinct(t, "history over REST", ids, 5)
}

// TestLargePublication: a publication of 45,000 items
// (a province publishing many batches at once) of a department with the
// longest id was one answer of about 10 MB: a gRPC client with default
// settings could not read its CreatePublication answer, GetPublication or
// ListPublications. Now a publication carries its first 1000 items and
// item_count, and ListPublicationItems pages through all of them, over
// gRPC (default client settings) and REST.
func TestLargePublication(t *testing.T) {
	if testing.Short() {
		t.Skip("45,000 items")
	}
	e := start(t, "")
	svc := e.srv.Registry()
	dept := "city-natural-resources-and-planning-bureau-land-use-departments" // 63 characters, the most
	if _, err := svc.CreateDepartment("admin", registry.Department{ID: dept, DisplayName: "市自然资源和规划局"}, ""); err != nil {
		t.Fatal(err)
	}
	const n = 45000
	rows := make([]registry.ImportRow, n)
	for i := range rows {
		rows[i] = registry.ImportRow{Item: registry.ItemInput{Content: registry.Content{
			DisplayName: fmt.Sprintf("事项 %05d", i), Category: registry.CategoryPenalty,
			LegalBases: []registry.LegalBasis{{Level: 1, Text: "《土地管理法》第七十六条"}}}}}
	}
	res, err := svc.ImportItems(fxClerk, registry.ImportInput{Department: dept, Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	// One batch of them all is refused: at most MaxSubmissionItems.
	_, err = e.reg.CreateSubmission(as(fxClerk), &pb.CreateSubmissionRequest{Parent: "departments/" + dept,
		Submission: &pb.Submission{Items: res.Items}})
	st := wantStatus(t, err, codes.InvalidArgument, registry.ReasonInvalidFields)
	if f := fieldViolations(st); !slices.Equal(f, []string{"submission.items"}) || !strings.Contains(fmt.Sprint(st.Details()), "at most 10000 items (45000 given)") {
		t.Errorf("a batch of 45,000 items: violations on %v: %v", f, st.Details())
	}

	var subs []string
	for batch := range slices.Chunk(res.Items, registry.MaxSubmissionItems) {
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

	// Every answer carries the first 1000 items and the count, and is
	// read by a gRPC client with default settings (e.reg).
	check := func(what string, p *pb.Publication) {
		t.Helper()
		if p.GetItemCount() != n || len(p.GetItems()) != registry.PublicationItemsShown {
			t.Fatalf("%s: %d items of item_count %d; want the first %d of %d", what, len(p.GetItems()), p.GetItemCount(),
				registry.PublicationItemsShown, n)
		}
		for i, it := range p.GetItems() {
			if it.GetItem() != res.Items[i] {
				t.Fatalf("%s: item %d is %s, want %s (the publication's order)", what, i, it.GetItem(), res.Items[i])
			}
		}
		if sz := proto.Size(p); sz > 1<<20 {
			t.Errorf("%s: %d bytes", what, sz)
		}
	}
	created, err := e.reg.CreatePublication(as(fxPublisher), &pb.CreatePublicationRequest{
		Publication: &pb.Publication{Submissions: subs, Comment: "第一批集中发布"}})
	if err != nil {
		t.Fatalf("CreatePublication over gRPC: %v", err)
	}
	check("CreatePublication", created.GetPublication())
	name := created.GetPublication().GetName()
	got, err := e.reg.GetPublication(as("reader"), &pb.GetPublicationRequest{Name: name})
	if err != nil {
		t.Fatalf("GetPublication over gRPC: %v", err)
	}
	check("GetPublication", got.GetPublication())
	list, err := e.reg.ListPublications(as("reader"), &pb.ListPublicationsRequest{PageSize: 1000})
	if err != nil || len(list.GetPublications()) != 1 {
		t.Fatalf("ListPublications over gRPC: %v", err)
	}
	check("ListPublications", list.GetPublications()[0])
	r := e.restOK("reader", "GET", "/v1/"+name, "")
	if items, _ := r.Body["items"].([]any); len(items) != registry.PublicationItemsShown || r.Body["itemCount"] != float64(n) {
		t.Errorf("GET the publication over REST: %d items, itemCount %v; want %d and %d", len(items), r.Body["itemCount"],
			registry.PublicationItemsShown, n)
	}

	// ListPublicationItems: every item exactly once, in order.
	want := func(what string, items []string) {
		t.Helper()
		if !slices.Equal(items, res.Items) {
			t.Errorf("%s: %d items, want the publication's %d in order", what, len(items), n)
		}
		distinct(t, what, items, n)
	}
	var items []string
	var pages int
	for tok := ""; ; pages++ {
		page, err := e.reg.ListPublicationItems(as("reader"), &pb.ListPublicationItemsRequest{Parent: name, PageSize: 1000, PageToken: tok})
		if err != nil {
			t.Fatalf("ListPublicationItems page %d: %v", pages+1, err)
		}
		for _, it := range page.GetItems() {
			items = append(items, it.GetItem())
			if it.GetCode() == "" || it.GetRevision() != it.GetItem()+"/revisions/1" || it.GetChange() != pb.ChangeKind_CHANGE_KIND_CREATE {
				t.Fatalf("ListPublicationItems: %v", it)
			}
		}
		if tok = page.GetNextPageToken(); tok == "" {
			break
		}
	}
	want("ListPublicationItems over gRPC", items)
	if pages != n/1000-1 {
		t.Errorf("ListPublicationItems: %d pages of 1000; want %d", pages+1, n/1000)
	}
	items = nil
	for tok := ""; ; {
		path := "/v1/" + name + "/items?page_size=1000"
		if tok != "" {
			path += "&page_token=" + url.QueryEscape(tok)
		}
		r := e.restOK("reader", "GET", path, "")
		list, _ := r.Body["items"].([]any)
		for _, x := range list {
			it, _ := x.(map[string]any)["item"].(string)
			items = append(items, it)
		}
		if tok = r.str("nextPageToken"); tok == "" {
			break
		}
	}
	want("ListPublicationItems over REST", items)

	if st, err := e.cat.ListCatalogItems(context.Background(), &pb.ListCatalogItemsRequest{PageSize: 1}); err != nil || len(st.Items) != 1 {
		t.Errorf("catalogue after the publication: %v", err)
	}
}

// TestBigChangeFitsOneEntry: a batch entry carries the item, the revision
// in force it changes and old → new for every field; with both revisions
// near the 1 MiB cap and every legal basis changed, the entry is still an
// answer a gRPC client with the default 4 MiB receive limit reads, because
// the differences' values are cut (the items hold the whole values).
func TestBigChangeFitsOneEntry(t *testing.T) {
	e := start(t, "")
	svc := e.srv.Registry()
	if _, err := svc.CreateDepartment("admin", registry.Department{ID: bigDeptID, DisplayName: "市国土资源局"}, ""); err != nil {
		t.Fatal(err)
	}
	res, err := svc.ImportItems(fxClerk, registry.ImportInput{Department: bigDeptID,
		Rows: []registry.ImportRow{{Item: registry.ItemInput{Content: bigItemContent("土地大事项", nearCap)}}}})
	if err != nil {
		t.Fatal(err)
	}
	publishItems(t, svc, bigDeptID, res.Items)
	changed := bigItemContent("土地大事项", nearCap)
	for i := range changed.LegalBases {
		changed.LegalBases[i].Text = strings.Repeat("罚", 10000)
	}
	if _, err := svc.UpdateItem(fxClerk, bigDeptID, 1, registry.ItemInput{Content: changed}, nil, ""); err != nil {
		t.Fatal(err)
	}
	sub, err := svc.CreateSubmission(fxClerk, bigDeptID, res.Items, "", "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.reg.ListSubmissionItems(as("clerk"), &pb.ListSubmissionItemsRequest{Parent: registry.SubmissionName(bigDeptID, sub.ID)})
	if err != nil {
		t.Fatalf("a gRPC client with default settings: %v", err)
	}
	if len(r.Items) != 1 || r.Items[0].GetPublished() == nil || len(r.Items[0].GetDifferences()) == 0 {
		t.Fatalf("the entry: %d items", len(r.Items))
	}
	if size := proto.Size(r); size > registry.PageBytes {
		t.Errorf("the answer is %d bytes, over the page's %d", size, registry.PageBytes)
	}
	for _, d := range r.Items[0].Differences {
		if d.Field == "legal_bases" && (len([]rune(d.To)) > 1001 || !strings.HasSuffix(d.To, "…")) {
			t.Errorf("legal_bases' new value is %d characters, not cut", len([]rune(d.To)))
		}
	}
	if got := r.Items[0].GetItem().GetLegalBases()[0].GetText(); got != changed.LegalBases[0].Text {
		t.Errorf("the item's own legal basis was cut too (%d characters)", len([]rune(got)))
	}
}
