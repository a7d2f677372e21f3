package checks_test

import (
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/ruletest"
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
