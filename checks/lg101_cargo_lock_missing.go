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
			consumer := s.CargoConsumer(r.Dir(), lock, true)
			if consumer == "" {
				continue // the maintainers ignore this lock on purpose, and nothing needs it
			}
			why = fmt.Sprintf("; %s reads it, but %s ignores it", consumer, ignoredBy) + consumerBreaks(consumer, lock)
		} else if consumer := s.CargoConsumer(r.Dir(), lock, false); consumer != "" {
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
