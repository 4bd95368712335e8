package registry_test

import (
	"strings"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// TestControlCharactersRefused: a one-line field refuses control
// characters, line breaks and bidi controls, naming the field, the
// character's position and its code point; multi-line fields keep "\n".
func TestControlCharactersRefused(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	for _, c := range []struct {
		name, want string
	}{
		{"对\x00处罚", "第 2 个字符是控制字符 U+0000"},
		{"处罚\x1b[31m", "第 3 个字符是控制字符 U+001B"},
		{"处\a罚", "character 2 is the control character U+0007"},
		{"对非法占用土地\n的处罚", "第 8 个字符是换行符 U+000A；此项只能写一行"},
		{"\u202e罚处的地土用占法非对", "双向文本控制符 U+202E"},
		{"甲\u2066乙", "U+2066"},
		{"甲\u200f乙", "U+200F"},
		{"甲\u0085乙", "U+0085"},
		{"甲\t乙\x1b", "第 2 个字符是制表符 U+0009（共 2 个这样的字符）"},
	} {
		in := registry.ItemInput{Content: content("甲", registry.CategoryPenalty)}
		in.Content.DisplayName = c.name
		_, err := e.svc.CreateItem(clerk, "gtzyj", in, "")
		wantFields(t, err, "item.display_name")
		if d := err.(*registry.Error).Violations[0].Description; !strings.Contains(d, c.want) || !strings.Contains(d, " / character ") {
			t.Errorf("name %q: %q, want it to say %q", c.name, d, c.want)
		}
	}
	// Every one-line field, and the multi-line ones for what is not "\n".
	bad := content("甲", registry.CategoryPenalty)
	bad.CategoryLabel = "处\x1b罚"
	bad.LegalBases = []registry.LegalBasis{{Text: "《甲法》\r\n第三条", Title: "《甲\n法》", Article: "第三条\x00"}}
	bad.EntrustingBody, bad.HandlingUnit = "省厅\u202e", "科\n室"
	bad.Levels = []string{"市级", "县\n级"}
	bad.Responsibilities = []string{"受理\x07"}
	bad.Accountability = []string{"一\v二"}
	bad.Fee = registry.Fee{Basis: "\x1b", Standard: "\u2028"}
	bad.Remark = "\x7f"
	_, err := e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: bad}, "")
	wantFields(t, err, "item.category_label", "item.legal_bases[0].text", "item.legal_bases[0].title",
		"item.legal_bases[0].article", "item.entrusting_body", "item.handling_unit", "item.levels[1]",
		"item.responsibilities[0]", "item.accountability[0]", "item.fee.basis", "item.fee.standard", "item.remark")
	if d := err.(*registry.Error).Violations[1].Description; !strings.Contains(d, "U+000D") || !strings.Contains(d, "(LF)") {
		t.Errorf("CR in a legal basis: %q", d)
	}

	// Multi-line fields keep their line breaks.
	good := content("对非法占用土地的处罚", registry.CategoryPenalty)
	good.LegalBases = []registry.LegalBasis{{Text: "《中华人民共和国土地管理法》第七十六条\n未经批准或者采取欺骗手段骗取批准，非法占用土地的……"}}
	good.Responsibilities = []string{"1.受理责任：\n公示依法应当提交的材料"}
	good.Accountability = []string{"因不履行或不正确履行行政职责，\n有下列情形的"}
	good.Fee = registry.Fee{Charged: registry.Yes, Basis: "《甲》\n《乙》", Standard: "每宗\n100元"}
	good.Remark = "第一行\n第二行"
	v, err := e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: good}, "")
	e.must(err, "CreateItem with line breaks")
	if got := e.getItem(v).Content; got.LegalBases[0].Text != good.LegalBases[0].Text || got.Remark != good.Remark {
		t.Fatalf("stored %+v", got)
	}

	// Other text: departments, comments, import rows.
	_, err = e.svc.CreateDepartment("admin", registry.Department{ID: "hbj", DisplayName: "环保\x1b局"}, "")
	wantFields(t, err, "department.display_name")
	_, err = e.svc.CreateSubmission(clerk, "gtzyj", []string{itemName(v)}, "第一批\x1b[2J", "")
	wantFields(t, err, "submission.comment")
	_, err = e.svc.CreateSubmission(clerk, "gtzyj", []string{itemName(v)}, "第一批\n共一项", "")
	e.must(err, "a comment of two lines")
	_, err = e.svc.ImportItems(clerk, registry.ImportInput{Rows: []registry.ImportRow{
		{DepartmentName: "市国土\n资源局", MainItem: "大\u202e项", Item: registry.ItemInput{Content: bad}}}})
	wantFields(t, err, "rows[0].item.category_label", "rows[0].item.legal_bases[0].text", "rows[0].item.legal_bases[0].title",
		"rows[0].item.legal_bases[0].article", "rows[0].item.entrusting_body", "rows[0].item.handling_unit", "rows[0].item.levels[1]",
		"rows[0].item.responsibilities[0]", "rows[0].item.accountability[0]", "rows[0].item.fee.basis", "rows[0].item.fee.standard", "rows[0].item.remark", "rows[0].main_item", "rows[0].department_display_name")
}

// TestLegacyTextStaysEditable: content stored before the rule (written
// here straight through the store) can still be edited: an update is
// refused only for the text it brings.
func TestLegacyTextStaysEditable(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	v := e.item("gtzyj", "甲", registry.CategoryPenalty)
	legacy := "旧\x1b[31m名称"
	e.must(e.db.Update(func(tx registry.Tx) error {
		r, err := tx.GetRevision(v.Item.ID, v.Item.Head)
		if err != nil {
			return err
		}
		r.Content.DisplayName = legacy
		r.Content.Levels = []string{"市\n级", "县级"}
		return tx.PutRevision(r)
	}), "writing the legacy record")
	v = e.getItem(v)
	if v.Content.DisplayName != legacy {
		t.Fatalf("legacy name not stored: %q", v.Content.DisplayName)
	}

	// A masked update of another field.
	in := registry.ItemInput{Content: v.Content}
	in.Content.Remark = "新备注"
	up, err := e.svc.UpdateItem(clerk, "gtzyj", v.Item.ID, in, []string{"remark"}, "")
	e.must(err, "updating the remark of an item with a legacy name")
	if up.Content.Remark != "新备注" || up.Content.DisplayName != legacy {
		t.Fatalf("after the update: %+v", up.Content)
	}
	// A full update that sends the legacy values back unchanged, the
	// levels reordered.
	in = registry.ItemInput{Content: up.Content}
	in.Content.Levels = []string{"县级", "市\n级"}
	in.Content.HandlingUnit = "执法科"
	up, err = e.svc.UpdateItem(clerk, "gtzyj", v.Item.ID, in, nil, "")
	e.must(err, "a full update keeping the legacy name")
	if up.Content.HandlingUnit != "执法科" {
		t.Fatalf("after the full update: %+v", up.Content)
	}
	// New bad text is refused, in the same field too.
	in.Content.DisplayName = "新\x1b名称"
	_, err = e.svc.UpdateItem(clerk, "gtzyj", v.Item.ID, in, []string{"display_name"}, "")
	wantFields(t, err, "item.display_name")
	in.Content.DisplayName, in.Content.Levels = legacy, []string{"县级", "市\n级", "区\n级"}
	_, err = e.svc.UpdateItem(clerk, "gtzyj", v.Item.ID, in, nil, "")
	wantFields(t, err, "item.levels[2]")
	// And the name can be fixed.
	in.Content.DisplayName, in.Content.Levels = "旧名称", nil
	up, err = e.svc.UpdateItem(clerk, "gtzyj", v.Item.ID, in, []string{"display_name", "levels"}, "")
	e.must(err, "fixing the legacy name")
	if up.Content.DisplayName != "旧名称" {
		t.Fatalf("after the fix: %+v", up.Content)
	}

	// A department's legacy name does not block a change of its region.
	e.must(e.db.Update(func(tx registry.Tx) error {
		d, err := tx.GetDepartment("gtzyj")
		if err != nil {
			return err
		}
		d.DisplayName = "国土\a局"
		return tx.PutDepartment(d)
	}), "writing the legacy department")
	d, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "国土\a局", RegionCode: "511602"}, nil, "")
	e.must(err, "updating the region of a department with a legacy name")
	if d.RegionCode != "511602" {
		t.Fatalf("department %+v", d)
	}
	_, err = e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "国土\x1b局"}, []string{"display_name"}, "")
	wantFields(t, err, "department.display_name")
}

// TestWorkflowCommentsRefuseControls: every comment of the workflow is
// checked, and the refused step changes nothing. SubmitSubmission's
// comment was stored as sent (ESC, U+202E), unlike CreateSubmission's.
func TestWorkflowCommentsRefuseControls(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	it := e.item("gtzyj", "甲", registry.CategoryPenalty)
	s := e.batch("gtzyj", it)
	_, err := e.svc.SubmitSubmission(clerk, "gtzyj", s.ID, "请审核\x1b[2J\u202e", "")
	wantFields(t, err, "comment")
	if got := e.getSub(s); got.State != registry.SubmissionDraft || got.Comment != "第一批" {
		t.Fatalf("a refused submit changed the batch: %+v", got)
	}
	_, err = e.svc.SubmitSubmission(clerk, "gtzyj", s.ID, strings.Repeat("长", 10001), "")
	wantFields(t, err, "comment")
	s = e.submit(s)

	_, err = e.svc.RejectSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Comment: "退回\u0085",
		ItemComments: []registry.ItemComment{{Item: it.Item.ID, Comment: "缺\u2028依据"}}}, "")
	wantFields(t, err, "comment", "item_comments[0].comment")
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{Comment: "同意\u009b"}, "")
	wantFields(t, err, "comment")
	s = e.approve(s)
	_, err = e.svc.CreatePublication(publisher, []string{subName(s)}, "发布\x07", "")
	wantFields(t, err, "publication.comment")
	e.publish(s)
	_, err = e.svc.AbolishItem(clerk, "gtzyj", it.Item.ID, "废止\u2066", "")
	wantFields(t, err, "comment")
}
