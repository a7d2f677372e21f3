package nix

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxDepth bounds the parser's recursion. Every nested expression (a lambda,
// let, with, assert or if body, a parenthesised or interpolated expression,
// an operand of a prefix operator, a select default) and every bracketed
// construct ({ }, [ ], ( ), strings) counts one level, so e.g. {a={a=…}}
// costs two levels per brace and [[…]] one. Deeper input is rejected with
// the SyntaxError "expression nested too deeply" instead of exhausting the
// stack.
const MaxDepth = 4096

// Parse parses a Nix expression. filename is only used in positions and
// error messages. The returned error, if any, is a *SyntaxError.
func Parse(filename string, src []byte) (*File, error) {
	return ParseString(filename, string(src))
}

// ParseString is like Parse for a string (the string is not copied).
func ParseString(filename string, src string) (f *File, err error) {
	return parseString(filename, src, nil)
}

// ParseInterruptible is Parse that gives up, with a SyntaxError saying
// "interrupted", soon after interrupted returns true: it is asked every
// 4,096 tokens.
func ParseInterruptible(filename string, src []byte, interrupted func() bool) (*File, error) {
	return parseString(filename, string(src), interrupted)
}

func parseString(filename string, src string, interrupted func() bool) (f *File, err error) {
	p := &parser{name: filename, interrupted: interrupted}
	p.lx.src = src
	p.lx.stack = append(make([]uint8, 0, 16), sInitial)
	p.slab = min(max(len(src)/512, 4), maxSlab)
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			f, err = nil, p.err
		}
	}()
	e := p.parseExpr()
	if t := p.peek(0); t.kind != tEOF {
		p.unexpected(t, "end of file")
	}
	if p.lx.errMsg != "" {
		p.fail(p.lx.errPos, p.lx.errMsg)
	}
	return &File{Name: filename, Expr: e, Comments: p.lx.comments, src: src}, nil
}

type bailout struct{}

type parser struct {
	lx   lexer
	name string
	// interrupted, when set, is asked every 4,096 tokens whether to stop.
	interrupted func() bool
	tokens      int
	buf         [4]token
	head        int
	n           int
	depth       int
	err         *SyntaxError
	lines       []int

	// The attribute model of the attribute set parsed last, used for Nix's
	// duplicate-attribute checks when that set is the value of a binding.
	lastSet   *AttrSet
	lastModel *attrModel

	ind   []indPiece // scratch for indented strings
	binds []Bind     // scratch for bindings of nested sets
	exprs []Expr     // scratch for list elements

	// slabs: nodes are allocated in chunks to cut allocation overhead
	idents   []Ident
	calls    []Call
	selects  []Select
	bindings []Binding
	strs     []String
	paths    []Path
	binaries []Binary
	attrs    []AttrName
	slab     int // chunk size, scaled to the input
}

const maxSlab = 64

func (p *parser) newIdent(sp Span, name string) *Ident {
	if len(p.idents) == 0 {
		p.idents = make([]Ident, p.slab)
	}
	n := &p.idents[0]
	p.idents = p.idents[1:]
	n.Span, n.Name = sp, name
	return n
}

func (p *parser) newCall(x, y Expr) *Call {
	if len(p.calls) == 0 {
		p.calls = make([]Call, p.slab)
	}
	n := &p.calls[0]
	p.calls = p.calls[1:]
	*n = Call{Span{start(x), end(y)}, x, y}
	return n
}

func (p *parser) newSelect() *Select {
	if len(p.selects) == 0 {
		p.selects = make([]Select, p.slab)
	}
	n := &p.selects[0]
	p.selects = p.selects[1:]
	return n
}

func (p *parser) newBinding() *Binding {
	if len(p.bindings) == 0 {
		p.bindings = make([]Binding, p.slab)
	}
	n := &p.bindings[0]
	p.bindings = p.bindings[1:]
	return n
}

func (p *parser) newString() *String {
	if len(p.strs) == 0 {
		p.strs = make([]String, p.slab)
	}
	n := &p.strs[0]
	p.strs = p.strs[1:]
	return n
}

func (p *parser) newPath() *Path {
	if len(p.paths) == 0 {
		p.paths = make([]Path, p.slab)
	}
	n := &p.paths[0]
	p.paths = p.paths[1:]
	return n
}

func (p *parser) newBinary(op Op, x, y Expr) *Binary {
	if len(p.binaries) == 0 {
		p.binaries = make([]Binary, p.slab)
	}
	n := &p.binaries[0]
	p.binaries = p.binaries[1:]
	*n = Binary{Span{start(x), end(y)}, op, x, y}
	return n
}

// attrPath returns a slice of n attribute names carved from a shared slab.
func (p *parser) attrPath(names []AttrName) []AttrName {
	if len(names) > p.slab/4 {
		return append([]AttrName(nil), names...)
	}
	if len(p.attrs) < len(names) {
		p.attrs = make([]AttrName, p.slab)
	}
	out := p.attrs[:len(names):len(names)]
	p.attrs = p.attrs[len(names):]
	copy(out, names)
	return out
}

func (p *parser) peek(k int) token {
	if k < p.n {
		return p.buf[(p.head+k)&3]
	}
	return p.fill(k)
}

func (p *parser) fill(k int) token {
	for p.n <= k {
		p.buf[(p.head+p.n)&3] = p.lx.next()
		p.n++
	}
	return p.buf[(p.head+k)&3]
}

func (p *parser) next() token {
	t := p.peek(0)
	if p.interrupted != nil {
		if p.tokens++; p.tokens&4095 == 0 && p.interrupted() {
			p.fail(t.start, "interrupted")
		}
	}
	p.head = (p.head + 1) & 3
	p.n--
	return t
}

func (p *parser) text(t token) string { return p.lx.src[t.start:t.end] }

func (p *parser) fail(pos int, msg string) {
	if p.lines == nil {
		p.lines = lineStarts(p.lx.src)
	}
	ps := position(p.name, p.lx.src, p.lines, pos)
	p.err = &SyntaxError{Filename: p.name, Line: ps.Line, Column: ps.Column, Offset: ps.Offset, Msg: msg}
	panic(bailout{})
}

func (p *parser) failf(pos int, format string, args ...any) {
	p.fail(pos, fmt.Sprintf(format, args...))
}

func (p *parser) describe(t token) string {
	switch t.kind {
	case tID, tInt, tFloat, tPath, tHPath, tSPath, tURI, tPathStr:
		s := p.text(t)
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return fmt.Sprintf("%s '%s'", tokNames[t.kind], s)
	case tOther:
		return fmt.Sprintf("character %q", p.text(t))
	}
	return tokNames[t.kind]
}

func (p *parser) unexpected(t token, expecting string) {
	if t.kind == tEOF && p.lx.errMsg != "" {
		p.fail(p.lx.errPos, p.lx.errMsg)
	}
	msg := "unexpected " + p.describe(t)
	if expecting != "" {
		msg += ", expecting " + expecting
	}
	p.fail(t.start, msg)
}

func (p *parser) expect(k tokKind, what string) token {
	t := p.peek(0)
	if t.kind != k {
		p.unexpected(t, what)
	}
	return p.next()
}

func (p *parser) enter(pos int) {
	p.depth++
	if p.depth > MaxDepth {
		p.fail(pos, "expression nested too deeply")
	}
}

// ---------------------------------------------------------------- expressions

func (p *parser) parseExpr() Expr {
	p.enter(p.peek(0).start)
	e := p.parseExprFunction()
	p.depth--
	return e
}

func (p *parser) parseExprFunction() Expr {
	t := p.peek(0)
	switch t.kind {
	case tID:
		switch p.peek(1).kind {
		case tColon:
			p.next()
			p.next()
			body := p.parseExpr()
			return &Lambda{Span: Span{t.start, end(body)}, Param: p.text(t), ParamSpan: Span{t.start, t.end}, Body: body}
		case tAt:
			p.next()
			p.next()
			fs := p.parseFormals()
			fs.ParamFirst = true
			name := p.text(t)
			p.checkParamDup(fs, name, t.start)
			p.expect(tColon, "':'")
			body := p.parseExpr()
			return &Lambda{Span: Span{t.start, end(body)}, Param: name, ParamSpan: Span{t.start, t.end}, Formals: fs, Body: body}
		}
	case tLBrace:
		if p.isFormals() {
			fs := p.parseFormals()
			l := &Lambda{Formals: fs}
			if p.peek(0).kind == tAt {
				p.next()
				id := p.expect(tID, "an identifier")
				l.Param, l.ParamSpan = p.text(id), Span{id.start, id.end}
				p.checkParamDup(fs, l.Param, t.start)
			}
			p.expect(tColon, "':'")
			l.Body = p.parseExpr()
			l.Span = Span{t.start, end(l.Body)}
			return l
		}
	case tAssert:
		p.next()
		c := p.parseExpr()
		p.expect(tSemi, "';'")
		b := p.parseExpr()
		return &Assert{Span{t.start, end(b)}, c, b}
	case tWith:
		p.next()
		c := p.parseExpr()
		p.expect(tSemi, "';'")
		b := p.parseExpr()
		return &With{Span{t.start, end(b)}, c, b}
	case tLet:
		if p.peek(1).kind != tLBrace {
			p.next()
			binds, _, dyn := p.parseBinds()
			p.expect(tIn, "'in' or an attribute binding")
			b := p.parseExpr()
			if dyn {
				p.fail(t.start, "dynamic attributes not allowed in let")
			}
			return &Let{Span{t.start, end(b)}, binds, b}
		}
	}
	return p.parseIf()
}

func end(e Node) int   { return e.Bounds().End }
func start(e Node) int { return e.Bounds().Start }

// isFormals decides, at '{', between a formal parameter set and an
// attribute set (the GLR parser of Nix resolves this by trying both).
func (p *parser) isFormals() bool {
	switch p.peek(1).kind {
	case tRBrace:
		k := p.peek(2).kind
		return k == tColon || k == tAt
	case tEllipsis:
		return true
	case tID:
		switch p.peek(2).kind {
		case tComma, tQuestion, tRBrace:
			return true
		}
	}
	return false
}

func (p *parser) parseFormals() *Formals {
	open := p.expect(tLBrace, "'{'")
	fs := &Formals{}
	var seen map[string]bool
	for {
		t := p.peek(0)
		if t.kind == tRBrace {
			break
		}
		if t.kind == tEllipsis {
			p.next()
			fs.Ellipsis = true
			if k := p.peek(0); k.kind != tRBrace {
				p.unexpected(k, "'}'")
			}
			break
		}
		if t.kind != tID {
			p.unexpected(t, "a formal parameter, '...' or '}'")
		}
		p.next()
		f := Formal{Span: Span{t.start, t.end}, Name: p.text(t)}
		if p.peek(0).kind == tQuestion {
			p.next()
			f.Default = p.parseExpr()
			f.End = end(f.Default)
		}
		// duplicate check (Nix does this in the parser)
		dup := false
		if seen != nil {
			dup = seen[f.Name]
		} else {
			for _, g := range fs.Params {
				if g.Name == f.Name {
					dup = true
					break
				}
			}
		}
		if dup {
			p.failf(t.start, "duplicate formal function argument '%s'", f.Name)
		}
		fs.Params = append(fs.Params, f)
		if seen == nil && len(fs.Params) > 16 {
			seen = make(map[string]bool)
			for _, g := range fs.Params {
				seen[g.Name] = true
			}
		} else if seen != nil {
			seen[f.Name] = true
		}
		k := p.peek(0)
		if k.kind == tComma {
			p.next()
			continue
		}
		if k.kind != tRBrace {
			p.unexpected(k, "',' or '}'")
		}
	}
	cl := p.next()
	fs.Span = Span{open.start, cl.end}
	return fs
}

func (p *parser) checkParamDup(fs *Formals, name string, pos int) {
	for _, f := range fs.Params {
		if f.Name == name {
			p.failf(pos, "duplicate formal function argument '%s'", name)
		}
	}
}

func (p *parser) parseIf() Expr {
	t := p.peek(0)
	if t.kind == tIf {
		p.next()
		c := p.parseExpr()
		p.expect(tThen, "'then'")
		a := p.parseExpr()
		p.expect(tElse, "'else'")
		b := p.parseExpr()
		return &If{Span{t.start, end(b)}, c, a, b}
	}
	return p.parsePipes()
}

// parsePipes handles the experimental pipe operators, which Nix puts below
// all other operators: a |> f |> g (left) and g <| f <| a (right). Mixing
// them without parentheses is an error, as in Nix.
func (p *parser) parsePipes() Expr {
	x := p.parseBinary(1)
	switch p.peek(0).kind {
	case tPipeInto:
		for p.peek(0).kind == tPipeInto {
			p.next()
			y := p.parseBinary(1)
			x = p.newBinary(OpPipeInto, x, y)
		}
		if t := p.peek(0); t.kind == tPipeFrom {
			p.fail(t.start, "mixing '|>' and '<|' requires parentheses")
		}
	case tPipeFrom:
		xs := []Expr{x}
		for p.peek(0).kind == tPipeFrom {
			p.next()
			xs = append(xs, p.parseBinary(1))
		}
		if t := p.peek(0); t.kind == tPipeInto {
			p.fail(t.start, "mixing '|>' and '<|' requires parentheses")
		}
		y := xs[len(xs)-1]
		for i := len(xs) - 2; i >= 0; i-- {
			y = p.newBinary(OpPipeFrom, xs[i], y)
		}
		x = y
	}
	return x
}

// Operator precedence (parser.y): higher binds tighter.
const (
	precImpl    = 1 // right
	precOr      = 2
	precAnd     = 3
	precEq      = 4 // nonassoc
	precCmp     = 5 // nonassoc
	precUpdate  = 6 // right
	precNot     = 7 // prefix !
	precAdd     = 8
	precMul     = 9
	precConcat  = 10 // right
	precHasAttr = 11
	precNeg     = 12 // prefix -
)

var binPrec [tOther + 1]uint8
var binOp [tOther + 1]Op

func init() {
	set := func(k tokKind, prec uint8, op Op) { binPrec[k], binOp[k] = prec, op }
	set(tImpl, precImpl, OpImpl)
	set(tOr, precOr, OpOr)
	set(tAnd, precAnd, OpAnd)
	set(tEq, precEq, OpEq)
	set(tNeq, precEq, OpNeq)
	set(tLt, precCmp, OpLt)
	set(tGt, precCmp, OpGt)
	set(tLeq, precCmp, OpLeq)
	set(tGeq, precCmp, OpGeq)
	set(tUpdate, precUpdate, OpUpdate)
	set(tPlus, precAdd, OpAdd)
	set(tMinus, precAdd, OpSub)
	set(tStar, precMul, OpMul)
	set(tSlash, precMul, OpDiv)
	set(tConcat, precConcat, OpConcat)
	set(tQuestion, precHasAttr, OpInvalid)
}

func (p *parser) parseBinary(minPrec int) Expr {
	x := p.parseUnary()
	for {
		t := p.peek(0)
		prec := int(binPrec[t.kind])
		if prec == 0 || prec < minPrec {
			return x
		}
		p.next()
		switch prec {
		case precHasAttr:
			path := p.parseAttrPath()
			x = &HasAttr{Span{start(x), path[len(path)-1].End}, x, path}
		case precImpl, precUpdate, precConcat: // right associative
			xs := []Expr{x, p.parseBinary(prec + 1)}
			ops := []Op{binOp[t.kind]}
			for int(binPrec[p.peek(0).kind]) == prec {
				ops = append(ops, binOp[p.next().kind])
				xs = append(xs, p.parseBinary(prec+1))
			}
			y := xs[len(xs)-1]
			for i := len(xs) - 2; i >= 0; i-- {
				y = p.newBinary(ops[i], xs[i], y)
			}
			x = y
		case precEq, precCmp: // non-associative
			y := p.parseBinary(prec + 1)
			x = p.newBinary(binOp[t.kind], x, y)
			if k := p.peek(0); int(binPrec[k.kind]) == prec {
				p.unexpected(k, "")
			}
		default:
			y := p.parseBinary(prec + 1)
			x = p.newBinary(binOp[t.kind], x, y)
		}
	}
}

func (p *parser) parseUnary() Expr {
	t := p.peek(0)
	switch t.kind {
	case tNot, tMinus:
		p.next()
		p.enter(t.start)
		var x Expr
		op := OpNot
		if t.kind == tNot {
			x = p.parseBinary(precNot + 1)
		} else {
			op = OpNeg
			x = p.parseBinary(precNeg + 1)
		}
		p.depth--
		return &Unary{Span{t.start, end(x)}, op, x}
	}
	return p.parseApp()
}

func (p *parser) startsSimple(k tokKind) bool {
	switch k {
	case tID, tInt, tFloat, tDQuote, tIndOpen, tPath, tHPath, tSPath, tURI,
		tLParen, tLBrace, tLBrack, tRec:
		return true
	case tLet:
		return p.peek(1).kind == tLBrace
	}
	return false
}

func (p *parser) parseApp() Expr {
	x := p.parseSelect()
	for p.startsSimple(p.peek(0).kind) {
		y := p.parseSelect()
		x = p.newCall(x, y)
	}
	return x
}

func (p *parser) parseSelect() Expr {
	x := p.parseSimple()
	t := p.peek(0)
	switch t.kind {
	case tDot:
		p.next()
		path := p.parseAttrPath()
		s := p.newSelect()
		*s = Select{Span: Span{start(x), path[len(path)-1].End}, Expr: x, Path: path}
		if k := p.peek(0); k.kind == tOrKw {
			p.next()
			p.enter(k.start)
			s.Default = p.parseSelect()
			p.depth--
			s.End = end(s.Default)
		}
		return s
	case tOrKw:
		// Nix allows `f or` (application of f to a variable named "or").
		p.next()
		return p.newCall(x, p.newIdent(Span{t.start, t.end}, "or"))
	}
	return x
}

func (p *parser) parseAttrPath() []AttrName {
	var buf [8]AttrName
	path := buf[:1]
	path[0] = p.parseAttrName()
	for p.peek(0).kind == tDot {
		p.next()
		path = append(path, p.parseAttrName())
	}
	return p.attrPath(path)
}

func (p *parser) parseAttrName() AttrName {
	t := p.peek(0)
	switch t.kind {
	case tID:
		p.next()
		return AttrName{Span: Span{t.start, t.end}, Kind: AttrIdent, Name: p.text(t)}
	case tOrKw:
		p.next()
		return AttrName{Span: Span{t.start, t.end}, Kind: AttrIdent, Name: "or"}
	case tDQuote:
		s := p.parseString()
		a := AttrName{Span: s.Span, Kind: AttrString, Expr: s}
		if s.static {
			a.Name, _ = s.Literal()
		} else {
			a.Dynamic = true
		}
		return a
	case tDollarCurly:
		p.next()
		e := p.parseExpr()
		cl := p.expect(tRBrace, "'}'")
		a := AttrName{Span: Span{t.start, cl.end}, Kind: AttrInterp, Expr: e}
		// Nix treats ${"x"} (a constant string) as a static name.
		switch u := Unparen(e).(type) {
		case *String:
			if u.static {
				a.Name, _ = u.Literal()
				return a
			}
		case *URI:
			a.Name = u.Value
			return a
		}
		a.Dynamic = true
		return a
	}
	p.unexpected(t, "an attribute name")
	return AttrName{}
}

// ---------------------------------------------------------------- simple expressions

func (p *parser) parseSimple() Expr {
	t := p.peek(0)
	switch t.kind {
	case tID:
		p.next()
		name := p.text(t)
		if name == "__curPos" {
			return &CurPos{Span{t.start, t.end}}
		}
		return p.newIdent(Span{t.start, t.end}, name)
	case tInt:
		p.next()
		v, err := strconv.ParseInt(p.text(t), 10, 64)
		if err != nil {
			p.failf(t.start, "invalid integer '%s'", p.text(t))
		}
		return &Int{Span{t.start, t.end}, v}
	case tFloat:
		p.next()
		v, ok := parseFloat(p.text(t))
		if !ok {
			p.failf(t.start, "invalid float '%s'", p.text(t))
		}
		return &Float{Span{t.start, t.end}, v}
	case tURI:
		p.next()
		return &URI{Span{t.start, t.end}, p.text(t)}
	case tSPath:
		p.next()
		return &Path{Span: Span{t.start, t.end}, Kind: Search,
			Parts: []StringPart{{Span: Span{t.start + 1, t.end - 1}, Literal: p.lx.src[t.start+1 : t.end-1]}}}
	}
	p.enter(t.start)
	var e Expr
	switch t.kind {
	case tDQuote:
		e = p.parseString()
	case tIndOpen:
		e = p.parseIndString()
	case tPath, tHPath:
		e = p.parsePath()
	case tLParen:
		p.next()
		x := p.parseExpr()
		cl := p.expect(tRParen, "')'")
		e = &Paren{Span{t.start, cl.end}, x}
	case tLet:
		if p.peek(1).kind != tLBrace {
			p.unexpected(t, "an expression")
		}
		p.next()
		p.next()
		binds, _, _ := p.parseBinds()
		cl := p.expect(tRBrace, "'}' or an attribute binding")
		e = &LegacyLet{Span{t.start, cl.end}, binds}
	case tRec:
		p.next()
		p.expect(tLBrace, "'{'")
		binds, m, _ := p.parseBinds()
		cl := p.expect(tRBrace, "'}' or an attribute binding")
		s := &AttrSet{Span{t.start, cl.end}, true, binds}
		p.lastSet, p.lastModel = s, m
		e = s
	case tLBrace:
		p.next()
		binds, m, _ := p.parseBinds()
		cl := p.expect(tRBrace, "'}' or an attribute binding")
		s := &AttrSet{Span{t.start, cl.end}, false, binds}
		p.lastSet, p.lastModel = s, m
		e = s
	case tLBrack:
		p.next()
		base := len(p.exprs)
		for p.startsSimple(p.peek(0).kind) {
			x := p.parseSelect()
			p.exprs = append(p.exprs, x)
		}
		var elems []Expr
		if n := len(p.exprs) - base; n > 0 {
			elems = make([]Expr, n)
			copy(elems, p.exprs[base:])
			clear(p.exprs[base:])
			p.exprs = p.exprs[:base]
		}
		cl := p.expect(tRBrack, "']' or a list element")
		e = &List{Span{t.start, cl.end}, elems}
	default:
		p.unexpected(t, "an expression")
	}
	p.depth--
	return e
}

// parseFloat converts like C's strtod and rejects what makes strtod set
// ERANGE (overflow, and underflow to zero or a subnormal), as Nix does.
func parseFloat(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return v, false
		}
		return v, false
	}
	if v != 0 && v < 2.2250738585072014e-308 {
		return v, false
	}
	if v == 0 {
		mant, _, _ := strings.Cut(strings.ToLower(s), "e")
		if strings.Trim(mant, "0.") != "" {
			return v, false
		}
	}
	return v, true
}

// ---------------------------------------------------------------- strings and paths

func (p *parser) parseString() *String {
	open := p.next() // '"'
	s := p.newString()
	s.static = true
	for {
		t := p.peek(0)
		switch t.kind {
		case tStr:
			p.next()
			v := unescape(p.text(t))
			s.Parts = appendLit(s.Parts, Span{t.start, t.end}, v)
		case tDollarCurly:
			p.next()
			e := p.parseExpr()
			cl := p.expect(tRBrace, "'}'")
			s.Parts = append(s.Parts, StringPart{Span: Span{t.start, cl.end}, Expr: e})
			s.static = false
		case tDQuote:
			p.next()
			s.Span = Span{open.start, t.end}
			return s
		default:
			p.unexpected(t, "'\"'")
		}
	}
}

func appendLit(parts []StringPart, sp Span, v string) []StringPart {
	if n := len(parts); n > 0 && parts[n-1].Expr == nil && parts[n-1].End == sp.Start {
		parts[n-1].Literal += v
		parts[n-1].End = sp.End
		return parts
	}
	return append(parts, StringPart{Span: sp, Literal: v})
}

// unescape applies the escapes of "…" strings: \n \r \t, \x → x, and turns
// CR and CR LF into LF.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 && strings.IndexByte(s, '\r') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			switch c = s[i]; c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			}
			b = append(b, c)
		case c == '\r':
			b = append(b, '\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

type indPiece struct {
	span     Span
	text     string
	indented bool // raw text, subject to indentation handling
	expr     Expr
}

func (p *parser) parseIndString() *String {
	open := p.next()
	base := len(p.ind)
	var cl token
loop:
	for {
		t := p.peek(0)
		switch t.kind {
		case tIndStr:
			p.next()
			p.ind = append(p.ind, indPiece{span: Span{t.start, t.end}, text: p.text(t), indented: true})
		case tIndEsc:
			p.next()
			txt := p.text(t)
			v := txt
			if len(txt) >= 3 {
				switch txt[2] {
				case '$':
					v = "$"
				case '\'':
					v = "''"
				default: // ''\x
					v = unescape(txt[2:])
				}
			}
			p.ind = append(p.ind, indPiece{span: Span{t.start, t.end}, text: v})
		case tDollarCurly:
			p.next()
			e := p.parseExpr()
			c := p.expect(tRBrace, "'}'")
			p.ind = append(p.ind, indPiece{span: Span{t.start, c.end}, expr: e})
		case tIndClose:
			cl = p.next()
			break loop
		default:
			p.unexpected(t, "\"''\"")
		}
	}
	pieces := p.ind[base:]
	s := p.newString()
	s.Span, s.Indented = Span{open.start, cl.end}, true
	s.static = len(pieces) == 0 || len(pieces) == 1 && pieces[0].expr == nil
	s.Parts = stripIndentation(pieces)
	for i := range pieces {
		pieces[i] = indPiece{}
	}
	p.ind = p.ind[:base]
	return s
}

// stripIndentation follows Nix's stripIndentation (parser.y): find the
// minimum indentation of the lines (ignoring whitespace-only lines; an
// interpolation or escape ends the leading whitespace), drop that many
// leading spaces from each line, and remove a final line made only of spaces.
func stripIndentation(es []indPiece) []StringPart {
	if len(es) == 0 {
		return nil
	}
	atStart := true
	minIndent := 1000000
	cur := 0
	for _, e := range es {
		if e.expr != nil || !e.indented {
			if atStart {
				atStart = false
				if cur < minIndent {
					minIndent = cur
				}
			}
			continue
		}
		s := e.text
		for j := 0; j < len(s); j++ {
			if atStart {
				switch s[j] {
				case ' ':
					cur++
				case '\n':
					cur = 0
				default:
					atStart = false
					if cur < minIndent {
						minIndent = cur
					}
				}
			} else if s[j] == '\n' {
				atStart = true
				cur = 0
			}
		}
	}
	var parts []StringPart
	atStart = true
	dropped := 0
	// The current literal run: merged text (or, while it is a single
	// unchanged piece, just that piece's text, to avoid a copy).
	var lit []byte
	var single string
	singleOK := false // single holds the run's text (one unchanged piece)
	nlit := 0
	var litSpan Span
	flush := func() {
		if nlit == 0 {
			return
		}
		v := single
		if nlit > 1 || !singleOK {
			v = string(lit)
		}
		parts = append(parts, StringPart{Span: litSpan, Literal: v})
		lit, nlit = lit[:0], 0
	}
	var b []byte
	for i, e := range es {
		if e.expr != nil {
			flush()
			atStart = false
			dropped = 0
			parts = append(parts, StringPart{Span: e.span, Expr: e.expr})
			continue
		}
		s := e.text
		b = b[:0]
		for j := 0; j < len(s); j++ {
			c := s[j]
			if atStart {
				switch c {
				case ' ':
					if dropped >= minIndent {
						b = append(b, c)
					}
					dropped++
				case '\n':
					dropped = 0
					b = append(b, c)
				default:
					atStart = false
					dropped = 0
					b = append(b, c)
				}
			} else {
				b = append(b, c)
				if c == '\n' {
					atStart = true
				}
			}
		}
		if i == len(es)-1 {
			if k := lastIndexByte(b, '\n'); k >= 0 {
				allSpace := true
				for _, c := range b[k+1:] {
					if c != ' ' {
						allSpace = false
						break
					}
				}
				if allSpace {
					b = b[:k+1]
				}
			}
		}
		if nlit == 0 {
			litSpan = e.span
			lit = append(lit[:0], b...)
			single, singleOK = s, string(b) == s
		} else {
			litSpan.End = e.span.End
			lit = append(lit, b...)
		}
		nlit++
	}
	flush()
	return parts
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func (p *parser) parsePath() *Path {
	t := p.next()
	path := p.newPath()
	switch {
	case t.kind == tHPath:
		path.Kind = Home
	case p.lx.src[t.start] == '/':
		path.Kind = Absolute
	}
	path.Parts = []StringPart{{Span: Span{t.start, t.end}, Literal: p.text(t)}}
	last := t.end
	if k := p.peek(0); k.kind == tPathStr && p.peek(1).kind != tDollarCurly {
		// path_start string_parts_interpolated: the first part after the
		// start must be an interpolation or text followed by one.
		p.unexpected(p.peek(1), "'${'")
	}
	for {
		k := p.peek(0)
		switch k.kind {
		case tPathEnd:
			p.next()
			path.Span = Span{t.start, last}
			return path
		case tPathStr:
			p.next()
			path.Parts = appendLit(path.Parts, Span{k.start, k.end}, p.text(k))
			last = k.end
		case tDollarCurly:
			p.next()
			e := p.parseExpr()
			cl := p.expect(tRBrace, "'}'")
			path.Parts = append(path.Parts, StringPart{Span: Span{k.start, cl.end}, Expr: e})
			last = cl.end
		default:
			p.unexpected(k, "end of path")
		}
	}
}

// ---------------------------------------------------------------- bindings

// attrModel mirrors Nix's ExprAttrs enough to reproduce the duplicate
// attribute checks that Nix performs while parsing.
type attrModel struct {
	entries []attrEntry
	index   map[string]int
}

type attrEntry struct {
	name      string
	pos       int
	sub       *attrModel // non-nil when the value is an attribute set
	inherited bool
}

func (m *attrModel) find(name string) int {
	if m.index != nil {
		if i, ok := m.index[name]; ok {
			return i
		}
		return -1
	}
	for i := range m.entries {
		if m.entries[i].name == name {
			return i
		}
	}
	return -1
}

func (m *attrModel) add(e attrEntry) {
	m.entries = append(m.entries, e)
	if m.index != nil {
		m.index[e.name] = len(m.entries) - 1
	} else if len(m.entries) > 12 {
		m.index = make(map[string]int, 2*len(m.entries))
		for i, e := range m.entries {
			m.index[e.name] = i
		}
	}
}

// parseBinds parses bindings up to (not including) the closing token. It
// returns the bindings, the attribute model, and whether an attribute path
// starts with a dynamic name (which let forbids).
func (p *parser) parseBinds() ([]Bind, *attrModel, bool) {
	base := len(p.binds)
	m := &attrModel{}
	dyn := false
	for {
		t := p.peek(0)
		switch t.kind {
		case tInherit:
			p.binds = append(p.binds, p.parseInherit(m))
		case tID, tOrKw, tDQuote, tDollarCurly:
			path := p.parseAttrPath()
			p.expect(tAssign, "'=' or '.'")
			v := p.parseExpr()
			sc := p.expect(tSemi, "';'")
			if path[0].Dynamic {
				dyn = true
			}
			p.addAttr(m, path, v)
			b := p.newBinding()
			*b = Binding{Span{t.start, sc.end}, path, v}
			p.binds = append(p.binds, b)
		default:
			var binds []Bind
			if n := len(p.binds) - base; n > 0 {
				binds = make([]Bind, n)
				copy(binds, p.binds[base:])
				clear(p.binds[base:])
				p.binds = p.binds[:base]
			}
			return binds, m, dyn
		}
	}
}

func (p *parser) parseInherit(m *attrModel) *Inherit {
	t := p.next()
	in := &Inherit{}
	if p.peek(0).kind == tLParen {
		p.next()
		in.From = p.parseExpr()
		p.expect(tRParen, "')'")
	}
	for {
		k := p.peek(0)
		if k.kind == tSemi {
			p.next()
			in.Span = Span{t.start, k.end}
			break
		}
		switch k.kind {
		case tID, tOrKw, tDQuote, tDollarCurly:
			a := p.parseAttrName()
			if a.Dynamic {
				p.fail(a.Start, "dynamic attributes not allowed in inherit")
			}
			in.Names = append(in.Names, a)
		default:
			p.unexpected(k, "an attribute name or ';'")
		}
	}
	for _, a := range in.Names {
		if i := m.find(a.Name); i >= 0 {
			p.dupAttr(a.Name, a.Start, m.entries[i].pos)
		}
		m.add(attrEntry{name: a.Name, pos: a.Start, inherited: true})
	}
	return in
}

func (p *parser) dupAttr(name string, pos, prev int) {
	if p.lines == nil {
		p.lines = lineStarts(p.lx.src)
	}
	pp := position(p.name, p.lx.src, p.lines, prev)
	p.failf(pos, "attribute '%s' already defined at %d:%d", name, pp.Line, pp.Column)
}

func showAttrPath(path []AttrName) string {
	var b strings.Builder
	for i, a := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		if a.Dynamic {
			b.WriteString(`"${...}"`)
		} else {
			b.WriteString(a.Name)
		}
	}
	return b.String()
}

// addAttr follows addAttr in Nix's parser.
func (p *parser) addAttr(m *attrModel, path []AttrName, v Expr) {
	pos := path[0].Start
	for _, a := range path[:len(path)-1] {
		if a.Dynamic {
			m = &attrModel{}
			continue
		}
		if i := m.find(a.Name); i >= 0 {
			e := m.entries[i]
			if e.inherited || e.sub == nil {
				p.dupAttr(showAttrPath(path), pos, e.pos)
			}
			m = e.sub
		} else {
			sub := &attrModel{}
			m.add(attrEntry{name: a.Name, pos: pos, sub: sub})
			m = sub
		}
	}
	last := path[len(path)-1]
	if last.Dynamic {
		return
	}
	var vm *attrModel
	if s, ok := Unparen(v).(*AttrSet); ok {
		if s == p.lastSet {
			vm = p.lastModel
		} else {
			vm = &attrModel{}
		}
	}
	if i := m.find(last.Name); i >= 0 {
		e := m.entries[i]
		if e.sub != nil && !e.inherited && vm != nil {
			for _, ad := range vm.entries {
				if j := e.sub.find(ad.name); j >= 0 {
					p.dupAttr(ad.name, ad.pos, e.sub.entries[j].pos)
				}
				e.sub.add(ad)
			}
			return
		}
		p.dupAttr(showAttrPath(path), pos, e.pos)
	}
	m.add(attrEntry{name: last.Name, pos: pos, sub: vm})
}
