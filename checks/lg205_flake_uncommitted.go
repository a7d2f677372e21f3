package checks

import (
	"fmt"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

var FlakeUncommitted = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG205",
		Name:     "flake-uncommitted",
		Summary:  "A flake.nix, or a .nix file it imports, is not committed",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A flake.nix, or a .nix file it imports (import ./x.nix, callPackage,
imports = [ … ]), is untracked or ignored, so Nix cannot see it:

    error: getting status of '/nix/store/…-source/flake.nix': No such file or directory
    error: path '/nix/store/…-source/nix/backend.nix' does not exist

(Nix 2.8; newer Nix says "source tree referenced by 'git+file:///…' does
not contain a '/flake.nix' file" for the first.) Only intent-to-add (git
add -N) is a warning: local Nix sees the file, but git commit does not
commit it. lockguard looks for untracked flake.nix files at the repository
root, next to tracked Cargo.toml files, and in tracked directories that
something names as a flake: an input (inputs.sub.url = "path:./sub"), or a
script, CI job or Makefile line (nix build ./sub#x, --flake ./sub, cd sub
&& nix …). An untracked flake.nix in a directory nothing names is not
looked for. A flake.nix that an input needs is reported here, not as
LG201.

Fix (safe): stage the file with git add.`,
	},
	Check: checkFlakeUncommitted,
}

func checkFlakeUncommitted(p *Pass) {
	s := p.Snap
	for _, f := range s.Flakes().Flakes {
		st := s.Repo.Status(f.Path)
		d := snapshot.UncommittedDiag(s, f.Path, "the flake")
		if d == nil {
			continue
		}
		if st.State == snapshot.StateIntentToAdd {
			d.Severity = diag.Warning
		} else {
			d.Message += fmt.Sprintf("; nix fails with \"getting status of '/nix/store/…-source/%s': No such file or directory\" (Nix 2.8; newer Nix: \"does not contain a '/flake.nix' file\")", f.Path)
		}
		d.Path = f.Path
		d.At(diag.Span{})
		p.Report(*d)
	}
	snapshot.EachRef(s, func(f *snapshot.Flake, r snapshot.Ref) {
		if r.Kind != snapshot.RefImport || r.Dead {
			return
		}
		info := s.ClassifyRef(f, r)
		r.Path = info.Path
		switch info.Problem {
		case snapshot.RefUntracked, snapshot.RefIgnored, snapshot.RefIntentToAdd:
		default:
			return
		}
		d := snapshot.UncommittedDiag(s, r.Path, snapshot.RefText(r))
		if d == nil {
			// A directory of intent-to-add files (import ./dir reads dir/default.nix).
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("%s (%s) holds only intent-to-add files (git add -N): local Nix sees them, but git commit will not commit them", snapshot.RefText(r), r.Path),
				Help:    "git add " + r.Path,
				Fix:     &diag.Fix{Applicability: diag.Safe, Description: "stage " + r.Path + " with git add", Actions: []diag.Action{{Kind: diag.ActionStage, Paths: []string{r.Path}}}},
			}
		}
		if info.Problem == snapshot.RefIntentToAdd {
			d.Severity = diag.Warning
		} else if r.Optional {
			d.Severity = diag.Warning
			d.Message += "; it is imported under an existence check, so Nix silently treats it as absent"
		} else {
			d.Message += "; " + snapshot.NixFailure(r.Path)
		}
		if info.Dir && info.Problem == snapshot.RefIgnored {
			d.Fix = nil
		}
		d.Path = r.File
		d.Message += snapshot.ChainNote(r)
		d.At(snapshot.RefSpan(r))
		p.Report(*d)
	})
}
