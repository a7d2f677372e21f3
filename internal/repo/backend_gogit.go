package repo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	gitconfig "github.com/go-git/go-git/v5/plumbing/format/config"
)

// errNeedsCLI marks layouts the go-git backend leaves to git.
var errNeedsCLI = errors.New("layout not supported by the go-git backend")

// openGoGit opens the repository containing start with go-git.
func openGoGit(start string, env []string) (*Repo, error) {
	root, dotgit, err := discover(start)
	if err != nil {
		return nil, err
	}
	gitDir, commonDir, err := resolveDotGit(root, dotgit)
	if err != nil {
		return nil, err
	}
	g, err := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("%s: %w", start, ErrNotRepo)
		}
		return nil, fmt.Errorf("go-git: open %s: %w", root, err)
	}
	wt, err := g.Worktree()
	if err != nil {
		return nil, fmt.Errorf("go-git: %w", err)
	}
	if got := filepath.Clean(wt.Filesystem.Root()); !sameDir(got, root) {
		return nil, fmt.Errorf("go-git opened %s instead of %s: %w", got, root, errNeedsCLI)
	}
	cfg, err := g.Config()
	if err != nil {
		return nil, fmt.Errorf("go-git: read config: %w", err)
	}
	if cfg.Core.IsBare {
		return nil, fmt.Errorf("%s: core.bare is set: %w", gitDir, errNeedsCLI)
	}
	if w := cfg.Core.Worktree; w != "" {
		// Submodules record core.worktree (relative to the git dir); any
		// other value moves the work tree, which go-git ignores.
		if !filepath.IsAbs(w) {
			w = filepath.Join(gitDir, w)
		}
		if !sameDir(filepath.Clean(w), root) {
			return nil, fmt.Errorf("core.worktree is %s: %w", cfg.Core.Worktree, errNeedsCLI)
		}
	}
	// The index is decoded by readIndex, not go-git (see index.go).
	raw, err := readIndex(filepath.Join(gitDir, "index"))
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	prefix, err := filepath.Rel(root, start)
	if err != nil {
		return nil, err
	}
	if prefix == "." {
		prefix = ""
	}
	r := &Repo{
		root:      root,
		gitDir:    gitDir,
		commonDir: commonDir,
		prefix:    filepath.ToSlash(prefix),
		backend:   BackendGoGit,
		env:       env,
		indexFile: filepath.Join(gitDir, "index"),
		gg:        g,
	}
	r.setEntries(raw)
	return r, nil
}

func sameDir(a, b string) bool {
	if a == b {
		return true
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// discover walks up from start like git does: the first directory holding a
// ".git" entry is the work tree root. A directory that is itself a git
// directory (a bare repository, or start inside .git) is left to the git
// backend, which reports it precisely.
func discover(start string) (root, dotgit string, err error) {
	for d := start; ; {
		p := filepath.Join(d, ".git")
		if _, err := os.Lstat(p); err == nil {
			return d, p, nil
		}
		if isGitDir(d) {
			if isBare(d) {
				return "", "", fmt.Errorf("%s is a bare repository; lockguard needs a work tree", d)
			}
			return "", "", fmt.Errorf("%s is inside the git directory %s; lockguard needs a work tree", start, d)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", "", fmt.Errorf("%s: %w", start, ErrNotRepo)
		}
		d = parent
	}
}

// isGitDir reports whether d looks like a git directory (HEAD, objects/,
// refs/), as git's is_git_directory does.
func isGitDir(d string) bool {
	if fi, err := os.Stat(filepath.Join(d, "HEAD")); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	for _, sub := range []string{"objects", "refs"} {
		if fi, err := os.Stat(filepath.Join(d, sub)); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// isBare reads core.bare from the config of git directory d.
func isBare(d string) bool {
	b, err := os.ReadFile(filepath.Join(d, "config"))
	if err != nil {
		return false
	}
	cfg := gitconfig.New()
	if err := gitconfig.NewDecoder(bytes.NewReader(b)).Decode(cfg); err != nil {
		return false
	}
	v := strings.ToLower(cfg.Section("core").Option("bare"))
	return v == "true" || v == "yes" || v == "on" || v == "1"
}

// resolveDotGit returns the git and common directories for the ".git" entry
// of root (a directory, or a file "gitdir: <path>").
func resolveDotGit(root, dotgit string) (gitDir, commonDir string, err error) {
	fi, err := os.Stat(dotgit)
	if err != nil {
		return "", "", err
	}
	gitDir = dotgit
	if !fi.IsDir() {
		b, err := os.ReadFile(dotgit)
		if err != nil {
			return "", "", err
		}
		line, _, _ := strings.Cut(string(b), "\n")
		rest, ok := strings.CutPrefix(line, "gitdir: ")
		if !ok {
			return "", "", fmt.Errorf("%s: invalid gitfile format", dotgit)
		}
		rest = strings.TrimRight(rest, "\r")
		if !filepath.IsAbs(rest) {
			rest = filepath.Join(root, rest)
		}
		gitDir = rest
	}
	gitDir = realPath(gitDir)
	commonDir = gitDir
	if b, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		c := strings.TrimRight(string(b), "\r\n")
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitDir, c)
		}
		commonDir = realPath(c)
	}
	return gitDir, commonDir, nil
}

func realPath(p string) string {
	p = filepath.Clean(p)
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// readBlobGoGit reads a blob from go-git's object store; a blob larger
// than limit (limit >= 0) gives ErrFileTooLarge without being read.
func (r *Repo) readBlobGoGit(hash string, limit int64) ([]byte, error) {
	r.ggMu.Lock()
	defer r.ggMu.Unlock()
	if limit >= 0 {
		// go-git decodes the whole object to tell its size: ask the
		// storage for the size alone (the loose object's or the pack's
		// header); without it, git cat-file -s answers.
		sized, ok := r.gg.Storer.(interface {
			EncodedObjectSize(plumbing.Hash) (int64, error)
		})
		if !ok {
			return nil, errors.New("object sizes unknown")
		}
		n, err := sized.EncodedObjectSize(plumbing.NewHash(hash))
		if err != nil {
			return nil, err
		}
		if n > limit {
			return nil, ErrFileTooLarge
		}
	}
	b, err := r.gg.BlobObject(plumbing.NewHash(hash))
	if err != nil {
		return nil, err
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(rd)
}
