package cli

import (
	"fmt"
	"os"
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
	res, err := fixers.Apply(e.ctx, a.repo, a.result.Diagnostics, fixers.Options{
		DryRun:   ff.dryRun || ff.diff, // --diff changes nothing either
		Diff:     ff.diff,
		Stage:    stage,
		Force:    ff.force,
		Unsafe:   ff.unsafe,
		Staged:   rf.staged,
		Out:      e.stdout,
		Err:      e.stderr,
		Progress: progress,
	})
	if err != nil {
		return err
	}
	for _, f := range res.Failed {
		fmt.Fprintf(e.stderr, "lockguard: fix failed: %v\n", f.Err)
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(e.stdout, "skipped %s at %s:%d: %s\n", s.Diag.Rule, s.Diag.Path, s.Diag.Line, s.Reason)
	}
	if ff.dryRun || ff.diff {
		if n := countFixable(a); n > 0 {
			fmt.Fprintf(e.stdout, "would fix %d finding%s (dry run: nothing changed)\n", n, plural(n))
		}
		if failing(a.result.Diagnostics, a.failOn) {
			return exitError{ExitFindings}
		}
		return nil
	}
	if len(res.Changed) > 0 {
		fmt.Fprintf(e.stdout, "changed: %s\n", strings.Join(res.Changed, " "))
	}
	// Check again: what is left is what the exit code is about.
	after, err := e.analyze(rf, args)
	if err != nil {
		return err
	}
	fixed := countGone(a.result.Diagnostics, after.result.Diagnostics)
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
	if failing(left, after.failOn) || len(res.Failed) > 0 {
		code = ExitFindings
	}
	if preCommit && len(res.Changed) > 0 {
		fmt.Fprintf(e.stdout, "files were modified by this hook: %s (stage them and commit again)\n", strings.Join(res.Changed, " "))
		code = ExitFindings
	}
	if code != ExitOK {
		return exitError{code}
	}
	return nil
}

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

func countFixable(a *analysis) int {
	n := 0
	for _, d := range a.result.Diagnostics {
		if d.Fix != nil && len(d.Fix.Actions) > 0 {
			n++
		}
	}
	return n
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
