package main

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

func TestCORSOriginFlag(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "--demo", "--cors-origin", "https://portal.example.gov.cn, http://localhost:3000",
		"--cors-origin", "https://www.example.gov.cn")
	for origin, allowed := range map[string]bool{"https://portal.example.gov.cn": true, "http://localhost:3000": true,
		"https://www.example.gov.cn": true, "https://evil.example.com": false} {
		req, _ := http.NewRequest("GET", d.base+"/v1/catalog/stats", nil)
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); (got == origin) != allowed || resp.StatusCode != 200 {
			t.Errorf("%s: HTTP %d, Access-Control-Allow-Origin %q", origin, resp.StatusCode, got)
		}
		if resp.Header.Get("ETag") == "" || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "public") {
			t.Errorf("catalogue answer without ETag or public Cache-Control: %v", resp.Header)
		}
	}
	out, err := exec.Command(binary, "--data-dir", t.TempDir(), "--cors-origin", "https://portal.example.gov.cn/").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "https://portal.example.gov.cn/") {
		t.Errorf("a malformed origin: %v\n%s", err, out)
	}
}
