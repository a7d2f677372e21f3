package nix

import (
	"strings"
)

// nixpkgs' importCargoLock, called directly or through buildRustPackage's
// cargoLock attribute (pkgs/build-support/rust/import-cargo-lock.nix and
// build-rust-package/default.nix), found by the flake analysis' walk.

// CargoLockUse is one importCargoLock { … } call, or the cargoLock = { … }
// of one buildRustPackage call.
type CargoLockUse struct {
	// Builder is "importCargoLock" or "buildRustPackage".
	Builder string
	// File is the repo-relative .nix file; the position is the cargoLock
	// attribute (or the importCargoLock call).
	File                             string
	Line, Column, EndLine, EndColumn int
	// Lock is the repo-relative Cargo.lock that lockFile (or lockFileContents
	// = builtins.readFile …) names. Dynamic: the lock is not statically
	// known (a fetched source, a function parameter …); Lock is then "".
	Lock    string
	Dynamic bool
	// AllowBuiltinFetchGit is "true", "false" (also when absent) or ""
	// (unknown).
	AllowBuiltinFetchGit string
	// Hashes is the outputHashes attribute set; nil when there is none.
	// HashesUnknown: outputHashes is there but its names are not known
	// statically (a variable, x // y, a function's result …).
	Hashes        *OutputHashes
	HashesUnknown bool
	// Where a fix adds a new outputHashes attribute when there is none:
	// InsertAt (a byte offset) and the text before "outputHashes"
	// (Indent: a newline and indentation, or a space), with AttrPrefix
	// ("" or "cargoLock.") in front of "outputHashes".
	InsertAt   int
	Indent     string
	AttrPrefix string
}

// OutputHashes is a written outputHashes = { "<name>-<version>" = "<hash>"; … }.
type OutputHashes struct {
	Line, Column int
	Entries      []HashEntry
	// Where a fix adds entries: InsertAt (a byte offset), the text before
	// each entry (EntryIndent: a newline and indentation, or a space for
	// a set written on one line) and in front of its key (EntryPrefix:
	// "" in a set, "cargoLock.outputHashes." for dotted bindings). When
	// the set is empty (Empty), a fix replaces all of it, the bytes
	// [SetStart, SetEnd).
	InsertAt         int
	EntryIndent      string
	EntryPrefix      string
	Empty            bool
	SetStart, SetEnd int
	// Partial: some entries have names not known statically (a dynamic
	// key, inherit …).
	Partial bool
}

// HashEntry is one entry of outputHashes.
type HashEntry struct {
	Key string
	// Value is the hash when it is a constant string (Static).
	Value  string
	Static bool
	// Position of the entry (the whole binding, semicolon included).
	Line, Column, EndLine, EndColumn int
	// Start, End: the binding's bytes; ValueStart, ValueEnd: the value's.
	Start, End, ValueStart, ValueEnd int
}

// cargoLockCall is the walk's hook for every function call.
func (a *analyzer) cargoLockCall(n *Call, name string, args []Expr, en *env) {
	if len(args) != 1 || en == nil || en.fc == nil || en.fc.file == nil {
		return
	}
	switch name {
	case "importCargoLock":
		s, ok := Unparen(args[0]).(*AttrSet)
		if !ok {
			return
		}
		a.addCargoLockSet(s, n, en, "importCargoLock")
	case "buildRustPackage":
		arg := Unparen(args[0])
		if l, ok := arg.(*Lambda); ok { // buildRustPackage (finalAttrs: { … })
			en = a.lambdaEnv(l, en)
			arg = Unparen(l.Body)
		}
		s, ok := arg.(*AttrSet)
		if !ok {
			return
		}
		valEnv := en
		if s.Rec {
			valEnv, _ = a.recEnv(s, s.Bindings, en)
		}
		var whole *Binding
		var dotted []*Binding
		var inherited *AttrSet
		var inheritedEnv *env
		for _, b := range s.Bindings {
			if in, ok := b.(*Inherit); ok && in.From == nil {
				for _, nm := range in.Names {
					if !nm.Dynamic && nm.Name == "cargoLock" {
						// inherit cargoLock; with cargoLock bound by let.
						inherited, inheritedEnv = boundSet(en, "cargoLock")
						if inherited == nil {
							return
						}
					}
				}
				continue
			}
			b, ok := b.(*Binding)
			if !ok || len(b.Path) == 0 || b.Path[0].Dynamic {
				continue
			}
			if n := b.Path[0].Name; n == "cargoVendorDir" || n == "cargoDeps" {
				// buildRustPackage uses these instead of cargoLock.
				if id, ok := Unparen(b.Value).(*Ident); !ok || id.Name != "null" {
					return
				}
			}
			if b.Path[0].Name != "cargoLock" {
				continue
			}
			if len(b.Path) == 1 {
				whole = b
			} else {
				dotted = append(dotted, b)
			}
		}
		if inherited != nil {
			if whole == nil && len(dotted) == 0 {
				a.addCargoLockSet(inherited, inherited, inheritedEnv, "buildRustPackage")
			}
			return
		}
		switch {
		case whole != nil:
			if len(dotted) > 0 {
				return
			}
			cs, ok := Unparen(whole.Value).(*AttrSet)
			if !ok {
				// cargoLock = lock; with lock bound by let to a set.
				id, isIdent := Unparen(whole.Value).(*Ident)
				if !isIdent {
					return // a function's result, null …: not modelled
				}
				if bs, benv := boundSet(valEnv, id.Name); bs != nil {
					a.addCargoLockSet(bs, bs, benv, "buildRustPackage")
				}
				return
			}
			a.addCargoLockSet(cs, whole, valEnv, "buildRustPackage")
		case len(dotted) > 0:
			bs := make([]Bind, len(dotted))
			for i, b := range dotted {
				bs[i] = b
			}
			u := a.cargoLockOf(en.fc, bs, []string{"cargoLock"}, valEnv, "buildRustPackage")
			u.setPos(en.fc.file, dotted[0])
			last := dotted[len(dotted)-1]
			u.InsertAt = last.End
			u.Indent = lineIndent(en.fc.file.Source(), last.Start)
			if !strings.Contains(en.fc.file.Source()[s.Start:s.End], "\n") {
				u.Indent = " "
			}
			u.AttrPrefix = "cargoLock."
			a.flake.CargoLocks = append(a.flake.CargoLocks, *u)
		}
	}
}

// boundSet is the attribute set literal that a let (or rec) binding of
// name visible in e is, with its environment; nil when name is bound to
// something else, or by a function parameter.
func boundSet(e *env, name string) (*AttrSet, *env) {
	for f := e; f != nil; f = f.parent {
		t, ok := f.vars[name]
		if !ok {
			continue
		}
		if (f.kind != frameLet && f.kind != frameRec) || t.expr == nil || t.sel != "" || t.name != "" || t.union || t.env == nil || t.env.fc == nil || t.env.fc.file == nil {
			return nil, nil
		}
		s, ok := Unparen(t.expr).(*AttrSet)
		if !ok {
			return nil, nil
		}
		return s, t.env
	}
	return nil, nil
}

// addCargoLockSet records importCargoLock's arguments written as the set s
// (reported at the node at).
func (a *analyzer) addCargoLockSet(s *AttrSet, at Node, en *env, builder string) {
	fc := en.fc
	if s.Rec {
		en, _ = a.recEnv(s, s.Bindings, en)
	}
	u := a.cargoLockOf(fc, s.Bindings, nil, en, builder)
	u.setPos(fc.file, at)
	u.InsertAt, u.Indent = insertPoint(fc.file, s)
	a.flake.CargoLocks = append(a.flake.CargoLocks, *u)
}

func (u *CargoLockUse) setPos(f *File, n Node) {
	sp := n.Bounds()
	s, e := f.Position(sp.Start), f.Position(sp.End)
	u.Line, u.Column, u.EndLine, u.EndColumn = s.Line, s.Column, e.Line, e.Column
}

// cargoLockOf reads importCargoLock's arguments from bindings whose paths
// start with prefix.
func (a *analyzer) cargoLockOf(fc *fileCtx, bs []Bind, prefix []string, en *env, builder string) *CargoLockUse {
	u := &CargoLockUse{Builder: builder, File: fc.path, AllowBuiltinFetchGit: "false", Dynamic: true}
	src := fc.file.Source()
	var hashBinds []*Binding
	for _, b := range bs {
		switch b := b.(type) {
		case *Inherit:
			for _, nm := range b.Names {
				switch nm.Name {
				case "lockFile", "lockFileContents", "allowBuiltinFetchGit":
					u.Dynamic, u.Lock, u.AllowBuiltinFetchGit = true, "", ""
				case "outputHashes":
					u.HashesUnknown = true
				}
			}
		case *Binding:
			p := b.Path[len(prefix):]
			if len(p) == 0 || p[0].Dynamic {
				if len(p) > 0 {
					u.HashesUnknown = true
				}
				continue
			}
			switch p[0].Name {
			case "lockFile", "lockFileContents":
				if len(p) != 1 {
					continue
				}
				u.Lock, u.Dynamic = a.lockOf(b.Value, p[0].Name == "lockFileContents", en)
			case "allowBuiltinFetchGit":
				u.AllowBuiltinFetchGit = ""
				if id, ok := Unparen(b.Value).(*Ident); ok && (id.Name == "true" || id.Name == "false") {
					u.AllowBuiltinFetchGit = id.Name
				}
			case "outputHashes":
				hashBinds = append(hashBinds, b)
			}
		}
	}
	if len(hashBinds) == 0 {
		return u
	}
	first := hashBinds[0]
	pos := fc.file.Position(first.Start)
	oh := &OutputHashes{Line: pos.Line, Column: pos.Column}
	keyAt := len(prefix) + 1
	if len(hashBinds) == 1 && len(first.Path) == keyAt {
		s, ok := Unparen(first.Value).(*AttrSet)
		if !ok {
			u.HashesUnknown = true
			return u
		}
		oh.InsertAt, oh.EntryIndent = insertPoint(fc.file, s)
		oh.SetStart, oh.SetEnd, oh.Empty = s.Start, s.End, len(s.Bindings) == 0
		if oh.Empty {
			oh.EntryIndent = entryIndent(src, s)
		}
		for _, eb := range s.Bindings {
			eb, ok := eb.(*Binding)
			if !ok || len(eb.Path) != 1 {
				oh.Partial = true
				continue
			}
			a.addHashEntry(fc, oh, eb, eb.Path[0], en)
		}
	} else {
		for _, hb := range hashBinds {
			if len(hb.Path) != keyAt+1 {
				u.HashesUnknown = true
				return u
			}
			a.addHashEntry(fc, oh, hb, hb.Path[keyAt], en)
		}
		last := hashBinds[len(hashBinds)-1]
		oh.InsertAt, oh.EntryIndent = last.End, lineIndent(src, last.Start)
		oh.EntryPrefix = attrPathText(fc.file, last.Path[:keyAt]) + "."
	}
	u.Hashes = oh
	return u
}

func (a *analyzer) addHashEntry(fc *fileCtx, oh *OutputHashes, b *Binding, key AttrName, en *env) {
	name, ok := a.attrName(key, en)
	if !ok {
		oh.Partial = true
		return
	}
	e := HashEntry{Key: name, Start: b.Start, End: b.End}
	vs := Unparen(b.Value).Bounds()
	e.ValueStart, e.ValueEnd = vs.Start, vs.End
	if s, ok := a.eval(b.Value, en).(strV); ok && !s.dyn {
		e.Value, e.Static = s.s, true
	}
	st, end := fc.file.Position(b.Start), fc.file.Position(b.End)
	e.Line, e.Column, e.EndLine, e.EndColumn = st.Line, st.Column, end.Line, end.Column
	oh.Entries = append(oh.Entries, e)
}

// lockOf resolves lockFile = <path>, or lockFileContents = builtins.readFile <path>.
func (a *analyzer) lockOf(e Expr, contents bool, en *env) (string, bool) {
	if contents {
		c, ok := Unparen(e).(*Call)
		if !ok {
			return "", true
		}
		head, args := flattenCall(c)
		if len(args) != 1 || funcName(head, a.eval(head, en)) != "readFile" {
			return "", true
		}
		e = args[0]
	}
	pv, ok := a.eval(e, en).(*pathV)
	if !ok || pv.dynamic || pv.kind != pRepo {
		return "", true
	}
	rel, in := relOf(pv.abs)
	if !in {
		return "", true
	}
	return rel, false
}

// insertPoint is where a new attribute goes in the set s: after its last
// binding, on a line of its own when the set spans lines.
func insertPoint(f *File, s *AttrSet) (int, string) {
	src := f.Source()
	if len(s.Bindings) == 0 {
		return s.End - 1, " "
	}
	last := s.Bindings[len(s.Bindings)-1].Bounds()
	if !strings.Contains(src[s.Start:s.End], "\n") {
		return last.End, " "
	}
	return last.End, lineIndent(src, last.Start)
}

// entryIndent is the text that precedes a new entry of the set s.
func entryIndent(src string, s *AttrSet) string {
	if !strings.Contains(src[s.Start:s.End], "\n") {
		return " "
	}
	if len(s.Bindings) > 0 {
		return lineIndent(src, s.Bindings[len(s.Bindings)-1].Bounds().Start)
	}
	// An empty multi-line set: indent two more than the line of "{".
	ind := lineIndent(src, s.Start)
	return ind + "  "
}

// attrPathText is the source text of an attribute path.
func attrPathText(f *File, p []AttrName) string {
	return f.Source()[p[0].Start:p[len(p)-1].End]
}

// lineIndent is "\n" and the indentation of the line holding offset.
func lineIndent(src string, offset int) string {
	ls := strings.LastIndexByte(src[:offset], '\n') + 1
	i := ls
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return "\n" + src[ls:i]
}
