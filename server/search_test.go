package server_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// searchEnv is a feedEnv with a catalogue about geology and mining, and a
// department of another region.
type searchEnv struct {
	*feedEnv
	items map[string]*pb.Item // by display name, as published
}

func (s *searchEnv) add(dept, name string, cat pb.Category, title string) *pb.Item {
	return must(s.reg.CreateItem(s.clerk, &pb.CreateItemRequest{Parent: "departments/" + dept, Item: &pb.Item{
		DisplayName: name, Category: cat,
		LegalBases: []*pb.LegalBasis{{Level: pb.LegalBasis_LEVEL_LAW, Title: title, Article: "第一条", Text: title + "第一条"}}}})).Item
}

func newSearchEnv(t *testing.T) *searchEnv {
	f := newFeedEnv(t)
	must(f.reg.CreateDepartment(f.clerk, &pb.CreateDepartmentRequest{DepartmentId: "kcj",
		Department: &pb.Department{DisplayName: "省矿产勘查局", RegionCode: "430100"}}))
	s := &searchEnv{feedEnv: f, items: map[string]*pb.Item{}}
	var gt []*pb.Item
	for _, x := range []struct {
		name  string
		cat   pb.Category
		title string
	}{
		{"伪造、变造、转让地质勘查资质证书的处罚", pb.Category_CATEGORY_PENALTY, "《地质勘查资质管理条例》"},
		{"对非法采矿的处罚", pb.Category_CATEGORY_PENALTY, "《中华人民共和国矿产资源法》"},
		{"探矿权登记", pb.Category_CATEGORY_LICENSING, "《矿产资源勘查区块登记管理办法》"},
		{"地质灾害防治", pb.Category_CATEGORY_SUPERVISION, "《地质灾害防治条例》"},
		{"土地登记", pb.Category_CATEGORY_LICENSING, "《地质勘查资质管理条例》"},
	} {
		it := s.add("gtzyj", x.name, x.cat, x.title)
		s.items[x.name] = it
		gt = append(gt, it)
	}
	f.publish("gtzyj", gt...)
	s.items["对排放污染物的处罚"] = s.add("hbj", "对排放污染物的处罚", pb.Category_CATEGORY_PENALTY, "《中华人民共和国环境保护法》")
	f.publish("hbj", s.items["对排放污染物的处罚"])
	s.items["勘查许可"] = s.add("kcj", "勘查许可", pb.Category_CATEGORY_LICENSING, "《许可条例》")
	f.publish("kcj", s.items["勘查许可"])
	return s
}

func (s *searchEnv) search(t *testing.T, req *pb.ListCatalogItemsRequest) *pb.ListCatalogItemsResponse {
	t.Helper()
	return must(s.cat.ListCatalogItems(as(""), req))
}

// contains reports whether an item's name, a legal basis title or its
// department's name contains text.
func itemContains(it *pb.Item, text string) bool {
	if strings.Contains(it.DisplayName, text) || strings.Contains(it.DepartmentDisplayName, text) {
		return true
	}
	for _, b := range it.LegalBases {
		if strings.Contains(b.Title, text) {
			return true
		}
	}
	return false
}

func TestSearchRanksAndMatches(t *testing.T) {
	s := newSearchEnv(t)
	r := s.search(t, &pb.ListCatalogItemsRequest{Q: "地质勘查"})
	names := displayNames(r.Items)
	if len(names) == 0 || names[0] != "伪造、变造、转让地质勘查资质证书的处罚" {
		t.Fatalf("q=地质勘查: %v, want 伪造… first", names)
	}
	if !slices.Contains(names, "土地登记") { // through its legal basis's title
		t.Errorf("q=地质勘查: %v, want 土地登记 (legal basis title) too", names)
	}
	if slices.Contains(names, "地质灾害防治") {
		t.Errorf("q=地质勘查: %v has 地质灾害防治", names)
	}
	if int(r.TotalSize) != len(names) {
		t.Errorf("total_size %d, %d items", r.TotalSize, len(names))
	}

	// One character: only the items containing it, in name, title or department.
	r = s.search(t, &pb.ListCatalogItemsRequest{Q: "矿"})
	names = displayNames(r.Items)
	for _, it := range r.Items {
		if !itemContains(it, "矿") {
			t.Errorf("q=矿 found %s, which has no 矿", it.DisplayName)
		}
	}
	for _, want := range []string{"对非法采矿的处罚", "探矿权登记", "勘查许可"} {
		if !slices.Contains(names, want) {
			t.Errorf("q=矿: %v, want %s", names, want)
		}
	}
	if len(names) != 3 || int(r.TotalSize) != 3 {
		t.Errorf("q=矿: %v (total %d), want 3", names, r.TotalSize)
	}

	// Highlights: one per item, with marks, in the field that matched.
	if len(r.Highlights) != len(r.Items) {
		t.Fatalf("%d highlights for %d items", len(r.Highlights), len(r.Items))
	}
	for i, h := range r.Highlights {
		if h.Code != r.Items[i].Code || len(h.Fragments) == 0 {
			t.Fatalf("highlight %d: %v", i, h)
		}
		for _, f := range h.Fragments {
			if !strings.Contains(f.Text, "<mark>矿</mark>") {
				t.Errorf("fragment %v has no <mark>矿</mark>", f)
			}
		}
		if r.Items[i].DisplayName == "勘查许可" && h.Fragments[0].Field != "department" {
			t.Errorf("勘查许可 matched in %v, want department", h.Fragments)
		}
	}

	// Facets count the results.
	checkFacets(t, r)
	wantDept := map[string]int32{"departments/gtzyj": 2, "departments/kcj": 1}
	for _, d := range r.Facets.Departments {
		if wantDept[d.Department] != d.Count {
			t.Errorf("facet %v, want %d", d, wantDept[d.Department])
		}
		if d.Department == "departments/kcj" && d.DisplayName != "省矿产勘查局" {
			t.Errorf("facet %v: display name", d)
		}
	}
}

// checkFacets compares the facets with the counts of all the results.
func checkFacets(t *testing.T, r *pb.ListCatalogItemsResponse) {
	t.Helper()
	cats, depts := map[pb.Category]int32{}, map[string]int32{}
	for _, it := range r.Items {
		cats[it.Category]++
		dept, _, _ := strings.Cut(strings.TrimPrefix(it.Name, "departments/"), "/")
		depts["departments/"+dept]++
	}
	var total int32
	for _, c := range r.Facets.GetCategories() {
		total += c.Count
		if cats[c.Category] != c.Count {
			t.Errorf("category facet %v, counted %d", c, cats[c.Category])
		}
	}
	if total != r.TotalSize || len(r.Facets.GetCategories()) != len(cats) {
		t.Errorf("category facets %v for %d results", r.Facets.GetCategories(), r.TotalSize)
	}
	for _, d := range r.Facets.GetDepartments() {
		if depts[d.Department] != d.Count {
			t.Errorf("department facet %v, counted %d", d, depts[d.Department])
		}
	}
	if len(r.Facets.GetDepartments()) != len(depts) {
		t.Errorf("department facets %v, counted %v", r.Facets.GetDepartments(), depts)
	}
}

func TestSearchFilters(t *testing.T) {
	s := newSearchEnv(t)
	for _, c := range []struct {
		req  *pb.ListCatalogItemsRequest
		want []string
	}{
		{&pb.ListCatalogItemsRequest{Q: "矿", Category: pb.Category_CATEGORY_PENALTY}, []string{"对非法采矿的处罚"}},
		{&pb.ListCatalogItemsRequest{Q: "矿", Department: "kcj"}, []string{"勘查许可"}},
		{&pb.ListCatalogItemsRequest{Q: "矿", Department: "departments/gtzyj", Category: pb.Category_CATEGORY_LICENSING}, []string{"探矿权登记"}},
		{&pb.ListCatalogItemsRequest{Q: "矿", Region: "430100"}, []string{"勘查许可"}},
		{&pb.ListCatalogItemsRequest{Q: "矿", Region: "430400"}, []string{"探矿权登记", "对非法采矿的处罚"}},
		{&pb.ListCatalogItemsRequest{Q: "矿", Region: "110000"}, nil},
		{&pb.ListCatalogItemsRequest{Q: "矿", Region: "430100", Department: "gtzyj"}, nil},
		{&pb.ListCatalogItemsRequest{Q: "矿", Filter: `display_name: "登记"`}, []string{"探矿权登记"}},
		{&pb.ListCatalogItemsRequest{Q: "处罚", Filter: `category = CATEGORY_PENALTY AND department = hbj`}, []string{"对排放污染物的处罚"}},
		{&pb.ListCatalogItemsRequest{Q: "矿 登记"}, []string{"探矿权登记"}},
		{&pb.ListCatalogItemsRequest{Q: "处罚", OrderBy: "display_name"}, []string{"伪造、变造、转让地质勘查资质证书的处罚", "对排放污染物的处罚", "对非法采矿的处罚"}},
		// Without q: region filters by the departments' region.
		{&pb.ListCatalogItemsRequest{Region: "430100"}, []string{"勘查许可"}},
		{&pb.ListCatalogItemsRequest{Region: "430400", Category: pb.Category_CATEGORY_PENALTY}, []string{"伪造、变造、转让地质勘查资质证书的处罚", "对非法采矿的处罚", "对排放污染物的处罚"}},
		{&pb.ListCatalogItemsRequest{Region: "110000"}, nil},
	} {
		r := s.search(t, c.req)
		got := displayNames(r.Items)
		want := c.want
		if c.req.Q != "" && c.req.OrderBy == "" {
			slices.Sort(got)
			want = slices.Clone(want)
			slices.Sort(want)
		}
		if c.req.Q == "" {
			slices.Sort(got)
			want = slices.Clone(want)
			slices.Sort(want)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v: %v, want %v", c.req, got, want)
		}
		if c.req.Q != "" {
			if int(r.TotalSize) != len(c.want) {
				t.Errorf("%v: total_size %d", c.req, r.TotalSize)
			}
			checkFacets(t, r)
		}
	}
	_, err := s.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Q: "矿", Region: "hunan"})
	wantStatus(t, err, 3, "INVALID_FIELDS")
	_, err = s.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Q: "矿", Filter: "nosuchfield = 1"})
	wantStatus(t, err, 3, "INVALID_FIELDS")
}

func TestSearchPaging(t *testing.T) {
	s := newSearchEnv(t)
	for _, filter := range []string{"", `code: "430*"`} {
		all := s.search(t, &pb.ListCatalogItemsRequest{Q: "处罚", Filter: filter})
		var got []string
		req := &pb.ListCatalogItemsRequest{Q: "处罚", Filter: filter, PageSize: 1}
		for {
			r := s.search(t, req)
			if r.TotalSize != all.TotalSize {
				t.Fatalf("page total %d, want %d", r.TotalSize, all.TotalSize)
			}
			got = append(got, codesOf(r.Items)...)
			if r.NextPageToken == "" {
				break
			}
			req.PageToken = r.NextPageToken
		}
		if !slices.Equal(got, codesOf(all.Items)) || len(got) != 3 {
			t.Errorf("filter %q: pages %v, all %v", filter, got, codesOf(all.Items))
		}
	}
	// A token is bound to its query.
	r := s.search(t, &pb.ListCatalogItemsRequest{Q: "处罚", PageSize: 1})
	_, err := s.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Q: "矿", PageSize: 1, PageToken: r.NextPageToken})
	wantStatus(t, err, 3, "INVALID_FIELDS")
}

func TestSearchFollowsPublications(t *testing.T) {
	s := newSearchEnv(t)
	codes := func(q string) []string {
		return displayNames(s.search(t, &pb.ListCatalogItemsRequest{Q: q}).Items)
	}
	// A new item.
	it := s.add("hbj", "矿山环境检查", pb.Category_CATEGORY_SUPERVISION, "《环境保护条例》")
	s.publish("hbj", it)
	if got := codes("矿"); !slices.Contains(got, "矿山环境检查") {
		t.Errorf("after publishing: %v", got)
	}
	// A modification of a published item: its new name.
	old := s.items["对非法采矿的处罚"]
	must(s.reg.UpdateItem(s.clerk, &pb.UpdateItemRequest{Item: &pb.Item{Name: old.Name, DisplayName: "对无证开采的处罚"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
	if got := codes("开采"); len(got) != 0 {
		t.Errorf("before publishing the change: %v", got)
	}
	s.publish("gtzyj", old)
	if got := codes("开采"); !slices.Equal(got, []string{"对无证开采的处罚"}) {
		t.Errorf("after publishing the change: %v", got)
	}
	if got := codes("采矿"); len(got) != 0 {
		t.Errorf("old name still found: %v", got)
	}
	// An abolition.
	s.abolish(s.items["探矿权登记"])
	s.publish("gtzyj", s.items["探矿权登记"])
	if got := codes("矿"); slices.Contains(got, "探矿权登记") {
		t.Errorf("abolished item found: %v", got)
	}
	// A department renamed (no publication): its new name is searched.
	must(s.reg.UpdateDepartment(s.clerk, &pb.UpdateDepartmentRequest{Department: &pb.Department{Name: "departments/kcj", DisplayName: "省勘查院"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
	if got := codes("矿"); slices.Contains(got, "勘查许可") {
		t.Errorf("renamed department still matches: %v", got)
	}
	if got := codes("勘查院"); !slices.Equal(got, []string{"勘查许可"}) {
		t.Errorf("q=勘查院: %v", got)
	}

	// A restart rebuilds the same index.
	before := s.search(t, &pb.ListCatalogItemsRequest{Q: "矿"})
	beforeAll := s.search(t, &pb.ListCatalogItemsRequest{Q: "处罚"})
	s.stop()
	e := start(t, s.dir)
	after := must(e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Q: "矿"}))
	afterAll := must(e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Q: "处罚"}))
	if !slices.Equal(codesOf(before.Items), codesOf(after.Items)) || !slices.Equal(codesOf(beforeAll.Items), codesOf(afterAll.Items)) {
		t.Errorf("after restart: %v %v, before %v %v", codesOf(after.Items), codesOf(afterAll.Items),
			codesOf(before.Items), codesOf(beforeAll.Items))
	}
}

func TestSearchREST(t *testing.T) {
	s := newSearchEnv(t)
	r := s.restOK("", "GET", "/v1/catalog/items?q="+url.QueryEscape("矿"), "")
	if !strings.Contains(r.Raw, "<mark>") && !strings.Contains(r.Raw, `\u003cmark\u003e`) {
		t.Errorf("no <mark> in %s", r.Raw)
	}
	if hl, _ := r.Body["highlights"].([]any); len(hl) != 3 {
		t.Errorf("highlights: %s", r.Raw)
	}
	if r.Body["totalSize"] != float64(3) {
		t.Errorf("totalSize: %s", r.Raw)
	}
	if _, ok := r.Body["facets"].(map[string]any); !ok {
		t.Errorf("facets: %s", r.Raw)
	}
	// A publication changes the answer (and the cache's key).
	it := s.add("hbj", "矿山环境检查", pb.Category_CATEGORY_SUPERVISION, "《环境保护条例》")
	s.publish("hbj", it)
	r = s.restOK("", "GET", "/v1/catalog/items?q="+url.QueryEscape("矿"), "")
	if r.Body["totalSize"] != float64(4) {
		t.Errorf("after publication: %s", r.Raw)
	}
	for _, path := range []string{"/v1/catalog/items?region=430100", "/v1/catalog/items?region=430100&q=" + url.QueryEscape("勘查")} {
		r = s.restOK("", "GET", path, "")
		if items, _ := r.Body["items"].([]any); len(items) != 1 {
			t.Errorf("%s: %s", path, r.Raw)
		}
	}
	// A department moved to another region: the cached answers go.
	must(s.reg.UpdateDepartment(s.clerk, &pb.UpdateDepartmentRequest{Department: &pb.Department{Name: "departments/kcj", RegionCode: "430400"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"region_code"}}}))
	for _, path := range []string{"/v1/catalog/items?region=430100", "/v1/catalog/items?region=430100&q=" + url.QueryEscape("勘查")} {
		r = s.restOK("", "GET", path, "")
		if items, _ := r.Body["items"].([]any); len(items) != 0 {
			t.Errorf("%s after the move: %s", path, r.Raw)
		}
	}
	r = s.restOK("", "GET", "/v1/catalog/items?region=430400&q="+url.QueryEscape("勘查"), "")
	if !strings.Contains(r.Raw, "勘查许可") {
		t.Errorf("region 430400 after the move: %s", r.Raw)
	}
}

func displayNames(items []*pb.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.DisplayName)
	}
	return out
}
