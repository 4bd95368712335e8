package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"syscall"
	"testing"

	"github.com/powerreg/powerreg/server"
)

// BenchmarkCachedPage serves a portal list page from the response cache
// to a minimal HTTP/1.1 client on one kept-alive loopback connection, one
// request at a time: the server's whole path (net/http, the middleware
// chain, the cache, the writes) with a client that costs little besides
// its two system calls. Pages of about 20 KB and 50 KB, identity and gzip;
// cpu-ns/op is the CPU time of the whole process (server and client) per
// request:
//
//	go test ./server -run '^$' -bench CachedPage -benchmem -count 5
func BenchmarkCachedPage(b *testing.B) {
	old := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	defer slog.SetDefault(old)
	srv, err := server.New(server.Config{DataDir: b.TempDir(), GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Region: "430400"})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	publishNew(b, srv.Registry(), "gtzyj", 200)
	for _, c := range []struct {
		name, path, header string
	}{
		{"20KB-identity", "/v1/catalog/items?page_size=19", ""},
		{"20KB-gzip", "/v1/catalog/items?page_size=19", "Accept-Encoding: gzip\r\n"},
		{"50KB-identity", "/v1/catalog/items?page_size=47", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			conn, err := net.Dial("tcp", srv.HTTPAddr())
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			req := []byte("GET " + c.path + " HTTP/1.1\r\nHost: bench\r\n" + c.header + "\r\n")
			br := bufio.NewReaderSize(conn, 64<<10)
			get := func() (int, error) {
				if _, err := conn.Write(req); err != nil {
					return 0, err
				}
				return readAnswer(br)
			}
			if _, err := get(); err != nil { // renders the page into the cache
				b.Fatal(err)
			}
			n := 0
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				if n, err = get(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(n), "body-bytes")
		})
	}
}

// cpuTime is the CPU time the process has used, user and system, in
// nanoseconds. Per request it varies less than ns/op on a shared
// machine, where a request also waits for the processor.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// readAnswer reads a 200 answer with a Content-Length and returns the
// length of its body.
func readAnswer(br *bufio.Reader) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return 0, fmt.Errorf("answer %q", line)
	}
	n := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return 0, err
			}
		}
	}
	if n < 0 {
		return 0, fmt.Errorf("no Content-Length")
	}
	_, err = br.Discard(n)
	return n, err
}
