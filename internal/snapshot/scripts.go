package snapshot

import (
	"bytes"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/shell"
)

// nixWordAt finds the nix word of calls[ci] in src, on the command's line:
// the word followed by the command's next word; when the line has several
// such places, calls on the line that look the same are matched to them in
// order, and a count mismatch gives ok false.
func NixWordAt(src []byte, calls []dockerfile.NixCall, ci int) (NixOffsets, bool) {
	call := calls[ci]
	word, next, ok := nixWords(call.Cmd)
	if !ok || src == nil {
		return NixOffsets{}, false
	}
	ls := LineStart(src, call.Cmd.Line)
	if ls < 0 {
		return NixOffsets{}, false
	}
	le := len(src)
	if i := bytes.IndexByte(src[ls:], '\n'); i >= 0 {
		le = ls + i
	}
	lineText := string(src[ls:le])
	re, err := regexp.Compile(`(?:^|[\s;&|(){}'"` + "`" + `@-])(` + regexp.QuoteMeta(word) + `)[ \t]+(` + regexp.QuoteMeta(next) + `)(?:$|[\s;&|()'"` + "`" + `\\])`)
	if err != nil {
		return NixOffsets{}, false
	}
	matches := re.FindAllStringSubmatchIndex(lineText, -1)
	k, same := 0, 0
	for j, c := range calls {
		if c.Cmd.Line != call.Cmd.Line {
			continue
		}
		if w, n, ok := nixWords(c.Cmd); ok && w == word && n == next {
			if j < ci {
				k++
			}
			same++
		}
	}
	if len(matches) == 0 || len(matches) != same {
		return NixOffsets{}, false
	}
	return NixOffsets{Nix: ls + matches[k][2], Sub: ls + matches[k][4], Word: word}, true
}

// nixCallSpan spans the nix word of calls[ci] (the command's line when it
// cannot be located).
func NixCallSpan(src []byte, calls []dockerfile.NixCall, ci int) diag.Span {
	call := calls[ci]
	line := call.Cmd.Line
	if off, ok := NixWordAt(src, calls, ci); ok {
		ls := LineStart(src, line)
		col := utf8.RuneCount(src[ls:off.Nix]) + 1
		return SpanOf(line, col, line, col+utf8.RuneCountInString(off.Word))
	}
	if ls := LineStart(src, line); ls >= 0 {
		le := len(src)
		if i := bytes.IndexByte(src[ls:], '\n'); i >= 0 {
			le = ls + i
		}
		f := &dockerfile.File{Lines: []string{string(src[ls:le])}}
		if c, e := f.Span(1, "nix"); c > 0 {
			return SpanOf(line, c, line, e)
		}
	}
	return diag.Span{Line: line}
}

// ScriptFiles are the tracked files that hold shell scripts, with their scanner.
func (s *Snapshot) ScriptFiles() map[string]shell.Kind {
	out := map[string]shell.Kind{}
	script := shell.Kind{Scan: shell.ShellScript, Fixable: true}
	for _, e := range s.Repo.Entries() {
		if e.Submodule {
			continue
		}
		base := path.Base(e.Path)
		switch {
		case strings.HasSuffix(base, ".sh"):
			out[e.Path] = script
		case base == "Makefile" || base == "makefile" || base == "GNUmakefile" || strings.HasSuffix(base, ".mk"):
			out[e.Path] = shell.Kind{Scan: shell.Makefile, Fixable: true, Escape: shell.MakeEscape}
		case base == "justfile" || base == "Justfile" || base == ".justfile" || strings.HasSuffix(base, ".just"):
			out[e.Path] = shell.Kind{Scan: shell.Justfile, Fixable: true}
		case strings.HasPrefix(e.Path, ".github/workflows/") && (strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")):
			out[e.Path] = shell.Kind{Scan: shell.Workflow, Fixable: true}
		case e.Path == ".gitlab-ci.yml" || e.Path == ".gitlab-ci.yaml":
			out[e.Path] = shell.Kind{Scan: shell.GitlabCI, Fixable: true}
		case e.Mode == 0o100755:
			if fi, err := s.Repo.Lstat(e.Path); err != nil || !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
				continue
			}
			if data, err := s.ReadFile(e.Path); err == nil && shell.Shebang.Match(data) {
				out[e.Path] = script
			}
		}
	}
	return out
}
