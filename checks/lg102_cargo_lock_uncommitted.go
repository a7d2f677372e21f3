package checks

import (
	"fmt"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

var CargoLockUncommitted = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG102",
		Name:     "cargo-lock-uncommitted",
		Summary:  "A Cargo.lock exists but will not be in the next commit",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `Cargo.lock exists at a Cargo root but git will not commit it: it is
untracked, ignored by a .gitignore (or info/exclude, or core.excludesFile), or
only intent-to-add (git add -N). A flake in a git repository sees only tracked
files, so a CI clone — and any nix build of the committed tree — has no lock.

An intent-to-add lock is visible to local Nix, but a plain git commit does not
commit it.

Fix (safe): stage the lock with git add. An ignored lock is staged only with
` + "`lockguard fix --force`" + `; better, remove the ignore rule that matches it (the
message names the file, line and pattern).`,
	},
	Check: checkCargoLockUncommitted,
}

func checkCargoLockUncommitted(p *Pass) {
	s := p.Snap
	for _, r := range s.Cargo().Roots {
		lock := r.LockPath()
		d := snapshot.UncommittedDiag(s, lock, fmt.Sprintf("Cargo.lock of %s", snapshot.Display(r.Dir())))
		if d == nil {
			continue
		}
		d.Path = r.Manifest.Path
		d.At(snapshot.HeaderSpan(r.Manifest))
		p.Report(*d)
	}
}
