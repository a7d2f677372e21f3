package checks

import (
	"fmt"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

var CargoWorkspaceInvalid = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG104",
		Name:     "cargo-workspace-invalid",
		Summary:  "Cargo cannot load the workspace, so every cargo command in it fails",
		Severity: diag.Error,
		Fixable:  true,
		Unsafe:   true,
		Doc: `Cargo refuses to load a workspace (or a package that believes it belongs to
one), so every cargo command there fails, in a clean checkout as on CI:

  - a ` + "`members`" + ` glob matches a tracked directory without a Cargo.toml
    (also through ` + "`**`" + `): "failed to load manifest for workspace member";
  - a member is itself a [workspace] root: "multiple workspace roots found";
  - a package inside a workspace's directory that the workspace neither lists
    in ` + "`members`" + ` nor ` + "`exclude`" + `s, and that has no [workspace] of its own:
    "current package believes it's in a workspace when it's not";
  - package.workspace points at a manifest that is missing or has no
    [workspace], or a member is not below its workspace root.

Such a package gets no LG101: cargo generate-lockfile fails there too.

A package the workspace does not list is an error when it belongs to the
workspace (it inherits from it: ` + "`edition.workspace = true`" + `, a dependency
with ` + "`workspace = true`" + `, [lints] workspace = true, package.workspace), since
cargo can build it nowhere, or when something in the repository builds it in
place (a flake, Dockerfile, script or CI job, as LG101 finds them). A
self-contained package nothing builds there is left alone: a test fixture
the tests copy elsewhere, a crate taken out of ` + "`members`" + ` on purpose.

Fix (unsafe): where one edit fixes it unambiguously, add the directory to
` + "`workspace.exclude`" + `: a directory a ` + "`members`" + ` glob matches that has no
Cargo.toml, or a member with a [workspace] of its own (not when ` + "`members`" + `
names it literally, which wins over exclude). A package the workspace does
not list could be meant as a member or not: it gets no fix.`,
	},
	Check: checkCargoWorkspaceInvalid,
}

func checkCargoWorkspaceInvalid(p *Pass) {
	s := p.Snap
	model := s.Cargo()
	for _, pr := range model.Invalid {
		if pr.Orphan {
			dir := snapshot.DirOf(pr.Path)
			if m := model.Manifests[dir]; m != nil && !m.Inherits && s.CargoConsumer(dir, snapshot.Join(dir, "Cargo.lock"), false) == "" {
				continue // self-contained, and nothing runs cargo where it is
			}
		}
		d := diag.Diagnostic{Path: pr.Path, Message: pr.Msg, Fix: excludeFix(p.Snap, pr)}
		d.At(snapshot.SpanOf(pr.Pos.Line, pr.Pos.Column, pr.Pos.EndLine, pr.Pos.EndColumn))
		p.Report(d)
	}
}

// excludeFix adds the problem's directory to `workspace.exclude`, when one
// edit fixes it (cargo.ExcludeEdit).
func excludeFix(s *snapshot.Snapshot, pr snapshot.CargoProblem) *diag.Fix {
	if pr.Exclude == "" {
		return nil
	}
	src, err := s.ReadFile(pr.Path)
	if err != nil {
		return nil
	}
	e, ok := snapshot.ExcludeEdit(pr.Path, src, pr.Exclude)
	if !ok {
		return nil
	}
	return &diag.Fix{
		Applicability: diag.Unsafe,
		Description:   fmt.Sprintf("add %q to workspace.exclude in %s", pr.Exclude, pr.Path),
		Actions:       []diag.Action{{Kind: diag.ActionEdit, Path: pr.Path, Edits: []diag.TextEdit{{Start: e.Start, End: e.End, NewText: e.Text}}}},
	}
}
