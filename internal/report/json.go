package report

import (
	"bufio"
	"encoding/json"
)

// The JSON format is stable API: fields are only ever added, and version
// changes when one changes meaning.
const jsonVersion = 1

type jsonReport struct {
	Version     int              `json:"version"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
	Summary     jsonSummary      `json:"summary"`
}

type jsonDiagnostic struct {
	Rule      string        `json:"rule"`
	Name      string        `json:"name"`
	Severity  string        `json:"severity"`
	Path      string        `json:"path"`
	Line      int           `json:"line"`
	Column    int           `json:"column"`
	EndLine   int           `json:"end_line"`
	EndColumn int           `json:"end_column"`
	Message   string        `json:"message"`
	Help      string        `json:"help"`
	Fix       *jsonFix      `json:"fix"`
	Related   []jsonRelated `json:"related,omitempty"`
}

type jsonFix struct {
	Applicability string `json:"applicability"`
	Description   string `json:"description"`
}

type jsonRelated struct {
	Path    string `json:"path"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

type jsonSummary struct {
	Errors       int `json:"errors"`
	Warnings     int `json:"warnings"`
	Fixable      int `json:"fixable"`
	FilesChecked int `json:"files_checked"`
}

func writeJSON(w *bufio.Writer, in *Input, _ Options) error {
	c := Summary(in)
	r := jsonReport{
		Version:     jsonVersion,
		Diagnostics: make([]jsonDiagnostic, 0, len(in.Diagnostics)),
		Summary:     jsonSummary{Errors: c.Errors, Warnings: c.Warnings, Fixable: c.Fixable, FilesChecked: in.FilesChecked},
	}
	for i := range in.Diagnostics {
		d := &in.Diagnostics[i]
		jd := jsonDiagnostic{
			Rule: d.Rule, Name: d.Name, Severity: string(d.Severity), Path: d.Path,
			Line: d.Line, Column: d.Column, EndLine: d.EndLine, EndColumn: d.EndColumn,
			Message: d.Message, Help: d.Help,
		}
		if d.Fix != nil {
			jd.Fix = &jsonFix{Applicability: applicability(d.Fix), Description: d.Fix.Description}
		}
		for _, rel := range d.Related { // diag.Related and jsonRelated have the same fields
			jd.Related = append(jd.Related, jsonRelated(rel))
		}
		r.Diagnostics = append(r.Diagnostics, jd)
	}
	return encodeJSON(w, r)
}

// encodeJSON writes v indented by two spaces with a trailing newline,
// leaving <, > and & readable.
func encodeJSON(w *bufio.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
