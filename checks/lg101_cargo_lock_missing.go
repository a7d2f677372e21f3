package checks

import (
	"fmt"
	"path"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

// LG1xx: Cargo lockfiles.

var CargoLockMissing = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG101",
		Name:     "cargo-lock-missing",
		Summary:  "A Cargo root has no Cargo.lock",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A Cargo root (a tracked Cargo.toml with [workspace], or with [package] that no
enclosing workspace claims) has no Cargo.lock on disk, and something in the
repository builds it: a flake with a Rust builder naming it, a Dockerfile
that copies its Cargo.lock or runs cargo on it, or a script, Makefile,
justfile or CI job that runs cargo on it. That build breaks in a clean
checkout: Nix builders that read the lock fail,

    error: path '/nix/store/…-source/backend/Cargo.lock' does not exist

and cargo --locked, or a COPY of the lock, fails; without --locked the
build resolves dependencies afresh. The message names the consumer.

A root that nothing in the repository builds (a test fixture read as data,
a scratch crate) breaks nothing without a lock, so by default it is not
reported: an error means something breaks. Teams that follow Cargo's
convention of committing the lock of every root opt in with
` + "`[cargo] require-lock = \"all-roots\"`" + ` ("all" is an alias) in lockguard.toml;
"binaries" asks for the roots with a binary target (src/main.rs, src/bin/,
[[bin]]). The default is "consumed". A root something builds is always
required.

Workspace members share the lock at the workspace root and are never reported
on their own. Neither is a package that is not a root in practice: a path
dependency or [patch] target of a root whose lock exists (that lock covers
it), a vendored crate (a .cargo-checksum.json, or under a [source] directory
of a .cargo/config.toml), or a package cargo refuses to load (LG104).

A lock the repository's ignore rules exclude on purpose (fuzz/Cargo.lock,
**/examples/**/Cargo.lock in .gitignore) is not reported, whatever
require-lock says, unless something needs it: a flake that builds the root,
a Dockerfile that copies its Cargo.lock, or a script, Makefile, justfile or
CI job that runs cargo with --locked or --frozen on it. The message then
names that consumer and the ignore rule.

Fix (safe): run ` + "`cargo generate-lockfile`" + ` in the root (only when the lock is
missing: it re-resolves every dependency) and stage the lock with git add. If
cargo is not on PATH and the nearest flake.nix has a dev shell, lockguard runs
` + "`nix develop --command cargo generate-lockfile --manifest-path …`" + ` instead.`,
	},
	Check: checkCargoLockMissing,
}

// rootHasBinary reports whether any package covered by the root has a binary target.
func rootHasBinary(s *snapshot.Snapshot, r snapshot.Root) bool {
	hasFiles := func(dir string) bool { return len(s.Repo.TrackedUnder(dir)) > 0 }
	for _, m := range r.Members {
		if snapshot.HasBinary(m, s.Exists, hasFiles) {
			return true
		}
	}
	return r.Manifest.Package != nil && snapshot.HasBinary(r.Manifest, s.Exists, hasFiles)
}

func checkCargoLockMissing(p *Pass) {
	s := p.Snap
	model := s.Cargo()
	invalid := map[string]bool{}
	for _, pr := range model.Invalid {
		invalid[pr.Path] = true
	}
	var cands *consumerFiles // read on first need, once for every root
	lockConsumer := func(r snapshot.Root, locked bool) string {
		if cands == nil {
			cands = readConsumerFiles(s)
		}
		return cands.consumer(r, locked)
	}
	for _, r := range model.Roots {
		lock := r.LockPath()
		st := s.Repo.Status(lock)
		if st.State != snapshot.StateMissing && st.State != snapshot.StateDeleted {
			continue
		}
		// Not a root in practice: built through another root's lock,
		// vendored, or refused by cargo (LG104).
		if model.Covered[r.Dir()] || vendored(s, model, r.Dir()) || invalid[r.Manifest.Path] {
			continue
		}
		// What breaks, and who it breaks for: the consumer that builds the
		// root, when there is one (the message claims a failure only then).
		why := ""
		ignoredBy := "" // the ignore rule that excludes a missing lock
		if st.State == snapshot.StateMissing {
			if m := s.Repo.Ignored(lock, false); m != nil {
				ignoredBy = snapshot.IgnoreReason(snapshot.Status{Ignore: m})
			}
		}
		if ignoredBy != "" {
			consumer := lockConsumer(r, true)
			if consumer == "" {
				continue // the maintainers ignore this lock on purpose, and nothing needs it
			}
			why = fmt.Sprintf("; %s reads it, but %s ignores it", consumer, ignoredBy) + consumerBreaks(consumer, lock)
		} else if consumer := lockConsumer(r, false); consumer != "" {
			why = consumerBreaks(consumer, lock)
		} else if st.State == snapshot.StateDeleted {
			why = "; `git commit -a` would delete it from the repository"
		} else if s.Config.Cargo.RequireLock == "consumed" || s.Config.Cargo.RequireLock == "binaries" && !rootHasBinary(s, r) {
			continue // nothing in the repository builds this root: a convention, not a break
		} else {
			why = fmt.Sprintf("; nothing in the repository builds it, but [cargo] require-lock = %q asks for its lock: builds of it are not reproducible", s.Config.Cargo.RequireLock)
		}
		kind := "package"
		if r.Manifest.Workspace != nil {
			kind = "workspace"
		}
		msg := fmt.Sprintf("the Cargo %s at %s has no Cargo.lock", kind, snapshot.Display(r.Dir()))
		if st.State == snapshot.StateDeleted {
			msg = fmt.Sprintf("the Cargo.lock of the Cargo %s at %s is tracked but deleted from the work tree", kind, snapshot.Display(r.Dir()))
		}
		d := diag.Diagnostic{
			Path:    r.Manifest.Path,
			Message: msg + why,
			Help:    fmt.Sprintf("run `cargo generate-lockfile` in %s and commit %s", snapshot.Display(r.Dir()), lock),
			Fix:     snapshot.GenerateLockFix(s, r),
		}
		d.At(snapshot.HeaderSpan(r.Manifest))
		p.Report(d)
	}
}

// vendored reports whether the package in dir is a vendored copy: it has a
// .cargo-checksum.json (what `cargo vendor` writes), or lies in a directory
// that a [source] table of a .cargo/config.toml names.
func vendored(s *snapshot.Snapshot, model *snapshot.CargoModel, dir string) bool {
	if s.Exists(path.Join(dir, ".cargo-checksum.json")) {
		return true
	}
	for _, c := range model.Configs {
		for _, src := range c.Sources {
			if src.Directory != "" && dir != src.Directory && strings.HasPrefix(dir+"/", src.Directory+"/") {
				return true
			}
		}
	}
	return false
}

// consumerBreaks says what fails for the consumer of a missing lock.
func consumerBreaks(consumer, lock string) string {
	if path.Base(consumer) == "flake.nix" {
		return fmt.Sprintf("; %s builds it, and Nix fails with \"path '…/%s' does not exist\"", consumer, lock)
	}
	return fmt.Sprintf("; %s builds it, and in a clean checkout that build resolves dependencies afresh (cargo --locked, or a COPY of the lock, fails)", consumer)
}

// rustBuilders are the words of Nix code that builds a Rust package from its
// Cargo.lock.
var rustBuilders = []string{"crane", "naersk", "buildRustPackage", "importCargoLock", "cargoLock", "Cargo.lock", "cargo2nix", "buildRustCrate", "nci", "dream2nix"}

// consumerFiles are the files that can consume a root's lock, listed once
// for every root without a lock; their text is read when a root's search
// first needs it (as reading every candidate up front would report files
// as checked that the search never looked at).
type consumerFiles struct {
	s                            *snapshot.Snapshot
	flakeRefs                    []*snapshot.Flake
	flakes, dockerfiles, scripts []string
	texts                        map[string]string
}

func readConsumerFiles(s *snapshot.Snapshot) *consumerFiles {
	cf := &consumerFiles{s: s, flakeRefs: s.Flakes().Flakes, texts: map[string]string{}}
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
func (cf *consumerFiles) text(p string) string {
	t, ok := cf.texts[p]
	if !ok {
		t = consumerText(cf.s, p)
		cf.texts[p] = t
	}
	return t
}

// consumer names what in the repository needs the lock of root r: a
// flake that builds it, a Dockerfile that copies its Cargo.lock, or a
// script, Makefile, justfile or CI job that runs cargo with --locked or
// --frozen on it. "" when nothing does.
//
// With locked false (a lock that is not ignored), any cargo command in a
// script or CI job that names the root counts, and a Dockerfile that builds
// it with cargo.
func (cf *consumerFiles) consumer(r snapshot.Root, locked bool) string {
	dir := r.Dir()
	// A flake whose analysis reads the lock (cargoLock.lockFile = ./Cargo.lock,
	// builtins.readFile) consumes it, whatever its text looks like.
	lock := r.LockPath()
	for _, f := range cf.flakeRefs {
		for _, ref := range f.Refs {
			if ref.Kind == snapshot.RefRead && ref.Path == lock && !ref.Dead && !ref.Dynamic && !ref.Outside {
				return f.Path
			}
		}
	}
	for _, f := range cf.flakes {
		fd := snapshot.DirOf(f)
		if !(fd == "" || dir == fd || strings.HasPrefix(dir, fd+"/")) {
			continue
		}
		text := cf.text(f)
		if text == "" || !containsAny(text, rustBuilders) {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(dir, fd), "/")
		if rel == "" || mentionsDir(text, rel) {
			return f
		}
	}
	for _, f := range cf.dockerfiles {
		text := cf.text(f)
		if !strings.Contains(text, "Cargo.lock") && (locked || !strings.Contains(text, "cargo ")) {
			continue
		}
		if dir == "" || mentionsDir(text, dir) {
			return f
		}
	}
	for _, f := range cf.scripts {
		text := cf.text(f)
		needsLock := func(l string) bool { return strings.Contains(l, "--locked") || strings.Contains(l, "--frozen") }
		if locked && !needsLock(text) || !strings.Contains(text, "cargo") {
			continue
		}
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			if !strings.Contains(l, "cargo ") || locked && !needsLock(l) {
				continue
			}
			// The command names the root, or a cd / working-directory
			// just before it does.
			ctx := strings.Join(lines[max(0, i-5):i+1], "\n")
			if dir == "" && snapshot.DirOf(f) == "" && !strings.Contains(ctx, "cd ") && !strings.Contains(ctx, "--manifest-path") && !strings.Contains(ctx, "working-directory") ||
				dir != "" && mentionsDir(ctx, dir) {
				return f
			}
		}
	}
	return ""
}

// consumerText reads a file for the consumer search ("" when unreadable or
// larger than 1 MiB).
func consumerText(s *snapshot.Snapshot, p string) string {
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

func isDockerfileName(b string) bool {
	return b == "Dockerfile" || b == "Containerfile" || strings.HasPrefix(b, "Dockerfile.") || strings.HasSuffix(b, ".Dockerfile") || strings.HasSuffix(b, ".dockerfile")
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
