package checks

import (
	"fmt"
	"path"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

// LG2xx: Nix flakes.

var FlakePathUncommitted = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG201",
		Name:     "flake-path-uncommitted",
		Summary:  "A flake references a path that exists but will not be in the commit",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A flake in a git repository sees only the files git tracks. A path the flake
reads (builtins.readFile, cargoLock.lockFile, a path literal, builtins.path,
self + "/x", …), directly or through the files it imports, exists on disk
but git will not commit it: it is untracked, ignored (the message names the
ignore file and line), or inside a submodule the flake does not fetch.
Evaluating the flake then fails with

    error: path '/nix/store/…-source/backend/Cargo.lock' does not exist

(Nix before 2.20: "getting status of '…': No such file or directory").

An intent-to-add path (git add -N) is a warning: local Nix sees it, but git
commit does not commit it, so a CI clone lacks it. A path that is only read
under a builtins.pathExists guard (or lib.fileset.maybeMissing) is a
warning too: Nix silently treats it as absent. A directory is uncommitted when
it exists but no tracked file is under it. A reference that leaves the
repository (../../x past the root, or a symlink pointing outside) can never
be committed; it is reported without a fix. Absolute and dynamic paths are
not checked, nor are path values nothing reads (toString ./x, an unused let
binding) and branches Nix never takes (if false then ./x else …).

Symbolic links are followed as Nix follows them: a tracked link to an
untracked file is reported (the target is what Nix reads), a path through a
tracked symlinked directory is checked at its target, and a file imported
through a link evaluates relative to the target's directory. For a flake in
a subdirectory of the repository, lockguard models Nix 2.8: self (and
self.outPath, "${self}") is the whole repository's source, while ./. is
the subdirectory. (Newer Nix makes self.outPath the subdirectory.)

A committed file that .gitattributes marks export-ignore is in the source
only while the work tree is dirty: for a clean tree Nix 2.8 copies the
source with git archive, which leaves it out, so a flake that reads it fails
in every clean checkout (CI included). That is an error (a warning under an
existence check), without a fix.

Fix (safe): stage the path with git add (never git add -N, which a commit
ignores). An ignored file is staged only with ` + "`lockguard fix --force`" + `;
better, remove the ignore rule. Ignored directories, submodule contents and
paths outside the repository are never staged.`,
	},
	Check: checkFlakePathUncommitted,
}

func checkFlakePathUncommitted(p *Pass) {
	s := p.Snap
	snapshot.EachRef(s, func(f *snapshot.Flake, r snapshot.Ref) {
		if !r.Needed() {
			return
		}
		info := s.ClassifyRef(f, r)
		r.Path = info.Path
		what := snapshot.RefText(r)
		var d *diag.Diagnostic
		switch info.Problem {
		case snapshot.RefOutside:
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("%s resolves outside the repository: a flake in a git repository sees only the repository's tracked files, so this path can never be committed and evaluation fails", what),
				Help:    "move the file into the repository and refer to it with a path inside it",
			}
		case snapshot.RefSymlinkOut:
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("%s (%s) is a symlink to %s, outside the repository: the flake's copy of the source cannot follow it", what, r.Path, info.Target),
				Help:    "replace the symlink with the file itself; lockguard never stages a symlink that leaves the repository",
			}
			if info.Link != r.Path {
				d.Message = fmt.Sprintf("%s (%s) goes through %s, a symlink to %s, outside the repository: the flake's copy of the source cannot follow it", what, r.Path, info.Link, info.Target)
			}
		case snapshot.RefExportIgnored:
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("%s (%s) is marked export-ignore by %s: Nix (2.8) copies a clean work tree's flake source with git archive, which leaves it out, so in every clean checkout, CI included, %s (a dirty work tree still has it)", what, r.Path, info.Target, snapshot.RefFailure(r)),
				Help:    "remove the export-ignore attribute for " + r.Path + " from .gitattributes, or stop reading it from the flake",
			}
			if r.Optional {
				d.Severity = diag.Warning
				d.Message = fmt.Sprintf("%s (%s) is marked export-ignore by %s: Nix (2.8) copies a clean work tree's flake source with git archive, which leaves it out, so in every clean checkout the existence check treats it as absent", what, r.Path, info.Target)
			}
		case snapshot.RefSubmodule:
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("%s (%s) is inside the submodule %s: a flake does not see submodule contents unless it sets inputs.self.submodules = true (or is used as ?submodules=1)", what, r.Path, info.Submodule),
				Help:    "set inputs.self.submodules = true in flake.nix, or move the file out of the submodule",
			}
		case snapshot.RefUntracked, snapshot.RefIgnored, snapshot.RefIntentToAdd:
			if r.Kind == snapshot.RefImport || r.Kind == snapshot.RefInput && path.Base(r.Path) == "flake.nix" {
				return // LG205: an imported file, the flake.nix of an input
			}
			d = snapshot.UncommittedDiag(s, r.Path, what)
			if d == nil {
				d = &diag.Diagnostic{
					Message: fmt.Sprintf("%s (%s) is a directory holding only intent-to-add files (git add -N): local Nix sees them, but git commit will not commit them", what, r.Path),
					Help:    "git add " + r.Path,
					Fix:     &diag.Fix{Applicability: diag.Safe, Description: "stage " + r.Path + " with git add", Actions: []diag.Action{{Kind: diag.ActionStage, Paths: []string{r.Path}}}},
				}
			}
			switch {
			case info.Problem == snapshot.RefIntentToAdd:
				d.Severity = diag.Warning
			case r.Optional:
				d.Severity = diag.Warning
				d.Message += "; it is read under an existence check, so Nix silently treats it as absent"
			default:
				d.Message += "; " + snapshot.RefFailure(r)
			}
			if info.Dir && info.Problem == snapshot.RefIgnored {
				d.Fix = nil
				d.Help = "remove the ignore rule that matches the directory, then git add the files the flake needs; lockguard does not force-add an ignored directory"
			}
		default:
			return
		}
		d.Path = r.File
		d.Message += snapshot.ChainNote(r)
		d.At(snapshot.RefSpan(r))
		p.Report(*d)
	})
}
