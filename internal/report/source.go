package report

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/diag"
)

// sources caches file contents and line starts, so that many findings in one
// file read and index it once.
type sources struct {
	fn    func(string) []byte
	files map[string]*srcFile
}

type srcFile struct {
	data   []byte
	starts []int // byte offset of each line's start; nil until needed
}

func newSources(fn func(string) []byte) *sources {
	return &sources{fn: fn, files: map[string]*srcFile{}}
}

// file returns the cached contents of path, or nil when unavailable or empty.
func (s *sources) file(path string) *srcFile {
	if s.fn == nil {
		return nil
	}
	f, ok := s.files[path]
	if !ok {
		if data := s.fn(path); len(data) > 0 {
			f = &srcFile{data: data}
		}
		s.files[path] = f
	}
	return f
}

// numLines is the number of lines of f; a final line break starts an empty
// last line.
func (f *srcFile) numLines() int {
	f.index()
	return len(f.starts)
}

// index finds the line starts. A line ends at "\n", "\r\n" or a lone "\r",
// as in lockguard's Nix parser, so line numbers agree with its positions.
func (f *srcFile) index() {
	if f.starts != nil {
		return
	}
	f.starts = make([]int, 1, bytes.Count(f.data, []byte{'\n'})+1)
	for i, c := range f.data {
		if c == '\n' || c == '\r' && (i+1 == len(f.data) || f.data[i+1] != '\n') {
			f.starts = append(f.starts, i+1)
		}
	}
}

// line returns line n (1-based) without its line ending.
func (f *srcFile) line(n int) ([]byte, bool) {
	f.index()
	if n < 1 || n > len(f.starts) {
		return nil, false
	}
	end := len(f.data)
	if n < len(f.starts) {
		end = f.starts[n]
	}
	l := f.data[f.starts[n-1]:end]
	l = bytes.TrimSuffix(l, []byte{'\n'})
	return bytes.TrimSuffix(l, []byte{'\r'}), true
}

// fixLines describes the actions of a fix, one line each, for people: the
// commands (shell-quoted, with their directory), the edits and the paths to
// stage. Lines are sanitized.
func fixLines(f *diag.Fix, src *sources) []string {
	var out []string
	for _, a := range f.Actions {
		switch a.Kind {
		case diag.ActionRun:
			out = append(out, "run"+inDir(a.Dir)+": "+ShellJoin(a.Command))
			if len(a.Fallback) > 0 {
				what := "the command"
				if len(a.Command) > 0 {
					what = a.Command[0]
				}
				out = append(out, "  (if "+what+" is not on PATH: run"+inDir(a.FallbackDir)+": "+ShellJoin(a.Fallback)+")")
			}
		case diag.ActionEdit:
			for _, e := range a.Edits {
				out = append(out, "edit "+a.Path+": "+describeEdit(e, src.file(a.Path)))
			}
		case diag.ActionStage:
			cmd := []string{"git", "add"}
			if a.Force {
				cmd = append(cmd, "--force")
			}
			cmd = append(cmd, "--")
			line := ShellJoin(append(cmd, a.Paths...))
			if a.Force && a.ForceReason != "" {
				line += " (needs --force: " + a.ForceReason + ")"
			}
			out = append(out, line)
		default:
			out = append(out, string(a.Kind)+" (unknown action)")
		}
	}
	for i, l := range out {
		out[i] = Sanitize(l)
	}
	return out
}

func inDir(dir string) string {
	if dir == "" || dir == "." {
		return ""
	}
	return " in " + dir
}

// describeEdit says what a text edit does, quoting the replaced text when
// the file is available.
func describeEdit(e diag.TextEdit, f *srcFile) string {
	newText := quoteShort(e.NewText)
	var old string
	haveOld := f != nil && e.Start >= 0 && e.Start <= e.End && e.End <= len(f.data)
	if haveOld {
		old = quoteShort(string(f.data[e.Start:e.End]))
	}
	span := "bytes " + strconv.Itoa(e.Start) + ".." + strconv.Itoa(e.End)
	switch {
	case e.Start == e.End:
		return "insert " + newText + " at byte " + strconv.Itoa(e.Start)
	case haveOld && e.NewText == "":
		return "delete " + old + " (" + span + ")"
	case haveOld:
		return "replace " + old + " with " + newText + " (" + span + ")"
	case e.NewText == "":
		return "delete " + span
	}
	return "replace " + span + " with " + newText
}

// quoteShort quotes s as a Go string, shortened to about 60 characters.
func quoteShort(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) <= max {
		return strconv.Quote(s)
	}
	n := 0
	for i := range s {
		if n == max {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}
