package registry

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/powerreg/powerreg/internal/controls"
)

// multiLineFields are the text fields that may hold line breaks, by their
// path with indexes dropped (item.legal_bases[0].text is
// item.legal_bases.text), matched at the end of a field's path. They hold
// paragraphs in real lists: the wording of a provision, what a department
// is responsible for, when it is held accountable, fees, remarks, and the
// comments people write in the workflow.
//
// Every other text field is one line: names (item, department, main item),
// the category label, a legal basis's title and article, the entrusting
// body, the handling unit, levels, codes. They are shown in table cells,
// lists and spreadsheet columns, and matched by name on import.
//
// One-line fields refuse every character of internal/controls; multi-line
// fields allow "\n" (LF) and refuse the others, CR included: the registry
// stores what it is sent or refuses it, and never rewrites text silently
// (powerctl's spreadsheet reader turns CRLF into LF before sending).
var multiLineFields = []string{
	"legal_bases.text",
	"responsibilities",
	"accountability",
	"fee.basis",
	"fee.standard",
	"remark",
	"comment", // submission, review, item, abolition and publication comments
}

// multiLine reports whether field may hold line breaks.
func multiLine(field string) bool {
	path := dropIndexes(field)
	for _, f := range multiLineFields {
		if path == f || strings.HasSuffix(path, "."+f) {
			return true
		}
	}
	return false
}

// dropIndexes removes the [n] of a field path.
func dropIndexes(field string) string {
	if !strings.Contains(field, "[") {
		return field
	}
	var b strings.Builder
	in := false
	for _, r := range field {
		switch {
		case r == '[':
			in = true
		case r == ']':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkChars adds a violation when s holds a character field may not
// hold, naming the first one by its position (in characters, from 1) and
// code point.
func checkChars(v *violations, field, s string) {
	multi := multiLine(field)
	pos, n := 0, 0
	var first rune
	for i, r := range s {
		if k := controls.Of(r); k != controls.None && (r != '\n' || !multi) {
			if n == 0 {
				first, pos = r, utf8.RuneCountInString(s[:i])+1
			}
			n++
		}
	}
	if n == 0 {
		return
	}
	zh, en := controls.Describe(first)
	zh = fmt.Sprintf("第 %d 个字符是%s", pos, zh)
	en = fmt.Sprintf("character %d is %s", pos, en)
	if n > 1 {
		zh += fmt.Sprintf("（共 %d 个这样的字符）", n)
		en += fmt.Sprintf(" (%d such characters in all)", n)
	}
	switch {
	case first == '\r' && multi:
		zh += "；换行请只用 \\n（LF），请删除回车符"
		en += "; write line breaks as \\n (LF) only: remove the carriage returns"
	case controls.Of(first) == controls.LineBreak && !multi:
		zh += "；此项只能写一行，请删除或改为空格"
		en += "; this field is one line: remove it or put a space"
	case first == '\t':
		zh += "，请删除或改为空格"
		en += "; remove it or put a space"
	default:
		zh += "，请删除"
		en += "; remove it"
	}
	v.add(field, zh, en)
}

// eachText calls f with the path and value of every text field of c, in
// the order of checkContent.
func eachText(c *Content, f func(field, s string)) {
	f("display_name", c.DisplayName)
	f("category_label", c.CategoryLabel)
	for i, b := range c.LegalBases {
		bf := fmt.Sprintf("legal_bases[%d]", i)
		f(bf+".text", b.Text)
		f(bf+".title", b.Title)
		f(bf+".article", b.Article)
	}
	f("entrusting_body", c.EntrustingBody)
	f("handling_unit", c.HandlingUnit)
	for _, l := range []struct {
		name string
		list []string
	}{{"levels", c.Levels}, {"responsibilities", c.Responsibilities}, {"accountability", c.Accountability}} {
		for i, s := range l.list {
			f(fmt.Sprintf("%s[%d]", l.name, i), s)
		}
	}
	f("fee.basis", c.Fee.Basis)
	f("fee.standard", c.Fee.Standard)
	f("remark", c.Remark)
}

// checkContentChars checks the characters of c's text fields, except the
// values old already holds in the same field (at any index of a list):
// content stored before the rule existed stays editable, and a request is
// refused only for the text it brings.
func checkContentChars(v *violations, prefix string, c, old *Content) {
	kept := map[string]bool{}
	if old != nil {
		eachText(old, func(field, s string) { kept[dropIndexes(field)+"\x00"+s] = true })
	}
	eachText(c, func(field, s string) {
		if !kept[dropIndexes(field)+"\x00"+s] {
			checkChars(v, prefix+"."+field, s)
		}
	})
}
