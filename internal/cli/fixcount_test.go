package cli_test

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/lockguard/lockguard/internal/demo"
	"github.com/lockguard/lockguard/internal/testenv"
)

// overlapRepo is fix_overlap.txtar's repository: LG402 inserts a flag into
// the command that LG401's unsafe fix replaces, so their edits overlap and
// fix needs two rounds (and LG402 then fires again on the new command).
var overlapRepo = map[string]string{
	"Dockerfile": "FROM nixos/nix:2.24.0\nWORKDIR /build\nCOPY . .\nRUN nix build .#backend\n",
	"flake.nix": `{
  outputs = { self }: {
    devShells.x86_64-linux.default = self.packages.x86_64-linux.server;
    packages.x86_64-linux.server = builtins.readFile ./backend/Cargo.lock;
  };
}
`,
	"backend/Cargo.toml":  "[package]\nname = \"backend\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
	"backend/src/main.rs": "fn main() {}\n",
}

var (
	checkSafe   = regexp.MustCompile(`\((\d+) fixable with ` + "`lockguard fix`")
	checkUnsafe = regexp.MustCompile(`(\d+)(?: more)? with ` + "`lockguard fix --unsafe-fixes`")
	fixFixed    = regexp.MustCompile(`(?m)^fixed (\d+) findings?`)
	fixWould    = regexp.MustCompile(`(?m)^would fix (\d+) findings?`)
)

func firstInt(t *testing.T, re *regexp.Regexp, out string) int {
	t.Helper()
	m := re.FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFixableCountIsWhatFixFixes (issue 16 item 11): the "N fixable with
// `lockguard fix`" that check prints is the number `fix` (and `fix
// --dry-run`) then says it fixed, and N plus the "M more with `lockguard fix
// --unsafe-fixes`" is what `fix --unsafe-fixes` fixes; findings that merely
// went away with them, and findings the fixes revealed and fixed, are said
// separately. On the demo repository (where a generated lock also answers
// LG302, and LG301 appears once the lock exists) and on one whose fixes
// overlap.
func TestFixableCountIsWhatFixFixes(t *testing.T) {
	testenv.Tool(t, "cargo")
	lg := lockguardBin(t)
	for name, files := range map[string]map[string]string{"demo": demo.Files(), "overlap": overlapRepo} {
		t.Run(name, func(t *testing.T) {
			fresh := func() *testenv.Repo {
				r := testenv.NewRepo(t)
				r.WriteFiles(files)
				r.Commit("init")
				return r
			}
			r := fresh()
			out, _ := run(t, r.Dir, r.Env, lg, "check")
			safe, unsafe := firstInt(t, checkSafe, out), firstInt(t, checkUnsafe, out)
			t.Logf("check: %d fixable, %d more with --unsafe-fixes", safe, unsafe)
			if unsafe == 0 {
				t.Fatalf("check reports no unsafe fix:\n%s", out)
			}
			for _, c := range []struct {
				args []string
				re   *regexp.Regexp
				want int
			}{
				{[]string{"fix", "--dry-run"}, fixWould, safe},
				{[]string{"fix"}, fixFixed, safe},
				{[]string{"fix", "--unsafe-fixes", "--dry-run"}, fixWould, safe + unsafe},
				{[]string{"fix", "--unsafe-fixes"}, fixFixed, safe + unsafe},
			} {
				r := fresh()
				out, _ := run(t, r.Dir, r.Env, lg, c.args...)
				if got := firstInt(t, c.re, out); got != c.want {
					t.Errorf("lockguard %v says it fixes %d findings; check said %d fixable:\n%s", c.args, got, c.want, out)
				}
			}
		})
	}
}
