// Package testenv holds helpers shared by lockguard's tests: finding external
// tools (skip on a user's machine, fail in CI), and making real git
// repositories with the real git binary.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// RequireToolsEnv is the variable CI sets: a missing tool fails the test
// instead of skipping it.
const RequireToolsEnv = "LOCKGUARD_REQUIRE_TOOLS"

// ToolsRequired reports whether missing tools must fail tests.
func ToolsRequired() bool {
	v := os.Getenv(RequireToolsEnv)
	return v != "" && v != "0"
}

// Tool returns the absolute path of an external tool. When the tool is not on
// PATH, the test is skipped with a message, or fails when LOCKGUARD_REQUIRE_TOOLS
// is set (CI).
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not on PATH")
	}
	return p
}

// Missing skips (or, in CI, fails) a test because something it needs is absent.
func Missing(t testing.TB, what string) {
	t.Helper()
	if ToolsRequired() {
		t.Fatalf("%s (required: %s is set)", what, RequireToolsEnv)
	}
	t.Skipf("skipping: %s (set %s=1 to make this a failure)", what, RequireToolsEnv)
}

// Corpus returns the directory ../shared/corpus/<name> relative to the module
// root, skipping (or failing in CI) when it is absent.
func Corpus(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(ModuleRoot(t), "..", "shared", "corpus", name)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		Missing(t, "corpus "+dir+" is absent")
	}
	return dir
}

// ModuleRoot is the directory holding go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate testenv source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// GitEnv returns a clean environment for running git in a test repository:
// the caller's environment without GIT_* variables (a test may run inside a
// git hook, where GIT_INDEX_FILE points elsewhere), with a fixed identity,
// no system or global config, and a HOME of its own.
func GitEnv(home string) []string {
	var env []string
	// rustup's cargo proxy finds its toolchains through RUSTUP_HOME, which
	// defaults to $HOME/.rustup: keep pointing at the real one.
	if origHome, err := os.UserHomeDir(); err == nil {
		for _, v := range []string{"RUSTUP_HOME", "CARGO_HOME"} {
			if os.Getenv(v) == "" {
				sub := "." + strings.ToLower(strings.TrimSuffix(v, "_HOME"))
				if _, err := os.Stat(filepath.Join(origHome, sub)); err == nil {
					env = append(env, v+"="+filepath.Join(origHome, sub))
				}
			}
		}
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") || k == "HOME" || k == "XDG_CONFIG_HOME" || k == "PRE_COMMIT" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=lockguard test", "GIT_AUTHOR_EMAIL=test@lockguard.invalid",
		"GIT_COMMITTER_NAME=lockguard test", "GIT_COMMITTER_EMAIL=test@lockguard.invalid",
		"GIT_AUTHOR_DATE=2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2026-01-01T00:00:00Z",
	)
}

// Repo is a scratch git repository made with the real git binary.
type Repo struct {
	t    testing.TB
	Dir  string   // work tree root (absolute)
	Home string   // HOME used for git
	Env  []string // environment used for git
}

// NewRepo runs `git init` in a fresh temporary directory.
func NewRepo(t testing.TB) *Repo {
	t.Helper()
	Tool(t, "git")
	base := t.TempDir()
	// Resolve symlinks (macOS /var → /private/var) so paths compare equal.
	if r, err := filepath.EvalSymlinks(base); err == nil {
		base = r
	}
	home := filepath.Join(base, "home")
	dir := filepath.Join(base, "repo")
	for _, d := range []string{home, dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r := &Repo{t: t, Dir: dir, Home: home, Env: GitEnv(home)}
	r.Git("init", "-q", "-b", "main")
	return r
}

// Git runs git in the repository and returns its standard output. It fails
// the test when git fails.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	out, err := r.GitErr(args...)
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// GitErr runs git and returns its combined output and error.
func (r *Repo) GitErr(args ...string) (string, error) {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Dir
	cmd.Env = r.Env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Write creates (or replaces) a file in the work tree, making parent directories.
func (r *Repo) Write(rel, content string) {
	r.t.Helper()
	p := filepath.Join(r.Dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// WriteFiles writes several files: map of repo-relative path to content.
func (r *Repo) WriteFiles(files map[string]string) {
	r.t.Helper()
	for k, v := range files {
		r.Write(k, v)
	}
}

// Remove deletes a file or directory from the work tree.
func (r *Repo) Remove(rel string) {
	r.t.Helper()
	if err := os.RemoveAll(filepath.Join(r.Dir, filepath.FromSlash(rel))); err != nil {
		r.t.Fatal(err)
	}
}

// Commit stages everything (`git add -A`) and commits.
func (r *Repo) Commit(msg string) {
	r.t.Helper()
	r.Git("add", "-A")
	r.Git("commit", "-q", "--allow-empty", "-m", msg)
}

// Path returns the absolute path of a repo-relative path.
func (r *Repo) Path(rel string) string {
	return filepath.Join(r.Dir, filepath.FromSlash(rel))
}

// NixEnv returns base (nil: os.Environ()) without NIX_* and XDG_CACHE_HOME,
// with Nix's caches under home and the configuration for running Nix 2.8
// as root on a machine without the nixbld group: flakes enabled and an
// empty build-users-group.
func NixEnv(home string, base []string) []string {
	if base == nil {
		base = os.Environ()
	}
	var env []string
	for _, kv := range base {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "NIX_") || k == "XDG_CACHE_HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"NIX_CONFIG=experimental-features = nix-command flakes\nbuild-users-group =",
	)
}
