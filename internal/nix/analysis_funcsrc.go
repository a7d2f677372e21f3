package nix

// A source passed through a function of the flake's own files:
//
//	mkPackage = { src, ... }: rustPlatform.buildRustPackage { inherit src; cargoLock.lockFile = …; };
//	… mkPackage { src = ./backend; }
//
// The reference is written in the outer call's argument set, but what
// decides which Cargo root the build uses (the builder, its lock
// arguments) is in the inner call. innerSource finds that call in the
// function's body and describes it, so that sourceArgs can merge it.

// innerSource returns the arguments of the call in l's body that receives
// l's parameter src (or root) as its own src (root): inherit src;
// src = src; src = args.src; inherit (args) src. nil when there is none
// (the function does something else with its argument: stay with what
// the outer set says).
func (a *analyzer) innerSource(l *lambdaV) *SourceArgs {
	if l == nil || l.fn == nil {
		return nil
	}
	fn := l.fn
	formal := map[string]bool{}
	if fn.Formals != nil {
		for _, p := range fn.Formals.Params {
			formal[p.Name] = true
		}
	}
	fromParam := func(e Expr, name string) bool {
		switch v := Unparen(e).(type) {
		case *Ident:
			return v.Name == name && formal[name]
		case *Select:
			id, ok := Unparen(v.Expr).(*Ident)
			return ok && fn.Param != "" && id.Name == fn.Param && len(v.Path) == 1 && !v.Path[0].Dynamic && v.Path[0].Name == name && v.Default == nil
		}
		return false
	}
	var found *SourceArgs
	Walk(fn.Body, func(n Node) bool {
		if found != nil {
			return false
		}
		if inner, ok := n.(*Lambda); ok && inner != fn {
			return false // another function's parameters
		}
		c, ok := n.(*Call)
		if !ok {
			return true
		}
		head, args := flattenCall(c)
		if len(args) == 0 {
			return true
		}
		set, ok := Unparen(args[len(args)-1]).(*AttrSet)
		if !ok {
			return true
		}
		passes := false
		for _, b := range set.Bindings {
			switch b := b.(type) {
			case *Binding:
				if len(b.Path) == 1 && !b.Path[0].Dynamic && (b.Path[0].Name == "src" || b.Path[0].Name == "root") && fromParam(b.Value, b.Path[0].Name) {
					passes = true
				}
			case *Inherit:
				for _, nm := range b.Names {
					if nm.Dynamic || (nm.Name != "src" && nm.Name != "root") {
						continue
					}
					if b.From == nil && formal[nm.Name] {
						passes = true
					}
					if id, ok := Unparen(b.From).(*Ident); b.From != nil && ok && fn.Param != "" && id.Name == fn.Param {
						passes = true
					}
				}
			}
		}
		if !passes {
			return true
		}
		name := ""
		switch h := head.(type) {
		case *Ident:
			name = h.Name
		case *Select:
			if last := h.Path[len(h.Path)-1]; !last.Dynamic {
				name = last.Name
			}
		}
		// The inner set's other arguments, evaluated in the function's
		// definition scope with its parameters unknown.
		found = a.sourceArgs(set, a.lambdaEnv(fn, l.env), ctx{call: name})
		if found == nil {
			found = &SourceArgs{Func: name}
		}
		return false
	})
	return found
}

// calledLambda is the function of the flake's files that the call n
// applies to its last argument: f { … }, (import ./f.nix) { … },
// callPackage ./f.nix { … }; nil when it is not one.
func (a *analyzer) calledLambda(n *Call, name string, args []Expr, en *env) *lambdaV {
	if name == "callPackage" && len(args) == 2 {
		if p, ok := a.eval(args[0], en).(*pathV); ok {
			if fc := a.loadPath(p); fc != nil && fc.file != nil {
				l, _ := a.eval(fc.file.Expr, fc.root).(*lambdaV)
				return l
			}
		}
		return nil
	}
	l, _ := a.eval(n.Func, en).(*lambdaV)
	return l
}

// mergeInner adds what the inner call of a function says to the source
// arguments of the outer call's set.
func mergeInner(sa, inner *SourceArgs) {
	if inner == nil {
		return
	}
	if inner.Func != "" {
		sa.Func = inner.Func
	}
	for _, at := range inner.Attrs {
		if at != "src" && at != "root" && !sa.Has(at) {
			sa.Attrs = append(sa.Attrs, at)
		}
	}
	if sa.Subdir == "" {
		sa.Subdir = inner.Subdir
	}
	sa.SubdirDynamic = sa.SubdirDynamic || inner.SubdirDynamic
	sa.Filtered = sa.Filtered || inner.Filtered
}
