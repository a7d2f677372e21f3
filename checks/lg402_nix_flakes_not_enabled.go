package checks

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

var NixFlakesNotEnabled = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG402",
		Name:     "nix-flakes-not-enabled",
		Summary:  "A Dockerfile RUN uses the nix CLI without enabling nix-command and flakes",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A RUN runs a command of the new nix CLI (nix build, develop, run, shell,
flake, eval, profile, search, path-info, log, print-dev-env, …) but nothing
enables the experimental features nix-command and flakes for it. Images such
as nixos/nix do not enable them, so the build fails with

    error: experimental Nix feature 'nix-command' is disabled; add '--extra-experimental-features nix-command' to enable it

The features count as enabled by --extra-experimental-features or
--experimental-features (or --option) on the command line naming both, by
NIX_CONFIG (ENV, ARG, export, or VAR=… before the command), or by an earlier
write of a nix.conf in the stage (or earlier in the same RUN).

Fix (safe): insert ` + "`--extra-experimental-features \"nix-command flakes\"`" + ` right
after the nix word of each such command. When lockguard cannot locate the
word unambiguously, it reports the finding without a fix.`,
	},
	Check: checkNixFlakesNotEnabled,
}

// ---- LG402 ----

// nixNewCLI are the subcommands of the new nix CLI, which need nix-command
// (and, for flake references, flakes).
var nixNewCLI = map[string]bool{
	"build": true, "develop": true, "run": true, "shell": true, "flake": true, "eval": true,
	"profile": true, "search": true, "path-info": true, "log": true, "print-dev-env": true,
	"bundle": true, "copy": true, "edit": true, "why-depends": true, "derivation": true,
	"registry": true, "repl": true, "fmt": true, "formatter": true, "hash": true, "key": true,
	"nar": true, "store": true, "realisation": true, "config": true, "env": true, "upgrade-nix": true,
}

func checkNixFlakesNotEnabled(p *Pass) {
	s := p.Snap
	snapshot.Parallel(s.Docker().Files, func(df *snapshot.DockerFile) {
		if df.File == nil {
			return
		}
		var found []nixFinding
		for _, st := range df.File.Stages {
			for _, in := range st.Instrs {
				if in.Run == nil {
					continue
				}
				calls := snapshot.NixInvocations(in.Run.Commands)
				for ci, call := range calls {
					if call.Legacy || !nixNewCLI[call.Sub] || call.FeaturesFlag || call.Cmd.FlakesEnv ||
						flakesEnabledBefore(df, st, in) || in.Run.FlakesConfiguredBefore(call.Cmd.Index) {
						continue
					}
					found = append(found, nixFlakesDiag(df, st, in, calls, ci))
				}
			}
		}
		addNixFixes(df, found)
		for _, f := range found {
			p.Report(f.d)
		}
	})
}

// flakesEnabledBefore reports whether the image state before the
// instruction enables the features, in the Dockerfile as parsed for any of
// its build contexts (a nix.conf copied from the context is read there).
func flakesEnabledBefore(df *snapshot.DockerFile, st *snapshot.Stage, in *snapshot.Instr) bool {
	own := false // some context parsed the file itself (with its nix.conf readable)
	for _, c := range df.Contexts {
		if c.File == nil || c.File == df.File || st.Index >= len(c.File.Stages) {
			continue
		}
		own = true
		if c.File.Stages[st.Index].FlakesEnabledBefore(in.Index) {
			return true
		}
	}
	return !own && st.FlakesEnabledBefore(in.Index)
}

// nixFinding is an LG402 diagnostic and where its fix would insert the flag.
type nixFinding struct {
	d     diag.Diagnostic
	st    *snapshot.Stage
	in    *snapshot.Instr
	call  snapshot.NixCall
	at    int // byte offset of the word after nix; -1: not located
	fixed bool
}

var nixFlags = []string{`--extra-experimental-features "nix-command flakes" `, `--extra-experimental-features 'nix-command flakes' `}

// addNixFixes attaches fixes to the findings of one Dockerfile. A fix is
// kept only when the edited Dockerfile parses and the same command then
// enables both features (so quoting inside `bash -c "…"` cannot break). All
// edits are tried together first (one parse); a finding whose edit does not
// verify is retried alone with each quoting.
func addNixFixes(df *snapshot.DockerFile, found []nixFinding) {
	var all []diag.TextEdit
	for _, f := range found {
		if f.at >= 0 {
			all = append(all, diag.TextEdit{Start: f.at, End: f.at, NewText: nixFlags[0]})
		}
	}
	if len(all) == 0 {
		return
	}
	if edited, err := diag.ApplyEdits(df.Src, all); err == nil {
		if nf, err := snapshot.Parse(df.Path, edited); err == nil {
			for i := range found {
				if found[i].at >= 0 && enablesIn(nf, found[i]) {
					found[i].setFix(df, nixFlags[0])
				}
			}
		}
	}
	for i := range found {
		f := &found[i]
		if f.at < 0 || f.fixed {
			continue
		}
		// The double-quoted flag failed in the batch, most likely inside
		// `bash -c "…"`: try the single-quoted one first.
		for _, flag := range []string{nixFlags[1], nixFlags[0]} {
			edited, err := diag.ApplyEdits(df.Src, []diag.TextEdit{{Start: f.at, End: f.at, NewText: flag}})
			if err != nil {
				break
			}
			if nf, err := snapshot.Parse(df.Path, edited); err == nil && enablesIn(nf, *f) {
				f.setFix(df, flag)
				break
			}
		}
	}
}

func (f *nixFinding) setFix(df *snapshot.DockerFile, flag string) {
	f.fixed = true
	f.d.Fix = &diag.Fix{
		Applicability: diag.Safe,
		Description:   fmt.Sprintf("insert %s after nix on line %d", strings.TrimSpace(flag), f.call.Cmd.Line),
		Actions:       []diag.Action{{Kind: diag.ActionEdit, Path: df.Path, Edits: []diag.TextEdit{{Start: f.at, End: f.at, NewText: flag}}}},
	}
}

// enablesIn reports whether, in the edited Dockerfile nf, the finding's
// command (same stage, instruction and command index: the edit only adds
// arguments) enables both features.
func enablesIn(nf *snapshot.File, f nixFinding) bool {
	if f.st.Index >= len(nf.Stages) || f.in.Index >= len(nf.Stages[f.st.Index].Instrs) {
		return false
	}
	run := nf.Stages[f.st.Index].Instrs[f.in.Index].Run
	if run == nil || run.ShellError != "" || len(run.Commands) != len(f.in.Run.Commands) {
		return false
	}
	for _, c := range snapshot.NixInvocations(run.Commands) {
		if c.Cmd.Index == f.call.Cmd.Index {
			return c.FeaturesFlag && c.Sub == f.call.Sub && c.Action == f.call.Action
		}
	}
	return false
}

func nixFlakesDiag(df *snapshot.DockerFile, st *snapshot.Stage, in *snapshot.Instr, calls []snapshot.NixCall, ci int) nixFinding {
	call := calls[ci]
	sub := call.Sub
	if call.Action != "" {
		sub += " " + call.Action
	}
	f := nixFinding{st: st, in: in, call: call, at: -1}
	f.d = diag.Diagnostic{
		Path: df.Path,
		Message: fmt.Sprintf("`nix %s` needs the experimental features nix-command and flakes, and nothing enables them here: the build fails with \"experimental Nix feature 'nix-command' is disabled\"",
			sub),
		Help: `pass --extra-experimental-features "nix-command flakes" to nix, or set ENV NIX_CONFIG="experimental-features = nix-command flakes" earlier in the stage`,
	}
	off, ok := nixWordOffset(df, in, calls, ci)
	line := call.Cmd.Line
	span := diag.Span{Line: line}
	if ok {
		ls := snapshot.LineStart(df.Src, line)
		col := utf8.RuneCount(df.Src[ls:off.Nix]) + 1
		span = snapshot.SpanOf(line, col, line, col+utf8.RuneCountInString(off.Word))
		f.at = off.Sub
	} else if c, e := df.File.Span(line, "nix"); c > 0 {
		span = snapshot.SpanOf(line, c, line, e)
	}
	f.d.At(span)
	return f
}

// nixWordOffset finds the nix word of calls[ci] in the Dockerfile source:
// on the command's line, the word followed by the next word of the command.
// When the line has several such places, the calls on the line that look
// the same are matched to them in order; a count mismatch gives ok false.
func nixWordOffset(df *snapshot.DockerFile, in *snapshot.Instr, calls []snapshot.NixCall, ci int) (snapshot.NixOffsets, bool) {
	if in.Run.Exec || df.Src == nil {
		return snapshot.NixOffsets{}, false
	}
	return snapshot.NixWordAt(df.Src, calls, ci)
}
