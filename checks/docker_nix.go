package checks

import (
	"fmt"
	"path"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/nix"
	"github.com/lockguard/lockguard/internal/repo"
)

// LG302: nix in a Dockerfile evaluates a flake from a git repository whose
// .git was copied into the image, and a file the flake needs is untracked
// there. Also the Dockerfile side of LG401: which flake a nix command in a
// RUN evaluates.

var DockerNixUntrackedFile = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG302",
		Name:     "docker-nix-untracked-file",
		Summary:  "A nix command in a Dockerfile evaluates a flake from the copied .git, and a file the flake needs is untracked in it",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A COPY of the whole build context (` + "`COPY . .`" + `, ` + "`COPY ./ /src`" + `) brings the
repository's .git into the image (.dockerignore does not exclude it). A nix
command run later on a flake in that directory (nix build, develop, run,
shell, eval, flake …) then treats the directory as a git repository and sees
only the files the copied index tracks. A file the flake references
(cargoLock.lockFile = ./backend/Cargo.lock, src = ./backend, …) that is not
tracked there is invisible to Nix, even though it is in the image:

  - a RUN generated it (` + "`cargo generate-lockfile`" + `, a redirection, …), earlier
    or earlier in the same RUN, and the host never committed it; or
  - it exists on the host but is untracked or ignored by git, and the COPY
    brought it in.

Evaluation then fails with "path '/nix/store/…-source/backend/Cargo.lock'
does not exist" (or, for a file under a source directory, the build fails
with "Missing Cargo.lock from src"). This is attempts 3, 4 and 5 of the
Cargo.lock incident: the lock was generated inside the image, so Nix never
saw it.

Bad:

    COPY . .
    RUN cargo generate-lockfile --manifest-path backend/Cargo.toml
    RUN nix build .#backend       # the flake reads ./backend/Cargo.lock

Good: generate the file on the host and commit it (` + "`lockguard fix`" + ` does this for
Cargo.lock), and drop the generating RUN; or keep .git out of the image, so
that Nix copies the directory as a plain path:

    # .dockerignore
    .git

A ` + "`path:`" + ` flake reference (nix build path:.#backend) does not use git and is not
reported.

Fix (safe, only for a file that is untracked on the host): stage it with
git add. A generated file has no automatic fix.`,
	},
	Check: checkDockerNixUntracked,
}

func init() { register(DockerNixUntrackedFile) }

// stageInstr is an instruction of a stage's ancestry, in build order.
type stageInstr struct {
	st *dockerfile.Stage
	in *dockerfile.Instr
}

// stageChain lists the instructions of st's ancestry (FROM <stage>) and of
// st itself, in build order; nil when the ancestry is not sound.
func stageChain(df *DockerFile, st *dockerfile.Stage) []stageInstr {
	var chain []*dockerfile.Stage
	for a := st; a != nil; a = a.FromStage {
		chain = append([]*dockerfile.Stage{a}, chain...)
		if len(chain) > len(df.File.Stages) {
			return nil
		}
	}
	var out []stageInstr
	for _, a := range chain {
		for _, in := range a.Instrs {
			out = append(out, stageInstr{a, in})
		}
	}
	return out
}

func instrsOf(list []stageInstr) []*dockerfile.Instr {
	out := make([]*dockerfile.Instr, len(list))
	for i, si := range list {
		out[i] = si.in
	}
	return out
}

// flakeRefDir splits "?dir=sub" off a flake reference: the reference
// without its query, and the subdirectory.
func flakeRefDir(ref string) (string, string) {
	base, q, ok := strings.Cut(ref, "?")
	if !ok {
		return ref, ""
	}
	for _, kv := range strings.Split(q, "&") {
		if v, ok := strings.CutPrefix(kv, "dir="); ok {
			return base, v
		}
	}
	return base, ""
}

// localFlakeImageDir resolves a flake reference of a command to an absolute
// directory ("" for remote references or an unknown directory).
func localFlakeImageDir(ref, cwd string) string {
	base, sub := flakeRefDir(ref)
	d := dockerfile.LocalFlakeDir(base, cwd)
	if d == "" {
		return ""
	}
	if sub != "" {
		d = path.Join(d, sub)
	}
	return d
}

// flakeByDir returns the analysed flake whose directory is dir.
func (s *Snapshot) flakeByDir(dir string) *nix.Flake {
	for _, f := range s.Flakes().Flakes {
		if f.Dir == dir {
			return f
		}
	}
	return nil
}

// imageFlake finds the flake a nix command evaluates when it names the
// image directory dir: the nearest flake.nix at or above dir that a COPY
// from the context put there (Nix searches upwards). It returns the
// flake, and its directory in the image.
func (s *Snapshot) imageFlake(ctx *DockerContext, prior []*dockerfile.Instr, dir string) (*nix.Flake, string) {
	for d := dir; d != ""; d = path.Dir(d) {
		if rel, ok := s.latestLanding(ctx, prior, path.Join(d, "flake.nix")); ok {
			if f := s.flakeByDir(dirOf(join(ctx.Dir, rel))); f != nil && path.Base(rel) == "flake.nix" {
				return f, d
			}
			return nil, ""
		}
		if d == "/" {
			break
		}
	}
	return nil, ""
}

// gitCopy is a COPY that put the repository's .git into the image.
type gitCopy struct {
	in   *dockerfile.Instr
	root string // image directory holding .git
}

// gitRootFor returns the COPY that put .git at the nearest ancestor of dir
// before the instruction at position upto of list (a later `rm -rf .git`
// removes it again). ok is false when .git is not in the image there:
// the context is not the repository root, the ignore file or --exclude
// keeps it out, or no COPY copies the context root.
func (s *Snapshot) gitRootFor(ctx *DockerContext, list []stageInstr, upto int, dir string) (gitCopy, bool) {
	if ctx.Dir != "" || ctx.Ignore.Excluded(".git", true) {
		return gitCopy{}, false
	}
	if fi, err := s.Repo.Lstat(".git"); err != nil || !fi.IsDir() {
		return gitCopy{}, false
	}
	var best gitCopy
	found := false
	for i := 0; i < upto && i < len(list); i++ {
		in := list[i].in
		if c := in.Copy; c != nil && c.FromContext() && !c.Heredoc {
			copiesRoot := false
			for _, src := range c.Sources {
				if r, ok := ctxRel(src); ok && r == "." && !isRemoteSource(src) {
					copiesRoot = true
				}
			}
			if !copiesRoot {
				continue
			}
			t, ok := c.Target(".git/config")
			if !ok {
				continue
			}
			root := path.Dir(path.Dir(t))
			if root == "/" || dir == root || strings.HasPrefix(dir, root+"/") {
				if !found || len(root) >= len(best.root) {
					best, found = gitCopy{in: in, root: root}, true
				}
			}
		}
		if in.Run != nil && found {
			for _, c := range in.Run.Commands {
				if removesPath(c, best.root+"/.git") {
					found = false
				}
			}
		}
	}
	return best, found
}

// removesPath reports whether c is an rm of p (or of a parent of p).
func removesPath(c dockerfile.Command, p string) bool {
	if c.Name() != "rm" {
		return false
	}
	for i, a := range c.Args {
		if i == 0 || (i < len(c.Dynamic) && c.Dynamic[i]) || strings.HasPrefix(a, "-") {
			continue
		}
		if c.Dir == "" && !path.IsAbs(a) {
			continue
		}
		t := a
		if !path.IsAbs(t) {
			t = path.Join(c.Dir, t)
		}
		t = path.Clean(t)
		if t == p || strings.HasPrefix(p, t+"/") {
			return true
		}
	}
	return false
}

// fileEvent is the last thing that put a file into the image before a
// nix command: a RUN generated it, or a COPY brought the host's file.
type fileEvent struct {
	gen    *genEvent
	copyIn *dockerfile.Instr
	rel    string // for a COPY: the context-relative source
}

func checkDockerNixUntracked(p *Pass) {
	s := p.Snap
	seen := map[string]bool{}
	s.eachNixRun(func(df *DockerFile, ctx *DockerContext, st *dockerfile.Stage, list []stageInstr, i int, calls []dockerfile.NixCall) {
		for ci := range calls {
			for _, d := range s.untrackedForNix(df, ctx, list, i, calls, ci) {
				key := fmt.Sprintf("%s:%d:%d:%s", df.Path, d.Line, d.Column, d.Message)
				if !seen[key] {
					seen[key] = true
					p.Report(d)
				}
			}
		}
	})
}

// eachNixRun calls f for every RUN that runs nix commands, in every
// Dockerfile, build context and stage: list is the stage's chain of
// instructions (through FROM <stage>) and list[i] is the RUN.
func (s *Snapshot) eachNixRun(f func(df *DockerFile, ctx *DockerContext, st *dockerfile.Stage, list []stageInstr, i int, calls []dockerfile.NixCall)) {
	for _, df := range s.Docker().Files {
		if df.File == nil {
			continue
		}
		for _, ctx := range df.Contexts {
			if ctx.Unknown && len(df.Contexts) > 1 && ctx.Dir != dirOf(df.Path) {
				continue // the replay runs against the Dockerfile's directory only
			}
			for _, st := range df.File.Stages {
				list := stageChain(df, st)
				for i, si := range list {
					if si.st != st || si.in.Run == nil {
						continue
					}
					if calls := dockerfile.NixInvocations(si.in.Run.Commands); len(calls) > 0 {
						f(df, ctx, st, list, i, calls)
					}
				}
			}
		}
	}
}

// untrackedForNix reports the files the flake of calls[ci] (a command of
// the RUN list[at]) needs but cannot see.
func (s *Snapshot) untrackedForNix(df *DockerFile, ctx *DockerContext, list []stageInstr, at int, calls []dockerfile.NixCall, ci int) []diag.Diagnostic {
	call := calls[ci]
	if call.Legacy || call.FlakeRef == "" || call.Cmd.InNixDevelop || strings.HasPrefix(call.FlakeRef, "path:") {
		return nil
	}
	dir := localFlakeImageDir(call.FlakeRef, call.Cmd.Dir)
	if dir == "" {
		return nil
	}
	gc, ok := s.gitRootFor(ctx, list, at+1, dir)
	if !ok {
		return nil
	}
	// Nix looks upwards from dir for flake.nix, up to the git root.
	var flake *nix.Flake
	rel := strings.TrimPrefix(strings.TrimPrefix(dir, gc.root), "/")
	if gc.root == "/" {
		rel = strings.TrimPrefix(dir, "/")
	}
	for d := rel; ; d = dirOf(d) {
		if flake = s.flakeByDir(d); flake != nil || d == "" {
			break
		}
	}
	if flake == nil {
		return nil
	}
	imagePath := func(p string) string { return path.Join(gc.root, p) }
	repoPath := func(img string) (string, bool) {
		if gc.root == "/" {
			return strings.TrimPrefix(img, "/"), true
		}
		r, ok := strings.CutPrefix(img, gc.root+"/")
		return r, ok
	}

	// What the flake references: exact files, and directories whose files
	// it sees (for those, the Cargo.lock files of the roots below them
	// are the host files worth checking).
	refFor := func(p string) (nix.Ref, bool) {
		var best nix.Ref
		found := false
		for _, r := range flake.Refs {
			if r.Dynamic || r.Absolute || r.Outside || r.Kind == nix.RefInput {
				continue
			}
			if r.Path == p {
				return r, true
			}
			if !found && under(p, r.Path) && s.refIsDir(r) {
				best, found = r, true
			}
		}
		return best, found
	}
	candidates := map[string]bool{}
	for _, r := range flake.Refs {
		if r.Dynamic || r.Absolute || r.Outside || r.Kind == nix.RefInput {
			continue
		}
		if s.refIsDir(r) {
			for _, root := range s.Cargo().Roots {
				if under(root.LockPath(), r.Path) {
					candidates[root.LockPath()] = true
				}
			}
			continue
		}
		if r.Path != "" {
			candidates[r.Path] = true
		}
	}

	// Replay the instructions up to the nix command: the last event that
	// put each file into the image.
	last := map[string]fileEvent{}
	var order []string
	set := func(p string, e fileEvent) {
		if _, ok := last[p]; !ok {
			order = append(order, p)
		}
		last[p] = e
	}
	for i := 0; i <= at; i++ {
		in := list[i].in
		if c := in.Copy; c != nil && c.FromContext() && !c.Heredoc && i < at {
			for p := range candidates {
				if src, ok := s.landing(ctx, c, imagePath(p)); ok {
					set(p, fileEvent{copyIn: in, rel: src})
				}
			}
			// A COPY also replaces generated files it lands on.
			for p, e := range last {
				if e.gen != nil {
					if src, ok := s.landing(ctx, c, imagePath(p)); ok {
						set(p, fileEvent{copyIn: in, rel: src})
					}
				}
			}
		}
		if in.Run == nil {
			continue
		}
		gens := s.runGenerated(ctx, in, instrsOf(list[:i]))
		for gi := range gens {
			g := gens[gi]
			if i == at && g.cmd.Index >= call.Cmd.Index {
				continue
			}
			if g.file.Generator != nil && strings.HasPrefix(g.file.Generator.Command, "nix ") {
				continue // flake.lock written by nix itself
			}
			if p, ok := repoPath(g.file.Path); ok && p != "" {
				set(p, fileEvent{gen: &g})
			}
		}
	}

	var out []diag.Diagnostic
	for _, p := range order {
		e := last[p]
		ref, ok := refFor(p)
		if !ok {
			continue
		}
		st := s.Repo.Status(p)
		if e.gen != nil {
			if st.State == repo.StateCommitted || st.State == repo.StateConflicted {
				continue
			}
		} else if st.State != repo.StateUntracked && st.State != repo.StateIgnored {
			// Committed: Nix sees it. Intent-to-add: the copied index has
			// it, so local Nix sees it too (LG201 warns that a commit
			// would not include it).
			continue
		}
		out = append(out, s.nixUntrackedDiag(df, ctx, list[at].in, calls, ci, flake, gc, p, ref, e, st))
	}
	return out
}

// refIsDir reports whether a reference names a directory (a source
// directory, or a path that is a directory in the repository).
func (s *Snapshot) refIsDir(r nix.Ref) bool {
	if r.Path == "" || r.Kind == nix.RefDirSource {
		return true
	}
	if r.Kind == nix.RefRead || r.Kind == nix.RefImport {
		return false
	}
	if len(s.Repo.TrackedUnder(r.Path)) > 0 {
		return true
	}
	fi, err := s.Repo.Lstat(r.Path)
	return err == nil && fi.IsDir()
}

func (s *Snapshot) nixUntrackedDiag(df *DockerFile, ctx *DockerContext, in *dockerfile.Instr, calls []dockerfile.NixCall, ci int, flake *nix.Flake, gc gitCopy, p string, ref nix.Ref, e fileEvent, st repo.Status) diag.Diagnostic {
	call := calls[ci]
	sub := "nix " + call.Sub
	if call.Action != "" {
		sub += " " + call.Action
	}
	var origin string
	var related []diag.Related
	d := diag.Diagnostic{Path: df.Path}
	if g := e.gen; g != nil {
		runLine := g.cmd.Line
		if runLine < g.in.StartLine || runLine > g.in.EndLine {
			runLine = g.in.StartLine
		}
		where := fmt.Sprintf("the RUN at line %d", runLine)
		if g.in == in {
			where = "an earlier command of this RUN"
		}
		origin = fmt.Sprintf("%s generated it in the image (`%s`), and the host never committed it", where, commandText(g.cmd))
		related = append(related, diag.Related{Path: df.Path, Line: runLine, Column: firstCol(df.File, runLine, g.cmd), Message: fmt.Sprintf("%s generated here by `%s`, untracked in the copied repository", p, commandText(g.cmd))})
		d.Help = fmt.Sprintf("generate %s on the host and commit it (`lockguard fix` does this for Cargo.lock), or add .git to %s", p, ignoreFileName(ctx))
	} else {
		state := "untracked"
		if st.State == repo.StateIgnored {
			state = "ignored by git (" + ignoreReason(st) + ")"
		}
		origin = fmt.Sprintf("it is uncommitted on the host (%s), and the %s at line %d brought it in as an untracked file", state, keyword(df.File, e.copyIn), e.copyIn.StartLine)
		related = append(related, diag.Related{Path: df.Path, Line: e.copyIn.StartLine, Column: keywordSpan(df.File, e.copyIn).Column, Message: fmt.Sprintf("%s copied here from the host, where it is %s", p, state)})
		d.Help = fmt.Sprintf("commit %s on the host (git add %s), or add .git to %s", p, p, ignoreFileName(ctx))
		d.Fix = stageFix(p, st)
	}
	if gc.in != e.copyIn {
		related = append(related, diag.Related{Path: df.Path, Line: gc.in.StartLine, Column: keywordSpan(df.File, gc.in).Column, Message: fmt.Sprintf(".git copied into %s here", gc.root)})
	}
	related = append(related, diag.Related{Path: ref.File, Line: ref.Line, Column: ref.Column, Message: fmt.Sprintf("the flake references %s here", p)})
	consequence := nixFailure(p)
	if ref.Path != p {
		consequence = fmt.Sprintf("Nix leaves it out of the source %s", refText(ref))
		if path.Base(p) == "Cargo.lock" {
			consequence += ", and the build fails with \"Missing Cargo.lock from src\""
		}
	}
	d.Message = fmt.Sprintf("`%s` evaluates %s as part of the git repository copied to %s (.git is in the image), so it sees only tracked files, and %s is not tracked there: %s; %s",
		sub, flake.Path, gc.root, p, origin, consequence)
	d.Related = related
	d.At(nixCallSpan(df.Src, calls, ci))
	return d
}
