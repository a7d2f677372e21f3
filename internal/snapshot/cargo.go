package snapshot

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/lockguard/lockguard/internal/cargo"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/repo"
)

// CargoModel is the repository's Cargo structure.
type CargoModel struct {
	Manifests map[string]*cargo.Manifest // by dir ("" for the root)
	Roots     []cargo.Root
	Problems  []cargo.Problem
	Locks     map[string]*cargo.Lock // parsed Cargo.lock files of roots, by path
	// Configs are the tracked .cargo/config.toml (and .cargo/config)
	// files that parse.
	Configs []*cargo.CargoConfig
	// Covered holds the directories of packages that a root with a lock
	// builds: members, path dependencies and [patch] targets.
	Covered map[string]bool
	// Invalid are the workspace layouts cargo refuses to load (LG104):
	// FindRoots' problems and members globs matching directories without
	// a manifest.
	Invalid []cargo.Problem

	graph *cargo.Graph // Manifests indexed once for every root's lock check
}

// LockEnv is what a lock check of the root in dir needs besides the lock
// and the manifests: the sources the cargo configuration defines there,
// and the manifests' shared index.
func (m *CargoModel) LockEnv(dir string) cargo.LockEnv {
	env := cargo.EnvFor(m.Configs, dir)
	env.Graph = m.graph
	return env
}

// Cargo parses every tracked Cargo.toml (in parallel) and resolves roots.
var Cargo = &Model[*CargoModel]{Name: "cargo", Compute: computeCargo}

// Cargo returns the Cargo model (Cargo.Get(s)).
func (s *Snapshot) Cargo() *CargoModel { return Cargo.Get(s) }

func computeCargo(s *Snapshot) *CargoModel {
	paths := s.TrackedNamed(func(b string) bool { return b == "Cargo.toml" })
	parsed := make([]*cargo.Manifest, len(paths))
	perrs := make([]error, len(paths))
	Parallel(indices(len(paths)), func(i int) {
		p := paths[i]
		data, ok := s.readForParse(p)
		if !ok {
			return
		}
		m, err := cargo.ParseManifest(p, data)
		if err != nil {
			perrs[i] = err
			return
		}
		parsed[i] = m
	})
	model := &CargoModel{Manifests: map[string]*cargo.Manifest{}}
	var ms []*cargo.Manifest
	for _, m := range parsed {
		if m != nil {
			ms = append(ms, m)
			model.Manifests[m.Dir] = m
		}
	}
	model.Roots, model.Problems = cargo.FindRoots(ms, s.Exists)
	// A manifest that does not parse is an error only where cargo reads
	// it; a deliberately invalid fixture nested in a package that
	// nothing reaches breaks nothing.
	dirs := make([]string, len(paths))
	for i, p := range paths {
		dirs[i] = DirOf(p)
	}
	for i, err := range perrs {
		if err != nil && cargo.ManifestRead(dirs[i], ms, dirs) {
			s.addCargoParseError(paths[i], err)
		}
	}
	// The locks of the roots, read and parsed in parallel.
	locks := make([]*cargo.Lock, len(model.Roots))
	Parallel(indices(len(model.Roots)), func(i int) {
		lockPath := model.Roots[i].LockPath()
		data, ok := s.readForParse(lockPath)
		if !ok {
			return
		}
		lock, err := cargo.ParseLock(lockPath, data)
		if err != nil {
			s.addCargoParseError(lockPath, err)
			return
		}
		locks[i] = lock
	})
	model.Locks = map[string]*cargo.Lock{}
	for i, l := range locks {
		if l != nil {
			model.Locks[model.Roots[i].LockPath()] = l
		}
	}
	for _, p := range s.TrackedNamed(func(b string) bool { return b == "config.toml" || b == "config" }) {
		if path.Base(path.Dir(p)) != ".cargo" {
			continue
		}
		data, ok := s.readForParse(p)
		if !ok {
			continue
		}
		// A configuration lockguard cannot read only costs the
		// vendored-directory knowledge; cargo reports it itself.
		if c, err := cargo.ParseCargoConfig(p, data); err == nil {
			model.Configs = append(model.Configs, c)
		}
	}
	model.graph = cargo.NewGraph(model.Manifests)
	model.Covered = model.graph.Covered(model.Roots, func(r cargo.Root) bool {
		st := s.Repo.Status(r.LockPath()).State
		return st != repo.StateMissing && st != repo.StateDeleted
	})
	// A package the workspace does not list is only a problem when
	// someone would run cargo in it: not when another root builds it
	// as a path dependency or [patch] target.
	anyRoot := model.graph.Covered(model.Roots, nil)
	for _, pr := range model.Problems {
		if pr.Orphan && anyRoot[DirOf(pr.Path)] {
			continue
		}
		model.Invalid = append(model.Invalid, pr)
	}
	model.Invalid = append(model.Invalid, s.memberGlobProblems(model)...)
	return model
}

func (s *Snapshot) addCargoParseError(p string, err error) {
	var pe *cargo.ParseError
	if errors.As(err, &pe) {
		s.AddParseError(ParseError{Path: p, Line: pe.Line, Column: pe.Column, Msg: pe.Msg})
		return
	}
	s.AddParseError(ParseError{Path: p, Line: 1, Column: 1, Msg: err.Error()})
}

func HeaderSpan(m *cargo.Manifest) diag.Span {
	p := m.HeaderPos
	return SpanOf(p.Line, p.Column, p.EndLine, p.EndColumn)
}

// generateLockFix runs cargo generate-lockfile in the root and stages the lock.
func GenerateLockFix(s *Snapshot, r cargo.Root) *diag.Fix {
	lock := r.LockPath()
	run := diag.Action{
		Kind:    diag.ActionRun,
		Command: []string{"cargo", "generate-lockfile"},
		Dir:     r.Dir(),
		Outputs: []string{lock},
		Inputs:  RootManifests(r),
	}
	if flakeDir, ok := s.nearestDevShellFlake(r.Dir()); ok {
		rel := strings.TrimPrefix(strings.TrimPrefix(r.Manifest.Path, flakeDir), "/")
		run.Fallback = []string{"nix", "--extra-experimental-features", "nix-command flakes", "develop", "--command", "cargo", "generate-lockfile", "--manifest-path", rel}
		run.FallbackDir = flakeDir
	}
	return &diag.Fix{
		Applicability: diag.Safe,
		Description:   fmt.Sprintf("run `cargo generate-lockfile` in %s and stage %s", Display(r.Dir()), lock),
		Actions:       []diag.Action{run, {Kind: diag.ActionStage, Paths: []string{lock}}},
	}
}

// rootManifests lists the manifests a root's lock is generated from.
func RootManifests(r cargo.Root) []string {
	out := []string{r.Manifest.Path}
	for _, m := range r.Members {
		if m.Path != r.Manifest.Path {
			out = append(out, m.Path)
		}
	}
	return out
}

// nearestDevShellFlake finds the closest tracked flake at or above dir that
// defines a dev shell (by the flake analysis; when its outputs could not be
// determined, a flake.nix that mentions devShell or mkShell counts).
func (s *Snapshot) nearestDevShellFlake(dir string) (string, bool) {
	for d := dir; ; d = DirOf(d) {
		if f := s.FlakeByDir(d); f != nil {
			if _, tracked := s.Repo.Entry(f.Path); tracked {
				if len(f.Outputs.DevShells) > 0 {
					return d, true
				}
				if !f.Outputs.Complete {
					if data, err := s.ReadFile(f.Path); err == nil && (strings.Contains(string(data), "devShell") || strings.Contains(string(data), "mkShell")) {
						return d, true
					}
				}
			}
		}
		if d == "" {
			return "", false
		}
	}
}

// uncommittedDiag describes a file that exists but will not be in the next
// commit, with a staging fix; nil when the file is committed or missing.
// what names the file in the message ("Cargo.lock of backend/").
func UncommittedDiag(s *Snapshot, file, what string) *diag.Diagnostic {
	st := s.Repo.Status(file)
	d := &diag.Diagnostic{}
	switch st.State {
	case repo.StateUntracked:
		d.Message = fmt.Sprintf("%s (%s) is untracked: git will not commit it, and a flake sees only tracked files", what, file)
		d.Help = fmt.Sprintf("git add %s", file)
	case repo.StateIgnored:
		reason := IgnoreReason(st)
		d.Message = fmt.Sprintf("%s (%s) is ignored by %s: it will never be committed, and a flake cannot see it", what, file, reason)
		d.Help = fmt.Sprintf("remove the ignore rule at %s, then git add %s", reason, file)
	case repo.StateIntentToAdd:
		d.Message = fmt.Sprintf("%s (%s) is only intent-to-add (git add -N): local Nix sees it, but git commit will not commit it", what, file)
		d.Help = fmt.Sprintf("git add %s", file)
	default:
		return nil
	}
	d.Fix = StageFix(file, st)
	return d
}

// ignoreReason names the git ignore rule of an ignored path: "file line N
// ("pattern")", or "an ignore rule".
func IgnoreReason(st repo.Status) string {
	if st.Ignore == nil {
		return "an ignore rule"
	}
	return fmt.Sprintf("%s line %d (%q)", st.Ignore.Source, st.Ignore.Line, st.Ignore.Pattern)
}

// stageFix stages file with git add; an ignored file (st) needs
// git add --force, which the user must allow with --force.
func StageFix(file string, st repo.Status) *diag.Fix {
	stage := diag.Action{Kind: diag.ActionStage, Paths: []string{file}}
	desc := "stage " + file + " with git add"
	if st.State == repo.StateIgnored {
		stage.Force = true
		if st.Ignore != nil {
			stage.ForceReason = fmt.Sprintf("%s is ignored by %s", file, IgnoreReason(st))
		}
		desc = "stage the ignored " + file + " with git add --force (needs --force)"
	}
	return &diag.Fix{Applicability: diag.Safe, Description: desc, Actions: []diag.Action{stage}}
}
