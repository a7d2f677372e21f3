package repo

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinkHops bounds the symbolic links one path may go through, as the
// kernel does (ELOOP after 40).
const maxLinkHops = 40

// outsideError is ErrOutsideRepo with the link that leaves the work tree.
type outsideError struct {
	link   string // repo-relative path of the link (its real location)
	target string // the link's text
}

func (e *outsideError) Error() string { return ErrOutsideRepo.Error() }
func (e *outsideError) Unwrap() error { return ErrOutsideRepo }

// walk resolves the clean repo-relative path c one component at a time
// from the work tree's root, following symbolic links only while they stay
// inside the work tree. It never looks at anything outside: a link whose
// target leaves the work tree (an absolute target elsewhere, or .. past the
// root) is an *outsideError before the target is touched, and every lstat
// and readlink it makes is of a path inside the work tree. With followLast
// unset a final link is not followed (as lstat). The result is an absolute
// path inside the work tree whose directories are real (no links).
func (r *Repo) walk(c string, followLast bool) (string, error) {
	cur := r.root
	todo := strings.Split(c, "/")
	hops := 0
	for len(todo) > 0 {
		part := todo[0]
		todo = todo[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			if cur == r.root {
				return "", ErrOutsideRepo
			}
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, part)
		last := len(todo) == 0
		if last && !followLast {
			return next, nil
		}
		fi, err := os.Lstat(next)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if !last && !fi.IsDir() {
				return "", syscall.ENOTDIR
			}
			cur = next
			continue
		}
		if hops++; hops > maxLinkHops {
			return "", syscall.ELOOP
		}
		t, err := os.Readlink(next)
		if err != nil {
			return "", err
		}
		link, _ := filepath.Rel(r.root, next)
		if filepath.IsAbs(t) {
			abs := filepath.Clean(t)
			if abs != r.root && !strings.HasPrefix(abs, r.root+string(filepath.Separator)) {
				return "", &outsideError{link: filepath.ToSlash(link), target: t}
			}
			rel, _ := filepath.Rel(r.root, abs)
			cur = r.root
			todo = append(strings.Split(filepath.ToSlash(rel), "/"), todo...)
			continue
		}
		// Relative to the link's directory, cur. A target that climbs out
		// of the root is caught by ".." above; say which link did it.
		depth := 0
		if cur != r.root {
			rel, _ := filepath.Rel(r.root, cur)
			depth = strings.Count(filepath.ToSlash(rel), "/") + 1
		}
		parts := strings.Split(filepath.ToSlash(t), "/")
		for _, q := range parts {
			switch q {
			case "", ".":
			case "..":
				depth--
			default:
				depth++
			}
			if depth < 0 {
				return "", &outsideError{link: filepath.ToSlash(link), target: t}
			}
		}
		todo = append(parts, todo...)
	}
	return cur, nil
}

// plainDir reports whether the repo-relative directory d is a directory
// inside the work tree reached without symbolic links ("" is the root,
// which Open resolved). It looks at d's components from the root down and
// stops at the first that is not a plain directory, so it never looks
// through a link. Results are cached.
func (r *Repo) plainDir(d string) bool {
	if d == "" {
		return true
	}
	if v, ok := r.plainDirs.Load(d); ok {
		return v.(bool)
	}
	parent, _ := splitPath(d)
	plain := r.plainDir(parent)
	if plain {
		fi, err := os.Lstat(r.abs(d))
		plain = err == nil && fi.IsDir()
	}
	r.plainDirs.Store(d, plain)
	return plain
}

// lstatInside is os.Lstat of the clean repo-relative path c, with the
// links in its directories followed only inside the work tree (walk).
func (r *Repo) lstatInside(c string) (fs.FileInfo, error) {
	dir, _ := splitPath(c)
	if r.plainDir(dir) {
		return os.Lstat(r.abs(c))
	}
	real, err := r.walk(c, false)
	if err != nil {
		return nil, err
	}
	return os.Lstat(real)
}

// LeavesRepo reports whether the repo-relative path p leads out of the work
// tree through a symbolic link (in any component, the last included): then
// link is that link's repo-relative path and target its text. It looks at
// nothing outside the work tree, so a reference through a tracked
// `hostroot -> /` is known to leave without its target being touched.
func (r *Repo) LeavesRepo(p string) (link, target string, ok bool) {
	c, valid := cleanRel(p)
	if !valid || c == "" {
		return "", "", false
	}
	_, err := r.walk(c, true)
	var oe *outsideError
	if errors.As(err, &oe) {
		return oe.link, oe.target, true
	}
	return "", "", false
}
