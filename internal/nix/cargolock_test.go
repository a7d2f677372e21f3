package nix

import (
	"fmt"
	"strings"
	"testing"
)

func describeCargoLocks(f *Flake) string {
	var b strings.Builder
	for _, u := range f.CargoLocks {
		fmt.Fprintf(&b, "%s %s:%d lock=%q dyn=%v allow=%q", u.Builder, u.File, u.Line, u.Lock, u.Dynamic, u.AllowBuiltinFetchGit)
		switch {
		case u.HashesUnknown:
			b.WriteString(" hashes=?")
		case u.Hashes == nil:
			fmt.Fprintf(&b, " hashes=none insert=%q%q", u.Indent, u.AttrPrefix)
		default:
			b.WriteString(" hashes=[")
			for i, e := range u.Hashes.Entries {
				if i > 0 {
					b.WriteString(" ")
				}
				if e.Static {
					fmt.Fprintf(&b, "%s=%s", e.Key, e.Value)
				} else {
					fmt.Fprintf(&b, "%s=?", e.Key)
				}
			}
			fmt.Fprintf(&b, "] partial=%v indent=%q", u.Hashes.Partial, u.Hashes.EntryIndent)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestCargoLockUses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files mapReader
		want  string
	}{
		{"buildRustPackage with a set", mapReader{"flake.nix": `{
  outputs = { self, nixpkgs }: let pkgs = nixpkgs.legacyPackages.x86_64-linux; in {
    packages.x86_64-linux.default = pkgs.rustPlatform.buildRustPackage {
      pname = "a";
      src = ./.;
      cargoLock = {
        lockFile = ./Cargo.lock;
        outputHashes = {
          "foo-0.1.0" = "sha256-AAAA";
          "bar-0.2.0" = pkgs.lib.fakeHash;
        };
      };
    };
  };
}`}, "buildRustPackage flake.nix:6 lock=\"Cargo.lock\" dyn=false allow=\"false\" hashes=[foo-0.1.0=sha256-AAAA bar-0.2.0=?] partial=false indent=\"\\n          \"\n"},
		{"dotted cargoLock, let-bound lock, rec", mapReader{"flake.nix": `{
  outputs = { self, nixpkgs }: let lock = ./sub/Cargo.lock; in {
    p = nixpkgs.rustPlatform.buildRustPackage rec {
      pname = "a";
      cargoLock.lockFile = lock;
      cargoLock.allowBuiltinFetchGit = true;
    };
  };
}`}, "buildRustPackage flake.nix:5 lock=\"sub/Cargo.lock\" dyn=false allow=\"true\" hashes=none insert=\"\\n      \"\"cargoLock.\"\n"},
		{"finalAttrs, one-line outputHashes, lockFileContents", mapReader{"flake.nix": `{
  outputs = { self, nixpkgs }: {
    p = nixpkgs.rustPlatform.buildRustPackage (finalAttrs: {
      cargoLock = { lockFileContents = builtins.readFile ./Cargo.lock; outputHashes = { "a-1.0.0" = "sha256-B"; }; };
    });
  };
}`}, "buildRustPackage flake.nix:4 lock=\"Cargo.lock\" dyn=false allow=\"false\" hashes=[a-1.0.0=sha256-B] partial=false indent=\" \"\n"},
		{"importCargoLock in an imported file, dynamic lock, unknown hashes", mapReader{
			"flake.nix": `{ outputs = { self, nixpkgs }: { p = import ./nix/pkg.nix { inherit nixpkgs; }; }; }`,
			"nix/pkg.nix": `{ nixpkgs, src }: {
  a = nixpkgs.rustPlatform.importCargoLock { lockFile = ../Cargo.lock; outputHashes = import ./hashes.nix; allowBuiltinFetchGit = nixpkgs.x; };
  b = nixpkgs.rustPlatform.importCargoLock { lockFile = src + "/Cargo.lock"; };
}`}, "importCargoLock nix/pkg.nix:2 lock=\"Cargo.lock\" dyn=false allow=\"\" hashes=?\n" +
			"importCargoLock nix/pkg.nix:3 lock=\"\" dyn=true allow=\"false\" hashes=none insert=\" \"\"\"\n"},
		{"cargoVendorDir or cargoDeps replaces cargoLock", mapReader{"flake.nix": `{
  outputs = { self, nixpkgs }: {
    a = nixpkgs.rustPlatform.buildRustPackage { cargoLock.lockFile = ./Cargo.lock; cargoVendorDir = "vendor"; };
    b = nixpkgs.rustPlatform.buildRustPackage { cargoLock.lockFile = ./Cargo.lock; cargoDeps = nixpkgs.x; };
    c = nixpkgs.rustPlatform.buildRustPackage { cargoLock.lockFile = ./Cargo.lock; cargoDeps = null; };
  };
}`}, "buildRustPackage flake.nix:5 lock=\"Cargo.lock\" dyn=false allow=\"false\" hashes=none insert=\" \"\"cargoLock.\"\n"},
		{"let-bound cargoLock, assigned and inherited", mapReader{"flake.nix": `{
  outputs = { self, nixpkgs }:
    let
      cargoLock = {
        lockFile = ./Cargo.lock;
        outputHashes = { "a-1.0.0" = "sha256-A"; };
      };
      other = { lockFile = ./b/Cargo.lock; };
      notASet = import ./x.nix;
    in {
      p = nixpkgs.rustPlatform.buildRustPackage { inherit cargoLock; };
      q = nixpkgs.rustPlatform.buildRustPackage { cargoLock = other; };
      r = nixpkgs.rustPlatform.buildRustPackage { cargoLock = notASet; };
      s = f: nixpkgs.rustPlatform.buildRustPackage { cargoLock = f; };
    };
}`}, "buildRustPackage flake.nix:4 lock=\"Cargo.lock\" dyn=false allow=\"false\" hashes=[a-1.0.0=sha256-A] partial=false indent=\" \"\n" +
			"buildRustPackage flake.nix:8 lock=\"b/Cargo.lock\" dyn=false allow=\"false\" hashes=none insert=\" \"\"\"\n"},
		{"crane and naersk are not modelled", mapReader{"flake.nix": `{
  outputs = { self, crane, naersk }: {
    a = crane.lib.buildPackage { src = ./.; cargoLock = ./Cargo.lock; };
    b = naersk.buildPackage { src = ./.; };
  };
}`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fl, errs := analyzeMap(t, tc.files)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if got := describeCargoLocks(fl); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// FuzzCargoLockUses: any flake.nix is analysed without a panic, and every
// offset a fix would edit at lies inside the file.
func FuzzCargoLockUses(f *testing.F) {
	for _, s := range []string{
		`{ outputs = { nixpkgs, ... }: { p = nixpkgs.rustPlatform.buildRustPackage { cargoLock = { lockFile = ./Cargo.lock; outputHashes = { "a-1.0.0" = "sha256-A"; }; }; }; }; }`,
		`{ outputs = { n }: { p = n.buildRustPackage rec { cargoLock.lockFile = ./x/Cargo.lock; cargoLock.outputHashes."a-1" = "h"; }; }; }`,
		`{ outputs = { n }: { p = n.importCargoLock { lockFileContents = builtins.readFile ./Cargo.lock; outputHashes = { }; allowBuiltinFetchGit = false; }; }; }`,
		`{ outputs = { n }: { p = n.buildRustPackage (f: { cargoLock = rec { lockFile = ./Cargo.lock; outputHashes = { ${"x"} = 1; inherit y; }; }; }); }; }`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		fl, _ := analyzeMap(t, mapReader{"flake.nix": src})
		for _, u := range fl.CargoLocks {
			if u.File != "flake.nix" {
				continue
			}
			in := func(o int) bool { return o >= 0 && o <= len(src) }
			if u.Hashes == nil && !in(u.InsertAt) {
				t.Fatalf("insert offset %d outside the file", u.InsertAt)
			}
			if h := u.Hashes; h != nil {
				if !in(h.InsertAt) || !in(h.SetStart) || !in(h.SetEnd) {
					t.Fatalf("outputHashes offsets outside the file: %+v", h)
				}
				for _, e := range h.Entries {
					if !in(e.Start) || !in(e.End) || !in(e.ValueStart) || !in(e.ValueEnd) || e.Start > e.End || e.ValueStart > e.ValueEnd {
						t.Fatalf("entry offsets: %+v", e)
					}
				}
			}
		}
	})
}
