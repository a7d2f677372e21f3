package snapshot

import (
	"math/rand"
	"regexp"
	"testing"
)

// TestMentionsNix: the byte scan agrees with the regular expression it
// replaced, on hand-picked and random inputs.
func TestMentionsNix(t *testing.T) {
	oracle := regexp.MustCompile(`\bnix\b|use flake|nix-build|nix-shell`)
	cases := []string{"", "nix", "unix", "nixos", "nix-build .", "run nix build", "x_nix", "linux", "use flake", "use  flake",
		"Nix", "nix_", "(nix)", "nix\n", "nixnix nix", "onix nix2 nix", "é nix", "\xffnix\xff", "nix-shell", "nixpkgs.nix"}
	r := rand.New(rand.NewSource(1))
	alphabet := []byte("nix _-use flake\n\xc3\xa9a1")
	for i := 0; i < 20000; i++ {
		b := make([]byte, r.Intn(24))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		if got, want := mentionsNix([]byte(c)), oracle.MatchString(c); got != want {
			t.Errorf("mentionsNix(%q) = %v, the regular expression says %v", c, got, want)
		}
	}
}
