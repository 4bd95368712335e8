package sheet

import (
	"bytes"
	"encoding/csv"
	"google.golang.org/protobuf/proto"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// richRows have every field set, in the form Read gives them.
func richRows() []Row {
	return []Row{
		{Department: "市国土资源局", Item: &pb.Item{
			DisplayName: "对非法占用土地的处罚", Category: pb.Category_CATEGORY_PENALTY, CategoryLabel: "处罚", Code: "430400-CF-001-0001-00",
			LegalBases: []*pb.LegalBasis{
				{Text: "《中华人民共和国土地管理法》第七十七条第一款", Title: "《中华人民共和国土地管理法》", Article: "第七十七条第一款"},
				{Text: "《土地管理法实施条例》第四十二条；第四十三条", Title: "《土地管理法实施条例》", Article: "第四十二条"},
			},
			Source: pb.PowerSource_POWER_SOURCE_ENTRUSTED, EntrustingBody: "省国土资源厅", HandlingUnit: "执法监察支队",
			Levels: []string{"市级", "县级"}, Responsibilities: []string{"立案", "调查取证", "决定"},
			Accountability:    []string{"对应当予以制止和处罚的违法行为不予制止、处罚的", "违反法定程序实施行政处罚的"},
			LegalTimeLimit:    &pb.TimeLimit{Value: 60, Unit: pb.TimeLimit_UNIT_DAY},
			PromisedTimeLimit: &pb.TimeLimit{Value: 20, Unit: pb.TimeLimit_UNIT_WORKING_DAY},
			Fee:               &pb.Fee{Charged: proto.Bool(true), Basis: "《行政事业性收费标准管理办法》", Standard: "每件50元"},
			ReviewAndForward:  proto.Bool(true), Remark: "2014 年梳理\n第二行, 带逗号和\"引号\""}},
		{Department: "市国土资源局", MainItem: "对非法占用土地的处罚", Item: &pb.Item{
			DisplayName: "子项：拒不交还土地的处罚", Category: pb.Category_CATEGORY_PENALTY, CategoryLabel: "行政处罚",
			// One basis citing two articles of one law: it comes back
			// whole, not split at the semicolon.
			LegalBases:     []*pb.LegalBasis{{Text: "《中华人民共和国土地管理法》第八十一条；第八十三条", Title: "《中华人民共和国土地管理法》", Article: "第八十一条"}},
			Source:         pb.PowerSource_POWER_SOURCE_STATUTORY,
			LegalTimeLimit: &pb.TimeLimit{Value: 3, Unit: pb.TimeLimit_UNIT_MONTH}}},
		{Department: "市民政局", Item: &pb.Item{DisplayName: "=1+1", Category: pb.Category_CATEGORY_OTHER, CategoryLabel: "其他权力",
			Code: "0012", Source: pb.PowerSource_POWER_SOURCE_AUTHORIZED, Fee: &pb.Fee{Basis: "免收"}}},
	}
}

func TestRoundTrip(t *testing.T) {
	want := richRows()
	for i := range want {
		want[i].Line = i + 2
	}
	opts := Options{Categories: map[string]pb.Category{"处罚": pb.Category_CATEGORY_PENALTY, "行政处罚": pb.Category_CATEGORY_PENALTY, "其他权力": pb.Category_CATEGORY_OTHER}}

	var buf bytes.Buffer
	if err := WriteCSV(&buf, want); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if !bytes.HasPrefix(data, utf8BOM) || !bytes.Contains(data, []byte("\r\n")) || bytes.Count(data, []byte("\n")) != bytes.Count(data, []byte("\r\n")) {
		t.Errorf("CSV is not UTF-8 with BOM and CRLF: %q", data[:40])
	}
	if !bytes.Contains(data, []byte("实施主体,大项,子项名称,职权名称,职权类型,职权编码,设定依据")) || !bytes.Contains(data, []byte("市级、县级")) ||
		!bytes.Contains(data, []byte(",60日,20个工作日,是,")) || !bytes.Contains(data, []byte(",3个月,,,,,,")) {
		t.Errorf("CSV:\n%s", data)
	}
	got, problems, err := ReadCSV(bytes.NewReader(data), "x.csv", opts)
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	sameRows(t, got, want, true)

	buf.Reset()
	if err := WriteXLSX(&buf, want); err != nil {
		t.Fatal(err)
	}
	got, problems, err = ReadXLSX(bytes.NewReader(buf.Bytes()), "x.xlsx", opts)
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	for i := range want {
		want[i].Line++ // the notes row
	}
	sameRows(t, got, want, true)
}

// An item from the server (category without label, enum label, fee not
// stated) is written with the Chinese label and an empty 是否收费 (never 否).
func TestWriteDefaults(t *testing.T) {
	cells := Cells(Row{Item: &pb.Item{DisplayName: "甲", Category: pb.Category_CATEGORY_COERCION,
		LegalTimeLimit: &pb.TimeLimit{Value: 5}, PromisedTimeLimit: &pb.TimeLimit{}}})
	if cells[cCategory] != "行政强制" || cells[cFeeCharged] != "" || cells[cReviewAndForward] != "" ||
		cells[cLegalTimeLimit] != "5日" || cells[cPromisedTimeLimit] != "" || cells[cSource] != "" {
		t.Errorf("cells %q", cells)
	}
	if got := Cells(Row{}); len(got) != len(Columns) {
		t.Errorf("Cells of an empty row: %q", got)
	}
}

// Rows read from a file without a department column are written without
// one, so that they read back.
func TestWriteWithoutDepartment(t *testing.T) {
	want := richRows()
	for i := range want {
		want[i].Department = ""
		want[i].Line = i + 3
	}
	for _, format := range []string{"csv", "xlsx"} {
		var buf bytes.Buffer
		read := ReadCSV
		if format == "csv" {
			if err := WriteCSV(&buf, want); err != nil {
				t.Fatal(err)
			}
		} else {
			if err := WriteXLSX(&buf, want); err != nil {
				t.Fatal(err)
			}
			read = ReadXLSX
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if dvs, err := f.GetDataValidations(SheetName); err != nil || len(dvs) != 1 || dvs[0].Sqref != "D3:D10000" {
				t.Errorf("drop-down %v %v, want on D3:D10000", dvs, err)
			}
			f.Close()
		}
		got, problems, err := read(bytes.NewReader(buf.Bytes()), "x."+format, Options{Categories: map[string]pb.Category{
			"处罚": pb.Category_CATEGORY_PENALTY, "行政处罚": pb.Category_CATEGORY_PENALTY, "其他权力": pb.Category_CATEGORY_OTHER}})
		if err != nil {
			t.Fatal(err)
		}
		noProblems(t, problems)
		if len(got) > 0 && got[0].Header[0] != "大项" {
			t.Errorf("%s: header %q", format, got[0].Header)
		}
		sameRows(t, got, want, format == "xlsx")
	}
}

func TestTemplate(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != SheetName {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(Headers(), ",") {
		t.Fatalf("rows %q", rows)
	}
	if !strings.HasPrefix(rows[1][0], "说明：") || len(rows[1]) != len(Columns) {
		t.Errorf("notes row %q", rows[1])
	}
	for i, note := range rows[1] {
		if !strings.Contains(note, " / ") {
			t.Errorf("note of %s is not bilingual: %q", Columns[i].Header, note)
		}
	}
	dvs, err := f.GetDataValidations(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	if len(dvs) != 1 {
		t.Fatalf("%d data validations, want 1", len(dvs))
	}
	dv := dvs[0]
	if dv.Type != "list" || dv.Sqref != "E3:E10000" || dv.Formula1 != `"`+strings.Join(CategoryLabels(), ",")+`"` {
		t.Errorf("data validation %s %s %s", dv.Type, dv.Sqref, dv.Formula1)
	}
	if rows[0][4] != "职权类型" {
		t.Errorf("column E is %s", rows[0][4])
	}
	panes, err := f.GetPanes(SheetName)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v %v", panes, err)
	}
	for i, c := range Columns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if w, err := f.GetColWidth(SheetName, name); err != nil || w < 10 {
			t.Errorf("column %s (%s) width %v %v", name, c.Header, w, err)
		}
	}

	got, problems, err := ReadXLSX(bytes.NewReader(buf.Bytes()), "template.xlsx", Options{})
	if err != nil || len(got) != 0 || len(problems) != 0 {
		t.Errorf("template reads as %d rows, problems %v, err %v", len(got), problems, err)
	}
}

// Bad rows go back to the department with their reasons; fixed, they import.
func TestRejects(t *testing.T) {
	_, problems, err := ReadCSV(csvOf(badLines...), "bad.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	header, lines, reasons := RejectLines(problems)
	if len(header) != 7 || len(lines) != 5 || len(reasons) != 5 {
		t.Fatalf("header %q, %d lines, %d reasons", header, len(lines), len(reasons))
	}
	if strings.Count(reasons[4], "\n") != 3 || !strings.HasPrefix(reasons[4], "第11行「部门」: ") {
		t.Errorf("reasons of line 11: %q", reasons[4])
	}
	var buf bytes.Buffer
	if err := WriteRejects(&buf, header, lines, reasons); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if !bytes.HasPrefix(data, utf8BOM) {
		t.Error("no BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 || recs[0][7] != RejectHeader || recs[1][0] != "坏类型" || recs[1][2] != "处分" || !strings.Contains(recs[1][7], "处分") {
		t.Fatalf("rejects file %q", recs)
	}

	// Read as is, the rejects file has the same problems (the reason column
	// is ignored).
	_, again, err := ReadCSV(bytes.NewReader(data), "rejects.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(problems) {
		t.Errorf("%d problems in the rejects file, want %d", len(again), len(problems))
	}
	// Fixed by the department, it imports. Columns: 事项名称,部门,事项类型,
	// 法定期限,是否收费,权力来源,承诺期限, then the reason.
	fixes := map[string][]string{
		"坏类型": {2: "行政处罚"},
		"":    {0: "新名称"},
		"坏期限": {3: "20日"},
		"坏布尔": {4: "否"},
		"两个错": {1: "区局", 2: "行政处罚", 5: "法定", 6: "1个月"},
	}
	var fixed [][]string
	for _, rec := range recs[1:] {
		fix, ok := fixes[rec[0]]
		if !ok {
			t.Fatalf("unexpected rejected row %q", rec)
		}
		for i, v := range fix {
			if v != "" {
				rec[i] = v
			}
		}
		fixed = append(fixed, rec[:7])
	}
	buf.Reset()
	if err := WriteRejects(&buf, header, fixed, make([]string, len(fixed))); err != nil {
		t.Fatal(err)
	}
	rows, still, err := ReadCSV(&buf, "fixed.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, still)
	if len(rows) != 5 || rows[4].Item.DisplayName != "两个错" || rows[4].Item.PromisedTimeLimit.GetUnit() != pb.TimeLimit_UNIT_MONTH {
		t.Errorf("fixed rows %v", rows)
	}

	// A row the server refused goes back the same way.
	if err := WriteRejects(&buf, rows[0].Header, [][]string{rows[0].Cells}, []string{"编码已被使用 / code in use"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteRejects(&buf, nil, [][]string{{"a"}}, nil); err == nil {
		t.Error("lines and reasons of different lengths: no error")
	}
}
