//go:build unix

package fixers

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

// runChild runs a generator and waits for it.
//
// Process group. The generator runs in a process group of its own
// (Setpgid), so that lockguard can signal it together with everything it
// started (nix develop → cargo, a wrapper script → cargo). The consequence:
// a Ctrl-C on the terminal reaches only lockguard's group, not the
// generator directly. lockguard's signal handler cancels the context, and
// cmd.Cancel forwards SIGINT to the generator's whole group; so the
// generator gets exactly one SIGINT, whether the signal came from the
// terminal, from `kill -INT <lockguard>`, or from a supervisor that signals
// only lockguard. If the group has not exited after cmd.WaitDelay, Go kills
// the leader, and runChild then SIGKILLs the rest of the group, so nothing
// the generator started can write its outputs after fixers restored them.
//
// Dying with lockguard. On Linux the generator also gets SIGKILL when
// lockguard dies (Pdeathsig), even by SIGKILL, when no cleanup can run:
// an orphaned generator cannot finish and leave a file nobody asked for.
// Pdeathsig fires when the *thread* that started the child exits, so the
// goroutine stays locked to its thread until the child is reaped.
func runChild(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	setDeathSignal(cmd.SysProcAttr)
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		return err
	}
	err := cmd.Wait()
	if err != nil {
		// A failed or interrupted generator: whatever it left running in
		// its group dies too, before fixers restores the outputs. The
		// signal reaches only members of that group (a group ID is not
		// reused while the group has members).
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	return err
}
