package cargo

import "strings"

// Feature resolution as Cargo's lock resolver does it (cargo's
// core/resolver/dep_cache.rs, build_requirements): Cargo.lock is resolved
// with every feature of every workspace member enabled; a package outside the
// workspace gets the features its dependents request, plus "default" when
// any dependent leaves default-features on. An optional dependency is
// resolved only when an active feature turns it on: its implicit feature of
// the same name (absent when some feature says "dep:<name>"), "dep:<name>",
// "<name>/<feature>", and also "<name>?/<feature>": the weak form leaves
// the dependency off only in the build, not in the lock. Features unify across the whole graph (all
// targets, build and dev dependencies), so one set per package suffices.

// activeDep is a dependency the active features turn on, with the features
// and default-features setting it requests from its package.
type activeDep struct {
	dep      *resolvedDep // in the node's all
	features []string
	dflt     bool
}

// request merges features requested by a dependent into n; it reports
// whether anything was added.
func (n *node) request(features []string, dflt bool) bool {
	changed := false
	if dflt && !n.dflt {
		n.dflt, changed = true, true
	}
	for _, f := range features {
		if !n.feats[f] {
			n.feats[f], changed = true, true
		}
	}
	return changed
}

// activate computes which of n's dependencies are resolved under its
// active features.
func (c *checker) activate(n *node) []activeDep {
	m := n.m
	optional := map[string]bool{}
	for _, d := range n.all {
		if d.Optional {
			optional[d.Key] = true
		}
	}
	// Optional dependencies named with "dep:" anywhere have no implicit
	// feature.
	explicit := map[string]bool{}
	for _, items := range m.Features {
		for _, it := range items {
			if x, ok := strings.CutPrefix(it, "dep:"); ok {
				explicit[x] = true
			}
		}
	}
	feat := map[string]bool{}
	on := map[string]bool{}      // optional dependencies turned on
	fwd := map[string][]string{} // dependency key → features asked of it
	var enable func(item string)
	enable = func(item string) {
		switch x, rest, slash := strings.Cut(item, "/"); {
		case strings.HasPrefix(item, "dep:"):
			on[item[len("dep:"):]] = true
		case slash && strings.HasSuffix(x, "?"):
			// The lock resolver turns weak dependencies on too (cargo's
			// dep_cache.rs require_dep_feature records the dependency);
			// only the build's feature resolver leaves them off.
			x = strings.TrimSuffix(x, "?")
			on[x] = true
			fwd[x] = append(fwd[x], rest)
		case slash:
			on[x] = true
			fwd[x] = append(fwd[x], rest)
			if optional[x] && !explicit[x] {
				enable(x)
			}
		default:
			if feat[item] {
				return
			}
			feat[item] = true
			if items, ok := m.Features[item]; ok {
				for _, it := range items {
					enable(it)
				}
			} else if optional[item] && !explicit[item] {
				on[item] = true
			}
		}
	}
	if n.member {
		for f := range m.Features {
			enable(f)
		}
		for k := range optional {
			on[k] = true
		}
	} else {
		if n.dflt {
			if _, ok := m.Features["default"]; ok {
				enable("default")
			}
		}
		for f := range n.feats {
			enable(f)
		}
	}
	out := make([]activeDep, 0, len(n.all))
	for i := range n.all {
		d := &n.all[i]
		if d.Optional && !on[d.Key] {
			continue
		}
		fs := d.Features
		if f := fwd[d.Key]; len(f) > 0 {
			fs = append(append([]string(nil), d.Features...), f...)
		}
		out = append(out, activeDep{dep: d, features: fs, dflt: !d.NoDefault})
	}
	return out
}
