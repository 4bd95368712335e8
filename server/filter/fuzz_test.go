package filter_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/powerreg/powerreg/server/filter"
)

// FuzzParse: whatever the text, Parse does not panic; it returns a located
// *filter.Error, or a filter that evaluates on every record, whose
// canonical form parses back to itself and selects the same records, and
// whose code prefix holds for every record it selects.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "category = CATEGORY_PENALTY", `code: "430400-CF*" AND publish_time > "2014-11-01T00:00:00Z"`,
		"NOT (state = STATE_DRAFT OR -code:*) department = hbj", `display_name = "含\"引号\"的\\事项*"`,
		`update_time <= 2014-10-06T08:00:00+08:00`, "((code:x))", "a AND", `code = "\*x*"`, "code = '**'",
		"state = STATE_DRAFT and code:*", strings.Repeat("(", 33), "-(-(code:*))", "code:\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		flt, err := filter.Parse(schema, text)
		if err != nil {
			var fe *filter.Error
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(%q): error %v (%T) is not a *filter.Error", text, err, err)
			}
			if fe.Pos < 0 || fe.Pos > utf8.RuneCountInString(text)+1 || !strings.Contains(fe.Error(), " / ") {
				t.Fatalf("Parse(%q): bad error %+v %q", text, fe, fe.Error())
			}
			return
		}
		got := matches(t, flt)
		canon := flt.String()
		if len(canon) > filter.MaxLength {
			return // escapes made it longer than a filter may be
		}
		again, err := filter.Parse(schema, canon)
		if err != nil {
			t.Fatalf("Parse(%q): canonical form %q does not parse: %v", text, canon, err)
		}
		if again.String() != canon {
			t.Fatalf("Parse(%q): canonical form not stable: %q, then %q", text, canon, again.String())
		}
		if g := matches(t, again); !slices.Equal(g, got) {
			t.Fatalf("Parse(%q) matches %v, its canonical form %q %v", text, got, canon, g)
		}
		if p, ok := flt.Prefix("code"); ok {
			for _, r := range recs {
				if flt.Match(r.get) && !strings.HasPrefix(r.code, p) {
					t.Fatalf("Parse(%q): %s matches but its code %q lacks the prefix %q", text, r.id, r.code, p)
				}
			}
		}
	})
}

// FuzzOrderBy: whatever the text, ParseOrder does not panic; it returns a
// located *filter.Error, or an order that sorts the records consistently
// and whose canonical form parses back to itself.
func FuzzOrderBy(f *testing.F) {
	orders := schema.Subset("code", "update_time", "publish_time", "display_name")
	for _, s := range []string{"", "code", "update_time desc", "publish_time desc, code asc", "code,,x", "code up",
		"display_name DESC,\tcode", ",", "code desc desc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		o, err := filter.ParseOrder(orders, text)
		if err != nil {
			var fe *filter.Error
			if !errors.As(err, &fe) {
				t.Fatalf("ParseOrder(%q): error %v (%T) is not a *filter.Error", text, err, err)
			}
			if fe.Pos < 0 || fe.Pos > utf8.RuneCountInString(text)+1 || !strings.Contains(fe.Error(), " / ") {
				t.Fatalf("ParseOrder(%q): bad error %+v %q", text, fe, fe.Error())
			}
			return
		}
		again, err := filter.ParseOrder(orders, o.String())
		if err != nil || again.String() != o.String() {
			t.Fatalf("ParseOrder(%q): canonical %q gives %q, %v", text, o.String(), again, err)
		}
		for _, a := range recs {
			for _, b := range recs {
				ab, ba := o.Compare(o.Values(a.get), o.Values(b.get)), o.Compare(o.Values(b.get), o.Values(a.get))
				if ab != -ba || a.id == b.id && ab != 0 {
					t.Fatalf("ParseOrder(%q): %s vs %s compares %d, reversed %d", text, a.id, b.id, ab, ba)
				}
			}
		}
	})
}
