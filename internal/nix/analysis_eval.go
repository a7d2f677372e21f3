package nix

import (
	"path"
	"strings"
)

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

// ---------------------------------------------------------------- scopes

func (a *analyzer) lookup(e *env, name string) value {
	for f := e; f != nil; f = f.parent {
		if t, ok := f.vars[name]; ok {
			return a.force(t)
		}
	}
	// with has lower priority than every lexical binding.
	for f := e; f != nil; f = f.parent {
		if f.kind != frameWith {
			continue
		}
		switch w := a.force(f.with).(type) {
		case builtinV:
			if w.name == "" {
				return builtinV{name}
			}
			return unknownV{hint: name}
		case *attrsV:
			if t, ok := w.fields[name]; ok {
				return a.force(t)
			}
			if !w.namesComplete() {
				return unknownV{hint: name}
			}
		default:
			return unknownV{hint: name}
		}
	}
	if name == "builtins" {
		return builtinV{}
	}
	return unknownV{hint: name}
}

// isLetBound reports whether name resolves to a let or rec binding.
func isLetBound(e *env, name string) bool {
	for f := e; f != nil; f = f.parent {
		if _, ok := f.vars[name]; ok {
			return f.kind == frameLet || f.kind == frameRec
		}
	}
	return false
}

// buildAttrs builds the attribute set of bindings: values are evaluated in
// valEnv, inherit x; looks x up in inhEnv.
func buildAttrs(bs []Bind, valEnv, inhEnv *env) *attrsV {
	s := newAttrs()
	syn := map[*attrsV]map[string]*attrsV{}
	for _, b := range bs {
		switch b := b.(type) {
		case *Binding:
			addBinding(s, b.Path, &thunk{expr: b.Value, env: valEnv}, syn)
		case *Inherit:
			for _, n := range b.Names {
				if n.Dynamic {
					continue
				}
				if b.From != nil {
					s.add(n.Name, &thunk{expr: b.From, env: valEnv, sel: n.Name})
				} else {
					s.add(n.Name, &thunk{env: inhEnv, name: n.Name})
				}
			}
		}
	}
	return s
}

func addBinding(s *attrsV, p []AttrName, t *thunk, syn map[*attrsV]map[string]*attrsV) {
	for len(p) > 1 {
		if p[0].Dynamic {
			child := newAttrs()
			s.dyn = append(s.dyn, valueThunk(child))
			s = child
			p = p[1:]
			continue
		}
		m := syn[s]
		if m == nil {
			m = map[string]*attrsV{}
			syn[s] = m
		}
		child := m[p[0].Name]
		if child == nil {
			child = newAttrs()
			m[p[0].Name] = child
			s.add(p[0].Name, valueThunk(child))
		}
		s = child
		p = p[1:]
	}
	if len(p) == 0 {
		return
	}
	if p[0].Dynamic {
		s.dyn = append(s.dyn, t)
		return
	}
	s.add(p[0].Name, t)
}

func (a *analyzer) letEnv(l *Let, parent *env) *env {
	k := memoKey{l, parent}
	if e, ok := a.envs[k]; ok {
		return e
	}
	e := &env{parent: parent, kind: frameLet, fc: parent.fc}
	e.vars = buildAttrs(l.Bindings, e, parent).fields
	a.envs[k] = e
	return e
}

// recEnv returns the scope of a rec set (or legacy let) and its attributes.
func (a *analyzer) recEnv(n Node, bs []Bind, parent *env) (*env, *attrsV) {
	k := memoKey{n, parent}
	if e, ok := a.envs[k]; ok {
		return e, a.recSets[e]
	}
	e := &env{parent: parent, kind: frameRec, fc: parent.fc}
	s := buildAttrs(bs, e, parent)
	e.vars = s.fields
	a.envs[k] = e
	a.recSets[e] = s
	return e, s
}

func (a *analyzer) withEnv(w *With, parent *env) *env {
	k := memoKey{w, parent}
	if e, ok := a.envs[k]; ok {
		return e
	}
	e := &env{parent: parent, kind: frameWith, fc: parent.fc, with: &thunk{expr: w.Env, env: parent}}
	a.envs[k] = e
	return e
}

// lambdaEnv binds a lambda's parameters: all unknown, except self (a
// formal named self is taken to be the flake's self: the outputs function,
// flake-parts modules and NixOS modules given specialArgs.self all follow
// that convention) and inputs (the outputs function's argument).
func (a *analyzer) lambdaEnv(l *Lambda, parent *env) *env {
	k := memoKey{l, parent}
	if e, ok := a.envs[k]; ok {
		return e
	}
	e := &env{parent: parent, kind: frameParam, fc: parent.fc, vars: map[string]*thunk{}}
	param := func(name string) *thunk {
		switch name {
		case "self":
			if l.Formals != nil {
				return valueThunk(a.selfValue())
			}
		case "inputs":
			return valueThunk(inputsV{})
		}
		return valueThunk(unknownV{hint: name})
	}
	if l.Formals != nil {
		for _, f := range l.Formals.Params {
			e.vars[f.Name] = param(f.Name)
		}
	}
	if l.Param != "" {
		if l == a.outputsLambda {
			e.vars[l.Param] = valueThunk(inputsV{})
		} else {
			e.vars[l.Param] = param(l.Param)
		}
	}
	a.envs[k] = e
	return e
}

// selfValue is the flake's self as Nix 2.8 gives it: for a flake in a
// subdirectory of a git repository, self (and self.outPath, "${self}") is
// the whole repository's source, while ./. is the subdirectory. (Newer Nix
// makes self.outPath the subdirectory; lockguard models 2.8, the version
// its differential tests run, and says so in LG201's explain.)
func (a *analyzer) selfValue() *pathV {
	return &pathV{kind: pRepo, abs: vroot, self: 1}
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

// flattenCall turns f a b c into f, [a b c] (through parentheses).
func flattenCall(c *Call) (Expr, []Expr) {
	var args []Expr
	var f Expr = c
	for {
		call, ok := Unparen(f).(*Call)
		if !ok {
			break
		}
		args = append(args, call.Arg)
		f = call.Func
	}
	for i, j := 0, len(args)-1; i < j; i, j = i+1, j-1 {
		args[i], args[j] = args[j], args[i]
	}
	return Unparen(f), args
}

// funcName is the library name a function value is known by: builtins.X
// is X, an unknown lib.x.importTOML is importTOML, and an unknown variable
// is its own name. User-defined functions have no name.
func funcName(head Expr, v value) string {
	switch v := v.(type) {
	case builtinV:
		return v.name
	case unknownV:
		if v.hint != "" {
			return v.hint
		}
		switch h := head.(type) {
		case *Ident:
			return h.Name
		case *Select:
			if last := h.Path[len(h.Path)-1]; !last.Dynamic {
				return last.Name
			}
		}
	}
	return ""
}

// Functions whose result is (a filtered copy of) one of their path
// arguments: the index of that argument (-1: the last one).
var sourceFuncs = map[string]int{
	"toString": 0, "cleanSource": 0, "cleanCargoSource": 0, "gitTracked": 0,
	"sourceByRegex": 0, "sourceFilesBySuffices": 0, "filterSource": 1,
	"gitignoreSource": -1, "gitignoreSourcePure": 1, "path": 0,
	"cleanSourceWith": 0, "toSource": 0, "fromSource": 0,
}

// Functions that map a function over the systems: f (system: …) is
// { <system> = …; }.
var systemMapFuncs = map[string]bool{
	"genAttrs": true, "forAllSystems": true, "forEachSystem": true,
	"forEachSupportedSystem": true, "eachSystemMap": true, "eachDefaultSystemMap": true,
}

func (a *analyzer) evalCall(c *Call, en *env) value {
	head, args := flattenCall(c)
	hv := a.eval(head, en)
	name := funcName(head, hv)
	last := func() *lambdaV {
		l, _ := a.eval(args[len(args)-1], en).(*lambdaV)
		return l
	}
	switch name {
	case "import":
		if len(args) == 1 {
			if p, ok := a.eval(args[0], en).(*pathV); ok {
				if fc := a.loadPath(p); fc != nil && fc.file != nil {
					return a.eval(fc.file.Expr, fc.root)
				}
			}
		}
		return unknownV{}
	case "append":
		if len(args) == 2 {
			p, ok := a.eval(args[0], en).(*pathV)
			s, sok := a.eval(args[1], en).(strV)
			if ok && sok {
				return appendPath(p, "/"+s.s, s.dyn, c, en.fc)
			}
		}
		return unknownV{}
	case "eachSystem", "eachDefaultSystem":
		if l := last(); l != nil {
			return transpose(a.force(a.applyBody(l)))
		}
		return unknownV{hint: name}
	case "eachSystemPassThrough", "eachDefaultSystemPassThrough":
		if l := last(); l != nil {
			return a.force(a.applyBody(l))
		}
		return unknownV{hint: name}
	case "mkFlake":
		if len(args) >= 2 {
			return a.flakeParts(args[1], en)
		}
		return unknownV{hint: name}
	case "recursiveUpdate":
		if len(args) == 2 {
			return unionValues([]value{a.eval(args[0], en), a.eval(args[1], en)})
		}
		return unknownV{}
	case "callPackageWith", "newScope":
		if len(args) == 1 {
			return unknownV{hint: "callPackage"}
		}
		return unknownV{}
	}
	if i, ok := sourceFuncs[name]; ok {
		if i < 0 || i >= len(args) {
			i = len(args) - 1
		}
		switch v := a.eval(args[i], en).(type) {
		case *pathV:
			return v
		case *attrsV:
			for _, k := range []string{"src", "path", "root"} {
				if t, ok := v.fields[k]; ok {
					if p, ok := a.force(t).(*pathV); ok {
						return p
					}
				}
			}
		}
		return unknownV{}
	}
	letFn := false
	if id, ok := head.(*Ident); ok && isLetBound(en, id.Name) {
		_, isLambda := hv.(*lambdaV)
		_, isUnknown := hv.(unknownV)
		letFn = isLambda || isUnknown
	}
	if systemMapFuncs[name] || letFn {
		// Heuristic: a system-mapping function (genAttrs, forAllSystems, or
		// any let-bound function such as a hand-rolled
		// forEachSystem = f: genAttrs systems (s: f s)) applied to a lambda
		// yields { <system> = <the lambda's body>; }.
		if l := last(); l != nil {
			return &attrsV{fields: map[string]*thunk{}, dyn: []*thunk{a.applyBody(l)}}
		}
		if systemMapFuncs[name] {
			return unknownV{hint: name} // partial application: genAttrs systems
		}
	}
	return unknownV{}
}

// applyBody is the body of a lambda with unknown arguments.
func (a *analyzer) applyBody(l *lambdaV) *thunk {
	return &thunk{expr: l.fn.Body, env: a.lambdaEnv(l.fn, l.env)}
}

// transpose is flake-utils' eachSystem: { k = v; } per system becomes
// { k.<system> = v; }.
func transpose(v value) value {
	b, ok := v.(*attrsV)
	if !ok {
		return unknownV{}
	}
	r := newAttrs()
	for _, n := range b.names {
		r.add(n, valueThunk(&attrsV{fields: map[string]*thunk{}, dyn: []*thunk{b.fields[n]}}))
	}
	r.partial = !b.namesComplete()
	return r
}
