package dockerfile

import "mvdan.cc/sh/v3/syntax"

// AnalyzeScript analyses a POSIX shell script that is not a RUN of a
// Dockerfile (a *.sh file, a Makefile or justfile recipe line, a CI step):
// it returns the script's simple commands with the same cd tracking,
// nested-script and nix-wrapper handling as Run.Commands. dir is the
// absolute directory the script starts in ("" = unknown); line is the
// file line of the script's first line, so Command.Line is a line of the
// file. No variable is known in advance. A script that does not parse
// returns the error and no commands.
func AnalyzeScript(src, dir string, line int) ([]Command, error) {
	a := newAnalyzer(line, runEnv{&state{}})
	st := shState{dir: dir}
	ctx := &scriptCtx{src: src, line: func(p syntax.Pos) int { return line + int(p.Line()) - 1 }}
	if err := a.parseAndWalk(ctx, &st); err != nil {
		return nil, err
	}
	return a.cmds, nil
}

// LocalFlakeDir resolves a local flake reference (".", "./sub", "/abs",
// "path:./x", "git+file:///x"; any "?query" dropped) against the absolute
// directory dir; "" for remote and registry references (github:…,
// nixpkgs) and for relative references when dir is unknown.
func LocalFlakeDir(ref, dir string) string { return localFlakeDir(ref, dir) }
