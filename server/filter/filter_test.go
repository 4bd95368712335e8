package filter_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/powerreg/powerreg/server/filter"
)

var schema = filter.NewSchema(
	filter.Field{Name: "category", Type: filter.Enum, Values: map[string]int64{
		"CATEGORY_LICENSING": 1, "CATEGORY_PENALTY": 3, "CATEGORY_LEVY": 7}},
	filter.Field{Name: "state", Type: filter.Enum, Values: map[string]int64{
		"STATE_DRAFT": 1, "STATE_PUBLISHED": 5}},
	filter.Field{Name: "code", Type: filter.String},
	filter.Field{Name: "department", Type: filter.String, Canon: func(s string) string {
		if strings.Contains(s, "/") {
			return s
		}
		return "departments/" + s
	}},
	filter.Field{Name: "display_name", Type: filter.String, EqualityOnly: true},
	filter.Field{Name: "update_time", Type: filter.Timestamp},
	filter.Field{Name: "publish_time", Type: filter.Timestamp},
)

type rec struct {
	id       string
	category int64
	state    int64
	code     string
	dept     string
	name     string
	update   time.Time
	publish  time.Time
}

func (r rec) get(field string) filter.Value {
	switch field {
	case "category":
		return filter.Num(r.category)
	case "state":
		return filter.Num(r.state)
	case "code":
		return filter.Str(r.code)
	case "department":
		return filter.Str("departments/" + r.dept)
	case "display_name":
		return filter.Str(r.name)
	case "update_time":
		return filter.Time(r.update)
	case "publish_time":
		return filter.Time(r.publish)
	}
	panic("unknown field " + field)
}

func day(d int) time.Time { return time.Date(2014, time.October, d, 0, 0, 0, 0, time.UTC) }

var recs = []rec{
	{"a", 3, 5, "430400-CF-001-0001-00", "gtzyj", "对非法占用土地的处罚", day(2), day(3)},
	{"b", 3, 5, "430400-CF-001-0001-01", "gtzyj", "对非法占用耕地的处罚", day(4), day(5)},
	{"c", 1, 5, "430400-XK-002-0001-00", "hbj", "排污许可", day(6), day(7)},
	{"d", 7, 1, "", "gtzyj", "土地闲置费征收*", day(8), time.Time{}},
	{"e", 1, 1, "", "hbj", `含"引号"的\事项`, day(10), time.Time{}},
}

func matches(t *testing.T, f *filter.Filter) []string {
	t.Helper()
	var out []string
	for _, r := range recs {
		if f.Match(r.get) {
			out = append(out, r.id)
		}
	}
	return out
}

// TestFilter: valid filters select the expected records, and their
// canonical forms select the same and are stable.
func TestFilter(t *testing.T) {
	cases := []struct {
		filter string
		want   string // ids of the matching records
	}{
		{"", "abcde"},
		{"   ", "abcde"},
		{"category = CATEGORY_PENALTY", "ab"},
		{`category = "CATEGORY_PENALTY"`, "ab"},
		{"category != CATEGORY_PENALTY", "cde"},
		{"category: CATEGORY_LICENSING", "ce"},
		{"state = STATE_DRAFT", "de"},
		{`code: "430400-CF*"`, "ab"},
		{`code = "430400-CF*"`, "ab"},
		{`code:430400-CF*`, "ab"},
		{`code = "*-00"`, "ac"},
		{`code: "XK"`, "c"},
		{`code = "430400-CF-001-0001-00"`, "a"},
		{`code != "430400-CF-001-0001-00"`, "bcde"},
		{`code = ""`, "de"},
		{`code:*`, "abc"},
		{`NOT code:*`, "de"},
		{`-code:*`, "de"},
		{`code > "430400-CF-001-0001-00"`, "bc"},
		{`code <= "430400-CF-001-0001-01"`, "abde"},
		{`department = "departments/hbj"`, "ce"},
		{`department = hbj`, "ce"},
		{`department = departments/gtzyj`, "abd"},
		{`department: "gtz*"`, "abd"},
		{`display_name: "非法占用"`, "ab"},
		{`display_name = "排污许可"`, "c"},
		{`display_name = "*的处罚"`, "ab"},
		{`display_name = "土地闲置费征收\*"`, "d"},
		{`display_name = "土地闲置费征收*"`, "d"},
		{`display_name = '含"引号"的\\事项'`, "e"},
		{`display_name = "含\"引号\"的\\事项"`, "e"},
		{`update_time > "2014-10-05T00:00:00Z"`, "cde"},
		{`update_time >= "2014-10-06T00:00:00Z"`, "cde"},
		{`update_time < "2014-10-06T08:00:00+08:00"`, "ab"},
		{`update_time = "2014-10-06T00:00:00Z"`, "c"},
		{`update_time > 2014-10-05T00:00:00Z`, "cde"},
		{`publish_time < "2014-10-06T00:00:00Z"`, "ab"},
		{`publish_time != "2014-10-03T00:00:00Z"`, "bc"},
		{`NOT publish_time > "2014-10-04T00:00:00Z"`, "ade"},
		{`publish_time:*`, "abc"},
		{"category = CATEGORY_PENALTY AND department = hbj", ""},
		{"category = CATEGORY_LICENSING AND department = hbj", "ce"},
		{"category = CATEGORY_LICENSING department = hbj state = STATE_DRAFT", "e"},
		{"category = CATEGORY_PENALTY OR category = CATEGORY_LEVY", "abd"},
		// OR binds tighter than AND.
		{"department = hbj AND category = CATEGORY_PENALTY OR state = STATE_DRAFT", "e"},
		{"(department = hbj AND category = CATEGORY_PENALTY) OR state = STATE_DRAFT", "de"},
		{"NOT (category = CATEGORY_PENALTY OR category = CATEGORY_LEVY)", "ce"},
		{"-(category = CATEGORY_PENALTY)", "cde"},
		{"NOT NOT category = CATEGORY_PENALTY", "ab"},
		{"((((state = STATE_DRAFT))))", "de"},
		{"state=STATE_DRAFT AND(code:*)", ""},
		{"\tstate\n=\u3000STATE_PUBLISHED ", "abc"},
	}
	for _, tc := range cases {
		f, err := filter.Parse(schema, tc.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.filter, err)
			continue
		}
		got := strings.Join(matches(t, f), "")
		if got != tc.want {
			t.Errorf("%q matches %q, want %q", tc.filter, got, tc.want)
		}
		canon := f.String()
		g, err := filter.Parse(schema, canon)
		if err != nil {
			t.Errorf("canonical form %q of %q does not parse: %v", canon, tc.filter, err)
			continue
		}
		if g.String() != canon {
			t.Errorf("canonical form of %q is not stable: %q then %q", tc.filter, canon, g.String())
		}
		if got := strings.Join(matches(t, g), ""); got != tc.want {
			t.Errorf("canonical %q matches %q, want %q", canon, got, tc.want)
		}
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"category=CATEGORY_PENALTY   AND (state = STATE_DRAFT OR state=STATE_PUBLISHED)": "category = CATEGORY_PENALTY AND (state = STATE_DRAFT OR state = STATE_PUBLISHED)",
		"(a_b) ":             "",
		`code:430400-CF*`:    `code: "430400-CF*"`,
		`department = gtzyj`: `department = "departments/gtzyj"`,
		`-code:*`:            `NOT code:*`,
		`update_time > "2014-10-01T08:00:00+08:00"`:    `update_time > "2014-10-01T00:00:00Z"`,
		"(state = STATE_DRAFT AND code:*) AND code: X": `state = STATE_DRAFT AND code:* AND code: "X"`,
	} {
		f, err := filter.Parse(schema, in)
		if want == "" {
			if err == nil {
				t.Errorf("Parse(%q) = %q, want an error", in, f)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if f.String() != want {
			t.Errorf("Parse(%q).String() = %q, want %q", in, f.String(), want)
		}
	}
}

// TestFilterErrors: every bad filter is an *Error that names the field
// (when there is one), the place and the problem, in both languages.
func TestFilterErrors(t *testing.T) {
	cases := []struct {
		filter string
		pos    int
		field  string
		want   string // in the English message
	}{
		{"colour = red", 1, "colour", `unknown field "colour"; fields: category, state`},
		{"state = STATE_DRAFT and code:*", 21, "and", "keywords are upper case"},
		{"code", 5, "code", "expected an operator"},
		{"code ~ x", 6, "code", "expected an operator"},
		{"code =", 7, "code", "missing value after code ="},
		{"code = (x)", 8, "code", "missing value after code ="},
		{"category = PENALTY", 12, "category", `"PENALTY" is not a value of category; values: CATEGORY_LICENSING, CATEGORY_PENALTY, CATEGORY_LEVY`},
		{"category = CATEGORY_UNSPECIFIED", 12, "category", "is not a value of category"},
		{"category > CATEGORY_PENALTY", 10, "category", "field category does not take >"},
		{"category = CATEGORY_*", 12, "category", "takes no * wildcard"},
		{"display_name > x", 14, "display_name", "does not take >"},
		{`code > "4304*"`, 8, "code", "wildcard works only with = != :"},
		{"code = *", 8, "code", "write code:*"},
		{`update_time > "2014-10-01"`, 15, "update_time", "is not an RFC 3339 time for update_time"},
		{`update_time > yesterday`, 15, "update_time", "is not an RFC 3339 time"},
		{`publish_time = "*"`, 16, "publish_time", "write publish_time:*"},
		{`code = "abc`, 8, "", "unterminated string"},
		{`code = "a\qb"`, 10, "", `invalid escape \q`},
		{"(state = STATE_DRAFT", 1, "", "not closed"},
		{"state = STATE_DRAFT)", 20, "", "unbalanced closing parenthesis"},
		{"()", 1, "", "empty parentheses"},
		{"AND state = STATE_DRAFT", 1, "", "around AND"},
		{"state = STATE_DRAFT AND", 24, "", "the filter ends where a condition"},
		{"state = STATE_DRAFT OR OR code:*", 24, "", "around OR"},
		{"NOT", 4, "", "the filter ends where a condition"},
		{`"430400"`, 1, "", "expected a condition"},
		{"= x", 1, "", "expected a condition"},
		{"code.x = 1", 1, "code.x", "unknown field"},
		{"对 = 1", 1, "对", "unknown field"},
		{"状态 = 1 AND 对 = 1", 1, "状态", "unknown field"},
		{"code = 1 AND 对 = 1", 14, "对", "unknown field"},
		{strings.Repeat("(", 40) + "code:*" + strings.Repeat(")", 40), 33, "", "nest too deep"},
		{strings.Repeat("NOT ", 40) + "code:*", 129, "", "nest too deep"},
		{strings.Repeat("code:* ", 101), 701, "", "too many conditions"},
		{"code = " + strings.Repeat("x", filter.MaxLength), 0, "", "the filter is too long"},
	}
	for _, tc := range cases {
		f, err := filter.Parse(schema, tc.filter)
		var fe *filter.Error
		if !errors.As(err, &fe) {
			t.Errorf("Parse(%q) = %v, %v; want a *filter.Error", tc.filter, f, err)
			continue
		}
		if fe.Pos != tc.pos || fe.Field != tc.field || !strings.Contains(fe.English(), tc.want) {
			t.Errorf("Parse(%q): pos %d field %q %q; want pos %d field %q and %q", tc.filter, fe.Pos, fe.Field, fe.Error(), tc.pos, tc.field, tc.want)
		}
		if !bilingual(fe.Error()) {
			t.Errorf("Parse(%q): message %q is not bilingual", tc.filter, fe.Error())
		}
		if tc.pos > 0 && (!strings.Contains(fe.Chinese(), "个字符") || !strings.Contains(fe.English(), "at character")) {
			t.Errorf("Parse(%q): message %q does not say where", tc.filter, fe.Error())
		}
	}
}

func bilingual(s string) bool {
	zh, en, ok := strings.Cut(s, " / ")
	han := strings.IndexFunc(zh, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) >= 0
	return ok && han && strings.IndexFunc(en, func(r rune) bool { return r >= 'a' && r <= 'z' }) >= 0
}

func TestPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"":                                     "-",
		`code: "430400-CF*"`:                   "430400-CF",
		`code = "430400-CF*"`:                  "430400-CF",
		`code = "430400-CF-001-0001-00"`:       "430400-CF-001-0001-00",
		`code: "430400-CF"`:                    "-", // a substring, not a prefix
		`code: "*CF*"`:                         "-",
		`code = "*-00"`:                        "-",
		`code != "430400*"`:                    "-",
		`code:*`:                               "-",
		`NOT code: "430400*"`:                  "-",
		`code: "4304*" OR state = STATE_DRAFT`: "-",
		`state = STATE_DRAFT AND code: "4304*" AND code: "430400-CF*"`: "430400-CF",
		`display_name: "对*"`: "-",
	} {
		f, err := filter.Parse(schema, in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		p, ok := f.Prefix("code")
		if !ok {
			p = "-"
		}
		if p != want {
			t.Errorf("Prefix of %q = %q, want %q", in, p, want)
		}
	}
}

func TestOrder(t *testing.T) {
	orders := schema.Subset("code", "update_time", "publish_time", "display_name")
	byID := map[string]rec{}
	for _, r := range recs {
		byID[r.id] = r
	}
	for in, want := range map[string]string{
		"update_time":                    "abcde",
		"update_time desc":               "edcba",
		"  update_time   DESC ":          "edcba",
		"publish_time desc, update_time": "cbade",
		"publish_time, update_time desc": "edabc",
		"code asc,display_name desc":     "deabc",
		"display_name":                   "edabc",
	} {
		o, err := filter.ParseOrder(orders, in)
		if err != nil {
			t.Fatalf("ParseOrder(%q): %v", in, err)
		}
		ids := []string{"a", "b", "c", "d", "e"}
		slices.SortStableFunc(ids, func(a, b string) int {
			return o.Compare(o.Values(byID[a].get), o.Values(byID[b].get))
		})
		if got := strings.Join(ids, ""); got != want {
			t.Errorf("%q orders %s, want %s", in, got, want)
		}
		o2, err := filter.ParseOrder(orders, o.String())
		if err != nil || o2.String() != o.String() {
			t.Errorf("canonical %q of %q: %v, %q", o.String(), in, err, o2)
		}
	}
	if o, err := filter.ParseOrder(orders, " "); err != nil || o != nil {
		t.Errorf("empty order: %v, %v", o, err)
	}
	for _, tc := range []struct {
		in    string
		pos   int
		field string
		want  string
	}{
		{"category", 1, "category", `cannot order by "category"; fields: code, update_time, publish_time, display_name`},
		{"code, colour desc", 7, "colour", "cannot order by"},
		{"code,,update_time", 6, "", "missing field name"},
		{"code,", 6, "", "missing field name"},
		{"code up", 6, "code", `"up" should be asc or desc`},
		{"code desc update_time", 11, "code", "separate fields with commas"},
		{"code, code desc", 7, "code", "given twice"},
		{"对 desc", 1, "对", "cannot order by"},
		{strings.Repeat("x", 501), 0, "", "too long"},
	} {
		_, err := filter.ParseOrder(orders, tc.in)
		var fe *filter.Error
		if !errors.As(err, &fe) {
			t.Errorf("ParseOrder(%q) = %v; want a *filter.Error", tc.in, err)
			continue
		}
		if fe.Pos != tc.pos || fe.Field != tc.field || !strings.Contains(fe.English(), tc.want) || !bilingual(fe.Error()) {
			t.Errorf("ParseOrder(%q): pos %d field %q %q; want pos %d field %q and %q", tc.in, fe.Pos, fe.Field, fe.Error(), tc.pos, tc.field, tc.want)
		}
	}
}
