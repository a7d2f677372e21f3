package snapshot

import (
	"bytes"
	"path"
	"strings"

	"github.com/lockguard/lockguard/internal/dockerfile"
)

// RelPath is the relative path from the directory from to the directory to.
func RelPath(from, to string) (string, bool) {
	if !path.IsAbs(from) || !path.IsAbs(to) {
		return "", false
	}
	f := strings.Split(strings.Trim(from, "/"), "/")
	t := strings.Split(strings.Trim(to, "/"), "/")
	if from == "/" {
		f = nil
	}
	if to == "/" {
		t = nil
	}
	i := 0
	for i < len(f) && i < len(t) && f[i] == t[i] {
		i++
	}
	var parts []string
	for range f[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[i:]...)
	if len(parts) == 0 {
		return ".", true
	}
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t\n'\"$`\\&;|<>()*?[]#~") {
			return "", false
		}
	}
	return strings.Join(parts, "/"), true
}

// NixRawWords returns the index of the nix word in c.Raw and the raw words
// from it to the end of the command (-1 when not found).
func NixRawWords(c dockerfile.Command) (int, []string) {
	for i, a := range c.Args {
		if i < len(c.Dynamic) && c.Dynamic[i] {
			return -1, nil
		}
		if path.Base(a) == "nix" {
			if len(c.Raw) != len(c.Args) {
				return -1, nil
			}
			return i, c.Raw[i:]
		}
	}
	return -1, nil
}

// KeptNixOptions are the options of a nix command that the rewrite
// keeps: every option before the subcommand, and the experimental-features
// settings after it.
func KeptNixOptions(c dockerfile.Command, nixIdx int) (raw, argv []string) {
	args, rawWords := c.Args[nixIdx+1:], c.Raw[nixIdx+1:]
	before := true
	for i := 0; i < len(args); i++ {
		a := args[i]
		if before && !strings.HasPrefix(a, "-") {
			before = false
			continue
		}
		n := NixOptionArity(a)
		features := strings.HasPrefix(a, "--extra-experimental-features") || strings.HasPrefix(a, "--experimental-features") ||
			(a == "--option" && i+1 < len(args) && strings.HasSuffix(args[i+1], "experimental-features"))
		if before || features {
			end := min(i+1+n, len(args))
			raw = append(raw, rawWords[i:end]...)
			argv = append(argv, args[i:end]...)
		}
		i += n
	}
	return raw, argv
}

// MatchWords matches the raw words in src from off, separated by blanks
// and line continuations; it returns the offset after the last word.
func MatchWords(src []byte, off int, words []string) (int, bool) {
	for i, w := range words {
		if i > 0 {
			start := off
			for off < len(src) {
				switch {
				case src[off] == ' ' || src[off] == '\t':
					off++
					continue
				case src[off] == '\\' && off+1 < len(src) && src[off+1] == '\n':
					off += 2
					continue
				}
				break
			}
			if off == start {
				return 0, false
			}
		}
		if !bytes.HasPrefix(src[off:], []byte(w)) {
			return 0, false
		}
		off += len(w)
	}
	return off, true
}

func CallsOnLine(cmds []dockerfile.Command, line int) []dockerfile.NixCall {
	var out []dockerfile.NixCall
	for _, c := range NixInvocations(cmds) {
		if c.Cmd.Line == line {
			out = append(out, c)
		}
	}
	return out
}
