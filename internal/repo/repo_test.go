package repo_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/testenv"
)

var backends = []string{repo.BackendGoGit, repo.BackendGit}

// open opens dir with a backend and the test repository's environment.
func open(t *testing.T, env []string, dir, backend string, extra ...string) *repo.Repo {
	t.Helper()
	r, err := repo.Open(repo.Options{Dir: dir, Env: append(slices.Clone(env), extra...), Backend: backend})
	if err != nil {
		t.Fatalf("Open(%s, backend %q): %v", dir, backend, err)
	}
	if backend != "" && r.Backend() != backend {
		t.Fatalf("Backend() = %q, want %q", r.Backend(), backend)
	}
	return r
}

// forBoth runs f once per backend.
func forBoth(t *testing.T, f func(t *testing.T, backend string)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b, func(t *testing.T) { f(t, b) })
	}
}

func paths(es []repo.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Path)
	}
	return out
}

func assertPaths(t *testing.T, what string, got []repo.Entry, want ...string) {
	t.Helper()
	if g := paths(got); !slices.Equal(g, want) {
		t.Errorf("%s = %q, want %q", what, g, want)
	}
}

// sameEntries opens dir with both backends and requires identical entries.
func sameEntries(t *testing.T, env []string, dir string) []repo.Entry {
	t.Helper()
	a := open(t, env, dir, repo.BackendGoGit)
	b := open(t, env, dir, repo.BackendGit)
	if !reflect.DeepEqual(a.Entries(), b.Entries()) {
		t.Fatalf("go-git and git entries differ:\ngo-git: %+v\ngit:    %+v", a.Entries(), b.Entries())
	}
	for _, f := range []func(*repo.Repo) string{(*repo.Repo).Root, (*repo.Repo).GitDir, (*repo.Repo).CommonDir, (*repo.Repo).Prefix} {
		if f(a) != f(b) {
			t.Errorf("go-git and git disagree on a directory: %q vs %q", f(a), f(b))
		}
	}
	if !slices.Equal(a.Submodules(), b.Submodules()) {
		t.Errorf("Submodules differ: %q vs %q", a.Submodules(), b.Submodules())
	}
	return a.Entries()
}

func TestOpenSubdirectoryAndDir(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"top.txt": "t", "a/b/c.txt": "c", "a/d.txt": "d"})
	g.Commit("init")
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Path("a/b"), backend)
		if r.Root() != g.Dir {
			t.Errorf("Root = %q, want %q", r.Root(), g.Dir)
		}
		if r.Prefix() != "a/b" {
			t.Errorf("Prefix = %q, want a/b", r.Prefix())
		}
		if want := filepath.Join(g.Dir, ".git"); r.GitDir() != want || r.CommonDir() != want {
			t.Errorf("GitDir, CommonDir = %q, %q, want %q", r.GitDir(), r.CommonDir(), want)
		}
		assertPaths(t, "Entries", r.Entries(), "a/b/c.txt", "a/d.txt", "top.txt")
		if e, ok := r.Entry("a/b/c.txt"); !ok || e.Mode != 0o100644 || len(e.Hash) != 40 {
			t.Errorf("Entry(a/b/c.txt) = %+v, %v", e, ok)
		}
		if _, ok := r.Entry("c.txt"); ok {
			t.Error("Entry must take repo-relative paths, not prefix-relative ones")
		}
		top := open(t, g.Env, g.Dir, backend)
		if top.Prefix() != "" {
			t.Errorf("Prefix at top = %q", top.Prefix())
		}
	})
}

func TestOpenCurrentDirectory(t *testing.T) {
	g := testenv.NewRepo(t)
	g.Write("sub/f.txt", "f")
	g.Commit("init")
	t.Chdir(g.Path("sub"))
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, "", backend)
		if r.Root() != g.Dir || r.Prefix() != "sub" {
			t.Errorf("Root, Prefix = %q, %q; want %q, sub", r.Root(), r.Prefix(), g.Dir)
		}
	})
}

func TestAutoBackendIsGoGit(t *testing.T) {
	g := testenv.NewRepo(t)
	g.Write("a", "a")
	g.Commit("init")
	if r := open(t, g.Env, g.Dir, ""); r.Backend() != repo.BackendGoGit {
		t.Errorf("auto backend on a plain repository = %q, want go-git", r.Backend())
	}
	if _, err := repo.Open(repo.Options{Dir: g.Dir, Env: g.Env, Backend: "svn"}); err == nil {
		t.Error("unknown backend accepted")
	}
}

func TestTrackedUnder(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{
		"a+": "", "a-b": "", "a.txt": "", "a/x": "", "a/y/z": "", "a0": "", "ab/c": "", "b/a/x": "",
	})
	g.Commit("init")
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		assertPaths(t, "TrackedUnder(a)", r.TrackedUnder("a"), "a/x", "a/y/z")
		assertPaths(t, "TrackedUnder(a/)", r.TrackedUnder("a/"), "a/x", "a/y/z")
		assertPaths(t, "TrackedUnder(a/y)", r.TrackedUnder("a/y"), "a/y/z")
		assertPaths(t, "TrackedUnder(b)", r.TrackedUnder("b"), "b/a/x")
		assertPaths(t, "TrackedUnder(nope)", r.TrackedUnder("nope"))
		assertPaths(t, "TrackedUnder(a/x)", r.TrackedUnder("a/x"))
		if got := len(r.TrackedUnder("")); got != 8 {
			t.Errorf("TrackedUnder(\"\") has %d entries, want 8", got)
		}
		// The result must not be able to clobber the shared slice.
		sub := r.TrackedUnder("a")
		_ = append(sub, repo.Entry{Path: "clobber"})
		if e, _ := r.Entry("a0"); e.Path != "a0" {
			t.Error("append to TrackedUnder result clobbered the entries")
		}
	})
}

func TestLinkedWorktree(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"a.txt": "a", "d/b.txt": "b"})
	g.Commit("init")
	wt := filepath.Join(filepath.Dir(g.Dir), "wt")
	g.Git("worktree", "add", "-q", "-b", "feature", wt)
	if err := os.WriteFile(filepath.Join(g.Dir, ".git", "info", "exclude"), []byte("*.secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wt, "x.secret"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wt, "new.txt"), []byte("n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitWT := func(args ...string) { t.Helper(); runIn(t, wt, g.Env, args...) }
	gitWT("add", "new.txt")
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, filepath.Join(wt, "d"), backend)
		if r.Root() != wt || r.Prefix() != "d" {
			t.Errorf("Root, Prefix = %q, %q", r.Root(), r.Prefix())
		}
		if want := filepath.Join(g.Dir, ".git", "worktrees", "wt"); r.GitDir() != want {
			t.Errorf("GitDir = %q, want %q", r.GitDir(), want)
		}
		if want := filepath.Join(g.Dir, ".git"); r.CommonDir() != want {
			t.Errorf("CommonDir = %q, want %q", r.CommonDir(), want)
		}
		assertPaths(t, "Entries", r.Entries(), "a.txt", "d/b.txt", "new.txt")
		st := r.Status("x.secret")
		want := repo.IgnoreMatch{Source: "$GIT_DIR/info/exclude", Line: 1, Pattern: "*.secret"} // outside the linked work tree: no absolute path
		if st.State != repo.StateIgnored || st.Ignore == nil || *st.Ignore != want {
			t.Errorf("Status(x.secret) = %v %v, want ignored by %v", st.State, st.Ignore, want)
		}
		main := open(t, g.Env, g.Dir, backend)
		assertPaths(t, "main Entries", main.Entries(), "a.txt", "d/b.txt")
	})
	sameEntries(t, g.Env, wt)
}

func TestSubmodule(t *testing.T) {
	sub := testenv.NewRepo(t)
	sub.WriteFiles(map[string]string{"lib.go": "package lib", "inner/x.txt": "x"})
	sub.Commit("sub")
	g := testenv.NewRepo(t)
	g.Write("top.txt", "t")
	g.Commit("init")
	g.Git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.Dir, "deps/sub")
	g.Commit("add submodule")
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		assertPaths(t, "Entries", r.Entries(), ".gitmodules", "deps/sub", "top.txt")
		if e, ok := r.Entry("deps/sub"); !ok || !e.Submodule || e.Mode != 0o160000 {
			t.Errorf("Entry(deps/sub) = %+v, %v; want a gitlink", e, ok)
		}
		if got := r.Submodules(); !slices.Equal(got, []string{"deps/sub"}) {
			t.Errorf("Submodules = %q", got)
		}
		for _, p := range []string{"deps/sub/lib.go", "deps/sub/inner/x.txt", "deps/sub/missing"} {
			if st := r.Status(p); st.State != repo.StateInSubmodule || st.Submodule != "deps/sub" {
				t.Errorf("Status(%s) = %+v, want in-submodule deps/sub", p, st)
			}
		}
		if st := r.Status("deps/sub"); st.State != repo.StateCommitted {
			t.Errorf("Status(deps/sub) = %v, want committed", st.State)
		}
		if st := r.Status("deps/subx"); st.State != repo.StateMissing {
			t.Errorf("Status(deps/subx) = %v, want missing", st.State)
		}

		in := open(t, g.Env, g.Path("deps/sub/inner"), backend)
		if in.Root() != g.Path("deps/sub") || in.Prefix() != "inner" {
			t.Errorf("inside submodule: Root, Prefix = %q, %q", in.Root(), in.Prefix())
		}
		if want := filepath.Join(g.Dir, ".git", "modules", "deps", "sub"); in.GitDir() != want || in.CommonDir() != want {
			t.Errorf("inside submodule: GitDir, CommonDir = %q, %q, want %q", in.GitDir(), in.CommonDir(), want)
		}
		assertPaths(t, "submodule Entries", in.Entries(), "inner/x.txt", "lib.go")
	})
	sameEntries(t, g.Env, g.Dir)
	sameEntries(t, g.Env, g.Path("deps/sub"))
}

func TestNoCommitsAndEmptyIndex(t *testing.T) {
	g := testenv.NewRepo(t)
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		if len(r.Entries()) != 0 {
			t.Errorf("fresh repository has entries %q", paths(r.Entries()))
		}
	})
	g.WriteFiles(map[string]string{"a.txt": "a", "b.txt": "b"})
	g.Git("add", "a.txt")
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		assertPaths(t, "Entries", r.Entries(), "a.txt")
		if st := r.Status("b.txt"); st.State != repo.StateUntracked {
			t.Errorf("Status(b.txt) = %v", st.State)
		}
	})
	sameEntries(t, g.Env, g.Dir)
}

func TestDetachedHead(t *testing.T) {
	g := testenv.NewRepo(t)
	g.Write("a.txt", "1")
	g.Commit("one")
	g.Write("b.txt", "2")
	g.Commit("two")
	g.Git("checkout", "-q", "--detach", "HEAD~1")
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		assertPaths(t, "Entries", r.Entries(), "a.txt")
	})
}

func TestIndexVersion4(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"dir/one.txt": "1", "dir/two.txt": "2", "dir/sub/three.txt": "3", "z.txt": "z"})
	g.Commit("init")
	g.Git("update-index", "--index-version", "4")
	if hdr := readFile(t, filepath.Join(g.Dir, ".git", "index"))[:8]; string(hdr) != "DIRC\x00\x00\x00\x04" {
		t.Fatalf("index header %q, want version 4", hdr)
	}
	es := sameEntries(t, g.Env, g.Dir)
	assertPaths(t, "Entries", es, "dir/one.txt", "dir/sub/three.txt", "dir/two.txt", "z.txt")
}

func TestSplitIndexFallsBack(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"a.txt": "a", "b/c.txt": "c"})
	g.Commit("init")
	g.Git("config", "core.splitIndex", "true")
	g.Git("update-index", "--split-index")
	g.Write("d.txt", "d")
	g.Git("add", "d.txt")
	if _, err := os.Stat(filepath.Join(g.Dir, ".git")); err != nil {
		t.Fatal(err)
	}
	shared, _ := filepath.Glob(filepath.Join(g.Dir, ".git", "sharedindex.*"))
	if len(shared) == 0 {
		t.Fatal("git did not write a shared index")
	}
	if _, err := repo.Open(repo.Options{Dir: g.Dir, Env: g.Env, Backend: repo.BackendGoGit}); err == nil {
		t.Error("go-git read a split index without error; the fallback test is moot")
	}
	r := open(t, g.Env, g.Dir, "")
	if r.Backend() != repo.BackendGit {
		t.Errorf("auto backend = %q, want the git fallback", r.Backend())
	}
	assertPaths(t, "Entries", r.Entries(), "a.txt", "b/c.txt", "d.txt")
}

func TestSparseCheckoutFallsBack(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"keep/a.txt": "a", "other/b.txt": "b", "top.txt": "t"})
	g.Commit("init")
	g.Git("sparse-checkout", "set", "keep")
	if _, err := os.Stat(g.Path("other/b.txt")); err == nil {
		t.Fatal("sparse checkout left other/b.txt on disk")
	}
	r := open(t, g.Env, g.Dir, "")
	if r.Backend() != repo.BackendGit {
		t.Errorf("auto backend = %q, want the git fallback", r.Backend())
	}
	assertPaths(t, "Entries", r.Entries(), "keep/a.txt", "other/b.txt", "top.txt")
	if e, _ := r.Entry("other/b.txt"); !e.SkipWorktree {
		t.Errorf("other/b.txt not skip-worktree: %+v", e)
	}
	if e, _ := r.Entry("keep/a.txt"); e.SkipWorktree {
		t.Errorf("keep/a.txt is skip-worktree: %+v", e)
	}
	if st := r.Status("other/b.txt"); st.State != repo.StateCommitted {
		t.Errorf("Status(skip-worktree file) = %v, want committed (not deleted)", st.State)
	}
}

func TestSkipWorktreeFlagBothBackends(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"a.txt": "a", "b.txt": "b"})
	g.Commit("init")
	g.Git("update-index", "--skip-worktree", "b.txt")
	es := sameEntries(t, g.Env, g.Dir)
	if !es[1].SkipWorktree || es[0].SkipWorktree {
		t.Errorf("skip-worktree flags wrong: %+v", es)
	}
}

func TestGitIndexFile(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"a.txt": "a", "b.txt": "b"})
	g.Commit("init")
	alt := filepath.Join(filepath.Dir(g.Dir), "alt-index")
	altEnv := append(slices.Clone(g.Env), "GIT_INDEX_FILE="+alt)
	runIn(t, g.Dir, altEnv, "read-tree", "HEAD")
	g.Write("only-alt.txt", "x")
	runIn(t, g.Dir, altEnv, "add", "only-alt.txt")

	r, err := repo.Open(repo.Options{Dir: g.Dir, Env: altEnv})
	if err != nil {
		t.Fatal(err)
	}
	if r.Backend() != repo.BackendGit {
		t.Errorf("backend with GIT_INDEX_FILE = %q, want git", r.Backend())
	}
	assertPaths(t, "Entries from GIT_INDEX_FILE", r.Entries(), "a.txt", "b.txt", "only-alt.txt")
	if _, err := repo.Open(repo.Options{Dir: g.Dir, Env: altEnv, Backend: repo.BackendGoGit}); err == nil {
		t.Error("forced go-git backend accepted GIT_INDEX_FILE")
	}

	// Stage honours GIT_INDEX_FILE and leaves .git/index alone.
	before := readFile(t, filepath.Join(g.Dir, ".git", "index"))
	g.Write("staged-alt.txt", "y")
	if err := r.Stage(context.Background(), []string{"staged-alt.txt"}, false); err != nil {
		t.Fatal(err)
	}
	if after := readFile(t, filepath.Join(g.Dir, ".git", "index")); !bytes.Equal(before, after) {
		t.Error(".git/index changed although GIT_INDEX_FILE was set")
	}
	r2, err := repo.Open(repo.Options{Dir: g.Dir, Env: altEnv})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r2.Entry("staged-alt.txt"); !ok {
		t.Error("Stage did not write the GIT_INDEX_FILE index")
	}
	plain := open(t, g.Env, g.Dir, "")
	assertPaths(t, "Entries of .git/index", plain.Entries(), "a.txt", "b.txt")
}

func TestGitIndexFileRelative(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"a.txt": "a", "sub/b.txt": "b"})
	g.Commit("init")
	env := append(slices.Clone(g.Env), "GIT_INDEX_FILE=rel-index")
	runIn(t, g.Dir, env, "read-tree", "HEAD")
	g.Write("extra.txt", "e")
	runIn(t, g.Dir, env, "add", "extra.txt")
	r, err := repo.Open(repo.Options{Dir: g.Path("sub"), Env: env})
	if err != nil {
		t.Fatal(err)
	}
	assertPaths(t, "Entries", r.Entries(), "a.txt", "extra.txt", "sub/b.txt")
}

func TestGitDirEnv(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"a.txt": "a", "sub/b.txt": "b"})
	g.Commit("init")
	other := t.TempDir()
	env := append(slices.Clone(g.Env), "GIT_DIR="+filepath.Join(g.Dir, ".git"), "GIT_WORK_TREE="+g.Dir)
	r, err := repo.Open(repo.Options{Dir: other, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if r.Backend() != repo.BackendGit || r.Root() != g.Dir {
		t.Errorf("Backend, Root = %q, %q", r.Backend(), r.Root())
	}
	assertPaths(t, "Entries", r.Entries(), "a.txt", "sub/b.txt")
}

func TestStates(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{
		".gitignore": "*.log\nbuild/\n",
		"kept.txt":   "k",
		"gone.txt":   "g",
		"dir/in.txt": "i",
	})
	g.Commit("init")
	g.Remove("gone.txt")
	g.WriteFiles(map[string]string{"new.txt": "n", "x.log": "l", "build/out.bin": "o", "ita.txt": "ita", "ita-gone.txt": "x"})
	g.Git("add", "-N", "ita.txt", "ita-gone.txt")
	g.Remove("ita-gone.txt")
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		for p, want := range map[string]repo.State{
			"kept.txt":      repo.StateCommitted,
			"dir":           repo.StateCommitted,
			"dir/in.txt":    repo.StateCommitted,
			"gone.txt":      repo.StateDeleted,
			"new.txt":       repo.StateUntracked,
			"x.log":         repo.StateIgnored,
			"build":         repo.StateIgnored,
			"build/out.bin": repo.StateIgnored,
			"nothing.txt":   repo.StateMissing,
			"nothing.log":   repo.StateMissing,
			"ita.txt":       repo.StateIntentToAdd,
			"ita-gone.txt":  repo.StateIntentToAdd,
			"../escape":     repo.StateMissing,
			"./new.txt":     repo.StateUntracked,
		} {
			if st := r.Status(p); st.State != want {
				t.Errorf("Status(%q) = %v, want %v", p, st.State, want)
			}
		}
		if st := r.Status("x.log"); st.Ignore == nil || st.Ignore.String() != ".gitignore:1:*.log" {
			t.Errorf("Status(x.log).Ignore = %v", st.Ignore)
		}
		if st := r.Status("build/out.bin"); st.Ignore == nil || st.Ignore.String() != ".gitignore:2:build/" {
			t.Errorf("Status(build/out.bin).Ignore = %v", st.Ignore)
		}
		if st := r.Status("nothing.log"); st.Ignore == nil || st.Ignore.Pattern != "*.log" {
			t.Errorf("Status(nothing.log).Ignore = %v, want the would-be match", st.Ignore)
		}
		if st := r.Status("new.txt"); st.Ignore != nil {
			t.Errorf("Status(new.txt).Ignore = %v", st.Ignore)
		}
		e, _ := r.Entry("ita.txt")
		if !e.IntentToAdd {
			t.Errorf("Entry(ita.txt) = %+v, want IntentToAdd", e)
		}
		if e, _ := r.Entry("kept.txt"); e.IntentToAdd || e.Conflicted || e.SkipWorktree || e.Submodule {
			t.Errorf("Entry(kept.txt) has flags: %+v", e)
		}
	})
	sameEntries(t, g.Env, g.Dir)
}

func TestStateStrings(t *testing.T) {
	seen := map[string]bool{}
	for s := repo.StateCommitted; s <= repo.StateDeleted; s++ {
		name := s.String()
		if name == "" || strings.HasPrefix(name, "State(") || seen[name] {
			t.Errorf("State %d has a bad or duplicate name %q", int(s), name)
		}
		seen[name] = true
	}
	if got := repo.State(0).String(); got != "State(0)" {
		t.Errorf("State(0).String() = %q", got)
	}
	m := repo.IgnoreMatch{Source: "a/.gitignore", Line: 3, Pattern: "!x/"}
	if m.String() != "a/.gitignore:3:!x/" {
		t.Errorf("IgnoreMatch.String() = %q", m.String())
	}
}

// conflictedRepo makes a repository in the middle of a merge whose c.txt
// conflicts (stages 1-3 in the index).
func conflictedRepo(t *testing.T) *testenv.Repo {
	t.Helper()
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"c.txt": "base\n", "other.txt": "o"})
	g.Commit("base")
	g.Git("checkout", "-q", "-b", "theirs")
	g.Write("c.txt", "theirs\n")
	g.Commit("theirs")
	g.Git("checkout", "-q", "main")
	g.Write("c.txt", "ours\n")
	g.Commit("ours")
	if out, err := g.GitErr("merge", "theirs"); err == nil {
		t.Fatalf("merge did not conflict: %s", out)
	}
	return g
}

func TestConflict(t *testing.T) {
	g := conflictedRepo(t)
	ours := strings.TrimSpace(g.Git("rev-parse", ":2:c.txt"))
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		assertPaths(t, "Entries", r.Entries(), "c.txt", "other.txt")
		e, _ := r.Entry("c.txt")
		if !e.Conflicted || e.Hash != ours {
			t.Errorf("Entry(c.txt) = %+v, want Conflicted with ours %s", e, ours)
		}
		if st := r.Status("c.txt"); st.State != repo.StateConflicted {
			t.Errorf("Status(c.txt) = %v", st.State)
		}
		staged, err := repo.Open(repo.Options{Dir: g.Dir, Env: g.Env, Backend: backend, Staged: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := staged.ReadFile("c.txt"); err == nil {
			t.Error("staged ReadFile of a conflicted path succeeded")
		}
	})
	sameEntries(t, g.Env, g.Dir)
}

func TestReadFileStaged(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"a.txt": "committed\n", "empty.txt": ""})
	g.Commit("init")
	g.Write("a.txt", "staged\n")
	g.Git("add", "a.txt")
	g.Write("a.txt", "worktree\n")
	g.Write("untracked.txt", "u")
	g.Write("ita.txt", "ita")
	g.Git("add", "-N", "ita.txt")
	forBoth(t, func(t *testing.T, backend string) {
		wt := open(t, g.Env, g.Dir, backend)
		if b, err := wt.ReadFile("a.txt"); err != nil || string(b) != "worktree\n" {
			t.Errorf("work tree ReadFile = %q, %v", b, err)
		}
		if b, err := wt.ReadFile("untracked.txt"); err != nil || string(b) != "u" {
			t.Errorf("work tree ReadFile(untracked) = %q, %v", b, err)
		}
		st, err := repo.Open(repo.Options{Dir: g.Dir, Env: g.Env, Backend: backend, Staged: true})
		if err != nil {
			t.Fatal(err)
		}
		if b, err := st.ReadFile("a.txt"); err != nil || string(b) != "staged\n" {
			t.Errorf("staged ReadFile = %q, %v", b, err)
		}
		if b, err := st.ReadFile("empty.txt"); err != nil || len(b) != 0 {
			t.Errorf("staged ReadFile(empty) = %q, %v", b, err)
		}
		for _, p := range []string{"untracked.txt", "ita.txt", "nope"} {
			if _, err := st.ReadFile(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("staged ReadFile(%s) error = %v, want fs.ErrNotExist", p, err)
			}
		}
		if _, err := st.ReadFile("../etc/passwd"); err == nil {
			t.Error("ReadFile accepted a path escaping the work tree")
		}
		fi, err := wt.Lstat("a.txt")
		if err != nil || fi.Size() != int64(len("worktree\n")) {
			t.Errorf("Lstat = %v, %v", fi, err)
		}
		if _, err := wt.Lstat("missing"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Lstat(missing) = %v", err)
		}
	})
}

func TestNotARepository(t *testing.T) {
	testenv.Tool(t, "git")
	dir := t.TempDir()
	g := testenv.NewRepo(t) // for its isolated environment
	for _, b := range append([]string{""}, backends...) {
		_, err := repo.Open(repo.Options{Dir: dir, Env: g.Env, Backend: b})
		if !errors.Is(err, repo.ErrNotRepo) {
			t.Errorf("backend %q: Open outside a repository = %v, want ErrNotRepo", b, err)
		}
	}
	if repo.ErrNotRepo.Error() != "not a git repository (or any parent)" {
		t.Errorf("ErrNotRepo message = %q", repo.ErrNotRepo)
	}
	if _, err := repo.Open(repo.Options{Dir: filepath.Join(dir, "does-not-exist"), Env: g.Env}); err == nil {
		t.Error("Open of a missing directory succeeded")
	}
}

func TestBareRepository(t *testing.T) {
	g := testenv.NewRepo(t)
	bare := filepath.Join(filepath.Dir(g.Dir), "bare.git")
	g.Git("init", "-q", "--bare", bare)
	for _, b := range append([]string{""}, backends...) {
		_, err := repo.Open(repo.Options{Dir: bare, Env: g.Env, Backend: b})
		if err == nil || !strings.Contains(err.Error(), "is a bare repository; lockguard needs a work tree") {
			t.Errorf("backend %q: Open(bare) = %v", b, err)
		}
		if errors.Is(err, repo.ErrNotRepo) {
			t.Errorf("backend %q: a bare repository is reported as ErrNotRepo", b)
		}
	}
}

func TestInsideGitDir(t *testing.T) {
	g := testenv.NewRepo(t)
	g.Write("a", "a")
	g.Commit("init")
	for _, b := range append([]string{""}, backends...) {
		_, err := repo.Open(repo.Options{Dir: g.Path(".git/objects"), Env: g.Env, Backend: b})
		if err == nil || !strings.Contains(err.Error(), "git directory") {
			t.Errorf("backend %q: Open(.git/objects) = %v, want a git-directory error", b, err)
		}
	}
}

func TestStage(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{".gitignore": "*.lock\n", "a.txt": "a"})
	g.Commit("init")
	g.WriteFiles(map[string]string{
		"Cargo.lock": "lock", "with space.txt": "s", "a*b": "glob", "axb": "not me", "dir/new.txt": "n",
	})
	forBoth(t, func(t *testing.T, backend string) {
		g.Git("reset", "-q")
		r := open(t, g.Env, g.Path("dir"), backend)
		if err := r.Stage(context.Background(), nil, false); err != nil {
			t.Fatalf("Stage(nil) = %v", err)
		}
		err := r.Stage(context.Background(), []string{"Cargo.lock"}, false)
		if err == nil || errors.Is(err, repo.ErrIndexLocked) || !strings.Contains(err.Error(), "ignored") {
			t.Errorf("Stage(ignored, no force) = %v, want git's ignored-file error", err)
		}
		// Paths are repo-relative even when opened in a subdirectory, and literal.
		if err := r.Stage(context.Background(), []string{"Cargo.lock", "with space.txt", "a*b", "dir/new.txt"}, true); err != nil {
			t.Fatal(err)
		}
		after := open(t, g.Env, g.Dir, backend)
		assertPaths(t, "Entries after Stage", after.Entries(), ".gitignore", "Cargo.lock", "a*b", "a.txt", "dir/new.txt", "with space.txt")
	})
}

func TestStageIndexLocked(t *testing.T) {
	g := testenv.NewRepo(t)
	g.Write("a.txt", "a")
	g.Commit("init")
	g.Write("b.txt", "b")
	index := filepath.Join(g.Dir, ".git", "index")
	lock := index + ".lock"
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		before := readFile(t, index)
		if err := os.WriteFile(lock, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		err := r.Stage(context.Background(), []string{"b.txt"}, false)
		if rmErr := os.Remove(lock); rmErr != nil {
			t.Fatal(rmErr)
		}
		if !errors.Is(err, repo.ErrIndexLocked) {
			t.Fatalf("Stage with index.lock held = %v, want ErrIndexLocked", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "another git process seems to be running") || !strings.Contains(msg, "remove "+lock) {
			t.Errorf("error message %q must say another git process runs and to remove %s", msg, lock)
		}
		if after := readFile(t, index); !bytes.Equal(before, after) {
			t.Error(".git/index changed while locked")
		}
		// Once the lock is gone, staging works.
		if err := r.Stage(context.Background(), []string{"b.txt"}, false); err != nil {
			t.Fatal(err)
		}
		g.Git("reset", "-q")
	})
}

func TestStageCancelled(t *testing.T) {
	g := testenv.NewRepo(t)
	g.Write("a.txt", "a")
	r := open(t, g.Env, g.Dir, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Stage(ctx, []string{"a.txt"}, false); !errors.Is(err, context.Canceled) {
		t.Errorf("Stage with a cancelled context = %v", err)
	}
}

func TestOddPaths(t *testing.T) {
	g := testenv.NewRepo(t)
	odd := []string{"with space.txt", "new\nline.txt", "tab\there", "caf\xe9.txt", "quote\"d", "back\\slash", "ünï/cødé.txt", "-dash"}
	for _, p := range odd {
		g.Write(p, p)
	}
	g.Commit("odd")
	es := sameEntries(t, g.Env, g.Dir)
	want := slices.Clone(odd)
	slices.Sort(want)
	assertPaths(t, "Entries", es, want...)
	r := open(t, g.Env, g.Dir, "")
	for _, p := range odd {
		if st := r.Status(p); st.State != repo.StateCommitted {
			t.Errorf("Status(%q) = %v", p, st.State)
		}
	}
	for _, p := range []string{"", ".", "/abs", "a/../../x", "x\x00y", "a//b", "\n"} {
		_ = r.Status(p)
		_ = r.Ignored(p, false)
		_, _ = r.ReadFile(p)
		_, _ = r.Lstat(p)
		_ = r.TrackedUnder(p)
	}
}

func TestSymlinkedStartDir(t *testing.T) {
	g := testenv.NewRepo(t)
	g.Write("d/a.txt", "a")
	g.Commit("init")
	link := filepath.Join(filepath.Dir(g.Dir), "link")
	if err := os.Symlink(g.Dir, link); err != nil {
		t.Skip(err)
	}
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, filepath.Join(link, "d"), backend)
		if r.Root() != g.Dir || r.Prefix() != "d" {
			t.Errorf("Root, Prefix = %q, %q", r.Root(), r.Prefix())
		}
	})
}

// TestBackendsAgree compares the two backends on a repository mixing every
// kind of entry.
func TestBackendsAgree(t *testing.T) {
	sub := testenv.NewRepo(t)
	sub.Write("s.txt", "s")
	sub.Commit("s")
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"a.txt": "a", "exec.sh": "#!/bin/sh\n", "d/e/f.txt": "f", "c.txt": "base"})
	if err := os.Chmod(g.Path("exec.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.txt", g.Path("link")); err != nil {
		t.Fatal(err)
	}
	g.Commit("init")
	g.Git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.Dir, "sub")
	g.Commit("sub")
	g.Git("checkout", "-q", "-b", "x")
	g.Write("c.txt", "x")
	g.Commit("x")
	g.Git("checkout", "-q", "main")
	g.Write("c.txt", "main")
	g.Commit("main")
	_, _ = g.GitErr("merge", "x")
	g.Write("ita.txt", "i")
	g.Git("add", "-N", "ita.txt")
	g.Git("update-index", "--skip-worktree", "d/e/f.txt")
	es := sameEntries(t, g.Env, g.Dir)
	modes := map[string]uint32{}
	for _, e := range es {
		modes[e.Path] = e.Mode
	}
	if modes["exec.sh"] != 0o100755 || modes["link"] != 0o120000 || modes["sub"] != 0o160000 {
		t.Errorf("modes = %v", modes)
	}
}

func runIn(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	out, err := gitCmd(dir, env, nil, args...)
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConcurrentUse(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{".gitignore": "*.o\n", "a/.gitignore": "!keep.o\n", "a/x.c": "c", "b/y.c": "y"})
	g.Commit("init")
	g.WriteFiles(map[string]string{"a/x.o": "", "a/keep.o": "", "b/y.o": ""})
	forBoth(t, func(t *testing.T, backend string) {
		r, err := repo.Open(repo.Options{Dir: g.Dir, Env: g.Env, Backend: backend, Staged: true})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error)
		for range 8 {
			go func() {
				var err error
				for _, p := range []string{"a/x.o", "a/keep.o", "b/y.o", "a/x.c"} {
					st := r.Status(p)
					want := repo.StateIgnored
					switch p {
					case "a/keep.o":
						want = repo.StateUntracked
					case "a/x.c":
						want = repo.StateCommitted
					}
					if st.State != want {
						err = errors.Join(err, errors.New(p+": "+st.State.String()))
					}
				}
				if b, rerr := r.ReadFile("b/y.c"); rerr != nil || string(b) != "y" {
					err = errors.Join(err, rerr, errors.New("staged content "+string(b)))
				}
				done <- err
			}()
		}
		for range 8 {
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	})
}

// A staged symbolic link is followed through the index, the same as on
// disk: its staged target is read, never the link's text, and a target
// outside the repository is refused.
func TestReadFileStagedSymlink(t *testing.T) {
	g := testenv.NewRepo(t)
	g.WriteFiles(map[string]string{"crates/real/Cargo.toml": "[package]\nname = \"real\"\n", "shared/x.toml": "x = 1\n"})
	for link, target := range map[string]string{
		"crates/app/Cargo.toml": "../real/Cargo.toml", // a file link
		"alias":                 "crates/real",        // a directory link on the way
		"chain":                 "alias/Cargo.toml",   // a link to a path through a link
		"out":                   "../outside.toml",    // leaves the repository
		"abs":                   "/etc/hostname",      // absolute
		"loop":                  "loop",
	} {
		if err := os.MkdirAll(filepath.Dir(g.Path(link)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, g.Path(link)); err != nil {
			t.Fatal(err)
		}
	}
	g.Commit("init")
	// The staged target differs from the work tree's: the index decides.
	g.Write("crates/real/Cargo.toml", "[package]\nname = \"staged\"\n")
	g.Git("add", "crates/real/Cargo.toml")
	g.Write("crates/real/Cargo.toml", "[package]\nname = \"worktree\"\n")
	forBoth(t, func(t *testing.T, backend string) {
		st, err := repo.Open(repo.Options{Dir: g.Dir, Env: g.Env, Backend: backend, Staged: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"crates/app/Cargo.toml", "alias/Cargo.toml", "chain"} {
			if b, err := st.ReadFile(p); err != nil || string(b) != "[package]\nname = \"staged\"\n" {
				t.Errorf("staged ReadFile(%s) = %q, %v; want the staged target", p, b, err)
			}
		}
		for _, p := range []string{"out", "abs"} {
			if b, err := st.ReadFile(p); !errors.Is(err, repo.ErrOutsideRepo) {
				t.Errorf("staged ReadFile(%s) = %q, %v; want ErrOutsideRepo", p, b, err)
			}
		}
		if _, err := st.ReadFile("loop"); err == nil {
			t.Error("staged ReadFile(loop) succeeded")
		}
		if _, err := st.ReadFile("alias/missing.toml"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("staged ReadFile(alias/missing.toml) = %v, want ErrNotExist", err)
		}
	})
}
