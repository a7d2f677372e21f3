package repo

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
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
