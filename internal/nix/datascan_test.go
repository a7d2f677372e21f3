package nix

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDataOnly: the literal data subset, and what falls outside it.
func TestDataOnly(t *testing.T) {
	data := []string{
		`{v="1.80.0";d="2024-07-25";r=8;p=12;cargo={_0="UXl/Q+=";_1="x";};}`,
		"{ a.b.\"c d\" = [ 1 2.5 \"x\" true false null ]; # comment\n /* block */ e = { }; }\n",
		`[ ]`, `"a$b\"c\\"`, `"$"`, `{ "x/y" = "https://example.org/a/b"; }`,
		"{ a = 1; }\r\n# trailing comment", `{ A = 1; b = { a = 1; }; c = { a = 2; }; }`,
	}
	for _, s := range data {
		if !dataOnly([]byte(s)) {
			t.Errorf("dataOnly(%q) = false, want true", s)
		}
		if _, err := ParseString("d.nix", s); err != nil {
			t.Errorf("%q is data but does not parse: %v", s, err)
		}
	}
	notData := []string{
		``, ` `, `{ a = 1 }`, `{ a = 1; `, `{ a = ; }`, `[ 1 2`, `"unterminated`, `{ a = "${b}"; }`,
		`{ a = ./x; }`, `{ a = x/y; }`, `{ a = 1/2; }`, `{ a = b; }`, `{ a = self; }`, `{ a = -1; }`,
		`{ a = ''x''; }`, `{ a = https://x; }`, `{ a = 1.; }`, `{ a = 1e3; }`, `{ a = true.x; }`,
		`{ let = 1; }`, `{ or = 1; }`, `{ a/b = 1; }`, `{ a:b = 1; }`, `x: x`, `{ a = 1; } // { }`,
		`/* unterminated`, `{ a = 1; } /*`, `{ inherit a; }`, `{ ${a} = 1; }`, `{ a = "$${b}"; }`,
		`{ a = 1; a = 2; }`, `{ a = 1; "a" = 2; }`, `{ a.b = 1; a.c = 2; }`, `{ "\\a" = 1; }`,
		`{ a = 10000000000000000000; }`, "\ufeff{ }", `{ a = [ 1 ] ++ [ ]; }`, `1 2`,
	}
	for _, s := range notData {
		if dataOnly([]byte(s)) {
			t.Errorf("dataOnly(%q) = true, want false", s)
		}
	}
}

// TestDataOnlyParses: every file of the Nix language corpus that dataOnly
// accepts parses and has no reference; the property FuzzDataOnly explores.
func TestDataOnlyParses(t *testing.T) {
	dir, files := corpusFiles(t)
	more, _ := filepath.Glob(filepath.Join(dir, "..", "..", "..", "..", "testdata", "*", "*.nix"))
	n := 0
	for _, p := range append(files, more...) {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !dataOnly(src) {
			continue
		}
		n++
		if _, err := Parse(p, src); err != nil {
			t.Errorf("%s is data but does not parse: %v", p, err)
		}
		if !referenceFree(src) {
			t.Errorf("%s is data but not reference-free", p)
		}
	}
	t.Logf("%d of %d files are literal data", n, len(files)+len(more))
}

func FuzzDataOnly(f *testing.F) {
	for _, s := range []string{`{v="1";c={_0="a/b";};}`, `[ 1 2.5 "x" true ]`, "{ a.\"b\" = null; # c\n}", `{ a = 1 }`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if !dataOnly([]byte(src)) {
			return
		}
		if _, err := ParseString("fuzz.nix", src); err != nil {
			t.Fatalf("data that does not parse: %v", err)
		}
		if !referenceFree([]byte(src)) {
			t.Fatal("data that is not reference-free")
		}
	})
}

// TestAnalyzeSkippedFileSyntaxError: an imported file that is not kept
// parsed (data, or code free of references) still has its syntax errors
// reported, so LG901 sees them; a valid one gives none.
func TestAnalyzeSkippedFileSyntaxError(t *testing.T) {
	fl, errs := analyzeMap(t, mapReader{
		"flake.nix":  `{ outputs = { self }: { a = import ./data.nix; b = import ./code.nix; c = import ./ok.nix; d = import ./okcode.nix; }; }`,
		"data.nix":   "{ v = \"1\";\n  cargo = { _0 = \"x\" };\n}",
		"code.nix":   `{ lib }: { x = lib.id 1 }`,
		"ok.nix":     `{ v = "1"; }`,
		"okcode.nix": `{ lib }: { x = lib.id 1; }`,
	})
	got := map[string]int{}
	for _, e := range errs {
		var se *SyntaxError
		if !errors.As(e.Err, &se) {
			t.Errorf("%s: %v is not a syntax error", e.Path, e.Err)
			continue
		}
		got[e.Path] = se.Line
	}
	if len(got) != 2 || got["data.nix"] != 2 || got["code.nix"] != 1 {
		t.Errorf("syntax errors %v, want data.nix line 2 and code.nix line 1", got)
	}
	for _, f := range []string{"ok.nix", "okcode.nix"} {
		if !slices.Contains(fl.Files, f) {
			t.Errorf("%s is not followed: %q", f, fl.Files)
		}
	}
}

// TestAnalyzeManyImports: a file importing many files has them decided in
// parallel (prefetch); the answers are the same as one by one.
func TestAnalyzeManyImports(t *testing.T) {
	rd := mapReader{}
	var b strings.Builder
	b.WriteString("{ outputs = { self }: { m = {\n")
	for i := range 40 {
		p := fmt.Sprintf("m/%02d.nix", i)
		fmt.Fprintf(&b, "  \"%d\" = import ./%s;\n", i, p)
		switch {
		case i == 7:
			rd[p] = `{ v = "1"; c = { _0 = "x" }; }` // syntax error
		case i == 9:
			rd[p] = `{ v = builtins.readFile ./notes.txt; }` // a reference
		default:
			rd[p] = fmt.Sprintf(`{v="1.%d.0";c={_0="a/b+c=";};}`, i)
		}
	}
	b.WriteString("}; }; }")
	rd["flake.nix"] = b.String()
	fl, errs := analyzeMap(t, rd)
	if len(errs) != 1 || errs[0].Path != "m/07.nix" {
		t.Errorf("errors %v, want one in m/07.nix", errs)
	}
	if len(fl.Files) != 40 { // flake.nix and 39 files that parse
		t.Errorf("%d files followed: %q", len(fl.Files), fl.Files)
	}
	found := false
	for _, r := range fl.Refs {
		found = found || (r.Path == "m/notes.txt" && r.Kind == RefRead && r.File == "m/09.nix")
	}
	if !found {
		t.Errorf("the read in m/09.nix is missing: %v", renderRefs(fl))
	}
}
