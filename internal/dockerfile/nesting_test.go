package dockerfile

import (
	"errors"
	"strings"
	"testing"
)

// TestShellNestingBounded: issue 17 item 13. A script nesting command
// substitutions a million deep overflowed the Go stack in the shell
// parser (a fatal error, not a panic); it is refused with
// ErrShellTooDeep. Ordinary nesting is analysed.
func TestShellNestingBounded(t *testing.T) {
	const n = 1_000_000
	deep := "nix build " + strings.Repeat("$(", n) + "x" + strings.Repeat(")", n)
	if _, err := AnalyzeScript(deep, "/", 1); !errors.Is(err, ErrShellTooDeep) {
		t.Errorf("a million nested $(: %v", err)
	}
	ifs := strings.Repeat("if true; then ", 5000) + "nix build" + strings.Repeat("; fi", 5000)
	if _, err := AnalyzeScript(ifs, "/", 1); !errors.Is(err, ErrShellTooDeep) {
		t.Errorf("5,000 nested if: %v", err)
	}
	ok := "if true; then (cd a && { echo $(date); nix build .#x; }); fi\ncase $x in a) echo;; esac\n"
	cmds, err := AnalyzeScript(ok, "/", 1)
	if err != nil || len(cmds) != 6 {
		t.Errorf("ordinary nesting: %v, %d commands", err, len(cmds))
	}
	if d := nestingDepth(ok); d != 4 {
		t.Errorf("nestingDepth = %d, want 4", d)
	}
	f, err := Parse("Dockerfile", []byte("FROM alpine\nRUN echo "+strings.Repeat("$(", 5000)+"x"+strings.Repeat(")", 5000)+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := f.Stages[0].Instrs[0].Run; !GaveUp(r.ShellError) {
		t.Errorf("RUN nested 5,000 deep: ShellError %q", r.ShellError)
	}
}

// TestLiteralArgvNestingBounded: issue 17 item 13, outside a RUN. LG401's
// rewrite check reads a command back with LiteralArgv; a million nested
// $( overflowed the Go stack there too (a fatal error that no recover
// catches). It is refused instead; a plain command still parses.
func TestLiteralArgvNestingBounded(t *testing.T) {
	const n = 1_000_000
	if argv, ok := LiteralArgv("nix build " + strings.Repeat("$(", n) + "x" + strings.Repeat(")", n)); ok {
		t.Errorf("a million nested $(: %q", argv)
	}
	if argv, ok := LiteralArgv(`nix develop --command bash -c "cd a && cargo build"`); !ok || len(argv) != 6 {
		t.Errorf("plain command: %q, %v", argv, ok)
	}
}
