package repo

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// ReadHEAD returns the content of the repo-relative file p in the commit
// HEAD points to, through `git cat-file` (read-only). A file absent from
// HEAD, or a repository without commits, gives an error wrapping
// fs.ErrNotExist; a blob over limit bytes (limit >= 0) one wrapping
// ErrFileTooLarge.
func (r *Repo) ReadHEAD(p string, limit int64) ([]byte, error) {
	c := path.Clean(strings.TrimPrefix(p, "/"))
	if c == "." || strings.HasPrefix(c, "../") || c == ".." {
		return nil, &fs.PathError{Op: "read HEAD", Path: p, Err: fs.ErrInvalid}
	}
	obj := "HEAD:" + c
	ctx := context.Background()
	out, err := r.git(ctx, nil, "cat-file", "-s", obj)
	if err != nil {
		return nil, &fs.PathError{Op: "read HEAD", Path: p, Err: fs.ErrNotExist}
	}
	var size int64
	if _, err := fmt.Sscan(strings.TrimSpace(string(out)), &size); err != nil {
		return nil, fmt.Errorf("read HEAD %s: unexpected size %q", p, out)
	}
	if limit >= 0 && size > limit {
		return nil, &fs.PathError{Op: "read HEAD", Path: p, Err: ErrFileTooLarge}
	}
	b, err := r.git(ctx, nil, "cat-file", "blob", obj)
	if err != nil {
		return nil, fmt.Errorf("read HEAD %s: %w", p, err)
	}
	return b, nil
}
