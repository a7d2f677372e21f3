package dockerfile

import (
	"slices"
	"strings"
	"testing"
)

func mustParse(t testing.TB, src string) *File {
	t.Helper()
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, src)
	}
	return f
}

// instr returns the n-th instruction of kind in stage si.
func instr(t testing.TB, f *File, si int, kind string, n int) *Instr {
	t.Helper()
	if si >= len(f.Stages) {
		t.Fatalf("no stage %d", si)
	}
	for _, in := range f.Stages[si].Instrs {
		if in.Kind == kind {
			if n == 0 {
				return in
			}
			n--
		}
	}
	t.Fatalf("stage %d has no %s #%d", si, kind, n)
	return nil
}

// find returns the first command whose args start with prefix.
func find(t testing.TB, cmds []Command, prefix ...string) Command {
	t.Helper()
	for _, c := range cmds {
		if len(c.Args) >= len(prefix) && slices.Equal(c.Args[:len(prefix)], prefix) {
			return c
		}
	}
	t.Fatalf("no command %q in %s", prefix, dumpCmds(cmds))
	return Command{}
}

func dumpCmds(cmds []Command) string {
	var sb strings.Builder
	for _, c := range cmds {
		sb.WriteString("\n  ")
		sb.WriteString(strings.Join(c.Args, " "))
		sb.WriteString("  @")
		sb.WriteString(c.Dir)
	}
	return sb.String()
}

// runCmds parses a one-stage Dockerfile and returns the commands of the
// last RUN.
func runCmds(t testing.TB, src string) []Command {
	t.Helper()
	f := mustParse(t, src)
	st := f.Stages[len(f.Stages)-1]
	for i := len(st.Instrs) - 1; i >= 0; i-- {
		if r := st.Instrs[i].Run; r != nil {
			if r.ShellError != "" {
				t.Fatalf("shell error: %s", r.ShellError)
			}
			return r.Commands
		}
	}
	t.Fatal("no RUN")
	return nil
}
