package demo

import (
	"reflect"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

func newService(t *testing.T) *registry.Service {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return registry.New(registry.Config{Store: db, DefaultRegion: region})
}

// snapshot is what a second Load must leave unchanged.
type snapshot struct {
	Stats        registry.Stats
	States       map[registry.ItemState]int
	Submissions  map[registry.SubmissionState]int
	Publications int
	Departments  int
}

func take(t *testing.T, svc *registry.Service) snapshot {
	t.Helper()
	st, err := svc.CatalogStats()
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{Stats: *st, States: map[registry.ItemState]int{}, Submissions: map[registry.SubmissionState]int{}}
	for state := registry.ItemDraft; state <= registry.ItemAbolished; state++ {
		list, _, err := svc.ListItems(registry.AllDepartments, state, registry.MaxPageSize, "")
		if err != nil {
			t.Fatal(err)
		}
		s.States[state] = len(list)
	}
	for state := registry.SubmissionDraft; state <= registry.SubmissionPublished; state++ {
		list, _, err := svc.ListSubmissions(registry.AllDepartments, state, registry.MaxPageSize, "")
		if err != nil {
			t.Fatal(err)
		}
		s.Submissions[state] = len(list)
	}
	pubs, _, err := svc.ListPublications(registry.MaxPageSize, "")
	if err != nil {
		t.Fatal(err)
	}
	deps, _, err := svc.ListDepartments(registry.MaxPageSize, "")
	if err != nil {
		t.Fatal(err)
	}
	s.Publications, s.Departments = len(pubs), len(deps)
	return s
}

func TestLoad(t *testing.T) {
	svc := newService(t)
	if err := Load(svc); err != nil {
		t.Fatal(err)
	}
	got := take(t, svc)
	t.Logf("items by state: %v; submissions by state: %v; publications: %d", got.States, got.Submissions, got.Publications)
	for i, c := range got.Stats.Categories {
		t.Logf("%s: %d items, %d sub-items", registry.Category(i+1).Label(), c.Items, c.SubItems)
		if c.Total() == 0 {
			t.Errorf("category %s has nothing in force", registry.Category(i+1).Label())
		}
	}
	if got.Stats.Total.SubItems == 0 {
		t.Error("no sub-items in force")
	}
	total := 0
	for state, n := range got.States {
		if n == 0 {
			t.Errorf("no item in state %d", state)
		}
		total += n
	}
	if total != len(items) {
		t.Errorf("%d items in the registry, want %d", total, len(items))
	}
	if got.Submissions[registry.SubmissionSubmitted] == 0 {
		t.Error("the review queue is empty")
	}
	if got.Publications < 2 {
		t.Errorf("%d publications, want at least 2", got.Publications)
	}
	if got.Departments != len(departments) {
		t.Errorf("%d departments, want %d", got.Departments, len(departments))
	}

	// Every code a department gave is in the catalogue as given.
	given := 0
	for _, it := range items {
		if it.code == "" {
			continue
		}
		given++
		e, err := svc.GetCatalogItem(it.code)
		if err != nil {
			t.Errorf("GetCatalogItem(%s): %v", it.code, err)
		} else if e.Entry.Content.DisplayName != it.name {
			t.Errorf("code %s holds %q, want %q", it.code, e.Entry.Content.DisplayName, it.name)
		}
	}
	if given == 0 {
		t.Error("no item with a department-given code")
	}

	// The modified item is a draft whose published revision stays in force.
	for _, it := range items {
		if it.stage != modified {
			continue
		}
		list, _, err := svc.ListCatalog(it.cat, it.dept, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range list {
			if e.Entry.Content.DisplayName == it.name {
				found = e.Entry.Content.PromisedTimeLimit == it.promised
			}
		}
		if !found {
			t.Errorf("%s: published revision not in force unchanged", it.name)
		}
	}

	// A returned item carries the reviewer's comment.
	returnedItems, _, err := svc.ListItems(registry.AllDepartments, registry.ItemReturned, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range returnedItems {
		if v.Item.ReviewComment == "" {
			t.Errorf("%s returned without a comment", v.Content.DisplayName)
		}
	}

	// A second Load (a restart with --demo) changes nothing.
	if err := Load(svc); err != nil {
		t.Fatal(err)
	}
	if again := take(t, svc); !reflect.DeepEqual(again, got) {
		t.Errorf("second Load changed the registry:\nbefore %+v\nafter  %+v", got, again)
	}
}

func TestLoadSkipsNonEmptyRegistry(t *testing.T) {
	svc := newService(t)
	if _, err := svc.CreateDepartment("someone", registry.Department{ID: "other", DisplayName: "其他部门"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := Load(svc); err != nil {
		t.Fatal(err)
	}
	if s := take(t, svc); s.Departments != 1 || s.Stats.Total.Total() != 0 {
		t.Errorf("Load touched a non-empty registry: %+v", s)
	}
}
