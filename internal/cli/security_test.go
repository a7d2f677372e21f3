package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// TestSecurityCheckGitHardened: issue 17 item 7. A recording wrapper
// around git logs every git command `check` runs (plain, --staged,
// --since, and with the git CLI backend). None may write .git/index, run
// the fsmonitor hook, a filter driver, a textconv or a hook; every one
// carries GIT_OPTIONAL_LOCKS=0 and core.fsmonitor=false; and its
// subcommand is one SECURITY.md lists.
func TestSecurityCheckGitHardened(t *testing.T) {
	realGit := testenv.Tool(t, "git")
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{
		"app/Cargo.toml":  "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
		"app/src/main.rs": "fn main() {}\n",
		"notes.txt":       "v1\n",
		".gitattributes":  "* filter=rec diff=rec\n",
	})
	g.Commit("init")

	bin := t.TempDir()
	record := filepath.Join(t.TempDir(), "calls.log")
	wrapper := "#!/bin/sh\necho \"GIT_OPTIONAL_LOCKS=$GIT_OPTIONAL_LOCKS git $*\" >> '" + record + "'\nexec '" + realGit + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	spy := func(name string) string {
		p := filepath.Join(bin, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\necho \"RAN "+name+"\" >> '"+record+"'\ncat\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	g.Git("config", "core.fsmonitor", spy("fsmonitor"))
	g.Git("config", "filter.rec.clean", spy("clean"))
	g.Git("config", "filter.rec.smudge", spy("smudge"))
	g.Git("config", "diff.rec.textconv", spy("textconv"))
	g.Git("config", "diff.external", spy("extdiff"))
	hooks := filepath.Join(g.Dir, ".git", "hooks")
	for _, h := range []string{"post-index-change", "pre-commit", "post-checkout", "reference-transaction"} {
		if err := os.Rename(spy(h), filepath.Join(hooks, h)); err != nil {
			t.Fatal(err)
		}
	}
	// A tracked file whose content and stat information changed: a
	// porcelain diff refreshes (rewrites) the index for it.
	g.Write("notes.txt", "v2, longer\n")
	index := filepath.Join(g.Dir, ".git", "index")
	before, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	fiBefore, _ := os.Stat(index)

	allowed := securityGitSubcommands(t)
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM"} {
		for _, kv := range g.Env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				t.Setenv(k, v)
			}
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	seen := map[string]bool{}
	for _, run := range []struct {
		args     []string
		indexEnv bool
	}{
		{[]string{"check"}, false},
		{[]string{"check", "--since", "HEAD"}, false},
		{[]string{"check", "--staged"}, false},
		{[]string{"check", "--since", "HEAD"}, true},
	} {
		if run.indexEnv {
			t.Setenv("GIT_INDEX_FILE", index) // the git CLI backend
		}
		if err := os.WriteFile(record, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := Main(append([]string{"-C", g.Dir}, run.args...), strings.NewReader(""), &stdout, &stderr)
		if code != ExitOK && code != ExitFindings {
			t.Fatalf("%v: exit %d\n%s%s", run.args, code, stdout.String(), stderr.String())
		}
		calls, _ := os.ReadFile(record)
		for _, line := range strings.Split(strings.TrimSpace(string(calls)), "\n") {
			if line == "" {
				continue
			}
			if strings.HasPrefix(line, "RAN ") {
				t.Errorf("%v ran %s:\n%s", run.args, strings.TrimPrefix(line, "RAN "), calls)
				continue
			}
			env, cmd, _ := strings.Cut(line, " git ")
			fields := strings.Fields(cmd)
			sub := gitSubcommand(fields)
			seen[sub] = true
			if env != "GIT_OPTIONAL_LOCKS=0" || !strings.Contains(cmd, "-c core.fsmonitor=false") {
				t.Errorf("%v: git without the hardening: %q", run.args, line)
			}
			if !slices.Contains(allowed, sub) {
				t.Errorf("%v: git %s is not listed in SECURITY.md: %q", run.args, sub, line)
			}
		}
		after, _ := os.ReadFile(index)
		fiAfter, _ := os.Stat(index)
		if !bytes.Equal(before, after) || !fiAfter.ModTime().Equal(fiBefore.ModTime()) {
			t.Fatalf("%v wrote .git/index", run.args)
		}
	}
	if !seen["diff-index"] || !seen["ls-files"] {
		t.Errorf("the recording missed the --since commands: saw %v", seen)
	}
}

// securityGitSubcommands reads the git subcommands SECURITY.md says check
// can run.
func securityGitSubcommands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "SECURITY.md"))
	if err != nil {
		t.Fatal(err)
	}
	var list string
	for _, l := range strings.Split(string(b), "\n\n") {
		if strings.Contains(l, "The git commands `check` can run") {
			list = l
		}
	}
	var out []string
	for _, m := range regexp.MustCompile("`git ([a-z-]+)").FindAllStringSubmatch(list, -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		t.Fatal("SECURITY.md lists no git subcommands (a paragraph with \"The git commands `check` can run\")")
	}
	return out
}
