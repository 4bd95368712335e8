package sheet

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// An XLSX cell holds at most 32,767 characters and excelize cuts a longer
// one silently: five legal bases of 9,000 characters (the server allows
// 10,000 each) would come back cut on re-import, or be judged half-read
// from a review sheet. The writer refuses, naming the row, item and column
// and saying to use CSV, which has no such limit and keeps them whole.
func TestWriteXLSXRefusesOverlongCell(t *testing.T) {
	var bases []*pb.LegalBasis
	for range 5 {
		bases = append(bases, &pb.LegalBasis{Text: "《某法》第一条：" + strings.Repeat("依", 9000)})
	}
	rows := []Row{
		{Department: "巨局", Item: &pb.Item{Name: "departments/huge/items/1", DisplayName: "小事项", Category: pb.Category_CATEGORY_LICENSING}},
		{Department: "巨局", Item: &pb.Item{Name: "departments/huge/items/2", DisplayName: "巨大事项", Category: pb.Category_CATEGORY_LICENSING, LegalBases: bases}},
	}
	var buf bytes.Buffer
	err := WriteXLSXColumns(&buf, rows, ReviewKeys)
	if err == nil {
		t.Fatal("an XLSX with a 45,000-character cell was written")
	}
	for _, want := range []string{"第4行（departments/huge/items/2）的「设定依据」", "超过 XLSX 单元格 32767 个字符", "--format csv", "row 4 (departments/huge/items/2), column 设定依据"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if excelize.TotalCellChars != 32767 {
		t.Errorf("excelize's cell limit is %d", excelize.TotalCellChars)
	}

	// CSV keeps it whole.
	buf.Reset()
	if err := WriteCSVColumns(&buf, rows, ReviewKeys); err != nil {
		t.Fatal(err)
	}
	got, problems, err := ReadCSV(bytes.NewReader(buf.Bytes()), "x.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	if n := len(got[1].Item.GetLegalBases()); n != 5 || got[1].Item.GetLegalBases()[4].GetText() != bases[4].GetText() {
		t.Errorf("CSV round trip: %d bases", n)
	}
}
