package checks

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/lockguard/lockguard/internal/benchgen"
	"github.com/lockguard/lockguard/internal/config"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/testenv"
)

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchRepo generates (once per process) a repository with 10k tracked
// files and 200 Cargo roots, 5% of them defective.
func benchRepo(b *testing.B) string {
	b.Helper()
	testenv.Tool(b, "git")
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lockguard-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchDir = dir
		_, benchErr = benchgen.Generate(dir, benchgen.Options{Files: 10_000, CargoRoots: 200, Defects: 0.05, Seed: 1, Env: testenv.GitEnv(dir)})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

// BenchmarkCheck10k runs every rule on the generated repository, from
// opening it to sorted diagnostics: what `lockguard check` does minus printing.
func BenchmarkCheck10k(b *testing.B) {
	dir := benchRepo(b)
	b.ReportAllocs()
	for b.Loop() {
		r, err := repo.Open(repo.Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		res, err := Run(NewSnapshot(r, config.Default()), All(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Diagnostics) == 0 {
			b.Fatal("the generated defects were not found")
		}
	}
}

// BenchmarkGitLsFiles10k is the floor: git reading the same index.
func BenchmarkGitLsFiles10k(b *testing.B) {
	dir := benchRepo(b)
	for b.Loop() {
		cmd := exec.Command("git", "ls-files", "-z")
		cmd.Dir = dir
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(filepath.Clean(benchDir))
	}
	os.Exit(code)
}
