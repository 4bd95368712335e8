package registry_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// TestApproveReturningItems: the reviewer returns single items and approves
// the rest; the returned items are edited and submitted again.
func TestApproveReturningItems(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	c := e.item("gtzyj", "丙", registry.CategoryLicensing)
	s := e.submit(e.batch("gtzyj", a, b, c))

	s, err := e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{
		Comment:      "部分同意",
		Returned:     []registry.ItemComment{{Item: b.Item.ID, Comment: "设定依据条款不准确"}},
		ItemComments: []registry.ItemComment{{Item: c.Item.ID, Comment: "名称可再规范"}},
	}, registry.Etag(s.Version))
	e.must(err, "ApproveSubmission")
	if s.State != registry.SubmissionApproved || !slices.Equal(s.Items, []uint64{a.Item.ID, c.Item.ID}) ||
		!slices.Equal(s.ItemRevisions, []int{1, 1}) || !slices.Equal(s.Returned, []uint64{b.Item.ID}) {
		t.Fatalf("approved submission: %+v", s)
	}
	if len(s.ItemComments) != 2 {
		t.Errorf("item comments %+v, want the returned one and the plain one", s.ItemComments)
	}

	gotB := e.getItem(b)
	if gotB.Item.State != registry.ItemReturned || gotB.Item.Submission != 0 || gotB.Item.ReviewComment != "设定依据条款不准确" {
		t.Fatalf("returned item: %+v", gotB.Item)
	}
	if gotC := e.getItem(c); gotC.Item.State != registry.ItemApproved || gotC.Item.ReviewComment != "名称可再规范" {
		t.Errorf("approved item with a comment: %+v", gotC.Item)
	}
	if gotA := e.getItem(a); gotA.Item.State != registry.ItemApproved || gotA.Item.Submission != s.ID {
		t.Errorf("approved item: %+v", gotA.Item)
	}

	// The rest is published without the returned item.
	e.publish(s)
	if got := catalogCodes(e.catalog()); len(got) != 2 {
		t.Errorf("catalogue %v, want the two approved items", got)
	}

	// The returned item is edited and goes through a new submission.
	fixed := []registry.LegalBasis{{Level: 1, Title: "《土地管理法》", Article: "第七十六条", Text: "《土地管理法》第七十六条"}}
	upd, err := e.svc.UpdateItem(clerk, "gtzyj", b.Item.ID, registry.ItemInput{Content: registry.Content{LegalBases: fixed}},
		[]string{"legal_bases"}, registry.Etag(gotB.Item.Version))
	e.must(err, "UpdateItem returned")
	if upd.Item.State != registry.ItemReturned || upd.Item.Head != 2 || upd.Item.Pending != registry.ChangeCreate {
		t.Errorf("edited returned item: %+v", upd.Item)
	}
	s2 := e.submit(e.batch("gtzyj", b))
	if !slices.Equal(s2.ItemRevisions, []int{2}) {
		t.Errorf("resubmitted revisions %v, want [2]", s2.ItemRevisions)
	}
	e.publish(e.approve(s2))
	entries := e.catalog()
	if len(entries) != 3 {
		t.Fatalf("catalogue %v, want three items", catalogCodes(entries))
	}
	got := e.getItem(b)
	entry, err := e.svc.GetCatalogItem(got.Item.Code)
	e.must(err, "GetCatalogItem")
	if entry.Entry.Revision != 2 || entry.Entry.Content.LegalBases[0].Article != "第七十六条" {
		t.Errorf("published returned item: %+v", entry.Entry)
	}
}

// TestApproveReviewFields: review input must name items of the batch and
// may not return all of them.
func TestApproveReviewFields(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	other := e.item("gtzyj", "丙", registry.CategoryPenalty)
	s := e.submit(e.batch("gtzyj", a, b))

	_, err := e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{
		Returned: []registry.ItemComment{{Item: a.Item.ID, Comment: "x"}, {Item: b.Item.ID, Comment: "y"}},
	}, "")
	wantFields(t, err, "returned_items")

	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{
		Returned:     []registry.ItemComment{{Item: other.Item.ID, Comment: "x"}},
		ItemComments: []registry.ItemComment{{Item: a.Item.ID}, {Item: 999, Comment: "z"}},
	}, "")
	wantFields(t, err, "returned_items[0].item", "item_comments[1].item")

	// Returning one item twice is not returning them all.
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{
		Returned: []registry.ItemComment{{Item: a.Item.ID, Comment: "x"}, {Item: a.Item.ID, Comment: "y"}},
	}, "")
	wantFields(t, err, "returned_items[1].item")

	_, err = e.svc.RejectSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{}, "")
	wantFields(t, err, "comment")
	_, err = e.svc.RejectSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Comment: "退回",
		ItemComments: []registry.ItemComment{{Item: b.Item.ID, Comment: "x"}, {Item: b.Item.ID, Comment: "y"}}}, "")
	wantFields(t, err, "item_comments[1].item")

	if got := e.getSub(s); got.State != registry.SubmissionSubmitted || got.Version != s.Version {
		t.Errorf("submission changed by refused reviews: %+v", got)
	}
}

// TestReject: the whole batch is returned with per-item comments.
func TestReject(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	s := e.submit(e.batch("gtzyj", a, b))

	s, err := e.svc.RejectSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{
		Comment:      "责任事项不全，请补充后重报",
		ItemComments: []registry.ItemComment{{Item: b.Item.ID, Comment: "缺少追责情形"}},
	}, registry.Etag(s.Version))
	e.must(err, "RejectSubmission")
	if s.State != registry.SubmissionReturned || s.Reviewer != reviewer || s.ReviewComment != "责任事项不全，请补充后重报" ||
		!slices.Equal(s.Returned, []uint64{a.Item.ID, b.Item.ID}) {
		t.Fatalf("rejected submission: %+v", s)
	}
	if len(s.ItemComments) != 1 || s.ItemComments[0].Comment != "缺少追责情形" {
		t.Errorf("item comments: %+v", s.ItemComments)
	}
	for _, tc := range []struct {
		item    *registry.ItemView
		comment string
	}{
		{a, "责任事项不全，请补充后重报"}, // no item comment: the batch's
		{b, "缺少追责情形"},
	} {
		got := e.getItem(tc.item)
		if got.Item.State != registry.ItemReturned || got.Item.Submission != 0 || got.Item.ReviewComment != tc.comment {
			t.Errorf("%s: %+v, want returned with comment %q", tc.item.Content.DisplayName, got.Item, tc.comment)
		}
	}
	// The batch is closed; the items go again in a new one, unchanged
	// but with the reviewer's comments answered.
	_, err = e.svc.SubmitSubmission(clerk, "gtzyj", s.ID, "", "")
	wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonSubmissionNotDraft)
	e.publish(e.approve(e.answered("gtzyj", map[*registry.ItemView]string{a: "责任事项已齐全", b: "追责情形见第三项"}, a, b)))
	if n := len(e.catalog()); n != 2 {
		t.Errorf("catalogue has %d items after resubmission, want 2", n)
	}
}

// TestRejectApproved: an approved batch that cannot be published as it
// stands (abolishing a main item while keeping its sub-item) is returned to
// the department instead of staying stuck.
func TestRejectApproved(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	main := e.item("gtzyj", "建设用地审批", registry.CategoryLicensing)
	sub := e.subItem(main, "农用地转用审批")
	e.publishItems("gtzyj", main, sub)
	_, err := e.svc.AbolishItem(clerk, "gtzyj", main.Item.ID, "已取消", "")
	e.must(err, "AbolishItem")
	s := e.approved("gtzyj", main)
	_, err = e.svc.CreatePublication(publisher, []string{subName(s)}, "", "")
	wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonSubItemsInForce)

	s, err = e.svc.RejectSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Comment: "请一并废止子项"}, "")
	e.must(err, "RejectSubmission of an approved batch")
	if s.State != registry.SubmissionReturned {
		t.Fatalf("state %d, want returned", s.State)
	}
	got := e.getItem(main)
	if got.Item.State != registry.ItemReturned || got.Item.Submission != 0 || got.Item.Pending != registry.ChangeAbolish {
		t.Fatalf("item after return: %+v", got.Item)
	}
	// The department completes the change and it goes through; the main
	// item, unchanged (an abolition cannot be edited), with an answer.
	_, err = e.svc.AbolishItem(clerk, "gtzyj", sub.Item.ID, "随大项取消", "")
	e.must(err, "AbolishItem sub-item")
	e.publish(e.approve(e.answered("gtzyj", map[*registry.ItemView]string{main: "子项已一并申请废止"}, main, sub)))
	if n := len(e.catalog()); n != 0 {
		t.Errorf("catalogue has %d items, want 0", n)
	}
}

// TestModifyPublished: a change to a published item is a draft; the
// catalogue serves the old revision until the change is published.
func TestModifyPublished(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	it := e.item("gtzyj", "对非法占用土地的处罚", registry.CategoryPenalty)
	pub1 := e.publishItems("gtzyj", it)
	code := e.getItem(it).Item.Code
	t1 := e.clock.Now()

	e.clock.Advance(time.Hour)
	cur := e.getItem(it)
	mod, err := e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID,
		registry.ItemInput{Content: registry.Content{Remark: "依新法修订", HandlingUnit: "执法监察支队"}},
		[]string{"remark", "handling_unit"}, registry.Etag(cur.Item.Version))
	e.must(err, "UpdateItem published")
	if mod.Item.State != registry.ItemDraft || mod.Item.Pending != registry.ChangeModify || mod.Item.Head != 2 || mod.Item.Code != code {
		t.Fatalf("modified item: %+v", mod.Item)
	}
	if mod.Content.Remark != "依新法修订" || mod.Content.DisplayName != it.Content.DisplayName || len(mod.Content.LegalBases) != 1 {
		t.Errorf("working copy: %+v (fields outside the mask must be kept)", mod.Content)
	}
	if rec := mod.Item.InForce(); rec == nil || rec.Revision != 1 {
		t.Errorf("in force while a change is pending: %+v", rec)
	}

	checkServed := func(when string, rev int, remark string) {
		t.Helper()
		list := e.catalog()
		if len(list) != 1 || list[0].Entry.Code != code || list[0].Entry.Revision != rev || list[0].Entry.Content.Remark != remark {
			t.Errorf("%s: ListCatalog %+v, want %s revision %d remark %q", when, list, code, rev, remark)
		}
		got, err := e.svc.GetCatalogItem(code)
		e.must(err, "GetCatalogItem")
		if got.Entry.Revision != rev || got.Entry.Content.Remark != remark || (got.Entry.Content.HandlingUnit == "") != (rev == 1) {
			t.Errorf("%s: GetCatalogItem %+v", when, got.Entry)
		}
	}
	checkServed("draft change", 1, "")

	// A second edit of the pending change makes revision 3, still a modify.
	mod, err = e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "依新法修订（二稿）"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem draft change")
	if mod.Item.Head != 3 || mod.Item.Pending != registry.ChangeModify {
		t.Errorf("second edit: %+v", mod.Item)
	}
	s := e.submit(e.batch("gtzyj", it))
	checkServed("submitted change", 1, "")
	s = e.approve(s)
	checkServed("approved change", 1, "")

	e.clock.Advance(time.Hour)
	t2 := e.clock.Now()
	pub2 := e.publish(s)
	checkServed("published change", 3, "依新法修订（二稿）")
	if pub2.Items[0].Change != registry.ChangeModify || pub2.Items[0].Code != code {
		t.Errorf("publication item: %+v", pub2.Items[0])
	}
	got := e.getItem(it)
	if got.Item.State != registry.ItemPublished || got.Item.Pending != registry.ChangeNone || got.Item.Code != code || len(got.Item.Published) != 2 {
		t.Errorf("item after the change: %+v", got.Item)
	}

	revs, next, err := e.svc.ListRevisions("gtzyj", it.Item.ID, 0, "")
	e.must(err, "ListRevisions")
	if next != "" || len(revs) != 3 {
		t.Fatalf("revisions: %d, next %q", len(revs), next)
	}
	for i, want := range []struct {
		number      int
		change      registry.ChangeKind
		publication uint64
		publish     time.Time
		supersede   time.Time
	}{
		{3, registry.ChangeModify, pub2.ID, t2, time.Time{}},
		{2, registry.ChangeModify, 0, time.Time{}, time.Time{}},
		{1, registry.ChangeCreate, pub1.ID, t1, t2},
	} {
		r := revs[i]
		if r.Revision.Number != want.number || r.Revision.Change != want.change || r.Publication != want.publication ||
			!r.PublishTime.Equal(want.publish) || !r.SupersedeTime.Equal(want.supersede) || r.Code != code {
			t.Errorf("revision %d: %+v, want %+v", i, r, want)
		}
	}
	r1, err := e.svc.GetRevision("gtzyj", it.Item.ID, 1)
	e.must(err, "GetRevision")
	if r1.Revision.Content.Remark != "" || r1.Revision.Actor != clerk || r1.DepartmentName != "市国土资源局" {
		t.Errorf("revision 1: %+v", r1)
	}

	// The code and the main item of a published item never change.
	_, err = e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, registry.ItemInput{Code: "X-1"}, []string{"code"}, "")
	wantFields(t, err, "item.code")
	// A full update must carry the code back.
	full := registry.ItemInput{Content: content("对非法占用土地的处罚", registry.CategoryPenalty), Code: code}
	full.Content.Remark = "全量更新"
	mod, err = e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, full, nil, "")
	e.must(err, "UpdateItem full")
	if mod.Content.Remark != "全量更新" || mod.Content.HandlingUnit != "" {
		t.Errorf("full update: %+v", mod.Content)
	}
}

// TestCategoryChange: a modification that changes the category moves the
// entry between the category filters but keeps the code.
func TestCategoryChange(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	it := e.item("gtzyj", "土地监督检查", registry.CategoryOther)
	e.publishItems("gtzyj", it)
	code := e.getItem(it).Item.Code
	_, err := e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, registry.ItemInput{Content: registry.Content{Category: registry.CategorySupervision}},
		[]string{"category"}, "")
	e.must(err, "UpdateItem category")
	e.publishItems("gtzyj", it)
	for _, tc := range []struct {
		cat  registry.Category
		want []string
	}{
		{registry.CategoryOther, nil},
		{registry.CategorySupervision, []string{code}},
	} {
		list, _, err := e.svc.ListCatalog(tc.cat, "", 0, "")
		e.must(err, "ListCatalog")
		if got := catalogCodes(list); !slices.Equal(got, tc.want) {
			t.Errorf("category %d: %v, want %v", tc.cat, got, tc.want)
		}
	}
	if got := e.getItem(it).Item.Code; got != code {
		t.Errorf("code changed from %q to %q", code, got)
	}
}

// TestAbolish: an abolition goes through review and publication; the item
// leaves the catalogue, its revisions stay and its code is never reused.
func TestAbolish(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	e.publishItems("gtzyj", a, b)
	codeA := e.getItem(a).Item.Code

	_, err := e.svc.AbolishItem(clerk, "gtzyj", a.Item.ID, "", "")
	wantFields(t, err, "comment")

	ab, err := e.svc.AbolishItem(clerk, "gtzyj", a.Item.ID, "《某某条例》已废止", "")
	e.must(err, "AbolishItem")
	if ab.Item.State != registry.ItemDraft || ab.Item.Pending != registry.ChangeAbolish || ab.Item.Head != 2 {
		t.Fatalf("abolition draft: %+v", ab.Item)
	}
	s := e.approved("gtzyj", a)
	if got := catalogCodes(e.catalog()); len(got) != 2 {
		t.Errorf("catalogue before the abolition is published: %v", got)
	}
	pub := e.publish(s)
	if pub.Items[0].Change != registry.ChangeAbolish || pub.Items[0].Code != codeA {
		t.Errorf("publication item: %+v", pub.Items[0])
	}
	if got := catalogCodes(e.catalog()); slices.Contains(got, codeA) || len(got) != 1 {
		t.Errorf("catalogue after abolition: %v", got)
	}
	_, err = e.svc.GetCatalogItem(codeA)
	wantErr(t, err, registry.ClassNotFound, registry.ReasonCatalogItemNotFound)

	got := e.getItem(a)
	if got.Item.State != registry.ItemAbolished || got.Item.InForce() != nil || got.Item.Code != codeA {
		t.Errorf("abolished item: %+v", got.Item)
	}
	revs, _, err := e.svc.ListRevisions("gtzyj", a.Item.ID, 0, "")
	e.must(err, "ListRevisions")
	if len(revs) != 2 || revs[0].Revision.Change != registry.ChangeAbolish || revs[0].Revision.Comment != "《某某条例》已废止" ||
		revs[1].Publication == 0 || revs[1].SupersedeTime.IsZero() {
		t.Errorf("revisions of an abolished item: %+v", revs)
	}
	if _, err := e.svc.GetRevision("gtzyj", a.Item.ID, 1); err != nil {
		t.Errorf("GetRevision of an abolished item: %v", err)
	}

	// An abolished item is closed.
	_, err = e.svc.AbolishItem(clerk, "gtzyj", a.Item.ID, "再废止", "")
	wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonItemNotPublished)
	err = e.svc.DeleteItem(clerk, "gtzyj", a.Item.ID, "")
	wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonItemNotDeletable)
	_, err = e.svc.UpdateItem(clerk, "gtzyj", a.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "x"}}, []string{"remark"}, "")
	wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonItemNotEditable)
	_, err = e.svc.CreateSubmission(clerk, "gtzyj", names(a), "", "")
	wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonItemNotSubmittable)

	// Its code is never given again: neither by the scheme nor to a department.
	c := e.item("gtzyj", "丙", registry.CategoryPenalty)
	e.publishItems("gtzyj", c)
	if codeC := e.getItem(c).Item.Code; codeC == codeA {
		t.Errorf("abolished code %s reused", codeA)
	}
	_, err = e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: content("丁", registry.CategoryPenalty), Code: codeA}, "")
	wantErr(t, err, registry.ClassAlreadyExists, registry.ReasonCodeInUse)
}

// TestAbolishWithdrawn: deleting an abolition draft withdraws it.
func TestAbolishWithdrawn(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	e.publishItems("gtzyj", a)
	_, err := e.svc.AbolishItem(clerk, "gtzyj", a.Item.ID, "废止", "")
	e.must(err, "AbolishItem")
	e.must(e.svc.DeleteItem(clerk, "gtzyj", a.Item.ID, ""), "DeleteItem")
	got := e.getItem(a)
	if got.Item.State != registry.ItemPublished || got.Item.Pending != registry.ChangeNone || got.Item.Head != 1 {
		t.Errorf("after withdrawing the abolition: %+v", got.Item)
	}
	if len(e.catalog()) != 1 {
		t.Errorf("withdrawn abolition changed the catalogue")
	}
}

// TestSubItemStructure: a sub-item needs its main item in force, and an
// abolished main item takes its sub-items with it.
func TestSubItemStructure(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	main := e.item("gtzyj", "大项", registry.CategoryPenalty)
	sub := e.subItem(main, "子项")

	s := e.approved("gtzyj", sub)
	_, err := e.svc.CreatePublication(publisher, []string{subName(s)}, "", "")
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonParentNotInForce)
	if !slices.Equal(subjects(re), names(sub)) {
		t.Errorf("subjects %v", subjects(re))
	}
	if len(e.catalog()) != 0 {
		t.Errorf("refused publication changed the catalogue")
	}

	// Main item published first, then the sub-item on its own.
	e.publishItems("gtzyj", main)
	e.publish(s)
	mainCode := e.getItem(main).Item.Code
	if got := e.getItem(sub).Item.Code; got != mainCode[:len(mainCode)-3]+"-01" {
		t.Errorf("sub-item code %q of main %q", got, mainCode)
	}
	sub2 := e.subItem(main, "子项二")
	e.publishItems("gtzyj", sub2)
	if got := e.getItem(sub2).Item.Code; got != mainCode[:len(mainCode)-3]+"-02" {
		t.Errorf("second sub-item code %q", got)
	}

	// Sub-items cannot have sub-items.
	_, err = e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: content("孙项", registry.CategoryPenalty), Parent: itemName(sub)}, "")
	wantFields(t, err, "item.parent")

	// Abolishing the main item alone is refused at publication.
	_, err = e.svc.AbolishItem(clerk, "gtzyj", main.Item.ID, "废止", "")
	e.must(err, "AbolishItem main")
	sm := e.approved("gtzyj", main)
	_, err = e.svc.CreatePublication(publisher, []string{subName(sm)}, "", "")
	re = wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonSubItemsInForce)
	if !sameSet(subjects(re), names(sub, sub2)) {
		t.Errorf("subjects %v, want the sub-items", subjects(re))
	}
	// Together with its sub-items it goes.
	for _, v := range []*registry.ItemView{sub, sub2} {
		_, err = e.svc.AbolishItem(clerk, "gtzyj", v.Item.ID, "随大项废止", "")
		e.must(err, "AbolishItem sub")
	}
	ss := e.approved("gtzyj", sub, sub2)
	e.publish(sm, ss)
	if n := len(e.catalog()); n != 0 {
		t.Errorf("catalogue has %d entries after abolishing everything", n)
	}
	// An abolished main item takes no new sub-items.
	_, err = e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: content("新子项", registry.CategoryPenalty), Parent: itemName(main)}, "")
	wantFields(t, err, "item.parent")
}

// TestDeleteItem: a never-published draft is erased; a pending change of a
// published item is discarded.
func TestDeleteItem(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")

	draft := e.itemIn("gtzyj", registry.ItemInput{Content: content("草稿", registry.CategoryPenalty), Code: "GTJ-9"})
	e.must(e.svc.DeleteItem(clerk, "gtzyj", draft.Item.ID, registry.Etag(draft.Item.Version)), "DeleteItem draft")
	_, err := e.svc.GetItem("gtzyj", draft.Item.ID)
	wantErr(t, err, registry.ClassNotFound, registry.ReasonItemNotFound)
	_, err = e.svc.GetRevision("gtzyj", draft.Item.ID, 1)
	wantErr(t, err, registry.ClassNotFound, registry.ReasonItemNotFound)
	_, _, err = e.svc.ListEvents(itemName(draft), 0, "")
	wantErr(t, err, registry.ClassNotFound, registry.ReasonItemNotFound)
	// Its code is free again: it was never published.
	_, err = e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: content("新", registry.CategoryPenalty), Code: "GTJ-9"}, "")
	e.must(err, "CreateItem with the erased draft's code")

	// A main item with sub-items cannot be erased before them.
	main := e.item("gtzyj", "大项", registry.CategoryPenalty)
	sub := e.subItem(main, "子项")
	err = e.svc.DeleteItem(clerk, "gtzyj", main.Item.ID, "")
	wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonItemNotDeletable)
	e.must(e.svc.DeleteItem(clerk, "gtzyj", sub.Item.ID, ""), "DeleteItem sub")
	e.must(e.svc.DeleteItem(clerk, "gtzyj", main.Item.ID, ""), "DeleteItem main")

	// A published item with a pending draft: the draft goes, the item stays.
	pub := e.item("gtzyj", "已发布", registry.CategoryPenalty)
	e.publishItems("gtzyj", pub)
	_, err = e.svc.UpdateItem(clerk, "gtzyj", pub.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "改"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem")
	e.must(e.svc.DeleteItem(clerk, "gtzyj", pub.Item.ID, ""), "DeleteItem pending change")
	got := e.getItem(pub)
	if got.Item.State != registry.ItemPublished || got.Item.Pending != registry.ChangeNone || got.Item.Head != 1 || got.Content.Remark != "" {
		t.Errorf("after discarding the draft: %+v %+v", got.Item, got.Content)
	}
	if list := e.catalog(); len(list) != 1 || list[0].Entry.Content.Remark != "" {
		t.Errorf("catalogue after discarding: %+v", list)
	}
	// A returned change is discarded too.
	_, err = e.svc.UpdateItem(clerk, "gtzyj", pub.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "再改"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem")
	s := e.submit(e.batch("gtzyj", pub))
	_, err = e.svc.RejectSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Comment: "不同意"}, "")
	e.must(err, "RejectSubmission")
	e.must(e.svc.DeleteItem(clerk, "gtzyj", pub.Item.ID, ""), "DeleteItem returned change")
	if got := e.getItem(pub); got.Item.State != registry.ItemPublished || got.Item.ReviewComment != "" {
		t.Errorf("after discarding a returned change: %+v", got.Item)
	}
}

// TestDeleteSubmission releases the items of a draft batch.
func TestDeleteSubmission(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	s := e.batch("gtzyj", a)
	e.must(e.svc.DeleteSubmission(clerk, "gtzyj", s.ID, registry.Etag(s.Version)), "DeleteSubmission")
	_, err := e.svc.GetSubmission("gtzyj", s.ID)
	wantErr(t, err, registry.ClassNotFound, registry.ReasonSubmissionNotFound)
	if got := e.getItem(a); got.Item.Submission != 0 {
		t.Errorf("item still reserved: %+v", got.Item)
	}
	e.batch("gtzyj", a)
}

// TestPublicationAtomic: one unapproved submission refuses the whole
// publication.
func TestPublicationAtomic(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	e.dept("hbj", "市环境保护局")
	old := e.item("gtzyj", "早已发布", registry.CategoryPenalty)
	e.publishItems("gtzyj", old)
	before := catalogCodes(e.catalog())

	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("hbj", "乙", registry.CategoryLevy)
	c := e.item("hbj", "丙", registry.CategoryLevy)
	sa := e.approved("gtzyj", a)
	sb := e.submit(e.batch("hbj", b))
	sc := e.approved("hbj", c)

	_, err := e.svc.CreatePublication(publisher, []string{subName(sa), subName(sb), subName(sc)}, "", "")
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonSubmissionNotApprov)
	if !slices.Equal(subjects(re), []string{subName(sb)}) {
		t.Errorf("subjects %v, want %s", subjects(re), subName(sb))
	}
	if got := catalogCodes(e.catalog()); !slices.Equal(got, before) {
		t.Errorf("catalogue changed: %v → %v", before, got)
	}
	for _, s := range []*registry.Submission{sa, sc} {
		if got := e.getSub(s); got.State != registry.SubmissionApproved || got.Publication != 0 {
			t.Errorf("submission %s after a refused publication: %+v", subName(s), got)
		}
	}
	for _, v := range []*registry.ItemView{a, c} {
		if got := e.getItem(v); got.Item.State != registry.ItemApproved || got.Item.Code != "" || len(got.Item.Published) != 0 {
			t.Errorf("item %s after a refused publication: %+v", v.Content.DisplayName, got.Item)
		}
	}
	if pubs, _, err := e.svc.ListPublications(0, ""); err != nil || len(pubs) != 1 {
		t.Errorf("publications after a refused one: %d, %v", len(pubs), err)
	}

	// Once approved, all three go together, and the refused attempt did
	// not consume a publication id or a code.
	e.approve(sb)
	pub := e.publish(sa, sb, sc)
	if pub.ID != 2 {
		t.Errorf("publication id %d, want 2", pub.ID)
	}
	if got := e.getItem(a).Item.Code; got != "430400-CF-001-0002-00" {
		t.Errorf("code %q", got)
	}
	if got := e.getItem(b).Item.Code; got != "430400-ZS-002-0001-00" {
		t.Errorf("code %q", got)
	}
	if n := len(e.catalog()); n != 4 {
		t.Errorf("catalogue has %d entries, want 4", n)
	}
}

// TestEvents: every step is recorded with its actor and comment.
func TestEvents(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	e.clock.Advance(time.Minute)
	_, err := e.svc.UpdateItem("editor@gtzyj", "gtzyj", a.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "r"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem")
	s, err := e.svc.CreateSubmission(clerk, "gtzyj", names(a, b), "2014 年第一批", "")
	e.must(err, "CreateSubmission")
	_, err = e.svc.SubmitSubmission("head@gtzyj", "gtzyj", s.ID, "局长已审", "")
	e.must(err, "SubmitSubmission")
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Comment: "同意",
		Returned: []registry.ItemComment{{Item: b.Item.ID, Comment: "请补充"}}}, "")
	e.must(err, "ApproveSubmission")
	p, err := e.svc.CreatePublication(publisher, []string{subName(s)}, "第一次集中发布", "")
	e.must(err, "CreatePublication")

	type ev struct {
		actor   string
		action  registry.Action
		comment string
		related string
	}
	sn := subName(s)
	pn := registry.PublicationName(p.ID)
	for _, tc := range []struct {
		resource string
		want     []ev
	}{
		{itemName(a), []ev{
			{clerk, registry.ActionCreated, "", ""},
			{"editor@gtzyj", registry.ActionUpdated, "", ""},
			{"head@gtzyj", registry.ActionSubmitted, "局长已审", sn},
			{reviewer, registry.ActionApproved, "", sn},
			{publisher, registry.ActionPublished, "第一次集中发布", pn},
		}},
		{itemName(b), []ev{
			{clerk, registry.ActionCreated, "", ""},
			{"head@gtzyj", registry.ActionSubmitted, "局长已审", sn},
			{reviewer, registry.ActionReturned, "请补充", sn},
		}},
		{sn, []ev{
			{clerk, registry.ActionCreated, "2014 年第一批", ""},
			{"head@gtzyj", registry.ActionSubmitted, "局长已审", ""},
			{reviewer, registry.ActionApproved, "同意", ""},
			{publisher, registry.ActionPublished, "第一次集中发布", pn},
		}},
		{pn, []ev{{publisher, registry.ActionCreated, "第一次集中发布", ""}}},
	} {
		t.Run(tc.resource, func(t *testing.T) {
			evs, next, err := e.svc.ListEvents(tc.resource, 0, "")
			e.must(err, "ListEvents")
			if next != "" {
				t.Errorf("next page %q", next)
			}
			var got []ev
			for i, x := range evs {
				got = append(got, ev{x.Actor, x.Action, x.Comment, x.Related})
				if x.Resource != tc.resource {
					t.Errorf("event %d of resource %q", i, x.Resource)
				}
				if i > 0 && x.Revision <= evs[i-1].Revision {
					t.Errorf("events not in revision order: %d after %d", x.Revision, evs[i-1].Revision)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("events\n got %+v\nwant %+v", got, tc.want)
			}
			// Paged one by one, the same events.
			var paged []ev
			token := ""
			for range 20 {
				page, nt, err := e.svc.ListEvents(tc.resource, 1, token)
				e.must(err, "ListEvents page")
				for _, x := range page {
					paged = append(paged, ev{x.Actor, x.Action, x.Comment, x.Related})
				}
				if token = nt; token == "" {
					break
				}
			}
			if !slices.Equal(paged, tc.want) {
				t.Errorf("paged events %+v", paged)
			}
		})
	}
	evs, _, err := e.svc.ListEvents(itemName(a), 0, "")
	e.must(err, "ListEvents")
	if !evs[0].Time.Equal(t0) || !evs[1].Time.Equal(t0.Add(time.Minute)) {
		t.Errorf("event times %v, %v: want the fake clock's", evs[0].Time, evs[1].Time)
	}
	devs, _, err := e.svc.ListEvents("departments/gtzyj", 0, "")
	e.must(err, "ListEvents department")
	if len(devs) != 1 || devs[0].Action != registry.ActionCreated || devs[0].Actor != "admin" {
		t.Errorf("department events %+v", devs)
	}
	for _, bad := range []string{"", "gtzyj", "departments/gtzyj/items/x", "departments/gtzyj/revisions/1", "publications/0"} {
		_, _, err = e.svc.ListEvents(bad, 0, "")
		wantFields(t, err, "parent")
	}
	_, _, err = e.svc.ListEvents("departments/nope", 0, "")
	wantErr(t, err, registry.ClassNotFound, registry.ReasonDepartmentNotFound)
}

// TestCatalogStats counts per category and department, items and
// sub-items apart.
func TestCatalogStats(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	e.dept("hbj", "市环境保护局")
	e.dept("kong", "空部门")
	p1 := e.item("gtzyj", "处罚一", registry.CategoryPenalty)
	p1a := e.subItem(p1, "处罚一之一")
	p1b := e.subItem(p1, "处罚一之二")
	p2 := e.item("gtzyj", "处罚二", registry.CategoryPenalty)
	l1 := e.item("gtzyj", "许可一", registry.CategoryLicensing)
	h1 := e.item("hbj", "处罚三", registry.CategoryPenalty)
	h2 := e.item("hbj", "征收一", registry.CategoryLevy)
	gone := e.item("hbj", "将废止", registry.CategoryLevy)
	e.item("hbj", "未发布", registry.CategoryLevy)
	e.publishItems("gtzyj", p1, p1a, p1b, p2, l1)
	e.publishItems("hbj", h1, h2, gone)
	_, err := e.svc.AbolishItem(clerk, "hbj", gone.Item.ID, "废止", "")
	e.must(err, "AbolishItem")
	e.publishItems("hbj", gone)

	st, err := e.svc.CatalogStats()
	e.must(err, "CatalogStats")
	want := [10]registry.Count{}
	want[registry.CategoryPenalty-1] = registry.Count{Items: 3, SubItems: 2}
	want[registry.CategoryLicensing-1] = registry.Count{Items: 1}
	want[registry.CategoryLevy-1] = registry.Count{Items: 1}
	if st.Categories != want {
		t.Errorf("categories %+v, want %+v", st.Categories, want)
	}
	if st.Total != (registry.Count{Items: 5, SubItems: 2}) || st.Total.Total() != 7 {
		t.Errorf("total %+v", st.Total)
	}
	wantDepts := []registry.DepartmentCount{
		{Department: "gtzyj", DepartmentName: "市国土资源局", Count: registry.Count{Items: 3, SubItems: 2}},
		{Department: "hbj", DepartmentName: "市环境保护局", Count: registry.Count{Items: 2}},
	}
	if !slices.Equal(st.Departments, wantDepts) {
		t.Errorf("departments %+v, want %+v", st.Departments, wantDepts)
	}
}

// TestIdempotency: a retried create with the same request id creates one
// resource and returns it again.
func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	d1, err := e.svc.CreateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "市国土资源局"}, "req-d")
	e.must(err, "CreateDepartment")
	d2, err := e.svc.CreateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "市国土资源局"}, "req-d")
	e.must(err, "CreateDepartment retried")
	if d1.Number != d2.Number || d1.Version != d2.Version {
		t.Errorf("retried department %+v, want %+v", d2, d1)
	}
	// A retry that changed its body still gets what the first request made.
	d3, err := e.svc.CreateDepartment("admin", registry.Department{ID: "hbj", DisplayName: "市环境保护局"}, "req-d")
	e.must(err, "CreateDepartment retried with another id")
	if d3.ID != "gtzyj" {
		t.Errorf("retried department %+v, want gtzyj", d3)
	}
	if _, err := e.svc.GetDepartment("hbj"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("a retry created another department: %v", err)
	}

	in := registry.ItemInput{Content: content("甲", registry.CategoryPenalty)}
	i1, err := e.svc.CreateItem(clerk, "gtzyj", in, "req-1")
	e.must(err, "CreateItem")
	i2, err := e.svc.CreateItem(clerk, "gtzyj", in, "req-1")
	e.must(err, "CreateItem retried")
	if i1.Item.ID != i2.Item.ID || i1.Item.Version != i2.Item.Version {
		t.Errorf("retried item %+v, want %+v", i2.Item, i1.Item)
	}
	i3, err := e.svc.CreateItem(clerk, "gtzyj", in, "req-2")
	e.must(err, "CreateItem other request")
	if i3.Item.ID == i1.Item.ID {
		t.Errorf("another request id returned the same item")
	}
	i4, err := e.svc.CreateItem(clerk, "gtzyj", in, "")
	e.must(err, "CreateItem no request id")
	items, _, err := e.svc.ListItems("gtzyj", 0, 0, "")
	e.must(err, "ListItems")
	if len(items) != 3 || items[2].Item.ID != i4.Item.ID {
		t.Errorf("%d items, want 3", len(items))
	}

	s1, err := e.svc.CreateSubmission(clerk, "gtzyj", names(i1), "", "req-s")
	e.must(err, "CreateSubmission")
	s2, err := e.svc.CreateSubmission(clerk, "gtzyj", names(i1), "", "req-s")
	e.must(err, "CreateSubmission retried")
	if s2 == nil || s1.ID != s2.ID {
		t.Fatalf("retried submission %+v, want %+v", s2, s1)
	}
	e.approve(e.submit(s1))
	p1, err := e.svc.CreatePublication(publisher, []string{subName(s1)}, "", "req-p")
	e.must(err, "CreatePublication")
	p2, err := e.svc.CreatePublication(publisher, []string{subName(s1)}, "", "req-p")
	e.must(err, "CreatePublication retried")
	if p2 == nil || p1.ID != p2.ID {
		t.Fatalf("retried publication %+v, want %+v", p2, p1)
	}
	if pubs, _, _ := e.svc.ListPublications(0, ""); len(pubs) != 1 {
		t.Errorf("%d publications, want 1", len(pubs))
	}
}

// TestIdempotencyAfterDelete: a retry whose resource was deleted since
// must not panic nor return nothing.
func TestIdempotencyAfterDelete(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	in := registry.ItemInput{Content: content("甲", registry.CategoryPenalty)}
	it, err := e.svc.CreateItem(clerk, "gtzyj", in, "req-1")
	e.must(err, "CreateItem")
	other := e.item("gtzyj", "乙", registry.CategoryPenalty)
	s, err := e.svc.CreateSubmission(clerk, "gtzyj", names(other), "", "req-s")
	e.must(err, "CreateSubmission")
	e.must(e.svc.DeleteSubmission(clerk, "gtzyj", s.ID, ""), "DeleteSubmission")
	e.must(e.svc.DeleteItem(clerk, "gtzyj", it.Item.ID, ""), "DeleteItem")

	v, err := e.svc.CreateItem(clerk, "gtzyj", in, "req-1")
	if err == nil && v == nil {
		t.Errorf("CreateItem retried after delete: no item and no error")
	}
	if err != nil {
		wantErr(t, err, registry.ClassNotFound, registry.ReasonItemNotFound)
	}
	sub, err := e.svc.CreateSubmission(clerk, "gtzyj", names(other), "", "req-s")
	if err == nil && sub == nil {
		t.Errorf("CreateSubmission retried after delete: no submission and no error")
	}
	if err != nil {
		wantErr(t, err, registry.ClassNotFound, registry.ReasonSubmissionNotFound)
	}
}

// TestMainItemWithSubItemsStaysMain: a main item that has sub-items
// cannot be made a sub-item (which would give sub-items sub-items).
func TestMainItemWithSubItemsStaysMain(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	m := e.item("gtzyj", "大项", registry.CategoryPenalty)
	s := e.subItem(m, "子项")
	x := e.item("gtzyj", "另一大项", registry.CategoryPenalty)
	_, err := e.svc.UpdateItem(clerk, "gtzyj", m.Item.ID, registry.ItemInput{Parent: itemName(x)}, []string{"parent"}, "")
	wantFields(t, err, "item.parent")

	// Without sub-items it may move under another main item, and a
	// sub-item may move to another main item.
	lone := e.item("gtzyj", "单项", registry.CategoryPenalty)
	v, err := e.svc.UpdateItem(clerk, "gtzyj", lone.Item.ID, registry.ItemInput{Parent: itemName(x)}, []string{"parent"}, "")
	e.must(err, "UpdateItem lone → sub-item")
	if v.ParentName != itemName(x) {
		t.Errorf("parent %q", v.ParentName)
	}
	v, err = e.svc.UpdateItem(clerk, "gtzyj", s.Item.ID, registry.ItemInput{Parent: itemName(x)}, []string{"parent"}, "")
	e.must(err, "UpdateItem move sub-item")
	if v.ParentName != itemName(x) {
		t.Errorf("parent %q", v.ParentName)
	}
	// Now m has no sub-items left and may become one.
	_, err = e.svc.UpdateItem(clerk, "gtzyj", m.Item.ID, registry.ItemInput{Parent: itemName(x)}, []string{"parent"}, "")
	e.must(err, "UpdateItem former main → sub-item")
	// And a sub-item may become a main item again.
	v, err = e.svc.UpdateItem(clerk, "gtzyj", m.Item.ID, registry.ItemInput{}, []string{"parent"}, "")
	e.must(err, "UpdateItem sub-item → main")
	if v.Item.Parent != 0 {
		t.Errorf("parent %d after clearing it", v.Item.Parent)
	}
}

// TestDiscardedDraftRevisionKept: discarding a pending change does not
// free its revision number; the next change gets a new one, so that a
// revision name always means the same content.
func TestDiscardedDraftRevisionKept(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	p := e.item("gtzyj", "甲", registry.CategoryPenalty)
	e.publishItems("gtzyj", p)
	_, err := e.svc.UpdateItem(clerk, "gtzyj", p.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "一稿"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem")
	s := e.submit(e.batch("gtzyj", p))
	_, err = e.svc.RejectSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Comment: "不同意"}, "")
	e.must(err, "RejectSubmission")
	e.must(e.svc.DeleteItem(clerk, "gtzyj", p.Item.ID, ""), "DeleteItem")

	v, err := e.svc.UpdateItem(clerk, "gtzyj", p.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "二稿"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem after discard")
	if v.Item.Head != 3 || v.Content.Remark != "二稿" {
		t.Errorf("new change: head %d remark %q, want 3 and 二稿", v.Item.Head, v.Content.Remark)
	}
	// The returned submission still points at what was reviewed.
	sub := e.getSub(s)
	r, err := e.svc.GetRevision("gtzyj", p.Item.ID, sub.ItemRevisions[0])
	e.must(err, "GetRevision")
	if r.Revision.Content.Remark != "一稿" {
		t.Errorf("reviewed revision %d now has remark %q, want 一稿", sub.ItemRevisions[0], r.Revision.Content.Remark)
	}
	revs, _, err := e.svc.ListRevisions("gtzyj", p.Item.ID, 0, "")
	e.must(err, "ListRevisions")
	var nums []int
	for _, r := range revs {
		nums = append(nums, r.Revision.Number)
	}
	if !slices.Equal(nums, []int{3, 2, 1}) {
		t.Errorf("revisions %v, want [3 2 1]", nums)
	}
	// Abolition after a discarded change also takes a fresh number.
	e.must(e.svc.DeleteItem(clerk, "gtzyj", p.Item.ID, ""), "DeleteItem")
	ab, err := e.svc.AbolishItem(clerk, "gtzyj", p.Item.ID, "废止", "")
	e.must(err, "AbolishItem")
	if ab.Item.Head != 4 {
		t.Errorf("abolition revision %d, want 4", ab.Item.Head)
	}
}

// TestAbolishMainWhileSubModified: a sub-item cannot be put in force by
// the publication that abolishes its main item.
func TestAbolishMainWhileSubModified(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	m := e.item("gtzyj", "大项", registry.CategoryPenalty)
	s := e.subItem(m, "子项")
	e.publishItems("gtzyj", m, s)
	before := catalogCodes(e.catalog())
	_, err := e.svc.AbolishItem(clerk, "gtzyj", m.Item.ID, "废止", "")
	e.must(err, "AbolishItem")
	_, err = e.svc.UpdateItem(clerk, "gtzyj", s.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "改"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem sub")
	sub := e.approved("gtzyj", m, s)
	_, err = e.svc.CreatePublication(publisher, []string{subName(sub)}, "", "")
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonParentNotInForce)
	if !slices.Equal(subjects(re), names(s)) {
		t.Errorf("subjects %v, want %v", subjects(re), names(s))
	}
	if got := catalogCodes(e.catalog()); !slices.Equal(got, before) {
		t.Errorf("catalogue changed: %v", got)
	}
}
