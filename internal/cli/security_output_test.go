package cli

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/url"
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
