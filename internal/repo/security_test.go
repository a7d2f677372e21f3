package repo_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/testenv"
)

// TestSecurityStagedSizeCapBeforeRead: issue 17 item 14. With --staged, a
// blob larger than the cap is refused from its size: it is not read (a
// 200 MB staged lock cost 980 MB), with both backends.
func TestSecurityStagedSizeCapBeforeRead(t *testing.T) {
	g := testenv.NewRepo(t)
	g.Write("Cargo.toml", "[package]\nname = \"x\"\nversion = \"0.1.0\"\n")
	g.Write("Cargo.lock", strings.Repeat("# padding line of a hostile lock file\n", 40<<20/38))
	g.Git("add", "-A")
	const limit = 8 << 20
	forBoth(t, func(t *testing.T, backend string) {
		r, err := repo.Open(repo.Options{Dir: g.Dir, Env: g.Env, Backend: backend, Staged: true})
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err = r.ReadFileLimit("Cargo.lock", limit)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, repo.ErrFileTooLarge) {
			t.Fatalf("ReadFileLimit of a 40 MB staged blob: %v", err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > limit {
			t.Errorf("refusing a 40 MB blob allocated %d bytes: it was read", got)
		}
		if b, err := r.ReadFileLimit("Cargo.toml", limit); err != nil || !strings.Contains(string(b), "name") {
			t.Errorf("a small staged file: %q, %v", b, err)
		}
	})
}

// TestSecurityIgnoreFilesNamedNotLocated: issue 17 items 5 and 6. A rule
// from core.excludesFile is named by the config key, not by its absolute
// path; a .gitignore reached through a symlinked directory (hostroot ->
// outside) is not read, as git does not read it.
func TestSecurityIgnoreFilesNamedNotLocated(t *testing.T) {
	g := testenv.NewRepo(t)
	outside := t.TempDir()
	excludes := filepath.Join(outside, "global-ignore")
	if err := os.WriteFile(excludes, []byte("*.secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(outside, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "etc", ".gitignore"), []byte("passwd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.Git("config", "core.excludesFile", excludes)
	g.Write("a.txt", "a\n")
	if err := os.Symlink(outside, filepath.Join(g.Dir, "hostroot")); err != nil {
		t.Fatal(err)
	}
	g.Git("add", "a.txt")
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		m := r.Ignored("x.secret", false)
		if m == nil || m.Source != "core.excludesFile" || m.Line != 1 {
			t.Errorf("x.secret: %+v, want core.excludesFile line 1", m)
		}
		if m := r.Ignored("hostroot/etc/passwd", false); m != nil {
			t.Errorf("a .gitignore outside the repository was read: %+v", m)
		}
	})
}
