package checks

import (
	"fmt"
	"path"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

var CargoLockStale = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG103",
		Name:     "cargo-lock-stale",
		Summary:  "Cargo.lock no longer satisfies the manifests",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `The lock no longer matches the manifests, so ` + "`cargo build --locked`" + ` (which
crane and nixpkgs' cargo hooks use) refuses to build:

    error: cannot update the lock file …/Cargo.lock because --locked was passed

It triggers when a workspace member is missing from the lock, when a
dependency (normal, dev, build or target-specific; renamed with package =;
inherited with workspace = true; path, git or registry) has no matching locked
package, or when a locked version is outside the dependency's requirement.
The check is static: lockguard check never runs cargo. A workspace version
(workspace.package.version) or a [workspace.dependencies] entry changed
without the lock is one finding at that entry, naming the packages that
inherit it, not one per package.

Features decide what is locked, as in Cargo: workspace members are resolved
with all their features, so all their optional dependencies must be locked; a
path package outside the workspace gets only the features its dependents ask
for (plus "default", unless default-features = false), following "dep:x",
"x/feat" and "x?/feat" (the lock resolver turns weak dependencies on too). An
optional dependency no active feature turns on is not required, nor is a path
package reached only through one. Git sources match as Cargo writes them:
form-urlencoded references (?branch=feat%2Fx), and dependency entries
"name version (source)" without the #commit.

Staleness goes both ways: under --locked Cargo compares the lock it would
write with the one it read, so a lock that records what the manifests no
longer ask for is refused too: a registry or git package nothing needs any
more, a dependency edge a manifest no longer declares (between members, or to
a package another member still uses), a dev-dependency of a package outside
the workspace, or a [[patch.unused]] entry that is missing, outdated or left
behind. The one drop Cargo makes silently is a path package it no longer
finds at all (its dependency removed): that is not reported. Sources are
compared, not just names: a crates.io dependency must be locked from
crates.io, one with registry = "alt" from the index that [registries.alt] of
.cargo/config.toml names ([source] replacement changes nothing: the lock
records the original source), and a [patch] is used only when its version
matches the requirement.

What only an old lock format explains is left alone: cargo 1.95 rewrites a v1
lock (checksums in [metadata]) and no longer reads branch = "master" as the
default branch in a v1/v2 lock, but the lock was valid for the cargo that
wrote it.

Fix (safe): run ` + "`cargo metadata --format-version 1 --manifest-path <root>/Cargo.toml`" + `,
which updates the lock minimally and bumps no unrelated dependency, then stage
the lock.`,
	},
	Check: checkCargoLockStale,
}

func checkCargoLockStale(p *Pass) {
	s := p.Snap
	model := s.Cargo()
	for _, r := range model.Roots {
		lockPath := r.LockPath()
		lock, ok := model.Locks[lockPath]
		if !ok {
			continue
		}
		problems := snapshot.CheckLockEnv(r, lock, model.Manifests, model.LockEnv(r.Dir()))
		if len(problems) == 0 {
			continue
		}
		fix := &diag.Fix{
			Applicability: diag.Safe,
			Description:   fmt.Sprintf("run `cargo metadata` on %s to update %s minimally, and stage it", r.Manifest.Path, lockPath),
			Actions: []diag.Action{
				{Kind: diag.ActionRun, Command: []string{"cargo", "metadata", "--format-version", "1", "--manifest-path", path.Base(r.Manifest.Path)}, Dir: r.Dir(), Outputs: []string{lockPath}, Inputs: snapshot.RootManifests(r)},
				{Kind: diag.ActionStage, Paths: []string{lockPath}},
			},
		}
		seen := map[string]bool{}
		for _, pr := range problems {
			if pr.Legacy {
				continue // valid for the old toolchain that wrote the lock: unknown is silent
			}
			key := pr.Path + "\x00" + pr.Msg
			if seen[key] {
				continue
			}
			seen[key] = true
			d := diag.Diagnostic{
				Path:    pr.Path,
				Message: pr.Msg,
				Help:    fmt.Sprintf("`cargo build --locked` refuses this lock; update %s with `cargo metadata` (or any cargo build without --locked) and commit it", lockPath),
				Fix:     fix,
			}
			d.At(snapshot.SpanOf(pr.Pos.Line, pr.Pos.Column, pr.Pos.EndLine, pr.Pos.EndColumn))
			p.Report(d)
		}
	}
}
