package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lockguard/lockguard/fixers"
	"github.com/lockguard/lockguard/hooks"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/report"
)

// hookCommand is `lockguard hook install|uninstall|run`: lockguard's native
// git hooks. The hooks package writes the scripts; `hook run` is the CLI's
// side of the contract its documentation defines.
func (e *env) hookCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "hook",
		Aliases: []string{"hooks"},
		Short:   "Install, uninstall or run lockguard's native git hooks",
		Long: `Manage lockguard's native git hooks (without the pre-commit framework).

  lockguard hook install                  # .git/hooks/pre-commit runs lockguard check --staged
  lockguard hook install --type pre-push  # .git/hooks/pre-push runs lockguard check
  lockguard hook uninstall [--type TYPE]

An existing hook is kept and runs first. The hook runs lockguard from PATH,
or else the lockguard that installed it (a temporary go run build is refused:
go install lockguard first). With [hook] fix = true in lockguard.toml, and
git config lockguard.hookFix true (a repository cannot allow this by itself),
the pre-commit hook first generates missing lockfiles and stages them into the
commit being made. LOCKGUARD_SKIP=1 skips lockguard for one command
(LOCKGUARD_SKIP=1 git commit …).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	c.AddCommand(e.hookInstallCommand(false), e.hookInstallCommand(true), e.hookRunCommand())
	return c
}

func (e *env) hookInstallCommand(uninstall bool) *cobra.Command {
	var typ string
	var force bool
	use, short := "install", "Install lockguard's git hook (an existing hook is kept and runs first)"
	if uninstall {
		use, short = "uninstall", "Remove lockguard's git hook and restore the hook it replaced"
	}
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o := hooks.Options{Dir: e.startDir(), Type: typ, Force: force}
			if !uninstall {
				// The hook runs this binary when no lockguard is on PATH;
				// a `go run` build is refused (hooks.Options.Executable).
				if exe, err := os.Executable(); err == nil {
					o.Executable = exe
				}
			}
			if _, err := os.Stat(o.Dir); err != nil {
				return usagef("cannot change to %s: %v", e.dir, errors.Unwrap(err))
			}
			var res *hooks.Result
			var err error
			if uninstall {
				res, err = hooks.Uninstall(e.ctx, o)
			} else {
				res, err = hooks.Install(e.ctx, o)
			}
			if err != nil {
				// The hooks belong to husky or lefthook (the message is
				// the line to add to their configuration), the hook is
				// not lockguard's, a bad --type, or not a repository:
				// all are about the user's setup, so exit 2.
				return usageError{err}
			}
			fmt.Fprintln(e.stdout, res.Message)
			return nil
		},
	}
	c.Flags().StringVar(&typ, "type", "pre-commit", "hook type: pre-commit or pre-push")
	if !uninstall {
		c.Flags().BoolVar(&force, "force", false, "install even when husky or lefthook manages the hooks, or a saved hook is in the way")
	}
	return c
}

func (e *env) hookRunCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "run TYPE [GIT-HOOK-ARGS...]",
		Short: "Run as the git hook TYPE (called by the installed hook script)",
		Long: `Run what the git hook TYPE does; the script lockguard hook install writes
calls this with git's hook arguments.

pre-commit: when lockguard.toml has [hook] fix = true and git config
lockguard.hookFix is true, fix the staged tree first (generate missing lockfiles and stage them with git add, so they land
in the commit being made, also with git commit -a and git commit PATHS), then
check the staged content. pre-push: check the work tree.

The exit status is check's: non-zero blocks the commit or push.
LOCKGUARD_SKIP=1 (anything but "" or "0") skips lockguard.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return e.runHook(args[0], args[1:])
		},
	}
	// git's hook arguments follow the type; they are not lockguard's flags.
	c.Flags().SetInterspersed(false)
	return c
}

// skipRequested reports whether LOCKGUARD_SKIP asks to skip lockguard.
func (e *env) skipRequested() bool {
	v := e.getenv("LOCKGUARD_SKIP")
	return v != "" && v != "0"
}

func (e *env) runHook(typ string, _ []string) error {
	var action, what string
	switch typ {
	case "pre-commit":
		action, what = "commit", "the staged files"
	case "pre-push":
		action, what = "push", "the work tree"
	default:
		return usagef("unsupported hook type %q (want pre-commit or pre-push)", typ)
	}
	if e.skipRequested() {
		fmt.Fprintf(e.stderr, "lockguard: LOCKGUARD_SKIP is set; not checking this %s\n", action)
		return nil
	}
	rf := runFlags{staged: typ == "pre-commit"}
	var fx hookFixState
	if typ == "pre-commit" {
		var err error
		if fx, err = e.hookFix(&rf); err != nil {
			return err
		}
	}
	err := e.runCheck(&rf, &outputFlags{format: "text"}, nil)
	var ee exitError
	if errors.As(err, &ee) && ee.code == ExitFindings && e.lastCheck != nil {
		fmt.Fprint(e.stderr, blockedHint(typ, action, what, fx, e.lastCheck.result.Diagnostics))
	}
	return err
}

// hookFixState is what the pre-commit hook's fix found and did.
type hookFixState struct {
	asked   bool     // lockguard.toml has [hook] fix = true
	allowed bool     // and the user allowed it (lockguard.hookFix): the fix ran
	staged  []string // what the fix staged into the commit being made
}

// blockedHint tells the user how to unblock a commit or push that the
// findings ds blocked: which fixes `lockguard fix` applies (safe ones) and
// which need --unsafe-fixes, what the hook's own fix staged (it stays
// staged), and how to skip lockguard once.
func blockedHint(typ, action, what string, fx hookFixState, ds []diag.Diagnostic) string {
	safe, unsafe := 0, 0
	for _, d := range ds {
		if d.Fix == nil || len(d.Fix.Actions) == 0 {
			continue
		}
		if d.Fix.Applicability == diag.Unsafe {
			unsafe++
		} else {
			safe++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nlockguard: %s blocked by the findings above (in %s).\n", action, what)
	if fx.allowed && len(fx.staged) > 0 {
		fmt.Fprintf(&b, "  The hook's fix staged %s before blocking; it stays staged\n  (`git restore --staged -- %s` takes it out again).\n",
			showPaths(fx.staged), shellWords(fx.staged))
	}
	b.WriteString("  To unblock:\n")
	if safe > 0 {
		verb := "fixes"
		if fx.allowed {
			verb = "retries the fix of" // the hook's fix already tried them
		}
		fmt.Fprintf(&b, "  - `lockguard fix` %s %d of them (it stages what it changes);\n", verb, safe)
	}
	if unsafe > 0 {
		more := ""
		if safe > 0 {
			more = " more"
		}
		fmt.Fprintf(&b, "  - %d%s finding%s %s an unsafe fix, which %s does not apply: review it with\n    `lockguard fix --unsafe-fixes --diff`, apply it with `lockguard fix --unsafe-fixes`;\n",
			unsafe, more, plural(unsafe), map[bool]string{true: "has", false: "have"}[unsafe == 1], map[bool]string{true: "the hook's fix", false: "`lockguard fix`"}[fx.allowed])
	}
	if safe+unsafe < len(ds) {
		b.WriteString("  - fix the rest by hand (`lockguard explain RULE` says how);\n")
	}
	if typ == "pre-commit" && safe > 0 && !fx.allowed {
		if fx.asked {
			b.WriteString("    (lockguard.toml asks this hook to fix: `git config lockguard.hookFix true` allows it)\n")
		} else {
			b.WriteString("    (`[hook] fix = true` in lockguard.toml, with `git config lockguard.hookFix true`,\n    lets this hook do it)\n")
		}
	}
	fmt.Fprintf(&b, "  then %s again, or skip lockguard once: LOCKGUARD_SKIP=1 git %s ...\n", action, action)
	return b.String()
}

// hookFixOptIn is the git configuration key that allows the pre-commit
// hook to fix when lockguard.toml asks for it. A repository's files cannot
// set it (it lives in .git/config or the user's configuration), so a
// repository cannot switch the installed hook to running generators.
const hookFixOptIn = "lockguard.hookFix"

// hookFixAllowed reads lockguard.hookFix from git's configuration (any
// scope: the clone's own, or the user's): set, and whether it is true.
func (e *env) hookFixAllowed(dir string) (set, allowed bool, err error) {
	cmd := exec.CommandContext(e.ctx, "git", "config", "--bool", "--get", hookFixOptIn)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, strings.TrimSpace(string(out)) == "true", nil
	case errors.As(err, &exit) && exit.ExitCode() == 1: // unset
		return false, false, nil
	}
	return false, false, usagef("reading %s from git's configuration: %v %s", hookFixOptIn, err, strings.TrimSpace(stderr.String()))
}

// hookFix is `fix --staged --stage` for the pre-commit hook when the
// configuration has [hook] fix = true and the user allowed it with
// `git config lockguard.hookFix true` (a committed lockguard.toml alone
// cannot make the hook run generators: it then checks, and says how to
// allow fixing). It stages with `git add` and the hook's environment, so the
// generated files land in the commit being made (git commit -a and git
// commit PATHS give the hook a GIT_INDEX_FILE of their own). It reports what
// it did; what it leaves, check reports next.
func (e *env) hookFix(rf *runFlags) (hookFixState, error) {
	var st hookFixState
	r, err := e.openRepo(true)
	if err != nil {
		return st, err
	}
	cfg, err := e.loadConfig(r)
	if err != nil {
		return st, err
	}
	if !cfg.Hook.Fix {
		return st, nil
	}
	st.asked = true
	set, allowed, err := e.hookFixAllowed(r.Root())
	if err != nil {
		return st, err
	}
	if !allowed {
		if !set {
			fmt.Fprintf(e.stderr, "lockguard: lockguard.toml asks this hook to fix before each commit ([hook] fix = true),\n"+
				"  which runs generators (cargo, nix) on the repository; a repository cannot turn that on\n"+
				"  by itself. To allow it in this clone: git config %s true\n"+
				"  (or for all your repositories: git config --global %s true). Checking only.\n\n", hookFixOptIn, hookFixOptIn)
		}
		return st, nil
	}
	st.allowed = true
	a, err := e.analyze(rf, nil)
	if err != nil {
		return st, err
	}
	if countFixable(a) == 0 {
		return st, nil
	}
	// The same lock as `lockguard fix` (lock.go): a fix running beside the
	// commit must not generate the same lockfiles at the same time. Check
	// again once the lock is held: the other fix may have done the work.
	unlock, err := e.lockFix(false)
	if err != nil {
		return st, err
	}
	defer unlock()
	if a, err = e.analyze(rf, nil); err != nil {
		return st, err
	}
	if countFixable(a) == 0 {
		return st, nil
	}
	fmt.Fprintln(e.stdout, "lockguard: fixing before the commit ([hook] fix = true):")
	res, err := fixers.Apply(e.ctx, a.repo, a.result.Diagnostics, fixers.Options{Stage: true, Staged: true, Out: e.stdout, Err: e.stderr})
	if err != nil {
		return st, err
	}
	for _, f := range res.Failed {
		fmt.Fprintf(e.stderr, "lockguard: fix failed: %s\n", report.SanitizeText(f.Err.Error()))
	}
	if res.Interrupted {
		return st, e.fixInterrupted(res.Changed)
	}
	if len(res.Staged) > 0 {
		st.staged = res.Staged
		fmt.Fprintf(e.stdout, "lockguard: staged into this commit: %s\n", showPaths(res.Staged))
		if err := e.stagePartialCommitIndex(a.repo, res.Staged); err != nil {
			return st, err
		}
	}
	fmt.Fprintln(e.stdout)
	return st, nil
}

// stagePartialCommitIndex also stages paths into the index git installs
// after a partial commit (`git commit PATHS`). git then commits from a
// temporary index, GIT_INDEX_FILE=<gitdir>/next-index-<pid>.lock, which is
// where the hook's fix staged the files; the user's index is prepared in
// <gitdir>/index.lock and renamed to <gitdir>/index once the commit is made.
// Without this, the index would lack a lock the commit added, and the next
// commit would delete it again.
func (e *env) stagePartialCommitIndex(r *repo.Repo, paths []string) error {
	idx := e.getenv("GIT_INDEX_FILE")
	base := filepath.Base(idx)
	if !strings.HasPrefix(base, "next-index-") || !strings.HasSuffix(base, ".lock") {
		return nil
	}
	main := filepath.Join(r.GitDir(), "index.lock")
	if _, err := os.Stat(main); err != nil {
		return nil
	}
	env := append(os.Environ(), "GIT_INDEX_FILE="+main)
	r2, err := repo.Open(repo.Options{Dir: r.Root(), Env: env, Backend: repo.BackendGit})
	if err != nil {
		return err
	}
	if err := r2.Stage(e.ctx, paths, false); err != nil {
		return fmt.Errorf("staging %s into the index of the partial commit: %w", strings.Join(paths, " "), err)
	}
	return nil
}

// shellWords quotes paths as shell words, for a command to copy.
func shellWords(paths []string) string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = report.ShellQuote(p)
	}
	return strings.Join(out, " ")
}
