package nix

// Attribute sets as builder arguments: a source and what the builder's
// other arguments say about it.

func (a *analyzer) visitAttrSet(n *AttrSet, en *env, c ctx) {
	valEnv := en
	if n.Rec {
		valEnv, _ = a.recEnv(n, n.Bindings, en)
	}
	sa := a.sourceArgs(n, valEnv, c)
	a.visitBinds(n.Bindings, valEnv, en, c.attrs, ctx{}, sa)
}

// sourceArgs describes an attribute set that holds a source (src, root,
// or the path of builtins.path): nil for other sets.
func (a *analyzer) sourceArgs(n *AttrSet, en *env, c ctx) *SourceArgs {
	var sa *SourceArgs
	for _, b := range n.Bindings {
		switch b := b.(type) {
		case *Binding:
			if len(b.Path) != 1 || b.Path[0].Dynamic {
				continue
			}
			switch nm := b.Path[0].Name; {
			case nm == "src" || nm == "root" || (nm == "path" && c.attrs != nil):
				sa = &SourceArgs{Func: c.call}
			}
		case *Inherit:
			for _, nm := range b.Names {
				if !nm.Dynamic && (nm.Name == "src" || nm.Name == "root") {
					sa = &SourceArgs{Func: c.call}
				}
			}
		}
	}
	if sa == nil {
		return nil
	}
	if c.via != nil {
		defer mergeInner(sa, a.innerSource(c.via))
	}
	for _, b := range n.Bindings {
		switch b := b.(type) {
		case *Binding:
			if b.Path[0].Dynamic {
				continue
			}
			nm := b.Path[0].Name
			sa.Attrs = append(sa.Attrs, nm)
			switch {
			case len(b.Path) == 1 && (nm == "buildAndTestSubdir" || nm == "cargoRoot"):
				if s, ok := a.eval(b.Value, en).(strV); ok && !s.dyn {
					sa.Subdir = s.s
				} else {
					sa.SubdirDynamic = true
				}
			case nm == "filter":
				if fn := funcName(Unparen(b.Value), a.eval(b.Value, en)); fn != "filterCargoSources" {
					sa.Filtered = true
				}
			}
		case *Inherit:
			for _, nm := range b.Names {
				if !nm.Dynamic {
					sa.Attrs = append(sa.Attrs, nm.Name)
					if nm.Name == "filter" || nm.Name == "buildAndTestSubdir" || nm.Name == "cargoRoot" {
						sa.SubdirDynamic = sa.SubdirDynamic || nm.Name != "filter"
						sa.Filtered = sa.Filtered || nm.Name == "filter"
					}
				}
			}
		}
	}
	return sa
}

// visitBinds visits bindings whose values live in valEnv (inherit x; looks
// in inhEnv). let bindings pass the neutral context; attribute sets pass
// the zero ctx and get each attribute's context from its name.
func (a *analyzer) visitBinds(bs []Bind, valEnv, inhEnv *env, over map[string]ctx, forced ctx, sa *SourceArgs) {
	for _, b := range bs {
		switch b := b.(type) {
		case *Binding:
			a.visitAttrPath(b.Path, valEnv)
			c := forced
			last := b.Path[len(b.Path)-1]
			if c.kind == 0 {
				c = plainCtx
				if !last.Dynamic {
					c = attrCtx(last.Name, over)
				}
			}
			tmpl := false
			for _, p := range b.Path[:len(b.Path)-1] {
				if !p.Dynamic && (p.Name == "templates" || p.Name == "defaultTemplate") {
					tmpl = true
				}
			}
			if (a.inTemplates > 0 || tmpl) && !last.Dynamic && last.Name == "path" {
				a.templatePath(b.Value, valEnv)
			}
			if !last.Dynamic && (last.Name == "templates" || last.Name == "defaultTemplate") {
				tmpl = true
			}
			if tmpl {
				a.inTemplates++
			}
			src := sa != nil && len(b.Path) == 1 && !last.Dynamic && (last.Name == "src" || last.Name == "root" || last.Name == "path")
			if src {
				old := a.curSource
				a.curSource = sa
				a.visit(b.Value, valEnv, c)
				a.curSource = old
			} else {
				a.visit(b.Value, valEnv, c)
			}
			if tmpl {
				a.inTemplates--
			}
		case *Inherit:
			if b.From != nil {
				a.visit(b.From, valEnv, plainCtx)
			}
			if forced.kind != 0 {
				continue
			}
			for i := range b.Names {
				nm := &b.Names[i]
				if nm.Dynamic {
					continue
				}
				c := attrCtx(nm.Name, over)
				var v value
				if b.From != nil {
					v, _ = a.selectName(a.eval(b.From, valEnv), nm.Name)
				} else {
					v = a.lookup(inhEnv, nm.Name)
				}
				if pv, ok := v.(*pathV); ok {
					if sa != nil && (nm.Name == "src" || nm.Name == "root") {
						old := a.curSource
						a.curSource = sa
						a.use(nm, valEnv, pv, c)
						a.curSource = old
					} else {
						a.use(nm, valEnv, pv, c)
					}
				}
			}
		}
	}
}

// visitFlat is the fallback for trees nested deeper than maxVisitDepth:
// every static path literal in the subtree is a plain reference.
func (a *analyzer) visitFlat(e Expr, en *env) {
	Walk(e, func(n Node) bool {
		if p, ok := n.(*Path); ok && p.Kind != Search {
			if _, ok := p.Literal(); ok {
				if pv, ok := a.evalPath(p, en).(*pathV); ok {
					a.contribute(p, en.fc, pv, plainCtx)
				}
			}
		}
		return true
	})
}

// templatePath records the directory a templates.<name>.path names.
func (a *analyzer) templatePath(e Expr, en *env) {
	pv, ok := a.eval(e, en).(*pathV)
	if !ok || pv.kind != pRepo || pv.dynamic {
		return
	}
	if rel, ok := relOf(pv.abs); ok {
		for _, t := range a.flake.Templates {
			if t == rel {
				return
			}
		}
		a.flake.Templates = append(a.flake.Templates, rel)
	}
}
