package nix

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// mapReader is a Reader over an in-memory repository.
type mapReader map[string]string

func (r mapReader) ReadFile(p string) ([]byte, error) {
	if s, ok := r[p]; ok {
		return []byte(s), nil
	}
	return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
}

func (r mapReader) IsDir(p string) bool {
	for k := range r {
		if p == "" || strings.HasPrefix(k, p+"/") {
			return true
		}
	}
	return false
}

// renderRef is a compact form of a Ref for comparisons:
// "kind path [flags] `text`".
func renderRef(r Ref) string {
	var b strings.Builder
	b.WriteString(r.Kind.String())
	if r.Path != "" || (!r.Dynamic && !r.Outside && !r.Absolute) {
		fmt.Fprintf(&b, " %q", r.Path)
	}
	if r.Dynamic {
		fmt.Fprintf(&b, " dyn(%q)", r.Prefix)
	}
	if r.Outside {
		b.WriteString(" outside")
	}
	if r.Absolute {
		b.WriteString(" abs")
	}
	if r.Optional {
		b.WriteString(" opt")
	}
	if r.Dead {
		b.WriteString(" dead")
	}
	fmt.Fprintf(&b, " `%s`", r.Text)
	if len(r.Chain) > 1 {
		fmt.Fprintf(&b, " via %s", strings.Join(r.Chain, ">"))
	}
	return b.String()
}

func analyzeMap(t testing.TB, files mapReader) (*Flake, []FileError) {
	t.Helper()
	fl, errs := AnalyzeFlake("flake.nix", files)
	if fl == nil {
		t.Fatal("AnalyzeFlake returned nil")
	}
	for _, e := range errs {
		if strings.Contains(e.Err.Error(), "internal error") {
			t.Fatalf("analysis panicked: %v", e.Err)
		}
	}
	checkPositions(t, fl, files)
	return fl, errs
}

// checkPositions verifies for every Ref that Line:Column..EndLine:EndColumn
// in its file is exactly Text, and that the chain ends with the file.
func checkPositions(t testing.TB, fl *Flake, files mapReader) {
	t.Helper()
	for _, r := range fl.Refs {
		src := files[r.File]
		start, ok1 := offsetOf(src, r.Line, r.Column)
		end, ok2 := offsetOf(src, r.EndLine, r.EndColumn)
		if !ok1 || !ok2 || src[start:end] != r.Text {
			t.Errorf("ref %s: position %d:%d-%d:%d does not cover its text", renderRef(r), r.Line, r.Column, r.EndLine, r.EndColumn)
		}
		if len(r.Chain) == 0 || r.Chain[0] != fl.Path || r.Chain[len(r.Chain)-1] != r.File {
			t.Errorf("ref %s: bad chain %v", renderRef(r), r.Chain)
		}
	}
}

func offsetOf(src string, line, col int) (int, bool) {
	off := 0
	for l := 1; l < line; l++ { // lines end at \n, \r\n or a lone \r
		i := strings.IndexAny(src[off:], "\r\n")
		if i < 0 {
			return 0, false
		}
		off += i + 1
		if src[off-1] == '\r' && off < len(src) && src[off] == '\n' {
			off++
		}
	}
	for c := 1; c < col; c++ {
		if off >= len(src) {
			return 0, false
		}
		_, n := utf8.DecodeRuneInString(src[off:])
		off += n
	}
	return off, true
}

func renderRefs(fl *Flake) []string {
	out := []string{}
	for _, r := range fl.Refs {
		out = append(out, renderRef(r))
	}
	return out
}

func wantRefs(t *testing.T, fl *Flake, want []string) {
	t.Helper()
	got := renderRefs(fl)
	if want == nil {
		want = []string{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("refs:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

// outputsFlake wraps an outputs body in a flake.
func outputsFlake(body string) string {
	return "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  outputs = { self, nixpkgs, ... }@inputs:\n" + body + ";\n}\n"
}

func TestAnalyzeRefForms(t *testing.T) {
	tests := []struct {
		name  string
		body  string // an outputs body, in flake.nix at the root
		extra mapReader
		want  []string
	}{
		{"path literal", `{ x = ./foo/bar.txt; }`, nil, []string{"path \"foo/bar.txt\" `./foo/bar.txt`"}},
		{"parent and dot", `{ a = ./.; b = ./sub/../c; d = a/b; }`, nil,
			[]string{"path \"\" `./.`", "path \"c\" `./sub/../c`", "path \"a/b\" `a/b`"}},
		{"outside and absolute", `{ a = ../x; b = /etc/hosts; c = ~/x; d = <nixpkgs>; e = ../.. + "/y"; }`, nil,
			[]string{"path outside `../x`", "path abs `/etc/hosts`", "path abs `~/x`", "path outside `../.. + \"/y\"`"}},
		{"self and ./. forms", `{
  a = self + "/a";
  b = ./. + "/b";
  c = ./. + /c;
  d = "${self}/d";
  e = "${./.}/e";
  f = self.outPath + "/f";
  g = "${self.outPath}/g";
  h = inputs.self + "/h";
  i = self.sourceInfo.outPath + "/i";
}`, nil, []string{
			"path \"a\" `self + \"/a\"`", "path \"b\" `./. + \"/b\"`", "path \"c\" `./. + /c`",
			"path \"d\" `\"${self}/d\"`", "path \"e\" `\"${./.}/e\"`", "path \"f\" `self.outPath + \"/f\"`",
			"path \"g\" `\"${self.outPath}/g\"`", "path \"h\" `inputs.self + \"/h\"`", "path \"i\" `self.sourceInfo.outPath + \"/i\"`"}},
		{"path + string concatenates without a slash", `{ a = ./backend + "-x"; }`, nil,
			[]string{"path \"backend-x\" `./backend + \"-x\"`"}},
		{"let folding", `let src = ./backend; in { lock = builtins.readFile (src + "/Cargo.lock"); }`, nil,
			[]string{"value \"backend\" `./backend`", "read \"backend/Cargo.lock\" `src + \"/Cargo.lock\"`"}},
		{"let chains", `let a = ./x; b = a + "/y"; in { c = import (b + "/z.nix"); }`, nil,
			[]string{"value \"x\" `./x`", "value \"x/y\" `a + \"/y\"`", "import \"x/y/z.nix\" `b + \"/z.nix\"`"}},
		{"interpolated let", `let src = ./backend; in { cargoLock.lockFile = "${src}/Cargo.lock"; }`, nil,
			[]string{"value \"backend\" `./backend`", "read \"backend/Cargo.lock\" `\"${src}/Cargo.lock\"`"}},
		{"rec folding", `rec { src = ./app; lock = builtins.readFile "${src}/Cargo.lock"; }`, nil,
			[]string{"source \"app\" `./app`", "read \"app/Cargo.lock\" `\"${src}/Cargo.lock\"`"}},
		{"let attrset select", `let paths = { root = ./srv; }; in { x = builtins.readFile (paths.root + "/a"); }`, nil,
			[]string{"source \"srv\" `./srv`", "read \"srv/a\" `paths.root + \"/a\"`"}},
		{"inherit src makes a source", `let src = ./backend; in { pkg = mkDerivation { inherit src; }; }`, nil,
			[]string{"source \"backend\" `./backend`"}},
		{"lambda param shadows let", `let src = ./backend; in { f = src: { cargoLock.lockFile = src + "/Cargo.lock"; }; }`, nil,
			[]string{"value \"backend\" `./backend`", "read dyn(\"\") `src + \"/Cargo.lock\"`"}},
		{"formal shadows let", `let lib = ./lib; in ({ lib }: { x = lib + "/y"; })`, nil,
			[]string{"value \"lib\" `./lib`"}},
		{"inner let shadows", `let p = ./a; in { x = let p = ./b; in p + "/c"; y = p + "/d"; }`, nil,
			[]string{"value \"a\" `./a`", "value \"b\" `./b`", "path \"b/c\" `p + \"/c\"`", "path \"a/d\" `p + \"/d\"`"}},
		{"dynamic interpolation", `{ a = ./modules/${name}.nix; b = ./${x}; c = self + "/crates/${n}/Cargo.toml"; d = "${self}/${x}"; e = ./a.${x}/b; }`, nil,
			[]string{"path dyn(\"modules\") `./modules/${name}.nix`", "path dyn(\"\") `./${x}`",
				"path dyn(\"crates\") `self + \"/crates/${n}/Cargo.toml\"`", "path dyn(\"\") `\"${self}/${x}\"`", "path dyn(\"\") `./a.${x}/b`"}},
		{"constant interpolation folds", `let n = "pkg"; in { a = ./${n}/default.nix; }`, nil,
			[]string{"path \"pkg/default.nix\" `./${n}/default.nix`"}},
		{"reads", `with builtins; let inherit (builtins) fromJSON; in {
  a = builtins.readFile ./a;
  b = readFile ./b;
  c = lib.importTOML ./c.toml;
  d = nixpkgs.lib.importJSON ./d.json;
  e = builtins.fromTOML (builtins.readFile ./e.toml);
  f = fromJSON (readFile ./f.json);
  g = lib.fileContents ./g;
}`, nil, []string{"read \"a\" `./a`", "read \"b\" `./b`", "read \"c.toml\" `./c.toml`", "read \"d.json\" `./d.json`",
			"read \"e.toml\" `./e.toml`", "read \"f.json\" `./f.json`", "read \"g\" `./g`"}},
		{"inherit readFile from builtins", `let inherit (builtins) readFile; in { a = readFile ./a; }`, nil,
			[]string{"read \"a\" `./a`"}},
		{"shadowed readFile is not a read", `let readFile = f: "x"; in { a = readFile ./a; }`, nil,
			[]string{"path \"a\" `./a`"}},
		{"cargo lock forms", `{
  a = buildRustPackage { cargoLock.lockFile = ./Cargo.lock; };
  b = buildRustPackage { cargoLock = { lockFile = ./b/Cargo.lock; outputHashes = { }; }; };
  c = craneLib.vendorCargoDeps { cargoLock = ./c/Cargo.lock; cargoToml = ./c/Cargo.toml; };
  d = rustPlatform.importCargoLock { lockFile = ./d/Cargo.lock; };
}`, nil, []string{"read \"Cargo.lock\" `./Cargo.lock`", "read \"b/Cargo.lock\" `./b/Cargo.lock`",
			"read \"c/Cargo.lock\" `./c/Cargo.lock`", "read \"c/Cargo.toml\" `./c/Cargo.toml`", "read \"d/Cargo.lock\" `./d/Cargo.lock`"}},
		{"imports", `{
  a = import ./a.nix;
  b = pkgs.callPackage ./b.nix { };
  c = callPackage ./c { };
  d = { imports = [ ./d.nix ./e ]; };
  f = import ./f.nix { inherit pkgs; };
  g = nixpkgs.lib.nixosSystem { modules = [ ./g.nix ]; };
}`, mapReader{"c/default.nix": "{ }: { }", "e/default.nix": "{ }"}, []string{
			"import \"a.nix\" `./a.nix`", "import \"b.nix\" `./b.nix`", "import \"c/default.nix\" `./c`",
			"import \"d.nix\" `./d.nix`", "import \"e/default.nix\" `./e`", "import \"f.nix\" `./f.nix`", "import \"g.nix\" `./g.nix`"}},
		{"import of a missing directory keeps its path", `{ a = import ./nodir; }`, nil,
			[]string{"import \"nodir\" `./nodir`"}},
		{"dir sources", `{
  a = mkDerivation { src = ./a; };
  b = lib.cleanSource ./b;
  c = lib.cleanSourceWith { src = ./c; filter = f; };
  d = lib.sourceByRegex ./d [ ".*" ];
  e = lib.sourceFilesBySuffices ./e [ ".rs" ];
  f = craneLib.cleanCargoSource ./f;
  g = craneLib.path ./g;
  h = builtins.path { path = ./h; name = "h"; };
  i = nix-gitignore.gitignoreSource [ ] ./i;
  j = builtins.filterSource (p: t: true) ./j;
  k = naersk-lib.buildPackage ./k;
  l = mkDerivation { src = self; };
}`, nil, []string{"source \"a\" `./a`", "source \"b\" `./b`", "source \"c\" `./c`", "source \"d\" `./d`",
			"source \"e\" `./e`", "source \"f\" `./f`", "source \"g\" `./g`", "source \"h\" `./h`", "source \"i\" `./i`",
			"source \"j\" `./j`", "source \"k\" `./k`", "source \"\" `self`"}},
		{"most specific kind, once", `{ src = lib.cleanSource (lib.cleanSourceWith { src = ./.; }); }`, nil,
			[]string{"source \"\" `./.`"}},
		{"fileset", `{
  src = lib.fileset.toSource {
    root = ./.;
    fileset = lib.fileset.unions [ ./Cargo.toml ./Cargo.lock (lib.fileset.maybeMissing ./build.rs) ./src ];
  };
  other = lib.fileset.toSource { root = ./x; fileset = lib.fileset.union ./x/a (lib.fileset.gitTracked ./x/b); };
  one = lib.fileset.toSource { root = ./y; fileset = ./y/z; };
}`, nil, []string{"path \"\" `./.`", "fileset member \"Cargo.toml\" `./Cargo.toml`", "fileset member \"Cargo.lock\" `./Cargo.lock`",
			"fileset member \"build.rs\" opt `./build.rs`", "fileset member \"src\" `./src`",
			"path \"x\" `./x`", "fileset member \"x/a\" `./x/a`", "source \"x/b\" `./x/b`",
			"path \"y\" `./y`", "fileset member \"y/z\" `./y/z`"}},
		{"wrappers pass through", `{
  a = builtins.readFile (./a);
  b = lib.cleanSource (./b);
  c = builtins.readFile (builtins.toString ./c);
  d = builtins.readFile "${./d}";
  e = mkDerivation { src = "${./e}"; };
}`, nil, []string{"read \"a\" `./a`", "source \"b\" `./b`", "read \"c\" `./c`", "read \"d\" `./d`", "source \"e\" `./e`"}},
		{"let-bound cleaned source used as src", `let s = craneLib.cleanCargoSource ./.; in { a = craneLib.buildPackage { src = s; cargoLock = s + "/Cargo.lock"; }; }`, nil,
			[]string{"source \"\" `./.`", "read \"Cargo.lock\" `s + \"/Cargo.lock\"`"}},
		{"pathExists is optional", `{
  a = builtins.pathExists ./a;
  b = if builtins.pathExists ./b then import ./b else null;
  c = lib.optional (builtins.pathExists ./c.nix) ./c.nix;
  d = builtins.readFile ./d;
}`, nil, []string{"path \"a\" opt `./a`", "path \"b\" opt `./b`", "import \"b\" opt `./b`", "path \"c.nix\" opt `./c.nix`",
			"path \"c.nix\" opt `./c.nix`", "read \"d\" `./d`"}},
		{"let-bound guarded path", `let f = ./f.nix; in if builtins.pathExists f then import f else { }`, nil,
			[]string{"import \"f.nix\" opt `./f.nix`"}},
		{"string interpolation in a build script", `{ b = mkDerivation { installPhase = ''cp ${./foo} $out; cp ${self}/bar $out''; }; }`, nil,
			[]string{"path \"foo\" `./foo`"}},
		{"lib.path.append", `{ a = builtins.readFile (lib.path.append ./. "x/y"); }`, nil,
			[]string{"read \"x/y\" `lib.path.append ./. \"x/y\"`"}},
		{"no refs in strings, comments, search paths", `{
  # a = ./commented;
  /* b = ./block; */
  c = "./not-a-path";
  d = ''./indented ${"./also-not"}'';
  e = import <nixpkgs> { };
  f = "see ./x for details";
  g = builtins.readFile "./string";
  h = pkgs.writeText "x" "${pkgs.hello}/bin/hello";
}`, nil, nil},
		{"unknown bases are not paths", `{ a = nixpkgs + "/lib"; b = "${pkgs.hello}/bin"; c = src + "/x"; }`, nil, nil},
		{"unknown base in a specific context is dynamic", `{ a = builtins.readFile (src + "/Cargo.lock"); b = import "${inputs.x}/default.nix"; }`, nil,
			[]string{"read dyn(\"\") `src + \"/Cargo.lock\"`", "import dyn(\"\") `\"${inputs.x}/default.nix\"`"}},
		{"outputs = inputs: …", "", mapReader{"flake.nix": `{ outputs = inputs: { a = inputs.self + "/a"; }; }`},
			[]string{"path \"a\" `inputs.self + \"/a\"`"}},
		{"simple self param is not the flake", "", mapReader{"flake.nix": `{ outputs = x: { o = self: super: { a = self + "/a"; }; }; }`}, nil},
		{"a bare value under a list attribute is a path, not an import", `{ modules = ./src/modules; imports = [ ./m.nix ]; }`, nil,
			[]string{"path \"src/modules\" `./src/modules`", "import \"m.nix\" `./m.nix`"}},
		{"values that nothing reads", `let unused = ./u; in { a = toString ./t; b = baseNameOf ./b; c = builtins.length [ ./l ]; d = ./x == ./y; e = dirOf ./d; }`, nil,
			[]string{"value \"u\" `./u`", "value \"t\" `./t`", "value \"b\" `./b`", "value \"l\" `./l`", "value \"x\" `./x`", "value \"y\" `./y`", "value \"d\" `./d`"}},
		{"toString in a specific context passes it on", `{ src = toString ./s; }`, nil, []string{"source \"s\" `./s`"}},
		{"inherit of a let-bound path is a use", `let p = ./p; in { inherit p; }`, nil, []string{"path \"p\" `./p`"}},
		{"dead branches", `let t = true; in {
  a = if false then builtins.readFile ./a else null;
  b = if true then null else import ./b;
  c = if !true then ./c else ./c2;
  d = lib.optional false ./d;
  e = if x then ./e else null;
  f = let false = true; in if false then ./f else null;
  g = if false && x then ./g else null;
}`, nil,
			[]string{"read \"a\" dead `./a`", "import \"b\" dead `./b`", "path \"c\" dead `./c`", "path \"c2\" `./c2`", "path \"d\" dead `./d`", "path \"e\" `./e`", "path \"f\" `./f`", "path \"g\" dead `./g`"}},
		{"cycles in let terminate", `let a = b + "/x"; b = a + "/y"; c = c; in { x = a; y = c; }`, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := mapReader{}
			if tc.body != "" {
				files["flake.nix"] = outputsFlake(tc.body)
			}
			for k, v := range tc.extra {
				files[k] = v
			}
			fl, errs := analyzeMap(t, files)
			if len(errs) != 0 {
				t.Errorf("errors: %v", errs)
			}
			var got []*Ref
			for i := range fl.Refs {
				if fl.Refs[i].File == "flake.nix" {
					got = append(got, &fl.Refs[i])
				}
			}
			sub := &Flake{Path: fl.Path}
			for _, r := range got {
				sub.Refs = append(sub.Refs, *r)
			}
			wantRefs(t, sub, tc.want)
		})
	}
}

func TestAnalyzePositions(t *testing.T) {
	src := "{\n  outputs = { self }: {\n    a = builtins.readFile ./x;\n    b = self + \"/y\";\n\tc = \"é\" + \"${./z}\";\n  };\n}\n"
	fl, _ := analyzeMap(t, mapReader{"flake.nix": src})
	type pos struct{ l, c, el, ec int }
	got := map[string]pos{}
	for _, r := range fl.Refs {
		got[r.Text] = pos{r.Line, r.Column, r.EndLine, r.EndColumn}
	}
	want := map[string]pos{
		"./x":         {3, 27, 3, 30},
		`self + "/y"`: {4, 9, 4, 20},
		"./z":         {5, 15, 5, 18},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("positions: got %v, want %v", got, want)
	}
}

func TestAnalyzeSubdirFlake(t *testing.T) {
	files := mapReader{
		"nix/flake.nix": `{
  inputs.root.url = "path:..";
  inputs.tool = { url = "git+file:../tools/x?ref=main"; flake = false; };
  outputs = { self, ... }: {
    a = ../backend/Cargo.lock;
    b = self + "/local";
    c = ./. + "/../up";
    d = ../../escape;
    e = self.sourceInfo.outPath + "/top";
    f = import ./mod.nix;
  };
}`,
		"nix/mod.nix": `{ x = ./y; z = ../w; }`,
	}
	fl, errs := AnalyzeFlake("nix/flake.nix", files)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if fl.Dir != "nix" || fl.Path != "nix/flake.nix" {
		t.Errorf("Dir/Path = %q %q", fl.Dir, fl.Path)
	}
	checkPositions(t, fl, files)
	wantRefs(t, fl, []string{
		"input \"\" `\"path:..\"`",
		"input \"tools/x\" `\"git+file:../tools/x?ref=main\"`",
		"path \"backend/Cargo.lock\" `../backend/Cargo.lock`",
		"path \"local\" `self + \"/local\"`", // Nix 2.8: self is the repository
		"path \"up\" `./. + \"/../up\"`",
		"path outside `../../escape`",
		"path \"top\" `self.sourceInfo.outPath + \"/top\"`",
		"import \"nix/mod.nix\" `./mod.nix`",
		"path \"nix/y\" `./y` via nix/flake.nix>nix/mod.nix",
		"path \"w\" `../w` via nix/flake.nix>nix/mod.nix",
	})
}

func TestAnalyzeInputs(t *testing.T) {
	tests := []struct {
		src        string
		hasInputs  bool
		submodules bool
		want       []string
	}{
		{`{ outputs = { self }: { }; }`, false, false, nil},
		{`{ inputs.self.submodules = true; outputs = { self }: { }; }`, false, true, nil},
		{`{ inputs = { self.submodules = true; }; outputs = _: { }; }`, false, true, nil},
		{`{ inputs.self = { submodules = false; }; outputs = _: { }; }`, false, false, nil},
		{`{ inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable"; outputs = _: { }; }`, true, false, nil},
		{`{ inputs.nixpkgs.url = github:NixOS/nixpkgs; inputs.x.url = path:./x; outputs = _: { }; }`, true, false,
			[]string{"input \"x\" `path:./x`"}},
		{`{
  inputs = {
    sub.url = "path:./sub";
    up = { url = "path:../up"; flake = false; };
    g.url = "git+file:./vendor/g";
    abs.url = "path:/nix/store/x";
    gabs.url = "git+file:///home/u/repo";
    rel.url = "./rel";
    n.inputs.nixpkgs.follows = "nixpkgs";
    dyn.url = "path:./${x}";
  };
  outputs = _: { };
}`, true, false, []string{"input \"sub\" `\"path:./sub\"`", "input outside `\"path:../up\"`", "input \"vendor/g\" `\"git+file:./vendor/g\"`",
			"input \"rel\" `\"./rel\"`"}},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			fl, errs := analyzeMap(t, mapReader{"flake.nix": tc.src})
			if len(errs) != 0 {
				t.Fatal(errs)
			}
			if fl.HasInputs != tc.hasInputs || fl.Submodules != tc.submodules {
				t.Errorf("HasInputs=%v Submodules=%v, want %v %v", fl.HasInputs, fl.Submodules, tc.hasInputs, tc.submodules)
			}
			wantRefs(t, fl, tc.want)
		})
	}
}

func TestAnalyzeFollowsImports(t *testing.T) {
	files := mapReader{
		"flake.nix": `{
  outputs = { self, nixpkgs }: {
    packages.x86_64-linux.default = nixpkgs.legacyPackages.x86_64-linux.callPackage ./nix/package.nix { };
    nixosModules.default = import ./modules;
  };
}`,
		"nix/package.nix": `{ rustPlatform }: rustPlatform.buildRustPackage {
  src = ../backend;
  cargoLock.lockFile = ../backend/Cargo.lock;
  passthru.helper = import ./helper.nix;
}`,
		"nix/helper.nix":         `{ data = builtins.fromJSON (builtins.readFile ./data.json); back = import ./package.nix; }`,
		"modules/default.nix":    `{ imports = [ ./a.nix ../nix/helper.nix ]; }`,
		"modules/a.nix":          `{ config, ... }: { environment.etc.x.source = ./x.conf; }`,
		"nix/unused-sibling.nix": `{ x = ./never; }`,
	}
	fl, errs := analyzeMap(t, files)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	wantFiles := []string{"flake.nix", "nix/package.nix", "modules/default.nix", "nix/helper.nix", "modules/a.nix"}
	if !reflect.DeepEqual(fl.Files, wantFiles) {
		t.Errorf("Files = %v, want %v", fl.Files, wantFiles)
	}
	wantRefs(t, fl, []string{
		"import \"nix/package.nix\" `./nix/package.nix`",
		"import \"modules/default.nix\" `./modules`",
		"source \"backend\" `../backend` via flake.nix>nix/package.nix",
		"read \"backend/Cargo.lock\" `../backend/Cargo.lock` via flake.nix>nix/package.nix",
		"import \"nix/helper.nix\" `./helper.nix` via flake.nix>nix/package.nix",
		"import \"modules/a.nix\" `./a.nix` via flake.nix>modules/default.nix",
		"import \"nix/helper.nix\" `../nix/helper.nix` via flake.nix>modules/default.nix",
		"read \"nix/data.json\" `./data.json` via flake.nix>nix/package.nix>nix/helper.nix",
		"import \"nix/package.nix\" `./package.nix` via flake.nix>nix/package.nix>nix/helper.nix",
		"path \"modules/x.conf\" `./x.conf` via flake.nix>modules/default.nix>modules/a.nix",
	})
}

func TestAnalyzeImportCycle(t *testing.T) {
	files := mapReader{
		"flake.nix": `{ outputs = _: { a = import ./a.nix; }; }`,
		"a.nix":     `{ b = import ./b.nix; x = ./a-data; }`,
		"b.nix":     `{ a = import ./a.nix; self = import ./b.nix; y = ./b-data; }`,
	}
	fl, errs := analyzeMap(t, files)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if want := []string{"flake.nix", "a.nix", "b.nix"}; !reflect.DeepEqual(fl.Files, want) {
		t.Errorf("Files = %v, want %v", fl.Files, want)
	}
	if len(fl.Refs) != 6 {
		t.Errorf("refs: %v", renderRefs(fl))
	}
}

func TestAnalyzeManyFiles(t *testing.T) {
	const n = 100
	files := mapReader{"flake.nix": `{ outputs = _: { x = import ./m/f0.nix; }; }`}
	for i := range n {
		// each file imports the next two and the first: a dense graph with cycles
		files[fmt.Sprintf("m/f%d.nix", i)] = fmt.Sprintf(`{ a = import ./f%d.nix; b = import ./f%d.nix; c = import ./f0.nix; d = builtins.readFile ./data%d; }`,
			(i+1)%n, (i+2)%n, i)
	}
	fl, errs := analyzeMap(t, files)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if len(fl.Files) != n+1 {
		t.Fatalf("Files: %d, want %d", len(fl.Files), n+1)
	}
	reads := 0
	for _, r := range fl.Refs {
		if r.Kind == RefRead {
			reads++
			// breadth-first: f<i> is reached in about i/2 steps
			if i := strings.TrimPrefix(r.Path, "m/data"); len(r.Chain) > n/2+3 {
				t.Errorf("data%s: chain of %d", i, len(r.Chain))
			}
		}
	}
	if reads != n {
		t.Errorf("reads: %d, want %d", reads, n)
	}
}

func TestAnalyzeFileErrors(t *testing.T) {
	files := mapReader{
		"flake.nix": `{ outputs = _: { a = import ./bad.nix; b = builtins.readFile ./x; c = import ./missing.nix; d = import ./ok.nix; }; }`,
		"bad.nix":   `{ a = ./z + ; }`, // (a file without references is only lexed: see TestAnalyzeReferenceFreeImports)
		"ok.nix":    `{ y = ./y; }`,
	}
	fl, errs := analyzeMap(t, files)
	if len(errs) != 1 || errs[0].Path != "bad.nix" {
		t.Fatalf("errors: %v", errs)
	}
	var se *SyntaxError
	if !errors.As(errs[0].Err, &se) {
		t.Errorf("error is %T, want *SyntaxError", errs[0].Err)
	}
	wantRefs(t, fl, []string{
		"import \"bad.nix\" `./bad.nix`", "read \"x\" `./x`", "import \"missing.nix\" `./missing.nix`", "import \"ok.nix\" `./ok.nix`",
		"path \"y\" `./y` via flake.nix>ok.nix",
	})
	if want := []string{"flake.nix", "ok.nix"}; !reflect.DeepEqual(fl.Files, want) {
		t.Errorf("Files = %v", fl.Files)
	}

	// flake.nix itself
	_, errs = AnalyzeFlake("flake.nix", mapReader{})
	if len(errs) != 1 || !errors.Is(errs[0].Err, fs.ErrNotExist) {
		t.Errorf("missing flake: %v", errs)
	}
	fl, errs = AnalyzeFlake("flake.nix", mapReader{"flake.nix": "{ outputs = "})
	if len(errs) != 1 || fl == nil || fl.Outputs.Complete {
		t.Errorf("unparsable flake: %v %+v", errs, fl)
	}
}

func sortedKeys(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestAnalyzeTemplates(t *testing.T) {
	fl, _ := analyzeMap(t, mapReader{"flake.nix": `{
  outputs = { self, flake-parts, ... }@inputs: flake-parts.lib.mkFlake { inherit inputs; } {
    flake.templates.a.path = ./templates/a;
    imports = [ { flake.templates = let b = { path = ./examples/b; description = "b"; }; in { inherit b; } // { c.path = ./c; };
      flake.defaultTemplate.path = ./d;
      flake.other.path = ./not-a-template;
    } ];
  };
}`})
	want := []string{"templates/a", "examples/b", "c", "d"}
	if !reflect.DeepEqual(fl.Templates, want) {
		t.Errorf("templates %q, want %q", fl.Templates, want)
	}
}

func TestAnalyzeInputNames(t *testing.T) {
	tests := []struct {
		src      string
		want     []string
		complete bool
	}{
		{`{ inputs.a.url = "github:x/a"; inputs.b = { url = "github:x/b"; flake = false; }; inputs.c.follows = "a/c"; outputs = { self, a, b, c, d }: { }; }`, []string{"a", "b", "c", "d"}, true},
		{`{ inputs = { a.url = "github:x/a"; placeholder = { }; onlyflag.flake = false; }; outputs = { self, a, placeholder, ... }: { }; }`, []string{"a"}, true},
		{`{ outputs = { self, nixpkgs }: { }; }`, []string{"nixpkgs"}, true},
		{`{ inputs = import ./inputs.nix; outputs = inputs: { }; }`, nil, false},
	}
	for _, tc := range tests {
		fl, _ := analyzeMap(t, mapReader{"flake.nix": tc.src})
		if !reflect.DeepEqual(fl.Inputs, tc.want) || fl.InputsComplete != tc.complete || !fl.HasInputs {
			t.Errorf("%s: inputs %q complete %v has %v, want %q %v", tc.src, fl.Inputs, fl.InputsComplete, fl.HasInputs, tc.want, tc.complete)
		}
	}
}

func TestAnalyzeSourceArgs(t *testing.T) {
	fl, _ := analyzeMap(t, mapReader{"flake.nix": outputsFlake(`{
  a = pkgs.rustPlatform.buildRustPackage { pname = "a"; src = ./a; buildAndTestSubdir = "crates/x"; cargoHash = ""; };
  b = craneLib.buildPackage { src = lib.cleanSourceWith { src = ./b; filter = p: t: true; }; };
  c = craneLib.buildPackage { src = lib.cleanSourceWith { src = ./c; filter = craneLib.filterCargoSources; }; };
  d = lib.sourceByRegex ./d [ ".*" ];
  e = mkThing { src = ./e; cargoRoot = sub; };
}`)})
	got := map[string]string{}
	for _, r := range fl.Refs {
		if r.Source != nil {
			got[r.Path] = fmt.Sprintf("%s %v sub=%q dyn=%v filtered=%v", r.Source.Func, r.Source.Has("cargoHash"), r.Source.Subdir, r.Source.SubdirDynamic, r.Source.Filtered)
		}
	}
	want := map[string]string{
		"a": `buildRustPackage true sub="crates/x" dyn=false filtered=false`,
		"b": `cleanSourceWith false sub="" dyn=false filtered=true`,
		"c": `cleanSourceWith false sub="" dyn=false filtered=false`,
		"d": ` false sub="" dyn=false filtered=true`,
		"e": `mkThing false sub="" dyn=true filtered=false`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestAnalyzeStringDoublingIsBounded: s(n+1) = s(n) + s(n) would reach
// 2^40 bytes if folded naively (issue 17 item 10). Folded strings stop at
// maxStrLen, so the analysis allocates megabytes, not terabytes.
func TestAnalyzeStringDoublingIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("let\n  s0 = \"xxxxxxxxxxxxxxxx\";\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  s%d = s%d + s%d;\n  i%d = \"${s%d}${s%d}\";\n", i, i-1, i-1, i, i-1, i-1)
	}
	b.WriteString("in { a = builtins.readFile (./. + \"/${s40}\"); b = builtins.readFile (./. + \"/${i40}\"); c = ./${s40}; }")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fl, errs := analyzeMap(t, mapReader{"flake.nix": outputsFlake(b.String())})
	runtime.ReadMemStats(&after)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if len(fl.Refs) != 3 {
		t.Fatalf("refs %v", renderRefs(fl))
	}
	for _, r := range fl.Refs {
		if !r.Dynamic {
			t.Errorf("a path over a capped string must be dynamic: %s", renderRef(r))
		}
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 512<<20 {
		t.Errorf("the analysis allocated %d MiB", alloc>>20)
	}
}

// TestAnalyzeReferenceFreeImports: an imported file with no path literal
// and no self/inputs is followed (listed in Files) without being parsed for
// references, yet its value is still there when the outputs need it; a
// file with a path is parsed and its references found.
func TestAnalyzeReferenceFreeImports(t *testing.T) {
	if !referenceFree([]byte(`{ a = "x/y"; b = ''${c}/d''; }`)) || referenceFree([]byte(`{ a = "${./x}"; }`)) ||
		referenceFree([]byte(`{ a = self; }`)) || referenceFree([]byte(`{ a = "unterminated; }`)) {
		t.Fatal("referenceFree misjudges")
	}
	fl, errs := analyzeMap(t, mapReader{
		"flake.nix": `{ outputs = { self }: { packages.x86_64-linux = import ./data.nix; other = import ./code.nix; }; }`,
		"data.nix":  `{ foo = 1; bar = "https://example.org/a/b"; }`,
		"code.nix":  `{ x = builtins.readFile ./notes.txt; }`,
	})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if !reflect.DeepEqual(fl.Files, []string{"flake.nix", "data.nix", "code.nix"}) {
		t.Errorf("files %q", fl.Files)
	}
	if !fl.Outputs.Packages["foo"] || !fl.Outputs.Packages["bar"] {
		t.Errorf("packages %v", fl.Outputs.Packages)
	}
	wantRefs(t, fl, []string{"import \"data.nix\" `./data.nix`", "import \"code.nix\" `./code.nix`", "read \"notes.txt\" `./notes.txt` via flake.nix>code.nix"})
}
