package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// published starts a server holding completeRows, published.
func published(t *testing.T) (e *env, land, envDept string) {
	e = start(t)
	e.importJSON("clerk", "--create-departments", writeRows(t, t.TempDir(), "list.csv", completeRows()))
	land, envDept = e.departmentID("市国土资源局"), e.departmentID("Environment Bureau")
	e.publishAll(land, envDept)
	return e, land, envDept
}

// names returns the last cell (the name) of each row of a catalog list
// table, without the header and the count line.
func names(stdout string) []string {
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	var out []string
	for _, l := range lines[1 : len(lines)-1] {
		cells := regexp.MustCompile(`\s{2,}`).Split(l, -1)
		out = append(out, cells[len(cells)-1])
	}
	return out
}

// Keyword search: the best result first with its matches in 【】, the
// rest, the facets; narrowed by flags; -o json is the server's responses.
func TestCatalogSearch(t *testing.T) {
	e, land, _ := published(t)

	r := e.ok("anyone", "catalog", "search", "土地")
	want := `共 4 条结果 / 4 results

1. 【土地】征收审批
   430400-XK-001-0001-02  行政许可  市国土资源局
   设定依据 legal bases: 《中华人民共和国【土地】管理法》
   设定依据 legal bases: 《【土地】管理法实施条例》

2. 对非法占用【土地】的处罚
   430400-CF-001-0001-00  行政处罚  市国土资源局
   设定依据 legal bases: 《中华人民共和国【土地】管理法》
`
	if !strings.HasPrefix(r.stdout, want) {
		t.Errorf("search 土地:\n%s\nwant it to start with:\n%s", r.stdout, want)
	}
	facets := `
类型 CATEGORY       结果 RESULTS
行政许可 licensing  3
行政处罚 penalty    1

部门 DEPARTMENT      结果 RESULTS
市国土资源局 (` + land + `)  4
`
	if !strings.HasSuffix(r.stdout, facets) || strings.Count(r.stdout, "\n3. ") != 1 || strings.Count(r.stdout, "\n4. ") != 1 {
		t.Errorf("search 土地: want 4 results then the facets\n%s\nwant the end:\n%s", r.stdout, facets)
	}
	if strings.Contains(r.stdout, "<mark>") || strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("marks or escapes outside a terminal:\n%s", r.stdout)
	}

	// Several words must all match; --limit shows fewer than the total.
	r = e.ok("anyone", "catalog", "search", "土地", "审批", "--limit", "1")
	if !strings.HasPrefix(r.stdout, "共 3 条结果，显示前 1 条 / 3 results, the first 1 shown\n\n1. 【土地】征收【审批】\n") ||
		strings.Contains(r.stdout, "\n2. ") || !strings.Contains(r.stdout, "行政许可 licensing  3\n") {
		t.Errorf("search 土地 审批 --limit 1:\n%s", r.stdout)
	}
	// --category narrows the results and the facets; --order-by replaces relevance.
	r = e.ok("anyone", "catalog", "search", "土地", "--category", "行政处罚")
	if !strings.HasPrefix(r.stdout, "共 1 条结果 / 1 results\n\n1. 对非法占用【土地】的处罚\n") || strings.Contains(r.stdout, "licensing") {
		t.Errorf("search --category:\n%s", r.stdout)
	}
	r = e.ok("anyone", "catalog", "search", "土地", "--order-by", "code desc", "--filter", `code: "430400-XK*"`)
	if !regexp.MustCompile(`(?s)^共 3 条结果.*\n1\. 【土地】征收审批\n.*\n2\. 农用地转用审批\n.*\n3\. 建设用地审批\n`).MatchString(r.stdout) {
		t.Errorf("search --order-by 'code desc' --filter:\n%s", r.stdout)
	}
	r = e.ok("anyone", "catalog", "search", "土地", "--region", "430421")
	if !strings.HasPrefix(r.stdout, "共 0 条结果 / 0 results\n") {
		t.Errorf("search --region of no department:\n%s", r.stdout)
	}

	r = e.ok("anyone", "catalog", "search", "土地", "--limit", "2", "-o", "json")
	var pages []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &pages); err != nil || len(pages) != 1 {
		t.Fatalf("search -o json: %v\n%s", err, r.stdout)
	}
	resp := &pb.ListCatalogItemsResponse{}
	if err := protojson.Unmarshal(pages[0], resp); err != nil {
		t.Fatal(err)
	}
	if resp.GetTotalSize() != 4 || len(resp.GetItems()) != 2 || len(resp.GetHighlights()) != 2 ||
		resp.GetHighlights()[0].GetFragments()[0].GetText() != "<mark>土地</mark>征收审批" ||
		len(resp.GetFacets().GetCategories()) != 2 {
		t.Errorf("search -o json: %s", r.stdout)
	}

	r = e.fails(1, "anyone", "catalog", "search", "土地", "--filter", "publish_time > yesterday")
	if !strings.Contains(r.stderr, "filter") || !strings.Contains(r.stderr, "第 16 个字符") {
		t.Errorf("search with a bad filter: %s", r)
	}
	e.fails(2, "anyone", "catalog", "search")
	e.fails(2, "anyone", "catalog", "search", "土地", "--limit", "-1")
}

// Matches are bold inverse video on a terminal and 【】 elsewhere; HTML
// entities are unescaped after the marks are found.
func TestHighlightRendering(t *testing.T) {
	frag := "A &amp; <mark>B&lt;c&gt;</mark> &lt;mark&gt;"
	if got := (marks{"【", "】"}).render(frag); got != "A & 【B<c>】 <mark>" {
		t.Errorf("plain: %q", got)
	}
	if got := (marks{"\x1b[1;7m", "\x1b[0m"}).render(frag); got != "A & \x1b[1;7mB<c>\x1b[0m <mark>" {
		t.Errorf("terminal: %q", got)
	}
}

// catalog list: --filter and --order-by change the rows; the server's
// refusal of a bad filter is shown with exit 1.
func TestCatalogListFilterOrder(t *testing.T) {
	e, land, envDept := published(t)

	all := []string{"对非法占用土地的处罚", "不动产登记资料查询", "Inspection of ABC sites", "建设用地审批", "农用地转用审批", "土地征收审批"}
	if got := names(e.ok("anyone", "catalog", "list").stdout); strings.Join(got, "|") != strings.Join(all, "|") {
		t.Errorf("catalog list: %q", got)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--filter", "category = CATEGORY_LICENSING"}, []string{"建设用地审批", "农用地转用审批", "土地征收审批"}},
		{[]string{"--filter", `category = CATEGORY_LICENSING`, "--order-by", "code desc"}, []string{"土地征收审批", "农用地转用审批", "建设用地审批"}},
		{[]string{"--filter", `display_name: "土地" OR department = ` + envDept}, []string{"对非法占用土地的处罚", "Inspection of ABC sites", "土地征收审批"}},
		{[]string{"--filter", `NOT code: "*-00"`, "--department", land}, []string{"不动产登记资料查询", "农用地转用审批", "土地征收审批"}},
		{[]string{"--order-by", "display_name"}, []string{"Inspection of ABC sites", "不动产登记资料查询", "农用地转用审批", "土地征收审批", "对非法占用土地的处罚", "建设用地审批"}},
		{[]string{"--region", "430400", "--category", "行政监督"}, []string{"Inspection of ABC sites"}},
		{[]string{"--region", "430421"}, nil},
	} {
		r := e.ok("anyone", append([]string{"catalog", "list"}, tc.args...)...)
		if got := names(r.stdout); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("catalog list %q: %q, want %q", tc.args, got, tc.want)
		}
	}

	r := e.fails(1, "anyone", "catalog", "list", "--filter", "categry = CATEGORY_PENALTY")
	if r.stdout != "" || !strings.Contains(r.stderr, `第 1 个字符处：未知字段 "categry"`) ||
		!strings.Contains(r.stderr, `at character 1: unknown field "categry"`) {
		t.Errorf("catalog list with a bad filter: %s", r)
	}
	r = e.fails(1, "anyone", "catalog", "list", "--order-by", "update_time")
	if !strings.Contains(r.stderr, "order_by") || !strings.Contains(r.stderr, `cannot order by "update_time"`) {
		t.Errorf("catalog list with a bad order: %s", r)
	}
}

// --as-of reads the catalogue as it was: before a publication, the old
// revision; before the first, nothing. A bad --as-of is a usage error.
func TestCatalogAsOf(t *testing.T) {
	e, land, _ := published(t)
	ctx := context.Background()
	penalty := map[string]*pb.Item{}
	for _, it := range e.catalog() {
		penalty[it.GetDisplayName()] = it
	}
	first := penalty["对非法占用土地的处罚"]
	code, t1 := first.GetCode(), first.GetPublishTime().AsTime()

	_, err := e.c.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: first.GetName(), DisplayName: "对非法占用耕地的处罚"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	if err != nil {
		t.Fatal(err)
	}
	e.publishAll(land)

	if r := e.ok("anyone", "catalog", "get", code); !strings.Contains(r.stdout, "对非法占用耕地的处罚") {
		t.Errorf("catalog get now:\n%s", r.stdout)
	}
	at := t1.Format(time.RFC3339Nano)
	r := e.ok("anyone", "catalog", "get", code, "--as-of", at)
	if !strings.Contains(r.stdout, "对非法占用土地的处罚") || strings.Contains(r.stdout, "耕地") ||
		!regexp.MustCompile(`(?m)^在用于 in force at +`+regexp.QuoteMeta(t1.Format(time.RFC3339))+`$`).MatchString(r.stdout) {
		t.Errorf("catalog get --as-of %s (the first publication):\n%s", at, r.stdout)
	}
	r = e.ok("anyone", "catalog", "list", "--as-of", at, "--filter", `display_name: "非法占用"`)
	if got := names(r.stdout); len(got) != 1 || got[0] != "对非法占用土地的处罚" ||
		!strings.HasSuffix(r.stdout, "1 items in force at "+t1.Format(time.RFC3339)+"\n") {
		t.Errorf("catalog list --as-of %s:\n%s", at, r.stdout)
	}
	// The end of today in China Standard Time holds everything published.
	today := time.Now().In(cst).Format(time.DateOnly)
	if r := e.ok("anyone", "catalog", "get", code, "--as-of", today); !strings.Contains(r.stdout, "对非法占用耕地的处罚") {
		t.Errorf("catalog get --as-of %s:\n%s", today, r.stdout)
	}

	before := t1.Add(-time.Nanosecond).Format(time.RFC3339Nano)
	if r := e.ok("anyone", "catalog", "list", "--as-of", before); len(names(r.stdout)) != 0 {
		t.Errorf("catalog list before the first publication:\n%s", r.stdout)
	}
	r = e.fails(1, "anyone", "catalog", "get", code, "--as-of", "2000-01-01")
	if !strings.Contains(r.stderr, code) || !strings.Contains(r.stderr, "powerctl catalog list") {
		t.Errorf("catalog get before the first publication: %s", r)
	}

	for _, bad := range []string{"yesterday", "2014-13-01", "2014-10-08 10:00", "2014-10-08T10:00:00"} {
		for _, cmd := range [][]string{{"catalog", "list"}, {"catalog", "get", code}} {
			r := e.fails(2, "anyone", append(cmd, "--as-of", bad)...)
			if !strings.Contains(r.stderr, "--as-of 应为 RFC 3339 时间") || !strings.Contains(r.stderr, "--as-of takes an RFC 3339 time") {
				t.Errorf("--as-of %q: %s", bad, r)
			}
		}
	}
}

func TestParseAsOf(t *testing.T) {
	for in, want := range map[string]string{
		"2014-10-08":                     "2014-10-08T15:59:59.999999999Z",
		"2014-10-08T10:00:00+08:00":      "2014-10-08T02:00:00Z",
		"2014-10-08T02:00:00.5Z":         "2014-10-08T02:00:00.5Z",
		" 2014-02-28 ":                   "2014-02-28T15:59:59.999999999Z",
		"":                               "0001-01-01T00:00:00Z",
		"2016-02-29T23:59:59.123456789Z": "2016-02-29T23:59:59.123456789Z",
	} {
		got, err := parseAsOf(in)
		if err != nil || got.UTC().Format(time.RFC3339Nano) != want {
			t.Errorf("parseAsOf(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
}

// items list and review list: --filter and --order-by reach the server.
func TestItemsAndReviewListFilterOrder(t *testing.T) {
	e, land, envDept := published(t)

	r := e.ok("reviewer", "items", "list", "--filter", "category = CATEGORY_LICENSING", "--order-by", "display_name desc")
	if got := names(r.stdout); strings.Join(got, "|") != "建设用地审批|土地征收审批|农用地转用审批" {
		t.Errorf("items list --filter --order-by: %q\n%s", got, r.stdout)
	}
	r = e.ok("reviewer", "items", "list", "--department", envDept, "--state", "published")
	if got := names(r.stdout); len(got) != 1 || got[0] != "Inspection of ABC sites" {
		t.Errorf("items list --department --state: %q", got)
	}
	r = e.fails(1, "reviewer", "items", "list", "--filter", "state = STATE_BOGUS")
	if !strings.Contains(r.stderr, "filter") || !strings.Contains(r.stderr, "STATE_BOGUS") {
		t.Errorf("items list with a bad filter: %s", r)
	}
	e.fails(2, "reviewer", "items", "list", "--state", "pending")

	// Submissions: newest first by default, oldest first by create_time.
	subs := func(stdout string) []string {
		var out []string
		for _, l := range strings.Split(stdout, "\n") {
			if strings.HasPrefix(l, "departments/") {
				out = append(out, strings.Fields(l)[0])
			}
		}
		return out
	}
	landSub, envSub := "departments/"+land+"/submissions/1", "departments/"+envDept+"/submissions/2"
	if got := subs(e.ok("reviewer", "review", "list", "--state", "all").stdout); strings.Join(got, " ") != envSub+" "+landSub {
		t.Errorf("review list --state all: %q", got)
	}
	if got := subs(e.ok("reviewer", "review", "list", "--state", "all", "--order-by", "create_time").stdout); strings.Join(got, " ") != landSub+" "+envSub {
		t.Errorf("review list --order-by create_time: %q", got)
	}
	if got := subs(e.ok("reviewer", "review", "list", "--state", "all", "--filter", "department = "+land).stdout); strings.Join(got, " ") != landSub {
		t.Errorf("review list --filter department: %q", got)
	}
	r = e.fails(1, "reviewer", "review", "list", "--order-by", "display_name")
	if !strings.Contains(r.stderr, "order_by") || !strings.Contains(r.stderr, "display_name") {
		t.Errorf("review list with a bad order: %s", r)
	}
}
