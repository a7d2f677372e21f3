//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cli

import "os"

// tryLockFile: this platform has no flock; fix runs without the lock.
func tryLockFile(*os.File) (bool, error) { return false, errLockUnsupported }
