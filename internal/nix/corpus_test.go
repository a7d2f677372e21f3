package nix

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// corpusExceptions lists the corpus files whose verdict differs from what
// their name prefix says (parse-fail-* rejected, everything else accepted).
// accept is our verdict.
var corpusExceptions = map[string]struct {
	accept bool
	reason string
}{
	// Rejected by Nix's parser itself (ORACLE.md): semantic checks that live in parser.y.
	"eval-fail-dynamic-attrs-inherit":   {false, "parser.y: dynamic attributes not allowed in inherit"},
	"eval-fail-dynamic-attrs-inherit-2": {false, "parser.y: dynamic attributes not allowed in inherit"},
	"eval-fail-dynamic-attrs-let":       {false, "parser.y: dynamic attributes not allowed in let"},
	"eval-fail-dynamic-attrs-let-2":     {false, "parser.y: dynamic attributes not allowed in let"},
	"eval-fail-dynamic-attrs-let-3":     {false, "parser.y: dynamic attributes not allowed in let (\"${…}\" is dynamic)"},
	"eval-fail-path-slash":              {false, "lexer.l: path has a trailing slash"},
	// Rejected by `nix-instantiate --parse` only because it also resolves
	// variables (bindVars); undefined variables are not syntax errors.
	"eval-fail-eol-1":                         {true, "undefined variable 'invalid' (scope error, not syntax)"},
	"eval-fail-eol-2":                         {true, "undefined variable 'invalid' (CR ends the comment; scope error)"},
	"eval-fail-eol-3":                         {true, "undefined variable 'invalid' (scope error, not syntax)"},
	"eval-fail-set":                           {true, "8.x is float 8. applied to x: undefined variable 'x' (scope error)"},
	"eval-fail-attrset-merge-drops-later-rec": {true, "undefined variable 'd' after the merge drops rec (scope error)"},
	"parse-fail-undef-var":                    {true, "undefined variable (scope error, not syntax)"},
	"parse-fail-regression-20060610":          {true, "undefined variable 'gcc' (scope error, not syntax)"},
	// Newer syntax than Nix 2.8: we always parse pipe operators.
	"eval-fail-pipe-operators": {true, "pipe operators are parsed (newer Nix gates them behind an experimental feature)"},
}

func corpusFiles(t testing.TB) (string, []string) {
	dir := testenv.Corpus(t, "nix-lang")
	names, err := filepath.Glob(filepath.Join(dir, "*.nix"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatalf("no .nix files in %s", dir)
	}
	return dir, names
}

func TestCorpus(t *testing.T) {
	_, files := corpusFiles(t)
	var accepted, rejected, exceptions int
	seen := map[string]bool{}
	for _, path := range files {
		base := strings.TrimSuffix(filepath.Base(path), ".nix")
		want := !strings.HasPrefix(base, "parse-fail-")
		ex, isEx := corpusExceptions[base]
		if isEx {
			want = ex.accept
			exceptions++
			seen[base] = true
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(filepath.Base(path), src)
		got := err == nil
		if got {
			accepted++
			if f.Expr == nil {
				t.Errorf("%s: nil expression", base)
			}
		} else {
			rejected++
			if _, ok := err.(*SyntaxError); !ok {
				t.Errorf("%s: error %T is not *SyntaxError", base, err)
			}
		}
		switch {
		case got && !want:
			t.Errorf("%s: accepted, want a syntax error", base)
		case !got && want:
			t.Errorf("%s: rejected: %v", base, err)
		}
	}
	for name := range corpusExceptions {
		if !seen[name] {
			t.Errorf("exception %s does not name a corpus file", name)
		}
	}
	t.Logf("corpus: %d files, %d accepted, %d rejected, %d listed exceptions", len(files), accepted, rejected, exceptions)
}
