package cargo

import (
	"path"
	"strings"
)

// Source is one [source.<name>] table of a .cargo/config.toml.
// Reference: https://doc.rust-lang.org/cargo/reference/source-replacement.html
type Source struct {
	Name        string
	ReplaceWith string // replace-with = "other"
	Directory   string // directory = "vendor", repository-relative (cleaned); "" when absent or outside
	Registry    string // registry = "https://…"
	Git         string
}

// CargoConfig is the part of a .cargo/config.toml (or .cargo/config) that
// decides where packages come from.
type CargoConfig struct {
	Path    string
	Sources map[string]Source
	// Registries maps [registries.<name>] to its index URL as written
	// ("https://…", "sparse+https://…").
	Registries map[string]string
}

// ParseCargoConfig parses a cargo configuration file at configPath
// ("x/.cargo/config.toml"). Relative directories are resolved against the
// directory holding .cargo, as cargo does.
func ParseCargoConfig(configPath string, data []byte) (*CargoConfig, error) {
	d, err := parseDoc(configPath, data)
	if err != nil {
		return nil, err
	}
	c := &CargoConfig{Path: configPath, Sources: map[string]Source{}, Registries: map[string]string{}}
	regs, err := d.table(d.root, nil, "registries")
	if err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(regs) {
		rt, err := d.table(regs, []string{"registries"}, name)
		if err != nil {
			return nil, err
		}
		idx, ok, err := d.str(rt, []string{"registries", name}, "index")
		if err != nil {
			return nil, err
		}
		if ok {
			c.Registries[name] = idx
		}
	}
	t, err := d.table(d.root, nil, "source")
	if err != nil || t == nil {
		return c, err
	}
	base := dirOf(dirOf(configPath)) // the directory holding .cargo
	for _, name := range sortedKeys(t) {
		st, err := d.table(t, []string{"source"}, name)
		if err != nil {
			return nil, err
		}
		p := []string{"source", name}
		s := Source{Name: name}
		var dir string
		for _, f := range []struct {
			key string
			dst *string
		}{{"replace-with", &s.ReplaceWith}, {"directory", &dir}, {"registry", &s.Registry}, {"git", &s.Git}} {
			if *f.dst, _, err = d.str(st, p, f.key); err != nil {
				return nil, err
			}
		}
		if dir != "" && !path.IsAbs(dir) {
			if cd, ok := cleanJoin(base, strings.TrimPrefix(dir, "./")); ok {
				s.Directory = cd
			}
		}
		c.Sources[name] = s
	}
	return c, nil
}

// CratesIO is the source Cargo records in Cargo.lock for crates.io
// packages, whatever protocol or [source] replacement fetched them.
const CratesIO = "registry+https://github.com/rust-lang/crates.io-index"

// LockEnv is what Cargo's configuration tells about the sources of a root's
// dependencies, as seen from the root's directory, and the manifests'
// index shared by every root's check.
type LockEnv struct {
	// Registries maps an alternative registry's name to the source Cargo
	// writes for its packages in Cargo.lock ("registry+https://…" or
	// "sparse+https://…"). A registry missing here is unknown (defined
	// outside the repository, in CARGO_HOME or the environment).
	Registries map[string]string
	// Graph is NewGraph of the byDir given to CheckLockEnv, built once for
	// every root (one per root is quadratic in a repository of many
	// roots); nil: CheckLockEnv builds its own.
	Graph *Graph
}

// EnvFor returns the LockEnv of a cargo command run in dir: the
// .cargo/config.toml (or .cargo/config) files in dir and its parents
// within the repository, the nearest winning, as Cargo merges them.
// [source] replacement changes nothing in it: Cargo.lock records the
// original source of a replaced one.
func EnvFor(configs []*CargoConfig, dir string) LockEnv {
	env := LockEnv{Registries: map[string]string{}}
	best := map[string]int{}
	for _, c := range configs {
		base := dirOf(dirOf(c.Path))
		if !(base == "" || base == dir || strings.HasPrefix(dir, base+"/")) {
			continue
		}
		depth := len(base)
		for name, idx := range c.Registries {
			if d, ok := best[name]; ok && d > depth {
				continue
			}
			best[name] = depth
			env.Registries[name] = registrySource(idx)
		}
	}
	return env
}

// registrySource is the lock source of a registry index URL.
func registrySource(index string) string {
	if strings.HasPrefix(index, "sparse+") || strings.HasPrefix(index, "registry+") {
		return index
	}
	return "registry+" + index
}
