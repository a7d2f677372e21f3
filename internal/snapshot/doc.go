// Package snapshot is everything a rule reads: one read-only view of a
// repository and the models derived from it.
//
//   - The view: New makes a Snapshot of a repo.Repo; ReadFile reads a file
//     (cached, size-bounded, the staged content in --staged mode), Exists
//     and TrackedNamed look at the index, AddParseError records a file that
//     cannot be parsed (LG901).
//   - The models, each a Model computed lazily, once per snapshot, after the
//     models it Requires: Cargo (manifests, roots, locks), Flakes (flakes
//     with their references; FlakeRoles), Docker (Dockerfiles with their
//     build contexts; the image replay in docker_image.go), and the scripts
//     and CI jobs that run nix (ScriptFiles, scanned by internal/shell).
//   - The git-state helpers: UncommittedDiag (a file git will not commit),
//     IgnoreReason (the ignore rule that excludes a path), StageFix.
//
// aliases.go re-exports the model types and constants rules use, so that a
// rule imports only this package and diag. Every method is safe for
// concurrent use by rules running in parallel.
package snapshot
