package server

import (
	"math"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/principal"
	"github.com/powerreg/powerreg/server/registry"
)

// TestWorstCaseSubmissionSize: the largest submission
// the registry's limits allow is an answer (and a page of
// ListSubmissions) under gRPC's default 4 MiB receive limit. Largest:
// a returned batch (items, returned items and revisions all list every
// item) of registry.MaxSubmissionItems items of a department with the
// longest id (63 characters), with ids and revision numbers of the most
// digits a uint64 and an int have, comments of 10,000 four-byte
// characters, principals of the most bytes, and comments on single items
// up to registry.MaxItemCommentsBytes, as many as fit (each costs its
// entry's overhead besides its bytes), and as many replies of the
// department, which the same limit holds.
func TestWorstCaseSubmissionSize(t *testing.T) {
	dept := strings.Repeat("d", 63)
	long := strings.Repeat("𠀀", 10000) // the most characters, 4 bytes each
	who := strings.Repeat("p", principal.MaxBytes)
	s := &registry.Submission{ID: uint64(math.MaxUint64), Department: dept, State: registry.SubmissionReturned,
		Comment: long, ReviewComment: long, Publication: uint64(math.MaxUint64), Submitter: who, Reviewer: who,
		CreateTime: time.Now(), UpdateTime: time.Now(), Version: math.MaxInt64}
	for i := range registry.MaxSubmissionItems {
		id := uint64(math.MaxUint64) - uint64(i)
		s.Items = append(s.Items, id)
		s.ItemRevisions = append(s.ItemRevisions, math.MaxInt64-i)
	}
	s.Returned = s.Items
	left := registry.MaxItemCommentsBytes
	for _, id := range s.Items {
		n := len(registry.ItemName(dept, id))
		if n > left {
			break
		}
		c := registry.ItemComment{Item: id}
		if left < 2*n { // the last one takes what is left
			c.Comment = strings.Repeat("x", left-n)
		}
		left -= n + len(c.Comment)
		s.ItemComments = append(s.ItemComments, c)
	}
	if left != 0 {
		t.Fatalf("the comments leave %d bytes of the budget", left)
	}
	s.Replies = s.ItemComments
	m := submissionToProto(s)
	size := proto.Size(m)
	page := proto.Size(&pb.ListSubmissionsResponse{Submissions: []*pb.Submission{m}, NextPageToken: strings.Repeat("t", 512)})
	t.Logf("worst-case submission: %d bytes (%d item comments), a page of it %d bytes; limit %d", size, len(s.ItemComments), page, 4<<20)
	if page >= 4<<20 {
		t.Errorf("the worst-case submission is %d bytes, a page of it %d: over gRPC's default 4 MiB", size, page)
	}
	// The approved form (items kept, the rest returned) is no larger.
	a := *s
	a.State, a.Items, a.Returned = registry.SubmissionApproved, s.Items[:1], s.Items[1:]
	a.ItemRevisions = s.ItemRevisions[:1]
	if n := proto.Size(submissionToProto(&a)); n > size {
		t.Errorf("the approved form is %d bytes, the returned %d", n, size)
	}
}

// TestWorstCasePublicationSize: the largest publication's answer (the
// most submissions, of a department with the longest id, items with the
// longest names and codes, as many as a province publishes at once) is
// small: its items are cut to registry.PublicationItemsShown.
func TestWorstCasePublicationSize(t *testing.T) {
	dept := strings.Repeat("d", 63)
	p := &registry.Publication{ID: uint64(math.MaxUint64), Comment: strings.Repeat("𠀀", 10000),
		Publisher: strings.Repeat("p", principal.MaxBytes), PublishTime: time.Now()}
	for i := range registry.MaxPublicationSubmissions {
		p.Submissions = append(p.Submissions, registry.SubmissionRef{Department: dept, ID: uint64(math.MaxUint64) - uint64(i)})
	}
	for i := range 100000 {
		p.Items = append(p.Items, registry.PublishedItem{Department: dept, Item: uint64(math.MaxUint64) - uint64(i),
			Revision: math.MaxInt64, Code: strings.Repeat("C", 100), Change: registry.ChangeAbolish})
	}
	m := publicationToProto(p)
	size := proto.Size(m)
	t.Logf("worst-case publication of %d items: %d bytes", len(p.Items), size)
	if size >= 1<<20 || m.GetItemCount() != 100000 || len(m.GetItems()) != registry.PublicationItemsShown {
		t.Errorf("the publication's answer: %d bytes, %d items of %d", size, len(m.GetItems()), m.GetItemCount())
	}
}
