package store

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/powerreg/powerreg/server/registry"
)

// A damaged page, unlike a damaged record, is met by bbolt itself: it
// panics on its own assertions (a page that does not name itself, a page
// number above the file's end), or faults reading its memory map. In a
// server those are a crash or an INTERNAL error on a store that says it is
// ready; guard makes them a DATA_LOSS error, counted as damage.

// guard runs a transaction, turning what a damaged page makes bbolt do
// into an error wrapping ErrDamaged (and, for the registry, a DATA_LOSS
// error) and counting it. Any other panic goes on.
func (db *DB) guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			if !damagedPanic(p) {
				panic(p)
			}
			what := safeText(fmt.Sprint(p))
			if db != nil {
				db.countDamage("bbolt: " + what)
			}
			err = fmt.Errorf("%w: %w", ErrDamaged, registry.DataLoss("bbolt", "页结构损坏："+what, "the page structure is damaged: "+what))
		}
	}()
	return fn()
}

// damagedPanic reports whether p, recovered from a transaction, was
// raised by a damaged file: a fault at an address of the memory map
// (debug.SetPanicOnFault; a nil dereference has no address), or a panic
// raised inside bbolt, which panics only on what it finds in the file.
func damagedPanic(p any) bool {
	if _, fault := p.(interface{ Addr() uintptr }); fault {
		return true
	}
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	panicking := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			panicking = true
		case panicking && strings.HasPrefix(f.Function, "runtime."):
			// runtime.goPanicIndex and friends: the caller raised it.
		case panicking:
			return strings.HasPrefix(f.Function, "go.etcd.io/bbolt")
		}
		if !more {
			return false
		}
	}
}
