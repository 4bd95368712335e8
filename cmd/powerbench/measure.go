package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/internal/proc"
	"github.com/powerreg/powerreg/internal/report"
	"github.com/powerreg/powerreg/internal/vocab"
)

type measureOptions struct {
	DataDir     string
	Duration    time.Duration
	Connections int
	Threads     int
	Searches    int
	Powerregd   string
	Seed        int64
	PageSize    int
}

// listPath is the portal's list page: pageSize penalties (50 make some
// 50 KB at the generator's items, 20 some 20 KB).
func listPath(pageSize int) string {
	return fmt.Sprintf("/v1/catalog/items?category=CATEGORY_PENALTY&page_size=%d", pageSize)
}

func measure(o measureOptions) error {
	for _, tool := range []string{"nginx", "wrk"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (or not on PATH); install it first: apt-get update && apt-get install -y nginx wrk", tool)
		}
	}
	if _, err := os.Stat(filepath.Join(o.DataDir, "powerreg.db")); err != nil {
		return fmt.Errorf("no store in %s; seed it first with powerbench seed --data-dir %s --items N", o.DataDir, o.DataDir)
	}
	tmp, err := os.MkdirTemp("", "powerbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil { // nginx workers may run as nobody
		return err
	}
	httpAddr, grpcAddr, srvCmd, srvLog, err := benchServer(o.Powerregd, o.DataDir, tmp)
	if err != nil {
		return err
	}
	var rows [][]string
	add := func(what, value, command string) {
		if command != "" {
			command = "`" + command + "`"
		}
		rows = append(rows, []string{what, value, command})
		fmt.Printf("%-40s %s\n", what, value)
	}

	// 1. Start-up.
	// Unlimited anonymous calls: the searches measure speed, one caller
	// asking as fast as it can (the rate limit would refuse most).
	startCmd := strings.Join(srvCmd.Args, " ")
	t0 := time.Now()
	srv, err := proc.Start("powerregd", srvCmd)
	if err != nil {
		return err
	}
	defer srv.Stop()
	base := "http://" + httpAddr
	if err := proc.WaitHTTP(base+"/healthz", srv, 60*time.Second); err != nil {
		return proc.WithLog(err, srvLog.Name())
	}
	tHealth := time.Since(t0)
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	cat := pb.NewCatalogServiceClient(conn)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err = cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Q: "许可", PageSize: 10})
		cancel()
		if err == nil {
			break
		}
		if time.Since(t0) > 5*time.Minute {
			return proc.WithLog(fmt.Errorf("first search: %w", err), srvLog.Name())
		}
		time.Sleep(20 * time.Millisecond)
	}
	tSearch := time.Since(t0)
	add("start-up until /healthz answers", tHealth.Round(time.Millisecond).String(), startCmd)
	add("start-up until the first search answers", tSearch.Round(time.Millisecond).String(), startCmd)

	// 2. The page, as nginx will serve it.
	listPath := listPath(o.PageSize)
	page, err := get(base+listPath, false)
	if err != nil {
		return err
	}
	www := filepath.Join(tmp, "www")
	if err := os.MkdirAll(www, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(www, "page.json"), page, 0o644); err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(page)
	zw.Close()
	if err := os.WriteFile(filepath.Join(www, "page.json.gz"), gz.Bytes(), 0o644); err != nil {
		return err
	}
	ngPort, err := proc.FreePort()
	if err != nil {
		return err
	}
	conf := filepath.Join(tmp, "nginx.conf")
	if err := os.WriteFile(conf, []byte(nginxConfig(tmp, www, ngPort)), 0o644); err != nil {
		return err
	}
	ngCmd := exec.Command("nginx", "-p", tmp, "-c", conf)
	ngCmd.Stdout, ngCmd.Stderr = os.Stdout, os.Stderr
	ng, err := proc.Start("nginx", ngCmd)
	if err != nil {
		return err
	}
	defer ng.Stop()
	static := fmt.Sprintf("http://127.0.0.1:%d/page.json", ngPort)
	if err := proc.WaitHTTP(static, ng, 10*time.Second); err != nil {
		return proc.WithLog(err, filepath.Join(tmp, "error.log"))
	}
	if same, err := get(static, false); err != nil || !bytes.Equal(same, page) {
		return fmt.Errorf("nginx does not serve the page's bytes (err %v)", err)
	}
	fmt.Printf("page: %d bytes (%d gzipped), %s\n", len(page), gz.Len(), listPath)

	// 3. wrk: nginx vs powerregd, identity and gzip. Besides requests per
	// second, the CPU time per request of the server (nginx: its master
	// and workers) and of wrk: on a machine shared with other work the
	// throughput follows the share of the processors each run was given,
	// the CPU time per request much less.
	ngPIDs := append([]int{ngCmd.Process.Pid}, childPIDs(ngCmd.Process.Pid)...)
	for _, enc := range []bool{false, true} {
		label := "identity"
		if enc {
			label = "gzip"
		}
		ng, err := runWrkCPU(o, static, enc, ngPIDs)
		if err != nil {
			return err
		}
		pr, err := runWrkCPU(o, base+listPath, enc, []int{srvCmd.Process.Pid})
		if err != nil {
			return err
		}
		add("nginx static page req/s ("+label+")", fmt.Sprintf("%.0f", ng.rps), ng.cmdline)
		add("powerregd REST page req/s ("+label+")", fmt.Sprintf("%.0f", pr.rps), pr.cmdline)
		add("ratio powerregd/nginx ("+label+")", fmt.Sprintf("%.2f (goal ≥ 0.60)", pr.rps/ng.rps), "")
		add("CPU per request, nginx + wrk ("+label+")", ng.cpu(), "utime+stime of the processes (/proc/PID/stat) over requests")
		add("CPU per request, powerregd + wrk ("+label+")", pr.cpu(), "utime+stime of the processes (/proc/PID/stat) over requests")
		add("CPU ratio nginx/powerregd ("+label+")", fmt.Sprintf("%.2f", ng.perRequest()/pr.perRequest()), "")
	}

	// 4. Keyword searches over gRPC.
	lat, err := searches(cat, o)
	if err != nil {
		return err
	}
	cmdline := fmt.Sprintf("%d ListCatalogItems q=<1,2,4 chars> page_size=20 over gRPC, one at a time", o.Searches)
	for _, p := range []float64{50, 90, 99} {
		add(fmt.Sprintf("search p%.0f", p), report.Percentile(lat, p).Round(10*time.Microsecond).String(), cmdline)
	}

	// 5. Resident memory after the load.
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srvCmd.Process.Pid))
	if err != nil {
		return err
	}
	rss, err := parseVmRSS(string(status))
	if err != nil {
		return err
	}
	add("powerregd VmRSS after the load", fmt.Sprintf("%.0f MiB (goal < 1 GiB)", float64(rss)/(1<<20)), fmt.Sprintf("grep VmRSS /proc/%d/status", srvCmd.Process.Pid))

	fmt.Println()
	fmt.Print(report.Table([]string{"measure", "figure", "command"}, rows))
	return nil
}

// get fetches url; with gzip it asks for gzip and returns the raw bytes.
func get(url string, gz bool) ([]byte, error) {
	req, _ := http.NewRequest("GET", url, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	r, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		return nil, err
	}
	defer r.Body.Close()
	if r.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, r.Status)
	}
	return io.ReadAll(r.Body)
}

// wrkRun is a wrk run's figures.
type wrkRun struct {
	rps                  float64
	requests             int64
	serverCPU, clientCPU time.Duration
	cmdline              string
}

func (w wrkRun) perRequest() float64 {
	return float64(w.serverCPU+w.clientCPU) / float64(w.requests)
}

func (w wrkRun) cpu() string {
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(w.requests) }
	return fmt.Sprintf("%.1f µs + %.1f µs", per(w.serverCPU), per(w.clientCPU))
}

// runWrkCPU runs wrk, with the CPU time the server's processes pids and
// wrk used.
func runWrkCPU(o measureOptions, url string, gz bool, pids []int) (wrkRun, error) {
	before, err := cpuOf(pids)
	if err != nil {
		return wrkRun{}, err
	}
	var r wrkRun
	var out string
	r.rps, r.cmdline, out, r.clientCPU, err = runWrk(o, url, gz)
	if err != nil {
		return r, err
	}
	after, err := cpuOf(pids)
	if err != nil {
		return r, err
	}
	r.serverCPU = after - before
	r.requests, err = parseWrkRequests(out)
	return r, err
}

// cpuOf is the CPU time, user and system, the processes pids have used.
func cpuOf(pids []int) (time.Duration, error) {
	var sum time.Duration
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, err
		}
		d, err := parseProcCPU(string(b))
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		sum += d
	}
	return sum, nil
}

// childPIDs lists the children of pid (nginx's workers).
func childPIDs(pid int) []int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func runWrk(o measureOptions, url string, gz bool) (rps float64, cmdline, out string, cpu time.Duration, err error) {
	args := []string{fmt.Sprintf("-t%d", o.Threads), fmt.Sprintf("-c%d", o.Connections), "-d" + o.Duration.String(), "--latency"}
	if gz {
		args = append(args, "-H", "Accept-Encoding: gzip")
	}
	args = append(args, url)
	cmdline = "wrk " + strings.Join(args, " ")
	if gz {
		cmdline = strings.Replace(cmdline, "-H Accept-Encoding: gzip", "-H 'Accept-Encoding: gzip'", 1)
	}
	fmt.Println("running", cmdline)
	cmd := exec.Command("wrk", args...)
	b, err := cmd.CombinedOutput()
	out = string(b)
	if err != nil {
		return 0, cmdline, out, 0, fmt.Errorf("%s: %w\n%s", cmdline, err, out)
	}
	if strings.Contains(out, "Non-2xx") {
		return 0, cmdline, out, 0, fmt.Errorf("%s: some answers were not 2xx:\n%s", cmdline, out)
	}
	rps, err = parseWrk(out)
	return rps, cmdline, out, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), err
}

// searchQueries draws n queries, 1-, 2- and 4-character in turn.
func searchQueries(seed int64, n int) []string {
	one, two, four := vocab.QueryWords()
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	qs := make([]string, n)
	for i := range qs {
		pool := [][]string{one, two, four}[i%3]
		qs[i] = pool[r.IntN(len(pool))]
	}
	return qs
}

func searches(cat pb.CatalogServiceClient, o measureOptions) ([]time.Duration, error) {
	qs := searchQueries(o.Seed, o.Searches)
	lat := make([]time.Duration, 0, len(qs))
	for _, q := range qs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		t := time.Now()
		_, err := cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Q: q, PageSize: 20})
		d := time.Since(t)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
		lat = append(lat, d)
	}
	return lat, nil
}
