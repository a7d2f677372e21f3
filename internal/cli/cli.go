// Package cli is lockguard's command line. Main is the whole program; the
// binary's main only calls os.Exit(cli.Main(…)), so tests drive the CLI in
// process with their own streams.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/internal/config"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/report"
)

// Exit codes.
const (
	ExitOK       = 0 // nothing at or above --fail-on
	ExitFindings = 1 // findings at or above --fail-on; for fix: something left unfixed, or files changed in pre-commit mode
	ExitUsage    = 2 // usage, config or repository error
	ExitInternal = 3 // internal error
)

// usageError marks errors that exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitError carries an exit code without a message.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// env is what a command runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	ctx            context.Context

	// lastCheck is the analysis runCheck reported last (for the hook's hint).
	lastCheck *analysis

	// global flags
	dir        string
	configFile string
	color      string
}

// Main runs lockguard with args (without the program name) and returns the
// exit code. A panic becomes "internal error: …" and exit 3.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(stderr, "lockguard: internal error: %v\n", v)
			if os.Getenv("LOCKGUARD_DEBUG") != "" {
				fmt.Fprintf(stderr, "%s\n", debug.Stack())
			} else {
				fmt.Fprintln(stderr, "please report this at https://github.com/lockguard/lockguard/issues (set LOCKGUARD_DEBUG=1 for a stack trace)")
			}
			code = ExitInternal
		}
	}()
	ctx, sig, stop := notifySignals()
	defer stop()
	return mainContext(ctx, sig, args, stdin, stdout, stderr)
}

// mainContext is Main with the context that SIGINT and SIGTERM cancel, and
// sig saying which of them arrived (nil: none).
func mainContext(ctx context.Context, sig func() os.Signal, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, ctx: ctx}
	root := e.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if s := sig(); s != nil {
		// Interrupted: 128 + the signal's number, as a shell reports it
		// (130 for SIGINT), whatever the command made of it.
		if err != nil && !errors.As(err, new(exitError)) {
			fmt.Fprintf(stderr, "lockguard: interrupted (%s)\n", report.SanitizeText(err.Error()))
		}
		if n, ok := s.(syscall.Signal); ok {
			return 128 + int(n)
		}
		return 130
	}
	if err == nil {
		return ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue usageError
	var ce *config.Error
	var se *checks.SelectorError
	switch {
	case errors.As(err, &ue), errors.As(err, &ce), errors.As(err, &se), errors.Is(err, repo.ErrNotRepo), isCobraUsage(err):
		fmt.Fprintf(stderr, "lockguard: %s\n", report.SanitizeText(err.Error()))
		return ExitUsage
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		fmt.Fprintf(stderr, "lockguard: interrupted (%s)\n", report.SanitizeText(err.Error()))
		return ExitFindings
	case errors.Is(err, repo.ErrIndexLocked):
		fmt.Fprintf(stderr, "lockguard: %s\n", report.SanitizeText(err.Error()))
		return ExitFindings
	}
	fmt.Fprintf(stderr, "lockguard: error: %s\n", report.SanitizeText(err.Error()))
	return ExitInternal
}

// notifySignals returns a context cancelled by SIGINT or SIGTERM, and a
// function that says which signal arrived (nil when none did).
func notifySignals() (context.Context, func() os.Signal, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var mu sync.Mutex
	var got os.Signal
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			mu.Lock()
			got = s
			mu.Unlock()
			cancel()
		case <-done:
		}
	}()
	which := func() os.Signal {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
	return ctx, which, func() { signal.Stop(ch); close(done); cancel() }
}

func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires exactly"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "lockguard",
		Short: "Guard Nix flake, Cargo and Docker repositories against uncommitted and stale lockfiles",
		Long: `lockguard finds the files a build needs that git will not commit — a missing or
untracked Cargo.lock, a flake reference to an uncommitted path, a Dockerfile
that clobbers a generated lockfile — and fixes them: it generates the lockfiles
and stages them with git add.

A flake in a git repository sees only tracked files, so an uncommitted
Cargo.lock makes nix build fail with "path '/nix/store/…-source/backend/Cargo.lock'
does not exist". lockguard catches that before the commit.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&e.dir, "directory", "C", "", "run as if lockguard was started in `DIR`")
	pf.StringVar(&e.configFile, "config", "", "use the configuration `FILE` instead of lockguard.toml")
	pf.StringVar(&e.color, "color", "auto", "colour output: auto, always or never")
	root.Version = version()
	root.SetVersionTemplate("lockguard {{.Version}}\n")
	root.Flags().BoolP("version", "V", false, "print the version")
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return e.validateRootFlags() }
	root.RunE = func(c *cobra.Command, args []string) error {
		if c.Flags().NFlag() == 0 {
			return c.Help()
		}
		// `lockguard --color check` takes "check" as the colour: flags
		// without a command must not pass silently in CI.
		return usagef("no command given; run 'lockguard --help' for the commands")
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	root.AddCommand(e.checkCommand(), e.fixCommand(), e.rulesCommand(), e.explainCommand(), e.versionCommand(), e.demoCommand(), e.hookCommand())
	return root
}

// validateRootFlags checks the global flags before any command runs: a bad
// --color, a -C directory or a --config file that does not exist are usage
// errors.
func (e *env) validateRootFlags() error {
	if err := e.validateColor(); err != nil {
		return err
	}
	if e.dir != "" {
		fi, err := os.Stat(e.dir)
		if err != nil {
			return usagef("cannot change to %s: %v", e.dir, errors.Unwrap(err))
		}
		if !fi.IsDir() {
			return usagef("cannot change to %s: not a directory", e.dir)
		}
	}
	if e.configFile != "" {
		if _, err := os.Stat(e.path(e.configFile)); err != nil {
			return usagef("--config %s: %v", e.configFile, errors.Unwrap(err))
		}
	}
	return nil
}

// path makes a file named on the command line absolute: relative to -C DIR
// when given, as git does, else to the working directory.
func (e *env) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.startDir(), p)
}

// openRepo opens the repository for -C (or the current directory).
func (e *env) openRepo(staged bool) (*repo.Repo, error) {
	dir := e.dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		dir = wd
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, usagef("cannot change to %s: %v", dir, errors.Unwrap(err))
	}
	r, err := repo.Open(repo.Options{Dir: dir, Staged: staged})
	if err != nil {
		if errors.Is(err, repo.ErrNotRepo) {
			return nil, repo.ErrNotRepo
		}
		return nil, usageError{err}
	}
	return r, nil
}

// startDir is the directory relative paths on the command line are taken from.
func (e *env) startDir() string {
	wd, _ := os.Getwd()
	if e.dir == "" {
		return wd
	}
	if filepath.IsAbs(e.dir) {
		return e.dir
	}
	return filepath.Join(wd, e.dir)
}

// repoPaths converts command-line paths to repo-relative slash paths.
func (e *env) repoPaths(r *repo.Repo, args []string) ([]string, error) {
	var out []string
	root := r.Root()
	for _, a := range args {
		abs := a
		if !filepath.IsAbs(a) {
			abs = filepath.Join(e.startDir(), a)
		}
		abs = filepath.Clean(abs)
		if resolved, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
			abs = filepath.Join(resolved, filepath.Base(abs))
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, usagef("%s is outside the repository %s", a, root)
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			rel = ""
		}
		if rel == "" {
			return nil, nil // the whole repository
		}
		if _, err := os.Lstat(abs); err != nil {
			if _, tracked := r.Entry(rel); !tracked && len(r.TrackedUnder(rel)) == 0 {
				return nil, usagef("%s: no such file or directory", a)
			}
		}
		out = append(out, rel)
	}
	return out, nil
}

// loadConfig reads the configuration of repository r.
func (e *env) loadConfig(r *repo.Repo) (*config.Config, error) {
	return config.Find(r.Root(), e.path(e.configFile))
}

// selectRules combines config and flag selections.
func selectRules(cfg *config.Config, sel, ign []string) ([]*checks.Rule, error) {
	s := cfg.Select
	if len(sel) > 0 {
		s = sel
	}
	ignore := append(append([]string{}, cfg.Ignore...), ign...)
	for _, x := range cfg.Select {
		if err := checks.ValidSelector(x); err != nil && len(sel) == 0 {
			return nil, cfg.Errorf("select", "%v", err)
		}
	}
	for _, x := range cfg.Ignore {
		if err := checks.ValidSelector(x); err != nil {
			return nil, cfg.Errorf("ignore", "%v", err)
		}
	}
	for _, pi := range cfg.PathIgnores {
		for _, x := range pi.Rules {
			if err := checks.ValidSelector(x); err != nil {
				return nil, &config.Error{Path: cfg.Path, Line: pi.Line, Msg: err.Error()}
			}
		}
	}
	return checks.Select(s, ignore)
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
