// Package dockerfile is lockguard's model of a Dockerfile: what each stage
// does, where files land, which files RUN steps generate and how nix is
// invoked. The Dockerfile rules (LG301 COPY overwrites a generated file,
// LG302 .git and flake files in the image, LG303 COPY of uncommitted or
// ignored sources, LG401 `nix build .#x` without a package x, LG402 flake
// commands without experimental features) are built on top of it; this
// package holds no rules and reports no diagnostics.
//
// The package is pure: every entry point takes bytes or strings and a
// caller-supplied callback where the file system would be needed.
//
// # Parsing
//
// [Parse] uses BuildKit's own front end (frontend/dockerfile/parser and
// instructions, with a no-op linter so `# check=` comments cannot panic)
// and turns every failure, including a recovered panic, into a
// [*ParseError] carrying a line number. On top of BuildKit's stages it
// tracks, per stage, the effective WORKDIR, ENV and in-scope ARGs
// (expanded with BuildKit's shell.Lex exactly as the builder does),
// inheritance through `FROM <stage>`, and the current SHELL.
//
// Assumptions: a stage built FROM an external image starts with WORKDIR
// "/" and an empty environment (image configs are not fetched); build
// arguments take their Dockerfile defaults.
//
// # RUN analysis
//
// Every shell-form RUN script is reconstructed as dockerfile2llb.dispatchRun
// does (heredocs included) and parsed with mvdan.cc/sh (bash dialect). The
// walk yields a flat, ordered list of [Command]s with the working directory
// each ran in. `cd` is followed through `&&`, `||`, `;`, newlines, `{ }`
// groups and `pushd`/`popd`; a `cd` inside `( … )` or a pipeline element
// does not leak out. Control flow is handled soundly rather than precisely:
// after an if/case/loop/function whose branches may leave different
// directories, the directory becomes unknown (""), and a `cd` to a
// non-literal target also makes it unknown. Nested scripts (`bash -c "…"`,
// `sh -c`, `bash -lc`, `nix develop --command …`, `nix shell --command …`,
// `nix-shell --run "…"`, `bash <<EOF`) are parsed recursively and inherit
// the directory. A script that does not parse is recorded in
// [Run.ShellError] and yields no commands; it never fails the file.
//
// # Generated files, nix and the build context
//
// [Generators]/[Generated] say which files a command writes (lock files,
// redirections, tee), [NixInvocations] decodes nix command lines,
// [Stage.FlakesEnabledBefore] follows NIX_CONFIG and nix.conf writes, and
// [Ignore] answers "is this path in the build context" with the same walk
// semantics BuildKit's file transfer (tonistiigi/fsutil) uses.
package dockerfile
