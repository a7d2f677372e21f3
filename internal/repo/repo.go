package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5"
)

// Backend names accepted by Options.Backend and returned by Repo.Backend.
const (
	BackendGoGit = "go-git"
	BackendGit   = "git"
)

// Options configures Open.
type Options struct {
	Dir     string   // start directory, "" = current directory (like `git -C DIR`)
	Staged  bool     // ReadFile returns index (staged) content instead of the work tree
	Env     []string // environment for git subprocesses; nil = os.Environ()
	Backend string   // "" auto, "go-git" or "git" (force a backend)
}

// ErrNotRepo is returned (wrapped) by Open when the start directory is not
// inside a git work tree.
var ErrNotRepo = errors.New("not a git repository (or any parent)")

// ErrIndexLocked is wrapped by Stage when git could not take the index lock
// because the lock file exists.
var ErrIndexLocked = errors.New("git index is locked")

// indexLockedError is the error Stage returns for a held index lock.
type indexLockedError struct{ lock string }

func (e *indexLockedError) Error() string {
	return fmt.Sprintf("cannot stage files: %s exists: another git process seems to be running in this repository; if not, remove %s and try again", e.lock, e.lock)
}

func (e *indexLockedError) Unwrap() error { return ErrIndexLocked }

// Entry is one path of the index. Conflicted paths (stages 1-3) are collapsed
// into one Entry with Conflicted set; its Mode and Hash are those of "ours"
// (stage 2), else "theirs" (stage 3), else the base (stage 1).
type Entry struct {
	Path         string // repo-relative, slash-separated
	Mode         uint32 // git mode: 0100644, 0100755, 0120000 (symlink), 0160000 (gitlink)
	Hash         string // hex object name
	IntentToAdd  bool   // `git add -N`: in the index, content not staged
	SkipWorktree bool   // sparse checkout / `update-index --skip-worktree`
	Conflicted   bool   // unmerged (stages 1-3)
	Submodule    bool   // gitlink (mode 160000)
}

const (
	modeGitlink = 0o160000
	emptyBlob   = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
)

// State classifies a path; see Repo.Status.
type State int

// The states of a path.
const (
	StateCommitted   State = iota + 1 // in the index at stage 0, not intent-to-add: will be in the next commit
	StateIntentToAdd                  // in the index as intent-to-add (`git add -N`)
	StateConflicted                   // unmerged in the index
	StateUntracked                    // exists on disk, not in the index, not ignored
	StateIgnored                      // exists on disk, not in the index, ignored
	StateMissing                      // not on disk and not in the index
	StateInSubmodule                  // inside a gitlink; Status.Submodule names it
	StateDeleted                      // in the index but deleted from the work tree
)

var stateNames = [...]string{
	StateCommitted:   "committed",
	StateIntentToAdd: "intent-to-add",
	StateConflicted:  "conflicted",
	StateUntracked:   "untracked",
	StateIgnored:     "ignored",
	StateMissing:     "missing",
	StateInSubmodule: "in-submodule",
	StateDeleted:     "deleted",
}

func (s State) String() string {
	if s > 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status is the result of Repo.Status.
type Status struct {
	State State
	// Ignore is the matching ignore rule for StateIgnored, and for
	// StateMissing when a file created at that path would be ignored.
	Ignore *IgnoreMatch
	// Submodule is the gitlink path for StateInSubmodule.
	Submodule string
}

// IgnoreMatch tells which rule ignores a path, as `git check-ignore -v` does.
type IgnoreMatch struct {
	// Source is the file holding the rule: repo-relative for .gitignore files
	// (".gitignore", "backend/.gitignore"), relative to Root for an
	// info/exclude inside the work tree (".git/info/exclude"), else
	// absolute; for the excludes file, the path as configured (~ expanded).
	Source  string
	Line    int    // 1-based line in Source
	Pattern string // as written, with its leading "!" or trailing "/"
}

func (m IgnoreMatch) String() string {
	return fmt.Sprintf("%s:%d:%s", m.Source, m.Line, m.Pattern)
}

// Repo is a snapshot of a repository taken by Open. Its methods are safe for
// concurrent use. The index is not re-read: after Stage, Open again to see
// the new index.
type Repo struct {
	root, gitDir, commonDir, prefix string
	backend                         string
	staged                          bool
	env                             []string
	indexFile                       string // absolute path of the index file read

	entries    []Entry
	byPath     map[string]int
	submodules []string

	gg   *git.Repository // go-git handle (go-git backend only)
	ggMu sync.Mutex

	ignOnce sync.Once
	ign     *ignorer

	plainDirs sync.Map // repo-relative dir → bool (readfast_unix.go)
}

// envForcingCLI lists the variables go-git v5 ignores but git honours.
var envForcingCLI = []string{
	"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR",
	"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
	"GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM",
}

// Open finds the repository containing opts.Dir (or the current directory)
// and reads its index.
func Open(opts Options) (*Repo, error) {
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	env = slices.Clone(env)
	start := opts.Dir
	if start == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		start = wd
	}
	start, err := filepath.Abs(start)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(start)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", start)
	}
	if resolved, err := filepath.EvalSymlinks(start); err == nil {
		start = resolved
	}
	forced := envSet(env)

	var r *Repo
	switch opts.Backend {
	case BackendGit:
		r, err = openCLI(start, env)
	case BackendGoGit:
		if forced != "" {
			return nil, fmt.Errorf("the go-git backend cannot honour %s; use the git backend", forced)
		}
		r, err = openGoGit(start, env)
	case "":
		if forced != "" {
			r, err = openCLI(start, env)
			break
		}
		r, err = openGoGit(start, env)
		if err != nil {
			if _, lerr := exec.LookPath("git"); lerr == nil {
				r, err = openCLI(start, env)
			}
		}
	default:
		return nil, fmt.Errorf("unknown git backend %q (want %q or %q)", opts.Backend, BackendGoGit, BackendGit)
	}
	if err != nil {
		return nil, err
	}
	r.staged = opts.Staged
	return r, nil
}

// envSet returns the first variable of envForcingCLI present in env.
func envSet(env []string) string {
	for _, k := range envForcingCLI {
		if _, ok := lookupEnv(env, k); ok {
			return k
		}
	}
	return ""
}

// lookupEnv returns the value of key in env; the last occurrence wins, as in
// os/exec.
func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		k, v, ok := strings.Cut(env[i], "=")
		if ok && k == key {
			return v, true
		}
	}
	return "", false
}

// rawEntry is one index entry before conflict stages are collapsed.
type rawEntry struct {
	Entry
	stage int
}

// setEntries sorts raw entries, collapses conflict stages and builds the
// lookup structures.
func (r *Repo) setEntries(raw []rawEntry) {
	if !slices.IsSortedFunc(raw, cmpRaw) {
		slices.SortStableFunc(raw, cmpRaw)
	}
	entries := make([]Entry, 0, len(raw))
	ranks := make([]int, 0, len(raw))
	for _, e := range raw {
		e.Conflicted = e.stage != 0
		e.Submodule = e.Mode == modeGitlink
		rank := stageRank(e.stage)
		if n := len(entries); n > 0 && entries[n-1].Path == e.Path {
			prev := &entries[n-1]
			if rank > ranks[n-1] {
				ranks[n-1] = rank
				prev.Mode, prev.Hash, prev.Submodule = e.Mode, e.Hash, e.Submodule
				prev.IntentToAdd, prev.SkipWorktree = e.IntentToAdd, e.SkipWorktree
			}
			prev.Conflicted = prev.Conflicted || e.Conflicted
			continue
		}
		entries = append(entries, e.Entry)
		ranks = append(ranks, rank)
	}
	r.entries = entries
	r.byPath = make(map[string]int, len(entries))
	r.submodules = nil
	for i, e := range entries {
		r.byPath[e.Path] = i
		if e.Submodule && !e.Conflicted {
			r.submodules = append(r.submodules, e.Path)
		}
	}
}

func cmpRaw(a, b rawEntry) int {
	if c := strings.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	return a.stage - b.stage
}

// stageRank orders the stages of one path for choosing Mode/Hash.
func stageRank(stage int) int {
	switch stage {
	case 0:
		return 4
	case 2:
		return 3
	case 3:
		return 2
	default:
		return 1
	}
}

// Root is the absolute, clean top directory of the work tree.
func (r *Repo) Root() string { return r.root }

// GitDir is the absolute git directory (.git/worktrees/<n> in a linked
// worktree, .git/modules/<name> in a submodule).
func (r *Repo) GitDir() string { return r.gitDir }

// CommonDir is the absolute common git directory (objects, refs, config,
// info/exclude); it differs from GitDir in linked worktrees.
func (r *Repo) CommonDir() string { return r.commonDir }

// Prefix is the start directory relative to Root, slash-separated, "" at the
// top.
func (r *Repo) Prefix() string { return r.prefix }

// Backend is the backend that read the index: "go-git" or "git".
func (r *Repo) Backend() string { return r.backend }

// Entries returns all index entries sorted by Path, one per path. The slice
// is shared: do not modify it.
func (r *Repo) Entries() []Entry { return r.entries[:len(r.entries):len(r.entries)] }

// Entry looks up a repo-relative slash-separated path in the index.
func (r *Repo) Entry(path string) (Entry, bool) {
	i, ok := r.byPath[path]
	if !ok {
		return Entry{}, false
	}
	return r.entries[i], true
}

// TrackedUnder returns the entries strictly under dir/ ("" or "." = all),
// sorted by Path. The slice is shared: do not modify it.
func (r *Repo) TrackedUnder(dir string) []Entry {
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" || dir == "." {
		return r.Entries()
	}
	lo, hi := r.underRange(dir)
	return r.entries[lo:hi:hi]
}

// underRange returns the half-open index range of entries with prefix dir+"/".
// Byte-wise, every such path sorts in [dir+"/", dir+"0"), '0' being '/'+1.
func (r *Repo) underRange(dir string) (int, int) {
	lo, _ := slices.BinarySearchFunc(r.entries, dir+"/", cmpEntryPath)
	hi, _ := slices.BinarySearchFunc(r.entries[lo:], dir+"0", cmpEntryPath)
	return lo, lo + hi
}

func cmpEntryPath(e Entry, p string) int { return strings.Compare(e.Path, p) }

// Submodules returns the paths of the gitlinks (mode 160000) in the index.
func (r *Repo) Submodules() []string { return slices.Clone(r.submodules) }

// cleanRel validates and cleans a repo-relative slash path. "" means Root.
func cleanRel(p string) (string, bool) {
	if p == "" || p == "." {
		return "", true
	}
	if strings.HasPrefix(p, "/") || strings.IndexByte(p, 0) >= 0 {
		return "", false
	}
	c := path.Clean(p)
	if c == "." {
		return "", true
	}
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", false
	}
	return c, true
}

func (r *Repo) abs(rel string) string {
	return filepath.Join(r.root, filepath.FromSlash(rel))
}

// Status classifies a repo-relative path. It stats only that path (and reads
// the .gitignore files on its way when it is not tracked).
//
// A tracked path is StateConflicted, StateIntentToAdd, StateDeleted (not on
// disk, unless skip-worktree) or StateCommitted; a path inside a gitlink is
// StateInSubmodule; a directory holding tracked entries is StateCommitted;
// anything else is StateUntracked, StateIgnored or StateMissing. Invalid
// paths (absolute, escaping Root) are StateMissing.
func (r *Repo) Status(p string) Status {
	p, ok := cleanRel(p)
	if !ok {
		return Status{State: StateMissing}
	}
	if p == "" {
		return Status{State: StateCommitted}
	}
	if sub := r.submoduleOf(p); sub != "" {
		return Status{State: StateInSubmodule, Submodule: sub}
	}
	if e, ok := r.Entry(p); ok {
		switch {
		case e.Conflicted:
			return Status{State: StateConflicted}
		case e.IntentToAdd:
			return Status{State: StateIntentToAdd}
		case e.SkipWorktree:
			return Status{State: StateCommitted}
		}
		if _, err := r.lstatInside(p); err != nil {
			return Status{State: StateDeleted}
		}
		return Status{State: StateCommitted}
	}
	fi, err := r.lstatInside(p) // never through a link that leaves the work tree
	if err != nil {
		if lo, hi := r.underRange(p); lo < hi {
			return Status{State: StateCommitted}
		}
		return Status{State: StateMissing, Ignore: r.Ignored(p, false)}
	}
	if fi.IsDir() {
		if lo, hi := r.underRange(p); lo < hi {
			return Status{State: StateCommitted}
		}
	}
	if m := r.Ignored(p, fi.IsDir()); m != nil {
		return Status{State: StateIgnored, Ignore: m}
	}
	return Status{State: StateUntracked}
}

// submoduleOf returns the gitlink that strictly contains p, or "".
func (r *Repo) submoduleOf(p string) string {
	if len(r.submodules) == 0 {
		return ""
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		if e, ok := r.Entry(p[:i]); ok && e.Submodule {
			return p[:i]
		}
	}
	return ""
}

// Lstat returns the FileInfo of a repo-relative path in the work tree (the
// path itself, not what a final symbolic link points to). Symbolic links in
// its directories are followed only inside the work tree: through one that
// leaves it, the error wraps ErrOutsideRepo and nothing outside is looked
// at. Errors name the repo-relative path.
func (r *Repo) Lstat(p string) (fs.FileInfo, error) {
	c, ok := cleanRel(p)
	if !ok {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: fs.ErrInvalid}
	}
	fi, err := r.lstatInside(c)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: c, Err: unwrapPathError(err)}
	}
	return fi, nil
}

// unwrapPathError drops the absolute path of an *fs.PathError.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ErrOutsideRepo is returned when a path leads (through symlinks) out of the
// work tree.
var ErrOutsideRepo = errors.New("symbolic link points outside the repository")

// ErrNotRegular is returned when a path is not a regular file (a directory,
// a FIFO, a device): reading it could hang or make no sense.
var ErrNotRegular = errors.New("not a regular file")

// Stat is like os.Stat on a repo-relative path, following symbolic links
// only while they stay inside the work tree. Errors name the repo-relative
// path, never an absolute one.
func (r *Repo) Stat(p string) (fs.FileInfo, error) {
	_, fi, err := r.resolve(p, "stat")
	return fi, err
}

// resolve follows symlinks of a repo-relative path and refuses to leave the
// work tree.
func (r *Repo) resolve(p, op string) (string, fs.FileInfo, error) {
	c, ok := cleanRel(p)
	if !ok {
		return "", nil, &fs.PathError{Op: op, Path: p, Err: fs.ErrInvalid}
	}
	// Component by component from the root: a link that leaves the work
	// tree is refused before its target is looked at.
	real, err := r.walk(c, true)
	if err != nil {
		return "", nil, &fs.PathError{Op: op, Path: c, Err: unwrapPathError(err)}
	}
	fi, err := os.Lstat(real)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", nil, &fs.PathError{Op: op, Path: c, Err: err}
	}
	return real, fi, nil
}

// ErrFileTooLarge is returned (wrapped) by ReadFileLimit for a file over
// the limit.
var ErrFileTooLarge = errors.New("file is too large")

// readWorktree reads a regular file of the work tree, following symlinks
// only inside it. A file over limit (limit >= 0) gives ErrFileTooLarge.
func (r *Repo) readWorktree(c string, limit int64) ([]byte, error) {
	if b, ok, err := r.readPlain(c, limit); ok {
		return b, err
	}
	real, fi, err := r.resolve(c, "read")
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: c, Err: ErrNotRegular}
	}
	if limit >= 0 && fi.Size() > limit {
		return nil, &fs.PathError{Op: "read", Path: c, Err: ErrFileTooLarge}
	}
	b, err := os.ReadFile(real)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &fs.PathError{Op: "read", Path: c, Err: err}
	}
	return b, nil
}

// ReadFile returns the content of a repo-relative path: from the work tree,
// or, when Options.Staged was set, the blob staged in the index. In staged
// mode a path that is not in the index, or is intent-to-add (no content
// staged), gives an error wrapping fs.ErrNotExist; a conflicted path or a
// gitlink gives an error. A staged symbolic link is followed through the
// index, as the work tree's is on disk: its target is read when it stays
// inside the repository (ErrOutsideRepo otherwise).
func (r *Repo) ReadFile(p string) ([]byte, error) {
	return r.ReadFileLimit(p, -1)
}

// ReadFileLimit is ReadFile for files of at most limit bytes (no limit when
// limit < 0): a larger file gives an error wrapping ErrFileTooLarge, and
// a work-tree file is not read at all.
func (r *Repo) ReadFileLimit(p string, limit int64) ([]byte, error) {
	c, ok := cleanRel(p)
	if !ok || c == "" {
		return nil, &fs.PathError{Op: "read", Path: p, Err: fs.ErrInvalid}
	}
	if !r.staged {
		return r.readWorktree(c, limit)
	}
	c, err := r.stagedTarget(c)
	if err != nil {
		return nil, err
	}
	b, err := r.readStaged(c, limit)
	if err == nil && limit >= 0 && int64(len(b)) > limit {
		return nil, &fs.PathError{Op: "read staged", Path: c, Err: ErrFileTooLarge}
	}
	return b, err
}

// stagedTarget resolves the staged symbolic links of the clean path c (the
// path itself or a directory on the way), as the kernel would resolve them
// in a checkout of the index: a link's target is its blob, relative to the
// link's directory. Leaving the repository (an absolute target, or ../ past
// the root) gives ErrOutsideRepo; more than 40 links, an error.
func (r *Repo) stagedTarget(c string) (string, error) {
	orig := c
	for hops := 0; ; {
		changed := false
		for i := 0; i <= len(c); i++ {
			if i < len(c) && c[i] != '/' {
				continue
			}
			prefix := c[:i]
			e, ok := r.Entry(prefix)
			if !ok || e.Mode != 0o120000 || e.IntentToAdd || e.Conflicted {
				continue
			}
			if hops++; hops > 40 {
				return "", &fs.PathError{Op: "read staged", Path: orig, Err: errors.New("too many levels of symbolic links")}
			}
			t, err := r.readStaged(prefix, 4096)
			if err != nil {
				return "", &fs.PathError{Op: "read staged", Path: orig, Err: fs.ErrNotExist}
			}
			target := string(t)
			if path.IsAbs(target) {
				return "", &fs.PathError{Op: "read staged", Path: orig, Err: ErrOutsideRepo}
			}
			joined := path.Join(path.Dir(prefix), target) + c[i:]
			if joined == ".." || strings.HasPrefix(joined, "../") {
				return "", &fs.PathError{Op: "read staged", Path: orig, Err: ErrOutsideRepo}
			}
			nc, ok := cleanRel(joined)
			if !ok || nc == "" {
				return "", &fs.PathError{Op: "read staged", Path: orig, Err: ErrOutsideRepo}
			}
			c, changed = nc, true
			break
		}
		if !changed {
			return c, nil
		}
	}
}

// readStaged reads the blob staged for the clean path c. A blob larger
// than limit (when limit >= 0) is not read: its size is asked first.
func (r *Repo) readStaged(c string, limit int64) ([]byte, error) {
	e, ok := r.Entry(c)
	if !ok || e.IntentToAdd {
		return nil, &fs.PathError{Op: "read staged", Path: c, Err: fs.ErrNotExist}
	}
	if e.Conflicted {
		return nil, fmt.Errorf("read staged %s: the path is unmerged (conflicted) in the index", c)
	}
	if e.Submodule {
		return nil, fmt.Errorf("read staged %s: the path is a submodule (gitlink), not a file", c)
	}
	tooLarge := &fs.PathError{Op: "read staged", Path: c, Err: ErrFileTooLarge}
	if r.gg != nil {
		b, err := r.readBlobGoGit(e.Hash, limit)
		if err == nil {
			return b, nil
		}
		if errors.Is(err, ErrFileTooLarge) {
			return nil, tooLarge
		}
		// Fall through to git: alternates, promisor objects, ...
	}
	if e.Hash == emptyBlob {
		return []byte{}, nil
	}
	if limit >= 0 {
		out, err := r.git(context.Background(), nil, "cat-file", "-s", e.Hash)
		if err != nil {
			return nil, fmt.Errorf("read staged %s: %w", c, err)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("read staged %s: git cat-file -s: %q", c, out)
		}
		if n > limit {
			return nil, tooLarge
		}
	}
	out, err := r.git(context.Background(), nil, "cat-file", "blob", e.Hash)
	if err != nil {
		return nil, fmt.Errorf("read staged %s: %w", c, err)
	}
	return out, nil
}

// Stage runs `git add [--force]` for the given repo-relative paths in Root
// with the repository's environment (so GIT_INDEX_FILE and friends set by a
// hook are honoured). Paths are passed NUL-separated on stdin and taken
// literally (no glob magic). A held index lock gives an error wrapping
// ErrIndexLocked.
func (r *Repo) Stage(ctx context.Context, paths []string, force bool) error {
	if len(paths) == 0 {
		return nil
	}
	for _, p := range paths {
		// `git add` of an unmerged path marks the conflict resolved.
		if e, ok := r.Entry(p); ok && e.Conflicted {
			return fmt.Errorf("refusing to stage %s: it is unmerged (conflicted) in the index; resolve the merge first", p)
		}
	}
	args := []string{"--literal-pathspecs", "add"}
	if force {
		args = append(args, "--force")
	}
	args = append(args, "--pathspec-from-file=-", "--pathspec-file-nul")
	var in bytes.Buffer
	for _, p := range paths {
		in.WriteString(p)
		in.WriteByte(0)
	}
	_, err := r.git(ctx, &in, args...)
	if err == nil {
		return nil
	}
	var ge *gitError
	if errors.As(err, &ge) {
		if lock := r.lockFromStderr(ge.stderr); lock != "" {
			return &indexLockedError{lock: lock}
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("git add: %w", ctx.Err())
	}
	return err
}

var lockRE = regexp.MustCompile(`Unable to create '([^']+\.lock)': File exists`)

// lockFromStderr recognises git's "Unable to create '…/index.lock': File
// exists." and returns the absolute lock path, or "". With a localised
// message, an existing lock next to the index file is recognised instead.
func (r *Repo) lockFromStderr(stderr string) string {
	if m := lockRE.FindStringSubmatch(stderr); m != nil {
		lock := m[1]
		if !filepath.IsAbs(lock) {
			lock = filepath.Join(r.root, lock)
		}
		return filepath.Clean(lock)
	}
	lock := r.indexFile + ".lock"
	if _, err := os.Lstat(lock); err == nil && strings.Contains(stderr, filepath.Base(lock)) {
		return lock
	}
	return ""
}

// gitError is a failed git subprocess.
type gitError struct {
	args   []string
	err    error
	stderr string
}

func (e *gitError) Error() string {
	msg := strings.TrimSpace(e.stderr)
	if msg == "" {
		return fmt.Sprintf("git %s: %v", strings.Join(e.args, " "), e.err)
	}
	return fmt.Sprintf("git %s: %v: %s", strings.Join(e.args, " "), e.err, msg)
}

func (e *gitError) Unwrap() error { return e.err }

// git runs git in Root with r's environment and returns its stdout.
func (r *Repo) git(ctx context.Context, stdin *bytes.Buffer, args ...string) ([]byte, error) {
	return runGit(ctx, r.root, r.env, stdin, args...)
}

// GitRead runs a read-only git command in Root with r's environment and
// the same hardening as every git command lockguard runs, and returns its
// stdout.
func (r *Repo) GitRead(ctx context.Context, args ...string) ([]byte, error) {
	return r.git(ctx, nil, args...)
}

// gitHardening is given to every git command lockguard runs: no
// fsmonitor hook (a program the configuration names), and no optional
// index refresh (GIT_OPTIONAL_LOCKS=0), so that reading never writes
// .git/index.
var gitHardening = []string{"-c", "core.fsmonitor=false"}

func runGit(ctx context.Context, dir string, env []string, stdin *bytes.Buffer, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append(slices.Clone(gitHardening), args...)...)
	cmd.Dir = dir
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(slices.Clone(env), "GIT_OPTIONAL_LOCKS=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if stdin != nil {
		cmd.Stdin = stdin
	}
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &gitError{args: args, err: err, stderr: stderr.String()}
	}
	return stdout.Bytes(), nil
}
