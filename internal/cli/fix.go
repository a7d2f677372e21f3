package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/lockguard/lockguard/fixers"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/report"
)

type fixFlags struct {
	dryRun  bool
	diff    bool
	stage   bool
	noStage bool
	force   bool
	unsafe  bool
}

func (e *env) fixCommand() *cobra.Command {
	var rf runFlags
	var ff fixFlags
	c := &cobra.Command{
		Use:   "fix [PATH...]",
		Short: "Fix what can be fixed: generate lockfiles and stage them",
		Long: `Apply the fixes of the findings: generate missing lockfiles (cargo, nix),
edit files, and stage the results with git add. Every command is printed
before it runs. Under the pre-commit framework (PRE_COMMIT=1) nothing is
staged and fix exits 1 when it changed files.

Exit status: 0 when nothing at or above --fail-on is left; 1 when something
is left unfixed, or files changed in pre-commit mode.`,
		RunE: func(c *cobra.Command, args []string) error {
			return e.runFix(&rf, &ff, args)
		},
	}
	rf.register(c)
	fl := c.Flags()
	fl.BoolVar(&ff.dryRun, "dry-run", false, "print the plan; change nothing")
	fl.BoolVar(&ff.diff, "diff", false, "show file edits as a unified diff instead of writing them")
	fl.BoolVar(&ff.stage, "stage", false, "stage changed files with git add (the default, except under pre-commit)")
	fl.BoolVar(&ff.noStage, "no-stage", false, "do not stage changed files")
	fl.BoolVar(&ff.force, "force", false, "stage files even when an ignore rule matches them (git add --force)")
	fl.BoolVar(&ff.unsafe, "unsafe-fixes", false, "also apply fixes marked unsafe")
	return c
}

func (e *env) runFix(rf *runFlags, ff *fixFlags, args []string) error {
	if ff.stage && ff.noStage {
		return usagef("--stage and --no-stage contradict each other")
	}
	unlock, err := e.lockFix(ff.dryRun || ff.diff) // see lock.go
	if err != nil {
		return err
	}
	defer unlock()
	a, err := e.analyze(rf, args)
	if err != nil {
		return err
	}
	if len(a.result.Diagnostics) == 0 {
		fmt.Fprintf(e.stdout, "Nothing to fix (%d files checked).\n", a.result.FilesChecked)
		return nil
	}
	preCommit := e.getenv("PRE_COMMIT") == "1"
	stage := a.cfg.Fix.Stage && !preCommit
	switch {
	case ff.stage:
		stage = true
	case ff.noStage:
		stage = false
	}
	progress := false
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		progress = true
	}
	dry := ff.dryRun || ff.diff // --diff changes nothing either
	rounds := fixers.NewRounds()
	opts := fixers.Options{
		DryRun:   dry,
		Diff:     ff.diff,
		Stage:    stage,
		Force:    ff.force,
		Unsafe:   ff.unsafe,
		Staged:   rf.staged,
		Out:      e.stdout,
		Err:      e.stderr,
		Progress: progress,
		Rounds:   rounds,
	}
	// Like ruff: apply the fixes that do not overlap, check again, and
	// apply what the new check offers, until a round has nothing new to do.
	first := a
	var changed []string
	var failed []fixers.Failure
	var skipped []fixers.Skipped
	applied := 0
	for round := 1; ; round++ {
		res, err := fixers.Apply(e.ctx, a.repo, a.result.Diagnostics, opts)
		if err != nil {
			return err
		}
		for _, f := range res.Failed {
			fmt.Fprintf(e.stderr, "lockguard: fix failed: %s\n", report.SanitizeText(f.Err.Error()))
		}
		skipped = append(skipped, res.Skipped...)
		changed = append(changed, res.Changed...)
		failed = append(failed, res.Failed...)
		applied += len(res.Applied)
		if res.Interrupted || e.ctx.Err() != nil {
			return e.fixInterrupted(changed)
		}
		if len(res.Applied) == 0 {
			break // nothing new was done: a is what is left
		}
		if a, err = e.analyzeWith(rf, args, rounds.Planned()); err != nil {
			return err
		}
		if round == maxFixRounds {
			if n := fixers.Pending(a.result.Diagnostics, opts); n > 0 {
				fmt.Fprintf(e.stderr, "lockguard: fixes did not settle after %d rounds: %d finding%s still offer%s a new fix (a fix may undo another); review them with `lockguard fix --diff`\n", maxFixRounds, n, plural(n), map[bool]string{true: "s", false: ""}[n == 1])
				failed = append(failed, fixers.Failure{Err: fmt.Errorf("fixes did not settle after %d rounds", maxFixRounds)})
			}
			break
		}
	}
	if dry {
		fmt.Fprint(e.stdout, rounds.Diff())
	}
	for _, s := range skipped {
		fmt.Fprintf(e.stdout, "skipped %s at %s:%d: %s\n", report.Sanitize(s.Diag.Rule), report.Sanitize(s.Diag.Path), s.Diag.Line, report.Sanitize(s.Reason))
	}
	if dry {
		if applied > 0 {
			fmt.Fprintf(e.stdout, "would fix %d finding%s (dry run: nothing changed)\n", applied, plural(applied))
		}
		// Nothing changed: the findings are all still there.
		if failing(first.result.Diagnostics, first.failOn) {
			return exitError{ExitFindings}
		}
		return nil
	}
	slices.Sort(changed)
	changed = slices.Compact(changed)
	if len(changed) > 0 {
		fmt.Fprintf(e.stdout, "changed: %s\n", showPaths(changed))
	}
	// a is the last check: what is left is what the exit code is about.
	after := a
	fixed := countGone(first.result.Diagnostics, after.result.Diagnostics)
	if fixed > 0 {
		fmt.Fprintf(e.stdout, "fixed %d finding%s\n", fixed, plural(fixed))
	}
	left := after.result.Diagnostics
	if len(left) > 0 {
		fmt.Fprintln(e.stdout)
		if err := report.Write(e.stdout, "text", e.reportInput(after), report.Options{Color: e.useColor(e.stdout)}); err != nil {
			return err
		}
	}
	code := ExitOK
	if failing(left, after.failOn) || len(failed) > 0 {
		code = ExitFindings
	}
	if preCommit && len(changed) > 0 {
		fmt.Fprintf(e.stdout, "files were modified by this hook: %s (stage them and commit again)\n", showPaths(changed))
		code = ExitFindings
	}
	if code != ExitOK {
		return exitError{code}
	}
	return nil
}

// ExitInterrupted is the exit status of a fix stopped by SIGINT (128 +
// SIGINT, as a shell reports a command Ctrl-C stopped). Main turns any
// signal into 128 + its number (143 for SIGTERM).
const ExitInterrupted = 130

// fixInterrupted reports a fix stopped by a signal: what was already
// changed stays (a generator that finished wrote a complete file; nothing
// is left half-written), nothing more was edited or staged.
func (e *env) fixInterrupted(changed []string) error {
	msg := "lockguard: interrupted; nothing more was edited or staged"
	if len(changed) > 0 {
		changed = slices.Compact(slices.Sorted(slices.Values(changed)))
		msg += fmt.Sprintf(" (already changed: %s)", showPaths(changed))
	}
	fmt.Fprintln(e.stderr, msg)
	return exitError{ExitInterrupted}
}

// maxFixRounds bounds fix's apply-and-check-again loop.
const maxFixRounds = 10

// countGone counts the findings of before that are not in after (by rule,
// file and message: a fix may move lines). New findings that a fix reveals
// (a created lock can make a Dockerfile rule fire) don't reduce the count.
func countGone(before, after []diag.Diagnostic) int {
	left := map[string]int{}
	for _, d := range after {
		left[d.Rule+"\x00"+d.Path+"\x00"+d.Message]++
	}
	n := 0
	for _, d := range before {
		k := d.Rule + "\x00" + d.Path + "\x00" + d.Message
		if left[k] > 0 {
			left[k]--
			continue
		}
		n++
	}
	return n
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func countFixable(a *analysis) int {
	n := 0
	for _, d := range a.result.Diagnostics {
		if d.Fix != nil && len(d.Fix.Actions) > 0 {
			n++
		}
	}
	return n
}

// showPaths is paths as the report prints them (report.Sanitize: each on
// one line, without terminal escapes or bidirectional controls), separated
// by spaces.
func showPaths(paths []string) string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = report.Sanitize(p)
	}
	return strings.Join(out, " ")
}
