package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/powerreg/powerreg/server"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

const recoverUsage = `powerregd recover-admin: a new admin token for a data dir / 为数据目录签发新的管理员令牌

Usage: powerregd recover-admin --data-dir DIR [--name NAME]

For when the last admin token was lost or revoked. With powerregd stopped
(this needs the data dir to itself), it creates a new admin token, writes its
secret to DIR/admin.token (readable by this user only; an old file there is
replaced) and records the recovery in the audit trail. Then start powerregd,
and with the new token revoke the tokens that were lost:
  powerctl tokens revoke NAME
`

func recoverAdminMain(args []string, stdout, stderr io.Writer) int {
	fs := subcommand("recover-admin", recoverUsage, stderr)
	dir := fs.String("data-dir", "data", "the data dir / 数据目录")
	name := fs.String("name", "", "name of the new token (default admin-recovered-YYYYMMDD-HHMMSS) / 新令牌的名字")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	if len(rest) > 0 {
		return badUsage(stderr, "多余的参数 %q / unexpected arguments %q", rest, rest)
	}
	if _, err := dataFile(*dir); err != nil {
		return fail(stderr, "%v；新数据目录在首次启动时自动生成管理员令牌 / a new data dir gets its admin token at its first start", err)
	}
	db, err := store.Open(*dir)
	switch {
	case errors.Is(err, store.ErrLocked):
		return fail(stderr, "%v\n请先停止 powerregd：恢复管理员令牌须离线进行 / stop powerregd first: recover-admin works offline", err)
	case err != nil:
		return fail(stderr, "%v", err)
	}
	defer db.Close()
	if *name == "" {
		*name = "admin-recovered-" + time.Now().UTC().Format("20060102-150405")
	}
	path := filepath.Join(*dir, server.AdminTokenFile)
	svc := registry.New(registry.Config{Store: db}).For(registry.Call{Method: "powerregd recover-admin", Resource: "tokens/" + *name})
	if _, err := svc.RecoverAdminToken(*name, func(secret string) error { return server.WriteAdminToken(path, secret) }); err != nil {
		return fail(stderr, "未签发令牌 / no token was created: %v", err)
	}
	fmt.Fprintf(stdout, "已签发管理员令牌 %s，密钥写入 %s（仅本用户可读），并记入审计 / created admin token %s; its secret is in %s "+
		"(readable by this user only) and the recovery is in the audit trail\n"+
		"启动 powerregd 后请吊销丢失的令牌 / start powerregd, then revoke the lost tokens: powerctl tokens revoke NAME\n",
		*name, path, *name, path)
	return exitOK
}
