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
}

// ParseCargoConfig parses a cargo configuration file at configPath
// ("x/.cargo/config.toml"). Relative directories are resolved against the
// directory holding .cargo, as cargo does.
func ParseCargoConfig(configPath string, data []byte) (*CargoConfig, error) {
	d, err := parseDoc(configPath, data)
	if err != nil {
		return nil, err
	}
	c := &CargoConfig{Path: configPath, Sources: map[string]Source{}}
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
