package cargo

// Sources in the lock check: registry, git and path sources of a dependency
// matched against the locked package, as Cargo writes them.

import (
	"fmt"
	neturl "net/url"
	"slices"
	"strings"
)

// checkSourced checks a registry or git dependency.
func (c *checker) checkSourced(m *Manifest, entry *LockPackage, rd *resolvedDep) {
	d := &rd.Dep
	accept, _, ok := c.acceptor(d, false)
	if !ok {
		return
	}
	same := func(p *LockPackage) bool { return p.Name == d.Name && accept(p) }
	if c.linked(entry, same) {
		return
	}
	_, want, _ := c.acceptor(d, true)
	dn, kind := depName(*d), depKind(*d)
	if d.Git != "" && gitRefQuery(*d) == "branch=master" && c.lock.Version < 3 &&
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
	var single, grouped string // the message for this package, and for several
	switch {
	case anyOK:
		single = fmt.Sprintf("%s %sdepends on %s %s but %s does not record that dependency of %s", m.Path, kind, dn, want, c.lockPath(), m.Package.Name)
		grouped = fmt.Sprintf("but %s does not record that dependency of them", c.lockPath())
	case len(locked) > 0:
		single = fmt.Sprintf("%s %sdepends on %s %s but %s only has %s", m.Path, kind, dn, want, c.lockPath(), strings.Join(locked, ", "))
		grouped = fmt.Sprintf("but %s only has %s", c.lockPath(), strings.Join(locked, ", "))
	default:
		single = fmt.Sprintf("%s %sdepends on %s %s, which is missing from %s", m.Path, kind, dn, want, c.lockPath())
		grouped = fmt.Sprintf("which is missing from %s", c.lockPath())
	}
	if rd.from == nil || rd.fromPos.Line == 0 {
		c.report(m.Path, d.Pos, "%s", single)
		return
	}
	key := fmt.Sprintf("%s %s %s", dn, want, grouped)
	for _, g := range c.depGroups {
		if g.from == rd.from && g.key == key {
			g.add(m, d.Pos, single)
			return
		}
	}
	g := &depGroup{from: rd.from, pos: rd.fromPos, key: key, what: dn + " " + want, tail: grouped}
	g.add(m, d.Pos, single)
	c.depGroups = append(c.depGroups, g)
}

// depGroup gathers the packages that inherit one [workspace.dependencies]
// entry the lock does not satisfy: a workspace dependency bumped without
// the lock is one problem, reported once at the entry.
type depGroup struct {
	from       *Manifest
	pos        Pos
	key        string
	what, tail string
	names      []string
	singles    []Stale
}

func (g *depGroup) add(m *Manifest, pos Pos, single string) {
	g.names = append(g.names, m.Package.Name)
	g.singles = append(g.singles, Stale{Path: m.Path, Pos: pos, Msg: single})
}

// reportDepGroups reports each group: a lone package at its dependency,
// several at the workspace's entry.
func (c *checker) reportDepGroups() {
	for _, g := range c.depGroups {
		if len(g.names) == 1 {
			s := g.singles[0]
			c.report(s.Path, s.Pos, "%s", s.Msg)
			continue
		}
		names := slices.Clone(g.names)
		slices.Sort(names)
		names = slices.Compact(names)
		list := strings.Join(names, ", ")
		if len(names) > 5 {
			list = strings.Join(names[:5], ", ") + ", …"
		}
		c.report(g.from.Path, g.pos, "%d packages inherit %s from %s ([workspace.dependencies]), %s: %s", len(names), g.what, g.from.Path, g.tail, list)
	}
}

// acceptor returns what a locked package must be to satisfy the registry
// or git dependency d (its name aside), and, with describe, how to say it
// in a message; ok is false when d cannot be judged.
func (c *checker) acceptor(d *Dep, describe bool) (accept func(*LockPackage) bool, want string, ok bool) {
	var orig func(*LockPackage) bool
	switch {
	case c.replaced[d.Name]:
		return func(*LockPackage) bool { return true }, "(replaced)", true
	case d.Git != "":
		ref := gitRefQuery(*d)
		orig = func(p *LockPackage) bool {
			return gitSourceMatches(p.Source, d.Git, ref) && reqMatches(d.Req, p.Version)
		}
		if describe {
			want = "git " + d.Git
			if ref != "" {
				want += "?" + ref
			}
		}
	default:
		req, err := ParseReq(d.Req)
		if err != nil {
			return nil, "", false // ParseManifest rejects these; stay silent on hand-made input
		}
		orig = func(p *LockPackage) bool {
			if !c.registryOK(d, p.Source) {
				return false
			}
			v, err := ParseVersion(p.Version)
			return err == nil && req.Matches(v)
		}
		if describe {
			want = req.String()
			if d.Registry != "" && d.Registry != "crates-io" {
				want += fmt.Sprintf(" (registry %q)", d.Registry)
			}
		}
	}
	// A git [patch] is used when the locked patch's version matches the
	// requirement; the original source only when the lock records the
	// patch as unused with a version that does not.
	for _, pt := range c.patchesFor(*d) {
		switch {
		case pt.isGit():
			ref := gitRefQuery(pt.dep)
			inner := orig
			unused := c.unusedEntry(pt)
			origOK := unused != nil && !reqMatches(d.Req, unused.Version)
			orig = func(p *LockPackage) bool {
				if gitSourceMatches(p.Source, pt.dep.Git, ref) {
					return reqMatches(d.Req, p.Version)
				}
				return origOK && inner(p)
			}
			if describe {
				want += fmt.Sprintf(" (patched by [patch.%s] to git %s)", quoteKey(pt.dep.Target), pt.dep.Git)
			}
		case !pt.isPath():
			return func(*LockPackage) bool { return true }, "(patched)", true
		}
	}
	return orig, want, true
}

// registryOK reports whether a lock source is the registry dependency d
// comes from: crates.io, or the alternative registry it names (any
// registry but crates.io when the repository does not define it).
func (c *checker) registryOK(d *Dep, src string) bool {
	if !isRegistrySource(src) {
		return false
	}
	switch {
	case d.RegistryIndex != "":
		return true
	case d.Registry != "" && d.Registry != "crates-io":
		if want, ok := c.env.Registries[d.Registry]; ok {
			return sameRegistry(src, want)
		}
		return !sameRegistry(src, CratesIO)
	}
	return sameRegistry(src, CratesIO)
}

func describeLocked(p *LockPackage) string {
	switch {
	case p.Source == "":
		return fmt.Sprintf("%s %s (path)", p.Name, p.Version)
	case strings.HasPrefix(p.Source, "git+"), !sameRegistry(p.Source, CratesIO):
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
