package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFullDisk: on a full disk a write is refused with
// RESOURCE_EXHAUSTED / STORAGE_FULL (HTTP 507) and a message saying the
// server's disk is full, not INTERNAL; nothing is written, reads go on,
// and the same write succeeds once space is freed. The data dir is a
// size-limited tmpfs: the test skips where one cannot be mounted.
func TestFullDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a size-limited tmpfs here (needs root and CAP_SYS_ADMIN): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })

	d := startDaemon(t, dir)
	raw, err := os.ReadFile(filepath.Join(dir, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	admin := strings.TrimSpace(string(raw))
	token := admin
	post := func(path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", d.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		var out map[string]any
		json.Unmarshal(b, &out)
		return r.StatusCode, out
	}
	if code, body := post("/v1/departments?department_id=gtzyj", `{"displayName": "市国土资源局"}`); code != 200 {
		t.Fatalf("create the department: %d %v", code, body)
	}
	code, body := post("/v1/tokens?token_id=clerk", `{"roles": ["editor"], "departments": ["departments/gtzyj"]}`)
	if code != 200 {
		t.Fatalf("create the editor's token: %d %v", code, body)
	}
	token, _ = body["secret"].(string)

	// Fill the disk.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{1}, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			break
		}
	}
	f.Close()

	// An item of ~300 KB needs new pages in the store's file.
	basis := `{"level": "LEVEL_LAW", "title": "《土地管理法》", "text": "` + strings.Repeat("违", 10000) + `"}`
	item := `{"displayName": "对非法占用土地的处罚", "category": "CATEGORY_PENALTY", "legalBases": [` +
		strings.TrimSuffix(strings.Repeat(basis+",", 10), ",") + `]}`
	code, body = post("/v1/departments/gtzyj/items", item)
	if code != http.StatusInsufficientStorage {
		t.Fatalf("a write on a full disk: HTTP %d %v; want 507", code, body)
	}
	msg, _ := body["message"].(string)
	if body["code"] != float64(8) || !strings.Contains(msg, "disk is full") || !strings.Contains(msg, "磁盘已满") {
		t.Errorf("a write on a full disk: %v; want RESOURCE_EXHAUSTED saying the disk is full, in both languages", body)
	}
	if !strings.Contains(string(mustJSON(body)), `"reason":"STORAGE_FULL"`) {
		t.Errorf("a write on a full disk: %v; want reason STORAGE_FULL", body)
	}
	// Nothing was written; reads go on.
	if got := d.getJSON(t, "/v1/catalog/items"); len(got) != 0 {
		t.Errorf("catalogue after the refused write: %v", got)
	}
	if code, b := d.get(t, "/v1/departments/gtzyj/items", token); code != 200 || strings.Contains(string(b), "对非法占用") {
		t.Errorf("items after the refused write: %d %s", code, b)
	}

	// Space freed: the same write succeeds.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code, body := post("/v1/departments/gtzyj/items", item); code != 200 || body["name"] != "departments/gtzyj/items/1" {
		t.Fatalf("the write after freeing space: %d %.200v", code, body)
	}
	d.stop(t)
	checkDataDir(t, dir)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestFullDiskAtFirstStart: a new registry's first start on a full disk
// exits 1 saying the disk is full (in both languages) and leaves no
// powerreg.db behind: after space is freed the next start makes the new
// registry. (It left the 4096 bytes bbolt had written, which every later
// start refused as "cut short; restore from a backup", a backup a new
// registry does not have.)
func TestFullDiskAtFirstStart(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a size-limited tmpfs here (needs root and CAP_SYS_ADMIN): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	dir := filepath.Join(mnt, "data")
	// Fill the disk but for one page.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := f.Write(make([]byte, 4096)); err != nil {
			break
		}
	}
	f.Close()
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil || st.Bavail != 0 {
		t.Fatalf("the disk is not full: %v %d blocks free", err, st.Bavail)
	}
	if err := os.Truncate(filler, fileSize(t, filler)-4096); err != nil {
		t.Fatal(err)
	}

	code, errOut := serve(t, dir)
	if code != 1 || !strings.Contains(errOut, "磁盘已满") || !strings.Contains(errOut, "disk is full") {
		t.Errorf("first start on a full disk: exit %d\n%s", code, errOut)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Fatalf("the failed first start left %v", got)
	}
	// Space freed: the next start makes the new registry.
	os.Remove(filler)
	startDaemon(t, dir).stop(t)
	if _, err := os.Stat(filepath.Join(dir, "admin.token")); err != nil {
		t.Errorf("no admin token after the start: %v", err)
	}
	checkDataDir(t, dir)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
