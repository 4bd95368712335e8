package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// legacyName is a name stored before the server refused control
// characters: it sets a terminal's title, rings its bell, turns text red
// and reverses what follows.
const legacyName = "旧\x1b]0;pwned\a\x1b[31m名称\u202e罚处\u0085"

// rawControls lists the forbidden characters a text holds as they are.
func rawControls(s string) []string {
	var out []string
	for _, r := range s {
		if r != '\n' && r != '\t' && (r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x202e) {
			out = append(out, string(r))
		}
	}
	return out
}

// TestLegacyControlsNotPrinted: an item whose name (and department name,
// remark, legal basis) holds escape sequences and a bidi override from
// before the rule is shown by every command with those characters escaped
// as [U+001B]: powerctl never prints them to a terminal, in tables, plain
// text or JSON.
func TestLegacyControlsNotPrinted(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	clerk := e.dial("clerk")
	defer clerk.Close()
	it, err := clerk.Registry.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
		DisplayName: "甲", Category: pb.Category_CATEGORY_PENALTY, LegalBases: []*pb.LegalBasis{{Text: "《甲法》第三条"}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, id, _ := registry.ParseItemName("", it.GetItem().GetName())

	// Write the legacy text straight into the store, server stopped.
	e.stop()
	db, err := store.Open(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx registry.Tx) error {
		r, err := tx.GetRevision(id, 1)
		if err != nil {
			return err
		}
		r.Content.DisplayName = legacyName
		r.Content.Remark = "备注\x1b[2J"
		r.Content.LegalBases[0].Text = "《甲法》\x1b[8m第三条"
		if err := tx.PutRevision(r); err != nil {
			return err
		}
		d, err := tx.GetDepartment("gtzyj")
		if err != nil {
			return err
		}
		d.DisplayName = "市国土\x1b[5m资源局"
		return tx.PutDepartment(d)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	e.serve()

	sub := nameOf(t, e.ok("clerk", "submit", "--department", "gtzyj", "--comment", "第一批"))
	outputs := map[string]result{
		"items list":       e.ok("clerk", "items", "list", "--department", "gtzyj"),
		"items list json":  e.ok("clerk", "items", "list", "--department", "gtzyj", "-o", "json"),
		"review show":      e.ok("reviewer", "review", "show", sub),
		"review show json": e.ok("reviewer", "review", "show", sub, "-o", "json"),
		"departments list": e.ok("admin", "departments", "list"),
	}
	e.ok("reviewer", "review", "approve", sub)
	e.ok("publisher", "publish", "--all-approved")
	code := e.catalog()[0].GetCode()
	outputs["catalog get"] = e.ok("anyone", "catalog", "get", code)
	outputs["catalog get json"] = e.ok("anyone", "catalog", "get", code, "-o", "json")
	outputs["catalog list"] = e.ok("anyone", "catalog", "list")
	outputs["catalog search"] = e.ok("anyone", "catalog", "search", "名称")
	outputs["catalog stats"] = e.ok("anyone", "catalog", "stats", "--departments")
	for what, r := range outputs {
		if bad := rawControls(r.stdout + r.stderr); len(bad) > 0 {
			t.Errorf("%s prints %q raw:\n%s", what, bad, r)
		}
		if !strings.Contains(what, "json") && !strings.Contains(what, "stats") && !strings.Contains(r.stdout, "[U+001B]") {
			t.Errorf("%s does not show the escape as [U+001B]:\n%s", what, r)
		}
	}
	if r := outputs["catalog get"]; !strings.Contains(r.stdout, "旧[U+001B]]0;pwned[U+0007][U+001B][31m名称[U+202E]罚处[U+0085]") {
		t.Errorf("catalog get:\n%s", r)
	}
	// JSON keeps the data: it decodes to the stored name.
	var got struct {
		DisplayName string `json:"displayName"`
	}
	if err := json.Unmarshal([]byte(outputs["catalog get json"].stdout), &got); err != nil || got.DisplayName != legacyName {
		t.Errorf("catalog get -o json decodes to %q, %v:\n%s", got.DisplayName, err, outputs["catalog get json"])
	}
}

// TestRenderMarks: a highlight keeps powerctl's own escape sequences for
// the marks and escapes those of the server's text.
func TestRenderMarks(t *testing.T) {
	m := marks{"\x1b[1;7m", "\x1b[0m"}
	got := m.render("对\x1b[31m<mark>土地</mark>&lt;\u202e&gt;\n的<mark>处罚</mark>")
	want := "对[U+001B][31m\x1b[1;7m土地\x1b[0m<[U+202E]> ⏎ 的\x1b[1;7m处罚\x1b[0m"
	if got != want {
		t.Fatalf("render = %q, want %q", got, want)
	}
	if got := escapeJSON([]byte(`{"a": "x` + "\u202e\u0085\x7f" + `y"}` + "\n")); string(got) != `{"a": "x\u202e\u0085\u007fy"}`+"\n" {
		t.Fatalf("escapeJSON = %s", got)
	}
}

// TestExportNeutralisesFormulas: powerctl export writes a name such as
// =cmd|'/c calc'!A1 neutralised (CSV: a leading '; XLSX: text, no formula,
// no visible quote), and importing either file gives the name back.
func TestExportNeutralisesFormulas(t *testing.T) {
	const formula = "=cmd|'/c calc'!A1"
	e := start(t)
	dir := t.TempDir()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")
	src := filepath.Join(dir, "in.csv")
	writeCSV(t, src, [][]string{
		{"职权名称", "职权类型", "设定依据", "承办机构", "备注"},
		{formula, "行政处罚", "《甲法》第三条", "-", "+1"},
		{"@SUM(1+1)", "行政许可", "《乙法》第五条", "执法科", "-5"},
	})
	e.ok("clerk", "import", "--department", "gtzyj", src)
	e.publishAll("gtzyj")
	before := e.catalog()
	if names := []string{before[0].GetDisplayName(), before[1].GetDisplayName()}; !slices.Contains(names, formula) {
		t.Fatalf("published %q", names)
	}

	csvPath, xlsxPath := filepath.Join(dir, "out.csv"), filepath.Join(dir, "out.xlsx")
	e.ok("anyone", "export", "-o", csvPath)
	e.ok("anyone", "export", "--format", "xlsx", "-o", xlsxPath)
	recs := readCSV(t, csvPath)
	for _, rec := range recs {
		for _, c := range rec {
			if c != "" && strings.ContainsAny(c[:1], "=+-@\t\r") {
				t.Errorf("CSV cell %q starts with a formula trigger", c)
			}
		}
	}
	if csv := readFile(t, csvPath); !strings.Contains(csv, ",'"+formula+",") || !strings.Contains(csv, ",'@SUM(1+1),") {
		t.Errorf("CSV export:\n%s", csv)
	}
	x, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(sheet.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if f, _ := x.GetCellFormula(sheet.SheetName, cell); f != "" {
				t.Errorf("XLSX %s has the formula %q", cell, f)
			}
			found = found || v == formula
		}
	}
	if !found {
		t.Errorf("XLSX lacks a cell %q (with no visible quote): %q", formula, rows)
	}

	for _, path := range []string{csvPath, xlsxPath} {
		t.Run(filepath.Ext(path), func(t *testing.T) {
			f := start(t)
			f.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")
			f.ok("clerk", "import", "--department", "gtzyj", path)
			f.publishAll("gtzyj")
			if diff := compareCatalogues(before, f.catalog()); diff != "" {
				t.Error(diff)
			}
		})
	}
}

// TestImportTextRules: a line break in a name (Alt+Enter) is imported as
// a space with a warning; a control character is refused by the server,
// located at its row and shown escaped.
func TestImportTextRules(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局")
	path := filepath.Join(dir, "wrapped.csv")
	writeCSV(t, path, [][]string{
		{"职权名称", "职权类型", "设定依据", "备注"},
		{"对非法占用土地\n的处罚", "行政处罚", "《甲法》第三条\n《乙法》第五条", "第一行\n第二行"},
	})
	r := e.ok("clerk", "import", "--department", "gtzyj", path)
	if !strings.Contains(r.stderr, "警告 / warning: wrapped.csv 第2行「职权名称」: 职权名称中的换行已改为空格：“对非法占用土地 的处罚”") {
		t.Errorf("no warning:\n%s", r)
	}
	items := e.items()
	if len(items) != 1 || items[0].GetDisplayName() != "对非法占用土地 的处罚" || items[0].GetRemark() != "第一行\n第二行" ||
		len(items[0].GetLegalBases()) != 2 {
		t.Fatalf("imported %v", items)
	}

	path = filepath.Join(dir, "escape.csv")
	writeCSV(t, path, [][]string{
		{"职权名称", "职权类型"},
		{"好事项", "行政许可"},
		{"处罚\x1b[31m", "行政处罚"},
	})
	r = e.fails(1, "clerk", "import", "--department", "gtzyj", path)
	if !strings.Contains(r.stderr, "escape.csv 第3行「职权名称」") || !strings.Contains(r.stderr, "U+001B") ||
		strings.ContainsRune(r.stderr, 0x1b) {
		t.Errorf("import of a name with ESC:\n%q", r.stderr)
	}
	if n := len(e.items()); n != 1 {
		t.Errorf("%d items after a refused import", n)
	}
}
