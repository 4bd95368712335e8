package main

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// TestClientSubmissionCalls: the client library's calls for the batch
// workflow against a real server: submit in one call (with replies),
// read a batch in full, withdraw, and a publication's dry run.
func TestClientSubmissionCalls(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	e.ok("clerk", "import", "--department", "gtzyj", landRows(t, "gtzyj.csv"))
	clerk, rev, pubr := e.dial("clerk"), e.dial("reviewer"), e.dial("publisher")
	const dept = "departments/gtzyj"

	sub, left, err := clerk.SubmitDraftsWith(ctx, dept, client.SubmitOptions{Comment: "第一批"})
	if err != nil || left != 0 || sub.GetState() != pb.Submission_STATE_SUBMITTED || len(sub.GetItems()) != 5 {
		t.Fatalf("SubmitDraftsWith: %v, %d left, %v", sub, left, err)
	}
	items, err := rev.SubmissionItems(ctx, sub.GetName())
	if err != nil || len(items) != 5 || items[0].GetChange() != pb.ChangeKind_CHANGE_KIND_CREATE || len(items[0].GetItem().GetLegalBases()) == 0 {
		t.Fatalf("SubmissionItems: %d items, %v", len(items), err)
	}
	w, err := clerk.WithdrawSubmission(ctx, sub.GetName(), "还要补充", sub.GetEtag())
	if err != nil || w.GetState() != pb.Submission_STATE_WITHDRAWN {
		t.Fatalf("WithdrawSubmission: %v %v", w, err)
	}

	// Returned item: refused unanswered (no batch left behind), accepted
	// with a reply.
	sub, _, err = clerk.SubmitDraftsWith(ctx, dept, client.SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	returned := sub.GetItems()[0]
	if _, err := rev.Registry.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: sub.GetName(),
		ReturnedItems: []*pb.ItemComment{{Item: returned, Comment: "请核实依据"}}}); err != nil {
		t.Fatal(err)
	}
	before, _ := clerk.Submissions(ctx, dept, 0)
	_, _, err = clerk.SubmitDraftsWith(ctx, dept, client.SubmitOptions{})
	if client.Reason(err) != "RETURNED_NOT_ADDRESSED" {
		t.Fatalf("unanswered returned item: %v", err)
	}
	if after, _ := clerk.Submissions(ctx, dept, 0); len(after) != len(before) {
		t.Errorf("a refused submit left a batch: %d batches, were %d", len(after), len(before))
	}
	again, _, err := clerk.SubmitDraftsWith(ctx, dept, client.SubmitOptions{Replies: map[string]string{returned: "依据已核实无误"}})
	if err != nil || len(again.GetReplies()) != 1 || again.GetReplies()[0].GetComment() != "依据已核实无误" {
		t.Fatalf("submit with a reply: %v %v", again, err)
	}
	if _, err := rev.Registry.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: again.GetName()}); err != nil {
		t.Fatal(err)
	}

	subs := []string{sub.GetName(), again.GetName()}
	dry, err := pubr.PublishDryRun(ctx, subs, "集中发布")
	if err != nil || dry.GetItemCount() != 5 {
		t.Fatalf("PublishDryRun: %v %v", dry, err)
	}
	if n := len(e.catalog()); n != 0 {
		t.Errorf("a dry run published %d items", n)
	}
	real, err := pubr.Publish(ctx, subs, "集中发布", "")
	if err != nil || real.GetName() != dry.GetName() || len(real.GetItems()) != 5 {
		t.Fatalf("Publish: %v %v", real, err)
	}
	for i := range real.GetItems() {
		if !proto.Equal(real.GetItems()[i], dry.GetItems()[i]) {
			t.Errorf("item %d: published %v, dry run said %v", i, real.GetItems()[i], dry.GetItems()[i])
		}
	}
}
