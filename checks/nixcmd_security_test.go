package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/nix"
	"github.com/lockguard/lockguard/internal/shell"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
)

// hostileRef is a flake reference whose query holds a command
// substitution: quoted in the source, it is a plain word.
const hostileRef = `.?x=$(touch /tmp/PWNED)`

// TestNixCmdLG401FixKeepsQuoting: issue 17 item 1. LG401's rewrite of
// `nix build '.?x=$(touch /tmp/PWNED)#backend'` must keep the reference
// one literal word wherever it rewrites it (Dockerfile, shell script,
// Makefile, justfile, GitHub Actions, GitLab CI), or give no fix.
func TestNixCmdLG401FixKeepsQuoting(t *testing.T) {
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{
		"flake.nix":          "{ }\n",
		"backend/Cargo.toml": "[package]\nname = \"backend\"\nversion = \"0.1.0\"\n",
		"Dockerfile":         "FROM nixos/nix\nWORKDIR /src\nCOPY . .\nRUN nix build '" + hostileRef + "#backend'\n",
		"build.sh":           "nix build '" + hostileRef + "#backend'\n",
		"dq.sh":              "nix build \".?x=\\$(touch /tmp/PWNED)#backend\"\n",
		"Makefile":           "build:\n\tnix build '" + strings.ReplaceAll(hostileRef, "$", "$$") + "#backend'\n",
		"justfile":           "build:\n    nix build '" + hostileRef + "#backend'\n",
		".github/workflows/ci.yml": "on: push\njobs:\n  b:\n    steps:\n      - run: nix build '" + hostileRef + "#backend'\n" +
			"      - run: \"nix build '" + hostileRef + "#backend'\"\n",
		".gitlab-ci.yml": "b:\n  script:\n    - 'nix build \".?x=\\$(touch /tmp/PWNED)#backend\"'\n",
	})
	r.Commit("init")
	flakes := []*nix.Flake{{Path: "flake.nix", Dir: "", Outputs: outputs()}}
	ds := withFlakes(t, r, flakes, NixBuildMissingOutput)
	fixed := map[string]bool{}
	for _, d := range ds {
		if d.Fix == nil {
			continue
		}
		for _, a := range d.Fix.Actions {
			if a.Kind != diag.ActionEdit {
				continue
			}
			src, err := os.ReadFile(filepath.Join(r.Dir, a.Path))
			if err != nil {
				t.Fatal(err)
			}
			edited, err := diag.ApplyEdits(src, a.Edits)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, script := range shellTexts(t, a.Path, edited) {
				found = checkNoInjection(t, a.Path, script) || found
			}
			if !found {
				t.Errorf("%s: no nix develop after the fix:\n%s", a.Path, edited)
			}
			fixed[a.Path] = true
		}
	}
	// Quoting the reference is always possible in these files.
	for _, p := range []string{"Dockerfile", "build.sh", "dq.sh", "Makefile", "justfile", ".github/workflows/ci.yml", ".gitlab-ci.yml"} {
		if !fixed[p] {
			t.Errorf("%s: no fix", p)
		}
	}
}

// shellTexts extracts the shell scripts of a file as its interpreter
// (Docker, make, just, the CI runner) hands them to the shell.
func shellTexts(t *testing.T, p string, src []byte) []string {
	t.Helper()
	var out []string
	switch {
	case p == "Dockerfile":
		for _, l := range strings.Split(string(src), "\n") {
			if s, ok := strings.CutPrefix(l, "RUN "); ok {
				out = append(out, s)
			}
		}
	case p == "Makefile":
		for _, l := range strings.Split(string(src), "\n") {
			if s, ok := strings.CutPrefix(l, "\t"); ok {
				if strings.Contains(strings.ReplaceAll(s, "$$", ""), "$") {
					t.Errorf("Makefile: make expands %q", s)
				}
				out = append(out, strings.ReplaceAll(s, "$$", "$"))
			}
		}
	case p == "justfile":
		for _, l := range strings.Split(string(src), "\n") {
			if s, ok := strings.CutPrefix(l, "    "); ok {
				out = append(out, s)
			}
		}
	case strings.HasSuffix(p, ".yml"):
		var doc any
		if err := yaml.Unmarshal(src, &doc); err != nil {
			t.Fatalf("%s: the fix broke the YAML: %v\n%s", p, err, src)
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if s, ok := x.(string); ok && (k == "run" || k == "script") {
						out = append(out, s)
					}
					walk(x)
				}
			case []any:
				for _, x := range v {
					if s, ok := x.(string); ok {
						out = append(out, s)
					}
					walk(x)
				}
			}
		}
		walk(doc)
	default:
		out = append(out, string(src))
	}
	return out
}

// checkNoInjection parses script with mvdan/sh: it must hold no command
// substitution, and the nix develop command must get the reference as one
// literal word; it reports whether script holds a nix develop.
func checkNoInjection(t *testing.T, p, script string) bool {
	t.Helper()
	f, err := syntax.NewParser().Parse(strings.NewReader(script), p)
	if err != nil {
		t.Errorf("%s: the fix broke the shell syntax: %v\n%s", p, err, script)
		return false
	}
	found := false
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CmdSubst:
			t.Errorf("%s: the rewrite runs a command substitution: %s", p, script)
		case *syntax.CallExpr:
			var words []string
			for _, w := range n.Args {
				v, err := expand.Literal(&expand.Config{}, w)
				if err != nil {
					t.Errorf("%s: %v", p, err)
				}
				words = append(words, v)
			}
			if slices.Contains(words, "develop") {
				found = true
				if !slices.Contains(words, hostileRef) {
					t.Errorf("%s: the reference is not one literal word: %s", p, script)
				}
			}
		}
		return true
	})
	return found
}

// FuzzLG401Rewrite: the rewrite-and-reparse round trip of LG401's fix. A
// nix build line (any quoting) in a shell script, a Makefile, a justfile, a
// GitHub Actions step or a GitLab CI script is rewritten to nix develop
// with its own flake reference; every rewrite offered must parse back, in
// the file, as the intended argv and add no command substitution.
func FuzzLG401Rewrite(f *testing.F) {
	f.Add(`nix build '.?x=$(touch /tmp/PWNED)#backend'`, uint8(0))
	f.Add(`nix build ".?dir=a b#x" -L`, uint8(1))
	f.Add(`nix --extra-experimental-features "nix-command flakes" build .#x`, uint8(2))
	f.Add(`nix build 'path:./x?rev=a\'b#y'`, uint8(3))
	f.Add("nix build \".?q=\\`id\\`#y\"", uint8(4))
	f.Fuzz(func(t *testing.T, line string, kind uint8) {
		if strings.ContainsAny(line, "\n\r\x00") || len(line) > 300 {
			return
		}
		var p, src string
		var k shell.Kind
		switch kind % 5 {
		case 0:
			p, src, k = "build.sh", line+"\n", shell.Kind{Scan: shell.ShellScript, Fixable: true}
		case 1:
			p, src, k = "Makefile", "build:\n\t"+line+"\n", shell.Kind{Scan: shell.Makefile, Fixable: true, Escape: shell.MakeEscape}
		case 2:
			p, src, k = "justfile", "build:\n    "+line+"\n", shell.Kind{Scan: shell.Justfile, Fixable: true}
		case 3:
			p, src, k = ".github/workflows/ci.yml", "jobs:\n  b:\n    steps:\n      - run: "+line+"\n", shell.Kind{Scan: shell.Workflow, Fixable: true}
		case 4:
			p, src, k = ".gitlab-ci.yml", "b:\n  script:\n    - "+line+"\n", shell.Kind{Scan: shell.GitlabCI, Fixable: true}
		}
		s := &snapshot.Snapshot{}
		for _, piece := range k.Scan(p, []byte(src)) {
			before := cmdSubsts(piece.Text)
			for _, site := range pieceSites(s, p, []byte(src), k, piece) {
				call := site.calls[site.ci]
				if call.Sub != "build" || len(call.Installables) != 1 {
					continue
				}
				target := call.Installables[0]
				if target == "" {
					continue // the rewrite names no reference then
				}
				fix, _ := developRewrite(site, target, "backend")
				if fix == nil {
					continue
				}
				edited, err := diag.ApplyEdits([]byte(src), fix.Actions[0].Edits)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, pc := range k.Scan(p, edited) {
					if cmdSubsts(pc.Text) > before {
						t.Fatalf("%s: the rewrite adds a command substitution:\n%s", p, edited)
					}
					cmds, err := dockerfile.AnalyzeScript(pc.Text, scriptRoot, pc.Line)
					if err != nil {
						continue
					}
					for _, c := range dockerfile.NixInvocations(cmds) {
						if c.Sub == "develop" && slices.Equal(c.Installables, []string{target}) &&
							slices.Equal(c.InnerCommand, []string{"bash", "-c", "cd backend && cargo build --release"}) {
							found = true
						}
					}
				}
				if !found {
					t.Fatalf("%s: the rewrite does not read back as nix develop %q:\n%s", p, target, edited)
				}
			}
		}
	})
}

// cmdSubsts counts the command substitutions in a script ($(…), `…`, <(…)).
func cmdSubsts(script string) int {
	f, err := syntax.NewParser().Parse(strings.NewReader(script), "")
	if err != nil {
		return 0
	}
	n := 0
	syntax.Walk(f, func(node syntax.Node) bool {
		switch node.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			n++
		}
		return true
	})
	return n
}

// manyNixRuns is a Dockerfile with n `RUN nix build .#backendN` lines.
func manyNixRuns(n int) string {
	var sb strings.Builder
	sb.WriteString("FROM nixos/nix\nWORKDIR /src\nCOPY . .\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "RUN nix build .#backend%d\n", i)
	}
	return sb.String()
}

// TestNixCmdManyRunsLinear: issue 17 item 11. LG401 and LG402 on a
// Dockerfile with many nix RUNs re-parsed the whole file for every
// rewrite (1,000 RUNs took 52 s). The memory they allocate must grow
// linearly with the number of RUNs: four times the RUNs, at most about
// four times the bytes (quadratic work gave sixteen).
func TestNixCmdManyRunsLinear(t *testing.T) {
	flakes := []*nix.Flake{{Path: "flake.nix", Dir: "", Outputs: outputs()}}
	alloc := func(n int) uint64 {
		r := testenv.NewRepo(t)
		r.WriteFiles(map[string]string{
			"flake.nix":          "{ }\n",
			"backend/Cargo.toml": "[package]\nname = \"backend\"\nversion = \"0.1.0\"\n",
			"Dockerfile":         manyNixRuns(n),
		})
		r.Commit("init")
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ds := withFlakes(t, r, flakes, NixBuildMissingOutput, NixFlakesNotEnabled)
		runtime.ReadMemStats(&after)
		fixes := 0
		for _, d := range ds {
			if d.Fix != nil {
				fixes++
			}
		}
		if len(ds) != 2*n || fixes != 2*n {
			t.Fatalf("%d RUNs: %d findings, %d fixes; want %d each", n, len(ds), fixes, 2*n)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(300), alloc(1200)
	t.Logf("300 RUNs: %d bytes; 1200 RUNs: %d bytes", small, large)
	if ratio := float64(large) / float64(small); ratio > 6 {
		t.Errorf("4x the RUNs allocate %.1fx the memory (%d → %d bytes): not linear", ratio, small, large)
	}
}

func BenchmarkLG401ManyNixRuns(b *testing.B) {
	r := testenv.NewRepo(b)
	r.WriteFiles(map[string]string{
		"flake.nix":          "{ }\n",
		"backend/Cargo.toml": "[package]\nname = \"backend\"\nversion = \"0.1.0\"\n",
		"Dockerfile":         manyNixRuns(1000),
	})
	r.Commit("init")
	flakes := []*nix.Flake{{Path: "flake.nix", Dir: "", Outputs: outputs()}}
	for i := 0; i < b.N; i++ {
		withFlakes(b, r, flakes, NixBuildMissingOutput, NixFlakesNotEnabled)
	}
}

// TestSecurityDeepShellIsLG901: issue 17 item 13. A RUN nesting command
// substitutions thousands deep is reported as LG901 (lockguard gave up on
// it), and a script nested a million deep is skipped without a crash.
func TestSecurityDeepShellIsLG901(t *testing.T) {
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{
		"Dockerfile": "FROM alpine\nRUN echo " + strings.Repeat("$(", 5000) + "x" + strings.Repeat(")", 5000) + "\n",
		"build.sh":   "nix build " + strings.Repeat("$(", 1_000_000) + "x" + strings.Repeat(")", 1_000_000) + "\n",
	})
	r.Commit("init")
	ds := withFlakes(t, r, nil, ParseErrorRule, NixBuildMissingOutput, NixFlakesNotEnabled)
	if len(ds) != 1 || ds[0].Rule != "LG901" || ds[0].Path != "Dockerfile" || ds[0].Line != 2 || !strings.Contains(ds[0].Message, "nests more than 1000 levels") {
		t.Errorf("want one LG901 at Dockerfile:2, got %v", ds)
	}
}
