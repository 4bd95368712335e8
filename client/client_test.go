package client

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/audit"
)

// fakeAccess serves a fixed audit trail, newest first, two events a page
// (or fewer when asked), and remembers the authorization header of the last call.
type fakeAccess struct {
	pb.UnimplementedAccessServiceServer
	events []*pb.AuditEvent // newest first
	auth   chan string
}

func (f *fakeAccess) ListAuditEvents(ctx context.Context, req *pb.ListAuditEventsRequest) (*pb.ListAuditEventsResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	select {
	case f.auth <- strings.Join(md.Get("authorization"), ","):
	default:
	}
	if len(md.Get("x-powerreg-actor")) > 0 {
		return nil, status.Error(codes.InvalidArgument, "the actor header is gone")
	}
	start, _ := strconv.Atoi(req.GetPageToken())
	size := 2
	if req.GetPageSize() > 0 {
		size = min(size, int(req.GetPageSize()))
	}
	end := min(start+size, len(f.events))
	resp := &pb.ListAuditEventsResponse{AuditEvents: f.events[start:end]}
	if end < len(f.events) {
		resp.NextPageToken = strconv.Itoa(end)
	}
	return resp, nil
}

// chain is a whole audit chain of n records, oldest first.
func chain(n int) []*audit.Record {
	var out []*audit.Record
	prev := ""
	t := time.Date(2024, 5, 1, 8, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	for i := 1; i <= n; i++ {
		r := &audit.Record{Seq: uint64(i), Time: t.Add(time.Duration(i) * time.Second).UTC(), Principal: "clerk",
			Method: "/powerreg.v1.RegistryService/CreateItem", Resource: "departments/gtzyj", RequestID: "r" + strconv.Itoa(i),
			Outcome: "OK", Revision: int64(i), PrevHash: prev}
		if i == 3 {
			r.Outcome, r.Reason, r.Revision = "PERMISSION_DENIED", "FOUR_EYES", 0
		}
		r.Hash = r.Sum()
		prev = r.Hash
		out = append(out, r)
	}
	return out
}

// toEvent is what the server's ListAuditEvents returns for a record.
func toEvent(r *audit.Record) *pb.AuditEvent {
	return &pb.AuditEvent{Sequence: int64(r.Seq), Time: timestamppb.New(r.Time), Principal: r.Principal, Method: r.Method,
		Resource: r.Resource, RequestId: r.RequestID, Outcome: r.Outcome, Reason: r.Reason, Revision: r.Revision,
		PreviousHash: r.PrevHash, Hash: r.Hash}
}

// newestFirst returns the events of records, newest first.
func newestFirst(records []*audit.Record) []*pb.AuditEvent {
	var out []*pb.AuditEvent
	for i := len(records) - 1; i >= 0; i-- {
		out = append(out, toEvent(records[i]))
	}
	return out
}

// testCA makes a CA and a certificate it signs for 127.0.0.1, and writes
// the CA's certificate to a PEM file.
func testCA(t *testing.T) (caFile string, cert tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "powerreg test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "powerregd"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return caFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serve serves fake on a loopback port, over TLS when cert is given.
func serve(t *testing.T, fake *fakeAccess, cert *tls.Certificate) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var opts []grpc.ServerOption
	if cert != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{*cert}})))
	}
	s := grpc.NewServer(opts...)
	pb.RegisterAccessServiceServer(s, fake)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

func dial(t *testing.T, addr string, opts Options) *Client {
	t.Helper()
	c, err := Dial(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// --ca-cert turns on TLS trusting that CA; the token is sent as a bearer
// token; plaintext and untrusted connections fail.
func TestTLS(t *testing.T) {
	caFile, cert := testCA(t)
	fake := &fakeAccess{events: newestFirst(chain(3)), auth: make(chan string, 1)}
	addr := serve(t, fake, &cert)
	ctx := t.Context()

	c := dial(t, addr, Options{Token: "prt_secret", CACert: caFile})
	if _, err := c.AuditEvents(ctx, AuditFilter{}); err != nil {
		t.Fatalf("over TLS with the CA: %v", err)
	}
	if got := <-fake.auth; got != "Bearer prt_secret" {
		t.Errorf("authorization %q", got)
	}
	for name, opts := range map[string]Options{"plaintext": {}, "system roots": {TLS: true}} {
		_, err := dial(t, addr, opts).AuditEvents(ctx, AuditFilter{})
		if status.Code(err) != codes.Unavailable {
			t.Errorf("%s against a TLS server: %v, want UNAVAILABLE", name, err)
		}
	}
	plain := serve(t, fake, nil)
	if _, err := dial(t, plain, Options{CACert: caFile}).AuditEvents(ctx, AuditFilter{}); status.Code(err) != codes.Unavailable {
		t.Errorf("TLS against a plaintext server: %v, want UNAVAILABLE", err)
	}
	if _, err := dial(t, plain, Options{}).AuditEvents(ctx, AuditFilter{}); err != nil {
		t.Errorf("plaintext: %v", err)
	}

	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o644)
	for _, f := range []string{notPEM, filepath.Join(t.TempDir(), "missing.pem")} {
		if _, err := Dial(addr, Options{CACert: f}); err == nil || !strings.Contains(err.Error(), filepath.Base(f)) {
			t.Errorf("Dial with CA file %s: %v", f, err)
		}
	}
}

// AuditEvents reads every page, or the newest Limit events.
func TestAuditEvents(t *testing.T) {
	fake := &fakeAccess{events: newestFirst(chain(5))}
	c := dial(t, serve(t, fake, nil), Options{})
	all, err := c.AuditEvents(t.Context(), AuditFilter{})
	if err != nil || len(all) != 5 || all[0].GetSequence() != 5 || all[4].GetSequence() != 1 {
		t.Fatalf("all pages: %v %v", all, err)
	}
	some, err := c.AuditEvents(t.Context(), AuditFilter{Limit: 3})
	if err != nil || len(some) != 3 || some[0].GetSequence() != 5 {
		t.Errorf("limit 3: %v %v", some, err)
	}
}

// VerifyAudit recomputes the chain from the API's fields: whole, an edited
// record, a deleted record.
func TestVerifyAudit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func([]*audit.Record) []*audit.Record
		broken uint64
		n      int
	}{
		{"whole", func(r []*audit.Record) []*audit.Record { return r }, 0, 5},
		{"edited", func(r []*audit.Record) []*audit.Record { r[2].Principal = "someone"; return r }, 3, 5},
		{"edited time", func(r []*audit.Record) []*audit.Record { r[1].Time = r[1].Time.Add(time.Nanosecond); return r }, 2, 5},
		{"deleted", func(r []*audit.Record) []*audit.Record { return append(r[:1], r[2:]...) }, 2, 4},
		{"rehashed", func(r []*audit.Record) []*audit.Record { r[3].Reason = "X"; r[3].Hash = r[3].Sum(); return r }, 5, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeAccess{events: newestFirst(tc.change(chain(5)))}
			brk, n, err := dial(t, serve(t, fake, nil), Options{}).VerifyAudit(t.Context())
			if err != nil || n != tc.n {
				t.Fatalf("%d records, %v", n, err)
			}
			switch {
			case tc.broken == 0 && brk != nil:
				t.Errorf("a whole chain breaks: %+v", brk)
			case tc.broken != 0 && (brk == nil || brk.Seq != tc.broken):
				t.Errorf("break %+v, want at %d", brk, tc.broken)
			}
		})
	}
}
