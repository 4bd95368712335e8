//go:build unix && !solaris && !aix

package store

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// sharedLock takes a shared lock on f (released when f is closed), waiting
// up to a second as bbolt does; a process holding the file exclusively
// (a running powerregd: bbolt's flock) makes it ErrLocked.
func sharedLock(f *os.File) error {
	deadline := time.Now().Add(time.Second)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return ErrLocked
			}
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
