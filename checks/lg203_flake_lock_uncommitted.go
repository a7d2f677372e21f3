package checks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

var FlakeLockUncommitted = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG203",
		Name:     "flake-lock-uncommitted",
		Summary:  "A flake with inputs has no committed flake.lock",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `flake.nix declares inputs (or takes them implicitly from the outputs
function's arguments: { self, nixpkgs }: with no inputs), and its flake.lock
is missing, out of date, or will not be in the commit.

- Out of date: a committed flake.lock lacks an input flake.nix declares.
  Nix must change the lock, so

      error: flake 'git+file:///…' requires lock file changes but they're not allowed due to '--no-update-lock-file'

  fails every job run with --no-update-lock-file, and other nix commands
  rewrite flake.lock on every run. Inputs written as { } (placeholders that
  callers pass with --override-input) are not expected in the lock.
- Untracked or ignored: a CI clone lacks the lock and resolves the inputs
  afresh. Intent-to-add (git add -N, which Nix itself does for a lock it
  writes) is a warning: git commit does not commit it.
- Missing: every build resolves the inputs afresh. Reported (as an error)
  for the repository's own flake at the root, and for any flake whose lock
  something needs: a flake that reads it, or a script or CI job that runs
  nix with --no-update-lock-file on it.

Policy (an error means something breaks; consumers decide): a missing
flake.lock is not reported for a template (a flake another flake exposes as
templates.<name>.path, also through flake-parts and //, or one in a
template directory: nix flake init copies it and its user locks it), for a
flake in a subdirectory that nothing needs the lock of (examples, tests:
their CI runs lock them on the fly), or when the repository's ignore rules
exclude flake.lock on purpose and nothing needs it. When something needs an
ignored lock, the message names the consumer and the ignore rule.

Relative path: inputs (inputs.sub.url = "path:./sub"): the lock pins the
narHash of the input's directory as the flake's source holds it (its
tracked files; an untracked file changes nothing). lockguard computes that
hash (the SHA-256 of the NAR of the tracked files under the directory, as
` + "`nix hash path`" + ` gives it for a copy of them) and reports a lock whose
narHash differs: a change under the directory was not relocked. What Nix
2.8 does with such a lock: while its store holds the pinned copy it keeps
evaluating that copy and silently ignores the change (plain nix flake lock
does not relock it either); on a fresh store it cannot fetch a relative
path input from any lock ("cannot fetch input 'path:./sub?…' because it
uses a relative path"), stale or not, which lockguard does not report
(newer Nix resolves relative path inputs inside the parent flake's source).
The hash is not judged (nothing is reported) for a flake nothing in the
repository uses (see the policy above), for an input directory that holds
the flake itself (path:../.., whose hash covers the flake.lock that
relocking rewrites), or when the directory is reached through a symbolic
link or holds a submodule, an
intent-to-add file, a file marked export-ignore, more than 10,000 files or
more than 64 MiB.

Fix (safe): run ` + "`nix flake lock`" + ` in the flake's directory (needs nix and, for
remote inputs, the network; with --update-input NAME for each stale path
input) and stage flake.lock.`,
	},
	Check: checkFlakeLockUncommitted,
}

var inputsRE = regexp.MustCompile(`(?m)^[ \t]*(inputs)\b`)

// inputsSpan locates the inputs declaration of a flake.nix (textually; 1:1
// when it is not found).
func inputsSpan(s *snapshot.Snapshot, flakePath string) diag.Span {
	data, err := s.ReadFile(flakePath)
	if err != nil {
		return diag.Span{}
	}
	m := inputsRE.FindSubmatchIndex(data)
	if m == nil {
		return diag.Span{}
	}
	before := data[:m[2]]
	line := 1 + strings.Count(string(before), "\n")
	lineStart := strings.LastIndexByte(string(before), '\n') + 1
	col := utf8.RuneCount(before[lineStart:]) + 1
	return snapshot.SpanOf(line, col, line, col+len("inputs"))
}

// flakeLockConsumer names what needs the flake.lock of f to exist: a flake
// that reads it, or a script that runs nix with --no-update-lock-file on
// the flake. "" when nothing does.
func flakeLockConsumer(s *snapshot.Snapshot, f *snapshot.Flake, lock string) string {
	for _, g := range s.Flakes().Flakes {
		for _, r := range g.Refs {
			if r.Path == lock && r.Needed() && !r.Dynamic {
				return fmt.Sprintf("%s line %d reads it", r.File, r.Line)
			}
		}
	}
	if at := snapshot.ScriptMention(s.NixScripts(), f.Dir, "--no-update-lock-file"); at != "" {
		return at + " runs nix with --no-update-lock-file"
	}
	return ""
}

// lockCommand is the nix flake lock command line shown to the user.
func lockCommand(update []string) string {
	c := "nix flake lock"
	for _, in := range update {
		c += " --update-input " + in
	}
	return c
}

// lockFix runs nix flake lock, relocking the inputs named in update
// (--update-input, which Nix 2.8 and later accept).
func lockFix(f *snapshot.Flake, lock string, update ...string) *diag.Fix {
	cmd := []string{"nix", "--extra-experimental-features", "nix-command flakes", "flake", "lock"}
	for _, in := range update {
		cmd = append(cmd, "--update-input", in)
	}
	return &diag.Fix{
		Applicability: diag.Safe,
		Description:   fmt.Sprintf("run `%s` in %s and stage %s", lockCommand(update), snapshot.Display(f.Dir), lock),
		Actions: []diag.Action{
			{Kind: diag.ActionRun, Command: cmd, Dir: f.Dir, Outputs: []string{lock}, Inputs: []string{f.Path}},
			{Kind: diag.ActionStage, Paths: []string{lock}},
		},
	}
}

func checkFlakeLockUncommitted(p *Pass) {
	s := p.Snap
	for _, f := range s.Flakes().Flakes {
		if !f.HasInputs {
			continue
		}
		lock := snapshot.Join(f.Dir, "flake.lock")
		st := s.Repo.Status(lock)
		var d *diag.Diagnostic
		switch st.State {
		case snapshot.StateMissing, snapshot.StateDeleted:
			d = missingFlakeLock(s, f, lock, st)
			if d == nil {
				continue
			}
		case snapshot.StateCommitted:
			d = staleFlakeLock(s, f, lock)
			if d == nil {
				continue
			}
		default:
			d = snapshot.UncommittedDiag(s, lock, "the flake.lock of "+f.Path)
			if d == nil {
				continue
			}
			if st.State == snapshot.StateIntentToAdd {
				d.Severity = diag.Warning
			} else {
				d.Message += "; a CI clone resolves the inputs afresh"
			}
		}
		d.Path = f.Path
		d.At(inputsSpan(s, f.Path))
		p.Report(*d)
	}
}

// missingFlakeLock reports a flake.lock that does not exist, following the
// policy: a template's lock is created by whoever copies it; a
// subdirectory flake's missing lock breaks nothing unless something needs
// the lock; a lock the maintainers ignore is deliberate unless something
// needs it.
func missingFlakeLock(s *snapshot.Snapshot, f *snapshot.Flake, lock string, st snapshot.Status) *diag.Diagnostic {
	role := s.FlakeRole(f)
	if role.Template != "" {
		return nil
	}
	consumer := flakeLockConsumer(s, f, lock)
	if consumer == "" && (f.Dir != "" || st.Ignore != nil) {
		return nil
	}
	d := &diag.Diagnostic{
		Message: fmt.Sprintf("%s declares inputs but has no flake.lock (%s): every build resolves the inputs afresh, so builds are not reproducible", f.Path, lock),
		Help:    fmt.Sprintf("run `nix flake lock` in %s and commit %s", snapshot.Display(f.Dir), lock),
		Fix:     lockFix(f, lock),
	}
	if consumer != "" {
		d.Message += "; " + consumer
		if st.Ignore != nil {
			d.Message += fmt.Sprintf(", but %s ignores it", snapshot.IgnoreReason(st))
			d.Help = fmt.Sprintf("remove the ignore rule at %s, run `nix flake lock` in %s and commit %s", snapshot.IgnoreReason(st), snapshot.Display(f.Dir), lock)
			d.Fix = nil
		}
	}
	return d
}

// flakeLockFile is the part of flake.lock that freshness needs.
type flakeLockFile struct {
	Nodes map[string]struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	} `json:"nodes"`
	Root string `json:"root"`
}

// staleFlakeLock reports a committed flake.lock that lacks an input
// flake.nix declares (or takes implicitly from the outputs function's
// arguments): Nix must change the lock, which --no-update-lock-file
// forbids. It also reports relative path: inputs whose tracked files no
// longer have the narHash the lock pins.
func staleFlakeLock(s *snapshot.Snapshot, f *snapshot.Flake, lock string) *diag.Diagnostic {
	if s.FlakeRole(f).Template != "" {
		return nil
	}
	data, err := s.ReadFile(lock)
	if err != nil {
		return nil
	}
	var lf flakeLockFile
	if err := json.Unmarshal(data, &lf); err != nil || lf.Root == "" {
		return nil // not a lock lockguard understands; nix reports it
	}
	root, ok := lf.Nodes[lf.Root]
	if !ok {
		return nil
	}
	var missing []string
	for _, in := range f.Inputs {
		if _, ok := root.Inputs[in]; !ok {
			missing = append(missing, in)
		}
	}
	var changed, notes []string
	var paths []snapshot.LockedPath
	if s.FlakeRole(f).Consumer != "" {
		paths, _ = snapshot.RelativePathInputs(data)
	}
	for _, in := range paths {
		dir, ok := in.Dir(f.Dir)
		if !ok || in.NarHash == "" || snapshot.Under(f.Dir, dir) {
			// An input holding the flake itself (path:../..) holds its
			// flake.lock too: relocking changes what it hashes.
			continue
		}
		if h, ok := s.TrackedNarHash(dir); ok && h != in.NarHash {
			changed = append(changed, in.Input)
			notes = append(notes, fmt.Sprintf("'%s' (%s): the lock pins narHash %s, the tracked files of %s hash to %s", in.Input, in.Path, in.NarHash, snapshot.Display(dir), h))
		}
	}
	var d *diag.Diagnostic
	switch {
	case len(missing) > 0:
		d = &diag.Diagnostic{
			Message: fmt.Sprintf("%s lacks the input %s that %s declares: the lock is out of date, so `nix build --no-update-lock-file` (and every CI job that forbids lock changes) fails with \"requires lock file changes but they're not allowed\", and other nix commands rewrite %s", lock, quoteList(missing), f.Path, lock),
		}
		if len(changed) > 0 {
			d.Message += fmt.Sprintf("; it also pins an old copy of the path input %s", strings.Join(notes, "; "))
		}
	case len(changed) > 0:
		d = &diag.Diagnostic{
			Message: fmt.Sprintf("%s pins an old copy of the relative path input %s: a change under the input's directory was not relocked, so Nix 2.8 keeps evaluating the copy the lock pins while its store has it, and silently ignores the change", lock, strings.Join(notes, "; ")),
		}
	default:
		return nil
	}
	d.Fix = lockFix(f, lock, changed...)
	d.Help = fmt.Sprintf("run `%s` in %s and commit %s", lockCommand(changed), snapshot.Display(f.Dir), lock)
	return d
}

// quoteList renders names as 'a', 'b' and 'c'.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
