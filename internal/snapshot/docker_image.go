package snapshot

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/repo"
)

// ---- LG301 ----

// genEvent is a file a RUN generates.
type GenEvent struct {
	In   *dockerfile.Instr
	Cmd  dockerfile.Command
	File dockerfile.GeneratedFile
}

// runGenerated lists the files a RUN writes into the image (not into a
// --mount), with Cargo roots found through the COPYs before it.
func (s *Snapshot) RunGenerated(ctx *DockerContext, in *dockerfile.Instr, prior []*dockerfile.Instr) []GenEvent {
	cargoRootFor := func(dir string) (string, bool) { return s.imageCargoRoot(ctx, prior, dir) }
	var out []GenEvent
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
			out = append(out, GenEvent{In: in, Cmd: c, File: g})
		}
	}
	return out
}

func (s *Snapshot) landedBefore(ctx *DockerContext, prior []*dockerfile.Instr, imagePath string) bool {
	for _, in := range prior {
		if c := in.Copy; c != nil && c.FromContext() && !c.Heredoc {
			if _, ok := s.Landing(ctx, c, imagePath); ok {
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
	if rel, ok := s.LatestLanding(ctx, prior, path.Join(dir, "Cargo.toml")); ok {
		manifestDir := DirOf(Join(ctx.Dir, rel))
		for _, r := range s.Cargo().Roots {
			if r.Dir() == manifestDir {
				return dir, true
			}
			for _, m := range r.Members {
				if m.Dir != manifestDir {
					continue
				}
				if r.Dir() != manifestDir && Under(manifestDir, r.Dir()) {
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
func (s *Snapshot) LatestLanding(ctx *DockerContext, prior []*dockerfile.Instr, imagePath string) (string, bool) {
	for i := len(prior) - 1; i >= 0; i-- {
		c := prior[i].Copy
		if c == nil || !c.FromContext() || c.Heredoc {
			continue
		}
		if rel, ok := s.Landing(ctx, c, imagePath); ok {
			return rel, true
		}
	}
	return "", false
}

// landing finds the context file (context-relative) that the COPY c puts at
// imagePath, when the context holds such a file.
func (s *Snapshot) Landing(ctx *DockerContext, c *dockerfile.Copy, imagePath string) (string, bool) {
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
		if IsRemoteSource(src) || !c.SourceResolved(i) {
			continue
		}
		sr, ok := CtxRel(src)
		if !ok {
			continue
		}
		if HasGlob(sr) {
			glob = true
			if d := path.Dir(sr); !HasGlob(d) {
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
					if pv, ok := CtxRel(src[:i]); ok {
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
	p := Join(ctx.Dir, rel)
	if _, ok := s.Repo.Entry(p); !ok {
		fi, err := s.Repo.Lstat(p)
		if err != nil || fi.IsDir() {
			return false
		}
	}
	return !ctx.Ignore.Excluded(rel, false)
}

func IgnoreFileName(ctx *DockerContext) string {
	if ctx.IgnorePath != "" {
		return ctx.IgnorePath
	}
	return Join(ctx.Dir, ".dockerignore")
}

// contextNote points at the place that set a build context.
func ContextNote(ctx *DockerContext) []diag.Related {
	if ctx.SetBy.File == "" {
		return nil
	}
	return []diag.Related{{Path: ctx.SetBy.File, Line: ctx.SetBy.Line, Column: 1,
		Message: fmt.Sprintf("the build context %s is set here (%s)", Display(ctx.Dir), ctx.SetBy.What)}}
}

// artifactOf reports why a missing source is a build output rather than a
// missing file: a step of the build creates it, the repository's ignore
// rules exclude it, or it lies under a build output directory.
func (s *Snapshot) ArtifactOf(ctx *DockerContext, file string, st repo.Status) bool {
	for _, a := range ctx.Artifacts {
		if a.Covers(file) {
			return true
		}
	}
	return st.Ignore != nil || s.gitIgnored(file) || artifactName(file)
}

type NixOffsets struct {
	Nix  int    // byte offset of the nix word
	Sub  int    // byte offset of the word after it
	Word string // the nix word as written
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
func Keyword(f *dockerfile.File, in *dockerfile.Instr) string {
	if in.StartLine >= 1 && in.StartLine <= len(f.Lines) {
		if fs := strings.Fields(f.Lines[in.StartLine-1]); len(fs) > 0 && strings.EqualFold(fs[0], in.Kind) {
			return fs[0]
		}
	}
	return in.Kind
}

// keywordSpan spans the instruction keyword on its first line.
func KeywordSpan(f *dockerfile.File, in *dockerfile.Instr) diag.Span {
	line := in.StartLine
	if line >= 1 && line <= len(f.Lines) {
		l := f.Lines[line-1]
		trimmed := strings.TrimLeft(l, " \t")
		col := utf8.RuneCountInString(l[:len(l)-len(trimmed)]) + 1
		n := len(trimmed)
		if i := strings.IndexAny(trimmed, " \t"); i >= 0 {
			n = i
		}
		return SpanOf(line, col, line, col+utf8.RuneCountInString(trimmed[:n]))
	}
	return diag.Span{Line: line}
}

// firstCol is the column of a command's first word on its line (1 when unknown).
func FirstCol(f *dockerfile.File, line int, c dockerfile.Command) int {
	if len(c.Raw) > 0 {
		if col, _ := f.Span(line, c.Raw[0]); col > 0 {
			return col
		}
	}
	return 1
}

// commandText renders a command for messages, shortened.
func CommandText(c dockerfile.Command) string {
	t := strings.Join(c.Raw, " ")
	if utf8.RuneCountInString(t) > 60 {
		r := []rune(t)
		t = string(r[:57]) + "..."
	}
	return t
}

// ctxRel cleans a COPY source to a context-relative path; ok is false for
// an empty source.
func CtxRel(src string) (string, bool) {
	if src == "" {
		return "", false
	}
	p := path.Clean("/" + src)
	if p == "/" {
		return ".", true
	}
	return p[1:], true
}

func HasGlob(s string) bool { return strings.ContainsAny(s, "*?[\\") }

func IsRemoteSource(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}
