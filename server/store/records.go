package store

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storev1 "github.com/powerreg/powerreg/gen/powerreg/store/v1"
	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/registry"
)

// The one place where domain types become records of the data file and
// back (proto/powerreg/store/v1/records.proto). The domain's field names
// are not the format: a renamed Go field changes this file, never the data
// file. Catalogue entries and changes carry no content: theirs is their
// revision's (records.proto), which the reader of the entry loads.

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// tm is the time of a record, in UTC (every time the registry stores is
// UTC); an absent one is the zero time.
func tm(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func departmentRecord(d *registry.Department) *storev1.Department {
	return &storev1.Department{Id: d.ID, DisplayName: d.DisplayName, RegionCode: d.RegionCode, Number: int64(d.Number),
		CreateTime: ts(d.CreateTime), UpdateTime: ts(d.UpdateTime), Version: d.Version}
}

func departmentOf(r *storev1.Department) *registry.Department {
	return &registry.Department{ID: r.Id, DisplayName: r.DisplayName, RegionCode: r.RegionCode, Number: int(r.Number),
		CreateTime: tm(r.CreateTime), UpdateTime: tm(r.UpdateTime), Version: r.Version}
}

func itemRecord(it *registry.Item) *storev1.Item {
	r := &storev1.Item{Id: it.ID, Department: it.Department, Code: it.Code, Parent: it.Parent, State: int32(it.State),
		Pending: int32(it.Pending), Head: int64(it.Head), Submission: it.Submission, ReviewComment: it.ReviewComment,
		ReturnedRevision: int64(it.ReturnedRevision), ReviewReply: it.ReviewReply,
		CreateTime: ts(it.CreateTime), UpdateTime: ts(it.UpdateTime), Version: it.Version}
	for _, p := range it.Published {
		r.Published = append(r.Published, &storev1.PublishRecord{Revision: int64(p.Revision), Change: int32(p.Change),
			Publication: p.Publication, Time: ts(p.Time)})
	}
	return r
}

func itemOf(r *storev1.Item) *registry.Item {
	it := &registry.Item{ID: r.Id, Department: r.Department, Code: r.Code, Parent: r.Parent, State: registry.ItemState(r.State),
		Pending: registry.ChangeKind(r.Pending), Head: int(r.Head), Submission: r.Submission, ReviewComment: r.ReviewComment,
		ReturnedRevision: int(r.ReturnedRevision), ReviewReply: r.ReviewReply,
		CreateTime: tm(r.CreateTime), UpdateTime: tm(r.UpdateTime), Version: r.Version}
	for _, p := range r.Published {
		it.Published = append(it.Published, registry.PublishRecord{Revision: int(p.Revision), Change: registry.ChangeKind(p.Change),
			Publication: p.Publication, Time: tm(p.Time)})
	}
	return it
}

func revisionRecord(r *registry.Revision) *storev1.Revision {
	return &storev1.Revision{Item: r.Item, Number: int64(r.Number), Change: int32(r.Change), Content: contentRecord(&r.Content),
		Actor: r.Actor, Holder: r.Holder, Comment: r.Comment, CreateTime: ts(r.CreateTime)}
}

func revisionOf(r *storev1.Revision) *registry.Revision {
	return &registry.Revision{Item: r.Item, Number: int(r.Number), Change: registry.ChangeKind(r.Change), Content: contentFrom(r.Content),
		Actor: r.Actor, Holder: r.Holder, Comment: r.Comment, CreateTime: tm(r.CreateTime)}
}

func timeLimitRecord(t registry.TimeLimit) *storev1.TimeLimit {
	if t == (registry.TimeLimit{}) {
		return nil
	}
	return &storev1.TimeLimit{Value: int64(t.Value), Unit: int32(t.Unit)}
}

func timeLimitOf(r *storev1.TimeLimit) registry.TimeLimit {
	if r == nil {
		return registry.TimeLimit{}
	}
	return registry.TimeLimit{Value: int(r.Value), Unit: int(r.Unit)}
}

func contentRecord(c *registry.Content) *storev1.Content {
	r := &storev1.Content{DisplayName: c.DisplayName, Category: int32(c.Category), CategoryLabel: c.CategoryLabel,
		Source: int32(c.Source), EntrustingBody: c.EntrustingBody, HandlingUnit: c.HandlingUnit,
		Levels: c.Levels, Responsibilities: c.Responsibilities, Accountability: c.Accountability,
		LegalTimeLimit: timeLimitRecord(c.LegalTimeLimit), PromisedTimeLimit: timeLimitRecord(c.PromisedTimeLimit),
		ReviewAndForward: int32(c.ReviewAndForward), Remark: c.Remark}
	for _, b := range c.LegalBases {
		r.LegalBases = append(r.LegalBases, &storev1.LegalBasis{Level: int32(b.Level), Title: b.Title, Article: b.Article, Text: b.Text})
	}
	if c.Fee != (registry.Fee{}) {
		r.Fee = &storev1.Fee{Charged: int32(c.Fee.Charged), Basis: c.Fee.Basis, Standard: c.Fee.Standard}
	}
	return r
}

func contentFrom(r *storev1.Content) registry.Content {
	if r == nil {
		return registry.Content{}
	}
	c := registry.Content{DisplayName: r.DisplayName, Category: registry.Category(r.Category), CategoryLabel: r.CategoryLabel,
		Source: int(r.Source), EntrustingBody: r.EntrustingBody, HandlingUnit: r.HandlingUnit,
		Levels: r.Levels, Responsibilities: r.Responsibilities, Accountability: r.Accountability,
		LegalTimeLimit: timeLimitOf(r.LegalTimeLimit), PromisedTimeLimit: timeLimitOf(r.PromisedTimeLimit),
		ReviewAndForward: registry.YesNo(r.ReviewAndForward), Remark: r.Remark}
	for _, b := range r.LegalBases {
		c.LegalBases = append(c.LegalBases, registry.LegalBasis{Level: int(b.Level), Title: b.Title, Article: b.Article, Text: b.Text})
	}
	if f := r.Fee; f != nil {
		c.Fee = registry.Fee{Charged: registry.YesNo(f.Charged), Basis: f.Basis, Standard: f.Standard}
	}
	return c
}

func commentsRecord(cs []registry.ItemComment) []*storev1.ItemComment {
	var out []*storev1.ItemComment
	for _, c := range cs {
		out = append(out, &storev1.ItemComment{Item: c.Item, Comment: c.Comment})
	}
	return out
}

func commentsOf(rs []*storev1.ItemComment) []registry.ItemComment {
	var out []registry.ItemComment
	for _, r := range rs {
		out = append(out, registry.ItemComment{Item: r.Item, Comment: r.Comment})
	}
	return out
}

func ints64(ns []int) []int64 {
	var out []int64
	for _, n := range ns {
		out = append(out, int64(n))
	}
	return out
}

func intsOf(ns []int64) []int {
	var out []int
	for _, n := range ns {
		out = append(out, int(n))
	}
	return out
}

func submissionRecord(s *registry.Submission) *storev1.Submission {
	return &storev1.Submission{Id: s.ID, Department: s.Department, State: int32(s.State), Items: s.Items,
		ItemRevisions: ints64(s.ItemRevisions), Comment: s.Comment, ReviewComment: s.ReviewComment,
		ItemComments: commentsRecord(s.ItemComments), Returned: s.Returned, ReturnedRevisions: ints64(s.ReturnedRevisions),
		Replies: commentsRecord(s.Replies), ReturnComments: commentsRecord(s.ReturnComments), Publication: s.Publication,
		Submitter: s.Submitter, SubmitterHolder: s.SubmitterHolder, Reviewer: s.Reviewer,
		CreateTime: ts(s.CreateTime), UpdateTime: ts(s.UpdateTime), Version: s.Version}
}

func submissionOf(r *storev1.Submission) *registry.Submission {
	return &registry.Submission{ID: r.Id, Department: r.Department, State: registry.SubmissionState(r.State), Items: r.Items,
		ItemRevisions: intsOf(r.ItemRevisions), Comment: r.Comment, ReviewComment: r.ReviewComment,
		ItemComments: commentsOf(r.ItemComments), Returned: r.Returned, ReturnedRevisions: intsOf(r.ReturnedRevisions),
		Replies: commentsOf(r.Replies), ReturnComments: commentsOf(r.ReturnComments), Publication: r.Publication,
		Submitter: r.Submitter, SubmitterHolder: r.SubmitterHolder, Reviewer: r.Reviewer,
		CreateTime: tm(r.CreateTime), UpdateTime: tm(r.UpdateTime), Version: r.Version}
}

func publicationRecord(p *registry.Publication) *storev1.Publication {
	r := &storev1.Publication{Id: p.ID, Comment: p.Comment, Publisher: p.Publisher, PublishTime: ts(p.PublishTime)}
	for _, s := range p.Submissions {
		r.Submissions = append(r.Submissions, &storev1.SubmissionRef{Department: s.Department, Id: s.ID})
	}
	for _, i := range p.Items {
		r.Items = append(r.Items, &storev1.PublishedItem{Department: i.Department, Item: i.Item, Revision: int64(i.Revision),
			Code: i.Code, Change: int32(i.Change)})
	}
	return r
}

func publicationOf(r *storev1.Publication) *registry.Publication {
	p := &registry.Publication{ID: r.Id, Comment: r.Comment, Publisher: r.Publisher, PublishTime: tm(r.PublishTime)}
	for _, s := range r.Submissions {
		p.Submissions = append(p.Submissions, registry.SubmissionRef{Department: s.Department, ID: s.Id})
	}
	for _, i := range r.Items {
		p.Items = append(p.Items, registry.PublishedItem{Department: i.Department, Item: i.Item, Revision: int(i.Revision),
			Code: i.Code, Change: registry.ChangeKind(i.Change)})
	}
	return p
}

func eventRecord(e *registry.Event) *storev1.Event {
	return &storev1.Event{Resource: e.Resource, Action: int32(e.Action), Actor: e.Actor, Comment: e.Comment,
		Time: ts(e.Time), Revision: e.Revision, Related: e.Related}
}

func eventOf(r *storev1.Event) *registry.Event {
	return &registry.Event{Resource: r.Resource, Action: registry.Action(r.Action), Actor: r.Actor, Comment: r.Comment,
		Time: tm(r.Time), Revision: r.Revision, Related: r.Related}
}

// catalogRecord leaves the content out: it is the revision's.
func catalogRecord(e *registry.CatalogEntry) *storev1.CatalogEntry {
	return &storev1.CatalogEntry{Code: e.Code, Item: e.Item, Department: e.Department, ParentCode: e.ParentCode,
		Revision: int64(e.Revision), Publication: e.Publication, PublishTime: ts(e.PublishTime)}
}

// catalogOf is the entry without its content, which the caller loads
// from the revision (txn.withContent).
func catalogOf(r *storev1.CatalogEntry) *registry.CatalogEntry {
	if r == nil {
		return &registry.CatalogEntry{}
	}
	return &registry.CatalogEntry{Code: r.Code, Item: r.Item, Department: r.Department, ParentCode: r.ParentCode,
		Revision: int(r.Revision), Publication: r.Publication, PublishTime: tm(r.PublishTime)}
}

func changeRecord(c *registry.CatalogChange) *storev1.CatalogChange {
	return &storev1.CatalogChange{Revision: c.Revision, Index: c.Index, Kind: int32(c.Kind), Publication: c.Publication,
		Time: ts(c.Time), Entry: catalogRecord(&c.Entry)}
}

// changeOf is the change without its entry's content (see catalogOf).
func changeOf(r *storev1.CatalogChange) *registry.CatalogChange {
	return &registry.CatalogChange{Revision: r.Revision, Index: r.Index, Kind: registry.CatalogChangeKind(r.Kind),
		Publication: r.Publication, Time: tm(r.Time), Entry: *catalogOf(r.Entry)}
}

func tokenRecord(t *registry.Token) *storev1.Token {
	return &storev1.Token{Name: t.Name, Hash: t.Hash, Roles: t.Roles, Departments: t.Departments, Holder: t.Holder,
		Creator: t.Creator, CreatorHolder: t.CreatorHolder, CreateTime: ts(t.CreateTime), ExpireTime: ts(t.ExpireTime),
		RevokeTime: ts(t.RevokeTime)}
}

func tokenOf(r *storev1.Token) *registry.Token {
	return &registry.Token{Name: r.Name, Hash: r.Hash, Roles: r.Roles, Departments: r.Departments, Holder: r.Holder,
		Creator: r.Creator, CreatorHolder: r.CreatorHolder, CreateTime: tm(r.CreateTime), ExpireTime: tm(r.ExpireTime),
		RevokeTime: tm(r.RevokeTime)}
}

func auditRecord(a *audit.Record) *storev1.AuditRecord {
	return &storev1.AuditRecord{Version: int32(a.Version), Seq: a.Seq, Time: ts(a.Time), Principal: a.Principal, Holder: a.Holder,
		Method: a.Method, Resource: a.Resource, RequestId: a.RequestID, Outcome: a.Outcome, Reason: a.Reason,
		Revision: a.Revision, PrevHash: a.PrevHash, Hash: a.Hash}
}

func auditOf(r *storev1.AuditRecord) *audit.Record {
	return &audit.Record{Version: int(r.Version), Seq: r.Seq, Time: tm(r.Time), Principal: r.Principal, Holder: r.Holder,
		Method: r.Method, Resource: r.Resource, RequestID: r.RequestId, Outcome: r.Outcome, Reason: r.Reason,
		Revision: r.Revision, PrevHash: r.PrevHash, Hash: r.Hash}
}

// marshal is deterministic, so that a record's bytes (and the golden
// files) are a function of its contents.
var marshal = proto.MarshalOptions{Deterministic: true}

// encodePayload is the protobuf binary of the record of a domain value.
func encodePayload(v any) ([]byte, error) {
	var m proto.Message
	switch v := v.(type) {
	case *registry.Department:
		m = departmentRecord(v)
	case *registry.Item:
		m = itemRecord(v)
	case *registry.Revision:
		m = revisionRecord(v)
	case *registry.Submission:
		m = submissionRecord(v)
	case *registry.Publication:
		m = publicationRecord(v)
	case *registry.Event:
		m = eventRecord(v)
	case *registry.CatalogEntry:
		m = catalogRecord(v)
	case *registry.CatalogChange:
		m = changeRecord(v)
	case *registry.Token:
		m = tokenRecord(v)
	case *audit.Record:
		m = auditRecord(v)
	default:
		return nil, fmt.Errorf("store: no record type for %T", v)
	}
	return marshal.Marshal(m)
}

// decodePayload decodes the protobuf binary of a record into its domain
// value (T one of encodePayload's types).
func decodePayload[T any](payload []byte) (*T, error) {
	var out any
	var err error
	switch any((*T)(nil)).(type) {
	case *registry.Department:
		out, err = decodeAs(payload, departmentOf)
	case *registry.Item:
		out, err = decodeAs(payload, itemOf)
	case *registry.Revision:
		out, err = decodeAs(payload, revisionOf)
	case *registry.Submission:
		out, err = decodeAs(payload, submissionOf)
	case *registry.Publication:
		out, err = decodeAs(payload, publicationOf)
	case *registry.Event:
		out, err = decodeAs(payload, eventOf)
	case *registry.CatalogEntry:
		out, err = decodeAs(payload, catalogOf)
	case *registry.CatalogChange:
		out, err = decodeAs(payload, changeOf)
	case *registry.Token:
		out, err = decodeAs(payload, tokenOf)
	case *audit.Record:
		out, err = decodeAs(payload, auditOf)
	default:
		return nil, fmt.Errorf("store: no record type for %T", (*T)(nil))
	}
	if err != nil {
		return nil, err
	}
	return out.(*T), nil
}

func decodeAs[R any, PR interface {
	*R
	proto.Message
}, D any](payload []byte, of func(PR) *D) (*D, error) {
	r := PR(new(R))
	if err := proto.Unmarshal(payload, r); err != nil {
		return nil, err
	}
	return of(r), nil
}
