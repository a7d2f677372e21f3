package nix

import (
	"fmt"
	"strings"
	"testing"
)

// outs is a compact form of Outputs: "P:a,b D:default A: L: T:apps,packages complete".
func outs(o Outputs) string {
	j := func(m map[string]bool) string { return strings.Join(sortedKeys(m), ",") }
	s := fmt.Sprintf("P:%s D:%s A:%s L:%s T:%s", j(o.Packages), j(o.DevShells), j(o.Apps), j(o.LegacyPackages), j(o.TopLevel))
	if o.Complete {
		s += " complete"
	}
	return s
}

func TestAnalyzeOutputs(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		extra mapReader
		want  string
	}{
		{"plain", `{
  packages.x86_64-linux.foo = 1;
  packages.x86_64-linux.default = self.packages.x86_64-linux.foo;
  packages."aarch64-linux" = { bar = 2; "quoted-name" = 3; };
  devShells.x86_64-linux.default = 4;
  apps.x86_64-linux.run = { type = "app"; program = "x"; };
  legacyPackages.x86_64-linux = { a.b = 1; c = 2; };
  checks.x86_64-linux.t = 5;
  overlays.default = final: prev: { };
}`, nil, "P:bar,default,foo,quoted-name D:default A:run L:a,c T:apps,checks,devShells,legacyPackages,overlays,packages complete"},
		{"let body and rec", `let sys = "x86_64-linux"; in rec { packages.${sys} = rec { a = 1; default = a; }; }`, nil,
			"P:a,default D: A: L: T:packages complete"},
		{"dynamic system keys collapse", `let system = "x"; in { packages.${system}.foo = 1; devShells = { ${system} = { default = 1; }; }; }`, nil,
			"P:foo D:default A: L: T:devShells,packages complete"},
		{"dynamic package name is incomplete", `{ packages.x86_64-linux.${name} = 1; packages.x86_64-linux.b = 2; }`, nil,
			"P:b D: A: L: T:packages"},
		{"dynamic top-level name is incomplete", `{ ${x} = 1; packages.x86_64-linux.a = 1; }`, nil,
			"P:a D: A: L: T:packages"},
		{"inherit", `let pkgs = nixpkgs.legacyPackages.x86_64-linux; in { packages.x86_64-linux = { inherit (pkgs) hello cowsay; }; }`, nil,
			"P:cowsay,hello D: A: L: T:packages complete"},
		{"forAllSystems genAttrs", `let
    supportedSystems = [ "x86_64-linux" "aarch64-darwin" ];
    forAllSystems = nixpkgs.lib.genAttrs supportedSystems;
    nixpkgsFor = forAllSystems (system: import nixpkgs { inherit system; });
  in {
    packages = forAllSystems (system: let pkgs = nixpkgsFor.${system}; in { go-hello = pkgs.buildGoModule { }; });
    devShells = forAllSystems (system: { default = 1; });
    defaultPackage = forAllSystems (system: self.packages.${system}.go-hello);
  }`, nil, "P:default,go-hello D:default A: L: T:defaultPackage,devShells,packages complete"},
		{"hand-rolled forEachSystem", `let
    systems = [ "x86_64-linux" ];
    forEachSystem = f: nixpkgs.lib.genAttrs systems (system: f { pkgs = import nixpkgs { inherit system; }; });
  in {
    packages = forEachSystem ({ pkgs }: { default = pkgs.hello; tool = pkgs.jq; });
    devShells = forEachSystem ({ pkgs }: { default = pkgs.mkShell { }; });
  }`, nil, "P:default,tool D:default A: L: T:devShells,packages complete"},
		{"genAttrs direct", `{ apps = nixpkgs.lib.genAttrs [ "x86_64-linux" ] (s: { serve = 1; }); }`, nil,
			"P: D: A:serve L: T:apps complete"},
		{"eachDefaultSystem transposes", `inputs.flake-utils.lib.eachDefaultSystem (system: let pkgs = nixpkgs.legacyPackages.${system}; in {
    packages.foo = pkgs.hello;
    packages.default = pkgs.hello;
    devShell = pkgs.mkShell { };
    defaultPackage = pkgs.hello;
    apps.x = 1;
  })`, nil, "P:default,foo D:default A:x L: T:apps,defaultPackage,devShell,packages complete"},
		{"eachSystem with list and merge", `let utils = inputs.flake-utils; in utils.lib.eachSystem [ "x86_64-linux" ] (system: {
    packages = { a = 1; };
    devShells.default = 1;
  }) // { overlays.default = f: p: { }; nixosModules.x = { }; }`, nil,
			"P:a D:default A: L: T:devShells,nixosModules,overlays,packages complete"},
		{"let-bound eachDefaultSystem", `let inherit (inputs.flake-utils.lib) eachDefaultSystem; in eachDefaultSystem (system: { packages.x = 1; })`, nil,
			"P:x D: A: L: T:packages complete"},
		{"update is shallow", `{ packages.x86_64-linux.a = 1; } // { packages.x86_64-linux.b = 1; }`, nil,
			"P:b D: A: L: T:packages complete"},
		{"recursiveUpdate is deep", `nixpkgs.lib.recursiveUpdate { packages.x86_64-linux.a = 1; } { packages.x86_64-linux.b = 1; }`, nil,
			"P:a,b D: A: L: T:packages complete"},
		{"if unions its branches", `if x then { packages.s.a = 1; } else { packages.s.b = 1; devShells.s.d = 1; }`, nil,
			"P:a,b D:d A: L: T:devShells,packages complete"},
		{"unknown side of // is incomplete", `{ packages.s.a = 1; } // import ./more.nix inputs`, nil,
			"P:a D: A: L: T:packages"},
		{"unknown package set is incomplete", `{ packages.x86_64-linux = nixpkgs.lib.filterAttrs (n: v: true) self.legacyPackages.x86_64-linux; devShells.x86_64-linux.default = 1; }`, nil,
			"P: D:default A: L: T:devShells,packages"},
		{"unknown legacyPackages is incomplete", `{ legacyPackages = forAllSystems (system: import nixpkgs { inherit system; }); packages.s.a = 1; }`, nil,
			"P:a D: A: L: T:legacyPackages,packages"},
		{"unknown outputs", `import ./outputs.nix inputs`, nil, "P: D: A: L: T:"},
		{"flake-parts", `inputs.flake-parts.lib.mkFlake { inherit inputs; } {
    systems = [ "x86_64-linux" "aarch64-darwin" ];
    imports = [ ./hello/flake-module.nix ];
    perSystem = { config, self', inputs', pkgs, system, ... }: {
      packages.default = pkgs.hello;
      devShells.default = pkgs.mkShell { };
      checks.x = 1;
    };
    flake = { nixosModules.default = { }; };
  }`, mapReader{"hello/flake-module.nix": `{ self, ... }: {
  perSystem = { pkgs, ... }: { packages.hello = pkgs.hello; apps.hello = { }; };
  imports = [ ../other.nix ];
}`, "other.nix": `{ flake.lib = { }; perSystem.packages.other = 1; }`},
			"P:default,hello,other D:default A:hello L: T:apps,checks,devShells,lib,nixosModules,packages complete"},
		{"flake-parts module function", `inputs.flake-parts.lib.mkFlake { inherit inputs; } ({ withSystem, ... }: {
    perSystem = { pkgs, ... }: { packages.a = 1; };
  })`, nil, "P:a D: A: L: T:packages complete"},
		{"flake-parts external module", `inputs.flake-parts.lib.mkFlake { inherit inputs; } {
    imports = [ inputs.treefmt-nix.flakeModule ];
    perSystem = { pkgs, ... }: { packages.a = 1; };
  }`, nil, "P:a D: A: L: T:packages"},
		{"flake-parts missing module file", `inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./nope.nix ]; }`, nil,
			"P: D: A: L: T:"},
		{"flake-parts module cycle", `inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./m1.nix ]; }`,
			mapReader{"m1.nix": `{ imports = [ ./m2.nix ]; perSystem.packages.one = 1; }`, "m2.nix": `{ imports = [ ./m1.nix ]; perSystem.packages.two = 1; }`},
			"P:one,two D: A: L: T:packages complete"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := mapReader{"flake.nix": outputsFlake(tc.body)}
			for k, v := range tc.extra {
				files[k] = v
			}
			fl, _ := analyzeMap(t, files)
			if got := outs(fl.Outputs); got != tc.want {
				t.Errorf("outputs:\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}

// Realistic flakes, written in the style of common templates.
func TestAnalyzeRealisticFlakes(t *testing.T) {
	tests := []struct {
		name   string
		files  mapReader
		refs   []string
		outs   string
		errors int
	}{
		{"rust template with naersk", mapReader{"flake.nix": `{
  inputs = {
    naersk.url = "github:nix-community/naersk/master";
    nixpkgs.url = "github:NixOS/nixpkgs/nixpkgs-unstable";
    utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, utils, naersk }:
    utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
        naersk-lib = pkgs.callPackage naersk { };
      in
      {
        defaultPackage = naersk-lib.buildPackage ./.;
        devShell = with pkgs; mkShell {
          buildInputs = [ cargo rustc rustfmt pre-commit rustPackages.clippy ];
          RUST_SRC_PATH = rustPlatform.rustLibSrc;
        };
      }
    );
}
`}, []string{"source \"\" `./.`"}, "P:default D:default A: L: T:defaultPackage,devShell complete", 0},

		{"go-hello style", mapReader{"flake.nix": `{
  description = "A simple Go package";
  inputs.nixpkgs.url = "nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }:
    let
      lastModifiedDate = self.lastModifiedDate or self.lastModified or "19700101";
      version = builtins.substring 0 8 lastModifiedDate;
      supportedSystems = [ "x86_64-linux" "x86_64-darwin" "aarch64-linux" "aarch64-darwin" ];
      forAllSystems = nixpkgs.lib.genAttrs supportedSystems;
      nixpkgsFor = forAllSystems (system: import nixpkgs { inherit system; });
    in
    {
      packages = forAllSystems (system:
        let pkgs = nixpkgsFor.${system}; in
        {
          go-hello = pkgs.buildGoModule {
            pname = "go-hello";
            inherit version;
            src = ./.;
            vendorHash = "sha256-pQpattmS9VmO3ZIQUFn66az8GSmB4IvYhTTCFn6SUmo=";
          };
        });
      devShells = forAllSystems (system:
        let pkgs = nixpkgsFor.${system}; in
        { default = pkgs.mkShell { buildInputs = with pkgs; [ go gopls gotools go-tools ]; }; });
      defaultPackage = forAllSystems (system: self.packages.${system}.go-hello);
    };
}
`}, []string{"source \"\" `./.`"}, "P:default,go-hello D:default A: L: T:defaultPackage,devShells,packages complete", 0},

		{"crane quick-start style", mapReader{"flake.nix": `{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixpkgs-unstable";
    crane.url = "github:ipetkov/crane";
    flake-utils.url = "github:numtide/flake-utils";
  };
  outputs = { self, nixpkgs, crane, flake-utils, ... }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = nixpkgs.legacyPackages.${system};
        inherit (pkgs) lib;
        craneLib = crane.mkLib pkgs;
        src = craneLib.cleanCargoSource ./.;
        commonArgs = {
          inherit src;
          strictDeps = true;
          buildInputs = [ ] ++ lib.optionals pkgs.stdenv.isDarwin [ pkgs.libiconv ];
        };
        cargoArtifacts = craneLib.buildDepsOnly commonArgs;
        my-crate = craneLib.buildPackage (commonArgs // { inherit cargoArtifacts; });
      in
      {
        checks = {
          inherit my-crate;
          my-crate-clippy = craneLib.cargoClippy (commonArgs // { inherit cargoArtifacts; });
          my-crate-fmt = craneLib.cargoFmt { inherit src; };
        };
        packages.default = my-crate;
        apps.default = flake-utils.lib.mkApp { drv = my-crate; };
        devShells.default = craneLib.devShell { checks = self.checks.${system}; packages = [ ]; };
      });
}
`}, []string{"source \"\" `./.`"}, "P:default D:default A:default L: T:apps,checks,devShells,packages complete", 0},

		{"backend subdirectory with buildRustPackage", mapReader{"flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
      src = ./backend;
    in {
      packages.${system} = {
        backend = pkgs.rustPlatform.buildRustPackage {
          pname = "backend";
          version = (builtins.fromTOML (builtins.readFile (src + "/Cargo.toml"))).package.version;
          inherit src;
          cargoLock.lockFile = "${src}/Cargo.lock";
        };
        frontend = pkgs.buildNpmPackage {
          src = lib.fileset.toSource {
            root = ./frontend;
            fileset = lib.fileset.unions [ ./frontend/package.json ./frontend/package-lock.json ./frontend/src ];
          };
        };
      };
      devShells.${system}.default = pkgs.mkShell { inputsFrom = [ self.packages.${system}.backend ]; };
    };
}
`}, []string{"source \"backend\" `./backend`", "read \"backend/Cargo.toml\" `src + \"/Cargo.toml\"`", "read \"backend/Cargo.lock\" `\"${src}/Cargo.lock\"`",
			"path \"frontend\" `./frontend`", "fileset member \"frontend/package.json\" `./frontend/package.json`",
			"fileset member \"frontend/package-lock.json\" `./frontend/package-lock.json`", "fileset member \"frontend/src\" `./frontend/src`"},
			"P:backend,frontend D:default A: L: T:devShells,packages complete", 0},

		{"flake-parts multi-module", mapReader{
			"flake.nix": `{
  inputs = {
    flake-parts.url = "github:hercules-ci/flake-parts";
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  };
  outputs = inputs@{ flake-parts, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      imports = [ ./hello/flake-module.nix ./rust ];
      systems = [ "x86_64-linux" "aarch64-darwin" ];
      perSystem = { config, self', inputs', pkgs, system, ... }: {
        packages.default = config.packages.hello;
      };
    };
}
`,
			"hello/flake-module.nix": `{ self, lib, flake-parts-lib, ... }: {
  perSystem = { config, pkgs, ... }: {
    packages.hello = pkgs.callPackage ./package.nix { };
    checks.hello = config.packages.hello;
  };
}
`,
			"hello/package.nix": `{ stdenv }: stdenv.mkDerivation { name = "hello"; src = ./src; }`,
			"rust/default.nix": `{ self, ... }: {
  perSystem = { pkgs, ... }: {
    packages.server = pkgs.rustPlatform.buildRustPackage {
      pname = "server";
      src = self + "/server";
      cargoLock.lockFile = self + "/server/Cargo.lock";
    };
    devShells.rust = pkgs.mkShell { };
  };
}
`},
			[]string{"import \"hello/flake-module.nix\" `./hello/flake-module.nix`", "import \"rust/default.nix\" `./rust`",
				"import \"hello/package.nix\" `./package.nix` via flake.nix>hello/flake-module.nix",
				"source \"server\" `self + \"/server\"` via flake.nix>rust/default.nix",
				"read \"server/Cargo.lock\" `self + \"/server/Cargo.lock\"` via flake.nix>rust/default.nix",
				"source \"hello/src\" `./src` via flake.nix>hello/flake-module.nix>hello/package.nix"},
			"P:default,hello,server D:rust A: L: T:checks,devShells,packages complete", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fl, errs := analyzeMap(t, tc.files)
			if len(errs) != tc.errors {
				t.Errorf("errors: %v", errs)
			}
			wantRefs(t, fl, tc.refs)
			if got := outs(fl.Outputs); got != tc.outs {
				t.Errorf("outputs:\n got: %s\nwant: %s", got, tc.outs)
			}
			if !fl.HasInputs {
				t.Error("HasInputs = false")
			}
		})
	}
}

// Pathological inputs terminate without panicking.
func TestAnalyzeTerminates(t *testing.T) {
	deep := strings.Repeat("(", 2000) + "./x" + strings.Repeat(")", 2000)
	long := "./a" + strings.Repeat(` + "/b"`, 20000)
	sum := "1" + strings.Repeat(" + 1", 50000)
	lets := strings.Repeat("let a = ./x; in ", 2000) + "a"
	cases := []string{
		outputsFlake(`{ x = ` + deep + `; }`),
		outputsFlake(`{ x = builtins.readFile (` + long + `); }`),
		outputsFlake(`{ x = ` + sum + `; y = ./y; }`),
		outputsFlake(`{ x = ` + lets + `; }`),
		outputsFlake(`let a = a // { }; b = c; c = b; f = f f; in { packages = a; devShells = b; apps = f f; }`),
		outputsFlake(`rec { packages = packages // { s.a = 1; }; }`),
		`let self = self; in { outputs = { self }: let x = self; in x; }`,
	}
	for i, src := range cases {
		fl, errs := analyzeMap(t, mapReader{"flake.nix": src})
		for _, e := range errs {
			t.Logf("case %d: %v", i, e)
		}
		if i == 1 {
			if len(fl.Refs) != 1 || fl.Refs[0].Kind != RefRead || !fl.Refs[0].Dynamic || !strings.HasPrefix(fl.Refs[0].Prefix, "a/b/b/") {
				t.Errorf("long chain: %d refs", len(fl.Refs))
			}
		}
	}
}

func FuzzAnalyzeFlake(f *testing.F) {
	f.Add(outputsFlake(`let src = ./b; in { cargoLock.lockFile = "${src}/Cargo.lock"; x = import ./m.nix; }`), `{ y = import ./flake.nix; z = ./${a}; }`)
	f.Add(outputsFlake(`inputs.flake-utils.lib.eachDefaultSystem (s: { packages.x = 1; }) // { o = self + "/x"; }`), `{ imports = [ ./m.nix ]; }`)
	f.Add(`{ inputs.x.url = "path:../a"; outputs = i: i.flake-parts.lib.mkFlake { } { imports = [ ./m.nix ]; }; }`, `{ perSystem = p: { packages = rec { a = a; }; }; }`)
	f.Add("\r/0", "0")
	f.Fuzz(func(t *testing.T, flake, mod string) {
		files := mapReader{"flake.nix": flake, "m.nix": mod}
		fl, errs := AnalyzeFlake("flake.nix", files)
		for _, e := range errs {
			if strings.Contains(e.Err.Error(), "internal error") {
				t.Fatal(e.Err)
			}
		}
		if fl.Refs != nil {
			checkPositions(t, fl, files)
		}
	})
}

func BenchmarkAnalyzeFlake(b *testing.B) {
	files := genLargeFlake(2000)
	size := 0
	for _, s := range files {
		size += len(s)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		fl, errs := AnalyzeFlake("flake.nix", files)
		if len(errs) != 0 || len(fl.Refs) == 0 {
			b.Fatal(errs)
		}
	}
}

// genLargeFlake generates a flake with n packages in the flake and n/10
// imported package files.
func genLargeFlake(n int) mapReader {
	var f strings.Builder
	f.WriteString(`{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.flake-utils.url = "github:numtide/flake-utils";
  outputs = { self, nixpkgs, flake-utils }:
    let
      lib = nixpkgs.lib;
      root = ./.;
    in flake-utils.lib.eachDefaultSystem (system:
      let pkgs = nixpkgs.legacyPackages.${system}; in rec {
        packages = {
`)
	files := mapReader{}
	for i := range n {
		if i%10 == 0 {
			fmt.Fprintf(&f, "          p%d = pkgs.callPackage ./pkgs/p%d.nix { };\n", i, i)
			files[fmt.Sprintf("pkgs/p%d.nix", i)] = fmt.Sprintf(`{ rustPlatform, lib }:
let src = lib.cleanSource ../crates/c%d; in
rustPlatform.buildRustPackage {
  pname = "p%d"; version = "0.1.0";
  inherit src;
  cargoLock.lockFile = src + "/Cargo.lock";
  passthru.common = import ./common.nix;
}
`, i, i)
			continue
		}
		fmt.Fprintf(&f, `          p%d = let src = root + "/crates/c%d"; in pkgs.rustPlatform.buildRustPackage {
            pname = "p%d";
            version = (builtins.fromTOML (builtins.readFile "${src}/Cargo.toml")).package.version;
            inherit src;
            cargoLock.lockFile = src + "/Cargo.lock";
            patches = [ ./patches/p%d.patch ] ++ lib.optional (builtins.pathExists ./patches/extra-%d.patch) ./patches/extra-%d.patch;
          };
`, i, i, i, i, i, i)
	}
	f.WriteString("          default = packages.p1;\n        };\n        devShells.default = pkgs.mkShell { inputsFrom = [ packages.default ]; };\n      });\n}\n")
	files["flake.nix"] = f.String()
	files["pkgs/common.nix"] = `{ license = builtins.readFile ../LICENSE; }`
	return files
}

func TestGeneratedLargeFlake(t *testing.T) {
	files := genLargeFlake(200)
	fl, errs := analyzeMap(t, files)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if len(fl.Outputs.Packages) != 201 || !fl.Outputs.Complete {
		t.Errorf("outputs: %d packages, complete=%v", len(fl.Outputs.Packages), fl.Outputs.Complete)
	}
	if len(fl.Files) != 22 {
		t.Errorf("files: %d", len(fl.Files))
	}
	kinds := map[RefKind]int{}
	for _, r := range fl.Refs {
		kinds[r.Kind]++
	}
	// per inline package: source (root + …), read Cargo.toml, read Cargo.lock, patch, 2 extra-patch refs (optional)
	if kinds[RefRead] != 180*2+20+1 || kinds[RefDirSource] != 180+20 || kinds[RefImport] != 20+20 {
		t.Errorf("kinds: %v", kinds)
	}
}
