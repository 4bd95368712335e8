package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// These tests run the real binary as a child process, as an operator would.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "powerregd-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "powerregd")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic(fmt.Sprintf("build powerregd: %v\n%s", err, out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// daemon is a running powerregd.
type daemon struct {
	cmd    *exec.Cmd
	http   string
	base   string       // http://… or https://…
	client *http.Client // trusts the daemon's certificate
	stderr *bytes.Buffer
	exited chan error
}

func startDaemon(t *testing.T, dataDir string, extra ...string) *daemon {
	t.Helper()
	return launch(t, dataDir, "http", http.DefaultClient, extra...)
}

// launch starts powerregd and waits until client gets 200 from /healthz
// at scheme://.
func launch(t *testing.T, dataDir, scheme string, client *http.Client, extra ...string) *daemon {
	t.Helper()
	d := &daemon{http: freeAddr(t), client: client, stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	d.base = scheme + "://" + d.http
	args := append([]string{"--data-dir", dataDir, "--grpc-addr", freeAddr(t), "--http-addr", d.http}, extra...)
	d.cmd = exec.Command(binary, args...)
	d.cmd.Stderr = d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.exited
	})
	// Ready when /healthz answers; the daemon dying first is a failure.
	for i := 0; ; i++ {
		select {
		case err := <-d.exited:
			t.Fatalf("powerregd exited at start: %v\n%s", err, d.stderr)
		default:
		}
		if r, err := client.Get(d.base + "/healthz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return d
			}
		}
		if i > 600 {
			t.Fatalf("powerregd did not become ready\n%s", d.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *daemon) getJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	code, body := d.get(t, path, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

// get sends GET path with a bearer token ("" for none).
func (d *daemon) get(t *testing.T, path, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", d.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r, err := d.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	return r.StatusCode, body
}

// stop stops the daemon with SIGTERM and waits for a clean exit; its
// stderr may be read afterwards.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-d.exited; err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, d.stderr)
	}
	d.exited <- nil // for the cleanup
}

func TestDemoServesCatalogue(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "--demo")
	stats := d.getJSON(t, "/v1/catalog/stats")
	cats := stats["categories"].([]any)
	if len(cats) != 10 {
		t.Fatalf("stats has %d categories", len(cats))
	}
	for _, c := range cats {
		count, _ := c.(map[string]any)["count"].(map[string]any)
		if total, _ := count["total"].(float64); total == 0 {
			t.Errorf("demo has no published item of %v", c.(map[string]any)["label"])
		}
	}
	if _, err := http.Get("http://" + d.http + "/openapi.json"); err != nil {
		t.Fatal(err)
	}
}

func TestSecondProcessFailsAtOnce(t *testing.T) {
	dir := t.TempDir()
	startDaemon(t, dir)
	cmd := exec.Command(binary, "--data-dir", dir, "--grpc-addr", freeAddr(t), "--http-addr", freeAddr(t))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("second powerregd on the same data dir succeeded")
		}
	case <-time.After(30 * time.Second): // a generous bound on a loaded machine; it takes about one second
		cmd.Process.Kill()
		t.Fatal("second powerregd did not give up")
	}
	if !strings.Contains(stderr.String(), "in use by another powerregd") || !strings.Contains(stderr.String(), "另一个") {
		t.Fatalf("unclear message: %s", stderr.String())
	}
}

func TestGracefulShutdownKeepsData(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, "--demo")
	before := d.getJSON(t, "/v1/catalog/stats")
	d.stop(t)
	after := startDaemon(t, dir, "--demo").getJSON(t, "/v1/catalog/stats")
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if !bytes.Equal(b1, b2) {
		t.Fatalf("catalogue changed across a restart with --demo:\n%s\n%s", b1, b2)
	}
}

func TestBootstrapTokenFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "admin.token")
	d := startDaemon(t, dir)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no bootstrap token file: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("token file mode %v, want 0600", mode)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(string(raw))
	if secret == "" {
		t.Fatal("empty token file")
	}
	if code, body := d.get(t, "/v1/tokens", secret); code != 200 {
		t.Fatalf("ListTokens with the bootstrap token: %d %s", code, body)
	}
	if code, _ := d.get(t, "/v1/tokens", ""); code != 401 {
		t.Fatalf("ListTokens without a token: %d", code)
	}
	d.stop(t)
	logged := d.stderr.String()
	if !strings.Contains(logged, path) {
		t.Fatalf("the log does not name %s:\n%s", path, logged)
	}
	if strings.Contains(logged, secret) {
		t.Fatal("the log contains the token")
	}

	// A second start keeps the file and makes no second admin token.
	d = startDaemon(t, dir)
	code, body := d.get(t, "/v1/tokens", secret)
	if code != 200 {
		t.Fatalf("ListTokens after a restart: %d %s", code, body)
	}
	var list struct {
		Tokens []struct{ Name string }
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Tokens) != 1 || list.Tokens[0].Name != "tokens/admin" {
		t.Fatalf("tokens after a restart: %s", body)
	}
	d.stop(t)
	again, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, raw) || !again.ModTime().Equal(info.ModTime()) {
		t.Fatal("a second start rewrote the token file")
	}
	if strings.Contains(d.stderr.String(), "admin token") {
		t.Fatalf("a second start speaks of a new admin token:\n%s", d.stderr)
	}

	// Deleting the file once it has served does not bring a new one.
	os.Remove(path)
	startDaemon(t, dir).stop(t)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a start with tokens wrote a token file: %v", err)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and localhost
// and its key into dir; the client trusts it.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, client *http.Client) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "powerregd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return certFile, keyFile, &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func TestTLS(t *testing.T) {
	certFile, keyFile, client := writeCert(t, t.TempDir())
	d := launch(t, t.TempDir(), "https", client, "--tls-cert", certFile, "--tls-key", keyFile, "--demo")
	if code, body := d.get(t, "/healthz", ""); code != 200 || string(body) != "ok\n" {
		t.Fatalf("healthz over HTTPS: %d %q", code, body)
	}
	// REST reaches gRPC through the gateway's in-process connection.
	if cats := d.getJSON(t, "/v1/catalog/stats")["categories"].([]any); len(cats) != 10 {
		t.Fatalf("stats over HTTPS has %d categories", len(cats))
	}
	if r, err := http.Get("http://" + d.http + "/healthz"); err == nil {
		r.Body.Close()
		if r.StatusCode == 200 {
			t.Fatal("plain HTTP answered on the TLS port")
		}
	}
	d.stop(t)
	if strings.Contains(d.stderr.String(), "without TLS") {
		t.Fatalf("plaintext warning with TLS:\n%s", d.stderr)
	}
}

func TestPlaintextWarning(t *testing.T) {
	_, port, _ := net.SplitHostPort(freeAddr(t))
	d := startDaemon(t, t.TempDir(), "--grpc-addr", "0.0.0.0:"+port) // the last --grpc-addr counts
	d.getJSON(t, "/v1/catalog/stats")
	d.stop(t)
	if !strings.Contains(d.stderr.String(), "level=WARN") || !strings.Contains(d.stderr.String(), "--tls-cert") {
		t.Fatalf("no plaintext warning for 0.0.0.0:\n%s", d.stderr)
	}
}

// TestSingleSignOn accepts a JWT signed by a key of the --jwks file, with
// the configured issuer, audience and claims. The person behind the
// principal is the subject, whatever claim names the principal: it is
// recorded in the audit trail and as the creator of tokens; a subject that
// could pass for another name is refused naming the claim.
func TestSingleSignOn(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	if err := os.WriteFile(jwks, b, 0o644); err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	tokenOf := func(aud, sub string) string {
		tok, err := jwt.Signed(signer).Claims(map[string]any{"iss": "https://sso.example.gov.cn", "aud": aud, "sub": sub,
			"exp": time.Now().Add(time.Hour).Unix(), "uid": "zhang.san", "groups": []string{"admin"}}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	token := func(aud string) string { return tokenOf(aud, "u-1001") }
	d := startDaemon(t, t.TempDir(), "--jwks", jwks, "--jwt-issuer", "https://sso.example.gov.cn",
		"--jwt-audience", "powerreg", "--jwt-name-claim", "uid", "--jwt-roles-claim", "groups")
	if code, body := d.get(t, "/v1/tokens", token("powerreg")); code != 200 {
		t.Fatalf("ListTokens with an SSO admin token: %d %s", code, body)
	}
	code, body := d.get(t, "/v1/tokens", token("another-app"))
	if code != 401 || !strings.Contains(string(body), "wrong audience") {
		t.Fatalf("SSO token for another audience: %d %s", code, body)
	}
	// A token the SSO admin creates records the person behind it; so does
	// the audit trail.
	req, _ := http.NewRequest("POST", d.base+"/v1/tokens?token_id=reviewer-li", strings.NewReader(`{"roles":["reviewer"],"holder":"李四"}`))
	req.Header.Set("Authorization", "Bearer "+token("powerreg"))
	resp, err := d.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	created, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(created), `"creator":"sso:zhang.san"`) ||
		!strings.Contains(string(created), `"creatorHolder":"sso:u-1001"`) || !strings.Contains(string(created), `"holder":"李四"`) {
		t.Fatalf("a token created by an SSO admin: %d %s", resp.StatusCode, created)
	}
	code, body = d.get(t, "/v1/auditEvents?holder=sso:u-1001", token("powerreg"))
	var events struct {
		AuditEvents []struct{ Principal, Holder, Method string } `json:"auditEvents"`
	}
	if err := json.Unmarshal(body, &events); code != 200 || err != nil || len(events.AuditEvents) != 1 ||
		events.AuditEvents[0].Principal != "sso:zhang.san" || events.AuditEvents[0].Holder != "sso:u-1001" {
		t.Fatalf("audit events of holder sso:u-1001: %d %s", code, body)
	}
	// Look-alike subjects.
	for sub, char := range map[string]string{"admin\u200b": "U+200B", "\u202eadmin": "U+202E"} {
		code, body := d.get(t, "/v1/tokens", tokenOf("powerreg", sub))
		if code != 401 || !strings.Contains(string(body), `claim \"sub\"`) || !strings.Contains(string(body), char) {
			t.Errorf("subject %q: %d %s", sub, code, body)
		}
	}
	d.stop(t)
	if !strings.Contains(d.stderr.String(), "principal=sso:zhang.san") {
		t.Fatalf("the SSO user is not logged:\n%s", d.stderr)
	}
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	certFile, _, _ := writeCert(t, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--jwks", filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"--jwt-issuer", "https://sso.example.gov.cn"}, "--jwks"},
		{[]string{"--tls-cert", certFile}, "--tls-key"},
	} {
		args := append([]string{"--data-dir", t.TempDir(), "--grpc-addr", freeAddr(t), "--http-addr", freeAddr(t)}, c.args...)
		out, err := exec.Command(binary, args...).CombinedOutput()
		if err == nil {
			t.Errorf("%v: started", c.args)
			continue
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("%v: output does not name %s:\n%s", c.args, c.want, out)
		}
	}
}
