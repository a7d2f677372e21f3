package nix

// The analyzer's scopes: let, rec, with and lambda environments, and how
// names are looked up in them.

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
