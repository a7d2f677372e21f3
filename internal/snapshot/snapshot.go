package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/lockguard/lockguard/internal/config"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/par"
	"github.com/lockguard/lockguard/internal/repo"
)

// MaxFileSize bounds the files lockguard reads: a larger file where a
// manifest, flake or Dockerfile is expected is reported as LG901, not read.
const MaxFileSize = 8 << 20

// Snapshot is one read-only view of a repository: the index, the files rules
// read (cached), and models built from them on first use. Every method is
// safe for concurrent use by rules running in parallel.
type Snapshot struct {
	Repo   *repo.Repo
	Config *config.Config

	files sync.Map // path → *fileEntry

	parseMu     sync.Mutex
	parseErrors map[string]ParseError // by path

	models sync.Map // *Model[T] → *modelEntry

	lstats sync.Map // path → lstatResult (flake references and their symlinks)

	// ctx, set by Run: when it is cancelled (SIGINT), long loops stop.
	ctx context.Context
}

// SetContext makes ctx the run's context (the engine sets it before the
// rules run): once it is cancelled, Interrupted is true.
func (s *Snapshot) SetContext(ctx context.Context) { s.ctx = ctx }

// Interrupted reports whether the run was cancelled (Options.Context):
// loaders and analyses that can run long ask it and stop.
func (s *Snapshot) Interrupted() bool { return s.ctx != nil && s.ctx.Err() != nil }

// ParseError is a file lockguard needs but cannot parse (LG901).
type ParseError struct {
	Path   string
	Line   int
	Column int
	Msg    string
}

type fileEntry struct {
	once sync.Once
	data []byte
	err  error
}

// New makes a snapshot of r (with the default configuration when cfg is nil).
func New(r *repo.Repo, cfg *config.Config) *Snapshot {
	if cfg == nil {
		cfg = config.Default()
	}
	return &Snapshot{Repo: r, Config: cfg, parseErrors: map[string]ParseError{}}
}

// ErrTooLarge is returned by ReadFile for files over MaxFileSize.
var ErrTooLarge = errors.New("file is too large")

// ReadFile returns the content of a repo-relative file (the staged content in
// --staged mode), cached. Files over MaxFileSize give ErrTooLarge.
func (s *Snapshot) ReadFile(p string) ([]byte, error) {
	v, _ := s.files.LoadOrStore(p, &fileEntry{})
	fe := v.(*fileEntry)
	fe.once.Do(func() {
		// One open, fstat and read: the size is checked on the open file.
		fe.data, fe.err = s.Repo.ReadFileLimit(p, MaxFileSize)
		if errors.Is(fe.err, repo.ErrFileTooLarge) {
			fe.data, fe.err = nil, ErrTooLarge
		}
	})
	return fe.data, fe.err
}

// Overlay makes ReadFile return data as the content of p: `fix --dry-run`
// and `fix --diff` check again with the edits they planned, changing nothing
// on disk. Call it before the rules run.
func (s *Snapshot) Overlay(p string, data []byte) {
	fe := &fileEntry{data: data}
	fe.once.Do(func() {})
	s.files.Store(p, fe)
}

// Source returns the cached content of a file that a rule read, or nil. The
// report uses it for snippets; it never reads new files.
func (s *Snapshot) Source(p string) []byte {
	if v, ok := s.files.Load(p); ok {
		fe := v.(*fileEntry)
		fe.once.Do(func() {})
		return fe.data
	}
	return nil
}

// FilesRead lists the files rules read, sorted.
func (s *Snapshot) FilesRead() []string {
	var out []string
	s.files.Range(func(k, v any) bool {
		if v.(*fileEntry).err == nil {
			out = append(out, k.(string))
		}
		return true
	})
	slices.Sort(out)
	return out
}

// AddParseError records that a file could not be parsed (reported by LG901).
func (s *Snapshot) AddParseError(e ParseError) {
	s.parseMu.Lock()
	defer s.parseMu.Unlock()
	if _, ok := s.parseErrors[e.Path]; !ok {
		s.parseErrors[e.Path] = e
	}
}

// ParseErrors returns the parse errors recorded so far, in no order.
func (s *Snapshot) ParseErrors() []ParseError {
	s.parseMu.Lock()
	defer s.parseMu.Unlock()
	out := make([]ParseError, 0, len(s.parseErrors))
	for _, e := range s.parseErrors {
		out = append(out, e)
	}
	return out
}

// readForParse reads a file that must be parsed. A read failure other than
// "does not exist" (which the git-state rules report) becomes a parse error.
func (s *Snapshot) readForParse(p string) ([]byte, bool) {
	data, err := s.ReadFile(p)
	switch {
	case err == nil:
		return data, true
	case errors.Is(err, ErrTooLarge):
		s.AddParseError(tooLarge(p))
	case errors.Is(err, fs.ErrNotExist):
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is the diagnostic's; never print an absolute one
		}
		s.AddParseError(ParseError{Path: p, Line: 1, Column: 1, Msg: "cannot read: " + err.Error()})
	}
	return nil, false
}

// TrackedNamed returns the tracked paths whose base name satisfies match,
// in index order. Intent-to-add entries count (they are in the index).
func (s *Snapshot) TrackedNamed(match func(base string) bool) []string {
	var out []string
	for _, e := range s.Repo.Entries() {
		if e.Submodule {
			continue
		}
		if match(path.Base(e.Path)) {
			out = append(out, e.Path)
		}
	}
	return out
}

// Exists reports whether a repo-relative path is in the index or on disk.
func (s *Snapshot) Exists(p string) bool {
	if _, ok := s.Repo.Entry(p); ok {
		return true
	}
	if len(s.Repo.TrackedUnder(p)) > 0 {
		return true
	}
	_, err := s.Repo.Lstat(p)
	return err == nil
}

// Parallel runs f over items on all cores (par.Each: a worker's panic is
// raised again in the caller).
func Parallel[T any](items []T, f func(T)) { par.Each(items, f) }

// indices returns 0, 1, …, n-1 (for parallel over a slice).
func indices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// dirOf is path.Dir with "" for the root.
func DirOf(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

// join is path.Join that keeps "" for the root.
func Join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// under reports whether p is dir or below it ("" covers everything).
func Under(p, dir string) bool {
	return dir == "" || p == dir || strings.HasPrefix(p, dir+"/")
}

// display renders a repo-relative directory for messages.
func Display(dir string) string {
	if dir == "" {
		return "the repository root"
	}
	return dir + "/"
}

// spanOf converts a 1-based position into a diag.Span.
func SpanOf(line, col, endLine, endCol int) diag.Span {
	return diag.Span{Line: line, Column: col, EndLine: endLine, EndColumn: endCol}
}

// tooLarge is the parse error of a file over MaxFileSize (LG901).
func tooLarge(p string) ParseError {
	return ParseError{Path: p, Line: 1, Column: 1, Msg: fmt.Sprintf("file is larger than %d MiB; lockguard does not read it", MaxFileSize>>20)}
}
