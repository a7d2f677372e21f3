//go:build unix

package repo

import (
	"io"
	"os"
	"syscall"
)

// readPlain reads the work-tree file c (clean, repo-relative) when no
// component of its path is a symbolic link, which is the common case: one
// lstat per directory (cached for the Repo's lifetime) and an O_NOFOLLOW,
// O_NONBLOCK open (no hang on a FIFO), instead of resolving every component
// of every path with filepath.EvalSymlinks. ok is false when the careful
// path (resolve) must decide: a symbolic link on the way, a file that is
// not regular, or any error, so that errors keep their exact form. A file
// larger than limit (limit >= 0) gives ErrFileTooLarge without being read.
func (r *Repo) readPlain(c string, limit int64) (data []byte, ok bool, err error) {
	dir, _ := splitPath(c)
	if !r.plainDir(dir) {
		return nil, false, nil
	}
	f, err := os.OpenFile(r.abs(c), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, false, nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, false, nil
	}
	size := fi.Size()
	if limit >= 0 && size > limit {
		return nil, true, &os.PathError{Op: "read", Path: c, Err: ErrFileTooLarge}
	}
	buf := make([]byte, 0, size+1) // +1: see EOF without growing
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, true, nil
		}
		if err != nil {
			return nil, false, nil
		}
		if limit >= 0 && int64(len(buf)) > limit {
			return nil, true, &os.PathError{Op: "read", Path: c, Err: ErrFileTooLarge}
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // the file grew: make room
		}
	}
}
