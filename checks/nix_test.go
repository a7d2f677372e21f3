package checks_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/fixers"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/nix"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/ruletest"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
)

// The rule tests construct the flake analysis directly (nix.Flake values),
// so they test the rules' logic against real git repositories independently
// of the analysis; testdata/script/nix_*.txtar and the differential test run
// the whole pipeline.

const pkgToml = "[package]\nname = \"backend\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"

// ref builds a reference written in flake.nix at line 3.
func ref(kind nix.RefKind, p string) nix.Ref {
	return nix.Ref{Kind: kind, Path: p, File: "flake.nix", Line: 3, Column: 5, EndLine: 3, EndColumn: 5 + len(p) + 2, Chain: []string{"flake.nix"}, Text: "./" + p}
}

func flakeWith(refs ...nix.Ref) *nix.Flake {
	return &nix.Flake{Path: "flake.nix", Refs: refs, Files: []string{"flake.nix"}}
}

// runNix runs the selected rules (default: LG2) with the given analysis
// (nil: the real one).
func runNix(t *testing.T, r *testenv.Repo, flakes []*nix.Flake, sel ...string) []diag.Diagnostic {
	t.Helper()
	if len(sel) == 0 {
		sel = []string{"LG2"}
	}
	opts := ruletest.Options{Rules: sel}
	if flakes != nil {
		opts.Prepare = func(s *snapshot.Snapshot) { snapshot.Flakes.Preset(s, &snapshot.FlakeModel{Flakes: flakes}) }
	}
	return ruletest.Check(t, r, opts)
}

func only(t *testing.T, ds []diag.Diagnostic, rule string) diag.Diagnostic {
	t.Helper()
	var got []diag.Diagnostic
	for _, d := range ds {
		if d.Rule == rule {
			got = append(got, d)
		}
	}
	if len(got) != 1 {
		t.Fatalf("want exactly one %s, got %d: %s", rule, len(got), dump(ds))
	}
	return got[0]
}

func none(t *testing.T, ds []diag.Diagnostic) {
	t.Helper()
	if len(ds) > 0 {
		t.Fatalf("want no findings, got %s", dump(ds))
	}
}

func dump(ds []diag.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("\n  " + d.Path + ": " + d.Rule + " [" + string(d.Severity) + "] " + d.Message)
	}
	return b.String()
}

func stagePaths(d diag.Diagnostic) (paths []string, force bool) {
	if d.Fix == nil {
		return nil, false
	}
	for _, a := range d.Fix.Actions {
		if a.Kind == diag.ActionStage {
			paths = append(paths, a.Paths...)
			force = force || a.Force
		}
	}
	return paths, force
}

func baseRepo(t *testing.T) *testenv.Repo {
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{
		"flake.nix":           "{ outputs = { self }: { }; }\n",
		"backend/Cargo.toml":  pkgToml,
		"backend/src/main.rs": "fn main() {}\n",
		"data/a.txt":          "a\n",
	})
	return r
}

func TestFlakePathCommittedIsSilent(t *testing.T) {
	r := baseRepo(t)
	r.Write("backend/Cargo.lock", "version = 3\n")
	r.Commit("init")
	f := flakeWith(ref(nix.RefRead, "backend/Cargo.lock"), ref(nix.RefDirSource, "backend"), ref(nix.RefPath, ""),
		ref(nix.RefDirSource, "data"), ref(nix.RefImport, "flake.nix"))
	none(t, runNix(t, r, []*nix.Flake{f}))
}

func TestFlakePathUntracked(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	r.Write("notes.txt", "x\n")
	ds := runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefRead, "notes.txt"))})
	d := only(t, ds, "LG201")
	if d.Severity != diag.Error || d.Path != "flake.nix" || d.Line != 3 || d.Column != 5 {
		t.Errorf("got %s %s:%d:%d", d.Severity, d.Path, d.Line, d.Column)
	}
	if !strings.Contains(d.Message, "`./notes.txt` (notes.txt) is untracked") || !strings.Contains(d.Message, "does not exist") {
		t.Errorf("message: %s", d.Message)
	}
	if p, force := stagePaths(d); !slices.Equal(p, []string{"notes.txt"}) || force {
		t.Errorf("stage %v force %v", p, force)
	}
}

func TestFlakePathIntentToAddIsWarning(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	r.Write("notes.txt", "x\n")
	r.Git("add", "-N", "notes.txt")
	d := only(t, runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefRead, "notes.txt"))}), "LG201")
	if d.Severity != diag.Warning || !strings.Contains(d.Message, "intent-to-add") {
		t.Errorf("got %s: %s", d.Severity, d.Message)
	}
	if p, _ := stagePaths(d); !slices.Equal(p, []string{"notes.txt"}) {
		t.Errorf("stage %v", p)
	}
}

func TestFlakePathIgnoredNamesRule(t *testing.T) {
	r := baseRepo(t)
	r.Write(".gitignore", "target/\n*.secret\n")
	r.Commit("init")
	r.Write("keys.secret", "x\n")
	d := only(t, runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefRead, "keys.secret"))}), "LG201")
	if !strings.Contains(d.Message, `ignored by .gitignore line 2 ("*.secret")`) {
		t.Errorf("message: %s", d.Message)
	}
	if _, force := stagePaths(d); !force {
		t.Error("an ignored file must be staged only with --force")
	}
}

func TestFlakePathIgnoredDirectoryHasNoFix(t *testing.T) {
	r := baseRepo(t)
	r.Write(".gitignore", "gen/\n")
	r.Commit("init")
	r.Write("gen/x.txt", "x\n")
	d := only(t, runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefDirSource, "gen"))}), "LG201")
	if d.Fix != nil {
		t.Errorf("an ignored directory must never be force-added: %+v", d.Fix)
	}
}

func TestFlakePathDirectory(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	r.Write("newdir/x.txt", "x\n") // exists, nothing tracked under it
	r.Write("data/b.txt", "b\n")   // untracked file in a committed directory: the directory is fine
	ds := runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefDirSource, "newdir"), ref(nix.RefDirSource, "data"))})
	d := only(t, ds, "LG201")
	if !strings.Contains(d.Message, "(newdir) is untracked") {
		t.Errorf("message: %s", d.Message)
	}

	// A directory holding only intent-to-add files.
	r.Git("add", "-N", "newdir/x.txt")
	d = only(t, runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefDirSource, "newdir"))}), "LG201")
	if d.Severity != diag.Warning || !strings.Contains(d.Message, "only intent-to-add") {
		t.Errorf("got %s: %s", d.Severity, d.Message)
	}
}

func TestFlakePathOptional(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	r.Write("extra.nix", "{}\n")
	opt := func(p string) nix.Ref { x := ref(nix.RefRead, p); x.Optional = true; return x }
	ds := runNix(t, r, []*nix.Flake{flakeWith(opt("absent.txt"), opt("extra.nix"))})
	d := only(t, ds, "LG201")
	if d.Severity != diag.Warning || !strings.Contains(d.Message, "silently treats it as absent") {
		t.Errorf("got %s: %s", d.Severity, d.Message)
	}
	if slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return d.Rule == "LG202" }) {
		t.Errorf("an optional missing path must not be LG202: %s", dump(ds))
	}
}

func TestFlakePathDynamicAndAbsoluteAreSilent(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	dyn := nix.Ref{Kind: nix.RefImport, Dynamic: true, Prefix: "hosts", File: "flake.nix", Line: 1, Column: 1, Text: "./hosts/${name}.nix"}
	abs := nix.Ref{Kind: nix.RefRead, Absolute: true, File: "flake.nix", Line: 2, Column: 1, Text: "/etc/hosts"}
	none(t, runNix(t, r, []*nix.Flake{flakeWith(dyn, abs)}))
}

func TestFlakePathOutsideRepository(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	out := nix.Ref{Kind: nix.RefRead, Outside: true, File: "flake.nix", Line: 4, Column: 7, Chain: []string{"flake.nix"}, Text: "../secrets.txt"}
	d := only(t, runNix(t, r, []*nix.Flake{flakeWith(out)}), "LG201")
	if d.Fix != nil || !strings.Contains(d.Message, "outside the repository") || d.Line != 4 {
		t.Errorf("got %+v", d)
	}
}

func TestFlakePathSymlinkOutsideIsNeverStaged(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	outside := filepath.Join(t.TempDir(), "target.txt")
	if err := os.WriteFile(outside, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, r.Path("link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("data/a.txt", r.Path("inside.txt")); err != nil {
		t.Fatal(err)
	}
	ds := runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefRead, "link.txt"), ref(nix.RefRead, "inside.txt"))})
	var lg201 []diag.Diagnostic
	for _, d := range ds {
		if d.Rule == "LG201" {
			lg201 = append(lg201, d)
		}
	}
	if len(lg201) != 2 {
		t.Fatalf("got %s", dump(ds))
	}
	for _, d := range lg201 {
		switch {
		case strings.Contains(d.Message, "link.txt"):
			if d.Fix != nil || !strings.Contains(d.Message, "outside the repository") {
				t.Errorf("outside symlink: %+v", d)
			}
		case strings.Contains(d.Message, "inside.txt"):
			if d.Fix == nil {
				t.Errorf("an untracked symlink inside the repository is staged: %+v", d)
			}
		}
	}
}

func TestFlakePathSubmodule(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	head := strings.TrimSpace(r.Git("rev-parse", "HEAD"))
	r.Git("update-index", "--add", "--cacheinfo", "160000,"+head+",vendor/lib")
	f := flakeWith(ref(nix.RefRead, "vendor/lib/Cargo.lock"), ref(nix.RefDirSource, "vendor/lib"))
	ds := runNix(t, r, []*nix.Flake{f})
	if n := len(ds); n != 2 {
		t.Fatalf("want 2 LG201, got %s", dump(ds))
	}
	for _, d := range ds {
		if d.Rule != "LG201" || d.Fix != nil || !strings.Contains(d.Message, "submodule vendor/lib") {
			t.Errorf("got %+v", d)
		}
	}
	f.Submodules = true
	none(t, runNix(t, r, []*nix.Flake{f}))
}

func TestFlakePathImportChain(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	r.Write("notes.txt", "x\n")
	x := ref(nix.RefRead, "notes.txt")
	x.File, x.Chain = "nix/backend.nix", []string{"flake.nix", "nix/backend.nix"}
	d := only(t, runNix(t, r, []*nix.Flake{flakeWith(x)}), "LG201")
	if d.Path != "nix/backend.nix" || !strings.Contains(d.Message, "(reached through flake.nix → nix/backend.nix)") {
		t.Errorf("got %s: %s", d.Path, d.Message)
	}
}

func TestFlakeRefInSharedFileReportedOnce(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	r.Write("notes.txt", "x\n")
	x := ref(nix.RefRead, "notes.txt")
	x.File = "nix/common.nix"
	a, b := flakeWith(x), flakeWith(x)
	b.Path = "sub/flake.nix"
	only(t, runNix(t, r, []*nix.Flake{a, b}), "LG201")
}

func TestFlakePathMissing(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	ds := runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefRead, "config.json"))})
	d := only(t, ds, "LG202")
	if d.Fix != nil || !strings.Contains(d.Message, "config.json, which does not exist") {
		t.Errorf("got %+v", d)
	}
}

func TestFlakePathMissingCargoLockSharesLG101Fix(t *testing.T) {
	testenv.Tool(t, "git")
	r := baseRepo(t)
	r.Commit("init")
	f := flakeWith(ref(nix.RefRead, "backend/Cargo.lock"), ref(nix.RefDirSource, "backend"))
	ds := runNix(t, r, []*nix.Flake{f}, "LG101", "LG2")
	// A lock that exists nowhere is LG101's (and LG202's, as it is read),
	// not LG204's: nothing is silently dropped.
	lg202, lg101 := only(t, ds, "LG202"), only(t, ds, "LG101")
	if slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return d.Rule == "LG204" }) {
		t.Errorf("LG204 for a lock that does not exist: %s", dump(ds))
	}
	if lg202.Fix == nil || lg101.Fix == nil {
		t.Fatalf("missing fixes: %s", dump(ds))
	}
	if !slices.EqualFunc(lg202.Fix.Actions, lg101.Fix.Actions, actionEqual) {
		t.Errorf("actions differ:\nLG101 %+v\nLG202 %+v", lg101.Fix.Actions, lg202.Fix.Actions)
	}
	rp, err := repo.Open(repo.Options{Dir: r.Dir, Env: r.Env})
	if err != nil {
		t.Fatal(err)
	}
	res, err := fixers.Apply(context.Background(), rp, ds, fixers.Options{DryRun: true, Stage: true})
	if err != nil {
		t.Fatal(err)
	}
	var gen, add int
	for _, c := range res.Commands {
		gen += strings.Count(c, "cargo generate-lockfile")
		add += strings.Count(c, "git add")
	}
	if gen != 1 || add != 1 {
		t.Errorf("want one generate and one git add, got %q", res.Commands)
	}
}

func actionEqual(a, b diag.Action) bool {
	return a.Kind == b.Kind && a.Dir == b.Dir && slices.Equal(a.Command, b.Command) && slices.Equal(a.Paths, b.Paths) &&
		slices.Equal(a.Outputs, b.Outputs) && a.Force == b.Force && slices.Equal(a.Fallback, b.Fallback)
}

func TestFlakePathDeleted(t *testing.T) {
	r := baseRepo(t)
	r.Write("notes.txt", "x\n")
	r.Commit("init")
	r.Remove("notes.txt")
	d := only(t, runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefRead, "notes.txt"))}), "LG202")
	if !strings.Contains(d.Message, "tracked but deleted") {
		t.Errorf("message: %s", d.Message)
	}
}

func TestFlakeLockUncommitted(t *testing.T) {
	r := baseRepo(t)
	r.Write("flake.nix", "{\n  inputs.sub.url = \"path:./sub\";\n  outputs = { self, sub }: { };\n}\n")
	r.Commit("init")
	f := flakeWith()
	f.HasInputs = true

	d := only(t, runNix(t, r, []*nix.Flake{f}), "LG203")
	if d.Line != 2 || d.Column != 3 || d.Fix == nil {
		t.Fatalf("got %+v", d)
	}
	run := d.Fix.Actions[0]
	if run.Kind != diag.ActionRun || !slices.Contains(run.Command, "lock") || !slices.Equal(run.Outputs, []string{"flake.lock"}) {
		t.Errorf("run %+v", run)
	}

	r.Write("flake.lock", "{}\n")
	d = only(t, runNix(t, r, []*nix.Flake{f}), "LG203")
	if p, _ := stagePaths(d); !slices.Equal(p, []string{"flake.lock"}) || d.Fix.Actions[0].Kind != diag.ActionStage {
		t.Errorf("got %+v", d.Fix)
	}

	r.Git("add", "-N", "flake.lock")
	if d := only(t, runNix(t, r, []*nix.Flake{f}), "LG203"); d.Severity != diag.Warning {
		t.Errorf("intent-to-add flake.lock: %s", d.Severity)
	}

	r.Commit("lock")
	none(t, runNix(t, r, []*nix.Flake{f}))
	f.HasInputs = false
	r.Remove("flake.lock")
	r.Commit("no lock")
	none(t, runNix(t, r, []*nix.Flake{f}))
}

func TestFlakeSourceLockUncommitted(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	r.Write("backend/Cargo.lock", "version = 3\n")
	src := ref(nix.RefDirSource, "backend")
	d := only(t, runNix(t, r, []*nix.Flake{flakeWith(src)}), "LG204")
	if !strings.Contains(d.Message, "Missing Cargo.lock from src") || d.Line != 3 {
		t.Errorf("got %+v", d)
	}
	if p, _ := stagePaths(d); !slices.Equal(p, []string{"backend/Cargo.lock"}) {
		t.Errorf("stage %v", p)
	}
	// The whole repository as source holds backend/ but builds no Cargo
	// root at its top (backend/ is not a workspace member): the build does
	// not use backend's lock. An unrelated directory does not hold it.
	none(t, runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefDirSource, ""))}))
	none(t, runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefDirSource, "data"), ref(nix.RefRead, "backend/Cargo.toml"))}))

	r.Git("add", "-N", "backend/Cargo.lock")
	if d := only(t, runNix(t, r, []*nix.Flake{flakeWith(src)}), "LG204"); d.Severity != diag.Warning {
		t.Errorf("intent-to-add: %s", d.Severity)
	}
	r.Commit("lock")
	none(t, runNix(t, r, []*nix.Flake{flakeWith(src)}))
}

func TestFlakeUncommittedImport(t *testing.T) {
	r := baseRepo(t)
	r.Commit("init")
	r.Write("nix/backend.nix", "{}\n")
	r.Write("nix/inner.nix", "{}\n")
	imp := ref(nix.RefImport, "nix/backend.nix")
	inner := ref(nix.RefImport, "nix/inner.nix")
	inner.File, inner.Chain = "nix/backend.nix", []string{"flake.nix", "nix/backend.nix"}
	ds := runNix(t, r, []*nix.Flake{flakeWith(imp, inner)})
	if len(ds) != 2 || ds[0].Rule != "LG205" || ds[1].Rule != "LG205" {
		t.Fatalf("got %s", dump(ds))
	}
	if !strings.Contains(ds[1].Message, "reached through flake.nix → nix/backend.nix") {
		t.Errorf("chain: %s", ds[1].Message)
	}
	// A missing import is LG202, not LG205.
	d := only(t, runNix(t, r, []*nix.Flake{flakeWith(ref(nix.RefImport, "nix/gone.nix"))}), "LG202")
	if d.Fix != nil {
		t.Errorf("fix %+v", d.Fix)
	}
}

// TestFlakeDirectoryEntryFiles: a committed directory used as a flake input
// needs its flake.nix tracked, and an imported directory its default.nix;
// both are LG205 (the input's flake.nix is found because the input names
// it), never also LG201.
func TestFlakeDirectoryEntryFiles(t *testing.T) {
	r := baseRepo(t)
	r.WriteFiles(map[string]string{
		"flake.nix":     "{\n  inputs.sub.url = \"path:./sub\";\n  outputs = { self, sub }: { four = import ./pkgs; };\n}\n",
		"sub/README.md": "x\n", "pkgs/four.nix": "4\n",
	})
	r.Commit("init")
	r.WriteFiles(map[string]string{"sub/flake.nix": "{ outputs = { self }: { }; }\n", "pkgs/default.nix": "import ./four.nix\n"})
	ds := runNix(t, r, nil, "LG201", "LG205")
	var got []string
	for _, d := range ds {
		p, _ := stagePaths(d)
		got = append(got, fmt.Sprintf("%s %s %v", d.Rule, d.Path, p))
	}
	want := []string{"LG205 flake.nix [pkgs/default.nix]", "LG205 sub/flake.nix [sub/flake.nix]"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q%s", got, want, dump(ds))
	}
	r.Commit("all")
	none(t, runNix(t, r, nil, "LG201", "LG205"))
}

// TestFlakeDiscovery uses the real loader: tracked flakes, and untracked
// flake.nix files only at the root, next to tracked Cargo.toml files, and
// in tracked directories something names as a flake (here a script).
func TestFlakeDiscovery(t *testing.T) {
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{
		"backend/Cargo.toml":  pkgToml,
		"backend/src/main.rs": "fn main() {}\n",
		"tracked/flake.nix":   "{ outputs = { self }: { }; }\n",
		"ita/flake.nix":       "{ outputs = { self }: { }; }\n",
		"used/README.md":      "x\n",
		"unused/README.md":    "x\n",
		"ci.sh":               "cd used && nix build .#x\nnix build ./unused/more#y\n",
	})
	r.Commit("init")
	r.WriteFiles(map[string]string{
		"ita/flake.nix":       "{ outputs = { self }: { }; }\n",
		"flake.nix":           "{ outputs = { self }: { }; }\n",
		"backend/flake.nix":   "{ outputs = { self }: { }; }\n",
		"elsewhere/flake.nix": "{ outputs = { self }: { }; }\n",
		"used/flake.nix":      "{ outputs = { self }: { }; }\n",
		"unused/flake.nix":    "{ outputs = { self }: { }; }\n",
	})
	r.Git("rm", "-q", "--cached", "ita/flake.nix")
	r.Git("add", "-N", "ita/flake.nix")
	ds := runNix(t, r, nil, "LG205")
	var got []string
	for _, d := range ds {
		got = append(got, d.Path+" "+string(d.Severity))
	}
	want := []string{"backend/flake.nix error", "flake.nix error", "ita/flake.nix warning", "used/flake.nix error"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q%s", got, want, dump(ds))
	}
}

// TestFlakeParseErrorKeepsOthers: an unparsable flake is LG901 with its
// position, and the other flakes are still analysed.
func TestFlakeParseErrorKeepsOthers(t *testing.T) {
	var s *snapshot.Snapshot
	ruletest.RunArchive(t, t.Name(), []byte(`
-- a/flake.nix --
{
  outputs = { self }: {
    x = ; # want LG901
  };
}
-- b/flake.nix --
{ outputs = { self }: { }; }
`), ruletest.Options{Rules: []string{"LG901"}, Prepare: func(x *snapshot.Snapshot) { s = x }})
	if fl := s.Flakes().Flakes; len(fl) != 2 || fl[1].Path != "b/flake.nix" {
		t.Errorf("flakes: %+v", fl)
	}
}

// TestFlakeLockPolicy: the missing-lock policy and freshness on real
// analyses of small repositories (no nix needed).
func TestFlakeLockPolicy(t *testing.T) {
	lock := `{"nodes":{"root":{"inputs":{"a":"a"}},"a":{}},"root":"root","version":7}`
	tests := []struct {
		name  string
		files map[string]string
		want  string // "" for no LG203, else a substring of its message
	}{
		{"implicit input missing from the lock", map[string]string{
			"flake.nix": "{ outputs = { self, nixpkgs }: { }; }", "flake.lock": lock}, "lacks the input 'nixpkgs'"},
		{"declared and implicit inputs in the lock", map[string]string{
			"flake.nix": "{ inputs.a.url = \"github:x/a\"; outputs = { self, a }: { }; }", "flake.lock": lock}, ""},
		{"placeholder input is not expected in the lock", map[string]string{
			"flake.nix": "{ inputs.a.url = \"github:x/a\"; inputs.ph = { }; outputs = { self, a, ph }: { }; }", "flake.lock": lock}, ""},
		{"root flake without a lock", map[string]string{
			"flake.nix": "{ inputs.a.url = \"github:x/a\"; outputs = { self, a }: { }; }"}, "has no flake.lock"},
		{"subdirectory flake without a lock, nothing needs it", map[string]string{
			"flake.nix": "{ outputs = { self }: { }; }", "examples/x/flake.nix": "{ inputs.a.url = \"github:x/a\"; outputs = { self, a }: { }; }",
			".github/workflows/ci.yml": "jobs:\n  x:\n    steps:\n      - run: nix flake check ./examples/x\n"}, ""},
		{"subdirectory flake whose lock CI requires", map[string]string{
			"flake.nix": "{ outputs = { self }: { }; }", "examples/x/flake.nix": "{ inputs.a.url = \"github:x/a\"; outputs = { self, a }: { }; }",
			".github/workflows/ci.yml": "jobs:\n  x:\n    steps:\n      - run: nix flake check --no-update-lock-file ./examples/x\n"}, ".github/workflows/ci.yml line 4 runs nix with --no-update-lock-file"},
		{"template exposed by the root flake", map[string]string{
			"flake.nix": "{ outputs = { self }: { templates.default.path = ./tpl; }; }", "tpl/flake.nix": "{ inputs.a.url = \"github:x/a\"; outputs = { self, a }: { }; }"}, ""},
		{"root flake whose lock is ignored on purpose", map[string]string{
			"flake.nix": "{ inputs.a.url = \"github:x/a\"; outputs = { self, a }: { }; }", ".gitignore": "flake.lock\n"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := testenv.NewRepo(t)
			r.WriteFiles(tc.files)
			r.Commit("init")
			ds := runNix(t, r, nil, "LG203")
			if tc.want == "" {
				none(t, ds)
				return
			}
			if d := only(t, ds, "LG203"); !strings.Contains(d.Message, tc.want) || d.Severity != diag.Error {
				t.Errorf("got %s %s", d.Severity, d.Message)
			}
		})
	}
}
