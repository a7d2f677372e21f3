package nix

import (
	"fmt"
	"testing"
)

// TestSourceThroughFunction: a source passed to a function of the flake's
// own files is described by the call in the function's body that receives
// it (the builder, its lock arguments, its subdirectory), through formals,
// args.src, inherit (args) src, and a function in an imported file.
func TestSourceThroughFunction(t *testing.T) {
	for _, tc := range []struct {
		name, flake string
		want        string // "Func attrs subdir filtered" of the ./backend reference
	}{
		{"formals, explicit lock", `{ outputs = { self }: let
  mk = { src, pname }: rustPlatform.buildRustPackage { inherit src pname; cargoLock.lockFile = ./Cargo.lock; };
in { p = mk { src = ./backend; pname = "b"; }; }; }`, "buildRustPackage [src pname cargoLock] '' false"},
		{"args.src and a subdirectory", `{ outputs = { self }: let
  mk = args: craneLib.buildPackage { src = args.src; cargoRoot = "server"; };
in { p = mk { src = ./backend; }; }; }`, "buildPackage [src cargoRoot] 'server' false"},
		{"inherit (args) src, filter", `{ outputs = { self }: let
  mk = args@{ ... }: pkgs.stdenv.mkDerivation { inherit (args) src; filter = p: t: true; };
in { p = mk { src = ./backend; }; }; }`, "mkDerivation [src filter] '' true"},
		{"imported function", `{ outputs = { self }: { p = (import ./mk.nix) { src = ./backend; }; }; }`,
			"buildRustPackage [src cargoHash] '' false"},
		{"function that uses its own source", `{ outputs = { self }: let
  mk = { src }: rustPlatform.buildRustPackage { src = ./other; cargoHash = ""; };
in { p = mk { src = ./backend; }; }; }`, " [src] '' false"},
		{"not a function of the flake", `{ outputs = { self }: { p = pkgs.callPackage ./pkg.nix { src = ./backend; }; }; }`, "callPackage [src] '' false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fl, errs := analyzeMap(t, mapReader{
				"flake.nix": tc.flake,
				"mk.nix":    "{ src, ... }: rustPlatform.buildRustPackage { inherit src; cargoHash = \"\"; }\n",
				"pkg.nix":   "{ src }: src\n",
			})
			if len(errs) != 0 {
				t.Fatal(errs)
			}
			got := "no reference"
			for _, r := range fl.Refs {
				if r.Path == "backend" {
					sa := r.Source
					if sa == nil {
						got = "no source args"
						break
					}
					got = fmt.Sprintf("%s %v '%s' %v", sa.Func, sa.Attrs, sa.Subdir, sa.Filtered)
				}
			}
			if got != tc.want {
				t.Errorf("got %q, want %q\n%v", got, tc.want, renderRefs(fl))
			}
		})
	}
}
