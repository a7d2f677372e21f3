package checks

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRuleList: the explicit rule list is ordered by ID, has no duplicate
// ID or name, and names every rule declared in a rule file lgNNN_name.go
// (and each file declares the rule its name says).
func TestRuleList(t *testing.T) {
	seen := map[string]bool{}
	for i, r := range rules {
		if i > 0 && rules[i-1].ID >= r.ID {
			t.Errorf("rules: %s comes after %s", r.ID, rules[i-1].ID)
		}
		if seen[r.ID] || seen[r.Name] {
			t.Errorf("rules: %s %s twice", r.ID, r.Name)
		}
		seen[r.ID], seen[r.Name] = true, true
	}
	files, _ := filepath.Glob("lg[0-9][0-9][0-9]_*.go")
	decl := regexp.MustCompile(`(?m)^var [A-Z]\w* = &Rule\{`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		n++
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if c := len(decl.FindAll(data, -1)); c != 1 {
			t.Errorf("%s declares %d rules, want 1", f, c)
		}
		base := strings.TrimSuffix(f, ".go")
		id, name, _ := strings.Cut(base, "_")
		r, ok := Lookup(strings.ToUpper(id))
		if !ok {
			t.Errorf("%s: %s is not in the rule list", f, strings.ToUpper(id))
			continue
		}
		if want := strings.ReplaceAll(r.Name, "-", "_"); name != want {
			t.Errorf("%s declares %s %s: name the file %s_%s.go", f, r.ID, r.Name, id, want)
		}
	}
	if n != len(rules) {
		t.Errorf("%d rule files, %d rules in the list", n, len(rules))
	}
}
