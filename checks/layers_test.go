package checks

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/lockguard/lockguard/"

// layers says what the packages of the rule layer may import besides the
// standard library: a rule file reads the repository only through the
// snapshot and reports with diag; the snapshot and the scanners below it
// never import a package above them.
var layers = []struct {
	dir     string
	allowed func(imp string) bool
}{
	{"checks", func(imp string) bool {
		return imp == module+"internal/diag" || imp == module+"internal/snapshot"
	}},
	{"internal/snapshot", func(imp string) bool {
		return !isLockguard(imp) || slices.Contains([]string{"buildctx", "cargo", "config", "diag", "dockerfile", "nar", "nix", "par", "repo", "shell"}, strings.TrimPrefix(imp, module+"internal/"))
	}},
	{"internal/shell", func(imp string) bool { return imp == "go.yaml.in/yaml/v3" }},
	{"internal/diag", func(string) bool { return false }},
}

func isLockguard(imp string) bool { return strings.HasPrefix(imp, module) }

func isStd(imp string) bool { return !strings.Contains(strings.Split(imp, "/")[0], ".") }

// TestLayers: every non-test file of checks/ imports only the snapshot,
// diag and the standard library, and no package of the rule layer imports
// one above it.
func TestLayers(t *testing.T) {
	for _, l := range layers {
		files, err := filepath.Glob(filepath.Join("..", l.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", l.dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, is := range af.Imports {
				imp, _ := strconv.Unquote(is.Path.Value)
				if isStd(imp) || l.allowed(imp) {
					continue
				}
				t.Errorf("%s imports %s, which its layer may not", filepath.ToSlash(strings.TrimPrefix(f, "../")), imp)
			}
		}
	}
}
