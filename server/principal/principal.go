// Package principal says which names may name a principal or a person
// (token holders, single sign-on names and subjects), compares people, and
// shows names so that none passes for another.
//
// A name that looks like another (admin and admin followed by a zero-width
// space, or a right-to-left override that shows nimda as admin) would let
// one person pass for another in the eyes of whoever reads the audit
// trail, so every source of such names refuses the characters that cannot
// be seen or that reorder text, and powerctl shows any that older data
// still holds escaped.
package principal

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/powerreg/powerreg/internal/controls"
)

// SSOPrefix starts the principals and holders of single sign-on users, so
// that they never pass for a registry token or holder of the same name;
// token holders may not start with it.
const SSOPrefix = "sso:"

// MaxBytes bounds a principal or holder from any source.
const MaxBytes = 256

// MaxHolderRunes bounds a token's holder: a person's name or id.
const MaxHolderRunes = 64

// bi joins a Chinese and an English text, as registry errors do.
func bi(zh, en string) string { return zh + " / " + en }

// invisible lists look-alike characters outside the categories refused
// as a whole: fillers that render as blanks, and selectors that change
// the look of the character before them or nothing at all.
var invisible = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x034f, Hi: 0x034f, Stride: 1}, // combining grapheme joiner
		{Lo: 0x115f, Hi: 0x1160, Stride: 1}, // Hangul choseong and jungseong fillers
		{Lo: 0x17b4, Hi: 0x17b5, Stride: 1}, // Khmer inherent vowels
		{Lo: 0x180b, Hi: 0x180f, Stride: 1}, // Mongolian variation selectors
		{Lo: 0x2800, Hi: 0x2800, Stride: 1}, // braille blank
		{Lo: 0x3164, Hi: 0x3164, Stride: 1}, // Hangul filler
		{Lo: 0xfe00, Hi: 0xfe0f, Stride: 1}, // variation selectors
		{Lo: 0xffa0, Hi: 0xffa0, Stride: 1}, // halfwidth Hangul filler
	},
	R32: []unicode.Range32{
		{Lo: 0xe0100, Hi: 0xe01ef, Stride: 1}, // variation selectors supplement
	},
}

// Flaw says, in Chinese and English, why s cannot name a
// principal or a person; "" when it can. Refused: empty or longer than
// MaxBytes, bad UTF-8, control and format characters (Unicode
// categories Cc and Cf: zero-width characters, bidirectional controls),
// private-use and unassigned code points, line and paragraph separators,
// spaces other than U+0020, blank fillers and variation selectors, and
// spaces at either end or two in a row.
func Flaw(s string) string {
	switch {
	case s == "":
		return bi("为空", "is empty")
	case len(s) > MaxBytes:
		return bi(fmt.Sprintf("超过 %d 字节", MaxBytes), fmt.Sprintf("is longer than %d bytes", MaxBytes))
	case !utf8.ValidString(s):
		return bi("不是有效的 UTF-8 文本", "is not valid UTF-8")
	case s[0] == ' ' || s[len(s)-1] == ' ':
		return bi("首尾不能有空格", "begins or ends with a space")
	case strings.Contains(s, "  "):
		return bi("不能有连续空格", "holds two spaces in a row")
	}
	for i, r := range []rune(s) {
		if !LookAlike(r) {
			continue
		}
		zh, en := "不可见字符", "the invisible character"
		if controls.Of(r) == controls.Bidi {
			zh, en = "双向文本控制字符", "the bidirectional control character"
		}
		return bi(fmt.Sprintf("含%s U+%04X（第 %d 个字符）", zh, r, i+1), fmt.Sprintf("holds %s U+%04X (character %d)", en, r, i+1))
	}
	return ""
}

// LookAlike reports whether r is refused in a name: it cannot be seen,
// reorders text, or may become anything in a later Unicode. It refuses
// every character internal/controls refuses in the registry's text, and
// more: names are compared by people, so invisible format characters
// (zero-width spaces and joiners, tags), odd spaces and fillers count too.
func LookAlike(r rune) bool {
	switch {
	case r == ' ':
		return false
	case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp, unicode.Zs, invisible):
		return true
	}
	// Unassigned code points: a later Unicode may make them anything.
	return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}

// Same reports whether two holders name one person for four eyes:
// equal after compatibility normalisation (NFKC) and full case folding,
// so that "Li Si" and "li si", é composed and decomposed, a staff number
// in full-width digits (１０２３, typed in a Chinese input method's
// full-width mode) and in ASCII, or Straße and STRASSE count as one.
// Refusing too much here only asks for another person. Letters of other
// scripts that merely look alike (Cyrillic а, Latin a) stay apart: the
// admin who types holders is trusted (README "Four eyes").
func Same(a, b string) bool {
	return key(a) == key(b)
}

// key is what Same compares: NFKC, folded, NFKC again (folding can
// undo a normal form).
func key(s string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
}

// Escape shows a name so that it cannot pass for another: every character
// LookAlike refuses is written \u{200B}, and a backslash \\ so that no
// name can spell an escape. Names from before the rule may hold such
// characters; powerctl shows principals and holders through Escape.
func Escape(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '\\' || r == utf8.RuneError || LookAlike(r) }) {
		return s
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02X`, s[i])
		case LookAlike(r):
			fmt.Fprintf(&b, `\u{%04X}`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
