package registry

import "github.com/powerreg/powerreg/server/audit"

// Store is the narrow storage interface the registry needs: typed records
// read and written inside transactions. server/store implements it on bbolt;
// another backend (a distributed SQL engine, say) must fit behind it without
// touching the workflow.
type Store interface {
	// View runs fn in a read-only transaction.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction, committed only when fn
	// returns nil: a mutation is all or nothing.
	Update(fn func(Tx) error) error
}

// Tx is one transaction. Getters return nil and no error when the record
// does not exist. Scans call fn in key order until fn returns false or an
// error; records handed to fn are the caller's to keep.
type Tx interface {
	// NextRevision increments and returns the registry-wide revision counter.
	NextRevision() (int64, error)
	// NextSeq increments and returns the named counter (ids, code sequences).
	NextSeq(name string) (uint64, error)
	// CatalogRevision returns the registry revision of the last change to
	// the published catalogue (catalogversion.go).
	CatalogRevision() (int64, error)
	// SetCatalogRevision records that the catalogue changed at rev.
	SetCatalogRevision(rev int64) error

	GetDepartment(id string) (*Department, error)
	PutDepartment(d *Department) error
	// ScanDepartments visits departments in id order, starting after `after`.
	ScanDepartments(after string, fn func(*Department) (bool, error)) error

	GetItem(id uint64) (*Item, error)
	PutItem(it *Item) error
	DeleteItem(it *Item) error
	// ItemStates counts the items per state of their working copy.
	ItemStates() (map[ItemState]int, error)
	// ScanItems visits items in id order after `after`, of one department
	// or of all when dept is empty.
	ScanItems(dept string, after uint64, fn func(*Item) (bool, error)) error

	GetRevision(item uint64, number int) (*Revision, error)
	PutRevision(r *Revision) error
	DeleteRevisions(item uint64) error

	// ItemByCode returns the item holding a code, or 0.
	ItemByCode(code string) (uint64, error)
	PutCode(code string, item uint64) error
	DeleteCode(code string) error

	GetSubmission(id uint64) (*Submission, error)
	PutSubmission(s *Submission) error
	DeleteSubmission(s *Submission) error
	// ScanSubmissions visits submissions newest first, with ids below
	// `before` (0: from the newest), of one department or of all.
	ScanSubmissions(dept string, before uint64, fn func(*Submission) (bool, error)) error

	GetPublication(id uint64) (*Publication, error)
	PutPublication(p *Publication) error
	// ScanPublications visits publications newest first, ids below `before`.
	ScanPublications(before uint64, fn func(*Publication) (bool, error)) error

	PutEvent(e *Event) error
	// ScanEvents visits a resource's events oldest first, with revisions
	// above `after`.
	ScanEvents(resource string, after int64, fn func(*Event) (bool, error)) error

	GetCatalogEntry(code string) (*CatalogEntry, error)
	// PutCatalogEntry writes an entry whose Content is that of revision
	// e.Revision of item e.Item (as is a change's entry): a store may keep
	// the content only there, and read it back from there.
	PutCatalogEntry(e *CatalogEntry) error
	DeleteCatalogEntry(e *CatalogEntry) error
	// ScanCatalog visits entries in code order after `after`, only those of
	// category cat and department dept when these are set.
	ScanCatalog(cat Category, dept string, after string, fn func(*CatalogEntry) (bool, error)) error

	// PutChange records one effect of a publication on the catalogue
	// (changes.go), keyed by its revision and index.
	PutChange(c *CatalogChange) error
	// ScanChanges visits changes in (revision, index) order, from (rev,
	// index) on.
	ScanChanges(rev int64, index uint32, fn func(*CatalogChange) (bool, error)) error
	// LastChange returns the newest change, nil when there is none.
	LastChange() (*CatalogChange, error)
	// DeleteChangesBefore deletes the changes of revisions below rev; it
	// returns how many and the newest revision deleted (0 for none).
	DeleteChangesBefore(rev int64) (int, int64, error)
	// ChangesFloor returns the revision up to which changes were compacted
	// (0: none); SetChangesFloor records it.
	ChangesFloor() (int64, error)
	SetChangesFloor(rev int64) error

	GetToken(name string) (*Token, error)
	PutToken(t *Token) error
	// TokenByHash returns the name of the token with a secret's hash, or "".
	TokenByHash(hash string) (string, error)
	// ScanTokens visits tokens in name order.
	ScanTokens(fn func(*Token) (bool, error)) error

	// LastAudit returns the newest audit record, nil when there is none.
	LastAudit() (*audit.Record, error)
	PutAudit(r *audit.Record) error
	// ScanAudit visits audit records newest first, with sequence numbers
	// below `before` (0: from the newest).
	ScanAudit(before uint64, fn func(*audit.Record) (bool, error)) error

	// GetRequest returns the resource name a request id produced, or "".
	GetRequest(key string) (string, error)
	PutRequest(key, name string) error
}
