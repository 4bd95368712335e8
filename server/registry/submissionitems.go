package registry

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Page sizes of ListSubmissionItems: one page holds a whole batch a
// reviewer judges at once (a review of 400 items is one call, under any
// rate limit), unless its items' bytes pass PageBytes first.
const (
	DefaultSubmissionItemsPageSize = 1000
	MaxSubmissionItemsPageSize     = 1000
)

// SubmissionItemView is one item of a batch as a reviewer judges it.
type SubmissionItemView struct {
	// Item is the item with the content of the revision the batch holds
	// (Item.Head is that revision; for a draft batch, the working copy).
	Item   ItemView
	Change ChangeKind
	// Published is the revision in force that the item changes or
	// abolishes (for a published batch, the one it replaced); nil for a
	// new item.
	Published *RevisionView
	// Differences are the fields that differ from Published (diffContent,
	// as CompareCatalogItemRevisions compares).
	Differences []FieldDifference
	// Missing lists what submission requires and the item lacks
	// (MissingForSubmission).
	Missing []string
	// ReviewComment is the reviewer's comment on the item in this batch,
	// or the one it carried from its last return; Reply the department's
	// answer to it.
	ReviewComment, Reply string
	// Returned is set when the reviewer returned the item in this batch.
	Returned bool
}

// batchEntry is one item of a batch and the revision the batch holds (0:
// the working copy of a draft batch).
type batchEntry struct {
	id       uint64
	revision int
	returned bool
}

// batchEntries lists the items of a batch in its order: those it holds,
// then those an approval returned (they left Items).
func batchEntries(sub *Submission) []batchEntry {
	var out []batchEntry
	for i, id := range sub.Items {
		e := batchEntry{id: id, returned: slices.Contains(sub.Returned, id)}
		if i < len(sub.ItemRevisions) {
			e.revision = sub.ItemRevisions[i]
		}
		out = append(out, e)
	}
	for i, id := range sub.Returned {
		if slices.Contains(sub.Items, id) {
			continue
		}
		e := batchEntry{id: id, returned: true}
		if i < len(sub.ReturnedRevisions) {
			e.revision = sub.ReturnedRevisions[i]
		}
		out = append(out, e)
	}
	return out
}

// ListSubmissionItems lists a batch's items in full, in its order (see
// SubmissionItemView). The cursor is the index of the next item and the
// batch's version: a token is refused once the batch changed. Items
// deleted since a batch returned or withdrawn them are left out.
func (s *Service) ListSubmissionItems(dept string, id uint64, size int, token string) ([]*SubmissionItemView, string, error) {
	size, err := s.pageSize(size, DefaultSubmissionItemsPageSize, MaxSubmissionItemsPageSize)
	if err != nil {
		return nil, "", err
	}
	filter := SubmissionName(dept, id) + "/items"
	cursor, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}
	var out []*SubmissionItemView
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		sub, err := loadSubmission(tx, dept, id)
		if err != nil {
			return err
		}
		entries := batchEntries(sub)
		start, err := batchCursor(cursor, sub, len(entries))
		if err != nil {
			return err
		}
		d, err := loadDepartment(tx, sub.Department)
		if err != nil {
			return err
		}
		for i := start; i < len(entries); i++ {
			if len(out) == size {
				next = encodeToken(filter, fmt.Sprintf("%d@%d", i, sub.Version))
				break
			}
			v, err := submissionItem(tx, sub, entries[i], d.DisplayName)
			if err != nil {
				return err
			}
			if v == nil {
				continue
			}
			if b.full(len(out), v) {
				next = encodeToken(filter, fmt.Sprintf("%d@%d", i, sub.Version))
				break
			}
			out = append(out, v)
		}
		return nil
	})
	return out, next, err
}

// batchCursor reads a ListSubmissionItems cursor, "index@version".
func batchCursor(cursor string, sub *Submission, n int) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	idx, ver, ok := strings.Cut(cursor, "@")
	i, err := strconv.Atoi(idx)
	switch {
	case !ok || err != nil || strconv.Itoa(i) != idx || i < 1:
		return 0, badToken()
	case ver != Etag(sub.Version):
		return 0, batchChanged(sub)
	case i >= n:
		return 0, badToken()
	}
	return i, nil
}

func batchChanged(sub *Submission) error {
	name := SubmissionName(sub.Department, sub.ID)
	var v violations
	v.add("page_token", fmt.Sprintf("报送批次 %s 在翻页期间已变更，请去掉 page_token 从第一页重新读取", name),
		fmt.Sprintf("submission %s changed since the first page; read it again without page_token", name))
	return v.err()
}

// submissionItem builds the view of one item of a batch; nil when the
// item was deleted since the batch let it go.
func submissionItem(tx Tx, sub *Submission, e batchEntry, deptName string) (*SubmissionItemView, error) {
	it, err := tx.GetItem(e.id)
	if err != nil {
		return nil, err
	}
	if it == nil || it.Department != sub.Department {
		// Only an item the batch let go (returned, withdrawn) may be
		// deleted; the others stay while the batch refers to them.
		released := e.returned || sub.State == SubmissionReturned || sub.State == SubmissionWithdrawn
		if !released {
			return nil, missingRecord(fmt.Sprintf("items/%d", e.id), fmt.Sprintf("报送批次 %d 含有它", sub.ID),
				fmt.Sprintf("submission %d holds it", sub.ID))
		}
		return nil, nil
	}
	n := e.revision
	if n == 0 {
		n = it.Head
	}
	rev, err := loadRevision(tx, it, n)
	if err != nil {
		return nil, err
	}
	held := *it
	held.Head = n
	v := &SubmissionItemView{Item: ItemView{Item: held, Content: rev.Content, DepartmentName: deptName},
		Change: rev.Change, Missing: MissingForSubmission(&rev.Content), Returned: e.returned}
	if it.Parent != 0 {
		v.Item.ParentName = ItemName(it.Department, it.Parent)
	}
	// The revision in force this one changes: the last published before it.
	for i := len(it.Published) - 1; i >= 0; i-- {
		rec := it.Published[i]
		if rec.Revision >= n {
			continue
		}
		if rec.Change != ChangeAbolish {
			base, err := loadRevision(tx, it, rec.Revision)
			if err != nil {
				return nil, err
			}
			v.Published = revisionView(it, base, deptName)
			v.Differences = diffContent(&base.Content, &rev.Content) // history.go: as CompareCatalogItemRevisions
		}
		break
	}
	var found bool
	if v.ReviewComment, found = commentFor(sub.ItemComments, e.id); !found {
		if sub.State == SubmissionReturned {
			v.ReviewComment = sub.ReviewComment // a rejection's comment stands for every item without its own
		} else {
			v.ReviewComment, _ = commentFor(sub.ReturnComments, e.id)
		}
	}
	v.Reply, _ = commentFor(sub.Replies, e.id)
	return v, nil
}
