// Package auth says who a caller is: the principal behind a bearer token
// (the registry's own tokens, or an SSO JWT when configured), or anonymous.
// What a principal may do is decided by the server's policy table.
package auth

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/powerreg/powerreg/server/registry"
)

// Principal is an authenticated caller.
type Principal struct {
	Name string
	// Holder is the person behind Name, whom four eyes compares: a
	// registry token's holder, or SSOPrefix and the SSO subject ("sub").
	Holder string
	// Issuer is the person who created the registry token used (its
	// creator's holder); empty for SSO.
	Issuer      string
	Roles       []string
	Departments []string // department ids an editor works for; "-" is every department
	Anonymous   bool
}

// Anonymous is the principal of a call without credentials.
var Anonymous = &Principal{Name: "anonymous", Holder: "anonymous", Anonymous: true}

// Has reports whether p holds role.
func (p *Principal) Has(role string) bool { return slices.Contains(p.Roles, role) }

// EditorOf reports whether p edits department dept ("-": every department).
func (p *Principal) EditorOf(dept string) bool {
	return p.Has(registry.RoleEditor) && (slices.Contains(p.Departments, registry.AllDepartments) ||
		dept != registry.AllDepartments && slices.Contains(p.Departments, dept))
}

// Sendable returns an Authorization value as gRPC metadata can carry it
// (printable ASCII): any white space becomes a space, any other character
// outside printable ASCII a '?'. Such a value (a tab, a full-width space
// typed with a Chinese input method, a quote copied with the token) would
// otherwise be refused by gRPC before it is sent, or dropped by the REST
// gateway, making the call anonymous; this way Authenticate says what is
// wrong with it.
func Sendable(v string) string {
	ok := true
	for i := 0; i < len(v) && ok; i++ {
		ok = v[i] >= 0x20 && v[i] <= 0x7e
	}
	if ok {
		return v
	}
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case r < 0x20 || r > 0x7e:
			return '?'
		}
		return r
	}, v)
}

// Tokens looks up the registry's tokens by secret.
type Tokens interface {
	Authenticate(secret string) (*registry.Token, error)
}

// Authenticator turns an Authorization header into a principal.
type Authenticator struct {
	Tokens Tokens
	JWT    *JWTVerifier // nil: SSO tokens are not accepted
}

// unauthenticated is the error of bad credentials; it never says which
// part was wrong beyond what helps an honest caller.
func unauthenticated(zh, en string) error {
	return &registry.Error{Class: registry.ClassUnauthenticated, Reason: registry.ReasonUnauthenticated, Message: zh + " / " + en}
}

// Authenticate returns the principal of an Authorization header value
// ("" for none).
func (a *Authenticator) Authenticate(header string) (*Principal, error) {
	if header == "" {
		return Anonymous, nil
	}
	scheme, secret, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return nil, unauthenticated("凭据格式应为 Authorization: Bearer <令牌>", "credentials must be Authorization: Bearer <token>")
	}
	secret = strings.TrimSpace(secret)
	if len(secret) > len("Bearer") && strings.EqualFold(secret[:len("Bearer")], "Bearer") {
		// "Bearer Bearer prt_…": the token was given with its scheme, as
		// when POWERREG_TOKEN holds "Bearer prt_…" (or "Bearer:prt_…",
		// "Bearerprt_…": no token begins with the word). Told before any
		// lookup: it says nothing of stored tokens.
		return nil, &registry.Error{Class: registry.ClassUnauthenticated, Reason: registry.ReasonTokenBearerPrefix,
			Message: "令牌前多了一个“Bearer”：请去掉这个词，--token 或 POWERREG_TOKEN 只写令牌本身（prt_…），powerctl 会自己加上 Bearer / " +
				"the token begins with the word Bearer: drop the word Bearer; --token or POWERREG_TOKEN holds the token alone (prt_…), powerctl adds Bearer itself"}
	}
	if strings.Count(secret, ".") == 2 && a.JWT != nil {
		p, err := a.JWT.Verify(secret)
		if err != nil {
			return nil, unauthenticated("单点登录令牌无效："+err.Error(), "invalid single sign-on token: "+err.Error())
		}
		return p, nil
	}
	t, err := a.Tokens.Authenticate(secret)
	if registry.ClassOf(err) == registry.ClassUnauthenticated {
		return nil, err // expired or revoked, said to the holder of its secret
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if t == nil {
		return nil, &registry.Error{Class: registry.ClassUnauthenticated, Reason: registry.ReasonTokenUnknown,
			Message: "没有这个令牌：请检查令牌是否完整（prt_ 开头，复制时没有多余或缺少的字符），或向管理员申请新令牌 / " +
				"no such token: check that it is complete (it starts with prt_, nothing added or left out when copied), or ask an administrator for a new one"}
	}
	return &Principal{Name: t.Name, Holder: t.HolderName(), Issuer: t.IssuerName(), Roles: t.Roles, Departments: t.Departments}, nil
}
