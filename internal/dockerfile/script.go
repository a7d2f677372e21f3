package dockerfile

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// AnalyzeScript analyses a POSIX shell script that is not a RUN of a
// Dockerfile (a *.sh file, a Makefile or justfile recipe line, a CI step):
// it returns the script's simple commands with the same cd tracking,
// nested-script and nix-wrapper handling as Run.Commands. dir is the
// absolute directory the script starts in ("" = unknown); line is the
// file line of the script's first line, so Command.Line is a line of the
// file. No variable is known in advance. A script that does not parse
// returns the error and no commands.
func AnalyzeScript(src, dir string, line int) ([]Command, error) {
	cmds, err := AnalyzeScriptDirs(src, []string{dir}, line)
	if err != nil {
		return nil, err
	}
	return cmds[0], nil
}

// AnalyzeScriptDirs is AnalyzeScript started in each of dirs, parsing src
// once: a script that may run from several directories is read once and
// walked from each (the walk does not change the syntax tree).
func AnalyzeScriptDirs(src string, dirs []string, line int) ([][]Command, error) {
	if nestingDepth(src) > maxNesting {
		return nil, ErrShellTooDeep
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "RUN")
	if err != nil {
		return nil, err
	}
	out := make([][]Command, len(dirs))
	for i, dir := range dirs {
		a := newAnalyzer(line, runEnv{&state{}})
		st := shState{dir: dir}
		ctx := &scriptCtx{src: src, line: func(p syntax.Pos) int { return line + int(p.Line()) - 1 }}
		a.collectShadow(f)
		a.stmts(ctx, f.Stmts, &st)
		out[i] = a.cmds
	}
	return out, nil
}

// LocalFlakeDir resolves a local flake reference (".", "./sub", "/abs",
// "path:./x", "git+file:///x"; any "?query" dropped) against the absolute
// directory dir; "" for remote and registry references (github:…,
// nixpkgs) and for relative references when dir is unknown.
func LocalFlakeDir(ref, dir string) string { return localFlakeDir(ref, dir) }

// LiteralArgv parses src as one simple shell command and returns its
// argv when every word is a literal (quoted or not): no expansion, no
// substitution, no glob, no assignment, redirection or second command.
// ok is false otherwise.
func LiteralArgv(src string) ([]string, bool) {
	if nestingDepth(src) > maxNesting {
		return nil, false // the parser would recurse past the Go stack
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil || len(f.Stmts) != 1 {
		return nil, false
	}
	s := f.Stmts[0]
	c, ok := s.Cmd.(*syntax.CallExpr)
	if !ok || s.Negated || s.Background || s.Coprocess || len(s.Redirs) > 0 || len(c.Assigns) > 0 || len(c.Args) == 0 {
		return nil, false
	}
	var argv []string
	for _, w := range c.Args {
		for _, p := range w.Parts {
			if l, ok := p.(*syntax.Lit); ok && strings.ContainsAny(l.Value, "*?[{") {
				return nil, false // globs and brace expansion
			}
		}
		v, ok := wordValue(w, nil)
		if !ok {
			return nil, false
		}
		argv = append(argv, v)
	}
	return argv, true
}

// NixOptionArity is the number of values the nix CLI option opt takes.
func NixOptionArity(opt string) int { return optArity(nixArity, opt) }
