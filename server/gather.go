package server

// One write per cached answer.
//
// net/http writes an answer through a 4 KiB buffer, so an answer larger
// than that leaves in two writes at least (the buffer, holding the header
// and the body's start, then the rest). Over TCP each write is sent at
// once (Go sets TCP_NODELAY) and the client is woken for each; a profile
// of a 20 KB catalogue page served from the cache under wrk had over half
// of the server's time in these two writes. So while the HTTP layer
// writes a cached answer, the connection gathers the writes and sends
// them in one: the header (copied) and the cached body (not copied: it
// is immutable, and sent before the handler returns), with writev.

import (
	"net"
	"net/http"
	"sync"
)

// gatherWrites wraps the connections l accepts in gatherConns.
func gatherWrites(l net.Listener) net.Listener { return &gatherListener{l} }

type gatherListener struct{ net.Listener }

func (l *gatherListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &gatherConn{Conn: c}, nil
}

// gatherConn is an HTTP connection that can hold what is written to it
// and send it in one write. It is not safe for concurrent writes while
// holding: only an HTTP/1 answer holds (gatherer), and net/http writes
// an HTTP/1 connection from the goroutine serving its request only.
type gatherConn struct {
	net.Conn
	g *gathered // non-nil while holding
}

// gathered is what a held answer wrote.
type gathered struct {
	body    []byte      // the answer's body: written from where it lies
	buf     []byte      // copies of the other writes (the header)
	out     net.Buffers // what to send, in order
	sending net.Buffers // out, as WriteTo consumes it
	from    int         // buf[from:] is not in out yet
}

var gatheredPool = sync.Pool{New: func() any { return &gathered{buf: make([]byte, 0, 1024)} }}

// hold gathers the writes until send; body is the answer's body, which
// must not change until send returns.
func (c *gatherConn) hold(body []byte) {
	c.g = gatheredPool.Get().(*gathered)
	c.g.body = body
}

func (c *gatherConn) Write(p []byte) (int, error) {
	g := c.g
	if g == nil {
		return c.Conn.Write(p)
	}
	// net/http writes a body larger than its buffer straight through, so
	// the body's tail comes as a slice of it.
	if n := len(g.body) - len(p); len(p) > 0 && n >= 0 && &g.body[n] == &p[0] {
		g.cut()
		g.out = append(g.out, p)
	} else {
		g.buf = append(g.buf, p...) // the caller may reuse p
	}
	return len(p), nil
}

// cut moves the copies not yet in out there.
func (g *gathered) cut() {
	if len(g.buf) > g.from {
		g.out = append(g.out, g.buf[g.from:])
		g.from = len(g.buf)
	}
}

// maxKeptCopies bounds the copy buffer kept for reuse.
const maxKeptCopies = 64 << 10

// send writes what was held, with one system call on a TCP connection
// (writev). A failed write closes the connection: net/http saw the held
// writes succeed, and must not read another request from a connection
// whose answer was cut.
func (c *gatherConn) send() {
	g := c.g
	c.g = nil
	g.cut()
	var err error
	if tc := tcpConnOf(c.Conn); tc != nil {
		g.sending = g.out
		_, err = g.sending.WriteTo(tc)
	} else {
		var one []byte
		for _, b := range g.out {
			one = append(one, b...)
		}
		_, err = c.Conn.Write(one)
	}
	if err != nil {
		c.Conn.Close()
	}
	clear(g.out)
	g.body, g.out, g.sending, g.from = nil, g.out[:0], nil, 0
	if cap(g.buf) <= maxKeptCopies {
		g.buf = g.buf[:0]
		gatheredPool.Put(g)
	}
}

// gatherer is the connection of r when r is an HTTP/1 request on a
// gatherConn (not TLS: a tls.Conn writes records, from buffers of its
// own, over it), else nil.
func gatherer(r *http.Request) *gatherConn {
	if r.ProtoMajor != 1 {
		return nil
	}
	c, _ := r.Context().Value(connKey{}).(*gatherConn)
	return c
}
