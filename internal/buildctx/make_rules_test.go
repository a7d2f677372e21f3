package buildctx

import (
	"math/rand"
	"strings"
	"testing"
)

// makeRuleOfScan is the direct reading of MakeRules.Of: walk back from the
// recipe line to the first line that can head a rule, and read it. The
// index must find the same line on every line.
func makeRuleOfScan(src []byte, line int) (int, string) {
	lines := strings.Split(string(src), "\n")
	for i := min(line-1, len(lines)) - 1; i >= 0; i-- {
		l := strings.TrimSuffix(lines[i], "\r")
		if strings.HasPrefix(l, "\t") || strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if i > 0 && strings.HasSuffix(strings.TrimSuffix(lines[i-1], "\r"), "\\") {
			continue
		}
		return ruleAt(lines, i)
	}
	return 0, ""
}

func TestMakeRulesAgreeWithScan(t *testing.T) {
	pieces := []string{"all: build test", "\tdocker build .", "", "# comment", "  # indented comment",
		"build: ; echo", "x := 1", ".PHONY: all", "a b &: c | d", "\techo \\", "continued: line", "img:: base # note",
		"\r", "VAR = a:b", "\t", "target:\r", "weird line"}
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 2000; n++ {
		var lines []string
		for k := rng.Intn(12); k >= 0; k-- {
			lines = append(lines, pieces[rng.Intn(len(pieces))])
		}
		src := []byte(strings.Join(lines, "\n"))
		idx := NewMakeRules(src)
		for line := 0; line <= len(lines)+2; line++ {
			wl, wp := makeRuleOfScan(src, line)
			gl, gp := idx.Of(line)
			if gl != wl || gp != wp {
				t.Fatalf("%q line %d: MakeRules gives (%d, %q), the scan (%d, %q)", src, line, gl, gp, wl, wp)
			}
		}
	}
}
