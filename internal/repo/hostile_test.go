package repo_test

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// TestHostileStageRefusesConflicted: `git add` of an unmerged path would
// mark the conflict resolved, so Stage refuses it (with both backends), and
// the index stays byte for byte the same.
func TestHostileStageRefusesConflicted(t *testing.T) {
	g := conflictedRepo(t)
	g.Write("c.txt", "resolved?\n")
	g.Write("new.txt", "n\n")
	index := filepath.Join(g.Dir, ".git", "index")
	before := readFile(t, index)
	forBoth(t, func(t *testing.T, backend string) {
		r := open(t, g.Env, g.Dir, backend)
		err := r.Stage(context.Background(), []string{"new.txt", "c.txt"}, false)
		if err == nil || !strings.Contains(err.Error(), "c.txt") || !strings.Contains(err.Error(), "unmerged (conflicted)") {
			t.Fatalf("Stage of a conflicted path: %v", err)
		}
		if !bytes.Equal(readFile(t, index), before) {
			t.Fatal("the index changed")
		}
	})
	if st := g.Git("status", "--porcelain"); !strings.Contains(st, "UU c.txt") {
		t.Fatalf("the conflict is gone:\n%s", st)
	}
}

// goGitWriteMethods are go-git methods that write the index, the work tree,
// refs, objects or the configuration.
var goGitWriteMethods = []string{
	"Add", "AddWithOptions", "AddGlob", "Commit", "Checkout", "Reset", "ResetSparsely",
	"Remove", "RemoveGlob", "Move", "Clean", "Pull", "Fetch", "Push",
	"SetIndex", "SetConfig", "SetReference", "CheckAndSetReference", "RemoveReference",
	"SetEncodedObject", "SetShallow", "SetModule", "CreateBranch", "DeleteBranch",
	"CreateRemote", "DeleteRemote", "CreateTag", "DeleteTag", "Prune", "RepackObjects",
	"Submodule", "Submodules", "Init", "Update",
}

// goGitReadOnlyImports are the go-git packages lockguard may import: opening
// a repository, reading blobs, and parsing git's config format. Anything
// else (the index encoder, storage, object writers) needs a review.
var goGitReadOnlyImports = []string{
	"github.com/go-git/go-git/v5",
	"github.com/go-git/go-git/v5/plumbing",
	"github.com/go-git/go-git/v5/plumbing/format/config",
}

// TestHostileNoGoGitWrites is a crude guard for "never write with go-git"
// (doc.go): in every non-test source file of the module it fails on an
// import of a go-git package outside goGitReadOnlyImports, on a call of a
// go-git write method on anything that holds a go-git value (a variable
// assigned from a go-git call, a field of go-git type, the worktree), and
// on any use of a go-git worktree other than its Filesystem root. It reads
// source text, so it cannot follow values through function calls; it fails
// when someone adds the obvious `wt.Add(…)`, `r.gg.Storer.SetIndex(…)` or
// `git.PlainInit(…)`.
func TestHostileNoGoGitWrites(t *testing.T) {
	root := testenv.ModuleRoot(t)
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		files++
		checkNoGoGitWrites(t, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no Go files found")
	}
}

func checkNoGoGitWrites(t *testing.T, path string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		t.Logf("skipping %s: %v (being edited?)", path, err)
		return
	}
	gogit := map[string]bool{} // local names of imported go-git packages
	for _, imp := range f.Imports {
		ip, _ := strconv.Unquote(imp.Path.Value)
		if !strings.HasPrefix(ip, "github.com/go-git/") {
			continue
		}
		if !slices.Contains(goGitReadOnlyImports, ip) {
			t.Errorf("%s imports %s: review it for writes, then extend goGitReadOnlyImports", fset.Position(imp.Pos()), ip)
		}
		name := filepath.Base(ip)
		switch name {
		case "v5":
			name = "git"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		gogit[name] = true
	}
	if len(gogit) == 0 {
		return
	}
	rel := func(n ast.Node) string { return fset.Position(n.Pos()).String() }

	// Names that hold go-git values: fields and variables declared with a
	// go-git type, and variables assigned from a call into go-git or from a
	// method call on a go-git value.
	held := map[string]bool{}
	worktrees := map[string]bool{}
	isGoGitType := func(e ast.Expr) bool {
		found := false
		ast.Inspect(e, func(n ast.Node) bool {
			if s, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := s.X.(*ast.Ident); ok && gogit[id.Name] {
					found = true
				}
			}
			return !found
		})
		return found
	}
	// holdsGoGit reports whether e is (a selector ending in) a held name.
	var holdsGoGit func(e ast.Expr) bool
	holdsGoGit = func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.Ident:
			return held[x.Name]
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && gogit[id.Name] {
				return true // git.PlainOpen, plumbing.NewHash, …
			}
			return held[x.Sel.Name] || holdsGoGit(x.X)
		case *ast.CallExpr:
			return holdsGoGit(x.Fun)
		case *ast.ParenExpr:
			return holdsGoGit(x.X)
		case *ast.StarExpr:
			return holdsGoGit(x.X)
		}
		return false
	}
	for changed := true; changed; {
		changed = false
		mark := func(m map[string]bool, name string) {
			if name != "_" && !m[name] {
				m[name] = true
				changed = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.Field:
				if isGoGitType(x.Type) {
					for _, id := range x.Names {
						mark(held, id.Name)
					}
				}
			case *ast.ValueSpec:
				if x.Type != nil && isGoGitType(x.Type) {
					for _, id := range x.Names {
						mark(held, id.Name)
					}
				}
			case *ast.AssignStmt:
				for _, r := range x.Rhs {
					call, ok := r.(*ast.CallExpr)
					if !ok || !holdsGoGit(call) {
						continue
					}
					if len(x.Lhs) > 0 {
						if id, ok := x.Lhs[0].(*ast.Ident); ok {
							mark(held, id.Name)
							if s, ok := call.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "Worktree" {
								mark(worktrees, id.Name)
							}
						}
					}
				}
			}
			return true
		})
	}

	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			s, ok := x.Fun.(*ast.SelectorExpr)
			if !ok || !slices.Contains(goGitWriteMethods, s.Sel.Name) {
				return true
			}
			if id, ok := s.X.(*ast.Ident); ok && !held[id.Name] && !gogit[id.Name] {
				return true // os.Remove, wg.Add, strings.Builder, …
			}
			if holdsGoGit(s.X) {
				t.Errorf("%s: call of the go-git write method %s: lockguard never writes with go-git (stage with git add, see internal/repo/doc.go)", rel(x), s.Sel.Name)
			}
		case *ast.SelectorExpr:
			if x.Sel.Name == "Storer" && holdsGoGit(x.X) {
				t.Errorf("%s: direct use of go-git's Storer (it can write the index and refs)", rel(x))
			}
			if id, ok := x.X.(*ast.Ident); ok && gogit[id.Name] && (strings.HasPrefix(x.Sel.Name, "PlainInit") || strings.HasPrefix(x.Sel.Name, "PlainClone") || strings.HasPrefix(x.Sel.Name, "Clone") || x.Sel.Name == "Init") {
				t.Errorf("%s: %s.%s creates or clones a repository", rel(x), id.Name, x.Sel.Name)
			}
		}
		return true
	})
	// A worktree may be used for its Filesystem root only.
	parents := map[ast.Node]ast.Node{}
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		if len(stack) > 0 {
			parents[n] = stack[len(stack)-1]
		}
		stack = append(stack, n)
		return true
	})
	for n, p := range parents {
		id, ok := n.(*ast.Ident)
		if !ok || !worktrees[id.Name] {
			continue
		}
		switch pp := p.(type) {
		case *ast.AssignStmt:
			continue // its declaration
		case *ast.SelectorExpr:
			if pp.X == n && pp.Sel.Name == "Filesystem" {
				continue
			}
		}
		t.Errorf("%s: the go-git worktree %s is used other than for .Filesystem: review it for writes", rel(id), id.Name)
	}
}
