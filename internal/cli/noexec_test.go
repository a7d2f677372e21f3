package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/lockguard/lockguard/internal/testenv"
)

// readOnlyGit are the git subcommands check may run.
var readOnlyGit = []string{"rev-parse", "ls-files", "cat-file", "config", "check-ignore", "show", "diff", "diff-index", "status", "var", "version", "--version"}

// TestCheckRunsNoRepositoryCode puts recording fakes of cargo, nix, docker,
// sh, bash and make first on PATH (and a recording wrapper around git), runs
// `lockguard check` on the repository of every CLI scenario, and asserts
// that none of the fakes ran and that git ran only read-only subcommands.
func TestCheckRunsNoRepositoryCode(t *testing.T) {
	realGit := testenv.Tool(t, "git")
	bin := t.TempDir()
	record := filepath.Join(t.TempDir(), "calls.log")
	for _, name := range []string{"cargo", "nix", "nix-build", "nix-instantiate", "docker", "sh", "bash", "make", "just", "npm", "go", "python3"} {
		fake := "#!/bin/sh\necho \"" + name + " $*\" >> '" + record + "'\nexit 97\n"
		if err := os.WriteFile(filepath.Join(bin, name), []byte(fake), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	wrapper := "#!/bin/sh\necho \"git $*\" >> '" + record + "'\nexec '" + realGit + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}

	scripts, err := filepath.Glob(filepath.Join(testenv.ModuleRoot(t), "testdata", "script", "*.txtar"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	home := t.TempDir()
	gitEnv := testenv.GitEnv(home)
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"} {
		for _, kv := range gitEnv {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				t.Setenv(k, v)
			}
		}
	}
	for _, k := range []string{"GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "PRE_COMMIT"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	checked, gitCalls := 0, 0
	for _, script := range scripts {
		a, err := txtar.ParseFile(script)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for _, f := range a.Files {
			p := filepath.Join(dir, filepath.FromSlash(f.Name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "--allow-empty", "-m", "fixture"}} {
			cmd := exec.Command(realGit, args...)
			cmd.Dir, cmd.Env = dir, gitEnv
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: git %v: %v\n%s", script, args, err, out)
			}
		}
		// An untracked file too: check must not touch it either.
		if err := os.WriteFile(filepath.Join(dir, "untracked.sh"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(record, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := Main([]string{"-C", dir, "check", "--format", "json"}, strings.NewReader(""), &stdout, &stderr)
		if code != ExitOK && code != ExitFindings && code != ExitUsage {
			t.Errorf("%s: exit %d\n%s", filepath.Base(script), code, stderr.String())
		}
		calls, _ := os.ReadFile(record)
		for _, line := range strings.Split(strings.TrimSpace(string(calls)), "\n") {
			if line == "" {
				continue
			}
			fields := strings.Fields(line)
			if fields[0] != "git" {
				t.Errorf("%s: check ran %q", filepath.Base(script), line)
				continue
			}
			sub := gitSubcommand(fields[1:])
			if !slices.Contains(readOnlyGit, sub) {
				t.Errorf("%s: check ran a git command that is not read-only: %q", filepath.Base(script), line)
			}
		}
		gitCalls += strings.Count(string(calls), "git ")
		checked++
	}
	t.Logf("checked %d scenario repositories; no fake tool ran; %d read-only git calls", checked, gitCalls)

	// The recording works: fix does run the (fake) cargo, and fails with it.
	if err := os.WriteFile(record, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []struct{ name, data string }{{"backend/Cargo.toml", "[package]\nname = \"b\"\nversion = \"0.1.0\"\n"}, {"lockguard.toml", "[cargo]\nrequire-lock = \"all-roots\"\n"}} {
		p := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}} {
		cmd := exec.Command(realGit, args...)
		cmd.Dir, cmd.Env = dir, gitEnv
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	// fix --dry-run names the commands and runs none of them.
	var out, errb bytes.Buffer
	if code := Main([]string{"-C", dir, "fix", "--dry-run"}, strings.NewReader(""), &out, &errb); code != ExitFindings {
		t.Fatalf("fix --dry-run: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "$ (cd backend && cargo generate-lockfile)") {
		t.Fatalf("fix --dry-run did not name the command:\n%s", out.String())
	}
	if calls, _ := os.ReadFile(record); strings.Contains(string(calls), "cargo") || strings.Contains(string(calls), "git add") {
		t.Fatalf("fix --dry-run ran something: %q", calls)
	}
	out.Reset()
	errb.Reset()
	if code := Main([]string{"-C", dir, "fix"}, strings.NewReader(""), &out, &errb); code != ExitFindings {
		t.Fatalf("fix with a failing cargo: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if calls, _ := os.ReadFile(record); !strings.Contains(string(calls), "cargo generate-lockfile") {
		t.Fatalf("the fake cargo was not recorded: %q", calls)
	}
}

// gitSubcommand skips git's global options (and the values of -C and -c).
func gitSubcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-C" || a == "-c":
			i++
		case a == "--version":
			return a
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}
