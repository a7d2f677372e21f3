package checks

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/lockguard/lockguard/internal/cargo"
	"github.com/lockguard/lockguard/internal/diag"
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

Bad:

    Cargo.toml             # [workspace] members = ["crates/cli"]
    crates/gui/Cargo.toml  # [package] name = "gui", no [workspace]

Good:

    Cargo.toml             # [workspace] members = ["crates/cli", "crates/gui"]
                           # (or exclude = ["crates/gui"])

Fix (unsafe): where one edit fixes it unambiguously, add the directory to
` + "`workspace.exclude`" + `: a directory a ` + "`members`" + ` glob matches that has no
Cargo.toml, or a member with a [workspace] of its own (not when ` + "`members`" + `
names it literally, which wins over exclude). A package the workspace does
not list could be meant as a member or not: it gets no fix.`,
	},
	Check: checkCargoWorkspaceInvalid,
}

func init() { register(CargoWorkspaceInvalid) }

func checkCargoWorkspaceInvalid(p *Pass) {
	for _, pr := range p.Snap.Cargo().Invalid {
		d := diag.Diagnostic{Path: pr.Path, Message: pr.Msg, Fix: excludeFix(p.Snap, pr)}
		d.At(spanOf(pr.Pos.Line, pr.Pos.Column, pr.Pos.EndLine, pr.Pos.EndColumn))
		p.Report(d)
	}
}

// memberGlobProblems runs cargo.MemberGlobProblems over every workspace with
// a glob in `members`, on the directories of a clean checkout.
func (s *Snapshot) memberGlobProblems(model *CargoModel) []cargo.Problem {
	var globbed []*cargo.Manifest
	for _, r := range model.Roots {
		if w := r.Manifest.Workspace; w != nil && slices.ContainsFunc(w.Members, func(g string) bool { return strings.ContainsAny(g, "*?[") }) {
			globbed = append(globbed, r.Manifest)
		}
	}
	if len(globbed) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, e := range s.Repo.Entries() {
		for d := path.Dir(e.Path); d != "." && !set[d]; d = path.Dir(d) {
			set[d] = true
		}
	}
	dirs := make([]string, 0, len(set))
	for d := range set {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	has := func(dir string) bool {
		_, ok := s.Repo.Entry(dir + "/Cargo.toml")
		return ok || s.Exists(dir+"/Cargo.toml")
	}
	var out []cargo.Problem
	for _, w := range globbed {
		out = append(out, cargo.MemberGlobProblems(w, dirs, has)...)
	}
	return out
}

// excludeFix adds the problem's directory to `workspace.exclude`, when one
// edit fixes it (cargo.ExcludeEdit).
func excludeFix(s *Snapshot, pr cargo.Problem) *diag.Fix {
	if pr.Exclude == "" {
		return nil
	}
	src, err := s.ReadFile(pr.Path)
	if err != nil {
		return nil
	}
	e, ok := cargo.ExcludeEdit(pr.Path, src, pr.Exclude)
	if !ok {
		return nil
	}
	return &diag.Fix{
		Applicability: diag.Unsafe,
		Description:   fmt.Sprintf("add %q to workspace.exclude in %s", pr.Exclude, pr.Path),
		Actions:       []diag.Action{{Kind: diag.ActionEdit, Path: pr.Path, Edits: []diag.TextEdit{{Start: e.Start, End: e.End, NewText: e.Text}}}},
	}
}
