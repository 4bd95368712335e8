package search

import (
	"html"
	"slices"
	"strings"
	"testing"
)

// FuzzParseQuery: a query splits into words of folded letters and digits,
// all of them in order; highlight marks a text exactly when one of the
// words occurs in it, and the marks, taken out, leave the text escaped.
func FuzzParseQuery(f *testing.F) {
	for _, s := range [][2]string{
		{"土地 征收", "对非法占用土地的处罚；土地征收审批"}, {"矿", "采矿许可证核发"}, {"ＧＰＳ定位", "gps定位设备<b>&"},
		{"430400-CF", "430400-CF-001-0001-00"}, {"", "x"}, {"  、，", "x"}, {"Straße", "STRASSE straße"},
		{"a\xffb", "a\xffb"}, {"<mark>", "<mark>x</mark>"}, {"行政 处罚", "行政处罚"}, {"ǅ", "ǆ"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, q, text string) {
		words := parseQuery(q)
		var all []rune
		for _, w := range words {
			rs := []rune(w.text)
			if len(rs) == 0 {
				t.Fatalf("parseQuery(%q): an empty word", q)
			}
			var want []gram
			for i, r := range rs {
				if !indexable(r) || fold(r) != r {
					t.Fatalf("parseQuery(%q): word %q has %q", q, w.text, r)
				}
				if i > 0 {
					want = append(want, bigram(rs[i-1], r))
				}
			}
			if len(rs) == 1 {
				want = []gram{unigram(rs[0])}
			}
			slices.Sort(want)
			if want = slices.Compact(want); !slices.Equal(w.grams, want) {
				t.Fatalf("parseQuery(%q): word %q has grams %v, want %v", q, w.text, w.grams, want)
			}
			all = append(all, rs...)
		}
		var folded []rune
		for _, r := range q {
			if r = fold(r); indexable(r) {
				folded = append(folded, r)
			}
		}
		if !slices.Equal(all, folded) {
			t.Fatalf("parseQuery(%q): words %q, want the runes %q", q, string(all), string(folded))
		}

		out, ok := highlight(text, words)
		ft := []rune(strings.Map(fold, string([]rune(text))))
		match := false
		for _, w := range words {
			for i := range ft {
				if len(w.grams) == 1 && w.grams[0] < 1<<32 && unigram(ft[i]) == w.grams[0] ||
					i > 0 && slices.Contains(w.grams, bigram(ft[i-1], ft[i])) {
					match = true
				}
			}
		}
		if ok != match {
			t.Fatalf("highlight(%q, %q) = %q, %v; a word occurs: %v", text, q, out, ok, match)
		}
		if !ok {
			return
		}
		if strings.Count(out, "<mark>") != strings.Count(out, "</mark>") || strings.Contains(out, "</mark><mark>") {
			t.Fatalf("highlight(%q, %q) = %q: marks unbalanced or not merged", text, q, out)
		}
		open := false
		for _, part := range strings.SplitAfter(out, ">") {
			switch {
			case strings.HasSuffix(part, "</mark>"):
				if !open {
					t.Fatalf("highlight(%q, %q) = %q: a mark closed unopened", text, q, out)
				}
				open = false
			case strings.HasSuffix(part, "<mark>"):
				if open {
					t.Fatalf("highlight(%q, %q) = %q: nested marks", text, q, out)
				}
				open = true
			}
		}
		plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(out)
		if strings.ContainsAny(plain, "<>\"'") || html.UnescapeString(plain) != string([]rune(text)) {
			t.Fatalf("highlight(%q, %q) = %q: without marks it is not the escaped text", text, q, out)
		}
	})
}
