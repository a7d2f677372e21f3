package dockerfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// negativeAccepted lists testfiles-negative entries that BuildKit's own
// front end accepts. None today: empty_dockerfile and only_comments fail in
// parser.Parse, env_no_value and shykes-nested-json in instructions.Parse.
var negativeAccepted = map[string]bool{}

// positiveRejected lists testfiles entries (which only exercise
// parser.Parse) that instructions.Parse rejects, with the error line.
var positiveRejected = map[string]int{
	"flags":  3, // unknown flag: --user
	"health": 4, // HEALTHCHECK requires at least one argument
	// no FROM: "no build stage in current context"
	"jeztah-invalid-json-json-inside-string":        1,
	"jeztah-invalid-json-json-inside-string-double": 1,
	"jeztah-invalid-json-single-quotes":             1,
	"jeztah-invalid-json-unterminated-bracket":      1,
	"jeztah-invalid-json-unterminated-string":       1,
	"json": 1,
}

// TestCorpus parses BuildKit's parser test files (read in place, never
// copied): nothing panics, positive files parse and negative files give a
// *ParseError with a line.
func TestCorpus(t *testing.T) {
	dir := testenv.Corpus(t, "dockerfile-parser")
	pos, _ := filepath.Glob(filepath.Join(dir, "testfiles", "*", "Dockerfile"))
	neg, _ := filepath.Glob(filepath.Join(dir, "testfiles-negative", "*", "Dockerfile"))
	if len(pos) == 0 || len(neg) == 0 {
		t.Fatalf("corpus layout changed: %d positive, %d negative", len(pos), len(neg))
	}
	var okPos, cmds int
	for _, p := range pos {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(filepath.Dir(p))
		f, err := Parse(p, src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Errorf("%s: bad error %v", name, err)
			} else if want, ok := positiveRejected[name]; !ok || pe.Line != want {
				t.Errorf("%s: unexpected rejection %v", name, err)
			}
			continue
		}
		if _, ok := positiveRejected[name]; ok {
			t.Errorf("%s: expected a rejection", name)
		}
		okPos++
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if in.StartLine < 1 || in.EndLine < in.StartLine {
					t.Errorf("%s: %s lines %d-%d", name, in.Kind, in.StartLine, in.EndLine)
				}
				if in.Run != nil {
					cmds += len(in.Run.Commands)
					for _, c := range in.Run.Commands {
						if c.Line < in.StartLine || c.Line > in.EndLine {
							t.Errorf("%s: command %q line %d outside %d-%d", name, c.Args, c.Line, in.StartLine, in.EndLine)
						}
					}
				}
			}
		}
	}
	var failedNeg int
	for _, p := range neg {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(filepath.Dir(p))
		_, err = Parse(p, src)
		var pe *ParseError
		switch {
		case err == nil && negativeAccepted[name]:
		case err == nil:
			t.Errorf("%s: negative file parsed", name)
		case !errors.As(err, &pe) || pe.Line < 1:
			t.Errorf("%s: bad error %v", name, err)
		default:
			failedNeg++
			t.Logf("%s: %v", name, pe)
		}
	}
	t.Logf("positive: %d/%d parsed (%d RUN commands); negative: %d/%d rejected", okPos, len(pos), cmds, failedNeg, len(neg))
}
