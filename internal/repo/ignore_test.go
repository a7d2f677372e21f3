package repo_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/testenv"
)

func gitCmd(dir string, env []string, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%w: %s", err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// checkIgnore asks `git check-ignore -v --no-index` about paths (relative to
// root) and returns the expected match for each (nil when not ignored).
func checkIgnore(t *testing.T, root string, env []string, ps []string) map[string]*repo.IgnoreMatch {
	t.Helper()
	var in bytes.Buffer
	for _, p := range ps {
		in.WriteString(p)
		in.WriteByte(0)
	}
	out, err := gitCmd(root, env, in.Bytes(), "check-ignore", "--no-index", "-v", "-n", "-z", "--stdin")
	if err != nil && !strings.Contains(err.Error(), "exit status 1") {
		t.Fatalf("git check-ignore: %v\n%s", err, out)
	}
	f := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(f) != 4*len(ps) {
		t.Fatalf("git check-ignore printed %d fields for %d paths: %q", len(f), len(ps), out)
	}
	want := map[string]*repo.IgnoreMatch{}
	for i := 0; i < len(f); i += 4 {
		src, line, pat, p := f[i], f[i+1], f[i+2], f[i+3]
		if src == "" || strings.HasPrefix(pat, "!") {
			want[p] = nil
			continue
		}
		n, err := strconv.Atoi(line)
		if err != nil {
			t.Fatalf("bad line %q", line)
		}
		want[p] = &repo.IgnoreMatch{Source: src, Line: n, Pattern: pat}
	}
	return want
}

// diffIgnore compares Ignored with git for every path (which must exist).
func diffIgnore(t *testing.T, r *repo.Repo, env []string, ps []string) int {
	t.Helper()
	want := checkIgnore(t, r.Root(), env, ps)
	ignored := 0
	for _, p := range ps {
		fi, err := os.Lstat(filepath.Join(r.Root(), filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		got := r.Ignored(p, fi.IsDir())
		w, ok := want[p]
		if !ok {
			t.Fatalf("git did not answer for %q", p)
		}
		if w != nil {
			ignored++
			// Reports name ignore files outside the work tree by what
			// git calls them, not by their absolute path.
			if filepath.IsAbs(w.Source) {
				c := *w
				c.Source = "core.excludesFile"
				if strings.HasSuffix(w.Source, "/.config/git/ignore") {
					c.Source = "$XDG_CONFIG_HOME/git/ignore"
				}
				if strings.HasSuffix(w.Source, "/info/exclude") {
					c.Source = "$GIT_DIR/info/exclude"
				}
				w = &c
			}
		}
		switch {
		case (got == nil) != (w == nil):
			t.Errorf("Ignored(%q) = %v, git check-ignore says %v", p, got, w)
		case got != nil && *got != *w:
			t.Errorf("Ignored(%q) = %v, git check-ignore says %v", p, *got, *w)
		}
	}
	return ignored
}

func TestIgnoredMatchesGit(t *testing.T) {
	g := testenv.NewRepo(t)
	// Global excludes file, named with ~ in ~/.gitconfig.
	if err := os.WriteFile(filepath.Join(g.Home, ".gitconfig"), []byte("[core]\n\texcludesFile = ~/global-ignore\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(g.Home, "global-ignore"), []byte("*.swp\n/onlyroot\n!keep.swp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(g.Dir, ".git", "info", "exclude"), []byte("# local\nsecret*\n*.swp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := strings.Join([]string{
		"# comment",
		"",
		"*.log",
		"!keep.log",
		"/anchored.txt",
		"build/",
		"**/gen/**",
		"doc/**/*.tmp",
		`\#hash`,
		`\!bang`,
		`trailing\ `,
		"spaces   ",
		"foo[0-9].txt",
		"[!a]x.bin",
		"vendor",
		"!vendor/keep",
		"deep/**/z",
		"m/**/n",
		"x*/y",
		"[[:digit:]]*.num",
		"**/logs",
		"*.crlf\r",
		"lit?ral",
		"a/b/only-here",
		"[[:punct:]]p",
		"[a-c]r",
		"[]]sq",
		"[^x]neg",
		"q/*",
		"!q/keep",
		"\\[lit",
		"trail/**",
		"oddcls[[:nope:]]",
	}, "\n") + "\n"
	g.WriteFiles(map[string]string{
		".gitignore":     "\xef\xbb\xbf" + root,
		"a/.gitignore":   "*.txt\n!important.txt\n/local\nsub/\n!*.log\n",
		"a/b/.gitignore": "!*.txt\nx?y\n!/only-here\n# no trailing newline\nlast",
		"c/.gitignore":   "*\n!*/\n!*.go\n",
		"e/.gitignore":   "**\n!*.*\n!*/\n!**/noext-*\nnoext-bad\n",
	})
	g.Commit("ignore files")

	dirs := []string{"build", "a/build", "a/sub", "a/b/sub", "sub", "logs", "a/logs", "vendor", "q", "trail", "c/d", "a/b/build", "e/f"}
	files := []string{
		"x.log", "keep.log", "a/keep.log", "a/x.log", "anchored.txt", "a/anchored.txt",
		"build/x.o", "a/build/y", "a/b/build/z", "gen/f", "a/gen/f", "a/b/gen/c/d", "a/b/c/gen",
		"doc/x.tmp", "doc/a/b/x.tmp", "docx.tmp", "#hash", "!bang", "trailing ", "trailing",
		"spaces", "spaces ", "foo1.txt", "fooa.txt", "bx.bin", "ax.bin", "vendor/keep", "vendor/lib.go",
		"deep/z", "deep/q/r/z", "m/n", "m/x/n", "m/x/y/n", "mn", "xa/y", "x/y", "xa/b/y",
		"1.num", "a.num", "logs/l", "a/logs/l", "w.crlf", "w.crlf\r", "literal", "litxral", "lit/ral",
		"a/n.txt", "a/important.txt", "a/b/n.txt", "a/b/important.txt", "a/local", "a/b/local", "local",
		"a/sub/f", "sub/f", "a/b/sub/f", "a/b/xzy", "a/b/x/y", "a/b/only-here", "a/b/last", "last",
		"secret.key", "a/secretfile", "x.swp", "a/x.swp", "keep.swp", "onlyroot", "a/onlyroot",
		"plain.go", "a/b/c/d/e.go", "name with space.log", "caf\xe9.log",
		"e/noext", "e/f/noext", "e/noext-ok", "e/f/noext-ok", "e/noext-bad", "e/f/noext-bad", "e/x.y", "e/f/x.y", "!p", "ap", "ar", "dr", "]sq", "xsq", "yneg", "xneg",
		"q/keep", "q/other", "[lit", "trail/x", "oddclsx",
		"c/x.go", "c/x.txt", "c/d/y.go", "c/d/y.txt", "new\nline.log",
	}
	for _, d := range dirs {
		if err := os.MkdirAll(g.Path(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		g.Write(f, "x")
	}
	all := append(slices.Clone(dirs), files...)
	all = append(all, "a", "a/b", "c", "e", "doc", "doc/a", "m", "m/x", "deep")

	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			r := open(t, g.Env, g.Path("a"), b)
			n := diffIgnore(t, r, g.Env, all)
			t.Logf("%d of %d paths ignored", n, len(all))
			if n < 20 || n > len(all)-20 {
				t.Errorf("only %d of %d paths ignored: the fixture does not exercise both outcomes", n, len(all))
			}
		})
	}

	// The same files with the default XDG excludes file instead.
	if err := os.Remove(filepath.Join(g.Home, ".gitconfig")); err != nil {
		t.Fatal(err)
	}
	xdg := filepath.Join(g.Home, ".config", "git")
	if err := os.MkdirAll(xdg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(xdg, "ignore"), []byte("*.num\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := open(t, g.Env, g.Dir, "")
	diffIgnore(t, r, g.Env, all)
	if m := r.Ignored("a.num", false); m == nil || m.Source != "$XDG_CONFIG_HOME/git/ignore" {
		t.Errorf("Ignored(a.num) = %v, want the XDG ignore file", m)
	}

	// core.excludesFile in the XDG config file.
	if err := os.WriteFile(filepath.Join(xdg, "config"), []byte("[core]\nexcludesfile = ~/xdg-config-ignore\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(g.Home, "xdg-config-ignore"), []byte("*.go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = open(t, g.Env, g.Dir, "")
	diffIgnore(t, r, g.Env, all)
	if m := r.Ignored("plain.go", false); m == nil || m.Source != "core.excludesFile" {
		t.Errorf("Ignored(plain.go) = %v, want xdg-config-ignore", m)
	}
}

func TestIgnoredNeverReincludesBelowExcludedDir(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{
		".gitignore":            "target/\n!target/keep.lock\n",
		"target/keep.lock":      "x",
		"target/.gitignore":     "!keep.lock\n",
		"other/target.lock":     "x",
		"nested/target/x.lock":  "x",
		"nested/.gitignore":     "!target/\n",
		"nested/target/y/z.txt": "x",
	})
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		m := r.Ignored("target/keep.lock", false)
		if m == nil || m.String() != ".gitignore:1:target/" {
			t.Errorf("Ignored(target/keep.lock) = %v, want .gitignore:1:target/", m)
		}
		if m := r.Ignored("nested/target/x.lock", false); m != nil {
			t.Errorf("Ignored(nested/target/x.lock) = %v: nested/.gitignore re-includes target/", m)
		}
		diffIgnore(t, r, g.Env, []string{"target", "target/keep.lock", "other/target.lock", "nested/target", "nested/target/x.lock", "nested/target/y/z.txt"})
	})
}

func TestIgnoredSubmoduleInfoExclude(t *testing.T) {
	sub := testenv.NewRepo(t)
	sub.Write("s.txt", "s")
	sub.Commit("s")
	g := testenv.NewRepo(t)
	g.Git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.Dir, "sub")
	g.Commit("sub")
	mod := filepath.Join(g.Dir, ".git", "modules", "sub")
	if err := os.WriteFile(filepath.Join(mod, "info", "exclude"), []byte("*.gen\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.Write("sub/x.gen", "x")
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Path("sub"), backend)
		if n := diffIgnore(t, r, g.Env, []string{"x.gen", "s.txt"}); n != 1 {
			t.Errorf("%d paths ignored, want 1", n)
		}
		m := r.Ignored("x.gen", false)
		if m == nil || m.Source != "$GIT_DIR/info/exclude" {
			t.Errorf("Ignored(x.gen) = %v", m)
		}
	})
}

func TestIgnoredWorktreeDifferential(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{".gitignore": "*.o\n", "a.c": "c"})
	g.Commit("init")
	if err := os.WriteFile(filepath.Join(g.Dir, ".git", "info", "exclude"), []byte("*.tmp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wt := filepath.Join(filepath.Dir(g.Dir), "wt")
	g.Git("worktree", "add", "-q", wt)
	for _, f := range []string{"x.o", "x.tmp", "x.c"} {
		if err := os.WriteFile(filepath.Join(wt, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, wt, backend)
		if n := diffIgnore(t, r, g.Env, []string{"x.o", "x.tmp", "x.c"}); n != 2 {
			t.Errorf("%d paths ignored, want 2", n)
		}
	})
}

func TestIgnoredSymlinkedGitignoreSkipped(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"real-ignore": "*.x\n", "d/a.x": "", "a.x": ""})
	if err := os.Symlink("../real-ignore", g.Path("d/.gitignore")); err != nil {
		t.Skip(err)
	}
	r := open(t, g.Env, g.Dir, "")
	diffIgnore(t, r, g.Env, []string{"d/a.x", "a.x"})
}
