package registry_test

import (
	"strings"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// TestCreateItemInvalid: one violation per bad field, with its proto path.
func TestCreateItemInvalid(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	e.dept("hbj", "市环境保护局")
	main := e.item("gtzyj", "大项", registry.CategoryPenalty)
	sub := e.subItem(main, "子项")
	other := e.item("hbj", "他部门", registry.CategoryPenalty)

	ok := func(mod func(in *registry.ItemInput)) registry.ItemInput {
		in := registry.ItemInput{Content: content("甲", registry.CategoryPenalty)}
		mod(&in)
		return in
	}
	for _, tc := range []struct {
		name   string
		in     registry.ItemInput
		fields []string
	}{
		{"empty", registry.ItemInput{}, []string{"item.display_name", "item.category"}},
		{"no name", ok(func(in *registry.ItemInput) { in.Content.DisplayName = "" }), []string{"item.display_name"}},
		{"name too long", ok(func(in *registry.ItemInput) { in.Content.DisplayName = strings.Repeat("权", 501) }), []string{"item.display_name"}},
		{"name not UTF-8", ok(func(in *registry.ItemInput) { in.Content.DisplayName = "处罚\xff" }), []string{"item.display_name"}},
		{"no category", ok(func(in *registry.ItemInput) { in.Content.Category = 0 }), []string{"item.category"}},
		{"unknown category", ok(func(in *registry.ItemInput) { in.Content.Category = 11 }), []string{"item.category"}},
		{"negative category", ok(func(in *registry.ItemInput) { in.Content.Category = -1 }), []string{"item.category"}},
		{"label too long", ok(func(in *registry.ItemInput) { in.Content.CategoryLabel = strings.Repeat("类", 51) }), []string{"item.category_label"}},
		{"basis without text", ok(func(in *registry.ItemInput) { in.Content.LegalBases[0].Text = "" }), []string{"item.legal_bases[0].text"}},
		{"second basis bad", ok(func(in *registry.ItemInput) {
			in.Content.LegalBases = append(in.Content.LegalBases, registry.LegalBasis{Level: 9, Text: "x", Article: strings.Repeat("条", 501)})
		}), []string{"item.legal_bases[1].article", "item.legal_bases[1].level"}},
		{"too many bases", ok(func(in *registry.ItemInput) {
			for range 200 {
				in.Content.LegalBases = append(in.Content.LegalBases, basis("《法》"))
			}
		}), []string{"item.legal_bases"}},
		{"unknown source", ok(func(in *registry.ItemInput) { in.Content.Source = 4 }), []string{"item.source"}},
		{"entrusted without body", ok(func(in *registry.ItemInput) { in.Content.Source = registry.SourceEntrusted }), []string{"item.entrusting_body"}},
		{"empty level entry", ok(func(in *registry.ItemInput) { in.Content.Levels = []string{"市级", ""} }), []string{"item.levels[1]"}},
		{"too many responsibilities", ok(func(in *registry.ItemInput) {
			in.Content.Responsibilities = make([]string, 201)
		}), []string{"item.responsibilities"}},
		{"empty accountability", ok(func(in *registry.ItemInput) { in.Content.Accountability = []string{""} }), []string{"item.accountability[0]"}},
		{"time limit without unit", ok(func(in *registry.ItemInput) { in.Content.LegalTimeLimit = registry.TimeLimit{Value: 20} }), []string{"item.legal_time_limit.unit"}},
		{"negative time limit, bad unit", ok(func(in *registry.ItemInput) {
			in.Content.PromisedTimeLimit = registry.TimeLimit{Value: -1, Unit: 4}
		}), []string{"item.promised_time_limit.value", "item.promised_time_limit.unit"}},
		{"fee basis not UTF-8", ok(func(in *registry.ItemInput) { in.Content.Fee.Basis = "\xc3" }), []string{"item.fee.basis"}},
		{"remark too long", ok(func(in *registry.ItemInput) { in.Content.Remark = strings.Repeat("备", 10001) }), []string{"item.remark"}},
		{"bad code", ok(func(in *registry.ItemInput) { in.Code = "430400 CF" }), []string{"item.code"}},
		{"code too long", ok(func(in *registry.ItemInput) { in.Code = strings.Repeat("A", 101) }), []string{"item.code"}},
		{"several at once", registry.ItemInput{Code: "-x", Content: registry.Content{Category: 42, Source: 3,
			LegalBases: []registry.LegalBasis{{Level: -1}}}},
			[]string{"item.display_name", "item.category", "item.legal_bases[0].text", "item.legal_bases[0].level",
				"item.entrusting_body", "item.code"}},
		{"malformed parent", ok(func(in *registry.ItemInput) { in.Parent = "items/1" }), []string{"item.parent"}},
		{"parent of another department", ok(func(in *registry.ItemInput) { in.Parent = itemName(other) }), []string{"item.parent"}},
		{"missing parent", ok(func(in *registry.ItemInput) { in.Parent = "departments/gtzyj/items/999" }), []string{"item.parent"}},
		{"parent is a sub-item", ok(func(in *registry.ItemInput) { in.Parent = itemName(sub) }), []string{"item.parent"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateItem(clerk, "gtzyj", tc.in, "")
			wantFields(t, err, tc.fields...)
		})
	}
	items, _, err := e.svc.ListItems("gtzyj", 0, 0, "")
	e.must(err, "ListItems")
	if len(items) != 2 {
		t.Errorf("%d items after refused creates, want 2", len(items))
	}

	// Good edge cases pass.
	in := ok(func(in *registry.ItemInput) {
		in.Content.DisplayName = strings.Repeat("权", 500)
		in.Content.Source = registry.SourceEntrusted
		in.Content.EntrustingBody = "省国土资源厅"
		in.Content.LegalTimeLimit = registry.TimeLimit{Value: 20, Unit: registry.UnitWorkingDay}
		in.Code = "511Z07001006-511602000000-000-115113010-1-00"
	})
	v, err := e.svc.CreateItem(clerk, "gtzyj", in, "")
	e.must(err, "CreateItem at the limits")
	if v.Item.Code != in.Code {
		t.Errorf("code %q, want it kept verbatim", v.Item.Code)
	}
}

// TestUpdateItemInvalid: the mask and the merged content are checked.
func TestUpdateItemInvalid(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	it := e.item("gtzyj", "甲", registry.CategoryPenalty)
	self := itemName(it)

	_, err := e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, registry.ItemInput{}, []string{"remark", "bogus", "legal_bases.text"}, "")
	wantFields(t, err, "update_mask", "update_mask")
	_, err = e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, registry.ItemInput{}, []string{"display_name", "category"}, "")
	wantFields(t, err, "item.display_name", "item.category")
	_, err = e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, registry.ItemInput{Parent: self}, []string{"parent"}, "")
	wantFields(t, err, "item.parent")

	// Output-only fields in the mask are ignored (AIP-134).
	v, err := e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID, registry.ItemInput{Content: registry.Content{Remark: "r"}},
		[]string{"name", "state", "etag", "remark"}, "")
	e.must(err, "UpdateItem with output-only paths")
	if v.Content.Remark != "r" || v.Item.Head != 2 {
		t.Errorf("update: %+v", v)
	}
	// Sub-fields of a partial REST body.
	v, err = e.svc.UpdateItem(clerk, "gtzyj", it.Item.ID,
		registry.ItemInput{Content: registry.Content{LegalTimeLimit: registry.TimeLimit{Value: 20, Unit: registry.UnitDay}, Fee: registry.Fee{Charged: registry.Yes}}},
		[]string{"legal_time_limit.value", "legal_time_limit.unit", "fee.charged"}, "")
	e.must(err, "UpdateItem sub-fields")
	if v.Content.LegalTimeLimit.Value != 20 || v.Content.Fee.Charged != registry.Yes || v.Content.Remark != "r" {
		t.Errorf("sub-field update: %+v", v.Content)
	}
	if got := e.getItem(it); got.Item.Head != 3 {
		t.Errorf("refused updates made revisions: head %d", got.Item.Head)
	}
}

// TestOtherInvalid covers the remaining request checks.
func TestOtherInvalid(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	e.dept("hbj", "市环境保护局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("hbj", "乙", registry.CategoryPenalty)
	s := e.approved("gtzyj", a)

	for _, tc := range []struct {
		name   string
		run    func() error
		fields []string
	}{
		{"department id upper case", func() error {
			_, err := e.svc.CreateDepartment("admin", registry.Department{ID: "GTZYJ", DisplayName: "x"}, "")
			return err
		}, []string{"department_id"}},
		{"department everything", func() error {
			_, err := e.svc.CreateDepartment("admin", registry.Department{ID: "1abc", RegionCode: "4304"}, "")
			return err
		}, []string{"department_id", "department.display_name", "department.region_code"}},
		{"department wildcard id", func() error {
			_, err := e.svc.CreateDepartment("admin", registry.Department{ID: "-", DisplayName: "x"}, "")
			return err
		}, []string{"department_id"}},
		{"update department mask", func() error {
			_, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "x"}, []string{"display_name", "id"}, "")
			return err
		}, []string{"update_mask"}},
		{"update department region", func() error {
			_, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", RegionCode: "43040a"}, []string{"region_code"}, "")
			return err
		}, []string{"department.region_code"}},
		{"submission without items", func() error {
			_, err := e.svc.CreateSubmission(clerk, "gtzyj", nil, "", "")
			return err
		}, []string{"submission.items"}},
		{"submission bad items", func() error {
			_, err := e.svc.CreateSubmission(clerk, "gtzyj", []string{"bad", itemName(b), itemName(a), itemName(a)}, strings.Repeat("批", 10001), "")
			return err
		}, []string{"submission.items[0]", "submission.items[1]", "submission.items[3]", "submission.comment"}},
		{"publication without submissions", func() error {
			_, err := e.svc.CreatePublication(publisher, nil, "", "")
			return err
		}, []string{"publication.submissions"}},
		{"publication bad submissions", func() error {
			_, err := e.svc.CreatePublication(publisher, []string{subName(s), "departments/gtzyj/submissions/x", subName(s)}, "", "")
			return err
		}, []string{"publication.submissions[1]", "publication.submissions[2]"}},
		{"abolish without reason", func() error {
			_, err := e.svc.AbolishItem(clerk, "gtzyj", a.Item.ID, "", "")
			return err
		}, []string{"comment"}},
		{"catalogue filters", func() error {
			_, _, err := e.svc.ListCatalog(11, "departments/gtzyj", 0, "")
			return err
		}, []string{"category", "department"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantFields(t, tc.run(), tc.fields...)
		})
	}
	if got := e.getSub(s); got.State != registry.SubmissionApproved {
		t.Errorf("submission state %d after refused publications", got.State)
	}
}

// TestNegativePageSize: every list refuses a negative page size.
func TestNegativePageSize(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	it := e.item("gtzyj", "甲", registry.CategoryPenalty)
	for name, run := range map[string]func() error{
		"ListItems":        func() error { _, _, err := e.svc.ListItems("gtzyj", 0, -1, ""); return err },
		"ListRevisions":    func() error { _, _, err := e.svc.ListRevisions("gtzyj", it.Item.ID, -1, ""); return err },
		"ListSubmissions":  func() error { _, _, err := e.svc.ListSubmissions("-", 0, -1, ""); return err },
		"ListPublications": func() error { _, _, err := e.svc.ListPublications(-1, ""); return err },
		"ListPublicationItems": func() error {
			_, _, err := e.svc.ListPublicationItems("publications/1", -1, "")
			return err
		},
		"ListDepartments": func() error { _, _, err := e.svc.ListDepartments(-5, ""); return err },
		"ListEvents":      func() error { _, _, err := e.svc.ListEvents(itemName(it), -1, ""); return err },
		"ListCatalog":     func() error { _, _, err := e.svc.ListCatalog(0, "", -1, ""); return err },
	} {
		t.Run(name, func(t *testing.T) { wantFields(t, run(), "page_size") })
	}
}
