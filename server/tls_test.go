package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
)

// tlsCert writes a self-signed certificate for 127.0.0.1, ::1 and
// localhost and its key into dir; pool trusts it.
func tlsCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "powerreg test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return certFile, keyFile, pool
}

// serveTLSTest starts a server with cfg (data dir and loopback ports
// filled in) and stops it when the test ends.
func serveTLSTest(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.GRPCAddr == "" {
		cfg.GRPCAddr = "127.0.0.1:0"
	}
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = "127.0.0.1:0"
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return srv
}

func TestTLSServesBothPorts(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := tlsCert(t, t.TempDir())
	srv := serveTLSTest(t, server.Config{DataDir: dir, TLSCert: certFile, TLSKey: keyFile})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// gRPC over TLS, trusting the certificate.
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool})))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cats, err := pb.NewRegistryServiceClient(conn).ListCategories(ctx, &pb.ListCategoriesRequest{})
	if err != nil {
		t.Fatalf("ListCategories over TLS: %v", err)
	}
	if len(cats.GetCategories()) == 0 {
		t.Fatal("no categories")
	}

	// A plaintext gRPC client is turned away.
	plain, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	short, cancelShort := context.WithTimeout(ctx, 3*time.Second)
	defer cancelShort()
	if _, err := pb.NewRegistryServiceClient(plain).ListCategories(short, &pb.ListCategoriesRequest{}); err == nil {
		t.Fatal("a plaintext gRPC client was served by a TLS server")
	}

	// REST over HTTPS: served by the gateway through its loopback TLS
	// connection to the gRPC port, credentials included.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := "https://" + srv.HTTPAddr()
	get := func(path, token string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		r, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer r.Body.Close()
		body, _ := io.ReadAll(r.Body)
		return r.StatusCode, body
	}
	for _, path := range []string{"/openapi.json", "/v1/catalog/stats", "/healthz"} {
		code, body := get(path, "")
		if code != 200 {
			t.Fatalf("GET %s over HTTPS: %d %s", path, code, body)
		}
		if path != "/healthz" && !json.Valid(body) {
			t.Fatalf("GET %s: not JSON: %s", path, body)
		}
	}
	admin, err := os.ReadFile(filepath.Join(dir, server.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get("/v1/tokens", strings.TrimSpace(string(admin))); code != 200 {
		t.Fatalf("ListTokens over HTTPS with the admin token: %d %s", code, body)
	}
	if code, _ := get("/v1/tokens", ""); code != 401 {
		t.Fatalf("ListTokens over HTTPS without a token: %d", code)
	}

	// A client that does not trust the certificate fails; plain HTTP to
	// the HTTPS port is not served.
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
	if r, err := http.Get("http://" + srv.HTTPAddr() + "/healthz"); err == nil {
		r.Body.Close()
		if r.StatusCode == 200 {
			t.Fatal("plain HTTP served on the TLS port")
		}
	}
}

func TestTLSConfigErrors(t *testing.T) {
	certFile, keyFile, _ := tlsCert(t, t.TempDir())
	otherCert, _, _ := tlsCert(t, t.TempDir())
	for _, c := range []struct {
		name      string
		cert, key string
		want      []string
	}{
		{"cert without key", certFile, "", []string{"--tls-key"}},
		{"key without cert", "", keyFile, []string{"--tls-cert"}},
		{"missing file", filepath.Join(t.TempDir(), "none.pem"), keyFile, []string{"none.pem"}},
		{"key of another certificate", otherCert, keyFile, []string{otherCert, keyFile}},
	} {
		_, err := server.New(server.Config{DataDir: t.TempDir(), GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
			TLSCert: c.cert, TLSKey: c.key})
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not name %s", c.name, err, w)
			}
		}
	}
}

// logBuffer is a buffer the server's goroutines may log to while a test
// reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// captureLog sends slog's default logger to a buffer until the test ends.
func captureLog(t *testing.T) *logBuffer {
	t.Helper()
	buf := &logBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return buf
}

func TestPlaintextWarning(t *testing.T) {
	certFile, keyFile, pool := tlsCert(t, t.TempDir())
	for _, c := range []struct {
		grpc, http string
		tls, warn  bool
	}{
		{"0.0.0.0:0", "127.0.0.1:0", false, true},
		{"127.0.0.1:0", ":0", false, true},
		{"127.0.0.1:0", "127.0.0.1:0", false, false},
		{"localhost:0", "127.0.0.1:0", false, false},
		{"0.0.0.0:0", ":0", true, false},
	} {
		t.Run(c.grpc+" "+c.http, func(t *testing.T) {
			buf := captureLog(t)
			cfg := server.Config{GRPCAddr: c.grpc, HTTPAddr: c.http}
			if c.tls {
				cfg.TLSCert, cfg.TLSKey = certFile, keyFile
			}
			srv := serveTLSTest(t, cfg)
			if c.tls {
				// The gateway reaches a gRPC port bound to every interface.
				_, port, _ := net.SplitHostPort(srv.HTTPAddr())
				client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
				r, err := client.Get("https://127.0.0.1:" + port + "/v1/catalog/stats")
				if err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
				if r.StatusCode != 200 {
					t.Fatalf("stats over HTTPS: %d", r.StatusCode)
				}
			}
			logged := buf.String()
			warned := strings.Contains(logged, "level=WARN") && strings.Contains(logged, "without TLS") &&
				strings.Contains(logged, "--tls-cert")
			if warned != c.warn {
				t.Fatalf("warned %v, want %v:\n%s", warned, c.warn, logged)
			}
		})
	}
}
