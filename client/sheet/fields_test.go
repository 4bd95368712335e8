package sheet

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// The field table: every key is unique, every header and synonym names
// one column, every template column with a Path has labels and a text, and
// every column not the template's says what it is for.
func TestFieldTable(t *testing.T) {
	seen := map[string]bool{}
	headers := map[string]string{}
	for _, c := range allColumns {
		if seen[c.Key] {
			t.Errorf("key %s twice", c.Key)
		}
		seen[c.Key] = true
		for _, h := range append(append([]string{c.Header}, c.Synonyms...), c.English...) {
			if k, ok := headers[normHeader(h)]; ok {
				t.Errorf("header %s names %s and %s", h, k, c.Key)
			}
			headers[normHeader(h)] = c.Key
		}
		if !strings.Contains(c.Note, " / ") {
			t.Errorf("%s: note not bilingual: %q", c.Key, c.Note)
		}
		if c.Path != "" && (c.Label == "" || c.EnglishLabel == "" || c.Text == nil) {
			t.Errorf("%s: an item field without label or text", c.Key)
		}
	}
	for _, c := range extraColumns {
		if c.Role == RoleContent || c.Path != "" {
			t.Errorf("%s: extra column with role %d, path %q", c.Key, c.Role, c.Path)
		}
	}
	for _, list := range [][]string{TemplateKeys, WorkingCopyKeys, ReviewKeys} {
		for _, k := range list {
			if _, ok := ColumnOf(k); !ok {
				t.Errorf("no column %s", k)
			}
		}
	}
	// The item fields powerctl shows: the template's content columns, in order.
	var labels []string
	for _, f := range ItemFields() {
		labels = append(labels, f.Label)
	}
	if got := strings.Join(labels, " "); got != "大项 名称 类型 编码 设定依据 权力来源 委托机关 承办机构 行使层级 责任事项 追责情形 法定期限 承诺期限 是否收费 收费依据 收费标准 审核转报 备注" {
		t.Errorf("item fields: %s", got)
	}
}

// States are the domain's words; a change is 新增, 修改 or 废止.
func TestStateAndChangeLabels(t *testing.T) {
	var got []string
	for s := pb.Item_STATE_DRAFT; s <= pb.Item_STATE_ABOLISHED; s++ {
		got = append(got, StateLabel(s))
	}
	if strings.Join(got, " ") != "草稿 已报送 已审核 退回修改 已发布 已废止" || StateLabel(0) != "" {
		t.Errorf("states: %v", got)
	}
	if ChangeLabel(pb.ChangeKind_CHANGE_KIND_CREATE)+ChangeLabel(pb.ChangeKind_CHANGE_KIND_MODIFY)+ChangeLabel(pb.ChangeKind_CHANGE_KIND_ABOLISH) != "新增修改废止" ||
		ChangeLabel(0) != "" {
		t.Error("change labels")
	}
}

// workingCopyRows are rows as `powerctl export --working-copy` makes them:
// items with their names and output fields.
func workingCopyRows() []Row {
	rows := richRows()
	states := []pb.Item_State{pb.Item_STATE_RETURNED, pb.Item_STATE_PUBLISHED, pb.Item_STATE_DRAFT}
	for i := range rows {
		it := proto.Clone(rows[i].Item).(*pb.Item)
		it.Name = fmt.Sprintf("departments/d%d/items/%d", i+1, i+7)
		it.State = states[i]
		rows[i].Item = it
	}
	rows[0].Item.ReviewComment = "请补充依据"
	rows[1].Item.PendingChange = pb.ChangeKind_CHANGE_KIND_MODIFY
	rows[2].Item.Fee = nil // never said: exports empty, never 否
	return rows
}

// A working-copy export has the template's columns, then 事项标识, 状态,
// 待发布变更 and 最近审核意见; read back, each row is the same item (its name
// in Item.Name) and the export-only columns are in Extra, never in the item.
func TestWorkingCopyRoundTrip(t *testing.T) {
	in := workingCopyRows()
	opts := Options{Categories: map[string]pb.Category{"处罚": pb.Category_CATEGORY_PENALTY, "行政处罚": pb.Category_CATEGORY_PENALTY, "其他权力": pb.Category_CATEGORY_OTHER}}
	for _, format := range []string{"csv", "xlsx"} {
		var buf bytes.Buffer
		var err error
		if format == "csv" {
			err = WriteCSVColumns(&buf, in, WorkingCopyKeys)
		} else {
			err = WriteXLSXColumns(&buf, in, WorkingCopyKeys)
		}
		if err != nil {
			t.Fatal(err)
		}
		var rows []Row
		var problems []Problem
		if format == "csv" {
			rows, problems, err = ReadCSV(bytes.NewReader(buf.Bytes()), "wc.csv", opts)
		} else {
			rows, problems, err = ReadXLSX(bytes.NewReader(buf.Bytes()), "wc.xlsx", opts)
		}
		if err != nil || len(problems) > 0 || len(rows) != len(in) {
			t.Fatalf("%s: %d rows, problems %v, err %v", format, len(rows), problems, err)
		}
		header := rows[0].Header
		if got := strings.Join(header[len(header)-4:], ","); got != "事项标识,状态,待发布变更,最近审核意见" {
			t.Errorf("%s: last columns %s", format, got)
		}
		if u := UnknownColumns(header, rows); u != nil {
			t.Errorf("%s: unknown columns %v", format, u)
		}
		for i, r := range rows {
			want := proto.Clone(in[i].Item).(*pb.Item)
			want.State, want.PendingChange, want.ReviewComment = 0, 0, "" // output fields: not read
			if !proto.Equal(r.Item, want) {
				t.Errorf("%s row %d: %v\nwant %v", format, r.Line, r.Item, want)
			}
		}
		if e := rows[0].Extra; e[KeyState] != "退回修改" || e[KeyLastReviewComment] != "请补充依据" || e[KeyPendingChange] != "" {
			t.Errorf("%s: extra of row 1: %v", format, e)
		}
		if e := rows[1].Extra; e[KeyState] != "已发布" || e[KeyPendingChange] != "修改" {
			t.Errorf("%s: extra of row 2: %v", format, e)
		}
		if f := rows[2].Item.GetFee(); f != nil {
			t.Errorf("%s: a fee never entered came back as %v", format, f)
		}
	}
}

// A review sheet has 事项标识, 变更类型, 变更字段 and the empty comment column;
// the reviewer's comment comes back in Extra.
func TestReviewSheetColumns(t *testing.T) {
	in := workingCopyRows()[:2]
	in[1].Extra = map[string]string{KeyChangedFields: "设定依据、备注"}
	var buf bytes.Buffer
	if err := WriteCSVColumns(&buf, in, ReviewKeys); err != nil {
		t.Fatal(err)
	}
	recs := csvRecords(t, buf.Bytes())
	h := recs[0]
	if got := strings.Join(h[len(h)-4:], ","); got != "事项标识,变更类型,变更字段,审核意见（退回时填写）" {
		t.Fatalf("review columns: %s", got)
	}
	if got := strings.Join(recs[2][len(h)-4:], ","); got != "departments/d2/items/8,修改,设定依据、备注," {
		t.Errorf("row 2: %s", got)
	}
	recs[1][len(h)-1] = "依据已废止，请更新"
	var out bytes.Buffer
	for _, r := range recs {
		out.WriteString(csvLine(r))
	}
	rows, problems, err := ReadCSV(&out, "review.csv", Options{Categories: map[string]pb.Category{"处罚": pb.Category_CATEGORY_PENALTY, "行政处罚": pb.Category_CATEGORY_PENALTY}})
	if err != nil || len(problems) > 0 || len(rows) != 2 {
		t.Fatalf("%d rows, %v, %v", len(rows), problems, err)
	}
	if rows[0].Extra[KeyReviewComment] != "依据已废止，请更新" || rows[1].Extra[KeyReviewComment] != "" || rows[0].Item.GetName() != "departments/d1/items/7" {
		t.Errorf("read back: %v %v %s", rows[0].Extra, rows[1].Extra, rows[0].Item.GetName())
	}
}

// The region column, as Guang'an writes it or under a synonym, is the
// row's region code, as written; it is not part of the item.
func TestRegionColumn(t *testing.T) {
	for _, h := range []string{"区划代码", "行政区划代码", "region_code"} {
		csv := "部门,事项名称,事项类型," + h + "\n区经信局,企业投资项目备案,行政许可,511602000000\n"
		rows, problems, err := ReadCSV(strings.NewReader(csv), "r.csv", Options{})
		if err != nil || len(problems) > 0 || len(rows) != 1 {
			t.Fatalf("%s: %v %v", h, problems, err)
		}
		if rows[0].RegionCode != "511602000000" || rows[0].Item.GetName() != "" {
			t.Errorf("%s: region %q", h, rows[0].RegionCode)
		}
	}
}

// Unknown columns are named by letter and header as written; known ones
// and export-only columns are not, nor columns without a header unless a
// row has data there.
func TestUnknownColumns(t *testing.T) {
	header := []string{"部门", "大项", "事项名称", "事项类型", "事项类型代码", "实施编码", " 部门编码 ", "区划代码", "", "状态", "最近审核意见", ""}
	if got := fmt.Sprint(UnknownColumns(header, nil)); got != "[E「事项类型代码」 G「部门编码」]" {
		t.Errorf("unknown: %s", got)
	}
	// A rejects file's reason column is known: a fixed rejects file imports.
	if got := UnknownColumns([]string{"职权名称", "职权类型", RejectHeader}, nil); got != nil {
		t.Errorf("a rejects file: %v", got)
	}
	rows := []Row{{Cells: []string{"局", "", "甲", "行政许可", "", "", "", "", "", "", "", " ", "", "数据"}}, {Cells: []string{"局"}}}
	if got := fmt.Sprint(UnknownColumns(header, rows)); got != "[E「事项类型代码」 G「部门编码」 N（无表头 / no header）]" {
		t.Errorf("unknown with data: %s", got)
	}
}

// UpdateMask are the item fields a file's columns carry: the update mask.
func TestUpdateMask(t *testing.T) {
	for _, c := range []struct {
		header []string
		want   []string
	}{
		{[]string{"部门", "大项", "事项名称", "事项类型", "事项类型代码", "实施编码", "部门编码", "区划代码"},
			[]string{"main_item", "display_name", "category", "category_label", "code"}},
		{Headers(), []string{"main_item", "display_name", "category", "category_label", "code", "legal_bases", "source", "entrusting_body",
			"handling_unit", "levels", "responsibilities", "accountability", "legal_time_limit", "promised_time_limit",
			"fee.charged", "fee.basis", "fee.standard", "review_and_forward", "remark"}},
		{[]string{"子项名称", "职权名称", "类型", "设定依据", "事项标识", "状态"}, []string{"main_item", "display_name", "legal_bases"}},
	} {
		if got := UpdateMask(c.header); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: %v, want %v", c.header, got, c.want)
		}
	}
}

// The server's field paths map to their columns.
func TestColumnOfPath(t *testing.T) {
	for path, want := range map[string]string{
		"legal_bases[2].text": KeyLegalBases, "fee.basis": KeyFeeBasis, "fee.charged": KeyFeeCharged, "fee": KeyFeeCharged,
		"category_label": KeyCategory, "display_name": KeyName, "parent": KeyMainItem, "legal_time_limit.value": KeyLegalTimeLimit,
		"review_and_forward": KeyReviewAndForward, "state": "", "levels[0]": KeyLevels,
	} {
		if got := ColumnOfPath(path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}

func csvRecords(t *testing.T, data []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func csvLine(rec []string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(rec)
	w.Flush()
	return b.String()
}
