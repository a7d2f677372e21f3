package nar_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/nar"
	"github.com/lockguard/lockguard/internal/testenv"
)

// nixEnv is an environment for running Nix 2.8 and git, with caches in home.
func nixEnv(home string) []string { return testenv.NixEnv(home, testenv.GitEnv(home)) }

func run(t *testing.T, env []string, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

func write(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// A tree with every kind of node NAR has, names whose byte order differs
// from other orders, and sizes around the 8-byte padding.
func makeTree(t *testing.T, root string) {
	for i, size := range []int{0, 1, 7, 8, 9, 15, 16, 100000} {
		write(t, filepath.Join(root, "sizes", "f"+string(rune('a'+i))), strings.Repeat("x", size), 0o644)
	}
	write(t, filepath.Join(root, "bin", "run.sh"), "#!/bin/sh\necho hi\n", 0o755)
	write(t, filepath.Join(root, "bin", "owner-only-x"), "x", 0o700)
	write(t, filepath.Join(root, "bin", "group-x-only"), "x", 0o654) // not executable for Nix
	for _, n := range []string{"B", "a", "a.b", "a-b", "a_b", "Z", "é", "a b"} {
		write(t, filepath.Join(root, "order", n), n, 0o644)
	}
	if err := os.MkdirAll(filepath.Join(root, "empty", "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"link-file": "sizes/fa", "link-dir": "bin", "link-dangling": "does/not/exist",
		"order/link-abs": "/etc/hostname", "link-long": strings.Repeat("y/", 40) + "z",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHashMatchesNixHashPath(t *testing.T) {
	nix := testenv.Tool(t, "nix")
	env := nixEnv(t.TempDir())
	root := filepath.Join(t.TempDir(), "tree")
	makeTree(t, root)

	for _, p := range []string{root, filepath.Join(root, "bin", "run.sh"), filepath.Join(root, "sizes", "fa"), filepath.Join(root, "link-dir"), filepath.Join(root, "empty")} {
		got, err := nar.SRI(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := run(t, env, "", nix, "hash", "path", p)
		if got != want {
			t.Errorf("%s: lockguard %s, nix hash path %s", p, got, want)
		}
	}
	sum, err := nar.Hash(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := run(t, env, "", nix, "hash", "path", "--base16", root); nar.FormatHex(sum) != want {
		t.Errorf("base16: lockguard %s, nix %s", nar.FormatHex(sum), want)
	}
}

func TestExcludeGit(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root)
	want, err := nar.SRI(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, ".git", "HEAD"), "ref: refs/heads/main\n", 0o644)
	write(t, filepath.Join(root, "order", ".git"), "gitdir: ../.git/modules/order\n", 0o644)
	got, err := nar.SRI(root, nar.ExcludeGit)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("with .git excluded %s, without .git %s", got, want)
	}
	if all, _ := nar.SRI(root, nil); all == want {
		t.Errorf("the unfiltered hash ignores .git")
	}
}

func TestSpecialFileIsAnError(t *testing.T) {
	root := t.TempDir()
	if err := exec.Command("mkfifo", filepath.Join(root, "fifo")).Run(); err != nil {
		t.Skip("mkfifo:", err)
	}
	_, err := nar.SRI(root, nil)
	if err == nil || !strings.Contains(err.Error(), "fifo") {
		t.Fatalf("want an error naming the fifo, got %v", err)
	}
}

// The hash of a git checkout (submodules included, .git left out) equals the
// narHash Nix's builtins.fetchGit reports for the same commit.
func TestHashMatchesFetchGitNarHash(t *testing.T) {
	nix := testenv.Tool(t, "nix")
	sub := testenv.NewRepo(t)
	sub.Write("lib.txt", "submodule content\n")
	write(t, sub.Path("tool.sh"), "#!/bin/sh\n", 0o755)
	sub.Commit("sub")

	top := testenv.NewRepo(t)
	// Git refuses file:// submodules unless allowed (CVE-2022-39253).
	gitconfig := "[protocol \"file\"]\n\tallow = always\n"
	for _, home := range []string{top.Home} {
		write(t, filepath.Join(home, ".gitconfig"), gitconfig, 0o644)
	}
	top.Write("Cargo.toml", "[workspace]\n")
	top.Write("src/a.rs", "fn main() {}\n")
	write(t, top.Path("build.sh"), "#!/bin/sh\n", 0o755)
	if err := os.Symlink("src/a.rs", top.Path("main.rs")); err != nil {
		t.Fatal(err)
	}
	top.Git("submodule", "add", "-q", "file://"+sub.Dir, "vendor/sub")
	top.Commit("top")
	rev := strings.TrimSpace(top.Git("rev-parse", "HEAD"))

	// The checkout lockguard's fixer makes: clone, check out, submodules.
	co := filepath.Join(t.TempDir(), "co")
	env := nixEnv(top.Home)
	run(t, env, "", "git", "clone", "-q", "file://"+top.Dir, co)
	run(t, env, co, "git", "checkout", "-q", rev)
	run(t, env, co, "git", "submodule", "update", "-q", "--init", "--recursive")
	got, err := nar.SRI(co, nar.ExcludeGit)
	if err != nil {
		t.Fatal(err)
	}

	want := run(t, env, "", nix, "eval", "--raw", "--impure", "--expr",
		`(builtins.fetchGit { url = "file://`+top.Dir+`"; rev = "`+rev+`"; submodules = true; }).narHash`)
	if got != want {
		t.Errorf("lockguard %s, fetchGit narHash %s", got, want)
	}
	if hp := run(t, env, "", nix, "hash", "path", co); hp == got {
		t.Errorf("nix hash path of the checkout with .git equals the filtered hash")
	}
	// nix-prefetch-git (fetchgit) deletes every .git, then hashes the path.
	run(t, env, co, "sh", "-c", "find . -name .git -prune -exec rm -rf {} +")
	if hp := run(t, env, "", nix, "hash", "path", co); hp != got {
		t.Errorf("lockguard %s, nix hash path of the checkout without .git %s", got, hp)
	}
	// Without the submodule, the hash differs: the submodule is really in.
	if err := os.RemoveAll(filepath.Join(co, "vendor", "sub", "lib.txt")); err != nil {
		t.Fatal(err)
	}
	if again, _ := nar.SRI(co, nar.ExcludeGit); again == want {
		t.Errorf("removing a submodule file did not change the hash")
	}
}
