package registry_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// The spreadsheet round trip: ImportItems with UpdateExisting.

// itemState is what an unchanged import must leave alone.
type itemState struct {
	Version    int64
	Head       int
	UpdateTime time.Time
	State      registry.ItemState
	Pending    registry.ChangeKind
	Events     int
}

// states reads the bookkeeping and event count of every item of dept.
func (e *env) states(dept string) map[string]itemState {
	e.t.Helper()
	list, _, err := e.svc.ListItems(dept, 0, 1000, "")
	e.must(err, "ListItems")
	out := map[string]itemState{}
	for _, v := range list {
		name := itemName(v)
		ev, _, err := e.svc.ListEvents(name, 1000, "")
		e.must(err, "ListEvents")
		out[name] = itemState{v.Item.Version, v.Item.Head, v.Item.UpdateTime, v.Item.State, v.Item.Pending, len(ev)}
	}
	return out
}

// asRow is an item's working copy as a row of an exported working copy:
// its name, code and content.
func asRow(v *registry.ItemView, main string) registry.ImportRow {
	c := v.Content
	c.LegalBases = slices.Clone(c.LegalBases)
	return registry.ImportRow{MainItem: main, Name: itemName(v), Item: registry.ItemInput{Content: c, Code: v.Item.Code}}
}

func update(dept string, rows ...registry.ImportRow) registry.ImportInput {
	return registry.ImportInput{Department: dept, UpdateExisting: true, Rows: rows}
}

func outcomes(res *registry.ImportResult) string {
	var b strings.Builder
	for _, r := range res.Rows {
		fmt.Fprintf(&b, "%d:%d", r.Row, r.Outcome)
		for _, c := range r.Changes {
			b.WriteString(" " + c.Field)
		}
		b.WriteString(";")
	}
	return fmt.Sprintf("created %d updated %d unchanged %d [%s]", res.Created, res.Updated, res.Unchanged, b.String())
}

// TestImportUnchangedRowsChangeNothing: re-importing every item as it is
// (by name, or by code where the row has no name) creates nothing and
// changes nothing: no revision, no etag, no update time, no event; the
// answer counts every row unchanged.
func TestImportUnchangedRowsChangeNothing(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	main := e.item("gtzyj", "土地征收", registry.CategoryLicensing)
	sub := e.subItem(main, "集体土地征收")
	coded := e.itemIn("gtzyj", registry.ItemInput{Content: content("采矿许可", registry.CategoryLicensing), Code: "511-XK-1"})
	pub := e.item("gtzyj", "违法用地处罚", registry.CategoryPenalty)
	e.publishItems("gtzyj", pub)
	pub = e.getItem(pub)
	before := e.states("gtzyj")
	e.clock.Advance(time.Hour)

	byCode := asRow(coded, "")
	byCode.Name = ""
	rows := []registry.ImportRow{asRow(main, ""), asRow(sub, "土地征收"), byCode, asRow(pub, "")}
	res, err := e.svc.ImportItems(clerk, update("gtzyj", rows...))
	e.must(err, "ImportItems")
	if got := outcomes(res); got != "created 0 updated 0 unchanged 4 [0:3;1:3;2:3;3:3;]" {
		t.Fatalf("outcomes: %s", got)
	}
	if res.Rows[2].Item != itemName(coded) || len(res.Items) != 0 {
		t.Fatalf("result: %+v", res)
	}
	if after := e.states("gtzyj"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("an unchanged import changed the items:\nbefore %v\nafter  %v", before, after)
	}
}

// TestImportUpdatesDraftsAndPublishedItems: a changed draft gets a new
// revision, as UpdateItem gives it; a changed published item becomes a
// draft modification while its revision stays in force; the answer lists
// the fields that change, old → new.
func TestImportUpdatesDraftsAndPublishedItems(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	draft := e.item("gtzyj", "土地征收", registry.CategoryLicensing)
	pub := e.item("gtzyj", "违法用地处罚", registry.CategoryPenalty)
	e.publishItems("gtzyj", pub)
	pub = e.getItem(pub)
	inForce := e.catalog()

	r0 := asRow(draft, "")
	r0.Item.Content.LegalBases = append(r0.Item.Content.LegalBases, registry.LegalBasis{Text: "《土地管理法》第四十六条"})
	r1 := asRow(pub, "")
	r1.Item.Content.Remark = "按新规执行"
	r2 := row("", "", "新事项", registry.CategoryPenalty, "")
	res, err := e.svc.ImportItems(clerk, update("gtzyj", r0, r1, r2))
	e.must(err, "ImportItems")
	if got := outcomes(res); got != "created 1 updated 2 unchanged 0 [0:2 legal_bases;1:2 remark;2:1;]" {
		t.Fatalf("outcomes: %s", got)
	}
	if c := res.Rows[1].Changes[0]; c.From != "" || c.To != "按新规执行" {
		t.Fatalf("change of row 1: %+v", c)
	}
	if c := res.Rows[0].Changes[0]; c.From != "《土地征收法》第一条" || c.To != "《土地征收法》第一条\n《土地管理法》第四十六条" {
		t.Fatalf("change of row 0: %+v", c)
	}
	d := e.getItem(draft)
	if d.Item.Head != 2 || d.Item.State != registry.ItemDraft || len(d.Content.LegalBases) != 2 || d.Item.Version == draft.Item.Version {
		t.Fatalf("draft after the import: %+v %+v", d.Item, d.Content)
	}
	p := e.getItem(pub)
	if p.Item.State != registry.ItemDraft || p.Item.Pending != registry.ChangeModify || p.Content.Remark != "按新规执行" ||
		p.Item.InForce() == nil || p.Item.InForce().Revision != pub.Item.Head {
		t.Fatalf("published item after the import: %+v %+v", p.Item, p.Content)
	}
	if after := e.catalog(); len(after) != 1 || after[0].Entry.Content.Remark != "" || after[0].Entry.Revision != inForce[0].Entry.Revision {
		t.Fatalf("the catalogue changed before publication: %+v", after)
	}
	if res.Rows[2].Item != res.Items[0] || !strings.HasPrefix(res.Items[0], "departments/gtzyj/items/") {
		t.Fatalf("created: %+v", res)
	}
}

// TestImportRefusesChangesInReview: a row that changes a submitted or an
// approved item is refused naming the row, with ITEM_NOT_EDITABLE when it
// is the only kind of problem, and as its violation's reason among
// others; nothing is written, not even the other rows' changes. An
// unchanged row of an item in review is fine.
func TestImportRefusesChangesInReview(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	c := e.item("gtzyj", "丙", registry.CategoryPenalty)
	d := e.item("gtzyj", "丁", registry.CategoryPenalty)
	e.submit(e.batch("gtzyj", b))
	e.approved("gtzyj", c)
	b, c = e.getItem(b), e.getItem(c)
	before := e.states("gtzyj")

	ra := asRow(a, "")
	ra.Item.Content.Remark = "改"
	rb := asRow(b, "")
	rb.Item.Content.Remark = "改"
	rc := asRow(c, "")
	rc.Item.Content.Remark = "改"
	_, err := e.svc.ImportItems(clerk, update("gtzyj", ra, rb, rc, asRow(d, "")))
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonItemNotEditable)
	if got := subjects(re); !slices.Equal(got, []string{"rows[1]", "rows[2]"}) {
		t.Fatalf("subjects %v", got)
	}
	if !strings.Contains(re.Violations[0].Description, "powerctl submissions withdraw "+registry.SubmissionName("gtzyj", b.Item.Submission)) ||
		!strings.Contains(re.Violations[0].Description, "“乙”") || !strings.Contains(re.Violations[1].Description, "approved") {
		t.Fatalf("messages: %+v", re.Violations)
	}
	// Among bad fields: INVALID_FIELDS, the row keeping its reason.
	bad := asRow(d, "")
	bad.DepartmentName = "市民政局"
	_, err = e.svc.ImportItems(clerk, update("gtzyj", rb, bad))
	re = wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	if len(re.Violations) != 2 || re.Violations[1].Field != "rows[0]" || re.Violations[1].Reason != registry.ReasonItemNotEditable ||
		re.Violations[0].Field != "rows[1].department_display_name" {
		t.Fatalf("violations: %+v", re.Violations)
	}
	if after := e.states("gtzyj"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a refused import changed the items:\nbefore %v\nafter  %v", before, after)
	}
	// The same rows unchanged: nothing to refuse.
	res, err := e.svc.ImportItems(clerk, update("gtzyj", asRow(b, ""), asRow(c, "")))
	e.must(err, "ImportItems unchanged")
	if res.Unchanged != 2 {
		t.Fatalf("outcomes: %s", outcomes(res))
	}
}

// TestImportPendingAbolition: an item whose abolition is pending cannot
// change (CHANGE_PENDING, as UpdateItem says).
func TestImportPendingAbolition(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	e.publishItems("gtzyj", a)
	a, err := e.svc.AbolishItem(clerk, "gtzyj", a.Item.ID, "已废止", "")
	e.must(err, "AbolishItem")
	r := asRow(a, "")
	r.Item.Content.Remark = "改"
	_, err = e.svc.ImportItems(clerk, update("gtzyj", r))
	re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonChangePending)
	if !strings.Contains(re.Violations[0].Description, "powerctl items delete "+itemName(a)) {
		t.Fatalf("message: %s", re.Violations[0].Description)
	}
}

// TestImportMask: an update compares and writes only the fields the file
// carries: a file without a 设定依据 column leaves the legal bases; a row
// of such a file that creates an item still needs every required field.
func TestImportMask(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	r := asRow(a, "")
	r.Item.Content.LegalBases = nil
	r.Item.Content.Category = 0 // no 职权类型 column either
	r.Item.Content.CategoryLabel = ""
	in := update("gtzyj", r)
	in.Mask = []string{"display_name", "remark", "code", "main_item"}
	res, err := e.svc.ImportItems(clerk, in)
	e.must(err, "ImportItems")
	if res.Unchanged != 1 || len(e.getItem(a).Content.LegalBases) != 1 {
		t.Fatalf("outcomes %s, item %+v", outcomes(res), e.getItem(a).Content)
	}
	in.Rows[0].Item.Content.Remark = "新备注"
	res, err = e.svc.ImportItems(clerk, in)
	e.must(err, "ImportItems")
	got := e.getItem(a)
	if res.Updated != 1 || got.Content.Remark != "新备注" || len(got.Content.LegalBases) != 1 || got.Content.Category != registry.CategoryPenalty {
		t.Fatalf("outcomes %s, item %+v", outcomes(res), got.Content)
	}
	// A new row without a category: created rows take every field.
	n := row("", "", "乙", 0, "")
	in.Rows = []registry.ImportRow{n}
	_, err = e.svc.ImportItems(clerk, in)
	wantFields(t, err, "rows[0].item.category")
	// A path an import does not take.
	in.Mask = []string{"parent"}
	_, err = e.svc.ImportItems(clerk, in)
	wantFields(t, err, "update_mask")
}

// TestImportIdentityProblems: a name of another department, of no item,
// of an abolished item; a code of another department's item; the same item
// twice; a code already used; a main item other than the item's.
func TestImportIdentityProblems(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	e.dept("mzj", "市民政局")
	other := e.itemIn("mzj", registry.ItemInput{Content: content("婚姻登记", registry.CategoryConfirmation), Code: "MZ-1"})
	a := e.itemIn("gtzyj", registry.ItemInput{Content: content("甲", registry.CategoryPenalty), Code: "GT-1"})
	main := e.item("gtzyj", "大项", registry.CategoryPenalty)
	sub := e.subItem(main, "子项")
	gone := e.item("gtzyj", "废", registry.CategoryPenalty)
	e.publishItems("gtzyj", gone)
	gone, err := e.svc.AbolishItem(clerk, "gtzyj", gone.Item.ID, "废止", "")
	e.must(err, "AbolishItem")
	e.publishItems("gtzyj", gone)
	gone = e.getItem(gone)

	foreign := asRow(other, "")
	missing := asRow(a, "")
	missing.Name = "departments/gtzyj/items/999"
	missing.Item.Code = ""
	byCode := asRow(other, "")
	byCode.Name = ""
	twice := asRow(a, "")
	taken := asRow(sub, "大项")
	taken.Item.Code = "MZ-1"
	moved := asRow(main, "另一个大项")
	abolished := asRow(gone, "")
	abolishedCode := asRow(gone, "")
	abolishedCode.Name = ""
	abolishedCode.Item.Content.DisplayName = "废2"
	_, err = e.svc.ImportItems(clerk, update("gtzyj", foreign, missing, byCode, asRow(a, ""), twice, taken, moved, abolished, abolishedCode))
	wantFields(t, err, "rows[0].item.name", "rows[1].item.name", "rows[2].item.code", "rows[4]", "rows[5].item.code",
		"rows[7].item.name", "rows[8].item.code", "rows[6].main_item")
	re := wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	for _, want := range []string{"departments/mzj", "powerctl export --working-copy --department gtzyj", "MZ-1",
		"rows[3]", "already used by item departments/mzj/items/1", "abolished", "codes are never reused", "“另一个大项”"} {
		if !strings.Contains(fmt.Sprint(re.Violations), want) {
			t.Errorf("no problem says %q: %+v", want, re.Violations)
		}
	}
}

// TestImportDuplicates: two rows of one import describing the same item
// are a problem naming both; a row without identity or code matching an
// item of its department by name and main item is a problem naming that
// item, with or without UpdateExisting, unless CreateDuplicates.
func TestImportDuplicates(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	main := e.item("gtzyj", "土地征收", registry.CategoryLicensing)
	e.subItem(main, "集体土地征收")
	rows := []registry.ImportRow{
		row("", "", "甲", registry.CategoryPenalty, ""),
		row("", "", "乙", registry.CategoryPenalty, ""),
		row("", "", " 甲 ", registry.CategoryPenalty, ""),          // the same as rows[0]
		row("", "", "甲", registry.CategoryPenalty, "A-1"),         // a code tells it apart
		row("", "其他大项", "甲", registry.CategoryPenalty, ""),        // another main item
		row("", "土地征收", "集体土地征收", registry.CategoryLicensing, ""), // in the store
		row("", "", "土地征收", registry.CategoryLicensing, ""),       // in the store
	}
	for _, mode := range []bool{false, true} {
		_, err := e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", UpdateExisting: mode, Rows: rows})
		wantFields(t, err, "rows[2]", "rows[5]", "rows[6]")
		re := wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
		if d := re.Violations[0].Description; !strings.Contains(d, "rows[0]") || !strings.Contains(d, "第 0 行") {
			t.Fatalf("the duplicate row's problem does not name the other: %s", d)
		}
		if d := re.Violations[2].Description; !strings.Contains(d, "“土地征收”") || !strings.Contains(d, itemName(main)) ||
			!strings.Contains(d, "powerctl export --working-copy --department gtzyj") || !strings.Contains(d, "--create-duplicates") {
			t.Fatalf("the problem does not name the item and what to do: %s", d)
		}
	}
	in := registry.ImportInput{Department: "gtzyj", CreateDuplicates: true, Rows: slices.Delete(slices.Clone(rows), 2, 3)}
	res, err := e.svc.ImportItems(clerk, in)
	e.must(err, "ImportItems with CreateDuplicates")
	if res.Created != 6 {
		t.Fatalf("outcomes: %s", outcomes(res))
	}
}

// TestImportDepartmentMismatch: with a department, a row whose department
// column names another is a problem naming both; the same name with other
// spacing is not.
func TestImportDepartmentMismatch(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	rows := []registry.ImportRow{
		row(" 市国土资源局", "", "甲", registry.CategoryPenalty, ""),
		row("市民政局", "", "乙", registry.CategoryPenalty, ""),
	}
	_, err := e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", Rows: rows})
	wantFields(t, err, "rows[1].department_display_name")
	re := wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	if d := re.Violations[0].Description; !strings.Contains(d, "“市民政局”") || !strings.Contains(d, "“市国土资源局”") || !strings.Contains(d, "--department") {
		t.Fatalf("message: %s", d)
	}
	if all, _, _ := e.svc.ListItems("gtzyj", 0, 10, ""); len(all) != 0 {
		t.Fatalf("a refused import created %d items", len(all))
	}
}

// TestNormalizeRegion: 6, 9 and 12 digits become the shortest code with
// the same meaning; other shapes are refused.
func TestNormalizeRegion(t *testing.T) {
	for in, want := range map[string]string{
		"511602": "511602", "511602000000": "511602", "511602001000": "511602001", "511602001002": "511602001002",
		"511602000": "511602", "511602001": "511602001", " 430400 ": "430400", "510000": "510000",
		"51160": "", "5116020": "", "5116020000": "", "51160200000a": "", "": "", "５１１６０２": "",
	} {
		got, ok := registry.NormalizeRegion(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeRegion(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestImportRegions: a created department gets its rows' region; rows of
// one new department naming different regions are a problem; a row naming
// another region than an existing department's (or, without one, the
// default region) is a problem telling the command to run, once per
// department; UpdateDepartment normalises as the import does.
func TestImportRegions(t *testing.T) {
	e := newEnv(t) // default region 430400
	withRegion := func(r registry.ImportRow, code string) registry.ImportRow { r.RegionCode = code; return r }
	_, err := e.svc.ImportItems(clerk, registry.ImportInput{CreateDepartments: true, Rows: []registry.ImportRow{
		withRegion(row("广安区农业农村局", "", "甲", registry.CategoryPenalty, ""), "511602000000"),
		withRegion(row("广安区农业农村局", "", "乙", registry.CategoryPenalty, ""), "511603000000"),
	}})
	wantFields(t, err, "rows[1].region_code")
	_, err = e.svc.ImportItems(clerk, registry.ImportInput{CreateDepartments: true, Rows: []registry.ImportRow{
		withRegion(row("广安区农业农村局", "", "丙", registry.CategoryPenalty, ""), "5116"),
	}})
	wantFields(t, err, "rows[0].region_code")
	res, err := e.svc.ImportItems(clerk, registry.ImportInput{CreateDepartments: true, Rows: []registry.ImportRow{
		row("广安区农业农村局", "", "甲", registry.CategoryPenalty, ""),
		withRegion(row("广安区农业农村局", "", "乙", registry.CategoryPenalty, ""), "511602000000"),
		withRegion(row("协兴镇人民政府", "", "丙", registry.CategoryPenalty, ""), "511602101000"),
	}})
	e.must(err, "ImportItems")
	if len(res.Departments) != 2 || res.Departments[0].RegionCode != "511602" || res.Departments[1].RegionCode != "511602101" {
		t.Fatalf("departments: %+v %+v", res.Departments[0], res.Departments[1])
	}
	e.dept("gtzyj", "市国土资源局") // no region: the default one
	rows := []registry.ImportRow{
		withRegion(row("", "", "丁", registry.CategoryPenalty, ""), "430400000000"),
		withRegion(row("", "", "戊", registry.CategoryPenalty, ""), "511602"),
		withRegion(row("", "", "己", registry.CategoryPenalty, ""), "511602"),
	}
	_, err = e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", Rows: rows})
	wantFields(t, err, "rows[1].region_code")
	re := wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	if d := re.Violations[0].Description; !strings.Contains(d, "powerctl departments update --id gtzyj --region 511602") || !strings.Contains(d, "430400") {
		t.Fatalf("message: %s", d)
	}
	d, err := e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", RegionCode: "511602000000"}, []string{"region_code"}, "")
	e.must(err, "UpdateDepartment")
	if d.RegionCode != "511602" {
		t.Fatalf("region %q", d.RegionCode)
	}
	rows[0].RegionCode = ""
	res, err = e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", Rows: rows})
	e.must(err, "ImportItems after the update")
	if res.Created != 3 {
		t.Fatalf("outcomes %s", outcomes(res))
	}
	_, err = e.svc.UpdateDepartment("admin", registry.Department{ID: "gtzyj", RegionCode: "5116020"}, []string{"region_code"}, "")
	wantFields(t, err, "department.region_code")
}

// TestImportValidateOnlyReports: a dry run counts the rows and lists the
// changes as the import would, and writes nothing.
func TestImportValidateOnlyReports(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	before := e.states("gtzyj")
	ra := asRow(a, "")
	ra.Item.Content.DisplayName = "甲（改）"
	in := update("gtzyj", ra, asRow(b, ""), row("", "", "丙", registry.CategoryPenalty, ""))
	in.ValidateOnly = true
	res, err := e.svc.ImportItems(clerk, in)
	e.must(err, "ImportItems validate only")
	if got := outcomes(res); got != "created 1 updated 1 unchanged 1 [0:2 display_name;1:3;2:1;]" {
		t.Fatalf("outcomes: %s", got)
	}
	if c := res.Rows[0].Changes[0]; c.From != "甲" || c.To != "甲（改）" || res.Rows[2].Item != "" || res.Rows[0].Item != itemName(a) {
		t.Fatalf("rows: %+v", res.Rows)
	}
	if after := e.states("gtzyj"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a dry run changed the items:\nbefore %v\nafter  %v", before, after)
	}
}

// TestImportWithoutUpdateKeepsCodeInUse: without UpdateExisting a code in
// use is refused as before (and the message says how to update), and an
// item name in a row is ignored.
func TestImportWithoutUpdateKeepsCodeInUse(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.itemIn("gtzyj", registry.ItemInput{Content: content("甲", registry.CategoryPenalty), Code: "GT-1"})
	_, err := e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", Rows: []registry.ImportRow{asRow(a, "")}})
	wantFields(t, err, "rows[0].item.code")
	re := wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	if d := re.Violations[0].Description; !strings.Contains(d, itemName(a)) || !strings.Contains(d, "update_existing") ||
		re.Violations[0].Reason != registry.ReasonCodeInUse {
		t.Fatalf("message: %s", d)
	}
	r := asRow(a, "")
	r.Item.Code = ""
	r.Item.Content.DisplayName = "乙"
	res, err := e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", Rows: []registry.ImportRow{r}})
	e.must(err, "ImportItems")
	if res.Created != 1 || e.getItem(a).Content.DisplayName != "甲" {
		t.Fatalf("outcomes %s", outcomes(res))
	}
}

// TestImportUpdateCode: a row that names an unpublished item may give it a
// code; a published item's code never changes; an empty code keeps it.
func TestImportUpdateCode(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	p := e.item("gtzyj", "乙", registry.CategoryPenalty)
	e.publishItems("gtzyj", p)
	p = e.getItem(p)
	ra := asRow(a, "")
	ra.Item.Code = "GT-9"
	rp := asRow(p, "")
	rp.Item.Code = ""
	res, err := e.svc.ImportItems(clerk, update("gtzyj", ra, rp))
	e.must(err, "ImportItems")
	if got := outcomes(res); got != "created 0 updated 1 unchanged 1 [0:2 code;1:3;]" || e.getItem(a).Item.Code != "GT-9" {
		t.Fatalf("outcomes %s", got)
	}
	rp.Item.Code = "GT-10"
	_, err = e.svc.ImportItems(clerk, update("gtzyj", rp))
	wantFields(t, err, "rows[0].item.code")
}

// TestImportRenamesMainItem: a file that renames a main item names it by
// its new name in its sub-items' rows, and a new sub-item of the file
// joins the renamed main item instead of creating another one.
func TestImportRenamesMainItem(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	main := e.item("gtzyj", "土地征收", registry.CategoryLicensing)
	sub := e.subItem(main, "集体土地征收")
	rm := asRow(main, "")
	rm.Item.Content.DisplayName = "土地征收审批"
	rows := []registry.ImportRow{rm, asRow(sub, "土地征收审批"), row("", "土地征收审批", "国有土地征收", registry.CategoryLicensing, "")}
	res, err := e.svc.ImportItems(clerk, update("gtzyj", rows...))
	e.must(err, "ImportItems")
	if got := outcomes(res); got != "created 1 updated 1 unchanged 1 [0:2 display_name;1:3;2:1;]" || len(res.MainItems) != 0 {
		t.Fatalf("outcomes %s, main items created %v", got, res.MainItems)
	}
	added := e.getItem(&registry.ItemView{Item: registry.Item{Department: "gtzyj", ID: itemID(t, res.Items[0])}})
	if added.Item.Parent != main.Item.ID {
		t.Fatalf("the new sub-item's main item is %d, want %d", added.Item.Parent, main.Item.ID)
	}
	// The old name is no main item's any more.
	rows[1].MainItem = "土地征收"
	rows[0].Item.Content.DisplayName = "土地征收审批"
	_, err = e.svc.ImportItems(clerk, update("gtzyj", rows[:2]...))
	wantFields(t, err, "rows[1].main_item")
}

// TestImportMalformedIdentityIsOneProblem: a garbage 事项标识 is reported
// once, as malformed, not also as "an item of another department" (it
// names no department at all), with an update mask too (powerctl sends
// the file's columns as one): the identity is not a field the mask leaves
// out.
func TestImportMalformedIdentityIsOneProblem(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	row := asRow(a, "")
	row.Name = "garbage"
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	in := update("gtzyj", asRow(b, ""), row)
	in.Mask = []string{"display_name"}
	_, err := e.svc.ImportItems(clerk, in)
	re := wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	if len(re.Violations) != 1 || !strings.Contains(re.Violations[0].Description, "malformed") {
		t.Errorf("violations %+v, want one saying the identity is malformed", re.Violations)
	}
	if strings.Contains(fmt.Sprint(re.Violations), "is not of the row's department") {
		t.Errorf("a malformed identity is told as another department's: %+v", re.Violations)
	}
}

// TestImportRegionInScientificNotation: a 区划代码 or 职权编码 that Excel
// turned into a number (5.11602E+11, digits lost) is refused with what
// happened and what to do, not only with the expected form.
func TestImportRegionInScientificNotation(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	_, err := e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", Rows: []registry.ImportRow{
		{RegionCode: "5.11602E+11", Item: registry.ItemInput{Content: content("甲", registry.CategoryPenalty)}},
		{Item: registry.ItemInput{Content: content("乙", registry.CategoryPenalty), Code: "5.11602E+17"}}}})
	re := wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	got := fmt.Sprint(re.Violations)
	for _, want := range []string{"rows[0].region_code", "rows[1].item.code", "编码 \"5.11602E+17\" 是被 Excel", "科学计数", "文本", "scientific notation", "Text"} {
		if !strings.Contains(got, want) {
			t.Errorf("the problem does not say %q: %s", want, got)
		}
	}
}

// TestImportPublishedCodeChange: a row that changes a published item's
// code is refused saying which code to put back.
func TestImportPublishedCodeChange(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	e.publishItems("gtzyj", a)
	a = e.getItem(a)
	row := asRow(a, "")
	row.Item.Code = "OTHER-1"
	_, err := e.svc.ImportItems(clerk, update("gtzyj", row))
	re := wantErr(t, err, registry.ClassInvalidArgument, registry.ReasonInvalidFields)
	if got := fmt.Sprint(re.Violations); !strings.Contains(got, "rows[0].item.code") || !strings.Contains(got, "put "+a.Item.Code+" back") ||
		!strings.Contains(got, "请改回 "+a.Item.Code) {
		t.Errorf("the problem does not say which code to put back: %s", got)
	}
}

// TestImportDuplicateTreeKeepsItsSubItems: with CreateDuplicates, a file
// that creates a main item named like one the department has puts its
// sub-items under its own new main item, not under the existing one
// (which would leave the new main item empty and give the old one a
// sub-item nobody asked it to have).
func TestImportDuplicateTreeKeepsItsSubItems(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	old := e.item("gtzyj", "土地征收", registry.CategoryLicensing)
	e.subItem(old, "集体土地征收")
	res, err := e.svc.ImportItems(clerk, registry.ImportInput{Department: "gtzyj", UpdateExisting: true, CreateDuplicates: true,
		Rows: []registry.ImportRow{
			row("", "土地征收", "集体土地征收", registry.CategoryLicensing, ""), // before its main item
			row("", "", "土地征收", registry.CategoryLicensing, ""),
			row("", "土地征收", "国有土地征收", registry.CategoryLicensing, ""),
		}})
	e.must(err, "ImportItems")
	if len(res.Items) != 3 || len(res.MainItems) != 0 {
		t.Fatalf("created %v, main items %v", res.Items, res.MainItems)
	}
	_, mainID, err := registry.ParseItemName("", res.Items[1])
	e.must(err, "ParseItemName")
	for _, name := range []string{res.Items[0], res.Items[2]} {
		_, id, err := registry.ParseItemName("", name)
		e.must(err, "ParseItemName")
		v, err := e.svc.GetItem("gtzyj", id)
		e.must(err, "GetItem")
		if v.Item.Parent != mainID {
			t.Errorf("sub-item %s is under items/%d, want the file's new main item %s", name, v.Item.Parent, res.Items[1])
		}
	}
}
