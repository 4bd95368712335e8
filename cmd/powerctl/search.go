package main

import (
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// cst is China Standard Time (UTC+8; no daylight saving since 1991), the
// day of a bare date given to --as-of: a fixed zone, so that the answer
// does not depend on the machine's time zone or its tzdata.
var cst = time.FixedZone("CST", 8*60*60)

const asOfHelp = `--as-of T reads the catalogue as it was in force at T: an RFC 3339 time
(2014-10-08T10:00:00+08:00, 2014-10-08T02:00:00Z) or a date YYYY-MM-DD,
which means the end of that day in China Standard Time (UTC+8), so that
whatever was published that day counts.`

// parseAsOf reads --as-of: RFC 3339, or a date meaning the last instant of
// that day in China Standard Time. Empty is the zero time: now.
func parseAsOf(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, cst); err == nil {
		return d.AddDate(0, 0, 1).Add(-time.Nanosecond), nil
	}
	return time.Time{}, usagef("--as-of 应为 RFC 3339 时间（如 2014-10-08T10:00:00+08:00）或日期 YYYY-MM-DD（北京时间当天结束时），而不是“%s” / "+
		"--as-of takes an RFC 3339 time (e.g. 2014-10-08T10:00:00+08:00) or a date YYYY-MM-DD (the end of that day, China Standard Time), not %q", s, s)
}

// asOfText shows an --as-of time to the second, in its own offset.
func asOfText(t time.Time) string { return t.Format(time.RFC3339) }

// highlightFields label the fields of highlight fragments.
var highlightFields = map[string]string{
	"display_name": "名称 name",
	"legal_bases":  "设定依据 legal bases",
	"department":   "部门 department",
}

// marks renders the server's <mark>…</mark>: bold inverse video on a
// terminal, 【…】 elsewhere (files, pipes, NO_COLOR).
type marks struct{ open, close string }

func (a *app) marks() marks {
	if isTerminal(a.stdout) && a.env("NO_COLOR") == "" {
		return marks{"\x1b[1;7m", "\x1b[0m"}
	}
	return marks{"【", "】"}
}

// render turns a fragment (HTML-escaped, matches in <mark>) into text:
// the server's text is unescaped and made safe (oneLine) piece by piece,
// before the marks, whose escape sequences are powerctl's own.
func (m marks) render(fragment string) string {
	var b strings.Builder
	for i, piece := range strings.Split(fragment, "<mark>") {
		if i > 0 {
			b.WriteString(m.open)
		}
		if inside, after, ok := strings.Cut(piece, "</mark>"); ok && i > 0 {
			b.WriteString(oneLine(html.UnescapeString(inside)))
			b.WriteString(m.close)
			piece = after
		}
		b.WriteString(oneLine(html.UnescapeString(piece)))
	}
	return b.String()
}

func (a *app) catalogSearchCmd() *cobra.Command {
	var flags catalogFlags
	var limit int
	cmd := &cobra.Command{
		Use:   "search WORDS... [--category C] [--department D] [--region R] [--filter F] [--order-by O] [--limit N]",
		Short: "按关键词搜索在用事项 / search the items in force by keywords",
		Long: `Searches the items in force for keywords (Chinese or not) in their name,
their legal bases' titles and their department's name; every word must
match. Results come by relevance (or --order-by: code, publish_time,
display_name), at most --limit (default 20; 0 for all).

Prints the number of results, each result with the matches marked (bold
inverse on a terminal, 【…】 otherwise or with NO_COLOR set), then how many
results fall in each category and each department. --category, --department,
--region and --filter (AIP-160, as for catalog list) narrow the search.

-o json prints the server's responses as they came: a JSON array of
ListCatalogItemsResponse, one per page (one unless --limit exceeds 500),
with items, highlights (<mark>, HTML-escaped), facets and totalSize.`,
		Example: `  powerctl catalog search 土地
  powerctl catalog search 建设 用地 --category 行政许可 --limit 5
  powerctl catalog search 处罚 --department gtzyj --order-by 'publish_time desc'
  powerctl catalog search 矿 --region 430400 -o json`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, words []string) error {
			if limit < 0 {
				return usagef("--limit 不能为负数 / --limit must not be negative, not %d", limit)
			}
			q := strings.Join(strings.Fields(strings.Join(words, " ")), " ")
			if q == "" {
				return usagef("请给出要搜索的关键词 / give the keywords to search for")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			query, err := flags.query(cmd.Context(), c)
			if err != nil {
				return err
			}
			query.Q = q
			pages, err := c.SearchCatalog(cmd.Context(), query, limit)
			if err != nil {
				return err
			}
			if a.json() {
				return writeJSON(a.stdout, protoList(pages))
			}
			return a.printSearch(pages)
		},
	}
	flags.add(cmd, "'code'", "relevance")
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many results (0: all)")
	return cmd
}

// printSearch writes the total, the results with their highlights, and
// the facets.
func (a *app) printSearch(pages []*pb.ListCatalogItemsResponse) error {
	first := pages[0]
	var items []*pb.Item
	highlights := map[string][]*pb.HighlightFragment{}
	for _, p := range pages {
		items = append(items, p.GetItems()...)
		for _, h := range p.GetHighlights() {
			highlights[h.GetCode()] = append(highlights[h.GetCode()], h.GetFragments()...)
		}
	}
	w := &errWriter{w: a.stdout}
	total := int(first.GetTotalSize())
	if len(items) < total {
		w.printf("共 %d 条结果，显示前 %d 条 / %d results, the first %d shown\n", total, len(items), total, len(items))
	} else {
		w.printf("共 %d 条结果 / %d results\n", total, total)
	}
	m := a.marks()
	for i, it := range items {
		name, dept := oneLine(it.GetDisplayName()), oneLine(it.GetDepartmentDisplayName())
		var others []*pb.HighlightFragment
		for _, f := range highlights[it.GetCode()] {
			switch f.GetField() {
			case "display_name":
				name = m.render(f.GetText())
			case "department":
				dept = m.render(f.GetText())
			default:
				others = append(others, f)
			}
		}
		w.printf("\n%d. %s\n   %s  %s  %s\n", i+1, name, oneLine(it.GetCode()), oneLine(categoryText(it)), dept)
		for _, f := range others {
			label := highlightFields[f.GetField()]
			if label == "" {
				label = f.GetField()
			}
			w.printf("   %s: %s\n", oneLine(label), m.render(f.GetText()))
		}
	}
	if w.err != nil || total == 0 {
		return w.err
	}
	t := &table{}
	t.add("类型 CATEGORY", "结果 RESULTS")
	for _, f := range first.GetFacets().GetCategories() {
		t.add(categoryLabels[f.GetCategory()]+" "+categoryEnglish(f.GetCategory()), strconv.Itoa(int(f.GetCount())))
	}
	w.printf("\n")
	if err := t.write(a.stdout); err != nil {
		return err
	}
	t = &table{}
	t.add("部门 DEPARTMENT", "结果 RESULTS")
	for _, f := range first.GetFacets().GetDepartments() {
		t.add(f.GetDisplayName()+" ("+shortID(f.GetDepartment())+")", strconv.Itoa(int(f.GetCount())))
	}
	w.printf("\n")
	if w.err != nil {
		return w.err
	}
	return t.write(a.stdout)
}

// errWriter keeps the first write error, so that a run of prints checks
// it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
