package fixers

// Planning a round of fixes: which runs, edits and stages, and which edits
// overlap and wait for the next round.

import (
	"fmt"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
)

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
