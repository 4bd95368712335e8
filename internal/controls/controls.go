// Package controls is the one definition of the characters that text in
// the registry may not hold, shared by the server's validation, powerctl's
// output and the spreadsheet export: C0 and C1 control characters (line
// breaks among them), the Unicode line and paragraph separators, and the
// bidirectional controls that reorder how text is shown.
//
// They are refused because they are invisible or act on the reader's
// screen: ESC starts terminal escape sequences, NUL and BEL corrupt files
// and terminals, and U+202E (right-to-left override) shows 处罚 as 罚处 and
// can make one name look like another (the "Trojan Source" attack). The
// marks U+200E, U+200F and U+061C are refused too: they are invisible, have
// no use in Chinese or English administrative text, and a name that differs
// from another only by one would look identical to it.
package controls

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind is what sort of forbidden character a rune is.
type Kind int

// The kinds; None is an ordinary character.
const (
	None      Kind = iota
	LineBreak      // \n, \v, \f, \r, U+0085, U+2028, U+2029
	Tab            // \t
	Control        // the other C0 controls, DEL and the C1 controls
	Bidi           // U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069
)

// Of returns the kind of r.
func Of(r rune) Kind {
	switch {
	case r == '\t':
		return Tab
	case r >= '\n' && r <= '\r', r == 0x85, r == 0x2028, r == 0x2029:
		return LineBreak
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return Control
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return Bidi
	}
	return None
}

// Describe names r for a message, in Chinese and English: 控制字符 U+001B /
// the control character U+001B.
func Describe(r rune) (zh, en string) {
	code := Code(r)
	switch Of(r) {
	case LineBreak:
		return "换行符 " + code, "a line break " + code
	case Tab:
		return "制表符 " + code, "a tab " + code
	case Bidi:
		return "双向文本控制符 " + code + "（会改变文字的显示顺序）",
			"the bidirectional control " + code + " (it changes the order in which text is shown)"
	}
	return "控制字符 " + code, "the control character " + code
}

// Code is the Unicode notation of r: U+001B.
func Code(r rune) string { return fmt.Sprintf("U+%04X", r) }

// Escaped is how Escape shows a character: [U+001B]. It is readable
// without knowing a programming language, the notation the server's
// messages use, and plain ASCII that no terminal or spreadsheet acts on.
func Escaped(r rune) string { return "[" + Code(r) + "]" }

// Escape returns s with every forbidden character but those in keep
// replaced by its Escaped form; s itself when there is none.
func Escape(s, keep string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return Of(r) != None && !strings.ContainsRune(keep, r) })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for rest := s[i:]; rest != ""; {
		// Bytes that are not UTF-8 are copied as they are.
		r, n := utf8.DecodeRuneInString(rest)
		if Of(r) != None && !strings.ContainsRune(keep, r) {
			b.WriteString(Escaped(r))
		} else {
			b.WriteString(rest[:n])
		}
		rest = rest[n:]
	}
	return b.String()
}
