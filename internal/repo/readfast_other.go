//go:build !unix

package repo

// readPlain is the fast path of readWorktree on Unix (readfast_unix.go);
// elsewhere every read resolves its path with filepath.EvalSymlinks.
func (r *Repo) readPlain(c string, limit int64) ([]byte, bool, error) {
	return nil, false, nil
}
