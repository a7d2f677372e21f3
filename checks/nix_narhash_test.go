package checks_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
)

// TestTrackedNarHash: the hash lockguard computes for a relative path:
// input is `nix hash path` of a copy holding only the tracked files (what
// Nix 2.8 locks: a flake in a git repository sees only tracked files), so
// an untracked file changes nothing and a tracked change does. The lock
// rule reports only the stale lock, and names the input to relock.
func TestTrackedNarHash(t *testing.T) {
	nixBin := testenv.Tool(t, "nix")
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{
		"flake.nix":       "{\n  inputs.sub.url = \"path:./sub\";\n  outputs = { self, sub }: { };\n}\n",
		"sub/flake.nix":   "{ outputs = { self }: { value = 5; }; }\n",
		"sub/lib/a.nix":   "1\n",
		"sub/run.sh":      "#!/bin/sh\n",
		"sub/empty/.keep": "",
		"other/flake.nix": "{ outputs = { self }: { }; }\n",
	})
	if err := os.Chmod(r.Path("sub/run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.Commit("init")
	r.WriteFiles(map[string]string{"sub/notes.txt": "untracked\n", "sub/tmp/junk.txt": "untracked\n"})

	// What nix says for a copy of the tracked files only.
	cp := t.TempDir()
	for _, f := range []string{"flake.nix", "lib/a.nix", "run.sh", "empty/.keep"} {
		data, _ := os.ReadFile(r.Path("sub/" + f))
		fi, _ := os.Stat(r.Path("sub/" + f))
		if err := os.MkdirAll(filepath.Dir(filepath.Join(cp, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cp, f), data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(nixBin, "--extra-experimental-features", "nix-command", "hash", "path", cp)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix hash path: %v", err)
	}
	want := strings.TrimSpace(string(out))

	rp, err := repo.Open(repo.Options{Dir: r.Dir, Env: r.Env})
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot.New(rp, nil)
	got, ok := s.TrackedNarHash("sub")
	if !ok || got != want {
		t.Fatalf("trackedNarHash = %q %v, nix hash path of the tracked copy = %q", got, ok, want)
	}

	lock := func(hash string) string {
		return `{"nodes": {"root": {"inputs": {"sub": "sub"}}, "sub": {"locked": {"lastModified": 1, "narHash": "` + hash + `", "path": "./sub", "type": "path"}, "original": {"path": "./sub", "type": "path"}}}, "root": "root", "version": 7}` + "\n"
	}
	r.Write("flake.lock", lock(want))
	r.Git("add", "flake.lock")
	r.Git("commit", "-q", "-m", "lock")
	if ds := runNix(t, r, nil, "LG203"); len(ds) != 0 {
		t.Fatalf("a fresh lock (untracked files under sub/) is reported:%s", dump(ds))
	}
	r.Write("sub/lib/a.nix", "2\n")
	r.Git("commit", "-q", "-am", "change")
	d := only(t, runNix(t, r, nil, "LG203"), "LG203")
	if !strings.Contains(d.Message, "pins an old copy of the relative path input 'sub' (./sub)") || d.Fix == nil ||
		!strings.Contains(strings.Join(d.Fix.Actions[0].Command, " "), "flake lock --update-input sub") {
		t.Errorf("stale narHash: %s %+v", d.Message, d.Fix)
	}
}
