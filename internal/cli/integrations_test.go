package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/hooks"
	"github.com/lockguard/lockguard/internal/testenv"
)

// The failing monorepo of the incident report, reduced to what the Cargo
// rules see: a package without a lock, and a flake that reads the lock.
var failingMonorepo = map[string]string{
	"backend/Cargo.toml":  "[package]\nname = \"backend\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
	"backend/src/main.rs": "fn main() {}\n",
	"flake.nix":           "{\n  outputs = { self }: {\n    lock = builtins.readFile ./backend/Cargo.lock;\n  };\n}\n",
}

// newMonorepo makes a scratch repository holding the failing monorepo,
// committed.
func newMonorepo(t *testing.T) *testenv.Repo {
	t.Helper()
	r := testenv.NewRepo(t)
	r.WriteFiles(failingMonorepo)
	r.Commit("init")
	return r
}

// run runs a command in dir with env and returns its combined output and
// exit code; it fails the test when the command cannot start.
func run(t *testing.T, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	return "", 0
}

// mustRun is run that fails the test on a non-zero exit.
func mustRun(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, code := run(t, dir, env, name, args...)
	if code != 0 {
		t.Fatalf("%s %s: exit %d\n%s", name, strings.Join(args, " "), code, out)
	}
	return out
}

// lockguardBin is the lockguard command testscript.Main put on PATH (a copy
// of the test binary that runs cli.Main): git hooks and pre-commit's
// `language: system` hooks find it there too.
func lockguardBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("lockguard")
	if err != nil {
		t.Fatalf("lockguard is not on PATH (testscript.Main puts it there): %v", err)
	}
	return p
}

// moduleCopy copies this module's working copy (tracked files and untracked,
// not ignored ones, as they are on disk now) into a fresh git repository with
// one commit, so that pre-commit and `go install` test the code under test
// rather than the last commit. It returns the copy's directory and HEAD.
func moduleCopy(t *testing.T, env []string) (string, string) {
	t.Helper()
	root := testenv.ModuleRoot(t)
	var files []string
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	cmd.Env = env
	if out, err := cmd.Output(); err == nil {
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
	} else {
		// Not a git checkout (an exported tree): take every file.
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == ".git" {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() {
				rel, _ := filepath.Rel(root, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(t.TempDir(), "lockguard")
	n := 0
	for _, f := range files {
		src := filepath.Join(root, filepath.FromSlash(f))
		fi, err := os.Lstat(src)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or not a plain file
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("no files to copy from %s", root)
	}
	mustRun(t, dst, env, "git", "init", "-q", "-b", "main")
	mustRun(t, dst, env, "git", "add", "-A")
	mustRun(t, dst, env, "git", "commit", "-q", "-m", "lockguard under test")
	head := strings.TrimSpace(mustRun(t, dst, env, "git", "rev-parse", "HEAD"))
	return dst, head
}

// goEnv returns the caller's Go settings (module and build caches, proxy) as
// KEY=VALUE, so that builds under a test HOME reuse them.
func goEnv(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE", "GOCACHE", "GOPROXY", "GOSUMDB", "GOFLAGS").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	vals := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	keys := []string{"GOMODCACHE", "GOCACHE", "GOPROXY", "GOSUMDB", "GOFLAGS"}
	var env []string
	for i, k := range keys {
		if i < len(vals) && vals[i] != "" {
			env = append(env, k+"="+vals[i])
		}
	}
	return append(env, "GOTOOLCHAIN=local")
}

// readmeBlock returns the first fenced code block of language lang under the
// README heading "### <heading>" inside "## Integrations".
func readmeBlock(t *testing.T, heading, lang string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n## Integrations\n")
	if i < 0 {
		t.Fatal("README.md has no ## Integrations section")
	}
	s = s[i:]
	if j := strings.Index(s[1:], "\n## "); j >= 0 {
		s = s[:j+1]
	}
	i = strings.Index(s, "\n### "+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md: no ### %s under ## Integrations", heading)
	}
	s = s[i+1:]
	if j := strings.Index(s[1:], "\n### "); j >= 0 {
		s = s[:j+1]
	}
	m := regexp.MustCompile("(?s)```" + regexp.QuoteMeta(lang) + "\n(.*?)```").FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("README.md: no ```%s block under ### %s", lang, heading)
	}
	return m[1]
}

// TestIntegrations runs lockguard the ways users adopt it, with the real
// tools: the pre-commit framework (building this working copy with
// `language: golang`), the README's snippets pasted into fresh repositories,
// and `go install ./...` from a fresh clone. The module is copied and built
// once per pre-commit store; try-repo uses a store of its own, which the
// shared Go build cache keeps cheap after the first build.
func TestIntegrations(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lockguard with go and pre-commit")
	}
	testenv.Tool(t, "git")
	testenv.Tool(t, "go")
	home := t.TempDir()
	env := append(testenv.GitEnv(home), goEnv(t)...)
	lockguardBin(t)
	mod, head := moduleCopy(t, env)

	t.Run("go-install-one-binary", func(t *testing.T) {
		clone := filepath.Join(t.TempDir(), "clone")
		mustRun(t, "", env, "git", "clone", "-q", mod, clone)
		bin := filepath.Join(t.TempDir(), "bin")
		mustRun(t, clone, append(slices.Clone(env), "GOBIN="+bin), "go", "install", "./...")
		ents, err := os.ReadDir(bin)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		// pre-commit's `language: golang` runs exactly this; every other
		// main package would be built for the host (and could break it).
		if !slices.Equal(names, []string{"lockguard"}) {
			t.Fatalf("go install ./... built %q, want exactly [lockguard]", names)
		}
		out := mustRun(t, clone, env, filepath.Join(bin, "lockguard"), "version")
		if !strings.Contains(out, "lockguard") {
			t.Errorf("lockguard version printed %q", out)
		}
	})

	preCommitEnv := func(t *testing.T) []string {
		testenv.Tool(t, "pre-commit")
		testenv.Tool(t, "cargo")
		return append(slices.Clone(env), "PRE_COMMIT_HOME="+filepath.Join(home, "pre-commit-store"), "PRE_COMMIT_COLOR=never")
	}

	t.Run("pre-commit-try-repo", func(t *testing.T) {
		penv := preCommitEnv(t)
		r := newMonorepo(t)
		out, code := run(t, r.Dir, penv, "pre-commit", "try-repo", mod, "lockguard", "--all-files")
		if code == 0 || !strings.Contains(out, "LG101 [error] cargo-lock-missing") {
			t.Fatalf("try-repo on the failing monorepo: exit %d, want a failure naming LG101:\n%s", code, out)
		}
		mustRun(t, r.Dir, penv, lockguardBin(t), "fix")
		mustRun(t, r.Dir, penv, "git", "commit", "-q", "-m", "add the lock")
		out, code = run(t, r.Dir, penv, "pre-commit", "try-repo", mod, "lockguard", "--all-files")
		if code != 0 || !strings.Contains(out, "Passed") {
			t.Fatalf("try-repo after lockguard fix and a commit: exit %d, want 0 and Passed:\n%s", code, out)
		}
	})

	t.Run("pre-commit-lockguard-fix-hook", func(t *testing.T) {
		penv := preCommitEnv(t)
		r := newMonorepo(t)
		out, code := run(t, r.Dir, penv, "pre-commit", "try-repo", mod, "lockguard-fix", "--all-files")
		if code == 0 {
			t.Fatalf("lockguard-fix generated a lock but passed:\n%s", out)
		}
		for _, want := range []string{"cargo generate-lockfile", "files were modified by this hook"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if _, err := os.Stat(r.Path("backend/Cargo.lock")); err != nil {
			t.Errorf("backend/Cargo.lock was not generated: %v", err)
		}
		// Under pre-commit, fix does not stage: the user reviews and stages.
		if staged := r.Git("diff", "--cached", "--name-only"); staged != "" {
			t.Errorf("lockguard-fix staged %q", staged)
		}
	})

	t.Run("readme-pre-commit-snippet", func(t *testing.T) {
		penv := preCommitEnv(t)
		snippet := readmeBlock(t, "pre-commit", "yaml")
		const url, rev = "repo: https://github.com/lockguard/lockguard", "rev: main"
		if strings.Count(snippet, url) != 1 || strings.Count(snippet, rev) != 1 {
			t.Fatalf("the README's pre-commit snippet should have one %q and one %q line:\n%s", url, rev, snippet)
		}
		// The only substitution: this working copy at its commit.
		config := strings.Replace(strings.Replace(snippet, url, "repo: "+mod, 1), rev, "rev: "+head, 1)
		r := newMonorepo(t)
		r.Write(".pre-commit-config.yaml", config)
		r.Commit("pre-commit config")
		out, code := run(t, r.Dir, penv, "pre-commit", "run", "--all-files")
		if code == 0 || !strings.Contains(out, "LG101 [error] cargo-lock-missing") {
			t.Fatalf("pre-commit run with the README's config: exit %d, want a failure naming LG101:\n%s", code, out)
		}
		// As a hook: the commit of a new package without a lock is refused.
		mustRun(t, r.Dir, penv, "pre-commit", "install")
		r.Write("api/Cargo.toml", "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
		r.Write("api/src/main.rs", "fn main() {}\n")
		// A script builds it, so its missing lock breaks that build.
		r.Write("api/build.sh", "#!/bin/sh\ncargo build --locked --manifest-path api/Cargo.toml\n")
		r.Git("add", "api")
		out, code = run(t, r.Dir, penv, "git", "commit", "-m", "api")
		if code == 0 || !strings.Contains(out, "the Cargo package at api/ has no Cargo.lock") {
			t.Fatalf("git commit with the pre-commit hook: exit %d, want a refusal naming api/:\n%s", code, out)
		}
		mustRun(t, r.Dir, penv, lockguardBin(t), "fix")
		out = mustRun(t, r.Dir, penv, "git", "commit", "-m", "api and locks")
		if !strings.Contains(out, "Passed") {
			t.Errorf("git commit after lockguard fix: want the hook to pass:\n%s", out)
		}
	})

	t.Run("readme-native-hook-snippet", func(t *testing.T) {
		snippet := readmeBlock(t, "Native git hook", "sh")
		r := newMonorepo(t)
		mustRun(t, r.Dir, env, "sh", "-ec", snippet)
		for _, typ := range []string{"pre-commit", "pre-push"} {
			data, err := os.ReadFile(filepath.Join(r.Dir, ".git", "hooks", typ))
			if err != nil || !hooks.IsLockguardScript(data) {
				t.Fatalf("after the README's snippet, .git/hooks/%s is not lockguard's (%v)", typ, err)
			}
		}
		r.Write("api/Cargo.toml", "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
		r.Write("api/src/main.rs", "fn main() {}\n")
		// A script builds it, so its missing lock breaks that build.
		r.Write("api/build.sh", "#!/bin/sh\ncargo build --locked --manifest-path api/Cargo.toml\n")
		r.Git("add", "api")
		out, code := run(t, r.Dir, env, "git", "commit", "-m", "api")
		if code == 0 || !strings.Contains(out, "LG101 [error] cargo-lock-missing") || !strings.Contains(out, "commit blocked") {
			t.Fatalf("git commit with the native hook: exit %d, want a refusal naming LG101:\n%s", code, out)
		}
		out = mustRun(t, r.Dir, append(slices.Clone(env), "LOCKGUARD_SKIP=1"), "git", "commit", "-m", "api anyway")
		if strings.Contains(out, "LG101") {
			t.Errorf("LOCKGUARD_SKIP=1 still ran lockguard:\n%s", out)
		}
	})
}

// TestReadmeHookManagers checks that the README's lefthook and husky
// snippets are what `lockguard hook install` tells their users to add.
func TestReadmeHookManagers(t *testing.T) {
	lefthook := readmeBlock(t, "lefthook", "yaml")
	if !strings.Contains(lefthook, hooks.LefthookSnippet("pre-commit")) {
		t.Errorf("README lefthook snippet:\n%s\nwant it to contain:\n%s", lefthook, hooks.LefthookSnippet("pre-commit"))
	}
	husky := readmeBlock(t, "husky", "sh")
	if !strings.Contains(husky, `"lockguard check --staged" >> .husky/pre-commit`) {
		t.Errorf("README husky snippet %q does not append `lockguard check --staged` to .husky/pre-commit", husky)
	}
	gitlab := readmeBlock(t, "GitLab CI", "yaml")
	for _, want := range []string{"--output gitlab=gl-code-quality-report.json", "codequality: gl-code-quality-report.json"} {
		if !strings.Contains(gitlab, want) {
			t.Errorf("README GitLab snippet lacks %q", want)
		}
	}
	gha := readmeBlock(t, "GitHub Actions", "yaml")
	for _, want := range []string{"uses: lockguard/lockguard@", "github/codeql-action/upload-sarif", "steps.lockguard.outputs.sarif-file"} {
		if !strings.Contains(gha, want) {
			t.Errorf("README GitHub Actions snippet lacks %q", want)
		}
	}
}

// TestSARIFFromCLI runs `lockguard check --format sarif` on the failing
// monorepo: every rule carries its help URI, and each result says what its
// fix does (commands cannot be SARIF fixes, which hold only file edits; a
// fix with edits becomes one).
func TestSARIFFromCLI(t *testing.T) {
	r := newMonorepo(t)
	out, code := run(t, r.Dir, r.Env, lockguardBin(t), "check", "--format", "sarif", "--select", "LG1")
	if code != 1 {
		t.Fatalf("check --format sarif: exit %d, want 1\n%s", code, out)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID  string `json:"ruleId"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
				Fixes []json.RawMessage `json:"fixes"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	uris := map[string]string{}
	for _, r := range run.Tool.Driver.Rules {
		uris[r.ID] = r.HelpURI
	}
	for _, info := range checks.Infos() {
		if uris[info.ID] != info.URL() {
			t.Errorf("rule %s: helpUri %q, want %q", info.ID, uris[info.ID], info.URL())
		}
	}
	if len(run.Results) != 1 || run.Results[0].RuleID != "LG101" {
		t.Fatalf("results: %+v, want one LG101", run.Results)
	}
	msg := run.Results[0].Message.Text
	for _, want := range []string{"has no Cargo.lock", "fix (safe): run `cargo generate-lockfile` in backend/ and stage backend/Cargo.lock", "cargo generate-lockfile"} {
		if !strings.Contains(msg, want) {
			t.Errorf("LG101 message lacks %q:\n%s", want, msg)
		}
	}
	if len(run.Results[0].Fixes) != 0 {
		t.Errorf("LG101's fix runs a command, which SARIF cannot express, but the result has fixes: %s", run.Results[0].Fixes)
	}
}

// TestActionYAML checks the structure of the composite GitHub Action.
// (No YAML parser is a dependency: the check is on indentation and lines.)
func TestActionYAML(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	keys := yamlScalars(t, data)
	want := map[string]string{
		"name":                             "lockguard",
		"inputs.version.default":           `""`, // the action's own checkout
		"inputs.args.default":              `""`,
		"inputs.sarif-file.default":        "lockguard.sarif",
		"inputs.working-directory.default": ".",
		"outputs.sarif-file.value":         "${{ steps.check.outputs.sarif-file }}",
		"runs.using":                       "composite",
	}
	for k, v := range want {
		if got, ok := keys[k]; !ok || got != v {
			t.Errorf("action.yml %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	s := string(data)
	for _, line := range []string{
		"    - uses: actions/setup-go@v5",
		"        go-version: stable",
		`          go install "github.com/lockguard/lockguard/cmd/lockguard@${LOCKGUARD_VERSION}"`,
		`          (cd "$GITHUB_ACTION_PATH" && go install ./cmd/lockguard)`,
		"        LOCKGUARD_VERSION: ${{ inputs.version }}",
		"        LOCKGUARD_SARIF: ${{ inputs.sarif-file }}",
		"        LOCKGUARD_ARGS: ${{ inputs.args }}",
		"      working-directory: ${{ inputs.working-directory }}",
		`        lockguard check --format github --output "sarif=$sarif" $LOCKGUARD_ARGS`,
		`        echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"`,
	} {
		if !strings.Contains(s, "\n"+line+"\n") {
			t.Errorf("action.yml lacks the line %q", line)
		}
	}
	// Composite steps that run commands need a shell.
	if runs, shells := strings.Count(s, "\n      run: |"), strings.Count(s, "\n      shell: bash"); runs != shells || runs != 2 {
		t.Errorf("action.yml: %d run steps, %d with shell: bash; want 2 and 2", runs, shells)
	}
}

// yamlScalars reads the block-mapping skeleton of a YAML file: "a.b.c" →
// the scalar after "c:". It rejects tabs and odd indentation, skips list
// items and block scalars, and is only meant for action.yml.
func yamlScalars(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	var stack []string // keys by indentation level (2 spaces)
	blockIndent := -1
	for n, line := range bytes.Split(data, []byte("\n")) {
		l := string(line)
		if strings.Contains(l, "\t") {
			t.Fatalf("action.yml:%d: tab", n+1)
		}
		trim := strings.TrimSpace(l)
		indent := len(l) - len(strings.TrimLeft(l, " "))
		if blockIndent >= 0 {
			if trim == "" || indent > blockIndent {
				continue
			}
			blockIndent = -1
		}
		if trim == "" || strings.HasPrefix(trim, "#") {
			continue
		}
		if indent%2 != 0 {
			t.Fatalf("action.yml:%d: odd indentation", n+1)
		}
		if strings.HasPrefix(trim, "- ") {
			continue // list items (steps) are checked line by line
		}
		k, v, ok := strings.Cut(trim, ":")
		if !ok {
			continue
		}
		level := indent / 2
		if level > len(stack) {
			continue // inside a list item
		}
		stack = append(stack[:level], k)
		v = strings.TrimSpace(v)
		switch {
		case v == "|" || v == ">":
			blockIndent = indent
		case v != "":
			out[strings.Join(stack, ".")] = v
		}
	}
	return out
}
