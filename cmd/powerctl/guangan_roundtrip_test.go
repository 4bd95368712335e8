package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// The Guang'an round trip of issue 11's "Done when", through powerctl
// against a real server with its default limits: the real list imported
// with --create-departments (the departments get region 511602 from its
// 区划代码 column), the working copy of 区行政审批局 (344 rows and the main
// items the import created: the district's biggest batch) exported, its
// 设定依据 column filled, imported back: no item created, every item
// updated; the batch submitted; the same file again changes nothing;
// review show prints the legal bases; the batch is approved from a filled
// review sheet with one row returned.
func TestGuanganRoundTrip(t *testing.T) {
	e := startLimited(t) // powerregd's default limits, rate limits included
	ctx := context.Background()
	dir := t.TempDir()

	r := e.ok("clerk", "import", "--create-departments", guangan)
	if !strings.Contains(r.stdout, "1135 new, 0 changed, 0 unchanged; created 112 main items and 34 departments") {
		t.Fatalf("import of the Guang'an list: %s", r)
	}
	for _, d := range e.departments() {
		if d.GetRegionCode() != "511602" {
			t.Errorf("%s: region %q, want 511602 (the file's 区划代码)", d.GetDisplayName(), d.GetRegionCode())
		}
	}
	id := e.departmentID("区行政审批局")
	itemsBefore := e.deptItems(id)

	path := filepath.Join(dir, id+".csv")
	e.ok("clerk", "export", "--working-copy", "--department", id, "-o", path)
	recs := readCSV(t, path)
	n := len(recs) - 1
	list, err := e.c.Items(ctx, departmentName(id), 0)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(list) || n < 344 {
		t.Fatalf("the working copy has %d rows, the department %d items", n, len(list))
	}
	basesCol := column(t, recs[0], "设定依据")
	for i, rec := range recs[1:] {
		rec[basesCol] = fmt.Sprintf("《中华人民共和国行政许可法》第十二条\n《四川省政务服务管理办法》第%d条", i+1)
	}
	writeCSV(t, path, recs)

	r = e.ok("clerk", "import", "--department", id, path)
	if want := fmt.Sprintf("0 new, %d changed, 0 unchanged", n); !strings.Contains(r.stdout, want) {
		t.Fatalf("import of the filled working copy: want %q in %s", want, r)
	}
	list, err = e.c.Items(ctx, departmentName(id), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n || len(e.items()) != 1135+112 {
		t.Errorf("%d items in the department, %d in all: an item was created", len(list), len(e.items()))
	}
	for _, it := range list {
		if len(it.GetLegalBases()) != 2 || itemsBefore[it.GetDisplayName()] == nil {
			t.Errorf("%s: %d legal bases", it.GetName(), len(it.GetLegalBases()))
		}
	}

	r = e.ok("clerk", "submit", "--department", id)
	if !regexp.MustCompile(fmt.Sprintf(`submitted %d items`, n)).MatchString(r.stdout) {
		t.Errorf("submit: %s", r)
	}
	sub := nameOf(t, r)

	// The same file again: every row equal to its item (now in review),
	// nothing changes.
	before := e.versions(id)
	r = e.ok("clerk", "import", "--department", id, path)
	if want := fmt.Sprintf("0 new, 0 changed, %d unchanged", n); !strings.Contains(r.stdout, want) {
		t.Errorf("re-import: want %q in %s", want, r)
	}
	if fmt.Sprint(e.versions(id)) != fmt.Sprint(before) {
		t.Error("re-importing the same file changed items")
	}
	got, err := e.c.Registry.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: sub})
	if err != nil || got.GetSubmission().GetState() != pb.Submission_STATE_SUBMITTED || len(got.GetSubmission().GetItems()) != n {
		t.Errorf("the batch: %v %v", got, err)
	}

	// The reviewer's half: review show prints every item's legal bases
	// (the batch read in one call, under the default rate limits); the
	// batch is decided from a filled review sheet, one row returned.
	r = e.ok("reviewer", "review", "show", sub)
	if c := strings.Count(r.stdout, "《中华人民共和国行政许可法》第十二条"); c != n {
		t.Errorf("review show printed the first legal basis %d times, want %d", c, n)
	}
	if !strings.Contains(r.stdout, fmt.Sprintf("《四川省政务服务管理办法》第%d条", n)) {
		t.Errorf("review show lacks the last row's second basis")
	}
	sheetPath := filepath.Join(dir, "审核表.csv")
	e.ok("reviewer", "review", "export", sub, "-o", sheetPath)
	recs = readCSV(t, sheetPath)
	if len(recs)-1 != n {
		t.Fatalf("the review sheet has %d rows, want %d", len(recs)-1, n)
	}
	idCol, commentCol := column(t, recs[0], "事项标识"), column(t, recs[0], "审核意见（退回时填写）")
	returned := recs[1][idCol]
	recs[1][commentCol] = "设定依据条款有误，请核实"
	writeCSV(t, sheetPath, recs)
	e.ok("reviewer", "review", "import", sub, sheetPath)
	got, err = e.c.Registry.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: sub})
	if err != nil {
		t.Fatal(err)
	}
	if s := got.GetSubmission(); s.GetState() != pb.Submission_STATE_APPROVED || len(s.GetReturnedItems()) != 1 ||
		s.GetReturnedItems()[0] != returned || len(s.GetItems()) != n-1 {
		t.Errorf("the batch after review import: %s, %d items, returned %v", s.GetState(), len(s.GetItems()), s.GetReturnedItems())
	}
	it, err := e.c.Registry.GetItem(ctx, &pb.GetItemRequest{Name: returned})
	if err != nil || it.GetItem().GetState() != pb.Item_STATE_RETURNED || it.GetItem().GetReviewComment() != "设定依据条款有误，请核实" {
		t.Errorf("the returned item: %v %v", it, err)
	}
}
