package checks_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/fixers"
	"github.com/lockguard/lockguard/internal/config"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
)

// TestFlakeDifferential checks lockguard's flake rules against real Nix.
//
// Each testdata/flakes/NAME.txtar is a self-contained flake (no inputs from
// the network, no nixpkgs) committed into a real git repository. Its comment
// holds header lines:
//
//	flake: sub            the flake's directory (default: the root)
//	nix: ok|fails         what `nix eval .#check` does before the fix
//	expect: LG201 LG204   the LG2xx rules lockguard reports ("none"; a|b: either)
//	after-fix: ok|fails   what `nix eval .#check` does after `lockguard fix`
//	output: JSON          nix eval's output before the fix (optional)
//	output-after: JSON    and after it (optional)
//
// and the -- setup -- section lists git operations, one per line; every
// other file of the archive is committed:
//
//	untracked PATH   leave PATH (file or directory) untracked
//	ita PATH         git add -N PATH after the commit
//	stage PATH       git add PATH after the commit (staged, not committed)
//	ignore PATH      add /PATH to .gitignore and leave it untracked
//	force PATH       add /PATH to .gitignore, then commit it with git add -f
//	delete PATH      commit PATH, then delete it from the work tree
//	modify PATH      commit PATH, then change it in the work tree
//	symlink PATH TARGET  make PATH a symbolic link to TARGET, committed
//
// The differential property: lockguard reports an error from LG201, LG202
// or LG205 exactly when nix eval fails because a path is missing or not
// tracked, before and after `lockguard fix`.
func TestFlakeDifferential(t *testing.T) {
	testenv.Tool(t, "git")
	nixBin := testenv.Tool(t, "nix")
	testenv.Tool(t, "cargo")
	files, err := filepath.Glob(filepath.Join(testenv.ModuleRoot(t), "testdata", "flakes", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("want at least 30 fixtures, have %d", len(files))
	}
	var (
		mu                  sync.Mutex
		agree, nixFail, fix int
		disagree            []string
	)
	sem := make(chan struct{}, 2) // two workers: nix and cargo are CPU-heavy
	t.Run("fixtures", func(t *testing.T) {
		for _, file := range files {
			name := strings.TrimSuffix(filepath.Base(file), ".txtar")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				res := runFlakeFixture(t, nixBin, file)
				mu.Lock()
				defer mu.Unlock()
				if res.agree {
					agree++
				} else {
					disagree = append(disagree, name)
				}
				if res.nixFailed {
					nixFail++
				}
				if res.fixed {
					fix++
				}
			})
		}
	})
	slices.Sort(disagree)
	t.Logf("agree on %d/%d fixtures (nix failed on %d before the fix; lockguard fix made %d of those evaluate)", agree, len(files), nixFail, fix)
	if len(disagree) > 0 {
		t.Errorf("lockguard and nix disagree on: %s", strings.Join(disagree, ", "))
	}
}

type fixtureResult struct {
	agree     bool // lockguard predicted nix's outcome, before and after the fix
	nixFailed bool // nix failed before the fix
	fixed     bool // nix failed before the fix and succeeded after it
}

type fixture struct {
	flakeDir             string
	nixFails, afterFails bool
	expect               [][]string // alternatives per expected rule
	output, outputAfter  string
	ops                  [][3]string
	files                []txtar.File
}

func parseFixture(t *testing.T, file string) *fixture {
	t.Helper()
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !slices.Contains([]string{"flake", "nix", "after-fix", "expect", "output", "output-after"}, k) {
			continue
		}
		v = strings.TrimSpace(v)
		seen[k] = true
		switch k {
		case "flake":
			fx.flakeDir = v
		case "nix":
			fx.nixFails = v == "fails"
		case "after-fix":
			fx.afterFails = v == "fails"
		case "expect":
			for _, f := range strings.Fields(v) {
				if f != "none" {
					fx.expect = append(fx.expect, strings.Split(f, "|"))
				}
			}
		case "output":
			fx.output = v
		case "output-after":
			fx.outputAfter = v
		}
	}
	for _, k := range []string{"nix", "expect", "after-fix"} {
		if !seen[k] {
			t.Fatalf("%s: header %q is missing", file, k)
		}
	}
	for _, f := range ar.Files {
		if f.Name != "setup" {
			fx.files = append(fx.files, f)
			continue
		}
		for _, line := range strings.Split(string(f.Data), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
				continue
			}
			if len(fields) != 2 && !(len(fields) == 3 && fields[0] == "symlink") {
				t.Fatalf("%s: bad setup line %q", file, line)
			}
			op := [3]string{fields[0], fields[1]}
			if len(fields) == 3 {
				op[2] = fields[2]
			}
			fx.ops = append(fx.ops, op)
		}
	}
	return fx
}

// setUp makes the fixture's repository with the real git binary.
func (fx *fixture) setUp(t *testing.T, r *testenv.Repo) {
	t.Helper()
	var ignore []string
	for _, op := range fx.ops {
		if op[0] == "ignore" || op[0] == "force" {
			ignore = append(ignore, "/"+op[1])
		}
	}
	for _, f := range fx.files {
		r.Write(f.Name, string(f.Data))
	}
	for _, op := range fx.ops {
		if op[0] == "symlink" {
			if err := os.MkdirAll(filepath.Dir(r.Path(op[1])), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(op[2], r.Path(op[1])); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(ignore) > 0 {
		old, _ := os.ReadFile(r.Path(".gitignore"))
		r.Write(".gitignore", string(old)+strings.Join(ignore, "\n")+"\n")
	}
	r.Git("add", "-A")
	for _, op := range fx.ops {
		switch op[0] {
		case "untracked", "ita", "stage":
			r.Git("rm", "-r", "-q", "--cached", "--", op[1])
		case "force":
			r.Git("add", "-f", "--", op[1])
		case "ignore", "delete", "modify", "symlink", "stored":
		default:
			t.Fatalf("unknown setup operation %q", op[0])
		}
	}
	r.Git("commit", "-q", "--allow-empty", "-m", "fixture")
	for _, op := range fx.ops {
		switch op[0] {
		case "ita":
			r.Git("add", "-N", "--", op[1])
		case "stage":
			r.Git("add", "--", op[1])
		case "delete":
			r.Remove(op[1])
		case "modify":
			old, err := os.ReadFile(r.Path(op[1]))
			if err != nil {
				t.Fatal(err)
			}
			r.Write(op[1], string(old)+"modified\n")
		}
	}
}

// storeCopy puts the committed content of dir into the Nix store under the
// name "source", as `nix flake lock` does when it locks a relative path: input
// (setup operation "stored dir"). Nix 2.8 fetches a locked relative path:
// input only from the store ("cannot fetch input … because it uses a relative
// path" on a fresh store, whatever the lock says), so a fixture about such
// inputs states the store a developer who locked the flake has, instead of
// depending on what earlier tests left there.
func storeCopy(t *testing.T, nixBin string, r *testenv.Repo, dir string, env []string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "source")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	archive := exec.Command("git", "archive", "--format=tar", "HEAD:"+dir)
	archive.Dir, archive.Env = r.Dir, r.Env
	tar := exec.Command("tar", "-x", "-C", src)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	tar.Stdin = pipe
	if err := archive.Start(); err != nil {
		t.Fatal(err)
	}
	if out, err := tar.CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	if err := archive.Wait(); err != nil {
		t.Fatalf("git archive HEAD:%s: %v", dir, err)
	}
	cmd := exec.Command(nixBin, "store", "add-path", "--name", "source", src)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nix store add-path %s: %v\n%s", dir, err, out)
	}
}

// nixPathError matches what Nix prints when a flake reads a path its source
// lacks: Nix < 2.20 ("getting status of … No such file or directory"), 2.20
// to 2.27 ("path … does not exist"), 2.28+ ("is not tracked by Git"), an
// untracked flake.nix, and a path outside the source in pure evaluation.
var nixPathError = regexp.MustCompile(`No such file or directory|does not exist|is not tracked by Git|does not contain a '/flake.nix' file|forbidden in pure eval mode`)

// nixEval evaluates .#check; failed reports a missing-path failure, and any
// other failure fails the test.
func nixEval(t *testing.T, nixBin, dir string, env []string) (out string, failed bool) {
	t.Helper()
	cmd := exec.Command(nixBin, "eval", "--json", "--offline", "--no-eval-cache", "--no-write-lock-file", ".#check")
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		// Nix's warnings ("the group 'nixbld' … does not exist") are not
		// its verdict.
		var msg []string
		for _, l := range strings.Split(stderr.String(), "\n") {
			if !strings.HasPrefix(l, "warning:") {
				msg = append(msg, l)
			}
		}
		if !nixPathError.MatchString(strings.Join(msg, "\n")) {
			t.Fatalf("nix eval failed for a reason unrelated to the fixture: %v\n%s", err, stderr.String())
		}
		return stderr.String(), true
	}
	return strings.TrimSpace(stdout.String()), false
}

// lockguardCheck runs every rule, like `lockguard check`.
func lockguardCheck(t *testing.T, dir string, env []string) (*repo.Repo, []diag.Diagnostic) {
	t.Helper()
	rp, err := repo.Open(repo.Options{Dir: dir, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	res, err := checks.Run(snapshot.New(rp, config.Default()), checks.All(), checks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rp, res.Diagnostics
}

// predictsFailure: an error that says nix evaluation fails.
func predictsFailure(ds []diag.Diagnostic) bool {
	return slices.ContainsFunc(ds, func(d diag.Diagnostic) bool {
		return d.Severity == diag.Error && (d.Rule == "LG201" || d.Rule == "LG202" || d.Rule == "LG205")
	})
}

func describe(ds []diag.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n  %s:%d:%d %s [%s] %s", d.Path, d.Line, d.Column, d.Rule, d.Severity, d.Message)
	}
	if b.Len() == 0 {
		return " (no findings)"
	}
	return b.String()
}

func runFlakeFixture(t *testing.T, nixBin, file string) fixtureResult {
	fx := parseFixture(t, file)
	r := testenv.NewRepo(t)
	fx.setUp(t, r)
	env := append(testenv.NixEnv(t.TempDir(), r.Env), "CARGO_NET_OFFLINE=true")
	flakeDir := r.Path(fx.flakeDir)
	for _, op := range fx.ops {
		if op[0] == "stored" {
			storeCopy(t, nixBin, r, op[1], env)
		}
	}

	// Before the fix.
	out, failed := nixEval(t, nixBin, flakeDir, env)
	if failed != fx.nixFails {
		t.Errorf("fixture header says nix fails=%v, but nix eval fails=%v: %s", fx.nixFails, failed, out)
	}
	if fx.output != "" && !failed && out != fx.output {
		t.Errorf("nix eval printed %s, want %s", out, fx.output)
	}
	rp, ds := lockguardCheck(t, r.Dir, env)
	predicted := predictsFailure(ds)
	agree := predicted == failed
	if !agree {
		t.Errorf("before the fix: nix eval failed=%v, lockguard predicts failure=%v; nix: %s\nlockguard:%s", failed, predicted, out, describe(ds))
	}
	var got []string
	for _, d := range ds {
		if strings.HasPrefix(d.Rule, "LG2") && !slices.Contains(got, d.Rule) {
			got = append(got, d.Rule)
		}
	}
	if !rulesMatch(got, fx.expect) {
		t.Errorf("lockguard reports %v, the fixture expects %v:%s", got, fx.expect, describe(ds))
	}

	// lockguard fix, then again.
	res, err := fixers.Apply(context.Background(), rp, ds, fixers.Options{Stage: true, Env: env})
	if err != nil {
		t.Fatalf("fix: %v", err)
	}
	for _, f := range res.Failed {
		t.Logf("fix action failed (expected only where the fixture says so): %+v: %v", f.Action.Command, f.Err)
	}
	outAfter, failedAfter := nixEval(t, nixBin, flakeDir, env)
	if failedAfter != fx.afterFails {
		t.Errorf("fixture header says nix fails after the fix=%v, but it fails=%v: %s", fx.afterFails, failedAfter, outAfter)
	}
	if fx.outputAfter != "" && !failedAfter && outAfter != fx.outputAfter {
		t.Errorf("after the fix nix eval printed %s, want %s", outAfter, fx.outputAfter)
	}
	_, dsAfter := lockguardCheck(t, r.Dir, env)
	if p := predictsFailure(dsAfter); p != failedAfter {
		agree = false
		t.Errorf("after the fix: nix eval failed=%v, lockguard predicts failure=%v; nix: %s\nlockguard:%s", failedAfter, p, outAfter, describe(dsAfter))
	}
	return fixtureResult{agree: agree, nixFailed: failed, fixed: failed && !failedAfter}
}

// rulesMatch: got holds exactly one rule from each alternative set.
func rulesMatch(got []string, want [][]string) bool {
	if len(got) != len(want) {
		return false
	}
	used := make([]bool, len(got))
outer:
	for _, alts := range want {
		for i, g := range got {
			if !used[i] && slices.Contains(alts, g) {
				used[i] = true
				continue outer
			}
		}
		return false
	}
	return true
}
