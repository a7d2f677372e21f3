package cargo

// ManifestRead reports whether cargo, run in any package or workspace of the
// repository, reads the manifest in dir. It answers for a manifest that does
// not parse, so it looks at the others: parsed are the manifests that parse,
// and dirs the directories of every tracked Cargo.toml, parsed or not.
//
// Cargo reads a manifest when
//   - it is not nested in another package's directory: someone runs cargo
//     there (it is a root of its own);
//   - another manifest lies below it: cargo, run in that package, walks up
//     the parent directories reading each Cargo.toml while it looks for a
//     workspace root, and fails on one that does not parse;
//   - a workspace's members glob names it (and exclude does not);
//   - a manifest names it as a path dependency or [patch] target.
//
// A manifest nested in another package's directory that none of these
// reach is never read by cargo: a deliberately invalid test fixture there
// breaks nothing (cargo 1.95, observed: `cargo metadata` in the outer
// package succeeds, in a package below an invalid one it fails).
func ManifestRead(dir string, parsed []*Manifest, dirs []string) bool {
	nested := false
	for _, d := range dirs {
		if d == dir {
			continue
		}
		if under(d, dir) {
			return true // cargo walks up through dir from d
		}
		if under(dir, d) {
			nested = true
		}
	}
	if !nested {
		return true
	}
	for _, m := range parsed {
		var ws *Manifest
		if m.Workspace != nil {
			ws = m
			for _, wd := range m.Workspace.Deps {
				if p, ok := cleanJoin(m.Dir, wd.Path); ok && wd.Path != "" && p == dir {
					return true
				}
			}
			for _, glob := range m.Workspace.Members {
				pat, ok := cleanJoin(m.Dir, glob)
				if ok && globMatch(splitDir(pat), splitDir(dir)) && !excluded(m, joinRel(dir, "Cargo.toml")) {
					return true
				}
			}
		}
		for _, deps := range [][]Dep{m.Deps, m.Patches} {
			for _, dep := range deps {
				if p, ok := depPathDir(m, dep, ws); ok && p == dir {
					return true
				}
			}
		}
	}
	return false
}
