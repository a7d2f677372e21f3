package checks

import (
	"fmt"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
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
		Doc:      copyClobbersDoc + generatorsTable(),
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

Fix (unsafe: it changes what every COPY of the context sees): append the
context-relative path to the applicable .dockerignore (created at the context
root when there is none). Review it with ` + "`lockguard fix --diff`" + `, apply it with
` + "`lockguard fix --unsafe-fixes`" + `.

Files that RUN commands generate:

`

// generatorsTable renders dockerfile.Generators for LG301's documentation.
func generatorsTable() string {
	var sb strings.Builder
	for _, g := range snapshot.Generators {
		when := ""
		if g.IfMissing {
			when = " (only when missing or out of date)"
		}
		fmt.Fprintf(&sb, "  - `%s` writes %s%s: %s\n", g.Command, g.Creates, when, g.Note)
	}
	return strings.TrimSuffix(sb.String(), "\n")
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
				clobbersInStage(s, p, df, ctx, st)
			}
		}
	}
}

// clobbersInStage walks the stage's ancestry (FROM <stage>) and the stage
// itself, and reports the stage's context COPYs that land on a generated file.
func clobbersInStage(s *snapshot.Snapshot, p *Pass, df *snapshot.DockerFile, ctx *snapshot.DockerContext, st *snapshot.Stage) {
	var chain []*snapshot.Stage
	for a := st; a != nil; a = a.FromStage {
		chain = append([]*snapshot.Stage{a}, chain...)
		if len(chain) > len(ctx.File.Stages) { // FromStage only names earlier stages; be safe anyway
			return
		}
	}
	var prior []*snapshot.Instr
	var gens []snapshot.GenEvent
	for _, a := range chain {
		for _, in := range a.Instrs {
			if in.Run != nil {
				gens = append(gens, s.RunGenerated(ctx, in, prior)...)
			}
			if c := in.Copy; c != nil && c.FromContext() && !c.Heredoc {
				kept := gens[:0:0]
				for _, g := range gens {
					rel, ok := s.Landing(ctx, c, g.File.Path)
					if !ok {
						kept = append(kept, g)
						continue
					}
					// The context's file replaced the generated one;
					// later COPYs overwrite the context's, not this.
					if a == st {
						p.Report(clobberDiag(s, df, ctx, in, g, rel))
					}
				}
				gens = kept
			}
			prior = append(prior, in)
		}
	}
}

func clobberDiag(s *snapshot.Snapshot, df *snapshot.DockerFile, ctx *snapshot.DockerContext, in *snapshot.Instr, g snapshot.GenEvent, rel string) diag.Diagnostic {
	kw := snapshot.Keyword(df.File, in)
	what := "the build context's " + rel
	if len(df.Contexts) > 1 || ctx.Dir != snapshot.DirOf(df.Path) {
		what = rel + " from the build context " + snapshot.Display(ctx.Dir) // the related note says what sets it
	}
	cmdText := snapshot.CommandText(g.Cmd)
	runLine := g.Cmd.Line
	if runLine < g.In.StartLine || runLine > g.In.EndLine {
		runLine = g.In.StartLine
	}
	d := diag.Diagnostic{
		Path: df.Path,
		Message: fmt.Sprintf("%s overwrites %s, which the RUN at line %d generates (`%s`), with %s: the image gets the host's file, not the generated one",
			kw, g.File.Path, runLine, cmdText, what),
		Help: fmt.Sprintf("keep %s out of the build context (add it to %s), or generate it on the host, commit it and drop the generating RUN",
			rel, snapshot.IgnoreFileName(ctx)),
		Related: append([]diag.Related{{Path: df.Path, Line: runLine, Column: snapshot.FirstCol(df.File, runLine, g.Cmd), Message: fmt.Sprintf("%s generated here by `%s`", g.File.Path, cmdText)}}, snapshot.ContextNote(ctx)...),
		Fix:     dockerignoreFix(s, ctx, rel),
	}
	d.At(snapshot.KeywordSpan(df.File, in))
	return d
}

// dockerignoreFix appends rel to the context's ignore file (creating
// <context>/.dockerignore when there is none).
func dockerignoreFix(s *snapshot.Snapshot, ctx *snapshot.DockerContext, rel string) *diag.Fix {
	p := snapshot.IgnoreFileName(ctx)
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
