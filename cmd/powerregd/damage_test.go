package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/store"
)

// Data files that are empty, cut short or damaged, as a careless operator
// or a failing disk leaves them.

// serve runs powerregd on dir as a server and returns its exit status and
// stderr; one that is still serving after 20 s is stopped and reported.
func serve(t *testing.T, dir string) (int, string) {
	t.Helper()
	httpAddr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "--data-dir", dir, "--grpc-addr", freeAddr(t), "--http-addr", httpAddr)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("powerregd served on %s instead of refusing to start:\n%s", dir, stderr.String())
	}
	if err == nil {
		return 0, stderr.String()
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// crashed reports the marks of a Go runtime crash in a process's output.
func crashed(out string) bool {
	return strings.Contains(out, "SIGSEGV") || strings.Contains(out, "SIGBUS") || strings.Contains(out, "panic:") ||
		strings.Contains(out, "goroutine ")
}

// TestEmptyStoreFileRefused: a data dir with a 0-byte powerreg.db and an
// admin.token is refused by the server (exit 1, nothing served, the token
// file and the data file unchanged), by check and by recover-admin, each
// saying what the file is. A data dir whose powerreg.db is gone but whose
// admin.token is there is refused too, creating nothing.
func TestEmptyStoreFileRefused(t *testing.T) {
	dir := t.TempDir()
	db, token := filepath.Join(dir, store.FileName), filepath.Join(dir, "admin.token")
	oldSecret := []byte("prt_the_old_registry_s_admin_secret\n")
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(token, oldSecret, 0o600); err != nil {
		t.Fatal(err)
	}
	code, errOut := serve(t, dir)
	if code != 1 || !strings.Contains(errOut, "empty file, 0 bytes: not a powerreg store") || !strings.Contains(errOut, "空文件") {
		t.Errorf("server on a 0-byte powerreg.db: exit %d\n%s", code, errOut)
	}
	for _, args := range [][]string{{"check", "--data-dir", dir}, {"recover-admin", "--data-dir", dir}} {
		code, out, errOut := powerregd(t, args...)
		if code != 1 || !strings.Contains(errOut, "empty file, 0 bytes: not a powerreg store") || strings.Contains(errOut+out, "bad file descriptor") {
			t.Errorf("%v on a 0-byte powerreg.db: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	if got, _ := os.ReadFile(token); !bytes.Equal(got, oldSecret) {
		t.Errorf("admin.token was replaced: %q", got)
	}
	if st, err := os.Stat(db); err != nil || st.Size() != 0 {
		t.Errorf("powerreg.db was changed: %v %v", st, err)
	}

	// The data file gone, the token file left: no new registry either.
	os.Remove(db)
	code, errOut = serve(t, dir)
	if code != 1 || !strings.Contains(errOut, "a start never replaces it") || !strings.Contains(errOut, "move "+token+" away") ||
		!strings.Contains(errOut, "启动从不覆盖它") {
		t.Errorf("server on a dir with admin.token and no powerreg.db: exit %d\n%s", code, errOut)
	}
	if got := names(t, dir); len(got) != 1 || got[0] != "admin.token" {
		t.Errorf("the refused start left %v", got)
	}
	if got, _ := os.ReadFile(token); !bytes.Equal(got, oldSecret) {
		t.Errorf("admin.token was replaced: %q", got)
	}
	// Moved away as the message says, a new registry starts.
	os.Rename(token, token+".old")
	startDaemon(t, dir).stop(t)
	if got, err := os.ReadFile(token); err != nil || bytes.Equal(got, oldSecret) {
		t.Errorf("the new registry's admin.token: %q, %v", got, err)
	}
}

// TestTruncatedStoreRefused: a copy of a real store cut short is refused
// by the server, recover-admin and check with check's message and exit
// status 1, never a crash; the file is left as it was.
func TestTruncatedStoreRefused(t *testing.T) {
	src := t.TempDir()
	startDaemon(t, src, "--demo").stop(t)
	data, err := os.ReadFile(filepath.Join(src, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{len(data) / 2, 3 * 4096} {
		dir := t.TempDir()
		path := filepath.Join(dir, store.FileName)
		if err := os.WriteFile(path, data[:size], 0o600); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "admin.token"), []byte("prt_kept\n"), 0o600)
		_, _, checkOut := powerregd(t, "check", "--data-dir", dir)
		if !strings.Contains(checkOut, "the file is cut short") {
			t.Fatalf("check of a file cut to %d bytes says:\n%s", size, checkOut)
		}
		// check's own message: the file's name and what is wrong.
		want := strings.TrimPrefix(strings.SplitN(checkOut, "\n", 2)[0], "powerregd: ")
		results := map[string][2]any{}
		code, errOut := serve(t, dir)
		results["server"] = [2]any{code, errOut}
		for _, args := range [][]string{{"check", "--data-dir", dir}, {"recover-admin", "--data-dir", dir}} {
			code, out, errOut := powerregd(t, args...)
			results[args[0]] = [2]any{code, out + errOut}
		}
		for cmd, r := range results {
			code, out := r[0].(int), r[1].(string)
			if code != 1 || crashed(out) || !strings.Contains(out, want) || !strings.Contains(out, "powerregd restore") {
				t.Errorf("%s on a file cut to %d of %d bytes: exit %d, want 1 with %q\n%s", cmd, size, len(data), code, want, out)
			}
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, data[:size]) {
			t.Errorf("the file cut to %d bytes was changed", size)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "admin.token")); string(got) != "prt_kept\n" {
			t.Errorf("admin.token was replaced: %q", got)
		}
	}
}

// TestFlippedBitInRecord: one bit flipped on disk inside an old draft
// revision, keeping its JSON valid, fails check naming the record; the
// server starts, answers DATA_LOSS for that revision (gRPC and REST),
// /readyz says 503 from then on and /metrics counts the failures.
func TestFlippedBitInRecord(t *testing.T) {
	dir, grpcAddr := t.TempDir(), freeAddr(t)
	d := startDaemon(t, dir, "--grpc-addr", grpcAddr)
	ctx := context.Background()
	admin, err := client.Dial(grpcAddr, client.Options{Token: readToken(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Registry.CreateDepartment(ctx, &pb.CreateDepartmentRequest{DepartmentId: "gtzyj",
		Department: &pb.Department{DisplayName: "市国土资源局", RegionCode: "430400"}}); err != nil {
		t.Fatal(err)
	}
	tok, err := admin.Access.CreateToken(ctx, &pb.CreateTokenRequest{TokenId: "clerk",
		Token: &pb.Token{Roles: []string{"editor"}, Departments: []string{"departments/gtzyj"}}})
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := client.Dial(grpcAddr, client.Options{Token: tok.GetSecret()})
	if err != nil {
		t.Fatal(err)
	}
	defer clerk.Close()
	const marker = "checksum-marker-qwxz"
	created, err := clerk.Registry.CreateItem(ctx, &pb.CreateItemRequest{Parent: "departments/gtzyj",
		Item: &pb.Item{DisplayName: "对非法占用土地的处罚 " + marker + "-old", Category: pb.Category_CATEGORY_OTHER}})
	if err != nil {
		t.Fatal(err)
	}
	it := created.GetItem()
	if _, err := clerk.Registry.UpdateItem(ctx, &pb.UpdateItemRequest{Item: &pb.Item{Name: it.Name, DisplayName: "对非法占用土地的处罚"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}); err != nil {
		t.Fatal(err)
	}
	clerk.Close()
	admin.Close()
	d.stop(t)

	// Flip the lowest bit of the q of the marker ('q' → 'p') wherever the
	// file holds it: the live revision and any stale copy on a free page.
	path := filepath.Join(dir, store.FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old := []byte(marker + "-old")
	n := bytes.Count(data, old)
	if n == 0 {
		t.Fatal("the old revision's text is not in the file")
	}
	for i := bytes.Index(data, old); i >= 0; i = bytes.Index(data, old) {
		data[i+len("checksum-marker-")] ^= 0x01
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := powerregd(t, "check", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "revisions 1/1: 记录已损坏") || !strings.Contains(out, "checksum mismatch") ||
		!strings.Contains(errOut, "found 1 problems") {
		t.Fatalf("check of the flipped bit: exit %d\n%s%s", code, out, errOut)
	}

	d = startDaemon(t, dir, "--grpc-addr", grpcAddr)
	waitReady(t, d)
	clerk, err = client.Dial(grpcAddr, client.Options{Token: tok.GetSecret()})
	if err != nil {
		t.Fatal(err)
	}
	defer clerk.Close()
	if r, err := clerk.Registry.GetRevision(ctx, &pb.GetRevisionRequest{Name: it.Name + "/revisions/2"}); err != nil ||
		!strings.HasSuffix(r.GetRevision().GetItem().GetDisplayName(), "处罚") {
		t.Fatalf("the undamaged revision: %v %v", r, err)
	}
	_, err = clerk.Registry.GetRevision(ctx, &pb.GetRevisionRequest{Name: it.Name + "/revisions/1"})
	if st := status.Convert(err); st.Code() != codes.DataLoss || !strings.Contains(st.Message(), "revisions/1/1") ||
		!strings.Contains(st.Message(), "powerregd check") || !strings.Contains(st.Message(), "从备份恢复") {
		t.Errorf("gRPC read of the damaged revision: %v", err)
	}
	code, body := d.get(t, "/v1/"+it.Name+"/revisions/1", tok.GetSecret())
	if code != 500 || reasonOf(body) != "DATA_LOSS" || !strings.Contains(string(body), "revisions/1/1") {
		t.Errorf("REST read of the damaged revision: %d %s", code, body)
	}
	code, body = d.get(t, "/readyz", "")
	if code != 503 || reasonOf(body) != "DATA_LOSS" || !strings.Contains(string(body), "revisions/1/1") {
		t.Errorf("/readyz after a damaged record: %d %s", code, body)
	}
	_, body = d.get(t, "/metrics", "")
	if !strings.Contains(string(body), "\npowerreg_store_checksum_failures_total 2\n") {
		t.Errorf("/metrics does not count the 2 failed reads:\n%s", grepLines(string(body), "checksum"))
	}
}

// waitReady waits until /readyz answers 200 (the search index is built).
func waitReady(t *testing.T, d *daemon) {
	t.Helper()
	for i := 0; ; i++ {
		code, body := d.get(t, "/readyz", "")
		if code == 200 {
			return
		}
		if i > 400 {
			t.Fatalf("never ready: %d %s", code, body)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// reasonOf is the ErrorInfo reason of a REST error body.
func reasonOf(body []byte) string {
	var b struct {
		Details []struct{ Reason string } `json:"details"`
	}
	json.Unmarshal(body, &b)
	for _, d := range b.Details {
		if d.Reason != "" {
			return d.Reason
		}
	}
	return ""
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestMissingRevisionIsDataLoss: a record that another one refers to and
// that is gone (a flipped bit in a page's element header moves its key)
// is damage, not a bug: the server answers DATA_LOSS naming it, over REST
// for lists and single reads, and /readyz says so, as for a record whose
// checksum fails. (Found by flipping random bits: it answered INTERNAL,
// "internal error; retry later", and /readyz said ready.)
func TestMissingRevisionIsDataLoss(t *testing.T) {
	dir, grpcAddr := t.TempDir(), freeAddr(t)
	d := startDaemon(t, dir, "--demo", "--grpc-addr", grpcAddr)
	admin, err := client.Dial(grpcAddr, client.Options{Token: readToken(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := admin.Access.CreateToken(context.Background(), &pb.CreateTokenRequest{TokenId: "reviewer",
		Token: &pb.Token{Roles: []string{"reviewer"}}})
	if err != nil {
		t.Fatal(err)
	}
	admin.Close()
	d.stop(t)

	// The newest revision of the demo's last item, a draft: a published
	// content lost would take its catalogue entry with it (the content is
	// stored once, in its revision), and the search index at start-up
	// would find it first.
	var item, number uint64
	corrupt(t, filepath.Join(dir, store.FileName), func(tx *bolt.Tx) error {
		k, _ := tx.Bucket([]byte("revisions")).Cursor().Last()
		for _, b := range k[:8] {
			item = item<<8 | uint64(b)
		}
		for _, b := range k[8:12] {
			number = number<<8 | uint64(b)
		}
		return tx.Bucket([]byte("revisions")).Delete(k)
	})
	record := fmt.Sprintf("revisions/%d/%d", item, number)

	d = startDaemon(t, dir, "--grpc-addr", grpcAddr)
	waitReady(t, d)
	tok := rev.GetSecret()
	code, body := d.get(t, "/v1/departments/-/items?page_size=1000", tok)
	if code != 500 || reasonOf(body) != "DATA_LOSS" || !strings.Contains(string(body), record) {
		t.Errorf("list of the items: %d %s", code, body)
	}
	code, body = d.get(t, "/readyz", "")
	if code != 503 || reasonOf(body) != "DATA_LOSS" || !strings.Contains(string(body), record) {
		t.Errorf("/readyz after a missing record: %d %s", code, body)
	}
	_, body = d.get(t, "/metrics", "")
	if !strings.Contains(string(body), "\npowerreg_store_checksum_failures_total 1\n") {
		t.Errorf("/metrics does not count the damaged read:\n%s", grepLines(string(body), "checksum"))
	}
}

// TestMissingFileNamedInBothLanguages: check --file and restore of a file
// that is not there say so in Chinese too (they printed Go's "stat …: no
// such file or directory" alone).
func TestMissingFileNamedInBothLanguages(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "backup.db")
	for _, args := range [][]string{{"check", "--file", missing}, {"restore", "--data-dir", t.TempDir(), missing}} {
		code, out, errOut := powerregd(t, args...)
		if code != 1 || !strings.Contains(errOut, "文件不存在") || !strings.Contains(errOut, "no such file") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}
