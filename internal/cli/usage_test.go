package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lockguard/lockguard/internal/testenv"
)

// TestReadmeUsageListsEveryCommandAndFlag: README.md's Usage section names
// every command and subcommand, and every flag (long and short), that
// `--help` shows.
func TestReadmeUsageListsEveryCommandAndFlag(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	start := strings.Index(readme, "\n## Usage\n")
	if start < 0 {
		t.Fatal("README.md has no ## Usage section")
	}
	usage := readme[start+1:]
	if end := strings.Index(usage, "\n## "); end >= 0 {
		usage = usage[:end]
	}
	root := (&env{}).rootCommand()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c != root && !strings.Contains(usage, c.CommandPath()) {
			t.Errorf("README's Usage does not name the command `%s`", c.CommandPath())
		}
		flags := c.LocalFlags()
		if c == root {
			flags = root.Flags() // the persistent flags and --version
		}
		flags.VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" {
				return
			}
			if !named(usage, "--"+f.Name) {
				t.Errorf("README's Usage does not name `%s --%s`", c.CommandPath(), f.Name)
			}
			if f.Shorthand != "" && !named(usage, "-"+f.Shorthand) {
				t.Errorf("README's Usage does not name `%s -%s`", c.CommandPath(), f.Shorthand)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// named reports whether text has flag as a word: after a space, a
// backquote or a bracket, and not followed by more of a flag name.
func named(text, flag string) bool {
	return regexp.MustCompile("(^|[\\s`\\[(/])" + regexp.QuoteMeta(flag) + "($|[^A-Za-z0-9-])").MatchString(text)
}
