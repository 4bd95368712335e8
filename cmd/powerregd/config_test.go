package main

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// env is a fake environment.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "powerregd.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func parse(t *testing.T, args []string, vars map[string]string) (*options, error) {
	t.Helper()
	fs := flag.NewFlagSet("powerregd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return parseFlags(fs, args, env(vars))
}

// TestConfigPrecedence: a flag beats its environment variable, which beats
// the config file, which beats the default; lists in the file set
// repeatable flags; the file itself may be named by the environment.
func TestConfigPrecedence(t *testing.T) {
	path := writeConfig(t, `# powerregd options
data-dir = "/srv/powerreg"
region = "430100"
rate-limit = 5
read-timeout = "45s"
cors-origin = ["https://portal.example.gov.cn", "https://www.example.gov.cn"]
trusted-proxy = ["10.0.0.0/8", "192.0.2.7"]
log-level = "debug"
`)
	o, err := parse(t, []string{"--rate-limit", "7"}, map[string]string{
		"POWERREGD_CONFIG": path, "POWERREGD_REGION": "430200", "POWERREGD_RATE_LIMIT": "6"})
	if err != nil {
		t.Fatal(err)
	}
	l := o.server.Limits
	checks := []struct {
		what      string
		got, want any
	}{
		{"data-dir (file)", o.server.DataDir, "/srv/powerreg"},
		{"region (env over file)", o.server.Region, "430200"},
		{"rate-limit (flag over env and file)", l.Principal.Rate, 7.0},
		{"read-timeout (file)", l.ReadTimeout, 45 * time.Second},
		{"grpc-addr (default)", o.server.GRPCAddr, "127.0.0.1:9090"},
		{"anonymous-rate-burst (default)", l.Anonymous.Burst, 40},
		{"cors-origin (file list)", strings.Join(o.server.CORSOrigins, " "), "https://portal.example.gov.cn https://www.example.gov.cn"},
		{"trusted-proxy (file list)", len(l.TrustedProxies), 2},
		{"trusted-proxy (an address is a /32)", l.TrustedProxies[1].String(), "192.0.2.7/32"},
		{"log-level (file)", o.logLevel.String(), "DEBUG"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	// A flag set on the command line is not appended to from the file.
	o, err = parse(t, []string{"--config", path, "--cors-origin", "http://localhost:3000"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.server.CORSOrigins, []string{"http://localhost:3000"}) {
		t.Errorf("cors-origin from the flag and the file: %v", o.server.CORSOrigins)
	}
}

// TestConfigRefusals: an unknown key of the file is refused with its line;
// a bad value names where it came from.
func TestConfigRefusals(t *testing.T) {
	path := writeConfig(t, "region = \"430100\"\n\ndata_dir = \"/srv\"\n")
	_, err := parse(t, []string{"--config", path}, nil)
	if err == nil || !strings.Contains(err.Error(), path+":3:") || !strings.Contains(err.Error(), `unknown key "data_dir"`) ||
		!strings.Contains(err.Error(), "未知的键") {
		t.Errorf("unknown key: %v", err)
	}
	path = writeConfig(t, "read-timeout = 45\n")
	if _, err := parse(t, []string{"--config", path}, nil); err == nil || !strings.Contains(err.Error(), path+":1: read-timeout") {
		t.Errorf("a duration without a unit: %v", err)
	}
	if _, err := parse(t, nil, map[string]string{"POWERREGD_RATE_LIMIT": "fast"}); err == nil ||
		!strings.Contains(err.Error(), "POWERREGD_RATE_LIMIT") {
		t.Errorf("a bad environment value: %v", err)
	}
	if _, err := parse(t, []string{"--max-page-size", "-5"}, nil); err == nil || !strings.Contains(err.Error(), "--max-page-size -5") {
		t.Errorf("--max-page-size -5: %v", err)
	}
	if o, err := parse(t, nil, map[string]string{"POWERREGD_MAX_PAGE_SIZE": "20"}); err != nil || o.server.Limits.MaxPageSize != 20 {
		t.Errorf("POWERREGD_MAX_PAGE_SIZE=20: %v", err)
	}
	if _, err := parse(t, []string{"--log-format", "xml"}, nil); err == nil || !strings.Contains(err.Error(), "text or json") {
		t.Errorf("--log-format xml: %v", err)
	}
	if _, err := parse(t, []string{"--config", filepath.Join(t.TempDir(), "missing.toml")}, nil); err == nil ||
		!strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("a missing config file: %v", err)
	}
}

// TestHelpListsEveryOption: powerregd --help names every flag with its
// environment variable.
func TestHelpListsEveryOption(t *testing.T) {
	out, err := exec.Command(binary, "--help").CombinedOutput()
	if err != nil && !strings.Contains(err.Error(), "exit status") {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("powerregd", flag.ContinueOnError)
	defineFlags(fs, &options{})
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		if !strings.Contains(string(out), "--"+f.Name+" ") || !strings.Contains(string(out), "env "+envName(f.Name)) {
			t.Errorf("--help does not list --%s with %s", f.Name, envName(f.Name))
		}
	})
	if n < 25 {
		t.Fatalf("only %d flags defined", n)
	}
}

// TestJSONLogsWithRequestIDs: a daemon configured by file for JSON logs
// logs each call as one JSON object carrying the caller's request id.
func TestJSONLogsWithRequestIDs(t *testing.T) {
	path := writeConfig(t, "log-format = \"json\"\nlog-level = \"debug\"\n")
	d := startDaemon(t, t.TempDir(), "--config", path)
	req, _ := http.NewRequest("GET", d.base+"/v1/departments", nil)
	req.Header.Set("X-Request-Id", "ops-test-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Request-Id") != "ops-test-1" {
		t.Fatalf("X-Request-Id %q", resp.Header.Get("X-Request-Id"))
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	err = <-d.exited
	d.exited <- err // for the cleanup
	var found bool
	for _, line := range strings.Split(d.stderr.String(), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %s", line)
		}
		if rec["request_id"] == "ops-test-1" {
			found = rec["msg"] == "rpc" && rec["code"] == "UNAUTHENTICATED" && rec["principal"] == "anonymous" &&
				rec["method"] == "/powerreg.v1.RegistryService/ListDepartments"
		}
	}
	if !found {
		t.Fatalf("no rpc log line for request ops-test-1:\n%s", d.stderr)
	}
}

// TestFourEyesPublisherEditsOption: refuse by default; allow by flag,
// variable or file; anything else is refused naming the values.
func TestFourEyesPublisherEditsOption(t *testing.T) {
	o, err := parse(t, nil, nil)
	if err != nil || o.server.PublisherMayEdit {
		t.Fatalf("default: %v, %v; want refuse", o, err)
	}
	for name, c := range map[string]struct {
		args []string
		vars map[string]string
		want bool
	}{
		"flag allow": {[]string{"--four-eyes-publisher-edits=allow"}, nil, true},
		"env allow":  {nil, map[string]string{"POWERREGD_FOUR_EYES_PUBLISHER_EDITS": "allow"}, true},
		"file allow": {nil, map[string]string{"POWERREGD_CONFIG": writeConfig(t, "four-eyes-publisher-edits = \"allow\"\n")}, true},
		"flag beats env": {[]string{"--four-eyes-publisher-edits", "refuse"},
			map[string]string{"POWERREGD_FOUR_EYES_PUBLISHER_EDITS": "allow"}, false},
	} {
		o, err := parse(t, c.args, c.vars)
		if err != nil || o.server.PublisherMayEdit != c.want {
			t.Errorf("%s: %v, %v; want allow=%v", name, o, err, c.want)
		}
	}
	if _, err := parse(t, []string{"--four-eyes-publisher-edits", "yes"}, nil); err == nil ||
		!strings.Contains(err.Error(), "give refuse or allow") {
		t.Errorf("--four-eyes-publisher-edits yes: %v", err)
	}
}
