package checks

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/lockguard/lockguard/internal/dockerfile"
)

// DockerModel is the repository's Dockerfiles with their build contexts.
type DockerModel struct {
	Files []*DockerFile // sorted by path
}

// DockerFile is one tracked Dockerfile.
type DockerFile struct {
	Path string
	// File is the parsed Dockerfile; nil when it could not be read or
	// parsed (the parse error is reported by LG901).
	File *dockerfile.File
	// Src is the file's content as read.
	Src []byte
	// Contexts are the build contexts the Dockerfile is built with: its
	// own directory, unless lockguard.toml ([[docker.build]]) or a compose
	// file names others. Never empty.
	Contexts []*DockerContext
}

// DockerContext is one build context of a Dockerfile.
type DockerContext struct {
	Dir string // repo-relative ("" = the repository root)
	// Origin says where the context comes from, for messages: "" for the
	// Dockerfile's own directory, else "lockguard.toml" or
	// "docker-compose.yml (service web)".
	Origin string
	// IgnorePath is the applicable ignore file (repo-relative), "" when
	// there is none; Ignore is it parsed (nil when absent or invalid).
	IgnorePath string
	Ignore     *dockerfile.Ignore
}

// Display names the context for messages.
func (c *DockerContext) Display() string {
	d := "the build context " + display(c.Dir)
	if c.Origin != "" {
		d += " (from " + c.Origin + ")"
	}
	return d
}

// composeNames are the compose files whose services' build contexts are read.
var composeNames = []string{"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"}

func init() { addLoader(func(s *Snapshot) { s.Docker() }) }

// Docker parses every tracked Dockerfile (in parallel), resolves its build
// contexts and parses the applicable ignore files.
func (s *Snapshot) Docker() *DockerModel {
	s.dockerOnce.Do(func() {
		paths := s.TrackedNamed(func(b string) bool { return dockerfile.IsDockerfileName(b) })
		files := make([]*DockerFile, len(paths))
		parallel(indices(len(paths)), func(i int) {
			p := paths[i]
			df := &DockerFile{Path: p}
			files[i] = df
			data, ok := s.readForParse(p)
			if !ok {
				return
			}
			df.Src = data
			f, err := dockerfile.Parse(p, data)
			if err != nil {
				line := 1
				var pe *dockerfile.ParseError
				msg := err.Error()
				if errors.As(err, &pe) {
					line, msg = max(pe.Line, 1), pe.Msg
				}
				s.AddParseError(ParseError{Path: p, Line: line, Column: 1, Msg: "Dockerfile: " + msg})
				return
			}
			df.File = f
		})
		byPath := map[string]*DockerFile{}
		for _, df := range files {
			byPath[df.Path] = df
		}
		explicit := map[string][]*DockerContext{}
		addCtx := func(dockerfilePath, dir, origin string) {
			if _, ok := byPath[dockerfilePath]; !ok {
				return
			}
			for _, c := range explicit[dockerfilePath] {
				if c.Dir == dir {
					return
				}
			}
			explicit[dockerfilePath] = append(explicit[dockerfilePath], &DockerContext{Dir: dir, Origin: origin})
		}
		for _, b := range s.Config.Docker.Build {
			src := "lockguard.toml"
			if s.Config.Path != "" {
				src = s.Config.Path
			}
			addCtx(b.Dockerfile, b.Context, src)
		}
		for _, cp := range s.TrackedNamed(func(b string) bool { return slices.Contains(composeNames, b) }) {
			for _, b := range s.composeBuilds(cp) {
				addCtx(b.dockerfile, b.context, fmt.Sprintf("%s (service %s)", cp, b.service))
			}
		}
		ignores := map[string]*dockerfile.Ignore{}
		for _, df := range files {
			df.Contexts = explicit[df.Path]
			if len(df.Contexts) == 0 {
				df.Contexts = []*DockerContext{{Dir: dirOf(df.Path)}}
			}
			for _, c := range df.Contexts {
				c.IgnorePath = dockerfile.IgnoreFileFor(df.Path, c.Dir, s.Exists)
				c.IgnorePath = strings.TrimPrefix(c.IgnorePath, "/")
				if c.IgnorePath == "" {
					continue
				}
				ig, seen := ignores[c.IgnorePath]
				if !seen {
					ig = s.parseDockerignore(c.IgnorePath)
					ignores[c.IgnorePath] = ig
				}
				c.Ignore = ig
			}
		}
		s.docker = &DockerModel{Files: files}
	})
	return s.docker
}

func (s *Snapshot) parseDockerignore(p string) *dockerfile.Ignore {
	data, err := s.ReadFile(p)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			s.AddParseError(ParseError{Path: p, Line: 1, Column: 1, Msg: "file is larger than 8 MiB; lockguard does not read it"})
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

type composeBuild struct {
	service    string
	context    string // repo-relative
	dockerfile string // repo-relative
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// composeBuilds reads the services of a compose file that build from a
// local context: `build: dir` or `build: {context: dir, dockerfile: name}`
// (the Dockerfile is relative to the context; both default as in Compose).
// Contexts with variables, remote contexts and paths leaving the
// repository are skipped.
func (s *Snapshot) composeBuilds(p string) []composeBuild {
	data, ok := s.readForParse(p)
	if !ok {
		return nil
	}
	var doc struct {
		Services map[string]any `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		s.AddParseError(ParseError{Path: p, Line: max(line, 1), Column: 1, Msg: "compose file: " + strings.TrimPrefix(err.Error(), "yaml: ")})
		return nil
	}
	base := dirOf(p)
	var out []composeBuild
	for name, svc := range doc.Services {
		m, ok := svc.(map[string]any)
		if !ok {
			continue
		}
		ctx, file := "", "Dockerfile"
		switch b := m["build"].(type) {
		case string:
			ctx = b
		case map[string]any:
			ctx = "."
			if c, ok := b["context"].(string); ok {
				ctx = c
			}
			if d, ok := b["dockerfile"].(string); ok && d != "" {
				file = d
			}
		default:
			continue
		}
		if ctx == "" || strings.Contains(ctx, "$") || strings.Contains(file, "$") || strings.Contains(ctx, "://") ||
			strings.HasPrefix(ctx, "git@") || path.IsAbs(ctx) || path.IsAbs(file) {
			continue
		}
		cdir, ok := repoRel(path.Join(base, ctx))
		if !ok {
			continue
		}
		fpath, ok := repoRel(path.Join(cdir, file))
		if !ok {
			continue
		}
		out = append(out, composeBuild{service: name, context: cdir, dockerfile: fpath})
	}
	slices.SortFunc(out, func(a, b composeBuild) int { return strings.Compare(a.service, b.service) })
	return out
}

// repoRel cleans a slash path relative to the repository root; ok is false
// when it leaves the repository.
func repoRel(p string) (string, bool) {
	p = path.Clean(p)
	switch {
	case p == ".":
		return "", true
	case p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p):
		return "", false
	}
	return p, true
}
