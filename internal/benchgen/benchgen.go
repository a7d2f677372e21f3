// Package benchgen generates realistic monorepos for benchmarks: Cargo
// workspaces and standalone roots, source files, and a share of defects.
// It writes files and commits them with the real git binary.
package benchgen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Options describe the repository to generate.
type Options struct {
	Files      int     // tracked files in total (about)
	CargoRoots int     // Cargo roots (standalone packages and workspaces)
	Defects    float64 // share of roots with a defect (no lock, untracked lock)
	Seed       uint64
	Env        []string // environment for git (nil: os.Environ())
}

// Stats says what was generated.
type Stats struct {
	Files, Roots, Missing, Untracked int
}

// Generate writes and commits the repository in dir (which must exist and be empty).
func Generate(dir string, o Options) (Stats, error) {
	rng := rand.New(rand.NewPCG(o.Seed, 7))
	var st Stats
	write := func(rel, content string) error {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		st.Files++
		return os.WriteFile(p, []byte(content), 0o644)
	}
	var untracked []string
	filesPerRoot := max(o.Files/max(o.CargoRoots, 1), 4)
	for i := 0; i < o.CargoRoots; i++ {
		root := fmt.Sprintf("services/svc%03d", i)
		workspace := i%4 == 0
		defect := rng.Float64() < o.Defects
		if workspace {
			if err := write(root+"/Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n"); err != nil {
				return st, err
			}
			lock := "version = 4\n"
			for m := 0; m < 3; m++ {
				name := fmt.Sprintf("svc%03d-m%d", i, m)
				if err := write(fmt.Sprintf("%s/crates/m%d/Cargo.toml", root, m), fmt.Sprintf("[package]\nname = %q\nversion = \"0.1.0\"\nedition = \"2021\"\n", name)); err != nil {
					return st, err
				}
				lock += fmt.Sprintf("\n[[package]]\nname = %q\nversion = \"0.1.0\"\n", name)
			}
			if err := addLock(write, root, lock, defect, rng, &st, &untracked); err != nil {
				return st, err
			}
		} else {
			name := fmt.Sprintf("svc%03d", i)
			if err := write(root+"/Cargo.toml", fmt.Sprintf("[package]\nname = %q\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n", name)); err != nil {
				return st, err
			}
			if err := write(root+"/src/main.rs", "fn main() {}\n"); err != nil {
				return st, err
			}
			lock := fmt.Sprintf("version = 4\n\n[[package]]\nname = %q\nversion = \"0.1.0\"\n", name)
			if err := addLock(write, root, lock, defect, rng, &st, &untracked); err != nil {
				return st, err
			}
		}
		st.Roots++
		for f := 0; f < filesPerRoot-5; f++ {
			if err := write(fmt.Sprintf("%s/src/mod%03d.rs", root, f), "pub fn f() {}\n"); err != nil {
				return st, err
			}
		}
	}
	for st.Files < o.Files {
		if err := write(fmt.Sprintf("docs/d%03d/page%05d.md", st.Files/500, st.Files), "# page\n"); err != nil {
			return st, err
		}
	}
	if err := write(".gitignore", "target/\n"); err != nil {
		return st, err
	}
	git := func(args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = o.Env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := git("init", "-q", "-b", "main"); err != nil {
		return st, err
	}
	if err := git("add", "-A"); err != nil {
		return st, err
	}
	if len(untracked) > 0 {
		if err := git(append([]string{"rm", "-q", "--cached", "--"}, untracked...)...); err != nil {
			return st, err
		}
	}
	if err := git("-c", "user.name=bench", "-c", "user.email=bench@lockguard.invalid", "commit", "-q", "-m", "generated"); err != nil {
		return st, err
	}
	return st, nil
}

func addLock(write func(string, string) error, root, lock string, defect bool, rng *rand.Rand, st *Stats, untracked *[]string) error {
	if defect && rng.IntN(2) == 0 {
		st.Missing++
		return nil
	}
	if err := write(root+"/Cargo.lock", lock); err != nil {
		return err
	}
	if defect {
		st.Untracked++
		*untracked = append(*untracked, root+"/Cargo.lock")
	}
	return nil
}
