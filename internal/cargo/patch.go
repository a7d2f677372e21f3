package cargo

import "strings"

// [patch] as Cargo applies it (cargo's core/registry.rs, patch and query):
// a [patch.<source>] entry of the root manifest replaces, for the
// dependencies on that source and name, the source's candidates, but only
// when its version matches the dependency's requirement. A patch no
// dependency uses is recorded in Cargo.lock as [[patch.unused]] (name,
// version, and source unless it is a path).

// patch is one [patch.<key>] entry of the root manifest.
type patch struct {
	dep    Dep       // as declared; dep.Target is the source key
	target *Manifest // a path patch: the package at the path (nil when unknown)
	ver    string    // its version, when known
}

// patchKind tells what a patch is, for the checks that differ.
func (pt *patch) isPath() bool { return pt.dep.Path != "" }
func (pt *patch) isGit() bool  { return pt.dep.Path == "" && pt.dep.Git != "" }

// loadPatches reads the root's [patch] tables. [replace] entries are
// remembered by name only: they are accepted with any source, and the
// reverse check is skipped (their lock encoding is not modelled).
func (c *checker) loadPatches() {
	root := c.root.Manifest
	for _, p := range root.Patches {
		if p.Kind == "replace" {
			c.replaced[p.Name] = true
			continue
		}
		pt := &patch{dep: p}
		if p.Path != "" {
			if dir, ok := cleanJoin(root.Dir, p.Path); ok {
				if t := c.byDir[dir]; t != nil && t.Package != nil && t.Package.Name == p.Name {
					pt.target = t
					pt.ver, _ = c.version(t)
				}
			}
			if pt.target == nil || pt.ver == "" {
				c.uncertain = true // a path lockguard cannot read
			}
		} else if p.Git == "" {
			c.uncertain = true // a patch from another registry: not modelled
		}
		c.patches = append(c.patches, pt)
	}
}

// patchesFor returns the patches that apply to dependency d (same name,
// same source), in declaration order.
func (c *checker) patchesFor(d Dep) []*patch {
	var out []*patch
	for _, pt := range c.patches {
		if pt.dep.Name == d.Name && c.patchSourceIs(pt.dep.Target, d) {
			out = append(out, pt)
		}
	}
	return out
}

// patchSourceIs reports whether a [patch.<key>] table patches the source
// dependency d comes from.
func (c *checker) patchSourceIs(key string, d Dep) bool {
	switch {
	case d.Path != "":
		return false
	case d.Git != "":
		return canonicalGitURL(key) == canonicalGitURL(d.Git)
	case d.RegistryIndex != "":
		return strings.TrimRight(key, "/") == strings.TrimRight(d.RegistryIndex, "/")
	case d.Registry != "" && d.Registry != "crates-io":
		if key == d.Registry {
			return true
		}
		src, ok := c.env.Registries[d.Registry]
		return ok && sameRegistry(registrySource(key), src)
	}
	return key == "crates-io" || sameRegistry(registrySource(key), CratesIO)
}

// reqMatches reports whether version v satisfies the requirement req
// ("" is any version, as for a git dependency without one).
func reqMatches(req, v string) bool {
	if req == "" {
		return true
	}
	r, err := ParseReq(req)
	if err != nil {
		return false
	}
	ver, err := ParseVersion(v)
	return err == nil && r.Matches(ver)
}

// pathPatch returns the path patch that dependency d resolves to: one
// whose package version matches d's requirement.
func (c *checker) pathPatch(d Dep) *patch {
	for _, pt := range c.patchesFor(d) {
		if pt.isPath() && pt.target != nil && pt.ver != "" && reqMatches(d.Req, pt.ver) {
			return pt
		}
	}
	return nil
}

// unusedEntry finds the [[patch.unused]] entry recording pt: a path patch
// by name (Cargo looks path packages up by name), a git patch by name and
// source.
func (c *checker) unusedEntry(pt *patch) *LockPackage {
	for i := range c.lock.Unused {
		u := &c.lock.Unused[i]
		if u.Name != pt.dep.Name {
			continue
		}
		switch {
		case pt.isPath() && u.Source == "":
			return u
		case pt.isGit() && gitSourceMatches(u.Source, pt.dep.Git, gitRefQuery(pt.dep)):
			return u
		}
	}
	return nil
}

// sameRegistry compares two registry lock sources, ignoring a trailing
// slash.
func sameRegistry(a, b string) bool {
	return strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}
