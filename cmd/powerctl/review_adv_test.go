package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// submittedSheet submits the land bureau's items of completeRows and
// exports the batch's review sheet as 审核表.csv.
func submittedSheet(t *testing.T) (e *env, batch, path string) {
	e = start(t)
	dir := t.TempDir()
	e.importJSON("clerk", "--create-departments", writeRows(t, dir, "list.csv", completeRows()))
	batch = nameOf(t, e.ok("clerk", "submit", "--department", e.departmentID("市国土资源局")))
	path = filepath.Join(dir, "审核表.csv")
	e.ok("reviewer", "review", "export", batch, "-o", path)
	return e, batch, path
}

// A comment the server refuses (here a control character, as pasted from a
// terminal) is reported on the sheet's row and column, not as the API's
// returned_items[i]: the reviewer knows rows. Nothing is reviewed.
func TestReviewImportBadCommentNamesRow(t *testing.T) {
	e, batch, path := submittedSheet(t)
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

// A review sheet is the content the reviewer judged: applied to a batch
// whose item differs from its row (a sheet of an earlier batch of the same
// items, exported before the clerk edited one; or a cell the reviewer
// "corrected", which would not be applied) it is refused naming the row and
// column, and nothing is reviewed.
func TestReviewImportStaleSheet(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.importJSON("clerk", "--create-departments", writeRows(t, dir, "list.csv", completeRows()))
	land := e.departmentID("市国土资源局")
	first := nameOf(t, e.ok("clerk", "submit", "--department", land))
	old := filepath.Join(dir, "first.csv")
	e.ok("reviewer", "review", "export", first, "-o", old)

	// The clerk withdraws, edits an item, submits again: same items.
	e.ok("clerk", "submissions", "withdraw", first)
	penalty := e.byDisplayName()["对非法占用土地的处罚"]
	c := e.dial("clerk")
	if _, err := c.Registry.UpdateItem(t.Context(), &pb.UpdateItemRequest{Item: &pb.Item{Name: penalty.GetName(), Remark: "期限改为十个工作日"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}}); err != nil {
		t.Fatal(err)
	}
	second := nameOf(t, e.ok("clerk", "submit", "--department", land))

	r := e.fails(1, "reviewer", "review", "import", second, old)
	recs := readCSV(t, old)
	line := 0
	for i, rec := range recs {
		if rec[column(t, recs[0], "事项标识")] == penalty.GetName() {
			line = i + 1
		}
	}
	for _, want := range []string{fmt.Sprintf("first.csv 第%d行: 「备注」与批次中的事项 %s 不同", line, penalty.GetName()),
		"备注 differ from item " + penalty.GetName(), "export the review sheet again", "nothing was reviewed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("review import of the first batch's sheet lacks %q:\n%s", want, r)
		}
	}
	if s := e.submission(second); s.GetState() != pb.Submission_STATE_SUBMITTED {
		t.Fatalf("a refused review import changed the batch: %v", s)
	}

	// A fresh sheet with a cell "corrected" by the reviewer: refused too.
	fresh := filepath.Join(dir, "second.csv")
	e.ok("reviewer", "review", "export", second, "-o", fresh)
	recs = readCSV(t, fresh)
	recs[2][column(t, recs[0], "职权名称")] += "（改）"
	writeCSV(t, fresh, recs)
	r = e.fails(1, "reviewer", "review", "import", second, fresh)
	if !strings.Contains(r.stderr, "second.csv 第3行: 「职权名称」与批次中的事项") {
		t.Errorf("review import of an edited sheet:\n%s", r)
	}
	// Exported again and applied: approved.
	e.ok("reviewer", "review", "export", second, "-o", fresh)
	r = e.ok("reviewer", "review", "import", second, fresh)
	if s := e.submission(second); s.GetState() != pb.Submission_STATE_APPROVED {
		t.Errorf("batch after the fresh sheet: %v\n%s", s, r)
	}
}

// A sheet without the 事项标识 column is not a review sheet: that one
// problem is said, not once more for each row and each item of the batch
// (20,000 lines for a 10,000-item batch).
func TestReviewImportNotASheet(t *testing.T) {
	e, batch, path := submittedSheet(t)
	recs := readCSV(t, path)
	id := column(t, recs[0], "事项标识")
	for i := range recs {
		recs[i] = append(recs[i][:id:id], recs[i][id+1:]...)
	}
	writeCSV(t, path, recs)
	r := e.fails(1, "reviewer", "review", "import", batch, path)
	want := "审核表.csv: 审核表缺少「事项标识」列：请用 powerctl review export 导出的表 / 审核表.csv: the review sheet has no column 事项标识: use the sheet powerctl review export writes\n" +
		"powerctl: 审核表有 1 个问题，未做任何审核；请按上面的说明改正后重新导入 / the review sheet has 1 problems; nothing was reviewed. Fix them as said above and import it again\n"
	if r.stderr != want {
		t.Errorf("review import without 事项标识:\n%s\nwant:\n%s", r, want)
	}
}

// differingColumns compares a sheet's row with the batch's item as a
// round trip through the sheet leaves it: an item stored before the rules
// on characters (a control character, CR LF, spaces the reader trims) is
// not taken for an edited row; an edit is.
func TestDifferingColumnsRoundTrip(t *testing.T) {
	it := &pb.Item{Name: "departments/gtzyj/items/1", DisplayName: " 对非法占用土地的处罚 ", Category: pb.Category_CATEGORY_PENALTY,
		LegalBases: []*pb.LegalBasis{{Text: "《中华人民共和国土地管理法》\x1b第七十七条"}}, Remark: "第一行\r\n第二行\u00a0",
		Responsibilities: []string{"立案 ", "调查取证"}}
	var b bytes.Buffer
	if err := sheet.WriteCSVColumns(&b, []sheet.Row{{Department: "市国土资源局", Item: it}}, sheet.ReviewKeys); err != nil {
		t.Fatal(err)
	}
	rows, problems, err := sheet.ReadCSV(bytes.NewReader(b.Bytes()), "x.csv", sheet.Options{})
	if err != nil || len(problems) != 0 || len(rows) != 1 {
		t.Fatalf("read back: %v %v %d rows", err, problems, len(rows))
	}
	if d := differingColumns(rows[0].Item, it); len(d) != 0 {
		t.Errorf("a round trip differs in %v: %q", d, b.String())
	}
	rows[0].Item.Remark += "（改）"
	rows[0].Item.LegalBases = nil
	if d := differingColumns(rows[0].Item, it); strings.Join(d, ",") != "设定依据,备注" {
		t.Errorf("an edited row differs in %v, want 设定依据 and 备注", d)
	}
}
