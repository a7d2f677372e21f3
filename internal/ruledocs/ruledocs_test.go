package ruledocs_test

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/internal/ruledocs"
	"github.com/lockguard/lockguard/internal/testenv"
)

// TestDocsUpToDate: docs/rules.md and README.md's rule table are what the
// rules generate. After changing a rule: go generate ./internal/ruledocs.
func TestDocsUpToDate(t *testing.T) {
	root := testenv.ModuleRoot(t)
	infos := checks.Infos()
	got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(ruledocs.RulesFile)))
	if err != nil {
		t.Fatalf("%v (generate it: go generate ./internal/ruledocs)", err)
	}
	if want := ruledocs.Markdown(infos); !bytes.Equal(got, want) {
		t.Errorf("%s is out of date: run go generate ./internal/ruledocs\n%s", ruledocs.RulesFile, firstDiff(got, want))
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := ruledocs.ReplaceTable(readme, ruledocs.Table(infos, ruledocs.RulesFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readme, want) {
		t.Errorf("README.md's rule table is out of date: run go generate ./internal/ruledocs\n%s", firstDiff(readme, want))
	}
}

// TestLinksResolve: every rule's URL (explain, SARIF helpUri) names
// docs/rules.md and an anchor that the file has.
func TestLinksResolve(t *testing.T) {
	doc := string(ruledocs.Markdown(checks.Infos()))
	for _, r := range checks.Infos() {
		u, err := url.Parse(r.URL())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(u.Path, "/"+ruledocs.RulesFile) {
			t.Errorf("%s: URL %s does not point to %s", r.ID, r.URL(), ruledocs.RulesFile)
		}
		if u.Fragment == "" || !strings.Contains(doc, fmt.Sprintf("<a id=%q></a>\n\n## %s ", u.Fragment, r.ID)) {
			t.Errorf("%s: no section anchored %q in %s", r.ID, u.Fragment, ruledocs.RulesFile)
		}
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("first difference at line %d:\n have: %s\n want: %s", i+1, gl, wl)
		}
	}
	return ""
}
