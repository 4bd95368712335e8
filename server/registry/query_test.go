package registry_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// queryWorld is a small registry for the filter and order_by tests, one
// hour apart between steps:
//
//	g1, g2  gtzyj penalties, published at t1 (submission s1)
//	g3      gtzyj licensing, published at t1, then renamed: a draft with a
//	        pending change, still in force under its old name
//	g4      gtzyj levy, a draft in the draft submission s4
//	h1      hbj licensing, published at t2 (submission s2)
//	h2      hbj penalty, submitted (submission s3)
type queryWorld struct {
	e                      *env
	g1, g2, g3, g4, h1, h2 *registry.ItemView
	s1, s2, s3, s4         *registry.Submission
	t1, t2, renamed        time.Time
	code                   map[string]string // by display name of the item in force
}

func newQueryWorld(t *testing.T) *queryWorld {
	e := newEnv(t)
	w := &queryWorld{e: e, code: map[string]string{}}
	e.dept("gtzyj", "市国土资源局")
	e.dept("hbj", "市环境保护局")
	step := func() { e.clock.Advance(time.Hour) }
	w.g1 = e.item("gtzyj", "对非法占用土地的处罚", registry.CategoryPenalty)
	step()
	w.g2 = e.item("gtzyj", "对破坏耕地的处罚", registry.CategoryPenalty)
	step()
	w.g3 = e.item("gtzyj", "建设用地审批", registry.CategoryLicensing)
	step()
	w.g4 = e.item("gtzyj", "土地闲置费征收", registry.CategoryLevy)
	step()
	w.h1 = e.item("hbj", "排污许可", registry.CategoryLicensing)
	step()
	w.h2 = e.item("hbj", "对超标排污的处罚", registry.CategoryPenalty)
	step()
	w.s1 = e.approved("gtzyj", w.g1, w.g2, w.g3)
	step()
	w.t1 = e.clock.t
	e.publish(w.s1)
	step()
	w.s2 = e.approved("hbj", w.h1)
	step()
	w.t2 = e.clock.t
	e.publish(w.s2)
	step()
	w.s3 = e.submit(e.batch("hbj", w.h2))
	step()
	w.s4 = e.batch("gtzyj", w.g4)
	step()
	w.renamed = e.clock.t
	_, err := e.svc.UpdateItem(clerk, "gtzyj", w.g3.Item.ID, registry.ItemInput{Content: registry.Content{DisplayName: "建设用地审批（修改）"}},
		[]string{"display_name"}, "")
	e.must(err, "UpdateItem")
	step()
	for _, p := range []**registry.ItemView{&w.g1, &w.g2, &w.g3, &w.g4, &w.h1, &w.h2} {
		*p = e.getItem(*p)
	}
	for _, p := range []**registry.Submission{&w.s1, &w.s2, &w.s3, &w.s4} {
		*p = e.getSub(*p)
	}
	for _, v := range e.catalog() {
		w.code[v.Entry.Content.DisplayName] = v.Entry.Code
	}
	if len(w.code) != 4 || w.g3.Item.State != registry.ItemDraft || w.g3.Item.Code == "" || w.s4.State != registry.SubmissionDraft {
		t.Fatalf("setup: catalogue %v, g3 %+v, s4 %+v", w.code, w.g3.Item, w.s4)
	}
	return w
}

func rfc(t time.Time) string { return `"` + t.Format(time.RFC3339) + `"` }

func subNames(subs ...*registry.Submission) []string {
	var out []string
	for _, s := range subs {
		out = append(out, subName(s))
	}
	return out
}

// TestListItemsFilter: each filter field and operator, alone and combined
// with the request's department and state.
func TestListItemsFilter(t *testing.T) {
	w := newQueryWorld(t)
	g1, g2, g3, g4, h1, h2 := w.g1, w.g2, w.g3, w.g4, w.h1, w.h2
	cases := []struct {
		dept   string
		state  registry.ItemState
		filter string
		want   []*registry.ItemView
	}{
		{"-", 0, "", []*registry.ItemView{g1, g2, g3, g4, h1, h2}},
		{"-", 0, "category = CATEGORY_PENALTY", []*registry.ItemView{g1, g2, h2}},
		{"-", 0, "category != CATEGORY_PENALTY", []*registry.ItemView{g3, g4, h1}},
		{"-", 0, "state = STATE_DRAFT", []*registry.ItemView{g3, g4}},
		{"-", 0, "state = STATE_SUBMITTED OR state = STATE_PUBLISHED", []*registry.ItemView{g1, g2, h1, h2}},
		{"-", 0, `code: "430400-CF*"`, []*registry.ItemView{g1, g2}},
		{"-", 0, `code = "` + w.code["排污许可"] + `"`, []*registry.ItemView{h1}},
		{"-", 0, "code:*", []*registry.ItemView{g1, g2, g3, h1}},
		{"-", 0, "-code:*", []*registry.ItemView{g4, h2}},
		{"-", 0, "department = hbj", []*registry.ItemView{h1, h2}},
		{"-", 0, `department = "departments/gtzyj" AND NOT category = CATEGORY_PENALTY`, []*registry.ItemView{g3, g4}},
		{"-", 0, "update_time >= " + rfc(w.renamed), []*registry.ItemView{g3}},
		{"-", 0, "update_time < " + rfc(w.t1), []*registry.ItemView{g4}}, // a draft batch does not touch its items
		{"-", 0, "publish_time > " + rfc(w.t1), []*registry.ItemView{h1}},
		{"-", 0, "publish_time = " + rfc(w.t1), []*registry.ItemView{g1, g2, g3}},
		{"-", 0, "publish_time <= " + rfc(w.t2), []*registry.ItemView{g1, g2, g3, h1}},
		// Items never published match no comparison on publish_time.
		{"-", 0, "publish_time != " + rfc(w.t1), []*registry.ItemView{h1}},
		{"-", 0, "NOT publish_time:*", []*registry.ItemView{g4, h2}},
		{"-", 0, `display_name: "处罚"`, []*registry.ItemView{g1, g2, h2}},
		{"-", 0, `display_name = "建设用地审批（修改）"`, []*registry.ItemView{g3}},
		{"-", 0, `display_name = "建设用地审批"`, nil},
		{"-", 0, "category = CATEGORY_LICENSING AND state = STATE_PUBLISHED", []*registry.ItemView{h1}},
		{"-", 0, "category = CATEGORY_PENALTY OR department = hbj", []*registry.ItemView{g1, g2, h1, h2}},
		{"-", registry.ItemPublished, "category = CATEGORY_PENALTY", []*registry.ItemView{g1, g2}},
		{"gtzyj", 0, "department = hbj", nil},
		{"hbj", 0, "category = CATEGORY_PENALTY", []*registry.ItemView{h2}},
	}
	for _, tc := range cases {
		want := names(tc.want...)
		for _, size := range []int{1, 2, 100} {
			what := fmt.Sprintf("ListItems(%s, %d, %q, size %d)", tc.dept, tc.state, tc.filter, size)
			got := pages(t, what, func(tok string) ([]*registry.ItemView, string, error) {
				return w.e.svc.ListItemsQuery(tc.dept, tc.state, registry.ListQuery{Filter: tc.filter}, size, tok)
			}, itemName)
			if !slices.Equal(got, want) {
				t.Errorf("%s:\n got %v\nwant %v", what, got, want)
			}
		}
	}
}

// TestListItemsOrder: order_by sorts before paging, ties in creation
// order, and pages of any size serve every item once, in that order.
func TestListItemsOrder(t *testing.T) {
	w := newQueryWorld(t)
	g1, g2, g3, g4, h1, h2 := w.g1, w.g2, w.g3, w.g4, w.h1, w.h2
	all := []*registry.ItemView{g1, g2, g3, g4, h1, h2}
	byUpdate := slices.Clone(all)
	slices.SortStableFunc(byUpdate, func(a, b *registry.ItemView) int { return b.Item.UpdateTime.Compare(a.Item.UpdateTime) })
	byName := slices.Clone(all)
	slices.SortStableFunc(byName, func(a, b *registry.ItemView) int {
		return strings.Compare(a.Content.DisplayName, b.Content.DisplayName)
	})
	cases := []struct {
		filter, order string
		want          []*registry.ItemView
	}{
		// Never published first (as the earliest), ties by creation.
		{"", "publish_time", []*registry.ItemView{g4, h2, g1, g2, g3, h1}},
		{"", "publish_time desc", []*registry.ItemView{h1, g1, g2, g3, g4, h2}},
		{"", "code", []*registry.ItemView{g4, h2, g1, g2, g3, h1}},
		{"", "code desc", []*registry.ItemView{h1, g3, g2, g1, g4, h2}},
		{"", "update_time desc", byUpdate},
		{"", "display_name", byName},
		// Names in code point order: 对破… < 对非… < 建….
		{"", "publish_time desc, display_name", []*registry.ItemView{h1, g2, g1, g3, g4, h2}},
		// g1 and g2 were last updated together, at publication.
		{"category = CATEGORY_PENALTY", "update_time desc", []*registry.ItemView{h2, g1, g2}},
		{"code:*", " code DESC ", []*registry.ItemView{h1, g3, g2, g1}},
	}
	if byUpdate[0] != g3 {
		t.Fatalf("the renamed item is not the last updated")
	}
	for _, tc := range cases {
		want := names(tc.want...)
		for _, size := range []int{1, 2, 4, 100} {
			what := fmt.Sprintf("ListItems(filter %q, order_by %q, size %d)", tc.filter, tc.order, size)
			got := pages(t, what, func(tok string) ([]*registry.ItemView, string, error) {
				return w.e.svc.ListItemsQuery("-", 0, registry.ListQuery{Filter: tc.filter, OrderBy: tc.order}, size, tok)
			}, itemName)
			if !slices.Equal(got, want) {
				t.Errorf("%s:\n got %v\nwant %v", what, got, want)
			}
		}
	}
	// The working copy is served, with its content, not only the key.
	list, _, err := w.e.svc.ListItemsQuery("gtzyj", 0, registry.ListQuery{OrderBy: "update_time desc"}, 1, "")
	w.e.must(err, "ListItemsQuery")
	if len(list) != 1 || list[0].Content.DisplayName != "建设用地审批（修改）" || list[0].DepartmentName != "市国土资源局" {
		t.Errorf("first item by update time: %+v", list)
	}
}

// TestListSubmissionsFilter: filters and orders of the review queue.
func TestListSubmissionsFilter(t *testing.T) {
	w := newQueryWorld(t)
	s1, s2, s3, s4 := w.s1, w.s2, w.s3, w.s4
	cases := []struct {
		dept          string
		state         registry.SubmissionState
		filter, order string
		want          []*registry.Submission
	}{
		{"-", 0, "", "", []*registry.Submission{s4, s3, s2, s1}},
		{"-", 0, "state = STATE_PUBLISHED", "", []*registry.Submission{s2, s1}},
		{"-", 0, "state != STATE_PUBLISHED", "", []*registry.Submission{s4, s3}},
		{"-", 0, "department = gtzyj", "", []*registry.Submission{s4, s1}},
		{"-", 0, "create_time > " + rfc(s2.CreateTime), "", []*registry.Submission{s4, s3}},
		{"-", 0, "create_time <= " + rfc(s2.CreateTime), "", []*registry.Submission{s2, s1}},
		{"-", 0, "update_time >= " + rfc(w.t2), "", []*registry.Submission{s4, s3, s2}},
		{"-", registry.SubmissionPublished, "department = hbj", "", []*registry.Submission{s2}},
		{"hbj", 0, "state = STATE_SUBMITTED OR state = STATE_DRAFT", "", []*registry.Submission{s3}},
		{"-", 0, "", "create_time", []*registry.Submission{s1, s2, s3, s4}},
		{"-", 0, "", "create_time desc", []*registry.Submission{s4, s3, s2, s1}},
		{"-", 0, "", "update_time", []*registry.Submission{s1, s2, s3, s4}},
		{"-", 0, "department = hbj", "update_time desc", []*registry.Submission{s3, s2}},
	}
	for _, tc := range cases {
		want := subNames(tc.want...)
		for _, size := range []int{1, 3, 100} {
			what := fmt.Sprintf("ListSubmissions(%s, %d, %q, %q, size %d)", tc.dept, tc.state, tc.filter, tc.order, size)
			got := pages(t, what, func(tok string) ([]*registry.Submission, string, error) {
				return w.e.svc.ListSubmissionsQuery(tc.dept, tc.state, registry.ListQuery{Filter: tc.filter, OrderBy: tc.order}, size, tok)
			}, subName)
			if !slices.Equal(got, want) {
				t.Errorf("%s:\n got %v\nwant %v", what, got, want)
			}
		}
	}
}

// TestListCatalogFilter: the portal's filters over the index scans, the
// code prefix, and the orders.
func TestListCatalogFilter(t *testing.T) {
	w := newQueryWorld(t)
	c1, c2, c3, ch := w.code["对非法占用土地的处罚"], w.code["对破坏耕地的处罚"], w.code["建设用地审批"], w.code["排污许可"]
	if !strings.HasPrefix(c1, "430400-CF-") || !strings.HasPrefix(c3, "430400-XK-") || !(c3 < ch) {
		t.Fatalf("codes %v", w.code)
	}
	cases := []struct {
		cat           registry.Category
		dept          string
		filter, order string
		want          []string
	}{
		{0, "", "", "", []string{c1, c2, c3, ch}},
		{0, "", "", "code", []string{c1, c2, c3, ch}},
		{0, "", `code: "430400-CF*"`, "", []string{c1, c2}},
		{0, "", `code = "430400-XK*"`, "", []string{c3, ch}},
		{0, "", `code: "430400-XK*" AND code: "430400*"`, "", []string{c3, ch}},
		{0, "", `code: "430400-ZZ*"`, "", nil},
		{0, "", `code: "0*"`, "", nil},
		{0, "", `code: "9*"`, "", nil},
		{0, "", `code = "` + c2 + `"`, "", []string{c2}},
		{0, "", `code = "` + c2 + `" OR code = "` + ch + `"`, "", []string{c2, ch}},
		{0, "", `code: "-00"`, "", []string{c1, c2, c3, ch}},
		{0, "", "category = CATEGORY_LICENSING", "", []string{c3, ch}},
		{0, "", `department = "departments/hbj"`, "", []string{ch}},
		{0, "", "department = gtzyj AND NOT category = CATEGORY_LICENSING", "", []string{c1, c2}},
		{0, "", "publish_time > " + rfc(w.t1), "", []string{ch}},
		{0, "", "publish_time >= " + rfc(w.t1) + " AND publish_time < " + rfc(w.t2), "", []string{c1, c2, c3}},
		// The catalogue shows the revision in force: the old name.
		{0, "", `display_name = "建设用地审批"`, "", []string{c3}},
		{0, "", `display_name: "处罚"`, "", []string{c1, c2}},
		{registry.CategoryPenalty, "", "department = gtzyj", "", []string{c1, c2}},
		{registry.CategoryLicensing, "", `code: "430400-XK*"`, "", []string{c3, ch}},
		{0, "hbj", `code: "430400-CF*"`, "", nil},
		{0, "gtzyj", `code: "430400-XK*"`, "", []string{c3}},
		{0, "", "", "code desc", []string{ch, c3, c2, c1}},
		{0, "", "", "publish_time desc", []string{ch, c1, c2, c3}},
		{0, "", "", "publish_time desc, code desc", []string{ch, c3, c2, c1}},
		{0, "", "", "display_name", []string{c2, c1, c3, ch}},
		{0, "", `code: "430400-XK*"`, "publish_time desc", []string{ch, c3}},
		{0, "gtzyj", "category = CATEGORY_PENALTY", "display_name desc", []string{c1, c2}},
	}
	for _, tc := range cases {
		for _, size := range []int{1, 2, 50} {
			what := fmt.Sprintf("ListCatalog(%d, %q, %q, %q, size %d)", tc.cat, tc.dept, tc.filter, tc.order, size)
			got := pages(t, what, func(tok string) ([]*registry.CatalogView, string, error) {
				return w.e.svc.ListCatalogQuery(tc.cat, tc.dept, registry.ListQuery{Filter: tc.filter, OrderBy: tc.order}, size, tok)
			}, func(v *registry.CatalogView) string { return v.Entry.Code })
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s:\n got %v\nwant %v", what, got, tc.want)
			}
		}
	}
	// The default order spelt out is the default list: same tokens.
	_, plain, err := w.e.svc.ListCatalog(0, "", 1, "")
	w.e.must(err, "ListCatalog")
	_, spelt, err := w.e.svc.ListCatalogQuery(0, "", registry.ListQuery{OrderBy: "code asc"}, 1, "")
	w.e.must(err, "ListCatalogQuery")
	if plain != spelt {
		t.Errorf("order_by code: token %q, without: %q", spelt, plain)
	}
	list, _, err := w.e.svc.ListCatalogQuery(0, "", registry.ListQuery{OrderBy: "publish_time desc"}, 1, "")
	w.e.must(err, "ListCatalogQuery")
	if len(list) != 1 || list[0].DepartmentName != "市环境保护局" || list[0].Entry.Content.DisplayName != "排污许可" {
		t.Errorf("newest entry: %+v", list)
	}
}

// TestQueryErrors: a bad filter or order_by is INVALID_ARGUMENT with a
// violation on the field that names the problem and where it is.
func TestQueryErrors(t *testing.T) {
	w := newQueryWorld(t)
	svc := w.e.svc
	items := func(f, o string) error {
		_, _, err := svc.ListItemsQuery("-", 0, registry.ListQuery{Filter: f, OrderBy: o}, 0, "")
		return err
	}
	subs := func(f, o string) error {
		_, _, err := svc.ListSubmissionsQuery("-", 0, registry.ListQuery{Filter: f, OrderBy: o}, 0, "")
		return err
	}
	cat := func(f, o string) error {
		_, _, err := svc.ListCatalogQuery(0, "", registry.ListQuery{Filter: f, OrderBy: o}, 0, "")
		return err
	}
	for _, tc := range []struct {
		name   string
		err    error
		fields []string
		want   []string // in the description of the first violation
	}{
		{"unknown field", items("colour = red", ""), []string{"filter"}, []string{`"colour"`, "character 1", "第 1 个字符", "category, state, code"}},
		{"bad enum", items("category = PENALTY", ""), []string{"filter"}, []string{"PENALTY", "CATEGORY_PENALTY", "character 12"}},
		{"item state on submissions", subs("state = STATE_ABOLISHED", ""), []string{"filter"}, []string{"STATE_ABOLISHED", "STATE_DRAFT"}},
		{"bad time", items(`update_time > "yesterday"`, ""), []string{"filter"}, []string{"update_time", "RFC 3339"}},
		{"lower-case and", items("state = STATE_DRAFT and code:*", ""), []string{"filter"}, []string{"upper case"}},
		{"syntax", items("(state = STATE_DRAFT", ""), []string{"filter"}, []string{"not closed"}},
		{"no category on submissions", subs("category = CATEGORY_PENALTY", ""), []string{"filter"}, []string{`"category"`}},
		{"no state in the catalogue", cat("state = STATE_PUBLISHED", ""), []string{"filter"}, []string{`"state"`}},
		{"order field", items("", "category"), []string{"order_by"}, []string{`"category"`, "code, update_time, publish_time, display_name"}},
		{"order direction", subs("", "create_time up"), []string{"order_by"}, []string{"asc or desc"}},
		{"catalogue order", cat("", "update_time"), []string{"order_by"}, []string{`"update_time"`}},
		{"both", cat("x = 1", "x"), []string{"filter", "order_by"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantFields(t, tc.err, tc.fields...)
			re := wantErr(t, tc.err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
			for _, s := range tc.want {
				if !strings.Contains(re.Violations[0].Description, s) {
					t.Errorf("violation %q does not say %q", re.Violations[0].Description, s)
				}
			}
		})
	}
	// Errors in the request's other fields come first, as before.
	_, _, err := svc.ListItemsQuery("-", 0, registry.ListQuery{Filter: "x"}, -1, "")
	wantFields(t, err, "page_size")
	_, _, err = svc.ListCatalogQuery(11, "", registry.ListQuery{Filter: "x"}, 0, "")
	wantFields(t, err, "category")
}

// TestQueryPageTokens: a token continues only the list, filter and order
// it came from (however the filter is spelt), and a forged cursor of a
// sorted list is refused.
func TestQueryPageTokens(t *testing.T) {
	w := newQueryWorld(t)
	svc := w.e.svc
	q := func(f, o string) registry.ListQuery { return registry.ListQuery{Filter: f, OrderBy: o} }
	_, itemTok, err := svc.ListItemsQuery("-", 0, q("category = CATEGORY_PENALTY", ""), 1, "")
	w.e.must(err, "ListItemsQuery")
	_, sortedTok, err := svc.ListItemsQuery("-", 0, q("", "update_time desc"), 1, "")
	w.e.must(err, "ListItemsQuery")
	_, plainTok, err := svc.ListItems("-", 0, 1, "")
	w.e.must(err, "ListItems")
	_, subTok, err := svc.ListSubmissionsQuery("-", 0, q("", "create_time"), 1, "")
	w.e.must(err, "ListSubmissionsQuery")
	_, catTok, err := svc.ListCatalogQuery(0, "", q(`code: "430400*"`, ""), 1, "")
	w.e.must(err, "ListCatalogQuery")
	_, catSortedTok, err := svc.ListCatalogQuery(0, "", q("", "display_name"), 1, "")
	w.e.must(err, "ListCatalogQuery")
	for _, tok := range []string{itemTok, sortedTok, plainTok, subTok, catTok, catSortedTok} {
		if tok == "" {
			t.Fatalf("a first page has no next token")
		}
	}
	items := func(lq registry.ListQuery, tok string) func() error {
		return func() error { _, _, err := svc.ListItemsQuery("-", 0, lq, 1, tok); return err }
	}
	catalog := func(lq registry.ListQuery, tok string) func() error {
		return func() error { _, _, err := svc.ListCatalogQuery(0, "", lq, 1, tok); return err }
	}
	for name, run := range map[string]func() error{
		"other filter":     items(q("category = CATEGORY_LICENSING", ""), itemTok),
		"filter dropped":   items(q("", ""), itemTok),
		"filter added":     items(q("category = CATEGORY_PENALTY", ""), plainTok),
		"filter and order": items(q("category = CATEGORY_PENALTY", "update_time desc"), itemTok),
		"other order":      items(q("", "update_time"), sortedTok),
		"order dropped":    items(q("", ""), sortedTok),
		"other state": func() error {
			_, _, err := svc.ListItemsQuery("-", registry.ItemDraft, q("category = CATEGORY_PENALTY", ""), 1, itemTok)
			return err
		},
		"submissions order": func() error {
			_, _, err := svc.ListSubmissionsQuery("-", 0, q("", "create_time desc"), 1, subTok)
			return err
		},
		"catalogue prefix":       catalog(q(`code: "430400-CF*"`, ""), catTok),
		"catalogue order":        catalog(q("", "display_name desc"), catSortedTok),
		"forged empty cursor":    items(q("", "update_time desc"), forge(t, sortedTok, "{}")),
		"forged cursor":          items(q("", "update_time desc"), forge(t, sortedTok, "12")),
		"forged cursor length":   items(q("", "update_time desc"), forge(t, sortedTok, `{"k":[{},{}],"t":{}}`)),
		"forged cursor time":     items(q("", "update_time desc"), forge(t, sortedTok, `{"k":[{"t":"never"}],"t":{}}`)),
		"forged catalogue token": catalog(q("", "display_name"), forge(t, catSortedTok, "null")),
	} {
		t.Run(name, func(t *testing.T) { wantFields(t, run(), "page_token") })
	}
	// The same filter and order spelt otherwise continue the list.
	for name, run := range map[string]func() error{
		"spacing":       items(q("category=CATEGORY_PENALTY", ""), itemTok),
		"quotes":        items(q(`category = "CATEGORY_PENALTY"`, ""), itemTok),
		"order spacing": items(q("  ", " update_time   desc "), sortedTok),
		"catalogue":     catalog(q(`code:430400*`, "code asc"), catTok),
	} {
		if err := run(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzListQuery: whatever filter and order_by a client sends, the three
// lists do not panic; they answer, or fail with INVALID_ARGUMENT on filter
// and order_by only.
func FuzzListQuery(f *testing.F) {
	e, _ := pagedEnv(f)
	for _, s := range [][2]string{{"", ""}, {"category = CATEGORY_PENALTY", "code"}, {`code: "430400-CF*"`, "publish_time desc"},
		{"state = STATE_PUBLISHED OR department = hbj", "update_time desc, display_name"}, {"NOT (x", "code,"},
		{`publish_time > "2014-10-08T09:30:00Z"`, "create_time"}, {"display_name: 甲", "display_name desc"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, flt, order string) {
		lq := registry.ListQuery{Filter: flt, OrderBy: order}
		check := func(what string, err error) {
			if err == nil {
				return
			}
			var re *registry.Error
			if !errors.As(err, &re) || re.Class != registry.ClassInvalidArgument || len(re.Violations) == 0 {
				t.Fatalf("%s(%q, %q): %v; want INVALID_ARGUMENT", what, flt, order, err)
			}
			for _, v := range re.Violations {
				if v.Field != "filter" && v.Field != "order_by" {
					t.Fatalf("%s(%q, %q): violation of %s", what, flt, order, v.Field)
				}
			}
		}
		_, _, err := e.svc.ListItemsQuery("-", 0, lq, 2, "")
		check("ListItemsQuery", err)
		_, _, err = e.svc.ListSubmissionsQuery("-", 0, lq, 2, "")
		check("ListSubmissionsQuery", err)
		_, _, err = e.svc.ListCatalogQuery(0, "", lq, 2, "")
		check("ListCatalogQuery", err)
	})
}
