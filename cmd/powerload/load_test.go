package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/powerreg/powerreg/internal/proc"
)

// The whole load, small, against a real powerregd child process: 72
// departments × 5 items with imports, returns, rejections, two publishers
// and readers; the check passes and the report has its rows.
func TestLoadSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts powerregd")
	}
	args := []string{"--departments", "72", "--items", "5", "--batch", "3", "--reviewers", "3", "--publishers", "2",
		"--readers", "2", "--publish-every", "100ms", "--return-rate", "0.3", "--reject-rate", "0.1",
		"--data-dir", filepath.Join(t.TempDir(), "data")}
	o, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res, err := run(t.Context(), o, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !res.ok() {
		t.Fatalf("errors %d, problems %q\n%s", res.errors, res.problems, out.String())
	}
	report := out.String()
	for _, op := range reportOrder {
		if !strings.Contains(report, "| "+op+" | ") {
			t.Errorf("no row for %s", op)
		}
	}
	for _, want := range []string{
		"command: go run ./cmd/powerload " + strings.Join(args, " "),
		"| items created (main items + sub-items) | 360 (",
		"| items published, in publications | 360 in ",
		"check passed",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(report, "| items returned, fixed and submitted again | 0 |") {
		t.Error("nothing was returned")
	}
	if t.Failed() {
		t.Log(report)
	}
	// The data dir given is kept, with the store in it.
	if _, err := os.Stat(filepath.Join(o.dataDir, "powerreg.db")); err != nil {
		t.Error(err)
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil || o.departments != 72 || o.publishEvery != 500*time.Millisecond || o.commandLine != "go run ./cmd/powerload" {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	for _, bad := range [][]string{
		{"--items", "0"},
		{"--batch", "10001"}, // over registry.MaxSubmissionItems
		{"--return-rate", "0.6", "--reject-rate", "0.4"},
		{"--addr", "127.0.0.1:9090"},
		{"--addr", "127.0.0.1:9090", "--token-file", "t", "--data-dir", "d"},
		{"extra"},
	} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// --addr: two runs against one running server; the second checks its own
// departments among the first run's published items.
func TestLoadRunningServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts powerregd")
	}
	dir := t.TempDir()
	bin, err := proc.BuildPowerregd(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	grpcAddr, _ := proc.FreeAddr()
	httpAddr, _ := proc.FreeAddr()
	data := filepath.Join(dir, "data")
	srv, err := proc.Start("powerregd", exec.Command(bin, "--data-dir", data, "--grpc-addr", grpcAddr, "--http-addr", httpAddr,
		"--rate-limit", "0", "--anonymous-rate-limit", "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if err := proc.WaitHTTP("http://"+httpAddr+"/healthz", srv, time.Minute); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 2; n++ {
		o, err := parseFlags([]string{"--addr", grpcAddr, "--token-file", filepath.Join(data, "admin.token"),
			"--departments", "6", "--items", "4", "--readers", "1", "--publish-every", "50ms"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		res, err := run(t.Context(), o, &out)
		if err != nil || !res.ok() {
			t.Fatalf("run %d: %v %+v\n%s", n, err, res, out.String())
		}
		if want := "check passed / 核对通过: all 24 created items are in the catalogue exactly once"; !strings.Contains(out.String(), want) {
			t.Errorf("run %d: report lacks %q:\n%s", n, want, out.String())
		}
		if want := fmt.Sprintf("(%d items in all)", 24*n); !strings.Contains(out.String(), want) {
			t.Errorf("run %d: report lacks %q:\n%s", n, want, out.String())
		}
	}
}
