package nix

// Span is a half-open byte range [Start, End) in the source. Every node
// embeds a Span; use (*File).Position to turn an offset into line:column.
type Span struct {
	Start, End int
}

// Bounds returns the span itself; it lets any Node report its extent.
func (s Span) Bounds() Span { return s }

// Node is any syntax-tree node.
type Node interface {
	Bounds() Span
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Bind is a member of an attribute set or let: *Binding or *Inherit.
type Bind interface {
	Node
	bindNode()
}

type (
	// Int is an integer literal.
	Int struct {
		Span
		Value int64
	}

	// Float is a floating-point literal (1.5, .5, 1., 1.5e3).
	Float struct {
		Span
		Value float64
	}

	// String is "…" or (Indented) ''…''. Literal parts hold the final value
	// (escapes applied; for indented strings, indentation stripped). Adjacent
	// literal pieces are merged into one part.
	String struct {
		Span
		Indented bool
		Parts    []StringPart
		static   bool // Nix's parser sees a single constant string
	}

	// Path is a path literal. For Relative, Absolute and Home paths the literal
	// parts are the source text (./a/, .nix); for Search paths (<nixpkgs/lib>)
	// the single part is the name between the angle brackets.
	Path struct {
		Span
		Kind  PathKind
		Parts []StringPart
	}

	// URI is an unquoted URL literal such as github:NixOS/nixpkgs.
	URI struct {
		Span
		Value string
	}

	// Ident is a variable reference.
	Ident struct {
		Span
		Name string
	}

	// CurPos is the special variable __curPos.
	CurPos struct {
		Span
	}

	// AttrSet is { … } or rec { … }.
	AttrSet struct {
		Span
		Rec      bool
		Bindings []Bind
	}

	// Let is let … in Body.
	Let struct {
		Span
		Bindings []Bind
		Body     Expr
	}

	// LegacyLet is the old let { …; body = …; } form, which means
	// (rec { … }).body.
	LegacyLet struct {
		Span
		Bindings []Bind
	}

	// With is with Env; Body.
	With struct {
		Span
		Env, Body Expr
	}

	// Assert is assert Cond; Body.
	Assert struct {
		Span
		Cond, Body Expr
	}

	// If is if Cond then Then else Else.
	If struct {
		Span
		Cond, Then, Else Expr
	}

	// Lambda is a function. Param is the simple parameter name ("" if none):
	// x: …, or the name bound by @. Formals is non-nil for { … }: forms.
	Lambda struct {
		Span
		Param     string
		ParamSpan Span // zero when Param == ""
		Formals   *Formals
		Body      Expr
	}

	// Call is function application Func Arg.
	Call struct {
		Span
		Func, Arg Expr
	}

	// Select is Expr.Path or Expr.Path or Default.
	Select struct {
		Span
		Expr    Expr
		Path    []AttrName
		Default Expr // nil without "or"
	}

	// HasAttr is Expr ? Path.
	HasAttr struct {
		Span
		Expr Expr
		Path []AttrName
	}

	// Binary is a binary operator application.
	Binary struct {
		Span
		Op   Op
		X, Y Expr
	}

	// Unary is !X or -X.
	Unary struct {
		Span
		Op Op
		X  Expr
	}

	// List is [ … ].
	List struct {
		Span
		Elems []Expr
	}

	// Paren is ( X ).
	Paren struct {
		Span
		X Expr
	}
)

// StringPart is a piece of a string, path or quoted attribute name: either a
// literal (Expr == nil, value in Literal) or an interpolation ${Expr}, whose
// Span covers "${" through "}".
type StringPart struct {
	Span
	Literal string
	Expr    Expr
}

// PathKind tells the form of a path literal.
type PathKind uint8

const (
	Relative PathKind = iota // ./a, ../a, a/b
	Absolute                 // /a
	Home                     // ~/a
	Search                   // <nixpkgs>
)

func (k PathKind) String() string {
	switch k {
	case Relative:
		return "relative"
	case Absolute:
		return "absolute"
	case Home:
		return "home"
	case Search:
		return "search"
	}
	return "?"
}

// Binding is Path = Value;.
type Binding struct {
	Span
	Path  []AttrName
	Value Expr
}

// Inherit is inherit Names; or inherit (From) Names;.
type Inherit struct {
	Span
	From  Expr // nil without (…)
	Names []AttrName
}

// AttrKind is the written form of an attribute name.
type AttrKind uint8

const (
	AttrIdent  AttrKind = iota // name (or the keyword or)
	AttrString                 // "name" or "${…}…"
	AttrInterp                 // ${expr}
)

// AttrName is one element of an attribute path. Name is set when the name is
// static. Expr is nil for AttrIdent, the *String for AttrString and the
// expression inside ${…} for AttrInterp. Dynamic reports whether Nix treats
// the name as dynamic (only known at evaluation time).
type AttrName struct {
	Span
	Kind    AttrKind
	Name    string
	Dynamic bool
	Expr    Expr
}

// Formals is the { a, b ? d, ... } part of a lambda.
type Formals struct {
	Span
	Params   []Formal
	Ellipsis bool
	// ParamFirst is true for args@{ … }, false for { … }@args.
	ParamFirst bool
}

// Formal is one parameter of a formal set.
type Formal struct {
	Span
	Name    string
	Default Expr // nil without ?
}

// Op is an operator.
type Op uint8

const (
	OpInvalid  Op = iota
	OpImpl        // ->
	OpOr          // ||
	OpAnd         // &&
	OpEq          // ==
	OpNeq         // !=
	OpLt          // <
	OpGt          // >
	OpLeq         // <=
	OpGeq         // >=
	OpUpdate      // //
	OpAdd         // +
	OpSub         // -
	OpMul         // *
	OpDiv         // /
	OpConcat      // ++
	OpNot         // ! (unary)
	OpNeg         // - (unary)
	OpPipeInto    // |>
	OpPipeFrom    // <|
)

var opNames = [...]string{OpInvalid: "?", OpImpl: "->", OpOr: "||", OpAnd: "&&", OpEq: "==",
	OpNeq: "!=", OpLt: "<", OpGt: ">", OpLeq: "<=", OpGeq: ">=", OpUpdate: "//", OpAdd: "+",
	OpSub: "-", OpMul: "*", OpDiv: "/", OpConcat: "++", OpNot: "!", OpNeg: "neg",
	OpPipeInto: "|>", OpPipeFrom: "<|"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "?"
}

func (*Int) exprNode()       {}
func (*Float) exprNode()     {}
func (*String) exprNode()    {}
func (*Path) exprNode()      {}
func (*URI) exprNode()       {}
func (*Ident) exprNode()     {}
func (*CurPos) exprNode()    {}
func (*AttrSet) exprNode()   {}
func (*Let) exprNode()       {}
func (*LegacyLet) exprNode() {}
func (*With) exprNode()      {}
func (*Assert) exprNode()    {}
func (*If) exprNode()        {}
func (*Lambda) exprNode()    {}
func (*Call) exprNode()      {}
func (*Select) exprNode()    {}
func (*HasAttr) exprNode()   {}
func (*Binary) exprNode()    {}
func (*Unary) exprNode()     {}
func (*List) exprNode()      {}
func (*Paren) exprNode()     {}

func (*Binding) bindNode() {}
func (*Inherit) bindNode() {}

// Literal returns the value of a string without interpolation.
func (s *String) Literal() (string, bool) { return literalOf(s.Parts) }

// Literal returns the text of a path without interpolation: the source text
// (./a/b, /x, ~/x) or, for a Search path, the name inside <…>.
func (p *Path) Literal() (string, bool) { return literalOf(p.Parts) }

func literalOf(parts []StringPart) (string, bool) {
	switch len(parts) {
	case 0:
		return "", true
	case 1:
		if parts[0].Expr == nil {
			return parts[0].Literal, true
		}
		return "", false
	}
	s := ""
	for _, p := range parts {
		if p.Expr != nil {
			return "", false
		}
		s += p.Literal
	}
	return s, true
}

// Unparen strips any enclosing parentheses.
func Unparen(e Expr) Expr {
	for {
		p, ok := e.(*Paren)
		if !ok {
			return e
		}
		e = p.X
	}
}

// Walk visits n and its descendants in source order (depth first, pre-order).
// When f returns false the children of that node are skipped. Walk uses an
// explicit stack, so arbitrarily deep trees are fine. Bindings, inherits,
// formals' defaults, attribute-name expressions and interpolations are
// visited as part of their parent.
func Walk(n Node, f func(Node) bool) {
	if n == nil {
		return
	}
	stack := []Node{n}
	var kids []Node
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || !f(n) {
			continue
		}
		kids = appendChildren(kids[:0], n)
		for i := len(kids) - 1; i >= 0; i-- {
			if kids[i] != nil {
				stack = append(stack, kids[i])
			}
		}
	}
}

// Children returns the direct children of n in source order.
func Children(n Node) []Node { return appendChildren(nil, n) }

func appendParts(k []Node, parts []StringPart) []Node {
	for _, p := range parts {
		if p.Expr != nil {
			k = append(k, p.Expr)
		}
	}
	return k
}

func appendAttrPath(k []Node, path []AttrName) []Node {
	for _, a := range path {
		if a.Expr != nil {
			k = append(k, a.Expr)
		}
	}
	return k
}

func appendBinds(k []Node, bs []Bind) []Node {
	for _, b := range bs {
		k = append(k, b)
	}
	return k
}

func appendChildren(k []Node, n Node) []Node {
	switch n := n.(type) {
	case *String:
		k = appendParts(k, n.Parts)
	case *Path:
		k = appendParts(k, n.Parts)
	case *AttrSet:
		k = appendBinds(k, n.Bindings)
	case *Let:
		k = appendBinds(k, n.Bindings)
		k = append(k, n.Body)
	case *LegacyLet:
		k = appendBinds(k, n.Bindings)
	case *Binding:
		k = appendAttrPath(k, n.Path)
		k = append(k, n.Value)
	case *Inherit:
		if n.From != nil {
			k = append(k, n.From)
		}
		k = appendAttrPath(k, n.Names)
	case *With:
		k = append(k, n.Env, n.Body)
	case *Assert:
		k = append(k, n.Cond, n.Body)
	case *If:
		k = append(k, n.Cond, n.Then, n.Else)
	case *Lambda:
		if n.Formals != nil {
			for _, f := range n.Formals.Params {
				if f.Default != nil {
					k = append(k, f.Default)
				}
			}
		}
		k = append(k, n.Body)
	case *Call:
		k = append(k, n.Func, n.Arg)
	case *Select:
		k = append(k, n.Expr)
		k = appendAttrPath(k, n.Path)
		if n.Default != nil {
			k = append(k, n.Default)
		}
	case *HasAttr:
		k = append(k, n.Expr)
		k = appendAttrPath(k, n.Path)
	case *Binary:
		k = append(k, n.X, n.Y)
	case *Unary:
		k = append(k, n.X)
	case *List:
		for _, e := range n.Elems {
			k = append(k, e)
		}
	case *Paren:
		k = append(k, n.X)
	}
	return k
}
