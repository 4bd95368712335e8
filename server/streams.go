package server

// Streams: what long-lived calls may hold. Imports hold their rows until
// the stream ends, watches (the change feed's and gRPC health's) hold a
// goroutine and a send buffer for as long as the client stays, and gRPC
// connections hold streams. Each is bounded here; see README "Streams,
// imports and slow clients".

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// gate counts what is held at once, in total and per key (a client
// address); a zero bound means none.
type gate struct {
	mu     sync.Mutex
	max    int // in total
	perKey int
	total  int
	byKey  map[string]int
}

func newGate(max, perKey int) *gate { return &gate{max: max, perKey: perKey, byKey: map[string]int{}} }

// acquire takes a place for key, or reports that none is left.
func (g *gate) acquire(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.max > 0 && g.total >= g.max || g.perKey > 0 && g.byKey[key] >= g.perKey {
		return false
	}
	g.total++
	g.byKey[key]++
	return true
}

// await takes a place for key, waiting up to wait for one to be given
// back; it reports whether it got one.
func (g *gate) await(ctx context.Context, key string, wait time.Duration) bool {
	if g.acquire(key) {
		return true
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond) // places are given back often; polling keeps the gate simple
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if g.acquire(key) {
				return true
			}
		case <-deadline.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// full reports whether the total is taken (rather than key's share).
func (g *gate) full() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.max > 0 && g.total >= g.max
}

func (g *gate) release(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total--
	if g.byKey[key]--; g.byKey[key] <= 0 {
		delete(g.byKey, key) // the map does not grow with every address ever seen
	}
}

// held is how many places are taken, for tests and metrics.
func (g *gate) held() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.total
}

func exhausted(reason, zh, en string, meta map[string]string) error {
	return &registry.Error{Class: registry.ClassResourceExhausted, Reason: reason, Message: zh + " / " + en, Metadata: meta}
}

func tooManyImports(max int, waited time.Duration) error {
	return exhausted(registry.ReasonTooManyImports,
		fmt.Sprintf("服务器正在进行 %d 个导入（上限 --max-concurrent-imports），等待 %s 后仍无空位，请稍后重试", max, waited),
		fmt.Sprintf("the server is running %d imports, its limit (--max-concurrent-imports), and none ended within %s; retry in a minute", max, waited),
		map[string]string{"max_concurrent_imports": strconv.Itoa(max)})
}

// recvWithin returns stream's Recv, ending the stream with IMPORT_IDLE
// when the client sends nothing for idle (0: no limit). An import holds a
// place of --max-concurrent-imports and its rows: a client that stopped
// sending, its connection still answering pings, would hold them for good.
// A goroutine receives (one message ahead at most); it ends with the
// stream, which ends when the handler returns.
func recvWithin(stream pb.RegistryService_ImportItemsServer, idle time.Duration) func() (*pb.ImportItemsRequest, error) {
	if idle <= 0 {
		return stream.Recv
	}
	type received struct {
		req *pb.ImportItemsRequest
		err error
	}
	next := make(chan received)
	go func() {
		for {
			req, err := stream.Recv()
			select {
			case next <- received{req, err}:
			case <-stream.Context().Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	timer := time.NewTimer(idle)
	return func() (*pb.ImportItemsRequest, error) {
		timer.Reset(idle)
		select {
		case r := <-next:
			return r.req, r.err
		case <-timer.C:
			return nil, exhausted(registry.ReasonImportIdle,
				fmt.Sprintf("导入流 %s 内没有收到任何数据（--read-timeout），已断开，未导入任何内容；请重新导入", idle),
				fmt.Sprintf("the import stream sent nothing for %s (--read-timeout) and was cut off; nothing was imported: import again", idle),
				map[string]string{"read_timeout": idle.String()})
		}
	}
}

// The methods whose streams last as long as the client stays: each holds
// a place of the watch gate.
var watchMethods = map[string]bool{
	"/powerreg.v1.CatalogService/WatchCatalogChanges":                true,
	"/grpc.health.v1.Health/Watch":                                   true,
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      true,
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": true,
}

// watchSlot takes a place of the watch gate for a call of method from
// addr; release gives it back.
func (a *access) watchSlot(method, addr string) (release func(), err error) {
	if !watchMethods[method] || a.watches == nil {
		return func() {}, nil
	}
	g := a.watches
	if !g.acquire(addr) {
		a.metrics.Limited("watches")
		if g.full() {
			return nil, exhausted(registry.ReasonTooManyWatches,
				fmt.Sprintf("服务器已有 %d 个订阅流（上限 --max-watches），请稍后重试", g.max),
				fmt.Sprintf("the server holds %d watch streams, its limit (--max-watches); retry later", g.max),
				map[string]string{"limit": "server", "max_watches": strconv.Itoa(g.max)})
		}
		return nil, exhausted(registry.ReasonTooManyWatches,
			fmt.Sprintf("来源地址 %s 已有 %d 个订阅流（上限 --max-watches-per-address）；请先关闭不用的订阅", addr, g.perKey),
			fmt.Sprintf("the address %s already holds %d watch streams, its limit (--max-watches-per-address); close the ones not in use", addr, g.perKey),
			map[string]string{"limit": "address", "max_watches_per_address": strconv.Itoa(g.perKey)})
	}
	return func() { g.release(addr) }, nil
}

// sendQueue sends a watch's messages from a goroutine of its own, holding
// at most max bytes of them (one message always fits) while the client is
// slow to read; a client that takes longer than timeout to make room is
// cut off with WATCH_TOO_SLOW (it resumes from the position of the last
// change it received). Without it, a client that never reads would block
// the watch in Send while its batch, its encoded messages and the
// transport's buffers stay held.
type sendQueue struct {
	send    func(proto.Message) error
	max     int
	timeout time.Duration

	mu     sync.Mutex
	queue  []proto.Message
	sizes  []int
	bytes  int
	err    error         // the sender's, once it failed
	room   chan struct{} // signalled when the sender took a message or failed
	ready  chan struct{} // signalled when a message was queued
	closed bool
	done   chan struct{} // closed when the sender has stopped
}

func newSendQueue(send func(proto.Message) error, max int, timeout time.Duration) *sendQueue {
	q := &sendQueue{send: send, max: max, timeout: timeout,
		room: make(chan struct{}, 1), ready: make(chan struct{}, 1), done: make(chan struct{})}
	go q.run()
	return q
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// put queues m, waiting for room at most the timeout.
func (q *sendQueue) put(ctx context.Context, m proto.Message) error {
	size := proto.Size(m)
	var timer *time.Timer
	for {
		q.mu.Lock()
		if q.err != nil {
			err := q.err
			q.mu.Unlock()
			return err
		}
		if len(q.queue) == 0 || q.bytes+size <= q.max {
			q.queue = append(q.queue, m)
			q.sizes = append(q.sizes, size)
			q.bytes += size
			q.mu.Unlock()
			signal(q.ready)
			return nil
		}
		q.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(q.timeout)
			defer timer.Stop()
		}
		select {
		case <-q.room:
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return q.tooSlow()
		}
	}
}

func (q *sendQueue) tooSlow() error {
	return exhausted(registry.ReasonWatchTooSlow,
		fmt.Sprintf("客户端读取过慢（%s 内未能接收已缓存的变更），订阅已断开；请从收到的最后一条变更的位置（position）起重新订阅", q.timeout),
		fmt.Sprintf("the client read too slowly (the changes held for it were not taken within %s) and the watch was cut off; "+
			"watch again from the position of the last change received (start_position)", q.timeout),
		map[string]string{"watch_send_timeout": q.timeout.String(), "watch_buffer_bytes": strconv.Itoa(q.max)})
}

// run sends the queued messages in order until close or a failed send.
func (q *sendQueue) run() {
	defer close(q.done)
	for {
		q.mu.Lock()
		for len(q.queue) == 0 {
			if q.closed {
				q.mu.Unlock()
				return
			}
			q.mu.Unlock()
			<-q.ready
			q.mu.Lock()
		}
		m := q.queue[0]
		q.mu.Unlock()
		err := q.send(m)
		q.mu.Lock()
		if len(q.queue) > 0 && q.queue[0] == m { // not dropped by stop meanwhile
			q.queue[0] = nil
			q.queue, q.bytes = q.queue[1:], q.bytes-q.sizes[0]
			q.sizes = q.sizes[1:]
		}
		if err != nil {
			q.err = err
			q.mu.Unlock()
			signal(q.room)
			return
		}
		q.mu.Unlock()
		signal(q.room)
	}
}

// flush waits until every queued message is sent, sending failed or the
// timeout passed, and stops the sender; it returns the sender's error, or
// WATCH_TOO_SLOW.
func (q *sendQueue) flush(ctx context.Context) error {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	signal(q.ready)
	select {
	case <-q.done:
	case <-time.After(q.timeout):
		q.stop()
		return q.tooSlow()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.err
}

// stop drops what is queued: the sender ends after the send in progress.
func (q *sendQueue) stop() {
	q.mu.Lock()
	q.closed = true
	for i := range q.queue {
		q.queue[i] = nil
	}
	q.queue, q.sizes, q.bytes = nil, nil, 0
	q.mu.Unlock()
	signal(q.ready)
}

// limitConns is l accepting at most perAddr connections at once from one
// client address (an IPv6 client's /64, clientKey); trusted proxies (which
// carry many clients) are not counted. A connection over the limit is
// closed at once.
func limitConns(l net.Listener, perAddr int, trusted []netip.Prefix, refused func()) net.Listener {
	if perAddr <= 0 {
		return l
	}
	return &connLimiter{Listener: l, gate: newGate(0, perAddr), trusted: trusted, refused: refused}
}

type connLimiter struct {
	net.Listener
	gate    *gate
	trusted []netip.Prefix
	refused func()
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := peerAddr(c.RemoteAddr().String())
		if isTrusted(addr, l.trusted) {
			return c, nil
		}
		addr = clientKey(addr) // an IPv6 client's /64
		if !l.gate.acquire(addr) {
			c.Close()
			l.refused()
			continue
		}
		return &countedConn{Conn: c, release: sync.OnceFunc(func() { l.gate.release(addr) })}, nil
	}
}

type countedConn struct {
	net.Conn
	release func()
}

func (c *countedConn) Close() error {
	c.release()
	return c.Conn.Close()
}

// cutStalledWriters gives every write on l's connections a deadline of
// stall: a gRPC client that accepts none of what the server sends for that
// long (a client advertising a huge flow-control window, then not reading)
// has its connection closed, and the answers queued for it (grpc-go holds
// them in memory, without a bound per connection) are freed. A client
// that reads, however slowly, never waits that long on one write; an idle
// connection writes nothing. (net/http's WriteTimeout does this for REST.)
func cutStalledWriters(l net.Listener, stall time.Duration) net.Listener {
	if stall <= 0 {
		return l
	}
	return &stallListener{Listener: l, stall: stall}
}

type stallListener struct {
	net.Listener
	stall time.Duration
}

func (l *stallListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &stallConn{Conn: c, stall: l.stall}, nil
}

type stallConn struct {
	net.Conn
	stall time.Duration
}

func (c *stallConn) Write(p []byte) (int, error) {
	// Deadlines live in the runtime's poller: setting one costs no system call.
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.stall)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// grpc-go's writer stops at a write error but leaves the closing
		// to its reader, which waits for a client that sends nothing.
		c.Conn.Close()
	}
	return n, err
}

// pipeListener serves connections made in-process (dial): the gateway's
// own gRPC server listens on it, so that REST calls do not share the
// stream and connection limits of the public gRPC port (all REST calls,
// watches included, travel on the gateway's one connection).
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// The gateway's loopback connection's flow-control windows: a stream's
// bounds what the gateway holds for a REST caller that does not read; the
// connection's, shared by every REST call, is given back as data arrives,
// whoever reads it.
const (
	loopbackWindow     = 64 << 10
	loopbackConnWindow = 16 << 20
)

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "gateway" }

// grpcStreamLimits are the gRPC options bounding a public connection's
// streams.
func (l Limits) grpcStreamLimits() []grpc.ServerOption {
	return []grpc.ServerOption{grpc.MaxConcurrentStreams(l.GRPCMaxStreams)}
}
