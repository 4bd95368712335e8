package sheet

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

type wantProblem struct {
	line   int
	column string
	says   string // a piece of the message
}

func checkProblems(t *testing.T, got []Problem, want []wantProblem) {
	t.Helper()
	for _, p := range got {
		checkProblem(t, p)
	}
	if len(got) != len(want) {
		for _, p := range got {
			t.Log(p)
		}
		t.Fatalf("got %d problems, want %d", len(got), len(want))
	}
	for i, w := range want {
		p := got[i]
		if p.Line != w.line || p.Column != w.column || !strings.Contains(p.Message, w.says) {
			t.Errorf("problem %d: %s\nwant line %d, column %q, saying %q", i, p, w.line, w.column, w.says)
		}
	}
}

// badLines is a file with a problem in most rows; the header uses synonyms,
// so problems name the columns as the file writes them.
var badLines = []string{
	"事项名称,部门,事项类型,法定期限,是否收费,权力来源,承诺期限", // 1
	"说明：每行一个事项,,,,,,",                  // 2: notes row, skipped
	",,,,,,",                           // 3: empty, skipped
	"好事项,区局,行政许可,20个工作日,否,法定,",         // 4: good
	"坏类型,区局,处分,,,,",                    // 5
	",区局,行政许可,,,,",                     // 6: no name
	"坏期限,区局,行政许可,两周,,,",                // 7
	"坏布尔,区局,行政许可,,可能,,",                // 8
	"\"多行\n名称\",区局,行政许可,,,,",           // 9 (two physical lines)
	"",                     // 10: blank line
	"两个错,,罚款,,,自己,1年",      // 11: four problems
	"　 ,\u00a0,\u3000,,,,", // 12: spaces only: empty
	"最后,区局,CATEGORY_PENALTY,30天,1,受委托,3月", // 13: good
}

var badWant = []wantProblem{
	{5, "事项类型", "未知的事项类型“处分”，请填写以下之一：行政许可、管理服务、行政处罚、行政监督、行政裁决、行政强制、行政征收、行政给付、行政确认、其他权力 / "},
	{6, "事项名称", "事项名称为空"},
	{7, "法定期限", "“两周”，请写成“20个工作日”"},
	{8, "是否收费", "“可能”"},
	{11, "部门", "部门为空"},
	{11, "事项类型", "“罚款”"},
	{11, "权力来源", "“自己”"},
	{11, "承诺期限", "“1年”"},
}

func TestReadBadCSV(t *testing.T) {
	rows, problems, err := ReadCSV(csvOf(badLines...), "bad.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems, badWant)
	for _, p := range problems {
		if p.File != "bad.csv" || p.Cells == nil || p.Header == nil || p.Header[0] != "事项名称" {
			t.Errorf("problem %s: file %q, cells %q, header %q", p, p.File, p.Cells, p.Header)
		}
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3", len(rows))
	}
	want := []struct {
		line int
		item *pb.Item
	}{
		{4, &pb.Item{DisplayName: "好事项", Category: pb.Category_CATEGORY_LICENSING, CategoryLabel: "行政许可",
			Source: pb.PowerSource_POWER_SOURCE_STATUTORY, LegalTimeLimit: &pb.TimeLimit{Value: 20, Unit: pb.TimeLimit_UNIT_WORKING_DAY},
			Fee: &pb.Fee{Charged: proto.Bool(false)}}},
		// A line break in a name (Alt+Enter) becomes a space, with a warning.
		{9, &pb.Item{DisplayName: "多行 名称", Category: pb.Category_CATEGORY_LICENSING, CategoryLabel: "行政许可"}},
		{13, &pb.Item{DisplayName: "最后", Category: pb.Category_CATEGORY_PENALTY, Source: pb.PowerSource_POWER_SOURCE_ENTRUSTED,
			LegalTimeLimit:    &pb.TimeLimit{Value: 30, Unit: pb.TimeLimit_UNIT_DAY},
			PromisedTimeLimit: &pb.TimeLimit{Value: 3, Unit: pb.TimeLimit_UNIT_MONTH},
			Fee:               &pb.Fee{Charged: proto.Bool(true)}}},
	}
	for i, w := range want {
		r := rows[i]
		if r.Line != w.line || r.Department != "区局" || r.MainItem != "" || !proto.Equal(r.Item, w.item) {
			t.Errorf("row %d: line %d, department %q, main %q, item %v\nwant line %d, item %v", i, r.Line, r.Department, r.MainItem, r.Item, w.line, w.item)
		}
		if warned := len(r.Warnings) == 1 && r.Warnings[0].Line == 9 && r.Warnings[0].Column == "事项名称" &&
			strings.Contains(r.Warnings[0].Message, "换行已改为空格"); warned != (w.line == 9) {
			t.Errorf("row %d: warnings %v", i, r.Warnings)
		}
	}
}

// The same rows in an XLSX file: Excel row numbers, with the empty rows
// counted (including one missing from the file's XML altogether).
func TestReadBadXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	line := 0
	for _, l := range badLines {
		line++
		if strings.Trim(l, ",") == "" {
			continue // nothing in the XML: an empty row
		}
		// The CSV's quoted two-line cell is one cell with a line break.
		l = strings.Replace(l, "\"多行\n名称\"", "多行|名称", 1)
		cells := strings.Split(l, ",")
		for i := range cells {
			cells[i] = strings.ReplaceAll(cells[i], "|", "\n")
		}
		cell, _ := excelize.CoordinatesToCellName(1, line)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, problems, err := ReadXLSX(&buf, "bad.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems, badWant)
	if len(rows) != 3 || rows[0].Line != 4 || rows[1].Line != 9 || rows[1].Item.DisplayName != "多行 名称" || len(rows[1].Warnings) != 1 || rows[2].Line != 13 {
		t.Errorf("rows %v", rows)
	}
}

func TestReadHeaderProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  []wantProblem
	}{
		{"duplicate columns", []string{"职权名称,事项名称,职权类型", "a,b,行政许可"},
			[]wantProblem{{1, "事项名称", "「职权名称」和「事项名称」是同一列"}}},
		{"duplicate after a title row", []string{"广安区权力清单,,,", "职权名称,职权类型,部门, 实施部门 ", "a,行政许可,x,x"},
			[]wantProblem{{2, "实施部门", "columns 部门 and 实施部门 both mean 实施主体 (department)"}}},
		{"missing name column", []string{"部门,职权类型,备注", "区局,行政许可,"},
			[]wantProblem{{1, "", "缺少「职权名称」列"}}},
		{"missing name and category", []string{"部门,备注", "区局,"},
			[]wantProblem{{1, "", "no 职权名称 (name) column"}, {1, "", "no 职权类型 (category) column"}}},
		{"empty file", []string{"", ",,"}, []wantProblem{{1, "", "文件是空的"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, problems, err := ReadCSV(csvOf(tc.lines...), "h.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 0 {
				t.Errorf("got %d rows, want none", len(rows))
			}
			checkProblems(t, problems, tc.want)
			for _, p := range problems {
				if p.Cells != nil {
					t.Errorf("a header problem has cells %q", p.Cells)
				}
			}
		})
	}
}

func TestReadHeaders(t *testing.T) {
	// Synonyms, English aliases in any case, spaces, required markers, and
	// unknown columns (ignored).
	rows, problems, err := ReadCSV(csvOf(
		" Department ,*NAME,职 权 类 型（必填）,\u3000Legal_Bases\u3000,Levels,区划代码,错误原因 / error",
		"区局,甲,行政许可,《某法》第三条,市级,511602,旧的原因",
	), "h.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	want := &pb.Item{DisplayName: "甲", Category: pb.Category_CATEGORY_LICENSING, CategoryLabel: "行政许可",
		LegalBases: []*pb.LegalBasis{{Text: "《某法》第三条", Title: "《某法》", Article: "第三条"}}, Levels: []string{"市级"}}
	if len(rows) != 1 || rows[0].Department != "区局" || !proto.Equal(rows[0].Item, want) {
		t.Fatalf("rows %v", rows)
	}
	// Every header and synonym of Columns is recognised as its column.
	for _, c := range allColumns {
		for _, h := range append(append([]string{c.Header}, c.Synonyms...), c.English...) {
			if got := headerKeys[normHeader(h)]; got != c.Key {
				t.Errorf("header %q is %q, want %q", h, got, c.Key)
			}
			if got := headerKeys[normHeader(strings.ToUpper(" "+h+"\u3000"))]; got != c.Key {
				t.Errorf("header %q is %q, want %q", strings.ToUpper(h), got, c.Key)
			}
		}
	}
}

// Headers often carry a remark in brackets; a time-limit header may name the
// unit of bare numbers.
func TestReadHeaderRemarks(t *testing.T) {
	rows, problems, err := ReadCSV(csvOf(
		"职权名称（必填）,职权类型(必选),法定期限（工作日）,承诺期限【天】,设定依据（法律法规名称及条款）,是否收费(是/否)",
		"甲,行政许可,20,5日,《某法》,否",
		"乙,行政许可,20天,两周,,",
	), "r.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems, []wantProblem{{3, "承诺期限【天】", "“两周”"}})
	want := &pb.Item{DisplayName: "甲", Category: pb.Category_CATEGORY_LICENSING, CategoryLabel: "行政许可",
		LegalTimeLimit:    &pb.TimeLimit{Value: 20, Unit: pb.TimeLimit_UNIT_WORKING_DAY},
		PromisedTimeLimit: &pb.TimeLimit{Value: 5, Unit: pb.TimeLimit_UNIT_DAY},
		LegalBases:        []*pb.LegalBasis{{Text: "《某法》", Title: "《某法》"}}, Fee: &pb.Fee{Charged: proto.Bool(false)}}
	if len(rows) != 1 || !proto.Equal(rows[0].Item, want) {
		t.Errorf("rows %v", rows)
	}
}

func TestReadSubItems(t *testing.T) {
	rows, problems, err := ReadCSV(csvOf(
		"实施主体,大项,职权名称,子项名称,职权类型",
		"局,,甲,,行政许可",    // 2: main item 甲
		"局,,甲,甲一,行政许可",  // 3: sub-item 甲一 of 甲
		"局,乙,乙一,,行政许可",  // 4: 乙一 of 乙
		"局,乙,乙,,行政许可",   // 5: 乙 itself
		"局,丙,,丙一,行政许可",  // 6: 丙一 of 丙
		"局,丁,丁,丁一,行政许可", // 7: 丁一 of 丁
		"局,,戊,戊,行政许可",   // 8: 戊 itself
		"局,己,庚,辛,行政许可",  // 9: three levels: problem
		"局,,,壬,行政许可",    // 10: sub-item without main: problem
	), "s.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems, []wantProblem{{9, "子项名称", "只支持两级"}, {10, "职权名称", "子项“壬”没有所属的职权"}})
	want := [][2]string{{"甲", ""}, {"甲一", "甲"}, {"乙一", "乙"}, {"乙", ""}, {"丙一", "丙"}, {"丁一", "丁"}, {"戊", ""}}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		if rows[i].Item.DisplayName != w[0] || rows[i].MainItem != w[1] || rows[i].Line != i+2 {
			t.Errorf("row %d: line %d %q of %q, want line %d %q of %q", i, rows[i].Line, rows[i].Item.DisplayName, rows[i].MainItem, i+2, w[0], w[1])
		}
	}
}

func TestReadCells(t *testing.T) {
	header := "职权名称,职权类型,设定依据,行使层级,责任事项,追责情形,法定期限,承诺期限,是否收费,收费依据,收费标准,是否审核转报,权力来源,委托机关,承办机构,职权编码,备注"
	rows, problems, err := ReadCSV(csvOf(header,
		`" 甲 ",行政处罚,"《中华人民共和国土地管理法》第七十七条第一款；《土地管理法实施条例》第四十二条",市级、县级，乡级,立案；调查取证;决定,"未履行职责的；"," 20 工作日","１５日",收费,《收费办法》,每件50元,Y,授权,,执法支队, 430400-CF-012-0045-00 ,"第一行`+"\r\n"+`第二行"`,
		`乙,行政许可,"《甲法》第三条；第四条`+"\n"+`《乙条例》第五条之一第二款第三项（试行）`+"\n\n"+`国务院决定",,,,,,No,,,false,委托,市局,,,`,
		`丙,行政许可,依据某文件,,,,3个月,10个工作日,是,,,是,POWER_SOURCE_STATUTORY,,,,`,
	), "c.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	want := []*pb.Item{
		{DisplayName: "甲", Category: pb.Category_CATEGORY_PENALTY, CategoryLabel: "行政处罚", Code: "430400-CF-012-0045-00",
			LegalBases: []*pb.LegalBasis{
				{Text: "《中华人民共和国土地管理法》第七十七条第一款", Title: "《中华人民共和国土地管理法》", Article: "第七十七条第一款"},
				{Text: "《土地管理法实施条例》第四十二条", Title: "《土地管理法实施条例》", Article: "第四十二条"},
			},
			Levels: []string{"市级", "县级", "乡级"}, Responsibilities: []string{"立案", "调查取证", "决定"}, Accountability: []string{"未履行职责的"},
			LegalTimeLimit:    &pb.TimeLimit{Value: 20, Unit: pb.TimeLimit_UNIT_WORKING_DAY},
			PromisedTimeLimit: &pb.TimeLimit{Value: 15, Unit: pb.TimeLimit_UNIT_DAY},
			Fee:               &pb.Fee{Charged: proto.Bool(true), Basis: "《收费办法》", Standard: "每件50元"},
			ReviewAndForward:  proto.Bool(true), Source: pb.PowerSource_POWER_SOURCE_AUTHORIZED, HandlingUnit: "执法支队",
			Remark: "第一行\n第二行"},
		{DisplayName: "乙", Category: pb.Category_CATEGORY_LICENSING, CategoryLabel: "行政许可",
			LegalBases: []*pb.LegalBasis{
				{Text: "《甲法》第三条；第四条", Title: "《甲法》", Article: "第三条"},
				{Text: "《乙条例》第五条之一第二款第三项（试行）", Title: "《乙条例》", Article: "第五条之一第二款第三项"},
				{Text: "国务院决定"},
			},
			Source: pb.PowerSource_POWER_SOURCE_ENTRUSTED, EntrustingBody: "市局",
			Fee: &pb.Fee{Charged: proto.Bool(false)}, ReviewAndForward: proto.Bool(false)},
		{DisplayName: "丙", Category: pb.Category_CATEGORY_LICENSING, CategoryLabel: "行政许可",
			LegalBases:        []*pb.LegalBasis{{Text: "依据某文件"}},
			LegalTimeLimit:    &pb.TimeLimit{Value: 3, Unit: pb.TimeLimit_UNIT_MONTH},
			PromisedTimeLimit: &pb.TimeLimit{Value: 10, Unit: pb.TimeLimit_UNIT_WORKING_DAY},
			Fee:               &pb.Fee{Charged: proto.Bool(true)}, ReviewAndForward: proto.Bool(true), Source: pb.PowerSource_POWER_SOURCE_STATUTORY},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		if !proto.Equal(rows[i].Item, w) {
			t.Errorf("row %d:\n got %v\nwant %v", i, rows[i].Item, w)
		}
		if rows[i].Department != "" {
			t.Errorf("row %d: department %q without a department column", i, rows[i].Department)
		}
	}
}

func TestParseValues(t *testing.T) {
	for s, want := range map[string]*pb.TimeLimit{
		"20个工作日": {Value: 20, Unit: pb.TimeLimit_UNIT_WORKING_DAY}, "20 工作日": {Value: 20, Unit: pb.TimeLimit_UNIT_WORKING_DAY},
		"30日": {Value: 30, Unit: pb.TimeLimit_UNIT_DAY}, "30天": {Value: 30, Unit: pb.TimeLimit_UNIT_DAY},
		"3个月": {Value: 3, Unit: pb.TimeLimit_UNIT_MONTH}, "3月": {Value: 3, Unit: pb.TimeLimit_UNIT_MONTH},
		"0日": {Value: 0, Unit: pb.TimeLimit_UNIT_DAY}, "": nil, "无": nil,
	} {
		got, ok := parseTimeLimit(s, 0)
		if !ok || !proto.Equal(got, want) {
			t.Errorf("parseTimeLimit(%q) = %v, %v; want %v", s, got, ok, want)
		}
		if want != nil && FormatTimeLimit(want) != strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(s, " ", "个"), "天", "日"), "3月", "3个月") {
			t.Errorf("FormatTimeLimit(%v) = %q", want, FormatTimeLimit(want))
		}
	}
	for _, s := range []string{"两周", "20", "工作日", "-1日", "20个工作日内", "99999999999日", "1.5个月", "20日20日"} {
		if got, ok := parseTimeLimit(s, 0); ok {
			t.Errorf("parseTimeLimit(%q) = %v, want a problem", s, got)
		}
	}
	for s, want := range map[string]bool{"是": true, "否": false, "收费": true, "不收费": false, "Y": true, "n": false,
		"YES": true, "no": false, "True": true, "false": false, "1": true, "0": false} {
		if got, ok := parseBool(s); !ok || got == nil || *got != want {
			t.Errorf("parseBool(%q) = %v, %v", s, got, ok)
		}
	}
	if got, ok := parseBool(""); !ok || got != nil {
		t.Errorf("parseBool(\"\") = %v, %v; want unknown (nil)", got, ok)
	}
	for _, s := range []string{"可能", "2", "是的"} {
		if _, ok := parseBool(s); ok {
			t.Errorf("parseBool(%q) accepted", s)
		}
	}
	if got := clean("\u3000\u00a0 a\u00a0b\r\nc\rd \t\ufeff"); got != "a b\nc\nd" {
		t.Errorf("clean = %q", got)
	}
}

func TestReadByExtension(t *testing.T) {
	dir := t.TempDir()
	content := "\ufeff职权名称,职权类型\r\n甲,行政许可\r\n"
	for _, name := range []string{"a.csv", "b.TXT"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		rows, problems, err := Read(p, Options{})
		if err != nil || len(problems) != 0 || len(rows) != 1 || rows[0].File != name {
			t.Errorf("%s: %v %v %v", name, rows, problems, err)
		}
	}
	p := filepath.Join(dir, "c.xlsx")
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, []Row{{Department: "局", Item: &pb.Item{DisplayName: "甲", Category: pb.Category_CATEGORY_LEVY}}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, problems, err := Read(p, Options{})
	if err != nil || len(problems) != 0 || len(rows) != 1 || rows[0].Line != 3 || rows[0].Item.CategoryLabel != "行政征收" {
		t.Errorf("c.xlsx: %v %v %v", rows, problems, err)
	}
	for _, name := range []string{"d.xls", "e.pdf"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Read(filepath.Join(dir, name), Options{}); err == nil || !strings.Contains(err.Error(), " / ") {
			t.Errorf("%s: err %v, want a bilingual error", name, err)
		}
	}
	if _, _, err := Read(filepath.Join(dir, "missing.csv"), Options{}); err == nil {
		t.Error("missing file: no error")
	}
	// Not a workbook.
	if err := os.WriteFile(filepath.Join(dir, "f.xlsx"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Read(filepath.Join(dir, "f.xlsx"), Options{}); err == nil {
		t.Error("a CSV named .xlsx: no error")
	}
}

// A main item merged over its sub-item rows counts in each of them.
func TestReadXLSXMerged(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range [][]string{
		{"XX局权力清单"},
		{"实施主体", "职权名称", "子项名称", "职权类型"},
		{"局", "甲", "", "行政许可"},
		{"", "乙", "乙一", "行政许可"},
		{"", "", "乙二", "行政许可"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range [][2]string{{"A1", "D1"}, {"A3", "A5"}, {"B4", "B5"}} {
		if err := f.MergeCell("Sheet1", m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, problems, err := ReadXLSX(&buf, "m.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	want := [][3]string{{"局", "甲", ""}, {"局", "乙一", "乙"}, {"局", "乙二", "乙"}}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		if r := rows[i]; r.Department != w[0] || r.Item.DisplayName != w[1] || r.MainItem != w[2] || r.Line != i+3 {
			t.Errorf("row %d: line %d %q %q %q, want %v", i, r.Line, r.Department, r.Item.DisplayName, r.MainItem, w)
		}
	}
}

func TestProblemString(t *testing.T) {
	p := newProblem("items.csv", 12, "职权类型", "未知的职权类型“处分”", "unknown category “处分”")
	if got, want := p.String(), "items.csv 第12行「职权类型」: 未知的职权类型“处分” / items.csv row 12, column 职权类型: unknown category “处分”"; got != want {
		t.Errorf("String() = %q\nwant %q", got, want)
	}
	if got, want := p.Reason(), "第12行「职权类型」: 未知的职权类型“处分” / row 12, column 职权类型: unknown category “处分”"; got != want {
		t.Errorf("Reason() = %q\nwant %q", got, want)
	}
	// A Problem made by a caller splits its message at the first " / ".
	q := Problem{File: "a.xlsx", Line: 1, Message: "表头有误 / bad header"}
	if got, want := q.String(), "a.xlsx 第1行: 表头有误 / a.xlsx row 1: bad header"; got != want {
		t.Errorf("String() = %q\nwant %q", got, want)
	}
}

func TestCategories(t *testing.T) {
	if got := CategoryLabels(); len(got) != 10 || got[0] != "行政许可" || got[9] != "其他权力" {
		t.Errorf("labels %v", got)
	}
	for v, name := range pb.Category_name {
		if v == 0 {
			continue
		}
		if CategoryLabel(pb.Category(v)) == "" {
			t.Errorf("%s has no label", name)
		}
		if DefaultCategories()[CategoryLabel(pb.Category(v))] != pb.Category(v) {
			t.Errorf("%s: default map disagrees", name)
		}
	}
	// A caller's map replaces the default; enum names stay accepted.
	rows, problems, err := ReadCSV(csvOf("职权名称,职权类型", "甲,处罚", "乙,行政许可", "丙,category_levy"), "c.csv",
		Options{Categories: map[string]pb.Category{"处罚": pb.Category_CATEGORY_PENALTY}})
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems, []wantProblem{{3, "职权类型", "“行政许可”"}})
	if len(rows) != 2 || rows[0].Item.Category != pb.Category_CATEGORY_PENALTY || rows[0].Item.CategoryLabel != "处罚" ||
		rows[1].Item.Category != pb.Category_CATEGORY_LEVY || rows[1].Item.CategoryLabel != "" {
		t.Errorf("rows %v", rows)
	}
}

// TestReadXLSXDateAsChineseExcelShowsIt: a date cell in Excel's built-in
// short-date format (14) reads as Chinese Excel shows it, 2024/3/1, not
// as the ambiguous US 03-01-24.
func TestReadXLSXDateAsChineseExcelShowsIt(t *testing.T) {
	f := excelize.NewFile()
	for cell, v := range map[string]any{"A1": "职权名称", "B1": "职权类型", "C1": "备注", "A2": "甲", "B2": "行政许可"} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("Sheet1", "C2", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle("Sheet1", "C2", "C2", style); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, problems, err := ReadXLSX(&buf, "d.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	if len(rows) != 1 || rows[0].Item.GetRemark() != "2024/3/1" {
		t.Errorf("rows %v, want one with remark 2024/3/1", rows)
	}
}

// TestReadNotesRowMovedBySort: the export's notes row, sorted into the
// data by Excel, is still skipped; a row that merely starts with 说明：
// further down is data.
func TestReadNotesRowMovedBySort(t *testing.T) {
	notes := "说明：必填，部门全称，如“市国土资源局” / required: the department's full name,必填 / required,必填，从下拉列表选择 / required: choose from the list"
	rows, problems, err := ReadCSV(csvOf("实施主体,职权名称,职权类型",
		"市国土资源局,甲,行政许可",
		notes,
		"说明：另有规定,乙,行政许可",
	), "s.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	noProblems(t, problems)
	if len(rows) != 2 || rows[0].Item.GetDisplayName() != "甲" || rows[1].Item.GetDisplayName() != "乙" || rows[1].Line != 4 {
		t.Errorf("rows %v, want 甲 and 乙 (line 4)", rows)
	}
}
