package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// TestYesNoShown: 是否收费 and 是否审核转报 that nobody has stated print
// empty, never 否, in catalog get, its JSON, the export and review show; a
// stated no prints 否 (不收费), a yes 是.
func TestYesNoShown(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	create := func(name, code string, fee *pb.Fee, forward *bool) *pb.Item {
		t.Helper()
		resp, err := e.c.Registry.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
			DisplayName: name, Code: code, Category: pb.Category_CATEGORY_LICENSING,
			LegalBases: []*pb.LegalBasis{{Text: "《中华人民共和国土地管理法》第四十四条"}}, Fee: fee, ReviewAndForward: forward}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetItem()
	}
	unknown := create("建设用地审批", "430400-XK-T-0001", nil, nil)
	create("采矿权登记", "430400-XK-T-0002", &pb.Fee{Charged: proto.Bool(true), Basis: "《矿产资源开采登记管理办法》第九条",
		Standard: "每平方公里每年1000元"}, proto.Bool(true))
	create("土地权属争议调处", "430400-XK-T-0003", &pb.Fee{Charged: proto.Bool(false)}, proto.Bool(false))
	create("国有土地使用权登记", "430400-XK-T-0004", &pb.Fee{Basis: "《土地登记收费标准》"}, nil)
	e.publishAll("gtzyj")

	// catalog get shows the fields of the field table (client/sheet):
	// 是否收费, 收费依据 and 收费标准 each on its line.
	for _, c := range []struct {
		code, fee, basis, forward string
	}{
		{"430400-XK-T-0001", "", "", ""},
		{"430400-XK-T-0002", "是", "《矿产资源开采登记管理办法》第九条", "是"},
		{"430400-XK-T-0003", "否", "", "否"},
		{"430400-XK-T-0004", "", "《土地登记收费标准》", ""},
	} {
		r := e.ok("anyone", "catalog", "get", c.code)
		for label, want := range map[string]string{"是否收费 fee charged": c.fee, "收费依据 fee basis": c.basis, "审核转报 review and forward": c.forward} {
			re := regexp.MustCompile(`(?m)^` + label + `([ \t]+(.*))?$`)
			m := re.FindStringSubmatch(r.stdout)
			if m == nil || m[2] != want {
				t.Errorf("catalog get %s: %s is %q, want %q:\n%s", c.code, label, m, want, r.stdout)
			}
		}
		// JSON carries the presence: no key when unknown.
		r = e.ok("anyone", "catalog", "get", c.code, "-o", "json")
		it := &pb.Item{}
		if err := protojson.Unmarshal([]byte(r.stdout), it); err != nil {
			t.Fatal(err)
		}
		if got := yesNo(it.ReviewAndForward); got != c.forward {
			t.Errorf("catalog get %s -o json: review and forward %q, want %q:\n%s", c.code, got, c.forward, r.stdout)
		}
		if c.forward == "" && strings.Contains(r.stdout, "reviewAndForward") {
			t.Errorf("catalog get %s -o json has an unknown reviewAndForward:\n%s", c.code, r.stdout)
		}
	}

	// The export: unknown is an empty cell.
	path := filepath.Join(t.TempDir(), "out.csv")
	e.ok("anyone", "export", "-o", path)
	recs := readCSV(t, path)
	cName, cCode := column(t, recs[0], "职权名称"), column(t, recs[0], "职权编码")
	cFee, cForward := column(t, recs[0], "是否收费"), column(t, recs[0], "是否审核转报")
	got := map[string]string{}
	for _, rec := range recs[1:] {
		got[rec[cCode]] = rec[cName] + " " + rec[cFee] + "/" + rec[cForward]
	}
	want := map[string]string{
		"430400-XK-T-0001": "建设用地审批 /", "430400-XK-T-0002": "采矿权登记 是/是",
		"430400-XK-T-0003": "土地权属争议调处 否/否", "430400-XK-T-0004": "国有土地使用权登记 /",
	}
	for code, w := range want {
		if got[code] != w {
			t.Errorf("export of %s: %q, want %q", code, got[code], w)
		}
	}

	// review show of a change: "（空 / empty） → 是", never 否 → 是.
	if _, err := e.c.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: unknown.GetName(),
		ReviewAndForward: proto.Bool(true)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"review_and_forward"}}}); err != nil {
		t.Fatal(err)
	}
	sub := nameOf(t, e.ok("clerk", "submit", "--department", "gtzyj"))
	r := e.ok("reviewer", "review", "show", sub)
	if !regexp.MustCompile(`审核转报 review and forward\s+（空 / empty） → 是`).MatchString(r.stdout) || strings.Contains(r.stdout, "否") {
		t.Errorf("review show of review and forward stated:\n%s", r.stdout)
	}
}

// TestYesNoImported: a sheet's empty 是否收费 / 是否审核转报 cell imports as
// not stated, 是 and 否 as yes and no; the export writes them back the
// same (empty stays empty).
func TestYesNoImported(t *testing.T) {
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writeCSV(t, in, [][]string{
		{"职权名称", "职权类型", "职权编码", "设定依据", "是否收费", "收费依据", "是否审核转报"},
		{"建设用地审批", "行政许可", "430400-XK-T-0001", "《土地管理法》第四十四条", "", "", ""},
		{"采矿权登记", "行政许可", "430400-XK-T-0002", "《矿产资源法》第三条", "是", "《收费办法》", "是"},
		{"土地权属争议调处", "行政裁决", "430400-CJ-T-0001", "《土地管理法》第十四条", "否", "", "否"},
		{"国有土地使用权登记", "行政确认", "430400-QR-T-0001", "《土地管理法》第十一条", "", "《登记收费标准》", ""},
	})
	e.ok("clerk", "import", "--department", "gtzyj", in)
	got := map[string]string{}
	for _, it := range e.items() {
		var charged *bool
		if it.GetFee() != nil {
			charged = it.GetFee().Charged
		}
		got[it.GetCode()] = yesNo(charged) + "/" + yesNo(it.ReviewAndForward)
	}
	want := map[string]string{"430400-XK-T-0001": "/", "430400-XK-T-0002": "是/是", "430400-CJ-T-0001": "否/否", "430400-QR-T-0001": "/"}
	for code, w := range want {
		if got[code] != w {
			t.Errorf("imported %s: %q, want %q", code, got[code], w)
		}
	}

	e.publishAll("gtzyj")
	out := filepath.Join(dir, "out.csv")
	e.ok("anyone", "export", "-o", out)
	recs := readCSV(t, out)
	cCode, cFee, cForward := column(t, recs[0], "职权编码"), column(t, recs[0], "是否收费"), column(t, recs[0], "是否审核转报")
	exported := map[string]string{}
	for _, rec := range recs[1:] {
		exported[rec[cCode]] = rec[cFee] + "/" + rec[cForward]
	}
	for code, w := range want {
		if exported[code] != w {
			t.Errorf("exported %s: %q, want %q", code, exported[code], w)
		}
	}
}

// yesNo is a three-state answer as the tests compare it: 是, 否, or empty
// when nobody has said.
func yesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "是"
	}
	return "否"
}
