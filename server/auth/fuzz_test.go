package auth_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	jose "github.com/go-jose/go-jose/v4"
	josejson "github.com/go-jose/go-jose/v4/json"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/powerreg/powerreg/server/auth"
	"github.com/powerreg/powerreg/server/principal"
	"github.com/powerreg/powerreg/server/registry"
)

// fuzzSSO is a single sign-on with fixed EC keys, so that the tokens of
// the corpus verify on every run: e1 and e2 sign, r1 is an RSA key (made
// afresh: tokens signed with it are only good within one run).
type fuzzSSO struct {
	e1, e2 *ecdsa.PrivateKey
	r1     *rsa.PrivateKey
	v      *auth.JWTVerifier
}

func newFuzzSSO(tb testing.TB) *fuzzSSO {
	tb.Helper()
	key := func(b byte) *ecdsa.PrivateKey {
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{b}, 32))
		if err != nil {
			tb.Fatal(err)
		}
		return k
	}
	r1, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	s := &fuzzSSO{e1: key(1), e2: key(2), r1: r1}
	path := filepath.Join(tb.TempDir(), "jwks.json")
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &s.e1.PublicKey, KeyID: "e1", Algorithm: "ES256", Use: "sig"},
		{Key: &s.e2.PublicKey, KeyID: "e2", Use: "sig"},
		{Key: &s.r1.PublicKey, KeyID: "r1", Algorithm: "RS256"},
	}})
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		tb.Fatal(err)
	}
	s.v, err = auth.NewJWTVerifier(auth.JWTConfig{JWKSFile: path, Issuer: fuzzIssuer, Audience: "powerreg"})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

const fuzzIssuer = "https://sso.example.gov.cn"

// signRaw signs payload as it is, with key under kid (ES256 for an EC key,
// RS256 for RSA).
func signRaw(tb testing.TB, key any, kid string, payload []byte) string {
	tb.Helper()
	alg := jose.ES256
	if _, ok := key.(*rsa.PrivateKey); ok {
		alg = jose.RS256
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		tb.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// fuzzClaims are the claims of an editor of two departments valid until
// 2100, changed by the given pairs (nil deletes), as JSON.
func fuzzClaims(kv ...any) []byte {
	c := map[string]any{"iss": fuzzIssuer, "aud": []string{"powerreg"}, "sub": "zhang.san",
		"iat": 1412730000, "nbf": 1412730000, "exp": 4102444800,
		"roles": []string{"editor", "reviewer"}, "departments": []string{"gtzyj", "departments/hbj"}}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	b, _ := json.Marshal(c)
	return b
}

// jwtReasons are the short reasons Verify may give; anything else would
// leak a library's message to the caller.
var jwtReasons = []string{"token too large", "signature algorithm not accepted", "malformed token", "unknown signing key (kid ",
	"signature algorithm does not match the key", "bad signature", "malformed claims", "token has no expiry (exp)",
	"token expired", "token not valid yet", "wrong issuer", "wrong audience", "invalid claims", "no usable name in claim ",
	"no registry role in claim ", "claim "}

// checkVerified checks the outcome of Verify on any token: a known short
// reason, or a principal that is well formed.
func checkVerified(t *testing.T, token string, p *auth.Principal, err error) {
	t.Helper()
	if err != nil {
		msg := err.Error()
		if p != nil || len(msg) > 120 || strings.ContainsAny(msg, "\n\r") ||
			!slices.ContainsFunc(jwtReasons, func(r string) bool { return strings.HasPrefix(msg, r) }) {
			t.Fatalf("Verify(%q): %v, %q: not one of the known reasons", token, p, msg)
		}
		return
	}
	name := strings.TrimPrefix(p.Name, auth.SSOPrefix)
	holder := strings.TrimPrefix(p.Holder, auth.SSOPrefix)
	if p.Anonymous || name == p.Name || holder == p.Holder || principal.Flaw(name) != "" ||
		principal.Flaw(holder) != "" || p.Issuer != "" || len(p.Roles) == 0 {
		t.Fatalf("Verify(%q) = %+v", token, p)
	}
	for i, r := range p.Roles {
		if !slices.Contains(registry.Roles, r) || slices.Contains(p.Roles[:i], r) {
			t.Fatalf("Verify(%q): roles %q", token, p.Roles)
		}
	}
	for i, d := range p.Departments {
		if got, err := registry.ParseDepartmentName("", registry.DepartmentName(d), true); err != nil || got != d ||
			slices.Contains(p.Departments[:i], d) {
			t.Fatalf("Verify(%q): departments %q", token, p.Departments)
		}
	}
}

// FuzzVerifyJWT: whatever token arrives, Verify answers a well-formed
// principal or one of its short reasons, and Authenticate agrees with it.
func FuzzVerifyJWT(f *testing.F) {
	s := newFuzzSSO(f)
	valid := signRaw(f, s.e1, "e1", fuzzClaims())
	parts := strings.Split(valid, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	for _, tok := range []string{
		valid,
		signRaw(f, s.e2, "e2", fuzzClaims("sub", "李四", "roles", "admin publisher", "departments", "-")),
		signRaw(f, s.e1, "e2", fuzzClaims()), // wrong key for the kid
		signRaw(f, s.e1, "e1", fuzzClaims("exp", nil)),
		signRaw(f, s.e1, "e1", fuzzClaims("exp", 1412730000)),
		signRaw(f, s.e1, "e1", fuzzClaims("aud", "other")),
		signRaw(f, s.e1, "e1", fuzzClaims("roles", []any{"root", 1, nil})),
		signRaw(f, s.e1, "e1", []byte("[]")),
		signRaw(f, s.e1, "r1", fuzzClaims()),
		b64([]byte(`{"alg":"none","kid":"e1"}`)) + "." + parts[1] + ".",
		b64([]byte(`{"alg":"HS256","kid":"e1"}`)) + "." + parts[1] + "." + parts[2],
		parts[0] + "." + b64(fuzzClaims("roles", "admin")) + "." + parts[2],
		parts[0] + ".." + parts[2], "..", "a.b.c", "",
	} {
		f.Add(tok)
	}
	a := &auth.Authenticator{Tokens: noTokens{}, JWT: s.v}
	f.Fuzz(func(t *testing.T, token string) {
		p, err := s.v.Verify(token)
		checkVerified(t, token, p, err)
		if strings.Count(token, ".") != 2 || strings.TrimSpace(token) != token || token == "" {
			return
		}
		ap, aerr := a.Authenticate("Bearer " + token)
		if err == nil && (aerr != nil || ap.Name != p.Name || !slices.Equal(ap.Roles, p.Roles)) ||
			err != nil && (aerr == nil || registry.ClassOf(aerr) != registry.ClassUnauthenticated || !strings.Contains(aerr.Error(), err.Error())) {
			t.Fatalf("Verify(%q) = %v, %v; Authenticate = %v, %v", token, p, err, ap, aerr)
		}
	})
}

// FuzzJWTClaims: the claims of a token the SSO signed, whatever they are,
// give a principal exactly when they are valid now, for this issuer and
// audience, with a usable name and a registry role; its roles and
// departments are those of the claims that the registry knows.
func FuzzJWTClaims(f *testing.F) {
	s := newFuzzSSO(f)
	for _, c := range [][]byte{
		fuzzClaims(), fuzzClaims("aud", "powerreg", "roles", "editor,admin", "departments", "gtzyj hbj GTZYJ departments/-"),
		fuzzClaims("sub", " 王五 "), fuzzClaims("sub", "a\x00b"), fuzzClaims("sub", "admin\u200b"), fuzzClaims("sub", "\u202eadmin"),
		fuzzClaims("sub", "li  si"), fuzzClaims("sub", "li\u3000si"), fuzzClaims("sub", "\U000e0061dmin"), fuzzClaims("sub", 7), fuzzClaims("iss", "x"),
		fuzzClaims("nbf", 4102444800), fuzzClaims("exp", "4102444800"), fuzzClaims("exp", 4102444800.5),
		fuzzClaims("roles", []string{"Editor", "editor", "editor"}), fuzzClaims("departments", []any{"a/b", "departments/x", 3}),
		[]byte(`{"exp":4102444800,"EXP":1,"sub":"x","roles":"admin","iss":"` + fuzzIssuer + `","aud":"powerreg"}`),
		[]byte(`null`), []byte(`{`), []byte(`{"sub":"x","sub":"y"}`),
	} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		token := signRaw(t, s.e1, "e1", payload)
		p, err := s.v.Verify(token)
		checkVerified(t, token, p, err)

		// What the claims say, read as the verifier reads them (go-jose's
		// JSON matches names exactly, unlike encoding/json: "EXP" is not exp).
		var std jwt.Claims
		var all map[string]any
		if josejson.Unmarshal(payload, &std) != nil || josejson.Unmarshal(payload, &all) != nil || all == nil {
			if err == nil {
				t.Fatalf("claims %q are no JSON object, yet Verify = %+v", payload, p)
			}
			return
		}
		now := time.Now()
		sub, _ := all["sub"].(string)
		sub = strings.TrimSpace(sub)
		var roles []string
		for _, r := range claimList(all["roles"]) {
			if slices.Contains(registry.Roles, r) && !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		valid := std.Expiry != nil && now.Before(std.Expiry.Time().Add(time.Minute)) &&
			(std.NotBefore == nil || now.Add(time.Minute).After(std.NotBefore.Time())) &&
			(std.IssuedAt == nil || now.Add(time.Minute).After(std.IssuedAt.Time())) &&
			std.Issuer == fuzzIssuer && slices.Contains(std.Audience, "powerreg") &&
			sub != "" && principal.Flaw(sub) == "" && len(roles) > 0
		if valid != (err == nil) {
			t.Fatalf("claims %q (valid: %v): Verify = %+v, %v", payload, valid, p, err)
		}
		if err == nil && strings.ContainsFunc(sub, func(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf) }) {
			t.Fatalf("claims %q: a subject with an invisible character was accepted: %+v", payload, p)
		}
		if err != nil {
			return
		}
		if p.Name != auth.SSOPrefix+sub || p.Holder != auth.SSOPrefix+sub || !slices.Equal(p.Roles, roles) {
			t.Fatalf("claims %q: principal %+v", payload, p)
		}
		for _, d := range p.Departments {
			if !slices.ContainsFunc(claimList(all["departments"]), func(c string) bool { return c == d || c == "departments/"+d }) {
				t.Fatalf("claims %q: department %q not among them", payload, d)
			}
		}
	})
}

// claimList reads a list claim the documented way: a list of strings, or
// one string of values separated by commas or white space.
func claimList(v any) []string {
	if s, ok := v.(string); ok {
		return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	}
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

// noTokens knows one registry token, prt_good.
type noTokens struct{}

func (noTokens) Authenticate(secret string) (*registry.Token, error) {
	if secret == "prt_good" {
		return &registry.Token{Name: "gtj-clerk", Roles: []string{registry.RoleEditor}, Departments: []string{"gtzyj"}}, nil
	}
	return nil, nil
}

// FuzzAuthenticate: an Authorization header gives the anonymous principal
// when empty, the token's principal for "Bearer <secret>" (any case, any
// spaces around the secret), and otherwise UNAUTHENTICATED with a
// bilingual message.
func FuzzAuthenticate(f *testing.F) {
	s := newFuzzSSO(f)
	a := &auth.Authenticator{Tokens: noTokens{}, JWT: s.v}
	for _, h := range []string{"", "Bearer prt_good", "bearer   prt_good  ", "BEARER\tprt_good", "Basic dXNlcjpwYXNz", "Bearer",
		"Bearer ", "Bearer prt_bad", "Bearer a.b.c", "Bearer " + signRaw(f, s.e1, "e1", fuzzClaims()), "Token prt_good",
		"Bearer\u3000prt_good", "Bearer prt_good extra"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, header string) {
		// Sendable gives what gRPC metadata carries (printable ASCII),
		// and leaves such a value as it is.
		printable := func(v string) bool {
			return !strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r > 0x7e })
		}
		if v := auth.Sendable(header); !printable(v) || printable(header) && v != header {
			t.Fatalf("Sendable(%q) = %q", header, v)
		}
		p, err := a.Authenticate(header)
		if header == "" {
			if err != nil || p != auth.Anonymous {
				t.Fatalf("no header: %+v, %v", p, err)
			}
			return
		}
		scheme, rest, _ := strings.Cut(header, " ")
		secret := strings.TrimSpace(rest)
		if err != nil {
			if registry.ClassOf(err) != registry.ClassUnauthenticated || !strings.Contains(err.Error(), " / ") {
				t.Fatalf("Authenticate(%q): %v; want a bilingual UNAUTHENTICATED", header, err)
			}
			if strings.EqualFold(scheme, "bearer") && secret == "prt_good" {
				t.Fatalf("Authenticate(%q): %v", header, err)
			}
			return
		}
		if p == nil || p.Anonymous || !strings.EqualFold(scheme, "bearer") {
			t.Fatalf("Authenticate(%q) = %+v", header, p)
		}
		switch {
		case secret == "prt_good":
			if p.Name != "gtj-clerk" {
				t.Fatalf("Authenticate(%q) = %+v", header, p)
			}
		default:
			jp, jerr := s.v.Verify(secret)
			if jerr != nil || jp.Name != p.Name {
				t.Fatalf("Authenticate(%q) = %+v, but Verify says %v", header, p, jerr)
			}
		}
		// The same secret sent otherwise gives the same principal.
		again, err := a.Authenticate("bearer  " + secret + " ")
		if err != nil || again.Name != p.Name {
			t.Fatalf("Authenticate(%q) = %+v, respelt: %+v, %v", header, p, again, err)
		}
	})
}
