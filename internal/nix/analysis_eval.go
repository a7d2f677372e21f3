package nix

// A small abstract evaluator. It never evaluates Nix: it folds constants
// (paths, strings, attribute sets bound by let and rec), recognises a few
// library functions by name, and models the shapes of flake outputs. Every
// value it cannot know is unknownV. Function parameters are always unknown
// (no lambda is ever applied to an argument); the only exceptions are the
// flake's self (a path: the flake's directory) and inputs (whose .self is
// self).
//
// Termination: thunks carry a busy flag (a cycle yields unknownV), eval is
// memoised per (expression, environment) and its recursion is bounded by
// maxEvalDepth.

// value is one of unknownV, strV, *pathV, builtinV, inputsV, *lambdaV,
// *attrsV, *listV.
type value any

// unknownV is a value we cannot know. hint is the name it was reached by
// (the last attribute of a select, a variable name), used to recognise
// library functions: lib.importTOML is unknownV{"importTOML"}.
type unknownV struct{ hint string }

// strV is a string; with dyn set, s is only its static leading part.
type strV struct {
	s   string
	dyn bool
}

type pathKind uint8

const (
	pRepo    pathKind = iota // abs is under vroot (or escapes it: outside)
	pAbs                     // an absolute path /x
	pHome                    // ~/x
	pUnknown                 // a path-like expression over an unknown base
)

// vroot is the virtual absolute path of the repository root. Repository
// paths are kept as vroot + "/" + rel so that Nix's path + string
// concatenation and canonicalisation work unchanged: ./. + "x" at the root
// is vroot + "x", which is outside the repository, as in Nix.
const vroot = "/\x00"

// maxPathLen bounds folded paths (Linux's PATH_MAX).
const maxPathLen = 4096

// maxStrLen bounds folded strings: beyond it a string is dynamic (only its
// leading part is known), so s1 = s0 + s0; s2 = s1 + s1; … cannot grow to
// gigabytes.
const maxStrLen = 1 << 20

// maxWork bounds the abstract evaluation of one flake (steps of eval):
// past it every value is unknown, so adversarial input cannot make the
// analysis run unboundedly.
const maxWork = 4_000_000

// pathV is a path value.
type pathV struct {
	kind pathKind
	// abs: the cleaned (virtual) absolute path; with dynamic set, the static
	// leading directory.
	abs     string
	dynamic bool
	// self: 1 for the flake's self (and self.outPath), 2 for
	// self.sourceInfo (the repository root).
	self uint8
	// origin is the expression that wrote this path (nil for self): uses of
	// a let-bound path are attributed to it.
	origin Node
	ofc    *fileCtx
}

// builtinV is builtins (name "") or builtins.<name>.
type builtinV struct{ name string }

// inputsV is the flake's inputs: inputs.self is self.
type inputsV struct{}

type lambdaV struct {
	fn  *Lambda
	env *env
}

// attrsV is an attribute set. fields hold the statically named attributes,
// dyn the values under dynamic names (${system} = …; systems of
// genAttrs). partial means an unknown part was merged in (x // unknown).
type attrsV struct {
	fields  map[string]*thunk
	names   []string
	dyn     []*thunk
	partial bool
}

func newAttrs() *attrsV { return &attrsV{fields: map[string]*thunk{}} }

// namesComplete reports whether every attribute name is known.
func (s *attrsV) namesComplete() bool { return !s.partial && len(s.dyn) == 0 }

func (s *attrsV) add(name string, t *thunk) {
	old, ok := s.fields[name]
	if !ok {
		s.fields[name] = t
		s.names = append(s.names, name)
		return
	}
	if old.union {
		old.parts = append(old.parts, t)
		return
	}
	s.fields[name] = &thunk{union: true, parts: []*thunk{old, t}}
}

type listV struct{ elems []*thunk }

// thunk is a lazily evaluated value: expr in env; with sel set, the
// attribute sel of that value (inherit (expr) sel); with expr nil and name
// set, the variable name looked up in env (inherit name); with union set,
// the union of parts (a.b = …; a.c = …;).
type thunk struct {
	expr  Expr
	env   *env
	sel   string
	name  string
	union bool
	parts []*thunk
	val   value
	state uint8 // 0 new, 1 busy, 2 done
}

func valueThunk(v value) *thunk { return &thunk{val: v, state: 2} }

type frameKind uint8

const (
	frameFile frameKind = iota
	frameLet
	frameRec
	frameParam
	frameWith
)

// env is one scope. vars for let, rec and parameters; with for with.
type env struct {
	parent *env
	kind   frameKind
	vars   map[string]*thunk
	with   *thunk
	fc     *fileCtx
}

type memoKey struct {
	n Node
	e *env
}

func (a *analyzer) force(t *thunk) value {
	switch t.state {
	case 2:
		return t.val
	case 1:
		return unknownV{}
	}
	t.state = 1
	var v value
	switch {
	case t.union:
		vs := make([]value, 0, len(t.parts))
		for _, p := range t.parts {
			vs = append(vs, a.force(p))
		}
		v = unionValues(vs)
	case t.expr == nil:
		v = a.lookup(t.env, t.name)
	case t.sel != "":
		v, _ = a.selectName(a.eval(t.expr, t.env), t.sel)
	default:
		v = a.eval(t.expr, t.env)
	}
	t.val, t.state = v, 2
	return v
}

// unionValues merges attribute sets (the module-system / recursive merge
// used for a.b = …; a.c = …; and for if-branches): names are the union,
// shared names merge recursively. Non-set parts make the result partial.
func unionValues(vs []value) value {
	var sets []*attrsV
	for _, v := range vs {
		if s, ok := v.(*attrsV); ok {
			sets = append(sets, s)
		}
	}
	if len(sets) == 0 {
		if len(vs) == 1 {
			return vs[0]
		}
		return unknownV{}
	}
	if len(sets) == 1 && len(vs) == 1 {
		return sets[0]
	}
	r := newAttrs()
	r.partial = len(sets) != len(vs)
	for _, s := range sets {
		for _, n := range s.names {
			r.add(n, s.fields[n])
		}
		r.dyn = append(r.dyn, s.dyn...)
		r.partial = r.partial || s.partial
	}
	return r
}

// update is l // r: r's attributes replace l's (shallow).
func update(l, r value) value {
	ls, lok := l.(*attrsV)
	rs, rok := r.(*attrsV)
	switch {
	case lok && rok:
		u := newAttrs()
		for _, n := range ls.names {
			if _, ok := rs.fields[n]; !ok {
				u.add(n, ls.fields[n])
			}
		}
		for _, n := range rs.names {
			u.add(n, rs.fields[n])
		}
		u.dyn = append(append(u.dyn, ls.dyn...), rs.dyn...)
		u.partial = ls.partial || rs.partial
		return u
	case lok || rok:
		s := ls
		if rok {
			s = rs
		}
		u := newAttrs()
		for _, n := range s.names {
			u.add(n, s.fields[n])
		}
		u.dyn = append(u.dyn, s.dyn...)
		u.partial = true
		return u
	}
	return unknownV{}
}

// ---------------------------------------------------------------- eval

func (a *analyzer) eval(e Expr, en *env) value {
	if e == nil || en == nil {
		return unknownV{}
	}
	k := memoKey{e, en}
	if v, ok := a.memo[k]; ok {
		return v
	}
	if a.depth >= maxEvalDepth || a.work >= maxWork {
		return unknownV{}
	}
	if a.work&1023 == 0 && a.interrupted != nil && a.stop() {
		return unknownV{} // stop sets work to maxWork: nothing more is evaluated
	}
	a.work++
	a.depth++
	v := a.eval1(e, en)
	a.depth--
	a.memo[k] = v
	return v
}

func (a *analyzer) eval1(e Expr, en *env) value {
	switch n := e.(type) {
	case *Paren:
		return a.eval(n.X, en)
	case *String:
		return a.evalString(n, en)
	case *Path:
		return a.evalPath(n, en)
	case *Ident:
		return a.lookup(en, n.Name)
	case *Select:
		return a.evalSelect(n, en)
	case *AttrSet:
		if n.Rec {
			_, s := a.recEnv(n, n.Bindings, en)
			return s
		}
		return buildAttrs(n.Bindings, en, en)
	case *Let:
		return a.eval(n.Body, a.letEnv(n, en))
	case *LegacyLet:
		_, s := a.recEnv(n, n.Bindings, en)
		v, _ := a.selectName(s, "body")
		return v
	case *With:
		return a.eval(n.Body, a.withEnv(n, en))
	case *Assert:
		return a.eval(n.Body, en)
	case *If:
		t, f := a.eval(n.Then, en), a.eval(n.Else, en)
		_, ts := t.(*attrsV)
		_, fs := f.(*attrsV)
		if ts || fs {
			return unionValues([]value{t, f})
		}
		return unknownV{}
	case *Lambda:
		return &lambdaV{fn: n, env: en}
	case *Call:
		return a.evalCall(n, en)
	case *Binary:
		return a.evalBinary(n, en)
	case *List:
		l := &listV{elems: make([]*thunk, len(n.Elems))}
		for i, x := range n.Elems {
			l.elems[i] = &thunk{expr: x, env: en}
		}
		return l
	}
	return unknownV{}
}

// attrName returns the static name of an attribute-path element.
func (a *analyzer) attrName(n AttrName, en *env) (string, bool) {
	if !n.Dynamic {
		return n.Name, true
	}
	if s, ok := a.eval(n.Expr, en).(strV); ok && !s.dyn {
		return s.s, true
	}
	return "", false
}

// selectName selects one attribute. found is false when the attribute is
// known to be missing.
func (a *analyzer) selectName(v value, name string) (value, bool) {
	switch v := v.(type) {
	case *attrsV:
		if t, ok := v.fields[name]; ok {
			return a.force(t), true
		}
		if v.namesComplete() {
			return unknownV{hint: name}, false
		}
	case *pathV:
		switch {
		case v.self != 0 && name == "outPath":
			return v, true
		case v.self == 1 && name == "sourceInfo":
			return &pathV{kind: pRepo, abs: vroot, self: 2}, true
		}
	case builtinV:
		if v.name == "" {
			return builtinV{name}, true
		}
	case inputsV:
		if name == "self" {
			return a.selfValue(), true
		}
	}
	return unknownV{hint: name}, true
}

func (a *analyzer) evalSelect(n *Select, en *env) value {
	v := a.eval(n.Expr, en)
	for _, p := range n.Path {
		name, ok := a.attrName(p, en)
		if !ok {
			v = unknownV{}
			break
		}
		var found bool
		v, found = a.selectName(v, name)
		if !found {
			if n.Default != nil {
				return a.eval(n.Default, en)
			}
			return unknownV{hint: name}
		}
	}
	return v
}

func (a *analyzer) evalBinary(n *Binary, en *env) value {
	switch n.Op {
	case OpAdd:
		// x + a + b + … is left-nested: evaluate the spine bottom-up
		// without recursion, memoising each step.
		var spine []*Binary
		for x := n; ; {
			spine = append(spine, x)
			b, ok := x.X.(*Binary)
			if !ok || b.Op != OpAdd {
				break
			}
			if _, done := a.memo[memoKey{b, en}]; done {
				break
			}
			x = b
		}
		for i := len(spine) - 1; i > 0; i-- {
			a.memo[memoKey{spine[i], en}] = a.add(spine[i], en)
		}
		return a.add(n, en)
	case OpUpdate:
		return update(a.eval(n.X, en), a.eval(n.Y, en))
	case OpConcat:
		l, lok := a.eval(n.X, en).(*listV)
		r, rok := a.eval(n.Y, en).(*listV)
		if lok && rok {
			return &listV{elems: append(append([]*thunk(nil), l.elems...), r.elems...)}
		}
	}
	return unknownV{}
}

// add is X + Y (X's value memoised or shallow).
func (a *analyzer) add(n *Binary, en *env) value {
	{
		l := a.eval(n.X, en)
		switch l := l.(type) {
		case *pathV:
			switch r := a.eval(n.Y, en).(type) {
			case strV:
				return appendPath(l, r.s, r.dyn, n, en.fc)
			case *pathV:
				if r.kind == pAbs && !r.dynamic {
					return appendPath(l, r.abs, false, n, en.fc)
				}
			}
			return appendPath(l, "", true, n, en.fc)
		case strV:
			if r, ok := a.eval(n.Y, en).(strV); ok && !l.dyn {
				if len(l.s)+len(r.s) > maxStrLen {
					return strV{s: l.s, dyn: true}
				}
				return strV{s: l.s + r.s, dyn: r.dyn}
			}
			return strV{s: l.s, dyn: true}
		}
	}
	return unknownV{}
}
