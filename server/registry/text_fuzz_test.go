package registry

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/powerreg/powerreg/internal/controls"
)

var positionRE = regexp.MustCompile(`^第 (\d+) 个字符是.* / character (\d+) is .*(U\+[0-9A-F]{4,6})`)

// FuzzCheckText: text is refused for its characters exactly when it holds
// a forbidden one ("\n" is allowed in a multi-line field), and the refusal
// names the first one by its position and code point.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"对非法占用土地的处罚", "处罚\x1b[31m", "\u202e罚处", "甲\n乙", "甲\r\n乙", "\t", "a\u0085", "\xff\x00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, field := range []string{"item.display_name", "rows[2].item.legal_bases[1].text"} {
			multi := strings.HasSuffix(field, ".text")
			var v violations
			checkText(&v, field, s, 1<<30, false)
			first, pos := rune(0), 0
			for i, r := range []rune(s) {
				if controls.Of(r) != controls.None && (r != '\n' || !multi) {
					first, pos = r, i+1
					break
				}
			}
			switch {
			case !utf8.ValidString(s):
				if len(v) != 1 || !strings.Contains(v[0].Description, "UTF-8") {
					t.Fatalf("%s %q: %+v, want one UTF-8 violation", field, s, v)
				}
			case pos == 0:
				if len(v) != 0 {
					t.Fatalf("%s %q refused: %+v", field, s, v)
				}
			default:
				if len(v) != 1 || v[0].Field != field {
					t.Fatalf("%s %q: %+v, want one violation of the field", field, s, v)
				}
				m := positionRE.FindStringSubmatch(v[0].Description)
				if m == nil || m[1] != strconv.Itoa(pos) || m[2] != m[1] || m[3] != controls.Code(first) {
					t.Fatalf("%s %q: %q, want character %d, %s", field, s, v[0].Description, pos, controls.Code(first))
				}
			}
		}
	})
}
