package cargo

// Version and version requirements as Cargo reads them. Cargo delegates both
// to the `semver` crate (1.x); the rules below follow its parser
// (src/parse.rs) and matcher (src/eval.rs), which the Cargo reference
// summarises in "Specifying Dependencies" → "Version requirement syntax":
// https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version is a semantic version: MAJOR.MINOR.PATCH[-PRE][+BUILD].
type Version struct {
	Major, Minor, Patch uint64
	Pre                 string // dot-separated pre-release identifiers, "" for a release
	Build               string // build metadata; ignored by comparisons and requirements
}

func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	if v.Build != "" {
		s += "+" + v.Build
	}
	return s
}

// Compare orders versions by precedence (SemVer §11): -1, 0 or +1. Build
// metadata is ignored.
func (v Version) Compare(w Version) int {
	for _, c := range [][2]uint64{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		if c[0] != c[1] {
			if c[0] < c[1] {
				return -1
			}
			return 1
		}
	}
	return comparePre(v.Pre, w.Pre)
}

// comparePre orders pre-release strings: a release ("") sorts after every
// pre-release; identifiers compare numerically when both are numeric,
// numeric ones sort before alphanumeric ones, and a longer list wins a tie.
func comparePre(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, y := as[i], bs[i]
		xn, yn := isDigits(x), isDigits(y)
		var c int
		switch {
		case xn && yn: // no leading zeros, so length then bytes is numeric order
			if len(x) != len(y) {
				c = cmpInt(len(x), len(y))
			} else {
				c = strings.Compare(x, y)
			}
		case xn:
			c = -1
		case yn:
			c = 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(as), len(bs))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseVersion parses a version exactly as semver::Version::parse does: no
// surrounding whitespace, no leading zeros in numeric parts or numeric
// pre-release identifiers, no empty identifiers.
func ParseVersion(s string) (Version, error) {
	var v Version
	if s == "" {
		return v, errors.New("empty string, expected a semver version")
	}
	rest := s
	var err error
	for i, name := range []string{"major", "minor", "patch"} {
		var n uint64
		n, rest, err = numericIdent(rest, name)
		if err != nil {
			return Version{}, fmt.Errorf("invalid version %q: %w", s, err)
		}
		switch i {
		case 0:
			v.Major = n
		case 1:
			v.Minor = n
		case 2:
			v.Patch = n
		}
		if i < 2 {
			if !strings.HasPrefix(rest, ".") {
				if rest == "" {
					return Version{}, fmt.Errorf("invalid version %q: unexpected end of input while parsing %s version number", s, name)
				}
				return Version{}, fmt.Errorf("invalid version %q: unexpected character %q after %s version number", s, rest[0], name)
			}
			rest = rest[1:]
		}
	}
	if r, ok := strings.CutPrefix(rest, "-"); ok {
		v.Pre, rest, err = identifier(r, true)
		if err != nil {
			return Version{}, fmt.Errorf("invalid version %q: %w", s, err)
		}
		if v.Pre == "" {
			return Version{}, fmt.Errorf("invalid version %q: empty identifier segment in pre-release identifier", s)
		}
	}
	if r, ok := strings.CutPrefix(rest, "+"); ok {
		v.Build, rest, err = identifier(r, false)
		if err != nil {
			return Version{}, fmt.Errorf("invalid version %q: %w", s, err)
		}
		if v.Build == "" {
			return Version{}, fmt.Errorf("invalid version %q: empty identifier segment in build metadata", s)
		}
	}
	if rest != "" {
		return Version{}, fmt.Errorf("invalid version %q: unexpected character %q", s, rest[0])
	}
	return v, nil
}

// numericIdent reads a non-negative integer without leading zeros.
func numericIdent(s, what string) (uint64, string, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		if s == "" {
			return 0, s, fmt.Errorf("unexpected end of input while parsing %s version number", what)
		}
		return 0, s, fmt.Errorf("unexpected character %q while parsing %s version number", s[0], what)
	}
	if i > 1 && s[0] == '0' {
		return 0, s, fmt.Errorf("invalid leading zero in %s version number", what)
	}
	n, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil {
		return 0, s, fmt.Errorf("value of %s version number exceeds u64::MAX", what)
	}
	return n, s[i:], nil
}

// identifier reads dot-separated [0-9A-Za-z-]+ segments (semver's
// `identifier`). For pre-release identifiers, numeric segments may not have
// leading zeros.
func identifier(s string, pre bool) (string, string, error) {
	acc, seg, nondigit := 0, 0, false
	for {
		var c byte
		end := acc+seg >= len(s)
		if !end {
			c = s[acc+seg]
		}
		switch {
		case !end && (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-'):
			seg++
			nondigit = true
			continue
		case !end && c >= '0' && c <= '9':
			seg++
			continue
		}
		if seg == 0 {
			if acc == 0 && (end || c != '.') {
				return "", s, nil
			}
			return "", s, errors.New("empty identifier segment")
		}
		if pre && seg > 1 && !nondigit && s[acc] == '0' {
			return "", s, errors.New("invalid leading zero in pre-release identifier")
		}
		acc += seg
		if !end && c == '.' {
			acc++
			seg, nondigit = 0, false
			continue
		}
		return s[:acc], s[acc:], nil
	}
}

// Op is a comparison operator of a requirement.
type Op byte

const (
	OpCaret     Op = '^' // default when no operator is written
	OpTilde     Op = '~'
	OpExact     Op = '='
	OpGreater   Op = '>'
	OpGreaterEq Op = 'g' // >=
	OpLess      Op = '<'
	OpLessEq    Op = 'l' // <=
	OpWildcard  Op = '*' // 1.* or 1.2.* written without an operator
)

// Comparator is one comma-separated part of a requirement. Minor and Patch
// are nil when omitted or written as a wildcard.
type Comparator struct {
	Op           Op
	Major        uint64
	Minor, Patch *uint64
	Pre          string
}

// VersionReq is a Cargo version requirement: comma-separated comparators
// that must all match. The zero value (and "*") matches every release.
type VersionReq struct {
	Comparators []Comparator
}

const maxComparators = 32 // semver's MAX_COMPARATORS

// ParseReq parses a requirement exactly as semver::VersionReq::parse does
// (the parser Cargo uses for `version = "…"`): a bare version means caret;
// operators =, >, >=, <, <=, ~, ^; wildcards *, x, X in place of the whole
// requirement or of the minor/patch part; comma-separated comparators;
// spaces (only U+0020) around operators and commas.
func ParseReq(s string) (VersionReq, error) {
	text := strings.TrimLeft(s, " ")
	if len(text) > 0 && isWildcard(text[0]) {
		rest := strings.TrimLeft(text[1:], " ")
		switch {
		case rest == "":
			return VersionReq{}, nil
		case rest[0] == ',':
			return VersionReq{}, fmt.Errorf("invalid requirement %q: wildcard req (%c) must be the only comparator in the version req", s, text[0])
		default:
			return VersionReq{}, fmt.Errorf("invalid requirement %q: unexpected character after wildcard in version req", s)
		}
	}
	var req VersionReq
	for {
		c, rest, err := parseComparator(text)
		if err != nil {
			return VersionReq{}, fmt.Errorf("invalid requirement %q: %w", s, err)
		}
		req.Comparators = append(req.Comparators, c)
		if rest == "" {
			return req, nil
		}
		if rest[0] != ',' {
			return VersionReq{}, fmt.Errorf("invalid requirement %q: expected comma after version, found %q", s, rest[0])
		}
		if len(req.Comparators) == maxComparators {
			return VersionReq{}, fmt.Errorf("invalid requirement %q: excessive number of version comparators", s)
		}
		text = strings.TrimLeft(rest[1:], " ")
	}
}

func isWildcard(c byte) bool { return c == '*' || c == 'x' || c == 'X' }

func parseComparator(s string) (Comparator, string, error) {
	var c Comparator
	explicit := true
	switch {
	case strings.HasPrefix(s, ">="):
		c.Op, s = OpGreaterEq, s[2:]
	case strings.HasPrefix(s, "<="):
		c.Op, s = OpLessEq, s[2:]
	case strings.HasPrefix(s, "="), strings.HasPrefix(s, ">"), strings.HasPrefix(s, "<"),
		strings.HasPrefix(s, "~"), strings.HasPrefix(s, "^"):
		c.Op, s = Op(s[0]), s[1:]
	default:
		c.Op, explicit = OpCaret, false
	}
	s = strings.TrimLeft(s, " ")
	var err error
	if c.Major, s, err = numericIdent(s, "major"); err != nil {
		if len(s) > 0 && isWildcard(s[0]) {
			r := strings.TrimLeft(s[1:], " ")
			if r == "" || r[0] == ',' {
				return c, s, fmt.Errorf("wildcard req (%c) must be the only comparator in the version req", s[0])
			}
		}
		return c, s, err
	}
	wild := false
	if r, ok := strings.CutPrefix(s, "."); ok {
		if len(r) > 0 && isWildcard(r[0]) {
			wild, s = true, r[1:]
			if !explicit {
				c.Op = OpWildcard
			}
		} else {
			var n uint64
			if n, s, err = numericIdent(r, "minor"); err != nil {
				return c, s, err
			}
			c.Minor = &n
		}
	}
	if r, ok := strings.CutPrefix(s, "."); ok {
		switch {
		case len(r) > 0 && isWildcard(r[0]):
			s = r[1:]
			if !explicit {
				c.Op = OpWildcard
			}
		case wild:
			return c, s, errors.New("unexpected character after wildcard in version req")
		default:
			var n uint64
			if n, s, err = numericIdent(r, "patch"); err != nil {
				return c, s, err
			}
			c.Patch = &n
		}
	}
	if c.Patch != nil {
		if r, ok := strings.CutPrefix(s, "-"); ok {
			if c.Pre, s, err = identifier(r, true); err != nil {
				return c, s, err
			}
			if c.Pre == "" {
				return c, s, errors.New("empty identifier segment in pre-release identifier")
			}
		}
		if r, ok := strings.CutPrefix(s, "+"); ok {
			var b string
			if b, s, err = identifier(r, false); err != nil {
				return c, s, err
			}
			if b == "" {
				return c, s, errors.New("empty identifier segment in build metadata")
			}
		}
	}
	return c, strings.TrimLeft(s, " "), nil
}

func (r VersionReq) String() string {
	if len(r.Comparators) == 0 {
		return "*"
	}
	parts := make([]string, len(r.Comparators))
	for i, c := range r.Comparators {
		parts[i] = c.String()
	}
	return strings.Join(parts, ", ")
}

func (c Comparator) String() string {
	var b strings.Builder
	switch c.Op {
	case OpGreaterEq:
		b.WriteString(">=")
	case OpLessEq:
		b.WriteString("<=")
	case OpWildcard:
	default:
		b.WriteByte(byte(c.Op))
	}
	fmt.Fprintf(&b, "%d", c.Major)
	switch {
	case c.Minor != nil:
		fmt.Fprintf(&b, ".%d", *c.Minor)
	case c.Op == OpWildcard:
		b.WriteString(".*")
	}
	switch {
	case c.Patch != nil:
		fmt.Fprintf(&b, ".%d", *c.Patch)
		if c.Pre != "" {
			b.WriteString("-" + c.Pre)
		}
	case c.Op == OpWildcard && c.Minor != nil:
		b.WriteString(".*")
	}
	return b.String()
}

// Matches reports whether v satisfies every comparator. As in semver's
// matches_req, a pre-release version only matches when some comparator names
// the same MAJOR.MINOR.PATCH with a pre-release of its own ("1.2.3-alpha.1"
// matches ">=1.2.3-alpha.0" but not ">=1.0.0" nor "*").
func (r VersionReq) Matches(v Version) bool {
	for _, c := range r.Comparators {
		if !c.matches(v) {
			return false
		}
	}
	if v.Pre == "" {
		return true
	}
	for _, c := range r.Comparators {
		if c.Major == v.Major && c.Minor != nil && *c.Minor == v.Minor &&
			c.Patch != nil && *c.Patch == v.Patch && c.Pre != "" {
			return true
		}
	}
	return false
}

func (c Comparator) matches(v Version) bool {
	switch c.Op {
	case OpExact, OpWildcard:
		return c.exact(v)
	case OpGreater:
		return c.greater(v)
	case OpGreaterEq:
		return c.exact(v) || c.greater(v)
	case OpLess:
		return c.less(v)
	case OpLessEq:
		return c.exact(v) || c.less(v)
	case OpTilde:
		if v.Major != c.Major || c.Minor != nil && v.Minor != *c.Minor {
			return false
		}
		if c.Patch != nil && v.Patch != *c.Patch {
			return v.Patch > *c.Patch
		}
		return comparePre(v.Pre, c.Pre) >= 0
	default: // caret
		if v.Major != c.Major {
			return false
		}
		if c.Minor == nil {
			return true
		}
		minor := *c.Minor
		if c.Patch == nil {
			if c.Major > 0 {
				return v.Minor >= minor
			}
			return v.Minor == minor
		}
		patch := *c.Patch
		switch {
		case c.Major > 0:
			if v.Minor != minor {
				return v.Minor > minor
			}
			if v.Patch != patch {
				return v.Patch > patch
			}
		case minor > 0:
			if v.Minor != minor {
				return false
			}
			if v.Patch != patch {
				return v.Patch > patch
			}
		default:
			if v.Minor != minor || v.Patch != patch {
				return false
			}
		}
		return comparePre(v.Pre, c.Pre) >= 0
	}
}

func (c Comparator) exact(v Version) bool {
	if v.Major != c.Major || c.Minor != nil && v.Minor != *c.Minor || c.Patch != nil && v.Patch != *c.Patch {
		return false
	}
	return v.Pre == c.Pre
}

func (c Comparator) greater(v Version) bool {
	if v.Major != c.Major {
		return v.Major > c.Major
	}
	if c.Minor == nil {
		return false
	}
	if v.Minor != *c.Minor {
		return v.Minor > *c.Minor
	}
	if c.Patch == nil {
		return false
	}
	if v.Patch != *c.Patch {
		return v.Patch > *c.Patch
	}
	return comparePre(v.Pre, c.Pre) > 0
}

func (c Comparator) less(v Version) bool {
	if v.Major != c.Major {
		return v.Major < c.Major
	}
	if c.Minor == nil {
		return false
	}
	if v.Minor != *c.Minor {
		return v.Minor < *c.Minor
	}
	if c.Patch == nil {
		return false
	}
	if v.Patch != *c.Patch {
		return v.Patch < *c.Patch
	}
	return comparePre(v.Pre, c.Pre) < 0
}
