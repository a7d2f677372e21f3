package nix

import (
	"path"
	"regexp"
	"strings"
)

var (
	// ./dir#attr, path:./dir#attr, .#attr
	flakeRefHash = regexp.MustCompile(`(?:^|[\s"'=(,])(?:path:)?(\.|\.{1,2}/[^\s"'#;)&|]*)#`)
	// nix build ./dir, nix develop path:./dir, --flake ./dir
	flakeRefArg = regexp.MustCompile(`(?:--flake|\bnix\s+(?:build|develop|run|shell|eval|flake\s+(?:check|show|lock|update|metadata|archive)))\s+(?:-\S+\s+)*["']?(?:path:)?(\.{1,2}/[^\s"'#;)&|]*)`)
	// cd dir && nix …
	cdNix = regexp.MustCompile(`\bcd\s+["']?([^\s"'&;|]+)["']?\s*(?:&&|;)\s*nix\b`)
)

// FlakeDirsInCommand returns the directories that a command line (a line of
// a script, a CI job, a Makefile) names as flakes: ./dir#attr,
// nix build ./dir, --flake ./dir, cd dir && nix …. They are cleaned and
// relative to where the command runs ("" for "."); paths that climb out
// (../x) are returned as written, cleaned.
func FlakeDirsInCommand(line string) []string {
	var out []string
	add := func(d string) {
		d = path.Clean(strings.TrimSuffix(d, "/"))
		if d == "." {
			d = ""
		}
		for _, o := range out {
			if o == d {
				return
			}
		}
		out = append(out, d)
	}
	for _, m := range flakeRefHash.FindAllStringSubmatch(line, -1) {
		add(m[1])
	}
	for _, m := range flakeRefArg.FindAllStringSubmatch(line, -1) {
		add(m[1])
	}
	for _, m := range cdNix.FindAllStringSubmatch(line, -1) {
		if !strings.HasPrefix(m[1], "$") && !strings.HasPrefix(m[1], "/") && !strings.HasPrefix(m[1], "~") {
			add(m[1])
		}
	}
	return out
}
