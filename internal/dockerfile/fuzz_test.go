package dockerfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	attempt3, attempt4, attempt5, finalSolution,
	"FROM alpine\nRUN <<EOF\ncd x\nEOF\n",
	"FROM alpine\nRUN <<A cat > f && <<B bash\na\nA\ncd /x && make\nB\n",
	"# escape=`\nFROM a\nRUN echo `\n  hi\n",
	"FROM a\n# check=skip=all\nRUN x\n",
	"FROM a AS b\nFROM b\nCOPY --from=b . .\nWORKDIR ..\n",
	"FROM a\nRUN bash -c \"sh -c 'cd y && nix develop -c bash -c \\\"cd z; cargo build\\\"'\"\n",
	"FROM a\nRUN [\"sh\", \"-c\", \"cd / && tee -a x\"]\n",
	"FROM a\nRUN f() { cd a; }; f; case x in y) cd b;; esac; while true; do cd c; done\n",
	"FROM a\nRUN --mount=type=cache,target=/x cargo build\n",
	"FROM a\nRUN echo $(cd x; echo > y) <(z) 2>&1 | tee /etc/nix/nix.conf\n",
	"FROM a\nRUN pushd a; popd; popd; cd -; cd ~\n",
	"ARG X\nFROM ${X:-a}\nCOPY $X ${X:?y} /\n",
	"COPPY a b\n",
	"",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("Dockerfile", src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		for _, st := range file.Stages {
			for i, in := range st.Instrs {
				_ = st.FlakesEnabledBefore(i)
				if in.Workdir != "" && !strings.HasPrefix(in.Workdir, "/") {
					t.Fatalf("relative workdir %q", in.Workdir)
				}
				if in.Copy != nil {
					for _, s := range in.Copy.Sources {
						in.Copy.Target(s)
						in.Copy.Target(s + "/x")
					}
				}
				if in.Run == nil {
					continue
				}
				for j, c := range in.Run.Commands {
					if c.Index != j || len(c.Args) != len(c.Dynamic) || len(c.Args) != len(c.Raw) {
						t.Fatalf("inconsistent command %+v", c)
					}
					if c.Dir != "" && !strings.HasPrefix(c.Dir, "/") {
						t.Fatalf("relative dir %q", c.Dir)
					}
					for _, p := range Generated(c, nil) {
						if !strings.HasPrefix(p, "/") {
							t.Fatalf("relative generated path %q", p)
						}
					}
					if len(c.Args) > 0 && c.Args[0] != "" {
						file.Span(c.Line, c.Args[0])
					}
				}
				NixInvocations(in.Run.Commands)
			}
		}
	})
}

func FuzzIgnore(f *testing.F) {
	for _, s := range []string{
		"target\n*.md\n!README.md\n", "docs\n!docs/keep.md\n*\n", "*\n!*/Cargo.lock\n", "\ufeff# c\n/a/../b\n",
		"!\n", "[\n", "**/x\n!**/y\n", "a\\\nb\n",
	} {
		f.Add([]byte(s), "docs/keep.md")
	}
	f.Fuzz(func(t *testing.T, data []byte, rel string) {
		ig, err := ParseIgnore(".dockerignore", data)
		if err != nil {
			var ie *IgnoreError
			if !errors.As(err, &ie) || ie.Line < 1 {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		ex := ig.Excluded(rel, false)
		ig.Excluded(rel, true)
		line, pat, ok := ig.Match(rel)
		if ok && (line < 1 || pat == "") {
			t.Fatalf("Match = %d %q", line, pat)
		}
		if ex && !ok {
			// Every exclusion must be explainable.
			t.Fatalf("excluded %q without a matching line (%s)", rel, fmt.Sprint(ig.Patterns))
		}
	})
}
