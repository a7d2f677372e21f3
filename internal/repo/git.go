package repo

// Running git: staging (fix) and the hardened read-only commands check runs.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

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
