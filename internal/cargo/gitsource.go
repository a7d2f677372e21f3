package cargo

import "regexp"

// GitSource is a Cargo.lock package source of the form
// git+<url>[?rev=|tag=|branch=<value>]#<commit>.
type GitSource struct {
	URL    string // the repository URL, without git+ and the query
	Kind   string // "rev", "tag", "branch" or "" (the default branch)
	Value  string // the query's value, as written (lock v4 percent-encodes it)
	Commit string // the locked commit
}

// gitSourceRE is nixpkgs' parseGit (pkgs/build-support/rust/import-cargo-lock.nix).
var gitSourceRE = regexp.MustCompile(`^git\+([^?]+)(\?(rev|tag|branch)=(.*))?#(.*)$`)

// ParseGitSource parses a git source the way nixpkgs' importCargoLock does;
// ok is false for other sources and for git sources importCargoLock cannot
// handle.
func ParseGitSource(source string) (GitSource, bool) {
	m := gitSourceRE.FindStringSubmatch(source)
	if m == nil {
		return GitSource{}, false
	}
	return GitSource{URL: m[1], Kind: m[3], Value: m[4], Commit: m[5]}, true
}

// GitPackages returns the lock's packages with a git source importCargoLock
// understands, in lock order.
func (l *Lock) GitPackages() []LockPackage {
	var out []LockPackage
	for _, p := range l.Packages {
		if _, ok := ParseGitSource(p.Source); ok {
			out = append(out, p)
		}
	}
	return out
}
