package examples_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/checks/examples"
	"github.com/lockguard/lockguard/internal/ruletest"
	"github.com/lockguard/lockguard/internal/txtarrepo"
)

// TestExamples: every rule has a bad and a good example. Each is built as a
// real git repository and checked with every rule, as `lockguard check`
// does: the bad one must produce its rule's finding where its `# want`
// comments say (and nothing they do not name), the good one no finding at
// all.
func TestExamples(t *testing.T) {
	for _, r := range checks.All() {
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			exs, err := examples.For(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(exs) == 0 {
				t.Fatalf("%s has no examples: write checks/examples/%s with a bad and a good repository", r.ID, examples.File(r.ID))
			}
			var bad, good int
			for _, ex := range exs {
				if ex.Bad() {
					bad++
				} else {
					good++
				}
			}
			for _, l := range strings.Split(r.Doc, "\n") {
				if strings.HasPrefix(l, "Bad") || strings.HasPrefix(l, "Good") {
					t.Errorf("%s's Doc has a prose example (%q): examples are repositories in checks/examples/%s, which the docs render", r.ID, l, examples.File(r.ID))
				}
			}
			if bad == 0 || good == 0 {
				t.Errorf("%s: %d bad and %d good examples; it needs at least one of each", examples.File(r.ID), bad, good)
			}
			for _, ex := range exs {
				t.Run(ex.Name, func(t *testing.T) {
					if ex.Caption == "" {
						t.Errorf("example %s has no caption (a section named %q saying what it shows)", ex.Name, ex.Name)
					}
					if ex.Bad() {
						if !slices.ContainsFunc(ex.Wants, func(w txtarrepo.Want) bool { return w.Rule == r.ID }) {
							t.Errorf("bad example %s expects no %s finding: mark the line with `# want %s`", ex.Name, r.ID, r.ID)
						}
					} else if len(ex.Wants) > 0 {
						t.Errorf("good example %s expects findings (%v): a good example has none", ex.Name, ex.Wants)
					}
					ruletest.RunRepo(t, ex, ruletest.Options{})
				})
			}
		})
	}
}

// TestExampleFilesNameRules: every archive belongs to a rule.
func TestExampleFilesNameRules(t *testing.T) {
	for _, f := range examples.Files() {
		id := strings.ToUpper(strings.TrimSuffix(f, ".txtar"))
		if _, ok := checks.Lookup(id); !ok || examples.File(id) != f {
			t.Errorf("checks/examples/%s names no rule (lgNNN.txtar)", f)
		}
	}
}
