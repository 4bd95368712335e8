package server

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/auth"
	"github.com/powerreg/powerreg/server/registry"
)

// rule says who may call one method.
type rule struct {
	public  bool     // anyone, anonymous callers included
	roles   []string // any principal with one of these roles
	editors bool     // editors of the department the request names
	mutates bool     // a change: audited when it takes effect or is refused
}

var (
	admin     = []string{registry.RoleAdmin}
	reviewer  = []string{registry.RoleReviewer}
	publisher = []string{registry.RolePublisher}
	readers   = []string{registry.RoleReviewer, registry.RolePublisher}
	anyRole   = []string{registry.RoleEditor, registry.RoleReviewer, registry.RolePublisher, registry.RoleAdmin}
)

// policy is the one table of who may do what, by gRPC method. A method
// missing here is refused to everyone (the access test fails on it).
var policy = map[string]rule{
	pb.RegistryService_ListCategories_FullMethodName:   {public: true},
	pb.RegistryService_CreateDepartment_FullMethodName: {roles: admin, mutates: true},
	pb.RegistryService_UpdateDepartment_FullMethodName: {roles: admin, mutates: true},
	pb.RegistryService_GetDepartment_FullMethodName:    {roles: anyRole},
	pb.RegistryService_ListDepartments_FullMethodName:  {roles: anyRole},

	pb.RegistryService_CreateItem_FullMethodName:    {editors: true, mutates: true},
	pb.RegistryService_UpdateItem_FullMethodName:    {editors: true, mutates: true},
	pb.RegistryService_DeleteItem_FullMethodName:    {editors: true, mutates: true},
	pb.RegistryService_AbolishItem_FullMethodName:   {editors: true, mutates: true},
	pb.RegistryService_ImportItems_FullMethodName:   {editors: true, mutates: true},
	pb.RegistryService_GetItem_FullMethodName:       {roles: readers, editors: true},
	pb.RegistryService_ListItems_FullMethodName:     {roles: readers, editors: true},
	pb.RegistryService_ListRevisions_FullMethodName: {roles: readers, editors: true},
	pb.RegistryService_GetRevision_FullMethodName:   {roles: readers, editors: true},

	pb.RegistryService_CreateSubmission_FullMethodName:    {editors: true, mutates: true},
	pb.RegistryService_DeleteSubmission_FullMethodName:    {editors: true, mutates: true},
	pb.RegistryService_SubmitSubmission_FullMethodName:    {editors: true, mutates: true},
	pb.RegistryService_WithdrawSubmission_FullMethodName:  {editors: true, mutates: true},
	pb.RegistryService_GetSubmission_FullMethodName:       {roles: readers, editors: true},
	pb.RegistryService_ListSubmissions_FullMethodName:     {roles: readers, editors: true},
	pb.RegistryService_ListSubmissionItems_FullMethodName: {roles: readers, editors: true},
	pb.RegistryService_ApproveSubmission_FullMethodName:   {roles: reviewer, mutates: true},
	pb.RegistryService_RejectSubmission_FullMethodName:    {roles: reviewer, mutates: true},

	pb.RegistryService_CreatePublication_FullMethodName:    {roles: publisher, mutates: true},
	pb.RegistryService_GetPublication_FullMethodName:       {roles: readers},
	pb.RegistryService_ListPublications_FullMethodName:     {roles: readers},
	pb.RegistryService_ListPublicationItems_FullMethodName: {roles: readers},
	pb.RegistryService_ListEvents_FullMethodName:           {roles: readers, editors: true},

	pb.CatalogService_ListCatalogItems_FullMethodName:            {public: true},
	pb.CatalogService_GetCatalogItem_FullMethodName:              {public: true},
	pb.CatalogService_GetCatalogStats_FullMethodName:             {public: true},
	pb.CatalogService_ListCatalogChanges_FullMethodName:          {public: true},
	pb.CatalogService_WatchCatalogChanges_FullMethodName:         {public: true},
	pb.CatalogService_ListCatalogItemRevisions_FullMethodName:    {public: true},
	pb.CatalogService_CompareCatalogItemRevisions_FullMethodName: {public: true},

	pb.AccessService_CreateToken_FullMethodName:     {roles: admin, mutates: true},
	pb.AccessService_ListTokens_FullMethodName:      {roles: admin},
	pb.AccessService_RevokeToken_FullMethodName:     {roles: admin, mutates: true},
	pb.AccessService_ListAuditEvents_FullMethodName: {roles: []string{registry.RoleAdmin, registry.RoleReviewer}},
	pb.AccessService_GetCaller_FullMethodName:       {public: true}, // who am I: anyone, of themselves only

	pb.OperationsService_Backup_FullMethodName:                {roles: admin},
	pb.OperationsService_CompactCatalogChanges_FullMethodName: {roles: admin},
}

// infrastructure lists the services anyone may call: health checks and
// reflection.
var infrastructure = []string{"/grpc.health.v1.Health/", "/grpc.reflection.v1.ServerReflection/",
	"/grpc.reflection.v1alpha.ServerReflection/"}

func isInfrastructure(method string) bool {
	return slices.ContainsFunc(infrastructure, func(p string) bool { return strings.HasPrefix(method, p) })
}

func denied(zh, en string) error {
	return &registry.Error{Class: registry.ClassPermissionDenied, Reason: registry.ReasonPermissionDenied, Message: zh + " / " + en}
}

// authorize decides whether p may make request req of method. The message
// names the missing role or department, and nothing of other departments.
func authorize(p *auth.Principal, method string, req proto.Message) error {
	r, ok := policy[method]
	if !ok {
		return denied("此接口不对外开放", "this method is not open to anyone")
	}
	if r.public || slices.ContainsFunc(r.roles, p.Has) {
		return nil
	}
	if p.Anonymous {
		return &registry.Error{Class: registry.ClassUnauthenticated, Reason: registry.ReasonUnauthenticated,
			Message: "此操作需要登录：请提供令牌（Authorization: Bearer …，或 powerctl --token） / " +
				"this needs credentials: send a token (Authorization: Bearer …, or powerctl --token)"}
	}
	dept := registry.AllDepartments
	if req != nil {
		dept = departmentOf(method, req)
	}
	if r.editors && p.EditorOf(dept) {
		if imp, ok := req.(*pb.ImportItemsRequest); ok && imp.GetCreateDepartments() && !p.Has(registry.RoleAdmin) {
			return denied(p.Name+" 不能新建部门，需要 admin 角色", p.Name+" may not create departments; it needs the admin role")
		}
		return nil
	}
	if hint := importHint(p, method, dept); hint != nil {
		return hint
	}
	var need []string
	need = append(need, r.roles...)
	if r.editors {
		if dept == registry.AllDepartments {
			need = append(need, "editor of every department (-)")
		} else {
			need = append(need, fmt.Sprintf("editor of departments/%s", dept))
		}
	}
	list := strings.Join(need, ", ")
	return denied(fmt.Sprintf("%s 无权调用此接口，需要：%s", p.Name, list),
		fmt.Sprintf("%s may not call this; it needs one of: %s", p.Name, list))
}

// importHint is the refusal of an import across departments (rows that
// name their departments, or --create-departments) by an editor of some
// departments only: it says what the editor can do instead, import into
// its own department, naming it (the caller's own scope, nothing of
// others). nil for any other refusal.
func importHint(p *auth.Principal, method, dept string) error {
	if method != pb.RegistryService_ImportItems_FullMethodName || dept != registry.AllDepartments ||
		!p.Has(registry.RoleEditor) || len(p.Departments) == 0 {
		return nil
	}
	id := "ID"
	if len(p.Departments) == 1 {
		id = p.Departments[0]
	}
	own := strings.Join(p.Departments, ", ")
	return denied(
		fmt.Sprintf("%s 只能导入本部门（%s）的事项：请用 --department %s 导入本部门（API：parent 设为 departments/%s）；"+
			"按各行的部门导入需要所有部门（-）的 editor 角色，新建部门还需要 admin 角色", p.Name, own, id, id),
		fmt.Sprintf("%s may import into its own department (%s) only: add --department %s to import into it (API: parent departments/%s). "+
			"Importing rows by the departments they name needs an editor of every department (-); creating departments needs the admin role too",
			p.Name, own, id, id))
}

// departmentOf is the department a request names, "-" when it names all or
// none in particular (which only reviewers, publishers or editors of every
// department may read or write).
func departmentOf(method string, req proto.Message) string {
	if method == pb.RegistryService_ImportItems_FullMethodName {
		imp, _ := req.(*pb.ImportItemsRequest)
		if imp.GetParent() == "" || imp.GetCreateDepartments() {
			return registry.AllDepartments
		}
	}
	name := resourceOf(req)
	if rest, ok := strings.CutPrefix(name, "departments/"); ok {
		dept, _, _ := strings.Cut(rest, "/")
		if dept != "" {
			return dept
		}
	}
	return registry.AllDepartments
}

// resourceOf is the resource a request names: its name or parent, or the
// name of the resource it carries, for authorization and the audit trail.
func resourceOf(req proto.Message) string {
	if req == nil {
		return ""
	}
	switch r := req.(type) {
	case *pb.CreateDepartmentRequest:
		return registry.DepartmentName(r.GetDepartmentId())
	case *pb.CreateTokenRequest:
		return "tokens/" + r.GetTokenId()
	case *pb.CreatePublicationRequest:
		return "publications"
	case *pb.ImportItemsRequest:
		if r.GetParent() != "" {
			return r.GetParent()
		}
		return "departments/-"
	}
	m := req.ProtoReflect()
	fields := m.Descriptor().Fields()
	for _, f := range []protoreflect.Name{"name", "parent"} {
		if fd := fields.ByName(f); fd != nil && fd.Kind() == protoreflect.StringKind {
			if s := m.Get(fd).String(); s != "" {
				return s
			}
		}
	}
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() && m.Has(fd) {
			sub := m.Get(fd).Message()
			if nf := sub.Descriptor().Fields().ByName("name"); nf != nil && nf.Kind() == protoreflect.StringKind {
				return sub.Get(nf).String()
			}
		}
	}
	return ""
}
