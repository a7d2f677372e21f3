package dockerfile

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
)

// Copy is a COPY or ADD instruction.
type Copy struct {
	Add bool // ADD rather than COPY
	// Sources are the source paths, ARG/ENV-expanded, as written (may be
	// globs, "." or, for ADD, URLs and git refs).
	Sources []string
	// Dest is the absolute destination resolved against the WORKDIR; it
	// ends in "/" when written as a directory ("dir/", ".", "").
	Dest    string
	RawDest string // expanded, not resolved
	// From is --from (a stage name or index, or an image); "" = context.
	From      string
	FromStage *Stage // the stage From names, if any
	Heredoc   bool   // COPY <<EOF … (inline content)
	Inline    []InlineFile
	Excludes  []string // --exclude patterns
	Parents   bool     // --parents
	Link      bool     // --link
	Chmod     string
	Chown     string
	// Unresolved[i] names the variables of Sources[i] that have no known
	// value in the build (nil when all resolve): the source's path is not
	// known, so it is not judged.
	Unresolved [][]string
}

// SourceResolved reports whether source i has a known path.
func (c *Copy) SourceResolved(i int) bool { return i >= len(c.Unresolved) || len(c.Unresolved[i]) == 0 }

// InlineFile is one heredoc source of COPY <<EOF.
type InlineFile struct {
	Name string // file name the content is written as
	Data string
}

// FromContext reports whether the instruction copies from the build context.
func (c *Copy) FromContext() bool { return c.From == "" && len(c.Sources) > 0 }

func copyOf(sd instructions.SourcesAndDest, workdir string) *Copy {
	c := &Copy{
		Sources: append([]string(nil), sd.SourcePaths...),
		RawDest: sd.DestPath,
		Dest:    resolveKeepSlash(workdir, sd.DestPath),
	}
	for _, sc := range sd.SourceContents {
		c.Heredoc = true
		c.Inline = append(c.Inline, InlineFile{Name: sc.Path, Data: sc.Data})
	}
	return c
}

// DestDir reports whether the destination must be a directory: it is
// written with a trailing slash or there are several sources.
func (c *Copy) DestDir() bool {
	return strings.HasSuffix(c.Dest, "/") || len(c.Sources)+len(c.Inline) > 1
}

// Target says where a file at the source-relative path rel (for a context
// COPY: context-relative, slash-separated, e.g. "backend/Cargo.lock") lands
// in the image if this instruction transfers it. Docker semantics:
//
//   - a directory source ("." or "backend") copies its contents into Dest:
//     backend/Cargo.lock from source "backend" to /app/ lands at /app/Cargo.lock;
//   - a file source lands at Dest/<base> when Dest is a directory (trailing
//     slash or several sources) and at Dest itself otherwise;
//   - glob sources (path.Match, e.g. "*.lock") match files or directories;
//     a glob is assumed to match one entry when Dest has no trailing slash;
//   - --parents keeps the source's path (after a "/./" pivot, if any);
//   - --exclude patterns and URL/git sources are honoured (never transferred),
//     and ADD of a local archive (extracted, not copied) is not a transfer.
//
// When several sources transfer rel, the last one wins (it is written last).
// Whether Dest already exists as a directory in the image is not known: a
// single file source copied to "/x" is reported at "/x".
func (c *Copy) Target(rel string) (imagePath string, ok bool) {
	rel = cleanRel(rel)
	if c.Dest == "" || rel == "." {
		return "", false
	}
	dest := strings.TrimSuffix(c.Dest, "/")
	dest = strings.TrimSuffix(dest, "/.")
	if dest == "" {
		dest = "/"
	}
	for _, src := range c.Sources {
		if isRemote(src) {
			continue
		}
		pivot := ""
		if c.Parents {
			if i := strings.Index(src, "/./"); i >= 0 {
				pivot = cleanRel(src[:i])
			}
		}
		s := cleanRel(src)
		var within string // path of rel inside the copied entry
		var isFile bool
		var matched string // the entry (file or directory) the source matched
		switch {
		case s == ".":
			within, matched = rel, "."
		case s == rel:
			within, isFile, matched = path.Base(rel), true, rel
		case strings.HasPrefix(rel, s+"/"):
			within, matched = rel[len(s)+1:], s
		case hasMeta(s):
			// The glob may match rel itself or one of its ancestors.
			m := ""
			for p := rel; p != "."; p = path.Dir(p) {
				if ok, _ := path.Match(s, p); ok {
					m = p
				}
			}
			if m == "" {
				continue
			}
			matched = m
			if m == rel {
				within, isFile = path.Base(rel), true
			} else {
				within = rel[len(m)+1:]
			}
		default:
			continue
		}
		if c.excluded(within, rel) {
			continue
		}
		if c.Add && isFile && isArchiveName(rel) {
			continue
		}
		var out string
		switch {
		case c.Parents:
			p := rel
			if pivot != "" && pivot != "." {
				if !strings.HasPrefix(rel, pivot+"/") {
					continue
				}
				p = rel[len(pivot)+1:]
			}
			out = path.Join(dest, p)
		case isFile && !c.DestDir():
			out = dest
		case isFile:
			out = path.Join(dest, path.Base(matched))
		default:
			out = path.Join(dest, within)
		}
		imagePath, ok = out, true
	}
	return imagePath, ok
}

func (c *Copy) excluded(within, rel string) bool {
	if len(c.Excludes) == 0 {
		return false
	}
	pm, err := patternmatcher.New(c.Excludes)
	if err != nil {
		return false
	}
	for _, p := range []string{within, rel} {
		if m, err := pm.MatchesOrParentMatches(p); err == nil && m {
			return true
		}
	}
	return false
}

func cleanRel(p string) string {
	p = path.Clean("/" + p)
	if p == "/" {
		return "."
	}
	return p[1:]
}

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[\\") }

func isRemote(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}

func isArchiveName(s string) bool {
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}
