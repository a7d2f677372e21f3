package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/nix"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
)

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func outputs() nix.Outputs {
	return nix.Outputs{Packages: set("server"), LegacyPackages: set(), DevShells: set("default"), Apps: set("tool"),
		TopLevel: set("packages", "devShells", "apps", "lib"), Complete: true}
}

func TestNixCmdLacksOutput(t *testing.T) {
	o := outputs()
	for _, tc := range []struct {
		sub, attr string
		has       bool
		lacks     bool
	}{
		{"build", "backend", true, true},
		{"build", "server", true, false},
		{"build", "server.passthru", true, false},
		{"build", "lib", true, false},                            // top-level attribute
		{"build", "packages.x86_64-linux.server", true, false},   // full path through the top level
		{"build", "packages.x86_64-linux.backend", true, true},   // full path, missing name
		{"build", ".packages.x86_64-linux.server", true, false},  // exact path
		{"build", ".backend", true, true},                        // exact path, no prefixes tried
		{"build", "", false, true},                               // default: no packages.default
		{"build", "", true, true},                                // ".#" is the default too
		{"run", "tool", true, false},                             // apps first for run
		{"build", "tool", true, true},                            // but not for build
		{"build", "server^out", true, false},                     // output selection
		{"run", "", false, true},                                 // no apps.default
		{"build", "devShells.x86_64-linux.default", true, false}, // builds (pointlessly), but exists
		{"build", "devShells.x86_64-linux.backend", true, true},  // missing
		{"build", "${pkg}", true, false},                         // unknown: never reported
		{"build", `"quoted.name"`, true, false},                  // unknown
	} {
		_, lacks, ok := lacksOutput(o, tc.sub, tc.attr, tc.has)
		if ok && lacks != tc.lacks || !ok && tc.lacks {
			t.Errorf("nix %s %q (has %v): lacks %v ok %v, want %v", tc.sub, tc.attr, tc.has, lacks, ok, tc.lacks)
		}
	}
	o.Packages["default"] = true
	if _, lacks, _ := lacksOutput(o, "build", "", false); lacks {
		t.Error("packages.default (or defaultPackage) is the default")
	}
	o.Apps["default"] = true
	delete(o.Packages, "default")
	if _, lacks, _ := lacksOutput(o, "run", "", false); lacks {
		t.Error("apps.default is nix run's default")
	}
}

func TestNixCmdRelPath(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"/build", "/build/backend", "backend"},
		{"/build", "/build", "."},
		{"/build/a", "/build/backend", "../backend"},
		{"/", "/x/y", "x/y"},
		{"/build", "/build/has space", ""},
	} {
		got, ok := snapshot.RelPath(tc.from, tc.to)
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("snapshot.RelPath(%q, %q) = %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestNixCmdKeptOptions(t *testing.T) {
	cmds, err := dockerfile.AnalyzeScript(`sudo nix --extra-experimental-features "nix-command flakes" -L build --option experimental-features 'nix-command flakes' .#x --out-link r`, "/", 1)
	if err != nil || len(cmds) != 1 {
		t.Fatal(err, cmds)
	}
	idx, words := snapshot.NixRawWords(cmds[0])
	if idx != 1 || words[0] != "nix" {
		t.Fatalf("nix word at %d: %q", idx, words)
	}
	raw, args := snapshot.KeptNixOptions(cmds[0], idx)
	got := strings.Join(raw, " ")
	if want := []string{"--extra-experimental-features", "nix-command flakes", "-L", "--option", "experimental-features", "nix-command flakes"}; !slices.Equal(args, want) {
		t.Errorf("kept argv %q, want %q", args, want)
	}
	want := `--extra-experimental-features "nix-command flakes" -L --option experimental-features 'nix-command flakes'`
	if got != want {
		t.Errorf("kept %s, want %s", got, want)
	}
}

func TestNixCmdMatchWords(t *testing.T) {
	src := []byte("RUN nix build \\\n    .#backend -L && echo")
	end, ok := snapshot.MatchWords(src, 4, []string{"nix", "build", ".#backend", "-L"})
	if !ok || string(src[4:end]) != "nix build \\\n    .#backend -L" {
		t.Errorf("matchWords: %v %q", ok, src[4:end])
	}
	if _, ok := snapshot.MatchWords(src, 4, []string{"nix", "develop"}); ok {
		t.Error("matched a word that is not there")
	}
}

// withFlakes runs rules on a repository whose flake analysis is replaced
// by the given flakes.
func withFlakes(t testing.TB, r *testenv.Repo, flakes []*nix.Flake, rules ...*Rule) []diag.Diagnostic {
	t.Helper()
	rp, err := repo.Open(repo.Options{Dir: r.Dir, Env: r.Env})
	if err != nil {
		t.Fatal(err)
	}
	snap := snapshot.New(rp, nil)
	snapshot.Flakes.Preset(snap, &snapshot.FlakeModel{Flakes: flakes})
	res, err := Run(snap, rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Diagnostics
}

func TestNixCmdLG401ConstructedFlakes(t *testing.T) {
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{
		"sub/flake.nix":   "{ }\n",
		"sub/Makefile":    "build:\n\tnix build .#backend\n",
		"Dockerfile":      "FROM nixos/nix\nWORKDIR /src\nCOPY . .\nRUN nix build '.?dir=sub#backend'\n",
		"run.sh":          "cd sub\nnix build path:.#backend\n",
		"other/script.sh": "nix build ./sub#backend\n",
	})
	r.Commit("init")
	flake := func(o nix.Outputs) []*nix.Flake {
		return []*nix.Flake{{Path: "sub/flake.nix", Dir: "sub", Outputs: o}}
	}
	ds := withFlakes(t, r, flake(outputs()), NixBuildMissingOutput)
	var at []string
	for _, d := range ds {
		at = append(at, d.Path)
	}
	// other/script.sh: from the root ./sub is the flake; from other/ it is
	// other/sub, which does not exist: the one flake found is reported.
	if want := []string{"Dockerfile", "other/script.sh", "run.sh", "sub/Makefile"}; !slices.Equal(at, want) {
		t.Errorf("LG401 on %v, want %v", at, want)
	}

	o := outputs()
	o.Complete = false
	if ds := withFlakes(t, r, flake(o), NixBuildMissingOutput); len(ds) != 0 {
		t.Errorf("incomplete outputs reported: %v", ds)
	}
	o = outputs()
	o.DevShells = set()
	if ds := withFlakes(t, r, flake(o), NixBuildMissingOutput); len(ds) != 0 {
		t.Errorf("a flake without dev shells reported: %v", ds)
	}
	for _, where := range []string{"packages", "legacy", "top"} {
		o = outputs()
		switch where {
		case "packages":
			o.Packages["backend"] = true
		case "legacy":
			o.LegacyPackages["backend"] = true
		case "top":
			o.TopLevel["backend"] = true
		}
		if ds := withFlakes(t, r, flake(o), NixBuildMissingOutput); len(ds) != 0 {
			t.Errorf("backend in %s reported: %v", where, ds)
		}
	}
}

func TestNixCmdLG302ConstructedFlake(t *testing.T) {
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{
		"flake.nix":          "{ }\n",
		"backend/Cargo.toml": "[package]\nname = \"backend\"\nversion = \"0.1.0\"\n",
		"Dockerfile":         "FROM nixos/nix\nWORKDIR /src\nCOPY ./ /src\nRUN cd backend && cargo generate-lockfile\nRUN echo x > notes.txt\nRUN nix eval .#x\nRUN rm -rf /src/.git\nRUN nix build .#x\n",
	})
	r.Commit("init")
	src := nix.Ref{Kind: nix.RefDirSource, Path: "backend", File: "flake.nix", Line: 1, Column: 1, Chain: []string{"flake.nix"}, Text: "./backend"}
	flakes := []*nix.Flake{{Path: "flake.nix", Dir: "", Refs: []nix.Ref{src}, Outputs: outputs()}}
	ds := withFlakes(t, r, flakes, DockerNixUntrackedFile)
	if len(ds) != 1 {
		t.Fatalf("want one LG302 (nix eval; not nix build after rm -rf .git), got %v", ds)
	}
	d := ds[0]
	if d.Line != 6 || !strings.Contains(d.Message, "backend/Cargo.lock is not tracked there: the RUN at line 4 generated it") ||
		!strings.Contains(d.Message, "Nix leaves it out of the source `./backend`, and the build fails with \"Missing Cargo.lock from src\"") || d.Fix != nil {
		t.Errorf("LG302: %d %s (fix %v)", d.Line, d.Message, d.Fix)
	}
	// notes.txt is generated too, but the flake does not reference it.
	if strings.Contains(d.Message, "notes.txt") {
		t.Error(d.Message)
	}
}
