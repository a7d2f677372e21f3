package dockerfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// ParseError is a Dockerfile that BuildKit's front end rejects (or that made
// it panic). Line is 1-based and always ≥ 1.
type ParseError struct {
	Path string
	Line int
	Msg  string
	// NoInstructions: the file holds only blank lines and comments
	// (BuildKit: "file with no instructions").
	NoInstructions bool
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
}

// File is a parsed Dockerfile.
type File struct {
	Path     string
	Stages   []*Stage
	MetaArgs []Arg // ARGs before the first FROM, defaults expanded
	Escape   rune  // '\\' or '`' (the escape directive)
	// Lines are the raw source lines (without line terminators), for
	// computing columns; Lines[0] is line 1.
	Lines []string
	// Warnings are BuildKit parser warnings (e.g. empty continuation lines).
	Warnings []Warning
}

// Warning is a BuildKit parser warning.
type Warning struct {
	Line int
	Msg  string
}

// Arg is one ARG declaration.
type Arg struct {
	Key      string
	Value    string // default, expanded; "" when HasValue is false
	HasValue bool
	Line     int
}

// KeyValue is one ENV pair (value expanded).
type KeyValue struct {
	Key, Value string
}

// Stage is one FROM … block.
type Stage struct {
	Index       int
	Name        string // "AS name" as written ("" when unnamed)
	BaseName    string // FROM image/stage, ARG-expanded with the meta ARGs
	RawBaseName string // as written
	FromStage   *Stage // the earlier stage BaseName names, if any
	Platform    string // --platform, expanded
	Line        int    // line of FROM
	Instrs      []*Instr
	File        *File

	// flakes[i] reports whether flakes are enabled before Instrs[i]
	// runs; flakes[len(Instrs)] is the state at the end of the stage.
	flakes []bool
	final  state
}

// Instr is one instruction of a stage.
type Instr struct {
	Kind      string // upper-case instruction name: RUN, COPY, ADD, WORKDIR, ENV, ARG, SHELL, …
	Index     int    // position in Stage.Instrs
	StartLine int
	EndLine   int // inclusive, heredoc bodies included
	// Workdir is the absolute working directory the instruction runs with
	// (for WORKDIR, the new directory). Starts at "/" in a stage built from
	// an image, and is inherited through FROM <stage>.
	Workdir  string
	Original string // BuildKit's one-line rendering (no heredoc bodies)
	Stage    *Stage

	Copy  *Copy      // COPY and ADD
	Run   *Run       // RUN
	Env   []KeyValue // ENV
	Args  []Arg      // ARG
	Shell []string   // SHELL (also: RUN's current shell is in Run.Shell)

	// Cmd is BuildKit's parsed instruction (already expanded where
	// BuildKit would expand it).
	Cmd instructions.Command
}

// state is what flows through a stage.
type state struct {
	workdir   string
	env       *envMap // ENV
	args      *envMap // ARGs in scope (with values)
	shell     []string
	confFlake bool // a nix.conf with both features was written
	// files maps image paths to the context files a COPY put there
	// (context-relative), for nix configuration copied in.
	files map[string]string
}

func (s state) clone() state {
	files := make(map[string]string, len(s.files))
	for k, v := range s.files {
		files[k] = v
	}
	s.files = files
	s.env = s.env.clone()
	s.args = s.args.clone()
	s.shell = append([]string(nil), s.shell...)
	return s
}

// envMap is an ordered string map implementing shell.EnvGetter.
type envMap struct {
	keys []string
	m    map[string]string
}

func newEnvMap() *envMap { return &envMap{m: map[string]string{}} }

func (e *envMap) Get(k string) (string, bool) {
	if e == nil {
		return "", false
	}
	v, ok := e.m[k]
	return v, ok
}

func (e *envMap) Keys() []string {
	if e == nil {
		return nil
	}
	return e.keys
}

func (e *envMap) set(k, v string) {
	if _, ok := e.m[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.m[k] = v
}

func (e *envMap) clone() *envMap {
	n := &envMap{keys: append([]string(nil), e.keys...), m: make(map[string]string, len(e.m))}
	for k, v := range e.m {
		n.m[k] = v
	}
	return n
}

// scopeEnv is what BuildKit expands words with: ENV overrides ARG.
type scopeEnv struct{ st *state }

func (s scopeEnv) Get(k string) (string, bool) {
	if v, ok := s.st.env.Get(k); ok {
		return v, true
	}
	return s.st.args.Get(k)
}

func (s scopeEnv) Keys() []string {
	keys := append([]string(nil), s.st.env.Keys()...)
	for _, k := range s.st.args.Keys() {
		if _, ok := s.st.env.Get(k); !ok {
			keys = append(keys, k)
		}
	}
	return keys
}

var defaultShell = []string{"/bin/sh", "-c"}

// Options are what a build supplies to a Dockerfile.
type Options struct {
	// BuildArgs are --build-arg values (CI build-args, bake or compose
	// args) that are known: they set an ARG's value, overriding its
	// default.
	BuildArgs map[string]string
	// UnknownArgs are build args given with a value lockguard cannot know
	// (an environment variable, a CI expression): an ARG named here has
	// no known value, even when it has a default.
	UnknownArgs map[string]bool
	// ReadContext reads a file of the build context (context-relative),
	// for the nix configuration files a Dockerfile copies in; nil when the
	// context is not known.
	ReadContext func(rel string) ([]byte, bool)
}

// AutomaticArgs are the ARGs BuildKit sets itself from the build's
// platforms: their value is never known to lockguard.
var AutomaticArgs = map[string]bool{
	"TARGETPLATFORM": true, "TARGETOS": true, "TARGETARCH": true, "TARGETVARIANT": true,
	"BUILDPLATFORM": true, "BUILDOS": true, "BUILDARCH": true, "BUILDVARIANT": true,
}

// Parse parses a Dockerfile. It never panics: every failure, including a
// panic inside BuildKit, becomes a *ParseError.
func Parse(path string, src []byte) (f *File, err error) { return ParseWith(path, src, Options{}) }

// ParseWith parses a Dockerfile as a build with opts sees it.
func ParseWith(path string, src []byte, opts Options) (f *File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, &ParseError{Path: path, Line: 1, Msg: fmt.Sprintf("internal error parsing Dockerfile: %v", r)}
		}
	}()
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		pe := toParseError(path, src, err)
		pe.NoInstructions = noInstructions(src)
		return nil, pe
	}
	stages, metaArgs, err := instructions.Parse(res.AST, linter.New(&linter.Config{}))
	if err != nil {
		return nil, toParseError(path, src, err)
	}
	f = &File{Path: path, Escape: res.EscapeToken, Lines: splitLines(src)}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil {
			line = w.Location.Start.Line
		}
		f.Warnings = append(f.Warnings, Warning{Line: line, Msg: w.Short})
	}
	b := &builder{f: f, lex: shell.NewLex(res.EscapeToken), meta: newEnvMap(), opts: opts}
	b.metaArgs(metaArgs)
	for i := range stages {
		b.stage(i, &stages[i])
	}
	return f, nil
}

// noInstructions reports whether src holds only blank lines and comments
// (parser directives included).
func noInstructions(src []byte) bool {
	for _, l := range bytes.Split(src, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 && l[0] != '#' {
			return false
		}
	}
	return true
}

func toParseError(path string, src []byte, err error) *ParseError {
	pe := &ParseError{Path: path, Line: 1, Msg: err.Error()}
	var ui *instructions.UnknownInstructionError
	var le *parser.LocationError
	switch {
	case errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0:
		pe.Line = le.Locations[0][0].Start.Line
		pe.Msg = le.Unwrap().Error()
	case errors.As(err, &ui):
		pe.Line = ui.Line
	}
	if errors.As(err, &ui) {
		pe.Msg = ui.Error()
		if u := errors.Unwrap(err); u != nil && strings.Contains(u.Error(), "did you mean") {
			pe.Msg = u.Error()
		}
	}
	if strings.Contains(pe.Msg, "max allowed size") {
		pe.Line = longLine(src)
	}
	pe.Msg = strings.TrimPrefix(pe.Msg, fmt.Sprintf("dockerfile parse error on line %d: ", pe.Line))
	if pe.Line < 1 {
		pe.Line = 1
	}
	return pe
}

// longLine is the first line longer than BuildKit's scanner allows.
func longLine(src []byte) int {
	for i, l := range bytes.Split(src, []byte("\n")) {
		if len(l) >= bufio.MaxScanTokenSize {
			return i + 1
		}
	}
	return 1
}

func splitLines(src []byte) []string {
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

type builder struct {
	f    *File
	lex  *shell.Lex
	meta *envMap // meta ARGs with values
	opts Options
}

// argValue is the value an ARG gets in the build: a known build arg wins
// over the default; an unknown build arg or an automatic platform ARG
// leaves it without a known value.
func (b *builder) argValue(key string, def *string, env shell.EnvGetter) (string, bool) {
	if v, ok := b.opts.BuildArgs[key]; ok {
		return v, true
	}
	if b.opts.UnknownArgs[key] || AutomaticArgs[key] {
		return "", false
	}
	if def != nil {
		return b.expand(*def, env), true
	}
	return "", false
}

func (b *builder) expand(word string, env shell.EnvGetter) string {
	if word == "" {
		return ""
	}
	out, _, err := b.lex.ProcessWord(word, env)
	if err != nil {
		return word
	}
	return out
}

// unresolved lists, per source word, the variables it uses that have no
// known value (an ARG without default nor known build arg, an automatic
// platform ARG, an undeclared variable); nil when every word resolves.
func (b *builder) unresolved(words []string, env shell.EnvGetter) [][]string {
	var out [][]string
	for i, w := range words {
		if !strings.ContainsAny(w, "$") {
			continue
		}
		res, err := b.lex.ProcessWordWithMatches(w, env)
		var names []string
		for k := range res.Unmatched {
			names = append(names, k)
		}
		if err != nil && len(names) == 0 {
			names = append(names, "?")
		}
		if len(names) == 0 {
			continue
		}
		sort.Strings(names)
		if out == nil {
			out = make([][]string, len(words))
		}
		out[i] = names
	}
	return out
}

func (b *builder) metaArgs(args []instructions.ArgCommand) {
	for i := range args {
		line := lineOf(args[i].Location())
		for _, kv := range args[i].Args {
			a := Arg{Key: kv.Key, Line: line}
			if kv.Value != nil {
				a.Value, a.HasValue = b.expand(*kv.Value, b.meta), true
			}
			if v, ok := b.argValue(kv.Key, kv.Value, b.meta); ok {
				b.meta.set(a.Key, v)
			}
			b.f.MetaArgs = append(b.f.MetaArgs, a)
		}
	}
}

func lineOf(r []parser.Range) int {
	if len(r) == 0 {
		return 1
	}
	return r[0].Start.Line
}

func endLineOf(r []parser.Range) int {
	if len(r) == 0 {
		return 1
	}
	return r[len(r)-1].End.Line
}

func (b *builder) stage(i int, bs *instructions.Stage) {
	st := &Stage{
		Index:       i,
		Name:        bs.Name,
		RawBaseName: bs.BaseName,
		BaseName:    b.expand(bs.BaseName, b.meta),
		Platform:    b.expand(bs.Platform, b.meta),
		Line:        lineOf(bs.Location),
		File:        b.f,
	}
	s := state{workdir: "/", env: newEnvMap(), args: newEnvMap(), shell: defaultShell, files: map[string]string{}}
	s.confFlake = FlakesImage(st.BaseName)
	if from := b.f.stageNamed(st.BaseName, i); from != nil {
		st.FromStage = from
		s = from.final.clone()
		s.args = newEnvMap() // ARG scope ends with the stage
	}
	st.flakes = append(st.flakes, s.flakesEnabled())
	b.f.Stages = append(b.f.Stages, st)
	for _, cmd := range bs.Commands {
		in := &Instr{
			Kind:      strings.ToUpper(cmd.Name()),
			Index:     len(st.Instrs),
			StartLine: lineOf(cmd.Location()),
			EndLine:   endLineOf(cmd.Location()),
			Stage:     st,
			Cmd:       cmd,
		}
		if s, ok := cmd.(fmt.Stringer); ok {
			in.Original = s.String()
		}
		b.instr(st, in, &s)
		st.Instrs = append(st.Instrs, in)
		st.flakes = append(st.flakes, s.flakesEnabled())
	}
	st.final = s
}

// stageNamed finds a stage before index limit whose name is name
// (case-insensitive, as BuildKit).
func (f *File) stageNamed(name string, limit int) *Stage {
	if name == "" {
		return nil
	}
	for j := 0; j < limit && j < len(f.Stages); j++ {
		if f.Stages[j].Name != "" && strings.EqualFold(f.Stages[j].Name, name) {
			return f.Stages[j]
		}
	}
	return nil
}

// Stage returns the stage called name or with index name ("0", "1", …)
// among the stages before limit; nil when there is none.
func (f *File) stageRef(name string, limit int) *Stage {
	if s := f.stageNamed(name, limit); s != nil {
		return s
	}
	n := 0
	for _, c := range name {
		if c < '0' || c > '9' || n > 1<<20 {
			return nil
		}
		n = n*10 + int(c-'0')
	}
	if name != "" && n < limit && n < len(f.Stages) {
		return f.Stages[n]
	}
	return nil
}

func (b *builder) instr(st *Stage, in *Instr, s *state) {
	env := scopeEnv{s}
	expander := func(w string) (string, error) { return b.expand(w, env), nil }
	in.Workdir = s.workdir
	switch c := in.Cmd.(type) {
	case *instructions.WorkdirCommand:
		_ = c.Expand(expander)
		s.workdir = resolve(s.workdir, c.Path)
		in.Workdir = s.workdir
	case *instructions.EnvCommand:
		_ = c.Expand(expander)
		for _, kv := range c.Env {
			s.env.set(kv.Key, kv.Value)
			in.Env = append(in.Env, KeyValue{kv.Key, kv.Value})
		}
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			a := Arg{Key: kv.Key, Line: in.StartLine}
			if kv.Value != nil {
				a.Value, a.HasValue = b.expand(*kv.Value, env), true
			} else if v, ok := b.meta.Get(kv.Key); ok {
				a.Value, a.HasValue = v, true
			}
			v, known := b.argValue(kv.Key, kv.Value, env)
			if !known && kv.Value == nil {
				v, known = b.meta.Get(kv.Key)
			}
			if known {
				s.args.set(a.Key, v)
			}
			in.Args = append(in.Args, a)
		}
	case *instructions.ShellCommand:
		s.shell = append([]string(nil), c.Shell...)
		in.Shell = s.shell
	case *instructions.CopyCommand:
		unresolved := b.unresolved(c.SourcePaths, env)
		_ = c.Expand(expander)
		in.Copy = copyOf(c.SourcesAndDest, s.workdir)
		in.Copy.Unresolved = unresolved
		cp := in.Copy
		cp.From = c.From
		defer b.copied(cp, s)
		if c.From != "" {
			cp.From = b.expand(c.From, env)
			cp.FromStage = b.f.stageRef(cp.From, st.Index)
		}
		cp.Excludes = c.ExcludePatterns
		cp.Parents, cp.Link, cp.Chmod, cp.Chown = c.Parents, c.Link, c.Chmod, c.Chown
	case *instructions.AddCommand:
		unresolved := b.unresolved(c.SourcePaths, env)
		_ = c.Expand(expander)
		in.Copy = copyOf(c.SourcesAndDest, s.workdir)
		in.Copy.Unresolved = unresolved
		cp := in.Copy
		cp.Add = true
		cp.Excludes = c.ExcludePatterns
		cp.Link, cp.Chmod, cp.Chown = c.Link, c.Chmod, c.Chown
	case *instructions.RunCommand:
		in.Run = b.run(in, c, s, expander)
		if w, ok := nixConfWrite(in.Run.Commands); ok {
			s.confFlake = w
		}
		if b.installerEnables(in.Run.Commands, s) {
			s.confFlake = true
		}
	default:
		if ex, ok := in.Cmd.(instructions.SupportsSingleWordExpansion); ok {
			_ = ex.Expand(expander)
		}
	}
}

// resolve joins p onto dir as BuildKit's NormalizePath does (no trailing
// slash kept). An unknown dir ("") stays unknown for relative p.
func resolve(dir, p string) string {
	if p == "" {
		return dir
	}
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	if dir == "" {
		return ""
	}
	return path.Join(dir, p)
}

// resolveKeepSlash is resolve that keeps a trailing "/" (or "/.") of p, as
// BuildKit does for COPY destinations.
func resolveKeepSlash(dir, p string) string {
	if p == "" || p == "." {
		p = "./"
	}
	r := resolve(dir, p)
	if r == "" {
		return ""
	}
	if (strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.")) && !strings.HasSuffix(r, "/") {
		r += "/"
	}
	return r
}

// Reachable returns the stages a build of target needs ("" = the last
// stage): the target, the stages it is built FROM, and the stages its
// COPY --from and RUN --mount from= name, transitively. BuildKit builds
// only these. An unknown target gives nil.
func (f *File) Reachable(target string) map[*Stage]bool {
	if len(f.Stages) == 0 {
		return nil
	}
	start := f.Stages[len(f.Stages)-1]
	if target != "" {
		start = f.stageNamed(target, len(f.Stages))
		if start == nil {
			return nil
		}
	}
	out := map[*Stage]bool{}
	var visit func(st *Stage)
	visit = func(st *Stage) {
		if st == nil || out[st] {
			return
		}
		out[st] = true
		visit(st.FromStage)
		for _, in := range st.Instrs {
			if in.Copy != nil && in.Copy.From != "" {
				visit(f.stageRef(in.Copy.From, st.Index))
			}
			if in.Run != nil {
				for _, m := range in.Run.Mounts {
					if m.From != "" {
						visit(f.stageRef(m.From, st.Index))
					}
				}
			}
		}
	}
	visit(start)
	return out
}
