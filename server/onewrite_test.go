package server_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/powerreg/powerreg/server"
)

// A catalogue answer leaves in one write, header and body, whatever its
// size: rendered (a miss) or from the cache, identity or gzip, GET or
// HEAD, 200 or 304; the connection stays usable for the next request and
// the bodies are those of an ordinary client's reads.
func TestCatalogAnswerOneWrite(t *testing.T) {
	dir := t.TempDir()
	srv, err := server.New(server.Config{DataDir: dir, GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Region: "430400"})
	if err != nil {
		t.Fatal(err)
	}
	writes := server.CountHTTPWrites(srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	publishNew(t, srv.Registry(), "gtzyj", 60)
	base := "http://" + srv.HTTPAddr()
	e := &env{t: t, dir: dir}

	conn, err := net.Dial("tcp", srv.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	do := func(method, path string, header ...string) (*http.Response, []byte, int64) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		before := writes(conn.LocalAddr().String())
		if err := req.Write(conn); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body, writes(conn.LocalAddr().String()) - before
	}

	for _, path := range []string{
		"/v1/catalog/items?page_size=1",  // about 1 KB: fits net/http's buffer
		"/v1/catalog/items?page_size=19", // about 20 KB
		"/v1/catalog/items?page_size=50", // about 50 KB
	} {
		want := fetch(t, "GET", base+path).wantCode(t, 200) // an ordinary client, on a connection of its own
		for _, c := range []struct {
			what    string
			method  string
			header  []string
			code    int
			gzipped bool
		}{
			{"GET", "GET", nil, 200, false},
			{"GET again", "GET", nil, 200, false},
			{"GET with gzip", "GET", []string{"Accept-Encoding", "gzip"}, 200, true},
			{"HEAD", "HEAD", nil, 200, false},
			{"If-None-Match", "GET", []string{"If-None-Match", want.header.Get("ETag")}, 304, false},
			{"GET with a token", "GET", []string{"Authorization", "Bearer " + e.adminSecret()}, 200, false},
		} {
			resp, body, n := do(c.method, path, c.header...)
			if resp.StatusCode != c.code {
				t.Fatalf("%s %s: HTTP %d, want %d", c.what, path, resp.StatusCode, c.code)
			}
			if n != 1 {
				t.Errorf("%s %s (%d bytes): %d writes, want 1", c.what, path, len(want.body), n)
			}
			switch {
			case c.code == 304 || c.method == "HEAD":
				if len(body) != 0 {
					t.Errorf("%s %s: a body of %d bytes", c.what, path, len(body))
				}
			case c.gzipped && resp.Header.Get("Content-Encoding") == "gzip":
				if !bytes.Equal(gunzip(t, body), want.body) {
					t.Errorf("%s %s: the body differs from an ordinary read's", c.what, path)
				}
			case !bytes.Equal(body, want.body):
				t.Errorf("%s %s: the body differs from an ordinary read's", c.what, path)
			}
		}
	}
}
