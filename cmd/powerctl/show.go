package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/principal"
)

// change is one field that differs between the revision in force and the
// submitted one.
type change struct {
	Field string `json:"field"`
	Label string `json:"label"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// itemReview is what review show says about one item of a batch.
type itemReview struct {
	Item        string   `json:"item"`
	DisplayName string   `json:"displayName"`
	Category    string   `json:"category"`
	Revision    string   `json:"revision,omitempty"`
	InForce     string   `json:"inForce,omitempty"` // revision in force compared against
	Change      string   `json:"change"`            // CHANGE_KIND_…
	Changes     []change `json:"changes,omitempty"`
	Returned    bool     `json:"returned,omitempty"`
	Comment     string   `json:"comment,omitempty"`
}

// diffItems compares two revisions' contents field by field.
func diffItems(old, cur *pb.Item) []change {
	var out []change
	for _, f := range itemFields {
		if from, to := f.Text(old), f.Text(cur); from != to {
			out = append(out, change{Field: f.Path, Label: f.FieldLabel(), From: from, To: to})
		}
	}
	return out
}

// reviewItem reads one item of a batch: the submitted revision (rev, or
// the working copy's when the batch is not submitted yet) and the revision
// in force.
func reviewItem(ctx context.Context, c *client.Client, name, rev string) (*itemReview, error) {
	cur, err := c.Registry.GetItem(ctx, &pb.GetItemRequest{Name: name})
	if err != nil {
		return nil, err
	}
	if rev == "" {
		rev = name + "/revisions/" + cur.GetItem().GetRevisionId()
	}
	submitted, err := c.Registry.GetRevision(ctx, &pb.GetRevisionRequest{Name: rev})
	if err != nil {
		return nil, err
	}
	content := submitted.GetRevision().GetItem()
	r := &itemReview{Item: name, DisplayName: content.GetDisplayName(), Category: categoryText(content), Revision: rev,
		Change: submitted.GetRevision().GetChange().String()}
	inForce := cur.GetItem().GetPublishedRevisionId()
	if inForce == "" || name+"/revisions/"+inForce == rev {
		return r, nil
	}
	r.InForce = name + "/revisions/" + inForce
	published, err := c.Registry.GetRevision(ctx, &pb.GetRevisionRequest{Name: r.InForce})
	if err != nil {
		return nil, err
	}
	if submitted.GetRevision().GetChange() != pb.ChangeKind_CHANGE_KIND_ABOLISH {
		r.Changes = diffItems(published.GetRevision().GetItem(), content)
	}
	return r, nil
}

func (a *app) showSubmission(ctx context.Context, c *client.Client, name string) error {
	resp, err := c.Registry.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: name})
	if err != nil {
		return err
	}
	sub := resp.GetSubmission()
	revs := map[string]string{} // item → submitted revision
	for _, r := range sub.GetItemRevisions() {
		if i := strings.Index(r, "/revisions/"); i > 0 {
			revs[r[:i]] = r
		}
	}
	comments := map[string]string{}
	for _, ic := range sub.GetItemComments() {
		comments[ic.GetItem()] = ic.GetComment()
	}
	returned := map[string]bool{}
	for _, n := range sub.GetReturnedItems() {
		returned[n] = true
	}
	var items []*itemReview
	seen := map[string]bool{}
	for _, n := range append(append([]string{}, sub.GetItems()...), sub.GetReturnedItems()...) {
		if seen[n] {
			continue // a rejected batch lists its items as returned too
		}
		seen[n] = true
		r, err := reviewItem(ctx, c, n, revs[n])
		if err != nil {
			return err
		}
		r.Returned = returned[n]
		r.Comment = comments[n]
		items = append(items, r)
	}
	deptName := strings.SplitN(name, "/submissions/", 2)[0]
	dept, err := c.Registry.GetDepartment(ctx, &pb.GetDepartmentRequest{Name: deptName})
	if err != nil {
		return err
	}
	if a.json() {
		return writeJSON(a.stdout, struct {
			Submission json.RawMessage `json:"submission"`
			Items      []*itemReview   `json:"items"`
		}{protoJSON(sub), items})
	}
	return a.printSubmission(sub, dept.GetDepartment(), items)
}

var changeText = map[string]string{
	pb.ChangeKind_CHANGE_KIND_CREATE.String():  "新增 / new",
	pb.ChangeKind_CHANGE_KIND_MODIFY.String():  "修改 / modified",
	pb.ChangeKind_CHANGE_KIND_ABOLISH.String(): "废止 / abolish",
}

func (a *app) printSubmission(sub *pb.Submission, dept *pb.Department, items []*itemReview) error {
	t := &table{}
	t.add("批次 submission", sub.GetName())
	t.add("状态 state", submissionStateText[sub.GetState()])
	t.add("部门 department", dept.GetDisplayName()+" ("+dept.GetName()+")")
	t.add("报送人 submitter", principal.Escape(sub.GetSubmitter()))
	t.add("说明 comment", sub.GetComment())
	if sub.GetReviewer() != "" {
		t.add("审核人 reviewer", principal.Escape(sub.GetReviewer()))
		t.add("审核意见 review", sub.GetReviewComment())
	}
	if sub.GetPublication() != "" {
		t.add("发布 publication", sub.GetPublication())
	}
	t.add("更新 updated", timeText(sub.GetUpdateTime()))
	t.add("事项 items", fmt.Sprintf("%d，退回 %d / %d, returned %d", len(sub.GetItems()), len(sub.GetReturnedItems()),
		len(sub.GetItems()), len(sub.GetReturnedItems())))
	if err := t.write(a.stdout); err != nil {
		return err
	}
	var b strings.Builder
	for _, r := range items {
		fmt.Fprintf(&b, "\n%s  %s  [%s]\n", oneLine(r.Item), oneLine(r.DisplayName), oneLine(r.Category))
		kind := changeText[r.Change]
		switch {
		case r.Change == pb.ChangeKind_CHANGE_KIND_MODIFY.String() && len(r.Changes) == 0:
			kind += ": 无变化 / no change"
		case len(r.Changes) > 0:
			kind += ":"
		}
		if r.Change == pb.ChangeKind_CHANGE_KIND_MODIFY.String() && r.InForce == "" {
			kind = "已发布 / published"
		}
		fmt.Fprintf(&b, "  %s\n", kind)
		ct := &table{}
		for _, c := range r.Changes {
			ct.add("    "+c.Label, orNone(c.From)+" → "+orNone(c.To))
		}
		_ = ct.write(&b)
		if r.Returned {
			fmt.Fprintf(&b, "  退回修改 / returned: %s\n", oneLine(r.Comment))
		} else if r.Comment != "" {
			fmt.Fprintf(&b, "  审核意见 / comment: %s\n", oneLine(r.Comment))
		}
	}
	_, err := fmt.Fprint(a.stdout, b.String())
	return err
}

func orNone(s string) string {
	if s == "" {
		return "（空）"
	}
	return oneLine(s)
}
