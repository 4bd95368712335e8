package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// The Guang'an round trip, through powerctl
// against a real server with its default limits: the real list imported
// with --create-departments (the departments get region 511602 from its
// 区划代码 column), the working copy of 区行政审批局 (344 rows and the main
// items the import created: the district's biggest batch) exported, its
// 设定依据 column filled, imported back: no item created, every item
// updated; the batch submitted; the same file again changes nothing;
// review show prints the legal bases; the batch approved from a filled
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
	// (the batch read in one call, under the default limits); the batch
	// is approved from a filled review sheet with one row returned.
	r = e.ok("reviewer", "review", "show", sub)
	if c := strings.Count(r.stdout, "1. 《中华人民共和国行政许可法》第十二条\n"); c != n {
		t.Errorf("review show prints the first legal basis of %d items, want %d", c, n)
	}
	if !strings.Contains(r.stdout, "2. 《四川省政务服务管理办法》第1条\n") || strings.Contains(r.stdout, "！") {
		t.Errorf("review show: the second legal basis, or an item marked incomplete:\n%.3000s", r.stdout)
	}
	xlsx := filepath.Join(dir, "审核表.xlsx")
	e.ok("reviewer", "review", "export", sub, "-o", xlsx)
	header, rows := reviewSheet(t, xlsx)
	if len(rows) != n {
		t.Fatalf("review sheet: %d rows, want %d", len(rows), n)
	}
	idCol, commentCol := column(t, header, "事项标识"), column(t, header, "审核意见（退回时填写）")
	returned := rows[7][idCol]
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	cell, _ := excelize.CoordinatesToCellName(commentCol+1, 7+3)
	if err := f.SetCellValue(f.GetSheetName(0), cell, "设定依据条款有误，请核对"); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r = e.ok("reviewer", "review", "import", sub, xlsx)
	if want := fmt.Sprintf("%s: 已审核通过 %d 个事项，退回 1 个 / approved %d items, returned 1\n", sub, n-1, n-1); !strings.HasPrefix(r.stdout, want) {
		t.Errorf("review import: want %q, got %s", want, r)
	}
	s, err := e.c.Registry.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: sub})
	if err != nil || s.GetSubmission().GetState() != pb.Submission_STATE_APPROVED || len(s.GetSubmission().GetItems()) != n-1 ||
		len(s.GetSubmission().GetReturnedItems()) != 1 || s.GetSubmission().GetReturnedItems()[0] != returned {
		t.Errorf("the batch after review import: %v %v", s, err)
	}
	if it := e.item(returned); it.GetState() != pb.Item_STATE_RETURNED || it.GetReviewComment() != "设定依据条款有误，请核对" {
		t.Errorf("the returned item: %v", it)
	}
}
