package server_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
)

// A gRPC client that opens a huge flow-control window, asks for many large
// pages and then reads nothing made the server hold every answer (grpc-go
// queues them without a bound per connection) until keepalive gave up on
// the connection: ~200 MB from one anonymous connection. Now a write that
// the client does not accept within --write-timeout closes the connection,
// and the answers queued for it are freed.
func TestStalledGRPCReaderCutOff(t *testing.T) {
	const stall = time.Second
	e := startLimits(t, server.Limits{WriteTimeout: stall})
	publishBig(t, e, 300) // a page of them is about 3 MB

	before := heapInUse()
	// A receive buffer of a few KB: the kernel holds little for us.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	conn, err := d.Dial("tcp", e.srv.GRPCAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const calls = 20
	if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	must0(t, fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1<<31 - 1}))
	must0(t, fr.WriteSettingsAck())
	must0(t, fr.WriteWindowUpdate(0, 1<<31-1-65535))
	msg, _ := proto.Marshal(&pb.ListCatalogItemsRequest{PageSize: 500})
	body := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(msg)))
	body = append(body, msg...)
	for i := range calls {
		var hb bytes.Buffer
		enc := hpack.NewEncoder(&hb)
		for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":authority", "localhost"},
			{":path", "/powerreg.v1.CatalogService/ListCatalogItems"}, {"content-type", "application/grpc"}, {"te", "trailers"}} {
			enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
		}
		id := uint32(2*i + 1)
		must0(t, fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndHeaders: true}))
		must0(t, fr.WriteData(id, true, body))
	}

	// Read nothing for a few times the stall, then everything there is:
	// the server must have closed the connection (EOF or reset), not kept
	// it open with the rest of the answers.
	time.Sleep(5 * stall)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, err := io.Copy(io.Discard, conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server kept the connection of a client that read nothing for %v (read %d bytes afterwards)", 5*stall, n)
	}
	if n >= calls*3<<20 {
		t.Errorf("read %d bytes: all the answers were sent, none were dropped", n)
	}
	// The answers queued for the connection are freed.
	var after uint64
	for range 50 {
		if after = heapInUse(); after < before+32<<20 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if after >= before+32<<20 {
		t.Errorf("heap in use %d MB after the connection was cut, %d MB before", after>>20, before>>20)
	}
	// The server goes on serving others.
	if _, err := e.cat.GetCatalogStats(as(""), &pb.GetCatalogStatsRequest{}); err != nil {
		t.Fatal(err)
	}
}

func must0(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
