package cargo

import (
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Manifest is the part of a Cargo.toml that decides workspace membership,
// targets and the contents of Cargo.lock.
// Reference: https://doc.rust-lang.org/cargo/reference/manifest.html
type Manifest struct {
	Path, Dir string     // "backend/Cargo.toml", "backend" ("" for the repo root)
	Package   *Package   // nil when there's no [package] (virtual manifest)
	Workspace *Workspace // nil when there's no [workspace]
	// Deps holds [dependencies], [dev-dependencies], [build-dependencies]
	// (and the dev_dependencies/build_dependencies spellings) and their
	// [target.<cfg or triple>.…] variants, in file order.
	Deps []Dep
	// Patches holds [patch.<source>] entries (Kind "patch", Target the
	// source key) and [replace] entries (Kind "replace"). Cargo only honours
	// them in the workspace root manifest.
	Patches []Dep
	Bins    []Target // [[bin]] entries
	// Features is the [features] table: feature name → what it enables
	// ("feat", "dep:x", "x/feat", "x?/feat").
	Features map[string][]string
	AutoBins bool // package.autobins (default true)
	// Inherits says the manifest takes something from its workspace: a
	// [package] key or [lints] written `{ workspace = true }`, a dependency
	// with workspace = true, or a package.workspace pointer. Cargo cannot
	// build such a package anywhere but as a member of that workspace.
	Inherits bool
	// HeaderPos is the [package] header, or [workspace] when there's no
	// package (where LG101 reports); line 1 for a manifest with neither.
	HeaderPos Pos
}

// Package is the [package] table (the legacy spelling [project], which
// cargo 1.95 still reads, too).
type Package struct {
	Name    string
	Version string // "" when omitted (Cargo then uses 0.0.0) or inherited
	// VersionWorkspace is version.workspace = true: the version comes from
	// [workspace.package] of the workspace root.
	VersionWorkspace bool
	Workspace        string // package.workspace = "../": explicit workspace root
	Pos              Pos
}

// Workspace is the [workspace] table.
// Reference: https://doc.rust-lang.org/cargo/reference/workspaces.html
type Workspace struct {
	Members, Exclude []string
	Deps             map[string]Dep // [workspace.dependencies]
	Package          map[string]any // [workspace.package], for inheritance
	Pos              Pos
	VersionPos       Pos // workspace.package.version, when written
}

// Dep is one dependency declaration.
// Reference: https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html
type Dep struct {
	Key  string // the key in the manifest (the name the crate is used under)
	Name string // the package name: `package = "real"`, else Key
	Req  string // version requirement; "" when none was written
	Path string
	Git  string
	// Branch, Tag and Rev qualify a git dependency.
	Branch, Tag, Rev string
	Registry         string // registry = "name" (alternative registry)
	RegistryIndex    string // registry-index = "URL" (written by cargo publish)
	Workspace        bool   // dep.workspace = true: inherit from [workspace.dependencies]
	Kind             string // "normal", "dev", "build" ("patch", "replace" in Manifest.Patches)
	Target           string // the cfg(…) or triple of [target.X.dependencies], else ""
	Optional         bool
	// Features are the features the dependency requests (`features = […]`);
	// NoDefault is `default-features = false` and DefaultSet says whether
	// default-features was written at all (workspace inheritance needs it).
	Features              []string
	NoDefault, DefaultSet bool
	Pos                   Pos
}

// Target is a [[bin]] (or other) target entry.
type Target struct{ Name, Path string }

var depTables = []struct{ key, kind string }{
	{"dependencies", "normal"},
	{"dev-dependencies", "dev"},
	{"dev_dependencies", "dev"},
	{"build-dependencies", "build"},
	{"build_dependencies", "build"},
}

// ParseManifest parses a Cargo.toml. path is its repository-relative slash
// path. Invalid TOML, and values of a type Cargo rejects in the keys this
// package reads, give a *ParseError.
func ParseManifest(manifestPath string, data []byte) (*Manifest, error) {
	p := manifestPath
	d, err := parseDoc(p, data)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Path: p, Dir: dirOf(p), AutoBins: true}
	root := d.root

	pkgKey := "package"
	if _, ok := root["package"]; !ok {
		if _, ok := root["project"]; ok {
			pkgKey = "project"
		}
	}
	if err := m.parsePackage(d, pkgKey); err != nil {
		return nil, err
	}
	if err := m.parseWorkspace(d); err != nil {
		return nil, err
	}
	if m.Deps, err = parseDepTables(d, root, nil, ""); err != nil {
		return nil, err
	}
	targets, err := d.table(root, nil, "target")
	if err != nil {
		return nil, err
	}
	for _, t := range sortedKeys(targets) {
		tt, err := d.table(targets, []string{"target"}, t)
		if err != nil {
			return nil, err
		}
		deps, err := parseDepTables(d, tt, []string{"target", t}, t)
		if err != nil {
			return nil, err
		}
		m.Deps = append(m.Deps, deps...)
	}
	sortDeps(m.Deps)
	if err := m.parseFeatures(d); err != nil {
		return nil, err
	}
	if err := m.parsePatches(d); err != nil {
		return nil, err
	}
	if err := m.parseBins(d); err != nil {
		return nil, err
	}

	if lints, ok := root["lints"].(map[string]any); ok && lints["workspace"] == true {
		m.Inherits = true
	}
	for _, d := range m.Deps {
		m.Inherits = m.Inherits || d.Workspace
	}
	switch {
	case m.Package != nil:
		m.HeaderPos = m.Package.Pos
	case m.Workspace != nil:
		m.HeaderPos = m.Workspace.Pos
	default:
		m.HeaderPos = Pos{Line: 1, Column: 1, EndLine: 1, EndColumn: 1}
	}
	return m, nil
}

func dirOf(p string) string {
	d := path.Dir(p)
	if d == "." || d == "/" {
		return ""
	}
	return d
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortDeps(deps []Dep) {
	slices.SortStableFunc(deps, func(a, b Dep) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column), cmp.Compare(a.Key, b.Key))
	})
}

func (m *Manifest) parsePackage(d *doc, pkgKey string) error {
	t, err := d.table(d.root, nil, pkgKey)
	if err != nil || t == nil {
		return err
	}
	path := []string{pkgKey}
	pkg := &Package{Pos: d.at(pkgKey).whole}
	var ok bool
	if pkg.Name, ok, err = d.str(t, path, "name"); err != nil {
		return err
	} else if !ok {
		return d.errAt(path, "missing field `name` in [%s]", pkgKey)
	}
	switch v := t["version"].(type) {
	case nil:
	case string:
		if _, err := ParseVersion(v); err != nil {
			return d.errAt(append(path, "version"), "%v", err)
		}
		pkg.Version = v
	case map[string]any:
		ws, ok, err := d.boolean(v, append(path, "version"), "workspace")
		if err != nil {
			return err
		}
		if !ok || !ws {
			return d.errAt(append(path, "version"), "`%s.version` must be a version string or `{ workspace = true }`", pkgKey)
		}
		pkg.VersionWorkspace = true
	default:
		return d.errAt(append(path, "version"), "invalid type: %s, expected a version string or `{ workspace = true }` for `%s.version`", typeName(v), pkgKey)
	}
	if pkg.Workspace, _, err = d.str(t, path, "workspace"); err != nil {
		return err
	}
	if ab, ok, err := d.boolean(t, path, "autobins"); err != nil {
		return err
	} else if ok {
		m.AutoBins = ab
	}
	for _, v := range t {
		if tv, ok := v.(map[string]any); ok && tv["workspace"] == true {
			m.Inherits = true
		}
	}
	m.Inherits = m.Inherits || pkg.Workspace != ""
	m.Package = pkg
	return nil
}

func (m *Manifest) parseWorkspace(d *doc) error {
	t, err := d.table(d.root, nil, "workspace")
	if err != nil || t == nil {
		return err
	}
	path := []string{"workspace"}
	ws := &Workspace{Pos: d.at("workspace").whole}
	if ws.Members, err = d.strings(t, path, "members"); err != nil {
		return err
	}
	if ws.Exclude, err = d.strings(t, path, "exclude"); err != nil {
		return err
	}
	if _, err = d.strings(t, path, "default-members"); err != nil {
		return err
	}
	if ws.Package, err = d.table(t, path, "package"); err != nil {
		return err
	}
	if v, ok := ws.Package["version"]; ok {
		if s, isStr := v.(string); !isStr {
			return d.errAt([]string{"workspace", "package", "version"}, "invalid type: %s, expected a version string for `workspace.package.version`", typeName(v))
		} else if _, err := ParseVersion(s); err != nil {
			return d.errAt([]string{"workspace", "package", "version"}, "%v", err)
		}
		ws.VersionPos = d.at("workspace", "package", "version").whole
	}
	deps, err := d.table(t, path, "dependencies")
	if err != nil {
		return err
	}
	if deps != nil {
		ws.Deps = make(map[string]Dep, len(deps))
		for _, k := range sortedKeys(deps) {
			dep, err := parseDep(d, []string{"workspace", "dependencies"}, k, deps[k], "normal", "")
			if err != nil {
				return err
			}
			if dep.Workspace {
				return d.errAt([]string{"workspace", "dependencies", k}, "`workspace.dependencies.%s` cannot itself inherit with `workspace = true`", k)
			}
			ws.Deps[k] = dep
		}
	}
	m.Workspace = ws
	return nil
}

func parseDepTables(d *doc, t map[string]any, path []string, target string) ([]Dep, error) {
	var out []Dep
	for _, dt := range depTables {
		p := append(append([]string(nil), path...), dt.key)
		deps, err := d.table(t, path, dt.key)
		if err != nil {
			return nil, err
		}
		for _, k := range sortedKeys(deps) {
			dep, err := parseDep(d, p, k, deps[k], dt.kind, target)
			if err != nil {
				return nil, err
			}
			out = append(out, dep)
		}
	}
	return out, nil
}

// parseDep reads `name = "req"` or `name = { … }`.
func parseDep(d *doc, path []string, k string, v any, kind, target string) (Dep, error) {
	p := append(append([]string(nil), path...), k)
	dep := Dep{Key: k, Name: k, Kind: kind, Target: target, Pos: d.at(p...).whole}
	hasReq := false
	switch v := v.(type) {
	case string:
		dep.Req, hasReq = v, true
	case map[string]any:
		var err error
		for _, f := range []struct {
			key string
			dst *string
		}{
			{"version", &dep.Req}, {"path", &dep.Path}, {"git", &dep.Git}, {"branch", &dep.Branch},
			{"tag", &dep.Tag}, {"rev", &dep.Rev}, {"registry", &dep.Registry}, {"registry-index", &dep.RegistryIndex}, {"package", &dep.Name},
		} {
			if *f.dst, _, err = d.str(v, p, f.key); err != nil {
				return dep, err
			}
		}
		if dep.Name == "" {
			dep.Name = k
		}
		if dep.Workspace, _, err = d.boolean(v, p, "workspace"); err != nil {
			return dep, err
		}
		if dep.Optional, _, err = d.boolean(v, p, "optional"); err != nil {
			return dep, err
		}
		if dep.Features, err = d.strings(v, p, "features"); err != nil {
			return dep, err
		}
		for _, k := range []string{"default-features", "default_features"} {
			df, ok, err := d.boolean(v, p, k)
			if err != nil {
				return dep, err
			}
			if ok {
				dep.NoDefault, dep.DefaultSet = !df, true
			}
		}
		if _, ok := v["version"]; ok {
			p, hasReq = append(p, "version"), true
		}
	default:
		return dep, d.errAt(p, "invalid type: %s, expected a version string like \"0.9.8\" or a detailed dependency like { version = \"0.9.8\" } for `%s`", typeName(v), dotted(p))
	}
	if hasReq {
		if _, err := ParseReq(dep.Req); err != nil {
			return dep, d.errAt(p, "failed to parse the version requirement `%s` for dependency `%s`: %v", dep.Req, k, err)
		}
	}
	return dep, nil
}

func (m *Manifest) parseFeatures(d *doc) error {
	t, err := d.table(d.root, nil, "features")
	if err != nil || t == nil {
		return err
	}
	m.Features = make(map[string][]string, len(t))
	for _, k := range sortedKeys(t) {
		if m.Features[k], err = d.strings(t, []string{"features"}, k); err != nil {
			return err
		}
	}
	return nil
}

func (m *Manifest) parsePatches(d *doc) error {
	patch, err := d.table(d.root, nil, "patch")
	if err != nil {
		return err
	}
	for _, src := range sortedKeys(patch) {
		t, err := d.table(patch, []string{"patch"}, src)
		if err != nil {
			return err
		}
		for _, k := range sortedKeys(t) {
			dep, err := parseDep(d, []string{"patch", src}, k, t[k], "patch", src)
			if err != nil {
				return err
			}
			m.Patches = append(m.Patches, dep)
		}
	}
	repl, err := d.table(d.root, nil, "replace")
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(repl) {
		dep, err := parseDep(d, []string{"replace"}, k, repl[k], "replace", "")
		if err != nil {
			return err
		}
		if name, _, _ := strings.Cut(k, ":"); dep.Name == k {
			dep.Name = name
		}
		m.Patches = append(m.Patches, dep)
	}
	sortDeps(m.Patches)
	return nil
}

func (m *Manifest) parseBins(d *doc) error {
	v, ok := d.root["bin"]
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		return d.errAt([]string{"bin"}, "invalid type: %s, expected an array of tables for `bin` (write [[bin]])", typeName(v))
	}
	for i, e := range arr {
		p := []string{"bin", strconv.Itoa(i)}
		t, ok := e.(map[string]any)
		if !ok {
			return d.errAt(p, "invalid type: %s, expected a table in `bin`", typeName(e))
		}
		name, _, err := d.str(t, p, "name")
		if err != nil {
			return err
		}
		bp, _, err := d.str(t, p, "path")
		if err != nil {
			return err
		}
		m.Bins = append(m.Bins, Target{Name: name, Path: bp})
	}
	return nil
}

// HasBinary reports whether the package builds a binary: a [[bin]] entry,
// or (unless autobins = false) src/main.rs or any file under src/bin/
// (Cargo reference, "Target auto-discovery"). exists and hasFilesUnder take
// repository-relative slash paths.
func HasBinary(m *Manifest, exists func(relPath string) bool, hasFilesUnder func(relDir string) bool) bool {
	if m == nil || m.Package == nil {
		return false
	}
	if len(m.Bins) > 0 {
		return true
	}
	if !m.AutoBins {
		return false
	}
	return exists(joinRel(m.Dir, "src/main.rs")) || hasFilesUnder(joinRel(m.Dir, "src/bin"))
}

func joinRel(dir, rel string) string {
	if dir == "" {
		return path.Clean(rel)
	}
	return path.Clean(dir + "/" + rel)
}
