// Package diag holds the plain data that flows between lockguard's layers:
// rule metadata, diagnostics, and fixes. It has no behaviour beyond ordering
// and small helpers, so every layer (checks, report, fixers) can depend on it.
//
// The model follows golang.org/x/tools/go/analysis: a Diagnostic carries its
// position and message, and a Fix is data (actions) that a fixer applies.
package diag

import (
	"cmp"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Severity of a rule or diagnostic.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Rank orders severities: higher is more severe.
func (s Severity) Rank() int {
	switch s {
	case Error:
		return 2
	case Warning:
		return 1
	}
	return 0
}

// RuleInfo is the metadata of a rule. IDs and names are stable API.
type RuleInfo struct {
	ID       string   `json:"id"`       // e.g. "LG101"
	Name     string   `json:"name"`     // e.g. "cargo-lock-missing"
	Summary  string   `json:"summary"`  // one line
	Doc      string   `json:"doc"`      // longer text with a bad and a good example (Markdown)
	Severity Severity `json:"severity"` // default severity
	Fixable  bool     `json:"fixable"`
	// Unsafe: the rule's fix needs review; `lockguard fix` applies it
	// only with --unsafe-fixes.
	Unsafe bool `json:"unsafe,omitempty"`
}

// FixApplicability is "safe" or "unsafe" for a fixable rule, "" otherwise.
func (r RuleInfo) FixApplicability() Applicability {
	switch {
	case !r.Fixable:
		return ""
	case r.Unsafe:
		return Unsafe
	}
	return Safe
}

// URL is the documentation address of a rule.
func (r RuleInfo) URL() string {
	return "https://github.com/lockguard/lockguard/blob/main/docs/rules.md#" + strings.ToLower(r.ID)
}

// Applicability says whether a fix may be applied without review.
type Applicability string

const (
	Safe   Applicability = "safe"
	Unsafe Applicability = "unsafe"
)

// ActionKind names what one step of a fix does.
type ActionKind string

const (
	// ActionRun runs Command in Dir (repo-relative). Outputs are the
	// repo-relative files the command creates or rewrites; a fixer removes
	// any of them that did not exist before when the command fails.
	ActionRun ActionKind = "run"
	// ActionEdit applies Edits to the file Path.
	ActionEdit ActionKind = "edit"
	// ActionStage stages Paths with `git add --` (Force adds ignored files
	// with `git add --force --` and needs the user's --force).
	ActionStage ActionKind = "stage"
	// ActionFetchGit fetches commit Rev of the git repository URL into a
	// temporary directory (submodules included) and replaces
	// GitHashPlaceholder(URL, Rev) in the fix's edits with the SRI NAR
	// hash of the checkout without .git, the hash nixpkgs' fetchgit
	// expects. Hint says what to add by hand when the fetch fails.
	ActionFetchGit ActionKind = "fetch-git"
)

// GitHashPlaceholder stands for the hash an ActionFetchGit computes, in
// the NewText of a fix's edits.
func GitHashPlaceholder(url, rev string) string {
	return "<lockguard: hash of " + url + " at " + rev + ">"
}

// Action is one step of a fix. Which fields matter depends on Kind.
type Action struct {
	Kind ActionKind `json:"kind"`

	// ActionRun
	Command []string `json:"command,omitempty"`
	Dir     string   `json:"dir,omitempty"`
	Outputs []string `json:"outputs,omitempty"`
	// Fallback is tried when Command[0] is not on PATH (for example
	// `nix develop --command cargo …` when cargo is missing). Empty: none.
	Fallback []string `json:"fallback,omitempty"`
	// FallbackDir is the directory of Fallback (repo-relative).
	FallbackDir string `json:"fallback_dir,omitempty"`
	// Inputs are the repo-relative files the command reads (the manifests
	// a lockfile is generated from). When judging the staged content, a
	// fixer refuses to run the command while an input has unstaged changes:
	// the output would match the work tree, not what is committed.
	Inputs []string `json:"inputs,omitempty"`

	// ActionEdit
	Path  string     `json:"path,omitempty"`
	Edits []TextEdit `json:"edits,omitempty"`
	// Base is the git blob hash of the content the edits were computed
	// against (set by the engine). A fixer refuses to apply the edits to a
	// file whose content has changed since (for example with --staged, when
	// the staged content differs from the work tree).
	Base string `json:"base,omitempty"`

	// ActionStage
	Paths []string `json:"paths,omitempty"`
	Force bool     `json:"force,omitempty"`
	// ForceReason explains why Force is needed (for example the ignore rule
	// that matches); shown when the user did not pass --force.
	ForceReason string `json:"force_reason,omitempty"`

	// ActionFetchGit
	URL  string `json:"url,omitempty"`
	Rev  string `json:"rev,omitempty"`
	Hint string `json:"hint,omitempty"`
}

// TextEdit replaces the bytes [Start, End) of a file with NewText.
type TextEdit struct {
	Start   int    `json:"start"`
	End     int    `json:"end"`
	NewText string `json:"new_text"`
}

// Fix is what `lockguard fix` would do for a diagnostic.
type Fix struct {
	Applicability Applicability `json:"applicability"`
	Description   string        `json:"description"`
	Actions       []Action      `json:"-"`
}

// Diagnostic is one finding. Lines and columns are 1-based; columns count
// Unicode code points (an invalid UTF-8 byte counts as one); EndColumn is
// exclusive (one past the last character), as in SARIF.
type Diagnostic struct {
	Rule      string   // ID, e.g. "LG101"
	Name      string   // rule name, e.g. "cargo-lock-missing"
	Severity  Severity //
	Path      string   // repo-relative, forward slashes
	Line      int
	Column    int
	EndLine   int
	EndColumn int
	// Message and Help are one line each: the line-based formats print a
	// line break in them as \n, since it may come from a file name.
	Message string
	Help    string
	Fix     *Fix
	// Related points at other places that explain the finding (for
	// example the RUN that generated a file a COPY overwrites).
	Related []Related
}

// Related is a secondary location.
type Related struct {
	Path    string
	Line    int
	Column  int
	Message string
}

// Compare orders diagnostics deterministically: path, line, column, rule, message.
func Compare(a, b Diagnostic) int {
	return cmp.Or(
		strings.Compare(a.Path, b.Path),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		strings.Compare(a.Rule, b.Rule),
		strings.Compare(a.Message, b.Message),
	)
}

// Sort sorts diagnostics in place with Compare.
func Sort(ds []Diagnostic) { slices.SortStableFunc(ds, Compare) }

// BlobHash is git's object name (SHA-1) of a blob with this content.
func BlobHash(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// Span is a convenience for building positions.
type Span struct {
	Line, Column, EndLine, EndColumn int
}

// At sets the position of d from s, defaulting an empty span to 1:1.
func (d *Diagnostic) At(s Span) {
	if s.Line <= 0 {
		s.Line = 1
	}
	if s.Column <= 0 {
		s.Column = 1
	}
	if s.EndLine < s.Line {
		s.EndLine = s.Line
	}
	if s.EndLine == s.Line && s.EndColumn <= s.Column {
		s.EndColumn = s.Column + 1
	}
	d.Line, d.Column, d.EndLine, d.EndColumn = s.Line, s.Column, s.EndLine, s.EndColumn
}
