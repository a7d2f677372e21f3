package dockerfile

import (
	"fmt"
	"path"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// IsDockerfileName reports whether a path names a Dockerfile: base name
// Dockerfile or Containerfile, or a dot-separated name with a part equal to
// "Dockerfile" (Dockerfile.dev, app.Dockerfile, build.Dockerfile.prod), as
// pre-commit/identify tags them — case-sensitively, as BuildKit reads them —
// plus lower-case "dockerfile", BuildKit's fallback name. Ignore files
// (Dockerfile.dockerignore, app.Dockerfile.dockerignore) are not Dockerfiles,
// nor are templates that render one (rust.Dockerfile.jinja2,
// Dockerfile.tmpl, Dockerfile.in): a build names the rendered file. A file
// a build names as its Dockerfile is one whatever its name; the Docker
// model adds those.
func IsDockerfileName(p string) bool {
	p = strings.ReplaceAll(p, "\\", "/")
	base := path.Base(p)
	switch base {
	case "Dockerfile", "Containerfile", "dockerfile", "containerfile":
		return true
	}
	if strings.HasSuffix(base, ".dockerignore") || strings.HasSuffix(base, ".containerignore") {
		return false
	}
	if i := strings.LastIndexByte(base, '.'); i >= 0 && templateExt[base[i+1:]] {
		return false
	}
	for _, part := range strings.Split(base, ".") {
		if part == "Dockerfile" || part == "Containerfile" {
			return true
		}
	}
	return false
}

// templateExt are the extensions of template files: their text is not
// the Dockerfile a build reads.
var templateExt = map[string]bool{
	"j2": true, "jinja": true, "jinja2": true, "tmpl": true, "tpl": true, "template": true, "gotmpl": true,
	"in": true, "erb": true, "mustache": true, "hbs": true, "ejs": true, "njk": true, "liquid": true, "m4": true,
}

// IgnoreFileFor returns the ignore file BuildKit uses for a build of
// dockerfilePath with context contextDir (slash or OS paths, as given):
// <dockerfilePath>.dockerignore when it exists, else
// <contextDir>/.dockerignore when it exists, else "". The two are never
// merged.
func IgnoreFileFor(dockerfilePath, contextDir string, exists func(string) bool) string {
	if specific := dockerfilePath + ".dockerignore"; exists != nil && exists(specific) {
		return specific
	}
	p := ".dockerignore"
	if contextDir != "" {
		sep := "/"
		if strings.Contains(contextDir, "\\") && !strings.Contains(contextDir, "/") {
			sep = "\\"
		}
		p = strings.TrimRight(contextDir, sep) + sep + ".dockerignore"
	}
	if exists != nil && exists(p) {
		return p
	}
	return ""
}

// Ignore is a parsed .dockerignore.
type Ignore struct {
	Path     string
	Patterns []IgnorePattern
	pm       *patternmatcher.PatternMatcher
	// mu serialises matching: patternmatcher compiles each pattern lazily
	// on its first match, a write that races when rules running in
	// parallel share one .dockerignore.
	mu sync.Mutex
	// skipDirs mirrors fsutil's onlyPrefixExcludeExceptions: excluded
	// directories are not descended into unless an exception pattern
	// names something below them.
	skipDirs bool
}

// IgnorePattern is one effective line of an ignore file.
type IgnorePattern struct {
	Line    int    // 1-based line in the file
	Pattern string // normalised as ignorefile.ReadAll does ("!" kept)
}

// IgnoreError is an invalid ignore file.
type IgnoreError struct {
	Path string
	Line int
	Msg  string
}

func (e *IgnoreError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg) }

// ParseIgnore parses ignore-file content with BuildKit's reader
// (ignorefile.ReadAll) and matcher (patternmatcher.New).
func ParseIgnore(p string, data []byte) (ig *Ignore, err error) {
	defer func() {
		if r := recover(); r != nil {
			ig, err = nil, &IgnoreError{Path: p, Line: 1, Msg: fmt.Sprint("invalid ignore file: ", r)}
		}
	}()
	all, err := ignorefile.ReadAll(strings.NewReader(string(data)))
	if err != nil {
		return nil, &IgnoreError{Path: p, Line: firstLongLine(data), Msg: err.Error()}
	}
	ig = &Ignore{Path: p}
	// Map the patterns back to lines: ReadAll normalises line by line.
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if i == 0 {
			l = strings.TrimPrefix(l, "\xef\xbb\xbf")
		}
		l = strings.TrimSuffix(l, "\r")
		one, err := ignorefile.ReadAll(strings.NewReader(l))
		if err != nil || len(one) == 0 {
			continue
		}
		ig.Patterns = append(ig.Patterns, IgnorePattern{Line: i + 1, Pattern: one[0]})
	}
	if len(ig.Patterns) != len(all) { // should not happen; keep BuildKit's list
		ig.Patterns = ig.Patterns[:0]
		for _, a := range all {
			ig.Patterns = append(ig.Patterns, IgnorePattern{Line: 1, Pattern: a})
		}
	}
	for _, pat := range ig.Patterns {
		if err := checkPattern(pat.Pattern); err != nil {
			return nil, &IgnoreError{Path: p, Line: pat.Line, Msg: fmt.Sprintf("invalid pattern %q: %v", pat.Pattern, err)}
		}
	}
	ig.pm, err = patternmatcher.New(all)
	if err != nil {
		return nil, &IgnoreError{Path: p, Line: 1, Msg: err.Error()}
	}
	ig.skipDirs = true
	for _, pat := range ig.pm.Patterns() {
		if pat.Exclusion() && strings.ContainsAny(withoutTrailingGlob(pat.String()), `*[]?^\`) {
			ig.skipDirs = false
		}
	}
	return ig, nil
}

func firstLongLine(data []byte) int {
	for i, l := range strings.Split(string(data), "\n") {
		if len(l) >= 64*1024 {
			return i + 1
		}
	}
	return 1
}

// checkPattern validates one pattern, including the regexp compilation
// patternmatcher defers to the first match.
func checkPattern(p string) error {
	q := strings.TrimPrefix(p, "!")
	if strings.TrimSpace(q) == "" && strings.HasPrefix(p, "!") {
		return fmt.Errorf(`illegal exclusion pattern: "!"`)
	}
	if !utf8.ValidString(q) {
		return fmt.Errorf("pattern is not valid UTF-8")
	}
	pm, err := patternmatcher.New([]string{q})
	if err != nil {
		return err
	}
	_, err = pm.MatchesOrParentMatches("a")
	return err
}

func withoutTrailingGlob(p string) string {
	p = strings.TrimSuffix(p, "/**")
	return strings.TrimSuffix(p, "/*")
}

// Excluded reports whether the context-relative path rel (slash-separated)
// is left out of the build context, with the semantics of BuildKit's
// context transfer (fsutil's filtered walk): each ancestor directory is
// matched with MatchesUsingParentResults along the path from the root, and
// an excluded directory is not descended into when no exception ("!")
// pattern could match below it. isDir says whether rel is a directory. A
// nil *Ignore excludes nothing.
func (ig *Ignore) Excluded(rel string, isDir bool) bool {
	if ig == nil || ig.pm == nil || len(ig.Patterns) == 0 {
		return false
	}
	rel = cleanRel(rel)
	if rel == "." {
		return false
	}
	parts := strings.Split(rel, "/")
	ig.mu.Lock()
	defer ig.mu.Unlock()
	var info patternmatcher.MatchInfo
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		last := i == len(parts)-1
		dir := !last || isDir
		m, mi, err := ig.pm.MatchesUsingParentResults(p, info)
		if err != nil {
			return false
		}
		info = mi
		if m && dir && ig.skipDirs && !ig.exceptionBelow(p) {
			return true // fsutil skips the whole directory
		}
		if last {
			return m
		}
	}
	return false
}

// DirInContext reports whether the context-relative directory dir is in
// the build context, given the files below it (context-relative): when it
// is not excluded, or when one of the files is kept. fsutil's Walk sends an
// excluded directory as the parent of what it keeps below it, so with `**`
// excluded and `!tools/a/` kept, COPY tools ./tools succeeds and copies
// tools/a.
func (ig *Ignore) DirInContext(dir string, below []string) bool {
	if !ig.Excluded(dir, true) {
		return true
	}
	for _, f := range below {
		if !ig.Excluded(f, false) {
			return true
		}
	}
	return false
}

// exceptionBelow mirrors fsutil: an exception pattern (without a trailing
// /* or /**) that starts with dir/ keeps the walk going into dir.
func (ig *Ignore) exceptionBelow(dir string) bool {
	if !ig.pm.Exclusions() {
		return false
	}
	for _, pat := range ig.pm.Patterns() {
		if pat.Exclusion() && strings.HasPrefix(withoutTrailingGlob(pat.String())+"/", dir+"/") {
			return true
		}
	}
	return false
}

// Match explains an exclusion: the line and pattern of the last pattern
// matching rel or one of its parents, when rel is excluded (ok false
// otherwise). Directories are assumed for the parents only.
func (ig *Ignore) Match(rel string) (line int, pattern string, ok bool) {
	if !ig.Excluded(rel, false) && !ig.Excluded(rel, true) {
		return 0, "", false
	}
	rel = cleanRel(rel)
	parts := strings.Split(rel, "/")
	for i := len(ig.Patterns) - 1; i >= 0; i-- {
		pat := ig.Patterns[i]
		if strings.HasPrefix(pat.Pattern, "!") {
			continue
		}
		pm, err := patternmatcher.New([]string{pat.Pattern})
		if err != nil {
			continue
		}
		for j := range parts {
			if m, _ := pm.MatchesOrParentMatches(strings.Join(parts[:j+1], "/")); m {
				return pat.Line, pat.Pattern, true
			}
		}
	}
	return 0, "", false
}
