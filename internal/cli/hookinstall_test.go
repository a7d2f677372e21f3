package cli_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// hookEnv is env with PATH replaced by a directory holding only git, so
// that no lockguard is on PATH.
func hookEnv(t *testing.T, env []string) []string {
	t.Helper()
	bin := t.TempDir()
	if err := os.Symlink(testenv.Tool(t, "git"), filepath.Join(bin, "git")); err != nil {
		t.Fatal(err)
	}
	out := []string{"PATH=" + bin}
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PATH=") {
			out = append(out, kv)
		}
	}
	return out
}

// copyExecutable copies the test binary, which TestMain runs as lockguard
// when it is named lockguard, to dir/lockguard.
func copyExecutable(t *testing.T, dir string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "lockguard")
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

func runIn(t *testing.T, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	t.Logf("$ %s %s\n%s", name, strings.Join(args, " "), out)
	return string(out), err
}

// TestHookInstallFromDownloadFolder (issue 16 item 9): a lockguard that is
// not on PATH (a binary in a download folder) installs a hook that runs it,
// so real commits are checked by lockguard instead of being blocked with
// "lockguard is not installed".
func TestHookInstallFromDownloadFolder(t *testing.T) {
	r := testenv.NewRepo(t)
	r.Write("README", "hello\n")
	r.Commit("init")
	lg := copyExecutable(t, filepath.Join(t.TempDir(), "Downloads"))
	env := hookEnv(t, r.Env)

	out, err := runIn(t, r.Dir, env, lg, "hook", "install")
	if err != nil {
		t.Fatalf("hook install: %v", err)
	}
	if !strings.Contains(out, "lockguard is not on PATH, so the hook runs "+lg) {
		t.Errorf("hook install does not say which lockguard the hook runs:\n%s", out)
	}

	// A package without a lock: lockguard (the downloaded one) blocks the commit.
	r.Write("backend/Cargo.toml", "[package]\nname = \"backend\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
	r.Write("backend/src/main.rs", "fn main() {}\n")
	// A script builds it, so its missing lock breaks that build.
	r.Write("backend/build.sh", "#!/bin/sh\ncargo build --locked --manifest-path backend/Cargo.toml\n")
	r.Git("add", "-A")
	out, err = runIn(t, r.Dir, env, "git", "commit", "-m", "backend")
	if err == nil {
		t.Fatal("the commit went through; lockguard should have blocked it")
	}
	if strings.Contains(out, "not installed") || !strings.Contains(out, "LG101") || !strings.Contains(out, "commit blocked by the findings above") {
		t.Errorf("the hook did not run the downloaded lockguard:\n%s", out)
	}

	// A clean commit goes through the same hook.
	r.Git("rm", "-r", "-q", "--cached", "backend")
	r.Write("README", "changed\n")
	out, err = runIn(t, r.Dir, env, "git", "commit", "-a", "-m", "readme")
	if err != nil {
		t.Fatalf("a clean commit was blocked: %v", err)
	}
	if !strings.Contains(out, "No problems found") {
		t.Errorf("the hook did not check the clean commit:\n%s", out)
	}
}

// TestHookInstallGoRunRefused (issue 16 item 9): `go run` runs a binary it
// builds into a temporary go-build directory (or its build cache), which
// disappears. With no lockguard on PATH, `hook install` refuses at install
// time, exit 2, saying to `go install` lockguard, and writes no hook. The
// first case is the real `go run`.
func TestHookInstallGoRunRefused(t *testing.T) {
	r := testenv.NewRepo(t)
	r.Write("README", "hello\n")
	r.Commit("init")
	env := hookEnv(t, r.Env)
	hook := filepath.Join(r.Dir, ".git", "hooks", "pre-commit")
	check := func(name string, out string, err error) {
		t.Helper()
		if code := exitCode(t, err); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
		if !strings.Contains(out, "temporary build") || !strings.Contains(out, "go install github.com/lockguard/lockguard/cmd/lockguard@latest") {
			t.Errorf("%s: the message does not say to go install lockguard:\n%s", name, out)
		}
		if _, err := os.Lstat(hook); !os.IsNotExist(err) {
			t.Errorf("%s: a hook was written (%v)", name, err)
		}
	}

	// A copy where `go run` links it: $TMPDIR/go-build*/b001/exe/lockguard.
	lg := copyExecutable(t, filepath.Join(t.TempDir(), "go-build2718281828", "b001", "exe"))
	out, err := runIn(t, r.Dir, env, lg, "hook", "install")
	check("go-build copy", out, err)

	if testing.Short() {
		return
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Log("go is not on PATH: the real `go run` is not tried")
		return
	}
	var goEnv []string
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			kv += string(os.PathListSeparator) + filepath.Dir(goBin)
		}
		goEnv = append(goEnv, kv)
	}
	// The test's HOME is not the user's: keep go's caches (no download),
	// and never fetch a toolchain.
	vals, err := exec.Command(goBin, "env", "GOMODCACHE", "GOCACHE", "GOPATH", "GOFLAGS").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	for i, k := range []string{"GOMODCACHE", "GOCACHE", "GOPATH", "GOFLAGS"} {
		goEnv = append(goEnv, k+"="+strings.Split(string(vals), "\n")[i])
	}
	goEnv = append(goEnv, "GOTOOLCHAIN=local", "GOPROXY=off")
	out, err = runIn(t, r.Dir, goEnv, goBin, "run", "-C", testenv.ModuleRoot(t), "./cmd/lockguard", "-C", r.Dir, "hook", "install")
	if !strings.Contains(out, "temporary build") && err != nil {
		t.Skipf("go run could not build lockguard here:\n%s", out)
	}
	// go run exits 1 when the program fails, and says with which status.
	if err == nil || !strings.Contains(out, "exit status 2") {
		t.Errorf("go run: lockguard did not exit 2 (%v)", err)
	}
	check("go run", out, exitError2(err))
}

// exitError2 turns go run's failure (exit 1, having printed "exit status
// 2") into the program's own exit 2 for check.
func exitError2(err error) error {
	if err == nil {
		return nil
	}
	return exec.Command("sh", "-c", "exit 2").Run()
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	ee, ok := err.(*exec.ExitError)
	if !ok {
		t.Fatalf("%v", err)
	}
	return ee.ExitCode()
}
