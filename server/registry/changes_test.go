package registry_test

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// allChanges pages through the feed after start with pages of size.
func (e *env) allChanges(start int64, size int) ([]*registry.ChangeView, int64) {
	e.t.Helper()
	var out []*registry.ChangeView
	token := ""
	for {
		list, next, current, err := e.svc.ListChanges(start, size, token)
		e.must(err, "ListChanges")
		if size > 0 && len(list) > size {
			e.t.Fatalf("ListChanges: %d changes on a page of %d", len(list), size)
		}
		out = append(out, list...)
		if next == "" {
			return out, current
		}
		token = next
	}
}

// replay applies changes to a catalogue held by code.
func replay(t testing.TB, cat map[string]registry.CatalogView, changes []*registry.ChangeView) {
	t.Helper()
	for _, c := range changes {
		code := c.Change.Entry.Code
		switch c.Change.Kind {
		case registry.CatalogPublished, registry.CatalogChanged:
			if _, ok := cat[code]; ok != (c.Change.Kind == registry.CatalogChanged) {
				t.Fatalf("change %d of %s: kind %d, but in the catalogue: %v", c.Change.Revision, code, c.Change.Kind, ok)
			}
			cat[code] = *c.Item()
		case registry.CatalogAbolished:
			if _, ok := cat[code]; !ok {
				t.Fatalf("change %d abolishes %s, which is not in the catalogue", c.Change.Revision, code)
			}
			delete(cat, code)
		default:
			t.Fatalf("change %d of %s: kind %d", c.Change.Revision, code, c.Change.Kind)
		}
	}
}

// sameCatalogue compares a replayed catalogue with the catalogue's list.
func (e *env) sameCatalogue(cat map[string]registry.CatalogView) {
	e.t.Helper()
	list := e.catalog()
	if len(list) != len(cat) {
		e.t.Errorf("replay holds %d items, the catalogue %d", len(cat), len(list))
	}
	for _, v := range list {
		got, ok := cat[v.Entry.Code]
		if !ok {
			e.t.Errorf("replay misses %s", v.Entry.Code)
			continue
		}
		if !reflect.DeepEqual(&got, v) {
			e.t.Errorf("replay of %s:\n got %+v\nwant %+v", v.Entry.Code, got, *v)
		}
	}
}

// TestChangeKinds: a publication records one change per item, all at its
// revision: new items are published, modifications changed (with the new
// content), abolitions abolished (with the entry that left).
func TestChangeKinds(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a, b := e.item("gtzyj", "甲", registry.CategoryPenalty), e.item("gtzyj", "乙", registry.CategoryLicensing)
	p1 := e.publishItems("gtzyj", a, b)
	first, current := e.allChanges(0, 0)
	if len(first) != 2 {
		t.Fatalf("after the first publication: %d changes", len(first))
	}
	r1 := first[0].Change.Revision
	for i, c := range first {
		if c.Change.Kind != registry.CatalogPublished || c.Change.Revision != r1 || c.Change.Publication != p1.ID ||
			c.Change.Index != uint32(i) || c.DepartmentName != "市国土资源局" || !c.Change.Time.Equal(t0) {
			t.Errorf("change %d: %+v", i, c)
		}
	}
	if current != r1 {
		t.Errorf("current revision %d, want %d", current, r1)
	}
	codeA := e.getItem(a).Item.Code

	_, err := e.svc.UpdateItem(clerk, "gtzyj", a.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "修订"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem")
	_, err = e.svc.AbolishItem(clerk, "gtzyj", b.Item.ID, "取消", "")
	e.must(err, "AbolishItem")
	e.clock.Advance(time.Hour)
	p2 := e.publishItems("gtzyj", a, b)
	second, current := e.allChanges(r1, 1)
	if len(second) != 2 {
		t.Fatalf("second publication: %d changes", len(second))
	}
	r2 := second[0].Change.Revision
	if r2 <= r1 || second[1].Change.Revision != r2 || current != r2 {
		t.Errorf("revisions %d, %d after %d; current %d", r2, second[1].Change.Revision, r1, current)
	}
	byKind := map[registry.CatalogChangeKind]*registry.ChangeView{}
	for _, c := range second {
		byKind[c.Change.Kind] = c
		if c.Change.Publication != p2.ID || !c.Change.Time.Equal(t0.Add(time.Hour)) {
			t.Errorf("change %+v: publication or time", c.Change)
		}
	}
	ch, ab := byKind[registry.CatalogChanged], byKind[registry.CatalogAbolished]
	if ch == nil || ab == nil {
		t.Fatalf("kinds of the second publication: %+v", second)
	}
	if ch.Change.Entry.Code != codeA || ch.Change.Entry.Content.Remark != "修订" || ch.Change.Entry.Publication != p2.ID {
		t.Errorf("changed: %+v", ch.Change.Entry)
	}
	// The abolished item as it left: its last revision in force, of the
	// first publication.
	if ab.Change.Entry.Content.DisplayName != "乙" || ab.Change.Entry.Publication != p1.ID || ab.Change.Entry.Revision != 1 {
		t.Errorf("abolished: %+v", ab.Change.Entry)
	}
	// A page size beyond the maximum is lowered; a negative one refused.
	_, _, _, err = e.svc.ListChanges(0, -1, "")
	wantFields(t, err, "page_size")
	_, _, _, err = e.svc.ListChanges(-1, 0, "")
	wantFields(t, err, "start_revision")
	// A start at or after the newest change: nothing, and the current
	// revision to follow from.
	list, next, current, err := e.svc.ListChanges(r2+100, 0, "")
	if err != nil || len(list) != 0 || next != "" || current != r2 {
		t.Errorf("after the end: %v %q %d %v", list, next, current, err)
	}
}

// buildCatalogue publishes several batches with modifications, abolitions
// and sub-items, and returns the registry revision of a middle point.
func buildCatalogue(e *env) (middle int64) {
	e.t.Helper()
	e.dept("gtzyj", "市国土资源局")
	e.dept("hbj", "市环境保护局")
	var gt []*registry.ItemView
	for _, n := range []string{"甲", "乙", "丙", "丁", "戊"} {
		gt = append(gt, e.item("gtzyj", n, registry.CategoryPenalty))
	}
	main := e.item("gtzyj", "大项", registry.CategoryLicensing)
	subs := []*registry.ItemView{e.subItem(main, "子项一"), e.subItem(main, "子项二")}
	h := e.item("hbj", "排污许可", registry.CategoryLicensing)
	e.publishItems("gtzyj", append(gt[:3:3], main, subs[0], subs[1])...)
	e.publishItems("hbj", h)
	e.clock.Advance(time.Hour)
	// Modify one, abolish another and a sub-item, publish the rest.
	_, err := e.svc.UpdateItem(clerk, "gtzyj", gt[0].Item.ID, registry.ItemInput{Content: registry.Content{Remark: "第二版"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem")
	_, err = e.svc.AbolishItem(clerk, "gtzyj", gt[1].Item.ID, "取消", "")
	e.must(err, "AbolishItem")
	_, err = e.svc.AbolishItem(clerk, "gtzyj", subs[1].Item.ID, "取消", "")
	e.must(err, "AbolishItem")
	e.publishItems("gtzyj", gt[0], gt[1], subs[1], gt[3])
	_, current := e.allChanges(0, 0)
	middle = current
	e.clock.Advance(time.Hour)
	// Change the category of one, modify the main item, abolish in hbj.
	_, err = e.svc.UpdateItem(clerk, "gtzyj", gt[2].Item.ID, registry.ItemInput{Content: registry.Content{Category: registry.CategorySupervision}}, []string{"category"}, "")
	e.must(err, "UpdateItem")
	_, err = e.svc.UpdateItem(clerk, "gtzyj", main.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "大项修订"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem")
	e.publishItems("gtzyj", gt[2], main, gt[4])
	_, err = e.svc.AbolishItem(clerk, "hbj", h.Item.ID, "取消", "")
	e.must(err, "AbolishItem")
	e.publishItems("hbj", h)
	_, err = e.svc.UpdateItem(clerk, "gtzyj", gt[0].Item.ID, registry.ItemInput{Content: registry.Content{Remark: "第三版"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem")
	e.publishItems("gtzyj", gt[0])
	return middle
}

// TestChangesReplay: replaying the feed from the beginning, in pages of
// any size, gives exactly the catalogue; so does replaying from a middle
// revision over the catalogue as it stood then.
func TestChangesReplay(t *testing.T) {
	e := newEnv(t)
	middle := buildCatalogue(e)
	for _, size := range []int{1, 2, 3, 0} {
		cat := map[string]registry.CatalogView{}
		changes, _ := e.allChanges(0, size)
		replay(t, cat, changes)
		e.sameCatalogue(cat)
		for i := 1; i < len(changes); i++ {
			a, b := changes[i-1].Change, changes[i].Change
			if b.Revision < a.Revision || b.Revision == a.Revision && b.Index <= a.Index {
				t.Fatalf("changes out of order: %d.%d then %d.%d", a.Revision, a.Index, b.Revision, b.Index)
			}
		}
	}
	// From the middle: the state up to it, then the rest.
	cat := map[string]registry.CatalogView{}
	all, _ := e.allChanges(0, 0)
	var upTo []*registry.ChangeView
	for _, c := range all {
		if c.Change.Revision <= middle {
			upTo = append(upTo, c)
		}
	}
	replay(t, cat, upTo)
	rest, _ := e.allChanges(middle, 2)
	if len(rest) == 0 || len(upTo)+len(rest) != len(all) || rest[0].Change.Revision <= middle {
		t.Fatalf("from %d: %d changes, %d before, %d in all", middle, len(rest), len(upTo), len(all))
	}
	replay(t, cat, rest)
	e.sameCatalogue(cat)
}

// TestChangesCompaction: after compaction, reads below the floor are
// OUT_OF_RANGE naming it, reads from it work, and a portal that starts
// from the catalogue and follows from the current revision holds the
// catalogue.
func TestChangesCompaction(t *testing.T) {
	e := newEnv(t)
	middle := buildCatalogue(e)
	all, current := e.allChanges(0, 0)
	_, early, _, err := e.svc.ListChanges(0, 1, "")
	e.must(err, "ListChanges")
	if n, _, _, err := e.svc.CompactChanges("admin", 1); err != nil || n != 0 {
		t.Fatalf("compacting nothing: %d, %v", n, err)
	}
	if floor, _ := e.svc.ChangesFloor(); floor != 0 {
		t.Fatalf("floor %d after compacting nothing", floor)
	}
	e.allChanges(0, 0) // nothing lost: start 0 still served

	n, floor, cur, err := e.svc.CompactChanges("admin", middle+1)
	e.must(err, "CompactChanges")
	if floor > middle || floor == 0 || cur != current {
		t.Fatalf("after compacting before %d: floor %d, current %d (want %d)", middle+1, floor, cur, current)
	}
	kept, _ := e.allChanges(middle, 0)
	if n+len(kept) != len(all) || n == 0 {
		t.Fatalf("compaction deleted %d, kept %d of %d", n, len(kept), len(all))
	}
	floor, err = e.svc.ChangesFloor()
	e.must(err, "ChangesFloor")
	if floor != middle {
		t.Fatalf("floor %d, want %d (the newest compacted revision)", floor, middle)
	}
	for _, start := range []int64{0, 1, middle - 1} {
		_, _, _, err := e.svc.ListChanges(start, 0, "")
		re := wantErr(t, err, registry.ClassOutOfRange, registry.ReasonRevisionCompacted)
		if re.Metadata[registry.MetaOldestRevision] != strconv.FormatInt(middle, 10) ||
			re.Metadata[registry.MetaCurrentRevision] != strconv.FormatInt(current, 10) {
			t.Errorf("start %d: metadata %v", start, re.Metadata)
		}
		err = e.svc.WatchChanges(context.Background(), start, nil, func(*registry.ChangeView) error { return nil })
		wantErr(t, err, registry.ClassOutOfRange, registry.ReasonRevisionCompacted)
	}
	// A page token taken before the compaction, positioned below the
	// floor, is refused too.
	_, _, _, err = e.svc.ListChanges(0, 1, early)
	wantErr(t, err, registry.ClassOutOfRange, registry.ReasonRevisionCompacted)

	// Compacting again below the floor changes nothing; the floor never
	// goes down.
	if n, _, _, err := e.svc.CompactChanges("admin", 2); err != nil || n != 0 {
		t.Fatalf("compacting below the floor: %d, %v", n, err)
	}
	if f, _ := e.svc.ChangesFloor(); f != middle {
		t.Fatalf("floor moved to %d", f)
	}

	// A new portal: the catalogue, then the feed from the current revision.
	cat := map[string]registry.CatalogView{}
	for _, v := range e.catalog() {
		cat[v.Entry.Code] = *v
	}
	it := e.item("gtzyj", "己", registry.CategoryOther)
	e.publishItems("gtzyj", it)
	more, _ := e.allChanges(current, 0)
	if len(more) != 1 || more[0].Change.Kind != registry.CatalogPublished {
		t.Fatalf("after the compaction: %+v", more)
	}
	replay(t, cat, more)
	e.sameCatalogue(cat)

	// Compacting everything: the floor is the newest change; the current
	// revision never goes below it.
	_, _, _, err = e.svc.CompactChanges("admin", 1<<40)
	wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	_, _, _, err = e.svc.CompactChanges("admin", 0)
	wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	_, _, _, err = e.svc.CompactChanges("admin", more[0].Change.Revision+1)
	e.must(err, "CompactChanges")
	list, _, cur, err := e.svc.ListChanges(more[0].Change.Revision, 0, "")
	if err != nil || len(list) != 0 || cur != more[0].Change.Revision {
		t.Fatalf("after compacting all: %v %d %v", list, cur, err)
	}
}

// TestChangesPageTokens: a token is bound to its start revision and
// refused when forged.
func TestChangesPageTokens(t *testing.T) {
	e, _ := pagedEnv(t)
	_, next, _, err := e.svc.ListChanges(0, 1, "")
	e.must(err, "ListChanges")
	if next == "" {
		t.Fatal("no next page")
	}
	_, _, _, err = e.svc.ListChanges(1, 1, next)
	wantFields(t, err, "page_token")
	for _, c := range []string{"", "abc", "1", "0.0", "-1.0", "1.-1", "01.0", "1.4294967296", "+1.0", "1.0.0", "9223372036854775808.0"} {
		_, _, _, err := e.svc.ListChanges(0, 1, forge(t, next, c))
		wantFields(t, err, "page_token")
	}
	// A forged cursor is refused even when it is well formed: the token
	// was not issued (before, it silently moved the page).
	_, _, _, err = e.svc.ListChanges(0, 1, forge(t, next, "99999.3"))
	wantFields(t, err, "page_token")
}

// FuzzChangesPageToken: whatever token a client sends, ListChanges does
// not panic; it accepts only the token it issued and refuses anything else
// with INVALID_ARGUMENT on page_token.
func FuzzChangesPageToken(f *testing.F) {
	e, _ := pagedEnv(f)
	f.Add("")
	f.Add("x")
	f.Add("e30")          // {}
	f.Add("bnVsbA")       // null
	f.Add("eyJjIjoiMSJ9") // {"c":"1"}

	issued := map[int64]string{} // the one token each list may accept
	for _, start := range []int64{0, 1} {
		_, tok, _, err := e.svc.ListChanges(start, 1, "")
		if err != nil || tok == "" {
			f.Fatalf("first page: next %q, %v", tok, err)
		}
		issued[start] = tok
		f.Add(tok)
		f.Add(tok[:len(tok)-1])
		for _, c := range []string{"abc", "0", "1.0", "0.4294967295", "-1.0", "1.99", "18446744073709551615.0", "\x00", "9223372036854775807.4294967295"} {
			f.Add(forge(f, tok, c))
		}
	}
	f.Fuzz(func(t *testing.T, token string) {
		for _, start := range []int64{0, 1} {
			_, _, _, err := e.svc.ListChanges(start, 1, token)
			if err == nil {
				if token != "" && token != issued[start] {
					t.Fatalf("ListChanges(%d) accepted page_token %q, which it did not issue", start, token)
				}
				continue
			}
			var re *registry.Error
			if !errors.As(err, &re) || re.Class != registry.ClassInvalidArgument || len(re.Violations) != 1 ||
				re.Violations[0].Field != "page_token" {
				t.Fatalf("ListChanges(%d, page_token %q): %v; want INVALID_ARGUMENT on page_token", start, token, err)
			}
		}
	})
}

// TestWatchChanges: a watch sends the backlog, then each publication's
// changes as it commits, and ends when its context is done or the watches
// are stopped.
func TestWatchChanges(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	e.publishItems("gtzyj", e.item("gtzyj", "甲", registry.CategoryPenalty))
	got := make(chan *registry.ChangeView, 10)
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- e.svc.WatchChanges(ctx, 0, func() error { close(ready); return nil },
			func(c *registry.ChangeView) error { got <- c; return nil })
	}()
	<-ready
	if c := <-got; c.Change.Kind != registry.CatalogPublished || c.Change.Entry.Content.DisplayName != "甲" {
		t.Fatalf("backlog: %+v", c)
	}
	e.publishItems("gtzyj", e.item("gtzyj", "乙", registry.CategoryPenalty), e.item("gtzyj", "丙", registry.CategoryPenalty))
	a, b := <-got, <-got
	if a.Change.Entry.Content.DisplayName != "乙" || b.Change.Entry.Content.DisplayName != "丙" ||
		a.Change.Revision != b.Change.Revision {
		t.Fatalf("live: %+v %+v", a.Change, b.Change)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}

	// Stopping the watches ends the open ones and refuses new ones.
	ready = make(chan struct{})
	go func() {
		done <- e.svc.WatchChanges(context.Background(), b.Change.Revision, func() error { close(ready); return nil },
			func(c *registry.ChangeView) error { got <- c; return nil })
	}()
	<-ready
	e.svc.StopWatches()
	if err := <-done; !errors.Is(err, registry.ErrWatchesStopped) {
		t.Fatalf("after StopWatches: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("a watch from the newest revision sent %d changes", len(got))
	}
	err := e.svc.WatchChanges(context.Background(), 0, nil, func(c *registry.ChangeView) error { return nil })
	if !errors.Is(err, registry.ErrWatchesStopped) {
		t.Fatalf("a watch after StopWatches: %v", err)
	}
	// A failing send ends the watch with its error.
	e2 := newEnv(t)
	e2.dept("gtzyj", "市国土资源局")
	e2.publishItems("gtzyj", e2.item("gtzyj", "甲", registry.CategoryPenalty))
	boom := errors.New("boom")
	if err := e2.svc.WatchChanges(context.Background(), 0, nil, func(*registry.ChangeView) error { return boom }); err != boom {
		t.Fatalf("failing send: %v", err)
	}
}

// TestWatchChangesLongBacklog: a backlog longer than one read comes whole
// and in order.
func TestWatchChangesLongBacklog(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	var items []*registry.ItemView
	for i := range 130 {
		items = append(items, e.item("gtzyj", "事项"+strconv.Itoa(i), registry.CategoryOther))
	}
	e.publishItems("gtzyj", items...)
	want, _ := e.allChanges(0, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []*registry.ChangeView
	err := e.svc.WatchChanges(ctx, 0, nil, func(c *registry.ChangeView) error {
		got = append(got, c)
		if len(got) == len(want) {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || !reflect.DeepEqual(got, want) {
		t.Fatalf("watch: %d changes of %d, %v", len(got), len(want), err)
	}
}

// TestChangesFollowRename: a portal following the feed sees a department's
// new name on its items in force, which the rename announces again at its
// own revision, with no publication.
func TestChangesFollowRename(t *testing.T) {
	e := newEnv(t)
	buildCatalogue(e)
	cat := map[string]registry.CatalogView{}
	seen, current := e.allChanges(0, 0)
	replay(t, cat, seen)
	before := e.catalog()
	if _, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "市自然资源和规划局"},
		[]string{"display_name"}, ""); err != nil {
		t.Fatal(err)
	}
	rest, _ := e.allChanges(current, 0)
	inForce := 0
	for _, v := range before {
		if v.Entry.Department == "gtzyj" {
			inForce++
		}
	}
	if len(rest) != inForce || inForce == 0 {
		t.Fatalf("the rename announced %d changes; %d items of the department are in force", len(rest), inForce)
	}
	for _, c := range rest {
		if c.Change.Kind != registry.CatalogChanged || c.Change.Publication != 0 || c.DepartmentName != "市自然资源和规划局" {
			t.Errorf("rename change %+v (department %s)", c.Change, c.DepartmentName)
		}
	}
	replay(t, cat, rest)
	e.sameCatalogue(cat)
	// A rename to the same name announces nothing.
	_, current = e.allChanges(0, 0)
	if _, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "市自然资源和规划局"},
		[]string{"display_name"}, ""); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.allChanges(current, 0); len(again) != 0 {
		t.Errorf("an unchanged name announced %d changes", len(again))
	}
}
