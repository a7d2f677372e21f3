package checks

import (
	"fmt"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

var FlakePathMissing = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG202",
		Name:     "flake-path-missing",
		Summary:  "A flake references a path that does not exist",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A path the flake (or a file it imports) reads or copies does not exist in the
work tree, so evaluating what uses it fails:

    error: path '/nix/store/…-source/backend/Cargo.lock' does not exist

What needs a path to exist: import, builtins.readFile and the other reads,
cargoLock.lockFile, a source (src = ./dir), builtins.path, interpolation
into a string ("${./x}"), an attribute of a derivation. A path value that
nothing reads needs nothing: modules = ./src/modules; toString ./x,
baseNameOf ./x, builtins.length [ ./x ], ./x == ./y, a let binding never
used. A directory needs to exist; its default.nix only when it is imported.
References in a branch Nix never takes (if false then ./x else …) and
references read only under a builtins.pathExists guard or through
lib.fileset.maybeMissing are not reported.

Policy (an error means something breaks): a flake that another flake
exposes as a template (templates.<name>.path = ./dir, also through
flake-parts and //), or that sits in a template directory, is meant to be
copied with nix flake init; the files its user creates afterwards are not
reported. Neither are missing paths of a flake in a subdirectory that
nothing in the repository uses: the repository's own flake (at the root)
always counts as used; a subdirectory flake is used when another flake
refers to it (an input path:./sub, an import) or a CI job, script,
Makefile, justfile or .envrc names its directory (nix build ./sub#x,
cd sub, --flake ./sub).

When the missing path is the Cargo.lock of a Cargo root lockguard knows,
the fix generates it (the same action as LG101's, so it runs once when both
report it).

Fix (safe, for a Cargo.lock): run ` + "`cargo generate-lockfile`" + ` in the Cargo root and
stage the lock. Other missing paths have no automatic fix: create the file or
correct the reference.`,
	},
	Check: checkFlakePathMissing,
}

// cargoRootOfLock returns the Cargo root whose Cargo.lock is p.
func cargoRootOfLock(s *snapshot.Snapshot, p string) (snapshot.Root, bool) {
	for _, r := range s.Cargo().Roots {
		if r.LockPath() == p {
			return r, true
		}
	}
	return snapshot.Root{}, false
}

func checkFlakePathMissing(p *Pass) {
	s := p.Snap
	snapshot.EachRef(s, func(f *snapshot.Flake, r snapshot.Ref) {
		if r.Optional || !r.Needed() {
			return
		}
		// A template's files are created by the user after nix flake init;
		// a subdirectory flake nothing in the repository uses is not built
		// here (policy: consumers decide severity).
		if role := s.FlakeRole(f); role.Template != "" || role.Consumer == "" {
			return
		}
		info := s.ClassifyRef(f, r)
		r.Path = info.Path
		if info.Problem != snapshot.RefMissing && info.Problem != snapshot.RefDeleted {
			return
		}
		what := snapshot.RefText(r)
		d := diag.Diagnostic{Path: r.File}
		if info.Problem == snapshot.RefDeleted {
			d.Message = fmt.Sprintf("%s refers to %s, which is tracked but deleted from the work tree", what, r.Path)
		} else {
			d.Message = fmt.Sprintf("%s refers to %s, which does not exist", what, r.Path)
		}
		d.Message += ": " + snapshot.RefFailure(r)
		if info.St.Ignore != nil {
			d.Message += fmt.Sprintf("; once created it would be ignored by %s line %d (%q)", info.St.Ignore.Source, info.St.Ignore.Line, info.St.Ignore.Pattern)
		}
		if root, ok := cargoRootOfLock(s, r.Path); ok {
			d.Message += fmt.Sprintf("; it is the Cargo.lock of the Cargo root at %s", snapshot.Display(root.Dir()))
			d.Help = fmt.Sprintf("run `cargo generate-lockfile` in %s and commit %s", snapshot.Display(root.Dir()), r.Path)
			d.Fix = snapshot.GenerateLockFix(s, root)
		} else {
			d.Help = fmt.Sprintf("create %s and commit it, or correct the reference", r.Path)
		}
		d.Message += snapshot.ChainNote(r)
		d.At(snapshot.RefSpan(r))
		p.Report(d)
	})
}
