package dockerfile

import (
	"slices"
	"strings"
	"testing"
)

// TestCdTracking: the directory of the marker command `probe` after
// various scripts (WORKDIR /w).
func TestCdTracking(t *testing.T) {
	tests := []struct {
		name, script, dir string
	}{
		{"plain", "probe", "/w"},
		{"and", "cd a && probe", "/w/a"},
		{"semicolon", "cd a; cd b; probe", "/w/a/b"},
		{"newline via continuation", "cd a && \\\n  cd ../b && \\\n  probe", "/w/b"},
		{"absolute", "cd /opt/x && probe", "/opt/x"},
		{"or-true keeps cd", "cd a || true; probe", "/w/a"},
		{"or branch may not run", "test -d a || cd b; probe", ""},
		{"or exit", "cd a || exit 1; probe", "/w/a"},
		{"subshell does not leak", "(cd a && make) && probe", "/w"},
		{"inside subshell", "(cd a && probe)", "/w/a"},
		{"brace group leaks", "{ cd a; } && probe", "/w/a"},
		{"pipeline element", "cd a | cat; probe", "/w"},
		{"background", "cd a & probe", "/w"},
		{"if same dir both branches", "if true; then cd a; else cd a; fi; probe", "/w/a"},
		{"if different branches", "if test -f x; then cd a; else cd b; fi; probe", ""},
		{"if without else", "if test -f x; then cd a; fi; probe", ""},
		{"if no cd", "if test -f x; then echo hi; fi; probe", "/w"},
		{"inside then", "if true; then cd a && probe; fi", "/w/a"},
		{"elif", "if a; then cd x; elif b; then cd x; else cd x; fi; probe", "/w/x"},
		{"loop changes dir", "for d in a b; do cd $d; done; probe", ""},
		{"loop without cd", "for d in a b; do echo $d; done; probe", "/w"},
		{"case", "case $x in a) cd a;; esac; probe", ""},
		{"dynamic cd", "cd $SOMEWHERE && probe", ""},
		{"cd home", "cd && probe", ""},
		{"cd tilde", "cd ~/src && probe", ""},
		{"cd dash", "cd /a; cd /b; cd - && probe", ""},
		{"quoted", `cd "my dir" && probe`, "/w/my dir"},
		{"escaped", `cd my\ dir && probe`, "/w/my dir"},
		{"cd -P", "cd -P a && probe", "/w/a"},
		{"pushd popd", "pushd a && pushd /b && popd && probe", "/w/a"},
		{"popd empty", "popd; probe", ""},
		{"nested bash -c", `bash -c "cd a && probe"`, "/w/a"},
		{"nested does not leak", `bash -c "cd a"; probe`, "/w"},
		{"nested sh -c single", `cd x && sh -c 'cd y; probe'`, "/w/x/y"},
		{"bash -lc", `bash -lc "cd a && probe"`, "/w/a"},
		{"bash -euo pipefail -c", `bash -euo pipefail -c "cd a && probe"`, "/w/a"},
		{"sudo wrapper", `sudo -u root sh -c "cd a && probe"`, "/w/a"},
		{"env wrapper", `env -i A=1 bash -c "cd a; probe"`, "/w/a"},
		{"double nesting", `bash -c "cd a && sh -c 'cd b && probe'"`, "/w/a/b"},
		{"function body unknown", "f() { probe; }; f", ""},
		{"cmd subst does not leak", "x=$(cd a && pwd); probe", "/w"},
		{"nix develop", "cd a && nix develop --command probe", "/w/a"},
		{"nix develop bash -c", `nix develop .#dev -L --command bash -c "cd sub && probe"`, "/w/sub"},
		{"nix-shell --run", `nix-shell --pure --run "cd sub && probe"`, "/w/sub"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds := runCmds(t, "FROM alpine\nWORKDIR /w\nRUN "+tt.script+"\n")
			var probes []Command
			for _, c := range cmds {
				if len(c.Args) > 0 && c.Args[0] == "probe" {
					probes = append(probes, c)
				}
			}
			if len(probes) != 1 {
				t.Fatalf("want 1 probe, got %d:%s", len(probes), dumpCmds(cmds))
			}
			if probes[0].Dir != tt.dir {
				t.Errorf("dir = %q, want %q%s", probes[0].Dir, tt.dir, dumpCmds(cmds))
			}
		})
	}
}

func TestCommandFields(t *testing.T) {
	cmds := runCmds(t, "FROM alpine\nENV SUB=be\nWORKDIR /w\n"+
		`RUN echo "a $X" 'b c' d\ e $SUB "${SUB}" > out.txt 2>>/w/err.log && cat x | tee -a /etc/a ../b >/dev/null; grep x <<< "hi"`+"\n")
	echo := find(t, cmds, "echo")
	if !slices.Equal(echo.Args, []string{"echo", "", "b c", "d e", "be", "be"}) {
		t.Errorf("args = %q", echo.Args)
	}
	if !slices.Equal(echo.Dynamic, []bool{false, true, false, false, false, false}) {
		t.Errorf("dynamic = %v", echo.Dynamic)
	}
	if echo.Raw[1] != `"a $X"` {
		t.Errorf("raw = %q", echo.Raw)
	}
	if !slices.Equal(echo.Redirects, []string{"/w/out.txt", "/w/err.log"}) || !echo.Writes[1].Append || echo.Writes[0].Append {
		t.Errorf("redirects = %+v", echo.Writes)
	}
	tee := find(t, cmds, "tee")
	if !slices.Equal(tee.Tee, []string{"/etc/a", "/b"}) || !slices.Equal(tee.Redirects, []string{"/dev/null"}) || !tee.Writes[1].Append || !tee.Writes[1].Tee {
		t.Errorf("tee = %+v", tee.Writes)
	}
	cat := find(t, cmds, "cat")
	if cat.Pipeline == 0 || cat.Pipeline != tee.Pipeline || echo.Pipeline != 0 {
		t.Errorf("pipelines %d %d %d", cat.Pipeline, tee.Pipeline, echo.Pipeline)
	}
	if g := find(t, cmds, "grep"); g.Stdin != "hi" {
		t.Errorf("here-string %q", g.Stdin)
	}
	for i, c := range cmds {
		if c.Index != i || c.Line != 4 {
			t.Errorf("cmd %d: index %d line %d", i, c.Index, c.Line)
		}
	}
}

func TestVariablesAssignedInScriptAreDynamic(t *testing.T) {
	cmds := runCmds(t, "FROM alpine\nENV D=envdir\nRUN D=other; cd $D && probe\n")
	if p := find(t, cmds, "probe"); p.Dir != "" {
		t.Errorf("dir = %q: a script-assigned variable was taken from ENV", p.Dir)
	}
	cmds = runCmds(t, "FROM alpine\nENV D=\"a b\"\nRUN cd $D && probe\n")
	if p := find(t, cmds, "probe"); p.Dir != "" {
		t.Errorf("dir = %q: unquoted value with spaces is word-split", p.Dir)
	}
	cmds = runCmds(t, "FROM alpine\nENV D=\"a b\"\nRUN cd \"$D\" && probe\n")
	if p := find(t, cmds, "probe"); p.Dir != "/a b" {
		t.Errorf("dir = %q", p.Dir)
	}
}

func TestInNixDevelop(t *testing.T) {
	cmds := runCmds(t, "FROM nixos/nix\nWORKDIR /src\n"+
		`RUN cargo fetch && nix --extra-experimental-features "nix-command flakes" develop -c cargo build && nix shell nixpkgs#jq --command jq . && nix-shell -p x --run "make all"`+"\n")
	want := map[string]bool{"cargo fetch": false, "cargo build": true, "jq .": true, "make all": true}
	for _, c := range cmds {
		k := strings.Join(c.Args, " ")
		if w, ok := want[k]; ok {
			if c.InNixDevelop != w {
				t.Errorf("%s: InNixDevelop = %v", k, c.InNixDevelop)
			}
			delete(want, k)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing %v in%s", want, dumpCmds(cmds))
	}
	// nix develop without --command is not a wrapper, nix build is not either.
	cmds = runCmds(t, "FROM nixos/nix\nRUN nix develop && nix build .#x -c\n")
	if len(cmds) != 2 {
		t.Errorf("unexpected commands:%s", dumpCmds(cmds))
	}
}

func TestShellParseErrorDoesNotFailFile(t *testing.T) {
	f := mustParse(t, "FROM alpine\nRUN echo 'unterminated\nRUN cargo build\n")
	r := instr(t, f, 0, "RUN", 0).Run
	if r.ShellError == "" || r.Commands != nil {
		t.Errorf("run = %+v", r)
	}
	if len(instr(t, f, 0, "RUN", 1).Run.Commands) != 1 {
		t.Error("the next RUN was not analysed")
	}
	// A nested script that does not parse keeps the outer commands.
	f = mustParse(t, "FROM alpine\nRUN bash -c 'if then' && cargo build\n")
	r = instr(t, f, 0, "RUN", 0).Run
	if !strings.Contains(r.ShellError, "nested") || len(r.Commands) != 2 {
		t.Errorf("nested error: %q%s", r.ShellError, dumpCmds(r.Commands))
	}
}

func TestNestingDepthBounded(t *testing.T) {
	script := "probe"
	for i := 0; i < 8; i++ {
		script = "sh -c " + shQuote(script)
	}
	cmds := runCmds(t, "FROM alpine\nRUN "+script+"\n")
	if len(cmds) > maxDepth+2 {
		t.Errorf("%d commands for deep nesting", len(cmds))
	}
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func TestShellScriptArg(t *testing.T) {
	tests := []struct {
		args []string
		idx  int
		ok   bool
	}{
		{[]string{"sh", "-c", "x"}, 2, true},
		{[]string{"bash", "-lc", "x", "arg0"}, 2, true},
		{[]string{"bash", "-o", "pipefail", "-c", "x"}, 4, true},
		{[]string{"bash", "--login", "-c", "x"}, 3, true},
		{[]string{"bash"}, -1, true},
		{[]string{"bash", "-e"}, -1, true},
		{[]string{"bash", "script.sh"}, -1, false},
		{[]string{"sh", "-c"}, -1, false},
	}
	for _, tt := range tests {
		idx, ok := shellScriptArg(tt.args)
		if idx != tt.idx || ok != tt.ok {
			t.Errorf("%q: %d %v, want %d %v", tt.args, idx, ok, tt.idx, tt.ok)
		}
	}
}
