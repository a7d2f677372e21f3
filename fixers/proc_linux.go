package fixers

import "syscall"

// setDeathSignal makes the kernel SIGKILL the generator when lockguard dies
// (see runChild). Pdeathsig survives the generator's execve, so a wrapper
// script that execs the real tool keeps it.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
