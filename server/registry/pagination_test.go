package registry_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// pages calls list until it returns no next token, collecting the keys,
// and fails on a repeated key or a loop.
func pages[T any](t *testing.T, what string, list func(token string) ([]T, string, error), key func(T) string) []string {
	t.Helper()
	var keys []string
	seen := map[string]bool{}
	token := ""
	for n := 0; ; n++ {
		if n > 1000 {
			t.Fatalf("%s: more than 1000 pages", what)
		}
		page, next, err := list(token)
		if err != nil {
			t.Fatalf("%s: page %d: %v", what, n, err)
		}
		for _, x := range page {
			k := key(x)
			if seen[k] {
				t.Fatalf("%s: %s served twice", what, k)
			}
			seen[k] = true
			keys = append(keys, k)
		}
		if next == "" {
			return keys
		}
		if next == token {
			t.Fatalf("%s: next token repeats", what)
		}
		token = next
	}
}

// TestPagination: small pages serve every record exactly once, in order.
func TestPagination(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	e.dept("hbj", "市环境保护局")
	e.dept("jtj", "市交通运输局")
	cats := []registry.Category{registry.CategoryPenalty, registry.CategoryLicensing, registry.CategoryLevy}
	var all []*registry.ItemView
	byDept := map[string][]*registry.ItemView{}
	for i := range 23 {
		dept := []string{"gtzyj", "hbj", "jtj"}[i%3]
		v := e.item(dept, fmt.Sprintf("事项%02d", i), cats[i%len(cats)])
		all = append(all, v)
		byDept[dept] = append(byDept[dept], v)
	}
	// Publish most of them, one submission per department, and a few
	// sub-items.
	var subs []*registry.Submission
	for _, d := range []string{"gtzyj", "hbj", "jtj"} {
		items := byDept[d]
		subs = append(subs, e.approved(d, items[:len(items)-1]...))
	}
	e.publish(subs...)
	for _, main := range []*registry.ItemView{all[0], all[1]} {
		s1 := e.subItem(main, main.Content.DisplayName+"之一")
		s2 := e.subItem(main, main.Content.DisplayName+"之二")
		e.publishItems(main.Item.Department, s1, s2)
		all = append(all, s1, s2)
	}
	full := catalogCodes(e.catalog())
	if len(full) != 20+4 {
		t.Fatalf("catalogue has %d entries, want 24", len(full))
	}

	itemKey := func(v *registry.ItemView) string { return itemName(v) }
	for _, tc := range []struct {
		dept  string
		state registry.ItemState
	}{
		{"-", 0}, {"gtzyj", 0}, {"hbj", 0}, {"-", registry.ItemPublished}, {"-", registry.ItemDraft}, {"jtj", registry.ItemDraft},
	} {
		var want []string
		for _, v := range all {
			got := e.getItem(v)
			if (tc.dept == "-" || v.Item.Department == tc.dept) && (tc.state == 0 || got.Item.State == tc.state) {
				want = append(want, itemName(v))
			}
		}
		for _, size := range []int{1, 2, 5, 7, 100} {
			what := fmt.Sprintf("ListItems(%s, state %d, size %d)", tc.dept, tc.state, size)
			got := pages(t, what, func(tok string) ([]*registry.ItemView, string, error) {
				return e.svc.ListItems(tc.dept, tc.state, size, tok)
			}, itemKey)
			if !slices.Equal(got, want) {
				t.Errorf("%s:\n got %v\nwant %v", what, got, want)
			}
		}
	}

	entryKey := func(v *registry.CatalogView) string { return v.Entry.Code }
	for _, tc := range []struct {
		cat  registry.Category
		dept string
	}{
		{0, ""}, {registry.CategoryPenalty, ""}, {0, "hbj"}, {registry.CategoryLevy, "jtj"}, {registry.CategoryOther, ""},
	} {
		var want []string
		for _, v := range e.catalog() {
			if (tc.cat == 0 || v.Entry.Content.Category == tc.cat) && (tc.dept == "" || v.Entry.Department == tc.dept) {
				want = append(want, v.Entry.Code)
			}
		}
		for _, size := range []int{1, 3, 4, 50} {
			what := fmt.Sprintf("ListCatalog(%d, %q, size %d)", tc.cat, tc.dept, size)
			got := pages(t, what, func(tok string) ([]*registry.CatalogView, string, error) {
				return e.svc.ListCatalog(tc.cat, tc.dept, size, tok)
			}, entryKey)
			if !slices.Equal(got, want) {
				t.Errorf("%s:\n got %v\nwant %v", what, got, want)
			}
		}
	}

	// Submissions newest first, publications newest first, departments
	// in id order.
	allSubs, _, err := e.svc.ListSubmissions("-", 0, 0, "")
	e.must(err, "ListSubmissions")
	var wantSubs []string
	for _, s := range allSubs {
		wantSubs = append(wantSubs, subName(s))
	}
	if len(wantSubs) != 5 || !slices.IsSortedFunc(allSubs, func(a, b *registry.Submission) int { return int(b.ID) - int(a.ID) }) {
		t.Errorf("submissions not newest first: %v", wantSubs)
	}
	gotSubs := pages(t, "ListSubmissions", func(tok string) ([]*registry.Submission, string, error) {
		return e.svc.ListSubmissions("-", 0, 2, tok)
	}, subName)
	if !slices.Equal(gotSubs, wantSubs) {
		t.Errorf("paged submissions %v, want %v", gotSubs, wantSubs)
	}
	gtSubs := pages(t, "ListSubmissions gtzyj", func(tok string) ([]*registry.Submission, string, error) {
		return e.svc.ListSubmissions("gtzyj", registry.SubmissionPublished, 1, tok)
	}, subName)
	if !slices.Equal(gtSubs, []string{"departments/gtzyj/submissions/4", "departments/gtzyj/submissions/1"}) {
		t.Errorf("gtzyj submissions %v", gtSubs)
	}
	pubIDs := pages(t, "ListPublications", func(tok string) ([]*registry.Publication, string, error) {
		return e.svc.ListPublications(1, tok)
	}, func(p *registry.Publication) string { return registry.PublicationName(p.ID) })
	if !slices.Equal(pubIDs, []string{"publications/3", "publications/2", "publications/1"}) {
		t.Errorf("publications %v", pubIDs)
	}
	depts := pages(t, "ListDepartments", func(tok string) ([]*registry.Department, string, error) {
		return e.svc.ListDepartments(1, tok)
	}, func(d *registry.Department) string { return d.ID })
	if !slices.Equal(depts, []string{"gtzyj", "hbj", "jtj"}) {
		t.Errorf("departments %v", depts)
	}

	// Revisions newest first.
	for range 4 {
		_, err := e.svc.UpdateItem(clerk, "gtzyj", all[0].Item.ID, registry.ItemInput{Content: registry.Content{Remark: "r"}}, []string{"remark"}, "")
		e.must(err, "UpdateItem")
	}
	revs := pages(t, "ListRevisions", func(tok string) ([]*registry.RevisionView, string, error) {
		return e.svc.ListRevisions("gtzyj", all[0].Item.ID, 2, tok)
	}, func(r *registry.RevisionView) string { return fmt.Sprint(r.Revision.Number) })
	if !slices.Equal(revs, []string{"5", "4", "3", "2", "1"}) {
		t.Errorf("revisions %v", revs)
	}

	// Sizes above the maximum are lowered, not refused.
	if list, _, err := e.svc.ListCatalog(0, "", 1_000_000, ""); err != nil || len(list) != len(full) {
		t.Errorf("ListCatalog with a huge page size: %d entries, %v", len(list), err)
	}
	if list, _, err := e.svc.ListItems("-", 0, 1_000_000, ""); err != nil || len(list) != len(all) {
		t.Errorf("ListItems with a huge page size: %d items, %v", len(list), err)
	}
}

// TestPageTokenFilters: a token only continues the list it came from.
func TestPageTokenFilters(t *testing.T) {
	e, it := pagedEnv(t)
	_, itemTok, err := e.svc.ListItems("gtzyj", 0, 1, "")
	e.must(err, "ListItems")
	_, catTok, err := e.svc.ListCatalog(0, "", 1, "")
	e.must(err, "ListCatalog")
	_, subTok, err := e.svc.ListSubmissions("-", 0, 1, "")
	e.must(err, "ListSubmissions")
	_, revTok, err := e.svc.ListRevisions("gtzyj", it.Item.ID, 1, "")
	e.must(err, "ListRevisions")
	_, evTok, err := e.svc.ListEvents(itemName(it), 1, "")
	e.must(err, "ListEvents")
	_, pubItemTok, err := e.svc.ListPublicationItems("publications/1", 1, "")
	e.must(err, "ListPublicationItems")
	for _, tok := range []string{itemTok, catTok, subTok, revTok, evTok, pubItemTok} {
		if tok == "" {
			t.Fatalf("a first page has no next token")
		}
	}
	other := e.item("gtzyj", "戊", registry.CategoryPenalty)

	for name, run := range map[string]func() error{
		"ListItems other state": func() error { _, _, err := e.svc.ListItems("gtzyj", registry.ItemDraft, 1, itemTok); return err },
		"ListItems other dept":  func() error { _, _, err := e.svc.ListItems("-", 0, 1, itemTok); return err },
		"ListItems catalog token": func() error {
			_, _, err := e.svc.ListItems("gtzyj", 0, 1, catTok)
			return err
		},
		"ListCatalog other category": func() error {
			_, _, err := e.svc.ListCatalog(registry.CategoryPenalty, "", 1, catTok)
			return err
		},
		"ListCatalog other department": func() error { _, _, err := e.svc.ListCatalog(0, "gtzyj", 1, catTok); return err },
		"ListSubmissions other state": func() error {
			_, _, err := e.svc.ListSubmissions("-", registry.SubmissionPublished, 1, subTok)
			return err
		},
		"ListSubmissions other dept": func() error { _, _, err := e.svc.ListSubmissions("gtzyj", 0, 1, subTok); return err },
		"ListRevisions other item": func() error {
			_, _, err := e.svc.ListRevisions("gtzyj", other.Item.ID, 1, revTok)
			return err
		},
		"ListEvents other item":       func() error { _, _, err := e.svc.ListEvents(itemName(other), 1, evTok); return err },
		"ListPublications item token": func() error { _, _, err := e.svc.ListPublications(1, itemTok); return err },
		"ListPublicationItems other publication": func() error {
			_, _, err := e.svc.ListPublicationItems("publications/2", 1, pubItemTok)
			return err
		},
		"ListPublicationItems item token": func() error {
			_, _, err := e.svc.ListPublicationItems("publications/1", 1, itemTok)
			return err
		},
		"ListDepartments garbage": func() error { _, _, err := e.svc.ListDepartments(1, "!!!"); return err },
		"ListCatalog truncated":   func() error { _, _, err := e.svc.ListCatalog(0, "", 1, catTok[:len(catTok)/2]); return err },
	} {
		t.Run(name, func(t *testing.T) { wantFields(t, run(), "page_token") })
	}
	// With the same filters and another page size, the token is good.
	if _, _, err := e.svc.ListItems("gtzyj", 0, 10, itemTok); err != nil {
		t.Errorf("ListItems with another page size: %v", err)
	}
}
