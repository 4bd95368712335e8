// Package search is the keyword search of the published catalogue: an
// in-memory index of character unigrams and bigrams (text.go) over the
// items in force, derived from the store and never a source of truth. It
// is built in the background at start — from a snapshot file when one
// matches the store, else from the catalogue — and brought up to date from
// the change feed after each change of the catalogue, off the searches'
// path: a search answers from the last complete version.
//
// Why not a search library: bleve (used before) needed 50 s and 3 GB to
// index 500,000 items and 60 ms per search at that size, because it scores
// and counts facets hit by hit through generic structures; this index
// answers the same queries in a few milliseconds in a tenth of the memory.
package search

import (
	"errors"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// Fields of highlighted fragments.
const (
	FieldName       = "display_name" // the item's name
	FieldLegalBases = "legal_bases"  // a legal basis's title
	FieldDepartment = "department"   // the department's display name
)

// Catalog is the source of the index: the registry.
type Catalog interface {
	CatalogRevision() (int64, error)
	ChangesFloor() (int64, error)
	ListChanges(start int64, size int, token string) ([]*registry.ChangeView, string, int64, error)
	ListCatalog(cat registry.Category, dept string, size int, token string) ([]*registry.CatalogView, string, error)
	ListDepartments(size int, token string) ([]*registry.Department, string, error)
	// OnCatalogChange has fn called after each change of the catalogue
	// commits, with its revision, before the change returns to its caller.
	OnCatalogChange(fn func(rev int64))
}

// DefaultWait bounds how long a change of the catalogue waits for the
// index to reach it (Await). Catching up with a publication of 45,000
// items took 1–4 s on a busy two-core machine, mostly reading the changes.
const DefaultWait = 10 * time.Second

// Options tunes an index.
type Options struct {
	// Snapshot is the file of the snapshot; "" for none.
	Snapshot string
	// Wait bounds Await; DefaultWait when 0.
	Wait time.Duration
	// Log receives the index's messages; slog.Default() when nil.
	Log *slog.Logger
}

// version is one complete state of the index. It is never changed once
// published: the follower changes a clone (memIndex.clone), so searches
// read it without locks while the next one is made.
type version struct {
	m       *memIndex
	feedRev int64 // every change up to it is applied
	catRev  int64 // the catalogue revision it reflects
}

// Index is the search index of the catalogue. One goroutine, the
// follower, builds it and then brings it up to date after each change of
// the catalogue; searches answer from the last complete version and never
// wait for a catch-up.
type Index struct {
	src      Catalog
	snapshot string
	wait     time.Duration
	log      *slog.Logger

	ready chan struct{}           // closed when the first build has ended
	cur   atomic.Pointer[version] // the last complete version; nil until built and after Close
	wake  chan struct{}           // holds one pending catch-up
	stop  chan struct{}           // closed by Close
	done  chan struct{}           // closed when the follower has ended

	closed    atomic.Bool // set by Close; a build in progress stops
	closeOnce sync.Once

	mu       sync.Mutex    // guards built and progress
	built    bool          // a version was published (see Await)
	progress chan struct{} // closed and replaced at each published version

	savedRev int64 // feedRev of the snapshot on disk, -1 for none; the follower's
}

// Open starts building the index from snapshot (a file path; "" for none)
// or else from the catalogue, in the background; searches wait for it.
func Open(src Catalog, snapshot string) *Index {
	return OpenOptions(src, Options{Snapshot: snapshot})
}

// OpenOptions is Open with options. The index follows src from then on
// (src.OnCatalogChange), until Close.
func OpenOptions(src Catalog, o Options) *Index {
	x := &Index{src: src, snapshot: o.Snapshot, wait: o.Wait, log: o.Log, ready: make(chan struct{}),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		progress: make(chan struct{}), savedRev: -1}
	if x.wait <= 0 {
		x.wait = DefaultWait
	}
	if x.log == nil {
		x.log = slog.Default()
	}
	src.OnCatalogChange(func(rev int64) { x.Await(rev) })
	go x.follow()
	return x
}

// follow builds the index, then catches up at each wake until Close.
func (x *Index) follow() {
	defer close(x.done)
	x.build()
	for {
		select {
		case <-x.stop:
			if v := x.cur.Load(); v != nil && x.savedRev != v.feedRev {
				x.save(v)
			}
			return
		case <-x.wake:
		}
		start, from := time.Now(), x.Revision()
		v, err := x.catchUp()
		if err == nil && v.catRev != from {
			x.log.Info("search index caught up / 搜索索引已更新", "revision", v.catRev, "from", from, "items", v.m.live(),
				"took", time.Since(start).Round(time.Millisecond))
		}
		if err != nil && !x.closed.Load() {
			x.log.Error("catch up the search index / 更新搜索索引失败", "err", err)
			// Searches answer from the last version meanwhile; try again
			// shortly rather than wait for the next change.
			time.AfterFunc(time.Second, x.poke)
		}
	}
}

// poke asks the follower for a catch-up.
func (x *Index) poke() {
	select {
	case x.wake <- struct{}{}:
	default: // one is pending already
	}
}

func (x *Index) build() {
	defer close(x.ready)
	start := time.Now()
	from := "snapshot"
	v, err := x.load()
	if err != nil {
		if x.snapshot != "" {
			x.log.Info("search index snapshot not used; indexing the catalogue / 未使用搜索索引快照，重新建立索引",
				"file", x.snapshot, "reason", err)
		}
		from = "catalogue"
		if v, err = x.rebuild(); err != nil {
			if !x.closed.Load() { // else: shutting down during the build
				x.log.Error("build the search index / 建立搜索索引失败", "err", err)
			}
			return
		}
		// Reading the catalogue left a heap of decoded entries: give it
		// back now rather than keep it resident until the runtime does.
		debug.FreeOSMemory()
	}
	if v, err = x.publish(v); err != nil {
		if !x.closed.Load() {
			x.log.Error("catch up the search index / 更新搜索索引失败", "err", err)
		}
		return
	}
	x.log.Info("search index ready / 搜索索引就绪", "from", from, "items", v.m.live(), "revision", v.catRev,
		"took", time.Since(start).Round(time.Millisecond))
	if x.savedRev != v.feedRev {
		x.save(v)
	}
}

// Ready reports whether the index answers searches (built and open).
func (x *Index) Ready() bool {
	select {
	case <-x.ready:
	default:
		return false
	}
	return x.cur.Load() != nil && !x.closed.Load()
}

// Revision is the catalogue revision of the version searches answer
// from; -1 before the first build and after Close.
func (x *Index) Revision() int64 {
	if v := x.cur.Load(); v != nil {
		return v.catRev
	}
	return -1
}

// Close stops the follower (a build in progress too), saves a snapshot if
// the index changed since the last one, and releases the index.
func (x *Index) Close() error {
	x.closeOnce.Do(func() {
		x.closed.Store(true)
		close(x.stop)
	})
	<-x.done
	x.cur.Store(nil)
	return nil
}

// errClosed is the answer of a closed index; errNotBuilt of one whose
// build failed (the follower tries again).
var (
	errClosed   = errors.New("search index closed")
	errNotBuilt = errors.New("the search index could not be built; see the log")
)

// Await has the index catch up with the catalogue and waits until it
// reflects revision rev, at most the index's wait; it reports whether it
// does. A change of the catalogue calls it before returning (through
// Catalog.OnCatalogChange), so that a search right after a publication
// sees it; a wait that runs out is logged. Before the first build it
// returns at once: searches wait for the build, which then reads the
// catalogue at rev or later (publish).
func (x *Index) Await(rev int64) bool {
	if v := x.cur.Load(); v != nil && v.catRev >= rev {
		return true
	}
	x.poke()
	x.mu.Lock()
	built := x.built
	x.mu.Unlock()
	if !built || x.closed.Load() {
		return true
	}
	timer := time.NewTimer(x.wait)
	defer timer.Stop()
	for {
		x.mu.Lock()
		progress := x.progress
		x.mu.Unlock()
		v := x.cur.Load()
		if v == nil || v.catRev >= rev { // nil: closed
			return true
		}
		select {
		case <-progress:
		case <-x.done:
			return true
		case <-timer.C:
			x.log.Warn("the search index did not reach the catalogue's revision in time; searches answer from an older one until it does / "+
				"搜索索引未能及时更新到清单的当前修订号，更新完成前搜索结果基于较早的修订号",
				"revision", rev, "index_revision", v.catRev, "waited", x.wait)
			return false
		}
	}
}

// Sync waits for the build, then for the index to reach the catalogue's
// current revision (at most the index's wait).
func (x *Index) Sync() error {
	<-x.ready
	rev, err := x.src.CatalogRevision()
	if err != nil {
		return err
	}
	x.Await(rev)
	if x.cur.Load() == nil {
		if x.closed.Load() {
			return errClosed
		}
		return errNotBuilt
	}
	return nil
}

// publish brings v up to the catalogue's current revision and makes it
// the version searches read. The first publication checks the revision
// again under x.mu, so that a change that Await let go before the build
// ended is in it.
func (x *Index) publish(v *version) (*version, error) {
	for {
		var err error
		if v, err = x.advance(v); err != nil {
			return nil, err
		}
		x.mu.Lock()
		if !x.built {
			rev, err := x.src.CatalogRevision()
			if err != nil || rev != v.catRev {
				x.mu.Unlock()
				if err != nil {
					return nil, err
				}
				continue
			}
			x.built = true
		}
		x.cur.Store(v)
		close(x.progress)
		x.progress = make(chan struct{})
		x.mu.Unlock()
		return v, nil
	}
}

// catchUp publishes the index at the catalogue's current revision,
// building it when there is no version yet (the first build failed).
func (x *Index) catchUp() (*version, error) {
	if x.closed.Load() {
		return nil, errClosed
	}
	v := x.cur.Load()
	if v == nil {
		var err error
		if v, err = x.rebuild(); err != nil {
			return nil, err
		}
	}
	return x.publish(v)
}

// rebuild reads the whole catalogue into a fresh index, as a feed reader
// starting from scratch does (changes.go): note the feed's revision, read
// the list, then advance replays the changes after it.
func (x *Index) rebuild() (*version, error) {
	catRev, err := x.src.CatalogRevision()
	if err != nil {
		return nil, err
	}
	floor, err := x.src.ChangesFloor()
	if err != nil {
		return nil, err
	}
	_, _, current, err := x.src.ListChanges(floor, 1, "")
	if err != nil {
		return nil, err
	}
	m := newMemIndex()
	token := ""
	for {
		if x.closed.Load() {
			return nil, errClosed
		}
		list, next, err := x.src.ListCatalog(0, "", registry.MaxCatalogPageSize, token)
		if err != nil {
			return nil, err
		}
		for _, v := range list {
			m.put(&v.Entry, v.DepartmentName)
		}
		if next == "" {
			break
		}
		token = next
	}
	return &version{m: m, feedRev: current, catRev: catRev}, nil
}

// advance returns v brought up to the catalogue's current revision: a new
// version made from a clone of v's index, or v itself when it is current.
// It rebuilds when the feed was compacted past v. A failure leaves v as
// it was.
func (x *Index) advance(v *version) (*version, error) {
	if x.closed.Load() {
		return nil, errClosed
	}
	rev, err := x.src.CatalogRevision()
	if err != nil {
		return nil, err
	}
	if rev == v.catRev {
		return v, nil
	}
	n := &version{m: v.m.clone(), feedRev: v.feedRev, catRev: rev}
	if err := x.apply(n); err != nil {
		var re *registry.Error
		if !errors.As(err, &re) || re.Reason != registry.ReasonRevisionCompacted {
			return nil, err
		}
		if n, err = x.rebuild(); err != nil {
			return nil, err
		}
		n.catRev = rev
		if err := x.apply(n); err != nil {
			return nil, err
		}
	}
	if n.feedRev < rev {
		// The catalogue changed without a publication: a department's
		// name or region, or a compaction.
		if err := x.renamed(n.m); err != nil {
			return nil, err
		}
	}
	n.m = n.m.compacted()
	return n, nil
}

// apply indexes the changes after v.feedRev.
func (x *Index) apply(v *version) error {
	token := ""
	for {
		list, next, _, err := x.src.ListChanges(v.feedRev, registry.MaxPageSize, token)
		if err != nil {
			return err
		}
		for _, c := range list {
			if c.Change.Kind == registry.CatalogAbolished {
				v.m.remove(c.Change.Entry.Code)
			} else {
				v.m.put(&c.Change.Entry, c.DepartmentName)
			}
		}
		if next == "" {
			if len(list) > 0 {
				v.feedRev = max(v.feedRev, list[len(list)-1].Change.Revision)
			}
			return nil
		}
		token = next
	}
}

// renamed takes the departments' current display names.
func (x *Index) renamed(m *memIndex) error {
	token := ""
	for {
		list, next, err := x.src.ListDepartments(registry.MaxPageSize, token)
		if err != nil {
			return err
		}
		for _, d := range list {
			if n, ok := m.depts.num[d.ID]; ok && m.dname[n] != d.DisplayName {
				m.dept(d.ID, d.DisplayName)
			}
		}
		if next == "" {
			return nil
		}
		token = next
	}
}

// Request is one search.
type Request struct {
	Q           string
	Category    registry.Category // 0: all
	Departments []string          // ids; empty: all
	// NoDepartment is true when the request's department or region
	// filters leave no department at all.
	NoDepartment bool
	Match        func(*registry.CatalogEntry) bool // AIP-160 filter; nil: none
	Order        []registry.CatalogOrderKey        // empty: relevance
	Offset, Size int
}

// Fragment is a highlighted fragment of one field: its text, HTML-escaped,
// with <mark> around the matches.
type Fragment struct{ Field, Text string }

// Hit is one result.
type Hit struct {
	Code      string
	Fragments []Fragment
}

// Count is one facet value.
type Count struct {
	Value string
	Name  string // of a department: its display name
	Count int
}

// Result is one page of a search with the counts of all results.
type Result struct {
	// Revision is the catalogue revision of the index that answered: an
	// older one than the catalogue's while the index catches up.
	Revision    int64
	Hits        []Hit
	Total       int
	Categories  []Count // category number as text
	Departments []Count // department ids
}

// maxWords bounds the words of a query (scratch.cnt counts them in a byte).
const maxWords = 200

// Search runs a request on the last complete version of the index,
// without waiting for a catch-up in progress; it waits for the first
// build.
func (x *Index) Search(r *Request) (*Result, error) {
	<-x.ready
	v := x.cur.Load()
	if x.closed.Load() {
		return nil, errClosed
	}
	if v == nil {
		x.poke() // the build failed: try again
		return nil, errNotBuilt
	}
	words := parseQuery(r.Q)
	if len(words) == 0 || r.NoDepartment {
		return &Result{Revision: v.catRev}, nil
	}
	if len(words) > maxWords {
		words = words[:maxWords] // q is at most 200 bytes: never reached through the API
	}
	res := v.m.search(r, words)
	res.Revision = v.catRev
	return res, nil
}
