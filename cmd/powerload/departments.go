package main

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// batch is a submitted batch (报送批次) on its way to a reviewer.
type batch struct {
	dept       *department
	number     int      // the department's batch number, from 1: it seeds the reviewer's decision
	submission string   // departments/{id}/submissions/{n}
	items      []string // item names
	returnable []string // items the reviewer may return alone: not main items of sub-items in the batch
	verdict    chan<- []string
}

// created is an item a department created: what the check expects in the
// catalogue.
type created struct {
	name        string // departments/{id}/items/{n}
	displayName string
	subItem     bool
}

// departmentWork enters a department's items round by round (CreateItem
// calls and ImportItems streams in turn), submits each round as a batch
// without waiting for its review, fixes and resubmits what reviewers
// return, and ends when every item is approved.
type departmentWork struct {
	dept    *department
	o       *options
	rec     *recorder
	gen     *generator
	review  chan<- batch
	verdict chan []string // items returned by a review; empty when all were approved
	created []created
	mainOf  map[string]string // sub-item name → main item name
	batches int
	pending int // batches submitted and not yet reviewed
	fixes   int // items fixed after a return
}

func newDepartmentWork(d *department, o *options, rec *recorder, review chan<- batch) *departmentWork {
	// Each batch gets at most one verdict, and a department has at most
	// one batch per item in review: a verdict never waits for room.
	return &departmentWork{dept: d, o: o, rec: rec, gen: newGenerator(o.seed, d.index), review: review,
		verdict: make(chan []string, o.items+1), mainOf: map[string]string{}}
}

func (w *departmentWork) run(ctx context.Context) error {
	for round := 0; len(w.created) < w.o.items; round++ {
		rows := w.gen.round(min(w.o.batch, w.o.items-len(w.created)))
		enter := w.createItems
		if w.o.importEvery > 0 && round%w.o.importEvery == w.o.importEvery-1 {
			enter = w.importItems
		}
		names, err := enter(ctx, rows)
		if err != nil {
			return err
		}
		byDisplayName := map[string]string{}
		for i, r := range rows {
			w.created = append(w.created, created{name: names[i], displayName: r.item.GetDisplayName(), subItem: r.mainItem != ""})
			byDisplayName[r.item.GetDisplayName()] = names[i]
			if r.mainItem != "" {
				w.mainOf[names[i]] = byDisplayName[r.mainItem]
			}
		}
		if err := w.submit(ctx, names); err != nil {
			return err
		}
		for drained := false; !drained; { // take the verdicts that came meanwhile
			select {
			case returned := <-w.verdict:
				if err := w.reviewed(ctx, returned); err != nil {
					return err
				}
			default:
				drained = true
			}
		}
	}
	for w.pending > 0 {
		select {
		case returned := <-w.verdict:
			if err := w.reviewed(ctx, returned); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// returnable lists the items of a batch that are not the main item of a
// sub-item in it: returning a main item alone would hold its approved
// sub-items back from publication (a sub-item needs its main item in force).
func (w *departmentWork) returnable(items []string) []string {
	mains := map[string]bool{}
	for _, it := range items {
		mains[w.mainOf[it]] = true
	}
	var out []string
	for _, it := range items {
		if !mains[it] {
			out = append(out, it)
		}
	}
	return out
}

func (w *departmentWork) createItems(ctx context.Context, rows []row) ([]string, error) {
	names := make([]string, len(rows))
	byName := map[string]string{} // display name → item name, for sub-items' parent
	for i, r := range rows {
		r.item.Parent = byName[r.mainItem]
		err := w.rec.do(ctx, "CreateItem", func(ctx context.Context) error {
			resp, err := w.dept.editor.Registry.CreateItem(ctx, &pb.CreateItemRequest{Parent: w.dept.name, Item: r.item})
			names[i] = resp.GetItem().GetName()
			return err
		})
		if err != nil {
			return nil, err
		}
		byName[r.item.GetDisplayName()] = names[i]
	}
	return names, nil
}

func (w *departmentWork) importItems(ctx context.Context, rows []row) ([]string, error) {
	in := make([]*pb.ImportRow, len(rows))
	for i, r := range rows {
		in[i] = &pb.ImportRow{Item: r.item, MainItem: r.mainItem}
	}
	var names []string
	err := w.rec.do(ctx, "ImportItems", func(ctx context.Context) error {
		resp, err := w.dept.editor.Import(ctx, in, client.ImportOptions{Parent: w.dept.name})
		names = resp.GetItems()
		return err
	})
	if err == nil && len(names) != len(rows) {
		err = fmt.Errorf("%s: import of %d rows created %d items", w.dept.name, len(rows), len(names))
		w.rec.failed(err)
	}
	return names, err
}

// submit groups items into a batch, submits it and hands it to the
// reviewers.
func (w *departmentWork) submit(ctx context.Context, items []string) error {
	w.batches++
	comment := fmt.Sprintf("第%d批", w.batches)
	var name string
	err := w.rec.do(ctx, "CreateSubmission", func(ctx context.Context) error {
		resp, err := w.dept.editor.Registry.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: w.dept.name,
			Submission: &pb.Submission{Items: items, Comment: comment}})
		name = resp.GetSubmission().GetName()
		return err
	})
	if err != nil {
		return err
	}
	err = w.rec.do(ctx, "SubmitSubmission", func(ctx context.Context) error {
		_, err := w.dept.editor.Registry.SubmitSubmission(ctx, &pb.SubmitSubmissionRequest{Name: name, Comment: comment + "，请审核"})
		return err
	})
	if err != nil {
		return err
	}
	w.pending++
	w.review <- batch{dept: w.dept, number: w.batches, submission: name, items: items, returnable: w.returnable(items), verdict: w.verdict}
	return nil
}

// reviewed takes a verdict: returned items are read, fixed as the
// reviewer asked and submitted again as a new batch.
func (w *departmentWork) reviewed(ctx context.Context, returned []string) error {
	w.pending--
	if len(returned) == 0 {
		return nil
	}
	for _, name := range returned {
		var item *pb.Item
		err := w.rec.do(ctx, "GetItem", func(ctx context.Context) error {
			resp, err := w.dept.editor.Registry.GetItem(ctx, &pb.GetItemRequest{Name: name})
			item = resp.GetItem()
			return err
		})
		if err != nil {
			return err
		}
		if item.GetState() != pb.Item_STATE_RETURNED {
			err := fmt.Errorf("%s: returned by a reviewer but %s", name, item.GetState())
			w.rec.failed(err)
			return err
		}
		w.fixes++
		err = w.rec.do(ctx, "UpdateItem", func(ctx context.Context) error {
			_, err := w.dept.editor.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{
				Item:       &pb.Item{Name: name, Remark: "已按审核意见修改：" + item.GetReviewComment(), Etag: item.GetEtag()},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}})
			return err
		})
		if err != nil {
			return err
		}
	}
	return w.submit(ctx, returned)
}
