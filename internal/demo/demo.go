// Package demo holds the failing monorepo of the incident report, which
// `lockguard demo` turns into a throwaway git repository.
package demo

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/txtar"
)

//go:embed monorepo.txtar
var archive []byte

// Files returns the demo repository's files: repo-relative path → content.
func Files() map[string]string {
	a := txtar.Parse(archive)
	out := make(map[string]string, len(a.Files))
	for _, f := range a.Files {
		out[f.Name] = string(f.Data)
	}
	return out
}

// Write writes the demo files under dir.
func Write(dir string) error {
	for name, data := range Files() {
		if strings.Contains(name, "..") || filepath.IsAbs(name) {
			return fmt.Errorf("bad demo file name %q", name)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}
