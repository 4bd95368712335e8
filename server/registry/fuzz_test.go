package registry_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// wantInvalid checks that err is nil or an INVALID_ARGUMENT *registry.Error
// with at least one violation, all of field (when field is set).
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		return
	}
	var re *registry.Error
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not a *registry.Error", err, err)
	}
	if re.Class != registry.ClassInvalidArgument || len(re.Violations) == 0 {
		t.Fatalf("error %v: class %d reason %s, %d violations; want INVALID_ARGUMENT with violations",
			err, re.Class, re.Reason, len(re.Violations))
	}
	for _, v := range re.Violations {
		if field != "" && v.Field != field {
			t.Fatalf("violation of field %q, want %q", v.Field, field)
		}
	}
}

var nameSeeds = []string{
	"", "/", "//", "departments", "departments/", "departments/gtzyj", "departments/gtzyj/items/1",
	"departments/gtzyj/items/0", "departments/gtzyj/items/01", "departments/gtzyj/items/-1",
	"departments/gtzyj/items/18446744073709551615", "departments/gtzyj/items/18446744073709551616",
	"departments/GTZYJ/items/1", "departments/-/items/1", "departments/gtzyj/items/1/",
	"departments/gtzyj/items/1/revisions/2", "departments/gtzyj/items/1/revisions/2147483648",
	"departments/gtzyj/items/1/revisions/2147483649", "departments/gtzyj/submissions/3",
	"departments/gtzyj/submissions/+3", "publications/1", "publications/0", "publications/ 1",
	"departments/国土局/items/1", "departments/gtzyj/items/1\x00", "departments/gtzyj/items/\xff",
}

// FuzzParseItemName: no panic; a name either parses and formats back to
// itself, or is an INVALID_ARGUMENT on the given field.
func FuzzParseItemName(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		dept, id, err := registry.ParseItemName("item.parent", name)
		wantInvalid(t, err, "item.parent")
		if err == nil && registry.ItemName(dept, id) != name {
			t.Fatalf("ParseItemName(%q) = %q, %d: does not format back", name, dept, id)
		}
	})
}

// FuzzParseSubmissionName, like FuzzParseItemName.
func FuzzParseSubmissionName(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		dept, id, err := registry.ParseSubmissionName("name", name)
		wantInvalid(t, err, "name")
		if err == nil && registry.SubmissionName(dept, id) != name {
			t.Fatalf("ParseSubmissionName(%q) = %q, %d: does not format back", name, dept, id)
		}
	})
}

// FuzzParseNames covers the department, revision and publication names.
func FuzzParseNames(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		dept, err := registry.ParseDepartmentName("parent", name, true)
		wantInvalid(t, err, "parent")
		if err == nil && registry.DepartmentName(dept) != name {
			t.Fatalf("ParseDepartmentName(%q) = %q", name, dept)
		}
		d, id, n, err := registry.ParseRevisionName("name", name)
		wantInvalid(t, err, "name")
		if err == nil && (registry.RevisionName(d, id, n) != name || n < 1) {
			t.Fatalf("ParseRevisionName(%q) = %q, %d, %d", name, d, id, n)
		}
		p, err := registry.ParsePublicationName("name", name)
		wantInvalid(t, err, "name")
		if err == nil && registry.PublicationName(p) != name {
			t.Fatalf("ParsePublicationName(%q) = %d", name, p)
		}
	})
}

// forge rewrites the cursor of a real page token: what a client that
// pokes at the opaque token might send.
func forge(tb testing.TB, token, cursor string) string {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		tb.Fatalf("decode token: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("decode token: %v", err)
	}
	m["c"] = cursor
	b, _ = json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pagedEnv is a small registry where every list has several pages.
func pagedEnv(tb testing.TB) (*env, *registry.ItemView) {
	e := newEnv(tb)
	e.dept("gtzyj", "市国土资源局")
	e.dept("hbj", "市环境保护局")
	var items []*registry.ItemView
	for _, n := range []string{"甲", "乙", "丙", "丁"} {
		items = append(items, e.item("gtzyj", n, registry.CategoryPenalty))
	}
	e.publishItems("gtzyj", items[0], items[1])
	e.publishItems("gtzyj", items[2])
	for range 3 {
		_, err := e.svc.UpdateItem(clerk, "gtzyj", items[0].Item.ID, registry.ItemInput{Content: registry.Content{Remark: "r"}}, []string{"remark"}, "")
		e.must(err, "UpdateItem")
	}
	return e, items[0]
}

// lists calls every list method with a page token.
func lists(e *env, it *registry.ItemView) map[string]func(token string) (string, error) {
	return map[string]func(string) (string, error){
		"ListItems": func(tok string) (string, error) {
			_, next, err := e.svc.ListItems("gtzyj", 0, 1, tok)
			return next, err
		},
		"ListItemsAll": func(tok string) (string, error) {
			_, next, err := e.svc.ListItems("-", registry.ItemPublished, 1, tok)
			return next, err
		},
		"ListRevisions": func(tok string) (string, error) {
			_, next, err := e.svc.ListRevisions("gtzyj", it.Item.ID, 1, tok)
			return next, err
		},
		"ListSubmissions": func(tok string) (string, error) {
			_, next, err := e.svc.ListSubmissions("-", 0, 1, tok)
			return next, err
		},
		"ListPublications": func(tok string) (string, error) {
			_, next, err := e.svc.ListPublications(1, tok)
			return next, err
		},
		"ListDepartments": func(tok string) (string, error) {
			_, next, err := e.svc.ListDepartments(1, tok)
			return next, err
		},
		"ListPublicationItems": func(tok string) (string, error) {
			_, next, err := e.svc.ListPublicationItems("publications/1", 1, tok)
			return next, err
		},
		"ListEvents": func(tok string) (string, error) {
			_, next, err := e.svc.ListEvents(itemName(it), 1, tok)
			return next, err
		},
		"ListCatalog": func(tok string) (string, error) {
			_, next, err := e.svc.ListCatalog(0, "", 1, tok)
			return next, err
		},
		"ListCatalogFiltered": func(tok string) (string, error) {
			_, next, err := e.svc.ListCatalog(registry.CategoryPenalty, "gtzyj", 1, tok)
			return next, err
		},
		"ListItemsFilter": func(tok string) (string, error) {
			_, next, err := e.svc.ListItemsQuery("gtzyj", 0, registry.ListQuery{Filter: "category = CATEGORY_PENALTY"}, 1, tok)
			return next, err
		},
		"ListItemsOrderBy": func(tok string) (string, error) {
			_, next, err := e.svc.ListItemsQuery("-", 0, registry.ListQuery{OrderBy: "update_time desc, display_name"}, 1, tok)
			return next, err
		},
		"ListSubmissionsOrderBy": func(tok string) (string, error) {
			_, next, err := e.svc.ListSubmissionsQuery("-", 0, registry.ListQuery{Filter: "state:*", OrderBy: "create_time"}, 1, tok)
			return next, err
		},
		"ListCatalogCodePrefix": func(tok string) (string, error) {
			_, next, err := e.svc.ListCatalogQuery(0, "", registry.ListQuery{Filter: `code: "430400-CF*"`}, 1, tok)
			return next, err
		},
		"ListCatalogOrderBy": func(tok string) (string, error) {
			_, next, err := e.svc.ListCatalogQuery(0, "", registry.ListQuery{OrderBy: "publish_time desc"}, 1, tok)
			return next, err
		},
	}
}

// FuzzPageToken: whatever token a client sends, no list panics; a list
// accepts only a token it issued and refuses anything else with
// INVALID_ARGUMENT on page_token (never restarts at page 1).
func FuzzPageToken(f *testing.F) {
	e, it := pagedEnv(f)
	calls := lists(e, it)
	f.Add("")
	f.Add("x")
	f.Add("e30")          // {}
	f.Add("bnVsbA")       // null
	f.Add("eyJjIjoiMSJ9") // {"c":"1"}

	issued := map[string]bool{} // the only tokens a list may accept
	for name, call := range calls {
		tok, err := call("")
		if err != nil || tok == "" {
			f.Fatalf("%s: first page: next %q, %v", name, tok, err)
		}
		issued[tok] = true
		f.Add(tok)
		f.Add(tok[:len(tok)-1])
		for _, c := range []string{"abc", "0", "-1", "1", "99999", "18446744073709551615", "\x00", "9223372036854775808",
			"{}", "null", `{"k":[{"v":true,"t":"2014-10-08T09:30:00Z"}],"t":{"n":2}}`, `{"k":[{"t":"x"}]}`, `{"k":[{},{},{}],"t":{"s":"z"}}`} {
			f.Add(forge(f, tok, c))
		}
	}
	f.Fuzz(func(t *testing.T, token string) {
		for name, call := range calls {
			_, err := call(token)
			if err == nil {
				if token != "" && !issued[token] {
					t.Fatalf("%s accepted page_token %q, which no list issued; want INVALID_ARGUMENT on page_token", name, token)
				}
				continue
			}
			var re *registry.Error
			if !errors.As(err, &re) || re.Class != registry.ClassInvalidArgument || len(re.Violations) != 1 ||
				re.Violations[0].Field != "page_token" {
				t.Fatalf("%s(page_token %q): %v; want INVALID_ARGUMENT on page_token", name, token, err)
			}
		}
	})
}
