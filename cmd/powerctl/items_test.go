package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// byDisplayName maps the display names of every item to the items.
func (e *env) byDisplayName() map[string]*pb.Item {
	out := map[string]*pb.Item{}
	for _, it := range e.items() {
		out[it.GetDisplayName()] = it
	}
	return out
}

// powerctl items show prints the whole working copy with the field
// table's labels, legal bases one a line, a sub-item's main item by name;
// by resource name or --department ID N; -o json is the item.
func TestItemsShow(t *testing.T) {
	e := start(t)
	e.importJSON("clerk", "--create-departments", writeRows(t, t.TempDir(), "list.csv", completeRows()))
	items := e.byDisplayName()
	sub, main, penalty := items["土地征收审批"], items["建设用地审批"], items["对非法占用土地的处罚"]

	r := e.ok("clerk", "items", "show", sub.GetName())
	for _, want := range []string{
		`^` + regexp.QuoteMeta(sub.GetName()) + `  “土地征收审批”\n`,
		`(?m)^  状态 state\s+草稿 draft$`,
		`(?m)^  类型 category\s+行政许可$`,
		`(?m)^  大项 main item\s+“建设用地审批” \(` + regexp.QuoteMeta(main.GetName()) + `\)$`,
		`(?m)^  设定依据 legal bases:\n    1\. 《中华人民共和国土地管理法》第四十六条\n    2\. 《土地管理法实施条例》第二十五条\n`,
		`(?m)^  etag\s+\S+$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("items show lacks %s:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "备注") || strings.Contains(r.stdout, "收费") {
		t.Errorf("items show prints fields that are not set:\n%s", r.stdout)
	}

	id := shortID(penalty.GetName())
	r = e.ok("clerk", "items", "show", "--department", shortID(strings.SplitN(penalty.GetName(), "/items/", 2)[0]), id)
	for _, want := range []string{
		`(?m)^  责任事项 responsibilities:\n    1\. 立案\n    2\. 调查取证\n    3\. 决定\n`,
		`(?m)^  承诺期限 promised time limit\s+15个工作日$`,
		`(?m)^  行使层级 levels\s+市级、县级$`,
		`(?m)^  备注 remark\s+2014 年梳理$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("items show --department lacks %s:\n%s", want, r.stdout)
		}
	}
	r = e.ok("clerk", "items", "show", penalty.GetName(), "-o", "json")
	got := &pb.Item{}
	if err := protojson.Unmarshal([]byte(r.stdout), got); err != nil || got.GetName() != penalty.GetName() || got.GetDisplayName() != "对非法占用土地的处罚" {
		t.Errorf("items show -o json: %v\n%s", err, r)
	}

	// Usage: a number without --department, something else.
	r = e.fails(2, "clerk", "items", "show", id)
	if !strings.Contains(r.stderr, "--department") {
		t.Errorf("items show N without --department:\n%s", r)
	}
	e.fails(2, "clerk", "items", "show", "对非法占用土地的处罚")
	r = e.fails(1, "clerk", "items", "show", "departments/gtzyj/items/999")
	if !strings.Contains(r.stderr, "departments/gtzyj/items/999") {
		t.Errorf("items show of a missing item:\n%s", r)
	}
}

// A long value wraps within 80 columns and is shown whole.
func TestItemsShowWraps(t *testing.T) {
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	basis := "《中华人民共和国土地管理法》第七十七条：未经批准或者采取欺骗手段骗取批准，非法占用土地的，由县级以上人民政府自然资源主管部门责令退还非法占用的土地，对违反土地利用总体规划擅自将农用地改为建设用地的，限期拆除在非法占用的土地上新建的建筑物和其他设施，恢复土地原状。"
	remark := strings.Repeat("The remark is long enough to wrap at a space. ", 5)
	resp, err := e.dial("clerk").Registry.CreateItem(context.Background(), &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
		DisplayName: "对非法占用土地的处罚", Category: pb.Category_CATEGORY_PENALTY, LegalBases: []*pb.LegalBasis{{Text: basis}}, Remark: remark}})
	if err != nil {
		t.Fatal(err)
	}
	r := e.ok("clerk", "items", "show", resp.GetItem().GetName())
	for _, line := range strings.Split(r.stdout, "\n") {
		if w := width.StringWidth(line); w > screenWidth {
			t.Errorf("line of %d columns: %q", w, line)
		}
	}
	flat := strings.Join(strings.Fields(r.stdout), "")
	if !strings.Contains(flat, strings.Join(strings.Fields(basis), "")) || !strings.Contains(flat, strings.Join(strings.Fields(remark), "")) {
		t.Errorf("items show cuts a long value:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "wrap at a\n") && !strings.Contains(r.stdout, " at a space.\n") && !regexp.MustCompile(`(?m)[a-z.]\n\s+[A-Za-z]`).MatchString(r.stdout) {
		t.Errorf("the remark is not wrapped between words:\n%s", r.stdout)
	}
}

// items delete deletes a draft (and says which); a published item is
// refused and told to abolish; items abolish drafts the abolition, which
// goes through review and publication; --etag guards both.
func TestItemsDeleteAbolish(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.importJSON("clerk", "--create-departments", writeRows(t, t.TempDir(), "list.csv", completeRows()))
	land := e.departmentID("市国土资源局")
	e.publishAll(land)
	clerk := e.dial("clerk")
	defer clerk.Close()
	draft, err := clerk.Registry.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/" + land, Item: &pb.Item{
		DisplayName: "新事项", Category: pb.Category_CATEGORY_PENALTY}})
	if err != nil {
		t.Fatal(err)
	}
	name := draft.GetItem().GetName()

	r := e.fails(1, "clerk", "items", "delete", name, "--etag", "999")
	if !strings.Contains(r.stderr, "ETAG") && !strings.Contains(r.stderr, "etag") {
		t.Errorf("delete with a stale etag:\n%s", r)
	}
	r = e.ok("clerk", "items", "delete", "--department", land, shortID(name))
	if r.stdout != name+": 已删除“新事项” / deleted “新事项”\n" {
		t.Errorf("items delete: %s", r)
	}
	if _, err := e.c.Registry.GetItem(ctx, &pb.GetItemRequest{Name: name}); err == nil {
		t.Errorf("%s still exists after delete", name)
	}

	penalty := e.byDisplayName()["对非法占用土地的处罚"]
	r = e.fails(1, "clerk", "items", "delete", penalty.GetName())
	if !strings.Contains(r.stderr, penalty.GetName()) || !strings.Contains(r.stderr, "powerctl items abolish") {
		t.Errorf("delete of a published item:\n%s", r)
	}
	if got, err := e.c.Registry.GetItem(ctx, &pb.GetItemRequest{Name: penalty.GetName()}); err != nil || got.GetItem().GetState() != pb.Item_STATE_PUBLISHED {
		t.Errorf("a refused delete changed the item: %v %v", got, err)
	}

	// A published item's pending change is discarded; it stays in force.
	if _, err := clerk.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: penalty.GetName(), Remark: "改"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}}); err != nil {
		t.Fatal(err)
	}
	r = e.ok("clerk", "items", "delete", penalty.GetName())
	if r.stdout != penalty.GetName()+": 已撤销“对非法占用土地的处罚”未报送的修改，在用版本不变 / discarded the pending change of “对非法占用土地的处罚”; the revision in force stays\n" {
		t.Errorf("items delete of a pending change: %s", r)
	}
	if got := e.item(penalty.GetName()); got.GetState() != pb.Item_STATE_PUBLISHED || got.GetRemark() != "2014 年梳理" {
		t.Errorf("after discarding the change: %v", got)
	}
	penalty = e.item(penalty.GetName())

	e.fails(2, "clerk", "items", "abolish", penalty.GetName()) // --comment is required
	e.fails(1, "clerk", "items", "abolish", penalty.GetName(), "--comment", "职能划转", "--etag", "999")
	r = e.ok("clerk", "items", "abolish", penalty.GetName(), "--comment", "职能划转", "--etag", penalty.GetEtag())
	want := penalty.GetName() + ": 已生成“对非法占用土地的处罚”的废止草稿，报送：powerctl submit --department " + land +
		" / abolition of “对非法占用土地的处罚” drafted; submit it with powerctl submit --department " + land + "\n"
	if r.stdout != want {
		t.Errorf("items abolish:\n%s\nwant %s", r, want)
	}
	r = e.ok("clerk", "items", "show", penalty.GetName())
	if !regexp.MustCompile(`(?m)^  待发布变更 pending change\s+废止 / abolish$`).MatchString(r.stdout) {
		t.Errorf("items show after abolish:\n%s", r.stdout)
	}
	e.publishAll(land)
	for _, it := range e.catalog() {
		if it.GetName() == penalty.GetName() {
			t.Errorf("%s still in force after its abolition was published", it.GetName())
		}
	}
}

// reviewJSON decodes the items of `review show -o json`.
func reviewJSON(t *testing.T, r result) []*pb.SubmissionItem {
	t.Helper()
	var shown struct {
		Submission json.RawMessage   `json:"submission"`
		Items      []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil || shown.Submission == nil {
		t.Fatalf("review show -o json: %v\n%s", err, r)
	}
	out := make([]*pb.SubmissionItem, len(shown.Items))
	for i, raw := range shown.Items {
		out[i] = &pb.SubmissionItem{}
		if err := protojson.Unmarshal(raw, out[i]); err != nil {
			t.Fatalf("review show -o json, item %d: %v", i, err)
		}
	}
	return out
}
