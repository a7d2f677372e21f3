package nix

import (
	"bytes"
	"slices"
)

// Data files: rust-overlay imports about 800 generated manifests (22 MB of
// `{v="1.80.0";cargo={_0="…";…};}`), and lexing them all into tokens was
// the analysis' largest cost. dataOnly recognises, in one pass over the
// bytes and without allocating, a subset of Nix that holds nothing but
// literal data:
//
//	file    = value EOF
//	value   = "{" { attrpath "=" value ";" } "}" | "[" { value } "]"
//	        | string | digits [ "." digits ] | true | false | null
//	attrpath = name { "." name }      name = identifier | string
//	string  = '"' … '"'   (escapes; no ${…} interpolation)
//
// with whitespace and comments between tokens. Everything in the subset
// parses (TestDataOnlyParses and FuzzDataOnly check that against Parse)
// and can refer to no path: it has no path, no identifier except attribute
// names and true/false/null, no interpolation. Anything else (a negative
// number, an indented string, a function, a syntax error) is not data, and
// the caller parses the file, so that a syntax error in an imported file is
// still reported.

// dataOnly reports whether src is a literal data value in the subset above.
func dataOnly(src []byte) bool {
	s := dataScanner{src: src}
	s.ws()
	if !s.value(0) {
		return false
	}
	s.ws()
	return s.ok && s.i == len(src)
}

type dataScanner struct {
	src   []byte
	i     int
	ok    bool
	names []uint64 // hashes of the first names of the open sets' bindings
}

const maxDataDepth = 200

// stopInString are the bytes that end a plain run inside a string.
var stopInString = [256]bool{'"': true, '\\': true, '$': true}

// identByte: bytes of a Nix identifier after the first.
var identByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['_'], t['\''], t['-'] = true, true, true
	return t
}()

// ws skips whitespace and comments; an unterminated block comment leaves
// s.ok false.
func (s *dataScanner) ws() {
	s.ok = true
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		case '#':
			for s.i < len(s.src) && s.src[s.i] != '\n' && s.src[s.i] != '\r' {
				s.i++
			}
		case '/':
			if s.i+1 >= len(s.src) || s.src[s.i+1] != '*' {
				return
			}
			end := -1
			for j := s.i + 2; j+1 < len(s.src); j++ {
				if s.src[j] == '*' && s.src[j+1] == '/' {
					end = j + 2
					break
				}
			}
			if end < 0 {
				s.ok = false
				s.i = len(s.src)
				return
			}
			s.i = end
		default:
			return
		}
	}
}

// delimited: the token just scanned is followed by whitespace, a comment
// or a closing bracket, so it cannot continue as a path, a URI or a float.
func (s *dataScanner) delimited() bool {
	if s.i >= len(s.src) {
		return true
	}
	switch s.src[s.i] {
	case ' ', '\t', '\n', '\r', ';', ']', '}', '#':
		return true
	}
	return false
}

func (s *dataScanner) value(depth int) bool {
	if s.i >= len(s.src) || depth > maxDataDepth {
		return false
	}
	switch c := s.src[s.i]; {
	case c == '{':
		s.i++
		open := len(s.names)
		for {
			s.ws()
			if !s.ok || s.i >= len(s.src) {
				return false
			}
			if s.src[s.i] == '}' {
				s.i++
				// A name bound twice is an error, or a merge (a.b = 1;
				// a.c = 2;) that the parser judges: not data either way.
				set := s.names[open:]
				slices.Sort(set)
				for k := 1; k < len(set); k++ {
					if set[k] == set[k-1] {
						return false
					}
				}
				s.names = s.names[:open]
				return true
			}
			if !s.attrPath() {
				return false
			}
			s.ws()
			if !s.ok || s.i >= len(s.src) || s.src[s.i] != '=' {
				return false
			}
			s.i++
			s.ws()
			if !s.ok || !s.value(depth+1) {
				return false
			}
			s.ws()
			if !s.ok || s.i >= len(s.src) || s.src[s.i] != ';' {
				return false
			}
			s.i++
		}
	case c == '[':
		s.i++
		for {
			s.ws()
			if !s.ok || s.i >= len(s.src) {
				return false
			}
			if s.src[s.i] == ']' {
				s.i++
				return true
			}
			if !s.value(depth + 1) {
				return false
			}
		}
	case c == '"':
		return s.str()
	case c >= '0' && c <= '9':
		return s.number()
	case c >= 'a' && c <= 'z':
		j := s.ident()
		switch string(s.src[j:s.i]) {
		case "true", "false", "null":
			return s.delimited()
		}
		return false
	}
	return false
}

func (s *dataScanner) attrPath() bool {
	for first := true; ; first = false {
		j := s.i
		if !s.name() {
			return false
		}
		if first {
			s.names = append(s.names, nameHash(s.src[j:s.i]))
		}
		s.ws()
		if !s.ok || s.i >= len(s.src) || s.src[s.i] != '.' {
			return true
		}
		s.i++
		s.ws()
		if !s.ok {
			return false
		}
	}
}

// name is an attribute name: a string, or an identifier that is not a
// keyword and does not run on into a path or a URI.
func (s *dataScanner) name() bool {
	if s.i >= len(s.src) {
		return false
	}
	c := s.src[s.i]
	if c == '"' {
		j := s.i
		// An escape would make "\a" the name a: not data.
		return s.str() && bytes.IndexByte(s.src[j:s.i], '\\') < 0
	}
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
		return false
	}
	j := s.ident()
	switch string(s.src[j:s.i]) {
	case "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or":
		return false
	}
	if s.i < len(s.src) {
		switch s.src[s.i] {
		case ' ', '\t', '\n', '\r', '=', '.', '#':
		default:
			return false
		}
	}
	return true
}

// nameHash is the FNV-1a hash of an attribute name, written as an
// identifier or as a string without escapes (its quotes dropped).
func nameHash(b []byte) uint64 {
	if len(b) >= 2 && b[0] == '"' {
		b = b[1 : len(b)-1]
	}
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// ident scans an identifier and returns where it starts.
func (s *dataScanner) ident() int {
	j := s.i
	for s.i++; s.i < len(s.src) && identByte[s.src[s.i]]; s.i++ {
	}
	return j
}

func (s *dataScanner) number() bool {
	j := s.i
	for s.i < len(s.src) && s.src[s.i] >= '0' && s.src[s.i] <= '9' {
		s.i++
	}
	if s.i-j > 18 {
		return false // might overflow a 64-bit integer, which Nix rejects
	}
	if s.i < len(s.src) && s.src[s.i] == '.' {
		s.i++
		n := 0
		for s.i < len(s.src) && s.src[s.i] >= '0' && s.src[s.i] <= '9' {
			s.i++
			n++
		}
		if n == 0 {
			return false
		}
	}
	return s.delimited()
}

// str scans a double-quoted string without interpolation.
func (s *dataScanner) str() bool {
	src, i := s.src, s.i+1 // after the opening quote
	for {
		for i < len(src) && !stopInString[src[i]] {
			i++
		}
		if i >= len(src) {
			s.i = i
			return false
		}
		switch src[i] {
		case '"':
			s.i = i + 1
			return true
		case '\\':
			i += 2
		case '$':
			if i+1 < len(src) && src[i+1] == '{' {
				s.i = i
				return false
			}
			i++
		}
	}
}
