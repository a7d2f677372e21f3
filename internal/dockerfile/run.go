package dockerfile

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Run is a RUN instruction.
type Run struct {
	// Script is the shell script as the builder hands it to the shell,
	// reconstructed like dockerfile2llb.dispatchRun (heredoc bodies
	// included); for the exec form, the argv joined with spaces.
	Script string
	Exec   bool     // JSON (exec) form: no shell runs
	Argv   []string // exec form: the argv
	Shell  []string // SHELL in effect
	// Heredoc is set for RUN <<EOF forms. Shebang is the interpreter line
	// when the single heredoc starts with "#!" (it then runs as a file).
	Heredoc bool
	Shebang string
	Mounts  []Mount
	// Commands are the simple commands of the script, in order (see
	// package doc); nil when the script was not analysed.
	Commands []Command
	// ShellError says why the script was not analysed: a shell syntax
	// error, or a shell that is not POSIX-like (SHELL ["pwsh", …]).
	ShellError string
}

// Mount is a RUN --mount, after ARG/ENV expansion. Target is absolute.
type Mount struct {
	Type     string // bind, cache, tmpfs, secret, ssh
	Target   string
	Source   string
	From     string
	ReadOnly bool
	CacheID  string
}

// MountAt returns the mount whose target is dir or a parent of dir.
func (r *Run) MountAt(dir string) *Mount {
	var best *Mount
	for i := range r.Mounts {
		m := &r.Mounts[i]
		if m.Target == "" {
			continue
		}
		if dir == m.Target || strings.HasPrefix(dir, strings.TrimSuffix(m.Target, "/")+"/") {
			if best == nil || len(m.Target) > len(best.Target) {
				best = m
			}
		}
	}
	return best
}

func (b *builder) run(in *Instr, c *instructions.RunCommand, s *state, expander instructions.SingleWordExpander) *Run {
	r := &Run{Exec: !c.PrependShell, Shell: s.shell}
	if err := c.Expand(expander); err == nil {
		for _, m := range instructions.GetMounts(c) {
			if m == nil {
				continue
			}
			mt := Mount{Type: string(m.Type), Source: m.Source, From: m.From, ReadOnly: m.ReadOnly, CacheID: m.CacheID}
			if m.Target != "" {
				mt.Target = resolve(s.workdir, m.Target)
			}
			r.Mounts = append(r.Mounts, mt)
		}
	}
	env := runEnv{s}
	if r.Exec {
		r.Argv = append([]string(nil), c.CmdLine...)
		r.Script = strings.Join(c.CmdLine, " ")
		a := newAnalyzer(in.StartLine, env)
		a.exec(r.Argv, s.workdir)
		r.Commands = a.cmds
		return r
	}
	script := strings.Join(c.CmdLine, " ")
	if len(c.Files) > 0 && len(c.CmdLine) == 1 {
		r.Heredoc = true
		if parser.MustParseHeredoc(c.CmdLine[0]) != nil {
			data := c.Files[0].Data
			if c.Files[0].Chomp {
				data = parser.ChompHeredocContent(data)
			}
			script = data
			if strings.HasPrefix(data, "#!") {
				r.Shebang, _, _ = strings.Cut(data, "\n")
			}
		} else {
			var sb strings.Builder
			sb.WriteString(c.CmdLine[0])
			for _, f := range c.Files {
				sb.WriteByte('\n')
				sb.WriteString(f.Data)
				sb.WriteString(f.Name)
			}
			script = sb.String()
		}
	}
	r.Script = script
	interp := s.shell
	if r.Shebang != "" {
		interp = strings.Fields(strings.TrimPrefix(r.Shebang, "#!"))
		if len(interp) > 1 && path.Base(interp[0]) == "env" {
			interp = interp[1:]
		}
	}
	if len(interp) == 0 || !isPOSIXShell(interp[0]) {
		r.ShellError = "not a POSIX shell: " + strings.Join(interp, " ")
		return r
	}
	a := newAnalyzer(in.StartLine, env)
	a.lines = newLineMap(rawText(b.f.Lines, in.StartLine, in.EndLine), in.StartLine, script)
	a.script(script, s.workdir)
	r.Commands = a.cmds
	r.ShellError = a.err
	return r
}

// runEnv gives the analyser the variables the RUN environment has
// (ENV and ARGs), so that NIX_CONFIG set by ENV is visible.
type runEnv struct{ st *state }

func (e runEnv) get(k string) (string, bool) { return scopeEnv(e).Get(k) }

func isPOSIXShell(p string) bool {
	switch path.Base(p) {
	case "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox":
		return true
	}
	return false
}

func rawText(lines []string, start, end int) string {
	if start < 1 {
		start = 1
	}
	if end > len(lines) {
		end = len(lines)
	}
	if start > end {
		return ""
	}
	return strings.Join(lines[start-1:end], "\n")
}

// lineMap maps byte offsets of a reconstructed script back to Dockerfile
// lines. The script is (almost always) a subsequence of the instruction's
// raw text — BuildKit only removes line continuations, comment lines and
// the instruction keyword and flags — so a greedy backward alignment finds
// the source line of every byte.
type lineMap struct {
	start int
	line  []int32 // per script byte
}

func newLineMap(raw string, start int, script string) *lineMap {
	lm := &lineMap{start: start, line: make([]int32, len(script))}
	// ln is the line of raw[j]: start + newlines before j.
	j := len(raw) - 1
	ln := start
	if j >= 0 {
		ln += strings.Count(raw[:j], "\n")
	}
	step := func() {
		j--
		if j >= 0 && raw[j] == '\n' {
			ln--
		}
	}
	for i := len(script) - 1; i >= 0; i-- {
		for j >= 0 && raw[j] != script[i] {
			step()
		}
		if j < 0 {
			lm.line[i] = int32(start)
			continue
		}
		lm.line[i] = int32(ln)
		step()
	}
	return lm
}

func (lm *lineMap) at(off int) int {
	if lm == nil || len(lm.line) == 0 {
		return 0
	}
	if off >= len(lm.line) {
		off = len(lm.line) - 1
	}
	if off < 0 {
		off = 0
	}
	return int(lm.line[off])
}
