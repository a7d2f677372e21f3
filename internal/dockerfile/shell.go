package dockerfile

import (
	"fmt"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Command is one simple command found in a RUN script.
type Command struct {
	// Args are the words after word splitting of literals: a quoted or
	// escaped literal is unquoted; a word with expansions ($VAR, $(…), ~)
	// is "" with Dynamic[i] set.
	Args    []string
	Dynamic []bool
	Raw     []string // source text of each word, quotes kept
	// Dir is the absolute directory the command ran in ("" = unknown).
	Dir  string
	Line int // Dockerfile line
	// InNixDevelop: the command runs inside `nix develop … --command`,
	// `nix shell … --command` or `nix-shell --run/--command`.
	InNixDevelop bool
	// FlakesEnv: NIX_CONFIG enabling nix-command and flakes is in the
	// command's environment (ENV/ARG, export or a prefix assignment).
	FlakesEnv bool
	Index     int // order within the RUN (0-based)
	// Redirects are files written with >, >>, >|, &>, &>> and Tee the files
	// given to tee, as absolute paths (unresolvable ones are only in Writes).
	Redirects []string
	Tee       []string
	Writes    []Write
	// Stdin is the literal text of a here-document or here-string fed to
	// the command (raw source text when it has expansions).
	Stdin string
	// Pipeline groups the commands of one pipeline (same non-zero id).
	Pipeline int
}

// Write is a file written by redirection or tee.
type Write struct {
	Path   string // absolute path; "" when not resolvable
	Raw    string // as written, e.g. "$HOME/.config/nix/nix.conf"
	Append bool   // >> or tee -a
	Tee    bool
}

// Arg returns argument i, or "" when out of range.
func (c *Command) Arg(i int) string {
	if i < 0 || i >= len(c.Args) {
		return ""
	}
	return c.Args[i]
}

// Name is the base name of the command (after stripping wrappers such as
// sudo and env), e.g. "cargo".
func (c *Command) Name() string {
	w := stripWrappers(c.Args)
	if len(w) == 0 {
		return ""
	}
	return path.Base(w[0])
}

const (
	maxDepth    = 6
	maxCommands = 20000
)

type analyzer struct {
	cmds     []Command
	lines    *lineMap
	baseLine int
	env      runEnv
	pipes    int
	err      string
	parser   *syntax.Parser
	// shadow holds variables the script assigns; shadowAll is set when
	// it sources or evals code (then nothing is substituted).
	shadow    map[string]bool
	shadowAll bool
}

func newAnalyzer(line int, env runEnv) *analyzer {
	return &analyzer{baseLine: line, env: env}
}

// shState is the shell state that flows through a script.
type shState struct {
	dir        string // "" = unknown
	dirStack   []string
	nixDevelop bool
	flakesEnv  bool
}

func (s shState) clone() shState {
	s.dirStack = append([]string(nil), s.dirStack...)
	return s
}

// scriptCtx is one (possibly nested) script being walked.
type scriptCtx struct {
	src   string
	depth int
	// line maps a position in src to a Dockerfile line.
	line func(p syntax.Pos) int
}

func (a *analyzer) flakesFromEnv() bool {
	v, ok := a.env.get("NIX_CONFIG")
	return ok && configEnablesFlakes(v)
}

// script analyses a top-level RUN script.
func (a *analyzer) script(src, dir string) {
	st := shState{dir: dir, flakesEnv: a.flakesFromEnv()}
	ctx := &scriptCtx{src: src, line: func(p syntax.Pos) int {
		if a.lines != nil {
			return a.lines.at(int(p.Offset()))
		}
		return a.baseLine + int(p.Line()) - 1
	}}
	if err := a.parseAndWalk(ctx, &st); err != nil {
		a.err = err.Error()
		a.cmds = nil
	}
}

// exec analyses an exec-form RUN: the argv is one command.
func (a *analyzer) exec(argv []string, dir string) {
	st := shState{dir: dir, flakesEnv: a.flakesFromEnv()}
	cmd := Command{Args: argv, Dynamic: make([]bool, len(argv)), Raw: argv, Line: a.baseLine}
	a.emit(&cmd, &st, &scriptCtx{line: func(syntax.Pos) int { return a.baseLine }}, a.baseLine)
}

// maxNesting bounds how deeply a script nests parentheses, braces and
// compound commands: the shell parser recurses per level, and a few
// hundred thousand levels ($($($(…)))) overflowed the Go stack.
const maxNesting = 1000

// ErrShellTooDeep: a script nests deeper than lockguard analyses.
var ErrShellTooDeep = fmt.Errorf("the shell script nests more than %d levels deep; lockguard does not analyse it", maxNesting)

// GaveUp reports whether a Run.ShellError says that lockguard gave up on
// the script (it is not a syntax error of the script).
func GaveUp(shellError string) bool { return strings.Contains(shellError, ErrShellTooDeep.Error()) }

// nestingDepth over-approximates the nesting of a script: every ( and {
// and every if/while/until/for/case/select word opens a level, ) } fi
// done esac close one; quotes are not looked at.
func nestingDepth(src string) int {
	depth, most := 0, 0
	open := func() {
		depth++
		most = max(most, depth)
	}
	shut := func() { depth = max(depth-1, 0) }
	word := 0 // start of the current run of letters
	for i := 0; i <= len(src); i++ {
		c := byte(' ')
		if i < len(src) {
			c = src[i]
		}
		if c >= 'a' && c <= 'z' {
			continue
		}
		if word < i {
			switch src[word:i] {
			case "if", "while", "until", "for", "case", "select":
				open()
			case "fi", "done", "esac":
				shut()
			}
		}
		word = i + 1
		switch c {
		case '(', '{':
			open()
		case ')', '}':
			shut()
		}
	}
	return most
}

func (a *analyzer) parseAndWalk(ctx *scriptCtx, st *shState) error {
	if nestingDepth(ctx.src) > maxNesting {
		return ErrShellTooDeep
	}
	if a.parser == nil {
		a.parser = syntax.NewParser(syntax.Variant(syntax.LangBash))
	}
	f, err := a.parser.Parse(strings.NewReader(ctx.src), "RUN")
	if err != nil {
		return err
	}
	a.collectShadow(f)
	a.stmts(ctx, f.Stmts, st)
	return nil
}

func (a *analyzer) stmts(ctx *scriptCtx, ss []*syntax.Stmt, st *shState) {
	for _, s := range ss {
		a.stmt(ctx, s, st, 0)
	}
}

func (a *analyzer) stmt(ctx *scriptCtx, s *syntax.Stmt, st *shState, pipe int) {
	if s == nil || len(a.cmds) >= maxCommands {
		return
	}
	if s.Background {
		c := st.clone()
		st = &c
	}
	first := len(a.cmds)
	switch c := s.Cmd.(type) {
	case *syntax.CallExpr:
		a.call(ctx, c, s.Redirs, st, pipe)
		return
	case *syntax.BinaryCmd:
		switch c.Op {
		case syntax.AndStmt:
			a.stmt(ctx, c.X, st, 0)
			a.stmt(ctx, c.Y, st, 0)
		case syntax.OrStmt:
			a.stmt(ctx, c.X, st, 0)
			y := st.clone()
			a.stmt(ctx, c.Y, &y, 0)
			mergeDir(st, &y)
		default: // | and |&: every element runs in a subshell
			if pipe == 0 {
				a.pipes++
				pipe = a.pipes
			}
			x, y := st.clone(), st.clone()
			a.stmt(ctx, c.X, &x, pipe)
			a.stmt(ctx, c.Y, &y, pipe)
		}
	case *syntax.Subshell:
		sub := st.clone()
		a.stmts(ctx, c.Stmts, &sub)
	case *syntax.Block:
		a.stmts(ctx, c.Stmts, st)
	case *syntax.IfClause:
		a.ifClause(ctx, c, st)
	case *syntax.WhileClause:
		a.stmts(ctx, c.Cond, st)
		body := st.clone()
		a.stmts(ctx, c.Do, &body)
		mergeDir(st, &body)
	case *syntax.ForClause:
		body := st.clone()
		a.stmts(ctx, c.Do, &body)
		mergeDir(st, &body)
	case *syntax.CaseClause:
		base := st.clone()
		for _, item := range c.Items {
			br := base.clone()
			a.stmts(ctx, item.Stmts, &br)
			mergeDir(st, &br)
		}
	case *syntax.FuncDecl:
		// The body runs whenever the function is called: its directory
		// is unknown, and it changes nothing here.
		body := st.clone()
		body.dir = ""
		a.stmt(ctx, c.Body, &body, 0)
	case *syntax.TimeClause:
		a.stmt(ctx, c.Stmt, st, pipe)
	case *syntax.CoprocClause:
		sub := st.clone()
		a.stmt(ctx, c.Stmt, &sub, 0)
	case *syntax.DeclClause:
		// export/declare/readonly/local: track NIX_CONFIG.
		for _, as := range c.Args {
			a.assign(as, st)
		}
	}
	// Redirections of a compound command apply to what it ran; attach
	// them to its first command.
	if len(s.Redirs) > 0 && len(a.cmds) > first {
		a.redirects(ctx, &a.cmds[first], s.Redirs, st.dir)
	}
}

func (a *analyzer) ifClause(ctx *scriptCtx, c *syntax.IfClause, st *shState) {
	a.stmts(ctx, c.Cond, st)
	then := st.clone()
	a.stmts(ctx, c.Then, &then)
	var other shState
	switch {
	case c.Else == nil:
		other = st.clone()
	case len(c.Else.Cond) == 0 && !c.Else.ThenPos.IsValid(): // else
		other = st.clone()
		a.stmts(ctx, c.Else.Then, &other)
	default: // elif
		other = st.clone()
		a.ifClause(ctx, c.Else, &other)
	}
	*st = then
	mergeDir(st, &other)
}

// mergeDir joins two paths of control flow: the directory stays known only
// when both agree.
func mergeDir(st, other *shState) {
	if st.dir != other.dir {
		st.dir = ""
	}
	if len(st.dirStack) != len(other.dirStack) {
		st.dirStack = nil
	}
	st.flakesEnv = st.flakesEnv && other.flakesEnv
}

func (a *analyzer) assign(as *syntax.Assign, st *shState) {
	if as == nil || as.Name == nil || as.Name.Value != "NIX_CONFIG" {
		return
	}
	v := ""
	if as.Value != nil {
		v, _ = a.lit(as.Value)
	}
	st.flakesEnv = configEnablesFlakes(v)
}

func (a *analyzer) call(ctx *scriptCtx, c *syntax.CallExpr, redirs []*syntax.Redirect, st *shState, pipe int) {
	// Command substitutions run first, in subshells.
	for _, w := range c.Args {
		a.substs(ctx, w, st)
	}
	if len(c.Args) == 0 {
		for _, as := range c.Assigns {
			a.assign(as, st)
		}
		return
	}
	cmd := Command{Pipeline: pipe}
	for _, w := range c.Args {
		lit, ok := a.lit(w)
		cmd.Args = append(cmd.Args, lit)
		cmd.Dynamic = append(cmd.Dynamic, !ok)
		cmd.Raw = append(cmd.Raw, rawWord(ctx.src, w))
	}
	local := *st
	for _, as := range c.Assigns {
		a.assign(as, &local)
	}
	cmd.FlakesEnv = local.flakesEnv
	line := ctx.line(c.Args[0].Pos())
	cmd.Line = line
	a.redirects(ctx, &cmd, redirs, st.dir)
	// Lines of the words, for nested scripts.
	wordLine := func(i int) int { return ctx.line(c.Args[i].Pos()) }
	idx := len(a.cmds)
	a.emitWith(&cmd, st, ctx, wordLine)
	if len(c.Assigns) > 0 && idx < len(a.cmds) {
		a.cmds[idx].FlakesEnv = local.flakesEnv // VAR=x cmd overrides
	}
}

func (a *analyzer) emit(cmd *Command, st *shState, ctx *scriptCtx, line int) {
	a.emitWith(cmd, st, ctx, func(int) int { return line })
}

// emitWith records cmd, applies its effect on the shell state (cd, pushd,
// popd, export) and recurses into nested scripts and nix wrappers.
func (a *analyzer) emitWith(cmd *Command, st *shState, ctx *scriptCtx, wordLine func(int) int) {
	if len(a.cmds) >= maxCommands {
		return
	}
	cmd.Dir = st.dir
	cmd.InNixDevelop = cmd.InNixDevelop || st.nixDevelop
	cmd.FlakesEnv = cmd.FlakesEnv || st.flakesEnv
	cmd.Index = len(a.cmds)
	for i := range cmd.Writes {
		if cmd.Writes[i].Path != "" {
			if cmd.Writes[i].Tee {
				cmd.Tee = append(cmd.Tee, cmd.Writes[i].Path)
			} else {
				cmd.Redirects = append(cmd.Redirects, cmd.Writes[i].Path)
			}
		}
	}
	a.cmds = append(a.cmds, *cmd)
	args, dyn := stripWrappersDyn(cmd.Args, cmd.Dynamic)
	if len(args) == 0 {
		return
	}
	name := path.Base(args[0])
	switch name {
	case "cd":
		a.cd(args, dyn, st)
		return
	case "pushd":
		prev := st.dir
		a.cd(args, dyn, st)
		st.dirStack = append(st.dirStack, prev)
		return
	case "popd":
		if n := len(st.dirStack); n > 0 {
			st.dir = st.dirStack[n-1]
			st.dirStack = st.dirStack[:n-1]
		} else {
			st.dir = ""
		}
		return
	case "export":
		for i := 1; i < len(args); i++ {
			if k, v, ok := strings.Cut(args[i], "="); ok && k == "NIX_CONFIG" {
				st.flakesEnv = configEnablesFlakes(v)
			}
		}
		return
	}
	if ctx.depth >= maxDepth {
		return
	}
	// Nested script: sh -c "…", bash -lc '…', bash <<EOF.
	if isPOSIXShell(name) {
		idx, ok := shellScriptArg(args)
		switch {
		case ok && idx >= 0 && !dyn[idx]:
			off := len(cmd.Args) - len(args)
			a.nested(args[idx], wordLine(idx+off), st, ctx.depth+1)
		case ok && idx < 0 && cmd.Stdin != "":
			a.nested(cmd.Stdin, wordLine(0)+1, st, ctx.depth+1)
		}
		return
	}
	// nix develop/shell --command …, nix-shell --run "…".
	inner, script, isWrap := nixWrapped(args)
	if !isWrap {
		return
	}
	sub := st.clone()
	sub.nixDevelop = true
	off := len(cmd.Args) - len(args)
	if script >= 0 {
		if !dyn[script] {
			a.nested(args[script], wordLine(script+off), &sub, ctx.depth+1)
		}
		return
	}
	if inner > 0 && inner < len(args) {
		ic := Command{
			Args:     append([]string(nil), args[inner:]...),
			Dynamic:  append([]bool(nil), dyn[inner:]...),
			Raw:      append([]string(nil), cmd.Raw[inner+off:]...),
			Line:     cmd.Line,
			Pipeline: cmd.Pipeline,
			Stdin:    cmd.Stdin,
		}
		ictx := &scriptCtx{src: ctx.src, depth: ctx.depth + 1, line: ctx.line}
		a.emitWith(&ic, &sub, ictx, func(i int) int { return wordLine(i + inner + off) })
	}
}

// nested walks a script given as a string argument; it runs in a child
// process, so its cd does not leak out.
func (a *analyzer) nested(src string, line int, st *shState, depth int) {
	sub := st.clone()
	ctx := &scriptCtx{src: src, depth: depth, line: func(p syntax.Pos) int { return line + int(p.Line()) - 1 }}
	if err := a.parseAndWalk(ctx, &sub); err != nil && a.err == "" {
		a.err = "nested script: " + err.Error()
	}
}

func (a *analyzer) cd(args []string, dyn []bool, st *shState) {
	// cd [-L|-P|-e|-@] [dir]
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-" && !dyn[i] {
		if args[i] == "--" {
			i++
			break
		}
		i++
	}
	switch {
	case i >= len(args):
		st.dir = "" // cd with no argument: $HOME
	case dyn[i] || args[i] == "-":
		st.dir = ""
	default:
		st.dir = resolve(st.dir, args[i])
	}
}

// substs walks command substitutions inside a word (they run in subshells).
func (a *analyzer) substs(ctx *scriptCtx, w *syntax.Word, st *shState) {
	if w == nil {
		return
	}
	syntax.Walk(w, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CmdSubst:
			sub := st.clone()
			a.stmts(ctx, n.Stmts, &sub)
			return false
		case *syntax.ProcSubst:
			sub := st.clone()
			a.stmts(ctx, n.Stmts, &sub)
			return false
		}
		return true
	})
}

func (a *analyzer) redirects(ctx *scriptCtx, cmd *Command, redirs []*syntax.Redirect, dir string) {
	for _, r := range redirs {
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.AppClob, syntax.RdrAll, syntax.AppAll, syntax.RdrAllClob, syntax.AppAllClob:
			if r.Word == nil {
				continue
			}
			w := Write{Raw: rawWord(ctx.src, r.Word), Append: r.Op == syntax.AppOut || r.Op == syntax.AppAll || r.Op == syntax.AppAllClob}
			if lit, ok := a.lit(r.Word); ok {
				w.Path = resolve(dir, lit)
			}
			cmd.Writes = append(cmd.Writes, w)
		case syntax.Hdoc, syntax.DashHdoc:
			if r.Hdoc != nil {
				if lit, ok := wordLit(r.Hdoc); ok {
					cmd.Stdin = lit
				} else {
					cmd.Stdin = rawWord(ctx.src, r.Hdoc)
				}
			}
		case syntax.WordHdoc:
			if r.Word != nil {
				if lit, ok := wordLit(r.Word); ok {
					cmd.Stdin = lit
				} else {
					cmd.Stdin = rawWord(ctx.src, r.Word)
				}
			}
		}
	}
	// tee [-a] [-i] [-p] file…
	args, dyn := stripWrappersDyn(cmd.Args, cmd.Dynamic)
	if len(args) > 0 && path.Base(args[0]) == "tee" {
		off := len(cmd.Args) - len(args)
		appendMode, opts := false, true
		for i := 1; i < len(args); i++ {
			if opts && !dyn[i] && strings.HasPrefix(args[i], "-") && args[i] != "-" {
				if args[i] == "--" {
					opts = false
				} else if args[i] == "--append" || (!strings.HasPrefix(args[i], "--") && strings.Contains(args[i], "a")) {
					appendMode = true
				}
				continue
			}
			w := Write{Raw: cmd.Raw[i+off], Append: appendMode, Tee: true}
			if !dyn[i] {
				w.Path = resolve(dir, args[i])
			}
			cmd.Writes = append(cmd.Writes, w)
		}
	}
}
