package checks

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

// Options limit a run.
type Options struct {
	// Context cancels the run (SIGINT, SIGTERM): rules not started yet are
	// not started, the flake analysis stops within 1,024 steps, and Run
	// returns the context's error. nil: never cancelled.
	Context context.Context

	// Paths limits which findings are reported: repo-relative files or
	// directories ("" or empty: everything).
	Paths []string
}

// Result is the outcome of a run.
type Result struct {
	Diagnostics  []diag.Diagnostic // sorted: path, line, column, rule
	FilesChecked int
}

// Run runs rules in parallel over one snapshot, applies config path ignores
// and inline suppressions, reports bad suppressions (LG902, when selected),
// limits findings to opts.Paths, and sorts them.
func Run(snap *snapshot.Snapshot, rules []*Rule, opts Options) (*Result, error) {
	var (
		mu    sync.Mutex
		ds    []diag.Diagnostic
		wg    sync.WaitGroup
		perr  error
		errMu sync.Mutex
	)
	if opts.Context != nil {
		snap.SetContext(opts.Context)
	}
	enabled := map[string]bool{}
	for _, r := range rules {
		enabled[r.ID] = true
		if isMeta(r) || snap.Interrupted() {
			continue
		}
		wg.Add(1)
		go func(r *Rule) {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					errMu.Lock()
					perr = fmt.Errorf("rule %s panicked: %v\n%s", r.ID, v, debug.Stack())
					errMu.Unlock()
				}
			}()
			r.Check(&Pass{Rule: r, Snap: snap, mu: &mu, diags: &ds})
		}(r)
	}
	wg.Wait()
	if perr != nil {
		return nil, perr
	}
	if snap.Interrupted() {
		return nil, opts.Context.Err()
	}

	if enabled[BadSuppression.ID] {
		// Suppressions are found in the files the rules read; LG902 on its
		// own must see the same files as with every rule (as LG901 does).
		snap.LoadParsers()
	}
	ds = applyPathIgnores(snap.Config, ds)
	ds, bad := applySuppressions(snap, ds, enabled)
	if enabled[BadSuppression.ID] {
		ds = append(ds, bad...)
	}
	if len(opts.Paths) > 0 {
		ds = slices.DeleteFunc(ds, func(d diag.Diagnostic) bool {
			return !slices.ContainsFunc(opts.Paths, func(p string) bool { return snapshot.Under(d.Path, p) })
		})
	}
	diag.Sort(ds)
	ds = slices.CompactFunc(ds, func(a, b diag.Diagnostic) bool { return diag.Compare(a, b) == 0 })
	setEditBases(snap, ds)
	return &Result{Diagnostics: ds, FilesChecked: len(snap.FilesRead())}, nil
}

func applyPathIgnores(cfg *snapshot.Config, ds []diag.Diagnostic) []diag.Diagnostic {
	if len(cfg.PathIgnores) == 0 {
		return ds
	}
	return slices.DeleteFunc(ds, func(d diag.Diagnostic) bool {
		r, ok := Lookup(d.Rule)
		if !ok {
			return false
		}
		for _, pi := range cfg.PathIgnores {
			if !slices.ContainsFunc(pi.Rules, func(s string) bool { return Matches(s, r) }) {
				continue
			}
			if slices.ContainsFunc(pi.Paths, func(p string) bool { return snapshot.MatchPath(p, d.Path) }) {
				return true
			}
		}
		return false
	})
}

// setEditBases records, in every edit action, the hash of the content the
// rule computed the edit against (what the snapshot read; empty for a file
// that does not exist), so that a fixer never applies byte offsets to
// different content.
func setEditBases(snap *snapshot.Snapshot, ds []diag.Diagnostic) {
	bases := map[string]string{} // one hash per file, however many edits
	for _, d := range ds {
		if d.Fix == nil {
			continue
		}
		for i := range d.Fix.Actions {
			a := &d.Fix.Actions[i]
			if a.Kind == diag.ActionEdit && a.Base == "" {
				if _, ok := bases[a.Path]; !ok {
					bases[a.Path] = diag.BlobHash(snap.Source(a.Path))
				}
				a.Base = bases[a.Path]
			}
		}
	}
}
