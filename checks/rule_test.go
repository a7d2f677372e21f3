package checks

import (
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/diag"
)

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if !strings.HasPrefix(r.ID, "LG") || len(r.ID) != 5 {
			t.Errorf("%s: IDs are LG + 3 digits", r.ID)
		}
		if r.Name == "" || r.Summary == "" || r.Severity == "" {
			t.Errorf("%s: missing metadata", r.ID)
		}
		// Its bad and good examples are checks/examples/lgNNN.txtar
		// (TestExamples).
		if seen[r.Name] {
			t.Errorf("duplicate name %s", r.Name)
		}
		seen[r.Name] = true
	}
	for _, id := range []string{"LG101", "LG102", "LG103", "LG901", "LG902"} {
		if _, ok := Lookup(id); !ok {
			t.Errorf("%s is not registered", id)
		}
	}
}

func TestSelect(t *testing.T) {
	ids := func(rs []*Rule) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return strings.Join(out, ",")
	}
	rs, err := Select([]string{"LG1", "parse-error"}, []string{"LG103"})
	if err != nil || ids(rs) != "LG101,LG102,LG104,LG105,LG901" {
		t.Fatalf("select: %s %v", ids(rs), err)
	}
	if rs, _ := Select(nil, []string{"ALL"}); len(rs) != 0 {
		t.Fatalf("ignore ALL left %s", ids(rs))
	}
	if _, err := Select([]string{"LG99x"}, nil); err == nil || !strings.Contains(err.Error(), `unknown rule selector "LG99x"`) {
		t.Fatalf("unknown selector: %v", err)
	}
	// A one-letter prefix selects nothing (too broad to be meant).
	if Matches("L", CargoLockMissing) {
		t.Fatal("single-letter prefix matched")
	}
}

func TestParseSuppressions(t *testing.T) {
	src := `# lockguard: ignore[LG101] vendored
x = 1 # lockguard: ignore[LG101, cargo-lock-stale] two rules, inline
# lockguard: file-ignore[LG102] whole file
# lockguard: ignore[LG101]
# lockguard: ignore LG101 no brackets
# lockguard: skip[LG101] wrong word
# lockguard: ignore[LG555] unknown
# lockguard:ignore[LG101]reason-without-space
# an ordinary comment mentioning lockguard
`
	sups := parseSuppressions("f.toml", []byte(src))
	if len(sups) != 8 {
		t.Fatalf("%d suppressions: %+v", len(sups), sups)
	}
	want := []struct {
		line   int
		file   bool
		codes  string
		reason string
		bad    string
	}{
		{1, false, "LG101", "vendored", ""},
		{2, false, "LG101,cargo-lock-stale", "two rules, inline", ""},
		{3, true, "LG102", "whole file", ""},
		{4, false, "LG101", "", ""},
		{5, false, "", "", "needs rules in brackets"},
		{6, false, "", "", "unknown lockguard directive"},
		{7, false, "LG555", "unknown", `unknown rule "LG555"`},
		{8, false, "LG101", "reason-without-space", ""},
	}
	for i, w := range want {
		s := sups[i]
		if s.Line != w.line || s.File != w.file || strings.Join(s.Codes, ",") != w.codes || (w.bad == "" && s.Reason != w.reason) || !strings.Contains(s.Bad, w.bad) || (w.bad == "" && s.Bad != "") {
			t.Errorf("suppression %d: %+v, want %+v", i, *s, w)
		}
	}
	if sups[1].Column != 7 {
		t.Errorf("inline suppression column %d, want 7", sups[1].Column)
	}
	// covers: the line itself and the next one; file-ignore everywhere.
	d := diag.Diagnostic{Rule: "LG101", Line: 2}
	if !sups[0].covers(d) || !sups[1].covers(d) || sups[2].covers(d) {
		t.Fatal("covers: line rules wrong")
	}
	if sups[0].covers(diag.Diagnostic{Rule: "LG101", Line: 3}) {
		t.Fatal("a suppression two lines above must not apply")
	}
	if !sups[2].covers(diag.Diagnostic{Rule: "LG102", Line: 99}) {
		t.Fatal("file-ignore must apply anywhere")
	}
}
