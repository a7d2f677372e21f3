package benchgen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGenerate is the generator's entry point for scripts/bench.sh; it runs
// only when LOCKGUARD_BENCHGEN_OUT names a directory:
//
//	LOCKGUARD_BENCHGEN_OUT=DIR          repositories go to DIR/repo-<files>, DIR/fix-<roots>
//	LOCKGUARD_BENCHGEN_SIZES=1000,10000 tracked files per repository (default 1000,10000,100000)
//	LOCKGUARD_BENCHGEN_FIX=16           also a repository of 16 lockless roots for `fix` (0: none)
//	LOCKGUARD_BENCHGEN_DEFECTS=0.05     share of defective units
//	LOCKGUARD_BENCHGEN_SEED=1
//
// It prints one line per repository: "repo DIR <Stats>".
func TestGenerate(t *testing.T) {
	out := os.Getenv("LOCKGUARD_BENCHGEN_OUT")
	if out == "" {
		t.Skip("LOCKGUARD_BENCHGEN_OUT is not set")
	}
	sizes := envInts(t, "LOCKGUARD_BENCHGEN_SIZES", "1000,10000,100000")
	fix := envInts(t, "LOCKGUARD_BENCHGEN_FIX", "16")[0]
	seed := envInts(t, "LOCKGUARD_BENCHGEN_SEED", "1")[0]
	defects := 0.05
	if v := os.Getenv("LOCKGUARD_BENCHGEN_DEFECTS"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("LOCKGUARD_BENCHGEN_DEFECTS: %v", err)
		}
		defects = f
	}
	for _, n := range sizes {
		dir := filepath.Join(out, fmt.Sprintf("repo-%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		st, err := Generate(dir, Options{Files: n, Defects: defects, Seed: uint64(seed)})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("repo %s %v (generated in %.1fs)\n", dir, st, time.Since(start).Seconds())
	}
	if fix > 0 {
		dir := filepath.Join(out, fmt.Sprintf("fix-%d", fix))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := GenerateFix(dir, fix, nil); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("repo %s fix roots=%d\n", dir, fix)
	}
}

func envInts(t *testing.T, key, def string) []int {
	v := os.Getenv(key)
	if v == "" {
		v = def
	}
	var out []int
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		out = append(out, n)
	}
	return out
}

// TestDeterministic checks that a seed gives the same repository (same
// tracked tree) and that every defect family is planted.
func TestDeterministic(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	var trees []string
	for range 2 {
		dir := t.TempDir()
		st, err := Generate(dir, Options{Files: 3000, Defects: 0.5, Seed: 3, Env: gitEnv(t)})
		if err != nil {
			t.Fatal(err)
		}
		if st.Files != 3000 {
			t.Errorf("%d tracked files, want 3000", st.Files)
		}
		for _, k := range []string{"LG101", "LG102", "LG103"} {
			if st.Defects[k] == 0 {
				t.Errorf("no %s defect planted: %v", k, st)
			}
		}
		cmd := exec.Command("git", "rev-parse", "HEAD^{tree}")
		cmd.Dir = dir
		cmd.Env = gitEnv(t)
		b, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		trees = append(trees, strings.TrimSpace(string(b)))
	}
	if trees[0] != trees[1] {
		t.Errorf("same seed, different trees: %s, %s", trees[0], trees[1])
	}
}

func gitEnv(t *testing.T) []string {
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "GIT_CONFIG_NOSYSTEM=1")
}
