package cargo

import (
	"fmt"
	"strings"
)

// Staleness in the other direction: what the lock records that the
// manifests no longer ask for.
//
// Under --locked, Cargo resolves with the lock as the preferred versions and
// compares the resolve it would write with the lock's, both parsed (cargo's
// ops/lockfile.rs, are_equal_lockfiles; Resolve's PartialEq compares the
// package graph, its edges, and the unused patches). Parsing the lock
// (resolver/encode.rs, into_resolve) silently drops a package without a
// source whose name Cargo does not find among the workspace's path
// packages (members, and every path dependency and [patch] path they lead
// to, of any kind, optional or not: build_path_deps), and every edge to a
// package it dropped. So, by experiment with cargo 1.95
// (cargo_layouts_real_test.go), the lock is stale when it records:
//   - a registry or git package nothing reaches any more;
//   - a dependency edge the manifests no longer declare (between members,
//     to a registry package another member still uses, a dev-dependency of
//     a package outside the workspace);
//   - a path package Cargo still finds that nothing reaches (an optional
//     path dependency turned off, one left only as a dev-dependency of a
//     package outside the workspace);
//   - a [[patch.unused]] entry missing, with another version, or left for a
//     patch that is now used;
//
// and it is fine when a path package (and the edges to it) is no longer
// found at all: the dependency removed, the directory gone.
//
// Registry and git packages have no manifest here: their recorded edges are
// taken as they are, so a change inside them (a feature of a registry
// package turned off) is not seen. Where the model cannot follow a
// dependency (a path outside the repository, a [patch] from another
// registry, [replace]), the recorded edges are trusted too, or the check
// stays silent: unknown is silent.

// unneeded runs the reverse check; CheckLock calls it only when every
// manifest requirement is satisfied, so the lock is the resolve's
// starting point.
func (c *checker) unneeded() {
	if c.uncertain || len(c.replaced) > 0 {
		return
	}
	for _, n := range c.nodes {
		if !n.verOK || n.entry == nil {
			return
		}
	}
	names := c.pathDepNames()
	live := func(p *LockPackage) bool { return p.Source != "" || names[p.Name] }
	byEntry := map[*LockPackage][]*node{}
	for _, n := range c.nodes {
		byEntry[n.entry] = append(byEntry[n.entry], n)
	}
	// A path package that a registry or git package depends on (through a
	// [patch]) gets features the model does not see.
	fed := map[*LockPackage]bool{}
	for i := range c.lock.Packages {
		p := &c.lock.Packages[i]
		if p.Source == "" {
			continue
		}
		for _, q := range c.edges(p) {
			if q.Source == "" {
				fed[q] = true
			}
		}
	}
	reached := map[*LockPackage]bool{}
	var queue []*LockPackage
	push := func(p *LockPackage) {
		if !reached[p] {
			reached[p] = true
			queue = append(queue, p)
		}
	}
	for _, n := range c.nodes {
		if n.member {
			push(n.entry)
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		ns := byEntry[p]
		trust := len(ns) == 0 || fed[p]
		for _, n := range ns {
			trust = trust || n.skipped
		}
		for _, q := range c.edges(p) {
			if trust || c.justified(ns, q) {
				push(q)
				continue
			}
			if !live(q) {
				continue // Cargo drops the edge with the package
			}
			n := ns[0]
			c.report(n.m.Path, n.m.HeaderPos, "%s no longer depends on %s, but %s still records that dependency of %s; cargo would remove it", n.m.Path, describeLocked(q), c.lockPath(), n.m.Package.Name)
		}
	}
	var extra []string
	first := 0
	for i := range c.lock.Packages {
		p := &c.lock.Packages[i]
		if reached[p] || !live(p) {
			continue
		}
		if first == 0 {
			first = p.Line
		}
		extra = append(extra, describeLocked(p))
	}
	if len(extra) > 0 {
		what := fmt.Sprintf("%d packages", len(extra))
		if len(extra) == 1 {
			what = "1 package"
		}
		list := extra
		if len(list) > 5 {
			list = append(list[:5:5], "…")
		}
		c.report(c.lockPath(), linePos(first), "%s locks %s that no manifest needs any more (%s); cargo would remove them", c.lockPath(), what, strings.Join(list, ", "))
	}
	c.checkUnused(reached, names)
}

// justified reports whether one of the nodes of a lock entry has an active
// dependency that q satisfies.
func (c *checker) justified(ns []*node, q *LockPackage) bool {
	for _, n := range ns {
		for i, d := range n.deps {
			if d.target != nil {
				if tn := c.seen[d.target.Dir]; tn != nil && tn.entry == q {
					return true
				}
				continue
			}
			if d.Name != q.Name {
				continue
			}
			if accept := c.cachedAcceptor(&n.deps[i]); accept == nil || accept(q) {
				return true
			}
		}
	}
	return false
}

// cachedAcceptor is acceptor(d) computed once per dependency (nil when d
// cannot be judged).
func (c *checker) cachedAcceptor(d *resolvedDep) func(*LockPackage) bool {
	if a, ok := c.accepts[d]; ok {
		return a
	}
	if c.accepts == nil {
		c.accepts = map[*resolvedDep]func(*LockPackage) bool{}
	}
	a, _, ok := c.acceptor(&d.Dep, false)
	if !ok {
		a = nil
	}
	c.accepts[d] = a
	return a
}

// checkUnused compares the lock's [[patch.unused]] with the patches the
// resolve does not use.
func (c *checker) checkUnused(reached map[*LockPackage]bool, names map[string]bool) {
	used := func(pt *patch) bool {
		for p := range reached {
			if p.Name != pt.dep.Name {
				continue
			}
			if pt.isPath() && p.Source == "" && p.Version == pt.ver ||
				pt.isGit() && gitSourceMatches(p.Source, pt.dep.Git, gitRefQuery(pt.dep)) {
				return true
			}
		}
		return false
	}
	claimed := map[*LockPackage]bool{}
	root := c.root.Manifest
	for _, pt := range c.patches {
		if !pt.isPath() && !pt.isGit() {
			continue
		}
		u := c.unusedEntry(pt)
		if u != nil {
			claimed[u] = true
		}
		key := quoteKey(pt.dep.Target)
		switch isUsed := used(pt); {
		case isUsed && u != nil:
			c.report(root.Path, pt.dep.Pos, "%s records the [patch.%s] entry %s as unused, but the dependencies now use it", c.lockPath(), key, pt.dep.Key)
		case !isUsed && u == nil:
			c.report(root.Path, pt.dep.Pos, "no dependency uses the [patch.%s] entry %s, and %s does not record it in [[patch.unused]]", key, pt.dep.Key, c.lockPath())
		case !isUsed && pt.isPath() && u.Version != pt.ver:
			c.report(root.Path, pt.dep.Pos, "the unused [patch.%s] entry %s is version %s but %s records it in [[patch.unused]] as %s", key, pt.dep.Key, pt.ver, c.lockPath(), u.Version)
		}
	}
	for i := range c.lock.Unused {
		u := &c.lock.Unused[i]
		if claimed[u] || u.Source == "" && !names[u.Name] {
			continue // a path Cargo no longer finds is dropped
		}
		c.report(c.lockPath(), linePos(u.Line), "%s records %s in [[patch.unused]], but no [patch] of %s declares it", c.lockPath(), describeLocked(u), root.Path)
	}
}

// lookup resolves a dependency entry of the lock to its packages.
func (c *checker) lookup(out []*LockPackage, ref string) []*LockPackage {
	r := parseLockRef(ref)
	for _, i := range c.byName[r.name] {
		p := &c.lock.Packages[i]
		if r.version != "" && p.Version != r.version || r.source != "" && !sameSource(p.Source, r.source) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// pathDepNames are the names of the path packages Cargo finds for the root
// (build_path_deps): members, and every path dependency and [patch] path
// target they lead to.
func (c *checker) pathDepNames() map[string]bool {
	names := map[string]bool{}
	if m := c.root.Manifest; m.Package != nil {
		names[m.Package.Name] = true
	}
	for dir := range covered([]Root{c.root}, c.byDir, nil, c.graph()) {
		if m := c.byDir[dir]; m != nil && m.Package != nil {
			names[m.Package.Name] = true
		}
	}
	return names
}

func linePos(line int) Pos {
	if line < 1 {
		line = 1
	}
	return Pos{Line: line, Column: 1, EndLine: line, EndColumn: 1}
}
