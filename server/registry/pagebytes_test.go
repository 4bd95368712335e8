package registry_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// TestPageBytes: with elements of a third of registry.PageBytes each,
// every list serves two a page whatever page_size asks, and its pages
// together are the whole list (as one page bounded by count only gives it).
func TestPageBytes(t *testing.T) {
	e, it := pagedEnv(t)
	e.dept("jtj", "市交通运输局")
	var hbj []*registry.ItemView
	for i := range 5 {
		hbj = append(hbj, e.item("hbj", fmt.Sprintf("事项%d", i), registry.CategoryLicensing))
	}
	pub := registry.PublicationName(e.publishItems("hbj", hbj[:3]...).ID)
	// it, published once and edited since: published twice more.
	e.publishItems("gtzyj", e.getItem(it))
	_, err := e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "again"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem")
	e.publishItems("gtzyj", e.getItem(it))
	code := e.getItem(it).Item.Code
	const big = registry.PageBytes/3 + 1
	sized := registry.New(registry.Config{Store: e.db, DefaultRegion: "430400", Now: e.clock.Now,
		EncodedSize: func(any) int { return big }})
	type list func(svc *registry.Service, token string) (n int, next string, err error)
	count := func(n int, next string, err error) (int, string, error) { return n, next, err }
	asOf := t0.Add(time.Hour)
	for name, call := range map[string]list{
		"ListItems": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListItems("-", 0, 1000, tok)
			return count(len(l), n, err)
		},
		"ListItemsOrderBy": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListItemsQuery("-", 0, registry.ListQuery{OrderBy: "display_name desc"}, 1000, tok)
			return count(len(l), n, err)
		},
		"ListRevisions": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListRevisions("gtzyj", it.Item.ID, 1000, tok)
			return count(len(l), n, err)
		},
		"ListSubmissions": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListSubmissions("-", 0, 1000, tok)
			return count(len(l), n, err)
		},
		"ListSubmissionsOrderBy": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListSubmissionsQuery("-", 0, registry.ListQuery{OrderBy: "create_time"}, 1000, tok)
			return count(len(l), n, err)
		},
		"ListPublications": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListPublications(1000, tok)
			return count(len(l), n, err)
		},
		"ListDepartments": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListDepartments(1000, tok)
			return count(len(l), n, err)
		},
		"ListPublicationItems": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListPublicationItems(pub, 1000, tok)
			return count(len(l), n, err)
		},
		"ListEvents": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListEvents(registry.ItemName("gtzyj", it.Item.ID), 1000, tok)
			return count(len(l), n, err)
		},
		"ListCatalog": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListCatalog(0, "", 500, tok)
			return count(len(l), n, err)
		},
		"ListCatalogOrderBy": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListCatalogQuery(0, "", registry.ListQuery{OrderBy: "display_name"}, 500, tok)
			return count(len(l), n, err)
		},
		"ListCatalogAsOf": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListCatalogAsOf(asOf, 0, "", registry.ListQuery{}, 500, tok)
			return count(len(l), n, err)
		},
		"ListChanges": func(s *registry.Service, tok string) (int, string, error) {
			l, n, _, err := s.ListChanges(0, 1000, tok)
			return count(len(l), n, err)
		},
		"ListCatalogItemRevisions": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListCatalogItemRevisions(code, 1000, tok)
			return count(len(l), n, err)
		},
		"ListAudit": func(s *registry.Service, tok string) (int, string, error) {
			l, n, err := s.ListAudit(registry.AuditFilter{}, 1000, tok)
			return count(len(l), n, err)
		},
	} {
		t.Run(name, func(t *testing.T) {
			want, next, err := call(e.svc, "")
			if err != nil || next != "" || want < 3 {
				t.Fatalf("by count: %d elements, next %q, %v; want one page of at least 3", want, next, err)
			}
			got, tok := 0, ""
			for pages := 1; ; pages++ {
				n, next, err := call(sized, tok)
				if err != nil {
					t.Fatalf("page %d: %v", pages, err)
				}
				if n < 1 || n > 2 {
					t.Fatalf("page %d holds %d elements of %d bytes; want 1 or 2 under %d bytes", pages, n, big, registry.PageBytes)
				}
				if got += n; next == "" {
					break
				}
				tok = next
			}
			if got != want {
				t.Errorf("the pages hold %d elements, the list %d", got, want)
			}
		})
	}
}

// bases is n legal bases of 10,000 characters (30,000 bytes each).
func bases(n int) []registry.LegalBasis {
	var out []registry.LegalBasis
	for range n {
		out = append(out, registry.LegalBasis{Level: 1, Text: strings.Repeat("违", 10000)})
	}
	return out
}

// TestItemSizeCap: an item's whole encoded size is at
// most MaxItemBytes; creating, editing or importing past it is refused
// naming the item, and nothing is written.
func TestItemSizeCap(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	content := func(n int) registry.Content {
		return registry.Content{DisplayName: "土地大事项", Category: registry.CategoryPenalty, LegalBases: bases(n)}
	}
	near := e.itemIn("gtzyj", registry.ItemInput{Content: content(34)}) // ~1,020,000 bytes
	_, err := e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: content(36)}, "")
	wantFields(t, err, "item")
	var re *registry.Error
	if errors.As(err, &re); !strings.Contains(re.Violations[0].Description, "土地大事项") ||
		!strings.Contains(re.Violations[0].Description, "1 MiB") {
		t.Errorf("the refusal does not name the item and the limit: %s", re.Violations[0].Description)
	}
	_, err = e.svc.UpdateItem(clerk, "gtzyj", near.Item.ID, registry.ItemInput{Content: content(36)}, []string{"legal_bases"}, "")
	wantFields(t, err, "item")
	if got := e.getItem(near); len(got.Content.LegalBases) != 34 {
		t.Errorf("a refused edit changed the item: %d legal bases", len(got.Content.LegalBases))
	}
	_, err = e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", Rows: []registry.ImportRow{
		{Item: registry.ItemInput{Content: content(1)}}, {Item: registry.ItemInput{Content: content(40)}}}})
	wantFields(t, err, "rows[1].item")
	if list, _, _ := e.svc.ListItems("gtzyj", 0, 100, ""); len(list) != 1 {
		t.Errorf("%d items after the refusals, want 1", len(list))
	}
}

// TestInProcessListsAreNotSized: the lists of InProcess, for readers in
// the process, are bounded by count only: they never encode an element
// to size it.
func TestInProcessListsAreNotSized(t *testing.T) {
	e, it := pagedEnv(t)
	e.publishItems("gtzyj", e.getItem(it))
	sizes := 0
	sized := registry.New(registry.Config{Store: e.db, DefaultRegion: "430400", Now: e.clock.Now,
		EncodedSize: func(any) int { sizes++; return registry.PageBytes/3 + 1 }})
	changes, _, _, err := sized.ListChanges(0, 1000, "")
	e.must(err, "ListChanges")
	if sizes == 0 || len(changes) > 3 {
		t.Fatalf("the API's list: %d changes, %d sized", len(changes), sizes)
	}
	sizes = 0
	all, next, _, err := sized.InProcess().ListChanges(0, 1000, "")
	e.must(err, "ListChanges in process")
	catalog, _, err := sized.InProcess().ListCatalog(0, "", 1000, "")
	e.must(err, "ListCatalog in process")
	if sizes != 0 || next != "" || len(all) <= len(changes) || len(catalog) == 0 {
		t.Errorf("in process: %d changes (next %q), %d catalogue entries, %d sized; want all, none sized", len(all), next, len(catalog), sizes)
	}
}
