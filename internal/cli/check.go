package cli

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/internal/config"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/report"
	"github.com/lockguard/lockguard/internal/snapshot"
)

// runFlags are shared by check and fix.
type runFlags struct {
	selectRules []string
	ignoreRules []string
	failOn      string
	staged      bool
	since       string // --since REV (baseline.go)
	baseline    string // --baseline FILE (baseline.go)
}

func (f *runFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringSliceVar(&f.selectRules, "select", nil, "only these rules (IDs, ID prefixes such as LG1, names, or ALL; comma-separated)")
	fl.StringSliceVar(&f.ignoreRules, "ignore", nil, "skip these rules (same forms as --select)")
	fl.StringVar(&f.failOn, "fail-on", "", "lowest severity that fails the run: error, warning or never (default from config, else warning)")
	fl.BoolVar(&f.staged, "staged", false, "judge what will be committed: read file contents from the index (GIT_INDEX_FILE when set)")
	fl.StringVar(&f.since, "since", "", "only findings on files changed since the commit `REV` (or that their fix would create), and on untracked files")
	fl.StringVar(&f.baseline, "baseline", "", "hide the findings recorded in `FILE` by --write-baseline")
}

// outputFlags are check's report flags.
type outputFlags struct {
	format     string
	outputFile string
	outputs    []string
	statistics bool
	showFixes  bool
	// writeBaseline is --write-baseline FILE (baseline.go).
	writeBaseline string
}

func (e *env) checkCommand() *cobra.Command {
	var rf runFlags
	var of outputFlags
	c := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "Report problems (read-only; runs no repository code)",
		Long: `Report problems in the repository. Paths limit which findings are reported;
the default is the whole repository. check never writes and runs nothing but
read-only git commands.`,
		RunE: func(c *cobra.Command, args []string) error {
			return e.runCheck(&rf, &of, args)
		},
	}
	rf.register(c)
	fl := c.Flags()
	fl.StringVar(&of.format, "format", "text", "output format: "+strings.Join(report.Formats(), ", "))
	fl.StringVarP(&of.outputFile, "output-file", "o", "", "write the report to `FILE` instead of standard output")
	fl.StringArrayVar(&of.outputs, "output", nil, "also write a report as `FORMAT=FILE` (repeatable), e.g. --output sarif=results.sarif")
	fl.BoolVar(&of.statistics, "statistics", false, "print the number of findings per rule instead of the findings")
	fl.BoolVar(&of.showFixes, "show-fixes", false, "show what each fix would do")
	fl.StringVar(&of.writeBaseline, "write-baseline", "", "record the findings in `FILE` for --baseline, and exit 0")
	return c
}

// analysis is one run of the rules.
type analysis struct {
	repo   *repo.Repo
	cfg    *config.Config
	rules  []*checks.Rule
	snap   *snapshot.Snapshot
	result *checks.Result
	failOn string
	// all is every finding, before --since and --baseline filtered result.
	all []diag.Diagnostic
}

func (e *env) analyze(rf *runFlags, args []string) (*analysis, error) {
	return e.analyzeWith(rf, args, nil)
}

// analyzeWith runs the rules reading overlay's contents instead of those
// files on disk (a dry run's planned edits).
func (e *env) analyzeWith(rf *runFlags, args []string, overlay map[string][]byte) (*analysis, error) {
	r, err := e.openRepo(rf.staged)
	if err != nil {
		return nil, err
	}
	cfg, err := e.loadConfig(r)
	if err != nil {
		return nil, err
	}
	rules, err := selectRules(cfg, splitList(rf.selectRules), splitList(rf.ignoreRules))
	if err != nil {
		return nil, usageError{err}
	}
	failOn := cfg.FailOn
	if rf.failOn != "" {
		failOn = rf.failOn
	}
	if !slices.Contains([]string{"error", "warning", "never"}, failOn) {
		return nil, usagef("--fail-on must be error, warning or never, not %q", failOn)
	}
	paths, err := e.repoPaths(r, args)
	if err != nil {
		return nil, err
	}
	snap := snapshot.New(r, cfg)
	for p, data := range overlay {
		snap.Overlay(p, data)
	}
	res, err := checks.Run(snap, rules, checks.Options{Paths: paths, Context: e.ctx})
	if err != nil {
		return nil, err
	}
	all := res.Diagnostics
	if res.Diagnostics, err = e.adopt(rf, r, snap, all); err != nil {
		return nil, err
	}
	return &analysis{repo: r, cfg: cfg, rules: rules, snap: snap, result: res, failOn: failOn, all: all}, nil
}

// failing reports whether any diagnostic is at or above failOn.
func failing(ds []diag.Diagnostic, failOn string) bool {
	if failOn == "never" {
		return false
	}
	min := diag.Severity(failOn).Rank()
	for _, d := range ds {
		if d.Severity.Rank() >= min {
			return true
		}
	}
	return false
}

func (e *env) reportInput(a *analysis) *report.Input {
	return &report.Input{
		Diagnostics:  a.result.Diagnostics,
		Rules:        checks.Infos(),
		FilesChecked: a.result.FilesChecked,
		Source:       a.snap.Source,
		ToolVersion:  version(),
	}
}

func (e *env) runCheck(rf *runFlags, of *outputFlags, args []string) error {
	if !slices.Contains(report.Formats(), of.format) {
		return usagef("unknown --format %q (use one of %s)", of.format, strings.Join(report.Formats(), ", "))
	}
	if of.statistics && !slices.Contains([]string{"text", "concise", "json"}, of.format) {
		return usagef("--statistics prints text or json, not --format %s", of.format)
	}
	type extra struct{ format, file string }
	var extras []extra
	for _, o := range of.outputs {
		f, file, ok := strings.Cut(o, "=")
		if !ok || file == "" || !slices.Contains(report.Formats(), f) {
			return usagef("--output %q: want FORMAT=FILE with FORMAT one of %s", o, strings.Join(report.Formats(), ", "))
		}
		extras = append(extras, extra{f, file})
	}
	// Two reports into one file would leave only the last.
	seen := map[string]string{}
	if of.outputFile != "" {
		seen[filepath.Clean(e.path(of.outputFile))] = "--output-file " + of.outputFile
	}
	for _, x := range extras {
		k := filepath.Clean(e.path(x.file))
		if prev, ok := seen[k]; ok {
			return usagef("--output %s=%s writes the same file as %s", x.format, x.file, prev)
		}
		seen[k] = "--output " + x.format + "=" + x.file
	}
	a, err := e.analyze(rf, args)
	if err != nil {
		return err
	}
	e.lastCheck = a
	if of.writeBaseline != "" {
		return e.writeBaseline(of.writeBaseline, a.all, a.snap)
	}
	in := e.reportInput(a)
	if err := e.writeReport(of.format, of.outputFile, in, of); err != nil {
		return err
	}
	for _, x := range extras {
		if err := e.writeReport(x.format, x.file, in, &outputFlags{}); err != nil {
			return err
		}
	}
	if failing(a.result.Diagnostics, a.failOn) {
		return exitError{ExitFindings}
	}
	return nil
}

func (e *env) writeReport(format, file string, in *report.Input, of *outputFlags) error {
	var w io.Writer = e.stdout
	if file != "" {
		f, err := os.Create(e.path(file))
		if err != nil {
			return usagef("cannot write report: %v", err)
		}
		defer f.Close()
		w = f
	}
	opts := report.Options{Color: e.useColor(w), ShowFixes: of.showFixes}
	if of.statistics {
		switch format {
		case "json":
			return report.WriteStatisticsJSON(w, in)
		case "text", "concise":
			return report.WriteStatistics(w, in, opts)
		}
	}
	return report.Write(w, format, in, opts)
}

// useColor decides colour for a stream: --color, then NO_COLOR, then
// FORCE_COLOR/CLICOLOR_FORCE, then whether w is a terminal (and TERM is not dumb).
func (e *env) useColor(w io.Writer) bool {
	switch e.color {
	case "always":
		return true
	case "never":
		return false
	case "auto", "":
	default:
		return false
	}
	if e.getenv("NO_COLOR") != "" {
		return false
	}
	if v := e.getenv("FORCE_COLOR"); v != "" && v != "0" && v != "false" {
		return true
	}
	if v := e.getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	if e.getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (e *env) validateColor() error {
	if !slices.Contains([]string{"auto", "always", "never"}, e.color) {
		return usagef("--color must be auto, always or never, not %q", e.color)
	}
	return nil
}
