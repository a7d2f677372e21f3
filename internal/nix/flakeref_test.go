package nix

import (
	"slices"
	"testing"
)

func TestFlakeDirsInCommand(t *testing.T) {
	for line, want := range map[string][]string{
		"nix build ./sub#check":                       {"sub"},
		"  run: nix eval --json .#check":              {""},
		`nix develop "path:./tools/dev" --command x`:  {"tools/dev"},
		"nixos-rebuild switch --flake ./hosts#laptop": {"hosts"},
		"nix flake check ./a/b/":                      {"a/b"},
		"cd examples/hello && nix build":              {"examples/hello"},
		"cd $DIR && nix build":                        nil,
		"nix build -L ./x":                            {"x"},
		"nix build nixpkgs#hello":                     nil,
		"echo ./README.md":                            nil,
		"nix build github:o/r#x ./y#z":                {"y"},
	} {
		if got := FlakeDirsInCommand(line); !slices.Equal(got, want) {
			t.Errorf("%q: got %q, want %q", line, got, want)
		}
	}
}
