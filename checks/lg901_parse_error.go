package checks

import (
	"github.com/lockguard/lockguard/internal/diag"
)

// LG9xx: meta rules.

var ParseErrorRule = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG901",
		Name:     "parse-error",
		Summary:  "A file lockguard needs cannot be parsed",
		Severity: diag.Error,
		Doc: `A Cargo.toml, Cargo.lock, .nix file, Dockerfile or other file that a rule
needs cannot be parsed (or is too large to read). The diagnostic gives the
position of the syntax error. Every other file is still checked, so one broken
manifest does not hide the findings elsewhere.`,
	},
	Check: checkParseErrors,
}

func checkParseErrors(p *Pass) {
	p.Snap.LoadParsers()
	for _, e := range p.Snap.ParseErrors() {
		d := diag.Diagnostic{Path: e.Path, Message: e.Msg, Help: "fix the syntax error; lockguard skips this file until then"}
		d.At(diag.Span{Line: e.Line, Column: e.Column})
		p.Report(d)
	}
}
