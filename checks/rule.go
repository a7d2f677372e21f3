// Package checks holds lockguard's rules and the engine that runs them.
//
// One file per rule, lgNNN_rule_name.go: a *Rule (diag.RuleInfo: ID, name,
// summary, doc, severity, whether it can be fixed) and its check function.
// A rule reads the repository only through the snapshot package (files,
// parsed models, git state) and reports diagnostics, with fixes as data; it
// imports nothing but the snapshot, diag and the standard library
// (TestLayers). Rules never print and never run commands: report prints,
// fixers apply. The rule list is the slice rules in rule.go.
package checks

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

// Rule is a rule: metadata plus the function that checks it.
type Rule struct {
	diag.RuleInfo
	// Check reports the rule's findings on p. It must not print, run
	// commands, or write files.
	Check func(p *Pass)
}

// rules is every rule, ordered by ID: the one list of rules. A new rule is
// a file lgNNN_name.go declaring it, and a line here.
var rules = []*Rule{
	CargoLockMissing,            // LG101
	CargoLockUncommitted,        // LG102
	CargoLockStale,              // LG103
	CargoWorkspaceInvalid,       // LG104
	CargoGitHashMissing,         // LG105
	FlakePathUncommitted,        // LG201
	FlakePathMissing,            // LG202
	FlakeLockUncommitted,        // LG203
	FlakeSourceLockUncommitted,  // LG204
	FlakeUncommitted,            // LG205
	DockerCopyClobbersGenerated, // LG301
	DockerNixUntrackedFile,      // LG302
	DockerCopySourceUncommitted, // LG303
	DockerBuildFileMissing,      // LG304
	NixBuildMissingOutput,       // LG401
	NixFlakesNotEnabled,         // LG402
	ParseErrorRule,              // LG901
	BadSuppression,              // LG902
}

// All returns every rule, ordered by ID.
func All() []*Rule { return slices.Clone(rules) }

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
	Snap *snapshot.Snapshot

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

// isMeta reports whether a rule is reported by the engine, not by Check.
func isMeta(r *Rule) bool { return r.Check == nil }
