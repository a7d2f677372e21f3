package nix

// The reference walk: visits every expression of a file once, in its
// scope, and records path expressions with the kind their context gives
// them.

// ctx is what the surroundings say about a path expression found here.
type ctx struct {
	kind     RefKind
	optional bool // absence is tolerated (maybeMissing, pathExists)
	neutral  bool // a let binding: a definition, not yet a use
	list     bool // the kind applies to the elements of a list here
	// attrs, when set, gives the kinds of the attributes of an attribute
	// set here (builtins.path { path = …; }, lib.fileset.toSource { … }).
	attrs map[string]ctx
	// filtered: a source filtered by a function whose result is dynamic
	// (lib.sourceByRegex, builtins.filterSource …).
	filtered bool
	// call is the name of the function an attribute set here is passed to.
	call string
	// via, when the function is the flake's own, is the call in its body
	// that receives the set's src (innerSource).
	via *lambdaV
}

var (
	plainCtx    = ctx{kind: RefPath}
	neutralCtx  = ctx{kind: RefPath, neutral: true}
	readCtx     = ctx{kind: RefRead}
	importCtx   = ctx{kind: RefImport}
	sourceCtx   = ctx{kind: RefDirSource}
	memberCtx   = ctx{kind: RefFilesetMember}
	valueCtx    = ctx{kind: RefValue}
	filteredCtx = ctx{kind: RefDirSource, filtered: true}
)

func (c ctx) specific() bool { return c.kind != RefPath || c.optional }

// scalar is the context of a value that is not a list element: a list
// context (imports = [ … ]) says nothing about a bare value
// (modules = ./src/modules; is a path value, not an import).
func (c ctx) scalar() ctx {
	if c.list {
		return plainCtx
	}
	return c
}

func (c ctx) element() ctx {
	if c.kind == RefValue {
		return valueCtx // the elements of a list nothing reads
	}
	if !c.list {
		return plainCtx
	}
	c.list = false
	return c
}

// attrCtx is the context of the value of an attribute named name.
func attrCtx(name string, over map[string]ctx) ctx {
	if c, ok := over[name]; ok {
		return c
	}
	switch name {
	case "src", "root":
		return sourceCtx
	case "lockFile", "cargoLock", "cargoToml":
		// buildRustPackage's cargoLock.lockFile, importCargoLock's
		// lockFile, crane's cargoLock = ./Cargo.lock and cargoToml.
		return readCtx
	case "fileset":
		return memberCtx
	case "imports", "modules":
		// NixOS / flake-parts imports, nixosSystem { modules = [ … ]; }.
		return ctx{kind: RefImport, list: true}
	}
	return plainCtx
}

var (
	pathAttrs = map[string]ctx{"path": sourceCtx}
	// lib.fileset.toSource copies the fileset's members; root is a path
	// that must exist, not a source of its own.
	toSourceAttrs = map[string]ctx{"root": plainCtx, "fileset": memberCtx}
)

// argCtxs gives the contexts of the arguments of the library function
// name applied to n arguments (nil: all plain). c is the call's own
// context, for functions that pass it through.
func argCtxs(name string, n int, c ctx) []ctx {
	switch name {
	case "import", "callPackage", "callPackages":
		return []ctx{importCtx}
	case "callPackageWith", "callPackagesWith":
		return []ctx{plainCtx, importCtx}
	case "readFile", "importTOML", "importJSON", "fileContents":
		return []ctx{readCtx}
	case "hashFile":
		return []ctx{plainCtx, readCtx}
	case "pathExists":
		return []ctx{{kind: RefPath, optional: true}}
	case "toString":
		// toString ./x is the path's text: nothing is read or copied.
		if c.specific() {
			return []ctx{c}
		}
		return []ctx{valueCtx}
	case "baseNameOf", "dirOf", "length", "typeOf", "isPath", "isString", "isAttrs", "isList":
		return []ctx{valueCtx}
	case "elem":
		return []ctx{valueCtx, valueCtx}
	case "cleanSource", "cleanCargoSource", "gitTracked", "fromSource", "cleanSourceWith":
		return []ctx{sourceCtx}
	case "sourceByRegex", "sourceFilesBySuffices":
		return []ctx{filteredCtx}
	case "buildPackage":
		// naersk's buildPackage ./. (a root directory); crane's takes a set.
		return []ctx{sourceCtx}
	case "filterSource":
		return []ctx{plainCtx, filteredCtx}
	case "gitignoreSourcePure":
		return []ctx{plainCtx, sourceCtx}
	case "gitignoreSource":
		// hercules-ci/gitignore.nix takes the path; nix-gitignore takes
		// patterns first.
		if n >= 2 {
			return []ctx{plainCtx, sourceCtx}
		}
		return []ctx{sourceCtx}
	case "path":
		// builtins.path { path = …; }, craneLib.path ./.
		return []ctx{{kind: RefDirSource, attrs: pathAttrs}}
	case "toSource":
		return []ctx{{kind: RefPath, attrs: toSourceAttrs}}
	case "unions":
		return []ctx{{kind: RefFilesetMember, list: true}}
	case "union", "difference", "intersection":
		return []ctx{memberCtx, memberCtx}
	case "maybeMissing":
		return []ctx{{kind: RefFilesetMember, optional: true}}
	case "fileFilter":
		return []ctx{plainCtx, memberCtx}
	case "optional":
		return []ctx{plainCtx, c.element()}
	case "optionals":
		return []ctx{plainCtx, c}
	}
	return nil
}

// guardsOf returns the paths that cond proves to exist
// (builtins.pathExists p, a && b).
func (a *analyzer) guardsOf(cond Expr, en *env) []string {
	switch n := Unparen(cond).(type) {
	case *Binary:
		if n.Op == OpAnd {
			return append(a.guardsOf(n.X, en), a.guardsOf(n.Y, en)...)
		}
	case *Call:
		head, args := flattenCall(n)
		if len(args) == 1 && funcName(head, a.eval(head, en)) == "pathExists" {
			if p, ok := a.eval(args[0], en).(*pathV); ok && !p.dynamic {
				return []string{p.abs}
			}
		}
	}
	return nil
}

func (a *analyzer) withGuards(g []string, f func()) {
	n := len(a.guards)
	a.guards = append(a.guards, g...)
	f()
	a.guards = a.guards[:n]
}

func (a *analyzer) visit(e Expr, en *env, c ctx) {
	if e == nil {
		return
	}
	if a.vdepth >= maxVisitDepth {
		a.visitFlat(e, en)
		return
	}
	a.vdepth++
	defer func() { a.vdepth-- }()

	switch n := e.(type) {
	case *Paren:
		a.visit(n.X, en, c)
	case *Path:
		if pv, ok := a.eval(n, en).(*pathV); ok {
			a.contribute(n, en.fc, pv, c.scalar())
		}
		a.visitParts(n.Parts, en, 0)
	case *String:
		c = c.scalar()
		if c.kind == RefValue {
			c = plainCtx // interpolating a path copies it to the store
		}
		if len(n.Parts) == 0 || (len(n.Parts) == 1 && n.Parts[0].Expr == nil) {
			return // a literal string: no path in it
		}
		if len(n.Parts) == 1 && n.Parts[0].Expr != nil {
			a.visit(n.Parts[0].Expr, en, c) // "${x}" is x
			return
		}
		if pv, ok := a.eval(n, en).(*pathV); ok {
			a.contribute(n, en.fc, pv, c)
			a.visitComposed(n.Parts[0].Expr, en)
			a.visitParts(n.Parts, en, 1)
			return
		}
		if c.specific() && len(n.Parts) > 1 && n.Parts[0].Expr != nil && startsWithSlash(n.Parts[1:]) {
			a.contribute(n, en.fc, &pathV{kind: pUnknown, dynamic: true}, c)
		}
		a.visitParts(n.Parts, en, 0)
	case *Binary:
		switch n.Op {
		case OpAdd:
			c = c.scalar()
			if pv, ok := a.eval(n, en).(*pathV); ok {
				a.contribute(n, en.fc, pv, c)
				a.visitComposed(n.X, en)
				a.visitOperand(n.Y, en)
				return
			}
			if c.specific() && startsWithSlashExpr(n.Y) {
				a.contribute(n, en.fc, &pathV{kind: pUnknown, dynamic: true}, c)
			}
		case OpConcat:
			if c.list {
				a.visit(n.X, en, c)
				a.visit(n.Y, en, c)
				return
			}
		case OpAnd:
			a.visit(n.X, en, plainCtx)
			a.withGuards(a.guardsOf(n.X, en), func() { a.visit(n.Y, en, plainCtx) })
			return
		case OpEq, OpNeq:
			// Comparing paths reads nothing.
			a.visit(n.X, en, valueCtx)
			a.visit(n.Y, en, valueCtx)
			return
		}
		a.visit(n.X, en, plainCtx)
		a.visit(n.Y, en, plainCtx)
	case *Ident:
		if pv, ok := a.eval(n, en).(*pathV); ok {
			a.use(n, en, pv, c.scalar())
		}
	case *Select:
		if pv, ok := a.eval(n, en).(*pathV); ok {
			a.use(n, en, pv, c.scalar())
			a.visitComposed(n.Expr, en)
		} else {
			a.visit(n.Expr, en, plainCtx)
		}
		a.visitAttrPath(n.Path, en)
		a.visit(n.Default, en, c)
	case *Call:
		a.visitCall(n, en, c)
	case *AttrSet:
		a.visitAttrSet(n, en, c)
	case *Let:
		le := a.letEnv(n, en)
		a.visitBinds(n.Bindings, le, en, nil, neutralCtx, nil)
		a.visit(n.Body, le, c)
	case *LegacyLet:
		re, _ := a.recEnv(n, n.Bindings, en)
		a.visitBinds(n.Bindings, re, en, nil, plainCtx, nil)
	case *With:
		a.visit(n.Env, en, plainCtx)
		a.visit(n.Body, a.withEnv(n, en), c)
	case *Assert:
		a.visit(n.Cond, en, plainCtx)
		a.visit(n.Body, en, c)
	case *If:
		a.visit(n.Cond, en, plainCtx)
		b, known := a.constBool(n.Cond, en)
		a.deadIf(known && !b, func() {
			a.withGuards(a.guardsOf(n.Cond, en), func() { a.visit(n.Then, en, c) })
		})
		a.deadIf(known && b, func() { a.visit(n.Else, en, c) })
	case *Lambda:
		le := a.lambdaEnv(n, en)
		if n.Formals != nil {
			for _, f := range n.Formals.Params {
				a.visit(f.Default, le, plainCtx)
			}
		}
		a.visit(n.Body, le, plainCtx)
	case *List:
		el := c.element()
		for _, x := range n.Elems {
			a.visit(x, en, el)
		}
	case *HasAttr:
		a.visit(n.Expr, en, plainCtx)
		a.visitAttrPath(n.Path, en)
	case *Unary:
		a.visit(n.X, en, plainCtx)
	}
}

// use records that a name whose value is the path pv is used in context c.
// The use goes to the expression that wrote the path; for self, which no
// expression writes, a specific use is itself the reference.
func (a *analyzer) use(n Node, en *env, pv *pathV, c ctx) {
	if pv.origin != nil {
		a.contribute(pv.origin, pv.ofc, pv, c)
		return
	}
	if c.specific() && !c.neutral {
		a.contribute(n, en.fc, pv, c)
	}
}

// visitComposed visits the base of a composed path (the x of x + "/y" or
// "${x}/y"): the base is part of the reference, not one of its own, but
// anything evaluated inside it is visited.
func (a *analyzer) visitComposed(e Expr, en *env) {
	// Walk down the left spine of x + a + b iteratively.
	for {
		b, ok := Unparen(e).(*Binary)
		if !ok || b.Op != OpAdd {
			break
		}
		a.visitOperand(b.Y, en)
		e = b.X
	}
	switch n := Unparen(e).(type) {
	case nil:
	case *Path:
		a.visitParts(n.Parts, en, 0)
	case *Ident:
	case *Select:
		a.visitComposed(n.Expr, en)
		a.visitAttrPath(n.Path, en)
		a.visit(n.Default, en, plainCtx)
	case *String:
		if len(n.Parts) > 0 && n.Parts[0].Expr != nil {
			a.visitComposed(n.Parts[0].Expr, en)
			a.visitParts(n.Parts, en, 1)
			return
		}
		a.visitParts(n.Parts, en, 0)
	default:
		a.visit(n, en, plainCtx)
	}
}

// visitOperand visits the y of a path x + y.
func (a *analyzer) visitOperand(e Expr, en *env) {
	if p, ok := Unparen(e).(*Path); ok && p.Kind == Absolute {
		a.visitParts(p.Parts, en, 0) // ./. + /x: /x is text here
		return
	}
	a.visit(e, en, plainCtx)
}

func (a *analyzer) visitParts(parts []StringPart, en *env, from int) {
	for i := from; i < len(parts); i++ {
		a.visit(parts[i].Expr, en, plainCtx)
	}
}

func (a *analyzer) visitAttrPath(p []AttrName, en *env) {
	for _, n := range p {
		if n.Expr != nil {
			a.visit(n.Expr, en, plainCtx)
		}
	}
}

func startsWithSlash(parts []StringPart) bool {
	return len(parts) > 0 && parts[0].Expr == nil && len(parts[0].Literal) > 0 && parts[0].Literal[0] == '/'
}

func startsWithSlashExpr(e Expr) bool {
	switch n := Unparen(e).(type) {
	case *String:
		return startsWithSlash(n.Parts)
	case *Path:
		return n.Kind == Absolute
	}
	return false
}

func (a *analyzer) visitCall(n *Call, en *env, c ctx) {
	head, args := flattenCall(n)
	name := funcName(head, a.eval(head, en))
	a.cargoLockCall(n, name, args, en)
	a.visit(head, en, plainCtx)
	ctxs := argCtxs(name, len(args), c)
	switch name {
	case "append":
		// lib.path.append ./. "x" composes a new path, like ./. + "/x".
		if pv, ok := a.eval(n, en).(*pathV); ok && pv.origin == Node(n) {
			a.contribute(n, en.fc, pv, c)
			a.visitComposed(args[0], en)
			a.visit(args[1], en, plainCtx)
			return
		}
	case "optional", "optionals", "optionalAttrs", "optionalString", "mkIf":
		if len(args) >= 2 {
			a.visit(args[0], en, plainCtx)
			g := a.guardsOf(args[0], en)
			b, known := a.constBool(args[0], en)
			a.deadIf(known && !b, func() {
				a.withGuards(g, func() {
					for i := 1; i < len(args); i++ {
						ac := plainCtx
						if i < len(ctxs) {
							ac = ctxs[i]
						}
						a.visit(args[i], en, ac)
					}
				})
			})
			return
		}
	}
	for i, x := range args {
		ac := plainCtx
		if i < len(ctxs) {
			ac = ctxs[i]
		}
		if _, ok := Unparen(x).(*AttrSet); ok {
			if name != "" {
				ac.call = name
			}
			if i == len(args)-1 {
				ac.via = a.calledLambda(n, name, args, en)
			}
		}
		a.visit(x, en, ac)
	}
}

// constBool folds a condition that is constant: true, false (unless a
// lexical binding shadows them; with cannot), !, && and ||.
func (a *analyzer) constBool(e Expr, en *env) (val, known bool) {
	switch n := Unparen(e).(type) {
	case *Ident:
		if n.Name != "true" && n.Name != "false" {
			return false, false
		}
		for f := en; f != nil; f = f.parent {
			if _, ok := f.vars[n.Name]; ok {
				return false, false
			}
		}
		return n.Name == "true", true
	case *Unary:
		if n.Op == OpNot {
			v, ok := a.constBool(n.X, en)
			return !v, ok
		}
	case *Binary:
		l, lok := a.constBool(n.X, en)
		r, rok := a.constBool(n.Y, en)
		switch n.Op {
		case OpAnd:
			if (lok && !l) || (rok && !r) {
				return false, true
			}
			return true, lok && rok
		case OpOr:
			if (lok && l) || (rok && r) {
				return true, true
			}
			return false, lok && rok
		}
	}
	return false, false
}

// deadIf runs f with the references it finds marked as in a branch Nix
// never takes, when dead is set.
func (a *analyzer) deadIf(dead bool, f func()) {
	if dead {
		a.dead++
		defer func() { a.dead-- }()
	}
	f()
}
