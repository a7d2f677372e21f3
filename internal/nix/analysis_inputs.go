package nix

import "strings"

// analyzeInputs reads the flake's inputs attribute, in all its written
// forms: inputs.x.url = …; inputs.x = { url = …; flake = false; };
// inputs = { x.url = …; self.submodules = true; }. Relative path: and
// git+file: URLs become RefInput references.
func (a *analyzer) analyzeInputs(fc *fileCtx, top *AttrSet) {
	a.flake.InputsComplete = true
	defer a.implicitInputs()
	for _, b := range top.Bindings {
		b, ok := b.(*Binding)
		if !ok || b.Path[0].Dynamic || b.Path[0].Name != "inputs" {
			continue
		}
		if len(b.Path) > 1 {
			a.input(fc, b.Path[1:], b.Value)
			continue
		}
		s, ok := Unparen(b.Value).(*AttrSet)
		if !ok {
			a.flake.HasInputs = true // inputs = something we can't read
			a.flake.InputsComplete = false
			continue
		}
		for _, ib := range s.Bindings {
			switch ib := ib.(type) {
			case *Binding:
				a.input(fc, ib.Path, ib.Value)
			case *Inherit:
				for _, n := range ib.Names {
					if n.Dynamic || n.Name != "self" {
						a.flake.HasInputs = true
					}
					if n.Dynamic {
						a.flake.InputsComplete = false
					} else if n.Name != "self" {
						a.addInput(n.Name)
					}
				}
			}
		}
	}
}

// input handles one binding inside inputs: p is the attribute path below
// inputs (x.url, x, self.submodules …).
func (a *analyzer) input(fc *fileCtx, p []AttrName, v Expr) {
	if p[0].Dynamic {
		a.flake.HasInputs = true
		a.flake.InputsComplete = false
		return
	}
	name, rest := p[0].Name, p[1:]
	if name == "self" {
		switch {
		case len(rest) == 1 && !rest[0].Dynamic && rest[0].Name == "submodules":
			a.flake.Submodules = a.flake.Submodules || isTrue(v)
		case len(rest) == 0:
			if s, ok := Unparen(v).(*AttrSet); ok {
				if b := findBinding(s, "submodules"); b != nil && isTrue(b.Value) {
					a.flake.Submodules = true
				}
			}
		}
		return
	}
	a.flake.HasInputs = true
	if a.declared == nil {
		a.declared = map[string]bool{}
	}
	a.declared[name] = true
	// Only an input with a url or follows is locked: `x = { };` (or only
	// x.flake = false) is a placeholder that callers pass with
	// --override-input, which the lock does not record.
	switch {
	case len(rest) == 0:
		switch s := Unparen(v).(type) {
		case *AttrSet:
			if b := findBinding(s, "url"); b != nil {
				a.addInput(name)
				a.inputURL(fc, b.Value)
			} else if findBinding(s, "follows") != nil {
				a.addInput(name)
			}
		case *String, *URI:
			a.addInput(name)
			a.inputURL(fc, s)
		default:
			a.addInput(name)
		}
	case len(rest) == 1 && !rest[0].Dynamic && rest[0].Name == "url":
		a.addInput(name)
		a.inputURL(fc, v)
	case len(rest) == 1 && !rest[0].Dynamic && rest[0].Name == "follows":
		a.addInput(name)
	}
}

func isTrue(e Expr) bool {
	id, ok := Unparen(e).(*Ident)
	return ok && id.Name == "true"
}

// inputURL records a relative path: or git+file: input URL.
func (a *analyzer) inputURL(fc *fileCtx, e Expr) {
	e = Unparen(e)
	var u string
	switch n := e.(type) {
	case *String:
		s, ok := n.Literal()
		if !ok {
			return
		}
		u = s
	case *URI:
		u = n.Value
	default:
		return
	}
	rel, ok := relativeInputPath(u)
	if !ok {
		return
	}
	pv := &pathV{kind: pRepo, abs: cleanAbs(repoAbs(fc.dir) + "/" + rel), origin: e, ofc: fc}
	a.contribute(e, fc, pv, ctx{kind: RefInput})
}

// relativeInputPath returns the relative directory of a path: or git+file:
// flake reference (also a bare ./x or ../x), without query and fragment.
func relativeInputPath(u string) (string, bool) {
	switch {
	case strings.HasPrefix(u, "path:"):
		u = u[len("path:"):]
	case strings.HasPrefix(u, "git+file:"):
		u = u[len("git+file:"):]
	case strings.HasPrefix(u, "./"), strings.HasPrefix(u, "../"), u == ".":
	default:
		return "", false
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if u == "" || strings.HasPrefix(u, "/") {
		return "", false // absolute (or file:///…): not a repository path
	}
	return u, true
}

func (a *analyzer) addInput(name string) {
	for _, n := range a.flake.Inputs {
		if n == name {
			return
		}
	}
	a.flake.Inputs = append(a.flake.Inputs, name)
}

// implicitInputs adds the outputs function's formal parameters that
// inputs does not declare: Nix resolves them as indirect flake references
// (`{ self, nixpkgs }:` with no inputs is nixpkgs from the registry), and
// the lock must hold them.
func (a *analyzer) implicitInputs() {
	l := a.outputsLambda
	if l == nil || l.Formals == nil {
		return
	}
	for _, f := range l.Formals.Params {
		if f.Name != "self" && !a.declared[f.Name] {
			a.flake.HasInputs = true
			a.addInput(f.Name)
		}
	}
}
