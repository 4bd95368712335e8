package registry_test

import (
	"fmt"
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
	for i := range 5 {
		v := e.item("hbj", fmt.Sprintf("事项%d", i), registry.CategoryLicensing)
		if i < 2 {
			e.publishItems("hbj", v)
		}
	}
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
