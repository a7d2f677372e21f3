package repo_test

import (
	"errors"
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
