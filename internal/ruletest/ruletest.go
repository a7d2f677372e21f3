// Package ruletest tests lockguard's rules, in the spirit of
// golang.org/x/tools/go/analysis/analysistest: a test repository is a txtar
// archive (the format is internal/txtarrepo's) whose files say with
// `# want LG301` comments where findings are expected. Run builds a real git
// repository from it with the git binary, runs the rules through the engine
// `lockguard check` uses (repo.Open, config.Find, checks.Select,
// snapshot.New, checks.Run), and fails the test for every expected
// finding that is missing and every finding that is not expected.
//
//	func TestCopyClobbers(t *testing.T) {
//		ruletest.Run(t, "testdata/lg301.txtar", "LG301")
//	}
//
// Rules are chosen as `--select` chooses them (IDs, prefixes, names, ALL);
// none means what `lockguard check` runs: the repository's lockguard.toml
// select and ignore, else every rule. With a selection, only the
// expectations of the selected rules are checked (one archive can serve
// runs of different rules), and at least one must be.
package ruletest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/internal/config"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
	"github.com/lockguard/lockguard/internal/txtarrepo"
)

// IDs are the IDs of rules, for Options.Rules.
func IDs(rules ...*checks.Rule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.ID
	}
	return out
}

// Options change how the rules run.
type Options struct {
	// Rules select the rules as --select does; empty: the configuration's
	// selection, else every rule.
	Rules []string
	// Staged runs the rules on the staged content (check --staged).
	Staged bool
	// Paths limits the findings to these repository paths (check PATH...).
	Paths []string
	// Prepare, when set, runs on the snapshot before the rules do: a test
	// presets a model there (snapshot.Flakes.Preset) to test rules apart
	// from the analysis that builds it.
	Prepare func(*snapshot.Snapshot)
}

// Result is what a run found.
type Result struct {
	Repo        *testenv.Repo
	Diagnostics []diag.Diagnostic
}

// Run reads the archive at file, builds its repository, runs the selected
// rules (see Options.Rules) and compares the findings with the archive's
// expectations.
func Run(t testing.TB, file string, rules ...string) *Result {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return RunArchive(t, file, data, Options{Rules: rules})
}

// RunText is Run on an archive written in the test.
func RunText(t testing.TB, archive string, rules ...string) *Result {
	t.Helper()
	return RunArchive(t, t.Name(), []byte(archive), Options{Rules: rules})
}

// RunArchive is Run on archive data; name is for messages.
func RunArchive(t testing.TB, name string, data []byte, opts Options) *Result {
	t.Helper()
	r, err := txtarrepo.Parse(name, data)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return RunRepo(t, r, opts)
}

// RunRepo builds r, runs the rules and compares.
func RunRepo(t testing.TB, r *txtarrepo.Repo, opts Options) *Result {
	t.Helper()
	g := Build(t, r)
	res := &Result{Repo: g, Diagnostics: Check(t, g, opts)}
	if len(opts.Rules) > 0 {
		// Expectations of rules that are not selected are not checked,
		// so that one archive serves runs of different rules; but a
		// selection that leaves none of several is a mistake.
		rules, err := checks.Select(opts.Rules, nil)
		if err != nil {
			t.Fatal(err)
		}
		selected := *r
		selected.Wants = slices.DeleteFunc(slices.Clone(r.Wants), func(w txtarrepo.Want) bool {
			return !slices.ContainsFunc(rules, func(x *checks.Rule) bool { return x.ID == w.Rule })
		})
		if len(r.Wants) > 0 && len(selected.Wants) == 0 {
			t.Errorf("none of the %d expectations (%s, …) is for the selected rules %v", len(r.Wants), r.Wants[0], opts.Rules)
		}
		r = &selected
	}
	Compare(t, r, res.Diagnostics)
	return res
}

// Build makes a real git repository holding r's files, in their states: the
// committed files (and those later deleted or modified) in one commit, then
// the staged files added, the intent-to-add files added with -N, the
// modified and untracked files written, the deleted files removed.
func Build(t testing.TB, r *txtarrepo.Repo) *testenv.Repo {
	t.Helper()
	g := testenv.NewRepo(t)
	write := func(f txtarrepo.File) {
		t.Helper()
		p := g.Path(f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if f.Symlink {
			if err := os.Symlink(string(f.Data), p); err != nil {
				t.Fatal(err)
			}
			return
		}
		mode := os.FileMode(0o644)
		if f.Executable {
			mode = 0o755
		}
		if err := os.WriteFile(p, f.Data, mode); err != nil {
			t.Fatal(err)
		}
	}
	// phase writes the files in states and, unless add is nil, adds them
	// with git add -f plus the flags in add.
	phase := func(states []txtarrepo.State, add []string) {
		t.Helper()
		var paths []string
		for _, f := range r.Files {
			if slices.Contains(states, f.State) {
				write(f)
				paths = append(paths, f.Path)
			}
		}
		if add != nil && len(paths) > 0 {
			// -f: a committed file may match an ignore rule (tracked
			// but ignored is a state worth testing).
			g.Git(append(append(append([]string{"add", "-f"}, add...), "--"), paths...)...)
		}
	}
	phase([]txtarrepo.State{txtarrepo.Committed, txtarrepo.Deleted}, []string{})
	g.Git("commit", "-q", "--allow-empty", "-m", "ruletest")
	for _, f := range r.Files {
		if f.State == txtarrepo.Deleted {
			g.Remove(f.Path)
		}
	}
	phase([]txtarrepo.State{txtarrepo.Staged}, []string{})
	phase([]txtarrepo.State{txtarrepo.IntentToAdd}, []string{"-N"})
	phase([]txtarrepo.State{txtarrepo.Modified, txtarrepo.Untracked}, nil)
	return g
}

// Check runs the rules on the repository g as `lockguard check` does and
// returns the findings (sorted by path, line, column and rule).
func Check(t testing.TB, g *testenv.Repo, opts Options) []diag.Diagnostic {
	t.Helper()
	rp, err := repo.Open(repo.Options{Dir: g.Dir, Env: g.Env, Staged: opts.Staged})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Find(rp.Root(), "")
	if err != nil {
		t.Fatalf("lockguard.toml: %v", err)
	}
	sel := cfg.Select
	if len(opts.Rules) > 0 {
		sel = opts.Rules
	}
	rules, err := checks.Select(sel, cfg.Ignore)
	if err != nil {
		t.Fatal(err)
	}
	snap := snapshot.New(rp, cfg)
	if opts.Prepare != nil {
		opts.Prepare(snap)
	}
	res, err := checks.Run(snap, rules, checks.Options{Paths: opts.Paths})
	if err != nil {
		t.Fatal(err)
	}
	return res.Diagnostics
}

// Compare reports (with t.Errorf) every expectation of r that no finding
// matches, then every finding that no expectation matches. A finding matches
// an expectation with its path, line and rule, and, when the expectation has
// one, a message matching its pattern.
func Compare(t testing.TB, r *txtarrepo.Repo, ds []diag.Diagnostic) {
	t.Helper()
	wants := r.Wants
	used := make([]bool, len(wants))
	var unexpected []diag.Diagnostic
	// Patterned expectations first, so that a bare one does not take the
	// finding a patterned one needs.
	order := make([]int, 0, len(wants))
	for pass := 0; pass < 2; pass++ {
		for i, w := range wants {
			if (w.Msg != nil) == (pass == 0) {
				order = append(order, i)
			}
		}
	}
	for _, d := range ds {
		found := false
		for _, i := range order {
			w := wants[i]
			if used[i] || w.Path != d.Path || w.Line != d.Line || w.Rule != d.Rule {
				continue
			}
			if w.Msg != nil && !w.Msg.MatchString(d.Message) {
				continue
			}
			used[i], found = true, true
			break
		}
		if !found {
			unexpected = append(unexpected, d)
		}
	}
	for i, w := range wants {
		if used[i] {
			continue
		}
		what := "no " + w.Rule + " finding"
		if w.Msg != nil {
			what += fmt.Sprintf(" with a message matching %q", w.Msg.String())
		}
		t.Errorf("%s: %s was reported at %s:%d%s", w.At, what, w.Path, w.Line, Describe(ds))
	}
	for _, d := range unexpected {
		hint := "expect it with `# want " + d.Rule + "` on that line, or fix the rule"
		if pos := r.Pos(d.Path, d.Line); pos != "" {
			hint = "expect it with `# want " + d.Rule + "` at " + pos + ", or fix the rule"
		}
		t.Errorf("unexpected finding %s:%d:%d: %s %s: %s\n\t(%s)%s",
			d.Path, d.Line, d.Column, d.Rule, d.Name, d.Message, hint, Describe(ds))
	}
}

// Describe lists findings, one per line, for failure messages.
func Describe(ds []diag.Diagnostic) string {
	if len(ds) == 0 {
		return "\n\tfindings: none"
	}
	var b strings.Builder
	b.WriteString("\n\tfindings:")
	for _, d := range ds {
		fmt.Fprintf(&b, "\n\t  %s:%d:%d %s [%s] %s", d.Path, d.Line, d.Column, d.Rule, d.Severity, d.Message)
	}
	return b.String()
}
