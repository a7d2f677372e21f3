package snapshot

// Consumers of a Cargo root: what in the repository builds it, so that a
// missing lock (LG101) or a package cargo refuses to load (LG104) breaks
// something real.

import (
	"path"
	"regexp"
	"strings"
	"sync"
)

// rustBuilders are the words of Nix code that builds a Rust package from its
// Cargo.lock.
var rustBuilders = []string{"crane", "naersk", "buildRustPackage", "importCargoLock", "cargoLock", "Cargo.lock", "cargo2nix", "buildRustCrate", "nci", "dream2nix"}

// consumerFiles are the files that can consume a root's lock, listed once
// for every root without a lock; their text is read when a root's search
// first needs it (as reading every candidate up front would report files
// as checked that the search never looked at).
type consumerFiles struct {
	flakes, dockerfiles, scripts []string
	mu                           sync.Mutex
	texts                        map[string]string
}

// cargoConsumers lists the candidate consumers once per snapshot.
var cargoConsumers = &Model[*consumerFiles]{Name: "cargo-consumers", Compute: readConsumerFiles}

func readConsumerFiles(s *Snapshot) *consumerFiles {
	cf := &consumerFiles{texts: map[string]string{}}
	for _, f := range s.TrackedNamed(func(string) bool { return true }) {
		b := path.Base(f)
		if b == "flake.nix" {
			cf.flakes = append(cf.flakes, f)
		}
		if isDockerfileName(b) {
			cf.dockerfiles = append(cf.dockerfiles, f)
		}
		if isScriptOrCI(f) {
			cf.scripts = append(cf.scripts, f)
		}
	}
	return cf
}

// text is consumerText, read once per file.
func (cf *consumerFiles) text(s *Snapshot, p string) string {
	cf.mu.Lock()
	t, ok := cf.texts[p]
	cf.mu.Unlock()
	if !ok {
		t = consumerText(s, p)
		cf.mu.Lock()
		cf.texts[p] = t
		cf.mu.Unlock()
	}
	return t
}

// cargoSubcommand finds the subcommands of the cargo commands on a line
// (after an optional +toolchain).
var cargoSubcommand = regexp.MustCompile(`(?:^|[^\w./-])cargo\s+(?:\+\S+\s+)?(\S+)`)

// notInPlace are cargo subcommands that neither load the package's
// workspace nor read its lock: they create (new, init, generate from a
// template), sort a manifest's text (cargo-sort), or work on the registry
// and installed tools.
var notInPlace = map[string]bool{
	"new": true, "init": true, "generate": true, "sort": true, "search": true,
	"login": true, "logout": true, "owner": true, "yank": true, "uninstall": true,
	"binstall": true, "help": true, "version": true, "--version": true, "-V": true,
}

// runsCargoInPlace reports whether a line runs a cargo command that loads
// the workspace where it runs: some cargo command on it is not one of
// notInPlace (cargo install only with --path).
func runsCargoInPlace(l string) bool {
	ms := cargoSubcommand.FindAllStringSubmatch(l, -1)
	if len(ms) == 0 {
		return true // cargo written some other way: count it
	}
	for _, m := range ms {
		switch sub := m[1]; {
		case sub == "install":
			if strings.Contains(l, "--path") {
				return true
			}
		case !notInPlace[sub]:
			return true
		}
	}
	return false
}

// CargoConsumer names what in the repository needs the lock (lock) of the
// Cargo root in dir: a flake that builds it, a Dockerfile that copies its
// Cargo.lock, or a script, Makefile, justfile or CI job that runs cargo
// with --locked or --frozen on it. "" when nothing does.
//
// With locked false (a lock that is not ignored), any cargo command in a
// script or CI job that names the root counts, and a Dockerfile that builds
// it with cargo.
func (s *Snapshot) CargoConsumer(dir, lock string, locked bool) string {
	cf := cargoConsumers.Get(s)
	// A flake whose analysis reads the lock (cargoLock.lockFile = ./Cargo.lock,
	// builtins.readFile) consumes it, whatever its text looks like.
	for _, f := range s.Flakes().Flakes {
		for _, ref := range f.Refs {
			if ref.Kind == RefRead && ref.Path == lock && !ref.Dead && !ref.Dynamic && !ref.Outside {
				return f.Path
			}
		}
	}
	for _, f := range cf.flakes {
		fd := DirOf(f)
		if !(fd == "" || dir == fd || strings.HasPrefix(dir, fd+"/")) {
			continue
		}
		text := cf.text(s, f)
		if text == "" || !containsAny(text, rustBuilders) {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(dir, fd), "/")
		if rel == "" || mentionsDir(text, rel) {
			return f
		}
	}
	for _, f := range cf.dockerfiles {
		text := cf.text(s, f)
		if !strings.Contains(text, "Cargo.lock") && (locked || !strings.Contains(text, "cargo ")) {
			continue
		}
		if dir == "" || mentionsDir(text, dir) {
			return f
		}
	}
	for _, f := range cf.scripts {
		text := cf.text(s, f)
		needsLock := func(l string) bool { return strings.Contains(l, "--locked") || strings.Contains(l, "--frozen") }
		if locked && !needsLock(text) || !strings.Contains(text, "cargo") {
			continue
		}
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			if !strings.Contains(l, "cargo ") || locked && !needsLock(l) || !runsCargoInPlace(l) {
				continue
			}
			// The command names the root, or a cd / working-directory
			// just before it does (another command naming it does not).
			ctx := strings.Join(lines[max(0, i-5):i+1], "\n")
			if dir == "" && DirOf(f) == "" && !strings.Contains(ctx, "cd ") && !strings.Contains(ctx, "--manifest-path") && !strings.Contains(ctx, "working-directory") {
				return f
			}
			if dir == "" {
				continue
			}
			if mentionsDir(l, dir) {
				return f
			}
			for _, p := range lines[max(0, i-5):i] {
				if (strings.Contains(p, "cd ") || strings.Contains(p, "working-directory")) && mentionsDir(p, dir) {
					return f
				}
			}
		}
	}
	return ""
}

// consumerText reads a file for the consumer search ("" when unreadable or
// larger than 1 MiB).
func consumerText(s *Snapshot, p string) string {
	data, err := s.ReadFile(p)
	if err != nil || len(data) > 1<<20 {
		return ""
	}
	return string(data)
}

func containsAny(text string, words []string) bool {
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// mentionsDir reports whether text names the repository-relative directory
// dir as a path: dir not preceded or followed by another path character.
func mentionsDir(text, dir string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], dir)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(dir)
		before := start == 0 || !isPathChar(text[start-1]) || text[start-1] == '/' && (start < 2 || text[start-2] == '.')
		after := end == len(text) || !isPathChar(text[end]) || text[end] == '/'
		if before && after {
			return true
		}
		i = start + 1
	}
}

func isPathChar(c byte) bool {
	return c == '/' || c == '.' || c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isScriptOrCI(p string) bool {
	b := path.Base(p)
	switch {
	case b == "Makefile" || b == "makefile" || b == "GNUmakefile" || b == "justfile" || b == "Justfile" || b == ".justfile":
		return true
	case strings.HasSuffix(b, ".sh") || strings.HasSuffix(b, ".mk"):
		return true
	case b == ".gitlab-ci.yml":
		return true
	case strings.HasPrefix(p, ".github/workflows/") && (strings.HasSuffix(b, ".yml") || strings.HasSuffix(b, ".yaml")):
		return true
	}
	return false
}

// isDockerfileName is the consumer search's reading of a Dockerfile name.
// It differs from dockerfile.IsDockerfileName, which the Docker model uses:
// it takes app.dockerfile (lower case), which the model misses, and not
// dockerfile or build.Dockerfile.prod. The two should become one.
func isDockerfileName(b string) bool {
	return b == "Dockerfile" || b == "Containerfile" || strings.HasPrefix(b, "Dockerfile.") || strings.HasSuffix(b, ".Dockerfile") || strings.HasSuffix(b, ".dockerfile")
}
