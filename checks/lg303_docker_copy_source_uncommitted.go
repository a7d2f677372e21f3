package checks

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

var DockerCopySourceUncommitted = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG303",
		Name:     "docker-copy-source-uncommitted",
		Summary:  "A COPY/ADD source is not committed, or is excluded by .dockerignore",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A COPY or ADD from the build context names an explicit source path (a file or
a directory, not a glob and not ".") that a clean checkout does not have:
it is missing (neither in the index nor on disk), untracked, ignored by git,
or only intent-to-add (git add -N) — or it is excluded from the build context
by the applicable .dockerignore. The build works on the laptop that has the
file and fails in CI (or everywhere, for an excluded file) with

    COPY failed: file not found in build context

A directory source counts as committed when a tracked file is under it.

The build context is the one the repository really builds with, not the
Dockerfile's directory by assumption. In order:

  1. [[docker.build]] in lockguard.toml (dockerfile, context) wins;
  2. the places that build the Dockerfile: GitHub Actions
     (docker/build-push-action context/file/build-args/target, with
     matrix values expanded; docker build / docker buildx build in run:
     steps, with working-directory), GitLab CI scripts, shell scripts,
     Makefile recipes (simple variables substituted) and justfile recipes
     (docker build [-f FILE] CONTEXT, docker buildx build, podman build,
     buildah bud), docker-bake.hcl/json targets (context, dockerfile,
     args, inherits) and compose files — the standard names, and any file
     a script or CI job passes with -f. A Dockerfile built several ways is
     checked once per distinct context. The finding's note names the file
     and line that set the context.
  3. when nothing builds it: its directory or the repository root,
     whichever all its COPY/ADD sources resolve against. When neither (or
     both) does, the context is unknown, and only sources that exist on
     disk but are not committed are reported — never "does not exist".

What the build supplies is not missing:
  - ARGs: a source holding an ARG without a known value (BuildKit's
    TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT, BUILDPLATFORM,
    BUILDOS, BUILDARCH, BUILDVARIANT; an ARG without default that no known
    --build-arg, build-args or bake/compose args sets) is not judged;
  - artifacts: a missing source that an earlier step of the same CI job,
    recipe or script creates (actions/download-artifact, cargo build, nix
    build, go build -o, make, cp/mv/curl/wget/tar into the context, a
    repository script or npm/yarn/pnpm run, GitLab artifacts of other
    jobs), that the repository's ignore rules exclude,
    or that lies under target/, dist/, bin/, out/ or a nix result link;
  - a source inside a submodule, and stages the built target does not need.
An ignored source that exists on disk is still reported: a clean checkout
does not have it.

Fix (safe): stage the file with git add when it exists (an ignored file needs
` + "`lockguard fix --force`" + `). A missing file has no fix, and neither has a file
the .dockerignore excludes: the message names the ignore file's line; remove
that pattern or add an exception (!path).`,
	},
	Check: checkCopySourceUncommitted,
}

// ---- LG303 ----

func checkCopySourceUncommitted(p *Pass) {
	s := p.Snap
	for _, df := range s.Docker().Files {
		if df.File == nil {
			continue
		}
		seen := map[string]bool{}
		for _, ctx := range df.Contexts {
			for _, st := range ctx.Stages() {
				for _, in := range st.Instrs {
					c := in.Copy
					if c == nil || !c.FromContext() || c.Heredoc {
						continue
					}
					for i, src := range c.Sources {
						if !c.SourceResolved(i) {
							continue // an ARG the build supplies: the path is not known
						}
						d := copySourceDiag(s, df, ctx, in, src)
						if d == nil {
							continue
						}
						key := fmt.Sprintf("%d\x00%s\x00%s", in.StartLine, src, d.Message)
						if ctx.Unknown {
							key = fmt.Sprintf("%d\x00%s", in.StartLine, src)
						}
						if seen[key] {
							continue
						}
						seen[key] = true
						p.Report(*d)
					}
				}
			}
		}
	}
}

func copySourceDiag(s *snapshot.Snapshot, df *snapshot.DockerFile, ctx *snapshot.DockerContext, in *snapshot.Instr, src string) *diag.Diagnostic {
	if snapshot.IsRemoteSource(src) {
		return nil
	}
	rel, ok := snapshot.CtxRel(src)
	if !ok || rel == "." || snapshot.HasGlob(rel) {
		return nil
	}
	kw := snapshot.Keyword(df.File, in)
	file := snapshot.Join(ctx.Dir, rel)
	name := rel
	if ctx.Dir != "" {
		name = fmt.Sprintf("%s (%s in the repository)", rel, file)
	}
	if !ctx.Unknown && (len(df.Contexts) > 1 || ctx.Dir != snapshot.DirOf(df.Path)) {
		name += " in the build context " + snapshot.Display(ctx.Dir) // the related note says what sets it
	}
	const fails = "the build fails with \"COPY failed: file not found in build context\""
	st := s.Repo.Status(file)
	d := &diag.Diagnostic{Path: df.Path, Related: snapshot.ContextNote(ctx)}
	if ctx.Unknown && (st.State == snapshot.StateMissing || st.State == snapshot.StateCommitted) {
		// Nothing names the context: only a file on disk that a commit
		// would leave out is judged.
		return nil
	}
	switch st.State {
	case snapshot.StateMissing:
		if s.ArtifactOf(ctx, file, st) {
			return nil
		}
		d.Message = fmt.Sprintf("%s source %s does not exist (it is neither in the index nor on disk): %s", kw, name, fails)
		d.Help = fmt.Sprintf("create and commit %s, or fix the path in the %s", file, kw)
	case snapshot.StateCommitted, snapshot.StateUntracked, snapshot.StateIgnored, snapshot.StateIntentToAdd:
		isDir := len(s.Repo.TrackedUnder(file)) > 0
		if fi, err := s.Repo.Lstat(file); err == nil && fi.IsDir() {
			isDir = true
		}
		excluded := ctx.Ignore.Excluded(rel, false)
		if isDir {
			excluded = !ctx.Ignore.DirInContext(rel, trackedBelow(s, ctx, file))
		}
		if !ctx.Unknown && excluded {
			where := ctx.IgnorePath
			help := fmt.Sprintf("remove the pattern in %s that excludes %s, or stop copying it", ctx.IgnorePath, rel)
			if line, pat, ok := ctx.Ignore.Match(rel); ok {
				where = fmt.Sprintf("%s line %d (%q)", ctx.IgnorePath, line, pat)
				help = fmt.Sprintf("remove the pattern %q at %s line %d (or add the exception \"!%s\"), or stop copying %s", pat, ctx.IgnorePath, line, rel, rel)
			}
			d.Message = fmt.Sprintf("%s source %s is excluded from the build context by %s: %s", kw, name, where, fails)
			d.Help = help
			break
		}
		switch st.State {
		case snapshot.StateUntracked:
			d.Message = fmt.Sprintf("%s source %s is untracked: a clean checkout (CI) does not have it, and there %s", kw, name, fails)
			d.Help = fmt.Sprintf("git add %s", file)
		case snapshot.StateIgnored:
			reason := snapshot.IgnoreReason(st)
			d.Message = fmt.Sprintf("%s source %s is ignored by git (%s): it is never committed, so on a clean checkout (CI) %s", kw, name, reason, fails)
			d.Help = fmt.Sprintf("remove the ignore rule at %s, then git add %s", reason, file)
		case snapshot.StateIntentToAdd:
			d.Message = fmt.Sprintf("%s source %s is only intent-to-add (git add -N): git commit will not commit it, so on a clean checkout (CI) %s", kw, name, fails)
			d.Help = fmt.Sprintf("git add %s", file)
		default:
			return nil
		}
		d.Fix = snapshot.StageFix(file, st)
	default:
		return nil
	}
	d.At(sourceSpan(df.File, in, src))
	return d
}

// trackedBelow lists the tracked files under the directory file (a
// repository path), relative to the context of ctx.
func trackedBelow(s *snapshot.Snapshot, ctx *snapshot.DockerContext, file string) []string {
	var out []string
	for _, e := range s.Repo.TrackedUnder(file) {
		rel := e.Path
		if ctx.Dir != "" {
			rel = strings.TrimPrefix(rel, ctx.Dir+"/")
		}
		out = append(out, rel)
	}
	return out
}

// sourceSpan spans a COPY source on the instruction's lines, else the keyword.
func sourceSpan(f *snapshot.File, in *snapshot.Instr, src string) diag.Span {
	for line := in.StartLine; line <= in.EndLine && line <= len(f.Lines); line++ {
		start := 1
		if line == in.StartLine {
			start = snapshot.KeywordSpan(f, in).EndColumn
		}
		for _, cand := range []string{src, strings.TrimPrefix(src, "./")} {
			if c, e := spanFrom(f, line, cand, start); c > 0 {
				return snapshot.SpanOf(line, c, line, e)
			}
		}
	}
	return snapshot.KeywordSpan(f, in)
}

// spanFrom is File.Span restricted to columns ≥ from.
func spanFrom(f *snapshot.File, line int, substr string, from int) (int, int) {
	if substr == "" || line < 1 || line > len(f.Lines) {
		return 0, 0
	}
	l := f.Lines[line-1]
	skip := 0
	for i := range l {
		if utf8.RuneCountInString(l[:i])+1 >= from {
			skip = i
			break
		}
		skip = len(l)
	}
	sub := &snapshot.File{Lines: []string{l[skip:]}}
	c, e := sub.Span(1, substr)
	if c == 0 {
		return 0, 0
	}
	base := utf8.RuneCountInString(l[:skip])
	return c + base, e + base
}
