// Package txtarrepo reads a git repository described as a txtar archive
// (golang.org/x/tools/txtar), with the findings expected at its lines. It is
// the format of internal/ruletest's test repositories and of the rules'
// examples (checks/examples), which the docs render; it does not import
// testing and runs nothing.
//
// Each archive file is a file of the repository, committed unless a marker
// after its name says otherwise:
//
//	-- backend/Cargo.lock [untracked] --
//
// Markers (comma- or space-separated inside one pair of brackets):
//
//	untracked      written to the work tree, never added
//	staged         added to the index after the commit (a new file or a staged change)
//	intent-to-add  added with git add -N after the commit
//	modified       written over the committed or staged version, not staged
//	               (the path must appear earlier in the archive, committed or staged)
//	deleted        committed, then removed from the work tree
//	symlink        a symbolic link; the content (without its final newline) is the target
//	executable     mode 0755
//
// A finding is expected where a `#` comment says `want` followed by rule IDs,
// each optionally followed by a Go string holding a regular expression the
// message must match:
//
//	COPY . .
//	RUN nix build .#backend    # want LG402 "experimental-features"
//
// A comment after other text on a line expects the findings on that line. A
// comment that is the whole line (`# want LG301`) expects them on the next
// line that is not itself such a comment: that is the form for Dockerfile
// instructions, where only whole lines are comments, and for findings on a
// comment line. The annotations stay in the files: `#` starts a comment in
// TOML, Nix, YAML, shell and Dockerfiles. For files without comments (JSON,
// or a finding on line 1 of a file that must not change), a file named
// `want` lists expectations, one per line:
//
//	package.json:3 LG303 "excluded"
//
// Blank lines and lines starting with # are ignored there.
package txtarrepo

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/txtar"
)

// State is what git knows of a file.
type State string

const (
	Committed   State = "committed"
	Staged      State = "staged"
	IntentToAdd State = "intent-to-add"
	Modified    State = "modified"
	Deleted     State = "deleted"
	Untracked   State = "untracked"
)

// File is one file of a repository.
type File struct {
	Path       string // slash-separated, relative to the repository root
	State      State
	Symlink    bool
	Executable bool
	Data       []byte
}

// Marker is the bracketed marker that produced f ("" for a plain committed file).
func (f File) Marker() string {
	var ms []string
	if f.State != Committed {
		ms = append(ms, string(f.State))
	}
	if f.Symlink {
		ms = append(ms, "symlink")
	}
	if f.Executable {
		ms = append(ms, "executable")
	}
	if len(ms) == 0 {
		return ""
	}
	return "[" + strings.Join(ms, ", ") + "]"
}

// Want is one expected finding.
type Want struct {
	Path string
	Line int
	Rule string
	Msg  *regexp.Regexp // nil: any message
	At   string         // where the expectation is written, for messages
	// InSection is set for an expectation from the want section (not
	// written as a comment in its file).
	InSection bool
}

func (w Want) String() string {
	s := fmt.Sprintf("%s:%d %s", w.Path, w.Line, w.Rule)
	if w.Msg != nil {
		s += fmt.Sprintf(" %q", w.Msg.String())
	}
	return s
}

// Repo is one repository of an archive.
type Repo struct {
	Name    string // "" for an archive that is one repository; else bad, good, good-consumed, …
	Caption string // for examples: the text of the section named Name
	Comment string // the archive's comment (the text before its first file)
	Files   []File
	Wants   []Want

	archive string
	headers map[string]int // path → line of its last header in the archive
}

// Pos names the archive line holding line of path ("" when the path is not
// in the archive).
func (r *Repo) Pos(path string, line int) string {
	h, ok := r.headers[path]
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s:%d", r.archive, h+line)
}

// Bad reports whether r is a bad example (its name starts with "bad").
func (r *Repo) Bad() bool { return strings.HasPrefix(r.Name, "bad") }

// WantFile is the name of the section listing expectations.
const WantFile = "want"

var (
	ruleID   = regexp.MustCompile(`^LG[0-9]{3}$`)
	wholeRe  = regexp.MustCompile(`^\s*#\s*want\b(.*)$`)
	trailRe  = regexp.MustCompile(`(?:^|\s)#\s*want\b(.*)$`)
	markerRe = regexp.MustCompile(`^(.*?)\s+\[([^\]]*)\]$`)
)

// entry is a file of the archive with the line of its header.
type entry struct {
	name   string
	data   []byte
	header int
}

// entries are the archive's files, each with the line number of its
// `-- name --` header (txtar.Parse does not keep it).
func entries(data []byte) []entry {
	ar := txtar.Parse(data)
	var headers []int
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") && len(l) >= 7 && strings.TrimSpace(l[3:len(l)-3]) != "" {
			headers = append(headers, i+1)
		}
	}
	out := make([]entry, len(ar.Files))
	for i, f := range ar.Files {
		out[i] = entry{name: f.Name, data: f.Data}
		if i < len(headers) {
			out[i].header = headers[i]
		}
	}
	return out
}

// Parse reads an archive that is one repository. name (the archive's file
// name) is for messages, which name archive lines.
func Parse(name string, data []byte) (*Repo, error) {
	r, err := parseRepo(name, "", entries(data))
	if err != nil {
		return nil, err
	}
	r.Comment = string(txtar.Parse(data).Comment)
	return r, nil
}

// ParseExamples reads an archive of examples: every file sits in a top-level
// directory naming its example (bad, good, bad-ignored, good-consumed, …:
// a name starts with bad or good), and a section named like the directory
// holds the example's caption. Examples come in archive order.
func ParseExamples(name string, data []byte) ([]*Repo, error) {
	var order []string
	byName := map[string][]entry{}
	captions := map[string]string{}
	for _, f := range entries(data) {
		dir, rest, ok := strings.Cut(f.name, "/")
		if !ok {
			if !validExample(f.name) {
				return nil, fmt.Errorf("%s:%d: section %q: an example's name starts with bad or good", name, f.header, f.name)
			}
			if _, dup := captions[f.name]; dup {
				return nil, fmt.Errorf("%s:%d: a second caption for example %q", name, f.header, f.name)
			}
			captions[f.name] = strings.TrimSpace(string(f.data))
			if !slices.Contains(order, f.name) {
				order = append(order, f.name)
			}
			continue
		}
		if !validExample(dir) {
			return nil, fmt.Errorf("%s:%d: file %q: an example's directory starts with bad or good", name, f.header, f.name)
		}
		if !slices.Contains(order, dir) {
			order = append(order, dir)
		}
		f.name = rest
		byName[dir] = append(byName[dir], f)
	}
	var out []*Repo
	for _, ex := range order {
		if len(byName[ex]) == 0 {
			return nil, fmt.Errorf("%s: example %q has a caption but no files", name, ex)
		}
		r, err := parseRepo(name, ex, byName[ex])
		if err != nil {
			return nil, err
		}
		r.Caption = captions[ex]
		out = append(out, r)
	}
	return out, nil
}

func validExample(s string) bool {
	for _, p := range []string{"bad", "good"} {
		if s == p || strings.HasPrefix(s, p+"-") {
			return true
		}
	}
	return false
}

func parseRepo(archive, name string, files []entry) (*Repo, error) {
	r := &Repo{Name: name, archive: archive, headers: map[string]int{}}
	var wantSections []entry
	seen := map[string]State{}
	for _, tf := range files {
		at := fmt.Sprintf("%s:%d", archive, tf.header)
		if tf.name == WantFile {
			wantSections = append(wantSections, tf)
			continue
		}
		f := File{Path: tf.name, State: Committed, Data: tf.data}
		if m := markerRe.FindStringSubmatch(tf.name); m != nil {
			f.Path = m[1]
			for _, tok := range strings.FieldsFunc(m[2], func(r rune) bool { return r == ',' || r == ' ' }) {
				switch s := State(tok); s {
				case Staged, IntentToAdd, Modified, Deleted, Untracked:
					if f.State != Committed {
						return nil, fmt.Errorf("%s: two states, %s and %s", at, f.State, s)
					}
					f.State = s
				case "symlink":
					f.Symlink = true
				case "executable":
					f.Executable = true
				default:
					return nil, fmt.Errorf("%s: unknown marker %q (use untracked, staged, intent-to-add, modified, deleted, symlink, executable)", at, tok)
				}
			}
		}
		if err := checkPath(f.Path); err != nil {
			return nil, fmt.Errorf("%s: %v", at, err)
		}
		if prev, ok := seen[f.Path]; ok {
			// Later entries change the earlier version in the index
			// (staged) or the work tree (modified).
			if !(prev == Committed && f.State == Staged) && !((prev == Committed || prev == Staged) && f.State == Modified) {
				return nil, fmt.Errorf("%s: %s appears again; a path appears at most as committed, then [staged], then [modified]", at, f.Path)
			}
		} else if f.State == Modified {
			return nil, fmt.Errorf("%s: [modified] needs a committed or staged version earlier in the archive", at)
		}
		seen[f.Path] = f.State
		r.headers[f.Path] = tf.header
		if f.Symlink {
			f.Data = bytes.TrimSuffix(f.Data, []byte("\n"))
		} else {
			ws, err := inlineWants(f.Path, f.Data, archive, tf.header)
			if err != nil {
				return nil, err
			}
			r.Wants = append(r.Wants, ws...)
		}
		r.Files = append(r.Files, f)
	}
	for _, s := range wantSections {
		ws, err := sectionWants(s.data, archive, s.header)
		if err != nil {
			return nil, err
		}
		r.Wants = append(r.Wants, ws...)
	}
	return r, nil
}

func checkPath(p string) error {
	if p == "" || path.IsAbs(p) || path.Clean(p) != p || p == ".git" || strings.HasPrefix(p, ".git/") || strings.HasPrefix(p, "../") || p == ".." {
		return fmt.Errorf("bad repository path %q (relative, clean, not under .git)", p)
	}
	return nil
}

// inlineWants finds the `# want` comments of a file.
func inlineWants(file string, data []byte, archive string, header int) ([]Want, error) {
	var out []Want
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var pending []Want // whole-line wants waiting for their line
	for i, l := range lines {
		at := fmt.Sprintf("%s:%d", archive, header+i+1)
		if m := wholeRe.FindStringSubmatch(l); m != nil {
			ws, err := parseSpecs(m[1], at)
			if err != nil {
				return nil, err
			}
			pending = append(pending, ws...)
			continue
		}
		for _, w := range pending {
			w.Path, w.Line = file, i+1
			out = append(out, w)
		}
		pending = nil
		if m := trailRe.FindStringSubmatch(l); m != nil {
			ws, err := parseSpecs(m[1], at)
			if err != nil {
				return nil, err
			}
			for _, w := range ws {
				w.Path, w.Line = file, i+1
				out = append(out, w)
			}
		}
	}
	if len(pending) > 0 {
		return nil, fmt.Errorf("%s:%d: %s: a `# want` comment on the last line has no line after it", archive, header+len(lines), file)
	}
	return out, nil
}

// sectionWants reads a want section: "path:line RULE ["regexp"] …" per line.
func sectionWants(data []byte, archive string, header int) ([]Want, error) {
	var out []Want
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		at := fmt.Sprintf("%s:%d", archive, header+i+1)
		loc, specs, ok := strings.Cut(l, " ")
		colon := strings.LastIndex(loc, ":")
		if !ok || colon < 0 {
			return nil, fmt.Errorf("%s: want lines read path:line LGxxx, not %q", at, l)
		}
		line, err := strconv.Atoi(loc[colon+1:])
		if err != nil || line < 1 {
			return nil, fmt.Errorf("%s: bad line number in %q", at, loc)
		}
		ws, err := parseSpecs(specs, at)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			w.Path, w.Line, w.InSection = loc[:colon], line, true
			out = append(out, w)
		}
	}
	return out, nil
}

// parseSpecs reads `LG301 "re" LG302 …`.
func parseSpecs(s, at string) ([]Want, error) {
	var out []Want
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%s: `want` names no rule", at)
	}
	for s != "" {
		if s[0] == '"' || s[0] == '`' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil || len(out) == 0 || out[len(out)-1].Msg != nil {
				return nil, fmt.Errorf("%s: a quoted message pattern follows a rule ID: %q", at, s)
			}
			pat, _ := strconv.Unquote(q)
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", at, err)
			}
			out[len(out)-1].Msg = re
			s = strings.TrimSpace(s[len(q):])
			continue
		}
		tok, rest, _ := strings.Cut(s, " ")
		if !ruleID.MatchString(tok) {
			return nil, fmt.Errorf("%s: %q is not a rule ID (LGxxx) or a quoted message pattern", at, tok)
		}
		out = append(out, Want{Rule: tok, At: at})
		s = strings.TrimSpace(rest)
	}
	return out, nil
}
