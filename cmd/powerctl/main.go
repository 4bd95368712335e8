// Command powerctl is the command line of the powerreg registry: departments
// import their lists (CSV or XLSX) and submit them, reviewers approve or
// return batches, publishers publish them, and anyone reads or exports the
// published catalogue.
//
//	powerctl import --create-departments items.csv
//	powerctl submit --department d001 --comment 第一批
//	powerctl review approve departments/d001/submissions/1
//	powerctl publish --all-approved
//	powerctl catalog stats
//
// The server is --server (env POWERREG_SERVER, default 127.0.0.1:9090); the
// bearer token is --token (env POWERREG_TOKEN): its name is who acts, its
// roles what it may do. --ca-cert FILE (env POWERREG_CA_CERT) turns on TLS.
// Admins manage tokens (powerctl tokens) and read the audit trail
// (powerctl audit list, powerctl audit verify).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
