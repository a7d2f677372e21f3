package checks

import (
	"errors"
	"io/fs"
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

func init() { addLoader(func(s *Snapshot) { s.Flakes() }) }

// Flakes finds the flakes and analyses them in parallel: every tracked
// flake.nix (intent-to-add included), plus an untracked flake.nix at the
// repository root or next to a tracked Cargo.toml, the places where one is
// forgotten. Files are read through ReadFile, so suppression comments in
// .nix files work, and unreadable or unparsable files become LG901 parse
// errors while the other flakes are still analysed.
func (s *Snapshot) Flakes() *FlakeModel {
	s.flakesOnce.Do(func() {
		paths := s.TrackedNamed(func(b string) bool { return b == "flake.nix" })
		candidates := []string{"flake.nix"}
		for _, m := range s.TrackedNamed(func(b string) bool { return b == "Cargo.toml" }) {
			candidates = append(candidates, join(dirOf(m), "flake.nix"))
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

		flakes := make([]*nix.Flake, len(paths))
		rd := flakeReader{s}
		parallel(indices(len(paths)), func(i int) {
			f, errs := nix.AnalyzeFlake(paths[i], rd)
			for _, fe := range errs {
				s.addNixFileError(fe)
			}
			flakes[i] = f
		})
		model := &FlakeModel{}
		for _, f := range flakes {
			if f != nil {
				model.Flakes = append(model.Flakes, f)
			}
		}
		s.flakes = model
	})
	return s.flakes
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
		s.AddParseError(ParseError{Path: fe.Path, Line: 1, Column: 1, Msg: "file is larger than 8 MiB; lockguard does not read it"})
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
