package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

// fakeConn records what is written to it.
type fakeConn struct {
	net.Conn
	writes [][]byte
	fail   error
	closed bool
}

func (c *fakeConn) Write(p []byte) (int, error) {
	if c.fail != nil {
		return 0, c.fail
	}
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func (c *fakeConn) Close() error { c.closed = true; return nil }

// While holding, a gatherConn passes nothing on; send passes everything
// on in one write, in order. Other writes are copied (the caller reuses
// its buffer, as bufio does); the body's tail is sent from where it lies.
func TestGatherConn(t *testing.T) {
	fc := &fakeConn{}
	c := &gatherConn{Conn: fc}
	body := []byte(strings.Repeat("0123456789", 1000))
	scratch := []byte("HTTP/1.1 200 OK\r\n\r\n")
	header := string(scratch)
	c.hold(body)
	c.Write(scratch)
	copy(scratch, "XXXXXXXX") // reused by its owner
	c.Write(body[:4000])      // a copy of the body's start (net/http's buffer) is no tail
	c.Write(body[4000:])
	if len(fc.writes) != 0 {
		t.Fatalf("%d writes while holding", len(fc.writes))
	}
	if tail := c.g.out[len(c.g.out)-1]; &tail[0] != &body[4000] {
		t.Error("the body's tail was copied")
	}
	c.send()
	if len(fc.writes) != 1 {
		t.Fatalf("%d writes, want 1", len(fc.writes))
	}
	if got, want := string(fc.writes[0]), header+string(body); got != want {
		t.Fatalf("sent %d bytes %.40q…, want %d bytes %.40q…", len(got), got, len(want), want)
	}
	if c.g != nil {
		t.Fatal("still holding after send")
	}
	c.Write([]byte("next"))
	if len(fc.writes) != 2 || string(fc.writes[1]) != "next" {
		t.Fatalf("a write after send: %q", fc.writes[1:])
	}
	if fc.closed {
		t.Fatal("closed")
	}

	// A failed send closes the connection.
	fc.fail = errors.New("broken pipe")
	c.hold(body)
	c.Write(body)
	c.send()
	if !fc.closed {
		t.Error("a failed send left the connection open")
	}
}

// Over TCP, send writes the pieces with one writev; the peer reads them
// all, in order.
func TestGatherConnTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []byte, 1)
	go func() {
		s, err := l.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer s.Close()
		b, _ := io.ReadAll(s)
		got <- b
	}()
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := &gatherConn{Conn: &countedConn{Conn: raw, release: func() {}}}
	body := bytes.Repeat([]byte("行政权力"), 5000)
	c.hold(body)
	c.Write([]byte("head|"))
	c.Write(body[:100])
	c.Write([]byte("|"))
	c.Write(body[100:])
	c.send()
	c.Close()
	want := "head|" + string(body[:100]) + "|" + string(body[100:])
	if b := <-got; string(b) != want {
		t.Fatalf("the peer read %d bytes, want %d", len(b), len(want))
	}
}
