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
	"maps"
	"os"
	"os/exec"
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
		sb.WriteString(UnifiedDiff(p, old, string(r.cur[p])))
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

	// 2. Edits, file by file.
	for _, e := range p.edits {
		stageIt, err := a.edit(e)
		if err != nil {
			res.Failed = append(res.Failed, Failure{Action: diag.Action{Kind: diag.ActionEdit, Path: e.path}, Err: err})
			continue
		}
		if stageIt {
			p.stages = append(p.stages, stageStep{path: e.path})
		}
	}

	// 3. Staging: only files whose generator succeeded and that exist.
	var plain, forced []string
	for _, s := range p.stages {
		if failedOutputs[s.path] {
			continue
		}
		if !opts.DryRun {
			if _, err := os.Lstat(filepath.Join(r.Root(), filepath.FromSlash(s.path))); err != nil {
				continue
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
				return res, err
			}
			res.Staged = append(res.Staged, group.paths...)
		}
	} else if len(plain)+len(forced) > 0 && !opts.DryRun {
		fmt.Fprintf(opts.Out, "not staged (--no-stage or pre-commit mode): %s\n", strings.Join(append(plain, forced...), " "))
	}
	slices.Sort(res.Changed)
	res.Changed = slices.Compact(res.Changed)
	return res, nil
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

type runStep struct {
	action diag.Action
}

type editStep struct {
	path  string
	base  string // blob hash the edits expect (diag.Action.Base)
	edits []diag.TextEdit
}

type stageStep struct {
	path  string
	force bool
}

type fixPlan struct {
	runs     []runStep
	edits    []editStep
	stages   []stageStep
	skipped  []Skipped
	applied  []diag.Diagnostic
	deferred []diag.Diagnostic
}

// plan deduplicates the actions of all fixes: a file reported by several
// rules is generated once and staged once. A fix whose edits overlap the
// edits of a fix planned before it is deferred whole (ruff does the same):
// the caller checks again after this round and applies it then, computed
// against the edited file.
func plan(ds []diag.Diagnostic, opts Options) fixPlan {
	var p fixPlan
	runSeen := map[string]bool{}
	stageIdx := map[string]int{}
	editIdx := map[string]int{}
	editSeen := map[string]bool{}
	for _, d := range ds {
		if d.Fix == nil || len(d.Fix.Actions) == 0 {
			continue
		}
		skip := func(reason string) {
			if opts.Rounds.first("skip\x00" + d.Rule + "\x00" + d.Path + "\x00" + d.Message) {
				p.skipped = append(p.skipped, Skipped{Diag: d, Reason: reason})
			}
		}
		unsafe := d.Fix.Applicability == diag.Unsafe && !opts.Unsafe
		if unsafe && !opts.Diff {
			skip("unsafe fix; review it with --diff and apply it with --unsafe-fixes")
			continue
		}
		if reason := needsForce(d.Fix); reason != "" && !opts.Force && !unsafe {
			skip(reason + "; change the ignore rule, or pass --force to stage it anyway")
			continue
		}
		if p.overlaps(d.Fix.Actions, editIdx, editSeen) {
			p.deferred = append(p.deferred, d)
			continue
		}
		if unsafe {
			// --diff shows what --unsafe-fixes would edit (edits are only printed).
			skip("unsafe fix; review it with --diff and apply it with --unsafe-fixes")
			if p.addEdits(d.Fix.Actions, editIdx, editSeen, opts.Rounds) {
				p.applied = append(p.applied, d)
			}
			continue
		}
		took := false
		for _, act := range d.Fix.Actions {
			switch act.Kind {
			case diag.ActionRun:
				key := act.Dir + "\x00" + strings.Join(act.Command, "\x00")
				if !runSeen[key] && opts.Rounds.first("run\x00"+key) {
					runSeen[key] = true
					p.runs = append(p.runs, runStep{action: act})
					took = true
				} else if runSeen[key] {
					took = true // shared with a fix of this round
				}
			case diag.ActionEdit:
				if p.addEdits([]diag.Action{act}, editIdx, editSeen, opts.Rounds) {
					took = true
				}
			case diag.ActionStage:
				for _, path := range act.Paths {
					if i, ok := stageIdx[path]; ok {
						p.stages[i].force = p.stages[i].force || act.Force
						took = true
						continue
					}
					if !opts.Rounds.first(fmt.Sprintf("stage\x00%s\x00%v", path, act.Force)) {
						continue
					}
					stageIdx[path] = len(p.stages)
					p.stages = append(p.stages, stageStep{path: path, force: act.Force})
					took = true
				}
			}
		}
		if took {
			p.applied = append(p.applied, d)
		}
	}
	return p
}

func editKey(act diag.Action, e diag.TextEdit) string {
	return fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%s", act.Path, act.Base, e.Start, e.End, e.NewText)
}

// overlaps reports whether an edit among acts overlaps an edit already
// planned for the same file (an identical edit does not count).
func (p *fixPlan) overlaps(acts []diag.Action, editIdx map[string]int, editSeen map[string]bool) bool {
	for _, act := range acts {
		if act.Kind != diag.ActionEdit {
			continue
		}
		i, ok := editIdx[act.Path]
		if !ok {
			continue
		}
		for _, e := range act.Edits {
			if editSeen[editKey(act, e)] {
				continue
			}
			for _, x := range p.edits[i].edits {
				if editsOverlap(x, e) {
					return true
				}
			}
		}
	}
	return false
}

// editsOverlap reports whether applying x and y together depends on their
// order or breaks one of them: their ranges intersect, they start at the
// same offset, or one inserts inside the other's range.
func editsOverlap(x, y diag.TextEdit) bool {
	switch {
	case x.Start == y.Start:
		return true
	case x.Start < y.End && y.Start < x.End:
		return true
	case x.Start == x.End:
		return y.Start < x.Start && x.Start < y.End
	case y.Start == y.End:
		return x.Start < y.Start && y.Start < x.End
	}
	return false
}

// addEdits adds the edit actions among acts, once per file and edit, and
// reports whether it added one.
func (p *fixPlan) addEdits(acts []diag.Action, editIdx map[string]int, editSeen map[string]bool, rounds *Rounds) bool {
	added := false
	for _, act := range acts {
		if act.Kind != diag.ActionEdit {
			continue
		}
		for _, e := range act.Edits {
			k := editKey(act, e)
			if editSeen[k] {
				added = true // shared with a fix of this round
				continue
			}
			if !rounds.first("edit\x00" + k) {
				continue
			}
			i, ok := editIdx[act.Path]
			if !ok {
				i = len(p.edits)
				editIdx[act.Path] = i
				p.edits = append(p.edits, editStep{path: act.Path, base: act.Base})
			}
			editSeen[k] = true
			p.edits[i].edits = append(p.edits[i].edits, e)
			added = true
		}
	}
	return added
}

func needsForce(f *diag.Fix) string {
	for _, a := range f.Actions {
		if a.Kind == diag.ActionStage && a.Force {
			if a.ForceReason != "" {
				return a.ForceReason
			}
			return strings.Join(a.Paths, " ") + " is ignored"
		}
	}
	return ""
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
		line = fmt.Sprintf("$ (cd %s && %s)", shellQuote(dir), cmd)
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
	for _, dir := range dirs {
		wg.Add(1)
		go func(steps []runStep) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
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
			return fmt.Errorf("%s is unmerged (conflicted) in the index; lockguard neither regenerates nor stages it: resolve the merge first (edit it and `git add %s`, or `git checkout --ours -- %s`), then run lockguard fix again", o, o, o)
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
		if err := a.inputsStaged(act.Inputs); err != nil {
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
	for _, s := range saved {
		s.restore()
	}
	tail := lastLines(out.String(), 15)
	if ctx.Err() != nil {
		return fmt.Errorf("`%s` in %s was interrupted; its partial output was removed", shellJoin(argv), displayDir(dir))
	}
	return fmt.Errorf("`%s` in %s failed (%v); nothing was changed:\n%s", shellJoin(argv), displayDir(dir), err, tail)
}

// inputsStaged checks that each input's work-tree content is what is staged.
func (a *applier) inputsStaged(inputs []string) error {
	for _, in := range inputs {
		e, ok := a.r.Entry(in)
		if !ok {
			continue
		}
		data, err := os.ReadFile(filepath.Join(a.r.Root(), filepath.FromSlash(in)))
		if err != nil || diag.BlobHash(data) != e.Hash {
			return fmt.Errorf("%s has unstaged changes, and the lockfile would be generated from them rather than from what you commit; stage or stash them first", in)
		}
	}
	return nil
}

// savedFile remembers a file's state before a command, to undo a failure.
type savedFile struct {
	path   string
	exists bool
	data   []byte
	mode   os.FileMode
}

func save(p string) savedFile {
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return savedFile{path: p}
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return savedFile{path: p}
	}
	return savedFile{path: p, exists: true, data: data, mode: fi.Mode().Perm()}
}

func (s savedFile) changed() bool {
	data, err := os.ReadFile(s.path)
	if err != nil {
		return s.exists
	}
	return !s.exists || !bytes.Equal(data, s.data)
}

func (s savedFile) restore() {
	if !s.exists {
		os.Remove(s.path)
		return
	}
	if !s.changed() {
		return
	}
	_ = WriteFileAtomic(s.path, s.data, s.mode)
}

// edit applies text edits to one file (or prints them as a diff). It
// reports whether the edited file may be staged: a file the fix created, or
// one whose work-tree content equalled its staged content before the edit
// (staging a file with unrelated unstaged changes would commit them too).
func (a *applier) edit(e editStep) (stage bool, err error) {
	full := filepath.Join(a.r.Root(), filepath.FromSlash(e.path))
	old, err := os.ReadFile(full)
	existed := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	rounds := a.opts.Rounds
	dry := a.opts.Diff || a.opts.DryRun
	if dry && rounds != nil {
		if cur, ok := rounds.cur[e.path]; ok {
			// An earlier round of this dry run planned edits here; these
			// must have been computed against them.
			if e.base != "" && e.base != diag.BlobHash(cur) {
				return false, nil
			}
			old = cur
		} else {
			rounds.orig[e.path], rounds.existed[e.path] = old, existed
		}
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(full); err == nil {
		mode = fi.Mode().Perm()
	}
	updated, err := ApplyEdits(old, e.edits)
	if err != nil {
		return false, fmt.Errorf("%s: %w", e.path, err)
	}
	if bytes.Equal(old, updated) {
		return false, nil
	}
	if dry {
		if rounds != nil {
			rounds.cur[e.path] = updated // the caller prints the combined diff
		} else {
			fmt.Fprint(a.opts.Out, UnifiedDiff(e.path, string(old), string(updated)))
		}
		return false, nil
	}
	if e.base != "" && e.base != diag.BlobHash(old) {
		return false, fmt.Errorf("%s changed since it was checked (with --staged, its staged content differs from the work tree); run lockguard fix again without --staged", e.path)
	}
	clean := !existed
	if ent, ok := a.r.Entry(e.path); ok && existed && !ent.IntentToAdd && !ent.Conflicted {
		clean = ent.Hash == diag.BlobHash(old)
	}
	if err := WriteFileAtomic(full, updated, mode); err != nil {
		return false, err
	}
	a.mu.Lock()
	a.res.Changed = append(a.res.Changed, e.path)
	a.mu.Unlock()
	return clean, nil
}

// ApplyEdits applies non-overlapping edits to src.
func ApplyEdits(src []byte, edits []diag.TextEdit) ([]byte, error) {
	es := slices.Clone(edits)
	slices.SortStableFunc(es, func(x, y diag.TextEdit) int {
		if x.Start != y.Start {
			return x.Start - y.Start
		}
		return x.End - y.End
	})
	var out bytes.Buffer
	last := 0
	for _, e := range es {
		if e.Start < last || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("overlapping or out-of-range edits at byte %d", e.Start)
		}
		out.Write(src[last:e.Start])
		out.WriteString(e.NewText)
		last = e.End
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}

// WriteFileAtomic writes data to a temporary file beside path and renames it
// over path, keeping mode. A crash leaves either the old or the new file.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".lockguard-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// progress shows "[i/n] …" on Err while generators run, once they take
// longer than a second, when Progress is set.
func (a *applier) progress(n int) (stop func()) {
	if !a.opts.Progress || n == 0 || a.opts.DryRun {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		shown := false
		for {
			select {
			case <-done:
				if shown {
					fmt.Fprint(a.opts.Err, "\r\033[K")
				}
				return
			case <-t.C:
				if time.Since(start) < time.Second {
					continue
				}
				a.mu.Lock()
				fmt.Fprintf(a.opts.Err, "\r\033[Klockguard fix: %d/%d generators done (%s)", a.doneRuns, n, time.Since(start).Round(time.Second))
				a.mu.Unlock()
				shown = true
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (a *applier) tick() {
	a.mu.Lock()
	a.doneRuns++
	a.mu.Unlock()
}

func relTo(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

func displayDir(d string) string {
	if d == "" {
		return "the repository root"
	}
	return d + "/"
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}

// shellJoin renders argv as a shell command line.
func shellJoin(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:+,@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
