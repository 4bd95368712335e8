package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

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
