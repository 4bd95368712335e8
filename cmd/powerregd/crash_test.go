package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// Crash safety: a real powerregd is killed with SIGKILL in the
// middle of a large import and of a publication, restarted on the same
// data dir, and must hold each of them entirely or not at all, with
// everything acknowledged before the kill intact. Where the kill lands is
// timing and not asserted; the invariants hold wherever it lands.

const crashDept = "departments/crash"

// crashEnv is one data dir served by successive powerregd processes.
type crashEnv struct {
	t       *testing.T
	dir     string
	d       *daemon
	addr    string                    // gRPC address of the running process
	secrets map[string]string         // principal → token secret; tokens live in the store across restarts
	conns   map[string]*client.Client // of the running process
}

// newCrashEnv starts powerregd on a fresh data dir with an editor, a
// reviewer and a publisher (three principals: the four-eyes rule) and the
// department crashDept.
// It skips in -short mode: each crash test restarts powerregd several times.
func newCrashEnv(t *testing.T) *crashEnv {
	if testing.Short() {
		t.Skip("several restarts of powerregd with thousands of items")
	}
	e := &crashEnv{t: t, dir: t.TempDir(), secrets: map[string]string{}}
	e.start()
	raw, err := os.ReadFile(filepath.Join(e.dir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	e.secrets["admin"] = strings.TrimSpace(string(raw))
	ctx := context.Background()
	for _, p := range []struct{ name, role string }{{"clerk", "editor"}, {"reviewer", "reviewer"}, {"publisher", "publisher"}} {
		resp, err := e.as("admin").Access.CreateToken(ctx, &pb.CreateTokenRequest{TokenId: p.name,
			Token: &pb.Token{Roles: []string{p.role}, Departments: []string{"departments/-"}}})
		if err != nil {
			t.Fatalf("token for %s: %v", p.name, err)
		}
		e.secrets[p.name] = resp.GetSecret()
	}
	if _, err := e.as("admin").Registry.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: "crash",
		Department: &pb.Department{DisplayName: "市应急管理局", RegionCode: "430400"}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *crashEnv) start() {
	e.addr = freeAddr(e.t)
	e.d = startDaemon(e.t, e.dir, "--grpc-addr", e.addr) // the last --grpc-addr counts
	e.conns = map[string]*client.Client{}
}

// as is a client of the running process acting as principal.
func (e *crashEnv) as(principal string) *client.Client {
	if c := e.conns[principal]; c != nil {
		return c
	}
	c, err := client.Dial(e.addr, client.Options{Token: e.secrets[principal]})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	e.conns[principal] = c
	return c
}

// kill sends SIGKILL (at once, or from a timer while a call is in flight)
// and waits for the process to be gone.
func (e *crashEnv) kill() {
	e.d.cmd.Process.Signal(syscall.SIGKILL) // an error means it is already gone
	<-e.d.exited
	e.d.exited <- nil // for launch's cleanup
	for _, c := range e.conns {
		c.Close()
	}
	e.conns = nil
}

// killAfter kills the process after delay, from a timer, while a call is
// in flight; once the call has returned, stop ends the wait (kill follows).
func (e *crashEnv) killAfter(delay time.Duration) (stop func()) {
	p := e.d.cmd.Process
	timer := time.AfterFunc(delay, func() { p.Signal(syscall.SIGKILL) })
	return func() { timer.Stop() }
}

// fileSize is the size of the store's file: a kill that leaves it grown
// but the call's data absent came while bbolt was writing the commit.
func (e *crashEnv) fileSize() int64 {
	info, err := os.Stat(filepath.Join(e.dir, "powerreg.db"))
	if err != nil {
		e.t.Fatal(err)
	}
	return info.Size()
}

// restart checks the data dir of the killed process and starts a new one.
func (e *crashEnv) restart() {
	checkDataDir(e.t, e.dir)
	e.start()
	e.verifyAudit()
}

// checkDataDir runs `powerregd check --data-dir DIR`, which must find
// nothing wrong.
func checkDataDir(t *testing.T, dir string) {
	t.Helper()
	out, err := exec.Command(binary, "check", "--data-dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("powerregd check after the kill: %v\n%s", err, out)
	}
}

// killSearch chooses when to kill a call, closing in on the moment it
// commits: each kill halves the interval in which the commit lies (later
// after a kill that left nothing, earlier after one that left it all), so
// that later kills land ever closer to the commit, inside the transaction
// or just after it. Until a call has been seen committed, the interval
// grows: the first guess may be short on a loaded machine.
type killSearch struct {
	lo, hi  time.Duration
	bounded bool // a kill at hi left the call committed
}

// newKillSearch starts around guess, how long such a call took.
func newKillSearch(guess time.Duration) *killSearch { return &killSearch{hi: 2 * guess} }

func (k *killSearch) next() time.Duration { return (k.lo + k.hi) / 2 }

// landed records what a kill at delay left: the call committed or not.
func (k *killSearch) landed(delay time.Duration, committed bool) {
	switch {
	case committed:
		k.hi, k.bounded = delay, true
	case k.bounded:
		k.lo = delay
	default:
		k.lo, k.hi = delay, max(k.hi, 2*delay)
	}
}

// verifyAudit checks the hash chain of the audit trail.
func (e *crashEnv) verifyAudit() {
	brk, n, err := e.as("admin").VerifyAudit(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if brk != nil {
		e.t.Fatalf("audit chain broken after %d records: %+v", n, brk)
	}
}

// items returns every item of crashDept by name.
func (e *crashEnv) items() map[string]*pb.Item {
	list, err := e.as("clerk").Items(context.Background(), crashDept, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*pb.Item{}
	for _, it := range list {
		out[it.GetName()] = it
	}
	return out
}

// crashRows are n import rows whose display names start with tag; every
// tenth row is a sub-item of the row before it.
func crashRows(tag string, n int) []*pb.ImportRow {
	rows := make([]*pb.ImportRow, n)
	for i := range rows {
		rows[i] = &pb.ImportRow{Item: &pb.Item{DisplayName: fmt.Sprintf("%s-%05d 对违反安全生产规定的处罚", tag, i),
			Category: pb.Category_CATEGORY_PENALTY, LegalBases: []*pb.LegalBasis{{Level: pb.LegalBasis_LEVEL_LAW,
				Title: "《中华人民共和国安全生产法》", Article: fmt.Sprintf("第%d条", 90+i%20), Text: "生产经营单位未按照规定……的，责令限期改正。"}}}}
		if i%10 == 9 {
			rows[i].MainItem = rows[i-1].GetItem().GetDisplayName()
		}
	}
	return rows
}

// importStream sends rows in chunks of 500; afterChunk runs after each one
// is sent (with how many are sent), beforeClose before CloseAndRecv.
func importStream(ctx context.Context, c *client.Client, rows []*pb.ImportRow, afterChunk func(int), beforeClose func()) (*pb.ImportItemsResponse, error) {
	stream, err := c.Registry.ImportItems(ctx)
	if err != nil {
		return nil, err
	}
	const size = 500
	for start := 0; start < len(rows); start += size {
		req := &pb.ImportItemsRequest{Rows: rows[start:min(start+size, len(rows))]}
		if start == 0 {
			req.Parent = crashDept
		}
		if err := stream.Send(req); err != nil {
			break // the server is gone; CloseAndRecv says so
		}
		if afterChunk != nil {
			afterChunk(start/size + 1)
		}
	}
	if beforeClose != nil {
		beforeClose()
	}
	return stream.CloseAndRecv()
}

// withTag are the items of m whose display name starts with tag.
func withTag(m map[string]*pb.Item, tag string) map[string]*pb.Item {
	out := map[string]*pb.Item{}
	for n, it := range m {
		if strings.HasPrefix(it.GetDisplayName(), tag+"-") {
			out[n] = it
		}
	}
	return out
}

// TestCrashDuringImport kills powerregd while a 20,000-row import is being
// streamed, and at several moments after the whole file was sent (inside
// the one transaction or around its commit), and restarts it: the
// department holds all the file's rows or none, and every item committed
// before is unchanged.
func TestCrashDuringImport(t *testing.T) {
	const n = 20000
	e := newCrashEnv(t)
	ctx := context.Background()
	for i := range 3 {
		if _, err := e.as("clerk").Registry.CreateItem(ctx, &pb.CreateItemRequest{Parent: crashDept,
			Item: crashRows(fmt.Sprintf("one%d", i), 1)[0].GetItem()}); err != nil {
			t.Fatal(err)
		}
	}
	// An acknowledged import of the same size; how long the server takes
	// to answer it once the file is sent places the later kills (a guess,
	// not an assertion: a kill may land before, in or after the transaction).
	var closed time.Time
	res, err := importStream(ctx, e.as("clerk"), crashRows("base", n), nil, func() { closed = time.Now() })
	if err != nil || res.GetRowCount() != n {
		t.Fatalf("acknowledged import: %d rows, %v", res.GetRowCount(), err)
	}
	work := time.Since(closed)
	committed := e.items()
	if len(committed) != n+3 {
		t.Fatalf("%d items before the kills, want %d", len(committed), n+3)
	}

	// Kills while the file is streamed, then at moments after it is all
	// sent: at once, then closing in on the commit (killSearch).
	points := []int{2, n / 500 / 2, 0, 0, 0, 0, 0, 0} // kill after this many chunks are sent; 0: after the whole file
	search := newKillSearch(work)
	var outcomes []string
	for i, chunks := range points {
		tag := "k" + strconv.Itoa(i)
		point := fmt.Sprintf("after %d chunks", chunks)
		var delay time.Duration
		if chunks == 0 && i > 2 {
			delay = search.next()
		}
		if chunks == 0 {
			point = fmt.Sprintf("%v after CloseAndRecv", delay.Round(time.Millisecond))
		}
		e.as("clerk").Departments(ctx) // a live connection: the delay is the server's work, not dialing
		stop := func() {}
		afterChunk := func(sent int) {
			if sent == chunks {
				e.d.cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		beforeClose := func() {
			if chunks == 0 {
				stop = e.killAfter(delay)
			}
		}
		size := e.fileSize()
		rows := crashRows(tag, n)
		res, err := importStream(ctx, e.as("clerk"), rows, afterChunk, beforeClose)
		stop()
		e.kill()
		grown := e.fileSize() - size
		e.restart()

		now := e.items()
		got := withTag(now, tag)
		switch {
		case err == nil && len(got) != n:
			t.Fatalf("%s: the import was acknowledged (%d rows) but %d of its %d rows are there", point, res.GetRowCount(), len(got), n)
		case len(got) != 0 && len(got) != n:
			t.Fatalf("%s: %d of the file's %d rows are there: a partial import", point, len(got), n)
		case err == nil:
			for _, item := range res.GetItems() { // the first 10,000
				if got[item] == nil {
					t.Fatalf("%s: acknowledged item %s is missing", point, item)
				}
			}
		}
		names := map[string]bool{}
		for _, it := range got {
			names[it.GetDisplayName()] = true
		}
		for _, r := range rows {
			if len(got) == n && !names[r.GetItem().GetDisplayName()] {
				t.Fatalf("%s: %d items imported, but not row %q", point, n, r.GetItem().GetDisplayName())
			}
		}
		for item, before := range committed {
			if !proto.Equal(now[item], before) {
				t.Fatalf("%s: committed item %s changed:\nbefore %v\nafter  %v", point, item, before, now[item])
			}
		}
		if len(now) != len(committed)+len(got) {
			t.Fatalf("%s: %d items, want %d committed + %d of this file", point, len(now), len(committed), len(got))
		}
		outcome := "none"
		if len(got) == n {
			outcome = "all"
			for item, it := range got {
				committed[item] = it
			}
		}
		if delay > 0 {
			search.landed(delay, len(got) == n)
		}
		outcomes = append(outcomes, fmt.Sprintf("%s: %s (answer: %v, file grew %d bytes)", point, outcome, err == nil, grown))
	}
	t.Logf("server work per import ~%v; outcomes:\n%s", work, strings.Join(outcomes, "\n"))
}

// TestCrashDuringPublication kills powerregd while it publishes a batch of
// thousands of approved items, at several delays, and restarts it: the
// catalogue holds the whole batch or none of it, codes are unique and
// dense, the batch's state, the items' states, the publications and the
// change feed all agree with the catalogue, and every acknowledged
// publication is whole.
func TestCrashDuringPublication(t *testing.T) {
	const n = 3000
	e := newCrashEnv(t)
	ctx := context.Background()
	batch := func(tag string) string {
		if _, err := importStream(ctx, e.as("clerk"), crashRows(tag, n), nil, nil); err != nil {
			t.Fatal(err)
		}
		sub, err := e.as("clerk").SubmitDrafts(ctx, crashDept, tag)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.as("reviewer").Registry.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: sub.GetName()}); err != nil {
			t.Fatal(err)
		}
		return sub.GetName()
	}
	publish := func(sub string) (*pb.Publication, error) {
		resp, err := e.as("publisher").Registry.CreatePublication(ctx, &pb.CreatePublicationRequest{
			Publication: &pb.Publication{Submissions: []string{sub}, Comment: "集中发布"}})
		return resp.GetPublication(), err
	}

	// An acknowledged publication, whose duration places the kills.
	first := batch("p0")
	began := time.Now()
	p, err := publish(first)
	if err != nil || p.GetItemCount() != n {
		t.Fatalf("acknowledged publication: %d items, %v", p.GetItemCount(), err)
	}
	work := time.Since(began)
	acked := []*pb.Publication{p}
	checkCatalogue(t, e, acked)

	var outcomes []string
	pending, tags := batch("p1"), 2
	search := newKillSearch(work)
	for range 7 {
		delay := search.next()
		e.as("publisher").Registry.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: pending}) // a live connection
		size := e.fileSize()
		stop := e.killAfter(delay)
		p, err := publish(pending)
		stop()
		e.kill()
		grown := e.fileSize() - size
		e.restart()
		if err == nil {
			acked = append(acked, p)
		}
		checkCatalogue(t, e, acked)
		resp, err2 := e.as("publisher").Registry.GetSubmission(ctx, &pb.GetSubmissionRequest{Name: pending})
		if err2 != nil {
			t.Fatal(err2)
		}
		state := resp.GetSubmission().GetState()
		search.landed(delay, state == pb.Submission_STATE_PUBLISHED)
		outcomes = append(outcomes, fmt.Sprintf("kill %v after the call: %s (answer: %v, file grew %d bytes)",
			delay.Round(time.Millisecond), state, err == nil, grown))
		if state == pb.Submission_STATE_PUBLISHED {
			pending = batch("p" + strconv.Itoa(tags))
			tags++
		}
	}
	// The restarted server publishes what a kill left approved.
	p, err = publish(pending)
	if err != nil {
		t.Fatal(err)
	}
	checkCatalogue(t, e, append(acked, p))
	t.Logf("publication of %d items ~%v; outcomes:\n%s", n, work, strings.Join(outcomes, "\n"))
}

// checkCatalogue checks that the catalogue of crashDept is whole: each
// submission is published entirely or not at all and its state says
// which, the items in force are exactly the published items, codes are
// unique and dense, the publications and the change feed name exactly the
// catalogue, and every acknowledged publication is in it.
func checkCatalogue(t *testing.T, e *crashEnv, acked []*pb.Publication) {
	t.Helper()
	ctx := context.Background()
	reader := e.as("publisher")
	catalogue, err := reader.CatalogItems(ctx, 0, crashDept)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]string{} // code → item name
	byItem := map[string]string{} // item name → code
	seqs := map[string][]int{}    // "" (main items) or a main item's code → sequence numbers in it
	for _, it := range catalogue {
		if byCode[it.GetCode()] != "" || byItem[it.GetName()] != "" {
			t.Fatalf("code %s or item %s twice in the catalogue", it.GetCode(), it.GetName())
		}
		byCode[it.GetCode()], byItem[it.GetName()] = it.GetName(), it.GetCode()
		parts := strings.Split(it.GetCode(), "-") // 430400-CF-001-0045-00, a sub-item 430400-CF-001-0045-03
		main, _ := strconv.Atoi(parts[len(parts)-2])
		sub, err := strconv.Atoi(parts[len(parts)-1])
		if len(parts) != 5 || err != nil || (sub == 0) != (it.GetParentCode() == "") {
			t.Fatalf("unexpected code %q of %s (main item %q)", it.GetCode(), it.GetName(), it.GetParentCode())
		}
		if sub == 0 {
			seqs[""] = append(seqs[""], main)
		} else {
			seqs[it.GetParentCode()] = append(seqs[it.GetParentCode()], sub)
		}
	}
	for parent, list := range seqs {
		if parent != "" && byCode[parent] == "" {
			t.Fatalf("sub-items of %s are in force without it", parent)
		}
		slices.Sort(list)
		for i, s := range list {
			if s != i+1 {
				t.Fatalf("codes under %q are not dense: the %d-th sequence number is %d", parent, i+1, s)
			}
		}
	}

	// The keyword index, rebuilt or caught up from its snapshot at start,
	// finds every item in force (each one's name has the words).
	found, err := reader.Catalog.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Department: crashDept, Q: "安全生产"})
	if err != nil {
		t.Fatal(err)
	}
	if int(found.GetTotalSize()) != len(catalogue) {
		t.Fatalf("keyword search finds %d items, the catalogue has %d", found.GetTotalSize(), len(catalogue))
	}

	// Submissions: published entirely (and marked so) or not at all.
	subs, err := reader.Submissions(ctx, crashDept, 0)
	if err != nil {
		t.Fatal(err)
	}
	inForce := 0
	for _, s := range subs {
		published := 0
		for _, it := range s.GetItems() {
			if byItem[it] != "" {
				published++
			}
		}
		want := 0
		if s.GetState() == pb.Submission_STATE_PUBLISHED {
			want = len(s.GetItems())
		}
		if published != want {
			t.Fatalf("submission %s is %s with %d of its %d items in the catalogue", s.GetName(), s.GetState(), published, len(s.GetItems()))
		}
		inForce += published
	}
	if inForce != len(catalogue) {
		t.Fatalf("%d items in the catalogue, %d in published submissions", len(catalogue), inForce)
	}
	published, err := e.as("clerk").Items(ctx, crashDept, pb.Item_STATE_PUBLISHED)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range published {
		if byItem[it.GetName()] != it.GetCode() {
			t.Fatalf("item %s is published with code %s; the catalogue has %q", it.GetName(), it.GetCode(), byItem[it.GetName()])
		}
	}
	if len(published) != len(catalogue) {
		t.Fatalf("%d published items, %d in the catalogue", len(published), len(catalogue))
	}

	// Publications, acknowledged ones included, name exactly the catalogue.
	var pubs []*pb.Publication
	for token := ""; ; {
		resp, err := reader.Registry.ListPublications(ctx, &pb.ListPublicationsRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, resp.GetPublications()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	listed := map[string]bool{}
	total := 0
	for _, p := range pubs {
		listed[p.GetName()] = true
		items, err := reader.PublicationItems(ctx, p.GetName()) // p.Items holds the first 1000
		if err != nil || len(items) != int(p.GetItemCount()) {
			t.Fatalf("%s: %d of its %d items read, %v", p.GetName(), len(items), p.GetItemCount(), err)
		}
		total += len(items)
		for _, it := range items {
			if byItem[it.GetItem()] != it.GetCode() {
				t.Fatalf("%s published %s as %s; the catalogue has %q", p.GetName(), it.GetItem(), it.GetCode(), byItem[it.GetItem()])
			}
		}
	}
	if total != len(catalogue) {
		t.Fatalf("publications list %d items, the catalogue has %d", total, len(catalogue))
	}
	for _, p := range acked {
		if !listed[p.GetName()] {
			t.Fatalf("acknowledged %s is lost", p.GetName())
		}
	}

	// The change feed replays to the catalogue.
	replay := map[string]string{}
	for token := ""; ; {
		resp, err := reader.Catalog.ListCatalogChanges(ctx, &pb.ListCatalogChangesRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range resp.GetChanges() {
			if c.GetKind() == pb.CatalogChange_KIND_ABOLISHED {
				delete(replay, c.GetItem().GetCode())
			} else {
				replay[c.GetItem().GetCode()] = c.GetItem().GetName()
			}
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if len(replay) != len(byCode) {
		t.Fatalf("the change feed replays to %d items, the catalogue has %d", len(replay), len(byCode))
	}
	for code, name := range byCode {
		if replay[code] != name {
			t.Fatalf("change feed has %s as %q, the catalogue as %q", code, replay[code], name)
		}
	}
}
