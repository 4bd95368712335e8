package registry_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/powerreg/powerreg/server/principal"
	"github.com/powerreg/powerreg/server/registry"
)

// principalSeeds are names that look like others, and names that are fine.
var principalSeeds = []string{
	"李四", "Li Si", "zhang.san@city", "买买提·艾力", "Jose\u0301", "u-1001", "admin",
	"admin\u200b", "\u202eadmin", "ad\u200dmin", "\ufeffadmin", "admin\u2066", "a\u00adb", "\U000e0041dmin",
	"li\u3000si", "li\u00a0si", " li", "li ", "li  si", "a\x00b", "a\x1b[31mb", "a\u0085b", "a\u2028b",
	"\u3164", "admin\ufe0f", "a\U000f0000b", "a\xffb", "\u0378x", "", strings.Repeat("a", 257), "sso:admin", "SSO:x",
	strings.Repeat("李", 64), strings.Repeat("李", 65),
}

// FuzzPrincipal: PrincipalFlaw accepts a name only
// when nothing in it can hide or reorder text (no control, format,
// private-use or unassigned character, no space but U+0020, none at either
// end nor two in a row), and says why otherwise, in both languages, naming
// the character; a token holder is accepted exactly when PrincipalFlaw
// accepts it, it has at most 64 characters and does not pose as a single
// sign-on subject, and the token then carries it (normalised to NFC).
func FuzzPrincipal(f *testing.F) {
	e := newEnv(f)
	for _, s := range principalSeeds {
		f.Add(s)
	}
	n := 0
	f.Fuzz(func(t *testing.T, s string) {
		flaw := principal.Flaw(s)
		hidden := strings.ContainsFunc(s, func(r rune) bool {
			return r != ' ' && (unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Z) ||
				!unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S))
		})
		plain := s != "" && len(s) <= principal.MaxBytes && utf8.ValidString(s) && !hidden &&
			strings.TrimSpace(s) == s && !strings.Contains(s, "  ")
		if flaw == "" && !plain {
			t.Fatalf("PrincipalFlaw(%q) accepts a name that could pass for another", s)
		}
		if flaw != "" {
			if !strings.Contains(flaw, " / ") {
				t.Fatalf("PrincipalFlaw(%q) = %q: not bilingual", s, flaw)
			}
			if plain && !strings.Contains(flaw, "U+") {
				t.Fatalf("PrincipalFlaw(%q) = %q refuses a plain name without naming a character", s, flaw)
			}
			return
		}

		n++
		name := fmt.Sprintf("holder-%d", n)
		tok, secret, err := e.svc.CreateToken("admin", registry.TokenInput{Name: name, Holder: s, Roles: []string{registry.RoleReviewer}})
		ok := utf8.RuneCountInString(s) <= principal.MaxHolderRunes && !strings.HasPrefix(strings.ToLower(s), "sso:")
		if !ok {
			if fields := violated(t, err, "token."); !fields["token.holder"] || len(fields) != 1 {
				t.Fatalf("holder %q: %v; want a violation of token.holder", s, err)
			}
			return
		}
		if err != nil || tok.HolderName() != norm.NFC.String(s) {
			t.Fatalf("holder %q: %+v, %v", s, tok, err)
		}
		got, err := e.svc.Authenticate(secret)
		if err != nil || got == nil || got.HolderName() != tok.Holder || got.IssuerName() != "admin" {
			t.Fatalf("holder %q: Authenticate = %+v, %v", s, got, err)
		}
	})
}
