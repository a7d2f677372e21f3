package dockerfile

// Shell words: literal values, wrappers (sudo, env, …), and the raw text of a word.

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// shellScriptArg finds the script of `sh [opts] -c script`: the index of
// the script word, or -1 (ok) when the shell reads its script from stdin
// (no -c and no file operand). ok is false for `sh file.sh`.
func shellScriptArg(args []string) (idx int, ok bool) {
	hasC := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if hasC && i+1 < len(args) {
				return i + 1, true
			}
			return -1, i+1 >= len(args)
		case a == "-o" || a == "+o" || a == "-O" || a == "+O" || a == "--rcfile" || a == "--init-file":
			i++
		case strings.HasPrefix(a, "--"):
		case len(a) > 1 && (a[0] == '-' || a[0] == '+'):
			if strings.ContainsRune(a[1:], 'c') {
				hasC = true
			}
			if strings.ContainsAny(a[1:], "oO") { // -eo pipefail
				i++
			}
		default:
			if hasC {
				return i, true
			}
			return -1, false // sh script.sh
		}
	}
	return -1, !hasC
}

// wrappers are commands that run their arguments as a command.
var wrappers = map[string]bool{"sudo": true, "env": true, "exec": true, "time": true, "nohup": true, "command": true, "nice": true, "doas": true, "builtin": true}

func stripWrappers(args []string) []string {
	a, _ := stripWrappersDyn(args, make([]bool, len(args)))
	return a
}

// stripWrappersDyn removes leading wrappers (sudo -u x, env -i A=b, exec,
// time, …) and returns the wrapped command.
func stripWrappersDyn(args []string, dyn []bool) ([]string, []bool) {
	for len(args) > 0 && !dyn[0] && wrappers[path.Base(args[0])] {
		w := path.Base(args[0])
		i := 1
		for i < len(args) && !dyn[i] {
			a := args[i]
			if a == "--" {
				i++
				break
			}
			if strings.HasPrefix(a, "-") {
				// options with a value
				if (w == "sudo" || w == "doas") && (a == "-u" || a == "-g" || a == "-C" || a == "-D") {
					i++
				}
				if w == "env" && (a == "-u" || a == "-C" || a == "-S") {
					i++
				}
				if w == "nice" && a == "-n" {
					i++
				}
				i++
				continue
			}
			if w == "env" && strings.Contains(a, "=") {
				i++
				continue
			}
			break
		}
		if i > len(args) {
			i = len(args)
		}
		args, dyn = args[i:], dyn[i:]
	}
	return args, dyn
}

// wordLit returns the value of a word without expansions.
func wordLit(w *syntax.Word) (string, bool) { return wordValue(w, nil) }

// wordValue returns the value of a word whose only expansions are simple
// parameters ($X, ${X}) that lookup knows; an unquoted value that would be
// word-split or globbed makes the word dynamic.
func wordValue(w *syntax.Word, lookup func(string) (string, bool)) (string, bool) {
	if w == nil {
		return "", false
	}
	param := func(pe *syntax.ParamExp, quoted bool) (string, bool) {
		if lookup == nil || !simpleParam(pe) {
			return "", false
		}
		v, ok := lookup(pe.Param.Value)
		if !ok || (!quoted && (v == "" || strings.ContainsAny(v, " \t\n*?["))) {
			return "", false
		}
		return v, true
	}
	var sb strings.Builder
	for i, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if i == 0 && strings.HasPrefix(p.Value, "~") {
				return "", false // tilde expansion
			}
			sb.WriteString(unescape(p.Value, false))
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			sb.WriteString(p.Value)
		case *syntax.ParamExp:
			v, ok := param(p, false)
			if !ok {
				return "", false
			}
			sb.WriteString(v)
		case *syntax.DblQuoted:
			if p.Dollar {
				return "", false
			}
			for _, q := range p.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
					sb.WriteString(unescape(q.Value, true))
				case *syntax.ParamExp:
					v, ok := param(q, true)
					if !ok {
						return "", false
					}
					sb.WriteString(v)
				default:
					return "", false
				}
			}
		default:
			return "", false
		}
	}
	return sb.String(), true
}

func simpleParam(p *syntax.ParamExp) bool {
	return p.Param != nil && p.Flags == nil && !p.Excl && !p.Length && !p.Width && !p.IsSet &&
		p.NestedParam == nil && p.Index == nil && len(p.Modifiers) == 0 && p.Slice == nil &&
		p.Repl == nil && p.Names == 0 && p.Exp == nil
}

// lookup resolves a variable from the RUN environment (ENV and ARGs)
// unless the script itself may set it.
func (a *analyzer) lookup(name string) (string, bool) {
	if a.shadowAll || a.shadow[name] {
		return "", false
	}
	return a.env.get(name)
}

func (a *analyzer) lit(w *syntax.Word) (string, bool) { return wordValue(w, a.lookup) }

// collectShadow records variables a script may assign: those are not
// substituted from the RUN environment.
func (a *analyzer) collectShadow(f *syntax.File) {
	if a.shadow == nil {
		a.shadow = map[string]bool{}
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Assign:
			if n.Name != nil {
				a.shadow[n.Name.Value] = true
			}
		case *syntax.WordIter:
			if n.Name != nil {
				a.shadow[n.Name.Value] = true
			}
		case *syntax.CallExpr:
			if len(n.Args) > 1 {
				switch n.Args[0].Lit() {
				case "read", "mapfile", "readarray", "getopts", "unset", "export", "declare", "local", "typeset", "source", ".", "eval", "set":
					for _, w := range n.Args[1:] {
						if l := w.Lit(); l != "" {
							k, _, _ := strings.Cut(l, "=")
							a.shadow[k] = true
						}
					}
					if l := n.Args[0].Lit(); l == "source" || l == "." || l == "eval" {
						a.shadowAll = true
					}
				}
			}
		}
		return true
	})
}

// unescape removes shell backslash escaping from a literal (inside double
// quotes only \$ \` \" \\ and \newline are escapes).
func unescape(s string, dquoted bool) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			sb.WriteByte(s[i])
			continue
		}
		n := s[i+1]
		switch {
		case n == '\n':
			i++
		case !dquoted || strings.IndexByte("$`\"\\", n) >= 0:
			sb.WriteByte(n)
			i++
		default:
			sb.WriteByte(s[i])
		}
	}
	return sb.String()
}

func rawWord(src string, w *syntax.Word) string {
	if w == nil || len(w.Parts) == 0 {
		return ""
	}
	s, e := int(w.Pos().Offset()), int(w.End().Offset())
	if s < 0 || e > len(src) || s > e {
		return ""
	}
	return src[s:e]
}
