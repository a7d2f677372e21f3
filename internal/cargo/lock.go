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
	v, ok := d.root["package"]
	if !ok {
		return l, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, d.errAt([]string{"package"}, "invalid type: %s, expected an array of tables for `package` (write [[package]])", typeName(v))
	}
	l.Packages = make([]LockPackage, 0, len(arr))
	// The i-th [[package]] header, found without indexing every key of
	// the lock; the index decides when the headers are written unusually.
	headers := d.headerLines("[[package]]", "package")
	if len(headers) != len(arr) {
		headers = nil
	}
	for i, e := range arr {
		path := []string{"package", strconv.Itoa(i)}
		t, ok := e.(map[string]any)
		if !ok {
			return nil, d.errAt(path, "invalid type: %s, expected a table in `package`", typeName(e))
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
			if *f.dst, ok, err = d.str(t, path, f.key); err != nil {
				return nil, err
			} else if !ok && f.required {
				return nil, d.errAt(path, "missing field `%s` in [[package]]", f.key)
			}
		}
		if lp.Dependencies, err = d.strings(t, path, "dependencies"); err != nil {
			return nil, err
		}
		l.Packages = append(l.Packages, lp)
	}
	return l, nil
}

// lockRef is a parsed entry of a lock package's `dependencies`.
type lockRef struct{ name, version, source string }

func parseLockRef(s string) lockRef {
	name, rest, _ := strings.Cut(s, " ")
	ver, src, _ := strings.Cut(rest, " ")
	src = strings.TrimSuffix(strings.TrimPrefix(src, "("), ")")
	return lockRef{name: name, version: ver, source: src}
}
