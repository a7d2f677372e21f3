package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/nix"
	"github.com/lockguard/lockguard/internal/repo"
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
		got, ok := relPath(tc.from, tc.to)
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("relPath(%q, %q) = %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestNixCmdKeptOptions(t *testing.T) {
	cmds, err := dockerfile.AnalyzeScript(`sudo nix --extra-experimental-features "nix-command flakes" -L build --option experimental-features 'nix-command flakes' .#x --out-link r`, "/", 1)
	if err != nil || len(cmds) != 1 {
		t.Fatal(err, cmds)
	}
	idx, words := nixRawWords(cmds[0])
	if idx != 1 || words[0] != "nix" {
		t.Fatalf("nix word at %d: %q", idx, words)
	}
	raw, args := keptNixOptions(cmds[0], idx)
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
	end, ok := matchWords(src, 4, []string{"nix", "build", ".#backend", "-L"})
	if !ok || string(src[4:end]) != "nix build \\\n    .#backend -L" {
		t.Errorf("matchWords: %v %q", ok, src[4:end])
	}
	if _, ok := matchWords(src, 4, []string{"nix", "develop"}); ok {
		t.Error("matched a word that is not there")
	}
}

func TestNixCmdScanners(t *testing.T) {
	mk := "VAR := x\n.PHONY: a\na: b\n\t@echo $(VAR)\n\t-nix build .#x \\\n\t  -L\n\nb:\n\tcd sub && nix build\nc = d\n\tnot a recipe\n"
	got := scanMakefile("dir/Makefile", []byte(mk))
	if len(got) != 3 || got[1].line != 5 || got[1].text != "nix build .#x \\\n  -L" || got[2].line != 9 || got[0].dirs[0] != "dir" {
		t.Errorf("Makefile pieces: %+v", got)
	}
	if !strings.Contains(got[0].text, "$__make") {
		t.Errorf("make variables are not made dynamic: %q", got[0].text)
	}

	just := "set shell := [\"bash\", \"-c\"]\nx := \"1\"\n# comment\n@build target:\n    @nix build .#{{target}}\n    nix build .#server\n\n[private]\nother:\n\tnix run\n"
	got = scanJustfile("justfile", []byte(just))
	if len(got) != 3 || got[0].line != 5 || got[1].text != "nix build .#server" || got[2].line != 10 {
		t.Errorf("justfile pieces: %+v", got)
	}
	if strings.Contains(got[0].text, "{{") {
		t.Errorf("just interpolation kept: %q", got[0].text)
	}

	wf := "on: push\ndefaults:\n  run:\n    working-directory: app\njobs:\n  a:\n    defaults:\n      run:\n        shell: pwsh\n    steps:\n      - run: nix build\n  b:\n    steps:\n      - run: nix build\n      - working-directory: ./sub/\n        run: |\n          echo\n          nix build\n      - working-directory: ${{ env.X }}\n        run: nix build\n      - shell: python\n        run: print()\n"
	got = scanWorkflow("", []byte(wf))
	if len(got) != 2 || got[0].line != 14 || got[0].dirs[0] != "app" || got[1].line != 17 || got[1].dirs[0] != "sub" {
		t.Errorf("workflow pieces: %+v", got)
	}

	gl := "before_script:\n  - nix build .#a\nbuild:\n  script:\n    - echo\n    - - nix build\n  after_script: nix run\nvariables:\n  X: y\n"
	got = scanGitlabCI("", []byte(gl))
	var lines []int
	for _, pc := range got {
		lines = append(lines, pc.line)
	}
	if !slices.Equal(lines, []int{2, 5, 6, 7}) {
		t.Errorf("gitlab pieces at lines %v", lines)
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
	snap := NewSnapshot(rp, nil)
	snap.flakesOnce.Do(func() { snap.flakes = &FlakeModel{Flakes: flakes} })
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
