package registry_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// The lists inside one resource are bounded too, so
// that a publication or a submission is an answer a gRPC client with
// default settings reads.

// TestListPublicationItems: the pages of a publication's items hold every
// item once, in the publication's order; a token continues only its own
// publication's list.
func TestListPublicationItems(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	var items []*registry.ItemView
	for i := range 7 {
		items = append(items, e.item("gtzyj", fmt.Sprintf("事项%d", i), registry.CategoryPenalty))
	}
	pub := e.publishItems("gtzyj", items...)
	name := registry.PublicationName(pub.ID)
	var got []string
	tok := ""
	for pages := 1; ; pages++ {
		list, next, err := e.svc.ListPublicationItems(name, 3, tok)
		e.must(err, "ListPublicationItems")
		if len(list) == 0 || len(list) > 3 {
			t.Fatalf("page %d holds %d items; want 1 to 3", pages, len(list))
		}
		for _, it := range list {
			got = append(got, registry.ItemName(it.Department, it.Item))
		}
		if next == "" {
			if pages != 3 {
				t.Errorf("%d pages of 3 for 7 items; want 3", pages)
			}
			break
		}
		tok = next
	}
	var want []string
	for _, it := range pub.Items {
		want = append(want, registry.ItemName(it.Department, it.Item))
	}
	if !slices.Equal(got, want) || len(got) != 7 {
		t.Errorf("pages hold %v; want %v", got, want)
	}

	_, _, err := e.svc.ListPublicationItems("publications/99", 0, "")
	wantErr(t, err, registry.ClassNotFound, registry.ReasonPublicationNotFound)
	_, _, err = e.svc.ListPublicationItems("departments/gtzyj", 0, "")
	wantFields(t, err, "parent")
}

// TestSubmissionItemsCap: a batch of more than MaxSubmissionItems items is
// refused on submission.items, naming the limit, and nothing is created;
// one of exactly the limit passes that check.
func TestSubmissionItemsCap(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	var names []string
	for i := range registry.MaxSubmissionItems + 1 {
		names = append(names, registry.ItemName("gtzyj", uint64(i+1)))
	}
	_, err := e.svc.CreateSubmission(clerk, "gtzyj", names, "", "")
	wantFields(t, err, "submission.items")
	if msg := violationText(err); !strings.Contains(msg, "最多 10000 个事项") || !strings.Contains(msg, "at most 10000 items (10001 given)") {
		t.Errorf("the refusal does not name the limit in both languages: %s", msg)
	}
	if subs, _, err := e.svc.ListSubmissions("-", 0, 0, ""); err != nil || len(subs) != 0 {
		t.Errorf("after the refusal: %d submissions, %v", len(subs), err)
	}
	// At the limit, the names are looked up (these items do not exist).
	_, err = e.svc.CreateSubmission(clerk, "gtzyj", names[:registry.MaxSubmissionItems], "", "")
	wantErr(t, err, registry.ClassNotFound, registry.ReasonItemNotFound)
}

// TestItemCommentsCap: a review whose comments on single items pass
// MaxItemCommentsBytes is refused on item_comments and changes nothing;
// just under it, it passes.
func TestItemCommentsCap(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	var items []*registry.ItemView
	for i := range 10 {
		items = append(items, e.item("gtzyj", fmt.Sprintf("事项%d", i), registry.CategoryPenalty))
	}
	sub := e.submit(e.batch("gtzyj", items...))
	long := strings.Repeat("依", 10000) // 30,000 bytes, the longest comment
	comments := func(from, to int) []registry.ItemComment {
		var out []registry.ItemComment
		for _, it := range items[from:to] {
			out = append(out, registry.ItemComment{Item: it.Item.ID, Comment: long})
		}
		return out
	}
	// Nine comments: 270,000 bytes and their names, over 262,144.
	_, err := e.svc.RejectSubmission(reviewer, "gtzyj", sub.ID, registry.ReviewInput{Comment: "退回", ItemComments: comments(0, 9)}, "")
	wantFields(t, err, "item_comments")
	if !strings.Contains(violationText(err), "262144 字节") || !strings.Contains(violationText(err), "262144 bytes") {
		t.Errorf("the refusal does not name the limit: %v", err)
	}
	// On approval, returned items and comments count together.
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", sub.ID, registry.ReviewInput{Comment: "同意",
		Returned: comments(0, 5), ItemComments: comments(5, 9)}, "")
	wantFields(t, err, "item_comments")
	if got := e.getSub(sub); got.State != registry.SubmissionSubmitted || got.Version != sub.Version || len(got.ItemComments) != 0 {
		t.Fatalf("a refused review changed the batch: state %v, version %d → %d", got.State, sub.Version, got.Version)
	}
	// Eight: 240,000 bytes and their names, under it.
	got, err := e.svc.RejectSubmission(reviewer, "gtzyj", sub.ID, registry.ReviewInput{Comment: "退回", ItemComments: comments(0, 8)}, "")
	e.must(err, "RejectSubmission")
	if got.State != registry.SubmissionReturned || len(got.ItemComments) != 8 {
		t.Errorf("rejected batch: state %v, %d comments", got.State, len(got.ItemComments))
	}
}

// TestRepliesCap: a new batch whose replies pass MaxItemCommentsBytes is
// refused on submission.replies, in words for a department (its replies,
// per batch), and creates no batch.
func TestRepliesCap(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	var items []*registry.ItemView
	for i := range 10 {
		items = append(items, e.item("gtzyj", fmt.Sprintf("事项%d", i), registry.CategoryPenalty))
	}
	long := strings.Repeat("依", 10000) // 30,000 bytes, the longest text
	var replies []registry.ItemComment
	for _, it := range items[:9] { // 270,000 bytes and their names, over 262,144
		replies = append(replies, registry.ItemComment{Item: it.Item.ID, Comment: long})
	}
	_, err := e.svc.CreateSubmissionWith(clerk, "gtzyj", registry.SubmissionInput{Items: names(items...), Replies: replies}, "")
	wantFields(t, err, "submission.replies")
	text := violationText(err)
	for _, want := range []string{"答复", "262144 字节", "the replies", "262144 bytes", "per batch"} {
		if !strings.Contains(text, want) {
			t.Errorf("the refusal does not say %q: %s", want, text)
		}
	}
	if subs, _, err := e.svc.ListSubmissions("-", 0, 0, ""); err != nil || len(subs) != 0 {
		t.Fatalf("a refused batch was created: %d batches, %v", len(subs), err)
	}
}

// TestPublicationSubmissionsCap: a publication of more than
// MaxPublicationSubmissions batches is refused on publication.submissions.
func TestPublicationSubmissionsCap(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	var names []string
	for i := range registry.MaxPublicationSubmissions + 1 {
		names = append(names, registry.SubmissionName("gtzyj", uint64(i+1)))
	}
	_, err := e.svc.CreatePublication(publisher, names, "", "")
	wantFields(t, err, "publication.submissions")
	if !strings.Contains(violationText(err), "at most 1000 submissions (1001 given)") {
		t.Errorf("the refusal does not name the limit: %v", err)
	}
	if pubs, _, _ := e.svc.ListPublications(0, ""); len(pubs) != 0 {
		t.Errorf("a refused publication was created")
	}
}

// violationText is the descriptions of err's field violations.
func violationText(err error) string {
	var re *registry.Error
	if !errors.As(err, &re) {
		return ""
	}
	var out []string
	for _, v := range re.Violations {
		out = append(out, v.Field+": "+v.Description)
	}
	return strings.Join(out, "\n")
}
