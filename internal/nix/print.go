package nix

import (
	"strconv"
	"strings"
)

// Sprint renders a node as a compact, fully parenthesised S-expression,
// meant for tests and debugging (not Nix syntax):
//
//	x: f x.a or 1   ⇒  (x: (f (. x a or 1)))
//	{ a.b = 1; }    ⇒  {a.b = 1;}
//	"a${b}"         ⇒  (str "a" ${b})
//
// Trees nested deeper than 10000 levels are cut off with "…".
func Sprint(n Node) string {
	var b strings.Builder
	pr := printer{&b}
	pr.node(n, 0)
	return b.String()
}

type printer struct{ b *strings.Builder }

const maxPrintDepth = 10000

func (p printer) s(s string) { p.b.WriteString(s) }

func (p printer) parts(parts []StringPart, d int) {
	for _, x := range parts {
		p.s(" ")
		if x.Expr != nil {
			p.s("${")
			p.node(x.Expr, d+1)
			p.s("}")
		} else {
			p.s(strconv.Quote(x.Literal))
		}
	}
}

func (p printer) attrPath(path []AttrName, d int) {
	for i, a := range path {
		if i > 0 {
			p.s(".")
		}
		p.attr(a, d)
	}
}

func (p printer) attr(a AttrName, d int) {
	switch {
	case a.Kind == AttrIdent:
		p.s(a.Name)
	case !a.Dynamic:
		p.s(strconv.Quote(a.Name))
	case a.Kind == AttrInterp:
		p.s("${")
		p.node(a.Expr, d+1)
		p.s("}")
	default:
		p.node(a.Expr, d+1)
	}
}

func (p printer) binds(bs []Bind, d int) {
	for i, b := range bs {
		if i > 0 {
			p.s(" ")
		}
		p.node(b, d+1)
	}
}

func (p printer) node(n Node, d int) {
	if d > maxPrintDepth {
		p.s("…")
		return
	}
	switch n := n.(type) {
	case nil:
		p.s("<nil>")
	case *Int:
		p.s(strconv.FormatInt(n.Value, 10))
	case *Float:
		p.s(strconv.FormatFloat(n.Value, 'g', -1, 64))
		if !strings.ContainsAny(p.b.String()[p.b.Len()-1:], ".e") && n.Value == float64(int64(n.Value)) {
			p.s(".")
		}
	case *String:
		if lit, ok := n.Literal(); ok && !n.Indented {
			p.s(strconv.Quote(lit))
			return
		}
		if n.Indented {
			p.s("(istr")
		} else {
			p.s("(str")
		}
		p.parts(n.Parts, d)
		p.s(")")
	case *Path:
		p.s("(path")
		if n.Kind != Relative {
			p.s("/" + n.Kind.String())
		}
		p.parts(n.Parts, d)
		p.s(")")
	case *URI:
		p.s("(uri " + strconv.Quote(n.Value) + ")")
	case *Ident:
		p.s(n.Name)
	case *CurPos:
		p.s("__curPos")
	case *AttrSet:
		if n.Rec {
			p.s("rec")
		}
		p.s("{")
		p.binds(n.Bindings, d)
		p.s("}")
	case *Binding:
		p.attrPath(n.Path, d)
		p.s(" = ")
		p.node(n.Value, d+1)
		p.s(";")
	case *Inherit:
		p.s("inherit")
		if n.From != nil {
			p.s(" (")
			p.node(n.From, d+1)
			p.s(")")
		}
		for _, a := range n.Names {
			p.s(" ")
			p.attr(a, d)
		}
		p.s(";")
	case *Let:
		p.s("(let ")
		p.binds(n.Bindings, d)
		p.s(" in ")
		p.node(n.Body, d+1)
		p.s(")")
	case *LegacyLet:
		p.s("(let {")
		p.binds(n.Bindings, d)
		p.s("})")
	case *With:
		p.s("(with ")
		p.node(n.Env, d+1)
		p.s("; ")
		p.node(n.Body, d+1)
		p.s(")")
	case *Assert:
		p.s("(assert ")
		p.node(n.Cond, d+1)
		p.s("; ")
		p.node(n.Body, d+1)
		p.s(")")
	case *If:
		p.s("(if ")
		p.node(n.Cond, d+1)
		p.s(" then ")
		p.node(n.Then, d+1)
		p.s(" else ")
		p.node(n.Else, d+1)
		p.s(")")
	case *Lambda:
		p.s("(")
		if n.Formals != nil && n.Formals.ParamFirst {
			p.s(n.Param + "@")
		}
		if n.Formals != nil {
			p.s("{")
			for i, f := range n.Formals.Params {
				if i > 0 {
					p.s(", ")
				}
				p.s(f.Name)
				if f.Default != nil {
					p.s(" ? ")
					p.node(f.Default, d+1)
				}
			}
			if n.Formals.Ellipsis {
				if len(n.Formals.Params) > 0 {
					p.s(", ")
				}
				p.s("...")
			}
			p.s("}")
			if !n.Formals.ParamFirst && n.Param != "" {
				p.s("@" + n.Param)
			}
		} else {
			p.s(n.Param)
		}
		p.s(": ")
		p.node(n.Body, d+1)
		p.s(")")
	case *Call:
		p.s("(")
		p.node(n.Func, d+1)
		p.s(" ")
		p.node(n.Arg, d+1)
		p.s(")")
	case *Select:
		p.s("(. ")
		p.node(n.Expr, d+1)
		p.s(" ")
		p.attrPath(n.Path, d)
		if n.Default != nil {
			p.s(" or ")
			p.node(n.Default, d+1)
		}
		p.s(")")
	case *HasAttr:
		p.s("(? ")
		p.node(n.Expr, d+1)
		p.s(" ")
		p.attrPath(n.Path, d)
		p.s(")")
	case *Binary:
		p.s("(" + n.Op.String() + " ")
		p.node(n.X, d+1)
		p.s(" ")
		p.node(n.Y, d+1)
		p.s(")")
	case *Unary:
		p.s("(" + n.Op.String() + " ")
		p.node(n.X, d+1)
		p.s(")")
	case *List:
		p.s("[")
		for i, e := range n.Elems {
			if i > 0 {
				p.s(" ")
			}
			p.node(e, d+1)
		}
		p.s("]")
	case *Paren:
		p.s("(paren ")
		p.node(n.X, d+1)
		p.s(")")
	default:
		p.s("<?>")
	}
}

func (n *Int) String() string       { return Sprint(n) }
func (n *Float) String() string     { return Sprint(n) }
func (n *String) String() string    { return Sprint(n) }
func (n *Path) String() string      { return Sprint(n) }
func (n *URI) String() string       { return Sprint(n) }
func (n *Ident) String() string     { return Sprint(n) }
func (n *CurPos) String() string    { return Sprint(n) }
func (n *AttrSet) String() string   { return Sprint(n) }
func (n *Binding) String() string   { return Sprint(n) }
func (n *Inherit) String() string   { return Sprint(n) }
func (n *Let) String() string       { return Sprint(n) }
func (n *LegacyLet) String() string { return Sprint(n) }
func (n *With) String() string      { return Sprint(n) }
func (n *Assert) String() string    { return Sprint(n) }
func (n *If) String() string        { return Sprint(n) }
func (n *Lambda) String() string    { return Sprint(n) }
func (n *Call) String() string      { return Sprint(n) }
func (n *Select) String() string    { return Sprint(n) }
func (n *HasAttr) String() string   { return Sprint(n) }
func (n *Binary) String() string    { return Sprint(n) }
func (n *Unary) String() string     { return Sprint(n) }
func (n *List) String() string      { return Sprint(n) }
func (n *Paren) String() string     { return Sprint(n) }
