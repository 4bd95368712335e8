package main

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestNginxConfig(t *testing.T) {
	c := nginxConfig("/tmp/pb", "/tmp/pb/www", 18080)
	for _, want := range []string{"daemon off;", "listen 127.0.0.1:18080;", "root /tmp/pb/www;", "pid /tmp/pb/nginx.pid;",
		"error_log /tmp/pb/error.log", "access_log off;", "gzip_static on;", "client_body_temp_path /tmp/pb/client_body;"} {
		if !strings.Contains(c, want) {
			t.Errorf("config lacks %q:\n%s", want, c)
		}
	}
	if strings.Count(c, "{") != strings.Count(c, "}") {
		t.Errorf("unbalanced braces:\n%s", c)
	}
	if strings.Contains(c, "0.0.0.0") || strings.Contains(c, "listen 80") {
		t.Error("nginx must listen on loopback only")
	}
}

func TestParseWrk(t *testing.T) {
	out := `Running 10s test @ http://127.0.0.1:8080/page.json
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   310.12us  100.00us   5.00ms   90.00%
Requests/sec:  98765.43
Transfer/sec:    1.23GB
`
	rps, err := parseWrk(out)
	if err != nil || rps != 98765.43 {
		t.Fatalf("parseWrk = %v, %v", rps, err)
	}
	if _, err := parseWrk("nothing"); err == nil {
		t.Error("parseWrk of garbage")
	}
}

func TestParseVmRSS(t *testing.T) {
	rss, err := parseVmRSS("Name:\tpowerregd\nVmPeak:\t 9 kB\nVmRSS:\t  524288 kB\nRssAnon:\t 1 kB\n")
	if err != nil || rss != 512<<20 {
		t.Fatalf("parseVmRSS = %d, %v", rss, err)
	}
}

func TestSearchQueriesMixLengths(t *testing.T) {
	qs := searchQueries(1, 30)
	lengths := map[int]int{}
	for _, q := range qs {
		lengths[utf8.RuneCountInString(q)]++
	}
	if lengths[1] != 10 || lengths[2] != 10 || lengths[4] != 10 {
		t.Errorf("query lengths %v, want 10 each of 1, 2 and 4", lengths)
	}
	if strings.Join(searchQueries(1, 30), ",") != strings.Join(qs, ",") {
		t.Error("queries not deterministic")
	}
}

func TestParseWrkRequests(t *testing.T) {
	out := `Running 10s test @ http://127.0.0.1:8080/page.json
  2 threads and 32 connections
  Latency Distribution
     50%  400.00us
  493817 requests in 10.00s, 9.41GB read
Requests/sec:  49381.70
`
	if n, err := parseWrkRequests(out); err != nil || n != 493817 {
		t.Fatalf("parseWrkRequests = %d, %v", n, err)
	}
	if _, err := parseWrkRequests("  0 requests in 10.00s, 0B read\n"); err == nil {
		t.Error("no requests taken for a count")
	}
	if _, err := parseWrkRequests("nothing"); err == nil {
		t.Error("parseWrkRequests of garbage")
	}
}

func TestParseProcCPU(t *testing.T) {
	// utime 1234 and stime 566 ticks; the command holds a space and a parenthesis.
	stat := "4242 (nginx: (worker) x) S 4241 4241 4241 0 -1 4194624 231 0 0 0 1234 566 0 0 20 0 1 0 1000 12345 67 18446744073709551615"
	d, err := parseProcCPU(stat)
	if err != nil || d != 18*time.Second {
		t.Fatalf("parseProcCPU = %v, %v; want 18s", d, err)
	}
	if _, err := parseProcCPU("4242 (x) S 1 2"); err == nil {
		t.Error("a short stat line taken")
	}
}

func TestListPath(t *testing.T) {
	if p := listPath(20); p != "/v1/catalog/items?category=CATEGORY_PENALTY&page_size=20" {
		t.Fatalf("listPath(20) = %q", p)
	}
}
