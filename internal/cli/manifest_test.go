package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

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

// TestReadmeSnippetsVersion: every snippet (README's pre-commit rev and
// action uses, the comments of .pre-commit-hooks.yaml and action.yml) names
// one ref, and that ref exists: main while the repository has no release
// tag, else the newest vX.Y.Z tag.
func TestReadmeSnippetsVersion(t *testing.T) {
	root := testenv.ModuleRoot(t)
	refs := map[string][]string{}
	for _, f := range []string{"README.md", ".pre-commit-hooks.yaml", "action.yml"} {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range snippetRef.FindAllStringSubmatch(string(data), -1) {
			ref := m[1] + m[2]
			refs[ref] = append(refs[ref], f)
		}
	}
	if len(refs) == 0 {
		t.Fatal("no snippet names a lockguard ref")
	}
	want := "main"
	out, err := exec.Command("git", "-C", root, "tag", "--list", "v*", "--sort=-v:refname").Output()
	if err != nil {
		t.Fatal(err)
	}
	if tags := strings.Fields(string(out)); len(tags) > 0 {
		want = tags[0]
	}
	for ref, files := range refs {
		if ref != want {
			t.Errorf("%v name lockguard %s, want %s (the newest tag, or main while there is none)", files, ref, want)
		}
	}
}

var snippetRef = regexp.MustCompile(`(?m)(?:^#?\s*rev:\s*([a-z0-9][A-Za-z0-9._-]*)|lockguard/lockguard@([a-z0-9][A-Za-z0-9._-]*))`)
