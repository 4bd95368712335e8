package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/powerreg/powerreg/internal/report"
)

// result is a run's outcome.
type result struct {
	report   string
	problems []string // discrepancies the check found
	errors   int      // calls that failed, wrong answers
}

func (r *result) ok() bool { return len(r.problems) == 0 && r.errors == 0 }

// The operations in the report's order: the departments', the reviewers',
// the publishers', the portal's.
var reportOrder = []string{"CreateItem", "ImportItems", "CreateSubmission", "SubmitSubmission", "GetItem", "UpdateItem",
	"GetSubmission", "ApproveSubmission", "RejectSubmission", "ListSubmissions (approved)", "CreatePublication",
	"ListCatalogItems (category page)", "ListCatalogItems (q)", "GetCatalogItem", "ListCatalogChanges", "GetCatalogStats"}

var portalOps = reportOrder[11:]

// run sets up the target, runs the load, checks the catalogue and writes
// the report to out.
func run(parent context.Context, o *options, out io.Writer) (*result, error) {
	t, err := startTarget(o, out)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	c, err := setup(parent, t, o, newRecorder(o.callTimeout))
	if err != nil {
		return nil, fmt.Errorf("set up departments and tokens: %w", err)
	}
	defer c.close()
	fmt.Fprintf(out, "%d departments, %d reviewers, %d publishers ready; loading …\n", len(c.departments), len(c.reviewers), len(c.publishers))

	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	rec := newRecorder(o.callTimeout)
	start := time.Now()

	stopReading := make(chan struct{})
	var readers sync.WaitGroup
	for i := range o.readers {
		readers.Go(func() { portalReader(ctx, c.portal, o, rec, i, stopReading) })
	}

	doneSubmitting := make(chan struct{})
	var publishers sync.WaitGroup
	published := make([]int, len(c.publishers))
	for i, p := range c.publishers {
		mine := map[string]bool{}
		for _, d := range c.departments {
			if d.index%len(c.publishers) == i {
				mine[d.name] = true
			}
		}
		publishers.Go(func() {
			var err error
			if published[i], err = publisher(ctx, p, o, rec, mine, doneSubmitting); err != nil {
				cancel()
			}
		})
	}

	review := make(chan batch, o.departments*o.items)
	var reviewers sync.WaitGroup
	for _, r := range c.reviewers {
		reviewers.Go(func() {
			if reviewer(ctx, r, o, rec, review) != nil {
				cancel()
			}
		})
	}

	works := make([]*departmentWork, len(c.departments))
	var departments sync.WaitGroup
	for i, d := range c.departments {
		works[i] = newDepartmentWork(d, o, rec, review)
		departments.Go(func() {
			if works[i].run(ctx) != nil {
				cancel()
			}
		})
	}
	departments.Wait()
	close(review)
	reviewers.Wait()
	approvedAfter := time.Since(start)
	close(doneSubmitting) // the publishers publish what is still approved, and stop
	publishers.Wait()
	elapsed := time.Since(start)
	close(stopReading)
	readers.Wait()
	if err := parent.Err(); err != nil {
		return nil, err
	}

	created := map[string][]created{}
	var s summary
	for _, w := range works {
		created[w.dept.name] = w.created
		s.add(w)
	}
	for _, n := range published {
		s.published += n
	}
	obs, err := observe(parent, c.portal, created)
	if err != nil {
		return nil, err
	}
	obs.published = s.published
	res := &result{problems: check(obs)}
	var errs []string
	res.errors, errs = rec.errors()

	var b strings.Builder
	fmt.Fprintf(&b, "\ncommand: %s\n", o.commandLine)
	fmt.Fprintf(&b, "load: %d departments × %d items, batches of %d (1 batch in %d imported), %d reviewers (%.0f%% of batches with an item returned, %.0f%% returned whole), %d publisher(s) every %s, %d portal readers (pause %s)\n\n",
		o.departments, o.items, o.batch, o.importEvery, o.reviewers, 100*o.returnRate, 100*o.rejectRate, o.publishers, o.publishEvery, o.readers, o.readPause)
	b.WriteString(rec.table(reportOrder, elapsed))
	b.WriteString("\n")
	b.WriteString(s.table(rec, approvedAfter, elapsed))
	b.WriteString("\n")
	if res.errors > 0 {
		fmt.Fprintf(&b, "ERRORS: %d calls failed or answered wrongly / 调用出错; the first:\n  - %s\n", res.errors, strings.Join(errs, "\n  - "))
	}
	if len(res.problems) > 0 {
		fmt.Fprintf(&b, "CHECK FAILED: %d discrepancies / 核对不符:\n  - %s\n", len(res.problems), strings.Join(res.problems, "\n  - "))
	} else {
		fmt.Fprintf(&b, "check passed / 核对通过: all %d created items are in the catalogue exactly once (by department and name), "+
			"codes are unique, the change feed replayed from the beginning equals the catalogue (%d items in all), and the stats agree\n",
			s.items+s.subItems, len(obs.catalog))
	}
	res.report = b.String()
	fmt.Fprint(out, res.report)
	return res, nil
}

// summary adds up what the departments and publishers did.
type summary struct {
	items, subItems, batches, fixes, published int
}

func (s *summary) add(w *departmentWork) {
	for _, c := range w.created {
		if c.subItem {
			s.subItems++
		} else {
			s.items++
		}
	}
	s.batches += w.batches
	s.fixes += w.fixes
}

// table is the run's figures: how much was done and how fast.
func (s *summary) table(rec *recorder, approvedAfter, elapsed time.Duration) string {
	reads := 0
	for _, op := range portalOps {
		reads += rec.calls(op)
	}
	total := s.items + s.subItems
	rows := [][]string{
		{"items created (main items + sub-items)", fmt.Sprintf("%d (%d + %d)", total, s.items, s.subItems)},
		{"batches submitted (resubmissions after a return included)", fmt.Sprint(s.batches)},
		{"items returned, fixed and submitted again", fmt.Sprint(s.fixes)},
		{"items published, in publications", fmt.Sprintf("%d in %d", s.published, rec.calls("CreatePublication"))},
		{"time until every item was approved", round(approvedAfter).String()},
		{"time until every item was published", round(elapsed).String()},
		{"items published per second", fmt.Sprintf("%.1f", float64(s.published)/elapsed.Seconds())},
		{"portal reads per second (all readers)", fmt.Sprintf("%.1f", float64(reads)/elapsed.Seconds())},
	}
	return report.Table([]string{"figure", "value"}, rows)
}
