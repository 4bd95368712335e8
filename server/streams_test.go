package server_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/registry"
)

// Streams: imports, watches and slow clients,
// over real loopback sockets through the real interceptor chain.

// startLimits runs a server with limits, like start.
func startLimits(t *testing.T, limits server.Limits) *env {
	t.Helper()
	dir := t.TempDir()
	srv, err := server.New(server.Config{DataDir: dir, GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Region: "430400", Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{t: t, dir: dir, srv: srv, base: "http://" + srv.HTTPAddr(), shutdown: make(chan error, 1)}
	go func() { e.shutdown <- srv.Serve(ctx) }()
	e.conn = dial(t, srv.GRPCAddr())
	e.reg, e.cat = pb.NewRegistryServiceClient(e.conn), pb.NewCatalogServiceClient(e.conn)
	e.stop = func() {
		cancel()
		if err := <-e.shutdown; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(e.stop)
	current = e
	return e
}

// dial is a client connection whose windows stay at 64 KiB (no BDP
// growth), so that a client that stops reading soon stops the server.
func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<10))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// publishBig publishes n items of about 10 KB each into a new department
// in one publication: n changes sharing one revision.
func publishBig(t *testing.T, e *env, n int) {
	t.Helper()
	svc := e.srv.Registry()
	if _, err := svc.CreateDepartment("admin", registry.Department{ID: "big", DisplayName: "市国土资源局"}, ""); err != nil {
		t.Fatal(err)
	}
	var rows []registry.ImportRow
	for i := range n {
		c := fxContent(fmt.Sprintf("对非法占用土地的处罚 %d", i), registry.CategoryPenalty)
		c.Remark = strings.Repeat("备注", 1700)
		rows = append(rows, registry.ImportRow{Item: registry.ItemInput{Content: c}})
	}
	res, err := svc.ImportItems(fxClerk, registry.ImportInput{Department: "big", Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	publishItems(t, svc, "big", res.Items)
}

// waitWatches waits until the server holds n long-lived streams.
func waitWatches(t *testing.T, e *env, n int) {
	t.Helper()
	for i := 0; e.srv.OpenWatches() != n; i++ {
		if i > 600 {
			t.Fatalf("the server holds %d watches, want %d", e.srv.OpenWatches(), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A watcher that stops reading in the middle of a large publication is
// cut off (WATCH_TOO_SLOW), and resuming from the position of the last
// change it received gives exactly the rest: no change lost, none twice.
func TestSlowWatchResumesFromPosition(t *testing.T) {
	const n = 300
	e := startLimits(t, server.Limits{WatchBufferBytes: 1, WatchSendTimeout: 100 * time.Millisecond})
	publishBig(t, e, n)
	want := map[string]bool{}
	var order []string
	for tok := ""; ; {
		resp := must(e.cat.ListCatalogChanges(context.Background(), &pb.ListCatalogChangesRequest{PageSize: 1000, PageToken: tok}))
		for _, c := range resp.Changes {
			want[c.Position] = true
			order = append(order, c.Position)
		}
		if tok = resp.NextPageToken; tok == "" {
			break
		}
	}
	if len(order) != n || len(want) != n {
		t.Fatalf("the feed has %d changes (%d positions), want %d", len(order), len(want), n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := must(e.cat.WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{}))
	var got []string
	for range 5 {
		got = append(got, must(stream.Recv()).Change.Position)
	}
	waitWatches(t, e, 0) // not reading: cut off
	var cut error
	for {
		m, err := stream.Recv()
		if err != nil {
			cut = err
			break
		}
		got = append(got, m.Change.Position)
	}
	st := wantStatus(t, cut, codes.ResourceExhausted, registry.ReasonWatchTooSlow)
	if len(got) >= n {
		t.Fatalf("the slow watcher got all %d changes before the cut (%s)", len(got), st.Message())
	}
	cutAt := len(got)

	// Resume after the last position received.
	stream = must(e.cat.WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{StartPosition: got[len(got)-1]}))
	for len(got) < n {
		got = append(got, must(stream.Recv()).Change.Position)
	}
	cancel()
	for i, p := range got {
		if p != order[i] {
			t.Fatalf("change %d: position %s, want %s (cut after %d)", i, p, order[i], cutAt)
		}
	}
	if !strings.HasPrefix(got[0], strings.Split(got[n-1], ".")[0]+".") {
		t.Fatalf("positions %s … %s: not one publication", got[0], got[n-1])
	}
	t.Logf("cut off after %d of %d changes of one revision, resumed from %s", cutAt, n, got[cutAt-1])

	// A list resumes from a position too; a position that is not one is
	// refused naming start_position.
	rest := must(e.cat.ListCatalogChanges(context.Background(), &pb.ListCatalogChangesRequest{StartPosition: order[n-3]}))
	if len(rest.Changes) != 2 || rest.Changes[0].Position != order[n-2] || rest.Changes[1].Position != order[n-1] {
		t.Fatalf("list after %s: %v", order[n-3], rest.Changes)
	}
	_, err := e.cat.ListCatalogChanges(context.Background(), &pb.ListCatalogChangesRequest{StartPosition: "12"})
	st = wantStatus(t, err, codes.InvalidArgument, registry.ReasonInvalidFields)
	if f := fieldViolations(st); len(f) != 1 || f[0] != "start_position" {
		t.Fatalf("fields %v", f)
	}
}

// The client's WatchChanges (powerctl changes watch) goes on by itself
// after a cut-off, from the last position: every change once, in order.
func TestClientWatchResumesAfterCut(t *testing.T) {
	const n = 300
	e := startLimits(t, server.Limits{WatchBufferBytes: 1, WatchSendTimeout: 100 * time.Millisecond})
	publishBig(t, e, n)
	c, err := client.Dial(e.srv.GRPCAddr(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	all, _, err := c.Changes(context.Background(), client.FeedStart{})
	if err != nil || len(all) != n {
		t.Fatalf("the feed: %d changes, %v", len(all), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []string
	var cuts []error
	err = c.WatchChanges(ctx, client.FeedStart{}, func(ch *pb.CatalogChange) error {
		got = append(got, ch.GetPosition())
		if len(got) == 5 && len(cuts) == 0 {
			waitWatches(t, e, 0) // stop reading until the server cut the watch off
		}
		if len(got) == n {
			cancel()
		}
		return nil
	}, func(why error) { cuts = append(cuts, why) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("watch ended with %v", err)
	}
	if len(cuts) == 0 || status.Code(cuts[0]) != codes.ResourceExhausted || !strings.Contains(cuts[0].Error(), "start_position") {
		t.Fatalf("reconnections: %v", cuts)
	}
	for i, ch := range all {
		if got[i] != ch.GetPosition() {
			t.Fatalf("change %d: %s, want %s", i, got[i], ch.GetPosition())
		}
	}
}

// Watches are bounded per client address and in total, gRPC health
// watches counting with the change feed's; over the bound a watch is
// refused with RESOURCE_EXHAUSTED TOO_MANY_WATCHES, and a place is free
// again once a watch ends.
func TestWatchLimits(t *testing.T) {
	e := startLimits(t, server.Limits{MaxWatchesPerAddress: 3, MaxWatches: 4})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	health := grpcHealthWatch(t, ctx, e.conn)
	one, cancelOne := context.WithCancel(ctx)
	w1 := must(e.cat.WatchCatalogChanges(one, &pb.WatchCatalogChangesRequest{}))
	must(w1.Header())
	w2 := must(e.cat.WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{}))
	must(w2.Header())
	waitWatches(t, e, 3)
	_ = health

	over := must(e.cat.WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{}))
	_, err := over.Recv()
	st := wantStatus(t, err, codes.ResourceExhausted, registry.ReasonTooManyWatches)
	if !strings.Contains(st.Message(), "--max-watches-per-address") {
		t.Fatalf("message %q does not name the limit", st.Message())
	}
	// The REST watch comes from the same address.
	r := e.rest("", "GET", "/v1/catalog/changes:watch", "")
	if r.Code != 429 || !strings.Contains(r.Raw, registry.ReasonTooManyWatches) {
		t.Fatalf("REST watch over the limit: %d %s", r.Code, r.Raw)
	}
	// A health watch over the limit is refused too.
	hs := must(grpcHealthClient(e.conn).Watch(ctx, healthReq()))
	_, err = hs.Recv()
	wantStatus(t, err, codes.ResourceExhausted, registry.ReasonTooManyWatches)

	cancelOne()
	waitWatches(t, e, 2)
	w3 := must(e.cat.WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{}))
	must(w3.Header())
	waitWatches(t, e, 3)

	// In total: another address (the gateway's metadata cannot be forged,
	// so a second loopback address stands for another client).
	other := dialFrom(t, e.srv.GRPCAddr(), "127.0.0.2")
	o1 := must(pb.NewCatalogServiceClient(other).WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{}))
	must(o1.Header())
	waitWatches(t, e, 4)
	o2 := must(pb.NewCatalogServiceClient(other).WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{}))
	_, err = o2.Recv()
	st = wantStatus(t, err, codes.ResourceExhausted, registry.ReasonTooManyWatches)
	if !strings.Contains(st.Message(), "--max-watches)") {
		t.Fatalf("message %q does not name the total limit", st.Message())
	}
}

// Many watchers that never read are cut off; the heap they leave is
// bounded while their clients stay connected, and back to where it was
// once they are gone (heap in use after a GC: RSS is not given back to
// the system at once, by design of the Go runtime).
func TestSilentWatchersMemory(t *testing.T) {
	const watchers = 100
	e := startLimits(t, server.Limits{WatchBufferBytes: 64 << 10, WatchSendTimeout: 200 * time.Millisecond,
		MaxWatchesPerAddress: watchers, MaxWatches: watchers, MaxConnectionsPerAddress: 100})
	publishBig(t, e, 300) // ~3 MB of changes per watcher
	before := heapInUse()

	ctx, cancel := context.WithCancel(context.Background())
	var conns []*grpc.ClientConn
	for i := range watchers {
		if i%25 == 0 {
			c, err := grpc.NewClient(e.srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<10))
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		s := must(pb.NewCatalogServiceClient(conns[len(conns)-1]).WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{}))
		must(s.Header())
	}
	waitWatches(t, e, 0) // every one cut off
	during := heapInUse()
	cancel()
	for _, c := range conns {
		c.Close()
	}
	time.Sleep(200 * time.Millisecond) // the server notices the closed connections
	after := heapInUse()
	t.Logf("heap in use: %d MB before, %d MB with %d silent watchers cut off, %d MB after they left",
		before>>20, during>>20, watchers, after>>20)
	// Without a bound, each watcher held its batch of 100 changes of
	// ~10 KB and their encoded messages: 100 watchers ≈ 200 MB and more.
	if during > before+64<<20 {
		t.Fatalf("heap in use grew from %d MB to %d MB with %d silent watchers", before>>20, during>>20, watchers)
	}
	if after > before+16<<20 {
		t.Fatalf("heap in use %d MB after the watchers left, %d MB before", after>>20, before>>20)
	}
}

// A watcher that does not read holds, until it is cut off, about two
// send buffers (the changes read for it and those queued), not a page
// of up to 3 MiB: with the default --max-watches of 1000, silent watchers
// from enough addresses would otherwise hold gigabytes for
// --watch-send-timeout, and again after every reconnection.
func TestSilentWatcherHoldsAboutItsBuffer(t *testing.T) {
	const watchers, buffer = 50, 64 << 10
	e := startLimits(t, server.Limits{WatchBufferBytes: buffer, WatchSendTimeout: time.Minute,
		MaxWatchesPerAddress: watchers, MaxWatches: watchers, MaxConnectionsPerAddress: 100})
	publishBig(t, e, 300) // 300 changes of ~10 KB
	before := heapInUse()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var conns []*grpc.ClientConn
	for i := range watchers {
		if i%25 == 0 {
			conns = append(conns, dial(t, e.srv.GRPCAddr()))
		}
		s := must(pb.NewCatalogServiceClient(conns[len(conns)-1]).WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{}))
		must(s.Header())
	}
	waitWatches(t, e, watchers)
	time.Sleep(time.Second) // each fills what it may hold, then waits
	during := heapInUse()
	if e.srv.OpenWatches() != watchers {
		t.Fatalf("%d of %d watchers were cut off before the measure", watchers-e.srv.OpenWatches(), watchers)
	}
	per := (int64(during) - int64(before)) / watchers
	t.Logf("heap in use: %d MB before, %d MB with %d silent watchers: %d KB each (buffer %d KB)",
		before>>20, during>>20, watchers, per>>10, buffer>>10)
	// Reading a batch of 100 changes ahead held ~1 MB each.
	if per > 8*buffer {
		t.Fatalf("a silent watcher holds %d KB, over 8 × its %d KB buffer", per>>10, buffer>>10)
	}
	cancel()
	waitWatches(t, e, 0)

	// Over REST, through the gateway's loopback connection, the same.
	before = heapInUse()
	for range watchers {
		c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(netip.MustParseAddrPort(e.srv.HTTPAddr())))
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadBuffer(4 << 10)
		t.Cleanup(func() { c.Close() })
		if _, err := c.Write([]byte("GET /v1/catalog/changes:watch HTTP/1.1\r\nHost: registry\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	waitWatches(t, e, watchers)
	time.Sleep(time.Second)
	during = heapInUse()
	per = (int64(during) - int64(before)) / watchers
	t.Logf("REST: heap in use: %d MB before, %d MB with %d silent watchers: %d KB each", before>>20, during>>20, watchers, per>>10)
	if per > 8*buffer {
		t.Fatalf("a silent REST watcher holds %d KB, over 8 × its %d KB buffer", per>>10, buffer>>10)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// An import is refused at its first row that breaks a size limit, before
// the rest of the stream is held: many rows with 10 MiB fields leave the
// heap bounded and nothing in the store.
func TestImportRefusedAtFirstOversizedRow(t *testing.T) {
	e := startLimits(t, server.Limits{MaxRequestBytes: 12 << 20})
	ctx := as("clerk")
	must(e.reg.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj", Department: &pb.Department{DisplayName: "市国土资源局"}}))
	before := heapInUse()
	stream := must(e.reg.ImportItems(ctx))
	huge := strings.Repeat("法", 10<<20/3) // 10 MiB of text
	must(0, stream.Send(&pb.ImportItemsRequest{Parent: "departments/gtzyj", Rows: []*pb.ImportRow{
		{Item: &pb.Item{DisplayName: "对非法占用土地的处罚", Category: pb.Category_CATEGORY_PENALTY}}}}))
	const rows = 30 // 300 MB if held
	sent := 1
	var err error
	for ; sent < rows; sent++ {
		err = stream.Send(&pb.ImportItemsRequest{Rows: []*pb.ImportRow{{Item: &pb.Item{DisplayName: fmt.Sprintf("事项 %d", sent),
			Category: pb.Category_CATEGORY_PENALTY, Remark: huge}}}})
		if err != nil {
			break // the server ended the stream
		}
	}
	peak := heapInUse() // the stream still open on the client's side
	_, err = stream.CloseAndRecv()
	st := wantStatus(t, err, codes.InvalidArgument, registry.ReasonInvalidFields)
	// The remark's length, and the item's encoded size (1 MiB at most).
	if f := fieldViolations(st); strings.Join(f, " ") != "rows[1].item.remark rows[1].item" {
		t.Fatalf("fields %v (%s)", f, st.Message())
	}
	t.Logf("refused after %d messages sent: %s; heap in use %d MB → %d MB", sent, st.Message(), before>>20, peak>>20)
	if sent == rows {
		t.Fatalf("the server read all %d rows of 10 MiB before refusing", rows)
	}
	// 30 rows of 10 MiB held would be 300 MB; a few messages in flight
	// are tens of MB.
	if peak > before+100<<20 {
		t.Fatalf("heap in use grew from %d MB to %d MB", before>>20, peak>>20)
	}
	items := must(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/gtzyj"}))
	if len(items.Items) != 0 {
		t.Fatalf("%d items written by a refused import", len(items.Items))
	}
}

// An import's rows are bounded in bytes as a whole: past the budget the
// stream is refused with RESOURCE_EXHAUSTED IMPORT_TOO_LARGE naming the
// row, and nothing is written; content problems of earlier rows do not
// stop the stream and are reported together, by row.
func TestImportBudgetAndProblems(t *testing.T) {
	e := startLimits(t, server.Limits{MaxImportBytes: 20 << 10})
	ctx := as("clerk")
	must(e.reg.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj", Department: &pb.Department{DisplayName: "市国土资源局"}}))
	row := func(i int, cat pb.Category) *pb.ImportRow {
		return &pb.ImportRow{Item: &pb.Item{DisplayName: fmt.Sprintf("事项 %d", i), Category: cat, Remark: strings.Repeat("备", 300)}}
	}
	send := func(rows []*pb.ImportRow) error {
		stream := must(e.reg.ImportItems(ctx))
		for i, r := range rows {
			req := &pb.ImportItemsRequest{Rows: []*pb.ImportRow{r}}
			if i == 0 {
				req.Parent = "departments/gtzyj"
			}
			if err := stream.Send(req); err != nil {
				break
			}
		}
		_, err := stream.CloseAndRecv()
		return err
	}
	var rows []*pb.ImportRow
	for i := range 40 { // ~37 KB
		rows = append(rows, row(i, pb.Category_CATEGORY_PENALTY))
	}
	st := wantStatus(t, send(rows), codes.ResourceExhausted, registry.ReasonImportTooLarge)
	f := fieldViolations(st)
	if len(f) != 1 || !strings.HasPrefix(f[0], "rows[") || !strings.Contains(st.Message(), "--max-import-bytes") {
		t.Fatalf("fields %v, message %s", f, st.Message())
	}

	// Two rows without a category, within the budget: both reported.
	rows = []*pb.ImportRow{row(0, 0), row(1, pb.Category_CATEGORY_PENALTY), row(2, 0)}
	st = wantStatus(t, send(rows), codes.InvalidArgument, registry.ReasonInvalidFields)
	if f := fieldViolations(st); strings.Join(f, " ") != "rows[0].item.category rows[2].item.category" {
		t.Fatalf("fields %v", f)
	}
	items := must(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/gtzyj"}))
	if len(items.Items) != 0 {
		t.Fatalf("%d items written by refused imports", len(items.Items))
	}
}

// Imports running at once are bounded: one more waits --import-wait for
// a place, then is refused with RESOURCE_EXHAUSTED TOO_MANY_IMPORTS (not
// RATE_LIMITED), and a place is free again when one ends.
func TestConcurrentImportsBounded(t *testing.T) {
	e := startLimits(t, server.Limits{MaxConcurrentImports: 2, ImportWait: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(as("clerk"))
	defer cancel()
	must(e.reg.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj", Department: &pb.Department{DisplayName: "市国土资源局"}}))
	n := 0
	open := func() pb.RegistryService_ImportItemsClient {
		s := must(e.reg.ImportItems(ctx))
		n++ // another item each time: the same one again would be a duplicate
		must(0, s.Send(&pb.ImportItemsRequest{Parent: "departments/gtzyj", Rows: []*pb.ImportRow{
			{Item: &pb.Item{DisplayName: fmt.Sprint("对非法占用土地的处罚", n), Category: pb.Category_CATEGORY_PENALTY}}}}))
		return s
	}
	// Three at once: one is refused after the wait (whichever reached the
	// server last); the other two run.
	streams := []pb.RegistryService_ImportItemsClient{open(), open(), open()}
	ended := make(chan int, len(streams))
	for i, s := range streams {
		go func() { s.Header(); ended <- i }() // returns when the server ends the call
	}
	var first int
	select {
	case first = <-ended:
	case <-time.After(30 * time.Second):
		t.Fatal("three imports are running at once; the limit is two")
	}
	_, err := streams[first].CloseAndRecv()
	st := wantStatus(t, err, codes.ResourceExhausted, registry.ReasonTooManyImports)
	if !strings.Contains(st.Message(), "--max-concurrent-imports") {
		t.Fatalf("message %q", st.Message())
	}
	for i, s := range streams {
		if i == first {
			continue
		}
		if r, err := s.CloseAndRecv(); err != nil || r.RowCount != 1 {
			t.Fatalf("import %d: %v %v", i, r, err)
		}
	}
	if r, err := open().CloseAndRecv(); err != nil || r.RowCount != 1 {
		t.Fatalf("an import after the others ended: %v %v", r, err)
	}
}

// An import over the bound waits for a place: it runs as soon as one
// ends (many departments import small lists at once).
func TestImportWaitsForAPlace(t *testing.T) {
	e := startLimits(t, server.Limits{MaxConcurrentImports: 1, ImportWait: time.Minute})
	ctx := as("clerk")
	must(e.reg.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj", Department: &pb.Department{DisplayName: "市国土资源局"}}))
	open := func(name string) pb.RegistryService_ImportItemsClient {
		s := must(e.reg.ImportItems(ctx))
		must(0, s.Send(&pb.ImportItemsRequest{Parent: "departments/gtzyj", Rows: []*pb.ImportRow{
			{Item: &pb.Item{DisplayName: name, Category: pb.Category_CATEGORY_PENALTY}}}}))
		return s
	}
	first := open("对非法占用土地的处罚")
	second := open("对非法转让土地的处罚")
	done := make(chan error, 1)
	go func() { _, err := second.CloseAndRecv(); done <- err }()
	if r, err := first.CloseAndRecv(); err != nil || r.RowCount != 1 {
		t.Fatalf("first import: %v %v", r, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the import that waited for a place: %v", err)
	}
	if items := must(e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/gtzyj"})); len(items.Items) != 2 {
		t.Fatalf("%d items, want 2", len(items.Items))
	}
}

func grpcHealthClient(c *grpc.ClientConn) healthpb.HealthClient { return healthpb.NewHealthClient(c) }

func healthReq() *healthpb.HealthCheckRequest { return &healthpb.HealthCheckRequest{} }

// grpcHealthWatch opens a health watch and waits for its first answer.
func grpcHealthWatch(t *testing.T, ctx context.Context, c *grpc.ClientConn) healthpb.Health_WatchClient {
	t.Helper()
	s := must(grpcHealthClient(c).Watch(ctx, healthReq()))
	must(s.Recv())
	return s
}

// dialFrom is a client connection from the local address ip.
func dialFrom(t *testing.T, addr, ip string) *grpc.ClientConn {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) { return d.DialContext(ctx, "tcp", a) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Behind a trusted reverse proxy (an Envoy or nginx grpc_pass that adds
// X-Forwarded-For), the watch limit per address applies to each forwarded
// client, not to the proxy that carries them all: else the proxy's eighth
// client would be refused. A client's own X-Forwarded-For is trusted only
// from a trusted proxy.
func TestWatchLimitsBehindTrustedProxy(t *testing.T) {
	proxy := netip.MustParsePrefix("127.0.0.2/32")
	e := startLimits(t, server.Limits{MaxWatchesPerAddress: 2, MaxWatches: 100, TrustedProxies: []netip.Prefix{proxy}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cat := pb.NewCatalogServiceClient(dialFrom(t, e.srv.GRPCAddr(), "127.0.0.2"))
	watch := func(client string) error {
		md := metadata.Pairs("x-forwarded-for", client+", 127.0.0.2")
		w, err := cat.WatchCatalogChanges(metadata.NewOutgoingContext(ctx, md), &pb.WatchCatalogChangesRequest{})
		if err != nil {
			return err
		}
		_, err = w.Header()
		if err == nil {
			// A refused watch ends at once; an accepted one waits.
			recv := make(chan error, 1)
			go func() { _, err := w.Recv(); recv <- err }()
			select {
			case err = <-recv:
			case <-time.After(200 * time.Millisecond):
			}
		}
		return err
	}
	for i := range 5 {
		if err := watch(fmt.Sprintf("10.0.0.%d", i+1)); err != nil {
			t.Fatalf("client %d behind the proxy: %v", i+1, err)
		}
	}
	waitWatches(t, e, 5)
	must(0, watch("10.0.0.1"))
	st := wantStatus(t, watch("10.0.0.1"), codes.ResourceExhausted, registry.ReasonTooManyWatches)
	if !strings.Contains(st.Message(), "10.0.0.1") {
		t.Fatalf("the refusal does not name the forwarded client: %s", st.Message())
	}
	// From an untrusted address, X-Forwarded-For is ignored: its own
	// address counts.
	other := pb.NewCatalogServiceClient(dialFrom(t, e.srv.GRPCAddr(), "127.0.0.3"))
	for i := range 3 {
		md := metadata.Pairs("x-forwarded-for", fmt.Sprintf("10.0.1.%d", i))
		w := must(other.WatchCatalogChanges(metadata.NewOutgoingContext(ctx, md), &pb.WatchCatalogChangesRequest{}))
		if i < 2 {
			must(w.Header())
			continue
		}
		_, err := w.Recv()
		st := wantStatus(t, err, codes.ResourceExhausted, registry.ReasonTooManyWatches)
		if !strings.Contains(st.Message(), "127.0.0.3") {
			t.Fatalf("an untrusted caller's forwarded address was believed: %s", st.Message())
		}
	}
}

// A REST watcher that does not read is cut off (WATCH_TOO_SLOW) as a gRPC
// one is. HTTP/1 has no flow control but TCP's, and the kernel's
// autotuning let a silent client's socket take megabytes (here the whole
// feed, 11 MB as JSON) while the server encoded all of it and never cut
// the watcher off: 480 silent REST watchers held 1 GB of socket buffers
// and most of a core, for as long as they stayed. The watch's socket now
// has a send buffer of about --watch-buffer-bytes, and the gateway's
// loopback stream a fixed window, so what waits for the client stays in
// the watch's bounded buffer until it is cut off.
func TestSilentRESTWatcherCutOff(t *testing.T) {
	const buffer, changes = 64 << 10, 1000
	e := startLimits(t, server.Limits{WatchBufferBytes: buffer, WatchSendTimeout: time.Second})
	publishBig(t, e, changes) // ~10 KB each
	// A small receive buffer, set before connecting as a hostile client
	// would (it sets the window the connection starts with).
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10) })
	}}
	c, err := d.Dial("tcp", e.srv.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /v1/catalog/changes:watch HTTP/1.1\r\nHost: registry\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	waitWatches(t, e, 1)
	time.Sleep(4 * time.Second) // silent, well past --watch-send-timeout
	// Then read what was sent, until nothing more comes.
	var got []byte
	buf := make([]byte, 64<<10)
	for {
		c.SetReadDeadline(time.Now().Add(time.Second))
		k, err := c.Read(buf)
		got = append(got, buf[:k]...)
		if err != nil {
			break
		}
	}
	n := strings.Count(string(got), `"position"`)
	t.Logf("a silent REST watcher was sent %d KB, %d of %d changes", len(got)>>10, n, changes)
	if !strings.Contains(string(got), registry.ReasonWatchTooSlow) {
		t.Fatalf("a REST watcher that read nothing for 4 s was not cut off (watch send timeout 1s): it was sent %d of %d changes, %d KB",
			n, changes, len(got)>>10)
	}
	// The socket's send buffer (2 × 64 KB as Linux counts it), the
	// client's small receive buffer and one change: a few hundred KB.
	if len(got) > 1<<20 {
		t.Fatalf("a watcher that read nothing was sent %d KB (%d changes) before it was cut off", len(got)>>10, n)
	}
}
