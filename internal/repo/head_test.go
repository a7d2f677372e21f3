package repo_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/testenv"
)

func TestReadHEAD(t *testing.T) {
	r := testenv.NewRepo(t)
	open := func() *repo.Repo {
		rp, err := repo.Open(repo.Options{Dir: r.Dir, Env: r.Env})
		if err != nil {
			t.Fatal(err)
		}
		return rp
	}
	if _, err := open().ReadHEAD("a.txt", -1); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no commits: want ErrNotExist, got %v", err)
	}
	r.Write("sub/a.txt", "committed\n")
	r.Commit("one")
	r.Write("sub/a.txt", "work tree\n")
	r.Git("add", "sub/a.txt")
	rp := open()
	b, err := rp.ReadHEAD("sub/a.txt", -1)
	if err != nil || string(b) != "committed\n" {
		t.Fatalf("got %q %v, want the committed content", b, err)
	}
	if _, err := rp.ReadHEAD("sub/a.txt", 3); !errors.Is(err, repo.ErrFileTooLarge) {
		t.Errorf("want ErrFileTooLarge, got %v", err)
	}
	if _, err := rp.ReadHEAD("missing", -1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("want ErrNotExist, got %v", err)
	}
	if _, err := rp.ReadHEAD("../x", -1); err == nil {
		t.Errorf("a path outside the repository is read")
	}
}
