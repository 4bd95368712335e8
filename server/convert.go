package server

import (
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// Conversions between the API's messages and the domain's types. Enum
// numbers are the same on both sides, so enums convert by number.

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func departmentToProto(d *registry.Department) *pb.Department {
	return &pb.Department{
		Name: registry.DepartmentName(d.ID), DisplayName: d.DisplayName, RegionCode: d.RegionCode,
		Number: int32(d.Number), CreateTime: ts(d.CreateTime), UpdateTime: ts(d.UpdateTime),
		Etag: registry.Etag(d.Version),
	}
}

func timeLimitToProto(t registry.TimeLimit) *pb.TimeLimit {
	if t == (registry.TimeLimit{}) {
		return nil
	}
	return &pb.TimeLimit{Value: int32(t.Value), Unit: pb.TimeLimit_Unit(t.Unit)}
}

func timeLimitFromProto(t *pb.TimeLimit) registry.TimeLimit {
	return registry.TimeLimit{Value: int(t.GetValue()), Unit: int(t.GetUnit())}
}

// contentToProto fills the content fields of an Item message.
func contentToProto(c *registry.Content, out *pb.Item) {
	out.DisplayName = c.DisplayName
	out.Category = pb.Category(c.Category)
	out.CategoryLabel = c.CategoryLabel
	for _, b := range c.LegalBases {
		out.LegalBases = append(out.LegalBases, &pb.LegalBasis{Level: pb.LegalBasis_Level(b.Level),
			Title: b.Title, Article: b.Article, Text: b.Text})
	}
	out.Source = pb.PowerSource(c.Source)
	out.EntrustingBody = c.EntrustingBody
	out.HandlingUnit = c.HandlingUnit
	out.Levels = c.Levels
	out.Responsibilities = c.Responsibilities
	out.Accountability = c.Accountability
	out.LegalTimeLimit = timeLimitToProto(c.LegalTimeLimit)
	out.PromisedTimeLimit = timeLimitToProto(c.PromisedTimeLimit)
	if c.Fee != (registry.Fee{}) {
		out.Fee = &pb.Fee{Charged: c.Fee.Charged.Bool(), Basis: c.Fee.Basis, Standard: c.Fee.Standard}
	}
	// Three-state: unknown leaves the field unset (no JSON key), never false.
	out.ReviewAndForward = c.ReviewAndForward.Bool()
	out.Remark = c.Remark
}

// itemInput reads what a department writes on an item.
func itemInput(in *pb.Item) registry.ItemInput {
	c := registry.Content{
		DisplayName: in.GetDisplayName(), Category: registry.Category(in.GetCategory()),
		CategoryLabel: in.GetCategoryLabel(), Source: int(in.GetSource()), EntrustingBody: in.GetEntrustingBody(),
		HandlingUnit: in.GetHandlingUnit(), Levels: in.GetLevels(), Responsibilities: in.GetResponsibilities(),
		Accountability: in.GetAccountability(), LegalTimeLimit: timeLimitFromProto(in.GetLegalTimeLimit()),
		PromisedTimeLimit: timeLimitFromProto(in.GetPromisedTimeLimit()),
		// An unset charged or review_and_forward is unknown; a set false is no.
		Fee: registry.Fee{Charged: registry.YesNoOf(feeCharged(in.GetFee())), Basis: in.GetFee().GetBasis(),
			Standard: in.GetFee().GetStandard()},
		ReviewAndForward: registry.YesNoOf(in.ReviewAndForward), Remark: in.GetRemark(),
	}
	for _, b := range in.GetLegalBases() {
		c.LegalBases = append(c.LegalBases, registry.LegalBasis{Level: int(b.GetLevel()), Title: b.GetTitle(),
			Article: b.GetArticle(), Text: b.GetText()})
	}
	return registry.ItemInput{Content: c, Code: in.GetCode(), Parent: in.GetParent()}
}

// feeCharged is f's charged with its presence (nil for no fee message).
func feeCharged(f *pb.Fee) *bool {
	if f == nil {
		return nil
	}
	return f.Charged
}

func revID(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func itemToProto(v *registry.ItemView) *pb.Item {
	it := &v.Item
	out := &pb.Item{
		Name: registry.ItemName(it.Department, it.ID), Code: it.Code, Parent: v.ParentName,
		State: pb.Item_State(it.State), PendingChange: pb.ChangeKind(it.Pending), RevisionId: revID(it.Head),
		ReviewComment: it.ReviewComment, ReviewReply: it.ReviewReply, DepartmentDisplayName: v.DepartmentName,
		CreateTime: ts(it.CreateTime), UpdateTime: ts(it.UpdateTime), Etag: registry.Etag(it.Version),
	}
	contentToProto(&v.Content, out)
	if rec := it.InForce(); rec != nil {
		out.PublishedRevisionId, out.PublishTime = revID(rec.Revision), ts(rec.Time)
	}
	if it.Submission != 0 {
		out.Submission = registry.SubmissionName(it.Department, it.Submission)
	}
	return out
}

// catalogToProto shows a catalogue entry: the revision in force, without
// any working-copy bookkeeping.
func catalogToProto(v *registry.CatalogView) *pb.Item {
	e := &v.Entry
	out := &pb.Item{
		Name: registry.ItemName(e.Department, e.Item), Code: e.Code, ParentCode: e.ParentCode,
		State: pb.Item_STATE_PUBLISHED, RevisionId: revID(e.Revision), PublishedRevisionId: revID(e.Revision),
		DepartmentDisplayName: v.DepartmentName, PublishTime: ts(e.PublishTime),
	}
	contentToProto(&e.Content, out)
	return out
}

func revisionToProto(v *registry.RevisionView) *pb.Revision {
	r := &v.Revision
	item := &pb.Item{
		Name: registry.ItemName(v.Department, r.Item), Code: v.Code, Parent: v.ParentName,
		RevisionId: revID(r.Number), DepartmentDisplayName: v.DepartmentName, PublishTime: ts(v.PublishTime),
	}
	contentToProto(&r.Content, item)
	out := &pb.Revision{
		Name: registry.RevisionName(v.Department, r.Item, r.Number), Item: item, Change: pb.ChangeKind(r.Change),
		Actor: r.Actor, CreateTime: ts(r.CreateTime), PublishTime: ts(v.PublishTime), SupersedeTime: ts(v.SupersedeTime),
	}
	if v.Publication != 0 {
		out.Publication = registry.PublicationName(v.Publication)
	}
	return out
}

func itemComments(dept string, list []registry.ItemComment) []*pb.ItemComment {
	var out []*pb.ItemComment
	for _, c := range list {
		out = append(out, &pb.ItemComment{Item: registry.ItemName(dept, c.Item), Comment: c.Comment})
	}
	return out
}

func submissionToProto(s *registry.Submission) *pb.Submission {
	out := &pb.Submission{
		Name: registry.SubmissionName(s.Department, s.ID), State: pb.Submission_State(s.State), Comment: s.Comment,
		ReviewComment: s.ReviewComment, ItemComments: itemComments(s.Department, s.ItemComments),
		Replies:    itemComments(s.Department, s.Replies),
		CreateTime: ts(s.CreateTime), UpdateTime: ts(s.UpdateTime), Submitter: s.Submitter, Reviewer: s.Reviewer,
		Etag: registry.Etag(s.Version),
	}
	for _, id := range s.Items {
		out.Items = append(out.Items, registry.ItemName(s.Department, id))
	}
	for i, n := range s.ItemRevisions {
		out.ItemRevisions = append(out.ItemRevisions, registry.RevisionName(s.Department, s.Items[i], n))
	}
	for _, id := range s.Returned {
		out.ReturnedItems = append(out.ReturnedItems, registry.ItemName(s.Department, id))
	}
	if s.Publication != 0 {
		out.Publication = registry.PublicationName(s.Publication)
	}
	return out
}

// submissionItemToProto shows one item of a batch as a reviewer judges
// it; the revision in force it changes shows as the catalogue would.
func submissionItemToProto(v *registry.SubmissionItemView) *pb.SubmissionItem {
	out := &pb.SubmissionItem{Item: itemToProto(&v.Item), Change: pb.ChangeKind(v.Change), Missing: v.Missing,
		ReviewComment: v.ReviewComment, Reply: v.Reply, Returned: v.Returned}
	if v.Published != nil {
		out.Published = revisionToProto(v.Published).GetItem()
		out.Published.State = pb.Item_STATE_PUBLISHED
		out.Published.PublishedRevisionId = out.Published.RevisionId
	}
	// Each value is cut as an import's answer cuts it: item and published
	// hold the whole values, and an entry (two items of at most 1 MiB each
	// and the differences) stays within one page under gRPC's default
	// 4 MiB receive limit.
	for _, d := range v.Differences {
		from, _ := registry.CutText(d.From, importValueRunes)
		to, _ := registry.CutText(d.To, importValueRunes)
		out.Differences = append(out.Differences, &pb.FieldDifference{Field: d.Field, From: from, To: to})
	}
	return out
}

func publicationToProto(p *registry.Publication) *pb.Publication {
	out := &pb.Publication{Name: registry.PublicationName(p.ID), Comment: p.Comment, Publisher: p.Publisher,
		PublishTime: ts(p.PublishTime)}
	for _, s := range p.Submissions {
		out.Submissions = append(out.Submissions, registry.SubmissionName(s.Department, s.ID))
	}
	// Only the first items: ListPublicationItems reads them all.
	out.ItemCount = int32(len(p.Items))
	for i := range min(len(p.Items), registry.PublicationItemsShown) {
		out.Items = append(out.Items, publishedItemToProto(&p.Items[i]))
	}
	return out
}

func publishedItemToProto(it *registry.PublishedItem) *pb.PublishedItem {
	return &pb.PublishedItem{Item: registry.ItemName(it.Department, it.Item),
		Revision: registry.RevisionName(it.Department, it.Item, it.Revision), Code: it.Code, Change: pb.ChangeKind(it.Change)}
}

func eventToProto(e *registry.Event) *pb.Event {
	return &pb.Event{Resource: e.Resource, Action: pb.Event_Action(e.Action), Actor: e.Actor, Comment: e.Comment,
		CreateTime: ts(e.Time), Revision: e.Revision, Related: e.Related}
}
