package main

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/internal/controls"
)

// screenWidth is what item views fit: an 80-column terminal. Long values
// wrap onto further lines; nothing is cut.
const screenWidth = 80

// view is an item laid out for reading: lines of label and value, some
// values lists shown one entry a line. `items show` and `review show` both
// print items through it (one renderer).
type view struct {
	lines []viewLine
}

// viewLine is one labelled value, a list of values, or a note of its own.
type viewLine struct {
	label string
	value string   // shown after the label, wrapped
	list  []string // shown one entry a line under the label, numbered
	note  string   // a line without a label, e.g. a missing-field mark

	// A difference: old → new on the label's line when both fit, else
	// each on a line of its own under the label.
	diff     bool
	from, to string
}

func (v *view) add(label, value string) {
	if value != "" {
		v.lines = append(v.lines, viewLine{label: label, value: value})
	}
}

func (v *view) addList(label string, list []string) {
	if len(list) > 0 {
		v.lines = append(v.lines, viewLine{label: label, list: list})
	}
}

func (v *view) addNote(note string) { v.lines = append(v.lines, viewLine{note: note}) }

// listFields are shown one entry a line: a legal basis, a responsibility
// or a case of accountability can each be a paragraph.
var listFields = map[string]func(*pb.Item) []string{
	"legal_bases": func(it *pb.Item) []string {
		out := make([]string, len(it.GetLegalBases()))
		for i, b := range it.GetLegalBases() {
			out[i] = sheet.LegalBasisText(b)
		}
		return out
	},
	"responsibilities": func(it *pb.Item) []string { return it.GetResponsibilities() },
	"accountability":   func(it *pb.Item) []string { return it.GetAccountability() },
}

// addContent adds every field of the item's content that is set, labelled
// from the field table, in the template's order. parent names the main
// item as the reader should see it (its display name when known).
func (v *view) addContent(it *pb.Item, parent string) {
	for _, f := range itemFields {
		switch {
		case f.Key == sheet.KeyMainItem:
			v.add(f.FieldLabel(), parent)
		case listFields[f.Path] != nil:
			v.addList(f.FieldLabel(), listFields[f.Path](it))
		default:
			v.add(f.FieldLabel(), f.Text(it))
		}
	}
}

// addDifferences adds the fields that differ from the revision in force,
// old → new. The server says which fields differ; their labels and values
// come from the field table (Text of the revision in force and of the
// item), so that a value reads the same as in the item's fields. A field
// the table does not show, or shows alike, keeps the server's text: no
// difference is left out.
func (v *view) addDifferences(diffs []*pb.FieldDifference, published, item *pb.Item) {
	if len(diffs) == 0 {
		return
	}
	v.addNote("与在用版本的差异 / differs from the revision in force (old → new):")
	seen := map[string]bool{}
	for _, d := range diffs {
		shown := false
		for _, c := range columnsOfPath(d.GetField()) {
			switch {
			case seen[c.Key]: // category and category_label share 类型
				shown = true
			case published == nil:
			default:
				from, to := c.Text(published), c.Text(item)
				if from == to {
					continue
				}
				v.lines = append(v.lines, viewLine{label: "  " + c.FieldLabel(), diff: true, from: orNone(from), to: orNone(to)})
				seen[c.Key], shown = true, true
			}
		}
		if !shown {
			v.lines = append(v.lines, viewLine{label: "  " + fieldLabel(d.GetField()), diff: true, from: orNone(d.GetFrom()), to: orNone(d.GetTo())})
		}
	}
}

// columnsOfPath are the shown columns that hold the field at path or a
// part of it: fee → 是否收费, 收费依据, 收费标准; category_label → 类型.
func columnsOfPath(path string) []sheet.Column {
	key := sheet.ColumnOfPath(path)
	var out []sheet.Column
	for _, c := range itemFields {
		if c.Key == key || c.Path == path || strings.HasPrefix(c.Path, path+".") {
			out = append(out, c)
		}
	}
	return out
}

// fieldLabel is the label of a field path, e.g. promised_time_limit →
// 承诺期限 promised time limit; the path itself for a field the table lacks.
func fieldLabel(path string) string {
	if c, ok := sheet.ColumnOf(sheet.ColumnOfPath(path)); ok && c.Label != "" {
		return c.FieldLabel()
	}
	return path
}

// missingText says what a missing field means, e.g. 缺少设定依据 / lacks a
// legal basis.
func missingText(path string) string {
	if path == "legal_bases" {
		return "缺少设定依据，不能报送 / lacks a legal basis: cannot be submitted"
	}
	if c, ok := sheet.ColumnOf(sheet.ColumnOfPath(path)); ok && c.Label != "" {
		return "缺少" + c.Label + "，不能报送 / lacks the " + c.EnglishLabel + ": cannot be submitted"
	}
	return "缺少 " + path + "，不能报送 / lacks " + path + ": cannot be submitted"
}

// write lays the view out at indent, within screenWidth: labels padded to
// the widest label, values wrapped under their start; when that start
// leaves too little room, the value goes on the lines below its label.
func (v *view) write(b *strings.Builder, indent int) {
	pad := strings.Repeat(" ", indent)
	labelWidth := 0
	for _, l := range v.lines {
		if l.value != "" || l.diff {
			labelWidth = max(labelWidth, width.StringWidth(l.label))
		}
	}
	for _, l := range v.lines {
		switch {
		case l.note != "":
			writeWrapped(b, pad, pad+"  ", oneLine(l.note))
		case l.list != nil:
			b.WriteString(pad + oneLine(l.label) + ":\n")
			for i, e := range l.list {
				num := strconv.Itoa(i+1) + ". "
				writeWrapped(b, pad+"  "+num, pad+"  "+strings.Repeat(" ", len(num)), safeText(e))
			}
		case l.diff:
			label := oneLine(l.label)
			one := oneLine(l.from) + " → " + oneLine(l.to)
			if start := indent + labelWidth + 2; start+width.StringWidth(one) <= screenWidth {
				b.WriteString(pad + label + strings.Repeat(" ", labelWidth-width.StringWidth(label)+2) + one + "\n")
				continue
			}
			b.WriteString(pad + label + ":\n")
			writeWrapped(b, pad+"    旧 old: ", pad+"            ", safeText(l.from))
			writeWrapped(b, pad+"    新 new: ", pad+"            ", safeText(l.to))
		default:
			label := oneLine(l.label)
			start := indent + labelWidth + 2
			if start > screenWidth/2 {
				b.WriteString(pad + label + ":\n")
				writeWrapped(b, pad+"    ", pad+"    ", safeText(l.value))
				continue
			}
			first := pad + label + strings.Repeat(" ", labelWidth-width.StringWidth(label)+2)
			writeWrapped(b, first, strings.Repeat(" ", start), safeText(l.value))
		}
	}
}

// safeText is text that may hold line breaks, made safe to print: the
// breaks are kept (writeWrapped starts a new line for each), tabs become
// spaces, every other control character is shown as [U+…].
func safeText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.ReplaceAll(controls.Escape(s, "\n\t"), "\t", " ")
}

// writeWrapped writes text after first, wrapping at screenWidth onto lines
// that start with rest; every line break of the text starts a new line.
func writeWrapped(b *strings.Builder, first, rest, text string) {
	prefix := first
	for _, para := range strings.Split(text, "\n") {
		for _, line := range wrap(para, screenWidth-width.StringWidth(prefix)) {
			b.WriteString(strings.TrimRight(prefix+line, " "))
			b.WriteByte('\n')
			prefix = rest
		}
	}
}

// wrap cuts s into lines of at most w columns (at least 20 are used
// whatever w says), breaking Latin text at a space where one is near.
func wrap(s string, w int) []string {
	w = max(w, 20)
	var out []string
	for width.StringWidth(s) > w {
		cut, used, lastSpace := 0, 0, -1
		for i, r := range s {
			rw := width.RuneWidth(r)
			if used+rw > w {
				break
			}
			used += rw
			cut = i + len(string(r))
			if r == ' ' {
				lastSpace = cut
			}
		}
		// Break at a space when the line stays at least half full and the
		// cut would split a Latin word.
		if lastSpace > 0 && width.StringWidth(s[:lastSpace]) >= w/2 && cut < len(s) && isWordByte(s[cut-1]) && isWordByte(s[cut]) {
			cut = lastSpace
		}
		// A closing punctuation mark does not start a line: the rune
		// before it goes down with it.
		if r, _ := firstRune(s[cut:]); cut < len(s) && strings.ContainsRune(noLineStart, r) {
			if _, n := lastRune(s[:cut]); n < cut {
				cut -= n
			}
		}
		if cut == 0 { // a single rune wider than w
			_, n := firstRune(s)
			cut = n
		}
		out = append(out, strings.TrimRight(s[:cut], " "))
		s = strings.TrimLeft(s[cut:], " ")
	}
	return append(out, s)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// noLineStart are the marks Chinese typesetting keeps off the start of a
// line.
const noLineStart = "，。、；：？！）》」』”’,.;:?!)]"

func lastRune(s string) (rune, int) {
	r, n := utf8.DecodeLastRuneInString(s)
	return r, n
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// orNone shows an empty value of a difference as （空 / empty）.
func orNone(s string) string {
	if s == "" {
		return "（空 / empty）"
	}
	return s
}
