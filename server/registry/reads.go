package registry

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/principal"
)

// GetSubmission returns a submission.
func (s *Service) GetSubmission(dept string, id uint64) (*Submission, error) {
	var out *Submission
	err := s.store.View(func(tx Tx) (err error) {
		out, err = loadSubmission(tx, dept, id)
		return err
	})
	return out, err
}

// ListSubmissions lists submissions newest first, of one department or of
// all ("-": the review queue); state 0 means every state.
func (s *Service) ListSubmissions(dept string, state SubmissionState, size int, token string) ([]*Submission, string, error) {
	return s.ListSubmissionsQuery(dept, state, ListQuery{}, size, token)
}

// ListSubmissionsQuery is ListSubmissions with an AIP-160 filter and an
// AIP-132 order (fields: see submissionFields and submissionOrder in
// query.go).
func (s *Service) ListSubmissionsQuery(dept string, state SubmissionState, lq ListQuery, size int, token string) ([]*Submission, string, error) {
	size, err := s.pageSize(size, DefaultPageSize, MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	q, err := compile(lq, submissionFields, submissionOrder, "")
	if err != nil {
		return nil, "", err
	}
	filter := fmt.Sprintf("submissions/%s/%d", dept, state) + q.token
	cursor, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}
	var before uint64
	if q.order == nil { // else the cursor is a sort key (listSubmissionsSorted)
		if before, err = parseID(cursor); err != nil {
			return nil, "", err
		}
	}
	scan := dept
	if dept == AllDepartments {
		scan = ""
	}
	var out []*Submission
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		if scan != "" {
			if _, err := loadDepartment(tx, scan); err != nil {
				return err
			}
		}
		if q.order != nil {
			var err error
			out, next, err = listSubmissionsSorted(tx, scan, state, q, size, b, cursor, filter)
			return err
		}
		return tx.ScanSubmissions(scan, before, func(sub *Submission) (bool, error) {
			if state != 0 && sub.State != state || q.filters() && !q.match(submissionRecord(sub)) {
				return true, nil
			}
			if len(out) == size || b.full(len(out), sub) {
				next = encodeToken(filter, strconv.FormatUint(out[len(out)-1].ID, 10))
				return false, nil
			}
			out = append(out, sub)
			return true, nil
		})
	})
	return out, next, err
}

// GetPublication returns a publication.
func (s *Service) GetPublication(id uint64) (*Publication, error) {
	var out *Publication
	err := s.store.View(func(tx Tx) (err error) {
		out, err = tx.GetPublication(id)
		if err == nil && out == nil {
			err = notFound(ReasonPublicationNotFound, PublicationName(id), "发布", "publication")
		}
		return err
	})
	return out, err
}

// ListPublications lists publications newest first.
func (s *Service) ListPublications(size int, token string) ([]*Publication, string, error) {
	size, err := s.pageSize(size, DefaultPageSize, MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	cursor, err := decodeToken(token, "publications")
	if err != nil {
		return nil, "", err
	}
	before, err := parseID(cursor)
	if err != nil {
		return nil, "", err
	}
	var out []*Publication
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		return tx.ScanPublications(before, func(p *Publication) (bool, error) {
			if len(out) == size || b.full(len(out), p) {
				next = encodeToken("publications", strconv.FormatUint(out[len(out)-1].ID, 10))
				return false, nil
			}
			out = append(out, p)
			return true, nil
		})
	})
	return out, next, err
}

// ListPublicationItems lists the items a publication put in force, in the
// order it applied them (Publication.Items; its answers carry only the
// first PublicationItemsShown). The cursor is the index of the next item:
// a publication never changes.
func (s *Service) ListPublicationItems(name string, size int, token string) ([]*PublishedItem, string, error) {
	id, err := ParsePublicationName("parent", name)
	if err != nil {
		return nil, "", err
	}
	if size, err = s.pageSize(size, DefaultPageSize, MaxPageSize); err != nil {
		return nil, "", err
	}
	filter := PublicationName(id) + "/items"
	cursor, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}
	start, err := parseID(cursor)
	if err != nil {
		return nil, "", err
	}
	p, err := s.GetPublication(id)
	if err != nil {
		return nil, "", err
	}
	if cursor != "" && (start == 0 || start >= uint64(len(p.Items))) { // never issued
		return nil, "", badToken()
	}
	var out []*PublishedItem
	b := s.pageBudget()
	for i := int(start); i < len(p.Items); i++ {
		if len(out) == size || b.full(len(out), &p.Items[i]) {
			return out, encodeToken(filter, strconv.Itoa(i)), nil
		}
		out = append(out, &p.Items[i])
	}
	return out, "", nil
}

// ListEvents lists the recorded steps of a department, item, submission or
// publication (given by name), oldest first.
func (s *Service) ListEvents(resource string, size int, token string) ([]*Event, string, error) {
	size, err := s.pageSize(size, DefaultPageSize, MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	filter := "events/" + resource
	cursor, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}
	n, err := parseID(cursor)
	if err != nil || n > math.MaxInt64 {
		return nil, "", badToken()
	}
	after := int64(n)
	var out []*Event
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		if err := checkExists(tx, resource); err != nil {
			return err
		}
		return tx.ScanEvents(resource, after, func(e *Event) (bool, error) {
			if len(out) == size || b.full(len(out), e) {
				next = encodeToken(filter, strconv.FormatInt(out[len(out)-1].Revision, 10))
				return false, nil
			}
			out = append(out, e)
			return true, nil
		})
	})
	return out, next, err
}

// checkExists returns NOT_FOUND unless the named department, item,
// submission or publication exists (deleted drafts keep their events but
// are not found).
func checkExists(tx Tx, name string) error {
	if dept, err := ParseDepartmentName("parent", name, false); err == nil {
		_, err = loadDepartment(tx, dept)
		return err
	}
	if dept, id, err := ParseItemName("parent", name); err == nil {
		_, err = loadItem(tx, dept, id)
		return err
	}
	if dept, id, err := ParseSubmissionName("parent", name); err == nil {
		_, err = loadSubmission(tx, dept, id)
		return err
	}
	id, err := ParsePublicationName("parent", name)
	if err != nil {
		return badName("parent", name, "a department, item, submission or publication name")
	}
	p, err := tx.GetPublication(id)
	if err == nil && p == nil {
		err = notFound(ReasonPublicationNotFound, name, "发布", "publication")
	}
	return err
}

// AuditFilter selects audit records; zero fields select all.
type AuditFilter struct {
	Principal string
	Holder    string // the person (principal.Same); a record without one is its principal's
	Resource  string // the resource or anything under it, e.g. departments/gtzyj
	Start     time.Time
	End       time.Time // exclusive
}

func (f AuditFilter) match(r *audit.Record) bool {
	holder := r.Holder
	if holder == "" {
		holder = r.Principal
	}
	return (f.Principal == "" || r.Principal == f.Principal) && (f.Holder == "" || principal.Same(holder, f.Holder)) &&
		(f.Resource == "" || r.Resource == f.Resource || strings.HasPrefix(r.Resource, f.Resource+"/")) &&
		(f.Start.IsZero() || !r.Time.Before(f.Start)) && (f.End.IsZero() || r.Time.Before(f.End))
}

// ListAudit lists audit records newest first.
func (s *Service) ListAudit(f AuditFilter, size int, token string) ([]*audit.Record, string, error) {
	size, err := s.pageSize(size, DefaultPageSize, MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	filter := fmt.Sprintf("audit/%q/%q/%d/%d/%q", f.Principal, f.Resource, f.Start.UnixNano(), f.End.UnixNano(), f.Holder)
	cursor, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}
	before, err := parseID(cursor)
	if err != nil {
		return nil, "", err
	}
	var out []*audit.Record
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		return tx.ScanAudit(before, func(r *audit.Record) (bool, error) {
			if !f.match(r) {
				return true, nil
			}
			if len(out) == size || b.full(len(out), r) {
				next = encodeToken(filter, strconv.FormatUint(out[len(out)-1].Seq, 10))
				return false, nil
			}
			out = append(out, r)
			return true, nil
		})
	})
	return out, next, err
}
