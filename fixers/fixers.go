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
	"github.com/lockguard/lockguard/internal/report"
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
	fetches  []fetchStep // githash.go
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
	fetchSeen := map[string]bool{}
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
			case diag.ActionFetchGit:
				p.addFetch(act, fetchSeen)
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

// savedFile remembers what was at a path before a command, to undo a
// failure: nothing, a regular file (its bytes and mode), a symbolic link
// (its target text, and what it pointed to, saved the same way), or
// something else (a directory), which is left alone.
type savedFile struct {
	path   string
	kind   savedKind
	data   []byte
	mode   os.FileMode
	link   string     // kindLink: the link's target as written
	target *savedFile // kindLink: what the link pointed to
}

type savedKind int

const (
	kindNone savedKind = iota
	kindRegular
	kindLink
	kindOther
)

// maxLinkDepth bounds the symbolic links followed by save (as the kernel does).
const maxLinkDepth = 40

func save(p string) savedFile { return saveDepth(p, 0) }

func saveDepth(p string, depth int) savedFile {
	fi, err := os.Lstat(p)
	switch {
	case err != nil:
		return savedFile{path: p}
	case fi.Mode()&os.ModeSymlink != 0:
		link, err := os.Readlink(p)
		if err != nil || depth >= maxLinkDepth {
			return savedFile{path: p, kind: kindOther}
		}
		tp := link
		if !filepath.IsAbs(tp) {
			tp = filepath.Join(filepath.Dir(p), tp)
		}
		t := saveDepth(tp, depth+1)
		return savedFile{path: p, kind: kindLink, link: link, target: &t}
	case !fi.Mode().IsRegular():
		return savedFile{path: p, kind: kindOther}
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return savedFile{path: p, kind: kindOther}
	}
	return savedFile{path: p, kind: kindRegular, data: data, mode: fi.Mode().Perm()}
}

func (s savedFile) changed() bool {
	fi, err := os.Lstat(s.path)
	switch s.kind {
	case kindNone:
		return err == nil
	case kindOther:
		return false
	case kindLink:
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return true
		}
		if link, err := os.Readlink(s.path); err != nil || link != s.link {
			return true
		}
		return s.target.changed()
	}
	if err != nil || !fi.Mode().IsRegular() {
		return true
	}
	data, err := os.ReadFile(s.path)
	return err != nil || !bytes.Equal(data, s.data)
}

// restore puts back what was saved: it removes a file that was not there,
// writes a regular file's bytes back (atomically, with its mode), and
// recreates a symbolic link a command replaced, then restores what the link
// pointed to. It never removes a directory.
func (s savedFile) restore() error {
	if !s.changed() {
		return nil
	}
	switch s.kind {
	case kindNone:
		if fi, err := os.Lstat(s.path); err == nil && !fi.IsDir() {
			if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		return nil
	case kindRegular:
		return WriteFileAtomic(s.path, s.data, s.mode)
	case kindLink:
		fi, err := os.Lstat(s.path)
		sameLink := false
		if err == nil && fi.Mode()&os.ModeSymlink != 0 {
			link, _ := os.Readlink(s.path)
			sameLink = link == s.link
		}
		if !sameLink {
			if err == nil {
				if fi.IsDir() {
					return fmt.Errorf("a directory replaced the symbolic link")
				}
				if err := os.Remove(s.path); err != nil {
					return err
				}
			}
			if err := os.Symlink(s.link, s.path); err != nil {
				return err
			}
		}
		return s.target.restore()
	}
	return nil
}

// resolveEdits maps each edited path through symbolic links to the file it
// names, and merges the edits of paths that name one file (a Dockerfile and
// the link to it are checked as two files with the same content). A file is
// written by renaming a new file over it, which would replace a link by a
// regular file: so a link is edited through, when the file it names is in
// the repository, and refused otherwise.
func (a *applier) resolveEdits(steps []editStep) ([]editStep, []Failure) {
	root := a.r.Root()
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		realRoot = root
	}
	var (
		out   []editStep
		fails []Failure
		idx   = map[string]int{}
	)
	fail := func(e editStep, format string, args ...any) {
		fails = append(fails, Failure{Action: diag.Action{Kind: diag.ActionEdit, Path: e.path}, Err: fmt.Errorf(format, args...)})
	}
	for _, e := range steps {
		full := filepath.Join(root, filepath.FromSlash(e.path))
		resolved, err := filepath.EvalSymlinks(full)
		if err != nil {
			if fi, lerr := os.Lstat(full); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
				fail(e, "%s is a symbolic link to a file that does not exist; lockguard does not replace the link: point it at a file, or remove it", show(e.path))
				continue
			}
			// A file the fix creates: its directory decides where it goes.
			dir, derr := filepath.EvalSymlinks(filepath.Dir(full))
			if derr != nil {
				fail(e, "cannot write %s: %v", show(e.path), ioReason(derr))
				continue
			}
			resolved = filepath.Join(dir, filepath.Base(full))
		}
		rel, err := filepath.Rel(realRoot, resolved)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			fail(e, "%s is a symbolic link to a file outside the repository: lockguard edits only files of the repository, and does not replace the link with a copy; apply the fix to the file it points to yourself (lockguard fix --diff shows it)", show(e.path))
			continue
		}
		rel = filepath.ToSlash(rel)
		i, ok := idx[rel]
		if !ok {
			e.path = rel
			idx[rel] = len(out)
			out = append(out, e)
			continue
		}
		if out[i].base != e.base {
			fail(e, "%s and %s are the same file but were checked with different contents; run lockguard fix again", show(e.path), show(rel))
			continue
		}
		for _, te := range e.edits {
			if !slices.Contains(out[i].edits, te) {
				out[i].edits = append(out[i].edits, te)
			}
		}
	}
	return out, fails
}

// edit applies text edits to one file (or prints them as a diff). It
// reports whether the edited file may be staged: a file the fix created, or
// one whose work-tree content equalled its staged content before the edit
// (as git compares: after the clean filter and end-of-line conversion;
// staging a file with unrelated unstaged changes would commit them too).
func (a *applier) edit(ctx context.Context, e editStep) (stage bool, err error) {
	full := filepath.Join(a.r.Root(), filepath.FromSlash(e.path))
	old, err := os.ReadFile(full)
	existed := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("cannot read %s: %v", show(e.path), ioReason(err))
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
	// The edits' offsets are into the content that was checked. With
	// --staged that is the staged blob, which differs from a clean work
	// tree file when git converts line endings (core.autocrlf,
	// eol=crlf): then edit the blob's text and convert it back.
	src, crlf := old, false
	if existed && e.base != "" && e.base != diag.BlobHash(old) {
		if lf := bytes.ReplaceAll(old, []byte("\r\n"), []byte("\n")); diag.BlobHash(lf) == e.base && a.sameAsIndex(ctx, e.path, old, e.base) {
			src, crlf = lf, true
		}
	}
	updated, err := diag.ApplyEdits(src, e.edits)
	if err != nil {
		return false, fmt.Errorf("%s: %w", show(e.path), err)
	}
	if crlf {
		updated = toCRLF(updated)
	}
	if bytes.Equal(old, updated) {
		return false, nil
	}
	if dry {
		if rounds != nil {
			rounds.cur[e.path] = updated // the caller prints the combined diff
		} else {
			fmt.Fprint(a.opts.Out, showDiff(e.path, string(old), string(updated)))
		}
		return false, nil
	}
	if e.base != "" && !crlf && e.base != diag.BlobHash(old) {
		return false, fmt.Errorf("%s changed since it was checked (with --staged, its staged content differs from the work tree); run lockguard fix again without --staged", show(e.path))
	}
	clean := !existed
	if ent, ok := a.r.Entry(e.path); ok && existed && !ent.IntentToAdd && !ent.Conflicted {
		clean = a.sameAsIndex(ctx, e.path, old, ent.Hash)
	}
	if err := WriteFileAtomic(full, updated, mode); err != nil {
		return false, fmt.Errorf("cannot write %s: %v; it is unchanged", show(e.path), ioReason(err))
	}
	a.mu.Lock()
	a.res.Changed = append(a.res.Changed, e.path)
	a.mu.Unlock()
	return clean, nil
}

// toCRLF turns every line feed not preceded by a carriage return into CR LF,
// as git's checkout does with core.autocrlf = true.
func toCRLF(b []byte) []byte {
	var out bytes.Buffer
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out.WriteByte('\r')
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}

// sameAsIndex reports whether git would store data, written at path
// rel, as the blob hash: byte for byte, or, as git add and git status
// compare, after the clean filter and the end-of-line conversion that
// .gitattributes and core.autocrlf ask for (`git hash-object --path`,
// run only when the bytes differ).
func (a *applier) sameAsIndex(ctx context.Context, rel string, data []byte, hash string) bool {
	if diag.BlobHash(data) == hash {
		return true
	}
	cmd := exec.CommandContext(ctx, "git", "hash-object", "--path="+rel, "--stdin")
	cmd.Dir = a.r.Root()
	cmd.Env = a.opts.Env
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	return err == nil && strings.TrimSpace(string(out)) == hash
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
	return show(d) + "/"
}

// lastLines is the end of a command's output, each line sanitized and
// quoted with "    | ", so that no line of it can pass for lockguard's own
// output or start a CI workflow command.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = "    | " + report.SanitizeText(strings.TrimSuffix(l, "\r"))
	}
	return strings.Join(lines, "\n")
}

// show is a repo-relative path (or another name from the repository) as
// fix prints it: on one line, without terminal escapes or bidirectional
// controls, as check prints it.
func show(p string) string { return report.Sanitize(p) }

// showAll is paths as show prints them, separated by spaces.
func showAll(paths []string) string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = show(p)
	}
	return strings.Join(out, " ")
}

// showDiff is UnifiedDiff sanitized for printing: the path as show prints
// it, and each line of the diff as check prints source lines.
func showDiff(path, old, updated string) string {
	return report.SanitizeText(UnifiedDiff(show(path), old, updated))
}

// shellJoin renders argv as a shell command line that is safe to print
// (see report.ShellQuote).
func shellJoin(argv []string) string { return report.ShellJoin(argv) }

func shellQuote(s string) string { return report.ShellQuote(s) }
