package registry

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The change feed: every effect of a publication on the public catalogue
// (an item entering it, replaced by a new revision, or leaving it) is a
// CatalogChange, written in the publication's transaction and keyed by the
// publication's registry revision and its index within the publication.
// Revisions increase across the feed; the changes of one publication share
// theirs. Replaying the feed from the beginning (set the item of a
// published or changed item under its code, delete the code of an
// abolished one) gives exactly the catalogue, since codes never change and
// are never reused.
//
// Compaction (CompactChanges) deletes old changes and raises the feed's
// floor: the revision of the newest change it deleted. A read that asks
// for changes after start_revision S is served when no change after S was
// deleted, that is when S ≥ floor, and refused with OUT_OF_RANGE
// (REVISION_COMPACTED, naming the floor) otherwise: a feed with a hole
// would silently give a wrong catalogue. start_revision 0 (the whole
// history) is thus refused once anything has been compacted. A portal
// that starts from scratch then, or whose position fell below the floor:
//
//  1. notes current_revision R (ListCatalogChanges at start_revision =
//     the floor; the error's metadata also names it);
//  2. reads the whole catalogue with ListCatalogItems;
//  3. follows the feed from R.
//
// Changes published while it reads the list (step 2) are replayed in
// step 3 over items that may already show them; replaying is idempotent
// per code, so the result is exactly the catalogue.
//
// A department renamed changes how its items in force read (they show its
// display name): the rename records a CatalogChanged of each of them, the
// entry unchanged, at the rename's revision and with no publication, so
// that a portal following the feed shows the new name too.
//
// A data file written before the feed existed starts with its floor at the
// registry revision it had then (store migration 1 → 2): its earlier
// publications were never recorded as changes.

// CatalogChangeKind is what a change did to an item; the values are the
// API's CatalogChange.Kind.
type CatalogChangeKind int

// The kinds of change.
const (
	CatalogPublished CatalogChangeKind = 1 // entered the catalogue
	CatalogChanged   CatalogChangeKind = 2 // replaced by a new revision
	CatalogAbolished CatalogChangeKind = 3 // left the catalogue
)

// CatalogChange is one effect of a publication on the catalogue.
type CatalogChange struct {
	Revision    int64             `json:"revision"` // the publication's registry revision
	Index       uint32            `json:"index"`    // order within the publication
	Kind        CatalogChangeKind `json:"kind"`
	Publication uint64            `json:"publication"`
	Time        time.Time         `json:"time"`
	// Entry is the item as published; for CatalogAbolished, the entry that
	// left the catalogue (its last revision in force).
	Entry CatalogEntry `json:"entry"`
}

// ChangeView is a change with its item's department display name, which
// (as in the catalogue's lists) is the department's current one.
type ChangeView struct {
	Change         CatalogChange
	DepartmentName string
}

// Position is the change's place in the feed, "{revision}.{index}": a
// watch or a list started at it resumes right after the change.
func (v *ChangeView) Position() string {
	return position{v.Change.Revision, v.Change.Index}.String()
}

// Item is the change's item as the catalogue shows it.
func (v *ChangeView) Item() *CatalogView {
	return &CatalogView{Entry: v.Change.Entry, DepartmentName: v.DepartmentName}
}

// Metadata keys of the REVISION_COMPACTED error's ErrorInfo.
const (
	// MetaOldestRevision is the smallest start_revision still served.
	MetaOldestRevision = "oldest_revision"
	// MetaCurrentRevision is the revision to follow the feed from after
	// reading the catalogue.
	MetaCurrentRevision = "current_revision"
)

// ErrWatchesStopped ends the watches when the server shuts down
// (StopWatches): the caller should reconnect, from the revision of the
// last change it received.
var ErrWatchesStopped = errors.New("服务器正在关闭，请从收到的最后一个修订号起重新订阅 / " +
	"the server is shutting down; watch again from the revision of the last change received")

// departmentRenamed records, in a rename's transaction, a change of every
// item in force of the department.
func (m *mut) departmentRenamed(dept string) error {
	var index uint32
	return m.ScanCatalog(0, dept, "", func(e *CatalogEntry) (bool, error) {
		c := &CatalogChange{Revision: m.rev, Index: index, Kind: CatalogChanged, Time: m.now, Entry: *e}
		index++
		return true, m.PutChange(c)
	})
}

// recordChange writes one effect of the publication in progress.
func (p *publishing) recordChange(kind CatalogChangeKind, e *CatalogEntry) error {
	c := &CatalogChange{Revision: p.rev, Index: p.changes, Kind: kind, Publication: p.pub.ID, Time: p.now, Entry: *e}
	p.changes++
	return p.PutChange(c)
}

// feed wakes the watches after each committed publication.
type feed struct {
	mu      sync.Mutex
	wake    chan struct{} // closed and replaced at each publication
	stopped chan struct{} // closed by StopWatches
	stop    sync.Once
}

func newFeed() *feed { return &feed{wake: make(chan struct{}), stopped: make(chan struct{})} }

// next returns a channel closed at the next publication.
func (f *feed) next() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wake
}

// notify wakes the watches; called after the publication committed.
func (f *feed) notify() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.wake)
	f.wake = make(chan struct{})
}

// StopWatches ends every watch, present and future, with
// ErrWatchesStopped: the server calls it when it shuts down, so that open
// streams do not hold the shutdown.
func (s *Service) StopWatches() {
	s.feed.stop.Do(func() { close(s.feed.stopped) })
}

// position is a place in the feed: after the change (rev, index). After a
// whole revision is (rev, MaxUint32).
type position struct {
	rev   int64
	index uint32
}

func afterRevision(rev int64) position { return position{rev, math.MaxUint32} }

// start is the key of the first change after p.
func (p position) start() (int64, uint32) {
	if p.index == math.MaxUint32 {
		if p.rev == math.MaxInt64 {
			return p.rev, p.index // nothing comes after (rev+1 would wrap to a negative revision)
		}
		return p.rev + 1, 0
	}
	return p.rev, p.index + 1
}

// covers reports whether every change after p is still kept: none after
// it was compacted.
func (p position) covers(floor int64) bool {
	return p.rev > floor || p.rev == floor && p.index == math.MaxUint32
}

// before reports whether the change at q comes after p.
func (p position) before(q position) bool {
	r, i := p.start()
	return q.rev > r || q.rev == r && q.index >= i
}

func (p position) String() string { return fmt.Sprintf("%d.%d", p.rev, p.index) }

// parsePosition reads a page token's cursor, as String writes it.
func parsePosition(s string) (position, bool) {
	r, i, ok := strings.Cut(s, ".")
	rev, err1 := strconv.ParseInt(r, 10, 64)
	index, err2 := strconv.ParseUint(i, 10, 32)
	p := position{rev, uint32(index)}
	return p, ok && err1 == nil && err2 == nil && rev >= 0 && p.String() == s
}

// FeedStart is where a read of the feed starts: right after the change at
// Position when it is set ("12.3", as ChangeView.Position gives it),
// else after the whole revision Revision (0: the beginning).
type FeedStart struct {
	Revision int64
	Position string
}

// pos checks the start and gives the position to read after.
func (st FeedStart) pos() (position, error) {
	if st.Position == "" {
		return afterRevision(st.Revision), checkStartRevision(st.Revision)
	}
	p, ok := parsePosition(st.Position)
	if !ok {
		var v violations
		v.add("start_position", fmt.Sprintf("“%s”不是变更位置；应为某条变更的 position，形如“修订号.序号”（如 12.3）", st.Position),
			fmt.Sprintf("%q is not a position: give the position of a change as received (revision.index, e.g. 12.3)", st.Position))
		return p, v.err()
	}
	return p, nil
}

// filter keys the page tokens of a list from this start.
func (st FeedStart) filter() string {
	if st.Position != "" {
		return "changes/p" + st.Position
	}
	return "changes/" + strconv.FormatInt(st.Revision, 10)
}

func checkStartRevision(start int64) error {
	if start < 0 {
		var v violations
		v.add("start_revision", "不能为负数；0 表示从头开始", "must not be negative; 0 is the beginning")
		return v.err()
	}
	return nil
}

// compacted is the error of a read after pos, which lies below the floor.
func compacted(floor, current int64) error {
	e := newErr(ClassOutOfRange, ReasonRevisionCompacted,
		fmt.Sprintf("修订号 %d 及以前的变更记录已被压缩，start_revision 最早为 %d；请先读取整个清单（ListCatalogItems），再从修订号 %d 起接收变更",
			floor, floor, current),
		fmt.Sprintf("the changes up to revision %d were compacted: the oldest revision still available is %d (start_revision ≥ %d); "+
			"read the whole catalogue (ListCatalogItems), then follow the changes from revision %d", floor, floor, floor, current))
	e.Metadata = map[string]string{MetaOldestRevision: strconv.FormatInt(floor, 10),
		MetaCurrentRevision: strconv.FormatInt(current, 10)}
	return e
}

// feedRevision is the revision the catalogue stands at as far as the feed
// knows: that of its newest change, or the floor when it is newer. Every
// change after it is yet to come.
func feedRevision(tx Tx, floor int64) (int64, error) {
	last, err := tx.LastChange()
	if err != nil || last == nil {
		return floor, err
	}
	return max(last.Revision, floor), nil
}

// readChanges reads up to size changes after pos in one transaction,
// refusing a position below the floor; more reports that changes remain.
func (s *Service) readChanges(pos position, size int, b *budget) (out []*ChangeView, more bool, current int64, err error) {
	err = s.store.View(func(tx Tx) error {
		floor, err := tx.ChangesFloor()
		if err != nil {
			return err
		}
		if current, err = feedRevision(tx, floor); err != nil {
			return err
		}
		if !pos.covers(floor) {
			return compacted(floor, current)
		}
		names := &deptNames{tx: tx, names: map[string]string{}}
		rev, index := pos.start()
		return tx.ScanChanges(rev, index, func(c *CatalogChange) (bool, error) {
			if len(out) == size {
				more = true
				return false, nil
			}
			n, err := names.get(c.Entry.Department)
			if err != nil {
				return false, err
			}
			v := &ChangeView{Change: *c, DepartmentName: n}
			if b.full(len(out), v) {
				more = true
				return false, nil
			}
			out = append(out, v)
			return true, nil
		})
	})
	return out, more, current, err
}

// ListChanges pages through the changes after revision start, oldest
// first. current is the revision the catalogue stands at: after the last
// page, follow the feed from it.
func (s *Service) ListChanges(start int64, size int, token string) (list []*ChangeView, next string, current int64, err error) {
	return s.ListChangesFrom(FeedStart{Revision: start}, size, token)
}

// ListChangesFrom is ListChanges from a revision or a position.
func (s *Service) ListChangesFrom(start FeedStart, size int, token string) (list []*ChangeView, next string, current int64, err error) {
	first, err := start.pos()
	if err != nil {
		return nil, "", 0, err
	}
	if size, err = s.pageSize(size, DefaultPageSize, MaxPageSize); err != nil {
		return nil, "", 0, err
	}
	filter := start.filter()
	cursor, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", 0, err
	}
	pos := first
	if cursor != "" {
		var ok bool
		// A cursor is a change served by this list: after its start.
		if pos, ok = parsePosition(cursor); !ok || !first.before(pos) {
			return nil, "", 0, badToken()
		}
	}
	list, more, current, err := s.readChanges(pos, size, s.pageBudget())
	if err != nil {
		return nil, "", 0, err
	}
	if more {
		last := list[len(list)-1].Change
		next = encodeToken(filter, position{last.Revision, last.Index}.String())
	}
	return list, next, current, nil
}

// watchBatch is how many changes a watch reads per transaction.
const watchBatch = 100

// WatchChanges is WatchChangesFrom after revision start.
func (s *Service) WatchChanges(ctx context.Context, start int64, ready func() error, send func(*ChangeView) error) error {
	return s.WatchChangesFrom(ctx, FeedStart{Revision: start}, ready, send)
}

// WatchChangesFrom sends the changes after start, oldest first, then
// each new change as publications commit, until ctx is done (the caller
// hung up), send fails, the position falls below the floor (compaction;
// OUT_OF_RANGE), or the server stops the watches (ErrWatchesStopped).
// ready is called once, after the start is checked and before the first
// change is sent.
func (s *Service) WatchChangesFrom(ctx context.Context, start FeedStart, ready func() error, send func(*ChangeView) error) error {
	pos, err := start.pos()
	if err != nil {
		return err
	}
	for first := true; ; first = false {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.feed.stopped:
			return ErrWatchesStopped
		default:
		}
		wake := s.feed.next() // before reading: a publication committed after the read closes it
		batch, more, _, err := s.readChanges(pos, watchBatch, s.watchBudget())
		if err != nil {
			return err
		}
		if first && ready != nil {
			if err := ready(); err != nil {
				return err
			}
		}
		for _, c := range batch {
			if err := send(c); err != nil {
				return err
			}
			pos = position{c.Change.Revision, c.Change.Index}
		}
		if more {
			continue // read on at once
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.feed.stopped:
			return ErrWatchesStopped
		}
	}
}

// CompactChanges deletes the changes of revisions below before and raises
// the floor to the newest revision deleted; it returns how many changes it
// deleted, the floor and the feed's current revision. Readers at or above
// the floor are not affected; below it they get OUT_OF_RANGE and start
// again from the catalogue (see above). It is a maintenance step of an
// admin (OperationsService), audited as such.
func (s *Service) CompactChanges(actor string, before int64) (deleted int, floor, current int64, err error) {
	if before < 1 {
		return 0, 0, 0, InvalidArgument("before_revision", "应为正整数：删除此修订号之前的变更",
			"must be a positive revision: the changes before it are deleted")
	}
	err = s.mutate(actor, func(m *mut) error {
		if floor, err = m.ChangesFloor(); err != nil {
			return err
		}
		if current, err = feedRevision(m, floor); err != nil {
			return err
		}
		if before > current+1 {
			return InvalidArgument("before_revision",
				fmt.Sprintf("变更流当前修订号为 %d，before_revision 不能超过 %d", current, current+1),
				fmt.Sprintf("the feed's current revision is %d: before_revision may be at most %d", current, current+1))
		}
		n, newest, err := m.DeleteChangesBefore(before)
		if err != nil {
			return err
		}
		deleted = n
		if newest <= floor {
			return nil
		}
		floor = newest
		if err := m.SetChangesFloor(newest); err != nil {
			return err
		}
		// Reads of the feed below the new floor now fail: cached answers
		// must go (catalogversion.go).
		return m.catalogChanged()
	})
	return deleted, floor, current, err
}

// ChangesFloor returns the feed's floor: the smallest start_revision still
// served (0 when nothing was compacted).
func (s *Service) ChangesFloor() (int64, error) {
	var floor int64
	err := s.store.View(func(tx Tx) (err error) {
		floor, err = tx.ChangesFloor()
		return err
	})
	return floor, err
}
