package checks_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/ruletest"
	"github.com/lockguard/lockguard/internal/testenv"
)

// TestDockerParseErrors: see testdata/rules/docker_parse_errors.txtar.
func TestDockerParseErrors(t *testing.T) {
	ruletest.Run(t, "testdata/rules/docker_parse_errors.txtar", "LG901")
	ruletest.Run(t, "testdata/rules/docker_parse_errors.txtar", "LG402")
}

// TestDockerCopyForms: see testdata/rules/docker_copy_forms.txtar. Each
// finding has the unsafe .dockerignore fix and names the generating RUN.
func TestDockerCopyForms(t *testing.T) {
	res := ruletest.Run(t, "testdata/rules/docker_copy_forms.txtar", "LG301")
	for _, d := range res.Diagnostics {
		if d.Fix == nil || d.Fix.Applicability != diag.Unsafe || len(d.Related) != 1 {
			t.Errorf("line %d: fix %v related %v", d.Line, d.Fix, d.Related)
		}
	}
}

// TestDockerContextsFromCompose: see
// testdata/rules/docker_contexts_compose.txtar. The finding names the
// compose service that sets the context.
func TestDockerContextsFromCompose(t *testing.T) {
	res := ruletest.Run(t, "testdata/rules/docker_contexts_compose.txtar", "LG303")
	for _, d := range res.Diagnostics {
		if len(d.Related) != 1 || d.Related[0].Path != "docker-compose.yml" || d.Related[0].Line != 7 || !strings.Contains(d.Related[0].Message, "compose service alt") {
			t.Errorf("related: %+v", d.Related)
		}
	}
}

// TestDockerCorpus runs the Dockerfile rules over BuildKit's parser test
// files, copied into a scratch repository: nothing panics, and every file
// dockerfile.Parse rejects gives exactly one LG901 with a line, except one
// with no instructions, which gives none.
func TestDockerCorpus(t *testing.T) {
	dir := testenv.Corpus(t, "dockerfile-parser")
	var files []string
	for _, sub := range []string{"testfiles", "testfiles-negative"} {
		m, _ := filepath.Glob(filepath.Join(dir, sub, "*", "Dockerfile"))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("corpus has no Dockerfiles")
	}
	r := testenv.NewRepo(t)
	rejected := map[string]int{}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r.Write(rel, string(data))
		if _, err := dockerfile.Parse(rel, data); err != nil {
			var pe *dockerfile.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%s: %v is not a *ParseError", rel, err)
			}
			if pe.NoInstructions {
				continue // no instructions: nothing concerns a lock, no LG901
			}
			rejected[rel] = 0
		}
	}
	r.Commit("corpus")
	ds := ruletest.Check(t, r, ruletest.Options{Rules: []string{"LG901", "LG301", "LG303", "LG402"}})
	for _, d := range ds {
		if d.Rule != "LG901" {
			continue
		}
		n, ok := rejected[d.Path]
		if !ok {
			t.Errorf("LG901 on %s, which parses: %s", d.Path, d.Message)
			continue
		}
		if d.Line < 1 {
			t.Errorf("%s: LG901 at line %d", d.Path, d.Line)
		}
		rejected[d.Path] = n + 1
	}
	for p, n := range rejected {
		if n != 1 {
			t.Errorf("%s: %d LG901 findings, want 1", p, n)
		}
	}
	t.Logf("%d Dockerfiles, %d rejected, %d findings", len(files), len(rejected), len(ds))
}
