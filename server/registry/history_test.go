package registry_test

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// historyEnv publishes two items, modifies one an hour later and abolishes
// the other an hour after that, with a snapshot of the catalogue at each
// moment.
type historyEnv struct {
	*env
	a, b       *registry.ItemView
	codeA      string
	codeB      string
	moments    []time.Time               // the three publications
	snapshots  [][]*registry.CatalogView // the catalogue right after each
	pendingRev int                       // a revision of a that was never published
}

func newHistoryEnv(t *testing.T) *historyEnv {
	e := &historyEnv{env: newEnv(t)}
	e.dept("gtzyj", "市国土资源局")
	e.a = e.item("gtzyj", "对非法占用土地的处罚", registry.CategoryPenalty)
	e.b = e.item("gtzyj", "建设用地审批", registry.CategoryLicensing)
	e.publishItems("gtzyj", e.a, e.b)
	e.codeA, e.codeB = e.getItem(e.a).Item.Code, e.getItem(e.b).Item.Code
	e.snap()

	e.clock.Advance(time.Hour)
	_, err := e.svc.UpdateItem(clerk, "gtzyj", e.a.Item.ID,
		registry.ItemInput{Content: registry.Content{Remark: "草稿", HandlingUnit: "执法监察支队"}},
		[]string{"remark", "handling_unit"}, "")
	e.must(err, "UpdateItem")
	e.pendingRev = e.getItem(e.a).Item.Head
	_, err = e.svc.UpdateItem(clerk, "gtzyj", e.a.Item.ID,
		registry.ItemInput{Content: registry.Content{Remark: "依新法修订"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem again")
	e.publishItems("gtzyj", e.a)
	e.snap()

	e.clock.Advance(time.Hour)
	_, err = e.svc.AbolishItem(clerk, "gtzyj", e.b.Item.ID, "已取消", "")
	e.must(err, "AbolishItem")
	e.publishItems("gtzyj", e.b)
	e.snap()
	return e
}

func (e *historyEnv) snap() {
	e.moments = append(e.moments, e.clock.Now())
	e.snapshots = append(e.snapshots, e.catalog())
}

func (e *historyEnv) listAsOf(at time.Time) []*registry.CatalogView {
	e.t.Helper()
	list, next, err := e.svc.ListCatalogAsOf(at, 0, "", registry.ListQuery{}, registry.MaxCatalogPageSize, "")
	e.must(err, "ListCatalogAsOf")
	if next != "" {
		e.t.Fatalf("ListCatalogAsOf: unexpected next page")
	}
	return list
}

func sameCatalog(t *testing.T, what string, got, want []*registry.CatalogView) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d items %q, want %d %q", what, len(got), catalogCodes(got), len(want), catalogCodes(want))
	}
	for i := range got {
		if !reflect.DeepEqual(*got[i], *want[i]) {
			t.Errorf("%s: item %d\n got %+v\nwant %+v", what, i, *got[i], *want[i])
		}
	}
}

func TestCatalogAsOf(t *testing.T) {
	e := newHistoryEnv(t)

	// Before the first publication: nothing.
	before := e.moments[0].Add(-time.Minute)
	if list := e.listAsOf(before); len(list) != 0 {
		t.Errorf("as of before the first publication: %q", catalogCodes(list))
	}
	_, err := e.svc.GetCatalogItemAsOf(e.codeA, before)
	wantErr(t, err, registry.ClassNotFound, registry.ReasonCatalogItemNotFound)

	// At each publication and between them, the catalogue then.
	for i, at := range e.moments {
		sameCatalog(t, "as of publication "+at.String(), e.listAsOf(at), e.snapshots[i])
		sameCatalog(t, "as of half an hour later", e.listAsOf(at.Add(30*time.Minute)), e.snapshots[i])
	}
	sameCatalog(t, "as of now", e.listAsOf(e.clock.Now().Add(24*time.Hour)), e.catalog())

	// Get as of each moment.
	remarks := []string{"", "依新法修订", "依新法修订"}
	for i, at := range e.moments {
		got, err := e.svc.GetCatalogItemAsOf(e.codeA, at)
		e.must(err, "GetCatalogItemAsOf a")
		if got.Entry.Content.Remark != remarks[i] || !got.Entry.PublishTime.Equal(e.snapshots[min(i, 1)][0].Entry.PublishTime) {
			t.Errorf("a as of %s: %+v", at, got.Entry)
		}
		if got.DepartmentName != "市国土资源局" || got.Entry.Code != e.codeA {
			t.Errorf("a as of %s: %+v", at, got)
		}
	}
	if got, err := e.svc.GetCatalogItemAsOf(e.codeB, e.moments[1]); err != nil || got.Entry.Content.DisplayName != "建设用地审批" {
		t.Errorf("b before its abolition: %v %v", got, err)
	}
	_, err = e.svc.GetCatalogItemAsOf(e.codeB, e.moments[2])
	wantErr(t, err, registry.ClassNotFound, registry.ReasonCatalogItemNotFound)
	_, err = e.svc.GetCatalogItemAsOf("430400-XX-999-9999-00", e.moments[2])
	wantErr(t, err, registry.ClassNotFound, registry.ReasonCatalogItemNotFound)

	// Category, department and filter apply to the past catalogue.
	list, _, err := e.svc.ListCatalogAsOf(e.moments[1], registry.CategoryLicensing, "gtzyj", registry.ListQuery{}, 10, "")
	e.must(err, "ListCatalogAsOf category")
	if len(list) != 1 || list[0].Entry.Code != e.codeB {
		t.Errorf("licences as of the modification: %q", catalogCodes(list))
	}
	list, _, err = e.svc.ListCatalogAsOf(e.moments[1], 0, "", registry.ListQuery{Filter: `display_name = "建设用地审批"`}, 10, "")
	e.must(err, "ListCatalogAsOf filter")
	if len(list) != 1 || list[0].Entry.Code != e.codeB {
		t.Errorf("filtered as of the modification: %q", catalogCodes(list))
	}
	list, _, err = e.svc.ListCatalogAsOf(e.moments[1], 0, "nosuch", registry.ListQuery{}, 10, "")
	e.must(err, "ListCatalogAsOf other department")
	if len(list) != 0 {
		t.Errorf("another department: %q", catalogCodes(list))
	}

	// Pages: one item a page, the token bound to the time.
	page1, next, err := e.svc.ListCatalogAsOf(e.moments[0], 0, "", registry.ListQuery{}, 1, "")
	e.must(err, "page 1")
	if len(page1) != 1 || next == "" {
		t.Fatalf("page 1: %q next %q", catalogCodes(page1), next)
	}
	page2, next2, err := e.svc.ListCatalogAsOf(e.moments[0], 0, "", registry.ListQuery{}, 1, next)
	e.must(err, "page 2")
	if got := append(catalogCodes(page1), catalogCodes(page2)...); next2 != "" || !reflect.DeepEqual(got, catalogCodes(e.snapshots[0])) {
		t.Errorf("pages: %q next %q, want %q", got, next2, catalogCodes(e.snapshots[0]))
	}
	_, _, err = e.svc.ListCatalogAsOf(e.moments[1], 0, "", registry.ListQuery{}, 1, next)
	wantFields(t, err, "page_token")
	_, _, err = e.svc.ListCatalog(0, "", 1, next)
	wantFields(t, err, "page_token")
}

func TestCatalogItemRevisions(t *testing.T) {
	e := newHistoryEnv(t)

	revs, _, err := e.svc.ListCatalogItemRevisions(e.codeA, 0, "")
	e.must(err, "ListCatalogItemRevisions a")
	if len(revs) != 2 {
		t.Fatalf("revisions of a: %d, want 2", len(revs))
	}
	newer, older := revs[0], revs[1]
	if newer.Change != registry.ChangeModify || !newer.Entry.PublishTime.Equal(e.moments[1]) || !newer.SupersedeTime.IsZero() ||
		newer.Entry.Content.Remark != "依新法修订" || newer.Entry.Revision <= e.pendingRev {
		t.Errorf("newer revision: %+v", newer)
	}
	if older.Change != registry.ChangeCreate || older.Entry.Revision != 1 || !older.Entry.PublishTime.Equal(e.moments[0]) ||
		!older.SupersedeTime.Equal(e.moments[1]) || older.Entry.Publication == newer.Entry.Publication {
		t.Errorf("older revision: %+v", older)
	}

	revs, _, err = e.svc.ListCatalogItemRevisions(e.codeB, 0, "")
	e.must(err, "ListCatalogItemRevisions b")
	if len(revs) != 2 || revs[0].Change != registry.ChangeAbolish || !revs[0].Entry.PublishTime.Equal(e.moments[2]) ||
		!revs[1].SupersedeTime.Equal(e.moments[2]) {
		t.Errorf("revisions of b: %+v", revs)
	}
	_, _, err = e.svc.ListCatalogItemRevisions("430400-XX-999-9999-00", 0, "")
	wantErr(t, err, registry.ClassNotFound, registry.ReasonCatalogItemNotFound)

	from, to := "1", itoa(newer.Entry.Revision)
	diffs, err := e.svc.CompareCatalogItemRevisions(e.codeA, from, to)
	e.must(err, "CompareCatalogItemRevisions")
	want := []registry.FieldDifference{
		{Field: "handling_unit", From: "", To: "执法监察支队"},
		{Field: "remark", From: "", To: "依新法修订"},
	}
	if !reflect.DeepEqual(diffs, want) {
		t.Errorf("differences %+v, want %+v", diffs, want)
	}
	if diffs, err := e.svc.CompareCatalogItemRevisions(e.codeA, to, to); err != nil || len(diffs) != 0 {
		t.Errorf("a revision with itself: %+v %v", diffs, err)
	}

	// A revision never published is not in the catalogue's history.
	_, err = e.svc.CompareCatalogItemRevisions(e.codeA, from, itoa(e.pendingRev))
	wantErr(t, err, registry.ClassNotFound, registry.ReasonRevisionNotFound)
	_, err = e.svc.CompareCatalogItemRevisions(e.codeA, "99", to)
	wantErr(t, err, registry.ClassNotFound, registry.ReasonRevisionNotFound)
	_, err = e.svc.CompareCatalogItemRevisions(e.codeA, "x", "")
	wantFields(t, err, "from_revision_id", "to_revision_id")
}

func itoa(n int) string { return strconv.Itoa(n) }
