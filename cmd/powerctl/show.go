package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/principal"
)

// showSubmission prints a batch and every item of it in full, as a
// reviewer judges it. The items come from ListSubmissionItems: one call
// for a batch of up to 1000 items (not two per item), so that showing a
// big batch does not run into the server's rate limits.
func (a *app) showSubmission(ctx context.Context, c *client.Client, name string) error {
	resp, err := c.Registry.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: name})
	if err != nil {
		return err
	}
	sub := resp.GetSubmission()
	items, err := c.SubmissionItems(ctx, name)
	if err != nil {
		return err
	}
	if a.json() {
		return writeJSON(a.stdout, struct {
			Submission json.RawMessage   `json:"submission"`
			Items      []json.RawMessage `json:"items"`
		}{protoJSON(sub), protoList(items)})
	}
	dept, err := c.Registry.GetDepartment(ctx, &pb.GetDepartmentRequest{Name: strings.SplitN(name, "/submissions/", 2)[0]})
	if err != nil {
		return err
	}
	names, err := mainItemNames(ctx, c, name, items)
	if err != nil {
		return err
	}
	return a.printSubmission(sub, dept.GetDepartment(), items, names)
}

// changeText labels a change kind (by its enum name): the field table's
// label, then in English.
var changeText = map[string]string{
	pb.ChangeKind_CHANGE_KIND_CREATE.String():  sheet.ChangeLabel(pb.ChangeKind_CHANGE_KIND_CREATE) + " / new",
	pb.ChangeKind_CHANGE_KIND_MODIFY.String():  sheet.ChangeLabel(pb.ChangeKind_CHANGE_KIND_MODIFY) + " / modified",
	pb.ChangeKind_CHANGE_KIND_ABOLISH.String(): sheet.ChangeLabel(pb.ChangeKind_CHANGE_KIND_ABOLISH) + " / abolish",
}

func (a *app) printSubmission(sub *pb.Submission, dept *pb.Department, items []*pb.SubmissionItem, names map[string]string) error {
	v := &view{}
	v.add("批次 submission", sub.GetName())
	v.add("状态 state", submissionStateText[sub.GetState()])
	v.add("部门 department", dept.GetDisplayName()+" ("+dept.GetName()+")")
	v.add("报送人 submitter", principal.Escape(sub.GetSubmitter()))
	v.add("说明 comment", sub.GetComment())
	v.add("审核人 reviewer", principal.Escape(sub.GetReviewer()))
	v.add("审核意见 review", sub.GetReviewComment())
	v.add("发布 publication", sub.GetPublication())
	v.add("更新 updated", timeText(sub.GetUpdateTime()))
	v.add("事项 items", batchCounts(items))
	var b strings.Builder
	v.write(&b, 0)
	for _, n := range itemTree(items, names) {
		b.WriteByte('\n')
		writeSubmissionItem(&b, n.item, n.depth*4, n.parent)
	}
	_, err := fmt.Fprint(a.stdout, b.String())
	return err
}

// batchCounts sums a batch up: items by change, returned, lacking what
// submission requires.
func batchCounts(items []*pb.SubmissionItem) string {
	var created, modified, abolished, returned, lacking int
	for _, it := range items {
		switch it.GetChange() {
		case pb.ChangeKind_CHANGE_KIND_CREATE:
			created++
		case pb.ChangeKind_CHANGE_KIND_MODIFY:
			modified++
		case pb.ChangeKind_CHANGE_KIND_ABOLISH:
			abolished++
		}
		if it.GetReturned() {
			returned++
		}
		if len(it.GetMissing()) > 0 {
			lacking++
		}
	}
	s := fmt.Sprintf("%d：新增 %d，修改 %d，废止 %d / %d: %d new, %d modified, %d abolished", len(items), created, modified, abolished,
		len(items), created, modified, abolished)
	if returned > 0 {
		s += fmt.Sprintf("；退回 %d / returned %d", returned, returned)
	}
	if lacking > 0 {
		s += fmt.Sprintf("；%d 个不完整 / %d incomplete", lacking, lacking)
	}
	return s
}

// treeNode is an item of a batch in the order review show prints it.
type treeNode struct {
	item   *pb.SubmissionItem
	depth  int    // 1 for a sub-item printed under its main item
	parent string // how the main item is named, "" for a main item
}

// mainItemNames maps the items of a batch and the main items of its
// sub-items to their display names: those in the batch from it, the
// others from one list of the department's items (not a call per main
// item: a big batch must not run into the rate limits).
func mainItemNames(ctx context.Context, c *client.Client, submission string, items []*pb.SubmissionItem) (map[string]string, error) {
	names := map[string]string{}
	for _, si := range items {
		names[si.GetItem().GetName()] = si.GetItem().GetDisplayName()
	}
	for _, si := range items {
		if p := si.GetItem().GetParent(); p != "" && names[p] == "" {
			list, err := c.Items(ctx, strings.SplitN(submission, "/submissions/", 2)[0], pb.Item_STATE_UNSPECIFIED)
			if err != nil {
				return nil, err
			}
			for _, it := range list {
				if names[it.GetName()] == "" {
					names[it.GetName()] = it.GetDisplayName()
				}
			}
			break
		}
	}
	return names, nil
}

// itemTree orders a batch's items as main item → sub-items: each sub-item
// whose main item is in the batch right after it, indented; the others in
// the batch's order. names are the display names of mainItemNames.
func itemTree(items []*pb.SubmissionItem, names map[string]string) []treeNode {
	inBatch := map[string]*pb.SubmissionItem{}
	for _, it := range items {
		inBatch[it.GetItem().GetName()] = it
	}
	children := map[string][]*pb.SubmissionItem{}
	for _, it := range items {
		if p := it.GetItem().GetParent(); p != "" && inBatch[p] != nil {
			children[p] = append(children[p], it)
		}
	}
	var out []treeNode
	for _, it := range items {
		p := it.GetItem().GetParent()
		if p != "" && inBatch[p] != nil {
			continue // printed under its main item
		}
		parent := ""
		if p != "" {
			parent = quoteName(names[p]) + " (" + p + "，不在本批次 / not in this batch)"
		}
		out = append(out, treeNode{item: it, parent: parent})
		for _, child := range children[it.GetItem().GetName()] {
			out = append(out, treeNode{item: child, depth: 1, parent: quoteName(it.GetItem().GetDisplayName())})
		}
	}
	return out
}

// writeSubmissionItem writes one item of a batch: a heading (change, name),
// marks for what submission requires and the item lacks, the review
// comment and the department's answer, the differences from the revision
// in force, then every field that is set: what a reviewer must judge
// first.
func writeSubmissionItem(b *strings.Builder, si *pb.SubmissionItem, indent int, parent string) {
	it := si.GetItem()
	kind := changeText[si.GetChange().String()]
	if kind == "" {
		kind = si.GetChange().String()
	}
	if si.GetChange() == pb.ChangeKind_CHANGE_KIND_MODIFY && len(si.GetDifferences()) == 0 {
		kind += "（无变化 / no change）"
	}
	pad := strings.Repeat(" ", indent)
	writeWrapped(b, pad+"■ ", pad+"  ", kind+"  "+oneLine(it.GetName())+"  "+quoteName(it.GetDisplayName()))
	v := &view{}
	for _, m := range si.GetMissing() {
		v.addNote("！" + missingText(m))
	}
	if si.GetReturned() {
		v.addNote("！本批次中已退回 / returned in this batch")
	}
	v.add("审核意见 review comment", si.GetReviewComment())
	v.add("部门答复 reply", si.GetReply())
	v.addDifferences(si.GetDifferences(), si.GetPublished(), it)
	v.addContent(it, parent)
	v.write(b, indent+2)
}
