// Package registry holds the registry's domain: power items, their
// revisions, submissions and publications, and the workflow rules
// (workflow.go) that move them from draft to the published catalogue. It
// knows neither protobuf nor bbolt: storage comes through the Store
// interface, and the server package translates to and from the API.
package registry

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/coding"
)

// Config configures a Service.
type Config struct {
	Store Store
	// Scheme assigns codes at publication; coding.Default when nil.
	Scheme coding.Scheme
	// DefaultRegion is the region code of departments that have none.
	DefaultRegion string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxPageSize, when positive, lowers the largest (and the default)
	// page of every list to it; 0 keeps the API's own (MaxPageSize,
	// MaxCatalogPageSize).
	MaxPageSize int
	// PublisherMayEdit lets a publisher publish a batch with items they
	// edited since their last publication (four eyes, workflow.go); by
	// default that is refused.
	PublisherMayEdit bool
	// EncodedSize is the size of a listed element (an *ItemView,
	// *CatalogView, *ChangeView, …) as the API sends it, within its list:
	// pages end before PageBytes. Nil bounds pages by count only.
	EncodedSize func(any) int
	// WatchBatchBytes bounds the changes a watch reads at once, encoded
	// (EncodedSize), so that a watcher slow to read holds about its send
	// buffer rather than a page (one change is always read); 0: PageBytes.
	WatchBatchBytes int
}

// Service is the registry's domain API. Every method that changes anything
// runs in one store transaction, which also appends its audit record.
type Service struct {
	store  Store
	scheme coding.Scheme
	region string
	now    func() time.Time
	call   Call
	feed   *feed // wakes the change feed's watches (changes.go)
	// pageCap lowers every page size when positive (Config.MaxPageSize).
	pageCap int
	// encodedSize sizes listed elements (Config.EncodedSize, pagebytes.go).
	encodedSize func(any) int
	// watchBatchBytes bounds a watch's reads (Config.WatchBatchBytes).
	watchBatchBytes int
	// catRev is the catalogue revision, -1 when unknown (catalogversion.go).
	catRev *atomic.Int64
	// publisherMayEdit relaxes four eyes (Config.PublisherMayEdit).
	publisherMayEdit bool
	// onCatalog follows the catalogue's changes (OnCatalogChange).
	onCatalog *atomic.Pointer[func(rev int64)]
}

// Call describes the API request a mutation serves, for its audit record,
// and the person behind its principal, for four eyes.
type Call struct {
	Method    string // full gRPC method
	Resource  string // the resource the request names
	RequestID string
	// Holder is the person acting: a token's holder, or sso: and the SSO
	// subject. Empty means the actor's name is the person, as for the
	// demo and powerbench seed, which act with bare names.
	Holder string
	// Issuer is the person who created the token the call uses (its
	// creator's holder); empty for SSO and bare names. Four eyes refuses
	// an approval or publication with a token issued by someone involved
	// in the batch.
	Issuer string
}

// For returns the Service for one request: its mutations' audit records
// name the call.
func (s *Service) For(call Call) *Service {
	c := *s
	c.call = call
	return &c
}

// InProcess returns the Service for a reader in this process (the search
// index): its lists are bounded by count only, not by their encoded size
// (Config.EncodedSize), which only answers sent over the API need and
// which costs an encoding of every element read.
func (s *Service) InProcess() *Service {
	c := *s
	c.encodedSize = nil
	return &c
}

// New returns a Service over cfg.Store.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, scheme: cfg.Scheme, region: cfg.DefaultRegion, now: cfg.Now, feed: newFeed(),
		catRev: new(atomic.Int64), onCatalog: new(atomic.Pointer[func(int64)]), pageCap: cfg.MaxPageSize, publisherMayEdit: cfg.PublisherMayEdit,
		encodedSize: cfg.EncodedSize, watchBatchBytes: cfg.WatchBatchBytes}
	s.catRev.Store(-1)
	if s.scheme == nil {
		s.scheme = coding.Default{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.region == "" {
		s.region = "000000"
	}
	return s
}

// mut is the context of one mutation: its transaction, the registry-wide
// revision it stamps on everything it changes, its time, its actor and
// the person behind it (Call.Holder, Call.Issuer).
type mut struct {
	Tx
	rev    int64
	now    time.Time
	actor  string
	holder string // never empty: the actor's name when the call names no holder
	issuer string
	// publisherMayEdit is Config.PublisherMayEdit (workflow.go).
	publisherMayEdit bool
	// catChanged is set by catalogChanged (catalogversion.go).
	catChanged bool
}

// mutate runs fn as one write transaction, with its audit record.
func (s *Service) mutate(actor string, fn func(m *mut) error) error {
	catRev := int64(-1)
	err := s.store.Update(func(tx Tx) error {
		rev, err := tx.NextRevision()
		if err != nil {
			return err
		}
		m := &mut{Tx: tx, rev: rev, now: s.now().UTC(), actor: actor, holder: s.call.holderOf(actor), issuer: s.call.Issuer,
			publisherMayEdit: s.publisherMayEdit}
		if err := fn(m); err != nil {
			return err
		}
		if m.catChanged {
			// Unknown until the commit: readers meanwhile ask the store.
			s.catRev.Store(-1)
			catRev = rev
		}
		return appendAudit(tx, &audit.Record{Time: m.now, Principal: actor, Holder: m.holder, Method: s.call.Method,
			Resource: s.call.Resource, RequestID: s.call.RequestID, Outcome: "OK", Revision: rev})
	})
	if err == nil && catRev >= 0 {
		s.catRev.Store(catRev)
		if fn := s.onCatalog.Load(); fn != nil {
			(*fn)(catRev)
		}
	}
	return err
}

// OnCatalogChange has fn called after each mutation that changed the
// catalogue (catalogversion.go) commits, with its revision, before the
// mutation returns: the search index catches up there, so that a search
// right after a publication sees it. A later call replaces fn.
func (s *Service) OnCatalogChange(fn func(rev int64)) { s.onCatalog.Store(&fn) }

// appendAudit links r to the newest record and stores it.
func appendAudit(tx Tx, r *audit.Record) error {
	last, err := tx.LastAudit()
	if err != nil {
		return err
	}
	r.Version, r.Seq, r.PrevHash = audit.CurrentVersion, 1, ""
	if last != nil {
		r.Seq, r.PrevHash = last.Seq+1, last.Hash
	}
	r.Hash = r.Sum()
	return tx.PutAudit(r)
}

// RecordRead audits a read that changes nothing but is worth knowing
// about: a backup, which copies every record (tokens' hashes and the audit
// trail included). Outcome OK, no revision.
func (s *Service) RecordRead(principal string, call Call) error {
	return s.record(principal, call, "OK", "")
}

// RecordRefusal audits a refused attempt (the attempt's own changes, if
// any, were rolled back).
func (s *Service) RecordRefusal(principal string, call Call, outcome, reason string) error {
	return s.record(principal, call, outcome, reason)
}

// record appends an audit record in a transaction of its own, outside any
// mutation.
func (s *Service) record(principal string, call Call, outcome, reason string) error {
	return s.store.Update(func(tx Tx) error {
		return appendAudit(tx, &audit.Record{Time: s.now().UTC(), Principal: principal, Holder: call.holderOf(principal), Method: call.Method,
			Resource: call.Resource, RequestID: call.RequestID, Outcome: outcome, Reason: reason})
	})
}

// holderOf is the person behind actor in this call.
func (c Call) holderOf(actor string) string {
	if c.Holder != "" {
		return c.Holder
	}
	return actor
}

// PutRevision stamps every revision a mutation writes with the person
// behind its actor, whom four eyes compares (workflow.go).
func (m *mut) PutRevision(r *Revision) error {
	r.Holder = m.holder
	return m.Tx.PutRevision(r)
}

func (m *mut) event(resource string, a Action, comment, related string) error {
	return m.PutEvent(&Event{Resource: resource, Action: a, Actor: m.actor, Comment: comment,
		Time: m.now, Revision: m.rev, Related: related})
}

// idempotent returns the resource name an earlier request with the same id
// produced, or "" when there was none.
func idempotent(tx Tx, method, requestID string) (string, error) {
	if requestID == "" {
		return "", nil
	}
	return tx.GetRequest(method + "/" + requestID)
}

func remember(tx Tx, method, requestID, name string) error {
	if requestID == "" {
		return nil
	}
	return tx.PutRequest(method+"/"+requestID, name)
}

// Etag formats a record version as an etag.
func Etag(version int64) string { return strconv.FormatInt(version, 10) }

func checkEtag(name, etag string, version int64) error {
	if etag != "" && etag != Etag(version) {
		return etagMismatch(name)
	}
	return nil
}

func loadDepartment(tx Tx, id string) (*Department, error) {
	d, err := tx.GetDepartment(id)
	if err == nil && d == nil {
		err = notFound(ReasonDepartmentNotFound, DepartmentName(id), "部门", "department")
	}
	return d, err
}

// loadItem loads the item with an id that must belong to dept.
func loadItem(tx Tx, dept string, id uint64) (*Item, error) {
	it, err := tx.GetItem(id)
	if err != nil {
		return nil, err
	}
	if it == nil || it.Department != dept {
		return nil, notFound(ReasonItemNotFound, ItemName(dept, id), "事项", "item")
	}
	return it, nil
}

func loadRevision(tx Tx, it *Item, n int) (*Revision, error) {
	r, err := tx.GetRevision(it.ID, n)
	if err == nil && r == nil {
		err = missingRecord(fmt.Sprintf("revisions/%d/%d", it.ID, n), fmt.Sprintf("事项 %d 引用了它", it.ID),
			fmt.Sprintf("item %d refers to it", it.ID))
	}
	return r, err
}

func loadSubmission(tx Tx, dept string, id uint64) (*Submission, error) {
	sub, err := tx.GetSubmission(id)
	if err != nil {
		return nil, err
	}
	if sub == nil || sub.Department != dept && dept != AllDepartments {
		return nil, notFound(ReasonSubmissionNotFound, SubmissionName(dept, id), "报送批次", "submission")
	}
	return sub, nil
}

// pageSize applies a list method's default and maximum (AIP-158: larger
// sizes are lowered to the maximum).
// pageSize is the page a list serves for a requested size: def for 0, at
// most max, both lowered to the configured cap.
func (s *Service) pageSize(size, def, max int) (int, error) {
	if s.pageCap > 0 {
		def, max = min(def, s.pageCap), min(max, s.pageCap)
	}
	return pageSize("page_size", size, def, max)
}

// CatalogPageSize is the page of the catalogue's lists and search for a
// requested size.
func (s *Service) CatalogPageSize(size int) (int, error) {
	return s.pageSize(size, DefaultCatalogPageSize, MaxCatalogPageSize)
}

func pageSize(field string, size, def, max int) (int, error) {
	switch {
	case size < 0:
		var v violations
		v.add(field, "不能为负数", "must not be negative")
		return 0, v.err()
	case size == 0:
		return def, nil
	case size > max:
		return max, nil
	}
	return size, nil
}

// Page sizes of the list methods.
const (
	DefaultPageSize        = 100
	MaxPageSize            = 1000
	DefaultCatalogPageSize = 50
	MaxCatalogPageSize     = 500
)
