package repo

import "strings"

// Results of dowild (wildmatch.h).
const (
	wmMatch           = 0
	wmNoMatch         = 1
	wmAbortAll        = -1
	wmAbortToStarStar = -2
)

// wildmatch matches text against a git glob pattern; pathname is
// WM_PATHNAME ("*" and "?" do not match "/", "**/" matches directories).
// It is a port of git's wildmatch.c (case-sensitive).
//
// git's matcher backtracks: a pattern with k "**" can take time of the
// order of len(text)^k. dowild is a pure function of the pattern's and the
// text's suffixes, so the matcher remembers each suffix pair's result:
// every pair is computed once, bounding the work by
// len(pattern) × len(text) pairs (each scanning the text at most once).
func wildmatch(pattern, text string, pathname bool) bool {
	m := wildMatcher{p: pattern, t: text, pathname: pathname}
	return m.dowild(0, 0) == wmMatch
}

// wildMatcher holds one match: the whole pattern and text, and the
// results of the suffix pairs already tried.
type wildMatcher struct {
	p, t     string
	pathname bool
	memo     map[int]int
	calls    int // dowild evaluations
}

// dowild matches the pattern from pOff against the text from tOff.
func (m *wildMatcher) dowild(pOff, tOff int) int {
	key := pOff*(len(m.t)+1) + tOff
	if r, ok := m.memo[key]; ok {
		return r
	}
	m.calls++
	r := m.dowild1(pOff, tOff)
	// Most matches take a few calls: remember results only when a match
	// starts to take long.
	if m.memo == nil && m.calls > 64 {
		m.memo = map[int]int{}
	}
	if m.memo != nil {
		m.memo[key] = r
	}
	return r
}

// at returns s[i], or 0 past the end (C string semantics).
func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func (m *wildMatcher) dowild1(pOff, tOff int) int {
	p, text, pathname := m.p[pOff:], m.t[tOff:], m.pathname
	pi, ti := 0, 0
	for ; pi < len(p); pi, ti = pi+1, ti+1 {
		pch := p[pi]
		if ti >= len(text) && pch != '*' {
			return wmAbortAll
		}
		tch := at(text, ti)
		switch pch {
		case '\\':
			// Literal match with the following character.
			pi++
			if tch != at(p, pi) {
				return wmNoMatch
			}
			continue
		case '?':
			if pathname && tch == '/' {
				return wmNoMatch
			}
			continue
		case '*':
			var matchSlash bool
			pi++
			if at(p, pi) == '*' {
				prev := pi - 2
				for pi++; at(p, pi) == '*'; pi++ {
				}
				switch {
				case !pathname:
					matchSlash = true
				case (prev < 0 || p[prev] == '/') &&
					(pi >= len(p) || p[pi] == '/' || (p[pi] == '\\' && at(p, pi+1) == '/')):
					// "**/" may match no directory at all.
					if at(p, pi) == '/' && m.dowild(pOff+pi+1, tOff+ti) == wmMatch {
						return wmMatch
					}
					matchSlash = true
				default:
					matchSlash = false
				}
			} else {
				matchSlash = !pathname
			}
			if pi >= len(p) {
				// Trailing "**" matches everything; trailing "*" only
				// when no slash remains.
				if !matchSlash && strings.IndexByte(text[ti:], '/') >= 0 {
					return wmNoMatch
				}
				return wmMatch
			} else if !matchSlash && p[pi] == '/' {
				// One asterisk followed by a slash matches the next directory.
				slash := strings.IndexByte(text[ti:], '/')
				if slash < 0 {
					return wmNoMatch
				}
				ti += slash
				continue // the loop consumes the slash in both
			}
			for ti < len(text) {
				// Advance fast to the next occurrence of a literal.
				if !isGlobSpecial(p[pi]) {
					lit := p[pi]
					for ti < len(text) && (matchSlash || text[ti] != '/') && text[ti] != lit {
						ti++
					}
					if ti >= len(text) || text[ti] != lit {
						return wmNoMatch
					}
				}
				matched := m.dowild(pOff+pi, tOff+ti)
				if matched != wmNoMatch {
					if !matchSlash || matched != wmAbortToStarStar {
						return matched
					}
				} else if !matchSlash && text[ti] == '/' {
					return wmAbortToStarStar
				}
				ti++
			}
			return wmAbortAll
		case '[':
			pi++
			c := at(p, pi)
			if c == '^' {
				c = '!'
			}
			negated := c == '!'
			if negated {
				pi++
				c = at(p, pi)
			}
			var prevCh byte
			matched := false
			for {
				if c == 0 {
					return wmAbortAll
				}
				switch {
				case c == '\\':
					pi++
					c = at(p, pi)
					if c == 0 {
						return wmAbortAll
					}
					if tch == c {
						matched = true
					}
				case c == '-' && prevCh != 0 && at(p, pi+1) != 0 && at(p, pi+1) != ']':
					pi++
					c = at(p, pi)
					if c == '\\' {
						pi++
						c = at(p, pi)
						if c == 0 {
							return wmAbortAll
						}
					}
					if tch <= c && tch >= prevCh {
						matched = true
					}
					c = 0 // prevCh becomes 0
				case c == '[' && at(p, pi+1) == ':':
					pi += 2
					s := pi
					for c = at(p, pi); c != 0 && c != ']'; c = at(p, pi) {
						pi++
					}
					if c == 0 {
						return wmAbortAll
					}
					i := pi - s - 1
					if i < 0 || p[pi-1] != ':' {
						// No ":]": treat "[" as a normal member of the set.
						pi = s - 2
						c = '['
						if tch == c {
							matched = true
						}
						break
					}
					ok, valid := charClass(p[s:s+i], tch)
					if !valid {
						return wmAbortAll
					}
					if ok {
						matched = true
					}
					c = 0
				default:
					if tch == c {
						matched = true
					}
				}
				prevCh = c
				pi++
				c = at(p, pi)
				if c == ']' {
					break
				}
			}
			if matched == negated || (pathname && tch == '/') {
				return wmNoMatch
			}
			continue
		default:
			if tch != pch {
				return wmNoMatch
			}
			continue
		}
	}
	if ti < len(text) {
		return wmNoMatch
	}
	return wmMatch
}

// charClass tests c against a POSIX class name with git's (C locale) ctype;
// valid is false for an unknown class.
func charClass(name string, c byte) (ok, valid bool) {
	isUpper := c >= 'A' && c <= 'Z'
	isLower := c >= 'a' && c <= 'z'
	isDigit := c >= '0' && c <= '9'
	isAlpha := isUpper || isLower
	isGraph := c > 0x20 && c < 0x7f
	switch name {
	case "alnum":
		return isAlpha || isDigit, true
	case "alpha":
		return isAlpha, true
	case "blank":
		return c == ' ' || c == '\t', true
	case "cntrl":
		return c < 0x20 || c == 0x7f, true
	case "digit":
		return isDigit, true
	case "graph":
		return isGraph, true
	case "lower":
		return isLower, true
	case "print":
		return c >= 0x20 && c < 0x7f, true
	case "punct":
		return isGraph && !isAlpha && !isDigit, true
	case "space":
		return c == ' ' || c == '\t' || c == '\n' || c == '\r', true
	case "upper":
		return isUpper, true
	case "xdigit":
		return isDigit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'), true
	}
	return false, false
}
