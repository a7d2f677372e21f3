package buildctx

import (
	"regexp"
	"strings"
)

var (
	makeAssign = regexp.MustCompile(`^(?:export[ \t]+|override[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(::?:?=|\?=|\+=|!=|=)[ \t]*(.*)$`)
	makeRef    = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}`)
	makeRule   = regexp.MustCompile(`^([^\t#=:]+)(?:::?|&:)(?:[^=]|$)`)
)

// SubstMakeVars replaces, in a Makefile, the references $(NAME) and
// ${NAME} to variables that the Makefile assigns exactly once with a
// value that resolves to a literal (after substituting such variables),
// so that a recipe `cd $(DOCKER_DIR) && docker build …` can be read.
// Variables assigned more than once, appended to (+=), from a shell (!=)
// or with make functions stay as they are. Line structure is kept.
func SubstMakeVars(src []byte) []byte {
	lines := strings.Split(string(src), "\n")
	defs := map[string]string{}
	count := map[string]int{}
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSuffix(lines[i], "\r")
		if strings.HasPrefix(l, "\t") || strings.HasSuffix(l, "\\") {
			continue
		}
		m := makeAssign.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		name, op, val := m[1], m[2], strings.TrimSpace(m[3])
		if j := strings.Index(val, " #"); j >= 0 {
			val = strings.TrimSpace(val[:j])
		}
		count[name]++
		if op == "+=" || op == "!=" {
			count[name]++
		}
		defs[name] = val
	}
	var resolve func(name string, depth int) (string, bool)
	resolve = func(name string, depth int) (string, bool) {
		v, ok := defs[name]
		if !ok || count[name] != 1 || depth > 8 {
			return "", false
		}
		okAll := true
		out := makeRef.ReplaceAllStringFunc(v, func(ref string) string {
			m := makeRef.FindStringSubmatch(ref)
			n := m[1] + m[2]
			r, ok := resolve(n, depth+1)
			if !ok {
				okAll = false
				return ref
			}
			return r
		})
		if !okAll || strings.Contains(out, "$") || strings.ContainsAny(out, "\n") {
			return "", false
		}
		return out, true
	}
	for i, l := range lines {
		if !strings.Contains(l, "$") {
			continue
		}
		lines[i] = makeRef.ReplaceAllStringFunc(l, func(ref string) string {
			// $$(…) is a literal $ followed by (…): leave it
			m := makeRef.FindStringSubmatch(ref)
			if r, ok := resolve(m[1]+m[2], 0); ok {
				return r
			}
			return ref
		})
	}
	return []byte(strings.Join(lines, "\n"))
}

// MakeRules finds, for every recipe line of one Makefile, the rule it
// belongs to; the Makefile is split and indexed once (a Makefile of n
// recipes costs O(n), not O(n²)).
type MakeRules struct {
	lines []string
	// last[i] is the index of the last line at or before i that can head
	// a rule (not a recipe, blank, comment or continued line), or -1.
	last []int
}

// NewMakeRules indexes src.
func NewMakeRules(src []byte) *MakeRules {
	lines := strings.Split(string(src), "\n")
	last := make([]int, len(lines))
	prev := -1
	for i, raw := range lines {
		l := strings.TrimSuffix(raw, "\r")
		skip := strings.HasPrefix(l, "\t") || strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") ||
			(i > 0 && strings.HasSuffix(strings.TrimSuffix(lines[i-1], "\r"), "\\"))
		if !skip {
			prev = i
		}
		last[i] = prev
	}
	return &MakeRules{lines: lines, last: last}
}

// Of finds the rule a recipe line (1-based) belongs to: the line of the
// rule and its prerequisites ("" when it has none); 0 when the nearest line
// above that can head a rule is not one.
func (r *MakeRules) Of(line int) (ruleLine int, prereqs string) {
	i := min(line-1, len(r.lines)) - 1
	if i < 0 || r.last[i] < 0 {
		return 0, ""
	}
	return ruleAt(r.lines, r.last[i])
}

// ruleAt reads lines[i] as a rule: its 1-based line and prerequisites
// (none for .PHONY); 0 when it is not a rule.
func ruleAt(lines []string, i int) (int, string) {
	l := strings.TrimSuffix(lines[i], "\r")
	m := makeRule.FindStringSubmatch(l)
	if m == nil {
		return 0, ""
	}
	rest := strings.TrimLeft(l[len(m[1]):], "&:")
	if j := strings.IndexByte(rest, ';'); j >= 0 {
		rest = rest[:j]
	}
	if j := strings.IndexByte(rest, '#'); j >= 0 {
		rest = rest[:j]
	}
	rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "|"))
	if strings.HasPrefix(strings.TrimSpace(m[1]), ".PHONY") {
		return i + 1, ""
	}
	return i + 1, rest
}
