package nix

import (
	"fmt"
	"strings"
	"testing"
)

// countingReader is a mapReader that is interrupted after `after` polls
// and counts the polls, and the files read, after that.
type countingReader struct {
	mapReader
	after             int
	polls, pollsAfter int
	reads, readsAfter int
}

func (r *countingReader) Interrupted() bool {
	r.polls++
	if r.polls > r.after {
		r.pollsAfter++
		return true
	}
	return false
}

func (r *countingReader) ReadFile(p string) ([]byte, error) {
	r.reads++
	if r.polls > r.after {
		r.readsAfter++
	}
	return r.mapReader.ReadFile(p)
}

// busyFlake is a committed flake that keeps the analysis busy: n
// attributes, each an application (a new environment) of a function
// holding a path, a list and imports.
func busyFlake(n int) mapReader {
	var b strings.Builder
	b.WriteString("{\n  outputs = { self }: let\n    f = n: { p = ./x; q = n; r = [ n n n ]; s = import ./m.nix; };\n  in { packages.x86_64-linux = {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    a%d = f %d;\n", i, i)
	}
	b.WriteString("  }; };\n}\n")
	return mapReader{"flake.nix": b.String(), "m.nix": "{ y = ./y; }"}
}

// TestAnalyzeInterrupted: issue 17 item 15. The analysis of a flake asks
// the Reader whether it was interrupted (every 4,096 tokens it parses,
// every 1,024 evaluation steps, before each file); once the answer is
// yes, it asks no more, reads no other file and returns. Uninterrupted,
// the same flake takes hundreds of polls.
func TestAnalyzeInterrupted(t *testing.T) {
	full := &countingReader{mapReader: busyFlake(50_000), after: 1 << 30}
	fl, _ := AnalyzeFlake("flake.nix", full)
	if full.polls < 100 || fl == nil || len(fl.Refs) == 0 {
		t.Fatalf("the busy flake took only %d polls (%d refs)", full.polls, len(fl.Refs))
	}
	for _, after := range []int{0, 5, full.polls / 2} {
		r := &countingReader{mapReader: busyFlake(50_000), after: after}
		fl, _ := AnalyzeFlake("flake.nix", r)
		if fl == nil {
			t.Fatal("nil flake")
		}
		if r.pollsAfter != 1 || r.readsAfter != 0 {
			t.Errorf("interrupted at poll %d: %d more polls after the first yes, %d files read after it (want 1 and 0)", after+1, r.pollsAfter, r.readsAfter)
		}
		if fl.Outputs.Complete {
			t.Errorf("interrupted at poll %d: the outputs claim to be complete", after+1)
		}
	}
}
