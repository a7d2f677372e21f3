package nix

// Function calls: source-taking builders, system maps, and applying lambdas.

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
