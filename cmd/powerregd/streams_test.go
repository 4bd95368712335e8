package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// Streams over real sockets to the real binary.

// closedBy reports, on the returned channel, when the server closes c
// (whatever it answered before).
func closedBy(c net.Conn) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c)
		close(done)
	}()
	return done
}

// Only the real streaming routes, by exact method and path, stream past
// --read-timeout: a request body sent one byte at a time to a made-up
// …:watch path is cut off at the timeout, while the change feed's watch
// stays open past it and delivers the next publication.
func TestReadTimeoutOnlyForRealStreams(t *testing.T) {
	dir := t.TempDir()
	grpcAddr := freeAddr(t)
	d := startDaemon(t, dir, "--grpc-addr", grpcAddr, "--read-timeout", "1s", "--write-timeout", "1s", "--demo")

	// A slow body to a path that merely ends in :watch.
	const bodyLen = 200 // one byte per 100 ms: 20 s, far past the 1 s timeout
	slow, err := net.Dial("tcp", d.http)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	closed := closedBy(slow)
	if _, err := io.WriteString(slow, "POST /v1/departments/x/items:watch HTTP/1.1\r\nHost: registry\r\n"+
		"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(bodyLen)+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	sent := 0
	for ; sent < bodyLen; sent++ {
		select {
		case <-closed:
		case <-time.After(100 * time.Millisecond):
			if _, err := slow.Write([]byte(" ")); err == nil {
				continue
			}
		}
		break
	}
	if sent == bodyLen {
		t.Fatalf("the server read a %d-byte body sent over %d s to a made-up :watch path: --read-timeout 1s was lifted", bodyLen, bodyLen/10)
	}
	t.Logf("slow body to a made-up :watch path: connection closed after %d bytes", sent)

	// The real watch, from the catalogue's current revision.
	feed := d.getJSON(t, "/v1/catalog/changes?page_size=1")
	current, _ := strconv.ParseInt(feed["currentRevision"].(string), 10, 64)
	w, err := net.Dial("tcp", d.http)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := io.WriteString(w, "GET /v1/catalog/changes:watch?start_revision="+strconv.FormatInt(current, 10)+
		" HTTP/1.1\r\nHost: registry\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(w)
	// (The gateway sends the answer's headers with the first change.)
	time.Sleep(2500 * time.Millisecond) // past both timeouts, idle

	// Publish the demo's approved batch as a publisher who touched none of it.
	raw, err := os.ReadFile(filepath.Join(dir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := client.Dial(grpcAddr, client.Options{Token: strings.TrimSpace(string(raw))})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	tok, err := admin.Access.CreateToken(ctx, &pb.CreateTokenRequest{TokenId: "publisher",
		Token: &pb.Token{Roles: []string{"publisher"}, Departments: []string{"departments/-"}}})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := client.Dial(grpcAddr, client.Options{Token: tok.GetSecret()})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	subs, err := pub.Registry.ListSubmissions(ctx, &pb.ListSubmissionsRequest{Parent: "departments/-", State: pb.Submission_STATE_APPROVED})
	if err != nil || len(subs.GetSubmissions()) == 0 {
		t.Fatalf("approved submissions of the demo: %v %v", subs, err)
	}
	if _, err := pub.Registry.CreatePublication(ctx, &pb.CreatePublicationRequest{
		Publication: &pb.Publication{Submissions: []string{subs.GetSubmissions()[0].GetName()}}}); err != nil {
		t.Fatal(err)
	}
	w.SetReadDeadline(time.Now().Add(30 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("watch: %q %v", line, err)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the watch ended past --read-timeout instead of delivering the publication: %v", err)
		}
		if strings.Contains(line, `"position"`) {
			t.Logf("watch open past the timeouts delivered: %.120s…", line)
			break
		}
	}
}

// gRPC streams are bounded: health watches count against
// --max-watches-per-address (the 20,000 of the report are refused past
// it), each connection advertises --grpc-max-streams, and one address may
// hold at most --max-connections-per-address connections.
func TestGRPCStreamAndConnectionLimits(t *testing.T) {
	grpcAddr := freeAddr(t)
	startDaemon(t, t.TempDir(), "--grpc-addr", grpcAddr, "--grpc-max-streams", "5",
		"--max-watches-per-address", "3", "--max-connections-per-address", "3")

	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	accepted, refused := 0, 0
	for range 10 {
		s, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
		if err == nil {
			_, err = s.Recv()
		}
		switch {
		case err == nil:
			accepted++
		case status.Code(err) == codes.ResourceExhausted && strings.Contains(err.Error(), "--max-watches-per-address"):
			refused++
		default:
			t.Fatalf("health watch: %v", err)
		}
	}
	if accepted != 3 || refused != 7 {
		t.Fatalf("health watches: %d accepted, %d refused; want 3 and 7", accepted, refused)
	}
	// The change feed's watch shares the address's bound.
	cw, err := pb.NewCatalogServiceClient(conn).WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{})
	if err == nil {
		_, err = cw.Recv()
	}
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), registry.ReasonTooManyWatches) &&
		!strings.Contains(err.Error(), "--max-watches-per-address") {
		t.Fatalf("a change feed watch past the bound: %v", err)
	}

	// The server's SETTINGS bound the streams of a connection.
	c2, settings := h2Conn(t, grpcAddr)
	defer c2.Close()
	if settings != 5 {
		t.Fatalf("SETTINGS_MAX_CONCURRENT_STREAMS %d, want 5", settings)
	}
	// Three connections from this address (conn, c2, c3); a fourth is
	// closed at once, without a byte.
	c3, _ := h2Conn(t, grpcAddr)
	c4, err := net.Dial("tcp", grpcAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c4.Close()
	c4.SetReadDeadline(time.Now().Add(30 * time.Second))
	if n, err := c4.Read(make([]byte, 1)); n != 0 || err == nil || os.IsTimeout(err) {
		t.Fatalf("a fourth connection from one address: read %d bytes, %v; want it closed", n, err)
	}
	// Closing one frees its place.
	c3.Close()
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", grpcAddr)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		c5, settings, ok := tryH2Conn(grpcAddr)
		if ok && settings == 5 {
			c5.Close()
			break
		}
		if i > 100 {
			t.Fatal("no connection accepted after one of three closed")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// h2Conn opens an HTTP/2 connection (the client preface and SETTINGS) and
// returns the server's SETTINGS_MAX_CONCURRENT_STREAMS.
func h2Conn(t *testing.T, addr string) (net.Conn, uint32) {
	t.Helper()
	c, n, ok := tryH2Conn(addr)
	if !ok {
		t.Fatalf("no HTTP/2 SETTINGS from %s", addr)
	}
	return c, n
}

func tryH2Conn(addr string) (net.Conn, uint32, bool) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, 0, false
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		c.Close()
		return nil, 0, false
	}
	fr := http2.NewFramer(c, c)
	if err := fr.WriteSettings(); err != nil {
		c.Close()
		return nil, 0, false
	}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			c.Close()
			return nil, 0, false
		}
		if s, ok := f.(*http2.SettingsFrame); ok && !s.IsAck() {
			v, _ := s.Value(http2.SettingMaxConcurrentStreams)
			fr.WriteSettingsAck()
			return c, v, true
		}
	}
}

// An import stream whose client stops sending is cut off at
// --read-timeout, as a REST body is: without it, a stream opened and
// never written is held for as long as the connection answers pings, and
// an import that stopped sending holds one of the --max-concurrent-imports
// places, and its rows, for good. Nothing of a cut import is written; the
// place it held serves the next import.
func TestStalledImportCutOff(t *testing.T) {
	dir := t.TempDir()
	grpcAddr := freeAddr(t)
	d := startDaemon(t, dir, "--grpc-addr", grpcAddr, "--read-timeout", "1s", "--max-concurrent-imports", "1", "--import-wait", "1s")
	raw, err := os.ReadFile(filepath.Join(dir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	admin, err := client.Dial(grpcAddr, client.Options{Token: strings.TrimSpace(string(raw))})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Registry.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}); err != nil {
		t.Fatal(err)
	}
	tok, err := admin.Access.CreateToken(ctx, &pb.CreateTokenRequest{TokenId: "clerk",
		Token: &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj"}}})
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := client.Dial(grpcAddr, client.Options{Token: tok.GetSecret()})
	if err != nil {
		t.Fatal(err)
	}
	defer clerk.Close()
	// ended waits for the server to end a stream the client keeps open.
	ended := func(what string, s grpc.ClientStream) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- s.RecvMsg(&pb.ImportItemsResponse{}) }()
		select {
		case err := <-done:
			st := status.Convert(err)
			reason := ""
			for _, d := range st.Details() {
				if info, ok := d.(*errdetails.ErrorInfo); ok {
					reason = info.GetReason()
				}
			}
			if st.Code() != codes.ResourceExhausted || reason != registry.ReasonImportIdle ||
				!strings.Contains(st.Message(), "--read-timeout") || !strings.Contains(st.Message(), "未导入") {
				t.Fatalf("%s: %v, want RESOURCE_EXHAUSTED %s naming --read-timeout in both languages", what, err, registry.ReasonImportIdle)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: the stream is still open 30 s past --read-timeout 1s", what)
		}
	}

	silent, err := clerk.Registry.ImportItems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stalled, err := clerk.Registry.ImportItems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stalled.Send(&pb.ImportItemsRequest{Parent: "departments/gtzyj", Rows: crashRows("stalled", 3)}); err != nil {
		t.Fatal(err)
	}
	ended("a stream never written", silent)
	ended("an import that stopped sending", stalled)

	items, err := clerk.Registry.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/gtzyj"})
	if err != nil || len(items.GetItems()) != 0 {
		t.Fatalf("a cut import wrote %d items (%v)", len(items.GetItems()), err)
	}
	// The one import place is free again.
	res, err := clerk.Import(ctx, crashRows("next", 2), client.ImportOptions{Parent: "departments/gtzyj"})
	if err != nil || len(res.GetItems()) != 2 {
		t.Fatalf("the import after a cut one: %v %v", res, err)
	}
	_ = d
}
