package dockerfile

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	long := "FROM alpine\nRUN echo " + strings.Repeat("a", 70*1024) + "\n"
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"unknown instruction", "FROM alpine\nRUN true\nCOPPY a b\n", 3, "unknown instruction: COPPY (did you mean COPY?)"},
		{"empty", "", 1, "file with no instructions"},
		{"only comments", "# a\n# b\n", 2, "file with no instructions"},
		{"no FROM", "RUN true\n", 1, "no build stage"},
		{"unterminated heredoc", "FROM alpine\nRUN <<EOF\necho hi\n", 2, "unterminated heredoc"},
		{"env without value", "FROM busybox\n\nENV PATH\n", 3, "ENV"},
		{"line too long", long, 2, "max allowed size"},
		{"bad escape directive", "# escape=x\nFROM alpine\n", 1, "invalid escape token"},
		{"duplicate directive", "# escape=`\n# escape=`\nFROM alpine\n", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("dir/Dockerfile", []byte(tt.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (file %v), want *ParseError", err, f)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) || pe.Path != "dir/Dockerfile" {
				t.Errorf("got %+v, want line %d msg ~%q", pe, tt.line, tt.msg)
			}
			if empty := tt.name == "empty" || tt.name == "only comments"; pe.NoInstructions != empty {
				t.Errorf("NoInstructions = %v, want %v", pe.NoInstructions, empty)
			}
			if !strings.HasPrefix(pe.Error(), "dir/Dockerfile:") {
				t.Errorf("Error() = %q", pe.Error())
			}
		})
	}
}

func TestParseCheckCommentNoPanic(t *testing.T) {
	// A nil linter panics on mid-file # check= comments; Parse must not.
	f := mustParse(t, "# check=skip=all\nFROM alpine\n# check=skip=JSONArgsRecommended\nCMD echo hi\n")
	if len(f.Stages) != 1 || f.Stages[0].Instrs[0].Kind != "CMD" {
		t.Fatalf("stages: %+v", f.Stages)
	}
}

func TestModelStagesWorkdirEnv(t *testing.T) {
	src := `ARG RUST_VERSION=1.80
ARG APP=web
FROM rust:${RUST_VERSION} AS builder
ARG APP
ENV ROOT=/src
WORKDIR $ROOT
WORKDIR sub
COPY ${APP}/Cargo.toml ./$APP/
RUN cargo build

FROM builder AS final
WORKDIR ../other
ENV X=1
RUN true

from FINAL as again
RUN true

FROM alpine
COPY --from=0 /src/sub/x /x
COPY --from=final /a /b
COPY --from=nginx:latest /etc/nginx /etc/nginx
RUN true
`
	f := mustParse(t, src)
	if len(f.MetaArgs) != 2 || f.MetaArgs[0].Value != "1.80" || f.MetaArgs[0].Line != 1 {
		t.Errorf("meta args = %+v", f.MetaArgs)
	}
	b := f.Stages[0]
	if b.BaseName != "rust:1.80" || b.RawBaseName != "rust:${RUST_VERSION}" || b.Name != "builder" || b.Line != 3 || b.FromStage != nil {
		t.Errorf("stage 0 = %+v", b)
	}
	if w := instr(t, f, 0, "WORKDIR", 0).Workdir; w != "/src" {
		t.Errorf("WORKDIR $ROOT = %q", w)
	}
	cp := instr(t, f, 0, "COPY", 0)
	if cp.Workdir != "/src/sub" || !slices.Equal(cp.Copy.Sources, []string{"web/Cargo.toml"}) || cp.Copy.Dest != "/src/sub/web/" {
		t.Errorf("copy: wd %q %q → %q", cp.Workdir, cp.Copy.Sources, cp.Copy.Dest)
	}
	if r := instr(t, f, 0, "RUN", 0); r.Workdir != "/src/sub" || r.Run.Commands[0].Dir != "/src/sub" {
		t.Errorf("run wd %q", r.Workdir)
	}
	fin := f.Stages[1]
	if fin.FromStage != b || fin.BaseName != "builder" {
		t.Errorf("final.FromStage = %v", fin.FromStage)
	}
	if w := instr(t, f, 1, "WORKDIR", 0).Workdir; w != "/src/other" {
		t.Errorf("inherited relative WORKDIR = %q", w)
	}
	// ENV is inherited through FROM <stage>; ARG is not.
	if v, ok := fin.final.env.Get("ROOT"); !ok || v != "/src" {
		t.Errorf("ROOT not inherited: %q", v)
	}
	if _, ok := fin.final.args.Get("APP"); ok {
		t.Error("ARG leaked into a child stage")
	}
	// Stage names are case-insensitive.
	if again := f.Stages[2]; again.FromStage != fin || again.Instrs[0].Workdir != "/src/other" {
		t.Errorf("again: from %v wd %q", again.FromStage, again.Instrs[0].Workdir)
	}
	al := f.Stages[3]
	if al.FromStage != nil || al.Instrs[0].Workdir != "/" {
		t.Errorf("alpine stage: %v %q", al.FromStage, al.Instrs[0].Workdir)
	}
	c0, c1, c2 := al.Instrs[0].Copy, al.Instrs[1].Copy, al.Instrs[2].Copy
	if c0.FromStage != b || c1.FromStage != fin || c2.FromStage != nil || c2.From != "nginx:latest" {
		t.Errorf("--from: %v %v %v", c0.FromStage, c1.FromStage, c2.FromStage)
	}
}

func TestMetaArgOnlyForFROM(t *testing.T) {
	f := mustParse(t, "ARG V=1.0\nFROM alpine:$V\nCOPY app-$V.tar /x/\nARG V\nCOPY app-$V.tar /y/\n")
	if f.Stages[0].BaseName != "alpine:1.0" {
		t.Errorf("base %q", f.Stages[0].BaseName)
	}
	if s := instr(t, f, 0, "COPY", 0).Copy.Sources[0]; s != "app-.tar" {
		t.Errorf("meta ARG leaked into the stage: %q", s)
	}
	if s := instr(t, f, 0, "COPY", 1).Copy.Sources[0]; s != "app-1.0.tar" {
		t.Errorf("re-declared ARG: %q", s)
	}
}

func TestEscapeDirective(t *testing.T) {
	src := "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nWORKDIR C:/app\nRUN cd sub && `\n    make build\nCOPY a `\n  b /dst/\n"
	f := mustParse(t, src)
	if f.Escape != '`' {
		t.Errorf("escape %q", f.Escape)
	}
	run := instr(t, f, 0, "RUN", 0)
	if run.StartLine != 4 || run.EndLine != 5 {
		t.Errorf("lines %d-%d", run.StartLine, run.EndLine)
	}
	mk := find(t, run.Run.Commands, "make")
	if mk.Line != 5 {
		t.Errorf("make line %d", mk.Line)
	}
	cp := instr(t, f, 0, "COPY", 0).Copy
	if !slices.Equal(cp.Sources, []string{"a", "b"}) || cp.Dest != "/dst/" {
		t.Errorf("copy %q %q", cp.Sources, cp.Dest)
	}
}

func TestHeredocRun(t *testing.T) {
	src := "FROM alpine\n" +
		"WORKDIR /w\n" +
		"RUN <<EOF\n" +
		"cd sub\n" +
		"cargo generate-lockfile\n" +
		"EOF\n" +
		"RUN <<-EOT bash\n" +
		"\tset -e\n" +
		"\tcd other && npm install\n" +
		"\tEOT\n" +
		"RUN cat <<CONF > /etc/nix/nix.conf && echo done\n" +
		"experimental-features = nix-command flakes\n" +
		"CONF\n" +
		"RUN <<EOF\n" +
		"#!/usr/bin/env python3\n" +
		"print('hi')\n" +
		"EOF\n" +
		"COPY <<EOF /etc/motd\n" +
		"hello\n" +
		"EOF\n"
	f := mustParse(t, src)
	r0 := instr(t, f, 0, "RUN", 0)
	if !r0.Run.Heredoc || r0.Run.Script != "cd sub\ncargo generate-lockfile\n" {
		t.Errorf("script %q", r0.Run.Script)
	}
	c := find(t, r0.Run.Commands, "cargo")
	if c.Dir != "/w/sub" || c.Line != 5 {
		t.Errorf("cargo dir %q line %d", c.Dir, c.Line)
	}
	// RUN <<EOT bash: the heredoc is bash's stdin script.
	r1 := instr(t, f, 0, "RUN", 1)
	npm := find(t, r1.Run.Commands, "npm", "install")
	if npm.Dir != "/w/other" || npm.Line != 9 {
		t.Errorf("npm dir %q line %d\n%s", npm.Dir, npm.Line, dumpCmds(r1.Run.Commands))
	}
	// cat <<CONF > nix.conf: a nix.conf write, flakes on afterwards.
	r2 := instr(t, f, 0, "RUN", 2)
	cat := find(t, r2.Run.Commands, "cat")
	if !slices.Equal(cat.Redirects, []string{"/etc/nix/nix.conf"}) || !strings.Contains(cat.Stdin, "nix-command flakes") {
		t.Errorf("cat = %+v", cat)
	}
	if f.Stages[0].FlakesEnabledBefore(r2.Index) || !f.Stages[0].FlakesEnabledBefore(r2.Index+1) {
		t.Error("nix.conf heredoc not tracked")
	}
	// A python shebang heredoc is not a shell script.
	r3 := instr(t, f, 0, "RUN", 3)
	if r3.Run.Shebang != "#!/usr/bin/env python3" || r3.Run.Commands != nil || r3.Run.ShellError == "" {
		t.Errorf("shebang run: %+v", r3.Run)
	}
	cp := instr(t, f, 0, "COPY", 0).Copy
	if !cp.Heredoc || cp.FromContext() || len(cp.Inline) != 1 || cp.Inline[0].Data != "hello\n" || cp.Dest != "/etc/motd" {
		t.Errorf("COPY heredoc: %+v", cp)
	}
}

func TestExecFormAndShell(t *testing.T) {
	src := "FROM alpine\n" +
		"WORKDIR /app\n" +
		`RUN ["cargo", "generate-lockfile"]` + "\n" +
		`RUN ["sh", "-c", "cd backend && cargo update"]` + "\n" +
		`SHELL ["/bin/bash", "-o", "pipefail", "-c"]` + "\n" +
		"RUN cd x | true; go mod tidy\n" +
		`SHELL ["pwsh", "-Command"]` + "\n" +
		"RUN cd x; cargo build\n"
	f := mustParse(t, src)
	r0 := instr(t, f, 0, "RUN", 0).Run
	if !r0.Exec || !slices.Equal(r0.Argv, []string{"cargo", "generate-lockfile"}) || len(r0.Commands) != 1 || r0.Commands[0].Dir != "/app" {
		t.Errorf("exec: %+v", r0)
	}
	r1 := instr(t, f, 0, "RUN", 1).Run
	if c := find(t, r1.Commands, "cargo", "update"); c.Dir != "/app/backend" {
		t.Errorf("exec sh -c: dir %q", c.Dir)
	}
	r2 := instr(t, f, 0, "RUN", 2)
	if !slices.Equal(r2.Run.Shell, []string{"/bin/bash", "-o", "pipefail", "-c"}) {
		t.Errorf("shell %q", r2.Run.Shell)
	}
	// cd in a pipeline element runs in a subshell.
	if c := find(t, r2.Run.Commands, "go"); c.Dir != "/app" {
		t.Errorf("go dir %q", c.Dir)
	}
	r3 := instr(t, f, 0, "RUN", 3).Run
	if r3.Commands != nil || !strings.Contains(r3.ShellError, "pwsh") {
		t.Errorf("pwsh: %+v", r3)
	}
}

func TestMounts(t *testing.T) {
	src := "FROM rust\n" +
		"ARG CACHE=/usr/local/cargo/registry\n" +
		"WORKDIR /app\n" +
		"RUN --mount=type=cache,target=$CACHE --mount=type=cache,target=target,id=tgt \\\n" +
		"    --mount=type=bind,from=builder,source=/out,target=/in,ro \\\n" +
		"    --mount=type=secret,id=npm \\\n" +
		"    cargo build\n" +
		"RUN true\n"
	f := mustParse(t, src)
	r := instr(t, f, 0, "RUN", 0).Run
	var got []string
	for _, m := range r.Mounts {
		got = append(got, m.Type+":"+m.Target+":"+m.From+":"+m.Source)
	}
	want := []string{"cache:/usr/local/cargo/registry::", "cache:/app/target::", "bind:/in:builder:/out", "secret:::"}
	if !slices.Equal(got, want) {
		t.Errorf("mounts = %q, want %q", got, want)
	}
	if m := r.MountAt("/app/target/debug"); m == nil || m.CacheID != "tgt" {
		t.Errorf("MountAt = %+v", m)
	}
	if m := r.MountAt("/app"); m != nil {
		t.Errorf("MountAt(/app) = %+v", m)
	}
	if c := find(t, r.Commands, "cargo", "build"); c.Line != 7 {
		t.Errorf("cargo line %d", c.Line)
	}
	if len(instr(t, f, 0, "RUN", 1).Run.Mounts) != 0 {
		t.Error("mounts on a plain RUN")
	}
}

func TestCopyFlags(t *testing.T) {
	src := "FROM alpine\nWORKDIR /w\n" +
		"COPY --link --chmod=0644 --chown=1:1 --exclude=*.md --parents a/./b/c.txt ./\n" +
		"ADD https://example.com/x.tgz /opt/\n" +
		"COPY . .\n" +
		"COPY a.txt /abs/dir/.\n"
	f := mustParse(t, src)
	c := instr(t, f, 0, "COPY", 0).Copy
	if !c.Link || c.Chmod != "0644" || c.Chown != "1:1" || !c.Parents || !slices.Equal(c.Excludes, []string{"*.md"}) || c.Dest != "/w/" {
		t.Errorf("flags: %+v", c)
	}
	add := instr(t, f, 0, "ADD", 0).Copy
	if !add.Add || add.Dest != "/opt/" {
		t.Errorf("ADD: %+v", add)
	}
	if _, ok := add.Target("x.tgz"); ok {
		t.Error("URL source transfers a context file")
	}
	if d := instr(t, f, 0, "COPY", 1).Copy.Dest; d != "/w/" {
		t.Errorf("dest . = %q", d)
	}
	if d := instr(t, f, 0, "COPY", 2).Copy.Dest; d != "/abs/dir/" {
		t.Errorf("dest /. = %q", d)
	}
}

func TestSpan(t *testing.T) {
	f := mustParse(t, "FROM alpine\nRUN mycargo x && cargo build  # é\nRUN héllo cargo\n")
	if c, e := f.Span(2, "cargo"); c != 18 || e != 23 {
		t.Errorf("Span = %d,%d", c, e)
	}
	if c, e := f.Span(3, "cargo"); c != 11 || e != 16 {
		t.Errorf("Span with multibyte = %d,%d", c, e)
	}
	if c, e := f.Span(2, "nix"); c != 0 || e != 0 {
		t.Errorf("missing = %d,%d", c, e)
	}
	if c, _ := f.Span(99, "x"); c != 0 {
		t.Error("line out of range")
	}
	if c, e := f.Span(2, "mycargo"); c != 5 || e != 12 {
		t.Errorf("Span = %d,%d", c, e)
	}
}
