//go:build unix

package fixers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
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
// the leader. Once the generator has exited, successfully or not, runChild
// SIGKILLs the rest of its group, so nothing the generator started can write
// its outputs after fixers restored or staged them.
//
// Dying with lockguard. When lockguard itself dies, even by SIGKILL, when no
// cleanup can run, the whole group dies too, on every Unix: a watchdog
// process (lockguard itself, started with watchdogEnv set, see init) holds
// the read end of a pipe whose write end only lockguard holds. When the
// pipe closes without lockguard saying the generator is done, the watchdog
// SIGKILLs the generator's group. The watchdog ignores SIGINT, SIGTERM and
// SIGHUP and runs in its own process group, so a signal to lockguard's
// group does not take it down before it has done its job. On Linux the
// generator also gets SIGKILL directly (Pdeathsig), which covers the moment
// before the watchdog knows the group. Pdeathsig fires when the *thread*
// that started the child exits, so the goroutine stays locked to its thread
// until the child is reaped.
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
	wd, err := startWatchdog()
	if err != nil {
		return fmt.Errorf("cannot start the watchdog that stops the generator if lockguard dies: %w", err)
	}
	defer wd.done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		return err
	}
	wd.watch(cmd.Process.Pid)
	err = cmd.Wait()
	// Whatever the generator left running in its group dies too. The
	// signal reaches only members of that group (a group ID is not reused
	// while the group has members).
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	return err
}

// watchdogEnv in the environment, together with watchdogArg as the only
// argument, makes a process running lockguard's code the watchdog (see
// runChild) instead of itself. Both are needed, so that a variable left in
// a user's environment cannot turn `lockguard check` into a silent no-op.
const (
	watchdogEnv = "LOCKGUARD_INTERNAL_WATCHDOG"
	watchdogArg = "lockguard-internal-watchdog"
)

// watchdogDone is what lockguard writes to the watchdog when the generator
// has exited and its group is already dead.
const watchdogDone = "done"

func init() {
	if os.Getenv(watchdogEnv) == "1" && len(os.Args) == 2 && os.Args[1] == watchdogArg {
		runWatchdog(os.Stdin)
		os.Exit(0)
	}
}

// runWatchdog reads a process group ID, then waits for end of input. If the
// input ends without watchdogDone, lockguard died: kill the group.
func runWatchdog(in io.Reader) {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	sc := bufio.NewScanner(in)
	if !sc.Scan() {
		return
	}
	pgid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
	if err != nil || pgid <= 1 {
		return
	}
	for sc.Scan() {
		if sc.Text() == watchdogDone {
			return
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// watchdog is lockguard's end of a watchdog process.
type watchdog struct {
	cmd *exec.Cmd
	w   *os.File
}

// startWatchdog starts a watchdog: lockguard's own executable, with
// watchdogEnv set, its standard input a pipe from lockguard.
func startWatchdog() (*watchdog, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, watchdogArg)
	cmd.Env = append(os.Environ(), watchdogEnv+"=1")
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	r.Close()
	return &watchdog{cmd: cmd, w: w}, nil
}

// watch tells the watchdog the generator's process group.
func (wd *watchdog) watch(pgid int) {
	fmt.Fprintf(wd.w, "%d\n", pgid)
}

// done tells the watchdog that the generator's group is dead (or was never
// started), and reaps it.
func (wd *watchdog) done() {
	fmt.Fprintln(wd.w, watchdogDone)
	wd.w.Close()
	_ = wd.cmd.Wait()
}
