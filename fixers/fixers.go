// Package fixers applies the fixes that rules describe as data: it runs
// generators (cargo, nix), edits files atomically, and stages with `git add`.
// It never decides what is wrong; that is the rules' job.
//
// Guarantees:
//   - every command is printed, with its directory, before it runs;
//   - a failed command leaves no partial output behind, and files that existed
//     before are restored byte for byte;
//   - staging goes through `git add --` with the inherited environment only
//     (GIT_INDEX_FILE set by a git hook is honoured), never through go-git;
//   - independent generators run in parallel.
package fixers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/repo"
)

// Options control how fixes are applied.
type Options struct {
	DryRun bool // print the plan; run, write and stage nothing
	Diff   bool // print file edits as unified diffs instead of writing them
	Stage  bool // stage changed and generated files with git add
	Force  bool // stage files that are ignored (git add --force)
	Unsafe bool // apply fixes marked unsafe
	// Staged: the findings judged the staged content (--staged, a hook).
	// A generator whose inputs have unstaged changes is then not run.
	Staged bool

	Out      io.Writer // the plan and every command, before it runs
	Err      io.Writer // progress and command output on failure
	Progress bool      // show a progress line on Err (when it is a terminal)
	Env      []string  // environment of commands; nil = os.Environ()
	Jobs     int       // parallel generators; 0 = GOMAXPROCS

	// LookPath finds programs; nil = exec.LookPath. Tests replace it.
	LookPath func(string) (string, error)

	// Rounds carries what earlier rounds of one `lockguard fix` did: fix
	// applies the fixes that do not overlap, checks again, and applies the
	// rest in later rounds (see Rounds). nil = a single round.
	Rounds *Rounds
}

// Rounds is the state that the rounds of one fix run share: the actions
// already planned or run (a later round never runs a generator or applies an
// edit twice, and never repeats a skip message), and in a dry run the
// content that the planned edits give each file.
type Rounds struct {
	seen map[string]bool
	// planned holds, in a dry run, each edited file's content before the
	// first round (orig) and after the latest (cur); existed says whether
	// the file existed before.
	orig, cur map[string][]byte
	existed   map[string]bool
}

// NewRounds returns the state of a fix run's first round.
func NewRounds() *Rounds {
	return &Rounds{seen: map[string]bool{}, orig: map[string][]byte{}, cur: map[string][]byte{}, existed: map[string]bool{}}
}

// Planned returns the content that a dry run's planned edits give each
// existing file, by repo-relative path: a re-check reads them instead of
// the disk.
func (r *Rounds) Planned() map[string][]byte {
	out := map[string][]byte{}
	for p, data := range r.cur {
		// A file the plan creates stays absent: the rules would see it
		// through the overlay but not in the work tree.
		if r.existed[p] {
			out[p] = data
		}
	}
	return out
}

// Diff is the unified diff from the files before the first round to the
// combined result of every round's planned edits, file by file in path order.
func (r *Rounds) Diff() string {
	var sb strings.Builder
	for _, p := range slices.Sorted(maps.Keys(r.cur)) {
		old := string(r.orig[p])
		if !r.existed[p] {
			old = ""
		}
		sb.WriteString(showDiff(p, old, string(r.cur[p])))
	}
	return sb.String()
}

// first reports whether key is new to this fix run, and records it.
func (r *Rounds) first(key string) bool {
	if r == nil {
		return true
	}
	if r.seen[key] {
		return false
	}
	r.seen[key] = true
	return true
}

// Skipped is a fix that was not applied, and why.
type Skipped struct {
	Diag   diag.Diagnostic
	Reason string
}

// Failure is an action that failed.
type Failure struct {
	Action diag.Action
	Err    error
}

// Result says what happened.
type Result struct {
	Commands []string // commands run (or planned, in a dry run), as printed
	Changed  []string // files created or modified (repo-relative)
	Staged   []string // files staged
	Skipped  []Skipped
	Failed   []Failure
	// Interrupted: the context was cancelled (SIGINT, SIGTERM). Nothing
	// was edited or staged after that; the caller exits 130.
	Interrupted bool
	// Applied are the findings whose fixes this round planned or applied
	// (new actions only: a finding whose actions an earlier round already
	// took is not counted again).
	Applied []diag.Diagnostic
	// Deferred are the findings whose fixes overlap an edit applied in this
	// round: fix applies them in a later round, after checking again.
	Deferred []diag.Diagnostic
}

// Apply applies the fixes of ds in repository r.
func Apply(ctx context.Context, r *repo.Repo, ds []diag.Diagnostic, opts Options) (*Result, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Err == nil {
		opts.Err = io.Discard
	}
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	p := plan(ds, opts)
	res := &Result{Skipped: p.skipped, Applied: p.applied, Deferred: p.deferred}
	a := &applier{r: r, opts: opts, res: res}

	// 1. Generators, in parallel across directories.
	failedOutputs := a.runAll(ctx, p.runs)

	// After an interrupt nothing more is changed: no edit, no staging.
	if ctx.Err() != nil {
		res.Interrupted = true
		slices.Sort(res.Changed)
		res.Changed = slices.Compact(res.Changed)
		return res, nil
	}

	// 2. Edits, file by file (a symbolic link is edited through, once),
	// with the hashes of fetched git commits (githash.go).
	p.edits = a.fetchGitHashes(ctx, p.fetches, p.edits)
	edits, failures := a.resolveEdits(p.edits)
	res.Failed = append(res.Failed, failures...)
	for _, e := range edits {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		stageIt, err := a.edit(ctx, e)
		if err != nil {
			res.Failed = append(res.Failed, Failure{Action: diag.Action{Kind: diag.ActionEdit, Path: e.path}, Err: err})
			continue
		}
		if stageIt {
			p.stages = append(p.stages, stageStep{path: e.path})
		}
	}
	if res.Interrupted {
		slices.Sort(res.Changed)
		res.Changed = slices.Compact(res.Changed)
		return res, nil
	}

	// 3. Staging: only files whose generator succeeded and that exist,
	// and not ignored unless --force allows it. A lockfile or a
	// generator's output must be a file: when a directory is there, `git
	// add` would stage the files inside it as the lock. (Other paths, such
	// as a COPY source, may be directories.)
	outputs := map[string]bool{}
	for _, rs := range p.runs {
		for _, o := range rs.action.Outputs {
			outputs[o] = true
		}
	}
	var plain, forced []string
	for _, s := range p.stages {
		if failedOutputs[s.path] {
			continue
		}
		if !opts.DryRun {
			fi, err := os.Lstat(filepath.Join(r.Root(), filepath.FromSlash(s.path)))
			if err != nil {
				continue
			}
			if fi.IsDir() && (outputs[s.path] || lockfileNames[path.Base(s.path)]) {
				res.Failed = append(res.Failed, Failure{Action: stageAction(s.path), Err: fmt.Errorf("%s is a directory, not a file: lockguard does not stage it (git add would stage the files inside it); remove or rename the directory", show(s.path))})
				continue
			}
		}
		if !s.force {
			if m := a.ignoredBy(s.path); m != nil {
				if !opts.Force {
					if opts.Stage {
						res.Failed = append(res.Failed, Failure{Action: stageAction(s.path), Err: fmt.Errorf("%s is ignored by %s, so git add refuses it: change the ignore rule, or pass --force to stage it anyway", show(s.path), ignoreReason(m))})
					}
					continue
				}
				s.force = true
			}
		}
		if s.force {
			forced = append(forced, s.path)
		} else {
			plain = append(plain, s.path)
		}
	}
	if opts.Stage {
		for _, group := range []struct {
			paths []string
			force bool
		}{{plain, false}, {forced, true}} {
			if len(group.paths) == 0 {
				continue
			}
			if ctx.Err() != nil {
				res.Interrupted = true
				break
			}
			args := []string{"git", "add"}
			if group.force {
				args = append(args, "--force")
			}
			args = append(args, "--")
			args = append(args, group.paths...)
			a.announce(shellJoin(args), "")
			if opts.DryRun {
				continue
			}
			if err := r.Stage(ctx, group.paths, group.force); err != nil {
				// Reported like any failed step; the other
				// failures are still reported with it.
				res.Failed = append(res.Failed, Failure{Action: diag.Action{Kind: diag.ActionStage, Paths: group.paths, Force: group.force}, Err: fmt.Errorf("staging %s failed (the files stay in the work tree, unstaged): %w", showAll(group.paths), err)})
				continue
			}
			res.Staged = append(res.Staged, group.paths...)
		}
	} else if len(plain)+len(forced) > 0 && !opts.DryRun {
		fmt.Fprintf(opts.Out, "not staged (--no-stage or pre-commit mode): %s\n", showAll(append(plain, forced...)))
	}
	slices.Sort(res.Changed)
	res.Changed = slices.Compact(res.Changed)
	return res, nil
}

// lockfileNames are the files lockguard's fixes generate and stage.
var lockfileNames = map[string]bool{"Cargo.lock": true, "flake.lock": true}

func stageAction(p string) diag.Action {
	return diag.Action{Kind: diag.ActionStage, Paths: []string{p}}
}

// Pending counts the findings among ds whose fixes Apply would take a new
// action for, given what opts.Rounds already did; it changes nothing.
func Pending(ds []diag.Diagnostic, opts Options) int {
	if opts.Rounds != nil {
		c := *opts.Rounds
		c.seen = maps.Clone(c.seen)
		opts.Rounds = &c
	}
	p := plan(ds, opts)
	return len(p.applied) + len(p.deferred)
}

type applier struct {
	r    *repo.Repo
	opts Options

	mu       sync.Mutex
	res      *Result
	doneRuns int
}

func (a *applier) announce(cmd, dir string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	line := "$ " + cmd
	if dir != "" {
		// A directory named -P is not cd's option: "cd -- -P".
		cd := "cd "
		if strings.HasPrefix(dir, "-") {
			cd = "cd -- "
		}
		line = fmt.Sprintf("$ (%s%s && %s)", cd, shellQuote(dir), cmd)
	}
	fmt.Fprintln(a.opts.Out, line)
	a.res.Commands = append(a.res.Commands, line)
}

// runAll runs generators, in parallel across directories, sequentially within
// one. It returns the outputs of failed commands.
func (a *applier) runAll(ctx context.Context, runs []runStep) map[string]bool {
	failed := map[string]bool{}
	if len(runs) == 0 {
		return failed
	}
	byDir := map[string][]runStep{}
	var dirs []string
	for _, r := range runs {
		if _, ok := byDir[r.action.Dir]; !ok {
			dirs = append(dirs, r.action.Dir)
		}
		byDir[r.action.Dir] = append(byDir[r.action.Dir], r)
	}
	jobs := a.opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}

	stop := a.progress(len(runs))
	defer stop()
	var (
		wg  sync.WaitGroup
		sem = make(chan struct{}, jobs)
		fmu sync.Mutex
	)
	work := func(steps []runStep) {
		for _, s := range steps {
			if err := a.run(ctx, s.action); err != nil {
				fmu.Lock()
				for _, o := range s.action.Outputs {
					failed[o] = true
				}
				a.mu.Lock()
				a.res.Failed = append(a.res.Failed, Failure{Action: s.action, Err: err})
				a.mu.Unlock()
				fmu.Unlock()
			}
			a.tick()
		}
	}
	for _, dir := range dirs {
		if a.opts.DryRun {
			work(byDir[dir]) // nothing runs: print the plan in its order, the same every time
			continue
		}
		wg.Add(1)
		go func(steps []runStep) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			work(steps)
		}(byDir[dir])
	}
	wg.Wait()
	return failed
}

// ErrNoTool is returned when neither a command nor its fallback can run.
var ErrNoTool = errors.New("no tool to run the fix")

// run runs one generator, restoring its outputs when it fails.
func (a *applier) run(ctx context.Context, act diag.Action) error {
	argv, dir := act.Command, act.Dir
	// A conflicted output is the user's merge in progress: regenerating it
	// would overwrite their resolution, and `git add` would mark the
	// conflict resolved. Refuse; its stage step is skipped as a failure.
	for _, o := range act.Outputs {
		if e, ok := a.r.Entry(o); ok && e.Conflicted {
			return fmt.Errorf("%s is unmerged (conflicted) in the index; lockguard neither regenerates nor stages it: resolve the merge first (edit it and `git add %s`, or `git checkout --ours -- %s`), then run lockguard fix again", show(o), shellQuote(o), shellQuote(o))
		}
	}
	// An output that ignore rules exclude would be generated and then
	// refused by git add (and unseen by a flake): say so, and generate
	// nothing, unless --force asks to stage it anyway.
	if !a.opts.Force {
		for _, o := range act.Outputs {
			if m := a.ignoredBy(o); m != nil {
				return fmt.Errorf("%s is ignored by %s: git would not commit it and a flake could not see it, so lockguard does not generate it; change the ignore rule, or pass --force to generate and stage it anyway", show(o), ignoreReason(m))
			}
		}
	}
	if _, err := a.opts.LookPath(argv[0]); err != nil {
		if len(act.Fallback) == 0 {
			return fmt.Errorf("%w: %s is not on PATH; install it, or run `%s` in %s yourself", ErrNoTool, argv[0], shellJoin(argv), displayDir(dir))
		}
		if _, ferr := a.opts.LookPath(act.Fallback[0]); ferr != nil {
			return fmt.Errorf("%w: neither %s nor %s is on PATH; install %s and run `%s` in %s, or run `%s` in %s",
				ErrNoTool, argv[0], act.Fallback[0], argv[0], shellJoin(argv), displayDir(dir), shellJoin(act.Fallback), displayDir(act.FallbackDir))
		}
		argv, dir = act.Fallback, act.FallbackDir
	}
	if a.opts.Staged {
		if err := a.inputsStaged(ctx, act.Inputs); err != nil {
			return fmt.Errorf("not running `%s` in %s: %w", shellJoin(argv), displayDir(dir), err)
		}
	}
	a.announce(shellJoin(argv), dir)
	if a.opts.DryRun {
		return nil
	}
	root := a.r.Root()
	saved := make([]savedFile, 0, len(act.Outputs))
	for _, o := range act.Outputs {
		saved = append(saved, save(filepath.Join(root, filepath.FromSlash(o))))
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = filepath.Join(root, filepath.FromSlash(dir))
	cmd.Env = a.opts.Env
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := runChild(cmd) // own process group, interrupted gently, dies with lockguard: see proc_unix.go
	if err == nil {
		for _, s := range saved {
			if s.changed() {
				a.mu.Lock()
				a.res.Changed = append(a.res.Changed, relTo(root, s.path))
				a.mu.Unlock()
			}
		}
		return nil
	}
	var lost []string
	for _, s := range saved {
		if rerr := s.restore(); rerr != nil {
			lost = append(lost, fmt.Sprintf("could not restore %s: %v", show(relTo(root, s.path)), ioReason(rerr)))
		}
	}
	tail := lastLines(out.String(), 15)
	if len(lost) > 0 {
		return fmt.Errorf("`%s` in %s failed (%v), and %s:\n%s", shellJoin(argv), displayDir(dir), err, strings.Join(lost, "; "), tail)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("`%s` in %s was interrupted; its partial output was removed", shellJoin(argv), displayDir(dir))
	}
	return fmt.Errorf("`%s` in %s failed (%v); nothing was changed:\n%s", shellJoin(argv), displayDir(dir), err, tail)
}

// ioReason is the operating system's reason for a file error, without the
// (absolute, temporary) path the error names.
func ioReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// ignoredBy returns the ignore rule that excludes an untracked path (a
// tracked file is not ignored), or nil.
func (a *applier) ignoredBy(path string) *repo.IgnoreMatch {
	st := a.r.Status(path)
	if st.State != repo.StateMissing && st.State != repo.StateIgnored {
		return nil
	}
	return st.Ignore
}

// ignoreReason names an ignore rule the way check does: "FILE line N (\"pattern\")".
func ignoreReason(m *repo.IgnoreMatch) string {
	return fmt.Sprintf("%s line %d (%q)", show(m.Source), m.Line, m.Pattern)
}

// inputsStaged checks that each input's work-tree content is what is staged.
func (a *applier) inputsStaged(ctx context.Context, inputs []string) error {
	for _, in := range inputs {
		e, ok := a.r.Entry(in)
		if !ok {
			continue
		}
		data, err := os.ReadFile(filepath.Join(a.r.Root(), filepath.FromSlash(in)))
		if err != nil || !a.sameAsIndex(ctx, in, data, e.Hash) {
			return fmt.Errorf("%s has unstaged changes, and the lockfile would be generated from them rather than from what you commit; stage or stash them first", show(in))
		}
	}
	return nil
}
