package checks

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/cargo"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/nar"
	"github.com/lockguard/lockguard/internal/nix"
	"github.com/lockguard/lockguard/internal/repo"
)

// LG2xx: Nix flakes.

var FlakePathUncommitted = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG201",
		Name:     "flake-path-uncommitted",
		Summary:  "A flake references a path that exists but will not be in the commit",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A flake in a git repository sees only the files git tracks. A path the flake
reads (builtins.readFile, cargoLock.lockFile, a path literal, builtins.path,
self + "/x", …), directly or through the files it imports, exists on disk
but git will not commit it: it is untracked, ignored (the message names the
ignore file and line), or inside a submodule the flake does not fetch.
Evaluating the flake then fails with

    error: path '/nix/store/…-source/backend/Cargo.lock' does not exist

(Nix before 2.20: "getting status of '…': No such file or directory").

An intent-to-add path (git add -N) is a warning: local Nix sees it, but git
commit does not commit it, so a CI clone lacks it. A path that is only read
under a builtins.pathExists guard (or lib.fileset.maybeMissing) is a
warning too: Nix silently treats it as absent. A directory is uncommitted when
it exists but no tracked file is under it. A reference that leaves the
repository (../../x past the root, or a symlink pointing outside) can never
be committed; it is reported without a fix. Absolute and dynamic paths are
not checked, nor are path values nothing reads (toString ./x, an unused let
binding) and branches Nix never takes (if false then ./x else …).

Symbolic links are followed as Nix follows them: a tracked link to an
untracked file is reported (the target is what Nix reads), a path through a
tracked symlinked directory is checked at its target, and a file imported
through a link evaluates relative to the target's directory. For a flake in
a subdirectory of the repository, lockguard models Nix 2.8: self (and
self.outPath, "${self}") is the whole repository's source, while ./. is
the subdirectory. (Newer Nix makes self.outPath the subdirectory.)

A committed file that .gitattributes marks export-ignore is in the source
only while the work tree is dirty: for a clean tree Nix 2.8 copies the
source with git archive, which leaves it out, so a flake that reads it fails
in every clean checkout (CI included). That is an error (a warning under an
existence check), without a fix.

Bad:

    # flake.nix
    cargoLock.lockFile = ./backend/Cargo.lock;   # backend/Cargo.lock is untracked

Good:

    $ git add backend/Cargo.lock

Fix (safe): stage the path with git add (never git add -N, which a commit
ignores). An ignored file is staged only with ` + "`lockguard fix --force`" + `;
better, remove the ignore rule. Ignored directories, submodule contents and
paths outside the repository are never staged.`,
	},
	Check: checkFlakePathUncommitted,
}

var FlakePathMissing = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG202",
		Name:     "flake-path-missing",
		Summary:  "A flake references a path that does not exist",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A path the flake (or a file it imports) reads or copies does not exist in the
work tree, so evaluating what uses it fails:

    error: path '/nix/store/…-source/backend/Cargo.lock' does not exist

What needs a path to exist: import, builtins.readFile and the other reads,
cargoLock.lockFile, a source (src = ./dir), builtins.path, interpolation
into a string ("${./x}"), an attribute of a derivation. A path value that
nothing reads needs nothing: modules = ./src/modules; toString ./x,
baseNameOf ./x, builtins.length [ ./x ], ./x == ./y, a let binding never
used. A directory needs to exist; its default.nix only when it is imported.
References in a branch Nix never takes (if false then ./x else …) and
references read only under a builtins.pathExists guard or through
lib.fileset.maybeMissing are not reported.

Policy (an error means something breaks): a flake that another flake
exposes as a template (templates.<name>.path = ./dir, also through
flake-parts and //), or that sits in a template directory, is meant to be
copied with nix flake init; the files its user creates afterwards are not
reported. Neither are missing paths of a flake in a subdirectory that
nothing in the repository uses: the repository's own flake (at the root)
always counts as used; a subdirectory flake is used when another flake
refers to it (an input path:./sub, an import) or a CI job, script,
Makefile, justfile or .envrc names its directory (nix build ./sub#x,
cd sub, --flake ./sub).

When the missing path is the Cargo.lock of a Cargo root lockguard knows,
the fix generates it (the same action as LG101's, so it runs once when both
report it).

Bad:

    # flake.nix
    cargoLock.lockFile = ./backend/Cargo.lock;   # no backend/Cargo.lock

Good:

    $ (cd backend && cargo generate-lockfile) && git add backend/Cargo.lock

Also good (nothing is read, nothing is reported):

    # templates/app/flake.nix, exposed as templates.app.path = ./templates/app
    modules = [ ./configuration.nix ];   # the user writes it after nix flake init

Fix (safe, for a Cargo.lock): run ` + "`cargo generate-lockfile`" + ` in the Cargo root and
stage the lock. Other missing paths have no automatic fix: create the file or
correct the reference.`,
	},
	Check: checkFlakePathMissing,
}

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

Bad:

    # flake.nix declares inputs.crane; flake.lock (committed) has only nixpkgs
    $ nix build --no-update-lock-file    # fails: requires lock file changes

Good:

    $ nix flake lock && git add flake.lock

Fix (safe): run ` + "`nix flake lock`" + ` in the flake's directory (needs nix and, for
remote inputs, the network; with --update-input NAME for each stale path
input) and stage flake.lock.`,
	},
	Check: checkFlakeLockUncommitted,
}

var FlakeSourceLockUncommitted = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG204",
		Name:     "flake-source-lock-uncommitted",
		Summary:  "A flake's directory source holds a Cargo root whose Cargo.lock is not committed",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A directory the flake copies as a build source (src = ./backend,
builtins.path { path = …; }, lib.cleanSource, crane's cleanCargoSource, a
fileset member directory, …) is the Cargo root a Rust build uses, and its
Cargo.lock exists but will not be committed (untracked, ignored, or only
intent-to-add). Nix copies only the tracked files of the directory and
silently leaves the lock out, so evaluation succeeds and the build fails
later:

    ERROR: Missing Cargo.lock from src

The Cargo root the build uses is the one at the top of the source (or at
buildAndTestSubdir / cargoRoot below it), or the workspace that has that
directory as a member; Cargo roots nested deeper in the source (fuzz
targets, test fixtures, vendored crates) are not built and not reported. A
lock that exists nowhere is not silently dropped: LG101 reports it (LG202
when a path names it). When the builder names its lock (cargoLock,
cargoVendorDir, cargoDeps, cargoToml, or patches the source), LG201/LG202
check that lock instead. Sources kept by a dynamic filter
(lib.cleanSourceWith { filter = …; }, builtins.path { filter = …; },
lib.sourceByRegex) are not judged.

A workspace member used as the source of a known Rust builder
(buildRustPackage, crane, naersk) has the workspace's lock outside the
source: the build finds no Cargo.lock and fails. That is reported too.

A source passed to a function of the flake's own files (mkPackage { src =
./backend; }, with mkPackage = { src, … }: rustPlatform.buildRustPackage
{ inherit src; … }; also through import ./f.nix and callPackage ./f.nix)
is judged by the call in the function's body that receives it: its
builder, its lock arguments, its buildAndTestSubdir (one level of
functions).

An intent-to-add lock is a warning: local Nix sees it, a CI clone does not.

Bad:

    # flake.nix
    src = ./backend;          # backend/Cargo.lock exists but is untracked

Good:

    $ git add backend/Cargo.lock

Fix (safe): stage the lock with git add.`,
	},
	Check: checkFlakeSourceLockUncommitted,
}

var FlakeUncommitted = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG205",
		Name:     "flake-uncommitted",
		Summary:  "A flake.nix, or a .nix file it imports, is not committed",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A flake.nix, or a .nix file it imports (import ./x.nix, callPackage,
imports = [ … ]), is untracked or ignored, so Nix cannot see it:

    error: getting status of '/nix/store/…-source/flake.nix': No such file or directory
    error: path '/nix/store/…-source/nix/backend.nix' does not exist

(Nix 2.8; newer Nix says "source tree referenced by 'git+file:///…' does
not contain a '/flake.nix' file" for the first.) Only intent-to-add (git
add -N) is a warning: local Nix sees the file, but git commit does not
commit it. lockguard looks for untracked flake.nix files at the repository
root, next to tracked Cargo.toml files, and in tracked directories that
something names as a flake: an input (inputs.sub.url = "path:./sub"), or a
script, CI job or Makefile line (nix build ./sub#x, --flake ./sub, cd sub
&& nix …). An untracked flake.nix in a directory nothing names is not
looked for. A flake.nix that an input needs is reported here, not as
LG201.

Bad:

    # flake.nix
    packages.x86_64-linux.backend = import ./nix/backend.nix;   # untracked

Good:

    $ git add nix/backend.nix

Fix (safe): stage the file with git add.`,
	},
	Check: checkFlakeUncommitted,
}

func init() {
	register(FlakePathUncommitted, FlakePathMissing, FlakeLockUncommitted, FlakeSourceLockUncommitted, FlakeUncommitted)
}

// refProblem is what is wrong with one reference.
type refProblem int

const (
	refOK refProblem = iota
	refUntracked
	refIgnored
	refIntentToAdd
	refMissing
	refDeleted
	refOutside       // escapes the repository
	refSubmodule     // inside (or is) a submodule the flake does not fetch
	refSymlinkOut    // a symlink pointing outside the repository
	refExportIgnored // committed, but export-ignore leaves it out of a clean tree's source
)

// refInfo is the classification of a reference.
type refInfo struct {
	// path is the path checked: the reference's, or for a committed
	// directory used as a flake input (import) its flake.nix (default.nix).
	path      string
	problem   refProblem
	st        repo.Status
	dir       bool   // the path is a directory
	submodule string // for refSubmodule
	target    string // for refSymlinkOut; the attribute line for refExportIgnored
	link      string // for refSymlinkOut: the link that leaves (path or a directory of it)
}

// classifyRef decides whether the path r refers to will be in the flake's
// source once committed. Dynamic and absolute references are refOK: there
// is nothing static to check.
func (s *Snapshot) classifyRef(f *nix.Flake, r nix.Ref) refInfo {
	if r.Dynamic || r.Absolute {
		return refInfo{path: r.Path}
	}
	if r.Outside {
		return refInfo{path: r.Path, problem: refOutside}
	}
	if r.Path == "" {
		return refInfo{dir: true}
	}
	// A flake input needs the directory's flake.nix, an import of a
	// directory its default.nix: when the directory itself is committed,
	// check that file.
	if entry := map[nix.RefKind]string{nix.RefInput: "flake.nix", nix.RefImport: "default.nix"}[r.Kind]; entry != "" && len(s.Repo.TrackedUnder(r.Path)) > 0 {
		r.Path = join(r.Path, entry)
	}
	// A link on the way (hostroot -> /) that leaves the repository: known
	// from the repository's links alone, the outside is never looked at.
	if link, t, out := s.Repo.LeavesRepo(r.Path); out {
		return refInfo{path: r.Path, problem: refSymlinkOut, target: t, link: link}
	}
	// Nix reads a path through the symlinks in it (a tracked link to a
	// file, a path through a tracked symlinked directory): what it needs is
	// the target. An untracked link itself stays the problem.
	if res, ok := s.resolveSymlinks(r.Path); ok && res != r.Path {
		if e, tracked := s.Repo.Entry(r.Path); !tracked || e.Mode == 0o120000 {
			r.Path = res
		}
	}
	st := s.Repo.Status(r.Path)
	info := refInfo{path: r.Path, st: st}
	if e, ok := s.Repo.Entry(r.Path); ok && e.Submodule {
		st = repo.Status{State: repo.StateInSubmodule, Submodule: r.Path}
	}
	switch st.State {
	case repo.StateCommitted:
		if at := s.exportIgnored(r.Path); at != "" {
			info.problem, info.target = refExportIgnored, at
			return info
		}
		under := s.Repo.TrackedUnder(r.Path)
		if len(under) == 0 {
			return info
		}
		info.dir = true
		for _, e := range under {
			if !e.IntentToAdd {
				return info
			}
		}
		info.problem = refIntentToAdd
	case repo.StateIntentToAdd:
		info.problem = refIntentToAdd
	case repo.StateUntracked:
		info.problem = refUntracked
	case repo.StateIgnored:
		info.problem = refIgnored
	case repo.StateMissing:
		info.problem = refMissing
	case repo.StateDeleted:
		info.problem = refDeleted
	case repo.StateInSubmodule:
		if !f.Submodules {
			info.problem, info.submodule = refSubmodule, st.Submodule
		}
	}
	if info.problem == refUntracked || info.problem == refIgnored {
		if fi, err := s.lstat(r.Path); err == nil && fi.IsDir() {
			info.dir = true
		}
	}
	return info
}

// exportIgnored returns "FILE line N" when a .gitattributes file marks p
// (or a directory holding it) export-ignore, else "".
func (s *Snapshot) exportIgnored(p string) string {
	m := s.Flakes()
	m.exportOnce.Do(func() { m.exportRules = s.loadExportIgnore() })
	for _, r := range m.exportRules {
		if r.matches(p) {
			return fmt.Sprintf("%s line %d", r.file, r.line)
		}
	}
	return ""
}

type exportRule struct {
	file, dir, pattern string
	line               int
}

// matches: a pattern without a slash matches a name at any depth below
// the attributes file's directory, one with a slash the path from there;
// a match on a directory covers everything in it.
func (r exportRule) matches(p string) bool {
	if r.dir != "" {
		if !strings.HasPrefix(p, r.dir+"/") {
			return false
		}
		p = p[len(r.dir)+1:]
	}
	pat := strings.TrimSuffix(strings.TrimPrefix(r.pattern, "/"), "/**")
	pat = strings.TrimSuffix(pat, "/")
	parts := strings.Split(p, "/")
	if !strings.Contains(pat, "/") && !strings.HasPrefix(r.pattern, "/") {
		for _, c := range parts {
			if ok, _ := path.Match(pat, c); ok {
				return true
			}
		}
		return false
	}
	for i := range parts {
		if ok, _ := path.Match(pat, strings.Join(parts[:i+1], "/")); ok {
			return true
		}
	}
	return false
}

// loadExportIgnore reads the export-ignore rules of the tracked
// .gitattributes files.
func (s *Snapshot) loadExportIgnore() []exportRule {
	var rules []exportRule
	for _, f := range s.TrackedNamed(func(b string) bool { return b == ".gitattributes" }) {
		data, err := s.ReadFile(f)
		if err != nil {
			continue
		}
		for i, line := range strings.Split(string(data), "\n") {
			fields := strings.Fields(line)
			if len(fields) < 2 || strings.HasPrefix(fields[0], "#") || strings.HasPrefix(fields[0], "\"") {
				continue
			}
			for _, a := range fields[1:] {
				if a == "export-ignore" {
					rules = append(rules, exportRule{file: f, dir: dirOf(f), pattern: fields[0], line: i + 1})
				}
			}
		}
	}
	return rules
}

type lstatResult struct {
	fi  fs.FileInfo
	err error
}

// lstat is Repo.Lstat, once per path: every rule classifies every
// reference, through each directory of its path (rust-overlay: 800 refs).
func (s *Snapshot) lstat(p string) (fs.FileInfo, error) {
	if v, ok := s.lstats.Load(p); ok {
		r := v.(lstatResult)
		return r.fi, r.err
	}
	fi, err := s.Repo.Lstat(p)
	s.lstats.Store(p, lstatResult{fi, err})
	return fi, err
}

// resolveSymlinks resolves the tracked symbolic links in the repo-relative
// path p (any component) that stay inside the repository; ok is false when
// a link is untracked, leaves the repository, or the chain is too long.
func (s *Snapshot) resolveSymlinks(p string) (string, bool) {
	parts := strings.Split(p, "/")
	for hops := 0; hops < 40; {
		changed := false
		for i := range parts {
			prefix := strings.Join(parts[:i+1], "/")
			fi, err := s.lstat(prefix)
			if err != nil {
				return strings.Join(parts, "/"), true // the rest does not exist
			}
			if fi.Mode()&os.ModeSymlink == 0 {
				continue
			}
			if e, ok := s.Repo.Entry(prefix); !ok || e.Mode != 0o120000 {
				return "", false // an untracked link: Nix does not see it at all
			}
			t, err := os.Readlink(filepath.Join(s.Repo.Root(), filepath.FromSlash(prefix)))
			if err != nil || filepath.IsAbs(t) {
				return "", false
			}
			target := path.Join(path.Dir(prefix), filepath.ToSlash(t))
			if target == ".." || strings.HasPrefix(target, "../") {
				return "", false
			}
			rest := parts[i+1:]
			parts = append(strings.Split(cleanRepoPath(target), "/"), rest...)
			if parts[0] == "" {
				parts = parts[1:]
			}
			hops++
			changed = true
			break
		}
		if !changed {
			return strings.Join(parts, "/"), true
		}
	}
	return "", false
}

// refKey identifies a reported reference so that a file imported by several
// flakes is reported once.
func refKey(r nix.Ref) string {
	return fmt.Sprintf("%s\x00%d\x00%d\x00%s", r.File, r.Line, r.Column, r.Path)
}

// chainNote names the import chain of a reference made outside flake.nix.
func chainNote(r nix.Ref) string {
	if len(r.Chain) < 2 {
		return ""
	}
	return " (reached through " + strings.Join(r.Chain, " → ") + ")"
}

// refText is how a reference is shown in messages.
func refText(r nix.Ref) string {
	t := r.Text
	if t == "" {
		t = r.Path
	}
	if i := strings.IndexByte(t, '\n'); i >= 0 {
		t = t[:i] + "…"
	}
	if utf8.RuneCountInString(t) > 60 {
		t = string([]rune(t)[:59]) + "…"
	}
	return "`" + t + "`"
}

func refSpan(r nix.Ref) diag.Span { return spanOf(r.Line, r.Column, r.EndLine, r.EndColumn) }

// nixFailure is what evaluating the flake prints for a path it cannot see.
func nixFailure(p string) string {
	return fmt.Sprintf("evaluating the flake fails with \"path '/nix/store/…-source/%s' does not exist\"", p)
}

// refFailure says what fails for a reference Nix cannot resolve: an import
// or a read fails whenever the flake is evaluated; a path that is only
// copied (a source, an interpolation, an attribute of a derivation) fails
// when the output using it is evaluated.
func refFailure(r nix.Ref) string {
	switch r.Kind {
	case nix.RefImport, nix.RefRead, nix.RefInput:
		return nixFailure(r.Path)
	}
	return fmt.Sprintf("evaluating an output that uses it fails with \"path '/nix/store/…-source/%s' does not exist\"", r.Path)
}

// eachRef calls fn once for every reference of every flake (a reference in a
// file that several flakes import is visited once).
func eachRef(s *Snapshot, fn func(f *nix.Flake, r nix.Ref)) {
	seen := map[string]bool{}
	for _, f := range s.Flakes().Flakes {
		for _, r := range f.Refs {
			k := refKey(r)
			if seen[k] {
				continue
			}
			seen[k] = true
			fn(f, r)
		}
	}
}

func checkFlakePathUncommitted(p *Pass) {
	s := p.Snap
	eachRef(s, func(f *nix.Flake, r nix.Ref) {
		if !r.Needed() {
			return
		}
		info := s.classifyRef(f, r)
		r.Path = info.path
		what := refText(r)
		var d *diag.Diagnostic
		switch info.problem {
		case refOutside:
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("%s resolves outside the repository: a flake in a git repository sees only the repository's tracked files, so this path can never be committed and evaluation fails", what),
				Help:    "move the file into the repository and refer to it with a path inside it",
			}
		case refSymlinkOut:
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("%s (%s) is a symlink to %s, outside the repository: the flake's copy of the source cannot follow it", what, r.Path, info.target),
				Help:    "replace the symlink with the file itself; lockguard never stages a symlink that leaves the repository",
			}
			if info.link != r.Path {
				d.Message = fmt.Sprintf("%s (%s) goes through %s, a symlink to %s, outside the repository: the flake's copy of the source cannot follow it", what, r.Path, info.link, info.target)
			}
		case refExportIgnored:
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("%s (%s) is marked export-ignore by %s: Nix (2.8) copies a clean work tree's flake source with git archive, which leaves it out, so in every clean checkout, CI included, %s (a dirty work tree still has it)", what, r.Path, info.target, refFailure(r)),
				Help:    "remove the export-ignore attribute for " + r.Path + " from .gitattributes, or stop reading it from the flake",
			}
			if r.Optional {
				d.Severity = diag.Warning
				d.Message = fmt.Sprintf("%s (%s) is marked export-ignore by %s: Nix (2.8) copies a clean work tree's flake source with git archive, which leaves it out, so in every clean checkout the existence check treats it as absent", what, r.Path, info.target)
			}
		case refSubmodule:
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("%s (%s) is inside the submodule %s: a flake does not see submodule contents unless it sets inputs.self.submodules = true (or is used as ?submodules=1)", what, r.Path, info.submodule),
				Help:    "set inputs.self.submodules = true in flake.nix, or move the file out of the submodule",
			}
		case refUntracked, refIgnored, refIntentToAdd:
			if r.Kind == nix.RefImport || r.Kind == nix.RefInput && path.Base(r.Path) == "flake.nix" {
				return // LG205: an imported file, the flake.nix of an input
			}
			d = uncommittedDiag(s, r.Path, what)
			if d == nil {
				d = &diag.Diagnostic{
					Message: fmt.Sprintf("%s (%s) is a directory holding only intent-to-add files (git add -N): local Nix sees them, but git commit will not commit them", what, r.Path),
					Help:    "git add " + r.Path,
					Fix:     &diag.Fix{Applicability: diag.Safe, Description: "stage " + r.Path + " with git add", Actions: []diag.Action{{Kind: diag.ActionStage, Paths: []string{r.Path}}}},
				}
			}
			switch {
			case info.problem == refIntentToAdd:
				d.Severity = diag.Warning
			case r.Optional:
				d.Severity = diag.Warning
				d.Message += "; it is read under an existence check, so Nix silently treats it as absent"
			default:
				d.Message += "; " + refFailure(r)
			}
			if info.dir && info.problem == refIgnored {
				d.Fix = nil
				d.Help = "remove the ignore rule that matches the directory, then git add the files the flake needs; lockguard does not force-add an ignored directory"
			}
		default:
			return
		}
		d.Path = r.File
		d.Message += chainNote(r)
		d.At(refSpan(r))
		p.Report(*d)
	})
}

// cargoRootOfLock returns the Cargo root whose Cargo.lock is p.
func (s *Snapshot) cargoRootOfLock(p string) (cargo.Root, bool) {
	for _, r := range s.Cargo().Roots {
		if r.LockPath() == p {
			return r, true
		}
	}
	return cargo.Root{}, false
}

func checkFlakePathMissing(p *Pass) {
	s := p.Snap
	eachRef(s, func(f *nix.Flake, r nix.Ref) {
		if r.Optional || !r.Needed() {
			return
		}
		// A template's files are created by the user after nix flake init;
		// a subdirectory flake nothing in the repository uses is not built
		// here (policy: consumers decide severity).
		if role := s.flakeRole(f); role.template != "" || role.consumer == "" {
			return
		}
		info := s.classifyRef(f, r)
		r.Path = info.path
		if info.problem != refMissing && info.problem != refDeleted {
			return
		}
		what := refText(r)
		d := diag.Diagnostic{Path: r.File}
		if info.problem == refDeleted {
			d.Message = fmt.Sprintf("%s refers to %s, which is tracked but deleted from the work tree", what, r.Path)
		} else {
			d.Message = fmt.Sprintf("%s refers to %s, which does not exist", what, r.Path)
		}
		d.Message += ": " + refFailure(r)
		if info.st.Ignore != nil {
			d.Message += fmt.Sprintf("; once created it would be ignored by %s line %d (%q)", info.st.Ignore.Source, info.st.Ignore.Line, info.st.Ignore.Pattern)
		}
		if root, ok := s.cargoRootOfLock(r.Path); ok {
			d.Message += fmt.Sprintf("; it is the Cargo.lock of the Cargo root at %s", display(root.Dir()))
			d.Help = fmt.Sprintf("run `cargo generate-lockfile` in %s and commit %s", display(root.Dir()), r.Path)
			d.Fix = generateLockFix(s, root)
		} else {
			d.Help = fmt.Sprintf("create %s and commit it, or correct the reference", r.Path)
		}
		d.Message += chainNote(r)
		d.At(refSpan(r))
		p.Report(d)
	})
}

var inputsRE = regexp.MustCompile(`(?m)^[ \t]*(inputs)\b`)

// inputsSpan locates the inputs declaration of a flake.nix (textually; 1:1
// when it is not found).
func (s *Snapshot) inputsSpan(flakePath string) diag.Span {
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
	return spanOf(line, col, line, col+len("inputs"))
}

// flakeLockConsumer names what needs the flake.lock of f to exist: a flake
// that reads it, or a script that runs nix with --no-update-lock-file on
// the flake. "" when nothing does.
func (s *Snapshot) flakeLockConsumer(f *nix.Flake, lock string) string {
	for _, g := range s.Flakes().Flakes {
		for _, r := range g.Refs {
			if r.Path == lock && r.Needed() && !r.Dynamic {
				return fmt.Sprintf("%s line %d reads it", r.File, r.Line)
			}
		}
	}
	if at := scriptMention(s.nixScripts(), f.Dir, "--no-update-lock-file"); at != "" {
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
func lockFix(f *nix.Flake, lock string, update ...string) *diag.Fix {
	cmd := []string{"nix", "--extra-experimental-features", "nix-command flakes", "flake", "lock"}
	for _, in := range update {
		cmd = append(cmd, "--update-input", in)
	}
	return &diag.Fix{
		Applicability: diag.Safe,
		Description:   fmt.Sprintf("run `%s` in %s and stage %s", lockCommand(update), display(f.Dir), lock),
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
		lock := join(f.Dir, "flake.lock")
		st := s.Repo.Status(lock)
		var d *diag.Diagnostic
		switch st.State {
		case repo.StateMissing, repo.StateDeleted:
			d = missingFlakeLock(s, f, lock, st)
			if d == nil {
				continue
			}
		case repo.StateCommitted:
			d = staleFlakeLock(s, f, lock)
			if d == nil {
				continue
			}
		default:
			d = uncommittedDiag(s, lock, "the flake.lock of "+f.Path)
			if d == nil {
				continue
			}
			if st.State == repo.StateIntentToAdd {
				d.Severity = diag.Warning
			} else {
				d.Message += "; a CI clone resolves the inputs afresh"
			}
		}
		d.Path = f.Path
		d.At(s.inputsSpan(f.Path))
		p.Report(*d)
	}
}

// missingFlakeLock reports a flake.lock that does not exist, following the
// policy: a template's lock is created by whoever copies it; a
// subdirectory flake's missing lock breaks nothing unless something needs
// the lock; a lock the maintainers ignore is deliberate unless something
// needs it.
func missingFlakeLock(s *Snapshot, f *nix.Flake, lock string, st repo.Status) *diag.Diagnostic {
	role := s.flakeRole(f)
	if role.template != "" {
		return nil
	}
	consumer := s.flakeLockConsumer(f, lock)
	if consumer == "" && (f.Dir != "" || st.Ignore != nil) {
		return nil
	}
	d := &diag.Diagnostic{
		Message: fmt.Sprintf("%s declares inputs but has no flake.lock (%s): every build resolves the inputs afresh, so builds are not reproducible", f.Path, lock),
		Help:    fmt.Sprintf("run `nix flake lock` in %s and commit %s", display(f.Dir), lock),
		Fix:     lockFix(f, lock),
	}
	if consumer != "" {
		d.Message += "; " + consumer
		if st.Ignore != nil {
			d.Message += fmt.Sprintf(", but %s ignores it", ignoreReason(st))
			d.Help = fmt.Sprintf("remove the ignore rule at %s, run `nix flake lock` in %s and commit %s", ignoreReason(st), display(f.Dir), lock)
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
func staleFlakeLock(s *Snapshot, f *nix.Flake, lock string) *diag.Diagnostic {
	if s.flakeRole(f).template != "" {
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
	var paths []nix.LockedPath
	if s.flakeRole(f).consumer != "" {
		paths, _ = nix.RelativePathInputs(data)
	}
	for _, in := range paths {
		dir, ok := in.Dir(f.Dir)
		if !ok || in.NarHash == "" || under(f.Dir, dir) {
			// An input holding the flake itself (path:../..) holds its
			// flake.lock too: relocking changes what it hashes.
			continue
		}
		if h, ok := s.trackedNarHash(dir); ok && h != in.NarHash {
			changed = append(changed, in.Input)
			notes = append(notes, fmt.Sprintf("'%s' (%s): the lock pins narHash %s, the tracked files of %s hash to %s", in.Input, in.Path, in.NarHash, display(dir), h))
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
	d.Help = fmt.Sprintf("run `%s` in %s and commit %s", lockCommand(changed), display(f.Dir), lock)
	return d
}

// maxNarBytes and maxNarFiles bound what trackedNarHash reads.
const (
	maxNarBytes = 64 << 20
	maxNarFiles = 10000
)

// trackedNarHash is the NAR hash (SRI) of the tracked files under dir, as
// `nix hash path` gives it for a copy holding only them: what Nix 2.8 locks
// for a relative path: input of a flake in a git repository (untracked files
// are not in the flake's source). ok is false when lockguard cannot know:
// a symbolic link on the directory's path, a submodule or an export-ignore
// rule under dir, an intent-to-add or deleted file, more than maxNarFiles files or maxNarBytes bytes.
func (s *Snapshot) trackedNarHash(dir string) (string, bool) {
	under := s.Repo.TrackedUnder(dir)
	if len(under) == 0 || len(under) > maxNarFiles {
		return "", false
	}
	// Read nothing through a symbolic link (one on the way could lead out
	// of the repository): the directory's own path must be plain.
	parts := strings.Split(dir, "/")
	for i := range parts {
		if dir == "" {
			break
		}
		if fi, err := s.lstat(strings.Join(parts[:i+1], "/")); err != nil || !fi.IsDir() {
			return "", false
		}
	}
	var total int64
	for _, e := range under {
		if e.Submodule || e.IntentToAdd || s.exportIgnored(e.Path) != "" {
			return "", false
		}
		fi, err := s.lstat(e.Path)
		if err != nil {
			return "", false
		}
		if total += fi.Size(); total > maxNarBytes {
			return "", false
		}
	}
	keep := func(rel, _ string, mode fs.FileMode) bool {
		p := join(dir, rel)
		if mode.IsDir() {
			return len(s.Repo.TrackedUnder(p)) > 0
		}
		_, tracked := s.Repo.Entry(p)
		return tracked
	}
	h, err := nar.SRI(filepath.Join(s.Repo.Root(), filepath.FromSlash(dir)), keep)
	if err != nil {
		return "", false
	}
	return h, true
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

// rustBuilderFuncs are the functions whose argument set's src (or root) is a
// Cargo root the build uses: nixpkgs, crane and naersk.
var rustBuilderFuncs = map[string]bool{
	"buildRustPackage": true, "buildPackage": true, "buildDepsOnly": true, "cargoBuild": true,
	"mkCargoDerivation": true, "cargoClippy": true, "cargoTest": true, "cargoNextest": true,
	"cargoDoc": true, "buildTrunkPackage": true, "vendorCargoDeps": true,
}

// explicitLockArgs name the lock (or the vendored dependencies) outside the
// source: the lock in the source is then not what the build needs, and a
// lock named here is a read that LG201/LG202 check.
var explicitLockArgs = []string{"cargoLock", "cargoLockFile", "cargoVendorDir", "cargoDeps", "cargoToml",
	"cargoPatches", "patches", "postPatch", "prePatch", "postUnpack", "preUnpack"}

// usedCargoRoot is the Cargo root a build whose source is the directory src
// uses: the root at src (or at src/subdir for buildAndTestSubdir and
// cargoRoot), or the workspace that has it as a member.
func usedCargoRoot(roots []cargo.Root, dir string) (cargo.Root, bool) {
	for _, root := range roots {
		if root.Dir() == dir {
			return root, true
		}
	}
	for _, root := range roots {
		for _, m := range root.Members {
			if m.Dir == dir {
				return root, true
			}
		}
	}
	return cargo.Root{}, false
}

func checkFlakeSourceLockUncommitted(p *Pass) {
	s := p.Snap
	roots := s.Cargo().Roots
	if len(roots) == 0 {
		return
	}
	eachRef(s, func(f *nix.Flake, r nix.Ref) {
		if (r.Kind != nix.RefDirSource && r.Kind != nix.RefFilesetMember) || r.Dynamic || r.Absolute || r.Outside || !r.Needed() {
			return
		}
		sa := r.Source
		if sa != nil && (sa.Filtered || sa.SubdirDynamic) {
			return // which files the source keeps is dynamic
		}
		for _, a := range explicitLockArgs {
			if sa.Has(a) {
				return
			}
		}
		if len(s.Repo.TrackedUnder(r.Path)) == 0 {
			return // not a directory of the repository
		}
		base := r.Path
		if sa != nil && sa.Subdir != "" {
			base = cleanRepoPath(join(r.Path, sa.Subdir))
		}
		root, ok := usedCargoRoot(roots, base)
		if !ok {
			return
		}
		lock := root.LockPath()
		st := s.Repo.Status(lock)
		var d *diag.Diagnostic
		if !under(root.Dir(), r.Path) {
			// A workspace member used as the source: the workspace's lock is
			// outside it. Only for a known Rust builder given nothing else
			// that could provide the lock.
			if sa == nil || !rustBuilderFuncs[sa.Func] || st.State == repo.StateMissing {
				return
			}
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("the source %s of %s is the Cargo package at %s, a member of the workspace at %s whose Cargo.lock (%s) is outside the source: the build sees no Cargo.lock and fails (\"Missing Cargo.lock from src\"; crane: \"unable to find Cargo.lock\")", refText(r), sa.Func, display(base), display(root.Dir()), lock),
				Help:    fmt.Sprintf("use the workspace root as the source (and select the package with cargoBuildFlags or pname), or pass the lock explicitly (cargoLock.lockFile = %s)", lock),
			}
		} else {
			where := fmt.Sprintf("the source %s holds the Cargo root at %s, whose Cargo.lock (%s)", refText(r), display(root.Dir()), lock)
			switch st.State {
			case repo.StateUntracked, repo.StateIgnored, repo.StateIntentToAdd:
				// The lock exists but the flake's copy of the source lacks
				// it: the silent drop. (A lock that exists nowhere is
				// LG101's, or LG202's when a path names it.)
				u := uncommittedDiag(s, lock, "Cargo.lock")
				state := map[repo.State]string{repo.StateUntracked: "is untracked", repo.StateIgnored: "is ignored", repo.StateIntentToAdd: "is only intent-to-add"}[st.State]
				if st.State == repo.StateIgnored && st.Ignore != nil {
					state += fmt.Sprintf(" by %s line %d (%q)", st.Ignore.Source, st.Ignore.Line, st.Ignore.Pattern)
				}
				d = &diag.Diagnostic{Message: where + " " + state, Help: u.Help, Fix: u.Fix}
				if st.State == repo.StateIntentToAdd {
					d.Severity = diag.Warning
					d.Message += ": local Nix sees it, but git commit will not commit it, so a CI clone's source lacks it"
				} else {
					d.Message += ": Nix silently leaves it out of the source, and the build fails later with \"Missing Cargo.lock from src\""
				}
			default:
				return
			}
		}
		d.Path = r.File
		d.Message += chainNote(r)
		d.At(refSpan(r))
		p.Report(*d)
	})
}

// cleanRepoPath cleans a repo-relative path ("" for the root).
func cleanRepoPath(p string) string {
	p = path.Clean(p)
	if p == "." {
		return ""
	}
	return p
}

func checkFlakeUncommitted(p *Pass) {
	s := p.Snap
	for _, f := range s.Flakes().Flakes {
		st := s.Repo.Status(f.Path)
		d := uncommittedDiag(s, f.Path, "the flake")
		if d == nil {
			continue
		}
		if st.State == repo.StateIntentToAdd {
			d.Severity = diag.Warning
		} else {
			d.Message += fmt.Sprintf("; nix fails with \"getting status of '/nix/store/…-source/%s': No such file or directory\" (Nix 2.8; newer Nix: \"does not contain a '/flake.nix' file\")", f.Path)
		}
		d.Path = f.Path
		d.At(diag.Span{})
		p.Report(*d)
	}
	eachRef(s, func(f *nix.Flake, r nix.Ref) {
		if r.Kind != nix.RefImport || r.Dead {
			return
		}
		info := s.classifyRef(f, r)
		r.Path = info.path
		switch info.problem {
		case refUntracked, refIgnored, refIntentToAdd:
		default:
			return
		}
		d := uncommittedDiag(s, r.Path, refText(r))
		if d == nil {
			// A directory of intent-to-add files (import ./dir reads dir/default.nix).
			d = &diag.Diagnostic{
				Message: fmt.Sprintf("%s (%s) holds only intent-to-add files (git add -N): local Nix sees them, but git commit will not commit them", refText(r), r.Path),
				Help:    "git add " + r.Path,
				Fix:     &diag.Fix{Applicability: diag.Safe, Description: "stage " + r.Path + " with git add", Actions: []diag.Action{{Kind: diag.ActionStage, Paths: []string{r.Path}}}},
			}
		}
		if info.problem == refIntentToAdd {
			d.Severity = diag.Warning
		} else if r.Optional {
			d.Severity = diag.Warning
			d.Message += "; it is imported under an existence check, so Nix silently treats it as absent"
		} else {
			d.Message += "; " + nixFailure(r.Path)
		}
		if info.dir && info.problem == refIgnored {
			d.Fix = nil
		}
		d.Path = r.File
		d.Message += chainNote(r)
		d.At(refSpan(r))
		p.Report(*d)
	})
}
