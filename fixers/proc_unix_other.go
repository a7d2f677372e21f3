//go:build unix && !linux

package fixers

import "syscall"

// setDeathSignal: only Linux has a parent-death signal. Elsewhere a
// generator survives a lockguard killed by SIGKILL (SIGINT and SIGTERM are
// still forwarded to its process group; see runChild).
func setDeathSignal(*syscall.SysProcAttr) {}
