package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/internal/controls"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// everyControl holds one character of each kind internal/controls
// forbids: ESC (a colour), BEL, the C1 CSI U+009B, NEL U+0085, the line
// and paragraph separators, DEL, and the bidi controls and marks.
const everyControl = "旧\x1b[31m名\a\u009b2J\u0085甲\u2028乙\u2029丙\x7f\u202e丁\u2066戊\u2069\u200f己\u200e\u061c庚"

// forbidden lists the characters of s powerctl must not print raw (line
// breaks and tabs of its own layout aside).
func forbidden(s string) []string {
	var out []string
	for _, r := range s {
		if r != '\n' && r != '\t' && controls.Of(r) != controls.None {
			out = append(out, controls.Code(r))
		}
	}
	return out
}

// TestLegacyControlsEveryOutput: a record stored before the rule, whose
// name, remark, legal basis, department and submission comment hold every
// kind of forbidden character, is printed by each command, in tables and
// in JSON, without one of them raw (the bytes are checked, not the
// rendering).
func TestLegacyControlsEveryOutput(t *testing.T) {
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
	sub := nameOf(t, e.ok("clerk", "submit", "--department", "gtzyj", "--comment", "第一批"))
	_, subID, _ := registry.ParseSubmissionName("", sub)

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
		r.Content.DisplayName = everyControl
		r.Content.Remark = everyControl
		r.Content.LegalBases[0].Text = everyControl
		r.Comment = everyControl
		if err := tx.PutRevision(r); err != nil {
			return err
		}
		d, err := tx.GetDepartment("gtzyj")
		if err != nil {
			return err
		}
		d.DisplayName = everyControl
		if err := tx.PutDepartment(d); err != nil {
			return err
		}
		s, err := tx.GetSubmission(subID)
		if err != nil {
			return err
		}
		s.Comment = everyControl
		s.SubmitterHolder = everyControl
		if err := tx.PutSubmission(s); err != nil {
			return err
		}
		tok, err := tx.GetToken("clerk")
		if err != nil {
			return err
		}
		tok.Holder, tok.CreatorHolder = everyControl, everyControl
		return tx.PutToken(tok)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	e.serve()

	outputs := map[string]result{}
	both := func(what, actor string, args ...string) {
		outputs[what] = e.ok(actor, args...)
		outputs[what+" json"] = e.ok(actor, append(args, "-o", "json")...)
	}
	both("items list", "clerk", "items", "list")
	both("departments list", "admin", "departments", "list")
	both("review list", "reviewer", "review", "list")
	both("review show", "reviewer", "review", "show", sub)
	outputs["review approve"] = e.ok("reviewer", "review", "approve", sub, "--comment", "同意")
	outputs["publish"] = e.ok("publisher", "publish", "--all-approved")
	code := e.catalog()[0].GetCode()
	both("catalog get", "anyone", "catalog", "get", code)
	both("catalog list", "anyone", "catalog", "list")
	both("catalog search", "anyone", "catalog", "search", "名")
	both("catalog stats", "anyone", "catalog", "stats", "--departments")
	both("changes list", "anyone", "changes", "list")
	both("audit list", "admin", "audit", "list")
	both("tokens list", "admin", "tokens", "list")
	// The watch prints each change as it comes, plain and JSON.
	for _, format := range [][]string{nil, {"-o", "json"}} {
		ctx, cancel := context.WithCancel(context.Background())
		out := &lineCanceler{n: 1, cancel: cancel}
		var errOut bytes.Buffer
		vars := map[string]string{"POWERREG_SERVER": e.addr}
		run(ctx, append([]string{"changes", "watch", "--from-revision", "0"}, format...), out, &errOut, func(k string) string { return vars[k] })
		cancel()
		outputs["changes watch "+strings.Join(format, " ")] = result{stdout: out.buf.String(), stderr: errOut.String()}
		if !strings.Contains(out.buf.String(), "己") {
			t.Errorf("changes watch %v printed no change:\n%s\n%s", format, out.buf.String(), errOut.String())
		}
	}
	outputs["export csv"] = e.ok("anyone", "export", "--format", "csv")
	outputs["export json"] = e.ok("anyone", "export", "--format", "json")
	for what, r := range outputs {
		out := r.stdout + r.stderr
		if what == "export csv" {
			out = strings.ReplaceAll(out, "\r\n", "\n") // CSV's own line ends
		}
		if bad := forbidden(out); len(bad) > 0 {
			t.Errorf("%s prints %q raw:\n%s", what, bad, r)
		}
	}
	for _, what := range []string{"items list", "catalog get", "review show", "departments list"} {
		if !strings.Contains(outputs[what].stdout, "[U+2028]") && !strings.Contains(outputs[what].stdout, "⏎") {
			t.Errorf("%s does not show U+2028:\n%s", what, outputs[what])
		}
	}
	var got struct {
		DisplayName string `json:"displayName"`
		Remark      string `json:"remark"`
	}
	if err := json.Unmarshal([]byte(outputs["catalog get json"].stdout), &got); err != nil || got.DisplayName != everyControl || got.Remark != everyControl {
		t.Errorf("catalog get -o json decodes to %q, %q, %v", got.DisplayName, got.Remark, err)
	}
}

// A reading error quotes what the file holds: the sheet names of an XLSX
// may hold C1 and bidi controls (XML allows them), and the error listing
// them was printed as it was.
func TestImportErrorEscaped(t *testing.T) {
	e := start(t)
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "甲\u009b2J\u202e乙"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	r := e.refused([]string{"no sheet named", "甲[U+009B]2J[U+202E]乙"}, "--sheet", "无", path)
	if bad := forbidden(r.stderr); len(bad) > 0 {
		t.Errorf("prints %q raw:\n%s", bad, r)
	}
}
