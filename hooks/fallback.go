package hooks

// The hook's fallback binary: the installing lockguard when none is on PATH,
// and refusing a temporary `go run` build.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// chooseFallback decides which lockguard the hook runs when none is on PATH
// (see Options.Executable), and returns a note for the user ("" or a line
// starting with a newline).
func chooseFallback(o Options) (fallback, note string, err error) {
	if o.Binary != "" || o.Executable == "" {
		return "", "", nil
	}
	env := o.Env
	if env == nil {
		env = os.Environ()
	}
	exe, err := filepath.Abs(o.Executable)
	if err != nil {
		return "", "", err
	}
	onPath := lookPath(getenv(env, "PATH"), "lockguard")
	if TemporaryBuild(exe, env) {
		if onPath == "" {
			return "", "", fmt.Errorf("%w (%s), as `go run` makes, and no lockguard is on PATH: "+
				"the hook would not find lockguard at the next commit. Install lockguard first with "+
				"`go install github.com/lockguard/lockguard/cmd/lockguard@latest` (or `go install ./cmd/lockguard` "+
				"in a checkout of lockguard), make sure the directory it installs to (`go env GOBIN`, or "+
				"`go env GOPATH`/bin) is on PATH, and run `lockguard hook install` again",
				ErrTemporaryBinary, exe)
		}
		return "", "\nnote: this lockguard is a temporary build (go run); the hook runs " + onPath + " from PATH", nil
	}
	exe = filepath.ToSlash(exe)
	if onPath == "" {
		note = "\nnote: lockguard is not on PATH, so the hook runs " + exe + ", the lockguard that installed it; " +
			"if you move or delete it, put lockguard on PATH or install the hook again"
	}
	return exe, note, nil
}

// TemporaryBuild reports whether path is a binary that `go run` (or `go
// test`) built: under a go-build directory ($TMPDIR/go-build*/…, where go
// run links it) or the Go build cache ($GOCACHE, by default
// ~/.cache/go-build, where Go 1.24 and later keep go run's binaries). Such
// a binary is deleted or replaced later, so a hook must not run it.
func TemporaryBuild(path string, env []string) bool {
	path = filepath.Clean(path)
	for _, dir := range []string{getenv(env, "GOCACHE"), getenv(env, "GOTMPDIR")} {
		if dir == "" || dir == "off" || !filepath.IsAbs(dir) {
			continue
		}
		if r, err := filepath.Rel(filepath.Clean(dir), path); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return true
		}
	}
	for _, elem := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
		if rest, ok := strings.CutPrefix(elem, "go-build"); ok && strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}

// getenv returns the last value of key in env ("" when unset).
func getenv(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// lookPath finds an executable regular file named name in the directories
// of pathList, as the hook's `command -v` does; "" when there is none.
func lookPath(pathList, name string) string {
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			if abs, err := filepath.Abs(p); err == nil {
				return abs
			}
			return p
		}
	}
	return ""
}
