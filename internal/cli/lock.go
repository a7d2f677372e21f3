package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// fixLockName is the file in the common git directory that serialises
// `lockguard fix` runs on one repository (all its linked worktrees share it).
//
// The lock is an flock(2) on an open descriptor, not the existence of the
// file: the kernel drops it when the process exits, however it exits, so a
// killed lockguard never leaves a stale lock behind and the file is never
// deleted (deleting a lock file that others may have open would let two
// processes hold "the" lock on two different inodes). The descriptor is
// opened close-on-exec (Go's default), so generators started by the fix do
// not inherit the lock and cannot keep it after lockguard is gone.
const fixLockName = "lockguard-fix.lock"

// lockPollInterval is how often a waiting fix retries the lock. Polling with
// LOCK_NB keeps the wait interruptible: a blocking flock cannot be cancelled.
const lockPollInterval = 100 * time.Millisecond

// waitingMessage is printed once when another fix holds the lock.
const waitingMessage = "lockguard: waiting for another lockguard fix in this repository…"

// errLockUnsupported is returned by tryLockFile where the platform has no
// flock; fix then runs without the lock.
var errLockUnsupported = errors.New("file locks are not supported on this platform")

// lockFix takes the exclusive fix lock of the repository lockguard runs in,
// for the whole of `lockguard fix` (analysis, generators, staging and the
// check after), so that a second fix waits and then sees the first one's
// result instead of generating the same lockfiles again. It waits while
// another process holds the lock, printing waitingMessage once; SIGINT or
// SIGTERM while waiting exits with ExitInterrupted. A dry run changes nothing and
// takes no lock. When the lock file cannot be created (a read-only .git),
// fix warns and goes on without it.
func (e *env) lockFix(dryRun bool) (unlock func(), err error) {
	nop := func() {}
	if dryRun {
		return nop, nil
	}
	r, err := e.openRepo(false)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(r.CommonDir(), fixLockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Fprintf(e.stderr, "lockguard: warning: cannot create %s (%v); running without protection against a concurrent lockguard fix\n", path, err)
		return nop, nil
	}
	waiting := false
	for {
		ok, err := tryLockFile(f)
		if errors.Is(err, errLockUnsupported) {
			f.Close()
			return nop, nil
		}
		if err != nil {
			f.Close()
			fmt.Fprintf(e.stderr, "lockguard: warning: cannot lock %s (%v); running without protection against a concurrent lockguard fix\n", path, err)
			return nop, nil
		}
		if ok {
			return func() { f.Close() }, nil // closing the descriptor releases the lock
		}
		if !waiting {
			fmt.Fprintln(e.stderr, waitingMessage)
			waiting = true
		}
		select {
		case <-e.ctx.Done():
			f.Close()
			fmt.Fprintln(e.stderr, "lockguard: interrupted while waiting for the other lockguard fix; nothing was changed")
			return nil, exitError{ExitInterrupted}
		case <-time.After(lockPollInterval):
		}
	}
}
