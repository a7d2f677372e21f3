package ruletest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/ruletest"
	"github.com/lockguard/lockguard/internal/txtarrepo"
)

// fakeT records what the harness reports instead of failing the test.
type fakeT struct {
	testing.TB
	errs []string
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeT) Helper() {}

// run runs the harness on archive with a fake T and returns what it reported.
func run(t *testing.T, archive string, rules ...string) []string {
	t.Helper()
	ft := &fakeT{TB: t}
	ruletest.RunArchive(ft, t.Name(), []byte(archive), ruletest.Options{Rules: rules})
	return ft.errs
}

const lockless = `
-- backend/Cargo.toml --
[package] %s
name = "backend"
version = "0.1.0"
edition = "2021"
-- backend/src/main.rs --
fn main() {}
-- lockguard.toml --
[cargo]
require-lock = "all-roots"
`

func TestRightWantPasses(t *testing.T) {
	for _, want := range []string{
		"# want LG101",
		`# want LG101 "has no Cargo.lock"`,
	} {
		if errs := run(t, fmt.Sprintf(lockless, want)); len(errs) > 0 {
			t.Errorf("%s: the harness failed a right expectation:\n%s", want, strings.Join(errs, "\n"))
		}
		// One rule, or a prefix, selected.
		if errs := run(t, fmt.Sprintf(lockless, want), "LG101"); len(errs) > 0 {
			t.Errorf("%s, LG101 only: %s", want, strings.Join(errs, "\n"))
		}
	}
}

func TestWrongWantFails(t *testing.T) {
	for _, tc := range []struct {
		name, archive string
		rules         []string
		want          [][]string // per reported error, what it says
	}{
		{
			name:    "wrong rule",
			archive: fmt.Sprintf(lockless, "# want LG102"),
			want: [][]string{
				{"TestWrongWantFails/wrong_rule:3: no LG102 finding was reported at backend/Cargo.toml:1"},
				{"unexpected finding backend/Cargo.toml:1:1: LG101 cargo-lock-missing: the Cargo package at backend/ has no Cargo.lock",
					"expect it with `# want LG101` at TestWrongWantFails/wrong_rule:3, or fix the rule"},
			},
		},
		{
			name:    "wrong message",
			archive: fmt.Sprintf(lockless, `# want LG101 "no such words"`),
			want: [][]string{
				{`no LG101 finding with a message matching "no such words" was reported at backend/Cargo.toml:1`},
				{"unexpected finding backend/Cargo.toml:1:1: LG101"},
			},
		},
		{
			name:    "missing want",
			archive: fmt.Sprintf(lockless, ""),
			want:    [][]string{{"unexpected finding backend/Cargo.toml:1:1: LG101"}},
		},
		{
			name:    "two wants, one finding",
			archive: fmt.Sprintf(lockless, "# want LG101 LG101"),
			want:    [][]string{{"no LG101 finding was reported at backend/Cargo.toml:1"}},
		},
		{
			name:    "want on the wrong line",
			archive: strings.Replace(fmt.Sprintf(lockless, ""), `name = "backend"`, `name = "backend" # want LG101`, 1),
			want: [][]string{
				{"no LG101 finding was reported at backend/Cargo.toml:2"},
				{"unexpected finding backend/Cargo.toml:1:1: LG101"},
			},
		},
		{
			name:    "rule not selected",
			archive: fmt.Sprintf(lockless, "# want LG101"),
			rules:   []string{"LG2"},
			want:    [][]string{{"none of the 1 expectations (backend/Cargo.toml:1 LG101, …) is for the selected rules [LG2]"}},
		},
		{
			name: "want section",
			archive: fmt.Sprintf(lockless, "") + `-- want --
backend/Cargo.toml:3 LG101
`,
			want: [][]string{
				{"TestWrongWantFails/want_section:13: no LG101 finding was reported at backend/Cargo.toml:3"},
				{"unexpected finding"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := run(t, tc.archive, tc.rules...)
			if len(errs) != len(tc.want) {
				t.Fatalf("the harness reported %d errors, want %d:\n%s", len(errs), len(tc.want), strings.Join(errs, "\n---\n"))
			}
			for i, ws := range tc.want {
				for _, w := range ws {
					if !strings.Contains(errs[i], w) {
						t.Errorf("error %d:\n%s\ndoes not say %q", i, errs[i], w)
					}
				}
				// The message lists what was found, to fix the test from.
				if !strings.Contains(errs[i], "findings:") && !strings.Contains(errs[i], "selected rules") {
					t.Errorf("error does not list the findings:\n%s", errs[i])
				}
			}
		})
	}
}

// TestSelectionFiltersWants: with a selection, the expectations of other
// rules are not checked, so one archive serves runs of different rules.
func TestSelectionFiltersWants(t *testing.T) {
	archive := fmt.Sprintf(lockless, "# want LG101") + `-- Dockerfile --
FROM nixos/nix
RUN nix build # want LG402
`
	for _, sel := range [][]string{nil, {"LG101"}, {"LG402"}, {"LG1", "LG4"}} {
		if errs := run(t, archive, sel...); len(errs) > 0 {
			t.Errorf("%v: %s", sel, strings.Join(errs, "\n"))
		}
	}
}

// TestWantSection: a file without comments (JSON) is annotated from the
// want section; a right line passes.
func TestWantSection(t *testing.T) {
	archive := fmt.Sprintf(lockless, "") + `-- want --
# the finding is at the [package] line
backend/Cargo.toml:1 LG101 "backend"
`
	if errs := run(t, archive); len(errs) > 0 {
		t.Errorf("%s", strings.Join(errs, "\n"))
	}
}

// TestWholeLineWant: a comment that is a whole line expects the finding on
// the next line that is not such a comment (a Dockerfile, where only whole
// lines are comments).
func TestWholeLineWant(t *testing.T) {
	archive := `
-- backend/Cargo.toml --
# want LG101
# want LG101 "backend"
[package]
name = "backend"
version = "0.1.0"
-- backend/src/main.rs --
fn main() {}
-- lockguard.toml --
[cargo]
require-lock = "all-roots"
`
	errs := run(t, archive)
	// Two expectations for one finding: one is missing, and it names line 3.
	if len(errs) != 1 || !strings.Contains(errs[0], "backend/Cargo.toml:3") {
		t.Errorf("want one missing finding at line 3, got:\n%s", strings.Join(errs, "\n"))
	}
}

// TestBuildStates: every marker gives the file that git state.
func TestBuildStates(t *testing.T) {
	r, err := txtarrepo.Parse("states", []byte(`
-- committed.txt --
c
-- untracked.txt [untracked] --
u
-- staged.txt [staged] --
s
-- ita.txt [intent-to-add] --
i
-- changed.txt --
old
-- changed.txt [modified] --
new
-- changed-staged.txt --
old
-- changed-staged.txt [staged] --
new
-- gone.txt [deleted] --
d
-- link [symlink] --
committed.txt
-- run.sh [executable, untracked] --
#!/bin/sh
-- .gitignore --
ignored.txt
-- ignored.txt --
tracked although ignored
`))
	if err != nil {
		t.Fatal(err)
	}
	g := ruletest.Build(t, r)
	status := g.Git("status", "--porcelain=v1", "--untracked-files=all", "--ignored")
	for _, want := range []string{
		"?? untracked.txt", "A  staged.txt", " A ita.txt", " M changed.txt", "M  changed-staged.txt",
		" D gone.txt", "?? run.sh",
	} {
		if !strings.Contains(status, want+"\n") {
			t.Errorf("git status lacks %q:\n%s", want, status)
		}
	}
	ls := g.Git("ls-files", "-s")
	for _, want := range []string{"120000 ", "committed.txt", "ignored.txt", "link"} {
		if !strings.Contains(ls, want) {
			t.Errorf("git ls-files -s lacks %q:\n%s", want, ls)
		}
	}
	if target, err := os.Readlink(g.Path("link")); err != nil || target != "committed.txt" {
		t.Errorf("link: %q, %v", target, err)
	}
	if st, err := os.Stat(filepath.Join(g.Dir, "run.sh")); err != nil || st.Mode()&0o100 == 0 {
		t.Errorf("run.sh is not executable: %v %v", st, err)
	}
	if data, _ := os.ReadFile(g.Path("changed.txt")); string(data) != "new\n" {
		t.Errorf("changed.txt in the work tree: %q", data)
	}
	if show := g.Git("show", "HEAD:changed.txt"); show != "old\n" {
		t.Errorf("changed.txt committed: %q", show)
	}
}

// TestStaged: Options.Staged judges the index, like check --staged: the
// staged lock is right, the one in the work tree is stale (LG103).
func TestStaged(t *testing.T) {
	archive := `
-- backend/Cargo.toml --
[package] # want LG103
name = "backend"
version = "0.1.0"
-- backend/src/main.rs --
fn main() {}
-- backend/Cargo.lock [staged] --
version = 4

[[package]]
name = "backend"
version = "0.1.0"
-- backend/Cargo.lock [modified] --
version = 4
`
	ruletest.RunArchive(t, "worktree", []byte(archive), ruletest.Options{Rules: []string{"LG1"}})
	ft := &fakeT{TB: t}
	ruletest.RunArchive(ft, "staged", []byte(archive), ruletest.Options{Staged: true, Rules: []string{"LG1"}})
	if len(ft.errs) != 1 || !strings.Contains(ft.errs[0], "no LG103 finding") || !strings.Contains(ft.errs[0], "findings: none") {
		t.Errorf("--staged: %s", strings.Join(ft.errs, "\n"))
	}
}

// TestConfig: the repository's lockguard.toml applies, as in lockguard check.
func TestConfig(t *testing.T) {
	ruletest.RunText(t, strings.Replace(fmt.Sprintf(lockless, ""), "[cargo]", "ignore = [\"LG101\"]\n[cargo]", 1))
}
