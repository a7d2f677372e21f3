package cargo

import (
	"strconv"
	"strings"
)

// Lock is a parsed Cargo.lock.
// Format: cargo's src/cargo/core/resolver/encode.rs (EncodableResolve).
type Lock struct {
	Version int // the top-level `version` (3, 4…); 0 for the unversioned v1/v2 formats
	// V1 is the oldest format: checksums in a [metadata] table.
	V1       bool
	Packages []LockPackage
	// Unused are the [[patch.unused]] entries: [patch] packages the
	// resolve did not use (name, version, and source unless a path).
	Unused []LockPackage
}

// LockPackage is one [[package]] of a lock file.
type LockPackage struct {
	Name, Version string
	Source        string // "" for path (workspace and path-dependency) packages
	// Dependencies are references as written: "name", "name version" or
	// "name version (source)".
	Dependencies []string
	Line         int // line of the [[package]] header
}

// ParseLock parses a Cargo.lock. Invalid TOML and wrongly typed fields give
// a *ParseError.
func ParseLock(lockPath string, data []byte) (*Lock, error) {
	if l, ok := parseLockFast(data); ok {
		return l, nil
	}
	return parseLockFull(lockPath, data)
}

// parseLockFull parses a lock with the general TOML parser.
func parseLockFull(lockPath string, data []byte) (*Lock, error) {
	p := lockPath
	d, err := parseDoc(p, data)
	if err != nil {
		return nil, err
	}
	l := &Lock{}
	if v, ok := d.root["version"]; ok {
		n, isInt := v.(int64)
		if !isInt || n < 0 || n > 1<<20 {
			return nil, d.errAt([]string{"version"}, "invalid lock file version %v: expected a small integer", v)
		}
		l.Version = int(n)
	}
	if md, ok := d.root["metadata"].(map[string]any); ok && l.Version == 0 {
		for k := range md {
			if strings.HasPrefix(k, "checksum ") {
				l.V1 = true
				break
			}
		}
	}
	if l.Packages, err = lockPackages(d, d.root, nil, "package", "[[package]]"); err != nil {
		return nil, err
	}
	patch, err := d.table(d.root, nil, "patch")
	if err != nil {
		return nil, err
	}
	if l.Unused, err = lockPackages(d, patch, []string{"patch"}, "unused", "[[patch.unused]]"); err != nil {
		return nil, err
	}
	return l, nil
}

// lockPackages reads the array of tables t[key] ([[package]] or
// [[patch.unused]], written header).
func lockPackages(d *doc, t map[string]any, base []string, key, header string) ([]LockPackage, error) {
	v, ok := t[key]
	if !ok {
		return nil, nil
	}
	full := append(append([]string(nil), base...), key)
	arr, ok := v.([]any)
	if !ok {
		return nil, d.errAt(full, "invalid type: %s, expected an array of tables for `%s` (write %s)", typeName(v), dotted(full), header)
	}
	out := make([]LockPackage, 0, len(arr))
	// The i-th header, found without indexing every key of the lock; the
	// index decides when the headers are written unusually.
	headers := d.headerLines(header, dotted(full))
	if len(headers) != len(arr) {
		headers = nil
	}
	for i, e := range arr {
		path := append(append([]string(nil), full...), strconv.Itoa(i))
		t, ok := e.(map[string]any)
		if !ok {
			return nil, d.errAt(path, "invalid type: %s, expected a table in `%s`", typeName(e), dotted(full))
		}
		lp := LockPackage{}
		if headers != nil {
			lp.Line = headers[i]
		} else {
			lp.Line = d.at(path...).whole.Line
		}
		for _, f := range []struct {
			key      string
			dst      *string
			required bool
		}{{"name", &lp.Name, true}, {"version", &lp.Version, true}, {"source", &lp.Source, false}} {
			var ok bool
			var err error
			if *f.dst, ok, err = d.str(t, path, f.key); err != nil {
				return nil, err
			} else if !ok && f.required {
				return nil, d.errAt(path, "missing field `%s` in %s", f.key, header)
			}
		}
		var err error
		if lp.Dependencies, err = d.strings(t, path, "dependencies"); err != nil {
			return nil, err
		}
		out = append(out, lp)
	}
	return out, nil
}

// lockRef is a parsed entry of a lock package's `dependencies`.
type lockRef struct{ name, version, source string }

func parseLockRef(s string) lockRef {
	name, rest, _ := strings.Cut(s, " ")
	ver, src, _ := strings.Cut(rest, " ")
	src = strings.TrimSuffix(strings.TrimPrefix(src, "("), ")")
	return lockRef{name: name, version: ver, source: src}
}
