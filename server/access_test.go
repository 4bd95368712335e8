package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// fakeClock is the server's clock in the access and audit tests: it runs
// from a fixed start and jumps when a test advances it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2014, time.October, 8, 9, 30, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond) // distinct, increasing times
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startClock is start with the server's clock set to c.
func startClock(t *testing.T, dir string, c *fakeClock) *env {
	t.Helper()
	return serve(t, server.Config{DataDir: dir, Now: c.Now})
}

// bearer is a context whose calls carry secret ("" for none).
func bearer(secret string) context.Context {
	if secret == "" {
		return context.Background()
	}
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+secret)
}

func (e *env) access() pb.AccessServiceClient { return pb.NewAccessServiceClient(e.conn) }

// mint creates a token with the bootstrap admin token and returns its
// secret.
func (e *env) mint(name string, roles, depts []string, ttl time.Duration) string {
	e.t.Helper()
	req := &pb.CreateTokenRequest{TokenId: name, Token: &pb.Token{Roles: roles}}
	for _, d := range depts {
		req.Token.Departments = append(req.Token.Departments, "departments/"+d)
	}
	if ttl > 0 {
		req.Ttl = durationpb.New(ttl)
	}
	resp, err := e.access().CreateToken(bearer(e.adminSecret()), req)
	if err != nil {
		e.t.Fatalf("create token %s: %v", name, err)
	}
	return resp.GetSecret()
}

// restResponse is a REST response with its headers.
type restResponse struct {
	restResult
	Header http.Header
}

// restAs sends a REST request with a bearer secret ("" for none) and extra
// headers.
func (e *env) restAs(secret, method, path, body string, header map[string]string) restResponse {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := restResponse{restResult: restResult{Code: resp.StatusCode, Raw: string(raw)}, Header: resp.Header}
	if len(raw) > 0 && json.Unmarshal(raw, &out.Body) != nil {
		e.t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
	}
	return out
}

// restFirstLine is restAs for a server stream that goes on (a watch): it
// reads the first line of the answer, a message or an error, and hangs up.
func (e *env) restFirstLine(secret, method, path string) restResponse {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.base+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := bufio.NewReader(resp.Body).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		e.t.Fatal(err)
	}
	out := restResponse{restResult: restResult{Code: resp.StatusCode, Raw: string(raw)}, Header: resp.Header}
	if len(raw) > 0 && json.Unmarshal(raw, &out.Body) != nil {
		e.t.Fatalf("%s %s: first line is not JSON: %s", method, path, raw)
	}
	if status, ok := out.Body["error"].(map[string]any); ok {
		out.Body = status // a stream's error is a line {"error": status}
	}
	return out
}

// --- Calling any method from its descriptor ---

// fullMethod is the gRPC name of a method, e.g.
// /powerreg.v1.RegistryService/GetItem.
func fullMethod(m protoreflect.MethodDescriptor) string {
	return fmt.Sprintf("/%s/%s", m.Parent().FullName(), m.Name())
}

// invoke calls method m with the request messages (one for a unary
// method, one or more for a client stream) and returns the response
// headers.
func invoke(ctx context.Context, conn *grpc.ClientConn, m protoreflect.MethodDescriptor, reqs []proto.Message) (proto.Message, metadata.MD, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(m.Output().FullName())
	if err != nil {
		return nil, nil, err
	}
	resp := mt.New().Interface()
	var header metadata.MD
	if m.IsStreamingServer() {
		// A watch goes on: hang up after its first message.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
	}
	if !m.IsStreamingClient() && !m.IsStreamingServer() {
		err := conn.Invoke(ctx, fullMethod(m), reqs[0], resp, grpc.Header(&header))
		return resp, header, err
	}
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{StreamName: string(m.Name()), ClientStreams: m.IsStreamingClient(),
		ServerStreams: m.IsStreamingServer()}, fullMethod(m), grpc.Header(&header))
	if err != nil {
		return nil, nil, err
	}
	for _, r := range reqs {
		if err := stream.SendMsg(r); err != nil {
			if errors.Is(err, io.EOF) {
				break // the server answered early; RecvMsg has its status
			}
			return nil, header, err
		}
	}
	if err := stream.CloseSend(); err != nil {
		return nil, header, err
	}
	err = stream.RecvMsg(resp)
	return resp, header, err
}

var pathVar = regexp.MustCompile(`\{([a-z_.]+)(=[^}]*)?\}`)

// restRequest builds the REST request of method m from its google.api.http
// binding: path variables from the request's fields, the body as the
// binding says (newline-delimited JSON for a client stream), the other set
// fields as query parameters.
func restRequest(t *testing.T, m protoreflect.MethodDescriptor, reqs []proto.Message) (method, path, body string) {
	t.Helper()
	rule, _ := proto.GetExtension(m.Options(), annotations.E_Http).(*annotations.HttpRule)
	if rule == nil {
		t.Fatalf("%s has no google.api.http binding", fullMethod(m))
	}
	var tmpl string
	switch p := rule.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		method, tmpl = http.MethodGet, p.Get
	case *annotations.HttpRule_Post:
		method, tmpl = http.MethodPost, p.Post
	case *annotations.HttpRule_Patch:
		method, tmpl = http.MethodPatch, p.Patch
	case *annotations.HttpRule_Put:
		method, tmpl = http.MethodPut, p.Put
	case *annotations.HttpRule_Delete:
		method, tmpl = http.MethodDelete, p.Delete
	default:
		t.Fatalf("%s: unsupported binding %v", fullMethod(m), rule)
	}
	req := reqs[0].ProtoReflect()
	skip := map[string]bool{rule.GetBody(): true}
	path = pathVar.ReplaceAllStringFunc(tmpl, func(v string) string {
		field := pathVar.FindStringSubmatch(v)[1]
		skip[strings.Split(field, ".")[0]] = true
		msg := req
		parts := strings.Split(field, ".")
		for _, p := range parts[:len(parts)-1] {
			msg = msg.Get(msg.Descriptor().Fields().ByName(protoreflect.Name(p))).Message()
		}
		return msg.Get(msg.Descriptor().Fields().ByName(protoreflect.Name(parts[len(parts)-1]))).String()
	})
	switch b := rule.GetBody(); {
	case b == "*":
		var lines []string
		for _, r := range reqs {
			lines = append(lines, string(must(protojson.Marshal(r))))
		}
		body = strings.Join(lines, "\n") + "\n"
	case b != "":
		fd := req.Descriptor().Fields().ByName(protoreflect.Name(b))
		body = string(must(protojson.Marshal(req.Get(fd).Message().Interface())))
	}
	q := url.Values{}
	req.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if skip[string(fd.Name())] || rule.GetBody() == "*" {
			return true
		}
		name := string(fd.Name())
		switch {
		case fd.IsList():
			for i := 0; i < v.List().Len(); i++ {
				q.Add(name, scalar(fd, v.List().Get(i)))
			}
		case fd.Kind() == protoreflect.MessageKind:
			switch x := v.Message().Interface().(type) {
			case *timestamppb.Timestamp:
				q.Set(name, x.AsTime().Format(time.RFC3339Nano))
			case *durationpb.Duration:
				q.Set(name, fmt.Sprintf("%gs", x.AsDuration().Seconds()))
			case *fieldmaskpb.FieldMask:
				q.Set(name, strings.Join(x.GetPaths(), ","))
			default:
				t.Fatalf("%s: cannot put %s in a query", fullMethod(m), name)
			}
		default:
			q.Set(name, scalar(fd, v))
		}
		return true
	})
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return method, path, body
}

func scalar(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	if fd.Kind() == protoreflect.EnumKind {
		return string(fd.Enum().Values().ByNumber(v.Enum()).Name())
	}
	return v.String()
}

// servedMethods lists every method of every service the server serves
// (asked through reflection), but for health checks and reflection.
func servedMethods(t *testing.T, e *env) []protoreflect.MethodDescriptor {
	t.Helper()
	stream, err := reflectionpb.NewServerReflectionClient(e.conn).ServerReflectionInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	stream.CloseSend()
	var out []protoreflect.MethodDescriptor
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		if strings.HasPrefix(s.GetName(), "grpc.") {
			continue
		}
		names = append(names, s.GetName())
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(s.GetName()))
		if err != nil {
			t.Fatalf("served service %s has no descriptor: %v", s.GetName(), err)
		}
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		for i := 0; i < methods.Len(); i++ {
			out = append(out, methods.Get(i))
		}
	}
	// The generated files' services must all be served.
	for _, f := range []protoreflect.FileDescriptor{pb.File_powerreg_v1_registry_service_proto,
		pb.File_powerreg_v1_catalog_service_proto, pb.File_powerreg_v1_access_service_proto,
		pb.File_powerreg_v1_operations_service_proto} {
		for i := 0; i < f.Services().Len(); i++ {
			if n := string(f.Services().Get(i).FullName()); !slices.Contains(names, n) {
				t.Errorf("service %s is not served", n)
			}
		}
	}
	return out
}

// --- The fixture ---

// Identities of the access matrix.
type who int

const (
	anonymous who = iota
	editorGtzyj
	editorHbj // an editor of another department
	reviewerOnly
	publisherOnly
	adminOnly
	revoked // every role, revoked
	expired // every role, expired
	nIdentities
)

var whoNames = [...]string{"anonymous", "editor-gtzyj", "editor-hbj", "reviewer", "publisher", "admin", "revoked", "expired"}

func (w who) String() string { return whoNames[w] }

// unauthenticated reports whether w's calls carry no valid credentials.
func (w who) unauthenticated() bool { return w == anonymous || w == revoked || w == expired }

// fixture is a registry with departments gtzyj and hbj, items and
// submissions of gtzyj in every state, a publication, and a token of
// each identity.
type fixture struct {
	e      *env
	clock  *fakeClock
	secret [nIdentities]string

	read, update, del, abolish, forSub, other                       *pb.Item
	sRead, sDelete, sSubmit, sApprove, sReject, sPublish, sWithdraw *pb.Submission
	pub                                                             *pb.Publication
	// secrets of gtzyj that no refusal may show another department
	private []string
}

const basisText = "未经批准占用土地的，由县级以上人民政府自然资源主管部门责令退还（机密正文）"

func newFixture(t *testing.T) *fixture {
	c := newClock()
	e := startClock(t, "", c)
	f := &fixture{e: e, clock: c}
	clerk, rev, pubr := as("setup-clerk"), as("setup-reviewer"), as("setup-publisher")
	must(e.reg.CreateDepartment(clerk, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	must(e.reg.CreateDepartment(clerk, &pb.CreateDepartmentRequest{DepartmentId: "hbj",
		Department: &pb.Department{DisplayName: "市环境保护局"}}))
	mk := func(dept, name string) *pb.Item {
		if dept == "gtzyj" {
			f.private = append(f.private, name)
		}
		return must(e.reg.CreateItem(clerk, &pb.CreateItemRequest{Parent: "departments/" + dept, Item: &pb.Item{
			DisplayName: name, Category: pb.Category_CATEGORY_LICENSING, Remark: name + "（内部备注）",
			LegalBases: []*pb.LegalBasis{{Level: pb.LegalBasis_LEVEL_LAW, Title: "《中华人民共和国土地管理法》",
				Article: "第七十七条", Text: basisText}}}})).Item
	}
	batch := func(items ...*pb.Item) *pb.Submission {
		var names []string
		for _, it := range items {
			names = append(names, it.Name)
		}
		return must(e.reg.CreateSubmission(clerk, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
			Submission: &pb.Submission{Items: names}})).Submission
	}
	submit := func(s *pb.Submission) *pb.Submission {
		return must(e.reg.SubmitSubmission(clerk, &pb.SubmitSubmissionRequest{Name: s.Name})).Submission
	}
	approve := func(s *pb.Submission) *pb.Submission {
		return must(e.reg.ApproveSubmission(rev, &pb.ApproveSubmissionRequest{Name: s.Name, Comment: "同意"})).Submission
	}
	f.read = mk("gtzyj", "建设用地审批")
	f.abolish = mk("gtzyj", "采矿权审批")
	f.update = mk("gtzyj", "土地复垦验收")
	f.del = mk("gtzyj", "土地登记")
	f.forSub = mk("gtzyj", "土地出让金征收")
	a1, a2, a3, a4, a5 := mk("gtzyj", "土地征收审批"), mk("gtzyj", "土地复垦费征收"),
		mk("gtzyj", "土地权属争议裁决"), mk("gtzyj", "地质灾害治理验收"), mk("gtzyj", "矿产资源补偿费征收")
	a6 := mk("gtzyj", "探矿权审批")
	f.private = append(f.private, basisText, "内部备注")
	f.other = mk("hbj", "排污许可")

	f.sRead = approve(submit(batch(f.read, f.abolish)))
	f.pub = must(e.reg.CreatePublication(pubr, &pb.CreatePublicationRequest{
		Publication: &pb.Publication{Submissions: []string{f.sRead.Name}}})).Publication
	f.read = must(e.reg.GetItem(clerk, &pb.GetItemRequest{Name: f.read.Name})).Item
	if f.read.State != pb.Item_STATE_PUBLISHED || f.read.Code == "" {
		t.Fatalf("setup: %v", f.read)
	}
	f.sDelete = batch(a1)
	f.sSubmit = batch(a2)
	f.sApprove = submit(batch(a3))
	f.sReject = submit(batch(a4))
	f.sPublish = approve(submit(batch(a5)))
	f.sWithdraw = submit(batch(a6))

	all := []string{registry.RoleEditor, registry.RoleReviewer, registry.RolePublisher, registry.RoleAdmin}
	f.secret[editorGtzyj] = e.mint("ed-gtzyj", []string{registry.RoleEditor}, []string{"gtzyj"}, 0)
	f.secret[editorHbj] = e.mint("ed-hbj", []string{registry.RoleEditor}, []string{"hbj"}, 0)
	f.secret[reviewerOnly] = e.mint("rev", []string{registry.RoleReviewer}, nil, 0)
	f.secret[publisherOnly] = e.mint("pub", []string{registry.RolePublisher}, nil, 0)
	f.secret[adminOnly] = e.mint("adm", []string{registry.RoleAdmin}, nil, 0)
	f.secret[revoked] = e.mint("revoked", all, []string{"-"}, 0)
	f.secret[expired] = e.mint("expired", all, []string{"-"}, time.Hour)
	e.mint("victim", []string{registry.RoleReviewer}, nil, 0)
	must(e.access().RevokeToken(bearer(e.adminSecret()), &pb.RevokeTokenRequest{Name: "tokens/revoked"}))
	c.Advance(2 * time.Hour)
	return f
}

// accessCase is one method's requests and the identities allowed to make
// them.
type accessCase struct {
	reqs    []proto.Message
	allowed []who
}

func (f *fixture) cases() map[string]accessCase {
	everyone := []who{anonymous, editorGtzyj, editorHbj, reviewerOnly, publisherOnly, adminOnly}
	anyRole := []who{editorGtzyj, editorHbj, reviewerOnly, publisherOnly, adminOnly}
	editor := []who{editorGtzyj}
	readers := []who{editorGtzyj, reviewerOnly, publisherOnly} // the department's editors, reviewers, publishers
	admin := []who{adminOnly}
	one := func(m proto.Message, allowed ...who) accessCase { return accessCase{[]proto.Message{m}, allowed} }
	gt := "departments/gtzyj"
	newItem := func(name string) *pb.Item {
		return &pb.Item{DisplayName: name, Category: pb.Category_CATEGORY_PENALTY,
			LegalBases: []*pb.LegalBasis{{Level: pb.LegalBasis_LEVEL_LAW, Title: "《土地管理法》", Text: "第七十七条"}}}
	}
	displayName := &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}
	return map[string]accessCase{
		pb.RegistryService_ListCategories_FullMethodName: one(&pb.ListCategoriesRequest{}, everyone...),
		pb.RegistryService_CreateDepartment_FullMethodName: one(&pb.CreateDepartmentRequest{DepartmentId: "jyj",
			Department: &pb.Department{DisplayName: "市教育局"}}, admin...),
		pb.RegistryService_GetDepartment_FullMethodName:   one(&pb.GetDepartmentRequest{Name: gt}, anyRole...),
		pb.RegistryService_ListDepartments_FullMethodName: one(&pb.ListDepartmentsRequest{}, anyRole...),
		pb.RegistryService_UpdateDepartment_FullMethodName: one(&pb.UpdateDepartmentRequest{
			Department: &pb.Department{Name: gt, DisplayName: "市自然资源局"}, UpdateMask: displayName}, admin...),

		pb.RegistryService_CreateItem_FullMethodName: one(&pb.CreateItemRequest{Parent: gt, Item: newItem("新设事项")}, editor...),
		pb.RegistryService_ImportItems_FullMethodName: {[]proto.Message{
			&pb.ImportItemsRequest{Parent: gt, Rows: []*pb.ImportRow{{Item: newItem("导入事项一")}}},
			&pb.ImportItemsRequest{Rows: []*pb.ImportRow{{Item: newItem("导入事项二")}}},
		}, editor},
		pb.RegistryService_GetItem_FullMethodName:   one(&pb.GetItemRequest{Name: f.read.Name}, readers...),
		pb.RegistryService_ListItems_FullMethodName: one(&pb.ListItemsRequest{Parent: gt, PageSize: 5}, readers...),
		pb.RegistryService_UpdateItem_FullMethodName: one(&pb.UpdateItemRequest{
			Item: &pb.Item{Name: f.update.Name, DisplayName: "土地复垦的验收"}, UpdateMask: displayName}, editor...),
		pb.RegistryService_DeleteItem_FullMethodName:    one(&pb.DeleteItemRequest{Name: f.del.Name}, editor...),
		pb.RegistryService_AbolishItem_FullMethodName:   one(&pb.AbolishItemRequest{Name: f.abolish.Name, Comment: "取消"}, editor...),
		pb.RegistryService_ListRevisions_FullMethodName: one(&pb.ListRevisionsRequest{Parent: f.read.Name}, readers...),
		pb.RegistryService_GetRevision_FullMethodName:   one(&pb.GetRevisionRequest{Name: f.read.Name + "/revisions/1"}, readers...),

		pb.RegistryService_CreateSubmission_FullMethodName: one(&pb.CreateSubmissionRequest{Parent: gt,
			Submission: &pb.Submission{Items: []string{f.forSub.Name}}}, editor...),
		pb.RegistryService_GetSubmission_FullMethodName: one(&pb.GetSubmissionRequest{Name: f.sRead.Name}, readers...),
		pb.RegistryService_ListSubmissions_FullMethodName: one(&pb.ListSubmissionsRequest{Parent: gt,
			State: pb.Submission_STATE_PUBLISHED}, readers...),
		pb.RegistryService_DeleteSubmission_FullMethodName: one(&pb.DeleteSubmissionRequest{Name: f.sDelete.Name}, editor...),
		pb.RegistryService_SubmitSubmission_FullMethodName: one(&pb.SubmitSubmissionRequest{Name: f.sSubmit.Name}, editor...),
		pb.RegistryService_WithdrawSubmission_FullMethodName: one(&pb.WithdrawSubmissionRequest{Name: f.sWithdraw.Name,
			Comment: "还要补充"}, editor...),
		pb.RegistryService_ListSubmissionItems_FullMethodName: one(&pb.ListSubmissionItemsRequest{Parent: f.sRead.Name}, readers...),
		pb.RegistryService_ApproveSubmission_FullMethodName:   one(&pb.ApproveSubmissionRequest{Name: f.sApprove.Name}, reviewerOnly),
		pb.RegistryService_RejectSubmission_FullMethodName: one(&pb.RejectSubmissionRequest{Name: f.sReject.Name,
			Comment: "依据不全"}, reviewerOnly),

		pb.RegistryService_CreatePublication_FullMethodName: one(&pb.CreatePublicationRequest{
			Publication: &pb.Publication{Submissions: []string{f.sPublish.Name}}}, publisherOnly),
		pb.RegistryService_GetPublication_FullMethodName:       one(&pb.GetPublicationRequest{Name: f.pub.Name}, reviewerOnly, publisherOnly),
		pb.RegistryService_ListPublications_FullMethodName:     one(&pb.ListPublicationsRequest{}, reviewerOnly, publisherOnly),
		pb.RegistryService_ListPublicationItems_FullMethodName: one(&pb.ListPublicationItemsRequest{Parent: f.pub.Name}, reviewerOnly, publisherOnly),
		pb.RegistryService_ListEvents_FullMethodName:           one(&pb.ListEventsRequest{Parent: f.read.Name}, readers...),

		pb.CatalogService_ListCatalogItems_FullMethodName: one(&pb.ListCatalogItemsRequest{
			Category: pb.Category_CATEGORY_LICENSING}, everyone...),
		pb.CatalogService_GetCatalogItem_FullMethodName:  one(&pb.GetCatalogItemRequest{Code: f.read.Code}, everyone...),
		pb.CatalogService_GetCatalogStats_FullMethodName: one(&pb.GetCatalogStatsRequest{}, everyone...),
		pb.CatalogService_ListCatalogItemRevisions_FullMethodName: one(&pb.ListCatalogItemRevisionsRequest{
			Code: f.read.Code}, everyone...),
		pb.CatalogService_CompareCatalogItemRevisions_FullMethodName: one(&pb.CompareCatalogItemRevisionsRequest{
			Code: f.read.Code, FromRevisionId: "1", ToRevisionId: "1"}, everyone...),

		pb.CatalogService_ListCatalogChanges_FullMethodName: one(&pb.ListCatalogChangesRequest{PageSize: 1}, everyone...),
		// From the beginning: the fixture's publication is sent at once.
		pb.CatalogService_WatchCatalogChanges_FullMethodName: one(&pb.WatchCatalogChangesRequest{}, everyone...),

		pb.AccessService_CreateToken_FullMethodName: one(&pb.CreateTokenRequest{TokenId: "minted",
			Token: &pb.Token{Roles: []string{registry.RoleReviewer}}, Ttl: durationpb.New(time.Hour)}, admin...),
		pb.AccessService_ListTokens_FullMethodName:  one(&pb.ListTokensRequest{}, admin...),
		pb.AccessService_RevokeToken_FullMethodName: one(&pb.RevokeTokenRequest{Name: "tokens/victim"}, admin...),
		pb.AccessService_GetCaller_FullMethodName:   one(&pb.GetCallerRequest{}, everyone...),
		pb.AccessService_ListAuditEvents_FullMethodName: one(&pb.ListAuditEventsRequest{PageSize: 10,
			StartTime: timestamppb.New(time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC))}, adminOnly, reviewerOnly),

		pb.OperationsService_Backup_FullMethodName:                one(&pb.BackupRequest{}, admin...),
		pb.OperationsService_CompactCatalogChanges_FullMethodName: one(&pb.CompactCatalogChangesRequest{BeforeRevision: 1}, admin...),
	}
}

// departmental lists the methods whose requests name a gtzyj resource
// that editors of gtzyj may reach: an editor of hbj is refused naming the
// missing department.
var departmental = []string{
	pb.RegistryService_CreateItem_FullMethodName, pb.RegistryService_ImportItems_FullMethodName,
	pb.RegistryService_GetItem_FullMethodName, pb.RegistryService_ListItems_FullMethodName,
	pb.RegistryService_UpdateItem_FullMethodName, pb.RegistryService_DeleteItem_FullMethodName,
	pb.RegistryService_AbolishItem_FullMethodName, pb.RegistryService_ListRevisions_FullMethodName,
	pb.RegistryService_GetRevision_FullMethodName, pb.RegistryService_CreateSubmission_FullMethodName,
	pb.RegistryService_GetSubmission_FullMethodName, pb.RegistryService_ListSubmissions_FullMethodName,
	pb.RegistryService_DeleteSubmission_FullMethodName, pb.RegistryService_SubmitSubmission_FullMethodName,
	pb.RegistryService_WithdrawSubmission_FullMethodName, pb.RegistryService_ListSubmissionItems_FullMethodName,
	pb.RegistryService_ListEvents_FullMethodName,
}

// TestAccessMatrix makes every served method's call as every identity,
// over gRPC and over REST, and checks it is allowed or refused as the
// table says. A method without an entry fails the test.
func TestAccessMatrix(t *testing.T) {
	f := newFixture(t)
	e := f.e
	table := f.cases()
	methods := servedMethods(t, e)
	var missing []string
	for _, m := range methods {
		if _, ok := table[fullMethod(m)]; !ok {
			missing = append(missing, fullMethod(m))
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the access table has no entry for %d methods: %s", len(missing), strings.Join(missing, ", "))
	}
	if len(table) != len(methods) {
		t.Fatalf("the access table has %d entries for %d served methods", len(table), len(methods))
	}

	calls := 0
	for _, m := range methods {
		name := fullMethod(m)
		c := table[name]
		mutates := strings.HasPrefix(string(m.Name()), "Create") || strings.HasPrefix(string(m.Name()), "Update") ||
			strings.HasPrefix(string(m.Name()), "Delete") || slices.Contains([]string{"ImportItems", "AbolishItem",
			"SubmitSubmission", "WithdrawSubmission", "ApproveSubmission", "RejectSubmission", "RevokeToken"}, string(m.Name()))
		succeeded := false
		for w := who(0); w < nIdentities; w++ {
			allowed := slices.Contains(c.allowed, w)
			wantDenied := codes.PermissionDenied
			if w.unauthenticated() {
				wantDenied = codes.Unauthenticated
			}

			// gRPC
			_, _, err := invoke(bearer(f.secret[w]), e.conn, m, c.reqs)
			calls++
			st := status.Convert(err)
			switch {
			case allowed && (st.Code() == codes.Unauthenticated || st.Code() == codes.PermissionDenied):
				t.Errorf("gRPC %s as %s: refused (%s: %s), want allowed", name, w, st.Code(), st.Message())
			case allowed && !mutates && st.Code() != codes.OK:
				t.Errorf("gRPC %s as %s: %s (%s), want OK: the fixture should name real resources", name, w, st.Code(), st.Message())
			case !allowed && st.Code() != wantDenied:
				t.Errorf("gRPC %s as %s: %s (%s), want %s", name, w, st.Code(), st.Message(), wantDenied)
			case !allowed && reasonOf(st) != w.refusal():
				t.Errorf("gRPC %s as %s: reason %q, want %q", name, w, reasonOf(st), w.refusal())
			}
			succeeded = succeeded || err == nil
			if !allowed {
				f.checkNoLeak(t, "gRPC "+name+" as "+w.String(), st.Message()+" "+fmt.Sprint(st.Details()))
				if w == editorHbj && slices.Contains(departmental, name) && !strings.Contains(st.Message(), "editor of departments/gtzyj") {
					t.Errorf("gRPC %s as %s: the refusal does not name the missing department: %s", name, w, st.Message())
				}
			}

			// REST
			method, path, body := restRequest(t, m, c.reqs)
			var r restResponse
			if m.IsStreamingServer() {
				r = e.restFirstLine(f.secret[w], method, path)
			} else {
				r = e.restAs(f.secret[w], method, path, body, nil)
			}
			calls++
			wantHTTP := http.StatusForbidden
			if w.unauthenticated() {
				wantHTTP = http.StatusUnauthorized
			}
			switch {
			case allowed && (r.Code == http.StatusUnauthorized || r.Code == http.StatusForbidden):
				t.Errorf("REST %s %s as %s: HTTP %d (%s), want allowed", method, path, w, r.Code, r.Raw)
			case allowed && !mutates && r.Code != http.StatusOK:
				t.Errorf("REST %s %s as %s: HTTP %d (%s), want 200", method, path, w, r.Code, r.Raw)
			case !allowed && r.Code != wantHTTP:
				t.Errorf("REST %s %s as %s: HTTP %d (%s), want %d", method, path, w, r.Code, r.Raw, wantHTTP)
			case !allowed && r.reason() != w.refusal():
				t.Errorf("REST %s %s as %s: reason %q, want %q", method, path, w, r.reason(), w.refusal())
			}
			succeeded = succeeded || r.Code == http.StatusOK
			if !allowed {
				f.checkNoLeak(t, "REST "+name+" as "+w.String(), r.Raw)
			}
		}
		if !succeeded {
			t.Errorf("%s: no allowed call succeeded; the fixture should make one work", name)
		}
	}
	t.Logf("%d methods × %d identities × 2 transports = %d calls", len(methods), nIdentities, calls)
}

// refusal is the reason of w's refused calls.
func (w who) refusal() string {
	switch w {
	case anonymous:
		return "UNAUTHENTICATED"
	case revoked:
		return "TOKEN_REVOKED"
	case expired:
		return "TOKEN_EXPIRED"
	}
	return "PERMISSION_DENIED"
}

// checkNoLeak fails when a refusal shows anything of gtzyj's items.
func (f *fixture) checkNoLeak(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range f.private {
		if strings.Contains(text, s) {
			t.Errorf("%s: the refusal shows %q of a gtzyj item: %s", what, s, text)
		}
	}
}

// TestDenialsNameWhatIsMissing: a refusal names the missing role or
// department, never another department's data, and an editor's scope is
// exactly its departments.
func TestDenialsNameWhatIsMissing(t *testing.T) {
	f := newFixture(t)
	e := f.e
	hbj, gt := bearer(f.secret[editorHbj]), bearer(f.secret[editorGtzyj])

	_, err := e.reg.GetItem(hbj, &pb.GetItemRequest{Name: f.read.Name})
	st := wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED")
	for _, want := range []string{"ed-hbj", "reviewer", "publisher", "editor of departments/gtzyj"} {
		if !strings.Contains(st.Message(), want) {
			t.Errorf("refusal %q does not name %q", st.Message(), want)
		}
	}
	if !bilingual(st.Message()) {
		t.Errorf("refusal is not bilingual: %s", st.Message())
	}
	f.checkNoLeak(t, "GetItem", st.Message())
	r := e.restAs(f.secret[editorHbj], http.MethodGet, "/v1/"+f.read.Name, "", nil)
	if r.Code != http.StatusForbidden || !strings.Contains(r.str("message"), "editor of departments/gtzyj") {
		t.Errorf("REST GetItem as an editor of hbj: HTTP %d %s", r.Code, r.Raw)
	}
	f.checkNoLeak(t, "REST GetItem", r.Raw)

	// An update that carries the item's name and new content: the refusal
	// says nothing of the stored item.
	_, err = e.reg.UpdateItem(hbj, &pb.UpdateItemRequest{Item: &pb.Item{Name: f.update.Name, DisplayName: "改名"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	st = wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED")
	f.checkNoLeak(t, "UpdateItem", st.Message())
	if got := must(e.reg.GetItem(gt, &pb.GetItemRequest{Name: f.update.Name})).Item; got.DisplayName != f.update.DisplayName {
		t.Errorf("a refused update changed the item: %q", got.DisplayName)
	}

	// The other way round: gtzyj's editor is refused hbj's item, and an
	// item of hbj named under gtzyj is not found (nothing of it shown).
	_, err = e.reg.GetItem(gt, &pb.GetItemRequest{Name: f.other.Name})
	st = wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED")
	if !strings.Contains(st.Message(), "editor of departments/hbj") || strings.Contains(st.Message(), "排污许可") {
		t.Errorf("refusal of hbj's item: %s", st.Message())
	}
	_, id, _ := strings.Cut(f.other.Name, "/items/")
	_, err = e.reg.GetItem(gt, &pb.GetItemRequest{Name: "departments/gtzyj/items/" + id})
	st = wantStatus(t, err, codes.NotFound, "ITEM_NOT_FOUND")
	if strings.Contains(st.Message(), "排污许可") || strings.Contains(st.Message(), "hbj") {
		t.Errorf("not-found of hbj's item under gtzyj shows it: %s", st.Message())
	}

	// Lists across departments and events of publications are for
	// reviewers, publishers and editors of every department.
	for _, call := range []func() error{
		func() error { _, err := e.reg.ListItems(gt, &pb.ListItemsRequest{Parent: "departments/-"}); return err },
		func() error {
			_, err := e.reg.ListSubmissions(gt, &pb.ListSubmissionsRequest{Parent: "departments/-"})
			return err
		},
		func() error { _, err := e.reg.ListEvents(gt, &pb.ListEventsRequest{Parent: f.pub.Name}); return err },
	} {
		st := wantStatus(t, call(), codes.PermissionDenied, "PERMISSION_DENIED")
		if !strings.Contains(st.Message(), "editor of every department (-)") {
			t.Errorf("refusal does not name what is missing: %s", st.Message())
		}
	}
	// An import without a department (rows name theirs) or creating
	// departments needs an editor of every department.
	for _, first := range []*pb.ImportItemsRequest{
		{Rows: []*pb.ImportRow{{DepartmentDisplayName: "市国土资源局", Item: &pb.Item{DisplayName: "x", Category: pb.Category_CATEGORY_OTHER}}}},
		{Parent: "departments/gtzyj", CreateDepartments: true},
	} {
		stream := must(e.reg.ImportItems(gt))
		stream.Send(first)
		_, err := stream.CloseAndRecv()
		st := wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED")
		if !strings.Contains(st.Message(), "editor of every department (-)") {
			t.Errorf("import refusal: %s", st.Message())
		}
	}
	// An editor of every department may.
	all := e.mint("ed-all", []string{registry.RoleEditor}, []string{"-"}, 0)
	must(e.reg.ListItems(bearer(all), &pb.ListItemsRequest{Parent: "departments/-"}))
	must(e.reg.GetItem(bearer(all), &pb.GetItemRequest{Name: f.other.Name}))
	// An import that creates departments needs the admin role as well.
	importing := func(secret string) error {
		stream := must(e.reg.ImportItems(bearer(secret)))
		stream.Send(&pb.ImportItemsRequest{CreateDepartments: true, ValidateOnly: true, Rows: []*pb.ImportRow{{
			DepartmentDisplayName: "市林业局", Item: &pb.Item{DisplayName: "林木采伐许可", Category: pb.Category_CATEGORY_LICENSING}}}})
		_, err := stream.CloseAndRecv()
		return err
	}
	st = wantStatus(t, importing(all), codes.PermissionDenied, "PERMISSION_DENIED")
	if !strings.Contains(st.Message(), "admin") {
		t.Errorf("import creating departments: %s", st.Message())
	}
	if err := importing(e.mint("ed-all-admin", []string{registry.RoleEditor, registry.RoleAdmin}, []string{"-"}, 0)); err != nil {
		t.Errorf("import creating departments by an admin editor of every department: %v", err)
	}
	// A token for an editor of a department that does not exist is refused.
	_, err = e.access().CreateToken(bearer(e.adminSecret()), &pb.CreateTokenRequest{TokenId: "ghost",
		Token: &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/nosuch"}}})
	wantStatus(t, err, codes.NotFound, "DEPARTMENT_NOT_FOUND")
	// Malformed credentials are UNAUTHENTICATED, on public methods too.
	for h, reason := range map[string]string{"Basic abc": "UNAUTHENTICATED", "Bearer": "UNAUTHENTICATED", "Bearer  ": "UNAUTHENTICATED",
		"prt_nothing": "UNAUTHENTICATED", "Bearer prt_unknown": "TOKEN_UNKNOWN", "Bearer Bearer prt_unknown": "TOKEN_BEARER_PREFIX"} {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", h)
		_, err := e.cat.GetCatalogStats(ctx, &pb.GetCatalogStatsRequest{})
		wantStatus(t, err, codes.Unauthenticated, reason)
	}
}

// TestFourEyes: over the API, nobody reviews a batch they submitted or
// edited, nobody publishes a batch they submitted; others may; holding
// the admin role changes nothing.
func TestFourEyes(t *testing.T) {
	e := start(t, "")
	boss := as("boss") // every role, admin included
	must(e.reg.CreateDepartment(boss, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	clerk := bearer(e.mint("clerk", []string{"editor"}, []string{"gtzyj"}, 0))
	editorReviewer := bearer(e.mint("editor-reviewer", []string{"editor", "reviewer"}, []string{"gtzyj"}, 0))
	reviewer := bearer(e.mint("reviewer", []string{"reviewer"}, nil, 0))
	publisher := bearer(e.mint("publisher", []string{"publisher"}, nil, 0))

	mk := func(ctx context.Context, name string) *pb.Item {
		return must(e.reg.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj",
			Item: &pb.Item{DisplayName: name, Category: pb.Category_CATEGORY_PENALTY, LegalBases: basis("第七十七条")}})).Item
	}
	batch := func(ctx context.Context, items ...*pb.Item) *pb.Submission {
		var names []string
		for _, it := range items {
			names = append(names, it.Name)
		}
		s := must(e.reg.CreateSubmission(ctx, &pb.CreateSubmissionRequest{Parent: "departments/gtzyj",
			Submission: &pb.Submission{Items: names}})).Submission
		return must(e.reg.SubmitSubmission(ctx, &pb.SubmitSubmissionRequest{Name: s.Name})).Submission
	}
	fourEyes := func(what string, err error, who string) {
		t.Helper()
		st := wantStatus(t, err, codes.PermissionDenied, "FOUR_EYES")
		if !strings.Contains(st.Message(), who) {
			t.Errorf("%s: the refusal does not name %s: %s", what, who, st.Message())
		}
	}

	// The boss (admin and every other role) submits a batch: the boss may
	// neither review nor publish it.
	a := mk(boss, "甲")
	s1 := batch(boss, a)
	_, err := e.reg.ApproveSubmission(boss, &pb.ApproveSubmissionRequest{Name: s1.Name})
	fourEyes("approval by the submitting admin", err, "boss")
	_, err = e.reg.RejectSubmission(boss, &pb.RejectSubmissionRequest{Name: s1.Name, Comment: "x"})
	fourEyes("rejection by the submitting admin", err, "boss")
	r := e.rest("boss", http.MethodPost, "/v1/"+s1.Name+":approve", "{}")
	if r.Code != http.StatusForbidden || r.reason() != "FOUR_EYES" {
		t.Errorf("REST approval by the submitter: HTTP %d %s", r.Code, r.Raw)
	}
	s1 = must(e.reg.ApproveSubmission(reviewer, &pb.ApproveSubmissionRequest{Name: s1.Name})).Submission
	_, err = e.reg.CreatePublication(boss, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: []string{s1.Name}}})
	fourEyes("publication by the submitting admin", err, "boss")
	p := must(e.reg.CreatePublication(publisher, &pb.CreatePublicationRequest{
		Publication: &pb.Publication{Submissions: []string{s1.Name}}})).Publication
	if p.Publisher != "publisher" {
		t.Errorf("publisher %q", p.Publisher)
	}

	// A clerk submits a batch with an item the editor-reviewer edited: the
	// clerk (submitter) and the editor-reviewer (editor) may not review it,
	// another reviewer may; the clerk, had they the role, could not
	// publish it (checked above with the boss), another publisher may.
	b := mk(clerk, "乙")
	c := mk(clerk, "丙")
	must(e.reg.UpdateItem(editorReviewer, &pb.UpdateItemRequest{Item: &pb.Item{Name: c.Name, Remark: "补充"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"remark"}}}))
	s2 := batch(clerk, b, c)
	_, err = e.reg.ApproveSubmission(editorReviewer, &pb.ApproveSubmissionRequest{Name: s2.Name})
	fourEyes("approval by an editor of the batch", err, "editor-reviewer")
	_, err = e.reg.RejectSubmission(editorReviewer, &pb.RejectSubmissionRequest{Name: s2.Name, Comment: "x"})
	fourEyes("rejection by an editor of the batch", err, "editor-reviewer")
	_, err = e.reg.ApproveSubmission(clerk, &pb.ApproveSubmissionRequest{Name: s2.Name})
	wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED") // not a reviewer at all
	if got := must(e.reg.GetSubmission(reviewer, &pb.GetSubmissionRequest{Name: s2.Name})).Submission; got.State != pb.Submission_STATE_SUBMITTED {
		t.Fatalf("refused reviews changed the batch: %s", got.State)
	}
	s2 = must(e.reg.ApproveSubmission(reviewer, &pb.ApproveSubmissionRequest{Name: s2.Name})).Submission
	if s2.Reviewer != "reviewer" || s2.State != pb.Submission_STATE_APPROVED {
		t.Fatalf("approved: %v", s2)
	}
	must(e.reg.CreatePublication(boss, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: []string{s2.Name}}}))

	// A rejection by another reviewer is allowed too.
	s3 := batch(boss, mk(boss, "丁"))
	must(e.reg.RejectSubmission(reviewer, &pb.RejectSubmissionRequest{Name: s3.Name, Comment: "依据不全"}))
}

// TestRevocationAndExpiry: a token works until it is revoked or expires,
// then every call with it is UNAUTHENTICATED, over gRPC and REST.
func TestRevocationAndExpiry(t *testing.T) {
	c := newClock()
	e := startClock(t, "", c)
	admin := bearer(e.adminSecret())
	must(e.reg.CreateDepartment(admin, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	secret := e.mint("temp", []string{"editor", "reviewer", "admin"}, []string{"gtzyj"}, 0)
	calls := func(secret string) []func() error {
		ctx := bearer(secret)
		return []func() error{
			func() error {
				_, err := e.reg.ListItems(ctx, &pb.ListItemsRequest{Parent: "departments/gtzyj"})
				return err
			},
			func() error {
				_, err := e.reg.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj",
					Item: &pb.Item{DisplayName: "事项" + strconv.Itoa(int(c.Now().UnixNano()%1e6)), Category: pb.Category_CATEGORY_OTHER}})
				return err
			},
			func() error { _, err := e.access().ListTokens(ctx, &pb.ListTokensRequest{}); return err },
			func() error { _, err := e.cat.GetCatalogStats(ctx, &pb.GetCatalogStatsRequest{}); return err },
		}
	}
	for i, call := range calls(secret) {
		if err := call(); err != nil {
			t.Fatalf("call %d before revocation: %v", i, err)
		}
	}
	e.restOK("", http.MethodGet, "/v1/catalog/stats", "")
	if r := e.restAs(secret, http.MethodGet, "/v1/departments/gtzyj/items", "", nil); r.Code != http.StatusOK {
		t.Fatalf("REST before revocation: HTTP %d %s", r.Code, r.Raw)
	}

	tok := must(e.access().RevokeToken(admin, &pb.RevokeTokenRequest{Name: "tokens/temp"})).Token
	if tok.RevokeTime == nil {
		t.Fatalf("revoked token: %v", tok)
	}
	for _, call := range calls(secret) {
		wantStatus(t, call(), codes.Unauthenticated, "TOKEN_REVOKED")
	}
	for _, path := range []string{"/v1/departments/gtzyj/items", "/v1/tokens", "/v1/catalog/stats"} {
		if r := e.restAs(secret, http.MethodGet, path, "", nil); r.Code != http.StatusUnauthorized || r.reason() != "TOKEN_REVOKED" {
			t.Errorf("REST %s with a revoked token: HTTP %d %s", path, r.Code, r.Raw)
		}
	}
	// A revoked token cannot revoke (or do) anything, not even itself again;
	// a second revocation by an admin changes nothing.
	_, err := e.access().RevokeToken(bearer(secret), &pb.RevokeTokenRequest{Name: "tokens/temp"})
	wantStatus(t, err, codes.Unauthenticated, "TOKEN_REVOKED")
	again := must(e.access().RevokeToken(admin, &pb.RevokeTokenRequest{Name: "tokens/temp"})).Token
	if !again.RevokeTime.AsTime().Equal(tok.RevokeTime.AsTime()) {
		t.Errorf("a second revocation moved the revoke time: %v → %v", tok.RevokeTime.AsTime(), again.RevokeTime.AsTime())
	}
	// Its name stays taken.
	_, err = e.access().CreateToken(admin, &pb.CreateTokenRequest{TokenId: "temp", Token: &pb.Token{Roles: []string{"reviewer"}}})
	wantStatus(t, err, codes.AlreadyExists, "TOKEN_EXISTS")
	_, err = e.access().RevokeToken(admin, &pb.RevokeTokenRequest{Name: "tokens/nosuch"})
	wantStatus(t, err, codes.NotFound, "TOKEN_NOT_FOUND")

	// Expiry: a token with a lifetime works until then.
	short := e.mint("short", []string{"editor", "reviewer", "admin"}, []string{"gtzyj"}, time.Hour)
	listed := must(e.access().ListTokens(admin, &pb.ListTokensRequest{})).Tokens
	i := slices.IndexFunc(listed, func(t *pb.Token) bool { return t.Name == "tokens/short" })
	if i < 0 || listed[i].ExpireTime == nil || listed[i].ExpireTime.AsTime().Sub(listed[i].CreateTime.AsTime()) != time.Hour {
		t.Fatalf("listed tokens: %v", listed)
	}
	c.Advance(59 * time.Minute)
	for i, call := range calls(short) {
		if err := call(); err != nil {
			t.Fatalf("call %d before expiry: %v", i, err)
		}
	}
	c.Advance(2 * time.Minute)
	for _, call := range calls(short) {
		wantStatus(t, call(), codes.Unauthenticated, "TOKEN_EXPIRED")
	}
	if r := e.restAs(short, http.MethodGet, "/v1/departments/gtzyj/items", "", nil); r.Code != http.StatusUnauthorized {
		t.Errorf("REST with an expired token: HTTP %d %s", r.Code, r.Raw)
	}
	// Tokens with a bad lifetime or roles are refused.
	_, err = e.access().CreateToken(admin, &pb.CreateTokenRequest{TokenId: "neg", Token: &pb.Token{Roles: []string{"reviewer"}},
		Ttl: durationpb.New(-time.Hour)})
	wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")
	_, err = e.access().CreateToken(admin, &pb.CreateTokenRequest{TokenId: "root", Token: &pb.Token{Roles: []string{"superuser"}}})
	wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")
	// Secrets are never listed.
	for _, tk := range must(e.access().ListTokens(admin, &pb.ListTokensRequest{})).Tokens {
		if b := must(protojson.Marshal(tk)); bytes.Contains(b, []byte("prt_")) {
			t.Errorf("a listed token shows a secret: %s", b)
		}
	}
}

// TestBootstrapToken: the first start writes an admin token, readable by
// the server's user only; later starts leave it alone; no secret is
// stored in clear anywhere in the data dir.
func TestBootstrapToken(t *testing.T) {
	dir := t.TempDir()
	e := start(t, dir)
	path := filepath.Join(dir, server.AdminTokenFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	first := must(os.ReadFile(path))
	boot := strings.TrimSpace(string(first))
	if !strings.HasPrefix(boot, "prt_") || len(boot) < 40 {
		t.Fatalf("bootstrap token %q", boot)
	}
	tokens := must(e.access().ListTokens(bearer(boot), &pb.ListTokensRequest{})).Tokens
	if len(tokens) != 1 || tokens[0].Name != "tokens/admin" || !slices.Equal(tokens[0].Roles, []string{"admin"}) ||
		tokens[0].Creator != "powerregd" || tokens[0].ExpireTime != nil {
		t.Fatalf("tokens after the first start: %v", tokens)
	}
	must(e.reg.CreateDepartment(bearer(boot), &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	minted := e.mint("clerk", []string{"editor"}, []string{"gtzyj"}, 0)
	must(e.reg.CreateItem(bearer(minted), &pb.CreateItemRequest{Parent: "departments/gtzyj",
		Item: &pb.Item{DisplayName: "土地登记", Category: pb.Category_CATEGORY_CONFIRMATION}}))
	e.restAs(minted, http.MethodGet, "/v1/departments/gtzyj/items", "", nil)
	e.restAs(minted+"x", http.MethodGet, "/v1/departments/gtzyj/items", "", nil) // a near miss is refused and audited
	e.stop()

	e = start(t, dir)
	second := must(os.ReadFile(path))
	fi2 := must(os.Stat(path))
	if !bytes.Equal(first, second) || !fi2.ModTime().Equal(fi.ModTime()) || fi2.Mode().Perm() != 0o600 {
		t.Errorf("the second start changed %s", path)
	}
	must(e.access().ListTokens(bearer(boot), &pb.ListTokensRequest{}))
	must(e.reg.ListItems(bearer(minted), &pb.ListItemsRequest{Parent: "departments/gtzyj"}))
	e.stop()

	// Without the file, a registry that has tokens does not make another.
	os.Remove(path)
	e = start(t, dir)
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a start with tokens wrote %s again: %v", path, err)
	}
	e.stop()
	os.WriteFile(path, first, 0o600) // for the scan below: it is the only place of its secret

	// No secret in clear, base64 or hex anywhere in the data dir; the
	// store holds the hashes.
	hashSeen := false
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, secret := range []string{boot, minted} {
			if secret == boot && p == path {
				continue
			}
			for form, b := range secretForms(t, secret) {
				if bytes.Contains(data, b) {
					t.Errorf("%s holds a token secret (%s)", p, form)
				}
			}
		}
		hashSeen = hashSeen || bytes.Contains(data, []byte(registry.HashSecret(minted)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !hashSeen {
		t.Errorf("no file holds the minted token's hash: was the store scanned?")
	}
}

// secretForms are the encodings in which a secret might be found: as
// sent, its random part raw, and both in hex and base64.
func secretForms(t *testing.T, secret string) map[string][]byte {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(secret, "prt_"))
	if err != nil || len(raw) < 16 {
		t.Fatalf("secret %q is not prt_ + base64url: %v", secret, err)
	}
	forms := map[string][]byte{"clear": []byte(secret), "raw bytes": raw}
	for name, b := range map[string][]byte{"secret": []byte(secret), "random part": raw} {
		forms[name+" hex"] = []byte(hex.EncodeToString(b))
		forms[name+" HEX"] = []byte(strings.ToUpper(hex.EncodeToString(b)))
		forms[name+" base64"] = []byte(base64.StdEncoding.EncodeToString(b))
		forms[name+" base64 raw"] = []byte(base64.RawStdEncoding.EncodeToString(b))
		forms[name+" base64url"] = []byte(base64.URLEncoding.EncodeToString(b))
		forms[name+" base64url raw"] = []byte(base64.RawURLEncoding.EncodeToString(b))
	}
	return forms
}

// TestInfrastructureOpen: health checks and reflection answer anyone, over
// unary and streaming calls alike.
func TestInfrastructureOpen(t *testing.T) {
	e := start(t, "")
	h := healthpb.NewHealthClient(e.conn)
	// NOT_SERVING until ready (the search index is built in the
	// background), then SERVING: the watch sees it come.
	must(h.Check(context.Background(), &healthpb.HealthCheckRequest{}))
	w := must(h.Watch(context.Background(), &healthpb.HealthCheckRequest{}))
	for {
		resp, err := w.Recv()
		if err != nil {
			t.Fatalf("health watch: %v", err)
		}
		if resp.Status == healthpb.HealthCheckResponse_SERVING {
			break
		}
	}
	if len(servedMethods(t, e)) == 0 {
		t.Errorf("reflection lists no methods")
	}
}

// TestEmptyImportIsAuthorized: a client stream that sends no message is
// still authorized (it names no department: editors of every department
// only).
func TestEmptyImportIsAuthorized(t *testing.T) {
	e := start(t, "")
	must(e.reg.CreateDepartment(bearer(e.adminSecret()), &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局"}}))
	for _, s := range []string{e.mint("rev", []string{"reviewer"}, nil, 0), e.mint("ed", []string{"editor"}, []string{"gtzyj"}, 0)} {
		stream := must(e.reg.ImportItems(bearer(s)))
		_, err := stream.CloseAndRecv()
		wantStatus(t, err, codes.PermissionDenied, "PERMISSION_DENIED")
		if r := e.restAs(s, http.MethodPost, "/v1/items:import", "", nil); r.Code != http.StatusForbidden {
			t.Errorf("REST empty import: HTTP %d %s", r.Code, r.Raw)
		}
	}
	all := e.mint("ed-all", []string{"editor"}, []string{"-"}, 0)
	_, err := must(e.reg.ImportItems(bearer(all))).CloseAndRecv()
	wantStatus(t, err, codes.InvalidArgument, "INVALID_FIELDS")
}

// TestBootstrapTokenFileKept: a start never replaces an admin.token (issue
// 10, item 2): left in a data dir without a data file, or next to a
// registry that has no token yet, it makes the start fail saying what to
// do, and stays as it was; no data file is created in the first case.
func TestBootstrapTokenFileKept(t *testing.T) {
	for _, withStore := range []bool{false, true} {
		dir := t.TempDir()
		if withStore {
			db := must(store.Open(dir)) // a registry without tokens
			db.Close()
		}
		path := filepath.Join(dir, server.AdminTokenFile)
		if err := os.WriteFile(path, []byte("stale\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, 0o644)
		srv, err := server.New(server.Config{DataDir: dir, GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0"})
		if err == nil {
			t.Fatalf("store %v: a start with a stale admin.token succeeded on %s", withStore, srv.HTTPAddr())
		}
		if !strings.Contains(err.Error(), "a start never replaces it") || !strings.Contains(err.Error(), "move "+path+" away") {
			t.Errorf("store %v: %v", withStore, err)
		}
		if got, _ := os.ReadFile(path); string(got) != "stale\n" {
			t.Errorf("store %v: admin.token now holds %q", withStore, got)
		}
		if fi := must(os.Stat(path)); fi.Mode().Perm() != 0o644 {
			t.Errorf("store %v: admin.token has mode %v", withStore, fi.Mode().Perm())
		}
		if _, err := os.Stat(filepath.Join(dir, store.FileName)); withStore == errors.Is(err, os.ErrNotExist) {
			t.Errorf("store %v: the data file: %v", withStore, err)
		}
	}
}

// TestUnauthorizedChallenge: a REST 401 carries a standard ASCII
// WWW-Authenticate header; the bilingual message is in the body.
func TestUnauthorizedChallenge(t *testing.T) {
	e := start(t, "")
	resp, err := http.Get(e.base + "/v1/departments")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="powerreg"` ||
		!strings.Contains(string(body), "Authorization: Bearer") {
		t.Fatalf("401: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
}
