package registry_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// Actors of the workflow.
const (
	clerk     = "clerk@gtzyj"
	reviewer  = "reviewer@fzb"
	publisher = "publisher@bb"
)

// clock is a fake clock: fixed until a test advances it.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

var t0 = time.Date(2014, time.October, 8, 9, 30, 0, 0, time.UTC)

// env is a registry over a real bbolt store in a temporary dir.
type env struct {
	t     testing.TB
	svc   *registry.Service
	db    *store.DB
	clock *clock
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: t0}
	svc := registry.New(registry.Config{Store: db, DefaultRegion: "430400", Now: c.Now})
	return &env{t: t, svc: svc, db: db, clock: c}
}

// must fails the test on err.
func (e *env) must(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

func (e *env) dept(id, name string) *registry.Department {
	e.t.Helper()
	d, err := e.svc.CreateDepartment("admin", registry.Department{ID: id, DisplayName: name}, "")
	e.must(err, "CreateDepartment "+id)
	return d
}

// basis is a well-formed legal basis.
func basis(title string) registry.LegalBasis {
	return registry.LegalBasis{Level: 1, Title: title, Article: "第一条", Text: title + "第一条"}
}

// content is well-formed content with one legal basis.
func content(name string, cat registry.Category) registry.Content {
	return registry.Content{DisplayName: name, Category: cat, LegalBases: []registry.LegalBasis{basis("《" + name + "法》")}}
}

func (e *env) itemIn(dept string, in registry.ItemInput) *registry.ItemView {
	e.t.Helper()
	v, err := e.svc.CreateItem(clerk, dept, in, "")
	e.must(err, "CreateItem "+in.Content.DisplayName)
	return v
}

// item creates a draft main item with a legal basis.
func (e *env) item(dept, name string, cat registry.Category) *registry.ItemView {
	e.t.Helper()
	return e.itemIn(dept, registry.ItemInput{Content: content(name, cat)})
}

// subItem creates a draft sub-item of main.
func (e *env) subItem(main *registry.ItemView, name string) *registry.ItemView {
	e.t.Helper()
	return e.itemIn(main.Item.Department, registry.ItemInput{Content: content(name, main.Content.Category),
		Parent: itemName(main)})
}

func itemName(v *registry.ItemView) string { return registry.ItemName(v.Item.Department, v.Item.ID) }

func subName(s *registry.Submission) string { return registry.SubmissionName(s.Department, s.ID) }

func names(items ...*registry.ItemView) []string {
	var out []string
	for _, it := range items {
		out = append(out, itemName(it))
	}
	return out
}

func (e *env) getItem(v *registry.ItemView) *registry.ItemView {
	e.t.Helper()
	got, err := e.svc.GetItem(v.Item.Department, v.Item.ID)
	e.must(err, "GetItem "+itemName(v))
	return got
}

func (e *env) getSub(s *registry.Submission) *registry.Submission {
	e.t.Helper()
	got, err := e.svc.GetSubmission(s.Department, s.ID)
	e.must(err, "GetSubmission "+subName(s))
	return got
}

// batch creates a draft submission of the items.
func (e *env) batch(dept string, items ...*registry.ItemView) *registry.Submission {
	e.t.Helper()
	s, err := e.svc.CreateSubmission(clerk, dept, names(items...), "第一批", "")
	e.must(err, "CreateSubmission")
	return s
}

func (e *env) submit(s *registry.Submission) *registry.Submission {
	e.t.Helper()
	s, err := e.svc.SubmitSubmission(clerk, s.Department, s.ID, "请审核", "")
	e.must(err, "SubmitSubmission")
	return s
}

// answered creates and submits, in one step, a batch of the items with
// replies to the comments of returned ones.
func (e *env) answered(dept string, replies map[*registry.ItemView]string, items ...*registry.ItemView) *registry.Submission {
	e.t.Helper()
	in := registry.SubmissionInput{Items: names(items...), Comment: "已按意见处理", Submit: true}
	for _, it := range items {
		if r, ok := replies[it]; ok {
			in.Replies = append(in.Replies, registry.ItemComment{Item: it.Item.ID, Comment: r})
		}
	}
	s, err := e.svc.CreateSubmissionWith(clerk, dept, in, "")
	e.must(err, "CreateSubmission with replies, submitted")
	return s
}

func (e *env) approve(s *registry.Submission) *registry.Submission {
	e.t.Helper()
	s, err := e.svc.ApproveSubmission(reviewer, s.Department, s.ID, registry.ReviewInput{Comment: "同意"}, "")
	e.must(err, "ApproveSubmission")
	return s
}

func (e *env) publish(subs ...*registry.Submission) *registry.Publication {
	e.t.Helper()
	var ns []string
	for _, s := range subs {
		ns = append(ns, subName(s))
	}
	p, err := e.svc.CreatePublication(publisher, ns, "集中发布", "")
	e.must(err, "CreatePublication")
	return p
}

// approved takes the items through a submission to approval.
func (e *env) approved(dept string, items ...*registry.ItemView) *registry.Submission {
	e.t.Helper()
	return e.approve(e.submit(e.batch(dept, items...)))
}

// publishItems takes the items through the whole workflow.
func (e *env) publishItems(dept string, items ...*registry.ItemView) *registry.Publication {
	e.t.Helper()
	return e.publish(e.approved(dept, items...))
}

// catalog lists the whole catalogue.
func (e *env) catalog() []*registry.CatalogView {
	e.t.Helper()
	list, next, err := e.svc.ListCatalog(0, "", registry.MaxCatalogPageSize, "")
	e.must(err, "ListCatalog")
	if next != "" {
		e.t.Fatalf("ListCatalog: unexpected next page")
	}
	return list
}

func catalogCodes(list []*registry.CatalogView) []string {
	var out []string
	for _, v := range list {
		out = append(out, v.Entry.Code)
	}
	return out
}

// wantErr checks that err is a *registry.Error of the class and reason.
func wantErr(t *testing.T, err error, class registry.Class, reason string) *registry.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want class %d reason %s", class, reason)
	}
	var re *registry.Error
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not a *registry.Error", err, err)
	}
	if re.Class != class || re.Reason != reason {
		t.Fatalf("got class %d reason %s (%v), want class %d reason %s", re.Class, re.Reason, err, class, reason)
	}
	if re.Message == "" {
		t.Errorf("error of reason %s has no message", reason)
	}
	return re
}

// wantFields checks an INVALID_ARGUMENT error with exactly these violation
// fields, in order.
func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	re := wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	var got []string
	for _, v := range re.Violations {
		got = append(got, v.Field)
		if v.Description == "" {
			t.Errorf("violation of %s has no description", v.Field)
		}
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("violations %q, want %q", got, fields)
	}
}

func subjects(re *registry.Error) []string {
	var out []string
	for _, s := range re.Subjects {
		out = append(out, s.Name)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
