package nix

// Flake analysis: what a flake's evaluation reads from the repository, and
// which outputs it defines. This file holds the types; analysis.go fills them.

// RefKind says how a flake uses a path.
type RefKind int

const (
	// RefPath is a path value that is evaluated (copied to the store when
	// interpolated or used as a source): `./x`, `self + "/x"`, `"${./.}/x"`.
	RefPath RefKind = iota + 1
	// RefRead is read at evaluation time: builtins.readFile, lib.importTOML,
	// lib.importJSON, builtins.fromTOML (readFile …), cargoLock.lockFile,
	// crane's cargoLock = …. A missing or untracked file fails evaluation.
	RefRead
	// RefImport is a Nix file that is evaluated: import, callPackage,
	// `imports = [ … ]`, flake-parts modules. It is followed transitively.
	RefImport
	// RefDirSource is a directory copied as a build source: `src = ./dir`,
	// lib.cleanSource, lib.cleanSourceWith { src }, craneLib.cleanCargoSource,
	// craneLib.path, builtins.path { path }, lib.fileset.toSource { root }.
	// Untracked files under it vanish silently.
	RefDirSource
	// RefFilesetMember is a member of lib.fileset.unions / toSource fileset.
	RefFilesetMember
	// RefInput is a flake input with a relative `path:` or `git+file:` URL.
	RefInput
	// RefValue is a path value that nothing reads or copies: an unused let
	// binding, the argument of toString, baseNameOf, dirOf, builtins.length,
	// an operand of ==. Nix does not need it to exist.
	RefValue
)

func (k RefKind) String() string {
	switch k {
	case RefPath:
		return "path"
	case RefRead:
		return "read"
	case RefImport:
		return "import"
	case RefDirSource:
		return "source"
	case RefFilesetMember:
		return "fileset member"
	case RefInput:
		return "input"
	case RefValue:
		return "value"
	}
	return "reference"
}

// Ref is one reference from a flake (or a file it imports) to a path.
type Ref struct {
	Kind RefKind
	// Path is the repo-relative, slash-separated, cleaned path the reference
	// resolves to ("" for the repository root). Empty with Dynamic or
	// Outside set means there is no static answer.
	Path string
	// Outside: the path escapes the repository (../../.. past the root).
	Outside bool
	// Absolute: an absolute (/x) or home (~/x) path, outside the flake.
	Absolute bool
	// Dynamic: not statically resolvable (interpolation of a non-constant
	// value). Prefix then holds the static leading directory, if any.
	Dynamic bool
	Prefix  string
	// Optional: absence is tolerated (lib.fileset.maybeMissing, a
	// builtins.pathExists guard).
	Optional bool
	// Dead: every use is in a branch Nix never takes (if false then …).
	Dead bool
	// Source describes, for a RefDirSource written as an attribute of a
	// call's argument set (buildRustPackage { src = ./.; … }), what the
	// builder's other arguments say about it; nil otherwise.
	Source *SourceArgs

	// File is the repo-relative .nix file where the reference is written.
	File string
	// Position of the reference expression in File (1-based; columns count
	// runes; EndColumn exclusive).
	Line, Column, EndLine, EndColumn int
	// Chain is the import chain from the flake.nix to File (flake.nix
	// first, File last; just [File] for references in flake.nix itself).
	Chain []string
	// Text is the source text of the reference expression (for messages).
	Text string
}

// SourceArgs are the arguments beside a source (src, root) in a builder's
// argument set that decide which Cargo root of the source the build uses.
type SourceArgs struct {
	// Func is the called function's name as written (buildRustPackage,
	// buildPackage, mkDerivation …), "" when unknown.
	Func string
	// Attrs are the names of the other attributes of the set.
	Attrs []string
	// Subdir is the static value of buildAndTestSubdir or cargoRoot ("" if
	// absent); SubdirDynamic when it is set but not static.
	Subdir        string
	SubdirDynamic bool
	// Filtered: the source is filtered by a function lockguard does not
	// know (cleanSourceWith { filter = …; }, builtins.path { filter = …; },
	// lib.sourceByRegex …): which files it keeps is dynamic.
	Filtered bool
}

// Has reports whether the argument set has the attribute name.
func (s *SourceArgs) Has(name string) bool {
	if s == nil {
		return false
	}
	for _, a := range s.Attrs {
		if a == name {
			return true
		}
	}
	return false
}

// Needed reports whether Nix needs the path to exist when it evaluates
// what uses the reference: not for a bare value (RefValue), nor when every
// use is in a branch Nix never takes.
func (r Ref) Needed() bool { return r.Kind != RefValue && !r.Dead }

// Outputs are the names a flake's outputs define, as far as static analysis
// can tell. Names are per attribute set, systems collapsed.
type Outputs struct {
	// Packages: names under packages.<system> (including "default"), and
	// "default" when defaultPackage.<system> exists.
	Packages map[string]bool
	// LegacyPackages: top-level names under legacyPackages.<system>.
	LegacyPackages map[string]bool
	// DevShells: names under devShells.<system>, and "default" for devShell.<system>.
	DevShells map[string]bool
	// Apps: names under apps.<system>, and "default" for defaultApp.<system>.
	Apps map[string]bool
	// TopLevel: every top-level output attribute name (packages, devShells,
	// checks, lib, nixosConfigurations, …).
	TopLevel map[string]bool
	// Complete is false when part of the outputs could not be determined
	// statically (a function result we don't model, a dynamic name, an
	// external flake-parts module …). Rules that need absence must then
	// stay silent.
	Complete bool
}

// Flake is the analysis of one flake.nix.
type Flake struct {
	Path string // repo-relative flake.nix
	Dir  string // its directory ("" for the root)
	// Refs are the references found in flake.nix and in every file it
	// imports (transitively; cycles are followed once).
	Refs []Ref
	// Files are the .nix files evaluated: flake.nix first, then imports in
	// the order they were found.
	Files []string
	// HasInputs: the flake declares inputs (so it needs a flake.lock).
	HasInputs bool
	// Submodules: inputs.self.submodules = true.
	Submodules bool
	// Inputs are the input names a flake.lock must hold: those declared in
	// inputs, and the outputs function's formal parameters other than self
	// (Nix takes those as implicit inputs). InputsComplete is false when a
	// name could not be read statically.
	Inputs         []string
	InputsComplete bool
	// Templates are the directories (repo-relative) the flake exposes as
	// templates (templates.<name>.path = ./dir; defaultTemplate.path).
	Templates []string
	Outputs   Outputs
	// CargoLocks are the importCargoLock calls and buildRustPackage
	// cargoLock sets in the evaluated files (cargolock.go).
	CargoLocks []CargoLockUse
}

// FileError is a file the analysis needed but could not parse or read.
type FileError struct {
	Path string // repo-relative
	Err  error  // *SyntaxError for parse errors
}

// Reader gives the analysis access to the repository: ReadFile reads a
// repo-relative file (fs.ErrNotExist when absent); IsDir reports whether a
// repo-relative path is a directory (tracked files under it, or on disk).
type Reader interface {
	ReadFile(path string) ([]byte, error)
	IsDir(path string) bool
}

// LinkResolver is implemented by a Reader that knows the repository's
// symbolic links: ResolveLinks returns the path with every link inside the
// repository resolved. A file imported through a link evaluates relative to
// the link target's directory, as in Nix.
type LinkResolver interface {
	ResolveLinks(path string) (string, bool)
}

// Interrupter is implemented by a Reader whose caller can be interrupted
// (SIGINT): the analysis asks Interrupted every 1,024 evaluation steps, every
// 4,096 tokens it parses and before each file it reads, and once it returns
// true evaluates nothing more, reads no other file and returns at once
// (with an incomplete result the caller is expected to discard).
type Interrupter interface {
	Interrupted() bool
}

// AnalyzeFlake analyses the flake at flakePath (repo-relative path of a
// flake.nix): references, followed imports, inputs and outputs. Files that
// can't be read or parsed are returned as FileErrors; the rest of the
// analysis goes on without them.
func AnalyzeFlake(flakePath string, r Reader) (*Flake, []FileError) {
	return analyzeFlake(flakePath, r)
}
