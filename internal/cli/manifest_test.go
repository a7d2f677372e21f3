package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/lockguard/lockguard/internal/testenv"
)

// TestPreCommitManifest: .pre-commit-hooks.yaml names no stages (pre-commit
// 3.0 rejects the new names, pre-commit 4 warns about the old ones), and
// its hooks run for every file lockguard reads: a files pattern, if there
// is one, matches the names check reads, including those no pattern of
// names can know (a lowercase dockerfile, an extensionless script with a
// shebang, a nested workflow directory).
func TestPreCommitManifest(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []map[string]any
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) == 0 {
		t.Fatal("no hooks")
	}
	read := []string{"Cargo.lock", "backend/Cargo.toml", "flake.nix", "lib/default.nix", "docker/dockerfile",
		"Dockerfile.prod", "scripts/release", ".github/workflows/sub/ci.yml", "lockguard.toml", "compose.yaml"}
	for _, h := range hooks {
		if s, ok := h["stages"]; ok {
			t.Errorf("hook %v names stages %v", h["id"], s)
		}
		if f, ok := h["files"].(string); ok {
			re, err := regexp.Compile(f)
			if err != nil {
				t.Fatalf("hook %v: files: %v", h["id"], err)
			}
			for _, p := range read {
				if !re.MatchString(p) {
					t.Errorf("hook %v does not run for %s, which check reads", h["id"], p)
				}
			}
		}
		if h["pass_filenames"] != false {
			t.Errorf("hook %v passes file names; lockguard reads the whole repository", h["id"])
		}
	}
}
