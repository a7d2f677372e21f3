package dockerfile

import (
	"fmt"
	"strings"
	"testing"
)

// genDockerfiles makes n varied Dockerfiles: multi-stage builds with ARG,
// WORKDIR, COPY, heredoc and shell-form RUNs with cd, nesting and nix.
func genDockerfiles(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		var b strings.Builder
		fmt.Fprintf(&b, "ARG V=%d\nFROM nixos/nix:2.%d AS build\n", i, i%30)
		fmt.Fprintf(&b, "WORKDIR /src/p%d\n", i%7)
		if i%3 == 0 {
			b.WriteString("ENV NIX_CONFIG=\"experimental-features = nix-command flakes\"\n")
		}
		b.WriteString("COPY flake.nix flake.lock ./\nCOPY backend ./backend/\n")
		switch i % 4 {
		case 0:
			b.WriteString("RUN cd backend && cargo generate-lockfile && (cd .. && ls) | tee out.log\n")
		case 1:
			b.WriteString("RUN <<EOF\nset -e\ncd backend\nif [ -f x ]; then cargo build; else cargo fetch; fi\nEOF\n")
		case 2:
			b.WriteString("RUN --mount=type=cache,target=/root/.cargo nix --extra-experimental-features \"nix-command flakes\" develop --command bash -c \"cd backend && cargo build --release\"\n")
		case 3:
			b.WriteString("RUN [\"sh\", \"-c\", \"npm install && go mod tidy > /dev/null\"]\n")
		}
		b.WriteString("COPY . .\nRUN nix build .#backend -L\n")
		fmt.Fprintf(&b, "FROM debian:%d\nCOPY --from=build /src/p%d/result /opt/app\nRUN echo done > /etc/done\n", i%12, i%7)
		out[i] = []byte(b.String())
	}
	return out
}

func BenchmarkParse1000(b *testing.B) {
	files := genDockerfiles(1000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, src := range files {
			f, err := Parse("Dockerfile", src)
			if err != nil {
				b.Fatal(err)
			}
			for _, st := range f.Stages {
				for _, in := range st.Instrs {
					if in.Run != nil {
						NixInvocations(in.Run.Commands)
						in.Run.Generated(nil)
					}
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/dockerfile")
}

func TestGeneratedCorpusAnalyses(t *testing.T) {
	// The benchmark input is also a test: every file parses and its
	// cargo command is found in the right directory.
	for i, src := range genDockerfiles(8) {
		f := mustParse(t, string(src))
		run := instr(t, f, 0, "RUN", 0).Run
		if len(run.Commands) == 0 {
			t.Fatalf("file %d: no commands (%s)", i, run.ShellError)
		}
		if i%4 != 3 {
			c := find(t, run.Commands, "cargo")
			if want := fmt.Sprintf("/src/p%d/backend", i%7); c.Dir != want {
				t.Errorf("file %d: cargo dir %q, want %q", i, c.Dir, want)
			}
		}
	}
}
