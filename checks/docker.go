package checks

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/repo"
)

// LG3xx: Dockerfiles and their build context. LG4xx: nix inside Dockerfiles.

var DockerCopyClobbersGenerated = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG301",
		Name:     "docker-copy-clobbers-generated",
		Summary:  "A COPY from the build context overwrites a file an earlier RUN generated",
		Severity: diag.Error,
		Fixable:  true,
		Unsafe:   true,
		// Doc is completed in init with the generators table.
	},
	Check: checkCopyClobbers,
}

const copyClobbersDoc = `A RUN step generates a file in the image (a lock file such as Cargo.lock, or
any file written by a redirection), and a later COPY or ADD from the build
context — in the same stage or in a stage built FROM it — copies a file of
the context onto the same path. The image then holds the host's file, not the
generated one: the RUN was for nothing, and whatever reads the file next sees
the context's version (or, when the host's copy is stale, a broken one).

This is attempt 4 of the Cargo.lock incident: the final ` + "`COPY . .`" + ` overwrote
the lock that ` + "`cargo generate-lockfile`" + ` had just written.

Only real overwrites are reported: the build context (found as LG303
explains; a context nothing names is not replayed) must hold a file at that path — tracked, or on disk —
that the applicable .dockerignore (Dockerfile-specific <name>.dockerignore
first, else <context>/.dockerignore) does not exclude. A COPY before the RUN
is fine. Generators that only write a missing file are not reported when an
earlier COPY already brought the file from the context.

Bad:

    WORKDIR /build
    COPY backend ./backend/
    RUN cd backend && cargo generate-lockfile
    COPY . .                      # the context's backend/Cargo.lock wins
    RUN nix build .#backend

Good: generate the lock on the host and commit it (no RUN), or keep the
context's copy out of the image:

    # .dockerignore
    backend/Cargo.lock

Fix (unsafe: it changes what every COPY of the context sees): append the
context-relative path to the applicable .dockerignore (created at the context
root when there is none). Review it with ` + "`lockguard fix --diff`" + `, apply it with
` + "`lockguard fix --unsafe-fixes`" + `.

Files that RUN commands generate:

`

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

Bad:

    $ git status --short backend/
    ?? backend/Cargo.lock
    COPY backend/Cargo.lock ./backend/

Good:

    $ git add backend/Cargo.lock

Fix (safe): stage the file with git add when it exists (an ignored file needs
` + "`lockguard fix --force`" + `). A missing file has no fix, and neither has a file
the .dockerignore excludes: the message names the ignore file's line; remove
that pattern or add an exception (!path).`,
	},
	Check: checkCopySourceUncommitted,
}

var NixFlakesNotEnabled = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG402",
		Name:     "nix-flakes-not-enabled",
		Summary:  "A Dockerfile RUN uses the nix CLI without enabling nix-command and flakes",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A RUN runs a command of the new nix CLI (nix build, develop, run, shell,
flake, eval, profile, search, path-info, log, print-dev-env, …) but nothing
enables the experimental features nix-command and flakes for it. Images such
as nixos/nix do not enable them, so the build fails with

    error: experimental Nix feature 'nix-command' is disabled; add '--extra-experimental-features nix-command' to enable it

The features count as enabled by --extra-experimental-features or
--experimental-features (or --option) on the command line naming both, by
NIX_CONFIG (ENV, ARG, export, or VAR=… before the command), or by an earlier
write of a nix.conf in the stage (or earlier in the same RUN).

Bad:

    FROM nixos/nix
    COPY . /src
    RUN cd /src && nix build .#backend

Good:

    RUN cd /src && nix --extra-experimental-features "nix-command flakes" build .#backend

or, for the whole stage:

    ENV NIX_CONFIG="experimental-features = nix-command flakes"

Fix (safe): insert ` + "`--extra-experimental-features \"nix-command flakes\"`" + ` right
after the nix word of each such command. When lockguard cannot locate the
word unambiguously, it reports the finding without a fix.`,
	},
	Check: checkNixFlakesNotEnabled,
}

func init() {
	DockerCopyClobbersGenerated.Doc = copyClobbersDoc + generatorsTable()
	register(DockerCopyClobbersGenerated, DockerCopySourceUncommitted, NixFlakesNotEnabled)
}

// generatorsTable renders dockerfile.Generators for LG301's documentation.
func generatorsTable() string {
	var sb strings.Builder
	for _, g := range dockerfile.Generators {
		when := ""
		if g.IfMissing {
			when = " (only when missing or out of date)"
		}
		fmt.Fprintf(&sb, "  - `%s` writes %s%s: %s\n", g.Command, g.Creates, when, g.Note)
	}
	return strings.TrimSuffix(sb.String(), "\n")
}

// ---- LG301 ----

// genEvent is a file a RUN generates.
type genEvent struct {
	in   *dockerfile.Instr
	cmd  dockerfile.Command
	file dockerfile.GeneratedFile
}

func checkCopyClobbers(p *Pass) {
	s := p.Snap
	for _, df := range s.Docker().Files {
		if df.File == nil {
			continue
		}
		for _, ctx := range df.Contexts {
			if ctx.Unknown || ctx.File == nil {
				continue // no replay against a context nothing names
			}
			for _, st := range ctx.Stages() {
				s.clobbersInStage(p, df, ctx, st)
			}
		}
	}
}

// clobbersInStage walks the stage's ancestry (FROM <stage>) and the stage
// itself, and reports the stage's context COPYs that land on a generated file.
func (s *Snapshot) clobbersInStage(p *Pass, df *DockerFile, ctx *DockerContext, st *dockerfile.Stage) {
	var chain []*dockerfile.Stage
	for a := st; a != nil; a = a.FromStage {
		chain = append([]*dockerfile.Stage{a}, chain...)
		if len(chain) > len(ctx.File.Stages) { // FromStage only names earlier stages; be safe anyway
			return
		}
	}
	var prior []*dockerfile.Instr
	var gens []genEvent
	for _, a := range chain {
		for _, in := range a.Instrs {
			if in.Run != nil {
				gens = append(gens, s.runGenerated(ctx, in, prior)...)
			}
			if c := in.Copy; c != nil && c.FromContext() && !c.Heredoc {
				kept := gens[:0:0]
				for _, g := range gens {
					rel, ok := s.landing(ctx, c, g.file.Path)
					if !ok {
						kept = append(kept, g)
						continue
					}
					// The context's file replaced the generated one;
					// later COPYs overwrite the context's, not this.
					if a == st {
						p.Report(s.clobberDiag(df, ctx, in, g, rel))
					}
				}
				gens = kept
			}
			prior = append(prior, in)
		}
	}
}

// runGenerated lists the files a RUN writes into the image (not into a
// --mount), with Cargo roots found through the COPYs before it.
func (s *Snapshot) runGenerated(ctx *DockerContext, in *dockerfile.Instr, prior []*dockerfile.Instr) []genEvent {
	cargoRootFor := func(dir string) (string, bool) { return s.imageCargoRoot(ctx, prior, dir) }
	var out []genEvent
	seen := map[string]bool{}
	for _, c := range in.Run.Commands {
		for _, g := range dockerfile.GeneratedFiles(c, cargoRootFor) {
			if seen[g.Path] || in.Run.MountAt(path.Dir(g.Path)) != nil {
				continue
			}
			seen[g.Path] = true
			if g.Generator != nil && g.Generator.IfMissing && s.landedBefore(ctx, prior, g.Path) {
				continue // the context's file is already there; nothing is generated
			}
			out = append(out, genEvent{in: in, cmd: c, file: g})
		}
	}
	return out
}

func (s *Snapshot) landedBefore(ctx *DockerContext, prior []*dockerfile.Instr, imagePath string) bool {
	for _, in := range prior {
		if c := in.Copy; c != nil && c.FromContext() && !c.Heredoc {
			if _, ok := s.landing(ctx, c, imagePath); ok {
				return true
			}
		}
	}
	return false
}

// imageCargoRoot maps an image directory back to the context through the
// latest COPY that put a Cargo.toml there, and returns the image directory
// of that package's Cargo root (its workspace root when it is a member).
func (s *Snapshot) imageCargoRoot(ctx *DockerContext, prior []*dockerfile.Instr, dir string) (string, bool) {
	if dir == "" {
		return "", false
	}
	if rel, ok := s.latestLanding(ctx, prior, path.Join(dir, "Cargo.toml")); ok {
		manifestDir := dirOf(join(ctx.Dir, rel))
		for _, r := range s.Cargo().Roots {
			if r.Dir() == manifestDir {
				return dir, true
			}
			for _, m := range r.Members {
				if m.Dir != manifestDir {
					continue
				}
				if r.Dir() != manifestDir && under(manifestDir, r.Dir()) {
					up := strings.Count(manifestDir, "/") + 1
					if r.Dir() != "" {
						up -= strings.Count(r.Dir(), "/") + 1
					}
					return path.Clean(dir + strings.Repeat("/..", up)), true
				}
				return dir, true
			}
		}
		return dir, true
	}
	return "", false
}

// latestLanding finds the context file (context-relative) that the latest
// COPY from the context among prior puts at imagePath.
func (s *Snapshot) latestLanding(ctx *DockerContext, prior []*dockerfile.Instr, imagePath string) (string, bool) {
	for i := len(prior) - 1; i >= 0; i-- {
		c := prior[i].Copy
		if c == nil || !c.FromContext() || c.Heredoc {
			continue
		}
		if rel, ok := s.landing(ctx, c, imagePath); ok {
			return rel, true
		}
	}
	return "", false
}

// landing finds the context file (context-relative) that the COPY c puts at
// imagePath, when the context holds such a file.
func (s *Snapshot) landing(ctx *DockerContext, c *dockerfile.Copy, imagePath string) (string, bool) {
	dest := strings.TrimSuffix(strings.TrimSuffix(c.Dest, "/"), "/.")
	if dest == "" {
		dest = "/"
	}
	within, below := "", false // imagePath relative to dest
	switch {
	case imagePath == dest:
		below = true
	case strings.HasPrefix(imagePath, strings.TrimSuffix(dest, "/")+"/"):
		within, below = imagePath[len(strings.TrimSuffix(dest, "/"))+1:], true
	}
	var cands []string
	glob := false
	for i, src := range c.Sources {
		if isRemoteSource(src) || !c.SourceResolved(i) {
			continue
		}
		sr, ok := ctxRel(src)
		if !ok {
			continue
		}
		if hasGlob(sr) {
			glob = true
			if d := path.Dir(sr); !hasGlob(d) {
				cands = append(cands, path.Join(d, path.Base(imagePath)))
				if below && within != "" {
					cands = append(cands, path.Join(d, within))
				}
			}
			continue
		}
		if below && within != "" {
			cands = append(cands, path.Join(sr, within))
			if c.Parents {
				cands = append(cands, within)
				if i := strings.Index(src, "/./"); i >= 0 {
					if pv, ok := ctxRel(src[:i]); ok {
						cands = append(cands, path.Join(pv, within))
					}
				}
			}
		}
		if sr != "." {
			cands = append(cands, sr)
		}
	}
	check := func(rel string) bool {
		if rel == "" || rel == "." || strings.HasPrefix(rel, "../") || rel == ".." {
			return false
		}
		got, ok := c.Target(rel)
		return ok && got == imagePath && s.contextHolds(ctx, rel)
	}
	for _, cand := range cands {
		if check(cand) {
			return cand, true
		}
	}
	if glob {
		for _, e := range s.Repo.TrackedUnder(ctx.Dir) {
			rel := e.Path
			if ctx.Dir != "" {
				rel = strings.TrimPrefix(rel, ctx.Dir+"/")
			}
			if path.Base(rel) == path.Base(imagePath) && check(rel) {
				return rel, true
			}
		}
	}
	return "", false
}

// contextHolds reports whether the build context holds a file at rel: it is
// tracked or on disk (and not a directory), and the ignore file does not
// exclude it.
func (s *Snapshot) contextHolds(ctx *DockerContext, rel string) bool {
	p := join(ctx.Dir, rel)
	if _, ok := s.Repo.Entry(p); !ok {
		fi, err := s.Repo.Lstat(p)
		if err != nil || fi.IsDir() {
			return false
		}
	}
	return !ctx.Ignore.Excluded(rel, false)
}

func (s *Snapshot) clobberDiag(df *DockerFile, ctx *DockerContext, in *dockerfile.Instr, g genEvent, rel string) diag.Diagnostic {
	kw := keyword(df.File, in)
	what := "the build context's " + rel
	if len(df.Contexts) > 1 || ctx.Dir != dirOf(df.Path) {
		what = rel + " from the build context " + display(ctx.Dir) // the related note says what sets it
	}
	cmdText := commandText(g.cmd)
	runLine := g.cmd.Line
	if runLine < g.in.StartLine || runLine > g.in.EndLine {
		runLine = g.in.StartLine
	}
	d := diag.Diagnostic{
		Path: df.Path,
		Message: fmt.Sprintf("%s overwrites %s, which the RUN at line %d generates (`%s`), with %s: the image gets the host's file, not the generated one",
			kw, g.file.Path, runLine, cmdText, what),
		Help: fmt.Sprintf("keep %s out of the build context (add it to %s), or generate it on the host, commit it and drop the generating RUN",
			rel, ignoreFileName(ctx)),
		Related: append([]diag.Related{{Path: df.Path, Line: runLine, Column: firstCol(df.File, runLine, g.cmd), Message: fmt.Sprintf("%s generated here by `%s`", g.file.Path, cmdText)}}, contextNote(ctx)...),
		Fix:     s.dockerignoreFix(ctx, rel),
	}
	d.At(keywordSpan(df.File, in))
	return d
}

func ignoreFileName(ctx *DockerContext) string {
	if ctx.IgnorePath != "" {
		return ctx.IgnorePath
	}
	return join(ctx.Dir, ".dockerignore")
}

// dockerignoreFix appends rel to the context's ignore file (creating
// <context>/.dockerignore when there is none).
func (s *Snapshot) dockerignoreFix(ctx *DockerContext, rel string) *diag.Fix {
	p := ignoreFileName(ctx)
	var data []byte
	if ctx.IgnorePath != "" {
		var err error
		if data, err = s.ReadFile(p); err != nil {
			return nil
		}
	}
	pat, ok := ignorePattern(rel)
	if !ok {
		return nil // no .dockerignore line names this path; the finding has no fix
	}
	text := pat + "\n"
	if len(data) > 0 && data[len(data)-1] != '\n' {
		text = "\n" + text
	}
	return &diag.Fix{
		Applicability: diag.Unsafe,
		Description:   fmt.Sprintf("add %s to %s, so that COPY no longer overwrites the generated file", rel, p),
		Actions: []diag.Action{{
			Kind:  diag.ActionEdit,
			Path:  p,
			Edits: []diag.TextEdit{{Start: len(data), End: len(data), NewText: text}},
		}},
	}
}

// ignorePattern renders a context-relative path as a .dockerignore line
// matching exactly that path: glob characters, backslashes and a leading
// "!" or "#" (an exception, a comment) escaped with a backslash. ok is false for a path no line can name: one holding a
// line break, or with leading or trailing white space (the reader trims
// it).
func ignorePattern(rel string) (string, bool) {
	if rel == "" || strings.ContainsAny(rel, "\n\r") || strings.TrimSpace(rel) != rel {
		return "", false
	}
	var sb strings.Builder
	for _, r := range rel {
		if strings.ContainsRune(`*?[]\`, r) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	out := sb.String()
	if strings.HasPrefix(out, "!") || strings.HasPrefix(out, "#") {
		// "\!" and "\#": the reader sees neither an exception nor a
		// comment, and the matcher an escaped literal. ("/!x" would not
		// do: the reader strips the "/" and the matcher then reads "!x"
		// as an exception.)
		out = "\\" + out
	}
	return out, true
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
						d := s.copySourceDiag(df, ctx, in, src)
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

// contextNote points at the place that set a build context.
func contextNote(ctx *DockerContext) []diag.Related {
	if ctx.SetBy.File == "" {
		return nil
	}
	return []diag.Related{{Path: ctx.SetBy.File, Line: ctx.SetBy.Line, Column: 1,
		Message: fmt.Sprintf("the build context %s is set here (%s)", display(ctx.Dir), ctx.SetBy.What)}}
}

// artifactOf reports why a missing source is a build output rather than a
// missing file: a step of the build creates it, the repository's ignore
// rules exclude it, or it lies under a build output directory.
func (s *Snapshot) artifactOf(ctx *DockerContext, file string, st repo.Status) bool {
	for _, a := range ctx.Artifacts {
		if a.Covers(file) {
			return true
		}
	}
	return st.Ignore != nil || s.gitIgnored(file) || artifactName(file)
}

func (s *Snapshot) copySourceDiag(df *DockerFile, ctx *DockerContext, in *dockerfile.Instr, src string) *diag.Diagnostic {
	if isRemoteSource(src) {
		return nil
	}
	rel, ok := ctxRel(src)
	if !ok || rel == "." || hasGlob(rel) {
		return nil
	}
	kw := keyword(df.File, in)
	file := join(ctx.Dir, rel)
	name := rel
	if ctx.Dir != "" {
		name = fmt.Sprintf("%s (%s in the repository)", rel, file)
	}
	if !ctx.Unknown && (len(df.Contexts) > 1 || ctx.Dir != dirOf(df.Path)) {
		name += " in the build context " + display(ctx.Dir) // the related note says what sets it
	}
	const fails = "the build fails with \"COPY failed: file not found in build context\""
	st := s.Repo.Status(file)
	d := &diag.Diagnostic{Path: df.Path, Related: contextNote(ctx)}
	if ctx.Unknown && (st.State == repo.StateMissing || st.State == repo.StateCommitted) {
		// Nothing names the context: only a file on disk that a commit
		// would leave out is judged.
		return nil
	}
	switch st.State {
	case repo.StateMissing:
		if s.artifactOf(ctx, file, st) {
			return nil
		}
		d.Message = fmt.Sprintf("%s source %s does not exist (it is neither in the index nor on disk): %s", kw, name, fails)
		d.Help = fmt.Sprintf("create and commit %s, or fix the path in the %s", file, kw)
	case repo.StateCommitted, repo.StateUntracked, repo.StateIgnored, repo.StateIntentToAdd:
		isDir := len(s.Repo.TrackedUnder(file)) > 0
		if fi, err := s.Repo.Lstat(file); err == nil && fi.IsDir() {
			isDir = true
		}
		if !ctx.Unknown && ctx.Ignore.Excluded(rel, isDir) {
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
		case repo.StateUntracked:
			d.Message = fmt.Sprintf("%s source %s is untracked: a clean checkout (CI) does not have it, and there %s", kw, name, fails)
			d.Help = fmt.Sprintf("git add %s", file)
		case repo.StateIgnored:
			reason := ignoreReason(st)
			d.Message = fmt.Sprintf("%s source %s is ignored by git (%s): it is never committed, so on a clean checkout (CI) %s", kw, name, reason, fails)
			d.Help = fmt.Sprintf("remove the ignore rule at %s, then git add %s", reason, file)
		case repo.StateIntentToAdd:
			d.Message = fmt.Sprintf("%s source %s is only intent-to-add (git add -N): git commit will not commit it, so on a clean checkout (CI) %s", kw, name, fails)
			d.Help = fmt.Sprintf("git add %s", file)
		default:
			return nil
		}
		d.Fix = stageFix(file, st)
	default:
		return nil
	}
	d.At(sourceSpan(df.File, in, src))
	return d
}

// ---- LG402 ----

// nixNewCLI are the subcommands of the new nix CLI, which need nix-command
// (and, for flake references, flakes).
var nixNewCLI = map[string]bool{
	"build": true, "develop": true, "run": true, "shell": true, "flake": true, "eval": true,
	"profile": true, "search": true, "path-info": true, "log": true, "print-dev-env": true,
	"bundle": true, "copy": true, "edit": true, "why-depends": true, "derivation": true,
	"registry": true, "repl": true, "fmt": true, "formatter": true, "hash": true, "key": true,
	"nar": true, "store": true, "realisation": true, "config": true, "env": true, "upgrade-nix": true,
}

func checkNixFlakesNotEnabled(p *Pass) {
	s := p.Snap
	parallel(s.Docker().Files, func(df *DockerFile) {
		if df.File == nil {
			return
		}
		var found []nixFinding
		for _, st := range df.File.Stages {
			for _, in := range st.Instrs {
				if in.Run == nil {
					continue
				}
				calls := dockerfile.NixInvocations(in.Run.Commands)
				for ci, call := range calls {
					if call.Legacy || !nixNewCLI[call.Sub] || call.FeaturesFlag || call.Cmd.FlakesEnv ||
						flakesEnabledBefore(df, st, in) || in.Run.FlakesConfiguredBefore(call.Cmd.Index) {
						continue
					}
					found = append(found, nixFlakesDiag(df, st, in, calls, ci))
				}
			}
		}
		addNixFixes(df, found)
		for _, f := range found {
			p.Report(f.d)
		}
	})
}

// flakesEnabledBefore reports whether the image state before the
// instruction enables the features, in the Dockerfile as parsed for any of
// its build contexts (a nix.conf copied from the context is read there).
func flakesEnabledBefore(df *DockerFile, st *dockerfile.Stage, in *dockerfile.Instr) bool {
	own := false // some context parsed the file itself (with its nix.conf readable)
	for _, c := range df.Contexts {
		if c.File == nil || c.File == df.File || st.Index >= len(c.File.Stages) {
			continue
		}
		own = true
		if c.File.Stages[st.Index].FlakesEnabledBefore(in.Index) {
			return true
		}
	}
	return !own && st.FlakesEnabledBefore(in.Index)
}

// nixFinding is an LG402 diagnostic and where its fix would insert the flag.
type nixFinding struct {
	d     diag.Diagnostic
	st    *dockerfile.Stage
	in    *dockerfile.Instr
	call  dockerfile.NixCall
	at    int // byte offset of the word after nix; -1: not located
	fixed bool
}

var nixFlags = []string{`--extra-experimental-features "nix-command flakes" `, `--extra-experimental-features 'nix-command flakes' `}

// addNixFixes attaches fixes to the findings of one Dockerfile. A fix is
// kept only when the edited Dockerfile parses and the same command then
// enables both features (so quoting inside `bash -c "…"` cannot break). All
// edits are tried together first (one parse); a finding whose edit does not
// verify is retried alone with each quoting.
func addNixFixes(df *DockerFile, found []nixFinding) {
	var all []diag.TextEdit
	for _, f := range found {
		if f.at >= 0 {
			all = append(all, diag.TextEdit{Start: f.at, End: f.at, NewText: nixFlags[0]})
		}
	}
	if len(all) == 0 {
		return
	}
	if edited, err := applyEdits(df.Src, all); err == nil {
		if nf, err := dockerfile.Parse(df.Path, edited); err == nil {
			for i := range found {
				if found[i].at >= 0 && enablesIn(nf, found[i]) {
					found[i].setFix(df, nixFlags[0])
				}
			}
		}
	}
	for i := range found {
		f := &found[i]
		if f.at < 0 || f.fixed {
			continue
		}
		// The double-quoted flag failed in the batch, most likely inside
		// `bash -c "…"`: try the single-quoted one first.
		for _, flag := range []string{nixFlags[1], nixFlags[0]} {
			edited, err := applyEdits(df.Src, []diag.TextEdit{{Start: f.at, End: f.at, NewText: flag}})
			if err != nil {
				break
			}
			if nf, err := dockerfile.Parse(df.Path, edited); err == nil && enablesIn(nf, *f) {
				f.setFix(df, flag)
				break
			}
		}
	}
}

func (f *nixFinding) setFix(df *DockerFile, flag string) {
	f.fixed = true
	f.d.Fix = &diag.Fix{
		Applicability: diag.Safe,
		Description:   fmt.Sprintf("insert %s after nix on line %d", strings.TrimSpace(flag), f.call.Cmd.Line),
		Actions:       []diag.Action{{Kind: diag.ActionEdit, Path: df.Path, Edits: []diag.TextEdit{{Start: f.at, End: f.at, NewText: flag}}}},
	}
}

// enablesIn reports whether, in the edited Dockerfile nf, the finding's
// command (same stage, instruction and command index: the edit only adds
// arguments) enables both features.
func enablesIn(nf *dockerfile.File, f nixFinding) bool {
	if f.st.Index >= len(nf.Stages) || f.in.Index >= len(nf.Stages[f.st.Index].Instrs) {
		return false
	}
	run := nf.Stages[f.st.Index].Instrs[f.in.Index].Run
	if run == nil || run.ShellError != "" || len(run.Commands) != len(f.in.Run.Commands) {
		return false
	}
	for _, c := range dockerfile.NixInvocations(run.Commands) {
		if c.Cmd.Index == f.call.Cmd.Index {
			return c.FeaturesFlag && c.Sub == f.call.Sub && c.Action == f.call.Action
		}
	}
	return false
}

// applyEdits applies non-overlapping edits to src.
func applyEdits(src []byte, edits []diag.TextEdit) ([]byte, error) {
	es := slices.Clone(edits)
	slices.SortStableFunc(es, func(a, b diag.TextEdit) int { return a.Start - b.Start })
	var out []byte
	last := 0
	for _, e := range es {
		if e.Start < last || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("overlapping edits at byte %d", e.Start)
		}
		out = append(append(out, src[last:e.Start]...), e.NewText...)
		last = e.End
	}
	return append(out, src[last:]...), nil
}

func nixFlakesDiag(df *DockerFile, st *dockerfile.Stage, in *dockerfile.Instr, calls []dockerfile.NixCall, ci int) nixFinding {
	call := calls[ci]
	sub := call.Sub
	if call.Action != "" {
		sub += " " + call.Action
	}
	f := nixFinding{st: st, in: in, call: call, at: -1}
	f.d = diag.Diagnostic{
		Path: df.Path,
		Message: fmt.Sprintf("`nix %s` needs the experimental features nix-command and flakes, and nothing enables them here: the build fails with \"experimental Nix feature 'nix-command' is disabled\"",
			sub),
		Help: `pass --extra-experimental-features "nix-command flakes" to nix, or set ENV NIX_CONFIG="experimental-features = nix-command flakes" earlier in the stage`,
	}
	off, ok := nixWordOffset(df, in, calls, ci)
	line := call.Cmd.Line
	span := diag.Span{Line: line}
	if ok {
		ls := lineStart(df.Src, line)
		col := utf8.RuneCount(df.Src[ls:off.nix]) + 1
		span = spanOf(line, col, line, col+utf8.RuneCountInString(off.word))
		f.at = off.sub
	} else if c, e := df.File.Span(line, "nix"); c > 0 {
		span = spanOf(line, c, line, e)
	}
	f.d.At(span)
	return f
}

type nixOffsets struct {
	nix  int    // byte offset of the nix word
	sub  int    // byte offset of the word after it
	word string // the nix word as written
}

// nixWordOffset finds the nix word of calls[ci] in the Dockerfile source:
// on the command's line, the word followed by the next word of the command.
// When the line has several such places, the calls on the line that look
// the same are matched to them in order; a count mismatch gives ok false.
func nixWordOffset(df *DockerFile, in *dockerfile.Instr, calls []dockerfile.NixCall, ci int) (nixOffsets, bool) {
	if in.Run.Exec || df.Src == nil {
		return nixOffsets{}, false
	}
	return nixWordAt(df.Src, calls, ci)
}

// nixWords returns the raw nix word of a command (after wrappers such as
// sudo) and the raw word after it.
func nixWords(c dockerfile.Command) (word, next string, ok bool) {
	for i, a := range c.Args {
		if i < len(c.Dynamic) && c.Dynamic[i] {
			return "", "", false
		}
		if path.Base(a) == "nix" {
			if i+1 >= len(c.Raw) || c.Raw[i] == "" || c.Raw[i+1] == "" {
				return "", "", false
			}
			return c.Raw[i], c.Raw[i+1], true
		}
	}
	return "", "", false
}

// ---- shared helpers ----

// keyword is the instruction keyword as written (COPY, copy, ADD).
func keyword(f *dockerfile.File, in *dockerfile.Instr) string {
	if in.StartLine >= 1 && in.StartLine <= len(f.Lines) {
		if fs := strings.Fields(f.Lines[in.StartLine-1]); len(fs) > 0 && strings.EqualFold(fs[0], in.Kind) {
			return fs[0]
		}
	}
	return in.Kind
}

// keywordSpan spans the instruction keyword on its first line.
func keywordSpan(f *dockerfile.File, in *dockerfile.Instr) diag.Span {
	line := in.StartLine
	if line >= 1 && line <= len(f.Lines) {
		l := f.Lines[line-1]
		trimmed := strings.TrimLeft(l, " \t")
		col := utf8.RuneCountInString(l[:len(l)-len(trimmed)]) + 1
		n := len(trimmed)
		if i := strings.IndexAny(trimmed, " \t"); i >= 0 {
			n = i
		}
		return spanOf(line, col, line, col+utf8.RuneCountInString(trimmed[:n]))
	}
	return diag.Span{Line: line}
}

// sourceSpan spans a COPY source on the instruction's lines, else the keyword.
func sourceSpan(f *dockerfile.File, in *dockerfile.Instr, src string) diag.Span {
	for line := in.StartLine; line <= in.EndLine && line <= len(f.Lines); line++ {
		start := 1
		if line == in.StartLine {
			start = keywordSpan(f, in).EndColumn
		}
		for _, cand := range []string{src, strings.TrimPrefix(src, "./")} {
			if c, e := spanFrom(f, line, cand, start); c > 0 {
				return spanOf(line, c, line, e)
			}
		}
	}
	return keywordSpan(f, in)
}

// spanFrom is File.Span restricted to columns ≥ from.
func spanFrom(f *dockerfile.File, line int, substr string, from int) (int, int) {
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
	sub := &dockerfile.File{Lines: []string{l[skip:]}}
	c, e := sub.Span(1, substr)
	if c == 0 {
		return 0, 0
	}
	base := utf8.RuneCountInString(l[:skip])
	return c + base, e + base
}

// firstCol is the column of a command's first word on its line (1 when unknown).
func firstCol(f *dockerfile.File, line int, c dockerfile.Command) int {
	if len(c.Raw) > 0 {
		if col, _ := f.Span(line, c.Raw[0]); col > 0 {
			return col
		}
	}
	return 1
}

// commandText renders a command for messages, shortened.
func commandText(c dockerfile.Command) string {
	t := strings.Join(c.Raw, " ")
	if utf8.RuneCountInString(t) > 60 {
		r := []rune(t)
		t = string(r[:57]) + "..."
	}
	return t
}

// ctxRel cleans a COPY source to a context-relative path; ok is false for
// an empty source.
func ctxRel(src string) (string, bool) {
	if src == "" {
		return "", false
	}
	p := path.Clean("/" + src)
	if p == "/" {
		return ".", true
	}
	return p[1:], true
}

func hasGlob(s string) bool { return strings.ContainsAny(s, "*?[\\") }

func isRemoteSource(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}
