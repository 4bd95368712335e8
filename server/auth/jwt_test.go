package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/powerreg/powerreg/server/auth"
	"github.com/powerreg/powerreg/server/registry"
)

// sso is a fake single sign-on: an RSA and an EC key, published in a JWKS
// file.
type sso struct {
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
	jwks string
}

func newSSO(t *testing.T) *sso {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &sso{rsa: rk, ec: ek, jwks: filepath.Join(t.TempDir(), "jwks.json")}
	writeJWKS(t, s.jwks, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &rk.PublicKey, KeyID: "r1", Algorithm: "RS256", Use: "sig"},
		{Key: &ek.PublicKey, KeyID: "e1", Algorithm: "ES256", Use: "sig"},
	}})
	return s
}

func writeJWKS(t *testing.T, path string, set jose.JSONWebKeySet) {
	t.Helper()
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sign signs claims with key under alg, naming kid.
func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// claims are valid claims of an editor, changed by the given pairs (a nil
// value deletes the claim).
func claims(kv ...any) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": "https://sso.example.gov.cn", "aud": []string{"powerreg"}, "sub": "zhang.san",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"roles": []string{"editor"}, "departments": []string{"city-a"},
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func verifier(t *testing.T, s *sso, cfg auth.JWTConfig) *auth.JWTVerifier {
	t.Helper()
	cfg.JWKSFile = s.jwks
	v, err := auth.NewJWTVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var strict = auth.JWTConfig{Issuer: "https://sso.example.gov.cn", Audience: "powerreg"}

func TestJWTValid(t *testing.T) {
	s := newSSO(t)
	v := verifier(t, s, strict)
	for _, tok := range []string{
		sign(t, jose.RS256, s.rsa, "r1", claims()),
		sign(t, jose.ES256, s.ec, "e1", claims()),
		sign(t, jose.RS256, s.rsa, "r1", claims("aud", "powerreg")),                             // one audience as a string
		sign(t, jose.RS256, s.rsa, "r1", claims("exp", time.Now().Add(-20*time.Second).Unix())), // within the leeway
	} {
		p, err := v.Verify(tok)
		if err != nil {
			t.Fatalf("valid token refused: %v", err)
		}
		if p.Name != "sso:zhang.san" || !slices.Equal(p.Roles, []string{"editor"}) || !slices.Equal(p.Departments, []string{"city-a"}) ||
			p.Anonymous || !p.EditorOf("city-a") || p.EditorOf("city-b") {
			t.Fatalf("principal %+v", p)
		}
	}
	// Without issuer and audience configured, neither is checked.
	lax := verifier(t, s, auth.JWTConfig{})
	if _, err := lax.Verify(sign(t, jose.RS256, s.rsa, "r1", claims("iss", "other", "aud", nil))); err != nil {
		t.Fatalf("lax verifier: %v", err)
	}
}

func TestJWTRefused(t *testing.T) {
	s := newSSO(t)
	v := verifier(t, s, strict)
	valid := sign(t, jose.RS256, s.rsa, "r1", claims())
	parts := strings.Split(valid, ".")
	b64 := base64.RawURLEncoding.EncodeToString

	// The payload of a valid token, made an admin's.
	forged, _ := json.Marshal(claims("roles", []string{"admin"}, "departments", []string{"-"}))
	tampered := parts[0] + "." + b64(forged) + "." + parts[2]

	// alg none, unsigned.
	none := b64([]byte(`{"alg":"none","kid":"r1","typ":"JWT"}`)) + "." + parts[1] + "."

	// HMAC keyed with the public key, which anyone can read.
	der, err := x509.MarshalPKIXPublicKey(&s.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	hmac := sign(t, jose.HS256, der, "r1", claims())

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	cases := []struct {
		name, token, want string
	}{
		{"expired", sign(t, jose.RS256, s.rsa, "r1", claims("exp", time.Now().Add(-5*time.Minute).Unix())), "expired"},
		{"no exp", sign(t, jose.RS256, s.rsa, "r1", claims("exp", nil)), "expiry"},
		{"not yet valid", sign(t, jose.RS256, s.rsa, "r1", claims("nbf", time.Now().Add(5*time.Minute).Unix())), "not valid yet"},
		{"issued in the future", sign(t, jose.RS256, s.rsa, "r1", claims("iat", time.Now().Add(5*time.Minute).Unix())), "not valid yet"},
		{"wrong issuer", sign(t, jose.RS256, s.rsa, "r1", claims("iss", "https://evil.example")), "issuer"},
		{"no issuer", sign(t, jose.RS256, s.rsa, "r1", claims("iss", nil)), "issuer"},
		{"wrong audience", sign(t, jose.RS256, s.rsa, "r1", claims("aud", []string{"other-app"})), "audience"},
		{"no audience", sign(t, jose.RS256, s.rsa, "r1", claims("aud", nil)), "audience"},
		{"unknown kid", sign(t, jose.RS256, s.rsa, "r9", claims()), "unknown signing key"},
		{"no kid", sign(t, jose.RS256, s.rsa, "", claims()), "unknown signing key"},
		{"other key under a known kid", sign(t, jose.RS256, other, "r1", claims()), "signature"},
		{"EC signature under the RSA kid", sign(t, jose.ES256, s.ec, "r1", claims()), "does not match"},
		{"tampered payload", tampered, "signature"},
		{"alg none", none, "algorithm"},
		{"HMAC with the public key", hmac, "algorithm"},
		{"RS384", sign(t, jose.RS384, s.rsa, "r1", claims()), "algorithm"},
		{"garbage", "a.b.c", "malformed"},
		{"no role", sign(t, jose.RS256, s.rsa, "r1", claims("roles", nil)), "role"},
		{"only unknown roles", sign(t, jose.RS256, s.rsa, "r1", claims("roles", []string{"root", "superuser"})), "role"},
		{"no name", sign(t, jose.RS256, s.rsa, "r1", claims("sub", nil)), "name"},
		{"sub not a string", sign(t, jose.RS256, s.rsa, "r1", claims("sub", 42)), "malformed claims"},
	}
	for _, c := range cases {
		p, err := v.Verify(c.token)
		if err == nil {
			t.Errorf("%s: accepted as %+v", c.name, p)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not say %q", c.name, err, c.want)
		}
		if strings.Contains(err.Error(), "go-jose") {
			t.Errorf("%s: error leaks library text: %q", c.name, err)
		}
	}
}

func TestJWTClaimsMapping(t *testing.T) {
	s := newSSO(t)
	v := verifier(t, s, auth.JWTConfig{Issuer: strict.Issuer, Audience: strict.Audience,
		NameClaim: "preferred_username", RolesClaim: "powerreg_roles", DepartmentsClaim: "org"})
	tok := sign(t, jose.ES256, s.ec, "e1", claims(
		"preferred_username", "li.si",
		"powerreg_roles", "editor, reviewer root editor", // one string; unknown and repeated roles dropped
		"org", []any{"departments/city-a", "city-b", "Bad Id", "departments/", 7, "city-b", "-"},
		"roles", []string{"admin"}, // not the configured claim: ignored
	))
	p, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "sso:li.si" || !slices.Equal(p.Roles, []string{"editor", "reviewer"}) ||
		!slices.Equal(p.Departments, []string{"city-a", "city-b", "-"}) {
		t.Fatalf("principal %+v", p)
	}
	if p.Has("admin") {
		t.Fatal("role taken from the default claim instead of the configured one")
	}
	if _, err := v.Verify(sign(t, jose.RS256, s.rsa, "r1", claims("preferred_username", 42, "powerreg_roles", "reviewer"))); err == nil ||
		!strings.Contains(err.Error(), `no usable name in claim "preferred_username"`) {
		t.Fatalf("a name that is not a string: %v", err)
	}
	// A reviewer needs no department.
	p, err = v.Verify(sign(t, jose.RS256, s.rsa, "r1", claims("preferred_username", "wang.wu",
		"powerreg_roles", []string{"reviewer", "publisher"}, "org", nil)))
	if err != nil || !slices.Equal(p.Roles, []string{"reviewer", "publisher"}) || len(p.Departments) != 0 {
		t.Fatalf("reviewer: %+v %v", p, err)
	}
}

func TestJWKSFileErrors(t *testing.T) {
	dir := t.TempDir()
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	priv := filepath.Join(dir, "private.json")
	writeJWKS(t, priv, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: rk, KeyID: "r1", Algorithm: "RS256"}}})
	secret := filepath.Join(dir, "secret.json")
	writeJWKS(t, secret, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "h1"}}})
	dup := filepath.Join(dir, "dup.json")
	writeJWKS(t, dup, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &rk.PublicKey, KeyID: "r1"}, {Key: &rk.PublicKey, KeyID: "r1"}}})
	nokid := filepath.Join(dir, "nokid.json")
	writeJWKS(t, nokid, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &rk.PublicKey}}})
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.json"), "no such file"},
		{write("bad.json", "{not json"), "not a valid JSON Web Key Set"},
		{write("empty.json", `{"keys":[]}`), "no usable key"},
		{nokid, "no usable key"},
		{priv, "private key"},
		{secret, "shared secret"},
		{dup, "two keys"},
	} {
		_, err := auth.NewJWTVerifier(auth.JWTConfig{JWKSFile: c.path})
		if err == nil {
			t.Errorf("%s: accepted", c.path)
			continue
		}
		if !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q should name the file and say %q", c.path, err, c.want)
		}
	}
}

// The Authenticator hands three-part tokens to the verifier and wraps its
// reasons bilingually.
func TestAuthenticatorJWT(t *testing.T) {
	s := newSSO(t)
	a := &auth.Authenticator{JWT: verifier(t, s, strict)}
	p, err := a.Authenticate("Bearer " + sign(t, jose.RS256, s.rsa, "r1", claims()))
	if err != nil || p.Name != "sso:zhang.san" {
		t.Fatalf("%+v %v", p, err)
	}
	_, err = a.Authenticate("Bearer " + sign(t, jose.RS256, s.rsa, "r1", claims("exp", time.Now().Add(-time.Hour).Unix())))
	if err == nil || !strings.Contains(err.Error(), "单点登录") || !strings.Contains(err.Error(), "token expired") {
		t.Fatalf("expired: %v", err)
	}
}

// TestJWTLookAlikePrincipals: a subject or name that
// could pass for another (a zero-width space after admin, a right-to-left
// override before it) is refused as UNAUTHENTICATED naming the claim; the
// subject is the holder even when another claim names the principal.
func TestJWTLookAlikePrincipals(t *testing.T) {
	s := newSSO(t)
	a := &auth.Authenticator{JWT: verifier(t, s, auth.JWTConfig{Issuer: strict.Issuer, Audience: strict.Audience, NameClaim: "uid"})}
	for _, c := range []struct {
		name, sub, uid, claim, char string
	}{
		{"zero-width space in sub", "admin\u200b", "admin", `"sub"`, "U+200B"},
		{"right-to-left override in sub", "\u202eadmin", "admin", `"sub"`, "U+202E"},
		{"zero-width joiner in the name claim", "u-1001", "ad\u200dmin", `"uid"`, "U+200D"},
		{"ideographic space in the name claim", "u-1001", "李\u3000四", `"uid"`, "U+3000"},
		{"tag character in sub", "\U000e0041dmin", "admin", `"sub"`, "U+E0041"},
		{"BOM in sub", "\ufeffadmin", "admin", `"sub"`, "U+FEFF"},
		{"Hangul filler in the name claim", "u-1001", "admin\u3164", `"uid"`, "U+3164"},
		{"two spaces in sub", "li  si", "li", `"sub"`, "two spaces"},
	} {
		_, err := a.Authenticate("Bearer " + sign(t, jose.RS256, s.rsa, "r1", claims("sub", c.sub, "uid", c.uid)))
		if registry.ClassOf(err) != registry.ClassUnauthenticated || !strings.Contains(err.Error(), "claim "+c.claim) ||
			!strings.Contains(err.Error(), c.char) || !strings.Contains(err.Error(), "单点登录") {
			t.Errorf("%s: %v; want UNAUTHENTICATED naming claim %s and %s", c.name, err, c.claim, c.char)
		}
	}
	p, err := a.Authenticate("Bearer " + sign(t, jose.RS256, s.rsa, "r1", claims("sub", "u-1001", "uid", "Li Si")))
	if err != nil || p.Name != "sso:Li Si" || p.Holder != "sso:u-1001" || p.Issuer != "" {
		t.Fatalf("name claim uid: %+v %v; want principal sso:Li Si, holder sso:u-1001", p, err)
	}
	// The subject is required even when another claim names the principal.
	_, err = a.Authenticate("Bearer " + sign(t, jose.RS256, s.rsa, "r1", claims("sub", nil, "uid", "li.si")))
	if registry.ClassOf(err) != registry.ClassUnauthenticated || !strings.Contains(err.Error(), `claim "sub"`) {
		t.Errorf("no sub: %v", err)
	}
}
