// Command powerregd is the registry server: gRPC and REST over one embedded
// bbolt store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/demo"
	"github.com/powerreg/powerreg/server/store"
)

func main() {
	var cfg server.Config
	var withDemo bool
	flag.StringVar(&cfg.DataDir, "data-dir", "data", "directory of the embedded store (created if missing) / 数据目录")
	flag.StringVar(&cfg.GRPCAddr, "grpc-addr", "127.0.0.1:9090", "gRPC listen address / gRPC 监听地址")
	flag.StringVar(&cfg.HTTPAddr, "http-addr", "127.0.0.1:8080", "REST and OpenAPI listen address / REST 监听地址")
	flag.StringVar(&cfg.Region, "region", "430400", "default GB/T 2260 region code of assigned item codes / 默认区划代码")
	flag.BoolVar(&withDemo, "demo", false, "load a sample catalogue into an empty store / 空库时载入示例清单")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "powerregd: the administrative power registry server / 行政权力清单服务\n\n"+
			"Usage: powerregd [flags]\nExample: powerregd --data-dir /var/lib/powerreg --demo\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, withDemo); err != nil {
		fmt.Fprintln(os.Stderr, "powerregd:", err)
		if errors.Is(err, store.ErrLocked) {
			fmt.Fprintln(os.Stderr, "stop the other process or choose another --data-dir / 请先停止另一个进程，或换一个 --data-dir")
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg server.Config, withDemo bool) error {
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	if withDemo {
		if err := demo.Load(srv.Registry()); err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		slog.Info("demo catalogue loaded (skipped if the store already had departments)")
	}
	return srv.Serve(ctx)
}
