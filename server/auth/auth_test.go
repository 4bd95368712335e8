package auth_test

import (
	"errors"
	"testing"

	"github.com/powerreg/powerreg/server/auth"
	"github.com/powerreg/powerreg/server/registry"
)

// refusingTokens refuses prt_old as the registry refuses an expired token
// and fails on prt_broken as a damaged store does.
type refusingTokens struct{ noTokens }

var errStore = errors.New("store: damaged page")

func (r refusingTokens) Authenticate(secret string) (*registry.Token, error) {
	switch secret {
	case "prt_old":
		return nil, &registry.Error{Class: registry.ClassUnauthenticated, Reason: registry.ReasonTokenExpired, Message: "已过期 / expired"}
	case "prt_broken":
		return nil, errStore
	}
	return r.noTokens.Authenticate(secret)
}

// TestRefusalReasons: each refused header has its reason; the
// store's refusal of an expired or revoked token passes as it is; any
// other failure of the store is not a refusal of the caller.
func TestRefusalReasons(t *testing.T) {
	a := &auth.Authenticator{Tokens: refusingTokens{}}
	for header, reason := range map[string]string{
		"Bearer prt_unknown":         registry.ReasonTokenUnknown,
		"Bearer Bearer prt_good":     registry.ReasonTokenBearerPrefix,
		"bearer BEARER\tprt_good":    registry.ReasonTokenBearerPrefix,
		"Bearer bearer  prt_unknown": registry.ReasonTokenBearerPrefix,
		"Bearer Bearerprt_good":      registry.ReasonTokenBearerPrefix, // no space at all
		"Bearer Bearer:prt_good":     registry.ReasonTokenBearerPrefix,
		"Bearer bearer=prt_unknown":  registry.ReasonTokenBearerPrefix,
		"Bearer Bearer":              registry.ReasonTokenUnknown, // the word alone: no token
		"Bearer prt_old":             registry.ReasonTokenExpired,
		"Basic abc":                  registry.ReasonUnauthenticated,
		"Bearer a.b.c":               registry.ReasonTokenUnknown, // no SSO configured: looked up as a registry token
	} {
		_, err := a.Authenticate(header)
		var e *registry.Error
		if !errors.As(err, &e) || e.Class != registry.ClassUnauthenticated || e.Reason != reason {
			t.Errorf("Authenticate(%q) = %v, want %s", header, err, reason)
		}
	}
	if _, err := a.Authenticate("Bearer prt_broken"); !errors.Is(err, errStore) || registry.ClassOf(err) == registry.ClassUnauthenticated {
		t.Errorf("a store failure: %v", err)
	}
	if p, err := a.Authenticate("Bearer  prt_good "); err != nil || p.Name != "gtj-clerk" {
		t.Errorf("the good token: %+v %v", p, err)
	}
}
