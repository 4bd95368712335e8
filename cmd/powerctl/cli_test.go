package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/xuri/excelize/v2"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

func TestDepartments(t *testing.T) {
	e := start(t)
	r := e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")
	if r.stdout != "departments/gtzyj: 已创建部门“市国土资源局”，编号 001 / created department 市国土资源局, number 001\n" {
		t.Errorf("create: %s", r)
	}
	e.ok("admin", "departments", "create", "--id", "hyx-zjj", "--name", "衡阳县住建局", "--region", "430421")
	e.ok("admin", "departments", "create", "--id", "env", "--name", "Environment Bureau")

	r = e.fails(1, "admin", "departments", "create", "--id", "gtzyj", "--name", "另一个局")
	if !strings.Contains(r.stderr, "departments/gtzyj") || !strings.Contains(r.stderr, "powerctl departments list") {
		t.Errorf("duplicate department: %s", r)
	}
	e.fails(1, "admin", "departments", "create", "--id", "Bad_Id", "--name", "x")
	e.fails(2, "admin", "departments", "create", "--name", "没有 id")

	r = e.ok("admin", "departments", "list")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	want := []string{
		"ID       编号 NUMBER  区划 REGION  名称 NAME",
		"env      003                       Environment Bureau",
		"gtzyj    001          430400       市国土资源局",
		"hyx-zjj  002          430421       衡阳县住建局",
		"共 3 个部门 / 3 departments",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("departments list:\n%s\nwant:\n%s", r.stdout, strings.Join(want, "\n"))
	}
	r = e.ok("admin", "departments", "list", "-o", "json")
	var list []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 3 {
		t.Fatalf("departments list -o json: %v\n%s", err, r.stdout)
	}
	d := &pb.Department{}
	if err := protojson.Unmarshal(list[1], d); err != nil || d.GetDisplayName() != "市国土资源局" || !strings.Contains(r.stdout, `"市国土资源局"`) {
		t.Errorf("JSON output: %v %v", d, err)
	}
}

// displayColumn returns the display width of line before s, -1 when s is
// not in line.
func displayColumn(line, s string) int {
	i := strings.Index(line, s)
	if i < 0 {
		return -1
	}
	return width.StringWidth(line[:i])
}

// Columns line up by display width: a Chinese row and an ASCII row have
// their columns at the same positions.
func TestTableAlignment(t *testing.T) {
	e := start(t)
	e.importJSON("clerk", "--create-departments", writeRows(t, t.TempDir(), "list.csv", completeRows()))
	e.publishAll(e.departmentID("市国土资源局"), e.departmentID("Environment Bureau"))

	r := e.ok("anyone", "catalog", "list")
	lines := strings.Split(r.stdout, "\n")
	var chinese, ascii string
	for _, l := range lines {
		if strings.Contains(l, "对非法占用土地的处罚") {
			chinese = l
		}
		if strings.Contains(l, "Inspection of ABC sites") {
			ascii = l
		}
	}
	header := lines[0]
	for _, col := range []struct{ header, zh, en string }{
		{"类型 CATEGORY", "行政处罚", "行政监督"},
		{"部门 DEPARTMENT", "市国土资源局", "Environment Bureau"},
		{"名称 NAME", "对非法占用土地的处罚", "Inspection of ABC sites"},
	} {
		h, zh, en := displayColumn(header, col.header), displayColumn(chinese, col.zh), displayColumn(ascii, col.en)
		if h < 0 || h != zh || h != en {
			t.Errorf("column %s at display positions %d (header), %d (Chinese row), %d (ASCII row):\n%s", col.header, h, zh, en, r.stdout)
		}
	}

	// Every cell of catalog stats (no cell is empty there) starts where its
	// header does.
	r = e.ok("anyone", "catalog", "stats")
	lines = strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	want := cellStarts(lines[0])
	if len(want) != 5 {
		t.Fatalf("stats header %q", lines[0])
	}
	for _, l := range lines[1:] {
		if got := cellStarts(l); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("catalog stats: cells of %q start at %v, header's at %v", l, got, want)
		}
	}

	// catalog get: every value starts at one position, whatever the label.
	r = e.ok("anyone", "catalog", "get", "430400-FW-LAND-0001")
	pos := -1
	for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		starts := cellStarts(l)
		if len(starts) < 2 {
			continue // a field without value
		}
		if pos < 0 {
			pos = starts[1]
		}
		if starts[1] != pos {
			t.Errorf("catalog get: value of %q at %d, want %d:\n%s", l, starts[1], pos, r.stdout)
		}
	}
}

// cellStarts returns the display positions where the cells of a table line
// start: cells are separated by two spaces or more.
func cellStarts(line string) []int {
	var out []int
	for _, span := range regexp.MustCompile(`\S+(?: \S+)*`).FindAllStringIndex(line, -1) {
		out = append(out, width.StringWidth(line[:span[0]]))
	}
	return out
}

// The template: headers, a notes row, the category drop-down; it reads
// back as no rows.
func TestTemplate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "模板.xlsx")
	var out, errOut strings.Builder
	if code := run(t.Context(), []string{"template", "-o", path}, &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("template: exit %d: %s", code, errOut.String())
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	rows, err := f.GetRows(sheets[0])
	if err != nil || len(rows) < 2 {
		t.Fatalf("rows: %v %v", rows, err)
	}
	if strings.Join(rows[0], ",") != strings.Join(sheet.Headers(), ",") {
		t.Errorf("headers %v, want %v", rows[0], sheet.Headers())
	}
	if !strings.HasPrefix(rows[1][0], "说明：") {
		t.Errorf("no notes row: %v", rows[1])
	}
	dvs, err := f.GetDataValidations(sheets[0])
	if err != nil || len(dvs) == 0 {
		t.Fatalf("no drop-down: %v", err)
	}
	for _, label := range sheet.CategoryLabels() {
		if !strings.Contains(dvs[0].Formula1, label) {
			t.Errorf("drop-down %q lacks %s", dvs[0].Formula1, label)
		}
	}
	if rs, ps, err := sheet.Read(path, sheet.Options{}); len(rs) != 0 || len(ps) != 0 || err != nil {
		t.Errorf("the template reads as %d rows, %v, %v", len(rs), ps, err)
	}
}

// Every command has help with an example.
func TestHelpHasExamples(t *testing.T) {
	var walk func(cmd *cobra.Command)
	n := 0
	walk = func(cmd *cobra.Command) {
		n++
		if cmd.Example == "" {
			t.Errorf("%s has no example", cmd.CommandPath())
		}
		var out, errOut strings.Builder
		args := append(strings.Fields(cmd.CommandPath())[1:], "--help")
		if code := run(t.Context(), args, &out, &errOut, func(string) string { return "" }); code != 0 ||
			!strings.Contains(out.String(), "Examples:") {
			t.Errorf("powerctl %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		for _, c := range cmd.Commands() {
			if c.Name() != "help" {
				walk(c)
			}
		}
	}
	walk((&app{env: func(string) string { return "" }}).rootCmd())
	if n != 43 {
		t.Errorf("%d commands, want 43", n)
	}
}

// Exit status 0 only on success; 2 for a bad command line, 1 for the rest.
func TestExitCodes(t *testing.T) {
	e := start(t)
	missing := filepath.Join(t.TempDir(), "missing.csv")
	for _, tc := range []struct {
		code int
		args []string
		says string
	}{
		{0, []string{"departments", "list"}, ""},
		{0, []string{"--help"}, "powerctl"},
		{2, []string{"frobnicate"}, "unknown command"},
		{2, []string{"departments", "list", "--bogus"}, "unknown flag"},
		{2, []string{"-o", "yaml", "departments", "list"}, "table or json"},
		{2, []string{"submit"}, `"department"`},
		{2, []string{"publish"}, "--all-approved"},
		{2, []string{"publish", "departments/x/submissions/1", "--all-approved"}, "--all-approved"},
		{2, []string{"import"}, "requires at least 1 arg"},
		{2, []string{"import", "--department", "x", "--create-departments", "a.csv"}, "--create-departments"},
		{2, []string{"catalog", "get"}, "accepts 1 arg"},
		{2, []string{"catalog", "list", "--category", "行政处分"}, "行政处罚 (PENALTY)"},
		{2, []string{"catalog", "list", "--as-of", "2014-10-32"}, "--as-of 应为 RFC 3339"},
		{2, []string{"catalog", "get", "430400-CF-001-0001-00", "--as-of", "now"}, "--as-of takes an RFC 3339 time"},
		{2, []string{"catalog", "search"}, "requires at least 1 arg"},
		{1, []string{"catalog", "list", "--filter", "code ="}, "filter"},
		{2, []string{"review", "list", "--state", "pending"}, "--state"},
		{2, []string{"export", "--format", "pdf"}, "csv, xlsx or json"},
		{2, []string{"export", "-o", "json"}, "--format json"},
		{1, []string{"catalog", "get", "430400-CF-001-0001-00"}, "powerctl catalog list"},
		{1, []string{"review", "show", "departments/x/submissions/9"}, "powerctl review list --state all"},
		{1, []string{"review", "approve", "departments/x/submissions/9"}, "departments/x/submissions/9"},
		{1, []string{"submit", "--department", "nobody"}, "departments/nobody"},
		{1, []string{"publish", "--all-approved"}, "no approved submission"},
		{1, []string{"import", "--create-departments", missing}, "missing.csv"},
		{1, []string{"import", "--department", "nobody", guangan}, "departments/nobody"},
		{1, []string{"--server", "127.0.0.1:1", "departments", "list"}, "--server"},
		{1, []string{"--ca-cert", missing, "catalog", "stats"}, "missing.csv"},
		{1, []string{"--tls", "catalog", "stats"}, "--ca-cert when it serves TLS"},
		{1, []string{"--token", "prt_forged", "catalog", "stats"}, "no such token"},
	} {
		r := e.run("someone", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.says) {
			t.Errorf("powerctl %s: want exit %d saying %q, got %s", strings.Join(tc.args, " "), tc.code, tc.says, r)
		}
	}
	if r := e.runEnv(map[string]string{"POWERREG_CA_CERT": missing}, "catalog", "stats"); r.code != 1 || !strings.Contains(r.stderr, "missing.csv") {
		t.Errorf("POWERREG_CA_CERT: %s", r)
	}
	e.ok("admin", "departments", "create", "--id", "empty", "--name", "空部门")
	r := e.fails(1, "clerk", "submit", "--department", "empty")
	if !strings.Contains(r.stderr, "departments/empty has no drafts to submit") {
		t.Errorf("submit without drafts: %s", r)
	}
}

// Who acts is the token's name: recorded as the submitter; --token wins
// over POWERREG_TOKEN.
func TestActorIsTheToken(t *testing.T) {
	e := start(t)
	e.importJSON("land-clerk", "--create-departments", writeRows(t, t.TempDir(), "list.csv", completeRows()))
	r := e.runEnv(map[string]string{"POWERREG_TOKEN": "prt_not-a-token"},
		"submit", "--department", e.departmentID("市国土资源局"), "--token", e.token("land-clerk"))
	if r.code != 0 {
		t.Fatalf("submit --token: %s", r)
	}
	sub := nameOf(t, r)
	r = e.ok("reform-office", "review", "list", "-o", "json")
	var list []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 {
		t.Fatalf("review list -o json: %v\n%s", err, r.stdout)
	}
	s := &pb.Submission{}
	if err := protojson.Unmarshal(list[0], s); err != nil || s.GetName() != sub || s.GetSubmitter() != "land-clerk" {
		t.Errorf("submission %v (%v): want %s submitted by land-clerk", s, err, sub)
	}
	e.ok("reform-office", "review", "approve", sub)
	got, err := e.c.Registry.GetSubmission(t.Context(), &pb.GetSubmissionRequest{Name: sub})
	if err != nil || got.GetSubmission().GetReviewer() != "reform-office" {
		t.Errorf("reviewer of %s: %v %v", sub, got, err)
	}
}
