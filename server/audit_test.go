package server_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/store"
)

// auditEvents fetches every event that req selects, following the pages,
// newest first.
func (e *env) auditEvents(t *testing.T, secret string, req *pb.ListAuditEventsRequest) []*pb.AuditEvent {
	t.Helper()
	var out []*pb.AuditEvent
	for {
		resp, err := e.access().ListAuditEvents(bearer(secret), req)
		if err != nil {
			t.Fatalf("ListAuditEvents: %v", err)
		}
		out = append(out, resp.AuditEvents...)
		if resp.NextPageToken == "" {
			return out
		}
		req.PageToken = resp.NextPageToken
	}
}

// withRequestID is a context whose calls carry secret and request id.
func withRequestID(secret, id string) context.Context {
	return metadata.AppendToOutgoingContext(bearer(secret), "x-request-id", id)
}

// eventOf returns the one event of a request id, failing unless there is
// exactly one.
func eventOf(t *testing.T, events []*pb.AuditEvent, id string) *pb.AuditEvent {
	t.Helper()
	var found []*pb.AuditEvent
	for _, ev := range events {
		if ev.RequestId == id {
			found = append(found, ev)
		}
	}
	if len(found) != 1 {
		t.Fatalf("request %s has %d audit events, want 1: %v", id, len(found), found)
	}
	return found[0]
}

// wantEvent checks an event's fields.
func wantEvent(t *testing.T, ev *pb.AuditEvent, principal, method, resource, outcome, reason string) {
	t.Helper()
	if ev.Principal != principal || ev.Method != method || ev.Resource != resource || ev.Outcome != outcome ||
		ev.Reason != reason || ev.Time == nil || ev.Hash == "" {
		t.Errorf("audit event %v\nwant principal %s, method %s, resource %s, outcome %s, reason %q",
			ev, principal, method, resource, outcome, reason)
	}
	if (outcome == "OK") != (ev.Revision > 0) {
		t.Errorf("audit event %d (%s): revision %d with outcome %s", ev.Sequence, ev.Method, ev.Revision, outcome)
	}
}

// recordsOf rebuilds the audit records of events (newest first), oldest
// first, as powerctl audit verify does.
func recordsOf(events []*pb.AuditEvent) []*audit.Record {
	var out []*audit.Record
	for i := len(events) - 1; i >= 0; i-- {
		ev := events[i]
		out = append(out, &audit.Record{Version: int(ev.Version), Seq: uint64(ev.Sequence), Time: ev.Time.AsTime(),
			Principal: ev.Principal, Holder: ev.Holder, Method: ev.Method, Resource: ev.Resource, RequestID: ev.RequestId, Outcome: ev.Outcome, Reason: ev.Reason,
			Revision: ev.Revision, PrevHash: ev.PreviousHash, Hash: ev.Hash})
	}
	return out
}

// TestAuditMutationsAndRefusals: every mutation, over gRPC and REST, has
// one audit record naming the call, with the request id the client sent or
// was given; refused attempts are recorded with their outcome and reason;
// reads that succeed are not.
func TestAuditMutationsAndRefusals(t *testing.T) {
	c := newClock()
	e := startClock(t, "", c)
	admin := e.adminSecret()

	// gRPC, with a request id the client sends: kept and returned.
	var header metadata.MD
	dept := must(e.reg.CreateDepartment(withRequestID(admin, "client-id-1"), &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}, grpc.Header(&header))).Department
	if got := header.Get("x-request-id"); !slices.Equal(got, []string{"client-id-1"}) {
		t.Fatalf("x-request-id returned: %v", got)
	}
	// REST, without one: the server gives one, in the response header.
	r := e.restAs(admin, http.MethodPost, "/v1/departments?department_id=hbj", `{"displayName":"市环境保护局"}`, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("REST create department: HTTP %d %s", r.Code, r.Raw)
	}
	restDeptID := r.Header.Get("X-Request-Id")
	if len(restDeptID) < 16 {
		t.Fatalf("REST response x-request-id %q", restDeptID)
	}

	clerk := e.mint("clerk", []string{"editor"}, []string{"gtzyj"}, 0)
	hbj := e.mint("clerk-hbj", []string{"editor"}, []string{"hbj"}, 0)
	reviewer := e.mint("reviewer", []string{"reviewer"}, nil, 0)
	boss := e.mint("boss", []string{"editor", "reviewer", "publisher", "admin"}, []string{"-"}, 0)

	// gRPC without a request id: the server's is returned.
	header = nil
	item := must(e.reg.CreateItem(bearer(clerk), &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
		DisplayName: "建设用地审批", Category: pb.Category_CATEGORY_LICENSING, LegalBases: basis("第四十四条")}},
		grpc.Header(&header))).Item
	createItemID := firstOf(header.Get("x-request-id"))
	if len(createItemID) < 16 {
		t.Fatalf("gRPC x-request-id %q", createItemID)
	}
	// REST with a request id the client sends.
	r = e.restAs(clerk, http.MethodPatch, "/v1/"+item.Name+"?update_mask=remark", `{"remark":"含临时用地"}`,
		map[string]string{"X-Request-Id": "client-id-2"})
	if r.Code != http.StatusOK || r.Header.Get("X-Request-Id") != "client-id-2" {
		t.Fatalf("REST update: HTTP %d, x-request-id %q: %s", r.Code, r.Header.Get("X-Request-Id"), r.Raw)
	}
	updateEtag := r.str("etag")
	// A stream.
	stream := must(e.reg.ImportItems(withRequestID(clerk, "client-id-3")))
	stream.Send(&pb.ImportItemsRequest{Parent: "departments/gtzyj", Rows: []*pb.ImportRow{
		{Item: &pb.Item{DisplayName: "土地登记", Category: pb.Category_CATEGORY_CONFIRMATION}}}})
	must(stream.CloseAndRecv())
	if got := firstOf(must(stream.Header()).Get("x-request-id")); got != "client-id-3" {
		t.Errorf("stream x-request-id %q", got)
	}
	// A request id longer than 128 characters is replaced.
	header = nil
	long := strings.Repeat("x", 129)
	sub := must(e.reg.CreateSubmission(withRequestID(clerk, long), &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{item.Name}}}, grpc.Header(&header))).Submission
	longID := firstOf(header.Get("x-request-id"))
	if longID == long || longID == "" {
		t.Errorf("a 129-character request id was kept: %q", longID)
	}

	events := e.auditEvents(t, admin, &pb.ListAuditEventsRequest{})
	ev := eventOf(t, events, "client-id-1")
	wantEvent(t, ev, "admin", pb.RegistryService_CreateDepartment_FullMethodName, "departments/gtzyj", "OK", "")
	if strconv.FormatInt(ev.Revision, 10) != dept.Etag || !ev.Time.AsTime().Equal(dept.CreateTime.AsTime()) {
		t.Errorf("department's audit event: revision %d time %v; department etag %s created %v",
			ev.Revision, ev.Time.AsTime(), dept.Etag, dept.CreateTime.AsTime())
	}
	wantEvent(t, eventOf(t, events, restDeptID), "admin", pb.RegistryService_CreateDepartment_FullMethodName, "departments/hbj", "OK", "")
	ev = eventOf(t, events, createItemID)
	wantEvent(t, ev, "clerk", pb.RegistryService_CreateItem_FullMethodName, "departments/gtzyj", "OK", "")
	if strconv.FormatInt(ev.Revision, 10) != item.Etag || !ev.Time.AsTime().Equal(item.CreateTime.AsTime()) {
		t.Errorf("item's audit event: revision %d time %v; item etag %s created %v", ev.Revision, ev.Time.AsTime(),
			item.Etag, item.CreateTime.AsTime())
	}
	ev = eventOf(t, events, "client-id-2")
	wantEvent(t, ev, "clerk", pb.RegistryService_UpdateItem_FullMethodName, item.Name, "OK", "")
	if strconv.FormatInt(ev.Revision, 10) != updateEtag {
		t.Errorf("update's audit revision %d, item etag %s", ev.Revision, updateEtag)
	}
	wantEvent(t, eventOf(t, events, "client-id-3"), "clerk", pb.RegistryService_ImportItems_FullMethodName, "departments/gtzyj", "OK", "")
	ev = eventOf(t, events, longID)
	wantEvent(t, ev, "clerk", pb.RegistryService_CreateSubmission_FullMethodName, "departments/gtzyj", "OK", "")
	if strconv.FormatInt(ev.Revision, 10) != sub.Etag {
		t.Errorf("submission's audit revision %d, etag %s", ev.Revision, sub.Etag)
	}
	// Token creations are mutations too.
	for _, name := range []string{"clerk", "clerk-hbj", "reviewer", "boss"} {
		n := 0
		for _, ev := range events {
			if ev.Method == pb.AccessService_CreateToken_FullMethodName && ev.Resource == "tokens/"+name {
				n++
				wantEvent(t, ev, "admin", ev.Method, ev.Resource, "OK", "")
			}
		}
		if n != 1 {
			t.Errorf("creation of token %s has %d audit events", name, n)
		}
	}
	// Revisions are those of the registry: one per mutation, increasing
	// with the sequence.
	var last int64
	for _, rec := range recordsOf(events) {
		if rec.Outcome == "OK" {
			if rec.Revision <= last {
				t.Errorf("audit record %d: revision %d after %d", rec.Seq, rec.Revision, last)
			}
			last = rec.Revision
		}
	}

	// Reads that succeed, or fail for domain reasons, leave no trace.
	before := len(e.auditEvents(t, admin, &pb.ListAuditEventsRequest{}))
	must(e.reg.GetItem(withRequestID(clerk, "read-1"), &pb.GetItemRequest{Name: item.Name}))
	must(e.reg.ListItems(withRequestID(reviewer, "read-2"), &pb.ListItemsRequest{Parent: "departments/-"}))
	must(e.cat.GetCatalogStats(withRequestID("", "read-3"), &pb.GetCatalogStatsRequest{}))
	e.restAs(clerk, http.MethodGet, "/v1/"+item.Name, "", map[string]string{"X-Request-Id": "read-4"})
	_, err := e.reg.GetItem(withRequestID(clerk, "read-5"), &pb.GetItemRequest{Name: "departments/gtzyj/items/999"})
	wantStatus(t, err, codes.NotFound, "ITEM_NOT_FOUND")
	must(e.access().ListAuditEvents(withRequestID(admin, "read-6"), &pb.ListAuditEventsRequest{}))
	events = e.auditEvents(t, admin, &pb.ListAuditEventsRequest{})
	if len(events) != before {
		t.Errorf("reads added %d audit events: %v", len(events)-before, events[:len(events)-before])
	}

	// Refused attempts are recorded, with their outcome and reason.
	_, err = e.reg.CreateItem(withRequestID(hbj, "deny-1"), &pb.CreateItemRequest{Parent: "departments/gtzyj",
		Item: &pb.Item{DisplayName: "越权事项", Category: pb.Category_CATEGORY_OTHER}})
	wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED")
	_, err = e.reg.GetItem(withRequestID(hbj, "deny-2"), &pb.GetItemRequest{Name: item.Name})
	wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED")
	r = e.restAs("", http.MethodPost, "/v1/departments/gtzyj/items", `{"displayName":"匿名事项","category":"CATEGORY_OTHER"}`,
		map[string]string{"X-Request-Id": "unauth-1"})
	if r.Code != http.StatusUnauthorized || r.Header.Get("X-Request-Id") != "unauth-1" {
		t.Errorf("anonymous REST create: HTTP %d, x-request-id %q", r.Code, r.Header.Get("X-Request-Id"))
	}
	_, err = e.reg.GetItem(withRequestID(clerk+"x", "unauth-2"), &pb.GetItemRequest{Name: item.Name})
	wantStatus(t, err, codes.Unauthenticated, "TOKEN_UNKNOWN")
	header = nil
	_, err = e.reg.ApproveSubmission(bearer(reviewer), &pb.ApproveSubmissionRequest{Name: sub.Name}, grpc.Header(&header))
	wantStatus(t, err, codes.FailedPrecondition, "SUBMISSION_NOT_SUBMITTED")
	fpID := firstOf(header.Get("x-request-id"))
	_, err = e.reg.CreateItem(withRequestID(clerk, "invalid-1"), &pb.CreateItemRequest{Parent: "departments/gtzyj",
		Item: &pb.Item{Category: pb.Category_CATEGORY_OTHER}})
	wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")
	// Four eyes: the boss submits and may not approve.
	own := must(e.reg.CreateItem(bearer(boss), &pb.CreateItemRequest{Parent: "departments/gtzyj", Item: &pb.Item{
		DisplayName: "采矿权审批", Category: pb.Category_CATEGORY_LICENSING, LegalBases: basis("第三条")}})).Item
	s2 := must(e.reg.CreateSubmission(bearer(boss), &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
		Submission: &pb.Submission{Items: []string{own.Name}}})).Submission
	must(e.reg.SubmitSubmission(bearer(boss), &pb.SubmitSubmissionRequest{Name: s2.Name}))
	_, err = e.reg.ApproveSubmission(withRequestID(boss, "four-eyes-1"), &pb.ApproveSubmissionRequest{Name: s2.Name})
	wantStatus(t, err, codes.PermissionDenied, "FOUR_EYES")

	events = e.auditEvents(t, admin, &pb.ListAuditEventsRequest{})
	wantEvent(t, eventOf(t, events, "deny-1"), "clerk-hbj", pb.RegistryService_CreateItem_FullMethodName, "departments/gtzyj",
		"PERMISSION_DENIED", "PERMISSION_DENIED")
	wantEvent(t, eventOf(t, events, "deny-2"), "clerk-hbj", pb.RegistryService_GetItem_FullMethodName, item.Name,
		"PERMISSION_DENIED", "PERMISSION_DENIED")
	wantEvent(t, eventOf(t, events, "unauth-1"), "anonymous", pb.RegistryService_CreateItem_FullMethodName, "departments/gtzyj",
		"UNAUTHENTICATED", "UNAUTHENTICATED")
	wantEvent(t, eventOf(t, events, "unauth-2"), "anonymous", pb.RegistryService_GetItem_FullMethodName, item.Name,
		"UNAUTHENTICATED", "TOKEN_UNKNOWN")
	wantEvent(t, eventOf(t, events, fpID), "reviewer", pb.RegistryService_ApproveSubmission_FullMethodName, sub.Name,
		"FAILED_PRECONDITION", "SUBMISSION_NOT_SUBMITTED")
	wantEvent(t, eventOf(t, events, "invalid-1"), "clerk", pb.RegistryService_CreateItem_FullMethodName, "departments/gtzyj",
		"INVALID_ARGUMENT", "INVALID_FIELDS")
	wantEvent(t, eventOf(t, events, "four-eyes-1"), "boss", pb.RegistryService_ApproveSubmission_FullMethodName, s2.Name,
		"PERMISSION_DENIED", "FOUR_EYES")
	// The refused attempts changed nothing.
	items := must(e.reg.ListItems(bearer(clerk), &pb.ListItemsRequest{Parent: "departments/gtzyj"})).Items
	if len(items) != 3 {
		t.Errorf("gtzyj has %d items after refused creations, want 3", len(items))
	}
	if b := audit.Verify(recordsOf(events)); b != nil {
		t.Errorf("the trail does not verify: record %d: %s", b.Seq, b.Reason)
	}
}

func firstOf(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// TestListAuditEvents: newest first, paged, filtered by principal,
// resource (and what is under it) and time; for admins and reviewers.
func TestListAuditEvents(t *testing.T) {
	c := newClock()
	e := startClock(t, "", c)
	admin := e.adminSecret()
	for _, id := range []string{"gtzyj", "gtzyj2", "hbj"} {
		must(e.reg.CreateDepartment(bearer(admin), &pb.CreateDepartmentRequest{DepartmentId: id,
			Department: &pb.Department{DisplayName: "部门" + id}}))
	}
	clerk := e.mint("clerk", []string{"editor"}, []string{"gtzyj", "gtzyj2"}, 0)
	other := e.mint("clerk-hbj", []string{"editor"}, []string{"hbj"}, 0)
	reviewer := e.mint("reviewer", []string{"reviewer"}, nil, 0)
	publisher := e.mint("publisher", []string{"publisher"}, nil, 0)
	mk := func(secret, dept, name string) *pb.Item {
		return must(e.reg.CreateItem(bearer(secret), &pb.CreateItemRequest{Parent: "departments/" + dept,
			Item: &pb.Item{DisplayName: name, Category: pb.Category_CATEGORY_OTHER}})).Item
	}
	var gtItems []*pb.Item
	for i := range 3 {
		gtItems = append(gtItems, mk(clerk, "gtzyj", fmt.Sprintf("事项%d", i)))
	}
	mk(clerk, "gtzyj2", "他局事项")
	mk(other, "hbj", "排污许可")
	mk(other, "hbj", "环评审批")

	// The second hour: an update, a refusal, an anonymous attempt.
	c.Advance(time.Hour)
	start := c.Now()
	must(e.reg.UpdateItem(bearer(clerk), &pb.UpdateItemRequest{Item: &pb.Item{Name: gtItems[0].Name, Remark: "备注"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}}))
	e.reg.UpdateItem(bearer(other), &pb.UpdateItemRequest{Item: &pb.Item{Name: gtItems[1].Name, Remark: "越权"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}})
	e.reg.DeleteItem(context.Background(), &pb.DeleteItemRequest{Name: gtItems[2].Name})
	end := c.Now()
	// The third hour.
	c.Advance(time.Hour)
	mk(clerk, "gtzyj", "事项3")

	all := e.auditEvents(t, admin, &pb.ListAuditEventsRequest{PageSize: 1000})
	for i, ev := range all {
		if ev.Sequence != int64(len(all)-i) {
			t.Fatalf("event %d has sequence %d: not newest first without gaps", i, ev.Sequence)
		}
		if i > 0 && ev.Time.AsTime().After(all[i-1].Time.AsTime()) {
			t.Errorf("event %d is newer than the one before it", ev.Sequence)
		}
	}
	// Pages of 3 give the same events.
	paged := e.auditEvents(t, admin, &pb.ListAuditEventsRequest{PageSize: 3})
	if !sameEvents(paged, all) {
		t.Errorf("pages of 3 give %d events, one page %d", len(paged), len(all))
	}
	first := must(e.access().ListAuditEvents(bearer(admin), &pb.ListAuditEventsRequest{PageSize: 3}))
	if len(first.AuditEvents) != 3 || first.NextPageToken == "" || first.AuditEvents[0].Sequence != all[0].Sequence {
		t.Errorf("first page: %v", first)
	}
	_, err := e.access().ListAuditEvents(bearer(admin), &pb.ListAuditEventsRequest{PageSize: 3, PageToken: first.NextPageToken,
		Principal: "clerk"})
	wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")
	_, err = e.access().ListAuditEvents(bearer(admin), &pb.ListAuditEventsRequest{PageSize: -1})
	wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")

	filter := func(keep func(*pb.AuditEvent) bool) []*pb.AuditEvent {
		var out []*pb.AuditEvent
		for _, ev := range all {
			if keep(ev) {
				out = append(out, ev)
			}
		}
		return out
	}
	check := func(what string, req *pb.ListAuditEventsRequest, want []*pb.AuditEvent, min int) {
		t.Helper()
		req.PageSize = 2
		got := e.auditEvents(t, reviewer, req)
		if !sameEvents(got, want) || len(want) < min {
			t.Errorf("%s: got %d events, want %d (at least %d):\n%v", what, len(got), len(want), min, got)
		}
	}
	check("principal clerk", &pb.ListAuditEventsRequest{Principal: "clerk"},
		filter(func(ev *pb.AuditEvent) bool { return ev.Principal == "clerk" }), 6)
	gt := filter(func(ev *pb.AuditEvent) bool {
		return ev.Resource == "departments/gtzyj" || strings.HasPrefix(ev.Resource, "departments/gtzyj/")
	})
	check("resource departments/gtzyj", &pb.ListAuditEventsRequest{Resource: "departments/gtzyj"}, gt, 7)
	if !slices.ContainsFunc(gt, func(ev *pb.AuditEvent) bool { return ev.Resource == gtItems[0].Name }) ||
		slices.ContainsFunc(gt, func(ev *pb.AuditEvent) bool { return strings.Contains(ev.Resource, "gtzyj2") }) {
		t.Errorf("resource departments/gtzyj should cover its items and not gtzyj2: %v", gt)
	}
	check("an item", &pb.ListAuditEventsRequest{Resource: gtItems[1].Name},
		filter(func(ev *pb.AuditEvent) bool { return ev.Resource == gtItems[1].Name }), 1)
	hour2 := filter(func(ev *pb.AuditEvent) bool {
		return !ev.Time.AsTime().Before(start) && ev.Time.AsTime().Before(end)
	})
	check("the second hour", &pb.ListAuditEventsRequest{StartTime: timestamppb.New(start), EndTime: timestamppb.New(end)}, hour2, 3)
	var outcomes []string
	for _, ev := range hour2 {
		outcomes = append(outcomes, ev.Principal+" "+ev.Outcome)
	}
	if !slices.Equal(outcomes, []string{"anonymous UNAUTHENTICATED", "clerk-hbj PERMISSION_DENIED", "clerk OK"}) {
		t.Errorf("the second hour: %v", outcomes)
	}
	check("since the second hour, by clerk, of gtzyj", &pb.ListAuditEventsRequest{StartTime: timestamppb.New(start),
		Principal: "clerk", Resource: "departments/gtzyj"}, filter(func(ev *pb.AuditEvent) bool {
		return !ev.Time.AsTime().Before(start) && ev.Principal == "clerk" && slices.Contains(gt, ev)
	}), 2)
	check("nobody", &pb.ListAuditEventsRequest{Principal: "nobody"}, nil, 0)

	// REST: GET /v1/auditEvents with the same filters, paged.
	var restGot []string
	q := "principal=clerk&resource=departments/gtzyj&page_size=2&start_time=" + start.Format(time.RFC3339Nano)
	for token := ""; ; {
		r := e.restAs(reviewer, http.MethodGet, "/v1/auditEvents?"+q+token, "", nil)
		if r.Code != http.StatusOK {
			t.Fatalf("REST audit events: HTTP %d %s", r.Code, r.Raw)
		}
		list, _ := r.Body["auditEvents"].([]any)
		for _, x := range list {
			restGot = append(restGot, x.(map[string]any)["sequence"].(string))
		}
		next := r.str("nextPageToken")
		if next == "" {
			break
		}
		token = "&page_token=" + next
	}
	var want []string
	for _, ev := range all {
		if !ev.Time.AsTime().Before(start) && ev.Principal == "clerk" && slices.Contains(gt, ev) {
			want = append(want, strconv.FormatInt(ev.Sequence, 10))
		}
	}
	if !slices.Equal(restGot, want) {
		t.Errorf("REST audit events %v, want %v", restGot, want)
	}

	// Admins and reviewers only.
	for _, s := range []string{clerk, publisher} {
		_, err := e.access().ListAuditEvents(bearer(s), &pb.ListAuditEventsRequest{})
		wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED")
		if r := e.restAs(s, http.MethodGet, "/v1/auditEvents", "", nil); r.Code != http.StatusForbidden {
			t.Errorf("REST audit events as a non-reviewer: HTTP %d", r.Code)
		}
	}
	_, err = e.access().ListAuditEvents(context.Background(), &pb.ListAuditEventsRequest{})
	wantStatus(t, err, codes.Unauthenticated, "UNAUTHENTICATED")
	if r := e.restAs("", http.MethodGet, "/v1/auditEvents", "", nil); r.Code != http.StatusUnauthorized {
		t.Errorf("REST audit events anonymously: HTTP %d", r.Code)
	}
}

func sameEvents(a, b []*pb.AuditEvent) bool {
	return slices.EqualFunc(a, b, func(x, y *pb.AuditEvent) bool { return x.Sequence == y.Sequence && x.Hash == y.Hash })
}

// TestAuditTampering edits the bbolt file behind the server's back: a
// changed or deleted record breaks the chain where it was changed, as seen
// through the API; an untouched trail verifies.
func TestAuditTampering(t *testing.T) {
	dir := t.TempDir()
	e := start(t, dir)
	admin := e.adminSecret()
	must(e.reg.CreateDepartment(bearer(admin), &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	clerk := e.mint("clerk", []string{"editor"}, []string{"gtzyj"}, 0)
	for i := range 4 {
		must(e.reg.CreateItem(bearer(clerk), &pb.CreateItemRequest{Parent: "departments/gtzyj",
			Item: &pb.Item{DisplayName: fmt.Sprintf("事项%d", i), Category: pb.Category_CATEGORY_OTHER}}))
	}
	e.reg.GetItem(context.Background(), &pb.GetItemRequest{Name: "departments/gtzyj/items/1"}) // a refusal
	events := e.auditEvents(t, admin, &pb.ListAuditEventsRequest{PageSize: 3})
	if len(events) != 8 {
		t.Fatalf("%d audit events, want 8 (bootstrap, department, token, 4 items, a refusal)", len(events))
	}
	// (c) untouched, it verifies.
	if b := audit.Verify(recordsOf(events)); b != nil {
		t.Fatalf("an untouched trail does not verify: record %d: %s", b.Seq, b.Reason)
	}
	e.stop()

	open := func(name string, change func(b *bolt.Bucket) error) string {
		t.Helper()
		d := filepath.Join(t.TempDir(), name)
		copyDir(t, dir, d)
		db, err := bolt.Open(filepath.Join(d, store.FileName), 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("audit"))
			if b == nil {
				return fmt.Errorf("no audit bucket")
			}
			return change(b)
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		return d
	}
	key := func(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }
	// The tampering seals each record's envelope again: the checksum
	// (server/store/record.go) catches damage, not intent.
	read := func(seq uint64, b *bolt.Bucket) *audit.Record {
		r, err := store.DecodeAuditRecord(key(seq), b.Get(key(seq)))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	write := func(seq uint64, b *bolt.Bucket, r *audit.Record) error {
		v, err := store.EncodeAuditRecord(key(seq), r)
		if err != nil {
			return err
		}
		return b.Put(key(seq), v)
	}
	edit := func(seq uint64, fn func(r *audit.Record)) func(b *bolt.Bucket) error {
		return func(b *bolt.Bucket) error {
			r := read(seq, b)
			fn(r)
			return write(seq, b, r)
		}
	}
	verify := func(d string) *audit.Break {
		t.Helper()
		e := start(t, d)
		defer e.stop()
		return audit.Verify(recordsOf(e.auditEvents(t, e.adminSecret(), &pb.ListAuditEventsRequest{PageSize: 3})))
	}

	// (a) Another principal in record 5.
	var principal string
	d := open("changed", edit(5, func(r *audit.Record) {
		principal = r.Principal
		r.Principal = "someone-else"
	}))
	if principal != "clerk" {
		t.Fatalf("record 5 was made by %q, want clerk: the record has changed", principal)
	}
	if b := verify(d); b == nil || b.Seq != 5 || !strings.Contains(b.Reason, "changed") {
		t.Errorf("a changed record: break %+v, want record 5 changed", b)
	}
	// (b) Record 4 deleted.
	d = open("deleted", func(b *bolt.Bucket) error { return b.Delete(key(4)) })
	if b := verify(d); b == nil || b.Seq != 4 || !strings.Contains(b.Reason, "missing") {
		t.Errorf("a deleted record: break %+v, want record 4 missing", b)
	}
	// (d) A changed record whose own hash was recomputed: the next record's
	// link breaks.
	d = open("rehashed", func(b *bolt.Bucket) error {
		r := read(6, b)
		r.Outcome, r.Revision = "PERMISSION_DENIED", 0
		r.Hash = r.Sum()
		return write(6, b, r)
	})
	if b := verify(d); b == nil || b.Seq != 7 {
		t.Errorf("a rehashed record: break %+v, want at record 7", b)
	}
	// (c) The original still verifies after a restart.
	if b := verify(dir); b != nil {
		t.Errorf("the untouched trail: break %+v", b)
	}
}

// copyDir copies the regular files of dir src into a new dir dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		if !ent.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, ent.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, ent.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
