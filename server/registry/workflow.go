package registry

// The workflow rules, in one place:
//
//	department: draft ──submit──> submitted ──approve──> approved ──publish──> published
//	                 ^                 │  │
//	                 └────return───────┘  └──withdraw──> withdrawn (items editable again)
//
// An item's working copy is editable while draft or returned; editing a
// published item starts a draft (a modification) while the published
// revision stays in force; abolition is a draft change too. Items travel in
// submissions (batches) of one department; a reviewer approves a batch,
// possibly returning single items, or returns it whole; a publisher
// publishes any set of approved batches at once. Nothing published is ever
// erased. A returned item goes back to review only when it was edited
// since its return or the department answers the reviewer's comment (a
// reply); a department may withdraw a batch no reviewer has decided yet.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/powerreg/powerreg/server/principal"
)

// wrongState is the FAILED_PRECONDITION error of a step tried in the wrong
// state.
func wrongState(reason, zh, en string, subjects ...Subject) *Error {
	e := newErr(ClassFailedPrecondition, reason, zh, en)
	e.Subjects = subjects
	return e
}

var itemStateZh = map[ItemState]string{
	ItemDraft: "草稿", ItemSubmitted: "已报送", ItemApproved: "已审核",
	ItemReturned: "退回修改", ItemPublished: "已发布", ItemAbolished: "已废止",
}

var itemStateEn = map[ItemState]string{
	ItemDraft: "draft", ItemSubmitted: "submitted", ItemApproved: "approved",
	ItemReturned: "returned", ItemPublished: "published", ItemAbolished: "abolished",
}

var submissionStateZh = map[SubmissionState]string{
	SubmissionDraft: "草稿", SubmissionSubmitted: "已报送", SubmissionApproved: "已审核",
	SubmissionReturned: "已退回", SubmissionPublished: "已发布", SubmissionWithdrawn: "已撤回",
}

var submissionStateEn = map[SubmissionState]string{
	SubmissionDraft: "draft", SubmissionSubmitted: "submitted", SubmissionApproved: "approved",
	SubmissionReturned: "returned", SubmissionPublished: "published", SubmissionWithdrawn: "withdrawn",
}

// checkEditable says whether an item's working copy may be changed.
func checkEditable(it *Item) error {
	switch {
	case it.Pending == ChangeAbolish && (it.State == ItemDraft || it.State == ItemReturned):
		return wrongState(ReasonChangePending,
			fmt.Sprintf("事项 %s 正在申请废止，不能修改；如要撤回废止，请删除该草稿", ItemName(it.Department, it.ID)),
			fmt.Sprintf("item %s has an abolition pending and cannot be edited; delete the draft to withdraw it", ItemName(it.Department, it.ID)))
	case it.State == ItemDraft, it.State == ItemReturned, it.State == ItemPublished:
		return nil
	}
	return wrongState(ReasonItemNotEditable,
		fmt.Sprintf("事项 %s 处于%s状态，不能修改；只有草稿、退回修改或已发布的事项可以修改", ItemName(it.Department, it.ID), itemStateZh[it.State]),
		fmt.Sprintf("item %s is %s and cannot be edited; only draft, returned or published items can", ItemName(it.Department, it.ID), itemStateEn[it.State]))
}

// startChange turns a published item into a draft change of the given kind.
// The revision in force stays in force until the change is published.
func startChange(it *Item, kind ChangeKind) {
	if it.State == ItemPublished {
		it.State, it.Pending = ItemDraft, kind
	}
}

// deletion is what DeleteItem does to an item.
type deletion int

const (
	eraseItem    deletion = iota // never published: the item goes
	discardDraft                 // published: the pending change goes, the item stays in force
)

// checkDeletable says whether and how an item may be deleted.
func checkDeletable(it *Item) (deletion, error) {
	name := ItemName(it.Department, it.ID)
	if it.State != ItemDraft && it.State != ItemReturned || it.Submission != 0 {
		if it.State == ItemPublished || it.State == ItemAbolished {
			return 0, wrongState(ReasonItemNotDeletable,
				fmt.Sprintf("事项 %s 已发布，发布过的事项永不删除；如要废止，请用 :abolish 提交废止", name),
				fmt.Sprintf("item %s was published and published items are never erased; use :abolish to submit its abolition", name))
		}
		// Not published and not deletable: it is in a batch.
		batch := SubmissionName(it.Department, it.Submission)
		zh := fmt.Sprintf("事项 %s 在草稿批次 %s 中，不能删除；请先删除该批次（其事项随即可以删除）", name, batch)
		en := fmt.Sprintf("item %s is in the draft submission %s and cannot be deleted; delete that batch first, which frees its items", name, batch)
		switch it.State {
		case ItemSubmitted:
			zh = fmt.Sprintf("事项 %s 已报送（批次 %s），正在审核，不能删除；如要删除，请先撤回该批次（powerctl submissions withdraw %s）", name, batch, batch)
			en = fmt.Sprintf("item %s is submitted (in %s) and under review; it cannot be deleted: withdraw the batch first (powerctl submissions withdraw %s)", name, batch, batch)
		case ItemApproved:
			zh = fmt.Sprintf("事项 %s 已审核通过（批次 %s），待发布，不能删除；如不应发布，请审核人在发布前退回该批次", name, batch)
			en = fmt.Sprintf("item %s is approved (in %s) and awaits publication; it cannot be deleted: if it must not be published, a reviewer returns the batch before publication", name, batch)
		}
		return 0, wrongState(ReasonItemNotDeletable, zh, en)
	}
	if len(it.Published) > 0 {
		return discardDraft, nil
	}
	return eraseItem, nil
}

// checkAbolishable says whether an item's abolition may be started.
func checkAbolishable(it *Item) error {
	name := ItemName(it.Department, it.ID)
	if it.State == ItemPublished {
		return nil
	}
	if it.InForce() != nil {
		return wrongState(ReasonChangePending,
			fmt.Sprintf("事项 %s 已有未发布的修改，请先删除该修改草稿或等其发布后再申请废止", name),
			fmt.Sprintf("item %s has a change pending; delete that draft or wait for its publication before abolishing", name))
	}
	return wrongState(ReasonItemNotPublished,
		fmt.Sprintf("事项 %s 未在清单中生效，不能废止；未发布的草稿可以直接删除", name),
		fmt.Sprintf("item %s is not in force and cannot be abolished; an unpublished draft can simply be deleted", name))
}

// checkBatchable says whether an item may join a new submission.
func checkBatchable(it *Item) *Subject {
	name := ItemName(it.Department, it.ID)
	switch {
	case it.Submission != 0:
		return &Subject{name, bi("已在另一个报送批次中", "already in another submission")}
	case it.State != ItemDraft && it.State != ItemReturned:
		return &Subject{name, bi("处于"+itemStateZh[it.State]+"状态，只有草稿或退回修改的事项可以报送",
			"is "+itemStateEn[it.State]+"; only draft or returned items can be submitted")}
	}
	return nil
}

// subjectNames lists the first few subjects for a message; the error's
// details list them all.
func subjectNames(subjects []Subject) string {
	const shown = 10
	var names []string
	for _, s := range subjects[:min(shown, len(subjects))] {
		names = append(names, s.Name)
	}
	list := strings.Join(names, ", ")
	if len(subjects) > shown {
		list += fmt.Sprintf(" … (+%d)", len(subjects)-shown)
	}
	return list
}

// SubmissionInput is what a department sends to create a batch.
type SubmissionInput struct {
	Items   []string // item names
	Comment string
	// Replies answer the comments of returned items of the batch.
	Replies []ItemComment
	// Submit submits the batch in the same transaction: a refused submit
	// leaves nothing behind (no batch, no item changed, no id used).
	Submit bool
}

// CreateSubmission groups draft or returned items of one department into a
// draft submission, reserving them for it.
func (s *Service) CreateSubmission(actor, dept string, items []string, comment, requestID string) (*Submission, error) {
	return s.CreateSubmissionWith(actor, dept, SubmissionInput{Items: items, Comment: comment}, requestID)
}

// CreateSubmissionWith creates a batch with replies to returned items'
// comments, and submits it at once when in.Submit is set: all or nothing.
func (s *Service) CreateSubmissionWith(actor, dept string, in SubmissionInput, requestID string) (*Submission, error) {
	var v violations
	ids := parseBatchItems(&v, dept, in.Items)
	checkText(&v, "submission.comment", in.Comment, maxTextRunes, false)
	checkReplies(&v, dept, ids, in.Replies)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *Submission
	err := s.mutate(actor, func(m *mut) error {
		if prev, err := idempotent(m, "CreateSubmission", requestID); err != nil || prev != "" {
			if err == nil {
				d, id, _ := ParseSubmissionName("", prev)
				out, err = loadSubmission(m, d, id) // deleted since: NOT_FOUND
			}
			return err
		}
		if _, err := loadDepartment(m, dept); err != nil {
			return err
		}
		id, err := m.NextSeq("submissions")
		if err != nil {
			return err
		}
		name := SubmissionName(dept, id)
		var blocked []Subject
		var loaded []*Item
		for _, itemID := range ids {
			it, err := loadItem(m, dept, itemID)
			if err != nil {
				return err
			}
			if b := checkBatchable(it); b != nil {
				blocked = append(blocked, *b)
			}
			loaded = append(loaded, it)
		}
		if len(blocked) > 0 {
			return wrongState(ReasonItemNotSubmittable,
				"以下事项不能加入报送批次："+subjectNames(blocked)+"；详见各事项说明",
				"these items cannot join a submission: "+subjectNames(blocked)+"; see the details", blocked...)
		}
		sub := &Submission{ID: id, Department: dept, State: SubmissionDraft, Items: ids, Comment: in.Comment,
			Replies: in.Replies, CreateTime: m.now, UpdateTime: m.now, Version: m.rev}
		if err := checkRepliesReturned(loaded, in.Replies); err != nil {
			return err
		}
		for _, it := range loaded {
			if it.State == ItemReturned {
				sub.ReturnComments = append(sub.ReturnComments, ItemComment{Item: it.ID, Comment: it.ReviewComment})
			}
			it.ReviewReply, _ = commentFor(in.Replies, it.ID)
			it.Submission, it.Version = id, m.rev
			if err := m.PutItem(it); err != nil {
				return err
			}
		}
		if err := m.event(name, ActionCreated, in.Comment, ""); err != nil {
			return err
		}
		if in.Submit {
			if err := submitBatch(m, sub, ""); err != nil {
				return err
			}
		}
		out = sub
		if err := m.PutSubmission(sub); err != nil {
			return err
		}
		return remember(m, "CreateSubmission", requestID, name)
	})
	return out, err
}

// checkReplies checks the replies of a new batch: each names an item of
// the batch, once, with an answer.
func checkReplies(v *violations, dept string, ids []uint64, replies []ItemComment) {
	seen := map[uint64]bool{}
	for i, r := range replies {
		f := fmt.Sprintf("submission.replies[%d]", i)
		name := ItemName(dept, r.Item)
		switch {
		case !slices.Contains(ids, r.Item):
			v.add(f+".item", fmt.Sprintf("事项 %s 不在此批次中；答复只能针对本批次中被退回的事项", name),
				fmt.Sprintf("item %s is not in this submission; replies answer returned items of the batch", name))
		case seen[r.Item]:
			v.add(f+".item", fmt.Sprintf("事项 %s 重复", name), fmt.Sprintf("item %s is listed twice", name))
		}
		seen[r.Item] = true
		if strings.TrimSpace(r.Comment) == "" {
			v.add(f+".comment", fmt.Sprintf("请写明对事项 %s 审核意见的答复", name),
				fmt.Sprintf("write the answer to the reviewer's comment on item %s", name))
		}
		checkText(v, f+".comment", r.Comment, maxTextRunes, false)
	}
	if n := itemCommentsBytes(dept, replies); n > MaxItemCommentsBytes {
		v.add("submission.replies",
			fmt.Sprintf("对被退回事项的答复共约 %d 字节，超过每个批次 %d 字节（256 KiB）的上限；请精简答复，或把事项分成几个批次报送", n, MaxItemCommentsBytes),
			fmt.Sprintf("the replies total about %d bytes, over the limit of %d bytes (256 KiB) per batch; shorten them, or submit the items in several batches",
				n, MaxItemCommentsBytes))
	}
}

// checkRepliesReturned refuses replies to items that were not returned:
// there is no reviewer's comment to answer.
func checkRepliesReturned(items []*Item, replies []ItemComment) error {
	var v violations
	for i, r := range replies {
		for _, it := range items {
			if it.ID == r.Item && it.State != ItemReturned {
				name := ItemName(it.Department, it.ID)
				v.add(fmt.Sprintf("submission.replies[%d].item", i),
					fmt.Sprintf("事项 %s 处于%s状态，未被退回，没有可答复的审核意见；请去掉这条答复", name, itemStateZh[it.State]),
					fmt.Sprintf("item %s is %s, not returned: there is no reviewer's comment to answer; drop this reply", name, itemStateEn[it.State]))
			}
		}
	}
	return v.err()
}

// MaxSubmissionItems caps the items of one batch: a reviewer cannot judge
// more at once, and it keeps a submission's answer (its items, revisions,
// returned items and comments) under gRPC's default 4 MiB receive limit
// whatever the names' lengths: see TestWorstCaseSubmissionSize.
const MaxSubmissionItems = 10000

// MaxItemCommentsBytes caps a review's comments on single items (returned
// items and item comments together: item names and comments in UTF-8
// bytes), and a new batch's replies, for the same reason: each comment may
// be 10,000 characters, and 10,000 of them would be a submission of 300 MB.
const MaxItemCommentsBytes = 256 << 10

// parseBatchItems checks the item names of a new submission, adding a
// violation to v for each bad one.
func parseBatchItems(v *violations, dept string, items []string) []uint64 {
	if len(items) == 0 {
		v.add("submission.items", "至少需要一个事项", "give at least one item")
	}
	if len(items) > MaxSubmissionItems {
		v.add("submission.items",
			fmt.Sprintf("一个报送批次最多 %d 个事项（给出 %d 个），审核人一次审不了更多；请分成几个批次", MaxSubmissionItems, len(items)),
			fmt.Sprintf("a submission holds at most %d items (%d given): a reviewer cannot judge more at once; split them into several submissions",
				MaxSubmissionItems, len(items)))
		return nil
	}
	seen := map[uint64]bool{}
	var ids []uint64
	for i, name := range items {
		field := fmt.Sprintf("submission.items[%d]", i)
		d, id, err := ParseItemName(field, name)
		switch {
		case err != nil:
			v.add(field, fmt.Sprintf("名称 %q 格式不对，应为 departments/{department}/items/{item}", name),
				fmt.Sprintf("malformed item name %q; expected departments/{department}/items/{item}", name))
		case d != dept:
			v.add(field, fmt.Sprintf("事项 %s 不属于部门 %s；一个批次只含本部门的事项", name, dept),
				fmt.Sprintf("item %s is not of department %s; a submission holds one department's items", name, dept))
		case seen[id]:
			v.add(field, fmt.Sprintf("事项 %s 重复", name), fmt.Sprintf("item %s is listed twice", name))
		default:
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// transition loads a submission, checks its etag and that it is in state
// want, and hands it to fn.
func (s *Service) transition(actor, dept string, id uint64, etag string, want []SubmissionState,
	reason string, fn func(m *mut, sub *Submission) error) (*Submission, error) {
	var out *Submission
	err := s.mutate(actor, func(m *mut) error {
		sub, err := loadSubmission(m, dept, id)
		if err != nil {
			return err
		}
		name := SubmissionName(sub.Department, id)
		if err := checkEtag(name, etag, sub.Version); err != nil {
			return err
		}
		if !slices.Contains(want, sub.State) {
			var zh, en []string
			for _, w := range want {
				zh, en = append(zh, submissionStateZh[w]), append(en, submissionStateEn[w])
			}
			return wrongState(reason,
				fmt.Sprintf("报送批次 %s 处于%s状态，此操作只适用于%s状态的批次", name, submissionStateZh[sub.State], strings.Join(zh, "或")),
				fmt.Sprintf("submission %s is %s; this step needs a %s one", name, submissionStateEn[sub.State], strings.Join(en, " or ")))
		}
		if err := fn(m, sub); err != nil {
			return err
		}
		sub.UpdateTime, sub.Version = m.now, m.rev
		out = sub
		return m.PutSubmission(sub)
	})
	return out, err
}

// forItems loads every item of a submission and applies fn.
func forItems(m *mut, sub *Submission, ids []uint64, fn func(it *Item) error) error {
	for _, id := range ids {
		it, err := loadItem(m, sub.Department, id)
		if err != nil {
			return err
		}
		if err := fn(it); err != nil {
			return err
		}
		it.UpdateTime, it.Version = m.now, m.rev
		if err := m.PutItem(it); err != nil {
			return err
		}
	}
	return nil
}

// DeleteSubmission deletes a draft submission and releases its items.
func (s *Service) DeleteSubmission(actor, dept string, id uint64, etag string) error {
	err := s.mutate(actor, func(m *mut) error {
		sub, err := loadSubmission(m, dept, id)
		if err != nil {
			return err
		}
		name := SubmissionName(dept, id)
		if err := checkEtag(name, etag, sub.Version); err != nil {
			return err
		}
		if sub.State != SubmissionDraft {
			return wrongState(ReasonSubmissionNotDraft,
				fmt.Sprintf("报送批次 %s 已报送，不能删除", name),
				fmt.Sprintf("submission %s was submitted and cannot be deleted", name))
		}
		if err := forItems(m, sub, sub.Items, func(it *Item) error { it.Submission, it.ReviewReply = 0, ""; return nil }); err != nil {
			return err
		}
		if err := m.DeleteSubmission(sub); err != nil {
			return err
		}
		return m.event(name, ActionDeleted, "", "")
	})
	return err
}

// SubmitSubmission submits a draft batch for review, fixing the revision of
// each item (submitBatch says when it is refused).
func (s *Service) SubmitSubmission(actor, dept string, id uint64, comment, etag string) (*Submission, error) {
	// The comment replaces the one CreateSubmission checked: the same rules.
	var v violations
	checkText(&v, "comment", comment, maxTextRunes, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.transition(actor, dept, id, etag, []SubmissionState{SubmissionDraft}, ReasonSubmissionNotDraft, func(m *mut, sub *Submission) error {
		return submitBatch(m, sub, comment)
	})
}

// MissingForSubmission lists the fields that submission requires and
// content lacks, by their API paths: a legal basis (职权法定: no power
// without one). The one definition, for the submit check and for
// ListSubmissionItems.
func MissingForSubmission(c *Content) []string {
	if len(c.LegalBases) == 0 {
		return []string{"legal_bases"}
	}
	return nil
}

// notAddressed reports whether a returned item goes back to review
// unchanged and unanswered: the batch has no reply for it, and its head
// holds the content the reviewer returned, whether never edited or edited
// and then edited back (the reviewer would judge the same text again).
// A revision that left the content as it was changed the item's code or
// main item, which live on the item: that counts as an edit.
func notAddressed(m *mut, it *Item, sub *Submission, head *Revision) (bool, error) {
	if it.State != ItemReturned || it.ReturnedRevision == 0 {
		return false, nil
	}
	if _, replied := commentFor(sub.Replies, it.ID); replied {
		return false, nil
	}
	if it.Head == it.ReturnedRevision {
		return true, nil
	}
	prev, err := loadRevision(m, it, it.ReturnedRevision)
	if err != nil {
		return false, err
	}
	if len(diffContent(&prev.Content, &head.Content)) > 0 {
		return false, nil
	}
	for n := it.ReturnedRevision + 1; n <= it.Head; n++ {
		r := head
		if n < it.Head {
			if r, err = loadRevision(m, it, n); err != nil {
				return false, err
			}
		}
		if len(diffContent(&prev.Content, &r.Content)) == 0 {
			return false, nil // a code or main-item edit
		}
		prev = r
	}
	return true, nil
}

// submitBatch submits a draft batch (in m, not yet stored: the caller
// puts sub). Refused, naming the items, when any lacks what submission
// requires (MissingForSubmission), or when a returned item was neither
// edited since its return nor answered (notAddressed).
func submitBatch(m *mut, sub *Submission, comment string) error {
	dept := sub.Department
	var missing, unaddressed []Subject
	var revs []int
	for _, itemID := range sub.Items {
		it, err := loadItem(m, dept, itemID)
		if err != nil {
			return err
		}
		rev, err := loadRevision(m, it, it.Head)
		if err != nil {
			return err
		}
		if len(MissingForSubmission(&rev.Content)) > 0 {
			missing = append(missing, Subject{ItemName(dept, itemID),
				bi("“"+rev.Content.DisplayName+"”缺少设定依据", "“"+rev.Content.DisplayName+"” lacks a legal basis")})
		}
		unchanged, err := notAddressed(m, it, sub, rev)
		if err != nil {
			return err
		}
		if unchanged {
			c, _ := CutText(it.ReviewComment, 200) // a refusal naming thousands of items quotes each comment briefly
			unaddressed = append(unaddressed, Subject{ItemName(dept, itemID),
				bi("“"+rev.Content.DisplayName+"”被退回后既未修改也未答复审核意见："+c,
					"“"+rev.Content.DisplayName+"” was returned and since neither edited nor answered; the comment: "+c)})
		}
		revs = append(revs, it.Head)
	}
	if len(missing) > 0 {
		return wrongState(ReasonLegalBasisMissing,
			fmt.Sprintf("%d 个事项缺少设定依据（职权法定），请补充后再报送：%s", len(missing), subjectNames(missing)),
			fmt.Sprintf("%d items lack a legal basis; add one to each and submit again: %s", len(missing), subjectNames(missing)),
			missing...)
	}
	if len(unaddressed) > 0 {
		return wrongState(ReasonReturnedNotAddressed,
			fmt.Sprintf("%d 个被退回的事项既未修改也未答复审核意见，不能原样再报送：%s；请按意见修改事项，或用 powerctl submit --reply 事项=答复 答复审核意见",
				len(unaddressed), subjectNames(unaddressed)),
			fmt.Sprintf("%d returned items were neither edited nor answered and cannot go back to review unchanged: %s; edit each item as the comment asks, or answer the comment with powerctl submit --reply ITEM=TEXT",
				len(unaddressed), subjectNames(unaddressed)),
			unaddressed...)
	}
	if comment != "" {
		sub.Comment = comment
	}
	sub.State, sub.ItemRevisions, sub.Submitter, sub.SubmitterHolder = SubmissionSubmitted, revs, m.actor, m.holder
	name := SubmissionName(dept, sub.ID)
	if err := forItems(m, sub, sub.Items, func(it *Item) error {
		it.State = ItemSubmitted
		return m.event(ItemName(dept, it.ID), ActionSubmitted, sub.Comment, name)
	}); err != nil {
		return err
	}
	sub.UpdateTime, sub.Version = m.now, m.rev
	return m.event(name, ActionSubmitted, sub.Comment, "")
}

// CutText cuts s to n characters and an ellipsis; cut says whether it
// did.
func CutText(s string, n int) (_ string, cut bool) {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…", true
	}
	return s, false
}

// WithdrawSubmission takes back a submitted batch that no reviewer has
// decided yet (撤回). The batch becomes withdrawn and stays readable; each
// item leaves it and goes back to the state it joined the batch in: a
// draft, or returned (with the reviewer's comment) when it was returned
// before, so that the returned-item rule sees it as it was. The replies
// given with the batch stay in its record and leave the items.
func (s *Service) WithdrawSubmission(actor, dept string, id uint64, comment, etag string) (*Submission, error) {
	var v violations
	checkText(&v, "comment", comment, maxTextRunes, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *Submission
	err := s.mutate(actor, func(m *mut) error {
		sub, err := loadSubmission(m, dept, id)
		if err != nil {
			return err
		}
		name := SubmissionName(dept, id)
		if err := checkEtag(name, etag, sub.Version); err != nil {
			return err
		}
		if err := checkWithdrawable(sub); err != nil {
			return err
		}
		if err := forItems(m, sub, sub.Items, func(it *Item) error {
			it.Submission, it.ReviewReply, it.State = 0, "", ItemDraft
			if it.ReturnedRevision != 0 {
				it.State = ItemReturned
			}
			return m.event(ItemName(dept, it.ID), ActionWithdrawn, comment, name)
		}); err != nil {
			return err
		}
		sub.State, sub.UpdateTime, sub.Version = SubmissionWithdrawn, m.now, m.rev
		if err := m.PutSubmission(sub); err != nil {
			return err
		}
		out = sub
		return m.event(name, ActionWithdrawn, comment, "")
	})
	return out, err
}

// checkWithdrawable says whether a batch may be withdrawn: only while it
// is submitted, before any reviewer decided. The refusal says what to do
// instead.
func checkWithdrawable(sub *Submission) error {
	name := SubmissionName(sub.Department, sub.ID)
	var zh, en string
	switch sub.State {
	case SubmissionSubmitted:
		return nil
	case SubmissionDraft:
		zh, en = "尚未报送，无需撤回；不要这个批次就删除它（DELETE …/submissions/{s}），其事项随即可以修改",
			"was never submitted, so there is nothing to withdraw; delete it instead (DELETE …/submissions/{s}) and its items are free again"
	case SubmissionApproved:
		zh, en = "已由审核人审核通过，不能撤回；如需修改，请审核人在发布前将其退回（review reject）",
			"was already approved by a reviewer and cannot be withdrawn; to change it, ask a reviewer to return it before publication (review reject)"
	case SubmissionReturned:
		zh, en = "已被审核人退回，其事项已回到本部门，可直接修改后重新报送",
			"was already returned by a reviewer; its items are back with the department: edit them and submit again"
	case SubmissionPublished:
		zh, en = "已发布，其事项已生效，不能撤回；如需变更，请修改或废止事项后重新报送",
			"was published and its items are in force; it cannot be withdrawn: edit or abolish the items and submit them again"
	default:
		zh, en = "已撤回", "was already withdrawn"
	}
	return wrongState(ReasonSubmissionNotSubmit,
		fmt.Sprintf("报送批次 %s 处于%s状态：%s", name, submissionStateZh[sub.State], zh),
		fmt.Sprintf("submission %s is %s: it %s", name, submissionStateEn[sub.State], en))
}

// ReviewInput is a reviewer's decision on a batch.
type ReviewInput struct {
	Comment      string
	Returned     []ItemComment // items returned to the department (approval only)
	ItemComments []ItemComment // comments on single items
}

// checkReviewItems checks that commented items belong to the batch, once each.
func checkReviewItems(v *violations, field string, sub *Submission, list []ItemComment) {
	seen := map[uint64]bool{}
	for i, c := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !slices.Contains(sub.Items, c.Item):
			v.add(f+".item", fmt.Sprintf("事项 %s 不在此批次中", ItemName(sub.Department, c.Item)),
				fmt.Sprintf("item %s is not in this submission", ItemName(sub.Department, c.Item)))
		case seen[c.Item]:
			v.add(f+".item", fmt.Sprintf("事项 %s 重复", ItemName(sub.Department, c.Item)),
				fmt.Sprintf("item %s is listed twice", ItemName(sub.Department, c.Item)))
		}
		seen[c.Item] = true
		checkText(v, f+".comment", c.Comment, maxTextRunes, false)
	}
}

// checkItemCommentsSize refuses a review whose comments on single items
// (all lists together) pass MaxItemCommentsBytes, on field.
func checkItemCommentsSize(v *violations, field, dept string, lists ...[]ItemComment) {
	if n := itemCommentsBytes(dept, lists...); n > MaxItemCommentsBytes {
		v.add(field,
			fmt.Sprintf("对单个事项的意见共约 %d 字节，超过每次审核 %d 字节（256 KiB）的上限；请精简意见、少列事项，或用整批意见说明共同的问题", n, MaxItemCommentsBytes),
			fmt.Sprintf("the comments on single items total about %d bytes, over the limit of %d bytes (256 KiB) per review; shorten them, comment fewer items, or say what they share in the batch's comment",
				n, MaxItemCommentsBytes))
	}
}

// itemCommentsBytes is what comments on single items of dept count
// against MaxItemCommentsBytes: each item's name and its comment.
func itemCommentsBytes(dept string, lists ...[]ItemComment) int {
	n := 0
	for _, list := range lists {
		for _, c := range list {
			n += len(ItemName(dept, c.Item)) + len(c.Comment)
		}
	}
	return n
}

func commentFor(list []ItemComment, id uint64) (string, bool) {
	for _, c := range list {
		if c.Item == id {
			return c.Comment, true
		}
	}
	return "", false
}

// Four eyes (四眼原则). People are compared by holder (principal.Same), never
// by token name, so that two tokens of one person count as one:
//
//   - nobody reviews (approves or returns) a batch they submitted or in
//     which they edited an item since the item was last published;
//   - nobody publishes a batch they submitted, nor, unless the registry is
//     configured with PublisherMayEdit, one in which they edited an item
//     since its last publication;
//   - an approval, return or publication is refused when the token used was
//     created by someone involved in the batch (its submitter or an editor
//     of its items since their last publication): one person with the
//     admin role cannot mint themselves a reviewer or publisher under
//     another name. One level deep: who created the creator's token does
//     not matter, so the first admin creating every token is the normal
//     case. An admin who invents people is seen only in the audit trail.

// fourEyesStep is the step four eyes guards.
type fourEyesStep int

const (
	stepReview fourEyesStep = iota
	stepPublish
)

// involvement is who took part in a batch: its submitter and the editors
// of its items since their last publication, with an item each edited.
type involvement struct {
	submitter string
	editors   []editor
}

type editor struct {
	holder string
	item   string // the name of an item they edited
}

// involvedIn reads who took part in a batch. Records written before
// holders name the principal only, which then stands for the person.
func involvedIn(m *mut, sub *Submission) (*involvement, error) {
	inv := &involvement{submitter: sub.SubmitterHolder}
	if inv.submitter == "" {
		inv.submitter = sub.Submitter
	}
	for i, id := range sub.Items {
		it, err := loadItem(m, sub.Department, id)
		if err != nil {
			return nil, err
		}
		from := 1
		if n := len(it.Published); n > 0 {
			from = it.Published[n-1].Revision + 1
		}
		for n := from; n <= sub.ItemRevisions[i]; n++ {
			r, err := m.GetRevision(id, n)
			if err != nil {
				return nil, err
			}
			if r == nil {
				continue
			}
			h := r.Holder
			if h == "" {
				h = r.Actor
			}
			if !slices.ContainsFunc(inv.editors, func(e editor) bool { return principal.Same(e.holder, h) }) {
				inv.editors = append(inv.editors, editor{h, ItemName(sub.Department, id)})
			}
		}
	}
	return inv, nil
}

// role says how a person took part in the batch called name, in Chinese
// and English ("submitted …", "edited item … of …"), or "" when they did
// not.
func (inv *involvement) role(person, name string) (zh, en string) {
	if principal.Same(person, inv.submitter) {
		return "报送了批次 " + name, "submitted " + name
	}
	for _, e := range inv.editors {
		if principal.Same(person, e.holder) {
			return fmt.Sprintf("编辑过批次 %s 中的事项 %s", name, e.item), fmt.Sprintf("edited item %s of %s", e.item, name)
		}
	}
	return "", ""
}

// whoActs names the person acting, with the token when its name differs.
// Names are escaped (principal.Escape): records from before the rules on
// names may hold characters that would make one look like another.
func whoActs(m *mut) string {
	if m.holder == m.actor {
		return principal.Escape(m.actor)
	}
	return fmt.Sprintf("%s (%s)", principal.Escape(m.holder), principal.Escape(m.actor))
}

// checkFourEyes refuses a step on a batch that four eyes forbids to the
// person acting (see above).
func checkFourEyes(m *mut, sub *Submission, step fourEyesStep) error {
	inv, err := involvedIn(m, sub)
	if err != nil {
		return err
	}
	name := SubmissionName(sub.Department, sub.ID)
	stepZh, stepEn, otherZh, otherEn := "审核", "review", "审核人", "reviewer"
	if step == stepPublish {
		stepZh, stepEn, otherZh, otherEn = "发布", "publish", "发布人", "publisher"
	}
	zh, en := inv.role(m.holder, name)
	if step == stepPublish && m.publisherMayEdit && !principal.Same(m.holder, inv.submitter) {
		zh, en = "", "" // the city's choice: a publisher may have edited the batch (--four-eyes-publisher-edits=allow)
	}
	if zh != "" {
		return newErr(ClassPermissionDenied, ReasonFourEyes,
			fmt.Sprintf("四眼原则：%s %s，不能%s该批次；请由其他%s用其本人的令牌%s", whoActs(m), zh, stepZh, otherZh, stepZh),
			fmt.Sprintf("four eyes: %s %s and cannot %s it; another %s must, with their own token", whoActs(m), en, stepEn, otherEn))
	}
	if m.issuer == "" {
		return nil
	}
	if zh, en := inv.role(m.issuer, name); zh != "" {
		return newErr(ClassPermissionDenied, ReasonFourEyes,
			fmt.Sprintf("四眼原则：所用令牌 %s 由 %s 创建，而 %s %s；参与批次的人不能为%s该批次签发令牌，请用未参与该批次的管理员（如首个 admin 令牌）为%s创建的令牌",
				principal.Escape(m.actor), principal.Escape(m.issuer), principal.Escape(m.issuer), zh, stepZh, otherZh),
			fmt.Sprintf("four eyes: the token %s was created by %s, who %s; nobody involved in a batch may issue the token used to %s it: use a token that an admin not involved in it (such as the first admin token) created for the %s",
				principal.Escape(m.actor), principal.Escape(m.issuer), en, stepEn, otherEn))
	}
	return nil
}

// ApproveSubmission approves a submitted batch; items in in.Returned go
// back to the department, the rest wait for publication.
func (s *Service) ApproveSubmission(actor, dept string, id uint64, in ReviewInput, etag string) (*Submission, error) {
	return s.transition(actor, dept, id, etag, []SubmissionState{SubmissionSubmitted}, ReasonSubmissionNotSubmit, func(m *mut, sub *Submission) error {
		if err := checkFourEyes(m, sub, stepReview); err != nil {
			return err
		}
		var v violations
		checkText(&v, "comment", in.Comment, maxTextRunes, false)
		checkReviewItems(&v, "returned_items", sub, in.Returned)
		checkReviewItems(&v, "item_comments", sub, in.ItemComments)
		checkItemCommentsSize(&v, "item_comments", sub.Department, in.Returned, in.ItemComments)
		returned := map[uint64]bool{}
		for _, r := range in.Returned {
			if slices.Contains(sub.Items, r.Item) {
				returned[r.Item] = true
			}
		}
		if len(returned) > 0 && len(returned) == len(sub.Items) {
			v.add("returned_items", "不能退回全部事项；要退回整个批次请用 :reject",
				"cannot return every item; to return the whole batch use :reject")
		}
		if err := checkOrphans(m, &v, sub, returned); err != nil {
			return err
		}
		if err := v.err(); err != nil {
			return err
		}
		name := SubmissionName(dept, id)
		var kept []uint64
		var keptRevs []int
		for i, itemID := range sub.Items {
			if _, ret := commentFor(in.Returned, itemID); !ret {
				kept = append(kept, itemID)
				keptRevs = append(keptRevs, sub.ItemRevisions[i])
			}
		}
		var returnedRevs []int
		err := forItems(m, sub, sub.Items, func(it *Item) error {
			it.ReviewReply = "" // the reply answered the comment this decision replaces
			if c, ret := commentFor(in.Returned, it.ID); ret {
				it.State, it.Submission, it.ReviewComment, it.ReturnedRevision = ItemReturned, 0, c, it.Head
				return m.event(ItemName(dept, it.ID), ActionReturned, c, name)
			}
			c, _ := commentFor(in.ItemComments, it.ID)
			it.State, it.ReviewComment, it.ReturnedRevision = ItemApproved, c, 0
			return m.event(ItemName(dept, it.ID), ActionApproved, c, name)
		})
		if err != nil {
			return err
		}
		for _, r := range in.Returned {
			sub.Returned = append(sub.Returned, r.Item)
			returnedRevs = append(returnedRevs, sub.ItemRevisions[slices.Index(sub.Items, r.Item)])
		}
		sub.ReturnedRevisions = returnedRevs
		sub.ItemComments = append(append([]ItemComment{}, in.Returned...), in.ItemComments...)
		sub.State, sub.Items, sub.ItemRevisions = SubmissionApproved, kept, keptRevs
		sub.ReviewComment, sub.Reviewer = in.Comment, m.actor
		return m.event(name, ActionApproved, in.Comment, "")
	})
}

// checkOrphans refuses an approval that splits a main item from its
// sub-item in a way no publication can take (PARENT_NOT_IN_FORCE,
// SUB_ITEMS_IN_FORCE), which would leave an approved batch blocking every
// publication that takes it: a kept sub-item whose main item is returned
// and not in force, or a kept abolition of a main item whose sub-item in
// force has its abolition returned.
func checkOrphans(m *mut, v *violations, sub *Submission, returned map[uint64]bool) error {
	if len(returned) == 0 {
		return nil
	}
	dept := sub.Department
	for _, id := range sub.Items {
		it, err := loadItem(m, dept, id)
		if err != nil {
			return err
		}
		if it.Parent == 0 || returned[id] == returned[it.Parent] || !slices.Contains(sub.Items, it.Parent) {
			continue
		}
		parent, err := loadItem(m, dept, it.Parent)
		if err != nil {
			return err
		}
		name, main := ItemName(dept, id), ItemName(dept, it.Parent)
		if !returned[id] && parent.InForce() == nil {
			v.add("returned_items",
				fmt.Sprintf("子项 %s 的大项 %s 被退回且尚未发布，子项通过也无法发布；请把子项一并退回", name, main),
				fmt.Sprintf("the main item %s of sub-item %s is returned and not in force, so the sub-item could not be published if approved; return it too", main, name))
			continue
		}
		rev, err := loadRevision(m, parent, sub.ItemRevisions[slices.Index(sub.Items, it.Parent)])
		if err != nil {
			return err
		}
		if returned[id] && rev.Change == ChangeAbolish && it.InForce() != nil {
			v.add("returned_items",
				fmt.Sprintf("大项 %s 的废止通过而其生效的子项 %s 被退回，废止无法发布；请一并退回大项，或让子项的废止通过", main, name),
				fmt.Sprintf("the abolition of main item %s is approved while its sub-item %s, in force, is returned: the abolition could not be published; return the main item too, or approve the sub-item", main, name))
		}
	}
	return nil
}

// RejectSubmission returns a submitted batch to the department (退回修改).
// An approved batch that is not yet published can be returned too: the way
// out for a batch that cannot be published as it stands.
func (s *Service) RejectSubmission(actor, dept string, id uint64, in ReviewInput, etag string) (*Submission, error) {
	return s.transition(actor, dept, id, etag, []SubmissionState{SubmissionSubmitted, SubmissionApproved}, ReasonSubmissionNotSubmit, func(m *mut, sub *Submission) error {
		if err := checkFourEyes(m, sub, stepReview); err != nil {
			return err
		}
		var v violations
		if in.Comment == "" {
			v.add("comment", "退回时请写明原因和修改要求", "say why the batch is returned and what to fix")
		}
		checkText(&v, "comment", in.Comment, maxTextRunes, false)
		checkReviewItems(&v, "item_comments", sub, in.ItemComments)
		checkItemCommentsSize(&v, "item_comments", sub.Department, in.ItemComments)
		if err := v.err(); err != nil {
			return err
		}
		name := SubmissionName(dept, id)
		err := forItems(m, sub, sub.Items, func(it *Item) error {
			c, ok := commentFor(in.ItemComments, it.ID)
			if !ok {
				c = in.Comment
			}
			it.State, it.Submission, it.ReviewComment, it.ReturnedRevision, it.ReviewReply = ItemReturned, 0, c, it.Head, ""
			return m.event(ItemName(dept, it.ID), ActionReturned, c, name)
		})
		if err != nil {
			return err
		}
		// An approval's returned items leave the record of a batch
		// returned whole: ReturnedRevisions follow Returned.
		sub.State, sub.Returned, sub.ItemComments, sub.ReturnedRevisions = SubmissionReturned, sub.Items, in.ItemComments, nil
		sub.ReviewComment, sub.Reviewer = in.Comment, m.actor
		return m.event(name, ActionReturned, in.Comment, "")
	})
}
