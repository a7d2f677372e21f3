// Package examples holds every rule's examples: small repositories, a bad one
// that produces the rule's finding and a good one that produces none. Each
// rule has one archive, lgNNN.txtar (the format of internal/txtarrepo:
// top-level directories bad, good, bad-…, good-… are the examples, and a
// section named like a directory holds its caption).
//
// examples_test.go builds each example as a real git repository and runs
// every rule on it (internal/ruletest): a bad example must produce exactly
// the findings its `# want` comments name, including its rule's, and a good
// example none at all. internal/ruledocs renders the same archives into
// docs/rules.md and `lockguard explain`, so the documented examples are the
// tested ones.
package examples

import (
	"embed"
	"errors"
	"io/fs"
	"strings"

	"github.com/lockguard/lockguard/internal/txtarrepo"
)

//go:embed *.txtar
var archives embed.FS

// File is the archive name of a rule's examples.
func File(id string) string { return strings.ToLower(id) + ".txtar" }

// For returns the examples of the rule with the given ID, in archive order;
// none (and no error) when the rule has no archive.
func For(id string) ([]*txtarrepo.Repo, error) {
	data, err := archives.ReadFile(File(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return txtarrepo.ParseExamples("checks/examples/"+File(id), data)
}

// Files lists the archives.
func Files() []string {
	ents, _ := archives.ReadDir(".")
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}
