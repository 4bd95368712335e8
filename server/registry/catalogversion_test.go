package registry_test

import (
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// TestCatalogRevisionInMemory checks that the revision kept in memory is
// always the store's: a second service over the same store, which reads it
// from the store, agrees after each kind of mutation, and after a refused
// one.
func TestCatalogRevisionInMemory(t *testing.T) {
	e := newEnv(t)
	fresh := func() int64 {
		t.Helper()
		rev, err := registry.New(registry.Config{Store: e.db}).CatalogRevision()
		e.must(err, "CatalogRevision from the store")
		return rev
	}
	check := func(what string, changed bool, before int64) int64 {
		t.Helper()
		rev, err := e.svc.CatalogRevision()
		e.must(err, "CatalogRevision")
		if want := fresh(); rev != want {
			t.Fatalf("%s: in memory %d, store %d", what, rev, want)
		}
		if changed != (rev != before) {
			t.Fatalf("%s: revision %d → %d, changed should be %v", what, before, rev, changed)
		}
		return rev
	}
	rev := check("new registry", false, 0)
	e.dept("gtzyj", "市国土资源局")
	rev = check("a department created", false, rev)
	item := e.item("gtzyj", "采矿许可", registry.CategoryLicensing)
	rev = check("a draft", false, rev)
	e.publishItems("gtzyj", item)
	rev = check("a publication", true, rev)
	if _, err := e.svc.CreatePublication(publisher, nil, "", ""); err == nil {
		t.Fatal("an empty publication was accepted")
	}
	rev = check("a refused publication", false, rev)
	if _, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "市自然资源局"}, nil, ""); err != nil {
		t.Fatal(err)
	}
	check("a department renamed", true, rev)
}

// TestOnCatalogChange: the follower is called once after each mutation
// that changed the catalogue, with its revision, and after nothing else.
func TestOnCatalogChange(t *testing.T) {
	e := newEnv(t)
	var calls []int64
	e.svc.OnCatalogChange(func(rev int64) {
		// Called after the commit: the revision is already the catalogue's.
		now, err := e.svc.CatalogRevision()
		e.must(err, "CatalogRevision in the follower")
		if now != rev {
			t.Errorf("follower called with %d while the catalogue is at %d", rev, now)
		}
		calls = append(calls, rev)
	})
	e.dept("gtzyj", "市国土资源局")
	item := e.item("gtzyj", "采矿许可", registry.CategoryLicensing)
	if len(calls) != 0 {
		t.Fatalf("called for a department and a draft: %v", calls)
	}
	e.publishItems("gtzyj", item)
	rev, err := e.svc.CatalogRevision()
	e.must(err, "CatalogRevision")
	if len(calls) != 1 || calls[0] != rev {
		t.Fatalf("after a publication at %d: %v", rev, calls)
	}
	if _, err := e.svc.CreatePublication(publisher, nil, "", ""); err == nil {
		t.Fatal("an empty publication was accepted")
	}
	if _, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "市自然资源局"}, nil, ""); err != nil {
		t.Fatal(err)
	}
	rev, err = e.svc.CatalogRevision()
	e.must(err, "CatalogRevision")
	if len(calls) != 2 || calls[1] != rev {
		t.Fatalf("after a refused publication and a rename at %d: %v", rev, calls)
	}
}
