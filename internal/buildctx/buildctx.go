// Package buildctx finds where a repository builds its Dockerfiles, and
// with which build context: GitHub Actions (docker/build-push-action, and
// docker build in run: steps), GitLab CI scripts, shell scripts, Makefile
// and justfile recipes (docker build, docker buildx build, podman build,
// buildah bud), docker-bake.hcl/json and compose files. For each build it
// also collects what the build supplies: --build-arg values, and the
// artifacts that earlier steps create in the context (downloaded CI
// artifacts, cargo/nix/go build outputs, cp/mv/curl targets, make).
//
// It reads files only through Input.Read and never runs anything.
package buildctx

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/lockguard/lockguard/internal/par"
	"github.com/lockguard/lockguard/internal/shell"
	"go.yaml.in/yaml/v3"
)

// Origin is the place that names a build.
type Origin struct {
	File string // repo-relative file
	Line int    // 1-based; 0 when unknown
	What string // e.g. "docker/build-push-action", "docker build", "compose service api"
}

// String renders the origin for messages: "ci.yml line 12 (docker build)".
func (o Origin) String() string {
	s := o.File
	if o.Line > 0 {
		s += " line " + itoa(o.Line)
	}
	if o.What != "" {
		s += " (" + o.What + ")"
	}
	return s
}

// Build is one build of a Dockerfile.
type Build struct {
	// Dockerfile is the repo-relative Dockerfile the build uses. When
	// Pattern is set, it is a path.Match pattern (a CI expression or a
	// variable stands for one path segment part) that names the tracked
	// Dockerfiles it matches.
	Dockerfile string
	Pattern    bool
	// Named reports whether the Dockerfile was named explicitly (-f,
	// file:, dockerfile:) rather than defaulted to <context>/Dockerfile.
	Named bool
	// Context is the repo-relative build context directory ("" = root).
	Context string
	// Target is the stage built (--target); "" = the last stage.
	Target string
	Origin Origin
	// Args are the known --build-arg values; UnknownArgs the build args
	// given with values lockguard cannot know.
	Args        map[string]string
	UnknownArgs map[string]bool
	// Artifacts are what earlier steps of the same job, recipe or script
	// create before the build runs.
	Artifacts []Artifact
}

// Artifact is a path an earlier step creates.
type Artifact struct {
	// Path is repo-relative; with Any, the step's outputs are not known
	// (make, a job's earlier steps the scanner cannot read) and any path
	// may be created.
	Path   string
	Any    bool
	Origin Origin
}

// Covers reports whether the artifact creates the repo-relative path p
// (p itself or something under it, or a directory holding it).
func (a Artifact) Covers(p string) bool {
	if a.Any {
		return true
	}
	return a.Path == "" || a.Path == p || strings.HasPrefix(p, a.Path+"/") || strings.HasPrefix(a.Path, p+"/")
}

// Script is a piece of shell that a file runs: a whole *.sh script, one
// recipe line of a Makefile or justfile.
type Script struct {
	Path string
	Text string
	Line int      // file line of Text's first line
	Dirs []string // repo-relative directories it may start in
	// Group numbers the pieces that run in order in one recipe: earlier
	// pieces of the same Path and Group create artifacts for later ones.
	Group int
	// Before lists what runs before the piece and creates unknown outputs
	// (a Makefile rule's prerequisites): "" when nothing.
	Before string
}

// Input is what Scan reads.
type Input struct {
	// Tracked are the tracked files (repo-relative, sorted).
	Tracked []string
	// Dockerfiles are the tracked Dockerfiles.
	Dockerfiles []string
	// Read returns a tracked file's content.
	Read func(p string) ([]byte, bool)
	// Scripts are the shell pieces of scripts, Makefiles and justfiles,
	// each file's in order.
	Scripts []Script
}

// Problem is a file Scan could not read (a compose file that is not YAML).
type Problem struct {
	Path string
	Line int
	Msg  string
}

// Scan finds the builds of the repository, and the files it could not
// read.
func Scan(in Input) ([]Build, []Problem) {
	in.Tracked = append([]string(nil), in.Tracked...)
	sort.Strings(in.Tracked)
	sc := &scanner{in: in, dockerfiles: map[string]bool{}, tracked: map[string]bool{}}
	for _, d := range in.Dockerfiles {
		sc.dockerfiles[d] = true
	}
	for _, t := range in.Tracked {
		sc.tracked[t] = true
	}
	// The scripts of each file, and each CI file, are independent: every
	// unit gets a scanner of its own, the units run in parallel, and their
	// results join in the order of a sequential scan.
	var units []func(*scanner)
	byPath := map[string][]Script{}
	var paths []string
	for _, sc := range in.Scripts {
		if _, ok := byPath[sc.Path]; !ok {
			paths = append(paths, sc.Path)
		}
		byPath[sc.Path] = append(byPath[sc.Path], sc)
	}
	for _, p := range paths {
		pieces := byPath[p]
		units = append(units, func(u *scanner) { u.scripts(pieces) })
	}
	for _, p := range in.Tracked {
		base := path.Base(p)
		switch {
		case strings.HasPrefix(p, ".github/workflows/") && (strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")):
			units = append(units, func(u *scanner) { u.workflow(p) })
		case p == ".gitlab-ci.yml" || p == ".gitlab-ci.yaml":
			units = append(units, func(u *scanner) { u.gitlab(p) })
		case base == "action.yml" || base == "action.yaml":
			units = append(units, func(u *scanner) { u.composite(p) })
		}
	}
	subs := make([]*scanner, len(units))
	par.Do(len(units), func(i int) {
		u := &scanner{in: sc.in, dockerfiles: sc.dockerfiles, tracked: sc.tracked}
		units[i](u)
		subs[i] = u
	})
	for _, u := range subs {
		sc.builds = append(sc.builds, u.builds...)
		sc.composeRefs = append(sc.composeRefs, u.composeRefs...)
		sc.bakeRefs = append(sc.bakeRefs, u.bakeRefs...)
		sc.problems = append(sc.problems, u.problems...)
	}
	// Compose and bake files: the standard names (run from their own
	// directory), then those that commands named.
	for _, p := range in.Tracked {
		base := path.Base(p)
		switch {
		case composeNames[base] && !strings.HasPrefix(p, ".github/workflows/"):
			sc.compose(p, nil)
		case bakeNames[base]:
			sc.bake(p, dirOf(p), nil)
		}
	}
	for _, r := range sc.composeRefs {
		if !composeNames[path.Base(r.file)] {
			sc.compose(r.file, r.artifacts)
		}
	}
	for _, r := range sc.bakeRefs {
		sc.bake(r.file, r.dir, r.artifacts)
	}
	return sc.dedupe(), sc.problems
}

type fileRef struct {
	file      string // repo-relative
	dir       string // the directory the command ran in
	artifacts []Artifact
}

type scanner struct {
	in          Input
	dockerfiles map[string]bool
	tracked     map[string]bool
	builds      []Build
	composeRefs []fileRef
	bakeRefs    []fileRef
	problems    []Problem
	composeDocs map[string]*yaml.Node // parsed compose files (nil: unreadable)
}

func (sc *scanner) add(b Build) {
	if b.Pattern {
		if !hasPatternMatch(b.Dockerfile, sc.in.Dockerfiles) {
			return
		}
	}
	sc.builds = append(sc.builds, b)
}

func hasPatternMatch(pat string, files []string) bool {
	for _, f := range files {
		if ok, _ := path.Match(pat, f); ok {
			return true
		}
	}
	return false
}

// isDir reports whether the repository tracks files under p ("" = root).
func (sc *scanner) isDir(p string) bool {
	if p == "" {
		return true
	}
	i := sort.SearchStrings(sc.in.Tracked, p+"/")
	return i < len(sc.in.Tracked) && strings.HasPrefix(sc.in.Tracked[i], p+"/")
}

// dedupe merges builds of the same Dockerfile, context and origin.
func (sc *scanner) dedupe() []Build {
	sort.SliceStable(sc.builds, func(i, j int) bool {
		a, b := sc.builds[i], sc.builds[j]
		if a.Origin.File != b.Origin.File {
			return a.Origin.File < b.Origin.File
		}
		return a.Origin.Line < b.Origin.Line
	})
	var out []Build
	seen := map[string]bool{}
	for _, b := range sc.builds {
		k := b.Dockerfile + "\x00" + b.Context + "\x00" + b.Origin.String()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, b)
	}
	return out
}

// Matches reports whether the build uses the Dockerfile at p.
func (b Build) Matches(p string) bool {
	if !b.Pattern {
		return b.Dockerfile == p
	}
	ok, _ := path.Match(b.Dockerfile, p)
	return ok
}

// Rel cleans a slash path relative to the repository root ("" = the
// root); ok is false when it leaves the repository.
func Rel(p string) (string, bool) { return shell.Rel(p) }

func join(dir, p string) (string, bool) {
	if path.IsAbs(p) {
		return "", false
	}
	return Rel(path.Join(dir, p))
}

func dirOf(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

func itoa(n int) string { return strconv.Itoa(n) }

// scripts analyses the shell pieces of scripts, Makefiles and justfiles
// (those of one file, in order).
func (sc *scanner) scripts(pieces []Script) {
	type groupKey struct {
		path  string
		group int
	}
	arts := map[groupKey][]Artifact{}
	// Only a piece that runs a builder, or one that creates files before
	// such a piece of its group, can matter: the artifacts of a group with
	// no builder are never used, so its pieces are not parsed at all.
	builds := map[groupKey]bool{}
	for _, s := range pieces {
		if mentionsBuilder(s.Text) {
			builds[groupKey{s.Path, s.Group}] = true
		}
	}
	for _, s := range pieces {
		k := groupKey{s.Path, s.Group}
		if !builds[k] {
			continue
		}
		prior := arts[k]
		if prior == nil && s.Before != "" {
			prior = []Artifact{{Any: true, Origin: Origin{File: s.Path, Line: s.Line, What: s.Before}}}
		}
		perDir := analyzeDirs(s.Path, s.Text, s.Line, s.Dirs, sc.isDir)
		prior = sc.runEvents(perDir, prior)
		if s.Group != 0 {
			arts[k] = prior
		}
	}
}

// runEvents applies the events of a piece analysed from each of its start
// directories, with the artifacts created before it; it returns the
// artifacts after it. A build is kept when the directories that name an
// existing Dockerfile agree on it.
func (sc *scanner) runEvents(perDir [][]event, prior []Artifact) []Artifact {
	type cand struct {
		b    Build
		dirs int
	}
	byLine := map[int][]cand{}
	var lines []int
	after := prior
	for di, evs := range perDir {
		cur := append([]Artifact(nil), prior...)
		for _, ev := range evs {
			switch {
			case ev.build != nil:
				b := *ev.build
				b.Artifacts = append([]Artifact(nil), cur...)
				if !sc.resolveDefault(&b) || (len(perDir) > 1 && !b.Pattern && !sc.dockerfiles[b.Dockerfile]) {
					continue
				}
				l := b.Origin.Line
				if _, ok := byLine[l]; !ok {
					lines = append(lines, l)
				}
				dup := false
				for i, c := range byLine[l] {
					if c.b.Dockerfile == b.Dockerfile && c.b.Context == b.Context {
						byLine[l][i].dirs++
						dup = true
					}
				}
				if !dup {
					byLine[l] = append(byLine[l], cand{b: b, dirs: 1})
				}
			case ev.compose != nil:
				for _, f := range ev.compose {
					if sc.tracked[f] {
						sc.composeRefs = append(sc.composeRefs, fileRef{file: f, dir: ev.dir, artifacts: append([]Artifact(nil), cur...)})
					}
				}
			case ev.bake != nil:
				for _, f := range ev.bake {
					if sc.tracked[f] {
						sc.bakeRefs = append(sc.bakeRefs, fileRef{file: f, dir: ev.dir, artifacts: append([]Artifact(nil), cur...)})
					}
				}
			}
			cur = append(cur, ev.artifacts...)
		}
		if di == 0 {
			after = cur
		}
	}
	for _, l := range lines {
		if cs := byLine[l]; len(cs) == 1 {
			sc.add(cs[0].b)
		}
	}
	return after
}

// resolveDefault picks the default Dockerfile of a podman/buildah build
// (Containerfile, else Dockerfile) and reports whether the build names a
// tracked Dockerfile (or a pattern matching one).
func (sc *scanner) resolveDefault(b *Build) bool {
	if first, second, ok := strings.Cut(b.Dockerfile, "\x00"); ok {
		b.Dockerfile = second
		if sc.dockerfiles[first] || sc.tracked[first] {
			b.Dockerfile = first
		}
	}
	if b.Pattern {
		return hasPatternMatch(b.Dockerfile, sc.in.Dockerfiles)
	}
	return sc.dockerfiles[b.Dockerfile] || b.Named
}
