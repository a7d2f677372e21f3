package cargo

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
)

// Root is a Cargo root: a directory that owns a Cargo.lock.
type Root struct {
	Manifest *Manifest
	// Members are the workspace members (explicit, implicit path-dependency
	// members, and the root's own package), in path order. Path dependencies
	// that are not members are locked by this root too; CheckLock follows
	// them through its byDir argument.
	Members []*Manifest
	Virtual bool // the root manifest has [workspace] but no [package]
}

// Dir is the root's directory ("" for the repository root).
func (r Root) Dir() string { return r.Manifest.Dir }

// LockPath is the repository-relative path of the root's Cargo.lock.
func (r Root) LockPath() string { return joinRel(r.Manifest.Dir, "Cargo.lock") }

// Problem is a workspace layout error that makes cargo refuse to run.
type Problem struct {
	Path string // the manifest to fix
	Pos  Pos
	Msg  string
	// Dir and Glob name the directory without a manifest that a
	// `members` glob matched (MemberGlobProblems).
	Dir, Glob string
	// Orphan marks a package inside a workspace's directory that the
	// workspace neither lists nor excludes (cargo fails only when run in
	// that package).
	Orphan bool
	// Exclude is the `workspace.exclude` entry (relative to the workspace
	// directory) that fixes the problem unambiguously, when there is one:
	// a directory a glob matched that has no Cargo.toml, a member that is
	// a workspace root of its own. See ExcludeEdit.
	Exclude string
}

// FindRoots groups manifests into Cargo roots, following Cargo's workspace
// rules (https://doc.rust-lang.org/cargo/reference/workspaces.html and
// cargo's src/cargo/core/workspace.rs):
//
//   - every manifest with [workspace] is a root;
//   - a package's workspace root is the target of its package.workspace
//     pointer, else the nearest ancestor directory whose Cargo.toml has a
//     [workspace] that does not exclude it (an ancestor package with a
//     package.workspace pointer lends its pointer), else none ("The root
//     crate … is found by searching upwards");
//   - a workspace's members are its `members` globs (glob crate: *, ?, […],
//     **) minus `exclude` (path prefixes, unless a member entry is literally
//     a prefix too), its own package, and, transitively, path dependencies
//     of members that live in the workspace directory or point back at it
//     ("All path dependencies residing in the workspace directory
//     automatically become members");
//   - a package that no workspace claims is a root of its own. When its
//     workspace root does not list it, cargo errors: that is a Problem;
//   - a member whose own root search ends at another workspace is accepted
//     by cargo 1.95 and locked by both roots; a member that is itself a
//     workspace root, or whose root search finds nothing, is a Problem
//     (cargo: "multiple workspace roots found", "not hierarchically below
//     the workspace root"). A glob matching nothing is not a problem.
//
// default-members does not change what the lock covers and is ignored.
//
// exists reports whether a repository-relative path exists; it is used for
// package.workspace pointers to manifests that are not in the list (for
// example because they failed to parse).
func FindRoots(manifests []*Manifest, exists func(relPath string) bool) ([]Root, []Problem) {
	g := newGraph(manifests)
	var roots []Root
	var problems []Problem
	claimed := map[string]bool{}
	for _, m := range g.sorted {
		if m.Workspace == nil {
			continue
		}
		r := Root{Manifest: m, Virtual: m.Package == nil}
		for _, dir := range g.members(m) {
			mm := g.byDir[dir]
			// cargo 1.95 accepts a member whose own root search ends at
			// another workspace (it is then locked by both), but not a
			// member that is a workspace root itself, nor one whose root
			// search finds nothing.
			if mm.Workspace != nil && mm.Dir != m.Dir {
				problems = append(problems, Problem{Path: m.Path, Pos: m.Workspace.Pos, Exclude: relTo(m.Dir, mm.Dir), Msg: fmt.Sprintf(
					"member %s is itself a workspace root: cargo reports \"multiple workspace roots found in the same workspace\"", mm.Path)})
				continue
			}
			if owner, _ := g.findRoot(mm); owner == noRoot {
				problems = append(problems, Problem{Path: m.Path, Pos: m.Workspace.Pos, Msg: fmt.Sprintf(
					"workspace member %s is not hierarchically below the workspace root %s: add `workspace = %q` to its [package]",
					mm.Path, m.Path, relTo(mm.Dir, m.Dir))})
				continue
			}
			r.Members = append(r.Members, mm)
			claimed[dir] = true
		}
		roots = append(roots, r)
	}
	for _, m := range g.sorted {
		if m.Workspace != nil || m.Package == nil || claimed[m.Dir] {
			continue
		}
		owner, ptr := g.findRoot(m)
		pos := m.HeaderPos
		switch {
		case ptr != "" && g.byDir[owner] == nil:
			target := manifestPathOf(owner)
			if owner != ".." && !strings.HasPrefix(owner, "../") && exists(target) {
				break // present but unparseable: its own parse error says enough
			}
			problems = append(problems, Problem{Path: m.Path, Pos: pos, Msg: fmt.Sprintf(
				"package.workspace = %q points at %s, which does not exist", ptr, target)})
		case ptr != "" && g.byDir[owner].Workspace == nil:
			problems = append(problems, Problem{Path: m.Path, Pos: pos, Msg: fmt.Sprintf(
				"package.workspace = %q points at %s, which has no [workspace] table: cargo reports \"root of a workspace inferred but wasn't a root\"", ptr, manifestPathOf(owner))})
		case g.byDir[owner] != nil && g.byDir[owner].Workspace != nil:
			problems = append(problems, Problem{Path: m.Path, Pos: pos, Orphan: true, Msg: fmt.Sprintf(
				"package %s believes it is in workspace %s, which neither lists it in `members` nor `exclude`s it: cargo refuses to build it (\"current package believes it's in a workspace when it's not\"); add %q to `workspace.members` or `workspace.exclude`",
				m.Package.Name, manifestPathOf(owner), relTo(owner, m.Dir))})
		}
		roots = append(roots, Root{Manifest: m, Members: []*Manifest{m}})
	}
	slices.SortStableFunc(roots, func(a, b Root) int { return strings.Compare(a.Manifest.Path, b.Manifest.Path) })
	return roots, problems
}

func manifestPathOf(dir string) string { return joinRel(dir, "Cargo.toml") }

// relTo is target relative to base, both clean repository-relative dirs.
func relTo(base, target string) string {
	b, t := splitDir(base), splitDir(target)
	i := 0
	for i < len(b) && i < len(t) && b[i] == t[i] {
		i++
	}
	var parts []string
	for range b[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[i:]...)
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, "/")
}

func splitDir(d string) []string {
	if d == "" {
		return nil
	}
	return strings.Split(d, "/")
}

// graph indexes manifests by directory and memoizes workspace lookups.
type graph struct {
	byDir  map[string]*Manifest
	sorted []*Manifest
	split  [][]string // split[i] = components of sorted[i].Dir
	// mu guards the memos below: a Graph is shared by the lock checks of
	// every root, which run beside the other rules. Memoized values are
	// deterministic, so two goroutines computing one at once agree.
	mu    sync.Mutex
	roots map[string][2]string // dir → (root dir, pointer) from findRoot
	mems  map[string][]string  // workspace dir → member dirs
}

// Graph indexes a repository's manifests (by directory) for Cargo's
// workspace searches. Building it sorts every manifest, so a caller that
// checks many roots builds it once (NewGraph) and passes it in
// LockEnv.Graph; it is safe for concurrent use.
type Graph struct{ g *graph }

// NewGraph indexes byDir.
func NewGraph(byDir map[string]*Manifest) *Graph { return &Graph{g: graphFromDirs(byDir)} }

func newGraph(manifests []*Manifest) *graph {
	g := &graph{byDir: map[string]*Manifest{}, roots: map[string][2]string{}, mems: map[string][]string{}}
	for _, m := range manifests {
		if m == nil {
			continue
		}
		if _, dup := g.byDir[m.Dir]; !dup {
			g.byDir[m.Dir] = m
			g.sorted = append(g.sorted, m)
		}
	}
	slices.SortFunc(g.sorted, func(a, b *Manifest) int { return strings.Compare(a.Path, b.Path) })
	for _, m := range g.sorted {
		g.split = append(g.split, splitDir(m.Dir))
	}
	return g
}

func graphFromDirs(byDir map[string]*Manifest) *graph {
	ms := make([]*Manifest, 0, len(byDir))
	for _, m := range byDir {
		ms = append(ms, m)
	}
	return newGraph(ms)
}

// cleanJoin joins a relative (or absolute-looking) path onto a repository
// directory; ok is false when the result leaves the repository.
func cleanJoin(dir, rel string) (string, bool) {
	if strings.HasPrefix(rel, "/") || len(rel) > 1 && rel[1] == ':' {
		return "", false
	}
	p := path.Clean(dir + "/" + rel)
	if dir == "" {
		p = path.Clean(rel)
	}
	if p == "." {
		p = ""
	}
	if p == ".." || strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") {
		return p, false
	}
	return p, true
}

func under(dir, root string) bool {
	return root == "" || dir == root || strings.HasPrefix(dir, root+"/")
}

// findRoot returns the directory of m's workspace root per Cargo's
// find_root ("" with ok=false means none), and the package.workspace
// pointer that decided it, if any. A [workspace] manifest is its own root.
func (g *graph) findRoot(m *Manifest) (root string, ptr string) {
	g.mu.Lock()
	r, ok := g.roots[m.Dir]
	g.mu.Unlock()
	if ok {
		return r[0], r[1]
	}
	root, ptr = g.findRootUncached(m)
	g.mu.Lock()
	g.roots[m.Dir] = [2]string{root, ptr}
	g.mu.Unlock()
	return root, ptr
}

const noRoot = "\x00"

func (g *graph) findRootUncached(m *Manifest) (string, string) {
	if m.Workspace != nil {
		return m.Dir, ""
	}
	if m.Package != nil && m.Package.Workspace != "" {
		d, _ := cleanJoin(m.Dir, m.Package.Workspace)
		return d, m.Package.Workspace
	}
	dir := m.Dir
	for dir != "" {
		dir = dirOf(dir)
		a := g.byDir[dir]
		if a == nil {
			continue
		}
		if a.Workspace != nil {
			if !excluded(a, m.Path) {
				return a.Dir, ""
			}
			continue
		}
		if a.Package != nil && a.Package.Workspace != "" {
			d, _ := cleanJoin(a.Dir, a.Package.Workspace)
			return d, a.Package.Workspace
		}
	}
	return noRoot, ""
}

// excluded follows cargo's WorkspaceRootConfig::is_excluded: the manifest
// path starts (component-wise) with root/exclude-entry, and no `members`
// entry is literally such a prefix.
func excluded(ws *Manifest, manifestPath string) bool {
	prefix := func(entry string) bool {
		parts := splitDir(ws.Dir)
		for _, c := range strings.Split(entry, "/") {
			switch c {
			case "", ".":
				continue
			case "..":
				return false // cargo does not normalise these: never a prefix
			}
			parts = append(parts, c)
		}
		mp := strings.Split(manifestPath, "/")
		return len(parts) <= len(mp) && slices.Equal(parts, mp[:len(parts)])
	}
	ex := slices.ContainsFunc(ws.Workspace.Exclude, prefix)
	return ex && !slices.ContainsFunc(ws.Workspace.Members, prefix)
}

// members computes the member directories of workspace manifest w (cargo's
// Workspace::find_members and find_path_deps).
func (g *graph) members(w *Manifest) []string {
	g.mu.Lock()
	ms, ok := g.mems[w.Dir]
	g.mu.Unlock()
	if ok {
		return ms
	}
	var out []string
	seen := map[string]bool{}
	var add func(dir string, pathDep bool)
	add = func(dir string, pathDep bool) {
		m := g.byDir[dir]
		if m == nil || m.Package == nil || seen[dir] {
			return
		}
		if pathDep && !under(dir, w.Dir) {
			if r, _ := g.findRoot(m); r != w.Dir {
				return
			}
		}
		if excluded(w, m.Path) {
			return
		}
		seen[dir] = true
		out = append(out, dir)
		for _, dep := range m.Deps {
			if p, ok := depPathDir(m, dep, w); ok {
				add(p, true)
			}
		}
	}
	for _, glob := range w.Workspace.Members {
		pat, ok := cleanJoin(w.Dir, glob)
		if !ok {
			continue
		}
		pp := splitDir(pat)
		lo, hi := g.candidates(pp)
		for i := lo; i < hi; i++ {
			if globMatch(pp, g.split[i]) {
				add(g.sorted[i].Dir, false)
			}
		}
	}
	if w.Package != nil {
		add(w.Dir, false)
	}
	slices.Sort(out)
	g.mu.Lock()
	g.mems[w.Dir] = out
	g.mu.Unlock()
	return out
}

// candidates returns the range of g.sorted that a members pattern can
// match: the manifests below the pattern's literal leading components (all
// of them when the pattern starts with a wildcard). g.sorted is sorted by
// Path, so the manifests below a directory are contiguous; without this,
// finding the members of every workspace is quadratic in the manifests.
func (g *graph) candidates(pat []string) (int, int) {
	n := 0
	for n < len(pat) && !strings.ContainsAny(pat[n], "*?[") {
		n++
	}
	if n == 0 {
		return 0, len(g.sorted)
	}
	prefix := strings.Join(pat[:n], "/") + "/"
	lo, _ := slices.BinarySearchFunc(g.sorted, prefix, func(m *Manifest, p string) int { return strings.Compare(m.Path, p) })
	hi := lo
	for hi < len(g.sorted) && strings.HasPrefix(g.sorted[hi].Path, prefix) {
		hi++
	}
	return lo, hi
}

// depPathDir is the directory of a path dependency (after workspace
// inheritance from ws, when non-nil); ok is false for non-path deps and
// paths outside the repository.
func depPathDir(m *Manifest, dep Dep, ws *Manifest) (string, bool) {
	base, p := m.Dir, dep.Path
	if dep.Workspace {
		if ws == nil || ws.Workspace == nil {
			return "", false
		}
		wd, ok := ws.Workspace.Deps[dep.Key]
		if !ok || wd.Path == "" {
			return "", false
		}
		base, p = ws.Dir, wd.Path
	}
	if p == "" {
		return "", false
	}
	return cleanJoin(base, p)
}

// globMatch matches path components against pattern components with the
// glob crate's rules: `**` as a whole component matches any number of
// directories (at least one when it ends the pattern, as glob("a/**") yields
// only a's descendants); `*`, `?` and `[…]`/`[!…]` work within one
// component. Matching is case-sensitive and `*` matches a leading dot.
func globMatch(pat, name []string) bool {
	if len(pat) == 0 {
		return len(name) == 0
	}
	if pat[0] == "**" {
		if len(pat) == 1 {
			return len(name) >= 1
		}
		for i := 0; i <= len(name); i++ {
			if globMatch(pat[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 || !componentMatch(pat[0], name[0]) {
		return false
	}
	return globMatch(pat[1:], name[1:])
}

func componentMatch(pat, name string) bool {
	literal := true
	for i := 0; i < len(pat) && literal; i++ {
		literal = pat[i] != '*' && pat[i] != '?' && pat[i] != '['
	}
	if literal {
		return pat == name
	}
	p, n := []rune(pat), []rune(name)
	// dp over positions; patterns are short.
	var match func(i, j int) bool
	memo := map[[2]int]bool{}
	match = func(i, j int) bool {
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		var r bool
		switch {
		case i == len(p):
			r = j == len(n)
		case p[i] == '*':
			r = match(i+1, j) || j < len(n) && match(i, j+1)
		case j == len(n):
			r = false
		case p[i] == '?':
			r = match(i+1, j+1)
		case p[i] == '[':
			if ok, next, valid := classMatch(p, i, n[j]); valid {
				r = ok && match(next, j+1)
			} else {
				r = p[i] == n[j] && match(i+1, j+1)
			}
		default:
			r = p[i] == n[j] && match(i+1, j+1)
		}
		memo[k] = r
		return r
	}
	return match(0, 0)
}

// classMatch matches c against the class starting at p[i] == '['. The glob
// crate accepts `]` as the first member and `!` for negation.
func classMatch(p []rune, i int, c rune) (matched bool, next int, valid bool) {
	j := i + 1
	neg := false
	if j < len(p) && p[j] == '!' {
		neg = true
		j++
	}
	first := true
	for j < len(p) && (p[j] != ']' || first) {
		lo := p[j]
		hi := lo
		if j+2 < len(p) && p[j+1] == '-' && p[j+2] != ']' {
			hi = p[j+2]
			j += 2
		}
		if lo <= c && c <= hi {
			matched = true
		}
		j++
		first = false
	}
	if j >= len(p) {
		return false, 0, false
	}
	return matched != neg, j + 1, true
}

// Covered returns the directories of the packages that the lock of a root
// accepted by locked already covers: its members and, transitively, every
// path dependency (any kind, optional or not, after workspace inheritance)
// and every path target of its [patch] and [replace] tables. Such a package
// is not a Cargo root of its own in practice: it is built through that lock.
func Covered(roots []Root, byDir map[string]*Manifest, locked func(Root) bool) map[string]bool {
	return covered(roots, byDir, locked, nil)
}

// Covered is Covered over the manifests g indexes, without indexing them
// again.
func (g *Graph) Covered(roots []Root, locked func(Root) bool) map[string]bool {
	return covered(roots, g.g.byDir, locked, g.g)
}

// covered is Covered with the workspace graph of byDir when the caller has
// it already (nil: built when needed).
func covered(roots []Root, byDir map[string]*Manifest, locked func(Root) bool, g *graph) map[string]bool {
	if locked == nil {
		locked = func(Root) bool { return true }
	}
	out := map[string]bool{}
	wsOf := func(m *Manifest, r Root) *Manifest {
		if r.Manifest.Workspace != nil {
			for _, mm := range r.Members {
				if mm == m {
					return r.Manifest
				}
			}
		}
		if m.Workspace != nil {
			return m
		}
		if g == nil {
			g = graphFromDirs(byDir)
		}
		if w := byDir[mustRoot(g.findRoot(m))]; w != nil && w.Workspace != nil {
			return w
		}
		return nil
	}
	for _, r := range roots {
		if !locked(r) {
			continue
		}
		var queue []*Manifest
		seen := map[string]bool{}
		push := func(m *Manifest) {
			if m != nil && m.Package != nil && !seen[m.Dir] {
				seen[m.Dir] = true
				queue = append(queue, m)
			}
		}
		for _, m := range r.Members {
			push(m)
		}
		for _, p := range r.Manifest.Patches {
			if dir, ok := depPathDir(r.Manifest, p, nil); ok {
				push(byDir[dir])
			}
		}
		for len(queue) > 0 {
			m := queue[0]
			queue = queue[1:]
			if m.Dir != r.Dir() { // a root does not cover itself
				out[m.Dir] = true
			}
			for _, d := range m.Deps {
				if dir, ok := depPathDir(m, d, wsOf(m, r)); ok {
					push(byDir[dir])
				}
			}
		}
	}
	return out
}

func mustRoot(dir, _ string) string { return dir }

// MemberGlobProblems finds the directories that a `members` entry of
// workspace w matches but that hold no Cargo.toml: cargo fails to load the
// workspace ("failed to load manifest for workspace member … failed to
// read …/Cargo.toml"). dirs are the repository's directories (those of a
// clean checkout: the ones holding tracked files), sorted; hasManifest says
// whether a directory has a Cargo.toml. Files matched by a glob are ignored,
// as cargo does, and so are excluded directories.
func MemberGlobProblems(w *Manifest, dirs []string, hasManifest func(dir string) bool) []Problem {
	if w.Workspace == nil {
		return nil
	}
	var out []Problem
	reported := map[string]bool{}
	for _, glob := range w.Workspace.Members {
		pat, ok := cleanJoin(w.Dir, glob)
		if !ok || !strings.ContainsAny(glob, "*?[") {
			continue // a literal member without a manifest: a plain path, checked by cargo the same way but rare
		}
		pp := splitDir(pat)
		n := 0
		for n < len(pp) && !strings.ContainsAny(pp[n], "*?[") {
			n++
		}
		prefix := strings.Join(pp[:n], "/")
		lo, _ := slices.BinarySearch(dirs, prefix)
		for i := lo; i < len(dirs); i++ {
			d := dirs[i]
			if prefix != "" && !under(d, prefix) {
				if d > prefix+"/\xff" {
					break
				}
				continue
			}
			if reported[d] || hasManifest(d) || !globMatch(pp, splitDir(d)) || excluded(w, manifestPathOf(d)) {
				continue
			}
			reported[d] = true
			out = append(out, Problem{Path: w.Path, Pos: w.Workspace.Pos, Dir: d, Glob: glob, Exclude: relTo(w.Dir, d), Msg: fmt.Sprintf(
				"`members` entry %q matches %s/, which has no Cargo.toml: cargo reports \"failed to load manifest for workspace member `%s` referenced via `%s` by workspace at `%s`\" for every command in the workspace; add %q to `workspace.exclude`, or narrow the glob",
				glob, d, d, glob, w.Path, relTo(w.Dir, d))})
		}
	}
	return out
}
