package server

import (
	"google.golang.org/protobuf/proto"

	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/registry"
)

// listEntryOverhead is a repeated field's tag and length around one
// element of a list answer.
const listEntryOverhead = 1 + 5

// encodedSize is registry.Config.EncodedSize: the size of a listed element
// as its list answer carries it, so that pages end before
// registry.PageBytes. An element of a type not listed here counts 0 (its
// list is then bounded by count only): every list's element is here.
func encodedSize(x any) int {
	var m proto.Message
	switch v := x.(type) {
	case *registry.ItemView:
		m = itemToProto(v)
	case *registry.CatalogView:
		m = catalogToProto(v)
	case *registry.ChangeView:
		m = changeToProto(v)
	case *registry.RevisionView:
		m = revisionToProto(v)
	case *registry.Submission:
		m = submissionToProto(v)
	case *registry.SubmissionItemView:
		m = submissionItemToProto(v)
	case *registry.Publication:
		m = publicationToProto(v)
	case *registry.PublishedItem:
		m = publishedItemToProto(v)
	case *registry.Event:
		m = eventToProto(v)
	case *audit.Record:
		m = auditToProto(v)
	case *registry.Department:
		m = departmentToProto(v)
	case *registry.PublishedRevision:
		m = catalogRevisionToProto(v)
	default:
		return 0
	}
	return proto.Size(m) + listEntryOverhead
}
