package repo

// Reading files of the repository: from the work tree (never through a link
// that leaves it) or, with --staged, from the index.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

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
