package cli

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// injectedDir is a directory name that, printed raw, starts a new line
// holding an indented GitHub workflow command: the runner parses commands
// after leading whitespace.
const injectedDir = "x\n  ::error file=x::pwned"

// TestSecurityNoInjectedLines: issue 17 item 2. A committed directory whose
// name holds a newline and an indented `::error` workflow command has a
// Cargo package without a lock (LG101, whose message, help and fix name the
// directory). No line of the line-based formats (text, concise, github, and
// text with --show-fixes) is a workflow command other than the github
// format's own annotations, no output holds a raw control character but
// the line feeds between lines, and the structured formats stay valid and
// carry the real path.
func TestSecurityNoInjectedLines(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{
		injectedDir + "/Cargo.toml":        "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		injectedDir + "/src/main.rs":       "fn main() {}\n",
		"bidi\u202e\x1b[31m\r/Cargo.toml":  "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"bidi\u202e\x1b[31m\r/src/main.rs": "fn main() {}\n",
		// LG101 names the directories; nothing builds these roots.
		"lockguard.toml": "[cargo]\nrequire-lock = \"all-roots\"\n",
	})
	g.Commit("init")
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM"} {
		for _, kv := range g.Env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				t.Setenv(k, v)
			}
		}
	}
	check := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := Main(append([]string{"-C", g.Dir, "check", "--color", "never"}, args...), strings.NewReader(""), &stdout, &stderr)
		if code != ExitFindings {
			t.Fatalf("check %v: exit %d, want %d\n%s%s", args, code, ExitFindings, stdout.String(), stderr.String())
		}
		if stderr.Len() > 0 {
			assertNoInjectedLines(t, "check "+strings.Join(args, " ")+" (stderr)", stderr.String(), false)
		}
		return stdout.String()
	}
	for _, f := range []string{"text", "concise", "github"} {
		out := check("--format", f)
		if !strings.Contains(out, "LG101") {
			t.Fatalf("--format %s: no LG101 for the injected directory:\n%s", f, out)
		}
		assertNoInjectedLines(t, "--format "+f, out, f == "github")
		if f == "github" {
			// One workflow command per finding, nothing else.
			if n := strings.Count(strings.TrimSuffix(out, "\n"), "\n") + 1; n != 2 {
				t.Errorf("--format github: %d lines for 2 findings:\n%s", n, out)
			}
		}
	}
	assertNoInjectedLines(t, "--show-fixes", check("--show-fixes"), false)
	assertNoInjectedLines(t, "--statistics", check("--statistics"), false)

	for _, f := range []string{"json", "sarif", "gitlab"} {
		out := check("--format", f)
		if !json.Valid([]byte(out)) {
			t.Fatalf("--format %s is not valid JSON:\n%s", f, out)
		}
		// The real name survives (SARIF: as a percent-encoded URI).
		var doc any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if !holdsString(doc, injectedDir+"/Cargo.toml") {
			t.Errorf("--format %s lost the real path %q:\n%s", f, injectedDir+"/Cargo.toml", out)
		}
	}
	out := check("--format", "junit")
	var doc struct {
		XMLName xml.Name
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil || doc.XMLName.Local != "testsuites" {
		t.Fatalf("--format junit is not valid XML (%v):\n%s", err, out)
	}
}

// assertNoInjectedLines fails when a line of out, after leading
// whitespace, starts a workflow command (unless github allows the format's
// own annotations at the start of a line), or out holds a control
// character other than the line feed.
func assertNoInjectedLines(t *testing.T, what, out string, github bool) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if github && (strings.HasPrefix(l, "::error file=") || strings.HasPrefix(l, "::warning file=")) {
			continue // the format's own annotation; its count is checked
		}
		if strings.HasPrefix(strings.TrimLeft(l, " \t\v\f"), "::") {
			t.Errorf("%s: injected workflow command line %q in:\n%s", what, l, out)
		}
	}
	for _, r := range out {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x202e) {
			t.Errorf("%s: raw control character %U in:\n%q", what, r, out)
			break
		}
	}
}

// holdsString reports whether the decoded JSON v holds want as a string
// value, or as a percent-encoded URI (SARIF's artifact locations).
func holdsString(v any, want string) bool {
	switch v := v.(type) {
	case string:
		u, err := url.PathUnescape(v)
		return v == want || err == nil && u == want
	case []any:
		for _, e := range v {
			if holdsString(e, want) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if holdsString(e, want) {
				return true
			}
		}
	}
	return false
}

// TestSecurityFixPrintsSafely: issue 17 item 4. `fix` names every command
// it runs, the files it changed and, with --diff, its edits, without
// printing a terminal escape or a bidirectional control that comes from a
// file name or a file's content; a directory named -P is printed as
// `cd -- -P` (a plain `cd -P` is cd's option), and each printed command,
// pasted into bash, goes to the directory the generator ran in.
func TestSecurityFixPrintsSafely(t *testing.T) {
	testenv.Tool(t, "cargo")
	bash := testenv.Tool(t, "bash")
	const evil = "evil\x1b]0;pwned\a\u202e"
	const dock = "dock\x1b[31m\xe2\x80\xae"
	g := testenv.NewRepo(t)
	manifest := func(name string) string {
		return "[package]\nname = \"" + name + "\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"
	}
	g.WriteFiles(map[string]string{
		"-P/Cargo.toml":       manifest("p"),
		"-P/src/main.rs":      "fn main() {}\n",
		evil + "/Cargo.toml":  manifest("e"),
		evil + "/src/main.rs": "fn main() {}\n",
		// LG402's fix edits the RUN; the diff's context shows line 2.
		dock + "/Dockerfile": "FROM nixos/nix\n# title \x1b]0;pwned\a \u202e here\nRUN nix build .#foo\n",
		"lockguard.toml":     "[cargo]\nrequire-lock = \"all-roots\"\n", // LG101 for roots nothing builds
	})
	g.Commit("init")
	for _, kv := range g.Env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	fix := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := Main(append([]string{"-C", g.Dir, "fix", "--color", "never"}, args...), strings.NewReader(""), &stdout, &stderr)
		out := stdout.String() + stderr.String()
		if code != ExitOK && code != ExitFindings {
			t.Fatalf("fix %v: exit %d\n%s", args, code, out)
		}
		assertNoInjectedLines(t, "fix "+strings.Join(args, " "), out, false)
		return out
	}

	diff := fix("--diff")
	for _, want := range []string{
		`--- a/dock\x1b[31m\u202e/Dockerfile`,
		`+++ b/dock\x1b[31m\u202e/Dockerfile`,
		` # title \x1b]0;pwned\x07 \u202e here`,
		`+RUN nix --extra-experimental-features "nix-command flakes" build .#foo`,
	} {
		if !strings.Contains(diff, want+"\n") {
			t.Errorf("fix --diff lacks the line %q:\n%s", want, diff)
		}
	}
	dry := fix("--dry-run")
	if !strings.Contains(dry, "$ (cd -- -P && cargo generate-lockfile)\n") {
		t.Errorf("fix --dry-run does not print `cd -- -P`:\n%s", dry)
	}

	out := fix()
	for _, want := range []string{
		"$ (cd -- -P && cargo generate-lockfile)\n",
		`$ (cd $'evil\x1b]0;pwned\x07\xe2\x80\xae' && cargo generate-lockfile)` + "\n",
		`$ git add -- -P/Cargo.lock $'evil\x1b]0;pwned\x07\xe2\x80\xae/Cargo.lock' $'dock\x1b[31m\xe2\x80\xae/Dockerfile'` + "\n",
		`changed: -P/Cargo.lock dock\x1b[31m\u202e/Dockerfile evil\x1b]0;pwned\x07\u202e/Cargo.lock` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("fix does not print %q:\n%s", want, out)
		}
	}
	// The generators ran in the right directories, whatever their names.
	for _, lock := range []string{"-P/Cargo.lock", evil + "/Cargo.lock"} {
		if _, err := os.Stat(g.Path(lock)); err != nil {
			t.Errorf("%q was not generated: %v", lock, err)
		}
	}
	if st := g.Git("status", "--porcelain", "-z"); !strings.Contains(st, "A  -P/Cargo.lock\x00") || !strings.Contains(st, "A  "+evil+"/Cargo.lock\x00") {
		t.Errorf("the locks are not staged: %q", st)
	}
	// What fix printed is a faithful shell command: bash goes to the same
	// directory.
	pasted := 0
	for _, l := range strings.Split(out, "\n") {
		cmd, ok := strings.CutPrefix(l, "$ (cd ")
		if !ok {
			continue
		}
		pasted++
		cmd = "cd " + strings.TrimSuffix(strings.Replace(cmd, "cargo generate-lockfile", "pwd", 1), ")")
		c := exec.Command(bash, "-c", cmd)
		c.Dir = g.Dir
		got, err := c.Output()
		if err != nil {
			t.Errorf("bash -c %q: %v", cmd, err)
			continue
		}
		if dir := strings.TrimSuffix(string(got), "\n"); dir != g.Path("-P") && dir != g.Path(evil) {
			t.Errorf("bash -c %q went to %q", cmd, dir)
		}
	}
	if pasted != 2 {
		t.Errorf("%d generator commands printed, want 2:\n%s", pasted, out)
	}
}
