package snapshot

import (
	"bytes"
	"errors"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/lockguard/lockguard/internal/buildctx"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/repo"
)

// DockerModel is the repository's Dockerfiles with their build contexts.
type DockerModel struct {
	Files []*DockerFile // sorted by path
	// Builds are the places the repository builds Dockerfiles.
	Builds []buildctx.Build
}

// DockerFile is one tracked Dockerfile.
type DockerFile struct {
	Path string
	// File is the parsed Dockerfile; nil when it could not be read or
	// parsed (the parse error is reported by LG901).
	File *dockerfile.File
	// Src is the file's content as read.
	Src []byte
	// Contexts are the build contexts the Dockerfile is built with, one
	// per distinct directory: those lockguard.toml ([[docker.build]])
	// names, else those the repository's CI, scripts, bake and compose
	// files build it with, else the one guessed from its COPY sources
	// (or, when that fails, the candidates with Unknown set). Never empty.
	Contexts []*DockerContext
}

// DockerContext is one build context of a Dockerfile.
type DockerContext struct {
	Dir string // repo-relative ("" = the repository root)
	// Origin says where the context comes from, for messages: "" for a
	// context guessed from the Dockerfile's sources, else e.g.
	// "lockguard.toml" or "compose.yaml line 4 (compose service web)".
	Origin string
	// SetBy is the place that names the context (file and line), for a
	// related location; File is "" when the context was guessed.
	SetBy buildctx.Origin
	// Unknown: nothing names the context and the Dockerfile's sources do
	// not tell; Dir is one candidate (its directory or the root). Only
	// sources that exist on disk but are not committed are judged.
	Unknown bool
	// File is the Dockerfile parsed with this context's build args
	// (the DockerFile's File when there are none).
	File *dockerfile.File
	// Artifacts are what the builds create in the context before they run.
	Artifacts []buildctx.Artifact
	// IgnorePath is the applicable ignore file (repo-relative), "" when
	// there is none; Ignore is it parsed (nil when absent or invalid).
	IgnorePath string
	Ignore     *dockerfile.Ignore

	args    map[string]string // known build args
	unknown map[string]bool   // build args with unknown values
	// targets are the stages the builds build ("" = the last stage);
	// nil when no build names the context (every stage is judged).
	targets []string
}

// Stages are the stages of the context's Dockerfile that its builds
// build (BuildKit skips the others), in order.
func (c *DockerContext) Stages() []*dockerfile.Stage {
	if c.File == nil {
		return nil
	}
	if c.targets == nil {
		return c.File.Stages
	}
	reach := map[*dockerfile.Stage]bool{}
	for _, t := range c.targets {
		r := c.File.Reachable(t)
		if r == nil {
			return c.File.Stages
		}
		for st := range r {
			reach[st] = true
		}
	}
	var out []*dockerfile.Stage
	for _, st := range c.File.Stages {
		if reach[st] {
			out = append(out, st)
		}
	}
	return out
}

// Display names the context for messages.
func (c *DockerContext) Display() string {
	d := "the build context " + Display(c.Dir)
	if c.Origin != "" {
		d += " (from " + c.Origin + ")"
	}
	return d
}

// Docker parses every tracked Dockerfile (in parallel), resolves its build
// contexts and parses the applicable ignore files.
var Docker = &Model[*DockerModel]{Name: "docker", Compute: computeDocker}

// Docker returns the Docker model (Docker.Get(s)).
func (s *Snapshot) Docker() *DockerModel { return Docker.Get(s) }

func computeDocker(s *Snapshot) *DockerModel {
	paths := s.TrackedNamed(func(b string) bool { return dockerfile.IsDockerfileName(b) })
	files := make([]*DockerFile, len(paths))
	parse := func(p string) *DockerFile {
		df := &DockerFile{Path: p}
		data, ok := s.readForParse(p)
		if !ok {
			return df
		}
		df.Src = data
		f, err := dockerfile.Parse(p, data)
		if err != nil {
			line := 1
			var pe *dockerfile.ParseError
			msg := err.Error()
			if errors.As(err, &pe) {
				line, msg = max(pe.Line, 1), pe.Msg
				if pe.NoInstructions {
					// An empty placeholder: a build of it fails, but
					// nothing in it concerns a lock, and lockguard read
					// all there is.
					return df
				}
			}
			s.AddParseError(ParseError{Path: p, Line: line, Column: 1, Msg: "Dockerfile: " + msg})
			return df
		}
		df.File = f
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if in.Run != nil && dockerfile.GaveUp(in.Run.ShellError) {
					s.AddParseError(ParseError{Path: p, Line: in.StartLine, Column: 1, Msg: "Dockerfile: RUN: " + in.Run.ShellError})
				}
			}
		}
		return df
	}
	Parallel(indices(len(paths)), func(i int) { files[i] = parse(paths[i]) })
	builds := s.scanBuilds()
	// A file a build names as its Dockerfile is one, whatever its name
	// (Dockerfile-relayer, docker/app.build).
	var named []string
	for _, b := range builds {
		if !b.Pattern && !slices.Contains(paths, b.Dockerfile) && !slices.Contains(named, b.Dockerfile) {
			if _, ok := s.Repo.Entry(b.Dockerfile); ok {
				named = append(named, b.Dockerfile)
			}
		}
	}
	slices.Sort(named)
	for _, p := range named {
		files = append(files, parse(p))
	}
	configured := map[string][]*DockerContext{}
	for i, b := range s.Config.Docker.Build {
		src := "lockguard.toml"
		if s.Config.Path != "" {
			src = s.Config.Path
		}
		o := buildctx.Origin{File: src, Line: s.configBuildLine(i), What: "[[docker.build]]"}
		configured[b.Dockerfile] = addContext(configured[b.Dockerfile], &DockerContext{Dir: b.Context, Origin: src, SetBy: o, targets: []string{""}}, nil)
	}
	ignores := map[string]*dockerfile.Ignore{}
	var mu sync.Mutex
	Parallel(files, func(df *DockerFile) {
		df.Contexts = configured[df.Path]
		if len(df.Contexts) == 0 {
			// A build that names the file beats one whose file name
			// is a pattern (a CI expression that may mean another).
			named := false
			for _, b := range builds {
				named = named || (!b.Pattern && b.Matches(df.Path))
			}
			for _, b := range builds {
				if b.Matches(df.Path) && !(named && b.Pattern) {
					df.Contexts = addContext(df.Contexts, &DockerContext{Dir: b.Context, Origin: b.Origin.String(), SetBy: b.Origin, Artifacts: b.Artifacts}, &b)
				}
			}
		}
		if len(df.Contexts) == 0 {
			df.Contexts = s.guessContexts(df)
		}
		for _, c := range df.Contexts {
			c.File = df.File
			readsConf := bytes.Contains(df.Src, []byte("nix.conf")) || bytes.Contains(df.Src, []byte("extra-conf"))
			if df.File != nil && (len(c.args) > 0 || len(c.unknown) > 0 || readsConf) {
				opts := dockerfile.Options{BuildArgs: c.args, UnknownArgs: c.unknown}
				if readsConf {
					dir := c.Dir
					opts.ReadContext = func(rel string) ([]byte, bool) {
						if r, ok := CtxRel(rel); !ok || r == "." {
							return nil, false
						}
						data, err := s.ReadFile(Join(dir, path.Clean(rel)))
						return data, err == nil
					}
				}
				if f, err := dockerfile.ParseWith(df.Path, df.Src, opts); err == nil {
					c.File = f
				}
			}
			c.IgnorePath = dockerfile.IgnoreFileFor(df.Path, c.Dir, s.Exists)
			c.IgnorePath = strings.TrimPrefix(c.IgnorePath, "/")
			if c.IgnorePath == "" {
				continue
			}
			mu.Lock()
			ig, seen := ignores[c.IgnorePath]
			mu.Unlock()
			if !seen {
				ig = s.parseDockerignore(c.IgnorePath)
				mu.Lock()
				ignores[c.IgnorePath] = ig
				mu.Unlock()
			}
			c.Ignore = ig
		}
	})
	return &DockerModel{Files: files, Builds: builds}
}

// addContext adds a context, merging it with one of the same directory:
// artifacts add up; build args that disagree become unknown.
func addContext(cs []*DockerContext, c *DockerContext, b *buildctx.Build) []*DockerContext {
	if b != nil {
		c.targets = []string{b.Target}
		c.args, c.unknown = map[string]string{}, map[string]bool{}
		for k, v := range b.Args {
			c.args[k] = v
		}
		for k := range b.UnknownArgs {
			c.unknown[k] = true
		}
	}
	for _, o := range cs {
		if o.Dir != c.Dir {
			continue
		}
		o.Artifacts = append(o.Artifacts, c.Artifacts...)
		if o.targets != nil {
			if c.targets == nil {
				o.targets = nil
			} else if !slices.Contains(o.targets, c.targets[0]) {
				o.targets = append(o.targets, c.targets[0])
			}
		}
		for k, v := range c.args {
			if ov, ok := o.args[k]; ok && ov != v {
				delete(o.args, k)
				o.unknown[k] = true
			}
		}
		for k, v := range o.args {
			if cv, ok := c.args[k]; !ok || cv != v {
				delete(o.args, k)
				o.unknown[k] = true
			}
		}
		for k := range c.unknown {
			delete(o.args, k)
			if o.unknown != nil {
				o.unknown[k] = true
			}
		}
		return cs
	}
	return append(cs, c)
}

// configBuildLine is the line of the i-th [[docker.build]] table of the
// configuration file (0 when not found).
func (s *Snapshot) configBuildLine(i int) int {
	if s.Config.Path == "" {
		return 0
	}
	data, err := s.ReadFile(s.Config.Path)
	if err != nil {
		return 0
	}
	n := 0
	for l, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "[[docker.build]]") {
			if n == i {
				return l + 1
			}
			n++
		}
	}
	return 0
}

// scanBuilds finds the places the repository builds Dockerfiles (CI,
// scripts, bake and compose files).
func (s *Snapshot) scanBuilds() []buildctx.Build {
	{
		var tracked, dockerfiles []string
		for _, e := range s.Repo.Entries() {
			if e.Submodule {
				continue
			}
			tracked = append(tracked, e.Path)
			if dockerfile.IsDockerfileName(path.Base(e.Path)) {
				dockerfiles = append(dockerfiles, e.Path)
			}
		}
		in := buildctx.Input{
			Tracked:     tracked,
			Dockerfiles: dockerfiles,
			Read: func(p string) ([]byte, bool) {
				data, err := s.ReadFile(p)
				return data, err == nil
			},
			Scripts: s.buildScripts(),
		}
		builds, problems := buildctx.Scan(in)
		for _, pr := range problems {
			s.AddParseError(ParseError{Path: pr.Path, Line: pr.Line, Column: 1, Msg: pr.Msg})
		}
		return builds
	}
}

// buildScripts reads the shell pieces of scripts, Makefiles and justfiles
// with the scanners LG401 uses; a Makefile's simple variables are
// substituted first, and its recipe lines are grouped by rule.
func (s *Snapshot) buildScripts() []buildctx.Script {
	files := s.ScriptFiles()
	paths := make([]string, 0, len(files))
	for p := range files {
		if strings.HasPrefix(p, ".github/workflows/") || strings.HasPrefix(p, ".gitlab-ci.") {
			continue // read by buildctx with their jobs and steps
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var out []buildctx.Script
	for _, p := range paths {
		src, err := s.ReadFile(p)
		if err != nil {
			continue
		}
		base := path.Base(p)
		isMake := base == "Makefile" || base == "makefile" || base == "GNUmakefile" || strings.HasSuffix(base, ".mk")
		if isMake {
			src = buildctx.SubstMakeVars(src)
		}
		var rules *buildctx.MakeRules
		if isMake {
			rules = buildctx.NewMakeRules(src)
		}
		for _, pc := range files[p].Scan(p, src) {
			sc := buildctx.Script{Path: p, Text: pc.Text, Line: pc.Line, Dirs: pc.Dirs}
			if isMake {
				rule, prereqs := rules.Of(pc.Line)
				sc.Group = rule
				if prereqs != "" {
					sc.Before = "make prerequisites " + prereqs
				}
			}
			out = append(out, sc)
		}
	}
	return out
}

func (s *Snapshot) parseDockerignore(p string) *dockerfile.Ignore {
	data, err := s.ReadFile(p)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			s.AddParseError(tooLarge(p))
		}
		return nil
	}
	ig, err := dockerfile.ParseIgnore(p, data)
	if err != nil {
		line := 1
		var ie *dockerfile.IgnoreError
		msg := err.Error()
		if errors.As(err, &ie) {
			line, msg = max(ie.Line, 1), ie.Msg
		}
		s.AddParseError(ParseError{Path: p, Line: line, Column: 1, Msg: msg})
		return nil
	}
	return ig
}

// repoRel cleans a slash path relative to the repository root; ok is false
// when it leaves the repository.
func repoRel(p string) (string, bool) { return buildctx.Rel(p) }

// guessContexts finds the context of a Dockerfile nothing builds: of its
// directory and the repository root, the one against which every COPY/ADD
// source resolves (exists in the index or on disk; sources that are build
// outputs by name or ignored by git are left out of the test). When none
// or both do, the context is unknown and both candidates are kept.
func (s *Snapshot) guessContexts(df *DockerFile) []*DockerContext {
	cands := []string{DirOf(df.Path)}
	if cands[0] != "" {
		cands = append(cands, "")
	}
	var srcs []string
	if df.File != nil {
		for _, st := range df.File.Stages {
			for _, in := range st.Instrs {
				c := in.Copy
				if c == nil || !c.FromContext() || c.Heredoc {
					continue
				}
				for i, src := range c.Sources {
					rel, ok := CtxRel(src)
					if !ok || rel == "." || HasGlob(rel) || IsRemoteSource(src) || !c.SourceResolved(i) {
						continue
					}
					srcs = append(srcs, rel)
				}
			}
		}
	}
	if len(srcs) == 0 {
		return []*DockerContext{{Dir: cands[0]}}
	}
	var fits []string
	for _, d := range cands {
		all := true
		for _, r := range srcs {
			p := Join(d, r)
			if s.Exists(p) || s.Repo.Status(p).State == repo.StateInSubmodule {
				continue
			}
			if artifactName(p) || s.gitIgnored(p) {
				continue
			}
			all = false
			break
		}
		if all {
			fits = append(fits, d)
		}
	}
	if len(fits) == 1 {
		return []*DockerContext{{Dir: fits[0]}}
	}
	out := make([]*DockerContext, len(cands))
	for i, d := range cands {
		out[i] = &DockerContext{Dir: d, Unknown: true}
	}
	return out
}

// artifactName reports a path under a directory builds write to: target/,
// dist/, bin/, out/, or a nix result link (result, result-*).
func artifactName(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		switch {
		case seg == "target" || seg == "dist" || seg == "bin" || seg == "out":
			return true
		case seg == "result" || strings.HasPrefix(seg, "result-"):
			return true
		}
	}
	return false
}

// gitIgnored reports whether the repository's ignore rules exclude a path
// (as a file or as a directory).
func (s *Snapshot) gitIgnored(p string) bool {
	return s.Repo.Ignored(p, false) != nil || s.Repo.Ignored(p, true) != nil
}
