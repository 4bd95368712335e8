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

	for _, c := range []struct {
		code, fee, forward string
	}{
		{"430400-XK-T-0001", "", ""},
		{"430400-XK-T-0002", "收费，每平方公里每年1000元（依据：《矿产资源开采登记管理办法》第九条）", "是"},
		{"430400-XK-T-0003", "不收费", "否"},
		{"430400-XK-T-0004", "未填写是否收费（依据：《土地登记收费标准》）", ""},
	} {
		r := e.ok("anyone", "catalog", "get", c.code)
		for label, want := range map[string]string{"收费 fee": c.fee, "审核转报 review and forward": c.forward} {
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

	// review show of a change: "（空） → 是", never 否 → 是.
	if _, err := e.c.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: unknown.GetName(),
		ReviewAndForward: proto.Bool(true)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"review_and_forward"}}}); err != nil {
		t.Fatal(err)
	}
	sub := nameOf(t, e.ok("clerk", "submit", "--department", "gtzyj"))
	r := e.ok("reviewer", "review", "show", sub)
	if !regexp.MustCompile(`审核转报 review and forward\s+（空） → 是`).MatchString(r.stdout) || strings.Contains(r.stdout, "否") {
		t.Errorf("review show of review and forward stated:\n%s", r.stdout)
	}
}
