package main

import (
	"fmt"
	"strings"
	"unicode/utf8"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// maxShown is how many characters of a value a dry run shows: enough to
// tell two legal bases apart, short enough to keep one change on a line.
const maxShown = 80

// writeChanges writes what a dry run of file f would change: per changed
// row its row number as Excel numbers it, the item's name and each field,
// old → new; then how many rows change each field.
func writeChanges(b *strings.Builder, f *inputFile) {
	r := f.result
	counts := map[string]int{}
	var order []string
	listed := 0
	for _, res := range r.GetResults() {
		if res.GetOutcome() != pb.ImportRowResult_OUTCOME_UPDATED {
			continue
		}
		listed++
		line, name := 0, ""
		if i := int(res.GetRow()); i >= 0 && i < len(f.sent) {
			line, name = f.sent[i].Line, f.sent[i].Item.GetDisplayName()
		}
		fmt.Fprintf(b, "  第%d行 / row %d  %s\n", line, line, quoteName(name))
		t := &table{}
		var lines []string // a field of several lines: what left it and what came
		for _, d := range res.GetChanges() {
			label := changeLabel(d.GetField())
			if strings.Contains(d.GetFrom(), "\n") || strings.Contains(d.GetTo(), "\n") {
				lines = append(lines, lineChanges(label, d.GetFrom(), d.GetTo())...)
			} else {
				t.add("    "+label+":", shorten(d.GetFrom())+" → "+shorten(d.GetTo()))
			}
			if counts[label] == 0 {
				order = append(order, label)
			}
			counts[label]++
		}
		_ = t.write(b)
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
	}
	if len(order) > 0 {
		parts := make([]string, len(order))
		for i, l := range order {
			parts[i] = fmt.Sprintf("%s %d", l, counts[l])
		}
		fmt.Fprintf(b, "  变更字段（行数） / fields changed (rows): %s\n", strings.Join(parts, ", "))
	}
	if n := int(r.GetUpdatedCount()); listed < n {
		fmt.Fprintf(b, "  只列出前 %d 行的变更，共 %d 行有变更 / the changes of the first %d rows are shown; %d rows change\n", listed, n, listed, n)
	}
	if r.GetChangesTruncated() {
		b.WriteString("  部分变更过长已截断 / some changes were cut to keep the answer small\n")
	}
}

// lineChanges shows a change of a field of several lines (legal bases,
// responsibilities, …) as the lines removed (-) and added (+), so that
// one basis added to three is one line, not the whole cell twice.
func lineChanges(label, from, to string) []string {
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, "\n")
	}
	// Lines are counted, not just looked up: one of two equal lines
	// removed is a removal, not a change of order.
	unmatched := func(a, b []string) []string {
		left := map[string]int{}
		for _, l := range b {
			left[l]++
		}
		var out []string
		for _, l := range a {
			if left[l] > 0 {
				left[l]--
			} else {
				out = append(out, l)
			}
		}
		return out
	}
	old, cur := split(from), split(to)
	out := []string{"    " + label + ":"}
	for _, l := range unmatched(old, cur) {
		out = append(out, "      - "+shorten(l))
	}
	for _, l := range unmatched(cur, old) {
		out = append(out, "      + "+shorten(l))
	}
	if len(out) == 1 { // the same lines in another order
		out[0] += " 顺序变化 / order changed"
	}
	return out
}

// changeLabel names a field of the server's differences (display_name,
// legal_bases, fee.charged, …) by its label in the field table.
func changeLabel(field string) string {
	switch field {
	case "category_label":
		return "类型原文 category as written"
	case "fee": // the server's differences give the fee as one text
		return "收费 fee"
	}
	return fieldLabel(field)
}

// shorten shows a value on one line, cut after maxShown characters, and
// （空 / empty） for nothing.
func shorten(s string) string {
	s = oneLine(s)
	if s == "" {
		return "（空 / empty）"
	}
	if utf8.RuneCountInString(s) > maxShown {
		s = string([]rune(s)[:maxShown-1]) + "…"
	}
	return s
}
