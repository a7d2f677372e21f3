package cargo

import (
	"fmt"
	"slices"
	"strings"
)

// Stale is one reason why `cargo build --locked` would refuse the lock: the
// resolver would have to change Cargo.lock.
type Stale struct {
	Path string // the manifest that needs the change (or whose change needs a new lock)
	Pos  Pos    // the dependency, or the [package] header
	Msg  string
	// Legacy marks what only the lock's old format explains: a v1 lock
	// (cargo 1.95 rewrites it), or a v1/v2 lock that records branch =
	// "master" as the default branch, as the cargo that wrote it did.
	// The lock was valid for its toolchain.
	Legacy bool
}

// CheckLock decides, without running cargo, whether `cargo metadata --locked`
// / `cargo build --locked` would refuse root's lock because it needs updating
// (cargo: "cannot update the lock file … because --locked was passed").
// byDir maps repository-relative directories to the manifests found there;
// it is used to follow path dependencies and workspace inheritance.
//
// Cargo keeps a locked package as long as it still satisfies the manifest
// (Cargo reference, "Cargo.toml vs Cargo.lock" and resolver docs), so the
// lock is stale when:
//   - a workspace member (explicit or implicit) is not locked, or is locked
//     with another version;
//   - a dependency of a member (any kind: normal, dev, build, any target,
//     optional or not, renamed with `package =`, inherited with
//     `workspace = true`) is not recorded in the member's `dependencies`
//     with a locked package that satisfies it: same package name; for path
//     dependencies the package at that path (no source); for git
//     dependencies a git+ source with the same URL and branch/tag/rev; for
//     registry dependencies a registry+/sparse+ source whose version
//     satisfies the requirement;
//   - the same for path dependencies that are not members, except their
//     dev-dependencies, which cargo never resolves.
//
// A dependency that a [patch] of the root replaces must be locked as the
// patch when the patch's version matches its requirement; sources are
// compared (crates.io, an alternative registry = "name" by its index in
// .cargo/config.toml, git URL and reference). Names replaced by [replace]
// are accepted with any source.
//
// The other direction (unneeded.go): Cargo under --locked compares the
// resolve it would write with the lock's, so what the manifests no longer
// ask for is stale too, except path packages Cargo no longer finds.
func CheckLock(root Root, lock *Lock, byDir map[string]*Manifest) []Stale {
	return CheckLockEnv(root, lock, byDir, LockEnv{})
}

// CheckLockEnv is CheckLock with what the cargo configuration says about
// sources (EnvFor).
func CheckLockEnv(root Root, lock *Lock, byDir map[string]*Manifest, env LockEnv) []Stale {
	c := &checker{root: root, lock: lock, byDir: byDir, env: env, byName: map[string][]int{}, members: map[string]bool{}, replaced: map[string]bool{}, seen: map[string]*node{}}
	if lock == nil {
		lock = &Lock{}
		c.lock = lock
	}
	for i, p := range lock.Packages {
		c.byName[p.Name] = append(c.byName[p.Name], i)
	}
	// Phase 1: the locked path packages — members, then (transitively) the
	// path dependencies they pull in — and how each was first reached.
	for _, m := range root.Members {
		if m != nil && m.Package != nil {
			c.members[m.Dir] = true
		}
	}
	c.loadPatches()
	var queue []*node
	for _, m := range root.Members {
		if m != nil && m.Package != nil {
			if n, _ := c.visit(m, nil, nil); n != nil {
				queue = append(queue, n)
			}
		}
	}
	// Features decide which optional dependencies are resolved: members
	// get all of theirs, other path packages what their dependents
	// request. Iterate until no package gains a feature.
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n.all == nil {
			n.all, n.skipped = c.resolveDeps(n.m, n.member)
			if n.all == nil {
				n.all = []resolvedDep{}
			}
		}
		active := c.activate(n)
		if cap(n.deps) < len(active) {
			n.deps = make([]resolvedDep, 0, len(n.all))
		}
		n.deps = n.deps[:0]
		for _, a := range active {
			n.deps = append(n.deps, *a.dep)
			if a.dep.target == nil {
				continue
			}
			t, isNew := c.visit(a.dep.target, n, a.dep)
			if t.request(a.features, a.dflt) || isNew {
				queue = append(queue, t)
			}
		}
	}
	// Phase 2: find each package's lock entry, then check its dependencies.
	for _, n := range c.nodes {
		c.findEntry(n)
	}
	for _, n := range c.nodes {
		c.checkNode(n)
	}
	c.reportVersionGroups()
	c.reportDepGroups()
	if len(c.out) == 0 && !lock.V1 {
		c.unneeded()
	}
	if lock.V1 {
		// cargo 1.95 rewrites a v1 lock in the current format, which
		// --locked forbids.
		c.out = append(c.out, Stale{Path: root.Manifest.Path, Pos: root.Manifest.HeaderPos, Legacy: true, Msg: fmt.Sprintf(
			"%s is in the oldest lock format, v1 (checksums in [metadata]); cargo 1.95 rewrites it in the current format", c.lockPath())})
	}
	return c.out
}

type node struct {
	m      *Manifest
	member bool
	// skipped: a dependency lockguard cannot follow (a path outside the
	// repository, an inheritance it cannot resolve), so the lock may
	// rightly record more than the model says.
	skipped bool
	via     *edge         // first dependency that reached it
	all     []resolvedDep // every dependency cargo could resolve
	deps    []resolvedDep // those the active features turn on
	// feats are the features dependents request (non-members), dflt
	// whether any of them asks for the default features.
	feats map[string]bool
	dflt  bool
	ver   string
	verOK bool
	entry *LockPackage // nil when the package is not locked as it is
	other *LockPackage // a locked path package of the same name, other version
}

type edge struct {
	from *node
	dep  resolvedDep
}

// resolvedDep is a dependency after workspace inheritance.
type resolvedDep struct {
	Dep              // effective declaration (Pos, Kind, Key from the member)
	target *Manifest // path dependencies: the package at that path
	patch  *patch    // set when a path [patch] replaces a registry or git dependency
	// from is the workspace manifest a `workspace = true` dependency
	// inherits from, fromPos its [workspace.dependencies] entry.
	from    *Manifest
	fromPos Pos
}

type checker struct {
	root     Root
	lock     *Lock
	byDir    map[string]*Manifest
	env      LockEnv
	byName   map[string][]int
	members  map[string]bool
	patches  []*patch
	replaced map[string]bool
	// uncertain: the root has what the model cannot follow (a [patch]
	// from another registry or an unreadable path), so the reverse check
	// stays silent.
	uncertain bool
	accepts   map[*resolvedDep]func(*LockPackage) bool
	edgeCache map[*LockPackage][]*LockPackage
	nodes     []*node
	seen      map[string]*node
	g         *graph
	out       []Stale
	verGroups []*verGroup
	depGroups []*depGroup
}

// verGroup gathers the packages that inherit one workspace version the
// lock records as another: a version bump the lock missed is one problem,
// reported once at the version, not once per package.
type verGroup struct {
	ws          *Manifest
	ver, locked string
	nodes       []*node
	whats       []string
}

func (c *checker) versionGroup(ws *Manifest, n *node, what string) {
	for _, g := range c.verGroups {
		if g.ws == ws && g.ver == n.ver && g.locked == n.other.Version {
			g.nodes, g.whats = append(g.nodes, n), append(g.whats, what)
			return
		}
	}
	c.verGroups = append(c.verGroups, &verGroup{ws: ws, ver: n.ver, locked: n.other.Version, nodes: []*node{n}, whats: []string{what}})
}

// reportVersionGroups reports each group: a lone package at its [package]
// header, as any version mismatch; several at the workspace's version.
func (c *checker) reportVersionGroups() {
	for _, g := range c.verGroups {
		if len(g.nodes) == 1 || g.ws.Workspace.VersionPos.Line == 0 {
			for i, n := range g.nodes {
				c.report(n.m.Path, n.m.HeaderPos, "%s %s is version %s but %s locks it at %s", g.whats[i], n.m.Package.Name, n.ver, c.lockPath(), g.locked)
			}
			continue
		}
		var names []string
		for _, n := range g.nodes {
			names = append(names, n.m.Package.Name)
		}
		slices.Sort(names)
		list := strings.Join(names, ", ")
		if len(names) > 5 {
			list = strings.Join(names[:5], ", ") + ", …"
		}
		c.report(g.ws.Path, g.ws.Workspace.VersionPos, "%d packages inherit version %s from %s (workspace.package.version), but %s locks them at %s: %s", len(names), g.ver, g.ws.Path, c.lockPath(), g.locked, list)
	}
}

// visit returns the node of m, creating it (isNew) on first sight; from
// and dep are the dependency that reached it (nil for a member).
func (c *checker) visit(m *Manifest, from *node, dep *resolvedDep) (n *node, isNew bool) {
	var via *edge
	if n := c.seen[m.Dir]; n != nil {
		if n.via == nil && from != nil {
			n.via = &edge{from: from, dep: *dep}
		}
		return n, false
	}
	if from != nil {
		via = &edge{from: from, dep: *dep}
	}
	n = &node{m: m, member: c.members[m.Dir], via: via, feats: map[string]bool{}}
	c.seen[m.Dir] = n
	c.nodes = append(c.nodes, n)
	return n, true
}

func (c *checker) report(path string, pos Pos, format string, args ...any) {
	s := Stale{Path: path, Pos: pos, Msg: fmt.Sprintf(format, args...)}
	for _, o := range c.out {
		if o == s {
			return
		}
	}
	c.out = append(c.out, s)
}

func (c *checker) lockPath() string { return c.root.LockPath() }

// wsOf returns the workspace manifest m inherits from: the root for its
// members, else whatever Cargo's root search finds.
func (c *checker) wsOf(m *Manifest) *Manifest {
	if c.members[m.Dir] && c.root.Manifest.Workspace != nil {
		return c.root.Manifest
	}
	c.graph()
	if m.Workspace != nil {
		return m
	}
	r, _ := c.g.findRoot(m)
	if w := c.byDir[r]; w != nil && w.Workspace != nil {
		return w
	}
	return nil
}

// graph is the workspace graph of byDir: the one the caller built
// (LockEnv.Graph), else one built on first use.
func (c *checker) graph() *graph {
	if c.g == nil {
		if c.env.Graph != nil {
			c.g = c.env.Graph.g
		} else {
			c.g = graphFromDirs(c.byDir)
		}
	}
	return c.g
}

// version is the effective version of a package: inherited, written, or
// 0.0.0 when omitted (Cargo ≥ 1.75). ok is false when it can't be known.
func (c *checker) version(m *Manifest) (string, bool) {
	if m.Package.VersionWorkspace {
		ws := c.wsOf(m)
		if ws == nil {
			return "", false
		}
		v, ok := ws.Workspace.Package["version"].(string)
		return v, ok
	}
	if m.Package.Version == "" {
		return "0.0.0", true
	}
	return m.Package.Version, true
}

// pathEntry finds the lock entry of a path package.
func (c *checker) pathEntry(name, version string) (*LockPackage, *LockPackage) {
	var other *LockPackage
	for _, i := range c.byName[name] {
		p := &c.lock.Packages[i]
		if p.Source != "" {
			continue
		}
		if p.Version == version {
			return p, nil
		}
		other = p
	}
	return nil, other
}

// resolveDeps applies workspace inheritance and finds path packages (and
// the path [patch] a registry or git dependency resolves to).
// Dev-dependencies of non-members are dropped: cargo never resolves them.
// skipped reports a dependency that cannot be followed.
func (c *checker) resolveDeps(m *Manifest, member bool) (out []resolvedDep, skipped bool) {
	out = make([]resolvedDep, 0, len(m.Deps))
	for _, d := range m.Deps {
		if d.Kind == "dev" && !member {
			continue
		}
		eff, base := d, m.Dir
		var from *Manifest
		var fromPos Pos
		if d.Workspace {
			ws := c.wsOf(m)
			if ws == nil {
				skipped = true
				continue
			}
			wd, ok := ws.Workspace.Deps[d.Key]
			if !ok {
				skipped = true
				continue // cargo errors out; not a lock problem
			}
			eff = wd
			from, fromPos = ws, wd.Pos
			eff.Key, eff.Kind, eff.Target, eff.Optional, eff.Pos, eff.Workspace = d.Key, d.Kind, d.Target, d.Optional, d.Pos, true
			// Features add up; default features stay on unless the
			// workspace turns them off and the member does not turn
			// them back on.
			eff.Features = append(append([]string(nil), wd.Features...), d.Features...)
			eff.NoDefault = wd.NoDefault && !(d.DefaultSet && !d.NoDefault)
			base = ws.Dir
		}
		rd := resolvedDep{Dep: eff, from: from, fromPos: fromPos}
		if eff.Path != "" {
			dir, ok := cleanJoin(base, eff.Path)
			if !ok {
				skipped = true
				continue // outside the repository: can't be checked
			}
			t := c.byDir[dir]
			if t == nil || t.Package == nil {
				skipped = true
				continue // cargo fails to load it: not a lock question
			}
			rd.target = t
		} else if !c.replaced[eff.Name] {
			if pt := c.pathPatch(eff); pt != nil {
				rd.target, rd.patch = pt.target, pt
			}
		}
		out = append(out, rd)
	}
	return out, skipped
}

func (c *checker) findEntry(n *node) {
	n.ver, n.verOK = c.version(n.m)
	if n.verOK {
		n.entry, n.other = c.pathEntry(n.m.Package.Name, n.ver)
	}
}

func depKind(d Dep) string {
	if d.Kind == "normal" || d.Kind == "" {
		return ""
	}
	return d.Kind + "-"
}

func depName(d Dep) string {
	if d.Key != d.Name {
		return fmt.Sprintf("%s (package %q)", d.Key, d.Name)
	}
	return d.Name
}

// checkNode reports a package that is not locked as it is, and its
// dependencies that the lock does not record.
func (c *checker) checkNode(n *node) {
	m, name := n.m, n.m.Package.Name
	if !n.verOK {
		return
	}
	what := "path dependency"
	if n.member {
		what = "workspace member"
	}
	if n.entry == nil {
		switch {
		case n.other != nil:
			if m.Package.VersionWorkspace {
				if ws := c.wsOf(m); ws != nil {
					c.versionGroup(ws, n, what)
					return
				}
			}
			c.report(m.Path, m.HeaderPos, "%s %s is version %s but %s locks it at %s", what, name, n.ver, c.lockPath(), n.other.Version)
		case n.via != nil && n.via.from.entry != nil:
			d := n.via.dep
			c.report(n.via.from.m.Path, d.Pos, "%s %sdepends on %s (%s), which is missing from %s", n.via.from.m.Path, depKind(d.Dep), depName(d.Dep), pathDesc(d), c.lockPath())
		default:
			c.report(m.Path, m.HeaderPos, "%s %s %s (%s) is missing from %s", what, name, n.ver, m.Path, c.lockPath())
		}
		return
	}
	for i := range n.deps {
		d := &n.deps[i]
		if d.target == nil {
			c.checkSourced(m, n.entry, d)
			continue
		}
		tn := c.seen[d.target.Dir]
		if tn == nil || tn.entry == nil {
			continue // reported with the target
		}
		if !c.linked(n.entry, func(p *LockPackage) bool { return p == tn.entry }) {
			c.report(m.Path, d.Pos, "%s %sdepends on %s (%s) but %s does not record that dependency of %s", m.Path, depKind(d.Dep), depName(d.Dep), pathDesc(*d), c.lockPath(), name)
		}
	}
}

// pathDesc says where a path dependency leads: its path, or the [patch]
// that replaces it.
func pathDesc(d resolvedDep) string {
	if d.patch != nil {
		return fmt.Sprintf("patched by [patch.%s] to path %q", quoteKey(d.patch.dep.Target), d.patch.dep.Path)
	}
	return fmt.Sprintf("path %q", d.Path)
}

func quoteKey(k string) string { return dotted([]string{k}) }

// linked reports whether entry's dependency list references a lock package
// accepted by ok.
func (c *checker) linked(entry *LockPackage, ok func(*LockPackage) bool) bool {
	for _, p := range c.edges(entry) {
		if ok(p) {
			return true
		}
	}
	return false
}

// edges resolves the dependency entries of a lock package (every one it
// references), once per package.
func (c *checker) edges(entry *LockPackage) []*LockPackage {
	if out, ok := c.edgeCache[entry]; ok {
		return out
	}
	out := make([]*LockPackage, 0, len(entry.Dependencies))
	for _, s := range entry.Dependencies {
		out = c.lookup(out, s)
	}
	if c.edgeCache == nil {
		c.edgeCache = map[*LockPackage][]*LockPackage{}
	}
	c.edgeCache[entry] = out
	return out
}
