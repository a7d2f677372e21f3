// Package config reads lockguard.toml.
//
// The file is `lockguard.toml` or `.lockguard.toml` at the repository root,
// or the file named by --config. It is decoded strictly: an unknown key is an
// error that names the key and its line.
//
//	select = ["LG1", "LG2"]        # rule IDs, ID prefixes, names, or "ALL"
//	ignore = ["LG902"]             # the same selectors, removed from select
//	fail-on = "warning"            # error | warning | never
//
//	[cargo]
//	require-lock = "consumed"      # consumed | all-roots | binaries
//
//	[fix]
//	stage = true                   # stage generated files with git add
//
//	[hook]
//	fix = false                    # the native hook runs `fix --staged --stage` first
//
//	[[docker.build]]
//	dockerfile = "docker/app.Dockerfile"
//	context = "."
//
// Per-path ignores use an array of tables under the same key. TOML forbids
// `ignore = [...]` and `[[ignore]]` in one file, so a table without `paths`
// ignores its rules everywhere:
//
//	[[ignore]]
//	paths = ["vendor/**"]
//	rules = ["LG101"]
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// Names are the file names looked up at the repository root, in order.
var Names = []string{"lockguard.toml", ".lockguard.toml"}

// Config is the decoded configuration with defaults applied.
type Config struct {
	// Path is the file the configuration came from ("" for defaults). It is
	// repo-relative when found at the root, else as given on the command line.
	Path string

	Select      []string // empty: all rules
	Ignore      []string
	PathIgnores []PathIgnore
	FailOn      string // "error", "warning" or "never"

	Cargo  Cargo
	Fix    Fix
	Hook   Hook
	Docker Docker

	// lines maps a top-level key ("select", "ignore", "fail-on", …) to the
	// line it is written on, for error messages about its value.
	lines map[string]int
}

// PathIgnore ignores Rules in files matching Paths.
type PathIgnore struct {
	Paths []string
	Rules []string
	Line  int
}

type Cargo struct {
	// RequireLock decides which Cargo roots LG101 requires a lock of:
	// "consumed" (default: roots a flake, Dockerfile, script, Makefile,
	// justfile or CI job builds, since only there does a missing lock
	// break something), "all-roots" (every root, Cargo's convention; "all"
	// is an alias) or "binaries" (every root with a binary target). A root
	// something builds is always required.
	RequireLock string
}

type Fix struct {
	Stage bool
}

type Hook struct {
	Fix bool
}

type Docker struct {
	Build []DockerBuild
}

// DockerBuild names the context of a Dockerfile whose context is not its own
// directory.
type DockerBuild struct {
	Dockerfile string
	Context    string
}

// Default is the configuration used when there is no file.
func Default() *Config {
	return &Config{FailOn: "warning", Cargo: Cargo{RequireLock: "consumed"}, Fix: Fix{Stage: true}}
}

// Error is a configuration error with a position. Its message reads
// "lockguard.toml:3:1: unknown key "foo"".
type Error struct {
	Path   string
	Line   int
	Column int
	Msg    string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// Line returns the line of a top-level key, or 0.
func (c *Config) Line(key string) int { return c.lines[key] }

// Errorf makes an Error about the value of a top-level key.
func (c *Config) Errorf(key, format string, args ...any) *Error {
	return &Error{Path: c.Path, Line: c.lines[key], Msg: fmt.Sprintf(format, args...)}
}

// Find loads the configuration: the file named explicitly (if not ""), or the
// first of Names at root. No file yields Default().
func Find(root, explicit string) (*Config, error) {
	if explicit != "" {
		data, err := os.ReadFile(explicit)
		if err != nil {
			return nil, &Error{Path: explicit, Msg: "cannot read config: " + errText(err)}
		}
		return Parse(explicit, data)
	}
	for _, n := range Names {
		data, err := readInRepo(root, n)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, &Error{Path: n, Msg: "cannot read config: " + errText(err)}
		}
		return Parse(n, data)
	}
	return Default(), nil
}

// MaxSize is the largest configuration file lockguard reads.
const MaxSize = 1 << 20

// readInRepo reads the file name of the repository root like every other
// file of the repository: a regular file, through symbolic links only
// while they stay inside root, at most MaxSize bytes. Errors never name
// or quote anything outside the repository.
func readInRepo(root, name string) ([]byte, error) {
	p := filepath.Join(root, name)
	if _, err := os.Lstat(p); err != nil {
		return nil, err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, errors.New("a symbolic link that leads nowhere")
	}
	if !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		return nil, errors.New("a symbolic link that leaves the repository; lockguard does not follow it")
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file") // a FIFO would block
	}
	if fi.Size() > MaxSize {
		return nil, fmt.Errorf("larger than %d bytes; lockguard does not read it", MaxSize)
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err == nil && len(data) > MaxSize {
		err = fmt.Errorf("larger than %d bytes; lockguard does not read it", MaxSize)
	}
	return data, err
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

type rawConfig struct {
	Select []string `toml:"select"`
	Ignore any      `toml:"ignore"`
	FailOn *string  `toml:"fail-on"`
	Cargo  *struct {
		RequireLock *string `toml:"require-lock"`
	} `toml:"cargo"`
	Fix *struct {
		Stage *bool `toml:"stage"`
	} `toml:"fix"`
	Hook *struct {
		Fix *bool `toml:"fix"`
	} `toml:"hook"`
	Docker *struct {
		Build []struct {
			Dockerfile string `toml:"dockerfile"`
			Context    string `toml:"context"`
		} `toml:"build"`
	} `toml:"docker"`
}

// Parse decodes a configuration file. name is used in error messages.
func Parse(name string, data []byte) (*Config, error) {
	var raw rawConfig
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, decodeError(name, data, err)
	}
	c := Default()
	c.Path = name
	c.lines = topLevelLines(data)
	c.Select = raw.Select
	if raw.FailOn != nil {
		c.FailOn = *raw.FailOn
		if !slices.Contains([]string{"error", "warning", "never"}, c.FailOn) {
			return nil, c.Errorf("fail-on", "fail-on must be \"error\", \"warning\" or \"never\", not %q", c.FailOn)
		}
	}
	if raw.Cargo != nil && raw.Cargo.RequireLock != nil {
		c.Cargo.RequireLock = *raw.Cargo.RequireLock
		if c.Cargo.RequireLock == "all" {
			c.Cargo.RequireLock = "all-roots"
		}
		if !slices.Contains([]string{"consumed", "all-roots", "binaries"}, c.Cargo.RequireLock) {
			return nil, &Error{Path: name, Line: keyLine(data, "cargo", "require-lock"),
				Msg: fmt.Sprintf("cargo.require-lock must be \"consumed\", \"all-roots\" or \"binaries\", not %q", c.Cargo.RequireLock)}
		}
	}
	if raw.Fix != nil && raw.Fix.Stage != nil {
		c.Fix.Stage = *raw.Fix.Stage
	}
	if raw.Hook != nil && raw.Hook.Fix != nil {
		c.Hook.Fix = *raw.Hook.Fix
	}
	if raw.Docker != nil {
		for i, b := range raw.Docker.Build {
			if b.Dockerfile == "" {
				return nil, &Error{Path: name, Line: nthTableLine(data, "docker.build", i),
					Msg: "[[docker.build]] needs dockerfile = \"path/to/Dockerfile\""}
			}
			c.Docker.Build = append(c.Docker.Build, DockerBuild{Dockerfile: cleanRel(b.Dockerfile), Context: cleanRel(b.Context)})
		}
	}
	if err := c.decodeIgnore(name, data, raw.Ignore); err != nil {
		return nil, err
	}
	for _, pi := range c.PathIgnores {
		for _, p := range pi.Paths {
			if _, err := path.Match(strings.ReplaceAll(p, "**", "*"), ""); err != nil {
				return nil, &Error{Path: name, Line: pi.Line, Msg: fmt.Sprintf("bad path pattern %q: %v", p, err)}
			}
		}
	}
	return c, nil
}

func cleanRel(p string) string {
	if p == "" {
		return ""
	}
	p = path.Clean(filepath.ToSlash(p))
	p = strings.TrimPrefix(p, "./")
	if p == "." {
		return ""
	}
	return p
}

// decodeIgnore accepts `ignore = ["LG1", …]`, `[[ignore]]` tables with
// `paths` and `rules`, or a mixed inline array of both.
func (c *Config) decodeIgnore(name string, data []byte, v any) error {
	if v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		return c.Errorf("ignore", "ignore must be a list of rules, or [[ignore]] tables with paths and rules")
	}
	table := 0
	for _, it := range items {
		switch it := it.(type) {
		case string:
			c.Ignore = append(c.Ignore, it)
		case map[string]any:
			line := nthTableLine(data, "ignore", table)
			if line == 0 {
				line = c.lines["ignore"]
			}
			table++
			pi := PathIgnore{Line: line}
			for k, val := range it {
				list, err := stringList(val)
				switch {
				case k != "paths" && k != "rules":
					return &Error{Path: name, Line: lineOfKeyAfter(data, line, k), Msg: fmt.Sprintf("unknown key %q in [[ignore]] (expected paths and rules)", k)}
				case err != nil:
					return &Error{Path: name, Line: lineOfKeyAfter(data, line, k), Msg: fmt.Sprintf("ignore.%s must be a list of strings", k)}
				case k == "paths":
					pi.Paths = list
				default:
					pi.Rules = list
				}
			}
			if len(pi.Rules) == 0 {
				return &Error{Path: name, Line: line, Msg: "[[ignore]] needs rules = [\"LG…\"]"}
			}
			if len(pi.Paths) == 0 {
				c.Ignore = append(c.Ignore, pi.Rules...)
				continue
			}
			c.PathIgnores = append(c.PathIgnores, pi)
		default:
			return c.Errorf("ignore", "ignore entries must be rule names or tables, not %T", it)
		}
	}
	return nil
}

func stringList(v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, errors.New("not a list")
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, errors.New("not a string")
		}
		out = append(out, s)
	}
	return out, nil
}

func decodeError(name string, data []byte, err error) error {
	var sm *toml.StrictMissingError
	if errors.As(err, &sm) && len(sm.Errors) > 0 {
		e := sm.Errors[0]
		line, col := e.Position()
		return &Error{Path: name, Line: line, Column: col, Msg: fmt.Sprintf("unknown key %q", strings.Join(e.Key(), "."))}
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if k := de.Key(); len(k) > 0 {
			msg = fmt.Sprintf("%s: %s", strings.Join(k, "."), msg)
			// go-toml names Go types and struct fields; say it in TOML's terms.
			if m := typeErrRE.FindStringSubmatch(de.Error()); m != nil {
				want, ok := tomlTypes[m[2]]
				switch {
				case strings.Join(k, ".") == "select":
					want = tomlTypes["[]string"] // also for an element of the wrong type
				case ok:
				case strings.HasPrefix(m[2], "[]struct"):
					want = "an array of tables ([[" + strings.Join(k, ".") + "]])"
				case strings.HasPrefix(m[2], "struct"), strings.HasPrefix(m[2], "*struct"):
					want = "a table ([" + strings.Join(k, ".") + "])"
				default:
					want = "a " + m[2]
				}
				got := "a " + m[1]
				if strings.IndexByte("aeiou", m[1][0]) >= 0 {
					got = "an " + m[1]
				}
				msg = fmt.Sprintf("%s must be %s, not %s", strings.Join(k, "."), want, got)
			}
		}
		return &Error{Path: name, Line: line, Column: col, Msg: msg}
	}
	return &Error{Path: name, Msg: err.Error()}
}

// typeErrRE matches go-toml's "cannot decode TOML string into struct field
// config.rawConfig.Select of type []string".
var typeErrRE = regexp.MustCompile(`cannot decode TOML (\w+) into .* of type (.+)$`)

// tomlTypes names the Go types of rawConfig's fields as a TOML user knows them.
var tomlTypes = map[string]string{
	"[]string": "an array of strings",
	"string":   "a string",
	"bool":     "true or false",
	"*string":  "a string",
	"*bool":    "true or false",
}

var (
	headerRE = regexp.MustCompile(`^\s*\[\[?\s*([A-Za-z0-9_.\-"' ]+?)\s*\]\]?`)
	keyRE    = regexp.MustCompile(`^\s*"?([A-Za-z0-9_\-]+)"?\s*=`)
)

// topLevelLines finds the line of each key written before the first table header.
func topLevelLines(data []byte) map[string]int {
	m := map[string]int{}
	for i, l := range strings.Split(string(data), "\n") {
		if headerRE.MatchString(l) {
			if h := headerRE.FindStringSubmatch(l)[1]; h == "ignore" {
				if _, ok := m["ignore"]; !ok {
					m["ignore"] = i + 1
				}
			}
			continue
		}
		if k := keyRE.FindStringSubmatch(l); k != nil {
			if _, ok := m[k[1]]; !ok {
				m[k[1]] = i + 1
			}
		}
	}
	return m
}

// keyLine finds `key =` inside table [table]; 0 when not found.
func keyLine(data []byte, table, key string) int {
	return lineOfKeyAfter(data, nthTableLine(data, table, 0), key)
}

// nthTableLine returns the line of the n-th (0-based) [table] or [[table]] header.
func nthTableLine(data []byte, table string, n int) int {
	seen := 0
	for i, l := range strings.Split(string(data), "\n") {
		if h := headerRE.FindStringSubmatch(l); h != nil && strings.ReplaceAll(h[1], " ", "") == table {
			if seen == n {
				return i + 1
			}
			seen++
		}
	}
	return 0
}

// lineOfKeyAfter finds `key =` after line `from` (1-based) and before the next header.
func lineOfKeyAfter(data []byte, from int, key string) int {
	lines := strings.Split(string(data), "\n")
	for i := from; i < len(lines); i++ {
		if i >= from && from > 0 && headerRE.MatchString(lines[i]) {
			break
		}
		if k := keyRE.FindStringSubmatch(lines[i]); k != nil && k[1] == key {
			return i + 1
		}
	}
	return from
}

// MatchPath reports whether a repo-relative slash path matches a pattern.
// Patterns are globs over whole paths: `*` and `?` stay within a segment,
// `**` spans any number of segments, and a pattern that matches a directory
// matches everything below it.
func MatchPath(pattern, p string) bool {
	pattern = strings.TrimPrefix(strings.TrimSuffix(cleanRel(pattern), "/"), "/")
	if pattern == "" {
		return false
	}
	ps := strings.Split(pattern, "/")
	segs := strings.Split(p, "/")
	// A match of the pattern against any leading run of segments covers the rest.
	for n := len(segs); n >= 1; n-- {
		if matchSegs(ps, segs[:n]) {
			return true
		}
	}
	return false
}

func matchSegs(ps, segs []string) bool {
	for len(ps) > 0 {
		if ps[0] == "**" {
			rest := ps[1:]
			for i := 0; i <= len(segs); i++ {
				if matchSegs(rest, segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, err := path.Match(ps[0], segs[0]); err != nil || !ok {
			return false
		}
		ps, segs = ps[1:], segs[1:]
	}
	return len(segs) == 0
}
