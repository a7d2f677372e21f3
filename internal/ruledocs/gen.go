//go:build ignore

// gen.go writes docs/rules.md and README.md's rule table from the
// rules (go generate ./internal/ruledocs runs it;
// the ignore build tag keeps it out of go install ./...).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/internal/ruledocs"
)

func main() {
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	infos := checks.Infos()
	rules := filepath.Join(root, filepath.FromSlash(ruledocs.RulesFile))
	if err := os.MkdirAll(filepath.Dir(rules), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(rules, ruledocs.Markdown(infos), 0o644); err != nil {
		return err
	}
	readmePath := filepath.Join(root, "README.md")
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		return err
	}
	updated, err := ruledocs.ReplaceTable(readme, ruledocs.Table(infos, ruledocs.RulesFile))
	if err != nil {
		return err
	}
	return os.WriteFile(readmePath, updated, 0o644)
}
