package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// checkJSON runs `check --format json` in process on dir and returns the
// findings as rule and path pairs ("LG202 nix/default.nix").
func checkJSON(t *testing.T, dir string, env []string) []string {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	code := Main([]string{"-C", dir, "check", "--format", "json"}, strings.NewReader(""), &stdout, &stderr)
	if code != ExitOK && code != ExitFindings {
		t.Fatalf("check: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	var doc struct {
		Diagnostics []struct {
			Rule, Path, Message string
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	var out []string
	for _, d := range doc.Diagnostics {
		out = append(out, d.Rule+" "+d.Path)
	}
	return out
}

// TestSecurityLinkLoopsDoNotMultiply: issue 17 item 16. Tracked links that
// loop (self -> ., nix/self -> ., nix/up -> ..) name the same files under
// ever longer paths. A file the flake imports through them is one file,
// analysed once under its own path: each finding is reported once, and a
// file reached through a tracked link is not "untracked" in the copied
// repository, and an import through a link to a directory reads its
// default.nix. Before, on this repository, lockguard 53f7d2c reported
// 1,812 LG202, 513 LG901, 226 LG205 and 152 LG302; 1a8d0bc 5 LG202, 5 LG302
// (four of them false) and a false LG901.
func TestSecurityLinkLoopsDoNotMultiply(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{
		"backend/Cargo.toml":  "[package]\nname = \"backend\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"backend/src/main.rs": "fn main() {}\n",
		"flake.lock":          `{"nodes":{"root":{}},"root":"root","version":7}` + "\n",
		"flake.nix": `{
  outputs = { self }: {
    packages.x86_64-linux.backend = derivation {
      name = "backend"; system = "x86_64-linux"; builder = "/bin/sh";
      src = ./backend;
      lock = ./backend/Cargo.lock;
    };
    packages.x86_64-linux.b2 = import ./nix/default.nix;
    packages.x86_64-linux.b3 = import ./self/self/nix/up/nix;
  };
}
`,
		"nix/default.nix": "{ a = ../backend/Cargo.lock; b = import ./self/default.nix; c = import ./self/self/default.nix; d = import ./up/self/nix/up/nix/self; }\n",
		"Dockerfile":      "FROM nixos/nix\nWORKDIR /src\nCOPY . .\nRUN cargo generate-lockfile --manifest-path backend/Cargo.toml\nRUN nix --extra-experimental-features \"nix-command flakes\" build .#backend\n",
	})
	for link, target := range map[string]string{"self": ".", "nix/self": ".", "nix/up": ".."} {
		if err := os.Symlink(target, g.Path(link)); err != nil {
			t.Fatal(err)
		}
	}
	g.Commit("init")

	got := checkJSON(t, g.Dir, g.Env)
	count := map[string]int{}
	for _, f := range got {
		count[f]++
	}
	want := map[string]int{
		"LG202 flake.nix":       1, // ./backend/Cargo.lock
		"LG202 nix/default.nix": 1, // ../backend/Cargo.lock, however it is reached
		"LG302 Dockerfile":      1, // backend/Cargo.lock, generated in the image
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s: %d findings, want %d", k, count[k], n)
		}
	}
	for k := range count {
		if !strings.HasPrefix(k, "LG1") {
			if want[k] == 0 {
				t.Errorf("unexpected finding %s", k)
			}
		}
	}
	if t.Failed() {
		t.Logf("findings: %q", got)
	}
}

// TestSecurityDeepShellOutsideRun: issue 17 item 13, outside Dockerfile
// RUNs. Scripts, a GitHub workflow step, a Makefile and a justfile recipe
// that nest command substitutions 300,000 deep are checked without a Go
// stack overflow (which would kill this test binary): lockguard does not
// analyse them, silently, and finishes normally.
func TestSecurityDeepShellOutsideRun(t *testing.T) {
	const n = 300_000
	deep := strings.Repeat("$(", n) + "x" + strings.Repeat(")", n)
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{
		"flake.nix":                "{ outputs = { self }: { packages.x86_64-linux.y = 1; devShells.x86_64-linux.default = 1; }; }\n",
		"flake.lock":               `{"nodes":{"root":{}},"root":"root","version":7}` + "\n",
		"scripts/build.sh":         "#!/bin/sh\nnix build .#x\necho " + deep + "\n",
		".github/workflows/ci.yml": "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: nix build .#x; echo " + deep + "\n",
		"Makefile":                 "b:\n\tnix build .#x; echo " + strings.ReplaceAll(deep, "$", "$$") + "\n",
		"justfile":                 "b:\n    nix build .#x; echo " + deep + "\n",
	})
	g.Commit("init")
	for _, f := range checkJSON(t, g.Dir, g.Env) {
		if strings.HasPrefix(f, "LG401 ") {
			t.Errorf("a script lockguard gave up on was analysed: %s", f)
		}
	}
}

// countdownCtx is a context whose Err is nil for its first `left` calls
// and context.Canceled after: a signal arriving in the middle of a check,
// at a point fixed by the count rather than by a clock. after counts the
// calls that saw the cancellation.
type countdownCtx struct {
	context.Context
	left, after atomic.Int64
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		c.after.Add(1)
		return context.Canceled
	}
	return nil
}

// TestSecurityCheckInterrupted: issue 17 item 15. A committed flake that
// keeps check busy (60,000 attributes, each a function application) is
// checked with a context cancelled in the middle of the flake analysis, as
// SIGINT cancels Main's: check stops at the next poll and exits 130
// (128 + SIGINT) without a report, having asked the context only a few
// more times. Before, nothing asked the context: check ran to the end
// (14.8 s after SIGINT on a 300,000-attribute flake) and printed its
// report.
func TestSecurityCheckInterrupted(t *testing.T) {
	g := testenv.NewRepo(t)
	var b strings.Builder
	b.WriteString("{\n  outputs = { self }: let\n    f = n: { p = ./x; q = n; r = [ n n n ]; };\n  in { packages.x86_64-linux = {\n")
	for i := 0; i < 60_000; i++ {
		fmt.Fprintf(&b, "    a%d = f %d;\n", i, i)
	}
	b.WriteString("  }; };\n}\n")
	g.WriteFiles(map[string]string{"flake.nix": b.String(), "flake.lock": `{"nodes":{"root":{}},"root":"root","version":7}` + "\n"})
	g.Commit("init")
	for _, kv := range g.Env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	run := func(ctx *countdownCtx, sig os.Signal) (int, string) {
		var stdout, stderr bytes.Buffer
		code := mainContext(ctx, func() os.Signal { return sig }, []string{"-C", g.Dir, "check", "--format", "concise"}, strings.NewReader(""), &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}

	// Uncancelled: how often does a whole check ask?
	full := &countdownCtx{Context: context.Background()}
	full.left.Store(1 << 40)
	if code, out := run(full, nil); code != ExitFindings || !strings.Contains(out, "LG202") {
		t.Fatalf("uncancelled check: exit %d\n%s", code, out)
	}
	asked := (1 << 40) - full.left.Load()
	if asked < 50 {
		t.Fatalf("a whole check asks its context only %d times", asked)
	}

	// Cancelled half way.
	ctx := &countdownCtx{Context: context.Background()}
	ctx.left.Store(asked / 2)
	code, out := run(ctx, syscall.SIGINT)
	if code != 130 {
		t.Errorf("exit %d, want 130\n%s", code, out)
	}
	if strings.Contains(out, "LG202") || !strings.Contains(out, "interrupted") {
		t.Errorf("an interrupted check printed:\n%s", out)
	}
	if n := ctx.after.Load(); n < 1 || n > 10 {
		t.Errorf("the check asked its cancelled context %d more times (want between 1 and 10)", n)
	}
}
