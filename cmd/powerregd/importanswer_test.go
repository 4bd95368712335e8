package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// TestLargeImportAnswerFitsDefaultClient: an import of
// 100,000 rows, the documented limit, into a department with a 63-letter
// id is answered in a message that a gRPC client with default settings
// (4 MiB) reads. Its answer named every item created, 8.9 MB: the import
// had taken effect and the client was told RESOURCE_EXHAUSTED ("received
// message larger than max"), and a retry would import every row again.
func TestLargeImportAnswerFitsDefaultClient(t *testing.T) {
	dir, grpcAddr := t.TempDir(), freeAddr(t)
	startDaemon(t, dir, "--grpc-addr", grpcAddr)
	ctx := context.Background()
	admin, err := client.Dial(grpcAddr, client.Options{Token: readToken(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	dept := "d" + strings.Repeat("1", 62)
	if _, err := admin.Registry.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: dept,
		Department: &pb.Department{DisplayName: "市自然资源和规划局"}}); err != nil {
		t.Fatal(err)
	}
	tok, err := admin.Access.CreateToken(ctx, &pb.CreateTokenRequest{TokenId: "clerk",
		Token: &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/" + dept}}})
	if err != nil {
		t.Fatal(err)
	}

	// A client with grpc-go's defaults, not powerctl's (client.Dial
	// accepts 64 MiB).
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok.GetSecret())
	stream, err := pb.NewRegistryServiceClient(conn).ImportItems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const rows = 100000
	for i := 0; i < rows/1000; i++ {
		req := &pb.ImportItemsRequest{}
		if i == 0 {
			req.Parent = "departments/" + dept
		}
		for j := 0; j < 1000; j++ {
			req.Rows = append(req.Rows, &pb.ImportRow{Item: &pb.Item{DisplayName: fmt.Sprintf("事项 %d", i*1000+j),
				Category: pb.Category_CATEGORY_OTHER}})
		}
		if err := stream.Send(req); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatalf("the import's answer to a client with default settings: %v", err)
	}
	if resp.GetRowCount() != rows || len(resp.GetItems()) == 0 || len(resp.GetItems()) > 10000 ||
		!strings.HasPrefix(resp.GetItems()[0], "departments/"+dept+"/items/") {
		t.Errorf("the answer: row_count %d, %d names, first %q", resp.GetRowCount(), len(resp.GetItems()), resp.GetItems()[0])
	}
	if n := proto.Size(resp); n > 2<<20 {
		t.Errorf("the answer is %d bytes", n)
	}
}
