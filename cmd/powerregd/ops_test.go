package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/client"
	"github.com/powerreg/powerreg/server/store"
)

// The offline subcommands, run as the operator runs them: the real binary
// on real data dirs, the server a child process.

// powerregd runs the binary with args and returns its exit status and
// output.
func powerregd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatal(err)
	return 0, "", ""
}

func readToken(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// demoWithBackup starts a demo server on a new data dir and takes a hot
// backup of it through the API; it returns the server, its data dir and
// the backup file.
func demoWithBackup(t *testing.T) (*daemon, string, string) {
	t.Helper()
	dir, grpcAddr := t.TempDir(), freeAddr(t)
	d := startDaemon(t, dir, "--demo", "--grpc-addr", grpcAddr)
	c, err := client.Dial(grpcAddr, client.Options{Token: readToken(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	file := filepath.Join(t.TempDir(), "backup.db")
	err = store.WriteFile(file, func(w io.Writer) error { _, err := c.Backup(context.Background(), w); return err }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d, dir, file
}

// corrupt changes a file that no process has open, with bbolt.
func corrupt(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// u64 is a key or counter of the store: 8 bytes big-endian.
func u64(n uint64) []byte {
	b := make([]byte, 8)
	for i := range 8 {
		b[7-i] = byte(n >> (8 * i))
	}
	return b
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestRestoreServesTheSameCatalogue: a hot backup of a demo server,
// restored into an empty dir, passes the check; a server started on it
// serves the same catalogue, and the backup's tokens work there.
func TestRestoreServesTheSameCatalogue(t *testing.T) {
	d, dir, file := demoWithBackup(t)
	if code, out, errOut := powerregd(t, "check", "--file", file); code != 0 || !strings.Contains(out, "no problems found") {
		t.Fatalf("check of the backup: exit %d\n%s%s", code, out, errOut)
	}
	restored := t.TempDir() // exists, empty
	code, out, errOut := powerregd(t, "restore", file, "--data-dir", restored)
	if code != 0 || !strings.Contains(out, "restored") || !strings.Contains(out, "已将") {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	if got := names(t, restored); !slices.Equal(got, []string{store.FileName}) {
		t.Errorf("the restored dir holds %v", got)
	}
	r := startDaemon(t, restored)
	for _, path := range []string{"/v1/catalog/stats", "/v1/catalog/items?pageSize=1000", "/v1/catalog/changes?pageSize=1000"} {
		c1, want := d.get(t, path, "")
		c2, got := r.get(t, path, "")
		if c1 != 200 || c2 != 200 || !bytes.Equal(got, want) {
			t.Errorf("GET %s: the restored server answers %d %.200s\nthe original %d %.200s", path, c2, got, c1, want)
		}
	}
	if code, body := r.get(t, "/v1/tokens", readToken(t, dir)); code != 200 {
		t.Errorf("the backup's admin token on the restored server: %d %s", code, body)
	}
}

// TestRestoreRefuses: a non-empty data dir, and files that are not a whole,
// consistent powerreg data file of a known version, are refused with exit
// status 1, writing nothing.
func TestRestoreRefuses(t *testing.T) {
	good := t.TempDir()
	db, err := store.Open(good)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	goodFile := filepath.Join(good, store.FileName)
	data, _ := os.ReadFile(goodFile)
	src := t.TempDir()
	file := func(name string, content []byte) string {
		path := filepath.Join(src, name)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	text := file("notes.txt", bytes.Repeat([]byte("不是数据库 not a database\n"), 1000))
	cut := file("cut.db", data[:len(data)/2])
	foreign := filepath.Join(src, "foreign.db")
	corrupt(t, foreign, func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
	newer := file("newer.db", data)
	corrupt(t, newer, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), u64(store.SchemaVersion+1))
	})
	dangling := file("dangling.db", data)
	corrupt(t, dangling, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("items_by_dept")).Put(append([]byte("gtzyj\x00"), u64(7)...), nil)
	})

	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"text", text, []string{"not a powerreg", "nothing was written", "未写入"}},
		{"cut short", cut, []string{"cut short", "nothing was written"}},
		{"another program's bbolt file", foreign, []string{"not a powerreg", "nothing was written"}},
		{"newer schema", newer, []string{fmt.Sprintf("schema version %d", store.SchemaVersion+1),
			fmt.Sprintf("only up to %d", store.SchemaVersion), fmt.Sprintf("版本 %d", store.SchemaVersion+1), "nothing was written"}},
		{"fails the check", dangling, []string{"items_by_dept gtzyj/7", "dangling index entry", "fails the check", "nothing was written"}},
	} {
		target := filepath.Join(t.TempDir(), "data")
		code, out, errOut := powerregd(t, "restore", "--data-dir", target, c.file)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1\n%s%s", c.name, code, out, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: the refusal does not say %q:\n%s", c.name, w, errOut)
			}
		}
		if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the data dir was created: %v", c.name, err)
		}
	}

	busy := t.TempDir()
	os.WriteFile(filepath.Join(busy, "keep.txt"), []byte("x"), 0o600)
	code, out, errOut := powerregd(t, "restore", "--data-dir", busy, goodFile)
	if code != 1 || !strings.Contains(errOut, "not empty") || !strings.Contains(errOut, "不为空") {
		t.Errorf("restore into a non-empty dir: exit %d\n%s%s", code, out, errOut)
	}
	if got := names(t, busy); !slices.Equal(got, []string{"keep.txt"}) {
		t.Errorf("a refused restore changed the dir: %v", got)
	}
	if code, _, errOut := powerregd(t, "restore", "--data-dir", t.TempDir()); code != 2 || !strings.Contains(errOut, "backup file") {
		t.Errorf("restore without a file: exit %d %s", code, errOut)
	}
}

// TestCheckDataDir: the demo data passes; a running server's data dir is
// refused with the way out; damage done with bbolt is named bucket by
// bucket and key by key.
func TestCheckDataDir(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, "--demo")
	code, out, errOut := powerregd(t, "check", "--data-dir", dir)
	if code != 1 || !strings.Contains(errOut, "powerctl backup -o F && powerregd check --file F") || !strings.Contains(errOut, "请先停止") {
		t.Errorf("check of a running server's dir: exit %d\n%s%s", code, out, errOut)
	}
	d.stop(t)
	code, out, errOut = powerregd(t, "check", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "no problems found") || !strings.Contains(out, "items 39") {
		t.Fatalf("check of the demo data: exit %d\n%s%s", code, out, errOut)
	}

	// A dangling index entry, a missing one, an audit record changed.
	corrupt(t, filepath.Join(dir, store.FileName), func(tx *bolt.Tx) error {
		byDept := tx.Bucket([]byte("items_by_dept"))
		if err := byDept.Put(append([]byte("gtzyj\x00"), u64(9999)...), nil); err != nil {
			return err
		}
		if err := byDept.Delete(append([]byte("hbj\x00"), u64(20)...)); err != nil {
			return err
		}
		// Changed and sealed again: the record's checksum holds, the chain
		// does not.
		audit := tx.Bucket([]byte("audit"))
		rec, err := store.DecodeAuditRecord(u64(5), audit.Get(u64(5)))
		if err != nil {
			return err
		}
		rec.Principal = "x" + rec.Principal
		v, err := store.EncodeAuditRecord(u64(5), rec)
		if err != nil {
			return err
		}
		return audit.Put(u64(5), v)
	})
	code, out, errOut = powerregd(t, "check", "--data-dir", dir)
	if code != 1 || !strings.Contains(errOut, "found 3 problems") {
		t.Errorf("check of damaged data: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"items_by_dept gtzyj/9999: 悬空索引项",
		"items_by_dept hbj/20: 缺少索引项",
		"audit 5: 审计链在此断开",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the check does not report %q:\n%s", want, out)
		}
	}
	if code, _, errOut := powerregd(t, "check", "--data-dir", dir, "--file", "x"); code != 2 {
		t.Errorf("--data-dir with --file: exit %d %s", code, errOut)
	}
}

// TestNewerSchemaRefused: a server, check and recover-admin refuse a data
// file of a newer schema, naming both versions, and leave it as it was.
func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	path := filepath.Join(dir, store.FileName)
	corrupt(t, path, func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("schema"), u64(7)) })
	before, _ := os.ReadFile(path)
	for _, args := range [][]string{
		{"--data-dir", dir, "--grpc-addr", freeAddr(t), "--http-addr", freeAddr(t)},
		{"check", "--data-dir", dir},
		{"recover-admin", "--data-dir", dir},
	} {
		code, out, errOut := powerregd(t, args...)
		if code != 1 || !strings.Contains(errOut, "schema version 7") || !strings.Contains(errOut, fmt.Sprintf("only up to %d", store.SchemaVersion)) ||
			!strings.Contains(errOut, fmt.Sprintf("版本 7 高于本程序支持的 %d", store.SchemaVersion)) {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("a refusal changed the data file")
	}
}

func post(t *testing.T, d *daemon, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", d.base+path, strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := d.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	return r.StatusCode
}

// TestRecoverAdmin: the only admin token revoked, recover-admin (refused
// while the server runs) writes a new one that can call admin methods and
// records itself in the audit trail.
func TestRecoverAdmin(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir)
	old := readToken(t, dir)
	if code := post(t, d, "/v1/tokens/admin:revoke", old); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := d.get(t, "/v1/tokens", old); code != 401 {
		t.Fatalf("the revoked token: %d", code)
	}
	code, out, errOut := powerregd(t, "recover-admin", "--data-dir", dir)
	if code != 1 || !strings.Contains(errOut, "stop powerregd first") {
		t.Errorf("recover-admin with the server running: exit %d\n%s%s", code, out, errOut)
	}
	d.stop(t)

	code, out, errOut = powerregd(t, "recover-admin", "--data-dir", dir, "--name", "admin-2")
	if code != 0 || !strings.Contains(out, "created admin token admin-2") {
		t.Fatalf("recover-admin: exit %d\n%s%s", code, out, errOut)
	}
	secret := readToken(t, dir)
	if st, _ := os.Stat(filepath.Join(dir, "admin.token")); secret == old || st.Mode().Perm() != 0o600 {
		t.Errorf("admin.token: mode %v, same as before: %v", st.Mode(), secret == old)
	}
	d = startDaemon(t, dir)
	code, body := d.get(t, "/v1/tokens", secret)
	if code != 200 || !strings.Contains(string(body), "tokens/admin-2") {
		t.Errorf("the new token lists tokens: %d %s", code, body)
	}
	code, body = d.get(t, "/v1/auditEvents?pageSize=5", secret)
	if code != 200 || !strings.Contains(string(body), "powerregd recover-admin") || !strings.Contains(string(body), "tokens/admin-2") {
		t.Errorf("the audit trail does not record the recovery: %d %s", code, body)
	}
	if code, _ := d.get(t, "/v1/tokens", old); code != 401 {
		t.Errorf("the revoked token works again: %d", code)
	}
	d.stop(t)
	if code, out, errOut := powerregd(t, "check", "--data-dir", dir); code != 0 {
		t.Errorf("check after the recovery: exit %d\n%s%s", code, out, errOut)
	}

	// A dir without a data file gets none.
	empty := t.TempDir()
	if code, _, errOut := powerregd(t, "recover-admin", "--data-dir", empty); code != 1 || !strings.Contains(errOut, "holds no data file") {
		t.Errorf("recover-admin on an empty dir: exit %d %s", code, errOut)
	}
	if got := names(t, empty); len(got) != 0 {
		t.Errorf("recover-admin on an empty dir wrote %v", got)
	}
}
