package registry_test

import (
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// TestFourEyes: nobody reviews a batch they submitted or in which they
// edited an item, and nobody publishes a batch they submitted.
func TestFourEyes(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	// The reviewer edits b before the batch is submitted by the clerk.
	_, err := e.svc.UpdateItem(reviewer, "gtzyj", b.Item.ID, registry.ItemInput{Content: content("乙（改）", registry.CategoryPenalty)},
		[]string{"display_name"}, "")
	e.must(err, "UpdateItem by the reviewer")
	s := e.submit(e.batch("gtzyj", a, b))

	_, err = e.svc.ApproveSubmission(clerk, "gtzyj", s.ID, registry.ReviewInput{}, "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes) // the submitter
	_, err = e.svc.RejectSubmission(clerk, "gtzyj", s.ID, registry.ReviewInput{Comment: "x"}, "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes)
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{}, "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes) // edited item b
	if got := e.getSub(s); got.State != registry.SubmissionSubmitted {
		t.Fatalf("a refused review changed the batch: %d", got.State)
	}

	_, err = e.svc.ApproveSubmission("reviewer-2", "gtzyj", s.ID, registry.ReviewInput{}, "")
	e.must(err, "ApproveSubmission by another reviewer")
	_, err = e.svc.CreatePublication(clerk, []string{subName(s)}, "", "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes) // the submitter publishing
	_, err = e.svc.CreatePublication(publisher, []string{subName(s)}, "", "")
	e.must(err, "CreatePublication by a publisher")

	// After publication, earlier edits no longer bind: a later change is
	// judged by its own editors.
	_, err = e.svc.UpdateItem(clerk, "gtzyj", b.Item.ID, registry.ItemInput{Content: content("乙（再改）", registry.CategoryPenalty)},
		[]string{"display_name"}, "")
	e.must(err, "UpdateItem after publication")
	s2 := e.submit(e.batch("gtzyj", b))
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", s2.ID, registry.ReviewInput{}, "")
	e.must(err, "ApproveSubmission of a later change by the earlier editor")
}
