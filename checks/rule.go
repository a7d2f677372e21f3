// Package checks holds lockguard's rules and the engine that runs them.
//
// A rule is data (diag.RuleInfo: ID, name, summary, doc, severity, whether it
// can be fixed) plus a check function. Rules read one lazily loaded
// repository Snapshot and report diagnostics, with fixes as data. Rules never
// print and never run commands: report prints, fixers apply.
//
// One file per family: cargo.go (LG1xx), meta.go (LG9xx), and so on.
package checks

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lockguard/lockguard/internal/diag"
)

// Rule is a rule: metadata plus the function that checks it.
type Rule struct {
	diag.RuleInfo
	// Check reports the rule's findings on p. It must not print, run
	// commands, or write files.
	Check func(p *Pass)
}

var (
	registryMu sync.Mutex
	registry   []*Rule
)

// register adds rules to the registry; each family file calls it from init.
func register(rs ...*Rule) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, r := range rs {
		for _, old := range registry {
			if old.ID == r.ID || old.Name == r.Name {
				panic("duplicate rule " + r.ID + " " + r.Name)
			}
		}
		registry = append(registry, r)
	}
	slices.SortFunc(registry, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
}

// All returns every rule, ordered by ID.
func All() []*Rule {
	registryMu.Lock()
	defer registryMu.Unlock()
	return slices.Clone(registry)
}

// Infos returns the metadata of every rule.
func Infos() []diag.RuleInfo {
	var out []diag.RuleInfo
	for _, r := range All() {
		out = append(out, r.RuleInfo)
	}
	return out
}

// Lookup finds a rule by ID (case-insensitive) or name.
func Lookup(s string) (*Rule, bool) {
	for _, r := range All() {
		if strings.EqualFold(r.ID, s) || r.Name == s {
			return r, true
		}
	}
	return nil, false
}

// SelectorError is an unknown rule selector.
type SelectorError struct{ Selector string }

func (e *SelectorError) Error() string {
	return fmt.Sprintf("unknown rule selector %q (use a rule ID such as LG101, an ID prefix such as LG1, a rule name, or ALL; `lockguard rules` lists them)", e.Selector)
}

// Matches reports whether selector s (ID, ID prefix, name, or ALL) covers rule r.
func Matches(s string, r *Rule) bool {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "ALL") || r.Name == s {
		return true
	}
	return len(s) >= 2 && strings.HasPrefix(strings.ToUpper(r.ID), strings.ToUpper(s))
}

// ValidSelector reports whether s selects at least one rule.
func ValidSelector(s string) error {
	for _, r := range All() {
		if Matches(s, r) {
			return nil
		}
	}
	return &SelectorError{Selector: s}
}

// Select returns the rules selected by sel (all when empty) minus those ignored.
func Select(sel, ignore []string) ([]*Rule, error) {
	for _, s := range append(slices.Clone(sel), ignore...) {
		if err := ValidSelector(s); err != nil {
			return nil, err
		}
	}
	var out []*Rule
	for _, r := range All() {
		if len(sel) > 0 && !slices.ContainsFunc(sel, func(s string) bool { return Matches(s, r) }) {
			continue
		}
		if slices.ContainsFunc(ignore, func(s string) bool { return Matches(s, r) }) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// Pass is what a rule's Check receives.
type Pass struct {
	Rule *Rule
	Snap *Snapshot

	mu    *sync.Mutex
	diags *[]diag.Diagnostic
}

// Report records a finding. Rule, name and (when empty) severity are filled in.
func (p *Pass) Report(d diag.Diagnostic) {
	d.Rule, d.Name = p.Rule.ID, p.Rule.Name
	if d.Severity == "" {
		d.Severity = p.Rule.Severity
	}
	if d.Line <= 0 {
		d.At(diag.Span{})
	}
	if d.EndLine == 0 {
		d.EndLine = d.Line
	}
	if d.EndColumn == 0 {
		d.EndColumn = d.Column + 1
	}
	p.mu.Lock()
	*p.diags = append(*p.diags, d)
	p.mu.Unlock()
}
