package checks

import (
	"fmt"
	"path"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
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

A ` + "`path:`" + ` flake reference (nix build path:.#backend) does not use git and is not
reported.

Fix (safe, only for a file that is untracked on the host): stage it with
git add. A generated file has no automatic fix.`,
	},
	Check: checkDockerNixUntracked,
}

// gitCopy is a COPY that put the repository's .git into the image.
type gitCopy struct {
	in   *snapshot.Instr
	root string // image directory holding .git
}

// gitRootFor returns the COPY that put .git at the nearest ancestor of dir
// before the instruction at position upto of list (a later `rm -rf .git`
// removes it again). ok is false when .git is not in the image there:
// the context is not the repository root, the ignore file or --exclude
// keeps it out, or no COPY copies the context root.
func gitRootFor(s *snapshot.Snapshot, ctx *snapshot.DockerContext, list []snapshot.StageInstr, upto int, dir string) (gitCopy, bool) {
	if ctx.Dir != "" || ctx.Ignore.Excluded(".git", true) {
		return gitCopy{}, false
	}
	if fi, err := s.Repo.Lstat(".git"); err != nil || !fi.IsDir() {
		return gitCopy{}, false
	}
	var best gitCopy
	found := false
	for i := 0; i < upto && i < len(list); i++ {
		in := list[i].In
		if c := in.Copy; c != nil && c.FromContext() && !c.Heredoc {
			copiesRoot := false
			for _, src := range c.Sources {
				if r, ok := snapshot.CtxRel(src); ok && r == "." && !snapshot.IsRemoteSource(src) {
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
func removesPath(c snapshot.Command, p string) bool {
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
	gen    *snapshot.GenEvent
	copyIn *snapshot.Instr
	rel    string // for a COPY: the context-relative source
}

func checkDockerNixUntracked(p *Pass) {
	s := p.Snap
	seen := map[string]bool{}
	s.EachNixRun(func(df *snapshot.DockerFile, ctx *snapshot.DockerContext, st *snapshot.Stage, list []snapshot.StageInstr, i int, calls []snapshot.NixCall) {
		for ci := range calls {
			for _, d := range untrackedForNix(s, df, ctx, list, i, calls, ci) {
				key := fmt.Sprintf("%s:%d:%d:%s", df.Path, d.Line, d.Column, d.Message)
				if !seen[key] {
					seen[key] = true
					p.Report(d)
				}
			}
		}
	})
}

// untrackedForNix reports the files the flake of calls[ci] (a command of
// the RUN list[at]) needs but cannot see.
func untrackedForNix(s *snapshot.Snapshot, df *snapshot.DockerFile, ctx *snapshot.DockerContext, list []snapshot.StageInstr, at int, calls []snapshot.NixCall, ci int) []diag.Diagnostic {
	call := calls[ci]
	if call.Legacy || call.FlakeRef == "" || call.Cmd.InNixDevelop || strings.HasPrefix(call.FlakeRef, "path:") {
		return nil
	}
	dir := snapshot.LocalFlakeImageDir(call.FlakeRef, call.Cmd.Dir)
	if dir == "" {
		return nil
	}
	gc, ok := gitRootFor(s, ctx, list, at+1, dir)
	if !ok {
		return nil
	}
	// Nix looks upwards from dir for flake.nix, up to the git root.
	var flake *snapshot.Flake
	rel := strings.TrimPrefix(strings.TrimPrefix(dir, gc.root), "/")
	if gc.root == "/" {
		rel = strings.TrimPrefix(dir, "/")
	}
	for d := rel; ; d = snapshot.DirOf(d) {
		if flake = s.FlakeByDir(d); flake != nil || d == "" {
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
	refFor := func(p string) (snapshot.Ref, bool) {
		var best snapshot.Ref
		found := false
		for _, r := range flake.Refs {
			if r.Dynamic || r.Absolute || r.Outside || r.Kind == snapshot.RefInput {
				continue
			}
			if r.Path == p {
				return r, true
			}
			if !found && snapshot.Under(p, r.Path) && refIsDir(s, r) {
				best, found = r, true
			}
		}
		return best, found
	}
	candidates := map[string]bool{}
	for _, r := range flake.Refs {
		if r.Dynamic || r.Absolute || r.Outside || r.Kind == snapshot.RefInput {
			continue
		}
		if refIsDir(s, r) {
			for _, root := range s.Cargo().Roots {
				if snapshot.Under(root.LockPath(), r.Path) {
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
		in := list[i].In
		if c := in.Copy; c != nil && c.FromContext() && !c.Heredoc && i < at {
			for p := range candidates {
				if src, ok := s.Landing(ctx, c, imagePath(p)); ok {
					set(p, fileEvent{copyIn: in, rel: src})
				}
			}
			// A COPY also replaces generated files it lands on.
			for p, e := range last {
				if e.gen != nil {
					if src, ok := s.Landing(ctx, c, imagePath(p)); ok {
						set(p, fileEvent{copyIn: in, rel: src})
					}
				}
			}
		}
		if in.Run == nil {
			continue
		}
		gens := s.RunGenerated(ctx, in, snapshot.InstrsOf(list[:i]))
		for gi := range gens {
			g := gens[gi]
			if i == at && g.Cmd.Index >= call.Cmd.Index {
				continue
			}
			if g.File.Generator != nil && strings.HasPrefix(g.File.Generator.Command, "nix ") {
				continue // flake.lock written by nix itself
			}
			if p, ok := repoPath(g.File.Path); ok && p != "" {
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
			if st.State == snapshot.StateCommitted || st.State == snapshot.StateConflicted {
				continue
			}
		} else if st.State != snapshot.StateUntracked && st.State != snapshot.StateIgnored {
			// Committed: Nix sees it. Intent-to-add: the copied index has
			// it, so local Nix sees it too (LG201 warns that a commit
			// would not include it).
			continue
		}
		out = append(out, nixUntrackedDiag(s, df, ctx, list[at].In, calls, ci, flake, gc, p, ref, e, st))
	}
	return out
}

// refIsDir reports whether a reference names a directory (a source
// directory, or a path that is a directory in the repository).
func refIsDir(s *snapshot.Snapshot, r snapshot.Ref) bool {
	if r.Path == "" || r.Kind == snapshot.RefDirSource {
		return true
	}
	if r.Kind == snapshot.RefRead || r.Kind == snapshot.RefImport {
		return false
	}
	if len(s.Repo.TrackedUnder(r.Path)) > 0 {
		return true
	}
	fi, err := s.Repo.Lstat(r.Path)
	return err == nil && fi.IsDir()
}

func nixUntrackedDiag(s *snapshot.Snapshot, df *snapshot.DockerFile, ctx *snapshot.DockerContext, in *snapshot.Instr, calls []snapshot.NixCall, ci int, flake *snapshot.Flake, gc gitCopy, p string, ref snapshot.Ref, e fileEvent, st snapshot.Status) diag.Diagnostic {
	call := calls[ci]
	sub := "nix " + call.Sub
	if call.Action != "" {
		sub += " " + call.Action
	}
	var origin string
	var related []diag.Related
	d := diag.Diagnostic{Path: df.Path}
	if g := e.gen; g != nil {
		runLine := g.Cmd.Line
		if runLine < g.In.StartLine || runLine > g.In.EndLine {
			runLine = g.In.StartLine
		}
		where := fmt.Sprintf("the RUN at line %d", runLine)
		if g.In == in {
			where = "an earlier command of this RUN"
		}
		origin = fmt.Sprintf("%s generated it in the image (`%s`), and the host never committed it", where, snapshot.CommandText(g.Cmd))
		related = append(related, diag.Related{Path: df.Path, Line: runLine, Column: snapshot.FirstCol(df.File, runLine, g.Cmd), Message: fmt.Sprintf("%s generated here by `%s`, untracked in the copied repository", p, snapshot.CommandText(g.Cmd))})
		d.Help = fmt.Sprintf("generate %s on the host and commit it (`lockguard fix` does this for Cargo.lock), or add .git to %s", p, snapshot.IgnoreFileName(ctx))
	} else {
		state := "untracked"
		if st.State == snapshot.StateIgnored {
			state = "ignored by git (" + snapshot.IgnoreReason(st) + ")"
		}
		origin = fmt.Sprintf("it is uncommitted on the host (%s), and the %s at line %d brought it in as an untracked file", state, snapshot.Keyword(df.File, e.copyIn), e.copyIn.StartLine)
		related = append(related, diag.Related{Path: df.Path, Line: e.copyIn.StartLine, Column: snapshot.KeywordSpan(df.File, e.copyIn).Column, Message: fmt.Sprintf("%s copied here from the host, where it is %s", p, state)})
		d.Help = fmt.Sprintf("commit %s on the host (git add %s), or add .git to %s", p, p, snapshot.IgnoreFileName(ctx))
		d.Fix = snapshot.StageFix(p, st)
	}
	if gc.in != e.copyIn {
		related = append(related, diag.Related{Path: df.Path, Line: gc.in.StartLine, Column: snapshot.KeywordSpan(df.File, gc.in).Column, Message: fmt.Sprintf(".git copied into %s here", gc.root)})
	}
	related = append(related, diag.Related{Path: ref.File, Line: ref.Line, Column: ref.Column, Message: fmt.Sprintf("the flake references %s here", p)})
	consequence := snapshot.NixFailure(p)
	if ref.Path != p {
		consequence = fmt.Sprintf("Nix leaves it out of the source %s", snapshot.RefText(ref))
		if path.Base(p) == "Cargo.lock" {
			consequence += ", and the build fails with \"Missing Cargo.lock from src\""
		}
	}
	d.Message = fmt.Sprintf("`%s` evaluates %s as part of the git repository copied to %s (.git is in the image), so it sees only tracked files, and %s is not tracked there: %s; %s",
		sub, flake.Path, gc.root, p, origin, consequence)
	d.Related = related
	d.At(snapshot.NixCallSpan(df.Src, calls, ci))
	return d
}
