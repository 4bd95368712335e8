package controls

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOf(t *testing.T) {
	for r, want := range map[rune]Kind{
		'a': None, '处': None, ' ': None, '\u3000': None, '\u00a0': None, '\u200b': None,
		'\n': LineBreak, '\r': LineBreak, '\v': LineBreak, '\f': LineBreak, 0x85: LineBreak, 0x2028: LineBreak, 0x2029: LineBreak,
		'\t': Tab,
		0x00: Control, 0x07: Control, 0x1b: Control, 0x1f: Control, 0x7f: Control, 0x80: Control, 0x9b: Control, 0x9f: Control,
		0x202a: Bidi, 0x202e: Bidi, 0x2066: Bidi, 0x2069: Bidi, 0x200e: Bidi, 0x200f: Bidi, 0x061c: Bidi,
		0x2065: None, 0x206a: None, 0x2027: None, 0x202f: None,
	} {
		if got := Of(r); got != want {
			t.Errorf("Of(%U) = %d, want %d", r, got, want)
		}
	}
}

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, keep, want string }{
		{"处罚", "", "处罚"},
		{"a\x1b[31mb", "", "a[U+001B][31mb"},
		{"甲\n乙\t丙\r", "\n\t", "甲\n乙\t丙[U+000D]"},
		{"\u202e罚处", "", "[U+202E]罚处"},
		{"x\u009by", "", "x[U+009B]y"},
		{"\xff\x07", "", "\xff[U+0007]"},
	} {
		if got := Escape(c.in, c.keep); got != c.want {
			t.Errorf("Escape(%q, %q) = %q, want %q", c.in, c.keep, got, c.want)
		}
	}
}

// FuzzEscape: escaped text holds no forbidden character but those kept,
// and text without any is left as it is.
func FuzzEscape(f *testing.F) {
	f.Add("a\x1b[31mb\u202e\n")
	f.Add("行政处罚")
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s, "\n")
		for _, r := range got {
			if Of(r) != None && r != '\n' {
				t.Fatalf("Escape(%q) = %q holds %U", s, got, r)
			}
		}
		clean := !strings.ContainsFunc(s, func(r rune) bool { return Of(r) != None && r != '\n' })
		if clean != (got == s) {
			t.Fatalf("Escape(%q) = %q", s, got)
		}
		if utf8.ValidString(s) != utf8.ValidString(got) {
			t.Fatalf("Escape(%q) = %q changes validity", s, got)
		}
	})
}
