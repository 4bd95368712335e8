package registry_test

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// snapshot is the whole data file as a backup copies it: two snapshots
// are equal only when no transaction committed in between.
func (e *env) snapshot() []byte {
	e.t.Helper()
	f, _, err := e.db.Backup()
	e.must(err, "Backup")
	defer f.Close()
	b, err := io.ReadAll(f)
	e.must(err, "read the backup")
	return b
}

// unchanged fails the test when the store changed since before.
func (e *env) unchanged(before []byte, what string) {
	e.t.Helper()
	if !bytes.Equal(before, e.snapshot()) {
		e.t.Errorf("%s changed the store", what)
	}
}

// returnedPair makes items a and b returned by a reviewer (with comments)
// from a batch whose third item c is approved.
func (e *env) returnedPair() (a, b, c *registry.ItemView) {
	e.t.Helper()
	a, b, c = e.item("gtzyj", "建设用地审批", registry.CategoryLicensing), e.item("gtzyj", "土地复垦验收", registry.CategoryOther),
		e.item("gtzyj", "采矿权审批", registry.CategoryLicensing)
	s := e.submit(e.batch("gtzyj", a, b, c))
	_, err := e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Comment: "部分同意", Returned: []registry.ItemComment{
		{Item: a.Item.ID, Comment: "请补充设定依据的条款"}, {Item: b.Item.ID, Comment: "名称不规范"}}}, "")
	e.must(err, "ApproveSubmission returning a and b")
	return e.getItem(a), e.getItem(b), e.getItem(c)
}

// TestCreateAndSubmitAllOrNothing: CreateSubmission with submit creates
// and submits in one transaction; refused, it leaves the store byte for
// byte as it was (no batch, no item changed, no id used, no event, no
// audit record).
func TestCreateAndSubmitAllOrNothing(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	good := e.item("gtzyj", "建设用地审批", registry.CategoryLicensing)
	bare := e.itemIn("gtzyj", registry.ItemInput{Content: registry.Content{DisplayName: "土地复垦验收", Category: registry.CategoryOther}})

	before := e.snapshot()
	_, err := e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(good, bare), Submit: true}, "r1")
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonLegalBasisMissing)
	if got := subjects(re); !slices.Equal(got, names(bare)) {
		t.Errorf("refusal names %v, want %v", got, names(bare))
	}
	if d := re.Subjects[0].Description; !strings.Contains(d, "“土地复垦验收”") || strings.Contains(d, "《") {
		t.Errorf("the refusal does not quote the item's name with “”: %s", d)
	}
	e.unchanged(before, "a refused create-and-submit")

	// Fixed, the same request goes through in one step: the first id.
	_, err = e.svc.UpdateItem(clerk, "gtzyj", bare.Item.ID, registry.ItemInput{Content: content("土地复垦验收", registry.CategoryOther)}, []string{"legal_bases"}, "")
	e.must(err, "UpdateItem")
	s, err := e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(good, bare), Comment: "第一批", Submit: true}, "r1")
	e.must(err, "CreateSubmission with submit")
	if s.ID != 1 || s.State != registry.SubmissionSubmitted || s.Submitter != clerk || !slices.Equal(s.ItemRevisions, []int{1, 2}) {
		t.Fatalf("submission %+v, want id 1, submitted by %s, revisions [1 2]", s, clerk)
	}
	for _, it := range []*registry.ItemView{good, bare} {
		if got := e.getItem(it); got.Item.State != registry.ItemSubmitted || got.Item.Submission != s.ID {
			t.Errorf("%s: state %d in submission %d, want submitted in %d", itemName(it), got.Item.State, got.Item.Submission, s.ID)
		}
	}
	evs, _, err := e.svc.ListEvents(subName(s), 0, "")
	e.must(err, "ListEvents")
	var actions []registry.Action
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	if !slices.Equal(actions, []registry.Action{registry.ActionCreated, registry.ActionSubmitted}) {
		t.Errorf("events of the batch: %v, want created, submitted", actions)
	}
	// A retry with the same request id answers the same batch.
	again, err := e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(good, bare), Submit: true}, "r1")
	e.must(err, "retry")
	if again.ID != s.ID || again.State != registry.SubmissionSubmitted {
		t.Errorf("retry answered %+v, want submission %d", again, s.ID)
	}

	// Without submit, as before: a draft batch; SubmitSubmission submits it.
	other := e.item("gtzyj", "土地登记", registry.CategoryConfirmation)
	d, err := e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(other)}, "")
	e.must(err, "CreateSubmission")
	if d.State != registry.SubmissionDraft || len(d.ItemRevisions) != 0 {
		t.Errorf("draft batch %+v", d)
	}
	if d = e.submit(d); d.State != registry.SubmissionSubmitted {
		t.Errorf("SubmitSubmission: state %d", d.State)
	}
}

// TestReturnedItemRule: a returned item goes back to review only when
// edited since its return or answered; otherwise the submit is refused
// naming each such item, and leaves nothing behind.
func TestReturnedItemRule(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a, b, _ := e.returnedPair()
	if a.Item.State != registry.ItemReturned || a.Item.ReturnedRevision != a.Item.Head {
		t.Fatalf("returned item: %+v", a.Item)
	}

	before := e.snapshot()
	_, err := e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(a, b), Submit: true}, "")
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonReturnedNotAddressed)
	if got := subjects(re); !slices.Equal(got, names(a, b)) {
		t.Errorf("refusal names %v, want %v", got, names(a, b))
	}
	for _, want := range []string{"--reply", "修改", "edit", "“建设用地审批”", "请补充设定依据的条款"} {
		if !strings.Contains(re.Message+re.Subjects[0].Description, want) {
			t.Errorf("refusal does not say %q: %s / %s", want, re.Message, re.Subjects[0].Description)
		}
	}
	e.unchanged(before, "a submit refused for returned items")

	// A draft batch may hold them; its submit is refused the same way.
	d := e.batch("gtzyj", a, b)
	_, err = e.svc.SubmitSubmission(clerk, "gtzyj", d.ID, "", "")
	wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonReturnedNotAddressed)
	e.must(e.svc.DeleteSubmission(clerk, "gtzyj", d.ID, ""), "DeleteSubmission")

	// Replies to items not in the batch, or not returned, are refused
	// naming them.
	fresh := e.item("gtzyj", "土地登记", registry.CategoryConfirmation)
	before = e.snapshot()
	_, err = e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(a),
		Replies: []registry.ItemComment{{Item: b.Item.ID, Comment: "答复"}}, Submit: true}, "")
	wantFields(t, err, "submission.replies[0].item")
	_, err = e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(a, fresh),
		Replies: []registry.ItemComment{{Item: a.Item.ID, Comment: "已核实"}, {Item: fresh.Item.ID, Comment: "答复"}}}, "")
	re = wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	if len(re.Violations) != 1 || re.Violations[0].Field != "submission.replies[1].item" || !strings.Contains(re.Violations[0].Description, itemName(fresh)) {
		t.Errorf("reply to a draft: %+v", re.Violations)
	}
	_, err = e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(a),
		Replies: []registry.ItemComment{{Item: a.Item.ID, Comment: " "}}}, "")
	wantFields(t, err, "submission.replies[0].comment")
	e.unchanged(before, "refused replies")

	// a edited since its return, b answered: accepted; b's answer shows on
	// the item and in the batch.
	_, err = e.svc.UpdateItem(clerk, "gtzyj", a.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "已补充条款"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem a")
	d, err = e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(a, b),
		Replies: []registry.ItemComment{{Item: b.Item.ID, Comment: "名称依据省级目录，无需修改"}}}, "")
	e.must(err, "CreateSubmission with a reply")
	if got := e.getItem(b).Item.ReviewReply; got != "名称依据省级目录，无需修改" {
		t.Errorf("b's review reply %q", got)
	}
	if got := e.getItem(a).Item.ReviewReply; got != "" {
		t.Errorf("a's review reply %q, want none", got)
	}
	// The draft batch keeps the reply: a later submit sees it.
	s, err := e.svc.SubmitSubmission(clerk, "gtzyj", d.ID, "已按意见处理", "")
	e.must(err, "SubmitSubmission with a reply kept on the draft")
	if len(s.Replies) != 1 || s.Replies[0].Item != b.Item.ID {
		t.Errorf("replies of the batch: %+v", s.Replies)
	}

	// Returned again: the answer goes with the comment it answered.
	_, err = e.svc.RejectSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Comment: "仍需修改"}, "")
	e.must(err, "RejectSubmission")
	if got := e.getItem(b).Item; got.ReviewReply != "" || got.ReviewComment != "仍需修改" || got.ReturnedRevision != got.Head {
		t.Errorf("b returned again: %+v", got)
	}
	// Answered once more, approved and published: the answer goes.
	e.publish(e.approve(e.answered("gtzyj", map[*registry.ItemView]string{a: "已改", b: "同上"}, a, b)))
	if got := e.getItem(b).Item; got.ReviewReply != "" || got.ReturnedRevision != 0 || got.State != registry.ItemPublished {
		t.Errorf("b published: %+v", got)
	}
}

// TestWithdraw: a department withdraws a batch no reviewer has decided;
// the items go back to the state they joined in and are editable again,
// the batch stays readable, and every other state is refused saying what
// to do instead.
func TestWithdraw(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a, b, _ := e.returnedPair() // a, b returned; the third one approved
	_, err := e.svc.UpdateItem(clerk, "gtzyj", a.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "已补充"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem a")
	fresh := e.item("gtzyj", "土地登记", registry.CategoryConfirmation)
	s := e.answered("gtzyj", map[*registry.ItemView]string{b: "名称无误"}, a, b, fresh)
	changesBefore, _, _, err := e.svc.ListChanges(0, 0, "")
	e.must(err, "ListChanges")

	_, err = e.svc.WithdrawSubmission(clerk, "gtzyj", s.ID, "", "1")
	wantErr(t, err, registry.ClassAborted, registry.ReasonEtagMismatch)
	w, err := e.svc.WithdrawSubmission(clerk, "gtzyj", s.ID, "还要补充", registry.Etag(s.Version))
	e.must(err, "WithdrawSubmission")
	if w.State != registry.SubmissionWithdrawn || len(w.Replies) != 1 {
		t.Fatalf("withdrawn batch: %+v", w)
	}
	if got := e.getSub(s); got.State != registry.SubmissionWithdrawn || !slices.Equal(got.Items, s.Items) {
		t.Errorf("GetSubmission after withdrawal: %+v", got)
	}
	for _, tc := range []struct {
		it    *registry.ItemView
		state registry.ItemState
	}{{a, registry.ItemReturned}, {b, registry.ItemReturned}, {fresh, registry.ItemDraft}} {
		got := e.getItem(tc.it).Item
		if got.State != tc.state || got.Submission != 0 || got.ReviewReply != "" {
			t.Errorf("%s after withdrawal: state %d submission %d reply %q, want state %d, free, no reply",
				itemName(tc.it), got.State, got.Submission, got.ReviewReply, tc.state)
		}
		evs, _, err := e.svc.ListEvents(itemName(tc.it), 0, "")
		e.must(err, "ListEvents")
		if last := evs[len(evs)-1]; last.Action != registry.ActionWithdrawn || last.Related != subName(s) || last.Comment != "还要补充" {
			t.Errorf("%s: last event %+v, want withdrawn from %s", itemName(tc.it), last, subName(s))
		}
	}
	if got := e.getItem(b).Item.ReviewComment; got != "名称不规范" {
		t.Errorf("b keeps the reviewer's comment: %q", got)
	}
	evs, _, err := e.svc.ListEvents(subName(s), 0, "")
	e.must(err, "ListEvents of the batch")
	if last := evs[len(evs)-1]; last.Action != registry.ActionWithdrawn || last.Actor != clerk {
		t.Errorf("batch's last event %+v", last)
	}
	queue, _, err := e.svc.ListSubmissions(registry.AllDepartments, registry.SubmissionSubmitted, 0, "")
	e.must(err, "ListSubmissions")
	if len(queue) != 0 {
		t.Errorf("the review queue still lists %d batches", len(queue))
	}
	if changes, _, _, err := e.svc.ListChanges(0, 0, ""); err != nil || len(changes) != len(changesBefore) {
		t.Errorf("the change feed changed: %d changes, was %d (%v)", len(changes), len(changesBefore), err)
	}
	// Editable again; b, neither edited nor answered now, needs an answer again.
	_, err = e.svc.UpdateItem(clerk, "gtzyj", fresh.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "补充"}}, []string{"remark"}, "")
	e.must(err, "UpdateItem after withdrawal")
	_, err = e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(a, b, fresh), Submit: true}, "")
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonReturnedNotAddressed)
	if !slices.Equal(subjects(re), names(b)) {
		t.Errorf("refusal names %v, want only b", subjects(re))
	}

	// Every other state is refused, saying the state and what to do.
	before := e.snapshot()
	_, err = e.svc.WithdrawSubmission(clerk, "gtzyj", s.ID, "", "")
	re = wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonSubmissionNotSubmit)
	if !strings.Contains(re.Message, "已撤回") || !strings.Contains(re.Message, "withdrawn") {
		t.Errorf("withdrawn again: %s", re.Message)
	}
	e.unchanged(before, "withdrawing a withdrawn batch")
	draft := e.batch("gtzyj", fresh)
	approved := e.approved("gtzyj", e.item("gtzyj", "地质灾害治理验收", registry.CategoryOther))
	returned := e.submit(e.batch("gtzyj", e.item("gtzyj", "土地征收审批", registry.CategoryLicensing)))
	returned, err = e.svc.RejectSubmission(reviewer, "gtzyj", returned.ID, registry.ReviewInput{Comment: "退回"}, "")
	e.must(err, "RejectSubmission")
	published := e.approved("gtzyj", e.item("gtzyj", "矿产资源补偿费征收", registry.CategoryLevy))
	e.publish(published)
	before = e.snapshot()
	for _, tc := range []struct {
		sub       *registry.Submission
		zh, en    string
		nextSteps string
	}{
		{draft, "草稿", "draft", "delete it"},
		{approved, "已审核", "approved", "ask a reviewer to return it"},
		{returned, "已退回", "returned", "edit them and submit again"},
		{published, "已发布", "published", "edit or abolish the items"},
	} {
		_, err := e.svc.WithdrawSubmission(clerk, "gtzyj", tc.sub.ID, "", "")
		re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonSubmissionNotSubmit)
		for _, want := range []string{tc.zh, tc.en, tc.nextSteps, subName(tc.sub)} {
			if !strings.Contains(re.Message, want) {
				t.Errorf("withdrawing a %s batch: %q does not say %q", tc.en, re.Message, want)
			}
		}
	}
	e.unchanged(before, "refused withdrawals")
}

// TestListSubmissionItems: a batch read in one call shows each item as
// the batch holds it, its change, the revision in force it changes and
// the differences, what submission requires that it lacks, and the
// review comments and replies.
func TestListSubmissionItems(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	mod := e.item("gtzyj", "对非法占用土地的处罚", registry.CategoryPenalty)
	gone := e.item("gtzyj", "采矿权审批", registry.CategoryLicensing)
	e.publishItems("gtzyj", mod, gone)
	_, err := e.svc.UpdateItem(clerk, "gtzyj", mod.Item.ID, registry.ItemInput{Content: registry.Content{
		DisplayName: "对非法占用土地的行政处罚", Remark: "新增备注"}}, []string{"display_name", "remark"}, "")
	e.must(err, "UpdateItem")
	_, err = e.svc.AbolishItem(clerk, "gtzyj", gone.Item.ID, "已取消", "")
	e.must(err, "AbolishItem")
	bare := e.itemIn("gtzyj", registry.ItemInput{Content: registry.Content{DisplayName: "土地复垦验收", Category: registry.CategoryOther}})
	neu := e.item("gtzyj", "土地登记", registry.CategoryConfirmation)

	d := e.batch("gtzyj", mod, gone, bare, neu)
	list, next, err := e.svc.ListSubmissionItems("gtzyj", d.ID, 0, "")
	e.must(err, "ListSubmissionItems")
	if next != "" || len(list) != 4 {
		t.Fatalf("%d items, next %q; want the 4 in one page", len(list), next)
	}
	byName := map[string]*registry.SubmissionItemView{}
	for _, v := range list {
		byName[registry.ItemName(v.Item.Item.Department, v.Item.Item.ID)] = v
	}
	var order []string
	for _, v := range list {
		order = append(order, registry.ItemName(v.Item.Item.Department, v.Item.Item.ID))
	}
	if !slices.Equal(order, names(mod, gone, bare, neu)) {
		t.Errorf("order %v, want the batch's", order)
	}
	m := byName[itemName(mod)]
	if m.Change != registry.ChangeModify || m.Published == nil || m.Published.Revision.Number != 1 ||
		m.Item.Content.DisplayName != "对非法占用土地的行政处罚" || m.Item.Item.Head != 2 || len(m.Missing) != 0 {
		t.Errorf("modified item: change %d, published %+v, content %q, revision %d, missing %v",
			m.Change, m.Published, m.Item.Content.DisplayName, m.Item.Item.Head, m.Missing)
	}
	var fields []string
	for _, df := range m.Differences {
		fields = append(fields, df.Field)
	}
	if !slices.Equal(fields, []string{"display_name", "remark"}) || m.Differences[0].From != "对非法占用土地的处罚" ||
		m.Differences[0].To != "对非法占用土地的行政处罚" || m.Differences[1].From != "" || m.Differences[1].To != "新增备注" {
		t.Errorf("differences %+v", m.Differences)
	}
	g := byName[itemName(gone)]
	if g.Change != registry.ChangeAbolish || g.Published == nil || len(g.Differences) != 0 {
		t.Errorf("abolition: change %d, published %v, differences %v", g.Change, g.Published != nil, g.Differences)
	}
	if b := byName[itemName(bare)]; b.Change != registry.ChangeCreate || b.Published != nil || !slices.Equal(b.Missing, []string{"legal_bases"}) {
		t.Errorf("new item without a legal basis: change %d, published %v, missing %v", b.Change, b.Published != nil, b.Missing)
	}
	if n := byName[itemName(neu)]; n.Change != registry.ChangeCreate || n.Published != nil || len(n.Missing) != 0 || len(n.Differences) != 0 {
		t.Errorf("new item: %+v", n)
	}

	// After publication the differences are those the catalogue's history
	// shows: the same comparison.
	e.must(e.svc.DeleteSubmission(clerk, "gtzyj", d.ID, ""), "DeleteSubmission")
	s := e.approved("gtzyj", mod)
	e.publish(s)
	list, _, err = e.svc.ListSubmissionItems("gtzyj", s.ID, 0, "")
	e.must(err, "ListSubmissionItems of a published batch")
	code := e.getItem(mod).Item.Code
	want, err := e.svc.CompareCatalogItemRevisions(code, "1", "2")
	e.must(err, "CompareCatalogItemRevisions")
	if len(list) != 1 || !slices.Equal(list[0].Differences, want) || list[0].Published.Revision.Number != 1 {
		t.Errorf("published batch: differences %+v, want %+v", list[0].Differences, want)
	}
}

// TestListSubmissionItemsComments: comments and replies of returned items,
// the revision an approval returned, and paging.
func TestListSubmissionItemsComments(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a, b, c := e.returnedPair()
	// The batch that returned them shows each as it held it, returned,
	// with this batch's comment.
	first := e.getSub(&registry.Submission{Department: "gtzyj", ID: 1})
	_, err := e.svc.UpdateItem(clerk, "gtzyj", a.Item.ID, registry.ItemInput{Content: registry.Content{DisplayName: "建设用地审批（改）"}}, []string{"display_name"}, "")
	e.must(err, "UpdateItem a")
	list, _, err := e.svc.ListSubmissionItems("gtzyj", first.ID, 0, "")
	e.must(err, "ListSubmissionItems")
	if len(list) != 3 {
		t.Fatalf("%d items, want 3 (one approved, two returned)", len(list))
	}
	got := map[uint64]*registry.SubmissionItemView{}
	for _, v := range list {
		got[v.Item.Item.ID] = v
	}
	if v := got[a.Item.ID]; !v.Returned || v.ReviewComment != "请补充设定依据的条款" || v.Item.Content.DisplayName != "建设用地审批" || v.Item.Item.Head != 1 {
		t.Errorf("a in the batch that returned it: returned %v, comment %q, name %q (revision %d): want the revision returned",
			v.Returned, v.ReviewComment, v.Item.Content.DisplayName, v.Item.Item.Head)
	}
	if v := got[c.Item.ID]; v.Returned || v.ReviewComment != "" {
		t.Errorf("c approved: %+v", v)
	}

	// The next batch shows the comment each returned item carries, and
	// the department's answer.
	s := e.answered("gtzyj", map[*registry.ItemView]string{b: "名称依据省级目录"}, a, b)
	list, _, err = e.svc.ListSubmissionItems("gtzyj", s.ID, 1, "")
	e.must(err, "ListSubmissionItems page 1")
	if len(list) != 1 || list[0].Item.Item.ID != a.Item.ID || list[0].ReviewComment != "请补充设定依据的条款" || list[0].Reply != "" || list[0].Returned {
		t.Errorf("page 1: %+v", list)
	}
	_, token, _ := e.svc.ListSubmissionItems("gtzyj", s.ID, 1, "")
	list, next, err := e.svc.ListSubmissionItems("gtzyj", s.ID, 1, token)
	e.must(err, "ListSubmissionItems page 2")
	if next != "" || len(list) != 1 || list[0].ReviewComment != "名称不规范" || list[0].Reply != "名称依据省级目录" {
		t.Errorf("page 2: %+v (next %q)", list, next)
	}
	// A token of a batch that changed since is refused.
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Comment: "同意"}, "")
	e.must(err, "ApproveSubmission")
	_, _, err = e.svc.ListSubmissionItems("gtzyj", s.ID, 1, token)
	wantFields(t, err, "page_token")
	_, _, err = e.svc.ListSubmissionItems("gtzyj", s.ID, 1, "bm90IGEgdG9rZW4")
	wantFields(t, err, "page_token")
	_, _, err = e.svc.ListSubmissionItems("gtzyj", 99, 0, "")
	wantErr(t, err, registry.ClassNotFound, registry.ReasonSubmissionNotFound)
}

// TestValidatePublication: a publication checked only answers with the
// codes it would assign and writes nothing; the real one that follows
// assigns the same codes and takes the same name.
func TestValidatePublication(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	main := e.item("gtzyj", "建设用地审批", registry.CategoryLicensing)
	sub := e.subItem(main, "农用地转用审批")
	other := e.item("gtzyj", "对非法占用土地的处罚", registry.CategoryPenalty)
	s := e.approved("gtzyj", main, sub, other)

	before := e.snapshot()
	dry, err := e.svc.ValidatePublication(publisher, []string{subName(s)}, "集中发布")
	e.must(err, "ValidatePublication")
	e.unchanged(before, "a validate-only publication")
	if got := e.getItem(main).Item; got.Code != "" || got.State != registry.ItemApproved {
		t.Errorf("the item after a dry run: code %q state %d", got.Code, got.State)
	}
	real := e.publish(s)
	if dry.ID != real.ID || len(dry.Items) != 3 || !slices.Equal(dry.Items, real.Items) {
		t.Errorf("dry run %d %+v, real %d %+v: want the same name and codes", dry.ID, dry.Items, real.ID, real.Items)
	}
	for _, it := range dry.Items {
		if it.Code == "" {
			t.Errorf("dry run assigned no code to item %d", it.Item)
		}
	}
	// It checks as a real publication does: a published batch is refused.
	_, err = e.svc.ValidatePublication(publisher, []string{subName(s)}, "")
	wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonSubmissionNotApprov)
}

// TestReturnedItemEditedBack: a returned item edited and then edited back
// to the content the reviewer returned is not "edited since its return":
// the reviewer would judge the same text again without an answer, so the
// submit is refused naming it and leaves the store as it was. A code
// change (on the item, not in the content) is an edit.
func TestReturnedItemEditedBack(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a, b, _ := e.returnedPair()
	for _, remark := range []string{"改一下", ""} {
		_, err := e.svc.UpdateItem(clerk, "gtzyj", a.Item.ID, registry.ItemInput{Content: registry.Content{Remark: remark}}, []string{"remark"}, "")
		e.must(err, "UpdateItem a")
	}
	_, err := e.svc.UpdateItem(clerk, "gtzyj", b.Item.ID, registry.ItemInput{Code: "430400-QT-001-0099-00"}, []string{"code"}, "")
	e.must(err, "UpdateItem b's code")
	if got := e.getItem(a).Item; got.Head != got.ReturnedRevision+2 {
		t.Fatalf("a edited twice: head %d, returned revision %d", got.Head, got.ReturnedRevision)
	}
	before := e.snapshot()
	_, err = e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(a, b), Submit: true}, "")
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonReturnedNotAddressed)
	if got := subjects(re); !slices.Equal(got, names(a)) {
		t.Errorf("refusal names %v, want only a %v (b's code was changed)", got, names(a))
	}
	e.unchanged(before, "a submit refused for an item edited back")

	// Answered, it goes.
	s, err := e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(a, b), Submit: true,
		Replies: []registry.ItemComment{{Item: a.Item.ID, Comment: "条款已核对，无需修改"}}}, "")
	e.must(err, "CreateSubmission with a reply")
	if s.State != registry.SubmissionSubmitted || len(s.Items) != 2 {
		t.Errorf("submitted batch: %+v", s)
	}
}

// TestApproveKeepsNoOrphan: an approval that returns a main item not yet
// in force and keeps its sub-item is refused naming the sub-item: approved,
// the sub-item could never be published (PARENT_NOT_IN_FORCE) and the
// batch would block every publication taking it. Returned together, or
// with a main item already in force, the approval goes through.
func TestApproveKeepsNoOrphan(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	main := e.item("gtzyj", "建设用地审批", registry.CategoryLicensing)
	sub := e.subItem(main, "农用地转用审批")
	other := e.item("gtzyj", "土地登记", registry.CategoryConfirmation)
	s := e.submit(e.batch("gtzyj", main, sub, other))

	before := e.snapshot()
	_, err := e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{
		Returned: []registry.ItemComment{{Item: main.Item.ID, Comment: "名称不规范"}}}, "")
	re := wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	if len(re.Violations) != 1 || re.Violations[0].Field != "returned_items" ||
		!strings.Contains(re.Violations[0].Description, itemName(sub)) || !strings.Contains(re.Violations[0].Description, "return it too") ||
		!strings.Contains(re.Violations[0].Description, "请把子项一并退回") {
		t.Errorf("violations: %+v", re.Violations)
	}
	e.unchanged(before, "an approval orphaning a sub-item")

	got, err := e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Returned: []registry.ItemComment{
		{Item: main.Item.ID, Comment: "名称不规范"}, {Item: sub.Item.ID, Comment: "随大项退回"}}}, "")
	e.must(err, "ApproveSubmission returning main and sub")
	if len(got.Items) != 1 || got.Items[0] != other.Item.ID {
		t.Errorf("approved items %v, want only %d", got.Items, other.Item.ID)
	}
	e.publish(got)

	// A main item in force: returning its change keeps the sub-item's.
	m2 := e.item("gtzyj", "采矿权审批", registry.CategoryLicensing)
	s2 := e.subItem(m2, "采矿权延续登记")
	e.publish(e.approve(e.submit(e.batch("gtzyj", m2, s2))))
	for _, v := range []*registry.ItemView{m2, s2} {
		_, err := e.svc.UpdateItem(clerk, "gtzyj", v.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "修改"}}, []string{"remark"}, "")
		e.must(err, "UpdateItem")
	}
	b := e.submit(e.batch("gtzyj", m2, s2))
	got, err = e.svc.ApproveSubmission(reviewer, "gtzyj", b.ID, registry.ReviewInput{Returned: []registry.ItemComment{{Item: m2.Item.ID, Comment: "备注不对"}}}, "")
	e.must(err, "ApproveSubmission returning a main item in force")
	e.publish(got)

	// Abolishing a main item while returning the abolition of its
	// sub-item in force: the abolition could not be published.
	m3 := e.item("gtzyj", "不动产登记", registry.CategoryConfirmation)
	s3 := e.subItem(m3, "不动产更正登记")
	e.publish(e.approve(e.submit(e.batch("gtzyj", m3, s3))))
	for _, v := range []*registry.ItemView{m3, s3} {
		_, err := e.svc.AbolishItem(clerk, "gtzyj", v.Item.ID, "职能划转", "")
		e.must(err, "AbolishItem")
	}
	b = e.submit(e.batch("gtzyj", m3, s3))
	before = e.snapshot()
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", b.ID, registry.ReviewInput{Returned: []registry.ItemComment{{Item: s3.Item.ID, Comment: "子项保留"}}}, "")
	re = wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	if len(re.Violations) != 1 || !strings.Contains(re.Violations[0].Description, itemName(s3)) ||
		!strings.Contains(re.Violations[0].Description, "return the main item too") {
		t.Errorf("violations: %+v", re.Violations)
	}
	e.unchanged(before, "an approval abolishing a main item without its sub-item")
}
