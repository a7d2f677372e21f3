package snapshot

import (
	"path"
	"slices"
	"strings"

	"github.com/lockguard/lockguard/internal/cargo"
)

// memberGlobProblems runs cargo.MemberGlobProblems over every workspace with
// a glob in `members`, on the directories of a clean checkout.
func (s *Snapshot) memberGlobProblems(model *CargoModel) []cargo.Problem {
	var globbed []*cargo.Manifest
	for _, r := range model.Roots {
		if w := r.Manifest.Workspace; w != nil && slices.ContainsFunc(w.Members, func(g string) bool { return strings.ContainsAny(g, "*?[") }) {
			globbed = append(globbed, r.Manifest)
		}
	}
	if len(globbed) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, e := range s.Repo.Entries() {
		for d := path.Dir(e.Path); d != "." && !set[d]; d = path.Dir(d) {
			set[d] = true
		}
	}
	dirs := make([]string, 0, len(set))
	for d := range set {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	has := func(dir string) bool {
		_, ok := s.Repo.Entry(dir + "/Cargo.toml")
		return ok || s.Exists(dir+"/Cargo.toml")
	}
	var out []cargo.Problem
	for _, w := range globbed {
		out = append(out, cargo.MemberGlobProblems(w, dirs, has)...)
	}
	return out
}
