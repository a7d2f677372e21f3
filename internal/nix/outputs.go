package nix

// Outputs: the names the flake's outputs define, from the abstract value of
// the outputs function's body (its parameters unknown). The shapes modelled
// are described in analysis_eval.go (evalCall) and here:
//
//   - plain attribute sets, merged attribute paths, quoted names; a dynamic
//     name at the system level (packages.${system}) is fine because systems
//     collapse, a dynamic name anywhere else makes the result incomplete;
//   - let, with, rec, inherit, inherit (x) a b;
//   - genAttrs / forAllSystems / any let-bound function applied to a lambda
//     (heuristic: treated as { <system> = <the lambda's body>; });
//   - flake-utils eachSystem / eachDefaultSystem (transposed) and their
//     PassThrough variants;
//   - a // b (shallow update), lib.recursiveUpdate (deep union), if
//     (union of both branches);
//   - flake-parts mkFlake: perSystem (transposed for packages, devShells,
//     apps, checks, legacyPackages, formatter), flake, and imports of local
//     modules (followed); any other module (inputs.x.flakeModule) makes the
//     result incomplete.
//
// Anything else is unknown, and Complete is false: absence is never guessed.

// perSystemOutputs are the perSystem options flake-parts transposes.
var perSystemOutputs = []string{"packages", "devShells", "apps", "checks", "legacyPackages", "formatter"}

func (a *analyzer) outputs(fc *fileCtx, top *AttrSet) {
	o := &a.flake.Outputs
	o.Complete = false
	if top == nil {
		return
	}
	b := findBinding(top, "outputs")
	if b == nil {
		return
	}
	var v value
	if l, ok := Unparen(b.Value).(*Lambda); ok {
		v = a.force(a.applyBody(&lambdaV{fn: l, env: a.topEnv(fc, top)}))
	} else {
		v = a.eval(b.Value, a.topEnv(fc, top))
	}
	s, ok := v.(*attrsV)
	if !ok {
		return
	}
	complete := s.namesComplete()
	for _, n := range s.names {
		o.TopLevel[n] = true
		t := s.fields[n]
		switch n {
		case "packages":
			complete = a.collectPerSystem(t, o.Packages) && complete
		case "legacyPackages":
			complete = a.collectPerSystem(t, o.LegacyPackages) && complete
		case "devShells":
			complete = a.collectPerSystem(t, o.DevShells) && complete
		case "apps":
			complete = a.collectPerSystem(t, o.Apps) && complete
		case "defaultPackage":
			o.Packages["default"] = true
		case "devShell":
			o.DevShells["default"] = true
		case "defaultApp":
			o.Apps["default"] = true
		}
	}
	o.Complete = complete
}

// topEnv is the scope of the flake's top-level expression (a let around
// the attribute set, if any).
func (a *analyzer) topEnv(fc *fileCtx, top *AttrSet) *env {
	en := fc.root
	e := fc.file.Expr
	for range maxEvalDepth {
		switch n := e.(type) {
		case *Paren:
			e = n.X
		case *Let:
			en = a.letEnv(n, en)
			e = n.Body
		case *AttrSet:
			if n.Rec {
				en, _ = a.recEnv(n, n.Bindings, en)
			}
			return en
		default:
			return en
		}
	}
	return en
}

// collectPerSystem adds the names under <output>.<system> for every system
// to names, and reports whether they are all known.
func (a *analyzer) collectPerSystem(t *thunk, names map[string]bool) bool {
	sys, ok := a.force(t).(*attrsV)
	if !ok {
		return false
	}
	complete := !sys.partial
	children := make([]*thunk, 0, len(sys.names)+len(sys.dyn))
	for _, n := range sys.names {
		children = append(children, sys.fields[n])
	}
	children = append(children, sys.dyn...)
	for _, c := range children {
		s, ok := a.force(c).(*attrsV)
		if !ok {
			complete = false
			continue
		}
		for _, n := range s.names {
			names[n] = true
		}
		complete = complete && s.namesComplete()
	}
	return complete
}

// flakeParts models flake-parts' mkFlake args module.
func (a *analyzer) flakeParts(module Expr, en *env) value {
	r := newAttrs()
	a.addModule(r, a.eval(module, en), map[string]bool{}, 0)
	return r
}

func (a *analyzer) addModule(r *attrsV, m value, seen map[string]bool, depth int) {
	if depth > maxModuleDepth {
		r.partial = true
		return
	}
	if p, ok := m.(*pathV); ok {
		fc := a.loadPath(p)
		if fc == nil || fc.file == nil {
			r.partial = true
			return
		}
		if seen[fc.path] {
			return
		}
		seen[fc.path] = true
		m = a.eval(fc.file.Expr, fc.root)
	}
	if l, ok := m.(*lambdaV); ok {
		m = a.force(a.applyBody(l))
	}
	s, ok := m.(*attrsV)
	if !ok {
		r.partial = true
		return
	}
	if !s.namesComplete() {
		r.partial = true
	}
	if t, ok := s.fields["imports"]; ok {
		if l, ok := a.force(t).(*listV); ok {
			for _, el := range l.elems {
				a.addModule(r, a.force(el), seen, depth+1)
			}
		} else {
			r.partial = true
		}
	}
	if t, ok := s.fields["perSystem"]; ok {
		p := a.force(t)
		if l, ok := p.(*lambdaV); ok {
			p = a.force(a.applyBody(l))
		}
		if ps, ok := p.(*attrsV); ok {
			for _, k := range perSystemOutputs {
				if t, ok := ps.fields[k]; ok {
					r.add(k, valueThunk(&attrsV{fields: map[string]*thunk{}, dyn: []*thunk{t}}))
				}
			}
			if !ps.namesComplete() {
				r.partial = true
			}
		} else {
			r.partial = true
		}
	}
	if t, ok := s.fields["flake"]; ok {
		if fs, ok := a.force(t).(*attrsV); ok {
			for _, n := range fs.names {
				r.add(n, fs.fields[n])
			}
			r.dyn = append(r.dyn, fs.dyn...)
			r.partial = r.partial || fs.partial
		} else {
			r.partial = true
		}
	}
}
