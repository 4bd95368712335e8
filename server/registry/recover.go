package registry

import "fmt"

// RecoverAdminToken creates an admin token named name whatever tokens
// exist: powerregd recover-admin, run with the server stopped when the last
// admin token was lost or revoked. As with BootstrapToken, the secret goes
// to save before the token is committed (if save fails, no token exists),
// and the mutation is audited under the Service's call, by "powerregd".
func (s *Service) RecoverAdminToken(name string, save func(secret string) error) (*Token, error) {
	if !tokenNamePattern.MatchString(name) {
		return nil, InvalidArgument("token.name",
			fmt.Sprintf("令牌名 %q 不合规：须以小写字母开头，只含小写字母、数字和 . _ @ -，最长 63 位", name),
			fmt.Sprintf("token name %q: it starts with a lower-case letter and has only lower-case letters, digits and . _ @ -, at most 63", name))
	}
	secret, err := newSecret()
	if err != nil {
		return nil, err
	}
	var out *Token
	err = s.mutate("powerregd", func(m *mut) (err error) {
		if out, err = createToken(m, TokenInput{Name: name, Roles: []string{RoleAdmin}}, secret); err != nil {
			return err
		}
		return save(secret)
	})
	return out, err
}
