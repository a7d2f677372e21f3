package examples_test

import (
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/checks/examples"
	"github.com/lockguard/lockguard/internal/ruletest"
	"github.com/lockguard/lockguard/internal/testenv"
	"github.com/lockguard/lockguard/internal/txtarrepo"
)

// TestCargoAgrees runs the real cargo on the examples, so that what they
// claim about cargo is true: in a good example every manifest next to a
// committed Cargo.lock loads with `cargo metadata --locked --offline`; in a
// bad example of LG101, LG103 or LG104, the manifest the finding is on does
// not (a missing lock, a stale lock, a workspace cargo refuses).
func TestCargoAgrees(t *testing.T) {
	cargo := testenv.Tool(t, "cargo")
	failing := []string{"LG101", "LG103", "LG104"}
	var ran int
	for _, r := range checks.All() {
		exs, err := examples.For(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range exs {
			if gitDeps(ex) {
				continue // cargo would fetch them (LG105's examples)
			}
			var manifests []string
			if ex.Bad() {
				if !slices.Contains(failing, r.ID) {
					continue
				}
				for _, w := range ex.Wants {
					if w.Rule == r.ID && path.Base(w.Path) == "Cargo.toml" {
						manifests = append(manifests, w.Path)
					}
				}
			} else {
				for _, f := range ex.Files {
					if path.Base(f.Path) == "Cargo.toml" && hasCommitted(ex, path.Join(path.Dir(f.Path), "Cargo.lock")) {
						manifests = append(manifests, f.Path)
					}
				}
			}
			if len(manifests) == 0 {
				continue
			}
			g := ruletest.Build(t, ex)
			for _, m := range manifests {
				cmd := exec.Command(cargo, "metadata", "--format-version", "1", "--locked", "--offline", "--manifest-path", g.Path(m))
				cmd.Dir, cmd.Env = g.Dir, g.Env
				out, err := cmd.CombinedOutput()
				ran++
				if ex.Bad() && err == nil {
					t.Errorf("%s %s: cargo loads %s with --locked, but the example says %s", r.ID, ex.Name, m, r.ID)
				}
				if !ex.Bad() && err != nil {
					t.Errorf("%s %s: cargo metadata --locked on %s: %v\n%s", r.ID, ex.Name, m, err, out)
				}
			}
		}
	}
	t.Logf("cargo ran on %d manifests", ran)
	if ran < 10 {
		t.Errorf("cargo ran on %d manifests; the examples have more", ran)
	}
}

func gitDeps(ex *txtarrepo.Repo) bool {
	return slices.ContainsFunc(ex.Files, func(f txtarrepo.File) bool {
		return path.Base(f.Path) == "Cargo.toml" && strings.Contains(string(f.Data), "git =")
	})
}

func hasCommitted(ex *txtarrepo.Repo, p string) bool {
	return slices.ContainsFunc(ex.Files, func(f txtarrepo.File) bool {
		return f.Path == p && f.State == txtarrepo.Committed
	})
}
