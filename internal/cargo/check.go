package cargo

import (
	"fmt"
	neturl "net/url"
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
// Extra lock packages and extra dependency entries are fine: cargo accepts
// them under --locked. Dependency names patched by the root's [patch] or
// [replace] are accepted with any source.
func CheckLock(root Root, lock *Lock, byDir map[string]*Manifest) []Stale {
	c := &checker{root: root, lock: lock, byDir: byDir, byName: map[string][]int{}, members: map[string]bool{}, patched: map[string]bool{}, seen: map[string]*node{}}
	if lock == nil {
		lock = &Lock{}
		c.lock = lock
	}
	for i, p := range lock.Packages {
		c.byName[p.Name] = append(c.byName[p.Name], i)
	}
	for _, p := range root.Manifest.Patches {
		c.patched[p.Name] = true
	}
	// Phase 1: the locked path packages — members, then (transitively) the
	// path dependencies they pull in — and how each was first reached.
	for _, m := range root.Members {
		if m != nil && m.Package != nil {
			c.members[m.Dir] = true
		}
	}
	var queue []*node
	for _, m := range root.Members {
		if m != nil && m.Package != nil {
			if n, _ := c.visit(m, nil); n != nil {
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
			n.all = c.resolveDeps(n.m, n.member)
		}
		n.deps = n.deps[:0]
		for _, a := range c.activate(n) {
			n.deps = append(n.deps, a.dep)
			if a.dep.target == nil {
				continue
			}
			t, isNew := c.visit(a.dep.target, &edge{from: n, dep: a.dep})
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
	via    *edge         // first dependency that reached it
	all    []resolvedDep // every dependency cargo could resolve
	deps   []resolvedDep // those the active features turn on
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
}

type checker struct {
	root    Root
	lock    *Lock
	byDir   map[string]*Manifest
	byName  map[string][]int
	members map[string]bool
	patched map[string]bool
	nodes   []*node
	seen    map[string]*node
	g       *graph
	out     []Stale
}

// visit returns the node of m, creating it (isNew) on first sight.
func (c *checker) visit(m *Manifest, via *edge) (n *node, isNew bool) {
	if n := c.seen[m.Dir]; n != nil {
		if n.via == nil {
			n.via = via
		}
		return n, false
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
	if c.g == nil {
		c.g = graphFromDirs(c.byDir)
	}
	if m.Workspace != nil {
		return m
	}
	r, _ := c.g.findRoot(m)
	if w := c.byDir[r]; w != nil && w.Workspace != nil {
		return w
	}
	return nil
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

// resolveDeps applies workspace inheritance and finds path packages.
// Dev-dependencies of non-members are dropped: cargo never resolves them.
func (c *checker) resolveDeps(m *Manifest, member bool) []resolvedDep {
	var out []resolvedDep
	for _, d := range m.Deps {
		if d.Kind == "dev" && !member {
			continue
		}
		eff, base := d, m.Dir
		if d.Workspace {
			ws := c.wsOf(m)
			if ws == nil {
				continue
			}
			wd, ok := ws.Workspace.Deps[d.Key]
			if !ok {
				continue // cargo errors out; not a lock problem
			}
			eff = wd
			eff.Key, eff.Kind, eff.Target, eff.Optional, eff.Pos, eff.Workspace = d.Key, d.Kind, d.Target, d.Optional, d.Pos, true
			// Features add up; default features stay on unless the
			// workspace turns them off and the member does not turn
			// them back on.
			eff.Features = append(append([]string(nil), wd.Features...), d.Features...)
			eff.NoDefault = wd.NoDefault && !(d.DefaultSet && !d.NoDefault)
			base = ws.Dir
		}
		rd := resolvedDep{Dep: eff}
		if eff.Path != "" {
			dir, ok := cleanJoin(base, eff.Path)
			if !ok {
				continue // outside the repository: can't be checked
			}
			t := c.byDir[dir]
			if t == nil || t.Package == nil {
				continue // cargo fails to load it: not a lock question
			}
			rd.target = t
		}
		out = append(out, rd)
	}
	return out
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
			c.report(m.Path, m.HeaderPos, "%s %s is version %s but %s locks it at %s", what, name, n.ver, c.lockPath(), n.other.Version)
		case n.via != nil && n.via.from.entry != nil:
			d := n.via.dep
			c.report(n.via.from.m.Path, d.Pos, "%s %sdepends on %s (path %q), which is missing from %s", n.via.from.m.Path, depKind(d.Dep), depName(d.Dep), d.Path, c.lockPath())
		default:
			c.report(m.Path, m.HeaderPos, "%s %s %s (%s) is missing from %s", what, name, n.ver, m.Path, c.lockPath())
		}
		return
	}
	for _, d := range n.deps {
		if d.target == nil {
			c.checkSourced(m, n.entry, d.Dep)
			continue
		}
		tn := c.seen[d.target.Dir]
		if tn == nil || tn.entry == nil {
			continue // reported with the target
		}
		if !c.linked(n.entry, func(p *LockPackage) bool { return p == tn.entry }) {
			c.report(m.Path, d.Pos, "%s %sdepends on %s (path %q) but %s does not record that dependency of %s", m.Path, depKind(d.Dep), depName(d.Dep), d.Path, c.lockPath(), name)
		}
	}
}

// linked reports whether entry's dependency list references a lock package
// accepted by ok.
func (c *checker) linked(entry *LockPackage, ok func(*LockPackage) bool) bool {
	for _, s := range entry.Dependencies {
		r := parseLockRef(s)
		for _, i := range c.byName[r.name] {
			p := &c.lock.Packages[i]
			if r.version != "" && p.Version != r.version || r.source != "" && !sameSource(p.Source, r.source) {
				continue
			}
			if ok(p) {
				return true
			}
		}
	}
	return false
}

// checkSourced checks a registry or git dependency.
func (c *checker) checkSourced(m *Manifest, entry *LockPackage, d Dep) {
	var accept func(*LockPackage) bool
	var want string
	switch {
	case c.patched[d.Name]:
		accept = func(*LockPackage) bool { return true }
		want = "(patched)"
	case d.Git != "":
		ref := gitRefQuery(d)
		accept = func(p *LockPackage) bool { return gitSourceMatches(p.Source, d.Git, ref) }
		want = "git " + d.Git
		if ref != "" {
			want += "?" + ref
		}
	default:
		req, err := ParseReq(d.Req)
		if err != nil {
			return // ParseManifest rejects these; stay silent on hand-made input
		}
		accept = func(p *LockPackage) bool {
			if !isRegistrySource(p.Source) {
				return false
			}
			v, err := ParseVersion(p.Version)
			return err == nil && req.Matches(v)
		}
		want = req.String()
	}
	same := func(p *LockPackage) bool { return p.Name == d.Name && accept(p) }
	if c.linked(entry, same) {
		return
	}
	dn, kind := depName(d), depKind(d)
	if d.Git != "" && gitRefQuery(d) == "branch=master" && c.lock.Version < 3 &&
		c.linked(entry, func(p *LockPackage) bool { return p.Name == d.Name && gitSourceMatches(p.Source, d.Git, "") }) {
		c.out = append(c.out, Stale{Path: m.Path, Pos: d.Pos, Legacy: true, Msg: fmt.Sprintf(
			"%s %sdepends on %s %s; %s (lock format v1/v2) records it as the default branch, as the cargo that wrote it did, but cargo 1.95 no longer reads it that way", m.Path, kind, dn, want, c.lockPath())})
		return
	}
	var locked []string
	anyOK := false
	for _, i := range c.byName[d.Name] {
		p := &c.lock.Packages[i]
		if p == entry {
			continue
		}
		if accept(p) {
			anyOK = true
		}
		locked = append(locked, describeLocked(p))
	}
	switch {
	case anyOK:
		c.report(m.Path, d.Pos, "%s %sdepends on %s %s but %s does not record that dependency of %s", m.Path, kind, dn, want, c.lockPath(), m.Package.Name)
	case len(locked) > 0:
		c.report(m.Path, d.Pos, "%s %sdepends on %s %s but %s only has %s", m.Path, kind, dn, want, c.lockPath(), strings.Join(locked, ", "))
	default:
		c.report(m.Path, d.Pos, "%s %sdepends on %s %s, which is missing from %s", m.Path, kind, dn, want, c.lockPath())
	}
}

func describeLocked(p *LockPackage) string {
	switch {
	case p.Source == "":
		return fmt.Sprintf("%s %s (path)", p.Name, p.Version)
	case strings.HasPrefix(p.Source, "git+"):
		return fmt.Sprintf("%s %s (%s)", p.Name, p.Version, p.Source)
	}
	return fmt.Sprintf("%s %s", p.Name, p.Version)
}

func isRegistrySource(s string) bool {
	return strings.HasPrefix(s, "registry+") || strings.HasPrefix(s, "sparse+")
}

// gitRefQuery renders a git dependency's reference the way lock sources
// do: branch=…, tag=…, rev=…, or "" for the default branch.
func gitRefQuery(d Dep) string {
	switch {
	case d.Branch != "":
		return "branch=" + d.Branch
	case d.Tag != "":
		return "tag=" + d.Tag
	case d.Rev != "":
		return "rev=" + d.Rev
	}
	return ""
}

// gitSourceMatches compares a lock source "git+URL[?ref]#commit" with a
// manifest URL and reference ("branch=feat/x"), using cargo's canonical URL
// comparison (no trailing slash, no .git suffix, lower-case github.com
// paths). Cargo writes the reference form-urlencoded
// (?branch=feat%2Fx), so the lock's query is decoded first.
func gitSourceMatches(source, url, ref string) bool {
	s, ok := strings.CutPrefix(source, "git+")
	if !ok {
		return false
	}
	s, _, _ = strings.Cut(s, "#")
	u, q, _ := strings.Cut(s, "?")
	return canonicalGitURL(u) == canonicalGitURL(url) && decodeQuery(q) == ref
}

// decodeQuery decodes "key=value" written form-urlencoded; a query that
// does not decode is returned as it is.
func decodeQuery(q string) string {
	k, v, ok := strings.Cut(q, "=")
	if !ok {
		return q
	}
	dk, err1 := neturl.QueryUnescape(k)
	dv, err2 := neturl.QueryUnescape(v)
	if err1 != nil || err2 != nil {
		return q
	}
	return dk + "=" + dv
}

// sameSource compares a package's source with the source of a lock
// dependency entry, which Cargo writes without the git #commit fragment.
func sameSource(pkgSource, refSource string) bool {
	if pkgSource == refSource {
		return true
	}
	p, _, _ := strings.Cut(pkgSource, "#")
	r, _, _ := strings.Cut(refSource, "#")
	return p == r
}

func canonicalGitURL(u string) string {
	u = strings.TrimRight(u, "/")
	u = strings.TrimSuffix(u, ".git")
	if strings.HasPrefix(strings.ToLower(u), "https://github.com/") || strings.HasPrefix(strings.ToLower(u), "http://github.com/") {
		u = strings.ToLower(u)
	}
	return u
}
