package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Options says which hook to install or uninstall, and where.
type Options struct {
	Dir   string // a directory inside the work tree; "" = the current directory
	Type  string // "pre-commit" (default) or "pre-push"
	Force bool   // install over husky's or lefthook's hooks, or over a stray <hook>.lockguard-prev
	// Env is the environment for git; nil = os.Environ(). It is not given to
	// the hook, which runs with whatever environment git gives it.
	Env []string
	// Binary is how the hook invokes lockguard: "" = "lockguard" looked up
	// on PATH when the hook runs; a name without a slash is looked up the
	// same way; a relative path is made absolute by Install. It is one word
	// (no arguments).
	Binary string
	// Executable is the path of the running lockguard (os.Executable), ""
	// when unknown. When Binary is "", Install records it in the script as
	// the fallback the hook runs when no lockguard is on PATH (as pre-commit
	// records the interpreter it was installed with). A temporary build
	// (`go run`'s, under a go-build directory or the Go build cache) is not
	// recorded: with no lockguard on PATH either, Install refuses
	// (ErrTemporaryBinary) rather than write a hook that cannot run.
	Executable string
}

// Result says what Install or Uninstall did.
type Result struct {
	Path             string // the hook file
	Chained          string // the foreign hook lockguard's script runs first (Install), or that Uninstall moved back to Path; "" if none
	AlreadyInstalled bool   // Install found the same script in place and changed nothing
	Message          string // one or two sentences for the user
	// Fallback is the lockguard the hook runs when none is on PATH (the
	// installing binary), "" when none was recorded.
	Fallback string
}

var (
	// ErrManaged means the hooks belong to husky or lefthook. The error is a
	// *ManagedError, whose text gives the line to add to their configuration.
	ErrManaged = errors.New("git hooks are managed by another tool")
	// ErrForeign means the hook file is not lockguard's: Uninstall leaves it alone.
	ErrForeign = errors.New("not lockguard's hook")
	// ErrPrevExists means the hook is foreign but <hook>.lockguard-prev exists
	// too, so Install cannot chain it without Force.
	ErrPrevExists = errors.New("a chained hook is already saved")
	// ErrTemporaryBinary means the running lockguard is a temporary build
	// (`go run`) and no lockguard is on PATH: the hook could not run it.
	ErrTemporaryBinary = errors.New("lockguard is running from a temporary build")
)

// ManagedError is returned by Install when husky or lefthook manages the
// hooks. errors.Is(err, ErrManaged) holds.
type ManagedError struct {
	Manager  string // "husky", "lefthook" or "the pre-commit framework"
	HooksDir string // the hooks directory, relative to the top of the work tree when inside it
	File     string // the file to edit, relative to the top of the work tree when inside it
	Snippet  string // what to add to File, ending in a newline
	Appended bool   // Snippet is a line to append (husky) rather than YAML to merge (lefthook)
}

func (e *ManagedError) Error() string {
	how := "add this to " + e.File + " (merging it with any existing section of the same name)"
	if e.Appended {
		how = "append this line to " + e.File
	}
	return fmt.Sprintf("git hooks in %s are run by %s; to run lockguard from them, %s:\n\n%s\n(or use --force to install lockguard's own hook in %s)",
		e.HooksDir, e.Manager, how, e.Snippet, e.HooksDir)
}

// Is makes errors.Is(err, ErrManaged) true.
func (e *ManagedError) Is(target error) bool { return target == ErrManaged }

// hookType validates Options.Type.
func hookType(t string) (string, error) {
	switch t {
	case "":
		return "pre-commit", nil
	case "pre-commit", "pre-push":
		return t, nil
	}
	return "", fmt.Errorf("unsupported hook type %q (want pre-commit or pre-push)", t)
}

// location is what git says about the repository.
type location struct {
	hooksDir  string // absolute
	top       string // the work tree's top, "" when there is none (bare repository)
	hooksPath string // core.hooksPath as configured, "" when unset
	scope     string // the scope core.hooksPath comes from: local, global, system, worktree, command
}

func locate(ctx context.Context, o Options) (*location, error) {
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	out, err := runGit(ctx, dir, o.Env, "rev-parse", "--path-format=absolute", "--git-path", "hooks")
	if err != nil {
		return nil, err
	}
	// git before 2.31 echoes the unknown --path-format option and prints a
	// path relative to dir: keep the last line, and make it absolute.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	hooksDir := filepath.FromSlash(strings.TrimSpace(lines[len(lines)-1]))
	if hooksDir == "" {
		return nil, fmt.Errorf("git rev-parse --git-path hooks printed nothing in %s", dir)
	}
	if !filepath.IsAbs(hooksDir) {
		abs, err := filepath.Abs(filepath.Join(dir, hooksDir))
		if err != nil {
			return nil, err
		}
		hooksDir = abs
	}
	loc := &location{hooksDir: filepath.Clean(hooksDir)}
	if top, err := runGit(ctx, dir, o.Env, "rev-parse", "--show-toplevel"); err == nil {
		loc.top = filepath.Clean(filepath.FromSlash(strings.TrimSpace(top)))
	}
	out, err = runGit(ctx, dir, o.Env, "config", "--show-scope", "--get", "core.hooksPath")
	var exit *exec.ExitError
	switch {
	case err == nil:
		scope, value, _ := strings.Cut(strings.TrimRight(out, "\r\n"), "\t")
		loc.scope, loc.hooksPath = scope, value
	case errors.As(err, &exit) && exit.ExitCode() == 1: // unset
	default:
		return nil, err
	}
	return loc, nil
}

// runGit runs git in dir and returns its standard output.
func runGit(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return stdout.String(), fmt.Errorf("git %s (in %s): %w", strings.Join(args, " "), dir, err)
		}
		return stdout.String(), fmt.Errorf("git %s (in %s): %w: %s", strings.Join(args, " "), dir, err, msg)
	}
	return stdout.String(), nil
}

// hookFile describes what is at a hook's path.
type hookFile struct {
	exists  bool
	ours    bool // a lockguard script (a regular file with the marker line)
	content []byte
	mode    fs.FileMode
}

func readHook(path string) (hookFile, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return hookFile{}, nil
	}
	if err != nil {
		return hookFile{}, err
	}
	h := hookFile{exists: true, mode: fi.Mode()}
	switch {
	case fi.Mode().IsRegular():
		if h.content, err = os.ReadFile(path); err != nil {
			return hookFile{}, err
		}
		h.ours = IsLockguardScript(h.content)
	case fi.IsDir():
		return hookFile{}, fmt.Errorf("%s is a directory, not a hook", path)
	}
	// A symbolic link or anything else is foreign: lockguard writes only
	// regular files.
	return h, nil
}

func lexists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Install writes lockguard's hook script into the repository's hooks
// directory, chaining a hook that is already there. See the package
// documentation.
func Install(ctx context.Context, o Options) (*Result, error) {
	typ, err := hookType(o.Type)
	if err != nil {
		return nil, err
	}
	binary := o.Binary
	if strings.ContainsRune(binary, '/') || strings.ContainsRune(binary, filepath.Separator) {
		if binary, err = filepath.Abs(binary); err != nil {
			return nil, err
		}
		binary = filepath.ToSlash(binary)
	}
	fallback, binNote, err := chooseFallback(o)
	if err != nil {
		return nil, err
	}
	loc, err := locate(ctx, o)
	if err != nil {
		return nil, err
	}
	hook := filepath.Join(loc.hooksDir, typ)
	prev := hook + PrevSuffix
	script := Script(typ, binary, fallback)
	res := &Result{Path: hook, Fallback: fallback}

	cur, err := readHook(hook)
	if err != nil {
		return nil, err
	}
	prevExists, err := lexists(prev)
	if err != nil {
		return nil, err
	}
	if prevExists {
		res.Chained = prev
	}
	chainNote := func() string {
		if res.Chained == "" {
			return ""
		}
		return "; it runs " + loc.rel(prev) + " first"
	}

	if cur.ours {
		if string(cur.content) == script && cur.mode.Perm() == 0o755 {
			res.AlreadyInstalled = true
			res.Message = fmt.Sprintf("lockguard's %s hook is already installed at %s%s", typ, loc.rel(hook), chainNote()) + binNote
			return res, nil
		}
		if err := writeScript(loc.hooksDir, hook, script); err != nil {
			return nil, err
		}
		res.Message = fmt.Sprintf("updated lockguard's %s hook at %s%s", typ, loc.rel(hook), chainNote()) + binNote
		return res, nil
	}

	var notes, warnings []string
	if m := loc.manager(typ, cur); m != nil {
		if !o.Force {
			return nil, m
		}
		warnings = append(warnings, fmt.Sprintf("note: %s manages these hooks and may bypass or replace lockguard's; the setup it supports is to add to %s:\n\n%s", m.Manager, m.File, m.Snippet))
	}
	if cur.exists && loc.tracked(ctx, o, hook) {
		warnings = append(warnings, fmt.Sprintf("note: %s is tracked by git, so moving it shows in git status: commit the change to share lockguard's hook, or run uninstall to put it back", loc.rel(hook)))
	}

	moved := false
	if cur.exists {
		if prevExists {
			if !o.Force {
				return nil, fmt.Errorf("%w: %s is not lockguard's hook, and %s already exists (left by an earlier install?): "+
					"move one of them away, or use --force to chain %s and keep the older file under another name",
					ErrPrevExists, loc.rel(hook), loc.rel(prev), loc.rel(hook))
			}
			old, err := unusedName(prev + ".old")
			if err != nil {
				return nil, err
			}
			if err := os.Rename(prev, old); err != nil {
				return nil, err
			}
			notes = append(notes, "the older "+loc.rel(prev)+" was renamed to "+loc.rel(old))
		}
		if err := os.Rename(hook, prev); err != nil {
			return nil, err
		}
		moved = true
		res.Chained = prev
		notes = append(notes, "the existing hook was moved to "+loc.rel(prev)+" and runs first")
	} else if prevExists {
		notes = append(notes, "it runs "+loc.rel(prev)+" (left by an earlier install) first")
	}
	if err := writeScript(loc.hooksDir, hook, script); err != nil {
		if moved {
			if rerr := os.Rename(prev, hook); rerr != nil {
				err = errors.Join(err, fmt.Errorf("restoring %s: %w", hook, rerr))
			}
		}
		return nil, err
	}
	msg := fmt.Sprintf("installed lockguard's %s hook at %s", typ, loc.rel(hook))
	if len(notes) > 0 {
		msg += "; " + strings.Join(notes, "; ")
	}
	if w := loc.sharedWarning(); w != "" {
		warnings = append(warnings, w)
	}
	msg += binNote
	for _, w := range warnings {
		msg += "\n" + w
	}
	res.Message = msg
	return res, nil
}

// Uninstall removes lockguard's hook script and moves back the hook it
// chained, if any. It refuses (ErrForeign) to remove a hook that is not
// lockguard's, and does nothing when there is no hook.
func Uninstall(ctx context.Context, o Options) (*Result, error) {
	typ, err := hookType(o.Type)
	if err != nil {
		return nil, err
	}
	loc, err := locate(ctx, o)
	if err != nil {
		return nil, err
	}
	hook := filepath.Join(loc.hooksDir, typ)
	prev := hook + PrevSuffix
	res := &Result{Path: hook}
	cur, err := readHook(hook)
	if err != nil {
		return nil, err
	}
	prevExists, err := lexists(prev)
	if err != nil {
		return nil, err
	}
	switch {
	case !cur.exists:
		res.Message = fmt.Sprintf("lockguard's %s hook is not installed (no %s); nothing to do", typ, loc.rel(hook))
		if prevExists {
			res.Message += "; " + loc.rel(prev) + " was left alone"
		}
		return res, nil
	case !cur.ours:
		return nil, fmt.Errorf("%w: %s was not written by lockguard; leaving it alone", ErrForeign, loc.rel(hook))
	}
	if prevExists {
		// Rename over lockguard's script: the chained hook comes back with
		// its bytes, mode (and symlink-ness) untouched.
		if err := os.Rename(prev, hook); err != nil {
			return nil, err
		}
		res.Chained = prev
		res.Message = fmt.Sprintf("removed lockguard's %s hook; restored the previous hook at %s", typ, loc.rel(hook))
		return res, nil
	}
	if err := os.Remove(hook); err != nil {
		return nil, err
	}
	res.Message = fmt.Sprintf("removed lockguard's %s hook (%s)", typ, loc.rel(hook))
	return res, nil
}

// writeScript writes the script atomically, executable by everyone.
func writeScript(dir, hook, script string) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(hook)+".lockguard-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = io.WriteString(f, script); err != nil {
		return err
	}
	if err = f.Chmod(0o755); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), hook)
}

// unusedName returns base, or base.N for the first N that does not exist.
func unusedName(base string) (string, error) {
	for i := 0; ; i++ {
		name := base
		if i > 0 {
			name += "." + strconv.Itoa(i)
		}
		ok, err := lexists(name)
		if err != nil {
			return "", err
		}
		if !ok {
			return name, nil
		}
	}
}

// rel shows a path relative to the work tree's top when it is inside it.
func (l *location) rel(p string) string {
	if l.top == "" {
		return p
	}
	r, err := filepath.Rel(l.top, p)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return p
	}
	return r
}

// tracked reports whether path is a file tracked in the work tree.
func (l *location) tracked(ctx context.Context, o Options, path string) bool {
	if l.top == "" || l.rel(path) == path {
		return false
	}
	out, err := runGit(ctx, l.top, o.Env, "--literal-pathspecs", "ls-files", "-z", "--", l.rel(path))
	return err == nil && out != ""
}
