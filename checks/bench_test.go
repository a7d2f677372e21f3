package checks

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/lockguard/lockguard/internal/benchgen"
	"github.com/lockguard/lockguard/internal/config"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
)

// benchRepos are the generated repositories, by tracked files; each is
// generated once per process, on first use.
var (
	benchMu    sync.Mutex
	benchRepos = map[int]*benchRepoState{}
)

type benchRepoState struct {
	once sync.Once
	dir  string
	err  error
}

// benchRepo generates (once per process) a repository with files tracked
// files: about one Cargo root per 100 files and one flake project (flake,
// imports, Dockerfile, scripts, workflow) per 1,000, 5% of them defective.
// LOCKGUARD_BENCH_REPO_<files>=DIR uses an existing one instead (as
// scripts/bench.sh generates them).
func benchRepo(b *testing.B, files int) string {
	b.Helper()
	testenv.Tool(b, "git")
	benchMu.Lock()
	st := benchRepos[files]
	if st == nil {
		st = &benchRepoState{}
		benchRepos[files] = st
	}
	benchMu.Unlock()
	st.once.Do(func() {
		if dir := os.Getenv(fmt.Sprintf("LOCKGUARD_BENCH_REPO_%d", files)); dir != "" {
			st.dir = dir
			return
		}
		dir, err := os.MkdirTemp("", "lockguard-bench-")
		if err != nil {
			st.err = err
			return
		}
		st.dir = dir
		cleanup = append(cleanup, dir)
		_, st.err = benchgen.Generate(dir, benchgen.Options{Files: files, Defects: 0.05, Seed: 1, Env: testenv.GitEnv(dir)})
	})
	if st.err != nil {
		b.Fatal(st.err)
	}
	return st.dir
}

var cleanup []string

// benchmarkCheck runs every rule on a generated repository, from opening
// it to sorted diagnostics: what `lockguard check` does minus printing.
func benchmarkCheck(b *testing.B, files int, staged bool) {
	dir := benchRepo(b, files)
	b.ReportAllocs()
	for b.Loop() {
		r, err := repo.Open(repo.Options{Dir: dir, Staged: staged})
		if err != nil {
			b.Fatal(err)
		}
		res, err := Run(snapshot.New(r, config.Default()), All(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if files >= 10_000 && len(res.Diagnostics) == 0 {
			b.Fatal("the generated defects were not found")
		}
	}
}

func BenchmarkCheck1k(b *testing.B)       { benchmarkCheck(b, 1_000, false) }
func BenchmarkCheckStaged1k(b *testing.B) { benchmarkCheck(b, 1_000, true) }
func BenchmarkCheck10k(b *testing.B)      { benchmarkCheck(b, 10_000, false) }
func BenchmarkCheck100k(b *testing.B)     { benchmarkCheck(b, 100_000, false) }

// benchmarkGitLsFiles is the floor: git reading the same index.
func benchmarkGitLsFiles(b *testing.B, files int) {
	dir := benchRepo(b, files)
	for b.Loop() {
		cmd := exec.Command("git", "ls-files", "-z")
		cmd.Dir = dir
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGitLsFiles10k(b *testing.B)  { benchmarkGitLsFiles(b, 10_000) }
func BenchmarkGitLsFiles100k(b *testing.B) { benchmarkGitLsFiles(b, 100_000) }

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range cleanup {
		os.RemoveAll(filepath.Clean(dir))
	}
	os.Exit(code)
}

// The repository scripts/bench.sh times `lockguard fix` on must give each
// of its roots an LG101 with a fix, or the benchmark times a fix that does
// nothing (as it did once the default require-lock became "consumed").
func TestGenerateFixNeedsEveryLock(t *testing.T) {
	testenv.Tool(t, "git")
	dir := t.TempDir()
	const roots = 3
	if err := benchgen.GenerateFix(dir, roots, testenv.GitEnv(dir)); err != nil {
		t.Fatal(err)
	}
	r, err := repo.Open(repo.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Find(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(snapshot.New(r, cfg), All(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fixes := 0
	for _, d := range res.Diagnostics {
		if d.Rule != CargoLockMissing.ID || d.Fix == nil {
			t.Errorf("unexpected finding %s %s: %s", d.Rule, d.Path, d.Message)
			continue
		}
		fixes++
	}
	if fixes != roots {
		t.Errorf("%d LG101 findings with a fix, want %d", fixes, roots)
	}
}
