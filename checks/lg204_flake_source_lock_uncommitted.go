package checks

import (
	"fmt"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

var FlakeSourceLockUncommitted = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG204",
		Name:     "flake-source-lock-uncommitted",
		Summary:  "A flake's directory source holds a Cargo root whose Cargo.lock is not committed",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A directory the flake copies as a build source (src = ./backend,
builtins.path { path = …; }, lib.cleanSource, crane's cleanCargoSource, a
fileset member directory, …) is the Cargo root a Rust build uses, and its
Cargo.lock exists but will not be committed (untracked, ignored, or only
intent-to-add). Nix copies only the tracked files of the directory and
silently leaves the lock out, so evaluation succeeds and the build fails
later:

    ERROR: Missing Cargo.lock from src

The Cargo root the build uses is the one at the top of the source (or at
buildAndTestSubdir / cargoRoot below it), or the workspace that has that
directory as a member; Cargo roots nested deeper in the source (fuzz
targets, test fixtures, vendored crates) are not built and not reported. A
lock that exists nowhere is not silently dropped: LG101 reports it (LG202
when a path names it). When the builder names its lock (cargoLock,
cargoVendorDir, cargoDeps, cargoToml, or patches the source), LG201/LG202
check that lock instead. Sources kept by a dynamic filter
(lib.cleanSourceWith { filter = …; }, builtins.path { filter = …; },
lib.sourceByRegex) are not judged.

A workspace member used as the source of a known Rust builder
(buildRustPackage, crane, naersk) has the workspace's lock outside the
source: the build finds no Cargo.lock and fails. That is reported too.

A source passed to a function of the flake's own files (mkPackage { src =
./backend; }, with mkPackage = { src, … }: rustPlatform.buildRustPackage
{ inherit src; … }; also through import ./f.nix and callPackage ./f.nix)
is judged by the call in the function's body that receives it: its
builder, its lock arguments, its buildAndTestSubdir (one level of
functions).

An intent-to-add lock is a warning: local Nix sees it, a CI clone does not.

Fix (safe): stage the lock with git add.`,
	},
	Check: checkFlakeSourceLockUncommitted,
}

// rustBuilderFuncs are the functions whose argument set's src (or root) is a
// Cargo root the build uses: nixpkgs, crane and naersk.
var rustBuilderFuncs = map[string]bool{
	"buildRustPackage": true, "buildPackage": true, "buildDepsOnly": true, "cargoBuild": true,
	"mkCargoDerivation": true, "cargoClippy": true, "cargoTest": true, "cargoNextest": true,
	"cargoDoc": true, "buildTrunkPackage": true, "vendorCargoDeps": true,
}

// explicitLockArgs name the lock (or the vendored dependencies) outside the
// source: the lock in the source is then not what the build needs, and a
// lock named here is a read that LG201/LG202 check.
var explicitLockArgs = []string{"cargoLock", "cargoLockFile", "cargoVendorDir", "cargoDeps", "cargoToml",
	"cargoPatches", "patches", "postPatch", "prePatch", "postUnpack", "preUnpack"}

// usedCargoRoot is the Cargo root a build whose source is the directory src
// uses: the root at src (or at src/subdir for buildAndTestSubdir and
// cargoRoot), or the workspace that has it as a member.
func usedCargoRoot(roots []snapshot.Root, dir string) (snapshot.Root, bool) {
	for _, root := range roots {
		if root.Dir() == dir {
			return root, true
		}
	}
	for _, root := range roots {
		for _, m := range root.Members {
			if m.Dir == dir {
				return root, true
			}
		}
	}
	return snapshot.Root{}, false
}

func checkFlakeSourceLockUncommitted(p *Pass) {
	s := p.Snap
	roots := s.Cargo().Roots
	if len(roots) == 0 {
		return
	}
	snapshot.EachRef(s, func(f *snapshot.Flake, r snapshot.Ref) {
		if (r.Kind != snapshot.RefDirSource && r.Kind != snapshot.RefFilesetMember) || r.Dynamic || r.Absolute || r.Outside || !r.Needed() {
			return
		}
		sa := r.Source
		if sa != nil && (sa.Filtered || sa.SubdirDynamic) {
			return // which files the source keeps is dynamic
		}
		for _, a := range explicitLockArgs {
			if sa.Has(a) {
				return
			}
		}
		if len(s.Repo.TrackedUnder(r.Path)) == 0 {
			return // not a directory of the repository
		}
		base := r.Path
		if sa != nil && sa.Subdir != "" {
			base = snapshot.CleanRepoPath(snapshot.Join(r.Path, sa.Subdir))
		}
		root, ok := usedCargoRoot(roots, base)
		if !ok {
			return
		}
		lock := root.LockPath()
		st := s.Repo.Status(lock)
		var d *diag.Diagnostic
		if !snapshot.Under(root.Dir(), r.Path) {
			// A workspace member used as the source: the workspace's lock is
			// outside it. Only for a known Rust builder given nothing else
			// that could provide the lock.
			if sa == nil || !rustBuilderFuncs[sa.Func] || st.State == snapshot.StateMissing {
				return
			}
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("the source %s of %s is the Cargo package at %s, a member of the workspace at %s whose Cargo.lock (%s) is outside the source: the build sees no Cargo.lock and fails (\"Missing Cargo.lock from src\"; crane: \"unable to find Cargo.lock\")", snapshot.RefText(r), sa.Func, snapshot.Display(base), snapshot.Display(root.Dir()), lock),
				Help:    fmt.Sprintf("use the workspace root as the source (and select the package with cargoBuildFlags or pname), or pass the lock explicitly (cargoLock.lockFile = %s)", lock),
			}
		} else {
			where := fmt.Sprintf("the source %s holds the Cargo root at %s, whose Cargo.lock (%s)", snapshot.RefText(r), snapshot.Display(root.Dir()), lock)
			switch st.State {
			case snapshot.StateUntracked, snapshot.StateIgnored, snapshot.StateIntentToAdd:
				// The lock exists but the flake's copy of the source lacks
				// it: the silent drop. (A lock that exists nowhere is
				// LG101's, or LG202's when a path names it.)
				u := snapshot.UncommittedDiag(s, lock, "Cargo.lock")
				state := map[snapshot.State]string{snapshot.StateUntracked: "is untracked", snapshot.StateIgnored: "is ignored", snapshot.StateIntentToAdd: "is only intent-to-add"}[st.State]
				if st.State == snapshot.StateIgnored && st.Ignore != nil {
					state += fmt.Sprintf(" by %s line %d (%q)", st.Ignore.Source, st.Ignore.Line, st.Ignore.Pattern)
				}
				d = &diag.Diagnostic{Message: where + " " + state, Help: u.Help, Fix: u.Fix}
				if st.State == snapshot.StateIntentToAdd {
					d.Severity = diag.Warning
					d.Message += ": local Nix sees it, but git commit will not commit it, so a CI clone's source lacks it"
				} else {
					d.Message += ": Nix silently leaves it out of the source, and the build fails later with \"Missing Cargo.lock from src\""
				}
			default:
				return
			}
		}
		d.Path = r.File
		d.Message += snapshot.ChainNote(r)
		d.At(snapshot.RefSpan(r))
		p.Report(*d)
	})
}
