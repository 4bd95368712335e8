package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/powerreg/powerreg/internal/proc"
)

// nginxConfig is a minimal foreground nginx serving root on 127.0.0.1:port,
// with every path it writes under prefix; gzip_static serves page.json.gz
// to clients that accept gzip.
func nginxConfig(prefix, root string, port int) string {
	return fmt.Sprintf(`daemon off;
worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    types { application/json json; }
    default_type application/json;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
    gzip_static on;
    server {
        listen 127.0.0.1:%[3]d;
        root %[2]s;
        location / { }
    }
}
`, prefix, root, port)
}

var wrkRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// parseWrk reads requests per second from wrk's output.
func parseWrk(out string) (float64, error) {
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no Requests/sec in wrk output:\n%s", out)
	}
	return strconv.ParseFloat(m[1], 64)
}

var wrkRequests = regexp.MustCompile(`(?m)^\s*(\d+) requests in `)

// parseWrkRequests reads the number of requests from wrk's output.
func parseWrkRequests(out string) (int64, error) {
	m := wrkRequests.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no request count in wrk output:\n%s", out)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err == nil && n == 0 {
		err = fmt.Errorf("wrk made no request:\n%s", out)
	}
	return n, err
}

// clockTicks is the unit of /proc/PID/stat's times (USER_HZ, 100 on
// Linux whatever the kernel's own tick).
const clockTicks = 100

// parseProcCPU reads the user and system time from /proc/PID/stat: its
// 14th and 15th fields, counted after the command's closing parenthesis
// (the command may hold spaces).
func parseProcCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command in %q", stat)
	}
	f := strings.Fields(stat[i+1:]) // from the 3rd field, the state
	if len(f) < 13 {
		return 0, fmt.Errorf("too few fields in %q", stat)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("CPU time %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

var vmRSS = regexp.MustCompile(`(?m)^VmRSS:\s+(\d+)\s+kB`)

// parseVmRSS reads VmRSS, in bytes, from /proc/PID/status.
func parseVmRSS(status string) (int64, error) {
	m := vmRSS.FindStringSubmatch(status)
	if m == nil {
		return 0, fmt.Errorf("no VmRSS in status")
	}
	kb, err := strconv.ParseInt(m[1], 10, 64)
	return kb * 1024, err
}

// benchServer prepares the powerregd a measurement runs: binary (built
// into tmp when empty) serving dataDir on free loopback ports, without the
// anonymous rate limit, logging to tmp/powerregd.log. The caller starts
// the command.
func benchServer(binary, dataDir, tmp string) (httpAddr, grpcAddr string, cmd *exec.Cmd, log *os.File, err error) {
	if binary == "" {
		fmt.Println("building powerregd …")
		if binary, err = proc.BuildPowerregd(tmp, os.Stdout); err != nil {
			return "", "", nil, nil, err
		}
	}
	var ports [2]int
	for i := range ports {
		if ports[i], err = proc.FreePort(); err != nil {
			return "", "", nil, nil, err
		}
	}
	httpAddr, grpcAddr = fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[1])
	cmd = exec.Command(binary, "--data-dir", dataDir, "--http-addr", httpAddr, "--grpc-addr", grpcAddr,
		"--anonymous-rate-limit", "0")
	if log, err = os.Create(filepath.Join(tmp, "powerregd.log")); err != nil {
		return "", "", nil, nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	return httpAddr, grpcAddr, cmd, log, nil
}
