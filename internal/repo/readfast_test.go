//go:build unix

package repo_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/testenv"
)

// TestReadFileLimit covers the fast read path (no symbolic link on the way)
// and its hand-over to the careful one: symlinks inside and outside the
// work tree, a FIFO, and the size limit.
func TestReadFileLimit(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"dir/a.txt": "hello\n", "big.txt": "0123456789"})
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink("dir", filepath.Join(g.Dir, "inlink")))
	must(os.Symlink(outside, filepath.Join(g.Dir, "outlink")))
	must(os.Symlink("a.txt", filepath.Join(g.Dir, "dir", "alias.txt")))
	must(syscall.Mkfifo(filepath.Join(g.Dir, "dir", "fifo"), 0o644))
	r, err := repo.Open(repo.Options{Dir: g.Dir, Env: g.Env})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"dir/a.txt", "inlink/a.txt", "dir/alias.txt", "inlink/alias.txt"} {
		// Twice: the second read uses the cached directory verdicts.
		for range 2 {
			if b, err := r.ReadFileLimit(p, 100); err != nil || string(b) != "hello\n" {
				t.Errorf("ReadFileLimit(%s) = %q, %v", p, b, err)
			}
		}
	}
	if _, err := r.ReadFile("outlink/secret"); !errors.Is(err, repo.ErrOutsideRepo) {
		t.Errorf("read through a symlink leaving the work tree: %v, want ErrOutsideRepo", err)
	}
	if _, err := r.ReadFile("dir/fifo"); !errors.Is(err, repo.ErrNotRegular) {
		t.Errorf("read of a FIFO: %v, want ErrNotRegular", err)
	}
	if _, err := r.ReadFileLimit("big.txt", 9); !errors.Is(err, repo.ErrFileTooLarge) {
		t.Errorf("ReadFileLimit over the limit: %v, want ErrFileTooLarge", err)
	}
	if b, err := r.ReadFileLimit("big.txt", 10); err != nil || len(b) != 10 {
		t.Errorf("ReadFileLimit at the limit = %q, %v", b, err)
	}
	if _, err := r.ReadFile("dir/nope.txt"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
	if _, err := r.ReadFile("dir"); !errors.Is(err, repo.ErrNotRegular) {
		t.Errorf("directory: %v, want ErrNotRegular", err)
	}
}
