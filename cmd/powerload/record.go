package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/powerreg/powerreg/internal/report"
)

// recorder keeps the latency of every call by operation, and the first
// errors, for the report. Safe for concurrent use.
type recorder struct {
	timeout time.Duration // of each call
	mu      sync.Mutex
	ops     map[string]*opStats
	errs    []string // the first maxErrors errors, with their operation
	nErrs   int
}

type opStats struct {
	lat    []time.Duration
	errors int
}

const maxErrors = 20

func newRecorder(timeout time.Duration) *recorder {
	return &recorder{timeout: timeout, ops: map[string]*opStats{}}
}

// do runs call with a per-call deadline and records its latency under op;
// an error is recorded, and returned.
func (r *recorder) do(ctx context.Context, op string, call func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	t := time.Now()
	err := call(ctx)
	d := time.Since(t)
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.ops[op]
	if s == nil {
		s = &opStats{}
		r.ops[op] = s
	}
	if err != nil {
		s.errors++
		r.fail(fmt.Errorf("%s: %w", op, err))
		return err
	}
	s.lat = append(s.lat, d)
	return nil
}

// failed records an error found outside a call (a wrong answer).
func (r *recorder) failed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail(err)
}

func (r *recorder) fail(err error) {
	r.nErrs++
	if len(r.errs) < maxErrors {
		r.errs = append(r.errs, err.Error())
	}
}

// errors returns the number of errors and the first of them.
func (r *recorder) errors() (int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nErrs, slices.Clone(r.errs)
}

// calls is the number of successful calls of op.
func (r *recorder) calls(op string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.ops[op]; s != nil {
		return len(s.lat)
	}
	return 0
}

// table renders one row per operation, in the order of ops (then any
// other operation, by name): calls, errors, calls per second over elapsed,
// and latency percentiles of the successful calls.
func (r *recorder) table(ops []string, elapsed time.Duration) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := slices.Clone(ops)
	var others []string
	for op := range r.ops {
		if !slices.Contains(ops, op) {
			others = append(others, op)
		}
	}
	slices.Sort(others)
	var rows [][]string
	for _, op := range append(names, others...) {
		s := r.ops[op]
		if s == nil {
			continue
		}
		row := []string{op, fmt.Sprint(len(s.lat)), fmt.Sprint(s.errors),
			fmt.Sprintf("%.1f", float64(len(s.lat))/elapsed.Seconds())}
		for _, p := range []float64{50, 90, 99, 100} {
			row = append(row, round(report.Percentile(s.lat, p)).String())
		}
		rows = append(rows, row)
	}
	return report.Table([]string{"operation", "calls", "errors", "calls/s", "p50", "p90", "p99", "max"}, rows)
}

// round keeps three significant digits or so: 12.3ms, 456µs.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
