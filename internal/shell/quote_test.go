package shell

import (
	"os/exec"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// TestQuote: sh reads every quoted word back as the word.
func TestQuote(t *testing.T) {
	testenv.Tool(t, "sh")
	for _, w := range []string{"", "plain", ".#backend", "#comment", "a b", "it's", `"$HOME"`, "`id`", "$(id)", "a\\b", "x\ny", "-_./:@%+=,"} {
		for _, q := range []byte{'\'', '"'} {
			for _, force := range []bool{false, true} {
				s := QuoteWith(w, q, force)
				out, err := exec.Command("sh", "-c", "printf %s "+s).Output()
				if err != nil || string(out) != w {
					t.Errorf("QuoteWith(%q, %c, %v) = %s: sh reads %q (%v)", w, q, force, s, out, err)
				}
			}
		}
	}
	if Quote("nix") != "nix" || Quote(".#x") != ".#x" || Quote("#x") != "'#x'" || Quote("a b") != "'a b'" {
		t.Errorf("Quote: %s %s %s %s", Quote("nix"), Quote(".#x"), Quote("#x"), Quote("a b"))
	}
	if got := Join([]string{"git", "add", "--", "a b"}); got != "git add -- 'a b'" {
		t.Errorf("Join: %s", got)
	}
}
