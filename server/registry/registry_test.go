package registry_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// TestFullFlow takes items of two departments from draft to the published
// catalogue and checks the codes the registry assigns.
func TestFullFlow(t *testing.T) {
	e := newEnv(t)
	gt := e.dept("gtzyj", "市国土资源局")
	hb := e.dept("hbj", "市环境保护局")
	if gt.Number != 1 || hb.Number != 2 {
		t.Fatalf("department numbers %d, %d; want 1, 2", gt.Number, hb.Number)
	}

	fine := e.item("gtzyj", "对非法占用土地的处罚", registry.CategoryPenalty)
	fineSub := e.subItem(fine, "对非法占用耕地的处罚")
	lic := e.item("gtzyj", "建设用地审批", registry.CategoryLicensing)
	own := e.itemIn("gtzyj", registry.ItemInput{Content: content("土地登记", registry.CategoryConfirmation), Code: "GTJ-7"})
	ownSub := e.subItem(own, "土地抵押登记")
	levy := e.item("hbj", "排污费征收", registry.CategoryLevy)

	for _, v := range []*registry.ItemView{fine, fineSub, lic, own, ownSub, levy} {
		if v.Item.State != registry.ItemDraft || v.Item.Pending != registry.ChangeCreate || v.Item.Head != 1 {
			t.Errorf("new item %s: state %d pending %d head %d; want draft, create, 1", v.Content.DisplayName, v.Item.State, v.Item.Pending, v.Item.Head)
		}
		if !v.Item.CreateTime.Equal(t0) {
			t.Errorf("new item %s: create time %v, want the clock's %v", v.Content.DisplayName, v.Item.CreateTime, t0)
		}
	}
	if fine.Content.CategoryLabel != "行政处罚" {
		t.Errorf("category label %q, want the default 行政处罚", fine.Content.CategoryLabel)
	}
	if fineSub.ParentName != itemName(fine) || fineSub.Item.Parent != fine.Item.ID {
		t.Errorf("sub-item parent %q / %d, want %s", fineSub.ParentName, fineSub.Item.Parent, itemName(fine))
	}
	if fine.DepartmentName != "市国土资源局" {
		t.Errorf("department name %q", fine.DepartmentName)
	}

	// Sub-items are listed before their main items on purpose: the
	// publication must still give main items their codes first.
	s1 := e.batch("gtzyj", fineSub, fine, lic, ownSub, own)
	if s1.State != registry.SubmissionDraft || len(s1.Items) != 5 {
		t.Fatalf("new submission: %+v", s1)
	}
	if it := e.getItem(fine); it.Item.Submission != s1.ID || it.Item.State != registry.ItemDraft {
		t.Errorf("item in a draft submission: submission %d state %d", it.Item.Submission, it.Item.State)
	}
	s1 = e.submit(s1)
	if s1.State != registry.SubmissionSubmitted || s1.Submitter != clerk || !slices.Equal(s1.ItemRevisions, []int{1, 1, 1, 1, 1}) {
		t.Fatalf("submitted: %+v", s1)
	}
	if it := e.getItem(lic); it.Item.State != registry.ItemSubmitted {
		t.Errorf("item state after submit %d, want submitted", it.Item.State)
	}
	s1 = e.approve(s1)
	if s1.State != registry.SubmissionApproved || s1.Reviewer != reviewer || s1.ReviewComment != "同意" {
		t.Fatalf("approved: %+v", s1)
	}
	if it := e.getItem(lic); it.Item.State != registry.ItemApproved || it.Item.Code != "" {
		t.Errorf("approved item: state %d code %q; want approved and no code yet", it.Item.State, it.Item.Code)
	}
	s2 := e.approved("hbj", levy)

	e.clock.Advance(24 * time.Hour)
	pub := e.publish(s1, s2)
	if pub.ID != 1 || pub.Publisher != publisher || !pub.PublishTime.Equal(t0.Add(24*time.Hour)) || len(pub.Items) != 6 {
		t.Fatalf("publication: %+v", pub)
	}

	want := map[string]string{ // display name → code
		"对非法占用土地的处罚": "430400-CF-001-0001-00",
		"对非法占用耕地的处罚": "430400-CF-001-0001-01",
		"建设用地审批":     "430400-XK-001-0001-00",
		"土地登记":       "GTJ-7",
		"土地抵押登记":     "GTJ-7-01",
		"排污费征收":      "430400-ZS-002-0001-00",
	}
	list := e.catalog()
	if len(list) != len(want) {
		t.Fatalf("catalogue has %d entries, want %d: %v", len(list), len(want), catalogCodes(list))
	}
	codes := catalogCodes(list)
	if !slices.IsSorted(codes) {
		t.Errorf("catalogue not in code order: %v", codes)
	}
	for _, v := range list {
		if w := want[v.Entry.Content.DisplayName]; v.Entry.Code != w {
			t.Errorf("%s: code %q, want %q", v.Entry.Content.DisplayName, v.Entry.Code, w)
		}
		if v.Entry.Publication != pub.ID || !v.Entry.PublishTime.Equal(pub.PublishTime) || v.Entry.Revision != 1 {
			t.Errorf("%s: entry %+v", v.Entry.Content.DisplayName, v.Entry)
		}
	}

	sub, err := e.svc.GetCatalogItem("430400-CF-001-0001-01")
	e.must(err, "GetCatalogItem")
	if sub.Entry.ParentCode != "430400-CF-001-0001-00" || !sub.Entry.SubItem() || sub.DepartmentName != "市国土资源局" {
		t.Errorf("sub-item entry: %+v", sub)
	}
	if ownSubEntry, err := e.svc.GetCatalogItem("GTJ-7-01"); err != nil || ownSubEntry.Entry.ParentCode != "GTJ-7" {
		t.Errorf("sub-item of a department-coded item: %+v, %v", ownSubEntry, err)
	}
	main, err := e.svc.GetCatalogItem("430400-CF-001-0001-00")
	e.must(err, "GetCatalogItem")
	if main.Entry.SubItem() || main.Entry.Item != fine.Item.ID || main.Entry.Department != "gtzyj" {
		t.Errorf("main entry: %+v", main.Entry)
	}

	for _, v := range []*registry.ItemView{fine, fineSub, lic, own, ownSub, levy} {
		it := e.getItem(v)
		if it.Item.State != registry.ItemPublished || it.Item.Pending != registry.ChangeNone || it.Item.Submission != 0 {
			t.Errorf("%s after publication: %+v", v.Content.DisplayName, it.Item)
		}
		if it.Item.Code != want[v.Content.DisplayName] {
			t.Errorf("%s: item code %q, catalogue code %q", v.Content.DisplayName, it.Item.Code, want[v.Content.DisplayName])
		}
		if rec := it.Item.InForce(); rec == nil || rec.Revision != 1 || rec.Publication != pub.ID || rec.Change != registry.ChangeCreate {
			t.Errorf("%s: in force %+v", v.Content.DisplayName, rec)
		}
	}
	for _, s := range []*registry.Submission{s1, s2} {
		got := e.getSub(s)
		if got.State != registry.SubmissionPublished || got.Publication != pub.ID {
			t.Errorf("submission after publication: %+v", got)
		}
	}
	got, err := e.svc.GetPublication(pub.ID)
	e.must(err, "GetPublication")
	if len(got.Submissions) != 2 || got.Submissions[0] != (registry.SubmissionRef{Department: "gtzyj", ID: s1.ID}) {
		t.Errorf("stored publication: %+v", got)
	}

	// The department filter and the category filter of the catalogue.
	hbList, _, err := e.svc.ListCatalog(0, "hbj", 0, "")
	e.must(err, "ListCatalog hbj")
	if !slices.Equal(catalogCodes(hbList), []string{"430400-ZS-002-0001-00"}) || hbList[0].DepartmentName != "市环境保护局" {
		t.Errorf("hbj catalogue: %v", catalogCodes(hbList))
	}
	cf, _, err := e.svc.ListCatalog(registry.CategoryPenalty, "", 0, "")
	e.must(err, "ListCatalog penalty")
	if !slices.Equal(catalogCodes(cf), []string{"430400-CF-001-0001-00", "430400-CF-001-0001-01"}) {
		t.Errorf("penalty catalogue: %v", catalogCodes(cf))
	}
	both, _, err := e.svc.ListCatalog(registry.CategoryConfirmation, "gtzyj", 0, "")
	e.must(err, "ListCatalog confirmation gtzyj")
	if !slices.Equal(catalogCodes(both), []string{"GTJ-7", "GTJ-7-01"}) {
		t.Errorf("confirmation/gtzyj catalogue: %v", catalogCodes(both))
	}
	none, _, err := e.svc.ListCatalog(registry.CategoryConfirmation, "hbj", 0, "")
	e.must(err, "ListCatalog confirmation hbj")
	if len(none) != 0 {
		t.Errorf("confirmation/hbj catalogue: %v", catalogCodes(none))
	}

	pubs, _, err := e.svc.ListPublications(0, "")
	e.must(err, "ListPublications")
	if len(pubs) != 1 || pubs[0].ID != pub.ID {
		t.Errorf("publications: %+v", pubs)
	}
}

// TestDepartmentRegion: a department with its own region code gets codes
// of that region; the others get the default region.
func TestDepartmentRegion(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.CreateDepartment("admin", registry.Department{ID: "hsx-gtj", DisplayName: "衡山县国土局", RegionCode: "430423"}, "")
	e.must(err, "CreateDepartment")
	it := e.item("hsx-gtj", "土地行政处罚", registry.CategoryPenalty)
	e.publishItems("hsx-gtj", it)
	if got := e.getItem(it).Item.Code; got != "430423-CF-001-0001-00" {
		t.Errorf("code %q, want 430423-CF-001-0001-00", got)
	}
}

// TestAssignedCodeSkipsTakenCodes: a code a department gave is kept
// verbatim and the scheme skips it.
func TestAssignedCodeSkipsTakenCodes(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	given := e.itemIn("gtzyj", registry.ItemInput{Content: content("甲", registry.CategoryPenalty), Code: "430400-CF-001-0001-00"})
	auto := e.item("gtzyj", "乙", registry.CategoryPenalty)
	e.publishItems("gtzyj", auto, given)
	if got := e.getItem(given).Item.Code; got != "430400-CF-001-0001-00" {
		t.Errorf("given code %q changed", got)
	}
	if got := e.getItem(auto).Item.Code; got != "430400-CF-001-0002-00" {
		t.Errorf("assigned code %q, want 430400-CF-001-0002-00 (0001 is taken)", got)
	}
}

// TestSubmitRequiresLegalBasis: submission is refused, naming every item
// without a legal basis, and nothing changes.
func TestSubmitRequiresLegalBasis(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	ok := e.item("gtzyj", "有依据", registry.CategoryPenalty)
	bare1 := e.itemIn("gtzyj", registry.ItemInput{Content: registry.Content{DisplayName: "无依据一", Category: registry.CategoryPenalty}})
	bare2 := e.itemIn("gtzyj", registry.ItemInput{Content: registry.Content{DisplayName: "无依据二", Category: registry.CategoryOther}})
	s := e.batch("gtzyj", bare1, ok, bare2)

	_, err := e.svc.SubmitSubmission(clerk, "gtzyj", s.ID, "", "")
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonLegalBasisMissing)
	if got, want := subjects(re), names(bare1, bare2); !slices.Equal(got, want) {
		t.Errorf("subjects %v, want %v", got, want)
	}
	for _, sj := range re.Subjects {
		if sj.Description == "" {
			t.Errorf("subject %s has no description", sj.Name)
		}
	}
	after := e.getSub(s)
	if after.State != registry.SubmissionDraft || after.Version != s.Version || after.Submitter != "" {
		t.Errorf("submission changed by a refused submit: %+v", after)
	}
	for _, v := range []*registry.ItemView{ok, bare1, bare2} {
		it := e.getItem(v)
		if it.Item.State != registry.ItemDraft || it.Item.Submission != s.ID {
			t.Errorf("item %s changed by a refused submit: %+v", v.Content.DisplayName, it.Item)
		}
	}
	evs, _, err := e.svc.ListEvents(subName(s), 0, "")
	e.must(err, "ListEvents")
	if len(evs) != 1 || evs[0].Action != registry.ActionCreated {
		t.Errorf("events after a refused submit: %+v", evs)
	}

	// Add the bases in place (the items are draft, in a draft submission),
	// and the batch goes through.
	for _, v := range []*registry.ItemView{bare1, bare2} {
		in := registry.ItemInput{Content: registry.Content{LegalBases: []registry.LegalBasis{basis("《土地管理法》")}}}
		_, err := e.svc.UpdateItem(clerk, "gtzyj", v.Item.ID, in, []string{"legal_bases"}, "")
		e.must(err, "UpdateItem legal_bases")
	}
	s = e.submit(s)
	if !slices.Equal(s.ItemRevisions, []int{2, 1, 2}) {
		t.Errorf("submitted revisions %v, want [2 1 2]", s.ItemRevisions)
	}
}

// TestWrongState covers every step tried in the wrong state.
func TestWrongState(t *testing.T) {
	type fixture struct {
		e                   *env
		draft, sub, appr    *registry.ItemView // draft; in a submitted batch; in an approved batch
		pub                 *registry.ItemView // published, no change pending
		draftSub, submitted *registry.Submission
		approved, published *registry.Submission
		returned            *registry.Submission
	}
	setup := func(t *testing.T) *fixture {
		e := newEnv(t)
		e.dept("gtzyj", "市国土资源局")
		f := &fixture{e: e}
		f.pub = e.item("gtzyj", "已发布", registry.CategoryPenalty)
		f.published = e.approved("gtzyj", f.pub)
		e.publish(f.published)
		f.sub = e.item("gtzyj", "已报送", registry.CategoryPenalty)
		f.submitted = e.submit(e.batch("gtzyj", f.sub))
		f.appr = e.item("gtzyj", "已审核", registry.CategoryPenalty)
		f.approved = e.approved("gtzyj", f.appr)
		f.draft = e.item("gtzyj", "草稿", registry.CategoryPenalty)
		inDraft := e.item("gtzyj", "草稿批次中", registry.CategoryPenalty)
		f.draftSub = e.batch("gtzyj", inDraft)
		rej := e.item("gtzyj", "被退回", registry.CategoryPenalty)
		f.returned = e.submit(e.batch("gtzyj", rej))
		_, err := e.svc.RejectSubmission(reviewer, "gtzyj", f.returned.ID, registry.ReviewInput{Comment: "退回"}, "")
		e.must(err, "RejectSubmission")
		return f
	}
	edit := registry.ItemInput{Content: registry.Content{Remark: "改"}}
	rv := registry.ReviewInput{Comment: "意见"}

	for _, tc := range []struct {
		name   string
		run    func(f *fixture) error
		reason string
	}{
		{"edit submitted item", func(f *fixture) error {
			_, err := f.e.svc.UpdateItem(clerk, "gtzyj", f.sub.Item.ID, edit, []string{"remark"}, "")
			return err
		}, registry.ReasonItemNotEditable},
		{"edit approved item", func(f *fixture) error {
			_, err := f.e.svc.UpdateItem(clerk, "gtzyj", f.appr.Item.ID, edit, []string{"remark"}, "")
			return err
		}, registry.ReasonItemNotEditable},
		{"submit submitted", func(f *fixture) error {
			_, err := f.e.svc.SubmitSubmission(clerk, "gtzyj", f.submitted.ID, "", "")
			return err
		}, registry.ReasonSubmissionNotDraft},
		{"submit approved", func(f *fixture) error {
			_, err := f.e.svc.SubmitSubmission(clerk, "gtzyj", f.approved.ID, "", "")
			return err
		}, registry.ReasonSubmissionNotDraft},
		{"submit returned", func(f *fixture) error {
			_, err := f.e.svc.SubmitSubmission(clerk, "gtzyj", f.returned.ID, "", "")
			return err
		}, registry.ReasonSubmissionNotDraft},
		{"submit published", func(f *fixture) error {
			_, err := f.e.svc.SubmitSubmission(clerk, "gtzyj", f.published.ID, "", "")
			return err
		}, registry.ReasonSubmissionNotDraft},
		{"delete submitted submission", func(f *fixture) error {
			return f.e.svc.DeleteSubmission(clerk, "gtzyj", f.submitted.ID, "")
		}, registry.ReasonSubmissionNotDraft},
		{"approve draft", func(f *fixture) error {
			_, err := f.e.svc.ApproveSubmission(reviewer, "gtzyj", f.draftSub.ID, rv, "")
			return err
		}, registry.ReasonSubmissionNotSubmit},
		{"approve approved", func(f *fixture) error {
			_, err := f.e.svc.ApproveSubmission(reviewer, "gtzyj", f.approved.ID, rv, "")
			return err
		}, registry.ReasonSubmissionNotSubmit},
		{"approve returned", func(f *fixture) error {
			_, err := f.e.svc.ApproveSubmission(reviewer, "gtzyj", f.returned.ID, rv, "")
			return err
		}, registry.ReasonSubmissionNotSubmit},
		{"approve published", func(f *fixture) error {
			_, err := f.e.svc.ApproveSubmission(reviewer, "gtzyj", f.published.ID, rv, "")
			return err
		}, registry.ReasonSubmissionNotSubmit},
		{"reject draft", func(f *fixture) error {
			_, err := f.e.svc.RejectSubmission(reviewer, "gtzyj", f.draftSub.ID, rv, "")
			return err
		}, registry.ReasonSubmissionNotSubmit},
		{"reject published", func(f *fixture) error {
			_, err := f.e.svc.RejectSubmission(reviewer, "gtzyj", f.published.ID, rv, "")
			return err
		}, registry.ReasonSubmissionNotSubmit},
		{"publish draft", func(f *fixture) error {
			_, err := f.e.svc.CreatePublication(publisher, []string{subName(f.draftSub)}, "", "")
			return err
		}, registry.ReasonSubmissionNotApprov},
		{"publish submitted", func(f *fixture) error {
			_, err := f.e.svc.CreatePublication(publisher, []string{subName(f.submitted)}, "", "")
			return err
		}, registry.ReasonSubmissionNotApprov},
		{"publish returned", func(f *fixture) error {
			_, err := f.e.svc.CreatePublication(publisher, []string{subName(f.returned)}, "", "")
			return err
		}, registry.ReasonSubmissionNotApprov},
		{"publish published again", func(f *fixture) error {
			_, err := f.e.svc.CreatePublication(publisher, []string{subName(f.published)}, "", "")
			return err
		}, registry.ReasonSubmissionNotApprov},
		{"batch item of an open submission", func(f *fixture) error {
			_, err := f.e.svc.CreateSubmission(clerk, "gtzyj", names(f.draft, f.sub), "", "")
			return err
		}, registry.ReasonItemNotSubmittable},
		{"batch item of a draft submission", func(f *fixture) error {
			it := f.e.getSub(f.draftSub).Items[0]
			_, err := f.e.svc.CreateSubmission(clerk, "gtzyj", []string{registry.ItemName("gtzyj", it)}, "", "")
			return err
		}, registry.ReasonItemNotSubmittable},
		{"batch published item without change", func(f *fixture) error {
			_, err := f.e.svc.CreateSubmission(clerk, "gtzyj", names(f.pub), "", "")
			return err
		}, registry.ReasonItemNotSubmittable},
		{"delete published item", func(f *fixture) error {
			return f.e.svc.DeleteItem(clerk, "gtzyj", f.pub.Item.ID, "")
		}, registry.ReasonItemNotDeletable},
		{"delete submitted item", func(f *fixture) error {
			return f.e.svc.DeleteItem(clerk, "gtzyj", f.sub.Item.ID, "")
		}, registry.ReasonItemNotDeletable},
		{"delete approved item", func(f *fixture) error {
			return f.e.svc.DeleteItem(clerk, "gtzyj", f.appr.Item.ID, "")
		}, registry.ReasonItemNotDeletable},
		{"delete item of a draft submission", func(f *fixture) error {
			it := f.e.getSub(f.draftSub).Items[0]
			return f.e.svc.DeleteItem(clerk, "gtzyj", it, "")
		}, registry.ReasonItemNotDeletable},
		{"abolish never-published draft", func(f *fixture) error {
			_, err := f.e.svc.AbolishItem(clerk, "gtzyj", f.draft.Item.ID, "废止", "")
			return err
		}, registry.ReasonItemNotPublished},
		{"abolish never-published submitted item", func(f *fixture) error {
			_, err := f.e.svc.AbolishItem(clerk, "gtzyj", f.sub.Item.ID, "废止", "")
			return err
		}, registry.ReasonItemNotPublished},
		{"abolish published item with a modification pending", func(f *fixture) error {
			if _, err := f.e.svc.UpdateItem(clerk, "gtzyj", f.pub.Item.ID, edit, []string{"remark"}, ""); err != nil {
				return err
			}
			_, err := f.e.svc.AbolishItem(clerk, "gtzyj", f.pub.Item.ID, "废止", "")
			return err
		}, registry.ReasonChangePending},
		{"edit item with abolition pending", func(f *fixture) error {
			if _, err := f.e.svc.AbolishItem(clerk, "gtzyj", f.pub.Item.ID, "废止", ""); err != nil {
				return err
			}
			_, err := f.e.svc.UpdateItem(clerk, "gtzyj", f.pub.Item.ID, edit, []string{"remark"}, "")
			return err
		}, registry.ReasonChangePending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			before := f.e.catalog()
			err := tc.run(f)
			wantErr(t, err, registry.ClassFailedPrecondition, tc.reason)
			if after := f.e.catalog(); !slices.Equal(catalogCodes(after), catalogCodes(before)) {
				t.Errorf("catalogue changed by a refused step: %v → %v", catalogCodes(before), catalogCodes(after))
			}
		})
	}
}

// TestNotSubmittableSubjects: the error names exactly the blocked items.
func TestNotSubmittableSubjects(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	c := e.item("gtzyj", "丙", registry.CategoryPenalty)
	e.batch("gtzyj", a)
	e.publishItems("gtzyj", b)
	_, err := e.svc.CreateSubmission(clerk, "gtzyj", names(a, c, b), "", "")
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonItemNotSubmittable)
	if got := subjects(re); !slices.Equal(got, names(a, b)) {
		t.Errorf("subjects %v, want %v", got, names(a, b))
	}
	if it := e.getItem(c); it.Item.Submission != 0 {
		t.Errorf("free item reserved by a refused submission: %+v", it.Item)
	}
}

// TestEtagMismatch: a stale etag is ABORTED on every guarded step; the
// current etag is accepted.
func TestEtagMismatch(t *testing.T) {
	e := newEnv(t)
	d := e.dept("gtzyj", "市国土资源局")
	it := e.item("gtzyj", "甲", registry.CategoryPenalty)
	stale := registry.Etag(it.Item.Version)
	upd, err := e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "一"}}, []string{"remark"}, stale)
	e.must(err, "UpdateItem with the current etag")
	if registry.Etag(upd.Item.Version) == stale {
		t.Fatalf("etag did not change on update")
	}

	pubItem := e.item("gtzyj", "乙", registry.CategoryPenalty)
	e.publishItems("gtzyj", pubItem)
	pubStale := registry.Etag(e.getItem(pubItem).Item.Version - 1)

	draftSub := e.batch("gtzyj", e.item("gtzyj", "丙", registry.CategoryPenalty))
	subStale := registry.Etag(draftSub.Version - 1)
	submitted := e.submit(e.batch("gtzyj", e.item("gtzyj", "丁", registry.CategoryPenalty)))
	submittedStale := registry.Etag(submitted.Version - 1)

	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"UpdateItem", func() error {
			_, err := e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, registry.ItemInput{}, []string{"remark"}, stale)
			return err
		}},
		{"DeleteItem", func() error { return e.svc.DeleteItem(clerk, "gtzyj", it.Item.ID, stale) }},
		{"AbolishItem", func() error {
			_, err := e.svc.AbolishItem(clerk, "gtzyj", pubItem.Item.ID, "废止", pubStale)
			return err
		}},
		{"SubmitSubmission", func() error {
			_, err := e.svc.SubmitSubmission(clerk, "gtzyj", draftSub.ID, "", subStale)
			return err
		}},
		{"DeleteSubmission", func() error { return e.svc.DeleteSubmission(clerk, "gtzyj", draftSub.ID, subStale) }},
		{"ApproveSubmission", func() error {
			_, err := e.svc.ApproveSubmission(reviewer, "gtzyj", submitted.ID, registry.ReviewInput{}, submittedStale)
			return err
		}},
		{"RejectSubmission", func() error {
			_, err := e.svc.RejectSubmission(reviewer, "gtzyj", submitted.ID, registry.ReviewInput{Comment: "退回"}, submittedStale)
			return err
		}},
		{"UpdateDepartment", func() error {
			_, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "新名"}, []string{"display_name"}, "x"+registry.Etag(d.Version))
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.run(), registry.ClassAborted, registry.ReasonEtagMismatch)
		})
	}
	if got := e.getItem(it); got.Item.Version != upd.Item.Version || got.Content.Remark != "一" {
		t.Errorf("item changed by stale requests: %+v", got.Item)
	}
	if _, err := e.svc.SubmitSubmission(clerk, "gtzyj", draftSub.ID, "", registry.Etag(draftSub.Version)); err != nil {
		t.Errorf("SubmitSubmission with the current etag: %v", err)
	}
	if _, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "新名"}, []string{"display_name"}, registry.Etag(d.Version)); err != nil {
		t.Errorf("UpdateDepartment with the current etag: %v", err)
	}
}

// TestNotFound: missing resources are NOT_FOUND with the right reason.
func TestNotFound(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	e.dept("hbj", "市环境保护局")
	it := e.item("gtzyj", "甲", registry.CategoryPenalty)
	s := e.batch("gtzyj", it)
	id := it.Item.ID

	for _, tc := range []struct {
		name   string
		run    func() error
		reason string
	}{
		{"GetDepartment", func() error { _, err := e.svc.GetDepartment("nope"); return err }, registry.ReasonDepartmentNotFound},
		{"UpdateDepartment", func() error {
			_, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "nope", DisplayName: "x"}, nil, "")
			return err
		}, registry.ReasonDepartmentNotFound},
		{"CreateItem in missing department", func() error {
			_, err := e.svc.CreateItem(clerk, "nope", registry.ItemInput{Content: content("x", registry.CategoryPenalty)}, "")
			return err
		}, registry.ReasonDepartmentNotFound},
		{"ListItems of missing department", func() error { _, _, err := e.svc.ListItems("nope", 0, 0, ""); return err }, registry.ReasonDepartmentNotFound},
		{"ListSubmissions of missing department", func() error {
			_, _, err := e.svc.ListSubmissions("nope", 0, 0, "")
			return err
		}, registry.ReasonDepartmentNotFound},
		{"CreateSubmission in missing department", func() error {
			_, err := e.svc.CreateSubmission(clerk, "nope", []string{"departments/nope/items/1"}, "", "")
			return err
		}, registry.ReasonDepartmentNotFound},
		{"GetItem missing", func() error { _, err := e.svc.GetItem("gtzyj", 999); return err }, registry.ReasonItemNotFound},
		{"GetItem of another department", func() error { _, err := e.svc.GetItem("hbj", id); return err }, registry.ReasonItemNotFound},
		{"UpdateItem missing", func() error {
			_, err := e.svc.UpdateItem(clerk, "gtzyj", 999, registry.ItemInput{}, []string{"remark"}, "")
			return err
		}, registry.ReasonItemNotFound},
		{"DeleteItem missing", func() error { return e.svc.DeleteItem(clerk, "gtzyj", 999, "") }, registry.ReasonItemNotFound},
		{"AbolishItem missing", func() error { _, err := e.svc.AbolishItem(clerk, "gtzyj", 999, "废止", ""); return err }, registry.ReasonItemNotFound},
		{"CreateSubmission with missing item", func() error {
			_, err := e.svc.CreateSubmission(clerk, "hbj", []string{"departments/hbj/items/999"}, "", "")
			return err
		}, registry.ReasonItemNotFound},
		{"ListRevisions of missing item", func() error { _, _, err := e.svc.ListRevisions("gtzyj", 999, 0, ""); return err }, registry.ReasonItemNotFound},
		{"GetRevision missing", func() error { _, err := e.svc.GetRevision("gtzyj", id, 7); return err }, registry.ReasonRevisionNotFound},
		{"GetRevision of missing item", func() error { _, err := e.svc.GetRevision("gtzyj", 999, 1); return err }, registry.ReasonItemNotFound},
		{"GetSubmission missing", func() error { _, err := e.svc.GetSubmission("gtzyj", 999); return err }, registry.ReasonSubmissionNotFound},
		{"GetSubmission of another department", func() error { _, err := e.svc.GetSubmission("hbj", s.ID); return err }, registry.ReasonSubmissionNotFound},
		{"SubmitSubmission missing", func() error { _, err := e.svc.SubmitSubmission(clerk, "gtzyj", 999, "", ""); return err }, registry.ReasonSubmissionNotFound},
		{"ApproveSubmission missing", func() error {
			_, err := e.svc.ApproveSubmission(reviewer, "gtzyj", 999, registry.ReviewInput{}, "")
			return err
		}, registry.ReasonSubmissionNotFound},
		{"DeleteSubmission missing", func() error { return e.svc.DeleteSubmission(clerk, "gtzyj", 999, "") }, registry.ReasonSubmissionNotFound},
		{"CreatePublication of missing submission", func() error {
			_, err := e.svc.CreatePublication(publisher, []string{"departments/gtzyj/submissions/999"}, "", "")
			return err
		}, registry.ReasonSubmissionNotFound},
		{"GetPublication missing", func() error { _, err := e.svc.GetPublication(999); return err }, registry.ReasonPublicationNotFound},
		{"ListEvents of missing publication", func() error { _, _, err := e.svc.ListEvents("publications/999", 0, ""); return err }, registry.ReasonPublicationNotFound},
		{"ListEvents of missing item", func() error {
			_, _, err := e.svc.ListEvents("departments/gtzyj/items/999", 0, "")
			return err
		}, registry.ReasonItemNotFound},
		{"ListEvents of missing submission", func() error {
			_, _, err := e.svc.ListEvents("departments/gtzyj/submissions/999", 0, "")
			return err
		}, registry.ReasonSubmissionNotFound},
		{"GetCatalogItem missing", func() error { _, err := e.svc.GetCatalogItem("430400-CF-001-0001-00"); return err }, registry.ReasonCatalogItemNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			wantErr(t, err, registry.ClassNotFound, tc.reason)
			if !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("errors.Is(err, ErrNotFound) is false for %v", err)
			}
		})
	}
}

// TestDuplicates: ALREADY_EXISTS for a taken department id or item code.
func TestDuplicates(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	_, err := e.svc.CreateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "又一个"}, "")
	wantErr(t, err, registry.ClassAlreadyExists, registry.ReasonDepartmentExists)

	a := e.itemIn("gtzyj", registry.ItemInput{Content: content("甲", registry.CategoryPenalty), Code: "GTJ-1"})
	_, err = e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: content("乙", registry.CategoryPenalty), Code: "GTJ-1"}, "")
	wantErr(t, err, registry.ClassAlreadyExists, registry.ReasonCodeInUse)

	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	_, err = e.svc.UpdateItem(clerk, "gtzyj", b.Item.ID, registry.ItemInput{Code: "GTJ-1"}, []string{"code"}, "")
	wantErr(t, err, registry.ClassAlreadyExists, registry.ReasonCodeInUse)

	// A code assigned at publication is taken too.
	e.publishItems("gtzyj", b)
	code := e.getItem(b).Item.Code
	_, err = e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: content("丙", registry.CategoryPenalty), Code: code}, "")
	wantErr(t, err, registry.ClassAlreadyExists, registry.ReasonCodeInUse)

	// A draft may change its own code; the old one is freed.
	_, err = e.svc.UpdateItem(clerk, "gtzyj", a.Item.ID, registry.ItemInput{Code: "GTJ-2"}, []string{"code"}, "")
	e.must(err, "UpdateItem code")
	_, err = e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: content("丁", registry.CategoryPenalty), Code: "GTJ-1"}, "")
	e.must(err, "CreateItem with a freed code")
}
