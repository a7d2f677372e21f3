package report

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/diag"
)

// benchInput has 10,000 findings spread over 100 files of 200 lines.
func benchInput() *Input {
	var src strings.Builder
	for i := range 200 {
		fmt.Fprintf(&src, "\tkey%d = \"värde 日本 %d\"; # comment\n", i, i)
	}
	data := []byte(src.String())
	in := &Input{Rules: fixtureRules(), FilesChecked: 100, Source: func(string) []byte { return data }}
	for i := range 10000 {
		line := i%200 + 1
		d := diag.Diagnostic{Rule: "LG101", Name: "cargo-lock-missing", Severity: diag.Error,
			Path: fmt.Sprintf("crates/c%03d/Cargo.toml", i/100), Line: line, Column: 2, EndLine: line, EndColumn: 8,
			Message: "backend/Cargo.lock is needed by the flake but not tracked by git", Help: "Stage it."}
		if i%3 == 0 {
			d.Severity = diag.Warning
			d.Fix = &diag.Fix{Applicability: diag.Safe, Description: "Stage it",
				Actions: []diag.Action{{Kind: diag.ActionStage, Paths: []string{"Cargo.lock"}}}}
		}
		in.Diagnostics = append(in.Diagnostics, d)
	}
	return in
}

func benchmarkFormat(b *testing.B, format string, opts Options) {
	in := benchInput()
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, format, in, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkText(b *testing.B)      { benchmarkFormat(b, "text", Options{}) }
func BenchmarkTextColor(b *testing.B) { benchmarkFormat(b, "text", Options{Color: true}) }
func BenchmarkJSON(b *testing.B)      { benchmarkFormat(b, "json", Options{}) }
func BenchmarkSARIF(b *testing.B)     { benchmarkFormat(b, "sarif", Options{}) }
