// Command powerload puts powerregd under the load of a city's reporting
// season: 72 departments enter and submit their items at once,
// reviewers approve them or return some, a publisher publishes approved
// batches as they come, and portal readers read the catalogue the whole
// time. Then it publishes what is still approved and checks that no item
// was lost or duplicated: every created item is in the catalogue exactly
// once, codes are unique, the change feed replayed from the beginning is
// the catalogue, and the stats agree. It prints each operation's
// throughput and latencies, and exits 1 naming any discrepancy. See
// README.md, "Load test".
//
//	powerload [--departments 72] [--items 50] [--batch 8] [--readers 4] …
//	powerload --addr HOST:PORT --token-file admin.token …   (a running server)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/powerreg/powerreg/server/registry"
)

// options are powerload's command line.
type options struct {
	departments, items, batch int
	importEvery               int
	reviewers, publishers     int
	readers                   int
	readPause                 time.Duration
	returnRate, rejectRate    float64
	publishEvery, callTimeout time.Duration
	seed                      int64
	addr, tokenFile           string
	powerregd, dataDir        string
	commandLine               string
}

func parseFlags(args []string, errOut io.Writer) (*options, error) {
	fs := flag.NewFlagSet("powerload", flag.ContinueOnError)
	fs.SetOutput(errOut)
	o := &options{}
	fs.IntVar(&o.departments, "departments", 72, "departments submitting at once / 同时报送的部门数")
	fs.IntVar(&o.items, "items", 50, "items each department creates (sub-items included) / 每个部门创建的事项数（含子项）")
	fs.IntVar(&o.batch, "batch", 8, "items per batch (报送批次) / 每批事项数")
	fs.IntVar(&o.importEvery, "import-every", 2, "every Nth batch is entered with one ImportItems stream, the others with CreateItem calls; 0: never / 每 N 批用一次导入")
	fs.IntVar(&o.reviewers, "reviewers", 4, "concurrent reviewers / 审核人数")
	fs.IntVar(&o.publishers, "publishers", 1, "publishers, each publishing the approved batches of its share of the departments / 发布人数")
	fs.DurationVar(&o.publishEvery, "publish-every", 500*time.Millisecond, "how often each publisher publishes the approved batches / 发布间隔")
	fs.IntVar(&o.readers, "readers", 4, "concurrent anonymous portal readers / 门户并发读者数")
	fs.DurationVar(&o.readPause, "read-pause", 5*time.Millisecond, "pause of each reader between reads / 读者每次读取后的停顿")
	fs.Float64Var(&o.returnRate, "return-rate", 0.15, "share of batches approved with one item returned / 退回单个事项的批次比例")
	fs.Float64Var(&o.rejectRate, "reject-rate", 0.05, "share of batches returned whole / 整批退回的比例")
	fs.DurationVar(&o.callTimeout, "call-timeout", time.Minute, "deadline of each call / 单次调用的时限")
	fs.Int64Var(&o.seed, "seed", 1, "random seed of the items and the reviewers' decisions / 随机种子")
	fs.StringVar(&o.addr, "addr", "", "gRPC address of a running powerregd; default: start one on a fresh data dir / 已运行服务的 gRPC 地址")
	fs.StringVar(&o.tokenFile, "token-file", "", "admin token file, with --addr / 管理员令牌文件（与 --addr 一起用）")
	fs.StringVar(&o.powerregd, "powerregd", "", "powerregd binary to start (default: go build ./cmd/powerregd) / powerregd 可执行文件")
	fs.StringVar(&o.dataDir, "data-dir", "", "empty data dir for the started powerregd, kept afterwards (default: a temp dir, removed) / 数据目录（须为空，保留）")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments %q / 多余的参数", fs.Args())
	case o.departments < 1 || o.items < 1 || o.batch < 1 || o.reviewers < 1 || o.publishers < 1 || o.readers < 0:
		return nil, fmt.Errorf("--departments, --items, --batch, --reviewers and --publishers must be at least 1, --readers at least 0 / 参数须为正数")
	case o.batch > registry.MaxSubmissionItems:
		return nil, fmt.Errorf("--batch is at most %d, the items of one submission / 每批最多 %d 个事项", registry.MaxSubmissionItems, registry.MaxSubmissionItems)
	case o.returnRate < 0 || o.rejectRate < 0 || o.returnRate+o.rejectRate >= 1:
		return nil, fmt.Errorf("--return-rate and --reject-rate must be ≥ 0 and add up to less than 1, or no batch would ever pass / 退回比例之和须小于 1")
	case o.publishEvery <= 0 || o.callTimeout <= 0:
		return nil, fmt.Errorf("--publish-every and --call-timeout must be positive / 间隔须为正")
	case (o.addr == "") != (o.tokenFile == ""):
		return nil, fmt.Errorf("--addr and --token-file go together / --addr 与 --token-file 须同时指定")
	case o.addr != "" && (o.powerregd != "" || o.dataDir != ""):
		return nil, fmt.Errorf("--powerregd and --data-dir start a server; with --addr one is running / 指定 --addr 时不能用 --powerregd、--data-dir")
	}
	o.commandLine = commandLine(args)
	return o, nil
}

// commandLine is the command as a reader would type it again.
func commandLine(args []string) string {
	s := "go run ./cmd/powerload"
	for _, a := range args {
		s += " " + a
	}
	return s
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err == flag.ErrHelp {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "powerload:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Printf("machine: %d CPUs (GOMAXPROCS %d), %s/%s; powerload and powerregd share them\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	res, err := run(ctx, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "powerload:", err)
		os.Exit(1)
	}
	if !res.ok() {
		os.Exit(1)
	}
}
