package nix

// Path and string values: path literals, interpolation, and the mapping
// between repository-relative and the analyzer's absolute paths.

import (
	"path"
	"strings"
)

func (a *analyzer) evalString(n *String, en *env) value {
	var base *pathV
	var b strings.Builder
	for i, p := range n.Parts {
		if p.Expr == nil {
			b.WriteString(p.Literal)
			continue
		}
		switch v := a.eval(p.Expr, en).(type) {
		case strV:
			if b.Len()+len(v.s) > maxStrLen {
				return finishString(base, b.String(), true, n, en)
			}
			b.WriteString(v.s)
			if v.dyn {
				return finishString(base, b.String(), true, n, en)
			}
		case *pathV:
			if i == 0 {
				base = v
				continue
			}
			return finishString(base, b.String(), true, n, en)
		default:
			return finishString(base, b.String(), true, n, en)
		}
	}
	return finishString(base, b.String(), false, n, en)
}

func finishString(base *pathV, s string, dyn bool, n *String, en *env) value {
	if base == nil {
		return strV{s: s, dyn: dyn}
	}
	return appendPath(base, s, dyn, n, en.fc)
}

// appendPath is path + "s…" (dyn: followed by something unknown).
func appendPath(base *pathV, s string, dyn bool, origin Node, fc *fileCtx) *pathV {
	r := &pathV{kind: base.kind, origin: origin, ofc: fc}
	switch {
	case base.dynamic || len(base.abs)+len(s) > maxPathLen:
		// (beyond maxPathLen no real path exists; stopping there also keeps
		// folding a + "/b" + "/b" + … linear)
		r.abs, r.dynamic = base.abs, true
	case dyn:
		r.abs, r.dynamic = dynPrefix(base.abs+s), true
	default:
		r.abs = cleanAbs(base.abs + s)
	}
	return r
}

func cleanAbs(p string) string {
	if strings.HasPrefix(p, "~") {
		return "~" + path.Clean("/"+p[1:])
	}
	return path.Clean(p)
}

// dynPrefix is the static leading directory of a path whose static text is
// raw and which continues with something unknown.
func dynPrefix(raw string) string {
	if strings.HasSuffix(raw, "/") {
		return cleanAbs(raw)
	}
	return path.Dir(cleanAbs(raw))
}

func repoAbs(rel string) string {
	if rel == "" {
		return vroot
	}
	return vroot + "/" + rel
}

// relOf maps a virtual absolute path back to a repository path.
func relOf(abs string) (string, bool) {
	if abs == vroot {
		return "", true
	}
	if strings.HasPrefix(abs, vroot+"/") {
		return abs[len(vroot)+1:], true
	}
	return "", false
}

func (a *analyzer) evalPath(n *Path, en *env) value {
	if n.Kind == Search {
		return unknownV{}
	}
	var b strings.Builder
	dyn := false
	for _, p := range n.Parts {
		if p.Expr == nil {
			b.WriteString(p.Literal)
			continue
		}
		if s, ok := a.eval(p.Expr, en).(strV); ok {
			b.WriteString(s.s)
			if !s.dyn {
				continue
			}
		}
		dyn = true
		break
	}
	lit := b.String()
	r := &pathV{origin: n, ofc: en.fc}
	var raw string
	switch n.Kind {
	case Absolute:
		r.kind, raw = pAbs, lit
	case Home:
		r.kind, raw = pHome, lit
	default:
		r.kind, raw = pRepo, repoAbs(en.fc.dir)+"/"+lit
	}
	if dyn {
		r.abs, r.dynamic = dynPrefix(raw), true
	} else {
		r.abs = cleanAbs(raw)
	}
	return r
}
