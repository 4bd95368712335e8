package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests run the real binary as a child process, as an operator would.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "powerregd-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "powerregd")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic(fmt.Sprintf("build powerregd: %v\n%s", err, out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// daemon is a running powerregd.
type daemon struct {
	cmd    *exec.Cmd
	http   string
	stderr *bytes.Buffer
	exited chan error
}

func startDaemon(t *testing.T, dataDir string, extra ...string) *daemon {
	t.Helper()
	d := &daemon{http: freeAddr(t), stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	args := append([]string{"--data-dir", dataDir, "--grpc-addr", freeAddr(t), "--http-addr", d.http}, extra...)
	d.cmd = exec.Command(binary, args...)
	d.cmd.Stderr = d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.exited
	})
	// Ready when /healthz answers; the daemon dying first is a failure.
	for i := 0; ; i++ {
		select {
		case err := <-d.exited:
			t.Fatalf("powerregd exited at start: %v\n%s", err, d.stderr)
		default:
		}
		if r, err := http.Get("http://" + d.http + "/healthz"); err == nil {
			r.Body.Close()
			return d
		}
		if i > 600 {
			t.Fatalf("powerregd did not become ready\n%s", d.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *daemon) getJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	r, err := http.Get("http://" + d.http + path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, r.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

func TestDemoServesCatalogue(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "--demo")
	stats := d.getJSON(t, "/v1/catalog/stats")
	cats := stats["categories"].([]any)
	if len(cats) != 10 {
		t.Fatalf("stats has %d categories", len(cats))
	}
	for _, c := range cats {
		count, _ := c.(map[string]any)["count"].(map[string]any)
		if total, _ := count["total"].(float64); total == 0 {
			t.Errorf("demo has no published item of %v", c.(map[string]any)["label"])
		}
	}
	if _, err := http.Get("http://" + d.http + "/openapi.json"); err != nil {
		t.Fatal(err)
	}
}

func TestSecondProcessFailsAtOnce(t *testing.T) {
	dir := t.TempDir()
	startDaemon(t, dir)
	cmd := exec.Command(binary, "--data-dir", dir, "--grpc-addr", freeAddr(t), "--http-addr", freeAddr(t))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("second powerregd on the same data dir succeeded")
		}
	case <-time.After(30 * time.Second): // a generous bound on a loaded machine; it takes about one second
		cmd.Process.Kill()
		t.Fatal("second powerregd did not give up")
	}
	if !strings.Contains(stderr.String(), "in use by another powerregd") || !strings.Contains(stderr.String(), "另一个") {
		t.Fatalf("unclear message: %s", stderr.String())
	}
}

func TestGracefulShutdownKeepsData(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, "--demo")
	before := d.getJSON(t, "/v1/catalog/stats")
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-d.exited; err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, d.stderr)
	}
	d.exited <- nil // for the cleanup
	after := startDaemon(t, dir, "--demo").getJSON(t, "/v1/catalog/stats")
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if !bytes.Equal(b1, b2) {
		t.Fatalf("catalogue changed across a restart with --demo:\n%s\n%s", b1, b2)
	}
}
