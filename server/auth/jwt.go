package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/powerreg/powerreg/server/principal"
	"github.com/powerreg/powerreg/server/registry"
)

// JWTConfig says where the single sign-on's keys are and how its tokens
// are read.
type JWTConfig struct {
	JWKSFile         string // the SSO's public keys, a JSON Web Key Set
	Issuer           string // required "iss" when set
	Audience         string // required in "aud" when set
	NameClaim        string // the principal's name; default "sub"
	RolesClaim       string // registry roles; default "roles"
	DepartmentsClaim string // department ids an editor works for; default "departments"
}

// jwtLeeway tolerates clock skew between the SSO and the registry.
const jwtLeeway = time.Minute

// maxJWT bounds the size of a token we are willing to parse.
const maxJWT = 16 << 10

// jwtAlgorithms are the signatures accepted: never "none", never HMAC
// (whose key would be the public key anyone can read).
var jwtAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// JWTVerifier verifies SSO JWTs against a JWKS file and maps their claims
// to a principal. It is safe for concurrent use.
type JWTVerifier struct {
	cfg  JWTConfig
	keys map[string]any // by kid: *rsa.PublicKey or *ecdsa.PublicKey (P-256)
}

// NewJWTVerifier loads the key set of cfg.JWKSFile; its errors name the
// file.
func NewJWTVerifier(cfg JWTConfig) (*JWTVerifier, error) {
	if cfg.JWKSFile == "" {
		return nil, errors.New("no JWKS file given")
	}
	if cfg.NameClaim == "" {
		cfg.NameClaim = "sub"
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "roles"
	}
	if cfg.DepartmentsClaim == "" {
		cfg.DepartmentsClaim = "departments"
	}
	keys, err := loadJWKS(cfg.JWKSFile)
	if err != nil {
		return nil, fmt.Errorf("JWKS file %s: %w", cfg.JWKSFile, err)
	}
	return &JWTVerifier{cfg: cfg, keys: keys}, nil
}

// loadJWKS keeps the RSA and P-256 signing keys of a key set, by kid.
// Secrets and private keys are refused: the file should hold only what the
// SSO publishes.
func loadJWKS(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("not a valid JSON Web Key Set: %w", err)
	}
	keys := map[string]any{}
	for i, k := range set.Keys {
		switch key := k.Key.(type) {
		case []byte:
			return nil, fmt.Errorf("key %d (kid %q) is a shared secret; only RSA and EC public keys are accepted", i, k.KeyID)
		case *rsa.PrivateKey, *ecdsa.PrivateKey:
			return nil, fmt.Errorf("key %d (kid %q) is a private key; the file should hold the public keys only", i, k.KeyID)
		case *rsa.PublicKey:
		case *ecdsa.PublicKey:
			if key.Curve != elliptic.P256() {
				continue // ES384 and ES512 are not accepted
			}
		default:
			continue // e.g. Ed25519: not accepted
		}
		if k.Use == "enc" || k.KeyID == "" || k.Algorithm != "" && !slices.Contains(jwtAlgorithms, jose.SignatureAlgorithm(k.Algorithm)) {
			continue
		}
		if _, dup := keys[k.KeyID]; dup {
			return nil, fmt.Errorf("two keys have kid %q", k.KeyID)
		}
		keys[k.KeyID] = k.Key
	}
	if len(keys) == 0 {
		return nil, errors.New("no usable key: expected RSA (RS256) or P-256 EC (ES256) signing keys with a kid")
	}
	return keys, nil
}

// Verify returns the principal of a valid JWT: signed by a key of the set
// (chosen by kid) with RS256 or ES256, within its validity (exp is
// required), from the configured issuer to the configured audience, and
// naming at least one registry role. Its errors are short reasons meant to
// be shown to the caller.
func (v *JWTVerifier) Verify(token string) (*Principal, error) {
	if len(token) > maxJWT {
		return nil, errors.New("token too large")
	}
	tok, err := jwt.ParseSigned(token, jwtAlgorithms)
	if err != nil {
		if _, ok := errors.AsType[*jose.ErrUnexpectedSignatureAlgorithm](err); ok {
			return nil, errors.New("signature algorithm not accepted (RS256 or ES256 only)")
		}
		return nil, errors.New("malformed token")
	}
	if len(tok.Headers) != 1 {
		return nil, errors.New("malformed token")
	}
	h := tok.Headers[0]
	key, ok := v.keys[h.KeyID]
	if !ok {
		kid := h.KeyID
		if len(kid) > 64 {
			kid = kid[:64] + "…"
		}
		return nil, fmt.Errorf("unknown signing key (kid %q)", kid)
	}
	switch key.(type) {
	case *rsa.PublicKey:
		ok = h.Algorithm == string(jose.RS256)
	case *ecdsa.PublicKey:
		ok = h.Algorithm == string(jose.ES256)
	}
	if !ok {
		return nil, errors.New("signature algorithm does not match the key")
	}
	if err := tok.Claims(key); err != nil { // checks the signature only
		return nil, errors.New("bad signature")
	}
	// The payload is verified now; decode it.
	var std jwt.Claims
	var all map[string]any
	if err := tok.UnsafeClaimsWithoutVerification(&std, &all); err != nil {
		return nil, errors.New("malformed claims")
	}
	if std.Expiry == nil {
		return nil, errors.New("token has no expiry (exp)")
	}
	want := jwt.Expected{Issuer: v.cfg.Issuer, Time: time.Now()}
	if v.cfg.Audience != "" {
		want.AnyAudience = jwt.Audience{v.cfg.Audience}
	}
	switch err := std.ValidateWithLeeway(want, jwtLeeway); {
	case err == nil:
	case errors.Is(err, jwt.ErrExpired):
		return nil, errors.New("token expired")
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return nil, errors.New("token not valid yet")
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return nil, errors.New("wrong issuer")
	case errors.Is(err, jwt.ErrInvalidAudience):
		return nil, errors.New("wrong audience")
	default:
		return nil, errors.New("invalid claims")
	}
	return v.principal(all)
}

// SSOPrefix starts the name of every principal from single sign-on.
const SSOPrefix = principal.SSOPrefix

// principal maps verified claims to a principal, keeping only the roles
// the registry knows and well-formed department ids. The subject ("sub")
// is the person, whatever claim names the principal: four eyes compares
// subjects, and the audit trail records both.
func (v *JWTVerifier) principal(claims map[string]any) (*Principal, error) {
	sub, err := nameClaim(claims, "sub")
	if err != nil {
		return nil, err
	}
	name := sub
	if v.cfg.NameClaim != "sub" {
		if name, err = nameClaim(claims, v.cfg.NameClaim); err != nil {
			return nil, err
		}
	}
	// SSO subjects are prefixed, so that they never pass for a registry
	// token or holder of the same name (in the audit trail and for four
	// eyes).
	p := &Principal{Name: SSOPrefix + name, Holder: SSOPrefix + sub}
	for _, r := range stringList(claims[v.cfg.RolesClaim]) {
		if slices.Contains(registry.Roles, r) && !slices.Contains(p.Roles, r) {
			p.Roles = append(p.Roles, r)
		}
	}
	if len(p.Roles) == 0 {
		return nil, fmt.Errorf("no registry role in claim %q", v.cfg.RolesClaim)
	}
	for _, d := range stringList(claims[v.cfg.DepartmentsClaim]) {
		// Either an id or a resource name; "-" is every department.
		id, err := registry.ParseDepartmentName("", "departments/"+strings.TrimPrefix(d, "departments/"), true)
		if err == nil && !slices.Contains(p.Departments, id) {
			p.Departments = append(p.Departments, id)
		}
	}
	return p, nil
}

// nameClaim reads a claim naming a person, refusing what could pass for
// another name (principal.Flaw: invisible and bidirectional
// control characters, stray spaces).
func nameClaim(claims map[string]any, claim string) (string, error) {
	name, _ := claims[claim].(string)
	name = strings.TrimSpace(name) // as before: " 王五 " is 王五
	if name == "" || len(name) > principal.MaxBytes {
		return "", fmt.Errorf("no usable name in claim %q", claim)
	}
	if flaw := principal.Flaw(name); flaw != "" {
		_, en, _ := strings.Cut(flaw, " / ")
		return "", fmt.Errorf("claim %q %s", claim, en)
	}
	return name, nil
}

// stringList reads a claim holding a list of strings, or one string of
// values separated by spaces or commas.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, strings.TrimSpace(s))
			}
		}
		return out
	}
	return nil
}
