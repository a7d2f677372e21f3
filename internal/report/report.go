// Package report renders lockguard's diagnostics for people and for CI
// systems: a ruff-style human format with source snippets ("text"), one line
// per finding ("concise"), a stable JSON document, SARIF 2.1.0, GitHub
// Actions workflow commands, GitLab Code Quality and JUnit XML.
//
// Every path in Input is repo-relative with forward slashes, and the
// renderers never make it absolute. The human and GitHub formats pass file
// names, messages and source lines through Sanitize, so a file name or a
// source file cannot inject terminal escape sequences or workflow commands.
package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
)

// Input is what a report shows.
type Input struct {
	Diagnostics  []diag.Diagnostic // already sorted and filtered
	Rules        []diag.RuleInfo   // every known rule (SARIF driver.rules; names/docs)
	FilesChecked int
	// Source returns the contents of a repo-relative file for snippets. It
	// may be nil, and it may return nil when the file is unavailable.
	Source      func(path string) []byte
	ToolVersion string
}

// Options change how a report looks. The CLI decides them (for example
// Color from --color, NO_COLOR and a tty check); this package never looks at
// the environment.
type Options struct {
	Color     bool // ANSI colours in text, concise and statistics output
	ShowFixes bool // text: list what each fix would do
}

// Counts summarises a report.
type Counts struct {
	Errors   int
	Warnings int
	// Fixable counts findings with a safe fix (`lockguard fix` applies it).
	Fixable int
	// UnsafeFixable counts findings whose fix is unsafe (it needs
	// --unsafe-fixes); they are not part of Fixable.
	UnsafeFixable int
}

// Format names, in the order Formats returns them.
const (
	FormatText    = "text"
	FormatConcise = "concise"
	FormatJSON    = "json"
	FormatSARIF   = "sarif"
	FormatGitHub  = "github"
	FormatGitLab  = "gitlab"
	FormatJUnit   = "junit"
)

var formats = []string{FormatText, FormatConcise, FormatJSON, FormatSARIF, FormatGitHub, FormatGitLab, FormatJUnit}

// Formats lists the output formats Write accepts; the first is the default.
func Formats() []string { return slices.Clone(formats) }

type writerFunc func(w *bufio.Writer, in *Input, opts Options) error

// Write renders in to w in the named format. An empty format means "text".
// An unknown format is an error that lists the valid ones; nothing is
// written then.
func Write(w io.Writer, format string, in *Input, opts Options) error {
	var fn writerFunc
	switch format {
	case FormatText, "":
		fn = writeText
	case FormatConcise:
		fn = writeConcise
	case FormatJSON:
		fn = writeJSON
	case FormatSARIF:
		fn = writeSARIF
	case FormatGitHub:
		fn = writeGitHub
	case FormatGitLab:
		fn = writeGitLab
	case FormatJUnit:
		fn = writeJUnit
	default:
		return fmt.Errorf("unknown output format %q (valid formats: %s)", format, strings.Join(formats, ", "))
	}
	return run(w, in, opts, fn)
}

// WriteStatistics writes one line per rule, like `ruff --statistics`: the
// number of findings, the rule ID, a fixable marker ("[*]" when at least one
// finding has a safe fix) and the rule name, most frequent first.
func WriteStatistics(w io.Writer, in *Input, opts Options) error {
	return run(w, in, opts, writeStatistics)
}

// WriteStatisticsJSON writes the statistics as a JSON array, most frequent
// rule first: [{"rule": "LG101", "name": "…", "severity": "error",
// "count": 2, "fixable": true}]; fixable means at least one finding has a
// safe fix.
func WriteStatisticsJSON(w io.Writer, in *Input) error {
	type stat struct {
		Rule     string `json:"rule"`
		Name     string `json:"name"`
		Severity string `json:"severity"`
		Count    int    `json:"count"`
		Fixable  bool   `json:"fixable"`
	}
	if in == nil {
		in = &Input{}
	}
	out := []stat{}
	for _, st := range statistics(in) {
		out = append(out, stat{st.id, st.name, string(st.severity), st.count, st.fixable})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func run(w io.Writer, in *Input, opts Options, fn writerFunc) error {
	if in == nil {
		in = &Input{}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := fn(bw, in, opts); err != nil {
		return err
	}
	return bw.Flush()
}

// Summary counts the findings of in by severity and fixability. A severity
// other than error counts as a warning.
func Summary(in *Input) Counts {
	var c Counts
	if in == nil {
		return c
	}
	for i := range in.Diagnostics {
		d := &in.Diagnostics[i]
		if d.Severity == diag.Error {
			c.Errors++
		} else {
			c.Warnings++
		}
		if d.Fix != nil {
			if d.Fix.Applicability == diag.Unsafe {
				c.UnsafeFixable++
			} else {
				c.Fixable++
			}
		}
	}
	return c
}

// hasSafeFix reports whether `lockguard fix` (without --unsafe-fixes) fixes d.
func hasSafeFix(d *diag.Diagnostic) bool {
	return d.Fix != nil && d.Fix.Applicability != diag.Unsafe
}

// applicability is the name of a fix's applicability; an empty one is safe.
func applicability(f *diag.Fix) string {
	if f.Applicability == "" {
		return string(diag.Safe)
	}
	return string(f.Applicability)
}

// summaryLine is the last line of the text and concise formats.
func summaryLine(c Counts, filesChecked int) string {
	if c.Errors+c.Warnings == 0 {
		return "No problems found (" + plural(filesChecked, "file") + " checked)."
	}
	var b strings.Builder
	b.WriteString("Found ")
	switch {
	case c.Errors > 0 && c.Warnings > 0:
		b.WriteString(plural(c.Errors, "error") + " and " + plural(c.Warnings, "warning"))
	case c.Errors > 0:
		b.WriteString(plural(c.Errors, "error"))
	default:
		b.WriteString(plural(c.Warnings, "warning"))
	}
	switch {
	case c.Fixable > 0 && c.UnsafeFixable > 0:
		fmt.Fprintf(&b, " (%d fixable with `lockguard fix`, %d more with `lockguard fix --unsafe-fixes`)", c.Fixable, c.UnsafeFixable)
	case c.Fixable > 0:
		fmt.Fprintf(&b, " (%d fixable with `lockguard fix`)", c.Fixable)
	case c.UnsafeFixable > 0:
		fmt.Fprintf(&b, " (%d fixable with `lockguard fix --unsafe-fixes`)", c.UnsafeFixable)
	}
	b.WriteByte('.')
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// location is "path:line:col" (or less, when line or column is unknown),
// sanitized for display.
func location(path string, line, col int) string {
	s := Sanitize(path)
	if line > 0 {
		s += ":" + strconv.Itoa(line)
		if col > 0 {
			s += ":" + strconv.Itoa(col)
		}
	}
	return s
}

// fingerprints returns a stable identity per diagnostic: a hash of the rule,
// the path and the message, plus the number of earlier diagnostics with the
// same three (so that identical findings on different lines differ). Line
// numbers are left out, so that edits elsewhere in the file keep it.
func fingerprints(ds []diag.Diagnostic) []string {
	out := make([]string, len(ds))
	seen := make(map[string]int, len(ds))
	for i := range ds {
		d := &ds[i]
		key := d.Rule + "\x00" + d.Path + "\x00" + d.Message
		n := seen[key]
		seen[key] = n + 1
		sum := sha256.Sum256([]byte(key + "\x00" + strconv.Itoa(n)))
		out[i] = hex.EncodeToString(sum[:16])
	}
	return out
}
