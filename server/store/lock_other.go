//go:build !unix || solaris || aix

package store

import "os"

// sharedLock: no advisory lock to probe here; bbolt's own lock still keeps
// a second process out.
func sharedLock(*os.File) error { return nil }
