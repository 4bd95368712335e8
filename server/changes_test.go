package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// feedEnv is a server with departments gtzyj and hbj, and the actors of
// the workflow (four eyes: each step by another).
type feedEnv struct {
	*env
	clerk, rev, pub context.Context
}

func newFeedEnv(t *testing.T) *feedEnv {
	e := start(t, "")
	f := &feedEnv{env: e, clerk: as("clerk"), rev: as("reviewer"), pub: as("publisher")}
	for id, name := range map[string]string{"gtzyj": "市国土资源局", "hbj": "市环境保护局"} {
		must(e.reg.CreateDepartment(f.clerk, &pb.CreateDepartmentRequest{DepartmentId: id,
			Department: &pb.Department{DisplayName: name}}))
	}
	return f
}

func (f *feedEnv) item(dept, name string, cat pb.Category, parent *pb.Item) *pb.Item {
	it := &pb.Item{DisplayName: name, Category: cat, LegalBases: basis(name + "的依据")}
	if parent != nil {
		it.Parent = parent.Name
	}
	return must(f.reg.CreateItem(f.clerk, &pb.CreateItemRequest{Parent: "departments/" + dept, Item: it})).Item
}

// publish takes the items of one department through the workflow.
func (f *feedEnv) publish(dept string, items ...*pb.Item) *pb.Publication {
	var names []string
	for _, it := range items {
		names = append(names, it.Name)
	}
	s := must(f.reg.CreateSubmission(f.clerk, &pb.CreateSubmissionRequest{Parent: "departments/" + dept,
		Submission: &pb.Submission{Items: names}})).Submission
	must(f.reg.SubmitSubmission(f.clerk, &pb.SubmitSubmissionRequest{Name: s.Name}))
	must(f.reg.ApproveSubmission(f.rev, &pb.ApproveSubmissionRequest{Name: s.Name}))
	return must(f.reg.CreatePublication(f.pub, &pb.CreatePublicationRequest{
		Publication: &pb.Publication{Submissions: []string{s.Name}}})).Publication
}

func (f *feedEnv) modify(it *pb.Item, remark string) {
	must(f.reg.UpdateItem(f.clerk, &pb.UpdateItemRequest{Item: &pb.Item{Name: it.Name, Remark: remark},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}}))
}

func (f *feedEnv) abolish(it *pb.Item) {
	must(f.reg.AbolishItem(f.clerk, &pb.AbolishItemRequest{Name: it.Name, Comment: "取消"}))
}

// changes pages through the feed after start over gRPC.
func (f *feedEnv) changes(t *testing.T, start int64, size int32) ([]*pb.CatalogChange, int64) {
	t.Helper()
	var out []*pb.CatalogChange
	req := &pb.ListCatalogChangesRequest{StartRevision: start, PageSize: size}
	for {
		resp, err := f.cat.ListCatalogChanges(as(""), req)
		if err != nil {
			t.Fatalf("ListCatalogChanges(%v): %v", req, err)
		}
		if size > 0 && len(resp.Changes) > int(size) {
			t.Fatalf("%d changes on a page of %d", len(resp.Changes), size)
		}
		out = append(out, resp.Changes...)
		if resp.NextPageToken == "" {
			return out, resp.CurrentRevision
		}
		req.PageToken = resp.NextPageToken
	}
}

// catalogue lists the whole catalogue by code.
func (f *feedEnv) catalogue(t *testing.T) map[string]*pb.Item {
	t.Helper()
	out := map[string]*pb.Item{}
	req := &pb.ListCatalogItemsRequest{PageSize: 2}
	for {
		resp := must(f.cat.ListCatalogItems(as(""), req))
		for _, it := range resp.Items {
			out[it.Code] = it
		}
		if resp.NextPageToken == "" {
			return out
		}
		req.PageToken = resp.NextPageToken
	}
}

// apply replays changes onto a catalogue held by code.
func apply(t *testing.T, cat map[string]*pb.Item, changes []*pb.CatalogChange) {
	t.Helper()
	for _, c := range changes {
		code := c.Item.GetCode()
		_, in := cat[code]
		switch c.Kind {
		case pb.CatalogChange_KIND_PUBLISHED, pb.CatalogChange_KIND_CHANGED:
			if in != (c.Kind == pb.CatalogChange_KIND_CHANGED) {
				t.Fatalf("change %d: %s of %s, which is in the catalogue: %v", c.Revision, c.Kind, code, in)
			}
			cat[code] = c.Item
		case pb.CatalogChange_KIND_ABOLISHED:
			if !in {
				t.Fatalf("change %d abolishes %s, which is not in the catalogue", c.Revision, code)
			}
			delete(cat, code)
		default:
			t.Fatalf("change %d: kind %s", c.Revision, c.Kind)
		}
	}
}

func sameCatalogue(t *testing.T, got, want map[string]*pb.Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("replay holds %d items, the catalogue %d", len(got), len(want))
	}
	for code, it := range want {
		if !proto.Equal(got[code], it) {
			t.Errorf("replay of %s:\n got %v\nwant %v", code, got[code], it)
		}
	}
}

// TestChangeFeedKinds: published, changed and abolished, with the item as
// published; revisions increase, and the changes of one publication share
// theirs.
func TestChangeFeedKinds(t *testing.T) {
	f := newFeedEnv(t)
	a := f.item("gtzyj", "对非法占用土地的处罚", pb.Category_CATEGORY_PENALTY, nil)
	b := f.item("gtzyj", "建设用地审批", pb.Category_CATEGORY_LICENSING, nil)
	p1 := f.publish("gtzyj", a, b)
	first, cur1 := f.changes(t, 0, 0)
	if len(first) != 2 || first[0].Revision != first[1].Revision || cur1 != first[0].Revision {
		t.Fatalf("first publication: %v, current %d", first, cur1)
	}
	for _, c := range first {
		inForce := must(f.cat.GetCatalogItem(as(""), &pb.GetCatalogItemRequest{Code: c.Item.Code})).Item
		if c.Kind != pb.CatalogChange_KIND_PUBLISHED || c.Publication != p1.Name || !proto.Equal(c.Item, inForce) ||
			!c.PublishTime.AsTime().Equal(p1.PublishTime.AsTime()) {
			t.Errorf("published: %v (in force: %v)", c, inForce)
		}
	}
	codeA := first[0].Item.Code
	if first[1].Item.Name == a.Name {
		codeA = first[1].Item.Code
	}

	f.modify(a, "依新法修订")
	f.abolish(b)
	p2 := f.publish("gtzyj", a, b)
	second, cur2 := f.changes(t, cur1, 1)
	if len(second) != 2 || second[0].Revision <= cur1 || second[1].Revision != second[0].Revision || cur2 != second[0].Revision {
		t.Fatalf("second publication: %v, current %d", second, cur2)
	}
	kinds := map[pb.CatalogChange_Kind]*pb.CatalogChange{}
	for _, c := range second {
		kinds[c.Kind] = c
		if c.Publication != p2.Name || !c.PublishTime.AsTime().Equal(p2.PublishTime.AsTime()) {
			t.Errorf("change of the second publication: %v", c)
		}
	}
	changed, abolished := kinds[pb.CatalogChange_KIND_CHANGED], kinds[pb.CatalogChange_KIND_ABOLISHED]
	if changed == nil || abolished == nil {
		t.Fatalf("kinds: %v", second)
	}
	inForce := must(f.cat.GetCatalogItem(as(""), &pb.GetCatalogItemRequest{Code: codeA})).Item
	if changed.Item.Code != codeA || changed.Item.Remark != "依新法修订" || !proto.Equal(changed.Item, inForce) {
		t.Errorf("changed: %v (in force: %v)", changed.Item, inForce)
	}
	// The abolished item as it was last in force, now abolished.
	if abolished.Item.Name != b.Name || abolished.Item.DisplayName != "建设用地审批" ||
		abolished.Item.State != pb.Item_STATE_ABOLISHED || !abolished.Item.PublishTime.AsTime().Equal(p1.PublishTime.AsTime()) {
		t.Errorf("abolished: %v", abolished.Item)
	}
	// Work that publishes nothing adds no change, and the current revision
	// stays.
	f.item("gtzyj", "土地登记", pb.Category_CATEGORY_CONFIRMATION, nil)
	if more, cur := f.changes(t, cur2, 0); len(more) != 0 || cur != cur2 {
		t.Errorf("after a draft: %v, current %d", more, cur)
	}

	// Over REST, the same.
	r := f.restOK("", http.MethodGet, "/v1/catalog/changes?page_size=1", "")
	var resp pb.ListCatalogChangesResponse
	if err := protojson.Unmarshal([]byte(r.Raw), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Changes) != 1 || !proto.Equal(resp.Changes[0], first[0]) || resp.NextPageToken == "" || resp.CurrentRevision != cur2 {
		t.Errorf("REST first page: %s", r.Raw)
	}
	r = f.restOK("", http.MethodGet, "/v1/catalog/changes?page_size=10&page_token="+resp.NextPageToken, "")
	if err := protojson.Unmarshal([]byte(r.Raw), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Changes) != 3 || resp.NextPageToken != "" {
		t.Errorf("REST second page: %s", r.Raw)
	}
}

// TestChangeFeedReplay: a portal that replays the feed from the beginning,
// in small pages, holds exactly the catalogue; so does one that resumes
// from a middle revision.
func TestChangeFeedReplay(t *testing.T) {
	f := newFeedEnv(t)
	var gt []*pb.Item
	for i := range 6 {
		gt = append(gt, f.item("gtzyj", fmt.Sprintf("国土事项%d", i), pb.Category_CATEGORY_PENALTY, nil))
	}
	main := f.item("gtzyj", "建设用地审批", pb.Category_CATEGORY_LICENSING, nil)
	sub1 := f.item("gtzyj", "建设用地预审", pb.Category_CATEGORY_LICENSING, main)
	sub2 := f.item("gtzyj", "建设用地规划许可", pb.Category_CATEGORY_LICENSING, main)
	h := f.item("hbj", "排污许可", pb.Category_CATEGORY_LICENSING, nil)
	h2 := f.item("hbj", "环境影响评价审批", pb.Category_CATEGORY_LICENSING, nil)

	f.publish("gtzyj", gt[0], gt[1], gt[2], main, sub1)
	f.publish("hbj", h, h2)
	f.modify(gt[0], "第二版")
	f.abolish(gt[1])
	f.publish("gtzyj", gt[0], gt[1], gt[3], sub2)

	// A portal that read the feed up to here.
	early, middle := f.changes(t, 0, 2)
	portal := map[string]*pb.Item{}
	apply(t, portal, early)
	sameCatalogue(t, portal, f.catalogue(t))

	f.modify(gt[0], "第三版")
	f.abolish(sub1)
	f.modify(main, "大项修订")
	f.publish("gtzyj", gt[0], sub1, main, gt[4])
	f.abolish(h)
	f.publish("hbj", h)
	f.abolish(sub2)
	f.abolish(main)
	f.publish("gtzyj", sub2, main, gt[5])

	want := f.catalogue(t)
	for _, size := range []int32{1, 3, 0} {
		all, _ := f.changes(t, 0, size)
		got := map[string]*pb.Item{}
		apply(t, got, all)
		sameCatalogue(t, got, want)
		for i := 1; i < len(all); i++ {
			if all[i].Revision < all[i-1].Revision {
				t.Fatalf("revisions decrease: %d then %d", all[i-1].Revision, all[i].Revision)
			}
		}
	}
	// The portal resumes from where it stood.
	rest, _ := f.changes(t, middle, 2)
	if len(rest) == 0 || rest[0].Revision <= middle {
		t.Fatalf("resume from %d: %v", middle, rest)
	}
	apply(t, portal, rest)
	sameCatalogue(t, portal, want)
}

// watchLine is one line of a REST watch: a message or the error that ends
// the stream.
type watchLine struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// restWatch opens a REST watch; the caller reads its lines and closes it.
func (e *env) restWatch(ctx context.Context, t *testing.T, query string) (*http.Response, *bufio.Reader) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/v1/catalog/changes:watch"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, bufio.NewReader(resp.Body)
}

// readChange reads the next line of a REST watch as a change.
func readChange(t *testing.T, r *bufio.Reader) *pb.CatalogChange {
	t.Helper()
	c, err := nextChange(r)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func nextChange(r *bufio.Reader) (*pb.CatalogChange, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("read a watch line: %v (%q)", err, line)
	}
	var l watchLine
	if err := json.Unmarshal(line, &l); err != nil || l.Result == nil {
		return nil, fmt.Errorf("watch line %s: %v", line, err)
	}
	var m pb.WatchCatalogChangesResponse
	if err := protojson.Unmarshal(l.Result, &m); err != nil {
		return nil, fmt.Errorf("watch line %s: %v", line, err)
	}
	return m.Change, nil
}

// TestWatchChanges: a watch sends the backlog first, then each new change
// as it is published, over gRPC and REST.
func TestWatchChanges(t *testing.T) {
	f := newFeedEnv(t)
	a, b := f.item("gtzyj", "甲", pb.Category_CATEGORY_PENALTY, nil), f.item("gtzyj", "乙", pb.Category_CATEGORY_PENALTY, nil)
	f.publish("gtzyj", a, b)
	backlog, cur := f.changes(t, 0, 0)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fromStart := must(f.cat.WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{}))
	live := must(f.cat.WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{StartRevision: cur}))
	if _, err := live.Header(); err != nil { // the watch is on, before any change
		t.Fatal(err)
	}
	for i, want := range backlog {
		if got := must(fromStart.Recv()).Change; !proto.Equal(got, want) {
			t.Fatalf("backlog %d: %v, want %v", i, got, want)
		}
	}
	resp, lines := f.restWatch(ctx, t, "?start_revision=0")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("REST watch: HTTP %d", resp.StatusCode)
	}
	for i, want := range backlog {
		if got := readChange(t, lines); !proto.Equal(got, want) {
			t.Fatalf("REST backlog %d: %v, want %v", i, got, want)
		}
	}

	f.modify(a, "修订")
	f.publish("gtzyj", a, f.item("gtzyj", "丙", pb.Category_CATEGORY_OTHER, nil))
	news, _ := f.changes(t, cur, 0)
	if len(news) != 2 {
		t.Fatalf("new changes: %v", news)
	}
	for i, want := range news {
		for name, recv := range map[string]func() *pb.CatalogChange{
			"gRPC from the start": func() *pb.CatalogChange { return must(fromStart.Recv()).Change },
			"gRPC live":           func() *pb.CatalogChange { return must(live.Recv()).Change },
			"REST":                func() *pb.CatalogChange { return readChange(t, lines) },
		} {
			if got := recv(); !proto.Equal(got, want) {
				t.Fatalf("%s: change %d: %v, want %v", name, i, got, want)
			}
		}
	}
	if news[0].Kind != pb.CatalogChange_KIND_CHANGED || news[0].Item.Remark != "修订" || news[1].Kind != pb.CatalogChange_KIND_PUBLISHED {
		t.Errorf("new changes: %v", news)
	}

	// A REST watch from the newest revision answers once a change comes.
	_, cur = f.changes(t, 0, 0)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		f.base+"/v1/catalog/changes:watch?start_revision="+strconv.FormatInt(cur, 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		c   *pb.CatalogChange
		err error
	}
	got := make(chan result, 1)
	go func() { // the answer comes with the first change
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- result{nil, err}
			return
		}
		defer resp.Body.Close()
		c, err := nextChange(bufio.NewReader(resp.Body))
		got <- result{c, err}
	}()
	f.publish("hbj", f.item("hbj", "排污许可", pb.Category_CATEGORY_LICENSING, nil))
	res := <-got
	c := res.c
	if res.err != nil || c.Item.DisplayName != "排污许可" || c.Revision <= cur {
		t.Fatalf("REST live: %v %v", c, res.err)
	}
	if got := must(live.Recv()).Change; !proto.Equal(got, c) {
		t.Errorf("gRPC live: %v, want %v", got, c)
	}

	// The caller hangs up: the stream ends.
	cancel()
	if _, err := live.Recv(); status.Code(err) != codes.Canceled {
		t.Errorf("after cancel: %v", err)
	}
}

// TestWatchEndsOnShutdown: open watches end with UNAVAILABLE
// (SHUTTING_DOWN) when the server shuts down, instead of holding it.
func TestWatchEndsOnShutdown(t *testing.T) {
	f := newFeedEnv(t)
	f.publish("gtzyj", f.item("gtzyj", "甲", pb.Category_CATEGORY_PENALTY, nil))
	// A connection of its own, which the harness does not close first.
	conn, err := grpc.NewClient(f.srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a safety net only
	defer cancel()
	w := must(pb.NewCatalogServiceClient(conn).WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{}))
	must(w.Recv())
	resp, lines := f.restWatch(ctx, t, "")
	defer resp.Body.Close()
	readChange(t, lines)

	f.stop()
	_, err = w.Recv()
	wantStatus(t, err, codes.Unavailable, "SHUTTING_DOWN")
	rest, err := io.ReadAll(lines)
	if err != nil {
		t.Fatalf("REST watch after shutdown: %v", err)
	}
	var l watchLine
	if json.Unmarshal(rest, &l) != nil || l.Error == nil || l.Error.Code != int(codes.Unavailable) {
		t.Errorf("REST watch's last line: %s", rest)
	}
}

// compactedInfo checks an OUT_OF_RANGE REVISION_COMPACTED status that
// names the floor.
func compactedInfo(t *testing.T, err error, floor int64) {
	t.Helper()
	st := wantStatus(t, err, codes.OutOfRange, "REVISION_COMPACTED")
	want := strconv.FormatInt(floor, 10)
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.Metadata["oldest_revision"] != want {
			t.Errorf("ErrorInfo metadata %v, want oldest_revision %s", info.Metadata, want)
		}
	}
	if !strings.Contains(st.Message(), want) || !bilingual(st.Message()) {
		t.Errorf("message %q does not name revision %s in both languages", st.Message(), want)
	}
}

// TestChangeFeedCompaction: after compaction, reading from below the floor
// is OUT_OF_RANGE naming it (400 over REST), from the floor on works, and
// a new portal starts from the catalogue and the current revision.
func TestChangeFeedCompaction(t *testing.T) {
	f := newFeedEnv(t)
	a := f.item("gtzyj", "甲", pb.Category_CATEGORY_PENALTY, nil)
	f.publish("gtzyj", a, f.item("gtzyj", "乙", pb.Category_CATEGORY_PENALTY, nil))
	_, mid := f.changes(t, 0, 0)
	f.modify(a, "修订")
	f.publish("gtzyj", a)
	all, cur := f.changes(t, 0, 0)
	// Answers of the REST cache do not outlive the compaction.
	for _, start := range []int64{0, mid - 1} {
		f.restOK("", http.MethodGet, "/v1/catalog/changes?page_size=7&start_revision="+strconv.FormatInt(start, 10), "")
	}

	// Beyond the current revision + 1: refused, nothing deleted.
	if r := f.rest("operator", http.MethodPost, "/v1/catalog/changes:compact", fmt.Sprintf(`{"beforeRevision": "%d"}`, cur+2)); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Raw, "before_revision") {
		t.Fatalf("compacting beyond the feed: HTTP %d %s", r.Code, r.Raw)
	}
	f.changes(t, 0, 0) // still whole
	// The operator's call, over REST.
	r := f.restOK("operator", http.MethodPost, "/v1/catalog/changes:compact", fmt.Sprintf(`{"beforeRevision": "%d"}`, mid+1))
	if r.str("deletedCount") != "2" || r.str("oldestRevision") != strconv.FormatInt(mid, 10) || r.str("currentRevision") != strconv.FormatInt(cur, 10) {
		t.Fatalf("compaction answered %s; want 2 deleted, floor %d, current %d", r.Raw, mid, cur)
	}
	for _, start := range []int64{0, mid - 1} {
		_, err := f.cat.ListCatalogChanges(as(""), &pb.ListCatalogChangesRequest{StartRevision: start})
		compactedInfo(t, err, mid)
		w := must(f.cat.WatchCatalogChanges(context.Background(), &pb.WatchCatalogChangesRequest{StartRevision: start}))
		_, err = w.Recv()
		compactedInfo(t, err, mid)

		for _, path := range []string{"/v1/catalog/changes?page_size=7&start_revision=", "/v1/catalog/changes:watch?start_revision="} {
			r := f.rest("", http.MethodGet, path+strconv.FormatInt(start, 10), "")
			if inner, ok := r.Body["error"].(map[string]any); ok {
				// A stream's error comes as its one line {"error": status}.
				r.Body = inner
			}
			if r.Code != http.StatusBadRequest || r.reason() != "REVISION_COMPACTED" || !strings.Contains(r.Raw, `"oldest_revision":"`+strconv.FormatInt(mid, 10)+`"`) {
				t.Errorf("REST %s%d: HTTP %d %s", path, start, r.Code, r.Raw)
			}
		}
	}
	// From the floor on, nothing is missing.
	kept, cur2 := f.changes(t, mid, 0)
	if cur2 != cur || len(kept) != 1 || !proto.Equal(kept[0], all[2]) {
		t.Fatalf("from the floor: %v, current %d", kept, cur2)
	}
	w := must(f.cat.WatchCatalogChanges(context.Background(), &pb.WatchCatalogChangesRequest{StartRevision: mid}))
	if got := must(w.Recv()).Change; !proto.Equal(got, all[2]) {
		t.Fatalf("watch from the floor: %v", got)
	}

	// A new portal: the catalogue, then the feed from the current revision
	// (which the refusal names too).
	portal := f.catalogue(t)
	f.abolish(a)
	f.publish("gtzyj", a)
	more, _ := f.changes(t, cur, 0)
	apply(t, portal, more)
	sameCatalogue(t, portal, f.catalogue(t))
}

// TestChangeFeedBadRequests: bad tokens and revisions are INVALID_ARGUMENT
// naming the field.
func TestChangeFeedBadRequests(t *testing.T) {
	f := newFeedEnv(t)
	f.publish("gtzyj", f.item("gtzyj", "甲", pb.Category_CATEGORY_PENALTY, nil), f.item("gtzyj", "乙", pb.Category_CATEGORY_PENALTY, nil))
	first := must(f.cat.ListCatalogChanges(as(""), &pb.ListCatalogChangesRequest{PageSize: 1}))
	for _, req := range []*pb.ListCatalogChangesRequest{
		{PageToken: "x"},
		{PageToken: first.NextPageToken, StartRevision: 1}, // another start
		{PageToken: first.NextPageToken[:len(first.NextPageToken)-2]},
	} {
		_, err := f.cat.ListCatalogChanges(as(""), req)
		st := wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")
		if v := fieldViolations(st); len(v) != 1 || v[0] != "page_token" {
			t.Errorf("%v: violations %v", req, v)
		}
	}
	for _, call := range []func() error{
		func() error {
			_, err := f.cat.ListCatalogChanges(as(""), &pb.ListCatalogChangesRequest{StartRevision: -1})
			return err
		},
		func() error {
			w, err := f.cat.WatchCatalogChanges(context.Background(), &pb.WatchCatalogChangesRequest{StartRevision: -1})
			if err == nil {
				_, err = w.Recv()
			}
			return err
		},
	} {
		st := wantStatus(t, call(), codes.InvalidArgument, "INVALID_FIELDS")
		if v := fieldViolations(st); len(v) != 1 || v[0] != "start_revision" {
			t.Errorf("violations %v", v)
		}
	}
	if r := f.rest("", http.MethodGet, "/v1/catalog/changes?page_token=%21", ""); r.Code != http.StatusBadRequest {
		t.Errorf("REST bad token: HTTP %d %s", r.Code, r.Raw)
	}
}
