package cargo

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// parseLockFast reads a Cargo.lock written the way Cargo writes it (one
// key per line, basic strings without escapes, dependencies one per line)
// without a general TOML decoder: a large workspace's lock is read in a
// fraction of the time. ok is false for anything else (comments inside
// tables, inline arrays, escapes, [metadata], duplicate keys, unknown
// lines), which ParseLock then reads with the full parser, so that errors
// and unusual spellings keep their exact handling.
func parseLockFast(data []byte) (l *Lock, ok bool) {
	l = &Lock{}
	n := bytes.Count(data, []byte("[[package]]"))
	// Names, versions and sources repeat across packages: one string each.
	interned := make(map[string]string, 2*n+16)
	intern := func(b []byte) string {
		if s, ok := interned[string(b)]; ok {
			return s
		}
		s := string(b)
		interned[s] = s
		return s
	}
	var cur *LockPackage
	seen := map[string]bool{} // keys of the current table
	inDeps, versionSet := false, false
	open := false // the last dependency had no comma after it
	pkgs := make([]LockPackage, 0, n)
	var unused []LockPackage
	if !utf8.Valid(data) {
		return nil, false
	}
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = bytes.TrimSuffix(data[:i], []byte("\r")), data[i+1:]
		} else {
			line, data = data, nil
		}
		for _, c := range line {
			if c < 0x20 && c != '\t' || c == 0x7f {
				return nil, false // control characters: the parser decides
			}
		}
		if inDeps {
			t := bytes.TrimSpace(line)
			if len(t) == 1 && t[0] == ']' {
				inDeps = false
				continue
			}
			s, rest, ok := fastString(t, intern)
			if !ok || open || !(len(rest) == 0 || len(rest) == 1 && rest[0] == ',') {
				return nil, false // a second element needs a comma before it
			}
			open = len(rest) == 0
			cur.Dependencies = append(cur.Dependencies, s)
			continue
		}
		if len(line) == 0 {
			continue
		}
		switch line[0] {
		case '#':
			if cur != nil {
				return nil, false
			}
			continue
		case '[':
			switch string(line) {
			case "[[package]]":
				pkgs = append(pkgs, LockPackage{Line: lineNo})
				cur = &pkgs[len(pkgs)-1]
			case "[[patch.unused]]":
				unused = append(unused, LockPackage{Line: lineNo})
				cur = &unused[len(unused)-1]
			default:
				return nil, false
			}
			clear(seen)
			continue
		}
		k, v, found := bytes.Cut(line, []byte(" = "))
		if !found {
			return nil, false
		}
		key := intern(k)
		if cur == nil {
			if key != "version" || versionSet {
				return nil, false
			}
			n, err := strconv.Atoi(string(v))
			if err != nil || n < 0 || n > 1<<20 {
				return nil, false
			}
			l.Version, versionSet = n, true
			continue
		}
		if seen[key] {
			return nil, false
		}
		seen[key] = true
		if key == "dependencies" {
			if string(v) != "[" {
				return nil, false
			}
			inDeps, open = true, false
			continue
		}
		s, rest, ok := fastString(v, intern)
		if !ok || len(rest) != 0 {
			return nil, false
		}
		switch key {
		case "name":
			cur.Name = s
		case "version":
			cur.Version = s
		case "source":
			cur.Source = s
		case "checksum", "replace":
		default:
			return nil, false
		}
	}
	if inDeps {
		return nil, false
	}
	for _, p := range append(pkgs, unused...) {
		if p.Name == "" || p.Version == "" {
			return nil, false // the full parser names the missing field
		}
	}
	l.Packages, l.Unused = pkgs, unused
	return l, true
}

// fastString reads a TOML basic string without escapes at the start of b.
func fastString(b []byte, intern func([]byte) string) (s string, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != '"' {
		return "", nil, false
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 {
		return "", nil, false
	}
	body := b[1 : 1+end]
	if bytes.IndexByte(body, '\\') >= 0 {
		return "", nil, false
	}
	for _, c := range body {
		if c < 0x20 || c == 0x7f {
			return "", nil, false
		}
	}
	return intern(body), b[2+end:], true
}
