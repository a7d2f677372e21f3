package hooks

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// The fake lockguard stands for our own binary (never for git): it appends
// its arguments to $HOOKTEST_LOG/order, saves its standard input and the
// GIT_INDEX_FILE it was given, and exits with $FAKE_LOCKGUARD_EXIT.
const fakeLockguard = `#!/bin/sh
printf 'lockguard %s\n' "$*" >> "$HOOKTEST_LOG/order"
cat > "$HOOKTEST_LOG/lockguard.stdin"
printf '%s' "${GIT_INDEX_FILE-unset}" > "$HOOKTEST_LOG/lockguard.index"
exit "${FAKE_LOCKGUARD_EXIT:-0}"
`

// foreignHook is a user's own hook: it records that it ran, with its
// arguments and standard input, and exits with $PREV_EXIT.
const foreignHook = `#!/bin/sh
# the user's own hook
printf 'prev %s\n' "$*" >> "$HOOKTEST_LOG/order"
cat > "$HOOKTEST_LOG/prev.stdin"
exit "${PREV_EXIT:-0}"`

type fixture struct {
	t   *testing.T
	r   *testenv.Repo
	log string   // directory the fakes write to
	bin string   // directory holding the fake lockguard
	env []string // r.Env with the fake lockguard first on PATH, and HOOKTEST_LOG
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	r := testenv.NewRepo(t)
	r.Write("README", "hello\n")
	r.Commit("initial")
	base := t.TempDir()
	f := &fixture{t: t, r: r, log: filepath.Join(base, "log"), bin: filepath.Join(base, "bin")}
	for _, d := range []string{f.log, f.bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(f.bin, "lockguard"), fakeLockguard, 0o755)
	f.env = setEnv(r.Env, "PATH", f.bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	f.env = setEnv(f.env, "HOOKTEST_LOG", f.log)
	return f
}

func (f *fixture) opts() Options { return Options{Dir: f.r.Dir, Env: f.r.Env} }

// run runs a hook script with a shell, in the work tree, as git would.
func (f *fixture) run(shell, hook, stdin string, env []string, args ...string) (int, string) {
	f.t.Helper()
	cmd := exec.Command(shell, append([]string{hook}, args...)...)
	cmd.Dir = f.r.Dir
	cmd.Env = env
	if env == nil {
		cmd.Env = f.env
	}
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stderr.String()
	}
	f.t.Fatalf("running %s %s: %v", shell, hook, err)
	return 0, ""
}

// order is what the hooks recorded, one line per hook run.
func (f *fixture) order() string {
	b, err := os.ReadFile(filepath.Join(f.log, "order"))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

func (f *fixture) logFile(name string) string {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join(f.log, name))
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

func (f *fixture) reset() {
	f.t.Helper()
	if err := os.RemoveAll(f.log); err != nil {
		f.t.Fatal(err)
	}
	if err := os.MkdirAll(f.log, 0o755); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) commitCount() int {
	f.t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(f.r.Git("rev-list", "--count", "HEAD")))
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func setEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // despite the umask
		t.Fatal(err)
	}
}

func install(t *testing.T, o Options) *Result {
	t.Helper()
	res, err := Install(context.Background(), o)
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	t.Logf("Install: %s", res.Message)
	return res
}

func uninstall(t *testing.T, o Options) *Result {
	t.Helper()
	res, err := Uninstall(context.Background(), o)
	if err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	t.Logf("Uninstall: %s", res.Message)
	return res
}

// checkFile checks a file's exact content and permission bits.
func checkFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != mode {
		t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), mode)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != content {
		t.Errorf("%s:\n%s\nwant:\n%s", path, b, content)
	}
}

func checkAbsent(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists (err %v), want none", path, err)
	}
}

// shells are the shells to run the hook with: /bin/sh and whichever of dash
// and bash are installed.
func shells(t *testing.T) []string {
	var out []string
	for _, s := range []string{"sh", "dash", "bash"} {
		if p, err := exec.LookPath(s); err == nil {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		testenv.Missing(t, "no POSIX shell on PATH")
	}
	return out
}

func TestInstallFresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.opts()
	o.Dir = filepath.Join(f.r.Dir, "sub", "dir") // any directory inside the work tree
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	res := install(t, o)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	if res.Path != hook || res.Chained != "" || res.AlreadyInstalled {
		t.Fatalf("result %+v, want Path %s and nothing chained", res, hook)
	}
	checkFile(t, hook, Script("pre-commit", "", ""), 0o755)
	if !strings.Contains(Script("pre-commit", "", ""), "\n"+Marker+"\n") {
		t.Error("script has no marker line")
	}

	again := install(t, o)
	if !again.AlreadyInstalled || again.Path != hook || !strings.Contains(again.Message, "already installed") {
		t.Errorf("second install: %+v, want AlreadyInstalled", again)
	}
	checkFile(t, hook, Script("pre-commit", "", ""), 0o755)
	entries, _ := os.ReadDir(filepath.Dir(hook))
	for _, e := range entries {
		if strings.Contains(e.Name(), "lockguard") {
			t.Errorf("stray file %s in the hooks directory", e.Name())
		}
	}

	if code, stderr := f.run("sh", hook, "", nil, "x"); code != 0 {
		t.Fatalf("hook exited %d: %s", code, stderr)
	}
	if got := f.order(); got != "lockguard hook run pre-commit x\n" {
		t.Errorf("hook ran %q", got)
	}
}

func TestInstallRejectsUnknownType(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.opts()
	o.Type = "post-merge"
	if _, err := Install(context.Background(), o); err == nil || !strings.Contains(err.Error(), "post-merge") {
		t.Errorf("Install(post-merge) = %v, want an error", err)
	}
}

func TestInstallReplacesOlderVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	writeFile(t, hook, "#!/bin/sh\n# lockguard-hook: v0\nexec lockguard check --staged\n", 0o755)
	res := install(t, f.opts())
	if res.AlreadyInstalled || res.Chained != "" || !strings.Contains(res.Message, "updated") {
		t.Errorf("result %+v, want an update with nothing chained", res)
	}
	checkFile(t, hook, Script("pre-commit", "", ""), 0o755)
	checkAbsent(t, hook+PrevSuffix)

	// The current script, but not executable: fixed.
	if err := os.Chmod(hook, 0o644); err != nil {
		t.Fatal(err)
	}
	if res := install(t, f.opts()); res.AlreadyInstalled {
		t.Error("a non-executable script counted as installed")
	}
	checkFile(t, hook, Script("pre-commit", "", ""), 0o755)

	// Another binary: replaced.
	o := f.opts()
	o.Binary = "/opt/lockguard/bin/lockguard"
	if res := install(t, o); res.AlreadyInstalled {
		t.Error("a script for another binary counted as installed")
	}
	checkFile(t, hook, Script("pre-commit", o.Binary, ""), 0o755)
}

func TestChainForeignHook(t *testing.T) {
	t.Parallel()
	for _, sh := range shells(t) {
		t.Run(filepath.Base(sh), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
			writeFile(t, hook, foreignHook, 0o750)
			res := install(t, f.opts())
			prev := hook + PrevSuffix
			if res.Chained != prev || res.AlreadyInstalled {
				t.Fatalf("result %+v, want Chained %s", res, prev)
			}
			checkFile(t, prev, foreignHook, 0o750)
			checkFile(t, hook, Script("pre-commit", "", ""), 0o755)

			// Both run, the foreign hook first, with the same arguments.
			if code, stderr := f.run(sh, hook, "", nil, "a b", "c"); code != 0 {
				t.Fatalf("hook exited %d: %s", code, stderr)
			}
			if got, want := f.order(), "prev a b c\nlockguard hook run pre-commit a b c\n"; got != want {
				t.Errorf("ran %q, want %q", got, want)
			}

			// The foreign hook's failure stops before lockguard.
			f.reset()
			if code, _ := f.run(sh, hook, "", setEnv(f.env, "PREV_EXIT", "3")); code != 3 {
				t.Errorf("hook exited %d, want the foreign hook's 3", code)
			}
			if got := f.order(); got != "prev \n" {
				t.Errorf("ran %q, want only the foreign hook", got)
			}

			// lockguard's failure is the hook's.
			f.reset()
			if code, _ := f.run(sh, hook, "", setEnv(f.env, "FAKE_LOCKGUARD_EXIT", "5")); code != 5 {
				t.Errorf("hook exited %d, want lockguard's 5", code)
			}

			// Installing again changes nothing.
			if again := install(t, f.opts()); !again.AlreadyInstalled || again.Chained != prev {
				t.Errorf("second install %+v", again)
			}
			checkFile(t, prev, foreignHook, 0o750)

			// Uninstall restores the exact bytes and mode.
			un := uninstall(t, f.opts())
			if un.Chained != prev {
				t.Errorf("uninstall %+v, want Chained %s", un, prev)
			}
			checkFile(t, hook, foreignHook, 0o750)
			checkAbsent(t, prev)
		})
	}
}

func TestChainNonExecutableForeignHook(t *testing.T) {
	t.Parallel()
	// git ignores a hook that is not executable; so does the chain, and
	// uninstall puts it back as it was.
	f := newFixture(t)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	writeFile(t, hook, foreignHook, 0o644)
	install(t, f.opts())
	checkFile(t, hook+PrevSuffix, foreignHook, 0o644)
	if code, stderr := f.run("sh", hook, "", nil); code != 0 {
		t.Fatalf("hook exited %d: %s", code, stderr)
	}
	if got := f.order(); got != "lockguard hook run pre-commit\n" {
		t.Errorf("ran %q, want lockguard only", got)
	}
	uninstall(t, f.opts())
	checkFile(t, hook, foreignHook, 0o644)
}

func TestChainSymlinkHook(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	writeFile(t, f.r.Path("scripts/pre-commit"), foreignHook, 0o755)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	target := filepath.Join("..", "..", "scripts", "pre-commit")
	if err := os.Symlink(target, hook); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	install(t, f.opts())
	if got, err := os.Readlink(hook + PrevSuffix); err != nil || got != target {
		t.Fatalf("chained link %q, %v; want a link to %s", got, err, target)
	}
	if code, stderr := f.run("sh", hook, "", nil); code != 0 || f.order() != "prev \nlockguard hook run pre-commit\n" {
		t.Errorf("hook exited %d (%s), ran %q", code, stderr, f.order())
	}
	uninstall(t, f.opts())
	if got, err := os.Readlink(hook); err != nil || got != target {
		t.Errorf("restored link %q, %v; want a link to %s", got, err, target)
	}
}

func TestInstallRefusesWhenPrevExists(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	prev := hook + PrevSuffix
	older := "#!/bin/sh\necho older\n"
	writeFile(t, prev, older, 0o700)
	writeFile(t, hook, foreignHook, 0o755)
	_, err := Install(context.Background(), f.opts())
	if !errors.Is(err, ErrPrevExists) {
		t.Fatalf("Install = %v, want ErrPrevExists", err)
	}
	t.Log(err)
	checkFile(t, hook, foreignHook, 0o755)
	checkFile(t, prev, older, 0o700)

	o := f.opts()
	o.Force = true
	res := install(t, o)
	if res.Chained != prev {
		t.Errorf("result %+v", res)
	}
	checkFile(t, hook, Script("pre-commit", "", ""), 0o755)
	checkFile(t, prev, foreignHook, 0o755)
	checkFile(t, prev+".old", older, 0o700) // kept, not lost
}

func TestInstallChainsLeftoverPrev(t *testing.T) {
	t.Parallel()
	// lockguard's script was deleted by hand, its chained hook left behind:
	// reinstalling chains it again.
	f := newFixture(t)
	prev := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit"+PrevSuffix)
	writeFile(t, prev, foreignHook, 0o755)
	res := install(t, f.opts())
	if res.Chained != prev {
		t.Errorf("result %+v, want Chained %s", res, prev)
	}
	checkFile(t, prev, foreignHook, 0o755)
}

func TestUninstall(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")

	// Not installed: a no-op with a message.
	res := uninstall(t, f.opts())
	if res.Path != hook || !strings.Contains(res.Message, "not installed") {
		t.Errorf("uninstall with nothing installed: %+v", res)
	}

	// Installed into an empty slot: nothing is left.
	install(t, f.opts())
	if res := uninstall(t, f.opts()); res.Chained != "" {
		t.Errorf("result %+v, want nothing chained", res)
	}
	checkAbsent(t, hook)
	checkAbsent(t, hook+PrevSuffix)

	// A foreign hook is never removed.
	writeFile(t, hook, foreignHook, 0o755)
	if _, err := Uninstall(context.Background(), f.opts()); !errors.Is(err, ErrForeign) {
		t.Errorf("Uninstall over a foreign hook = %v, want ErrForeign", err)
	}
	checkFile(t, hook, foreignHook, 0o755)
}

func TestSkip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	writeFile(t, hook, foreignHook, 0o755)
	install(t, f.opts())
	for _, tc := range []struct {
		skip, want string
	}{
		{"1", "prev \n"},
		{"true", "prev \n"},
		{"0", "prev \nlockguard hook run pre-commit\n"},
		{"", "prev \nlockguard hook run pre-commit\n"},
	} {
		f.reset()
		env := setEnv(f.env, "LOCKGUARD_SKIP", tc.skip)
		env = setEnv(env, "FAKE_LOCKGUARD_EXIT", "1")
		code, stderr := f.run("sh", hook, "", env)
		if got := f.order(); got != tc.want {
			t.Errorf("LOCKGUARD_SKIP=%q ran %q, want %q", tc.skip, got, tc.want)
		}
		if wantCode := map[bool]int{true: 0, false: 1}[tc.want == "prev \n"]; code != wantCode {
			t.Errorf("LOCKGUARD_SKIP=%q: exit %d, want %d (%s)", tc.skip, code, wantCode, stderr)
		}
	}
}

func TestLockguardMissing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	install(t, f.opts())
	sh, err := exec.LookPath("sh")
	if err != nil {
		testenv.Missing(t, "sh is not on PATH")
	}
	env := setEnv(f.env, "PATH", t.TempDir()) // nothing on PATH at all
	code, stderr := f.run(sh, hook, "", env)
	if code != 1 || !strings.Contains(stderr, notInstalled) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, notInstalled)
	}
	if f.order() != "" {
		t.Errorf("something ran: %q", f.order())
	}
	// LOCKGUARD_SKIP lets the commit through.
	if code, stderr := f.run(sh, hook, "", setEnv(env, "LOCKGUARD_SKIP", "1")); code != 0 {
		t.Errorf("with LOCKGUARD_SKIP=1: exit %d, %s", code, stderr)
	}

	// A configured binary that is missing names it.
	o := f.opts()
	o.Binary = filepath.Join(t.TempDir(), "nope", "lockguard")
	install(t, o)
	code, stderr = f.run(sh, hook, "", nil)
	if code != 1 || !strings.Contains(stderr, o.Binary+" was not found") || !strings.Contains(stderr, notInstalled) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestConfiguredBinary(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	dir := filepath.Join(t.TempDir(), "it's here") // not on PATH; quoting matters
	bin := filepath.Join(dir, "lockguard-dev")
	writeFile(t, bin, strings.Replace(fakeLockguard, "lockguard %s", "dev %s", 1), 0o755)
	o := f.opts()
	o.Binary = bin
	install(t, o)
	if code, stderr := f.run("sh", hook, "", nil, "x"); code != 0 || f.order() != "dev hook run pre-commit x\n" {
		t.Errorf("exit %d (%s), ran %q", code, stderr, f.order())
	}

	// A relative path is made absolute when installing.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, bin)
	if err != nil {
		t.Fatal(err)
	}
	o.Binary = rel
	install(t, o)
	checkFile(t, hook, Script("pre-commit", filepath.ToSlash(bin), ""), 0o755)
}

func TestEnvironmentReachesLockguard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	install(t, f.opts())
	index := filepath.Join(f.r.Dir, ".git", "index.lock")
	if code, stderr := f.run("sh", hook, "", setEnv(f.env, "GIT_INDEX_FILE", index)); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := f.logFile("lockguard.index"); got != index {
		t.Errorf("lockguard saw GIT_INDEX_FILE=%q, want %q", got, index)
	}
}

func TestPrePushStdin(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"refs/heads/main 1111111111111111111111111111111111111111 refs/heads/main 0000000000000000000000000000000000000000\n",
		"a 1 b 2\nc 3 d 4\n\n\n", // trailing newlines survive
		"no newline",
		"",
	}
	for _, sh := range shells(t) {
		t.Run(filepath.Base(sh), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-push")
			writeFile(t, hook, foreignHook, 0o755)
			o := f.opts()
			o.Type = "pre-push"
			res := install(t, o)
			if res.Path != hook || res.Chained != hook+PrevSuffix {
				t.Fatalf("result %+v", res)
			}
			checkFile(t, hook, Script("pre-push", "", ""), 0o755)
			for _, in := range inputs {
				f.reset()
				if code, stderr := f.run(sh, hook, in, nil, "origin", "https://example.invalid/r.git"); code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if got, want := f.order(), "prev origin https://example.invalid/r.git\nlockguard hook run pre-push origin https://example.invalid/r.git\n"; got != want {
					t.Errorf("ran %q, want %q", got, want)
				}
				if got := f.logFile("prev.stdin"); got != in {
					t.Errorf("chained hook read %q, want %q", got, in)
				}
				if got := f.logFile("lockguard.stdin"); got != in {
					t.Errorf("lockguard read %q, want %q", got, in)
				}
			}
			// The pre-commit hook is another file, untouched.
			checkAbsent(t, filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit"))
			uninstall(t, o)
			checkFile(t, hook, foreignHook, 0o755)
		})
	}
}

func TestGitPushRunsHook(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	remote := filepath.Join(t.TempDir(), "remote.git")
	f.r.Git("init", "-q", "--bare", remote)
	o := f.opts()
	o.Type = "pre-push"
	install(t, o)
	push := func(exit string) error {
		cmd := exec.Command("git", "push", "-q", remote, "main")
		cmd.Dir = f.r.Dir
		cmd.Env = setEnv(f.env, "FAKE_LOCKGUARD_EXIT", exit)
		out, err := cmd.CombinedOutput()
		t.Logf("git push: %s", out)
		return err
	}
	if err := push("1"); err == nil {
		t.Fatal("git push succeeded although the hook failed")
	}
	head := strings.TrimSpace(f.r.Git("rev-parse", "HEAD"))
	want := "refs/heads/main " + head + " refs/heads/main "
	if got := f.logFile("lockguard.stdin"); !strings.HasPrefix(got, want) {
		t.Errorf("lockguard read %q, want a line starting %q", got, want)
	}
	if err := push("0"); err != nil {
		t.Fatalf("git push: %v", err)
	}
}

func TestGitCommitRunsHook(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	writeFile(t, filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit"), foreignHook, 0o755)
	install(t, f.opts())
	before := f.commitCount()
	commit := func(exit string, args ...string) error {
		cmd := exec.Command("git", append([]string{"commit", "-q", "-m", "change"}, args...)...)
		cmd.Dir = f.r.Dir
		cmd.Env = setEnv(f.env, "FAKE_LOCKGUARD_EXIT", exit)
		out, err := cmd.CombinedOutput()
		t.Logf("git commit: %s", out)
		return err
	}

	f.r.Write("README", "changed\n")
	if err := commit("1", "-a"); err == nil {
		t.Fatal("git commit succeeded although lockguard failed")
	}
	if n := f.commitCount(); n != before {
		t.Errorf("%d commits, want %d: the hook did not block the commit", n, before)
	}
	if got := f.order(); got != "prev \nlockguard hook run pre-commit\n" {
		t.Errorf("ran %q", got)
	}
	// git's GIT_INDEX_FILE (for commit -a, a temporary index) reaches lockguard.
	if got := f.logFile("lockguard.index"); got == "unset" || got == "" {
		t.Errorf("lockguard saw GIT_INDEX_FILE=%q", got)
	}

	f.reset()
	if err := commit("0", "-a"); err != nil {
		t.Fatalf("git commit: %v", err)
	}
	if n := f.commitCount(); n != before+1 {
		t.Errorf("%d commits, want %d", n, before+1)
	}
}

func TestHusky(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, hooksPath, file string
		setup                 func(r *testenv.Repo)
	}{
		{"v9", ".husky/_", ".husky/pre-commit", func(r *testenv.Repo) {
			r.Write(".husky/pre-commit", "npm test\n")
			r.Write(".husky/_/h", "#!/usr/bin/env sh\n[ \"$HUSKY\" = \"2\" ] && set -x\n")
			r.Write(".husky/_/pre-commit", "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"\n")
		}},
		{"v8", ".husky", ".husky/pre-commit", func(r *testenv.Repo) {
			r.Write(".husky/_/husky.sh", "#!/usr/bin/env sh\n")
		}},
		{"stub-dir", "web/hooks/_", "web/hooks/pre-commit", func(r *testenv.Repo) {
			r.Write("web/hooks/_/h", "#!/usr/bin/env sh\n# husky\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			tc.setup(f.r)
			f.r.Git("config", "core.hooksPath", tc.hooksPath)
			hooksDir := f.r.Path(tc.hooksPath)
			before := snapshot(t, hooksDir)

			_, err := Install(context.Background(), f.opts())
			var me *ManagedError
			if !errors.Is(err, ErrManaged) || !errors.As(err, &me) {
				t.Fatalf("Install = %v, want ErrManaged", err)
			}
			t.Log(err)
			if me.Manager != "husky" || me.File != filepath.FromSlash(tc.file) || me.Snippet != "lockguard check --staged\n" {
				t.Errorf("ManagedError %+v", me)
			}
			if !strings.Contains(err.Error(), "\nlockguard check --staged\n") || !strings.Contains(err.Error(), filepath.FromSlash(tc.file)) {
				t.Errorf("error text lacks the line to add or the file:\n%v", err)
			}
			if after := snapshot(t, hooksDir); after != before {
				t.Errorf("hooks directory changed:\n%s\nwas:\n%s", after, before)
			}

			o := f.opts()
			o.Force = true
			res := install(t, o)
			if want := filepath.Join(hooksDir, "pre-commit"); res.Path != want {
				t.Errorf("installed at %s, want %s", res.Path, want)
			}
			checkFile(t, res.Path, Script("pre-commit", "", ""), 0o755)
			if !strings.Contains(res.Message, "husky manages these hooks") || !strings.Contains(res.Message, "lockguard check --staged") {
				t.Errorf("forced install's message lacks the warning: %s", res.Message)
			}
			// Once lockguard's script is there, installing again is a no-op.
			if again := install(t, f.opts()); !again.AlreadyInstalled {
				t.Errorf("second install %+v", again)
			}
		})
	}
}

// snapshot lists a directory tree's files and contents.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		c, err := os.ReadFile(p)
		b.WriteString(p + ": " + string(c) + "\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestLefthook(t *testing.T) {
	t.Parallel()
	lefthookHook := "#!/bin/sh\n\nif [ \"$LEFTHOOK\" = \"0\" ]; then\n  exit 0\nfi\n\ncall_lefthook()\n{\n  lefthook \"$@\"\n}\n\ncall_lefthook run \"pre-commit\" \"$@\"\n"
	for _, tc := range []struct {
		name, file string
		setup      func(f *fixture)
	}{
		{"config-and-hooksPath", "lefthook.yml", func(f *fixture) {
			f.r.Write("lefthook.yml", "pre-push:\n  commands:\n    test:\n      run: make test\n")
			f.r.Git("config", "core.hooksPath", ".hooks")
		}},
		{"dot-config", ".lefthook.yml", func(f *fixture) {
			f.r.Write(".lefthook.yml", "{}\n")
		}},
		{"yaml", "lefthook.yaml", func(f *fixture) {
			f.r.Write("lefthook.yaml", "{}\n")
			f.r.Git("config", "core.hooksPath", ".hooks")
		}},
		{"hooks-in-hooksPath", "lefthook.yml", func(f *fixture) {
			f.r.Git("config", "core.hooksPath", ".hooks")
			writeFile(f.t, f.r.Path(".hooks/pre-push"), lefthookHook, 0o755)
		}},
		{"hook-in-git-hooks", "lefthook.yml", func(f *fixture) {
			writeFile(f.t, filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit"), lefthookHook, 0o755)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			tc.setup(f)
			_, err := Install(context.Background(), f.opts())
			var me *ManagedError
			if !errors.As(err, &me) || !errors.Is(err, ErrManaged) {
				t.Fatalf("Install = %v, want ErrManaged", err)
			}
			t.Log(err)
			snippet := "pre-commit:\n  commands:\n    lockguard:\n      run: lockguard check --staged\n"
			if me.Manager != "lefthook" || me.File != tc.file || me.Snippet != snippet {
				t.Errorf("ManagedError %+v", me)
			}
			if !strings.Contains(err.Error(), "\n"+snippet) {
				t.Errorf("error text lacks the snippet:\n%v", err)
			}
			o := f.opts()
			o.Force = true
			res := install(t, o)
			checkFile(t, res.Path, Script("pre-commit", "", ""), 0o755)
		})
	}
	if got := LefthookSnippet("pre-push"); got != "pre-push:\n  commands:\n    lockguard:\n      run: lockguard check\n" {
		t.Errorf("pre-push snippet %q", got)
	}
}

func TestCustomHooksPath(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.r.Git("config", "core.hooksPath", ".githooks")
	res := install(t, f.opts())
	want := f.r.Path(".githooks/pre-commit")
	if res.Path != want {
		t.Fatalf("installed at %s, want %s", res.Path, want)
	}
	checkFile(t, want, Script("pre-commit", "", ""), 0o755)
	if strings.Contains(res.Message, "note:") {
		t.Errorf("unexpected warning for a local core.hooksPath: %s", res.Message)
	}
	checkAbsent(t, filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit"))

	// git runs it from there.
	f.r.Write("README", "changed\n")
	f.r.Git("add", "README")
	cmd := exec.Command("git", "commit", "-q", "-m", "x")
	cmd.Dir = f.r.Dir
	cmd.Env = setEnv(f.env, "FAKE_LOCKGUARD_EXIT", "1")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("commit succeeded; want the hook in .githooks to block it (%s)", out)
	}
	if f.order() != "lockguard hook run pre-commit\n" {
		t.Errorf("ran %q", f.order())
	}
}

func TestTrackedHooksPath(t *testing.T) {
	t.Parallel()
	// A hooks directory committed to the repository: the tracked hook is
	// chained, and the message says the move shows in git status.
	f := newFixture(t)
	writeFile(t, f.r.Path(".githooks/pre-commit"), foreignHook, 0o755)
	f.r.Commit("shared hooks")
	f.r.Git("config", "core.hooksPath", ".githooks")
	res := install(t, f.opts())
	if res.Chained != f.r.Path(".githooks/pre-commit"+PrevSuffix) || !strings.Contains(res.Message, "tracked by git") {
		t.Errorf("result %+v", res)
	}
	uninstall(t, f.opts())
	if st := f.r.Git("status", "--porcelain"); st != "" {
		t.Errorf("uninstall left changes:\n%s", st)
	}
}

func TestGlobalHooksPathWarns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	shared := filepath.Join(f.r.Home, "githooks")
	f.r.Git("config", "--global", "core.hooksPath", shared)
	res := install(t, f.opts())
	if res.Path != filepath.Join(shared, "pre-commit") {
		t.Errorf("installed at %s", res.Path)
	}
	if !strings.Contains(res.Message, "global") || !strings.Contains(res.Message, "every repository") {
		t.Errorf("message %q lacks the warning", res.Message)
	}
}

func TestLinkedWorktree(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	wt := filepath.Join(filepath.Dir(f.r.Dir), "wt")
	f.r.Git("worktree", "add", "-q", "-b", "feature", wt)
	o := f.opts()
	o.Dir = wt
	res := install(t, o)
	if want := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit"); res.Path != want {
		t.Errorf("installed at %s, want the main repository's %s", res.Path, want)
	}
	// Seen from the main work tree, it is the same hook.
	if again := install(t, f.opts()); !again.AlreadyInstalled {
		t.Errorf("install from the main work tree: %+v", again)
	}
	uninstall(t, o)
	checkAbsent(t, res.Path)
}

func TestSubmodule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	lib := testenv.NewRepo(t)
	lib.Write("lib.txt", "lib\n")
	lib.Commit("lib")
	f.r.Git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib.Dir, "libs/lib")
	f.r.Commit("add submodule")
	o := f.opts()
	o.Dir = f.r.Path("libs/lib")
	res := install(t, o)
	if want := filepath.Join(f.r.Dir, ".git", "modules", "libs", "lib", "hooks", "pre-commit"); res.Path != want {
		t.Errorf("installed at %s, want %s", res.Path, want)
	}
	checkAbsent(t, filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit"))
	checkFile(t, res.Path, Script("pre-commit", "", ""), 0o755)
}

func TestNotARepository(t *testing.T) {
	t.Parallel()
	testenv.Tool(t, "git")
	dir := t.TempDir()
	env := setEnv(testenv.GitEnv(t.TempDir()), "GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	if _, err := Install(context.Background(), Options{Dir: dir, Env: env}); err == nil {
		t.Error("Install outside a repository succeeded")
	}
}

// TestPreCommitFramework: with the hook `pre-commit install` wrote, Install
// does not chain behind it; it says what to add to .pre-commit-config.yaml.
func TestPreCommitFramework(t *testing.T) {
	testenv.Tool(t, "pre-commit")
	f := newFixture(t)
	cmd := exec.Command("pre-commit", "install")
	cmd.Dir = f.r.Dir
	cmd.Env = append(f.r.Env, "PRE_COMMIT_HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pre-commit install: %v\n%s", err, out)
	}
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	before, err := os.ReadFile(hook)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Install(context.Background(), f.opts())
	var me *ManagedError
	if !errors.As(err, &me) || !errors.Is(err, ErrManaged) {
		t.Fatalf("Install = %v, want ErrManaged", err)
	}
	if me.File != ".pre-commit-config.yaml" || !strings.Contains(err.Error(), "- id: lockguard\n") || !strings.Contains(err.Error(), "pre-commit framework") {
		t.Errorf("ManagedError %+v:\n%v", me, err)
	}
	if after, _ := os.ReadFile(hook); !bytes.Equal(after, before) {
		t.Errorf("the pre-commit framework's hook changed")
	}
	if _, err := os.Lstat(hook + ".lockguard-prev"); err == nil {
		t.Errorf("lockguard chained behind pre-commit's hook")
	}
}

// TestFallbackBinary: a lockguard that is not on PATH (a binary in a
// download folder) records its own absolute path in the hook, which runs it
// when no lockguard is on PATH, and prefers the one on PATH when there is
// one. Before, such a hook blocked every commit with "lockguard is not
// installed".
func TestFallbackBinary(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	dl := filepath.Join(t.TempDir(), "Down loads", "it's") // quoting matters
	exe := filepath.Join(dl, "lockguard")
	writeFile(t, exe, strings.Replace(fakeLockguard, "lockguard %s", "downloaded %s", 1), 0o755)
	noLockguard := setEnv(f.env, "PATH", t.TempDir())

	o := f.opts()
	o.Env = setEnv(o.Env, "PATH", t.TempDir())
	o.Executable = exe
	res := install(t, o)
	if res.Fallback != filepath.ToSlash(exe) {
		t.Errorf("Fallback = %q, want %q", res.Fallback, exe)
	}
	if !strings.Contains(res.Message, "lockguard is not on PATH, so the hook runs "+exe) {
		t.Errorf("the message does not say which lockguard the hook runs: %q", res.Message)
	}
	checkFile(t, hook, Script("pre-commit", "", filepath.ToSlash(exe)), 0o755)
	if code, stderr := f.run("sh", hook, "", noLockguard, "x"); code != 0 || f.order() != "downloaded hook run pre-commit x\n" {
		t.Errorf("no lockguard on PATH: exit %d (%s), ran %q", code, stderr, f.order())
	}
	// A lockguard on PATH comes first.
	f.reset()
	if code, stderr := f.run("sh", hook, "", nil, "x"); code != 0 || f.order() != "lockguard hook run pre-commit x\n" {
		t.Errorf("lockguard on PATH: exit %d (%s), ran %q", code, stderr, f.order())
	}
	// The fallback deleted, and none on PATH: the hook says what is gone.
	f.reset()
	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	code, stderr := f.run("sh", hook, "", noLockguard)
	if code != 1 || !strings.Contains(stderr, exe+" (which installed this hook) is gone") || !strings.Contains(stderr, notInstalled) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}

	// Installed from a binary that is also on PATH: no note, the fallback
	// is still recorded.
	o.Env = f.env
	o.Executable = filepath.Join(f.bin, "lockguard")
	res = install(t, o)
	if strings.Contains(res.Message, "note:") || res.Fallback != filepath.ToSlash(o.Executable) {
		t.Errorf("message %q, fallback %q", res.Message, res.Fallback)
	}
}

// TestTemporaryBuildRefused: `go run` runs a binary it links into
// $TMPDIR/go-build*/ or keeps in the build cache, which goes away. With no
// lockguard on PATH, Install refuses and says to `go install` lockguard,
// and writes nothing; with one on PATH, the hook runs that one.
func TestTemporaryBuildRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hook := filepath.Join(f.r.Dir, ".git", "hooks", "pre-commit")
	cache := t.TempDir()
	for _, exe := range []string{
		filepath.Join(t.TempDir(), "go-build1333195302", "b001", "exe", "lockguard"),
		filepath.Join(t.TempDir(), ".cache", "go-build", "92", "9229bfb2-d", "lockguard"),
		filepath.Join(cache, "ab", "lockguard"), // under GOCACHE
	} {
		writeFile(t, exe, fakeLockguard, 0o755)
		o := f.opts()
		o.Env = setEnv(setEnv(o.Env, "PATH", t.TempDir()), "GOCACHE", cache)
		o.Executable = exe
		_, err := Install(context.Background(), o)
		if !errors.Is(err, ErrTemporaryBinary) || !strings.Contains(err.Error(), "go install github.com/lockguard/lockguard/cmd/lockguard@latest") {
			t.Errorf("%s: err %v, want ErrTemporaryBinary saying to go install", exe, err)
		}
		checkAbsent(t, hook)

		o.Env = setEnv(f.env, "GOCACHE", cache)
		res := install(t, o)
		if res.Fallback != "" || !strings.Contains(res.Message, "temporary build (go run); the hook runs "+filepath.Join(f.bin, "lockguard")) {
			t.Errorf("%s with lockguard on PATH: fallback %q, message %q", exe, res.Fallback, res.Message)
		}
		checkFile(t, hook, Script("pre-commit", "", ""), 0o755)
		if err := os.Remove(hook); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/usr/local/bin/lockguard", "/home/u/go-builds/lockguard", "/home/u/Downloads/lockguard"} {
		if TemporaryBuild(p, nil) {
			t.Errorf("TemporaryBuild(%q) = true", p)
		}
	}
}
