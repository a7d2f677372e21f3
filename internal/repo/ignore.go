package repo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	gitconfig "github.com/go-git/go-git/v5/plumbing/format/config"
)

// Pattern flags (dir.h PATTERN_FLAG_*).
const (
	patNoDir     = 1 << iota // no slash in the pattern: match the basename
	patEndsWith              // "*literal"
	patMustBeDir             // trailing slash
	patNegative              // leading "!"
)

// ignoreRule is one parsed line of an ignore file.
type ignoreRule struct {
	pattern string // without the leading "!" and the trailing "/"
	flags   int
	nowild  int    // length of the leading part without wildcards
	base    string // directory of the .gitignore, without trailing slash ("" = root)
	line    int
	text    string // the line as git reports it
}

// ignoreList is the parsed content of one ignore file.
type ignoreList struct {
	source string
	rules  []ignoreRule
}

// ignorer answers Ignored queries with git's semantics, loading .gitignore
// files lazily.
type ignorer struct {
	root string
	// plainDir reports whether a directory is reached from the root
	// without a symbolic link (Repo.plainDir), looking through none.
	plainDir func(d string) bool

	mu       sync.Mutex
	dirs     map[string]*ignoreList  // dir → its .gitignore (nil: none)
	excluded map[string]*IgnoreMatch // dir → match excluding it (nil: not excluded)
	global   []*ignoreList           // info/exclude, then the excludes file (priority order)
}

func (r *Repo) ignorer() *ignorer {
	r.ignOnce.Do(func() {
		ig := &ignorer{
			root:     r.root,
			plainDir: r.plainDir,
			dirs:     map[string]*ignoreList{},
			excluded: map[string]*IgnoreMatch{},
		}
		// Reports name ignore files by repo-relative path, or, outside
		// the work tree, by what git calls them: never by an absolute path.
		info := filepath.Join(r.commonDir, "info", "exclude")
		src := "$GIT_DIR/info/exclude"
		if rel, err := filepath.Rel(r.root, info); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			src = filepath.ToSlash(rel)
		}
		if l := readIgnoreFile(info, src, ""); l != nil {
			ig.global = append(ig.global, l)
		}
		if ef, name := r.excludesFile(); ef != "" {
			p := ef
			if !filepath.IsAbs(p) {
				p = filepath.Join(r.root, p)
			}
			if l := readIgnoreFile(p, name, ""); l != nil {
				ig.global = append(ig.global, l)
			}
		}
		r.ign = ig
	})
	return r.ign
}

// Ignored reports whether git's ignore rules exclude a repo-relative path,
// like `git check-ignore -v --no-index`: tracked files are not special here
// (Status handles them). isDir says whether the path is a directory (for
// "dir/" patterns). A path below an excluded directory is ignored by the
// rule excluding that directory, and no negation can re-include it.
// Negated matches give nil.
func (r *Repo) Ignored(p string, isDir bool) *IgnoreMatch {
	p, ok := cleanRel(p)
	if !ok || p == "" {
		return nil
	}
	ig := r.ignorer()
	ig.mu.Lock()
	defer ig.mu.Unlock()
	if dir, _ := splitPath(p); dir != "" {
		if m := ig.dirExcluded(dir); m != nil {
			c := *m
			return &c
		}
	}
	return ig.match(p, isDir)
}

func splitPath(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// dirExcluded returns the match excluding directory d or one of its parents.
func (ig *ignorer) dirExcluded(d string) *IgnoreMatch {
	if m, ok := ig.excluded[d]; ok {
		return m
	}
	var m *IgnoreMatch
	if parent, _ := splitPath(d); parent != "" {
		m = ig.dirExcluded(parent)
	}
	if m == nil {
		m = ig.match(d, true)
	}
	ig.excluded[d] = m
	return m
}

// match checks p against the .gitignore files of its parent directories
// (deepest first), then info/exclude and the excludes file. The first rule
// that matches decides; a negated rule means "not ignored".
func (ig *ignorer) match(p string, isDir bool) *IgnoreMatch {
	dir, base := splitPath(p)
	for d := dir; ; {
		if l := ig.dirList(d); l != nil {
			if m, ok := l.match(p, base, isDir); ok {
				return m
			}
		}
		if d == "" {
			break
		}
		d, _ = splitPath(d)
	}
	for _, l := range ig.global {
		if m, ok := l.match(p, base, isDir); ok {
			return m
		}
	}
	return nil
}

// dirList loads (once) the .gitignore of directory d ("" = root).
func (ig *ignorer) dirList(d string) *ignoreList {
	if l, ok := ig.dirs[d]; ok {
		return l
	}
	src := ".gitignore"
	if d != "" {
		src = d + "/.gitignore"
	}
	full := filepath.Join(ig.root, filepath.FromSlash(src))
	var l *ignoreList
	// git opens in-tree .gitignore files with O_NOFOLLOW: symlinks are
	// skipped; and it never descends into a symlinked directory, which
	// could lead out of the work tree.
	// realDir first: lstat through a symbolic link could look outside
	// the work tree.
	if !ig.realDir(d) {
		ig.dirs[d] = nil
		return nil
	}
	if fi, err := os.Lstat(full); err == nil && fi.Mode().IsRegular() {
		l = readIgnoreFile(full, src, d)
	}
	ig.dirs[d] = l
	return l
}

// realDir reports whether the directory d of the work tree is reached
// without following a symbolic link.
func (ig *ignorer) realDir(d string) bool {
	if d == "" {
		return true
	}
	if ig.plainDir != nil {
		return ig.plainDir(d)
	}
	return false
}

// match returns the last rule of the list matching path p (basename base).
// ok is false when no rule matches; m is nil for a negated rule.
func (l *ignoreList) match(p, base string, isDir bool) (m *IgnoreMatch, ok bool) {
	for i := len(l.rules) - 1; i >= 0; i-- {
		r := &l.rules[i]
		if r.flags&patMustBeDir != 0 && !isDir {
			continue
		}
		var hit bool
		if r.flags&patNoDir != 0 {
			hit = matchBasename(base, r)
		} else {
			hit = matchPathname(p, r)
		}
		if !hit {
			continue
		}
		if r.flags&patNegative != 0 {
			return nil, true
		}
		return &IgnoreMatch{Source: l.source, Line: r.line, Pattern: r.text}, true
	}
	return nil, false
}

// readIgnoreFile parses an ignore file; nil when it cannot be read or has no
// rules.
func readIgnoreFile(full, source, base string) *ignoreList {
	b, err := os.ReadFile(full)
	if err != nil {
		return nil
	}
	l := parseIgnore(b, source, base)
	if len(l.rules) == 0 {
		return nil
	}
	return l
}

// parseIgnore follows dir.c add_patterns_from_buffer: skip a UTF-8 BOM, split
// at '\n', skip empty lines and '#' comments, drop one '\r' before the
// newline, trim unescaped trailing spaces.
func parseIgnore(b []byte, source, base string) *ignoreList {
	l := &ignoreList{source: source}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for lineno := 1; len(b) > 0; lineno++ {
		line := b
		if nl := bytes.IndexByte(b, '\n'); nl >= 0 {
			line, b = b[:nl], b[nl+1:]
		} else {
			b = nil
		}
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if i := bytes.IndexByte(line, 0); i >= 0 { // C string semantics
			line = line[:i]
		}
		s := trimTrailingSpaces(string(line))
		l.rules = append(l.rules, parseRule(s, base, lineno))
	}
	return l
}

// trimTrailingSpaces removes trailing spaces that are not backslash-escaped
// (dir.c trim_trailing_spaces).
func trimTrailingSpaces(s string) string {
	lastSpace := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
			if lastSpace < 0 {
				lastSpace = i
			}
		case '\\':
			i++
			if i >= len(s) {
				return s
			}
			lastSpace = -1
		default:
			lastSpace = -1
		}
	}
	if lastSpace >= 0 {
		return s[:lastSpace]
	}
	return s
}

// parseRule follows dir.c parse_path_pattern.
func parseRule(s, base string, line int) ignoreRule {
	r := ignoreRule{base: base, line: line, text: s}
	p := s
	if strings.HasPrefix(p, "!") {
		r.flags |= patNegative
		p = p[1:]
	}
	n := len(p)
	if n > 0 && p[n-1] == '/' {
		n--
		r.flags |= patMustBeDir
	}
	if strings.IndexByte(p[:n], '/') < 0 {
		r.flags |= patNoDir
	}
	r.nowild = min(simpleLength(p), n)
	if strings.HasPrefix(p, "*") && simpleLength(p[1:]) == len(p)-1 {
		r.flags |= patEndsWith
	}
	r.pattern = p[:n]
	return r
}

func isGlobSpecial(c byte) bool { return c == '*' || c == '?' || c == '[' || c == '\\' }

// simpleLength is the length of the leading part of p without glob specials.
func simpleLength(p string) int {
	for i := 0; i < len(p); i++ {
		if isGlobSpecial(p[i]) {
			return i
		}
	}
	return len(p)
}

// matchBasename follows dir.c match_basename.
func matchBasename(base string, r *ignoreRule) bool {
	pat := r.pattern
	switch {
	case r.nowild == len(pat):
		return pat == base
	case r.flags&patEndsWith != 0:
		return len(pat)-1 <= len(base) && base[len(base)-(len(pat)-1):] == pat[1:]
	default:
		return wildmatch(pat, base, false)
	}
}

// matchPathname follows dir.c match_pathname: the pattern is relative to the
// directory of its .gitignore.
func matchPathname(p string, r *ignoreRule) bool {
	pat, prefix := r.pattern, r.nowild
	if strings.HasPrefix(pat, "/") {
		pat = pat[1:]
		prefix--
	}
	base := r.base
	if len(p) < len(base)+1 || (base != "" && (p[len(base)] != '/' || p[:len(base)] != base)) {
		return false
	}
	name := p
	if base != "" {
		name = p[len(base)+1:]
	}
	if prefix > 0 {
		if prefix > len(name) || pat[:prefix] != name[:prefix] {
			return false
		}
		pat, name = pat[prefix:], name[prefix:]
		if pat == "" && name == "" {
			return true
		}
	}
	return wildmatch(pat, name, true)
}

// excludesFile returns core.excludesFile (~ expanded), or git's default
// $XDG_CONFIG_HOME/git/ignore (~/.config/git/ignore). It asks git, which
// knows every config scope and include; without a git binary it reads the
// system, global, XDG and repository config files itself.
// name is how reports call it: "core.excludesFile", or git's default
// "$XDG_CONFIG_HOME/git/ignore".
func (r *Repo) excludesFile() (file, name string) {
	const key, def = "core.excludesFile", "$XDG_CONFIG_HOME/git/ignore"
	out, err := r.git(context.Background(), nil, "config", "-z", "--path", "--get", "core.excludesFile")
	if err == nil {
		return strings.TrimSuffix(string(out), "\x00"), key
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 { // not set
		return xdgIgnore(r.env), def
	}
	if v, ok := r.excludesFileFromConfig(); ok {
		return v, key
	}
	return xdgIgnore(r.env), def
}

func xdgIgnore(env []string) string {
	if x, _ := lookupEnv(env, "XDG_CONFIG_HOME"); x != "" {
		return x + "/git/ignore"
	}
	if h, ok := lookupEnv(env, "HOME"); ok {
		return h + "/.config/git/ignore"
	}
	return ""
}

// excludesFileFromConfig reads core.excludesFile from the config files, in
// git's order (later wins). Includes are not followed.
func (r *Repo) excludesFileFromConfig() (string, bool) {
	home, _ := lookupEnv(r.env, "HOME")
	var files []string
	if v, _ := lookupEnv(r.env, "GIT_CONFIG_NOSYSTEM"); v == "" || v == "0" || strings.EqualFold(v, "false") {
		sys := "/etc/gitconfig"
		if s, ok := lookupEnv(r.env, "GIT_CONFIG_SYSTEM"); ok {
			sys = s
		}
		files = append(files, sys)
	}
	if g, ok := lookupEnv(r.env, "GIT_CONFIG_GLOBAL"); ok {
		files = append(files, g)
	} else {
		if x, _ := lookupEnv(r.env, "XDG_CONFIG_HOME"); x != "" {
			files = append(files, filepath.Join(x, "git", "config"))
		} else if home != "" {
			files = append(files, filepath.Join(home, ".config", "git", "config"))
		}
		if home != "" {
			files = append(files, filepath.Join(home, ".gitconfig"))
		}
	}
	files = append(files, filepath.Join(r.commonDir, "config"), filepath.Join(r.gitDir, "config.worktree"))
	val, found := "", false
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		cfg := gitconfig.New()
		if err := gitconfig.NewDecoder(bytes.NewReader(b)).Decode(cfg); err != nil {
			continue
		}
		for _, s := range cfg.Sections {
			if s.IsName("core") && s.HasOption("excludesfile") {
				val, found = s.Option("excludesfile"), true
			}
		}
	}
	if !found {
		return "", false
	}
	if val == "~" || strings.HasPrefix(val, "~/") {
		val = home + val[1:]
	}
	return val, true
}
