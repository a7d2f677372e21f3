package fixers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/testenv"
)

func TestWriteFileAtomicKeepsMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "run.sh")
	if err := os.WriteFile(p, []byte("old"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("new"), 0o755); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestUnifiedDiff(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nG\nh\ni\nj\n"
	updated := "a\nb\nc\nD\ne\nf\ng\nG\nh\ni\nj\nk\n"
	want := `--- a/x.txt
+++ b/x.txt
@@ -1,7 +1,7 @@
 a
 b
 c
-d
+D
 e
 f
 g
@@ -9,3 +9,4 @@
 h
 i
 j
+k
`
	if got := UnifiedDiff("x.txt", old, updated); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := UnifiedDiff("new", "", "x\n"); got != "--- /dev/null\n+++ b/new\n@@ -0,0 +1 @@\n+x\n" {
		t.Fatalf("new file diff:\n%s", got)
	}
	if UnifiedDiff("x", "same", "same") != "" {
		t.Fatal("equal files must give no diff")
	}
	// git apply accepts what we print.
	testenv.Tool(t, "git")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.txt"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "apply", "-")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(want)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s", err, out)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "x.txt")); string(data) != updated {
		t.Fatalf("after git apply: %q", data)
	}
}

func TestPlanDeduplicates(t *testing.T) {
	run := diag.Action{Kind: diag.ActionRun, Command: []string{"cargo", "generate-lockfile"}, Dir: "b", Outputs: []string{"b/Cargo.lock"}}
	stage := diag.Action{Kind: diag.ActionStage, Paths: []string{"b/Cargo.lock"}}
	fix := &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{run, stage}}
	unsafe := &diag.Fix{Applicability: diag.Unsafe, Actions: []diag.Action{{Kind: diag.ActionEdit, Path: "Dockerfile", Edits: []diag.TextEdit{{Start: 0, End: 0, NewText: "x"}}}}}
	forced := &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{{Kind: diag.ActionStage, Paths: []string{"i/Cargo.lock"}, Force: true, ForceReason: "i/Cargo.lock is ignored by .gitignore line 1"}}}
	ds := []diag.Diagnostic{{Rule: "LG101", Fix: fix}, {Rule: "LG202", Fix: fix}, {Rule: "LG301", Fix: unsafe}, {Rule: "LG102", Fix: forced}, {Rule: "LG901"}}
	p := plan(ds, Options{})
	if len(p.runs) != 1 || len(p.stages) != 1 || len(p.edits) != 0 || len(p.skipped) != 2 {
		t.Fatalf("plan: %+v", p)
	}
	if !strings.Contains(p.skipped[0].Reason, "--unsafe-fixes") || !strings.Contains(p.skipped[1].Reason, ".gitignore line 1") {
		t.Fatalf("skip reasons: %+v", p.skipped)
	}
	p = plan(ds, Options{Unsafe: true, Force: true})
	if len(p.runs) != 1 || len(p.stages) != 2 || len(p.edits) != 1 || len(p.skipped) != 0 || !p.stages[1].force {
		t.Fatalf("plan with --unsafe-fixes --force: %+v", p)
	}
}

// Overlapping fixes: the first is planned, a fix overlapping it is deferred
// whole to the next round, an identical edit is shared, and a later round
// never plans an action an earlier one took.
func TestPlanDefersOverlappingFixes(t *testing.T) {
	edit := func(es ...diag.TextEdit) *diag.Fix {
		return &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{{Kind: diag.ActionEdit, Path: "Dockerfile", Edits: es}, {Kind: diag.ActionStage, Paths: []string{"Dockerfile"}}}}
	}
	insert := diag.TextEdit{Start: 7, End: 7, NewText: " --flag"}
	ds := []diag.Diagnostic{
		{Rule: "LG402", Fix: edit(insert)},
		{Rule: "LG402", Path: "again", Fix: edit(insert)},                                    // identical: shared
		{Rule: "LG401", Fix: edit(diag.TextEdit{Start: 4, End: 20, NewText: "nix develop"})}, // contains the insert
		{Rule: "LG999", Fix: edit(diag.TextEdit{Start: 7, End: 9, NewText: "x"})},            // starts at the insert
		{Rule: "LG998", Fix: edit(diag.TextEdit{Start: 20, End: 22, NewText: "y"})},          // elsewhere
	}
	rounds := NewRounds()
	p := plan(ds, Options{Rounds: rounds})
	var applied, deferred []string
	for _, d := range p.applied {
		applied = append(applied, d.Rule)
	}
	for _, d := range p.deferred {
		deferred = append(deferred, d.Rule)
	}
	if strings.Join(applied, " ") != "LG402 LG402 LG998" || strings.Join(deferred, " ") != "LG401 LG999" {
		t.Fatalf("applied %v, deferred %v", applied, deferred)
	}
	if len(p.edits) != 1 || len(p.edits[0].edits) != 2 {
		t.Fatalf("edits: %+v", p.edits)
	}
	if n := Pending(ds[:2], Options{Rounds: rounds}); n != 0 {
		t.Fatalf("Pending after the round = %d, want 0 (already planned)", n)
	}
	if n := Pending(ds, Options{Rounds: rounds}); n != 2 {
		t.Fatalf("Pending = %d, want the 2 deferred", n)
	}
	if p := plan(ds[:2], Options{Rounds: rounds}); len(p.applied) != 0 || len(p.edits) != 0 {
		t.Fatalf("second round re-planned: %+v", p)
	}
}

func openRepo(t *testing.T, r *testenv.Repo) *repo.Repo {
	t.Helper()
	rp, err := repo.Open(repo.Options{Dir: r.Dir, Env: r.Env})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

// A failed generator leaves no partial output and restores what was there.
func TestFailedCommandRestoresOutputs(t *testing.T) {
	testenv.Tool(t, "sh")
	r := testenv.NewRepo(t)
	r.Write("a/keep.lock", "original\n")
	r.Commit("init")
	rp := openRepo(t, r)
	ds := []diag.Diagnostic{{Rule: "LG101", Fix: &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{
		{Kind: diag.ActionRun, Command: []string{"sh", "-c", "echo partial > new.lock; echo clobbered > keep.lock; echo boom >&2; exit 3"}, Dir: "a", Outputs: []string{"a/new.lock", "a/keep.lock"}},
		{Kind: diag.ActionStage, Paths: []string{"a/new.lock"}},
	}}}}
	var out bytes.Buffer
	res, err := Apply(context.Background(), rp, ds, Options{Stage: true, Out: &out, Env: r.Env})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "boom") {
		t.Fatalf("failure not reported with the command's output: %+v", res.Failed)
	}
	if _, err := os.Stat(r.Path("a/new.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("partial output left behind: %v", err)
	}
	if data, _ := os.ReadFile(r.Path("a/keep.lock")); string(data) != "original\n" {
		t.Fatalf("existing file not restored: %q", data)
	}
	if len(res.Staged) != 0 || strings.Contains(out.String(), "git add") {
		t.Fatalf("staged after a failure: %v\n%s", res.Staged, out.String())
	}
	if !strings.Contains(out.String(), "$ (cd a && sh -c ") {
		t.Fatalf("command not printed before it ran:\n%s", out.String())
	}
}

// A missing tool with no fallback gives an error naming what to do.
func TestMissingTool(t *testing.T) {
	r := testenv.NewRepo(t)
	r.Commit("init")
	rp := openRepo(t, r)
	noTools := func(string) (string, error) { return "", exec.ErrNotFound }
	act := diag.Action{Kind: diag.ActionRun, Command: []string{"cargo", "generate-lockfile"}, Dir: "b",
		Fallback: []string{"nix", "develop", "--command", "cargo", "generate-lockfile"}}
	ds := []diag.Diagnostic{{Fix: &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{act}}}}
	res, err := Apply(context.Background(), rp, ds, Options{LookPath: noTools})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 1 || !errors.Is(res.Failed[0].Err, ErrNoTool) ||
		!strings.Contains(res.Failed[0].Err.Error(), "neither cargo nor nix is on PATH") {
		t.Fatalf("got %+v", res.Failed)
	}
}

// Edits are written atomically and keep the file mode; --diff writes nothing.
func TestEditAndDiff(t *testing.T) {
	r := testenv.NewRepo(t)
	r.Write(".dockerignore", "target\n")
	if err := os.Chmod(r.Path(".dockerignore"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.Commit("init")
	rp := openRepo(t, r)
	ds := []diag.Diagnostic{{Fix: &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{
		{Kind: diag.ActionEdit, Path: ".dockerignore", Edits: []diag.TextEdit{{Start: 7, End: 7, NewText: "Cargo.lock\n"}}},
	}}}}
	var out bytes.Buffer
	if _, err := Apply(context.Background(), rp, ds, Options{Diff: true, Out: &out}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(r.Path(".dockerignore")); string(data) != "target\n" {
		t.Fatalf("--diff wrote the file: %q", data)
	}
	if !strings.Contains(out.String(), "+Cargo.lock") {
		t.Fatalf("diff: %s", out.String())
	}
	res, err := Apply(context.Background(), rp, ds, Options{Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(r.Path(".dockerignore")); string(data) != "target\nCargo.lock\n" {
		t.Fatalf("edit: %q", data)
	}
	if fi, _ := os.Stat(r.Path(".dockerignore")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode not kept: %v", fi.Mode())
	}
	if len(res.Changed) != 1 || res.Changed[0] != ".dockerignore" {
		t.Fatalf("changed: %v", res.Changed)
	}
}

// With staging on, an edited file is staged when it had no unstaged changes
// before the fix (or the fix created it), and left unstaged otherwise.
func TestEditStagesOnlyCleanFiles(t *testing.T) {
	r := testenv.NewRepo(t)
	r.Write("clean/Dockerfile", "FROM x\nRUN nix build\n")
	r.Write("dirty/Dockerfile", "FROM x\nRUN nix build\n")
	r.Commit("init")
	r.Write("dirty/Dockerfile", "FROM x\nRUN nix build\n# unstaged work\n")
	rp := openRepo(t, r)
	edit := func(p string) diag.Diagnostic {
		return diag.Diagnostic{Fix: &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{
			{Kind: diag.ActionEdit, Path: p, Edits: []diag.TextEdit{{Start: 11, End: 11, NewText: "--flag "}}},
		}}}
	}
	create := diag.Diagnostic{Fix: &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{
		{Kind: diag.ActionEdit, Path: ".dockerignore", Edits: []diag.TextEdit{{Start: 0, End: 0, NewText: "Cargo.lock\n"}}},
	}}}
	var out bytes.Buffer
	res, err := Apply(context.Background(), rp, []diag.Diagnostic{edit("clean/Dockerfile"), edit("dirty/Dockerfile"), create}, Options{Stage: true, Out: &out, Env: r.Env})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Staged, " ") != "clean/Dockerfile .dockerignore" {
		t.Fatalf("staged %v, want the clean file and the created one\n%s", res.Staged, out.String())
	}
	status := r.Git("status", "--porcelain")
	for _, want := range []string{"M  clean/Dockerfile", " M dirty/Dockerfile", "A  .dockerignore"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
}

// An edit computed against other content (Base differs) is refused, and the
// file is left alone.
func TestEditRefusesChangedBase(t *testing.T) {
	r := testenv.NewRepo(t)
	r.Write("Dockerfile", "FROM x\nRUN nix build\n")
	r.Commit("init")
	rp := openRepo(t, r)
	seen := []byte("FROM y\nRUN nix build\n") // what the rule read (say, the staged content)
	ds := []diag.Diagnostic{{Fix: &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{
		{Kind: diag.ActionEdit, Path: "Dockerfile", Base: diag.BlobHash(seen), Edits: []diag.TextEdit{{Start: 11, End: 11, NewText: "--flag "}}},
	}}}}
	res, err := Apply(context.Background(), rp, ds, Options{Stage: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "changed since it was checked") {
		t.Fatalf("failed: %+v", res.Failed)
	}
	if data, _ := os.ReadFile(r.Path("Dockerfile")); string(data) != "FROM x\nRUN nix build\n" {
		t.Fatalf("file was edited: %q", data)
	}
	// The matching base applies.
	ds[0].Fix.Actions[0].Base = diag.BlobHash([]byte("FROM x\nRUN nix build\n"))
	if res, err := Apply(context.Background(), rp, ds, Options{}); err != nil || len(res.Failed) != 0 || len(res.Changed) != 1 {
		t.Fatalf("matching base: %+v %v", res, err)
	}
}

// A dry run prints its plan in the order of the findings, the same every
// time, however many roots it spans.
func TestDryRunPlanIsDeterministic(t *testing.T) {
	r := testenv.NewRepo(t)
	r.Write("README", "x\n")
	r.Git("add", "README")
	r.Git("commit", "-q", "-m", "init")
	rp := openRepo(t, r)
	var ds []diag.Diagnostic
	var want []string
	for i := range 30 {
		dir := fmt.Sprintf("crate%02d", i)
		ds = append(ds, diag.Diagnostic{Rule: "LG101", Path: dir + "/Cargo.toml", Fix: &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{
			{Kind: diag.ActionRun, Command: []string{"cargo", "generate-lockfile"}, Dir: dir, Outputs: []string{dir + "/Cargo.lock"}},
		}}})
		want = append(want, "$ (cd "+dir+" && cargo generate-lockfile)")
	}
	found := func(string) (string, error) { return "/bin/true", nil }
	for range 5 {
		res, err := Apply(context.Background(), rp, ds, Options{DryRun: true, LookPath: found})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Commands, want) {
			t.Fatalf("plan order:\n%s\nwant\n%s", strings.Join(res.Commands, "\n"), strings.Join(want, "\n"))
		}
	}
}
