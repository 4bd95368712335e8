package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// queryServer is a server with a published catalogue of two departments
// (two publications), a draft and a submitted item.
type queryServer struct {
	e                  *env
	clerk              context.Context
	penalty1, penalty2 *pb.Item // gtzyj, published first
	licence            *pb.Item // hbj, published second
	draft, submitted   *pb.Item
}

func newQueryServer(t *testing.T) *queryServer {
	e := start(t, "")
	clerk, rev, pubr := as("gtj-clerk"), as("reform-office"), as("publisher")
	for id, name := range map[string]string{"gtzyj": "市国土资源局", "hbj": "市环境保护局"} {
		must(e.reg.CreateDepartment(clerk, &pb.CreateDepartmentRequest{DepartmentId: id, Department: &pb.Department{DisplayName: name}}))
	}
	mk := func(dept, name string, cat pb.Category) *pb.Item {
		return must(e.reg.CreateItem(clerk, &pb.CreateItemRequest{Parent: "departments/" + dept,
			Item: &pb.Item{DisplayName: name, Category: cat, LegalBases: basis("《土地管理法》第七十七条")}})).Item
	}
	publish := func(dept string, items ...*pb.Item) {
		var names []string
		for _, it := range items {
			names = append(names, it.Name)
		}
		s := must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/" + dept,
			Submission: &pb.Submission{Items: names}})).Submission
		must(e.reg.SubmitSubmission(clerk, &pb.SubmitSubmissionRequest{Name: s.Name}))
		must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s.Name, Comment: "同意"}))
		must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: []string{s.Name}}}))
	}
	w := &queryServer{e: e, clerk: clerk}
	w.penalty1 = mk("gtzyj", "对非法占用土地的处罚", pb.Category_CATEGORY_PENALTY)
	w.penalty2 = mk("gtzyj", "对破坏耕地的处罚", pb.Category_CATEGORY_PENALTY)
	w.licence = mk("hbj", "排污许可", pb.Category_CATEGORY_LICENSING)
	w.draft = mk("gtzyj", "土地闲置费征收", pb.Category_CATEGORY_LEVY)
	w.submitted = mk("hbj", "对超标排污的处罚", pb.Category_CATEGORY_PENALTY)
	publish("gtzyj", w.penalty1, w.penalty2)
	publish("hbj", w.licence)
	s := must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/hbj",
		Submission: &pb.Submission{Items: []string{w.submitted.Name}}})).Submission
	must(e.reg.SubmitSubmission(clerk, &pb.SubmitSubmissionRequest{Name: s.Name}))
	for _, p := range []**pb.Item{&w.penalty1, &w.penalty2, &w.licence, &w.draft, &w.submitted} {
		*p = must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: (*p).Name})).Item
	}
	return w
}

func codesOf(items []*pb.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Code)
	}
	return out
}

func namesOf(items []*pb.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

// restKeys lists key of each element of a REST list response's list.
func restKeys(r restResult, list, key string) []string {
	var out []string
	entries, _ := r.Body[list].([]any)
	for _, x := range entries {
		m, _ := x.(map[string]any)
		s, _ := m[key].(string)
		out = append(out, s)
	}
	return out
}

func query(params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	return v.Encode()
}

// TestListFilterAPI: filter and order_by over gRPC and REST, on the three
// lists, with pages under an order.
func TestListFilterAPI(t *testing.T) {
	w := newQueryServer(t)
	e := w.e
	p1, p2, lic := w.penalty1.Code, w.penalty2.Code, w.licence.Code
	if !strings.HasPrefix(p1, "430400-CF-") || !strings.HasPrefix(lic, "430400-XK-") {
		t.Fatalf("codes %s %s", p1, lic)
	}
	catalog := []struct {
		filter, order string
		want          []string
	}{
		{`code: "430400-CF*"`, "", []string{p1, p2}},
		{`code: "430400-CF*" AND publish_time > "2000-01-01T00:00:00Z"`, "code desc", []string{p2, p1}},
		{"category = CATEGORY_LICENSING OR department = gtzyj", "publish_time desc", []string{lic, p1, p2}},
		{`display_name: "处罚"`, "display_name", []string{p2, p1}},
		{"NOT department = hbj", "", []string{p1, p2}},
	}
	for _, tc := range catalog {
		got := must(e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Filter: tc.filter, OrderBy: tc.order})).Items
		if !slices.Equal(codesOf(got), tc.want) {
			t.Errorf("gRPC ListCatalogItems(%q, %q) = %v, want %v", tc.filter, tc.order, codesOf(got), tc.want)
		}
		r := e.restOK("", "GET", "/v1/catalog/items?"+query("filter", tc.filter, "order_by", tc.order), "")
		if got := restKeys(r, "items", "code"); !slices.Equal(got, tc.want) {
			t.Errorf("REST catalog filter %q order_by %q = %v, want %v", tc.filter, tc.order, got, tc.want)
		}
	}
	// The category and department parameters combine with the filter.
	r := e.restOK("", "GET", "/v1/catalog/items?category=CATEGORY_PENALTY&department=gtzyj&"+
		query("filter", `code = "`+p2+`"`), "")
	if got := restKeys(r, "items", "code"); !slices.Equal(got, []string{p2}) {
		t.Errorf("category, department and filter: %v", got)
	}

	// Pages of one under an order, over REST: each entry once, in order.
	var paged []string
	tok := ""
	for range 10 {
		r := e.restOK("", "GET", "/v1/catalog/items?page_size=1&"+query("order_by", "publish_time desc, code desc", "page_token", tok), "")
		paged = append(paged, restKeys(r, "items", "code")...)
		if tok = r.str("nextPageToken"); tok == "" {
			break
		}
	}
	if want := []string{lic, p2, p1}; !slices.Equal(paged, want) {
		t.Errorf("paged catalogue %v, want %v", paged, want)
	}

	items := []struct {
		filter, order string
		want          []*pb.Item
	}{
		{"category = CATEGORY_PENALTY", "", []*pb.Item{w.penalty1, w.penalty2, w.submitted}},
		{"state = STATE_DRAFT OR state = STATE_SUBMITTED", "", []*pb.Item{w.draft, w.submitted}},
		{"NOT publish_time:*", "display_name desc", []*pb.Item{w.submitted, w.draft}},
		{`code: "430400-CF*"`, "code desc", []*pb.Item{w.penalty2, w.penalty1}},
		{"department = hbj", "update_time desc", []*pb.Item{w.submitted, w.licence}},
	}
	for _, tc := range items {
		want := namesOf(tc.want)
		got := must(e.reg.ListItems(w.clerk, &pb.ListItemsRequest{Parent: "departments/-", Filter: tc.filter, OrderBy: tc.order})).Items
		if !slices.Equal(namesOf(got), want) {
			t.Errorf("gRPC ListItems(%q, %q) = %v, want %v", tc.filter, tc.order, namesOf(got), want)
		}
		r := e.restOK("gtj-clerk", "GET", "/v1/departments/-/items?"+query("filter", tc.filter, "order_by", tc.order), "")
		if got := restKeys(r, "items", "name"); !slices.Equal(got, want) {
			t.Errorf("REST items filter %q order_by %q = %v, want %v", tc.filter, tc.order, got, want)
		}
	}

	subs := must(e.reg.ListSubmissions(w.clerk, &pb.ListSubmissionsRequest{Parent: "departments/-", OrderBy: "create_time"})).Submissions
	if len(subs) != 3 || subs[0].Name != "departments/gtzyj/submissions/1" || subs[2].State != pb.Submission_STATE_SUBMITTED {
		t.Fatalf("submissions by creation: %v", subs)
	}
	r = e.restOK("gtj-clerk", "GET", "/v1/departments/-/submissions?"+query("filter", "state = STATE_SUBMITTED OR department = gtzyj"), "")
	if got := restKeys(r, "submissions", "name"); !slices.Equal(got, []string{subs[2].Name, subs[0].Name}) {
		t.Errorf("REST submissions filter: %v", got)
	}
}

// TestListFilterErrors: bad filters and orders are INVALID_ARGUMENT (HTTP
// 400) with a field violation on filter or order_by; a page token does not
// carry over to another filter.
func TestListFilterErrors(t *testing.T) {
	w := newQueryServer(t)
	e := w.e
	cases := []struct {
		name   string
		call   func() error
		path   string
		actor  string
		fields []string
		says   string
	}{
		{"catalogue unknown field", func() error {
			_, err := e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Filter: "state = STATE_DRAFT"})
			return err
		}, "/v1/catalog/items?" + query("filter", "state = STATE_DRAFT"), "", []string{"filter"}, `unknown field "state"`},
		{"catalogue syntax", func() error {
			_, err := e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Filter: `code: "430400`})
			return err
		}, "/v1/catalog/items?" + query("filter", `code: "430400`), "", []string{"filter"}, "unterminated string"},
		{"catalogue order", func() error {
			_, err := e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{OrderBy: "category"})
			return err
		}, "/v1/catalog/items?" + query("order_by", "category"), "", []string{"order_by"}, `cannot order by "category"`},
		{"items bad enum", func() error {
			_, err := e.reg.ListItems(w.clerk, &pb.ListItemsRequest{Parent: "departments/-", Filter: "state = DRAFT"})
			return err
		}, "/v1/departments/-/items?" + query("filter", "state = DRAFT"), "gtj-clerk", []string{"filter"}, "STATE_DRAFT"},
		{"submissions bad time", func() error {
			_, err := e.reg.ListSubmissions(w.clerk, &pb.ListSubmissionsRequest{Parent: "departments/-", Filter: "create_time > 2014"})
			return err
		}, "/v1/departments/-/submissions?" + query("filter", "create_time > 2014"), "gtj-clerk", []string{"filter"}, "RFC 3339"},
		{"both", func() error {
			_, err := e.reg.ListItems(w.clerk, &pb.ListItemsRequest{Parent: "departments/-", Filter: "(", OrderBy: "x y z"})
			return err
		}, "/v1/departments/-/items?" + query("filter", "(", "order_by", "x y z"), "gtj-clerk", []string{"filter", "order_by"}, "at character 2: the filter ends"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := wantStatus(t, tc.call(), codes.InvalidArgument, "INVALID_FIELDS")
			if got := fieldViolations(st); !slices.Equal(got, tc.fields) {
				t.Errorf("gRPC violations %v, want %v", got, tc.fields)
			}
			if !bilingual(st.Message()) {
				t.Errorf("message %q is not bilingual", st.Message())
			}
			r := e.rest(tc.actor, "GET", tc.path, "")
			if r.Code != http.StatusBadRequest || r.reason() != "INVALID_FIELDS" {
				t.Fatalf("REST %s: HTTP %d %s", tc.path, r.Code, r.Raw)
			}
			if got := r.restFieldViolations(); !slices.Equal(got, tc.fields) {
				t.Errorf("REST violations %v, want %v", got, tc.fields)
			}
			descs := r.restList("BadRequest", "fieldViolations", "description")
			if len(descs) == 0 || !strings.Contains(descs[0], tc.says) || !bilingual(descs[0]) {
				t.Errorf("REST violation %q does not say %q in both languages", descs, tc.says)
			}
		})
	}

	// A token of one filter refused with another.
	first := must(e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{PageSize: 1, Filter: `code: "430400*"`}))
	if first.NextPageToken == "" {
		t.Fatal("no next page")
	}
	_, err := e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{PageSize: 1, Filter: `code: "430400-CF*"`, PageToken: first.NextPageToken})
	if got := fieldViolations(wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")); !slices.Equal(got, []string{"page_token"}) {
		t.Errorf("token of another filter: violations %v", got)
	}
	r := e.rest("", "GET", "/v1/catalog/items?page_size=1&"+query("order_by", "display_name", "page_token", first.NextPageToken), "")
	if r.Code != http.StatusBadRequest || !slices.Equal(r.restFieldViolations(), []string{"page_token"}) {
		t.Errorf("token with another order over REST: HTTP %d %s", r.Code, r.Raw)
	}
}

// TestFilterEnumNames: every value name of the API's enums works in the
// filters (the registry keeps its own table of them), and the unspecified
// ones do not.
func TestFilterEnumNames(t *testing.T) {
	w := newQueryServer(t)
	e := w.e
	for n, name := range pb.Category_name {
		_, err := e.cat.ListCatalogItems(as(""), &pb.ListCatalogItemsRequest{Filter: "category = " + name})
		if n == 0 {
			wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")
		} else if err != nil {
			t.Errorf("category = %s: %v", name, err)
		}
	}
	for n, name := range pb.Item_State_name {
		got, err := e.reg.ListItems(w.clerk, &pb.ListItemsRequest{Parent: "departments/-", Filter: "state = " + name})
		if n == 0 {
			wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")
			continue
		}
		if err != nil {
			t.Errorf("state = %s: %v", name, err)
			continue
		}
		for _, it := range got.Items {
			if it.State != pb.Item_State(n) {
				t.Errorf("state = %s: %s is %s", name, it.Name, it.State)
			}
		}
	}
	for n, name := range pb.Submission_State_name {
		got, err := e.reg.ListSubmissions(w.clerk, &pb.ListSubmissionsRequest{Parent: "departments/-", Filter: "state = " + name})
		if n == 0 {
			wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")
			continue
		}
		if err != nil {
			t.Errorf("state = %s: %v", name, err)
			continue
		}
		for _, s := range got.Submissions {
			if s.State != pb.Submission_State(n) {
				t.Errorf("state = %s: %s is %s", name, s.Name, s.State)
			}
		}
	}
}
