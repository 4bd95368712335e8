package registry

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/powerreg/powerreg/server/principal"
)

// Tokens are the registry's own bearer credentials, managed by admins.

var tokenNamePattern = regexp.MustCompile(`^[a-z][a-z0-9._@-]{0,62}$`)

// tokenPrefix marks powerreg tokens, so that a leaked one is recognisable
// by secret scanners.
const tokenPrefix = "prt_"

// HashSecret is how a token secret is stored and looked up.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// TokenInput is what an admin says of a new token.
type TokenInput struct {
	Name        string
	Holder      string // the person it is issued to; Name when empty
	Roles       []string
	Departments []string // for editors
	TTL         time.Duration
}

// CreateToken creates a token and returns it with its secret, which is
// not stored and cannot be read again.
func (s *Service) CreateToken(actor string, in TokenInput) (*Token, string, error) {
	var v violations
	if !tokenNamePattern.MatchString(in.Name) {
		v.add("token.name", "令牌名须以小写字母开头，只含小写字母、数字和 . _ @ -，最长 63 位，如 reviewer-li",
			"a token name starts with a lower-case letter and has only lower-case letters, digits and . _ @ -, e.g. reviewer-li")
	}
	if in.Holder != "" {
		checkHolder(&v, "token.holder", in.Holder)
	}
	if len(in.Roles) == 0 {
		v.add("token.roles", "至少需要一个角色：editor、reviewer、publisher 或 admin", "give at least one role: editor, reviewer, publisher or admin")
	}
	for i, r := range in.Roles {
		if !slices.Contains(Roles, r) {
			v.add(fmt.Sprintf("token.roles[%d]", i), fmt.Sprintf("未知角色 %q；可选 editor、reviewer、publisher、admin", r),
				fmt.Sprintf("unknown role %q; choose editor, reviewer, publisher or admin", r))
		}
	}
	if slices.Contains(in.Roles, RoleEditor) && len(in.Departments) == 0 {
		v.add("token.departments", "editor 角色须指定部门", "an editor needs at least one department")
	}
	if in.TTL < 0 {
		v.add("ttl", "有效期不能为负", "the lifetime must not be negative")
	}
	for i, d := range in.Departments {
		if d != AllDepartments && !departmentIDPattern.MatchString(d) {
			v.add(fmt.Sprintf("token.departments[%d]", i), fmt.Sprintf("部门标识 %q 格式不对", d), fmt.Sprintf("malformed department id %q", d))
		}
	}
	if err := v.err(); err != nil {
		return nil, "", err
	}
	secret, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	var out *Token
	err = s.mutate(actor, func(m *mut) (err error) {
		out, err = createToken(m, in, secret)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, secret, nil
}

// checkHolder checks the holder of a new token: a person's name or id,
// refused where it could pass for another (principal.Flaw) or for a single
// sign-on subject.
func checkHolder(v *violations, field, holder string) {
	if flaw := principal.Flaw(holder); flaw != "" {
		zh, en, _ := strings.Cut(flaw, " / ")
		v.add(field, "持有人"+zh+"，可能被看成别人的名字；请写持有人的姓名或工号，如 李四",
			"the holder "+en+", which could pass for another name; give the holder's name or staff number, e.g. Li Si")
		return
	}
	if utf8.RuneCountInString(holder) > principal.MaxHolderRunes {
		v.add(field, fmt.Sprintf("持有人最长 %d 个字符", principal.MaxHolderRunes), fmt.Sprintf("the holder has at most %d characters", principal.MaxHolderRunes))
	}
	if len(holder) >= len(principal.SSOPrefix) && strings.EqualFold(holder[:len(principal.SSOPrefix)], principal.SSOPrefix) {
		v.add(field, "持有人不能以 sso: 开头：这是单点登录用户的前缀", "the holder must not start with sso:, which marks single sign-on users")
	}
}

func newSecret() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(raw), nil
}

// createToken stores a new token with the hash of secret.
func createToken(m *mut, in TokenInput, secret string) (*Token, error) {
	old, err := m.GetToken(in.Name)
	if err != nil {
		return nil, err
	}
	if old != nil {
		return nil, newErr(ClassAlreadyExists, ReasonTokenExists,
			fmt.Sprintf("令牌 %s 已存在（含已吊销的），请换一个名字", in.Name),
			fmt.Sprintf("token %s already exists (revoked ones count too); choose another name", in.Name))
	}
	for _, d := range in.Departments {
		if d == AllDepartments {
			continue // an editor of every department, e.g. the office that loads a city's list
		}
		if _, err := loadDepartment(m, d); err != nil {
			return nil, err
		}
	}
	t := &Token{Name: in.Name, Hash: HashSecret(secret), Roles: in.Roles, Departments: in.Departments,
		Holder: norm.NFC.String(in.Holder), Creator: m.actor, CreatorHolder: m.holder, CreateTime: m.now}
	if t.Holder == "" {
		t.Holder = in.Name
	}
	if in.TTL > 0 {
		t.ExpireTime = m.now.Add(in.TTL)
	}
	return t, m.PutToken(t)
}

// BootstrapToken creates the first admin token when the registry has no
// token at all, and hands its secret to save before the token is committed:
// if save fails, no token exists and the next start tries again. It reports
// whether it created one.
func (s *Service) BootstrapToken(save func(secret string) error) (bool, error) {
	secret, err := newSecret()
	if err != nil {
		return false, err
	}
	err = s.For(Call{Method: "bootstrap", Resource: "tokens/admin"}).mutate("powerregd", func(m *mut) error {
		empty := true
		if err := m.ScanTokens(func(*Token) (bool, error) { empty = false; return false, nil }); err != nil {
			return err
		}
		if !empty {
			return errTokensExist // roll back: nothing to record
		}
		if _, err := createToken(m, TokenInput{Name: "admin", Roles: []string{RoleAdmin}}, secret); err != nil {
			return err
		}
		return save(secret)
	})
	if errors.Is(err, errTokensExist) {
		return false, nil
	}
	return err == nil, err
}

var errTokensExist = errors.New("tokens exist")

// Authenticate returns the valid token with a secret; nil, nil when the
// secret matches no token. A token that matches but is revoked or expired
// is refused (TOKEN_REVOKED, TOKEN_EXPIRED) saying since when: the caller
// holds its secret, so this tells it nothing it could not know, and a
// secret that matches nothing learns nothing of any token. The lookup is
// by the secret's SHA-256, as before, so its time does not depend on how
// much of a secret is right.
func (s *Service) Authenticate(secret string) (*Token, error) {
	var out *Token
	now := s.now()
	err := s.store.View(func(tx Tx) error {
		name, err := tx.TokenByHash(HashSecret(secret))
		if err != nil || name == "" {
			return err
		}
		t, err := tx.GetToken(name)
		if err != nil || t == nil {
			return err
		}
		if err := tokenRefusal(t, now); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// tokenRefusal is the error of a token that cannot be used at time now,
// nil for a valid one. Times are shown in Beijing time, the registry's
// users' own, and in the metadata as RFC 3339.
func tokenRefusal(t *Token, now time.Time) error {
	if t.Valid(now) {
		return nil
	}
	at, reason, key := t.RevokeTime, ReasonTokenRevoked, "revoke_time"
	zh, en := "已于 %s 被吊销", "was revoked at %s"
	if t.RevokeTime.IsZero() {
		at, reason, key = t.ExpireTime, ReasonTokenExpired, "expire_time"
		zh, en = "已于 %s 过期", "expired at %s"
	}
	shown := at.In(beijing).Format("2006-01-02 15:04:05 -07:00")
	e := newErr(ClassUnauthenticated, reason,
		fmt.Sprintf("令牌 %s "+zh+"，不能再使用；请向管理员申请新令牌", t.Name, shown),
		fmt.Sprintf("the token %s "+en+" and can no longer be used; ask an administrator for a new one", t.Name, shown))
	e.Metadata = map[string]string{"token": "tokens/" + t.Name, key: at.UTC().Format(time.RFC3339Nano)}
	return e
}

// beijing is China Standard Time (UTC+8, no daylight saving time), how the
// registry's users read times.
var beijing = time.FixedZone("CST", 8*60*60)

// ListTokens lists every token, revoked and expired ones included.
func (s *Service) ListTokens() ([]*Token, error) {
	var out []*Token
	err := s.store.View(func(tx Tx) error {
		return tx.ScanTokens(func(t *Token) (bool, error) { out = append(out, t); return true, nil })
	})
	return out, err
}

// RevokeToken revokes a token; it cannot be used again. Revoking a revoked
// token changes nothing.
func (s *Service) RevokeToken(actor, name string) (*Token, error) {
	var out *Token
	err := s.mutate(actor, func(m *mut) error {
		t, err := m.GetToken(name)
		if err != nil {
			return err
		}
		if t == nil {
			return notFound(ReasonTokenNotFound, "tokens/"+name, "令牌", "token")
		}
		if t.RevokeTime.IsZero() {
			t.RevokeTime = m.now
		}
		out = t
		return m.PutToken(t)
	})
	return out, err
}
