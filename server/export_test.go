package server

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// CloseSearch closes a server's search index, as if it were lost: the
// server is then not ready.
func CloseSearch(s *Server) { s.search.Close() }

// NewCatalogCache is the HTTP layer's catalogue cache in front of next,
// at the catalogue revision catalog returns.
func NewCatalogCache(next http.Handler, catalog func() (int64, error)) http.Handler {
	return &httpLayer{next: next, catalog: catalog, cache: newResponseCache(DefaultCatalogCacheBytes), stamp: "test"}
}

// SearchRevisionHeader is the header that carries a search answer's
// index revision to the HTTP layer.
const SearchRevisionHeader = searchRevisionHeader

// CountHTTPWrites counts the writes made to each HTTP connection s
// accepts (call it before Serve); it returns the counts, by the client's
// address.
func CountHTTPWrites(s *Server) func(clientAddr string) int64 {
	gl := s.httpLis.(*gatherListener)
	cl := &countingListener{Listener: gl.Listener}
	gl.Listener = cl
	return func(addr string) int64 {
		cl.mu.Lock()
		defer cl.mu.Unlock()
		if c := cl.conns[addr]; c != nil {
			return c.writes.Load()
		}
		return -1
	}
}

type countingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[string]*countingConn
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	cc := &countingConn{Conn: c}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns == nil {
		l.conns = map[string]*countingConn{}
	}
	l.conns[c.RemoteAddr().String()] = cc
	return cc, nil
}

type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}
