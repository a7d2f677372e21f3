package checks

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

// A suppression comment: `# lockguard: ignore[LG101,LG102] reason` or
// `# lockguard: file-ignore[LG101] reason`.
type suppression struct {
	Path   string
	Line   int // 1-based line of the comment
	Column int // column of '#'
	EndCol int
	File   bool     // file-ignore
	Codes  []string // as written
	Rules  []*Rule  // resolved (nil entry when unknown)
	Reason string
	Bad    string // why the comment is malformed ("" when fine)
	used   []bool // per code
}

var directiveRE = regexp.MustCompile(`#\s*lockguard\s*:\s*([A-Za-z-]*)\s*(\[[^\]]*\]?)?(.*)$`)

// parseSuppressions finds the directives in a file. Only '#' comments are
// recognised; the scan is textual, which is right for TOML, Nix, Dockerfiles
// and shell (a '#' inside a string literal would be read too, which is rare
// and harmless: it can only suppress, never hide a parse error).
func parseSuppressions(p string, data []byte) []*suppression {
	if !bytes.Contains(data, []byte("lockguard")) {
		return nil
	}
	var out []*suppression
	line := 0
	for len(data) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		if !bytes.Contains(l, []byte("lockguard")) {
			continue
		}
		m := directiveRE.FindSubmatchIndex(l)
		if m == nil {
			continue
		}
		s := &suppression{Path: p, Line: line, Column: utf8.RuneCount(l[:m[0]]) + 1, EndCol: utf8.RuneCount(bytes.TrimRight(l, " \t\r")) + 1}
		kind := string(l[m[2]:m[3]])
		var brackets string
		if m[4] >= 0 {
			brackets = string(l[m[4]:m[5]])
		}
		s.Reason = strings.TrimSpace(string(l[m[6]:m[7]]))
		switch kind {
		case "ignore":
		case "file-ignore":
			s.File = true
		default:
			s.Bad = fmt.Sprintf("unknown lockguard directive %q (use ignore[RULE] or file-ignore[RULE])", kind)
			out = append(out, s)
			continue
		}
		if brackets == "" || !strings.HasSuffix(brackets, "]") {
			s.Bad = fmt.Sprintf("lockguard: %s needs rules in brackets, such as %s[LG101] reason", kind, kind)
			out = append(out, s)
			continue
		}
		for _, c := range strings.Split(strings.Trim(brackets, "[]"), ",") {
			if c = strings.TrimSpace(c); c != "" {
				s.Codes = append(s.Codes, c)
			}
		}
		if len(s.Codes) == 0 {
			s.Bad = fmt.Sprintf("lockguard: %s[] names no rule", kind)
		}
		for _, c := range s.Codes {
			r, ok := Lookup(c)
			if !ok {
				s.Bad = fmt.Sprintf("unknown rule %q in suppression", c)
			}
			s.Rules = append(s.Rules, r)
		}
		s.used = make([]bool, len(s.Codes))
		out = append(out, s)
	}
	return out
}

// covers reports whether the suppression applies to d, marking it used.
func (s *suppression) covers(d diag.Diagnostic) bool {
	if !s.File && d.Line != s.Line && d.Line != s.Line+1 {
		return false
	}
	hit := false
	for i, r := range s.Rules {
		if r != nil && r.ID == d.Rule {
			s.used[i] = true
			hit = true
		}
	}
	return hit
}

// applySuppressions drops suppressed diagnostics and returns LG902 findings
// for malformed, reasonless or unused suppressions (of enabled rules).
func applySuppressions(snap *snapshot.Snapshot, ds []diag.Diagnostic, enabled map[string]bool) ([]diag.Diagnostic, []diag.Diagnostic) {
	byPath := map[string][]*suppression{}
	for _, p := range snap.FilesRead() {
		if sup := parseSuppressions(p, snap.Source(p)); len(sup) > 0 {
			byPath[p] = sup
		}
	}
	if len(byPath) == 0 {
		return ds, nil
	}
	kept := ds[:0]
	for _, d := range ds {
		suppressed := false
		for _, s := range byPath[d.Path] {
			if s.covers(d) {
				suppressed = true
			}
		}
		if !suppressed {
			kept = append(kept, d)
		}
	}
	var bad []diag.Diagnostic
	for _, sups := range byPath {
		for _, s := range sups {
			mk := func(msg, help string) {
				d := diag.Diagnostic{Rule: BadSuppression.ID, Name: BadSuppression.Name, Severity: BadSuppression.Severity, Path: s.Path, Message: msg, Help: help}
				d.At(diag.Span{Line: s.Line, Column: s.Column, EndLine: s.Line, EndColumn: s.EndCol})
				bad = append(bad, d)
			}
			switch {
			case s.Bad != "":
				mk(s.Bad, "write `# lockguard: ignore[LG101] reason` (`lockguard rules` lists the rules)")
				continue
			case s.Reason == "":
				mk("suppression has no reason", "say why after the brackets: `# lockguard: ignore["+strings.Join(s.Codes, ",")+"] why this is fine`")
			}
			for i, r := range s.Rules {
				if r != nil && enabled[r.ID] && !s.used[i] {
					where := "on this line or the next"
					if s.File {
						where = "in this file"
					}
					mk(fmt.Sprintf("suppression of %s matches no finding %s", r.ID, where), "remove the suppression (or the rule from it)")
				}
			}
		}
	}
	return kept, bad
}
