package main

import (
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// A comment the server refuses (here a control character, as pasted from a
// terminal) is reported on the sheet's row and column, not as the API's
// returned_items[i]: the reviewer knows rows. Nothing is reviewed.
func TestReviewImportBadCommentNamesRow(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.importJSON("clerk", "--create-departments", writeRows(t, dir, "list.csv", completeRows()))
	batch := nameOf(t, e.ok("clerk", "submit", "--department", e.departmentID("市国土资源局")))
	path := filepath.Join(dir, "审核表.csv")
	e.ok("reviewer", "review", "export", batch, "-o", path)
	recs := readCSV(t, path)
	commentCol := column(t, recs[0], "审核意见（退回时填写）")
	recs[1][commentCol] = "请核实"
	recs[3][commentCol] = "期限\x1b[31m有误"
	writeCSV(t, path, recs)

	r := e.fails(1, "reviewer", "review", "import", batch, path)
	for _, want := range []string{"审核表.csv 第4行「审核意见（退回时填写）」: ", "U+001B", "row 4, column 审核意见（退回时填写）", "nothing was reviewed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("review import with a control character lacks %q:\n%s", want, r)
		}
	}
	if strings.Contains(r.stderr, "returned_items") {
		t.Errorf("review import names the API's list, not the row:\n%s", r)
	}
	if s := e.submission(batch); s.GetState() != pb.Submission_STATE_SUBMITTED {
		t.Fatalf("a refused review import changed the batch: %v", s)
	}
}
