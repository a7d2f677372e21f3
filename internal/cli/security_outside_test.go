//go:build linux

package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// TestSecurityFlakeRefsLeavingRepo: issue 17 item 5. Flake references
// through tracked links that leave the repository (hostroot -> an outside
// directory, root2 -> /, up -> ..) are reported as leaving it, and the
// outside is never looked at: the report is the same whether the outside
// files exist or not (a FIFO, a file with secret content, nothing), quotes
// no outside content, and, traced with strace, no lockguard or git system
// call names a path through those links or in the outside directory (the
// links themselves are read with readlink, which is inside).
func TestSecurityFlakeRefsLeavingRepo(t *testing.T) {
	g := testenv.NewRepo(t)
	base := filepath.Dir(g.Dir)
	outside := filepath.Join(base, "outside")
	g.WriteFiles(map[string]string{
		"flake.nix": `{
  outputs = { self }: {
    a = ./hostroot/fifo;
    b = import ./hostroot/secret.nix;
    c = ./hostroot/missing;
    d = ./root2/etc/passwd;
    e = builtins.readFile ./hostroot/fifo;
    f = import ./up/outside/secret.nix;
    g = ./up/outside;
  };
}
`,
		"flake.lock": `{"nodes":{"root":{}},"root":"root","version":7}` + "\n",
	})
	for link, target := range map[string]string{"hostroot": outside, "root2": "/", "up": ".."} {
		if err := os.Symlink(target, g.Path(link)); err != nil {
			t.Fatal(err)
		}
	}
	g.Commit("init")
	env := g.Env

	check := func() string {
		t.Helper()
		p := startLockguard(t, g.Dir, env, "check", "--format", "concise")
		if code := p.wait(t); code != 1 {
			t.Fatalf("exit %d, want 1\n%s", code, p.output())
		}
		return p.stdout.String() + p.stderr.String()
	}
	absent := check() // the outside directory does not exist yet

	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(outside, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.nix"), []byte("\"SECRET-CONTENT\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	present := check()
	if present != absent {
		t.Errorf("the report depends on what is outside the repository:\nwithout it:\n%s\nwith it:\n%s", absent, present)
	}
	for _, ref := range []string{"./hostroot/fifo", "./hostroot/secret.nix", "./hostroot/missing", "./root2/etc/passwd", "./up/outside/secret.nix", "./up/outside"} {
		if !regexp.MustCompile(`(?m)^flake\.nix:\d+:\d+: LG201 \[error\] ` + "`" + regexp.QuoteMeta(ref) + "`" + ` \([^)]*\) goes through (hostroot|root2|up), a symlink to [^ ]+, outside the repository`).MatchString(present) {
			t.Errorf("%s is not reported as leaving the repository:\n%s", ref, present)
		}
	}
	for _, bad := range []string{"SECRET", "untracked", "does not exist"} {
		if strings.Contains(present, bad) {
			t.Errorf("the report says %q:\n%s", bad, present)
		}
	}

	strace := testenv.Tool(t, "strace")
	log := filepath.Join(t.TempDir(), "strace.log")
	p := startLockguardCmd(t, g.Dir, env, strace, "-f", "-qq", "-e", "trace=%file", "-o", log, lockguardBin(t), "check", "--format", "concise")
	if code := p.wait(t); code != 1 {
		t.Fatalf("exit %d under strace, want 1\n%s", code, p.output())
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	through := []string{outside, g.Path("hostroot") + "/", g.Path("root2") + "/", g.Path("up") + "/", "\"/etc/passwd\""}
	calls := 0
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, "readlink") { // the link's own text is in the repository
			continue
		}
		calls++
		for _, o := range through {
			if strings.Contains(l, o) {
				t.Errorf("a system call looks outside the repository (%s): %s", o, l)
			}
		}
	}
	if calls < 10 || !strings.Contains(string(data), g.Path("flake.nix")) {
		t.Fatalf("strace recorded too little (%d calls):\n%s", calls, data)
	}
}
