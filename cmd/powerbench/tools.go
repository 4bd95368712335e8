package main

import (
	"fmt"
	"regexp"
	"strconv"
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
