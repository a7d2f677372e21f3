package snapshot

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/nar"
	"github.com/lockguard/lockguard/internal/nix"
	"github.com/lockguard/lockguard/internal/repo"
)

// refProblem is what is wrong with one reference.
type refProblem int

const (
	refOK refProblem = iota
	RefUntracked
	RefIgnored
	RefIntentToAdd
	RefMissing
	RefDeleted
	RefOutside       // escapes the repository
	RefSubmodule     // inside (or is) a submodule the flake does not fetch
	RefSymlinkOut    // a symlink pointing outside the repository
	RefExportIgnored // committed, but export-ignore leaves it out of a clean tree's source
)

// refInfo is the classification of a reference.
type refInfo struct {
	// path is the path checked: the reference's, or for a committed
	// directory used as a flake input (import) its flake.nix (default.nix).
	Path      string
	Problem   refProblem
	St        repo.Status
	Dir       bool   // the path is a directory
	Submodule string // for refSubmodule
	Target    string // for refSymlinkOut; the attribute line for refExportIgnored
	Link      string // for refSymlinkOut: the link that leaves (path or a directory of it)
}

// classifyRef decides whether the path r refers to will be in the flake's
// source once committed. Dynamic and absolute references are refOK: there
// is nothing static to check.
func (s *Snapshot) ClassifyRef(f *nix.Flake, r nix.Ref) refInfo {
	if r.Dynamic || r.Absolute {
		return refInfo{Path: r.Path}
	}
	if r.Outside {
		return refInfo{Path: r.Path, Problem: RefOutside}
	}
	if r.Path == "" {
		return refInfo{Dir: true}
	}
	// A flake input needs the directory's flake.nix, an import of a
	// directory its default.nix: when the directory itself is committed,
	// check that file.
	if entry := map[nix.RefKind]string{nix.RefInput: "flake.nix", nix.RefImport: "default.nix"}[r.Kind]; entry != "" && len(s.Repo.TrackedUnder(r.Path)) > 0 {
		r.Path = Join(r.Path, entry)
	}
	// A link on the way (hostroot -> /) that leaves the repository: known
	// from the repository's links alone, the outside is never looked at.
	if link, t, out := s.Repo.LeavesRepo(r.Path); out {
		return refInfo{Path: r.Path, Problem: RefSymlinkOut, Target: t, Link: link}
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
	info := refInfo{Path: r.Path, St: st}
	if e, ok := s.Repo.Entry(r.Path); ok && e.Submodule {
		st = repo.Status{State: repo.StateInSubmodule, Submodule: r.Path}
	}
	switch st.State {
	case repo.StateCommitted:
		if at := s.exportIgnored(r.Path); at != "" {
			info.Problem, info.Target = RefExportIgnored, at
			return info
		}
		under := s.Repo.TrackedUnder(r.Path)
		if len(under) == 0 {
			return info
		}
		info.Dir = true
		for _, e := range under {
			if !e.IntentToAdd {
				return info
			}
		}
		info.Problem = RefIntentToAdd
	case repo.StateIntentToAdd:
		info.Problem = RefIntentToAdd
	case repo.StateUntracked:
		info.Problem = RefUntracked
	case repo.StateIgnored:
		info.Problem = RefIgnored
	case repo.StateMissing:
		info.Problem = RefMissing
	case repo.StateDeleted:
		info.Problem = RefDeleted
	case repo.StateInSubmodule:
		if !f.Submodules {
			info.Problem, info.Submodule = RefSubmodule, st.Submodule
		}
	}
	if info.Problem == RefUntracked || info.Problem == RefIgnored {
		if fi, err := s.lstat(r.Path); err == nil && fi.IsDir() {
			info.Dir = true
		}
	}
	return info
}

// exportIgnored returns "FILE line N" when a .gitattributes file marks p
// (or a directory holding it) export-ignore, else "".
func (s *Snapshot) exportIgnored(p string) string {
	for _, r := range exportIgnore.Get(s) {
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
					rules = append(rules, exportRule{file: f, dir: DirOf(f), pattern: fields[0], line: i + 1})
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
			parts = append(strings.Split(CleanRepoPath(target), "/"), rest...)
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
func ChainNote(r nix.Ref) string {
	if len(r.Chain) < 2 {
		return ""
	}
	return " (reached through " + strings.Join(r.Chain, " → ") + ")"
}

// refText is how a reference is shown in messages.
func RefText(r nix.Ref) string {
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

func RefSpan(r nix.Ref) diag.Span { return SpanOf(r.Line, r.Column, r.EndLine, r.EndColumn) }

// nixFailure is what evaluating the flake prints for a path it cannot see.
func NixFailure(p string) string {
	return fmt.Sprintf("evaluating the flake fails with \"path '/nix/store/…-source/%s' does not exist\"", p)
}

// refFailure says what fails for a reference Nix cannot resolve: an import
// or a read fails whenever the flake is evaluated; a path that is only
// copied (a source, an interpolation, an attribute of a derivation) fails
// when the output using it is evaluated.
func RefFailure(r nix.Ref) string {
	switch r.Kind {
	case nix.RefImport, nix.RefRead, nix.RefInput:
		return NixFailure(r.Path)
	}
	return fmt.Sprintf("evaluating an output that uses it fails with \"path '/nix/store/…-source/%s' does not exist\"", r.Path)
}

// eachRef calls fn once for every reference of every flake (a reference in a
// file that several flakes import is visited once).
func EachRef(s *Snapshot, fn func(f *nix.Flake, r nix.Ref)) {
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

// cleanRepoPath cleans a repo-relative path ("" for the root).
func CleanRepoPath(p string) string {
	p = path.Clean(p)
	if p == "." {
		return ""
	}
	return p
}

// exportIgnore are the export-ignore rules of the .gitattributes files.
var exportIgnore = &Model[[]exportRule]{Name: "export-ignore", Compute: (*Snapshot).loadExportIgnore}

// maxNarBytes and maxNarFiles bound what trackedNarHash reads.
const (
	maxNarBytes = 64 << 20
	maxNarFiles = 10000
)

// TrackedNarHash is the NAR hash (SRI) of the tracked files under dir, as
// `nix hash path` gives it for a copy holding only them: what Nix 2.8 locks
// for a relative path: input of a flake in a git repository (untracked files
// are not in the flake's source). ok is false when lockguard cannot know:
// a symbolic link on the directory's path, a submodule or an export-ignore
// rule under dir, an intent-to-add or deleted file, more than maxNarFiles files or maxNarBytes bytes.
func (s *Snapshot) TrackedNarHash(dir string) (string, bool) {
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
		p := Join(dir, rel)
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
