// Package cargo reads Cargo manifests (Cargo.toml) and lock files
// (Cargo.lock) and answers the questions behind lockguard's Cargo rules,
// statically and without running cargo:
//
//   - which directories are Cargo roots, i.e. own a Cargo.lock (FindRoots,
//     following Cargo's workspace rules: members globs, exclude,
//     package.workspace, nested workspaces, implicit path-dependency
//     members) — LG101/LG102;
//   - whether a committed lock still satisfies the manifests, i.e. whether
//     `cargo build --locked` would accept it (CheckLock) — LG103;
//   - whether a package builds a binary (HasBinary);
//   - Cargo's version and version-requirement semantics (ParseVersion,
//     ParseReq, VersionReq.Matches), as implemented by the semver crate.
//
// All functions are pure: callers read the files and pass repository-relative
// slash paths. Syntax errors and values of a type Cargo rejects are reported
// as *ParseError with a line and column. Nothing here panics on bad input.
//
// References: the Cargo book (https://doc.rust-lang.org/cargo/reference/),
// chapters "The Manifest Format", "Workspaces", "Specifying Dependencies",
// "Target auto-discovery"; cargo's src/cargo/core/workspace.rs and
// src/cargo/core/resolver/encode.rs; the semver crate's parse.rs and eval.rs.
package cargo
