package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/powerreg/powerreg/internal/proc"
	"github.com/powerreg/powerreg/server"
)

// target is the powerregd under load: a child on a fresh data dir, or a
// running one (--addr).
type target struct {
	addr  string // gRPC
	admin string // an admin token's secret
	// tag sets this run's departments and tokens apart from what a running
	// server already holds; empty on a fresh data dir.
	tag  string
	stop func()
}

// startTarget starts powerregd on a fresh data dir, or reads the admin
// token of the running server at o.addr.
func startTarget(o *options, log io.Writer) (*target, error) {
	if o.addr != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("读取管理员令牌失败，请用 --token-file 指定 / read the admin token (--token-file): %w", err)
		}
		tag := "l" + strconv.FormatInt(time.Now().UnixMilli(), 36) // unique per run, short enough for ids
		return &target{addr: o.addr, admin: strings.TrimSpace(string(b)), tag: tag, stop: func() {}}, nil
	}
	tmp, err := os.MkdirTemp("", "powerload-")
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	bin := o.powerregd
	if bin == "" {
		fmt.Fprintln(log, "building powerregd …")
		if bin, err = proc.BuildPowerregd(tmp, log); err != nil {
			cleanup()
			return nil, err
		}
	}
	dataDir := o.dataDir
	if dataDir == "" {
		dataDir = filepath.Join(tmp, "data")
	} else if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
		cleanup()
		return nil, fmt.Errorf("数据目录 %s 不为空，请指定空目录 / data dir %s is not empty; give an empty or new one", dataDir, dataDir)
	}
	grpcAddr, err := proc.FreeAddr()
	if err != nil {
		cleanup()
		return nil, err
	}
	httpAddr, err := proc.FreeAddr()
	if err != nil {
		cleanup()
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(tmp, "powerregd.log"))
	if err != nil {
		cleanup()
		return nil, err
	}
	// Rate limits off: the load measures capacity, and its portal readers
	// all come from one anonymous address.
	cmd := exec.Command(bin, "--data-dir", dataDir, "--grpc-addr", grpcAddr, "--http-addr", httpAddr,
		"--rate-limit", "0", "--anonymous-rate-limit", "0")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	child, err := proc.Start("powerregd", cmd)
	if err != nil {
		cleanup()
		return nil, err
	}
	stop := func() {
		child.Stop()
		logFile.Close()
		cleanup()
	}
	if err := proc.WaitHTTP("http://"+httpAddr+"/healthz", child, 60*time.Second); err != nil {
		err = proc.WithLog(err, logFile.Name())
		stop()
		return nil, err
	}
	secret, err := os.ReadFile(filepath.Join(dataDir, server.AdminTokenFile))
	if err != nil {
		stop()
		return nil, fmt.Errorf("read the first admin token: %w", err)
	}
	fmt.Fprintf(log, "powerregd on %s (gRPC), data dir %s\n", grpcAddr, dataDir)
	return &target{addr: grpcAddr, admin: strings.TrimSpace(string(secret)), stop: stop}, nil
}
