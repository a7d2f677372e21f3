package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/lockguard/lockguard/internal/nix"
)

// FlakeModel is the repository's flakes, analysed.
type FlakeModel struct {
	// Flakes are sorted by path. A flake whose flake.nix cannot be read or
	// parsed is still listed (with whatever the analysis found), so that
	// LG205 can report an uncommitted flake.nix; its parse error goes to
	// LG901.
	Flakes []*nix.Flake
}

// FlakeRole is what the rest of the repository does with a flake: the
// policy "consumers decide severity" reads it.
type FlakeRole struct {
	// template is why the flake is meant to be copied (nix flake init)
	// rather than built here: "exposed as a template by flake.nix", "in a
	// template directory"; "" when it is not a template.
	Template string
	// consumer names what in the repository uses the flake ("the
	// repository's own flake", "an input of flake.nix",
	// ".github/workflows/ci.yml line 12"); "" when nothing does.
	Consumer string
}

// FlakeRoles are the roles of the flakes, by flake path.
var FlakeRoles = &Model[map[string]FlakeRole]{
	Name:     "flake-roles",
	Requires: []AnyModel{Flakes},
	Compute:  func(s *Snapshot) map[string]FlakeRole { return s.flakeRoles(s.Flakes()) },
}

// FlakeRole returns the role of f.
func (s *Snapshot) FlakeRole(f *nix.Flake) FlakeRole { return FlakeRoles.Get(s)[f.Path] }

func (s *Snapshot) flakeRoles(m *FlakeModel) map[string]FlakeRole {
	templates := map[string]string{} // template dir -> exposing flake
	for _, f := range m.Flakes {
		for _, t := range f.Templates {
			if _, ok := templates[t]; !ok {
				templates[t] = f.Path
			}
		}
	}
	roles := map[string]FlakeRole{}
	var scripts []scriptFile
	scriptsLoaded := false
	for _, f := range m.Flakes {
		var r FlakeRole
		for t, by := range templates {
			if Under(f.Dir, t) {
				r.Template = "exposed as a template by " + by
				break
			}
		}
		if r.Template == "" {
			for _, c := range strings.Split(f.Dir, "/") {
				if c == "template" || c == "templates" {
					r.Template = "in a template directory"
					break
				}
			}
		}
		switch {
		case f.Dir == "":
			r.Consumer = "it is the repository's own flake"
		default:
			for _, g := range m.Flakes {
				if g == f || r.Consumer != "" {
					continue
				}
				for _, ref := range g.Refs {
					if ref.Kind != nix.RefValue && !ref.Dead && !ref.Dynamic && (ref.Path == f.Dir || ref.Path == f.Path) {
						r.Consumer = fmt.Sprintf("%s uses it (line %d)", ref.File, ref.Line)
						break
					}
				}
			}
			if r.Consumer == "" {
				if !scriptsLoaded {
					scripts, scriptsLoaded = s.NixScripts(), true
				}
				r.Consumer = ScriptMention(scripts, f.Dir, "")
			}
		}
		roles[f.Path] = r
	}
	return roles
}

// scriptFile is a CI job, script, Makefile, justfile or .envrc that runs
// nix.
type scriptFile struct {
	path  string
	lines []string
}

// isScript: files that build things (CI jobs, scripts, Makefiles,
// justfiles, direnv).
func isScript(p string) bool {
	b := path.Base(p)
	switch {
	case strings.HasPrefix(p, ".github/workflows/"), strings.HasPrefix(p, ".gitlab-ci"),
		strings.HasPrefix(p, ".circleci/"), strings.HasPrefix(p, ".buildkite/"),
		strings.HasPrefix(p, ".forgejo/workflows/"), strings.HasPrefix(p, ".gitea/workflows/"):
		return strings.HasSuffix(b, ".yml") || strings.HasSuffix(b, ".yaml")
	case strings.HasSuffix(b, ".sh"), strings.HasSuffix(b, ".bash"), b == "Makefile", b == "makefile",
		b == "GNUmakefile", b == "justfile", b == "Justfile", b == ".justfile", b == ".envrc":
		return true
	}
	return false
}

// nixScripts are the tracked scripts that mention nix.
func (s *Snapshot) NixScripts() []scriptFile {
	var out []scriptFile
	for _, e := range s.Repo.Entries() {
		if e.Submodule || !isScript(e.Path) {
			continue
		}
		data, err := s.ReadFile(e.Path)
		if err != nil || !mentionsNix(data) {
			continue
		}
		out = append(out, scriptFile{path: e.Path, lines: strings.Split(string(data), "\n")})
	}
	return out
}

// mentionsNix reports whether data has the word nix (as the regular
// expression \bnix\b, which also covers nix-build and nix-shell) or "use
// flake". A byte scan: the regular expression over every tracked script
// and workflow was a sixth of check's time on a large repository.
func mentionsNix(data []byte) bool {
	if bytes.Contains(data, []byte("use flake")) {
		return true
	}
	word := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("nix"))
		if j < 0 {
			return false
		}
		at := i + j
		if (at == 0 || !word(data[at-1])) && (at+3 == len(data) || !word(data[at+3])) {
			return true
		}
		i = at + 1
	}
}

// scriptMention finds a script line that names dir as a flake (./dir,
// dir#attr, dir/flake.nix, cd dir, working-directory: dir) and, when
// needle is set, also contains needle. It returns "path line N", or "".
func ScriptMention(scripts []scriptFile, dir, needle string) string {
	var re *regexp.Regexp
	if dir != "" {
		re = regexp.MustCompile(`(^|[\s"'=:(,])(\./)?` + regexp.QuoteMeta(dir) + `/?($|[\s"'#);,]|/flake\.nix)`)
	}
	for _, sf := range scripts {
		for i, l := range sf.lines {
			if needle != "" && !strings.Contains(l, needle) {
				continue
			}
			// The pattern holds dir literally: the substring test rules out
			// most lines before the regular expression runs.
			if re != nil && (!strings.Contains(l, dir) || !re.MatchString(l)) {
				continue
			}
			return fmt.Sprintf("%s line %d", sf.path, i+1)
		}
	}
	return ""
}

// Flakes finds the flakes and analyses them in parallel: every tracked
// flake.nix (intent-to-add included), plus an untracked flake.nix at the
// repository root or next to a tracked Cargo.toml, the places where one is
// forgotten. Files are read through ReadFile, so suppression comments in
// .nix files work, and unreadable or unparsable files become LG901 parse
// errors while the other flakes are still analysed.
var Flakes = &Model[*FlakeModel]{Name: "flakes", Compute: computeFlakes}

// Flakes returns the flake model (Flakes.Get(s)).
func (s *Snapshot) Flakes() *FlakeModel { return Flakes.Get(s) }

func computeFlakes(s *Snapshot) *FlakeModel {
	paths := s.TrackedNamed(func(b string) bool { return b == "flake.nix" })
	candidates := []string{"flake.nix"}
	for _, m := range s.TrackedNamed(func(b string) bool { return b == "Cargo.toml" }) {
		candidates = append(candidates, Join(DirOf(m), "flake.nix"))
	}
	for _, c := range candidates {
		if slices.Contains(paths, c) {
			continue
		}
		if _, ok := s.Repo.Entry(c); ok {
			continue
		}
		if fi, err := s.Repo.Lstat(c); err == nil && fi.Mode().IsRegular() {
			paths = append(paths, c)
		}
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)

	flakes := s.analyzeFlakes(paths)
	// An untracked flake.nix in a tracked directory that something
	// refers to as a flake (an input path:./sub, nix build ./sub#x in
	// a script) is a forgotten flake too.
	var more []string
	for _, c := range s.referredFlakes(flakes) {
		if !slices.Contains(paths, c) {
			more = append(more, c)
		}
	}
	flakes = append(flakes, s.analyzeFlakes(more)...)
	model := &FlakeModel{}
	for _, f := range flakes {
		if f != nil {
			model.Flakes = append(model.Flakes, f)
		}
	}
	slices.SortFunc(model.Flakes, func(a, b *nix.Flake) int { return strings.Compare(a.Path, b.Path) })
	return model
}

func (s *Snapshot) analyzeFlakes(paths []string) []*nix.Flake {
	flakes := make([]*nix.Flake, len(paths))
	rd := flakeReader{s}
	Parallel(indices(len(paths)), func(i int) {
		f, errs := nix.AnalyzeFlake(paths[i], rd)
		for _, fe := range errs {
			s.addNixFileError(fe)
		}
		flakes[i] = f
	})
	return flakes
}

// referredFlakes are the untracked flake.nix files (regular files) in
// tracked directories that a flake's input or a script names as a flake.
func (s *Snapshot) referredFlakes(flakes []*nix.Flake) []string {
	var dirs []string
	for _, f := range flakes {
		if f == nil {
			continue
		}
		for _, r := range f.Refs {
			if r.Kind == nix.RefInput && r.Needed() && !r.Dynamic && !r.Outside && !r.Absolute {
				dirs = append(dirs, r.Path)
			}
		}
	}
	for _, sf := range s.NixScripts() {
		for _, l := range sf.lines {
			dirs = append(dirs, nix.FlakeDirsInCommand(l)...)
		}
	}
	var out []string
	for _, d := range dirs {
		c := Join(d, "flake.nix")
		if strings.HasPrefix(c, "../") || slices.Contains(out, c) || len(s.Repo.TrackedUnder(d)) == 0 {
			continue
		}
		if _, tracked := s.Repo.Entry(c); tracked {
			continue
		}
		if fi, err := s.Repo.Lstat(c); err == nil && fi.Mode().IsRegular() {
			out = append(out, c)
		}
	}
	return out
}

// addNixFileError records a .nix file the analysis could not use. A file
// that does not exist is not a parse error: the reference rules report it.
func (s *Snapshot) addNixFileError(fe nix.FileError) {
	var se *nix.SyntaxError
	switch {
	case fe.Err == nil:
	case errors.As(fe.Err, &se):
		s.AddParseError(ParseError{Path: fe.Path, Line: se.Line, Column: se.Column, Msg: se.Msg})
	case errors.Is(fe.Err, fs.ErrNotExist):
	case errors.Is(fe.Err, ErrTooLarge):
		s.AddParseError(tooLarge(fe.Path))
	default:
		s.AddParseError(ParseError{Path: fe.Path, Line: 1, Column: 1, Msg: "cannot read: " + fe.Err.Error()})
	}
}

// flakeReader gives the flake analysis the snapshot's view of the files.
type flakeReader struct{ s *Snapshot }

func (r flakeReader) ReadFile(p string) ([]byte, error) {
	if strings.HasSuffix(p, "/") {
		return nil, &fs.PathError{Op: "read", Path: p, Err: fs.ErrInvalid}
	}
	return r.s.ReadFile(p)
}

func (r flakeReader) ResolveLinks(p string) (string, bool) { return r.s.resolveSymlinks(p) }

// Interrupted stops the analysis of a flake when the run is cancelled.
func (r flakeReader) Interrupted() bool { return r.s.Interrupted() }

func (r flakeReader) IsDir(p string) bool {
	if p == "" {
		return true
	}
	if len(r.s.Repo.TrackedUnder(p)) > 0 {
		return true
	}
	fi, err := r.s.Repo.Lstat(p)
	return err == nil && fi.IsDir()
}
