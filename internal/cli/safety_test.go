//go:build unix

package cli_test

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lockguard/lockguard/internal/testenv"
)

// These tests run the real lockguard binary (the copy of the test binary that
// testscript.Main puts on PATH) as separate processes, so that they can be
// signalled and run side by side, against real git and real cargo. A
// generator is slowed down only by a wrapper named cargo, first on PATH,
// that records its arguments, waits at a gate, and then execs the real
// cargo. Nothing is timed: the tests wait for events (a file appearing, a
// line printed), with a generous limit only to turn a hang into a failure.

// hangLimit turns a hang into a test failure; it is not a speed target.
const hangLimit = 2 * time.Minute

// safetyWorkspace is a Cargo workspace with two members and a path
// dependency, so its lockfile has some content.
var safetyWorkspace = map[string]string{
	"backend/Cargo.toml":      "[workspace]\nmembers = [\"app\", \"util\"]\nresolver = \"2\"\n",
	"backend/app/Cargo.toml":  "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nutil = { path = \"../util\" }\n",
	"backend/app/src/main.rs": "fn main() { util::hello(); }\n",
	"backend/util/Cargo.toml": "[package]\nname = \"util\"\nversion = \"0.2.0\"\nedition = \"2021\"\n",
	"backend/util/src/lib.rs": "pub fn hello() {}\n",
	// Every root needs a lock here, built or not: the tests are about the
	// generator, not about who consumes the lock.
	"lockguard.toml": "[cargo]\nrequire-lock = \"all-roots\"\n",
	"a.txt":          "a\n",
	"b.txt":          "b\n",
	"docs/readme.md": "docs\n",
}

// gate is the directory through which a test talks to the cargo wrapper.
type gate string

func (g gate) path(name string) string { return filepath.Join(string(g), name) }

func (g gate) exists(name string) bool {
	_, err := os.Stat(g.path(name))
	return err == nil
}

// open lets a waiting wrapper go on to exec the real cargo.
func (g gate) open(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(g.path("go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// calls returns the cargo command lines the wrapper saw.
func (g gate) calls() []string {
	b, _ := os.ReadFile(g.path("calls"))
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// pid is the process ID of the wrapper waiting at the gate (it keeps it
// when it execs the real cargo).
func (g gate) pid(t *testing.T) int {
	t.Helper()
	return g.pidOf(t, "started")
}

// cargoWrapper writes a `cargo` first on a new PATH directory: it records
// its arguments; for generate-lockfile it writes its PID to "started",
// records a SIGINT in "got-int", waits until the test opens the gate,
// writes "released", and execs the real cargo. It returns the directory to
// put first on PATH and the gate.
func cargoWrapper(t *testing.T) (string, gate) {
	t.Helper()
	realCargo := testenv.Tool(t, "cargo")
	bin := t.TempDir()
	g := gate(t.TempDir())
	script := `#!/bin/sh
g='` + string(g) + `'
echo "$*" >> "$g/calls"
if [ "$1" = generate-lockfile ]; then
	trap 'echo int > "$g/got-int"; exit 130' INT
	echo $$ >> "$g/starts"
	echo $$ > "$g/started.tmp" && mv "$g/started.tmp" "$g/started"
	while [ ! -e "$g/go" ]; do sleep 0.05; done
	echo $$ > "$g/released"
fi
exec '` + realCargo + `' "$@"
`
	if err := os.WriteFile(filepath.Join(bin, "cargo"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, g
}

// withPath returns env with dir first on PATH, and cargo offline.
func withPath(env []string, dir string) []string {
	out := slices.Clone(env)
	found := false
	for i, kv := range out {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			out[i] = "PATH=" + dir + string(os.PathListSeparator) + v
			found = true
		}
	}
	if !found {
		out = append(out, "PATH="+dir)
	}
	return append(out, "CARGO_NET_OFFLINE=true", "NO_COLOR=1")
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lgProc is a lockguard process started in the background.
type lgProc struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error
}

func startLockguard(t *testing.T, dir string, env []string, args ...string) *lgProc {
	t.Helper()
	return startLockguardCmd(t, dir, env, lockguardBin(t), args...)
}

// startLockguardCmd is startLockguard for a command that runs lockguard
// (strace, a wrapper).
func startLockguardCmd(t *testing.T, dir string, env []string, name string, args ...string) *lgProc {
	t.Helper()
	p := &lgProc{done: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Dir, p.cmd.Env = dir, env
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *lgProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(hangLimit):
		t.Fatalf("lockguard %s hangs\nstdout:\n%s\nstderr:\n%s", strings.Join(p.cmd.Args[1:], " "), p.stdout.String(), p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *lgProc) output() string {
	return "stdout:\n" + p.stdout.String() + "\nstderr:\n" + p.stderr.String()
}

// waitFor polls cond until it holds; it fails the test after hangLimit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hangLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processGone reports whether pid has exited (a zombie counts as gone: in a
// container nobody may reap it).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return true
	}
	if runtime.GOOS == "linux" {
		b, err := os.ReadFile(filepath.Join("/proc", itoa(pid), "stat"))
		if err != nil {
			return true
		}
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
			return b[i+2] == 'Z' || b[i+2] == 'X'
		}
	}
	return false
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

// newSafetyRepo makes a committed repository holding safetyWorkspace (no
// Cargo.lock) and returns it with the environment for lockguard (the cargo
// wrapper first on PATH) and the wrapper's gate.
func newSafetyRepo(t *testing.T) (*testenv.Repo, []string, gate) {
	t.Helper()
	r := testenv.NewRepo(t)
	r.WriteFiles(safetyWorkspace)
	r.Commit("init")
	bin, g := cargoWrapper(t)
	return r, withPath(r.Env, bin), g
}

// freshLock runs the real `cargo generate-lockfile` on a copy of the
// workspace and returns the lock it writes.
func freshLock(t *testing.T, env []string) []byte {
	t.Helper()
	dir := t.TempDir()
	for name, data := range safetyWorkspace {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, filepath.Join(dir, "backend"), env, testenv.Tool(t, "cargo"), "generate-lockfile", "--offline")
	b, err := os.ReadFile(filepath.Join(dir, "backend", "Cargo.lock"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertGitSound: `git fsck --no-dangling` finds nothing.
func assertGitSound(t *testing.T, r *testenv.Repo) {
	t.Helper()
	if out, err := r.GitErr("fsck", "--no-dangling", "--no-progress"); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("git fsck: %v\n%s", err, out)
	}
}

// assertNoTempFiles: no lockguard temporary file anywhere in the work tree.
func assertNoTempFiles(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if strings.Contains(d.Name(), ".lockguard-") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// assertValidLock: the Cargo.lock is complete and cargo accepts it as is.
func assertValidLock(t *testing.T, r *testenv.Repo, env []string) {
	t.Helper()
	mustRun(t, r.Path("backend"), env, testenv.Tool(t, "cargo"), "metadata", "--locked", "--offline", "--format-version", "1")
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSafetyConcurrentFix runs two `lockguard fix` processes on one
// repository. The first holds the fix lock while its generator waits at the
// gate; the second must say it is waiting, and, once the first is done, find
// nothing left to do: the lock is generated once, is exactly what cargo
// generates, and git is sound.
func TestSafetyConcurrentFix(t *testing.T) {
	r, env, g := newSafetyRepo(t)
	want := freshLock(t, r.Env)

	first := startLockguard(t, r.Dir, env, "fix")
	waitFor(t, "the first fix to start cargo generate-lockfile", func() bool { return g.exists("started") })
	second := startLockguard(t, r.Dir, env, "fix")
	waitFor(t, "the second fix to wait for the first", func() bool {
		if b, _ := os.ReadFile(g.path("starts")); bytes.Count(b, []byte("\n")) > 1 {
			t.Fatalf("the second fix started the generator while the first ran it:\n%s", second.output())
		}
		return strings.Contains(second.stderr.String(), "lockguard: waiting for another lockguard fix in this repository…")
	})
	select {
	case <-second.done:
		t.Fatalf("the second fix did not wait:\n%s", second.output())
	default:
	}
	g.open(t)

	if code := first.wait(t); code != 0 {
		t.Fatalf("first fix: exit %d\n%s", code, first.output())
	}
	if code := second.wait(t); code != 0 {
		t.Fatalf("second fix: exit %d\n%s", code, second.output())
	}
	if !strings.Contains(first.stdout.String(), "$ (cd backend && cargo generate-lockfile)") {
		t.Fatalf("first fix did not run the generator:\n%s", first.output())
	}
	if strings.Contains(second.stdout.String(), "generate-lockfile") {
		t.Fatalf("second fix generated the lock again:\n%s", second.output())
	}
	n := 0
	for _, c := range g.calls() {
		if strings.HasPrefix(c, "generate-lockfile") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("cargo generate-lockfile ran %d times, want 1: %q", n, g.calls())
	}
	if got := readFile(t, r.Path("backend/Cargo.lock")); !bytes.Equal(got, want) {
		t.Fatalf("Cargo.lock differs from a fresh cargo generate-lockfile:\n%s\nwant:\n%s", got, want)
	}
	assertValidLock(t, r, env)
	assertGitSound(t, r)
	if got := r.Git("diff", "--cached", "--name-only"); got != "backend/Cargo.lock\n" {
		t.Fatalf("staged: %q", got)
	}
	if _, err := os.Stat(filepath.Join(r.Dir, ".git", "lockguard-fix.lock")); err != nil {
		t.Fatalf("the lock file lives in .git: %v", err)
	}
	if st := r.Git("status", "--porcelain", "--ignored"); st != "A  backend/Cargo.lock\n" {
		t.Fatalf("git status:\n%s", st)
	}
}

// TestSafetyDryRunTakesNoLock: --dry-run and --diff do not wait for a fix
// that holds the lock.
func TestSafetyDryRunTakesNoLock(t *testing.T) {
	r, env, g := newSafetyRepo(t)
	first := startLockguard(t, r.Dir, env, "fix")
	waitFor(t, "the fix to start cargo generate-lockfile", func() bool { return g.exists("started") })
	for _, flag := range []string{"--dry-run", "--diff"} {
		out, code := run(t, r.Dir, env, lockguardBin(t), "fix", flag)
		if code != 1 || strings.Contains(out, "waiting for another") || !strings.Contains(out, "cargo generate-lockfile") {
			t.Fatalf("fix %s: exit %d\n%s", flag, code, out)
		}
	}
	g.open(t)
	if code := first.wait(t); code != 0 {
		t.Fatalf("fix: exit %d\n%s", code, first.output())
	}
}

// TestSafetyInterruptWhileWaiting: SIGINT to a fix that waits for the lock
// exits 130 at once, changing nothing.
func TestSafetyInterruptWhileWaiting(t *testing.T) {
	r, env, g := newSafetyRepo(t)
	first := startLockguard(t, r.Dir, env, "fix")
	waitFor(t, "the first fix to start cargo generate-lockfile", func() bool { return g.exists("started") })
	second := startLockguard(t, r.Dir, env, "fix")
	waitFor(t, "the second fix to wait", func() bool { return strings.Contains(second.stderr.String(), "waiting for another lockguard fix") })
	if err := second.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := second.wait(t); code != 130 {
		t.Fatalf("interrupted waiting fix: exit %d, want 130\n%s", code, second.output())
	}
	if !strings.Contains(second.stderr.String(), "interrupted while waiting") || second.stdout.String() != "" {
		t.Fatalf("interrupted waiting fix:\n%s", second.output())
	}
	g.open(t)
	if code := first.wait(t); code != 0 {
		t.Fatalf("first fix: exit %d\n%s", code, first.output())
	}
	assertValidLock(t, r, env)
	assertGitSound(t, r)
}

// TestSafetySIGINTDuringGeneration: SIGINT while cargo generate-lockfile
// runs. lockguard forwards SIGINT to the generator's process group, the
// generator stops, and fix leaves nothing behind: no Cargo.lock, no
// temporary file, an index byte for byte as before, a non-zero exit.
func TestSafetySIGINTDuringGeneration(t *testing.T) {
	r, env, g := newSafetyRepo(t)
	index := readFile(t, filepath.Join(r.Dir, ".git", "index"))
	p := startLockguard(t, r.Dir, env, "fix")
	waitFor(t, "cargo generate-lockfile to start", func() bool { return g.exists("started") })
	if !strings.Contains(p.stdout.String(), "$ (cd backend && cargo generate-lockfile)\n") {
		t.Fatalf("the command was not printed before it ran:\n%s", p.output())
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t)
	if code == 0 {
		t.Fatalf("interrupted fix exited 0\n%s", p.output())
	}
	if code != 130 {
		t.Errorf("interrupted fix: exit %d, want 130\n%s", code, p.output())
	}
	if !g.exists("got-int") {
		t.Errorf("the generator did not get SIGINT\n%s", p.output())
	}
	if g.exists("released") {
		t.Errorf("the generator went on after the interrupt")
	}
	if !strings.Contains(p.stderr.String(), "was interrupted") {
		t.Errorf("no word of the interruption:\n%s", p.output())
	}
	waitFor(t, "the generator to exit", func() bool { return processGone(g.pid(t)) })
	if _, err := os.Lstat(r.Path("backend/Cargo.lock")); err == nil {
		t.Errorf("backend/Cargo.lock exists after an interrupted fix")
	}
	assertNoTempFiles(t, r.Dir)
	if st := r.Git("status", "--porcelain", "--ignored"); st != "" {
		t.Errorf("git status --porcelain --ignored after an interrupted fix:\n%s", st)
	}
	if got := readFile(t, filepath.Join(r.Dir, ".git", "index")); !bytes.Equal(got, index) {
		t.Errorf("the index changed")
	}
	assertGitSound(t, r)
}

// TestSafetySIGKILLDuringGeneration: lockguard killed with SIGKILL cannot
// clean up. What it guarantees then:
//
//   - the generator dies with it (Pdeathsig on Linux), so it cannot go on
//     and write a lock later, unsupervised;
//   - there is no lockguard temporary file: lockguard makes temporary files
//     only for its own edits and restores (WriteFileAtomic), never while a
//     generator runs;
//   - a Cargo.lock, if there is one, is complete and valid: cargo writes it
//     only after it resolved the whole graph, with one write of the whole
//     text, so the kill lands either before the file exists or after it is
//     complete. (Cargo truncates and writes in place; the microseconds
//     between are cargo's own window, the same as killing cargo by hand,
//     and the next `lockguard check` would report such a lock.)
//   - nothing is staged and the index is untouched: staging comes after
//     generation, and git add writes the index through index.lock + rename.
func TestSafetySIGKILLDuringGeneration(t *testing.T) {
	t.Run("waiting", func(t *testing.T) {
		r, env, g := newSafetyRepo(t)
		index := readFile(t, filepath.Join(r.Dir, ".git", "index"))
		p := startLockguard(t, r.Dir, env, "fix")
		waitFor(t, "cargo generate-lockfile to start", func() bool { return g.exists("started") })
		pid := g.pid(t)
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		p.wait(t)
		// Open the gate: a generator that outlived lockguard would now
		// exec cargo and write the lock.
		g.open(t)
		waitFor(t, "the generator to exit", func() bool { return processGone(pid) })
		if runtime.GOOS == "linux" && g.exists("released") {
			t.Errorf("the generator outlived lockguard (no parent-death signal)")
		}
		assertNoTempFiles(t, r.Dir)
		if _, err := os.Lstat(r.Path("backend/Cargo.lock")); err == nil {
			assertValidLock(t, r, env)
		}
		if got := readFile(t, filepath.Join(r.Dir, ".git", "index")); !bytes.Equal(got, index) {
			t.Errorf("the index changed")
		}
		assertGitSound(t, r)
		// A second fix is not blocked by the dead one's lock.
		out, code := run(t, r.Dir, env, lockguardBin(t), "fix")
		if code != 0 || strings.Contains(out, "waiting for another") {
			t.Fatalf("fix after a killed fix: exit %d\n%s", code, out)
		}
	})
	t.Run("cargo-running", func(t *testing.T) {
		r, env, g := newSafetyRepo(t)
		g.open(t)
		p := startLockguard(t, r.Dir, env, "fix", "--no-stage")
		waitFor(t, "cargo generate-lockfile to start", func() bool { return g.exists("released") })
		pid := g.pid(t)
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		p.wait(t)
		waitFor(t, "the generator to exit", func() bool { return processGone(pid) })
		assertNoTempFiles(t, r.Dir)
		if _, err := os.Lstat(r.Path("backend/Cargo.lock")); err == nil {
			assertValidLock(t, r, env)
		}
		if st := r.Git("status", "--porcelain", "--untracked-files=no"); st != "" {
			t.Errorf("killed fix staged something:\n%s", st)
		}
		assertGitSound(t, r)
	})
}

// indexVersion reads the version field of the index header.
func indexVersion(t *testing.T, r *testenv.Repo) uint32 {
	t.Helper()
	b := readFile(t, filepath.Join(r.Dir, ".git", "index"))
	if len(b) < 12 || string(b[:4]) != "DIRC" {
		t.Fatalf("not an index: %q", b[:min(len(b), 12)])
	}
	return binary.BigEndian.Uint32(b[4:8])
}

// TestSafetyIndexFlagsPreserved: after fix on index v2, v4 and a split
// index, `git ls-files -v` differs only by the new lock (assume-unchanged
// and skip-worktree of unrelated files are kept), the index format is kept,
// git fsck is clean, and the index was written only by `git add`: a
// recording wrapper around the real git (first on PATH) notes every git
// command after which the index file changed.
func TestSafetyIndexFlagsPreserved(t *testing.T) {
	realGit := testenv.Tool(t, "git")
	for _, layout := range []string{"v2", "v4", "split"} {
		t.Run(layout, func(t *testing.T) {
			r, env, g := newSafetyRepo(t)
			g.open(t)
			switch layout {
			case "v2":
				r.Git("update-index", "--index-version", "2")
			case "v4":
				r.Git("update-index", "--index-version", "4")
			case "split":
				r.Git("update-index", "--split-index")
			}
			r.Git("update-index", "--assume-unchanged", "a.txt")
			r.Git("update-index", "--skip-worktree", "b.txt")
			before := r.Git("ls-files", "-v")
			version := indexVersion(t, r)

			bin := t.TempDir()
			log := filepath.Join(t.TempDir(), "git.log")
			index := filepath.Join(r.Dir, ".git", "index")
			wrapper := `#!/bin/sh
sum() { cksum '` + index + `' 2>/dev/null; }
b=$(sum)
'` + realGit + `' "$@"
rc=$?
a=$(sum)
if [ "$b" != "$a" ]; then echo "WROTE $*" >> '` + log + `'; else echo "read $*" >> '` + log + `'; fi
exit $rc
`
			if err := os.WriteFile(filepath.Join(bin, "git"), []byte(wrapper), 0o755); err != nil {
				t.Fatal(err)
			}
			out, code := run(t, r.Dir, withPath(env, bin), lockguardBin(t), "fix")
			if code != 0 {
				t.Fatalf("fix: exit %d\n%s", code, out)
			}

			after := r.Git("ls-files", "-v")
			wantAfter := strings.Split(strings.TrimSpace(before), "\n")
			wantAfter = append(wantAfter, "H backend/Cargo.lock")
			slices.Sort(wantAfter)
			gotAfter := strings.Split(strings.TrimSpace(after), "\n")
			slices.Sort(gotAfter)
			if !slices.Equal(gotAfter, wantAfter) {
				t.Fatalf("git ls-files -v\nbefore:\n%s\nafter:\n%s", before, after)
			}
			for _, want := range []string{"h a.txt", "S b.txt"} {
				if !slices.Contains(gotAfter, want) {
					t.Errorf("lost %q", want)
				}
			}
			if v := indexVersion(t, r); v != version {
				t.Errorf("index version %d, was %d", v, version)
			}
			if layout == "split" {
				if !bytes.Contains(readFile(t, index), []byte("link")) {
					t.Errorf("the index is no longer split")
				}
			}
			assertGitSound(t, r)

			calls := strings.Split(strings.TrimSpace(string(readFile(t, log))), "\n")
			adds := 0
			for _, c := range calls {
				rest, wrote := strings.CutPrefix(c, "WROTE ")
				if !wrote {
					continue
				}
				if sub := gitSub(strings.Fields(rest)); sub != "add" {
					t.Errorf("the index was written by `git %s`, not git add", rest)
				} else {
					adds++
				}
			}
			if adds == 0 {
				t.Fatalf("no git add wrote the index; recorded:\n%s", strings.Join(calls, "\n"))
			}
		})
	}
}

// gitSub skips git's global options (and the values of -C and -c).
func gitSub(args []string) string {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-C" || a == "-c":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}
