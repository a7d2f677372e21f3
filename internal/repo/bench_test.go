package repo_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/testenv"
)

// BenchmarkOpen100k opens a repository whose index holds 100,000 entries
// (written with `git update-index --index-info`, no files on disk).
func BenchmarkOpen100k(b *testing.B) {
	g := testenv.NewRepo(b)
	var sb strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&sb, "100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\tdir%03d/sub%02d/file%05d.txt\n", i%500, i%37, i)
	}
	if out, err := gitCmd(g.Dir, g.Env, []byte(sb.String()), "update-index", "--index-info"); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	for _, backend := range []string{repo.BackendGoGit, repo.BackendGit} {
		b.Run(backend, func(b *testing.B) {
			for b.Loop() {
				r, err := repo.Open(repo.Options{Dir: g.Dir, Env: g.Env, Backend: backend})
				if err != nil {
					b.Fatal(err)
				}
				if len(r.Entries()) != 100_000 {
					b.Fatalf("%d entries", len(r.Entries()))
				}
			}
		})
	}
}
