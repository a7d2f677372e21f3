//go:build unix

package cli_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// Issue 17, section 4 ("fixes lose nothing"): the tests that need signals,
// concurrent processes or failing file systems. They use the helpers of
// safety_test.go (the real lockguard binary, real git, real cargo behind a
// gated wrapper).

// descendantWrapper writes a `cargo` that, for generate-lockfile, starts a
// background descendant (in the generator's process group) that ignores
// SIGINT, waits at the gate and then writes "descendant-ran", and records
// its PID in "descendant". With leave set, the wrapper then execs the real
// cargo at once (the generator succeeds while its descendant lives on);
// otherwise it first waits at the gate itself.
func descendantWrapper(t *testing.T, leave bool) (string, gate) {
	t.Helper()
	realCargo := testenv.Tool(t, "cargo")
	bin := t.TempDir()
	g := gate(t.TempDir())
	wait := `while [ ! -e "$g/go" ]; do sleep 0.05; done`
	if leave {
		wait = ""
	}
	script := `#!/bin/sh
g='` + string(g) + `'
if [ "$1" = generate-lockfile ]; then
	( trap '' INT TERM; while [ ! -e "$g/go" ]; do sleep 0.05; done; echo ran > "$g/descendant-ran" ) </dev/null >/dev/null 2>&1 &
	echo $! > "$g/descendant.tmp" && mv "$g/descendant.tmp" "$g/descendant"
	echo $$ > "$g/started.tmp" && mv "$g/started.tmp" "$g/started"
	` + wait + `
fi
exec '` + realCargo + `' "$@"
`
	if err := os.WriteFile(filepath.Join(bin, "cargo"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, g
}

// pidOf reads the process ID a script wrote to the file name in the gate.
func (g gate) pidOf(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile(g.path(name))
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	for _, c := range strings.TrimSpace(string(b)) {
		pid = pid*10 + int(c-'0')
	}
	return pid
}

// TestSafetyGeneratorDescendantsDie (item 19): what a generator starts dies
// with it and with lockguard, on every Unix, not only the generator itself
// (Linux's parent-death signal reaches only the direct child): lockguard
// kills the generator's process group once the generator exits, and a
// watchdog kills it when lockguard is killed with SIGKILL. The descendant
// would otherwise go on, past the gate, and write.
func TestSafetyGeneratorDescendantsDie(t *testing.T) {
	t.Run("lockguard-killed", func(t *testing.T) {
		r := testenv.NewRepo(t)
		r.WriteFiles(safetyWorkspace)
		r.Commit("init")
		bin, g := descendantWrapper(t, false)
		p := startLockguard(t, r.Dir, withPath(r.Env, bin), "fix")
		waitFor(t, "the generator to start its descendant", func() bool { return g.exists("started") && g.exists("descendant") })
		desc := g.pidOf(t, "descendant")
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		p.wait(t)
		waitFor(t, "the generator's descendant to die with lockguard", func() bool { return processGone(desc) })
		g.open(t)
		waitFor(t, "the generator to exit", func() bool { return processGone(g.pid(t)) })
		if g.exists("descendant-ran") {
			t.Fatal("the descendant went on after lockguard was killed")
		}
		assertNoTempFiles(t, r.Dir)
	})
	t.Run("generator-exits", func(t *testing.T) {
		r := testenv.NewRepo(t)
		r.WriteFiles(safetyWorkspace)
		r.Commit("init")
		bin, g := descendantWrapper(t, true)
		out, code := run(t, r.Dir, withPath(r.Env, bin), lockguardBin(t), "fix")
		if code != 0 {
			t.Fatalf("fix: exit %d\n%s", code, out)
		}
		desc := g.pidOf(t, "descendant")
		waitFor(t, "the generator's descendant to die once the generator exited", func() bool { return processGone(desc) })
		g.open(t)
		if g.exists("descendant-ran") {
			t.Fatal("the descendant outlived the generator")
		}
	})
}

// TestSafetySIGINTNoFurtherEdits (item 20): SIGINT while a generator runs;
// the Dockerfile edit that would come after it is not applied, nothing is
// staged, and fix exits 130.
func TestSafetySIGINTNoFurtherEdits(t *testing.T) {
	r := testenv.NewRepo(t)
	r.WriteFiles(safetyWorkspace)
	r.Write("Dockerfile", "FROM nixos/nix\nRUN nix build .#backend\n")
	r.Commit("init")
	bin, g := cargoWrapper(t)
	env := withPath(r.Env, bin)
	index := readFile(t, filepath.Join(r.Dir, ".git", "index"))
	p := startLockguard(t, r.Dir, env, "fix")
	waitFor(t, "cargo generate-lockfile to start", func() bool { return g.exists("started") })
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 130 {
		t.Errorf("interrupted fix: exit %d, want 130\n%s", code, p.output())
	}
	if got := string(readFile(t, r.Path("Dockerfile"))); got != "FROM nixos/nix\nRUN nix build .#backend\n" {
		t.Errorf("the Dockerfile was edited after the interrupt:\n%s\n%s", got, p.output())
	}
	if !strings.Contains(p.stderr.String(), "interrupted; nothing more was edited or staged") {
		t.Errorf("no word of the interruption:\n%s", p.output())
	}
	if st := r.Git("status", "--porcelain", "--ignored"); st != "" {
		t.Errorf("git status after an interrupted fix:\n%s", st)
	}
	if got := readFile(t, filepath.Join(r.Dir, ".git", "index")); !bytes.Equal(got, index) {
		t.Errorf("the index changed")
	}
	assertNoTempFiles(t, r.Dir)
}

// TestSafetyHookFixTakesFixLock (item 22): the pre-commit hook's fix
// ([hook] fix = true) waits for the fix lock that `lockguard fix` holds,
// and runs no generator meanwhile; once the lock is free it fixes and
// stages.
func TestSafetyHookFixTakesFixLock(t *testing.T) {
	r, env, g := newSafetyRepo(t)
	r.Write("lockguard.toml", "[hook]\nfix = true\n\n[cargo]\nrequire-lock = \"all-roots\"\n")
	r.Commit("hook fix")
	r.Git("config", "lockguard.hookFix", "true") // the local opt-in, where it is required
	g.open(t)

	// Hold the lock as a running `lockguard fix` does (lock.go).
	f, err := os.OpenFile(filepath.Join(r.Dir, ".git", "lockguard-fix.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	p := startLockguard(t, r.Dir, env, "hook", "run", "pre-commit")
	waitFor(t, "the hook's fix to wait for the lock", func() bool {
		select {
		case <-p.done:
			t.Fatalf("the hook ran without waiting for the fix lock:\n%s", p.output())
		default:
		}
		return strings.Contains(p.stderr.String(), "lockguard: waiting for another lockguard fix in this repository…")
	})
	if g.exists("starts") {
		t.Fatalf("the hook started the generator while another fix held the lock:\n%s", p.output())
	}
	f.Close() // releases the lock
	if code := p.wait(t); code != 0 {
		t.Fatalf("hook: exit %d\n%s", code, p.output())
	}
	if got := r.Git("diff", "--cached", "--name-only"); got != "backend/Cargo.lock\n" {
		t.Fatalf("staged: %q\n%s", got, p.output())
	}
}

// makeUnwritable makes each directory, and everything below it,
// unwritable for lockguard and the programs it runs: chmod for a user,
// `chattr +i` for root (whom permissions do not stop). It skips the test
// when neither works on this file system.
func makeUnwritable(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if os.Geteuid() == 0 {
			chattr := testenv.Tool(t, "chattr")
			if out, err := exec.Command(chattr, "-R", "+i", d).CombinedOutput(); err != nil {
				t.Skipf("cannot make %s immutable here (the file system has no attributes): %v %s", d, err, out)
			}
			t.Cleanup(func() { _ = exec.Command(chattr, "-R", "-i", d).Run() })
		} else {
			var all []string
			_ = filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
				if err == nil && e.IsDir() {
					all = append(all, p)
				}
				return nil
			})
			for _, p := range all {
				if err := os.Chmod(p, 0o555); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() {
				for _, p := range all {
					_ = os.Chmod(p, 0o755)
				}
			})
		}
		probe := filepath.Join(d, ".probe")
		if err := os.WriteFile(probe, nil, 0o644); err == nil {
			os.Remove(probe)
			t.Skipf("%s is still writable here", d)
		}
	}
}

// fillDisk moves the repository onto a small tmpfs mounted at its place
// and fills it, so that every write fails with ENOSPC. It skips the test
// where mounting is not allowed (it needs root and CAP_SYS_ADMIN).
func fillDisk(t *testing.T, r *testenv.Repo) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	saved := filepath.Join(t.TempDir(), "repo")
	if err := os.Rename(r.Dir, saved); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(r.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", r.Dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", r.Dir).CombinedOutput(); err != nil {
			t.Errorf("umount: %v %s", err, out)
		}
	})
	if out, err := exec.Command("cp", "-a", saved+"/.", r.Dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	f, err := os.Create(filepath.Join(r.Dir, ".git", "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
}

// TestSafetyIOFailures (item 24): three steps fail for real, on a full disk
// (a tmpfs) and in unwritable directories: a generator cannot write its lock,
// an edit cannot write its file, and git add cannot write the object of an
// untracked lock. Each failure is reported on its own with the file it
// concerns, fix exits 1 (not 3, not an internal error), and what failed is
// left as it was.
func TestSafetyIOFailures(t *testing.T) {
	for _, how := range []string{"full-disk", "unwritable"} {
		t.Run(how, func(t *testing.T) {
			testenv.Tool(t, "cargo")
			r := testenv.NewRepo(t)
			r.WriteFiles(safetyWorkspace)
			r.Write("docker/Dockerfile", "FROM nixos/nix\nRUN nix build .#backend\n")
			r.Write("tools/Cargo.toml", "[package]\nname = \"tools\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
			r.Write("tools/src/main.rs", "fn main() {}\n")
			r.Commit("init")
			// An untracked lock: its fix only stages it.
			r.Write("tools/Cargo.lock", "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n[[package]]\nname = \"tools\"\nversion = \"0.1.0\"\n")
			env := withPath(r.Env, t.TempDir())
			if how == "full-disk" {
				fillDisk(t, r)
			} else {
				makeUnwritable(t, r.Path("backend"), r.Path("docker"), filepath.Join(r.Dir, ".git", "objects"))
			}

			out, code := run(t, r.Dir, env, lockguardBin(t), "fix")
			t.Logf("lockguard fix:\n%s", out)
			if code != 1 {
				t.Fatalf("fix: exit %d, want 1\n%s", code, out)
			}
			for _, want := range []string{
				"lockguard: fix failed: `cargo generate-lockfile` in backend/ failed",
				"lockguard: fix failed: cannot write docker/Dockerfile: ",
				"lockguard: fix failed: staging tools/Cargo.lock failed (the files stay in the work tree, unstaged): ",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("missing %q in:\n%s", want, out)
				}
			}
			if strings.Contains(out, "lockguard: error:") {
				t.Errorf("reported as an internal error:\n%s", out)
			}
			if got := string(readFile(t, r.Path("docker/Dockerfile"))); got != "FROM nixos/nix\nRUN nix build .#backend\n" {
				t.Errorf("docker/Dockerfile: %q", got)
			}
			if _, err := os.Lstat(r.Path("backend/Cargo.lock")); err == nil {
				t.Errorf("backend/Cargo.lock exists")
			}
			if got := r.Git("diff", "--cached", "--name-only"); got != "" {
				t.Errorf("staged: %q", got)
			}
			assertNoTempFiles(t, r.Dir)
		})
	}
}

// TestWatchdogNeedsItsArgument: the environment variable that makes
// lockguard the generators' watchdog (fixers/proc_unix.go) does nothing on
// its own: lockguard left with it in the environment still checks.
func TestWatchdogNeedsItsArgument(t *testing.T) {
	r := testenv.NewRepo(t)
	r.Write("app/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n")
	r.Write("lockguard.toml", "[cargo]\nrequire-lock = \"all-roots\"\n")
	r.Commit("init")
	out, code := run(t, r.Dir, append(withPath(r.Env, t.TempDir()), "LOCKGUARD_INTERNAL_WATCHDOG=1"), lockguardBin(t), "check", "--format", "concise")
	if code != 1 || !strings.Contains(out, "LG101") {
		t.Fatalf("check with the watchdog variable set: exit %d\n%s", code, out)
	}
}
