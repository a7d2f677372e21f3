package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Flag bits of a cache entry as printed by `git ls-files --debug`
// (cache.h: CE_INTENT_TO_ADD, CE_SKIP_WORKTREE).
const (
	ceIntentToAdd  = 1 << 29
	ceSkipWorktree = 1 << 30
)

// openCLI opens the repository containing start with the git binary.
func openCLI(start string, env []string) (*Repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("the git backend needs the git binary: %w", err)
	}
	env = absEnvPaths(env, start)
	ctx := context.Background()
	out, err := runGit(ctx, start, env, nil, "rev-parse", "--path-format=absolute",
		"--git-dir", "--git-common-dir", "--show-toplevel", "--show-prefix")
	if err != nil {
		return nil, diagnoseOpen(ctx, start, env, err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 4 {
		return nil, fmt.Errorf("git rev-parse: unexpected output %q", out)
	}
	r := &Repo{
		gitDir:    filepath.Clean(lines[0]),
		commonDir: filepath.Clean(lines[1]),
		root:      filepath.Clean(lines[2]),
		prefix:    strings.TrimSuffix(lines[3], "/"),
		backend:   BackendGit,
		env:       env,
	}
	r.indexFile = filepath.Join(r.gitDir, "index")
	if f, ok := lookupEnv(env, "GIT_INDEX_FILE"); ok && f != "" {
		if !filepath.IsAbs(f) {
			f = filepath.Join(r.root, f) // git resolves it from the top of the work tree
		}
		r.indexFile = filepath.Clean(f)
	}
	out, err = r.git(ctx, nil, "ls-files", "-z", "--stage", "--debug")
	if err != nil {
		return nil, err
	}
	raw, err := parseLsFilesDebug(out)
	if err != nil {
		return nil, err
	}
	r.setEntries(raw)
	return r, nil
}

// diagnoseOpen turns a failed `git rev-parse --show-toplevel` into ErrNotRepo
// or a clear message for bare repositories and git directories.
func diagnoseOpen(ctx context.Context, start string, env []string, err error) error {
	var ge *gitError
	if errors.As(err, &ge) && strings.Contains(ge.stderr, "not a git repository") {
		return fmt.Errorf("%s: %w", start, ErrNotRepo)
	}
	out, err2 := runGit(ctx, start, env, nil, "rev-parse", "--path-format=absolute",
		"--git-dir", "--is-bare-repository", "--is-inside-git-dir")
	if err2 != nil {
		return err
	}
	f := strings.Fields(string(out))
	if len(f) == 3 {
		switch {
		case f[1] == "true":
			return fmt.Errorf("%s is a bare repository; lockguard needs a work tree", f[0])
		case f[2] == "true":
			return fmt.Errorf("%s is inside the git directory %s; lockguard needs a work tree", start, f[0])
		}
	}
	return err
}

// absEnvPaths makes relative GIT_DIR and GIT_WORK_TREE absolute (relative to
// start, as git would read them there), since later commands run in Root.
func absEnvPaths(env []string, start string) []string {
	for i, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if (k == "GIT_DIR" || k == "GIT_WORK_TREE") && v != "" && !filepath.IsAbs(v) {
			env[i] = k + "=" + filepath.Join(start, v)
		}
	}
	return env
}

// parseLsFilesDebug parses `git ls-files -z --stage --debug`: records
// "<mode> <hash> <stage>\t<path>\0" each followed by debug lines that start
// with two spaces, one of which holds "flags: <hex>".
func parseLsFilesDebug(out []byte) ([]rawEntry, error) {
	var raw []rawEntry
	if n := bytes.Count(out, []byte{0}); n > 0 {
		raw = make([]rawEntry, 0, n)
	}
	bad := func(why string) error {
		return fmt.Errorf("git ls-files --debug: unexpected output (%s)", why)
	}
	for len(out) > 0 {
		nul := bytes.IndexByte(out, 0)
		if nul < 0 {
			return nil, bad("missing NUL")
		}
		head := out[:nul]
		out = out[nul+1:]
		tab := bytes.IndexByte(head, '\t')
		if tab < 0 {
			return nil, bad("missing tab")
		}
		meta := strings.Fields(string(head[:tab]))
		if len(meta) != 3 {
			return nil, bad("bad entry header")
		}
		mode, err1 := strconv.ParseUint(meta[0], 8, 32)
		stage, err2 := strconv.Atoi(meta[2])
		if err1 != nil || err2 != nil || stage < 0 || stage > 3 {
			return nil, bad("bad mode or stage")
		}
		var flags uint64
		found := false
		for len(out) >= 2 && out[0] == ' ' && out[1] == ' ' {
			line := out
			if nl := bytes.IndexByte(out, '\n'); nl >= 0 {
				line, out = out[:nl], out[nl+1:]
			} else {
				out = nil
			}
			if i := bytes.Index(line, []byte("flags: ")); i >= 0 {
				f := strings.Fields(string(line[i+len("flags: "):]))
				if len(f) == 0 {
					return nil, bad("empty flags")
				}
				v, err := strconv.ParseUint(f[0], 16, 64)
				if err != nil {
					return nil, bad("bad flags")
				}
				flags, found = v, true
			}
		}
		if !found {
			return nil, bad("no flags for " + strconv.Quote(string(head[tab+1:])))
		}
		raw = append(raw, rawEntry{
			Entry: Entry{
				Path:         string(head[tab+1:]),
				Mode:         uint32(mode),
				Hash:         meta[1],
				IntentToAdd:  flags&ceIntentToAdd != 0,
				SkipWorktree: flags&ceSkipWorktree != 0,
			},
			stage: stage,
		})
	}
	return raw, nil
}
