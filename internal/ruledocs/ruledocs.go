// Package ruledocs renders the rule documentation from the rules' own
// diag.RuleInfo: docs/rules.md (one section per rule, anchored where
// RuleInfo.URL points) and the rule table in README.md. Nothing in them is
// written by hand; after changing a rule, run
//
//	go generate ./internal/ruledocs
//
// and TestDocsUpToDate fails until the files match the rules.
package ruledocs

//go:generate go run gen.go -root ../..

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
)

// RulesFile is docs/rules.md, relative to the repository root.
const RulesFile = "docs/rules.md"

// The README's table sits between these two lines.
const (
	TableBegin = "<!-- BEGIN rule table: generated from the rules by `go generate ./internal/ruledocs`; do not edit -->"
	TableEnd   = "<!-- END rule table -->"
)

// Anchor is the fragment of a rule's documentation address (RuleInfo.URL).
func Anchor(r diag.RuleInfo) string {
	u, err := url.Parse(r.URL())
	if err != nil {
		return strings.ToLower(r.ID)
	}
	return u.Fragment
}

// fix names a rule's fix for a table cell.
func fix(r diag.RuleInfo) string {
	if a := r.FixApplicability(); a != "" {
		return string(a)
	}
	return "–"
}

func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// Table is the Markdown table of the rules, linking each to its section of
// docs/rules.md (base is the path from the table's file to docs/rules.md).
func Table(rules []diag.RuleInfo, base string) []byte {
	var b bytes.Buffer
	b.WriteString("| ID | Name | Severity | Fix | What it finds |\n|---|---|---|---|---|\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "| [%s](%s#%s) | `%s` | %s | %s | %s |\n", r.ID, base, Anchor(r), r.Name, r.Severity, fix(r), cell(r.Summary))
	}
	return b.Bytes()
}

// Markdown is docs/rules.md: the table, then one section per rule with the
// anchor its URL names, its severity, its fix, its Doc and its examples
// (checks/examples, rendered from the archives the examples test runs).
func Markdown(rules []diag.RuleInfo) []byte {
	var b bytes.Buffer
	b.WriteString("# lockguard rules\n\n")
	b.WriteString("<!-- Generated from the rules (checks/) by `go generate ./internal/ruledocs`; do not edit. -->\n\n")
	b.WriteString("Rule IDs and names are stable. `lockguard explain RULE` prints a section of this page;\n")
	b.WriteString("`lockguard rules --format markdown` prints all of it.\n\n")
	b.Write(Table(rules, ""))
	for _, r := range rules {
		fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n\n## %s `%s`\n\n", Anchor(r), r.ID, r.Name)
		fmt.Fprintf(&b, "%s.\n\n", strings.TrimSuffix(r.Summary, "."))
		fmt.Fprintf(&b, "Severity: %s. ", r.Severity)
		switch r.FixApplicability() {
		case diag.Safe:
			b.WriteString("Fix: safe, applied by `lockguard fix`.\n\n")
		case diag.Unsafe:
			b.WriteString("Fix: unsafe, shown by `lockguard fix --diff` and applied by `lockguard fix --unsafe-fixes`.\n\n")
		default:
			b.WriteString("No automatic fix.\n\n")
		}
		b.WriteString(strings.TrimSpace(r.Doc))
		b.WriteString("\n")
		examplesMarkdown(&b, r.ID)
	}
	return b.Bytes()
}

// ReplaceTable returns readme with the text between TableBegin and TableEnd
// replaced by table.
func ReplaceTable(readme, table []byte) ([]byte, error) {
	i := bytes.Index(readme, []byte(TableBegin))
	j := bytes.Index(readme, []byte(TableEnd))
	if i < 0 || j < i {
		return nil, errors.New("README.md lacks the lines " + TableBegin + " and " + TableEnd)
	}
	i += len(TableBegin)
	var out bytes.Buffer
	out.Write(readme[:i])
	out.WriteString("\n")
	out.Write(table)
	out.Write(readme[j:])
	return out.Bytes(), nil
}
