package nix

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Flake analysis: the references a flake's evaluation makes to files of the
// repository, the inputs it declares and the outputs it defines. Nothing is
// evaluated and nothing is read except through the Reader.
//
// How it works:
//
//   - Every file (flake.nix, then each file it imports) is walked once with
//     its scopes (analysis_visit.go). A path expression is a path literal,
//     path + string, "${path}…" or a name whose constant value is a path;
//     each literal or composed expression is one Ref, keyed by the
//     expression that writes it.
//   - The kind of a Ref comes from where the path is used: the argument of
//     builtins.readFile, the value of an attribute named src, a member of
//     lib.fileset.unions … A name bound by let or rec to a path passes its
//     use back to the expression that wrote the path (let src = ./b; in
//     { inherit src; } makes ./b a source). Of several uses the most
//     specific kind wins: import > read > fileset member > source > path.
//   - Values come from a small abstract evaluator (analysis_eval.go) that
//     folds constants and models attribute sets; function parameters are
//     unknown. self (a formal parameter named self, and inputs.self) is the
//     flake's directory.
//   - RefImport targets are followed breadth-first (a directory means its
//     default.nix); each file is analysed once, with the first chain found.
//   - Inputs are read from the flake's top-level inputs attribute
//     (analysis_inputs.go), outputs by evaluating the outputs function's
//     body (outputs.go).

const (
	maxEvalDepth   = 1000 // nesting of abstract evaluation
	maxVisitDepth  = 4000 // nesting of the reference walk; deeper trees are scanned flat
	maxModuleDepth = 64   // nesting of flake-parts module imports
)

type analyzer struct {
	r        Reader
	flake    *Flake
	flakeDir string
	errs     []FileError
	errSeen  map[string]bool

	files map[string]*fileCtx // every file loaded, by repo path
	order []*fileCtx          // followed files, flake.nix first
	queue []*fileCtx

	refs    map[Node]*refEntry
	memo    map[memoKey]value
	envs    map[memoKey]*env
	recSets map[*env]*attrsV

	depth, vdepth int
	work          int // eval steps taken (bounded by maxWork)
	interrupted   func() bool
	stopped       bool     // interrupted: evaluate and read nothing more
	guards        []string // paths known to exist here (if builtins.pathExists p then …)
	outputsLambda *Lambda
	dead          int             // > 0 inside a branch Nix never takes
	inTemplates   int             // > 0 inside a templates attribute
	curSource     *SourceArgs     // the argument set of the source being visited
	free          map[string]bool // prefetched answers of skippable, by path
	declared      map[string]bool // input names written in inputs
}

type fileCtx struct {
	path, dir string
	file      *File // nil when it could not be read or parsed
	err       error // why file is nil
	root      *env
	chain     []string
	followed  bool
	refs      []*refEntry
	// skipped: the file was read and found free of references (no path
	// literal, no self or inputs), so it was not parsed; load parses it
	// when its value is needed.
	skipped bool
}

// refEntry accumulates the uses of one path expression.
type refEntry struct {
	node    Node
	fc      *fileCtx
	pv      *pathV
	kind    RefKind
	used    bool // some non-neutral use
	allOpt  bool // every non-neutral use tolerates absence
	allDead bool // every non-neutral use is in a dead branch
	src     *SourceArgs
	filt    bool // used as a source filtered dynamically
}

var kindRank = map[RefKind]int{RefValue: -1, RefPath: 0, RefDirSource: 1, RefFilesetMember: 2, RefRead: 3, RefImport: 4, RefInput: 5}

func analyzeFlake(flakePath string, r Reader) (f *Flake, errs []FileError) {
	flakePath = cleanRel(flakePath)
	a := &analyzer{
		r:        r,
		flakeDir: dirOfPath(flakePath),
		errSeen:  map[string]bool{},
		files:    map[string]*fileCtx{},
		refs:     map[Node]*refEntry{},
		memo:     map[memoKey]value{},
		envs:     map[memoKey]*env{},
		recSets:  map[*env]*attrsV{},
	}
	f = &Flake{Path: flakePath, Dir: a.flakeDir, Files: []string{flakePath}}
	f.Outputs = Outputs{Packages: map[string]bool{}, LegacyPackages: map[string]bool{},
		DevShells: map[string]bool{}, Apps: map[string]bool{}, TopLevel: map[string]bool{}}
	a.flake = f
	if in, ok := r.(Interrupter); ok {
		a.interrupted = in.Interrupted
		defer func() {
			if a.stopped { // what was found is a part, never the whole
				f.Outputs.Complete, f.InputsComplete = false, false
			}
		}()
	}
	defer func() {
		// The analysis is meant never to panic; should it, the caller
		// still gets a result and a FileError instead of a crash.
		if p := recover(); p != nil {
			f.Outputs.Complete = false
			errs = append(a.errs, FileError{Path: flakePath, Err: fmt.Errorf("internal error in flake analysis: %v", p)})
		}
	}()

	fc := a.load(flakePath)
	if fc.file == nil {
		a.fileError(flakePath, fc.err)
		return f, a.errs
	}
	fc.followed, fc.chain = true, []string{flakePath}
	a.order = append(a.order, fc)
	top := a.flakeAttrs(fc)
	if top != nil {
		if b := findBinding(top, "outputs"); b != nil {
			if l, ok := Unparen(b.Value).(*Lambda); ok {
				a.outputsLambda = l
			}
		}
		a.analyzeInputs(fc, top)
	}
	a.queue = append(a.queue, fc)
	for {
		for len(a.queue) > 0 {
			c := a.queue[0]
			a.queue = a.queue[1:]
			a.visit(c.file.Expr, c.root, plainCtx)
			a.followImports(c)
		}
		// A use in a later file can make an earlier expression an import.
		for _, c := range a.order {
			a.followImports(c)
		}
		if len(a.queue) == 0 {
			break
		}
	}
	a.outputs(fc, top)
	a.finish()
	return f, a.errs
}

// flakeAttrs is the flake's top-level attribute set (through let and
// parentheses).
func (a *analyzer) flakeAttrs(fc *fileCtx) *AttrSet {
	e := fc.file.Expr
	for range maxEvalDepth {
		switch n := e.(type) {
		case *Paren:
			e = n.X
		case *Let:
			e = n.Body
		case *AttrSet:
			return n
		default:
			return nil
		}
	}
	return nil
}

func findBinding(s *AttrSet, name string) *Binding {
	for _, b := range s.Bindings {
		if b, ok := b.(*Binding); ok && len(b.Path) == 1 && !b.Path[0].Dynamic && b.Path[0].Name == name {
			return b
		}
	}
	return nil
}

func cleanRel(p string) string {
	p = path.Clean(strings.TrimPrefix(p, "/"))
	if p == "." {
		return ""
	}
	return p
}

func dirOfPath(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

func (a *analyzer) fileError(p string, err error) {
	if a.errSeen[p] {
		return
	}
	a.errSeen[p] = true
	a.errs = append(a.errs, FileError{Path: p, Err: err})
}

// load reads and parses a repo file once. A missing file is not an error
// here: the reference to it is what the rules report.
func (a *analyzer) load(p string) *fileCtx {
	p = a.canonical(p)
	fc, ok := a.files[p]
	if ok && !fc.skipped {
		return fc
	}
	if a.stop() {
		return &fileCtx{path: p, dir: dirOfPath(p), err: errInterrupted}
	}
	if !ok {
		// ./x in a linked file is relative to its target: p is the target.
		fc = &fileCtx{path: p, dir: dirOfPath(p)}
		a.files[p] = fc
	}
	fc.skipped = false
	data, err := a.r.ReadFile(p)
	if err != nil {
		fc.err = err
		if !errors.Is(err, fs.ErrNotExist) {
			a.fileError(p, err)
		}
		return fc
	}
	var stop func() bool
	if a.interrupted != nil {
		stop = a.stop
	}
	f, err := ParseInterruptible(p, data, stop)
	if err != nil {
		fc.err = err
		if !a.stop() {
			a.fileError(p, err)
		}
		return fc
	}
	fc.file = f
	fc.root = &env{kind: frameFile, fc: fc}
	return fc
}

// peek is load for a file that is followed as an import: a file free of
// references is not kept parsed (rust-overlay imports hundreds of
// pure-data manifests). A literal data file (dataOnly) is scanned, not
// parsed; other reference-free code is parsed for its syntax errors (LG901)
// and its tree dropped.
func (a *analyzer) peek(p string) *fileCtx {
	p = a.canonical(p)
	if a.stop() {
		return a.load(p)
	}
	if fc, ok := a.files[p]; ok {
		return fc
	}
	free, known := a.free[p]
	if !known {
		free = a.skippable(p)
	}
	if free {
		fc := &fileCtx{path: p, dir: dirOfPath(p), skipped: true}
		a.files[p] = fc
		return fc
	}
	return a.load(p) // load reports a syntax error
}

// skippable: p is free of references and parses.
func (a *analyzer) skippable(p string) bool {
	data, err := a.r.ReadFile(p)
	return err == nil && (dataOnly(data) || referenceFree(data) && parses(p, data))
}

// prefetch decides skippable for the files of paths in parallel (a file
// importing hundreds of manifests), so that peek finds the answers in
// a.free. The Reader is safe for concurrent use; nothing else is touched.
func (a *analyzer) prefetch(paths []string) {
	if len(paths) < 16 {
		return
	}
	res := make([]bool, len(paths))
	workers := min(runtime.GOMAXPROCS(0), 8)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) {
					return
				}
				res[i] = a.skippable(paths[i])
			}
		}()
	}
	wg.Wait()
	if a.free == nil {
		a.free = map[string]bool{}
	}
	for i, p := range paths {
		a.free[p] = res[i]
	}
}

// parses reports whether data parses; the tree is dropped.
func parses(p string, data []byte) bool {
	_, err := Parse(p, data)
	return err == nil
}

// errInterrupted is the error of a file not read because the analysis was
// interrupted.
var errInterrupted = errors.New("interrupted")

// stop reports whether the analysis was interrupted, asking the Reader.
func (a *analyzer) stop() bool {
	if !a.stopped && a.interrupted != nil && a.interrupted() {
		a.stopped, a.work = true, maxWork
	}
	return a.stopped
}

// canonical is the repo-relative path p with the repository's symbolic
// links inside it resolved, as Nix reads it: a file reached through a link
// (self -> ., nix/up -> ..) is one file, analysed and reported once, under
// the path of its target. A path the Reader cannot resolve (an untracked
// link, a link leaving the repository, a loop) stays as written.
func (a *analyzer) canonical(p string) string {
	if lr, ok := a.r.(LinkResolver); ok {
		if rp, ok := lr.ResolveLinks(p); ok {
			return rp
		}
	}
	return p
}

// importTarget is the file that import p evaluates: p/default.nix for a
// directory.
func (a *analyzer) importTarget(rel string) string {
	rel = a.canonical(rel) // a link to a directory imports its default.nix
	if !strings.HasSuffix(rel, ".nix") && a.r.IsDir(rel) {
		return a.canonical(path.Join(rel, "default.nix"))
	}
	return rel
}

// loadPath loads the file a static repository path value imports.
func (a *analyzer) loadPath(p *pathV) *fileCtx {
	if p.kind != pRepo || p.dynamic {
		return nil
	}
	rel, ok := relOf(p.abs)
	if !ok {
		return nil
	}
	return a.load(a.importTarget(rel))
}

func (a *analyzer) followImports(fc *fileCtx) {
	refs := append([]*refEntry(nil), fc.refs...)
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].node.Bounds().Start < refs[j].node.Bounds().Start })
	var targets, unseen []string
	for _, e := range refs {
		t := ""
		if e.kind == RefImport && e.pv.kind == pRepo && !e.pv.dynamic {
			if rel, ok := relOf(e.pv.abs); ok {
				t = a.importTarget(rel)
				if _, seen := a.files[t]; !seen {
					unseen = append(unseen, t)
				}
			}
		}
		targets = append(targets, t)
	}
	a.prefetch(unseen)
	for i := range refs {
		if targets[i] == "" {
			continue
		}
		t := a.peek(targets[i])
		if t.followed || (t.file == nil && !t.skipped) {
			continue
		}
		t.followed = true
		a.flake.Files = append(a.flake.Files, t.path)
		if t.skipped {
			continue // nothing in it to visit
		}
		t.chain = append(append([]string(nil), fc.chain...), t.path)
		a.order = append(a.order, t)
		a.queue = append(a.queue, t)
	}
}

// contribute records one use of the path expression origin (written in
// ofc) with the given context.
func (a *analyzer) contribute(origin Node, ofc *fileCtx, pv *pathV, c ctx) {
	if origin == nil || ofc == nil {
		return
	}
	e := a.refs[origin]
	if e == nil {
		e = &refEntry{node: origin, fc: ofc, pv: pv, kind: RefPath, allOpt: true, allDead: true}
		a.refs[origin] = e
		ofc.refs = append(ofc.refs, e)
	}
	if c.neutral || c.kind == RefValue {
		return
	}
	if kindRank[c.kind] > kindRank[e.kind] {
		e.kind = c.kind
	}
	if c.kind == RefDirSource || c.kind == RefFilesetMember {
		if e.src == nil {
			e.src = a.curSource
		}
		e.filt = e.filt || c.filtered
	}
	e.used = true
	if !c.optional && !a.guarded(pv) {
		e.allOpt = false
	}
	if a.dead == 0 {
		e.allDead = false
	}
}

func (a *analyzer) guarded(pv *pathV) bool {
	if pv.dynamic {
		return false
	}
	for _, g := range a.guards {
		if g == pv.abs {
			return true
		}
	}
	return false
}

// finish turns the entries of the followed files into Refs.
func (a *analyzer) finish() {
	for _, fc := range a.order {
		sort.SliceStable(fc.refs, func(i, j int) bool {
			return fc.refs[i].node.Bounds().Start < fc.refs[j].node.Bounds().Start
		})
		for _, e := range fc.refs {
			a.flake.Refs = append(a.flake.Refs, a.makeRef(e))
		}
	}
}

func (a *analyzer) makeRef(e *refEntry) Ref {
	sp := e.node.Bounds()
	start, end := e.fc.file.Position(sp.Start), e.fc.file.Position(sp.End)
	kind := e.kind
	if !e.used {
		kind = RefValue // defined (let x = ./x;) but never read
	}
	r := Ref{
		Kind:      kind,
		Optional:  e.used && e.allOpt,
		Dead:      e.used && e.allDead,
		File:      e.fc.path,
		Line:      start.Line,
		Column:    start.Column,
		EndLine:   end.Line,
		EndColumn: end.Column,
		Chain:     append([]string(nil), e.fc.chain...),
		Text:      strings.Clone(e.fc.file.Text(e.node)), // not a slice of the file: the source is freed
	}
	if kind == RefDirSource || kind == RefFilesetMember {
		if e.src != nil {
			sa := *e.src
			r.Source = &sa
		}
		if e.filt {
			if r.Source == nil {
				r.Source = &SourceArgs{}
			}
			r.Source.Filtered = true
		}
	}
	pv := e.pv
	switch pv.kind {
	case pAbs, pHome:
		r.Absolute, r.Dynamic = true, pv.dynamic
	case pUnknown:
		r.Dynamic = true
	default:
		rel, in := relOf(pv.abs)
		switch {
		case !in:
			r.Outside, r.Dynamic = true, pv.dynamic
		case pv.dynamic:
			r.Dynamic, r.Prefix = true, rel
		case e.kind == RefImport:
			r.Path = a.importTarget(rel)
		default:
			r.Path = a.canonical(rel)
		}
	}
	return r
}
