package buildctx

import (
	"strings"
)

// A minimal reader for the HCL of bake files: top-level blocks
// (`target "name" { … }`), attributes (`key = value`), string, list and
// object values. Anything else (functions, conditionals, heredocs) makes
// the value dynamic. It never fails: what it cannot read it skips.

type hclTok struct {
	kind byte // 's' string, 'i' identifier/number, or the punctuation byte
	val  string
	dyn  bool // a string with ${…} interpolation
	line int
}

func hclLex(src string) []hclTok {
	var out []hclTok
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == ',':
			if c == ',' {
				out = append(out, hclTok{kind: ',', line: line})
			}
			i++
		case c == '#' || (c == '/' && i+1 < len(src) && src[i+1] == '/'):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return out
			}
			line += strings.Count(src[i:i+2+j], "\n")
			i += j + 4
		case c == '"':
			var sb strings.Builder
			dyn := false
			j := i + 1
			for j < len(src) && src[j] != '"' && src[j] != '\n' {
				switch {
				case src[j] == '\\' && j+1 < len(src):
					sb.WriteByte(src[j+1])
					j += 2
					continue
				case src[j] == '$' && j+1 < len(src) && src[j+1] == '{':
					dyn = true
					depth := 0
					for j < len(src) && src[j] != '\n' {
						if src[j] == '{' {
							depth++
						} else if src[j] == '}' {
							depth--
							if depth == 0 {
								break
							}
						}
						j++
					}
				}
				if j < len(src) {
					sb.WriteByte(src[j])
				}
				j++
			}
			out = append(out, hclTok{kind: 's', val: sb.String(), dyn: dyn, line: line})
			i = j + 1
		case c == '<' && strings.HasPrefix(src[i:], "<<"):
			// heredoc: skip to its end marker
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				return out
			}
			marker := strings.TrimSpace(strings.TrimLeft(src[i+2:i+j], "-"))
			k := strings.Index(src[i+j:], "\n"+marker)
			if k < 0 {
				k = strings.Index(src[i+j:], marker)
				if k < 0 {
					return out
				}
			}
			line += strings.Count(src[i:i+j+k+1], "\n")
			out = append(out, hclTok{kind: 's', dyn: true, line: line})
			i += j + k + 1 + len(marker)
		case isIdent(c):
			j := i
			for j < len(src) && (isIdent(src[j]) || src[j] == '.') {
				j++
			}
			out = append(out, hclTok{kind: 'i', val: src[i:j], line: line})
			i = j
		default:
			out = append(out, hclTok{kind: c, line: line})
			i++
		}
	}
	return out
}

func isIdent(c byte) bool {
	return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// hclValue is a parsed value: a string, a list of values, or an object.
type hclValue struct {
	str  string
	dyn  bool
	list []hclValue
	obj  map[string]hclValue
	kind byte // 's', 'l', 'o', or 'x' (anything else)
}

type hclParser struct {
	toks []hclTok
	pos  int
}

func (p *hclParser) peek() hclTok {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return hclTok{kind: 0}
}

func (p *hclParser) next() hclTok { t := p.peek(); p.pos++; return t }

// value parses one expression; anything beyond a plain string, list or
// object is returned as dynamic ('x'), consuming balanced brackets.
func (p *hclParser) value() hclValue {
	t := p.next()
	var v hclValue
	switch t.kind {
	case 's':
		v = hclValue{kind: 's', str: t.val, dyn: t.dyn}
	case '[':
		v = hclValue{kind: 'l'}
		for p.pos < len(p.toks) {
			if k := p.peek().kind; k == ']' {
				p.next()
				break
			} else if k == ',' {
				p.next()
				continue
			}
			v.list = append(v.list, p.value())
		}
	case '{':
		v = hclValue{kind: 'o', obj: map[string]hclValue{}}
		for p.pos < len(p.toks) {
			k := p.next()
			if k.kind == '}' {
				break
			}
			if k.kind == ',' {
				continue
			}
			if sep := p.peek().kind; sep == '=' || sep == ':' {
				p.next()
				v.obj[k.val] = p.value()
			}
		}
	case 'i':
		v = hclValue{kind: 'x', dyn: true}
		if t.val == "true" || t.val == "false" || t.val == "null" {
			v = hclValue{kind: 's', str: t.val}
		}
		if p.peek().kind == '(' {
			p.skipBalanced()
		}
	case '(':
		p.pos--
		p.skipBalanced()
		v = hclValue{kind: 'x', dyn: true}
	default:
		v = hclValue{kind: 'x', dyn: true}
	}
	// operators and conditionals make the whole expression dynamic
	for p.pos < len(p.toks) {
		switch p.peek().kind {
		case '?', '+', '*', '-', '/', '=', '!', '<', '>', '&', '|', '%', ':', '.':
			if p.peek().kind == ':' || p.peek().kind == '=' {
				if next := p.pos + 1; next < len(p.toks) && p.toks[next].kind != '=' {
					return v
				}
			}
			p.next()
			if p.pos < len(p.toks) && p.peek().kind != '}' && p.peek().kind != ']' {
				p.value()
			}
			v = hclValue{kind: 'x', dyn: true}
		default:
			return v
		}
	}
	return v
}

func (p *hclParser) skipBalanced() {
	depth := 0
	for p.pos < len(p.toks) {
		switch p.next().kind {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth <= 0 {
				return
			}
		}
	}
}

// bakeHCL reads the target blocks of a bake HCL file.
func bakeHCL(src []byte) map[string]*bakeTarget {
	p := &hclParser{toks: hclLex(string(src))}
	out := map[string]*bakeTarget{}
	for p.pos < len(p.toks) {
		t := p.next()
		if t.kind != 'i' {
			continue
		}
		// block: ident labels… {   or attribute: ident = value
		if p.peek().kind == '=' {
			p.next()
			p.value()
			continue
		}
		var labels []string
		for p.peek().kind == 's' || p.peek().kind == 'i' {
			labels = append(labels, p.next().val)
		}
		if p.peek().kind != '{' {
			continue
		}
		p.next()
		attrs := p.body()
		if t.val != "target" || len(labels) != 1 {
			continue
		}
		bt := &bakeTarget{name: labels[0], line: t.line, args: map[string]string{}, unknown: map[string]bool{}}
		if v, ok := attrs["context"]; ok {
			s := v.str
			bt.context = &s
			bt.dynamic = bt.dynamic || v.kind != 's' || v.dyn
		}
		if v, ok := attrs["dockerfile"]; ok {
			s := v.str
			bt.dockerfile = &s
			bt.dynamic = bt.dynamic || v.kind != 's' || v.dyn
		}
		if v, ok := attrs["target"]; ok {
			s := v.str
			bt.target = &s
			bt.dynamic = bt.dynamic || v.kind != 's' || v.dyn
		}
		if v, ok := attrs["inherits"]; ok {
			for _, e := range v.list {
				if e.kind == 's' && !e.dyn {
					bt.inherits = append(bt.inherits, e.str)
				}
			}
		}
		if v, ok := attrs["args"]; ok && v.kind == 'o' {
			for k, a := range v.obj {
				k = strings.Trim(k, `"`)
				if a.kind == 's' && !a.dyn {
					bt.args[k] = a.str
				} else {
					bt.unknown[k] = true
				}
			}
		}
		out[bt.name] = bt
	}
	return out
}

// body reads attributes up to the closing brace (nested blocks skipped).
func (p *hclParser) body() map[string]hclValue {
	attrs := map[string]hclValue{}
	for p.pos < len(p.toks) {
		t := p.next()
		switch t.kind {
		case '}':
			return attrs
		case 'i', 's':
			if p.peek().kind == '=' {
				p.next()
				attrs[t.val] = p.value()
				continue
			}
			for p.peek().kind == 's' || p.peek().kind == 'i' {
				p.next()
			}
			if p.peek().kind == '{' {
				p.skipBalanced()
			}
		}
	}
	return attrs
}
