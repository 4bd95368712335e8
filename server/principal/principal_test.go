package principal

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/powerreg/powerreg/internal/controls"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"李四": "李四", "Li Si": "Li Si", "admin\u200b": `admin\u{200B}`, "\u202eadmin": `\u{202E}admin`,
		"a\x1b[31mb": `a\u{001B}[31mb`, `a\u{200B}`: `a\\u{200B}`, "a\xffb": `a\xFFb`, "\U000e0041": `\u{E0041}`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// unescape reverses Escape.
func unescape(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		rest := s[i+1:]
		switch {
		case strings.HasPrefix(rest, `\`):
			b.WriteByte('\\')
			i++
		case strings.HasPrefix(rest, "x") && len(rest) >= 3:
			n, err := strconv.ParseUint(rest[1:3], 16, 8)
			if err != nil {
				return "", false
			}
			b.WriteByte(byte(n))
			i += 3
		case strings.HasPrefix(rest, "u{"):
			end := strings.IndexByte(rest, '}')
			n, err := strconv.ParseUint(rest[2:max(end, 2)], 16, 32)
			if end < 0 || err != nil {
				return "", false
			}
			b.WriteRune(rune(n))
			i += end + 1
		default:
			return "", false
		}
	}
	return b.String(), true
}

// FuzzEscape: what Escape shows holds no character a name may not hold,
// and reads back to the name, so that two names never show alike; Flaw
// accepts only names that Escape leaves as they are.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"李四", "admin\u200b", "\u202eadmin", `a\u{200B}`, "a\xffb", "a\\b", "\u3164", "li\u3000si", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !utf8.ValidString(e) || strings.ContainsFunc(e, LookAlike) {
			t.Fatalf("Escape(%q) = %q holds a look-alike character", s, e)
		}
		if back, ok := unescape(e); !ok || back != s {
			t.Fatalf("Escape(%q) = %q reads back as %q", s, e, back)
		}
		if Flaw(s) == "" && e != s && !strings.Contains(s, `\`) {
			t.Fatalf("Flaw accepts %q, which Escape changes to %q", s, e)
		}
	})
}

// TestLookAlikeCoversControls: a name refuses at least what the registry's
// text refuses (internal/controls).
func TestLookAlikeCoversControls(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if controls.Of(r) != controls.None && !LookAlike(r) {
			t.Errorf("U+%04X is refused in text but not in names", r)
		}
	}
}
