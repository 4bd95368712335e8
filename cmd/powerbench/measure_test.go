package main

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 90: 90 * time.Millisecond,
		99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0.1: time.Millisecond} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("percentile sorted its argument")
	}
	if percentile(nil, 50) != 0 {
		t.Error("p50 of nothing")
	}
	if got := percentile([]time.Duration{3, 1, 2}, 50); got != 2 {
		t.Errorf("p50 of 3 = %v", got)
	}
}

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

func TestTable(t *testing.T) {
	got := table([]string{"a", "b"}, [][]string{{"1", "2"}})
	if got != "| a | b |\n| --- | --- |\n| 1 | 2 |\n" {
		t.Errorf("table:\n%s", got)
	}
}
