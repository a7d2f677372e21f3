package dockerfile

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/patternmatcher/ignorefile"
	"github.com/tonistiigi/fsutil"
)

// TestIgnoreAgreesWithFsutil builds real directory trees and sends them
// through fsutil's Walk, BuildKit's own context transfer, with the
// patterns of each .dockerignore: every file must be in the context
// exactly when Excluded says it is not, and every directory exactly when
// DirInContext says it is.
func TestIgnoreAgreesWithFsutil(t *testing.T) {
	files := []string{
		"Cargo.toml", "Cargo.lock", "README.md", "x",
		"tools/a/main.rs", "tools/b/main.rs", "tools/c/x.md",
		"docs/keep.md", "docs/other.md",
		"vendor/keep", "vendor/other", "vendor/sub/deep",
		"backend/Cargo.lock", "backend/src/lib.rs",
		"frontend/x", "a/b/Cargo.lock", "target/debug/app", "crates/k/target/t",
	}
	ignores := []string{
		"**/\n!crates/\n!Cargo.toml\n!tools/a/\n!tools/b/\n", // penumbra: everything but named directories
		"**\n!tools/a\n",
		"tools\n!tools/missing\n",
		"docs\n!docs/keep.md\n*\n",
		"*\n!*/Cargo.lock\n",
		"vendor\n!vendor/keep\n",
		"*\n!backend\n",
		"**/target\n",
		"tools/**\n!tools/c/x.md\n",
		"*.md\n!README.md\n",
		"*\n!tools/*/main.rs\n",
		"",
	}
	root := t.TempDir()
	dirs := map[string]bool{}
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
		for d := path.Dir(f); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, src := range ignores {
		patterns, err := ignorefile.ReadAll(strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		sent := map[string]bool{}
		err = fsutil.Walk(context.Background(), root, &fsutil.FilterOpt{ExcludePatterns: patterns}, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			sent[filepath.ToSlash(p)] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ig, err := ParseIgnore(".dockerignore", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if got := !ig.Excluded(f, false); got != sent[f] {
				t.Errorf("%q: file %s in the context: lockguard %v, fsutil %v", src, f, got, sent[f])
			}
		}
		for d := range dirs {
			var below []string
			for _, f := range files {
				if strings.HasPrefix(f, d+"/") {
					below = append(below, f)
				}
			}
			if got := ig.DirInContext(d, below); got != sent[d] {
				t.Errorf("%q: directory %s in the context: lockguard %v, fsutil %v", src, d, got, sent[d])
			}
		}
	}
	if t.Failed() {
		var names []string
		for d := range dirs {
			names = append(names, d)
		}
		slices.Sort(names)
		t.Logf("directories: %v", names)
	}
}
