package report

import (
	"bufio"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
)

const (
	sarifSchema    = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion   = "2.1.0"
	toolName       = "lockguard"
	toolInfoURI    = "https://github.com/lockguard/lockguard"
	srcRoot        = "%SRCROOT%"
	fingerprintKey = "lockguard/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                      `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLocRef `json:"originalUriBaseIds"`
	ColumnKind         string                         `json:"columnKind"`
	Results            []sarifResult                  `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name,omitempty"`
	ShortDescription     *sarifText         `json:"shortDescription,omitempty"`
	FullDescription      *sarifText         `json:"fullDescription,omitempty"`
	Help                 *sarifText         `json:"help,omitempty"`
	HelpURI              string             `json:"helpUri"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
}

// sarifText is a message or multiformatMessageString.
type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           *int              `json:"ruleIndex,omitempty"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Fixes               []sarifFix        `json:"fixes,omitempty"`
}

type sarifLocation struct {
	ID               *int                  `json:"id,omitempty"`
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifText            `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

// sarifArtifactLocRef describes a uriBaseId without giving its (absolute,
// machine-specific) URI.
type sarifArtifactLocRef struct {
	Description sarifText `json:"description"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine,omitempty"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Replacements     []sarifReplacement    `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifByteRegion `json:"deletedRegion"`
	InsertedContent *sarifContent   `json:"insertedContent,omitempty"`
}

type sarifByteRegion struct {
	ByteOffset int `json:"byteOffset"`
	ByteLength int `json:"byteLength"`
}

type sarifContent struct {
	Text string `json:"text"`
}

func sarifLevel(s diag.Severity) string {
	if s == diag.Error {
		return "error"
	}
	return "warning"
}

func writeSARIF(w *bufio.Writer, in *Input, _ Options) error {
	src := newSources(in.Source)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           toolName,
			InformationURI: toolInfoURI,
			Version:        in.ToolVersion,
			Rules:          make([]sarifRule, 0, len(in.Rules)),
		}},
		OriginalURIBaseIDs: map[string]sarifArtifactLocRef{
			srcRoot: {Description: sarifText{Text: "The root of the repository lockguard checked."}},
		},
		ColumnKind: "unicodeCodePoints",
		Results:    make([]sarifResult, 0, len(in.Diagnostics)),
	}
	// Rules must be unique: the first of duplicate IDs wins.
	index := make(map[string]int, len(in.Rules))
	for _, r := range in.Rules {
		if _, dup := index[r.ID]; dup {
			continue
		}
		index[r.ID] = len(run.Tool.Driver.Rules)
		sr := sarifRule{
			ID:                   r.ID,
			Name:                 r.Name,
			HelpURI:              r.URL(),
			DefaultConfiguration: sarifConfiguration{Level: sarifLevel(r.Severity)},
		}
		if r.Summary != "" {
			sr.ShortDescription = &sarifText{Text: r.Summary}
		}
		if r.Doc != "" {
			sr.FullDescription = &sarifText{Text: r.Doc, Markdown: r.Doc}
			sr.Help = &sarifText{Text: r.Doc, Markdown: r.Doc}
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sr)
	}

	fps := fingerprints(in.Diagnostics)
	for i := range in.Diagnostics {
		d := &in.Diagnostics[i]
		res := sarifResult{
			RuleID:  d.Rule,
			Level:   sarifLevel(d.Severity),
			Message: sarifText{Text: sarifMessage(d, src)},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: artifactLocation(d.Path),
				Region:           region(d.Line, d.Column, d.EndLine, d.EndColumn),
			}}},
			PartialFingerprints: map[string]string{fingerprintKey: fps[i]},
		}
		if idx, ok := index[d.Rule]; ok {
			res.RuleIndex = &idx
		}
		for j, rel := range d.Related {
			loc := sarifLocation{
				ID: &j, // ids keep locations unique, as the schema requires
				PhysicalLocation: sarifPhysicalLocation{
					ArtifactLocation: artifactLocation(rel.Path),
					Region:           region(rel.Line, rel.Column, 0, 0),
				},
			}
			if rel.Message != "" {
				loc.Message = &sarifText{Text: rel.Message}
			}
			res.RelatedLocations = append(res.RelatedLocations, loc)
		}
		if fix := sarifFixFor(d.Fix); fix != nil {
			res.Fixes = []sarifFix{*fix}
		}
		run.Results = append(run.Results, res)
	}
	return encodeJSON(w, sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifMessage is the message, the help and what the fix would do: viewers
// show only this text, and SARIF fixes can only express file edits, not
// commands.
func sarifMessage(d *diag.Diagnostic, src *sources) string {
	var b strings.Builder
	b.WriteString(d.Message)
	if d.Help != "" {
		b.WriteString("\nhelp: " + d.Help)
	}
	if d.Fix != nil {
		b.WriteString("\nfix (" + applicability(d.Fix) + "): " + d.Fix.Description)
		for _, l := range fixLines(d.Fix, src) {
			b.WriteString("\n  " + l)
		}
	}
	return b.String()
}

// sarifFixFor converts the file edits of f; nil when it has none (a SARIF
// fix needs at least one artifact change).
func sarifFixFor(f *diag.Fix) *sarifFix {
	if f == nil {
		return nil
	}
	var changes []sarifArtifactChange
	for _, a := range f.Actions {
		if a.Kind != diag.ActionEdit || len(a.Edits) == 0 {
			continue
		}
		ch := sarifArtifactChange{ArtifactLocation: artifactLocation(a.Path)}
		for _, e := range a.Edits {
			rep := sarifReplacement{DeletedRegion: sarifByteRegion{ByteOffset: max(e.Start, 0), ByteLength: max(e.End-e.Start, 0)}}
			if e.NewText != "" {
				rep.InsertedContent = &sarifContent{Text: e.NewText}
			}
			ch.Replacements = append(ch.Replacements, rep)
		}
		changes = append(changes, ch)
	}
	if len(changes) == 0 {
		return nil
	}
	return &sarifFix{Description: sarifText{Text: f.Description}, ArtifactChanges: changes}
}

func region(line, col, endLine, endCol int) *sarifRegion {
	if line <= 0 {
		return nil // the whole file
	}
	r := &sarifRegion{StartLine: line}
	if col > 0 {
		r.StartColumn = col
	}
	if endLine >= line {
		r.EndLine = endLine
		if endCol > 0 && (endLine > line || endCol >= col) {
			r.EndColumn = endCol
		}
	}
	return r
}

func artifactLocation(path string) sarifArtifactLocation {
	return sarifArtifactLocation{URI: uriEscape(path), URIBaseID: srcRoot}
}

// uriEscape turns a repo-relative path into a relative URI reference:
// everything but unreserved characters and "/" is percent-encoded (UTF-8),
// so spaces, "%", "#", "?" and a ":" that would look like a scheme are safe.
func uriEscape(path string) string {
	const upper = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(path))
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upper[c>>4])
		b.WriteByte(upper[c&0xf])
	}
	return b.String()
}
