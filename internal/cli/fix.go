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
	var applied []diag.Diagnostic
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
		applied = append(applied, res.Applied...)
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
		if len(applied) > 0 {
			// The findings whose fixes were planned (what check counted
			// as fixable in this mode), then those the planned edits
			// revealed and later rounds planned too.
			out := fixOutcome(first.result.Diagnostics, nil, applied, ff.unsafe || ff.diff, true) // --diff shows the unsafe edits too
			fmt.Fprintf(e.stdout, "would fix %d finding%s%s (dry run: nothing changed)\n", out.fixed, plural(out.fixed), out.revealedNote())
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
	if out := fixOutcome(first.result.Diagnostics, after.result.Diagnostics, applied, ff.unsafe, false); out.fixed+out.alsoGone+out.revealed > 0 {
		fmt.Fprintf(e.stdout, "fixed %d finding%s", out.fixed, plural(out.fixed))
		if out.alsoGone > 0 {
			fmt.Fprintf(e.stdout, " (%d more went away with them)", out.alsoGone)
		}
		fmt.Fprintf(e.stdout, "%s\n", out.revealedNote())
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

// outcome counts what a fix did, so that "fixed N" is the N of check's
// "N fixable with `lockguard fix`" (or, with --unsafe-fixes, of both of its
// counts) when every fix works.
type outcome struct {
	// fixed: findings of the first check that had a fix this mode applies
	// (safe, or unsafe with --unsafe-fixes) and are gone (planned, in a
	// dry run).
	fixed int
	// alsoGone: findings of the first check without such a fix that went
	// away with the others (a generated lock answers several rules).
	alsoGone int
	// revealed: findings that the fixes revealed (a created lock can make
	// a Dockerfile rule fire) and that later rounds fixed too.
	revealed int
}

func (o outcome) revealedNote() string {
	if o.revealed == 0 {
		return ""
	}
	return fmt.Sprintf(", and %d that the fixes revealed", o.revealed)
}

// fixOutcome compares the first check (before) with the last (after; in a
// dry run, applied, the findings whose fixes were planned, decides
// instead). Findings are matched by rule, file and message (a fix may move
// lines), or else by rule and position (a fix may change the message: once
// LG401 rewrites `nix build` into `nix develop`, LG402's finding there
// names the new command).
func fixOutcome(before, after, applied []diag.Diagnostic, unsafe, dry bool) outcome {
	key := func(d diag.Diagnostic) string { return d.Rule + "\x00" + d.Path + "\x00" + d.Message }
	pos := func(d diag.Diagnostic) string {
		return fmt.Sprintf("%s\x00%s\x00%d:%d", d.Rule, d.Path, d.Line, d.Column)
	}
	count := func(ds []diag.Diagnostic, f func(diag.Diagnostic) string) map[string]int {
		m := map[string]int{}
		for _, d := range ds {
			m[f(d)]++
		}
		return m
	}
	left, done, donePos := count(after, key), count(applied, key), count(applied, pos)
	var o outcome
	for _, d := range before {
		k := key(d)
		var gone bool
		switch {
		case !dry:
			gone = left[k] == 0
			if !gone {
				left[k]--
			}
		case done[k] > 0:
			gone = true
			done[k]--
		default:
			gone = donePos[pos(d)] > 0
		}
		if !gone {
			continue
		}
		if d.Fix != nil && len(d.Fix.Actions) > 0 && (unsafe || d.Fix.Applicability != diag.Unsafe) {
			o.fixed++
		} else if !dry {
			o.alsoGone++
		}
	}
	firstKey, firstPos, afterKey := count(before, key), count(before, pos), count(after, key)
	seen := map[string]bool{}
	for _, d := range applied {
		k := key(d)
		if firstKey[k] == 0 && firstPos[pos(d)] == 0 && afterKey[k] == 0 && !seen[k] {
			seen[k] = true
			o.revealed++
		}
	}
	return o
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
