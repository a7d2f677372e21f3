package checks

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
)

// runRules opens the test repository and runs the given rules on it.
func dockerRunRules(t testing.TB, r *testenv.Repo, rules ...*Rule) []diag.Diagnostic {
	t.Helper()
	rp, err := repo.Open(repo.Options{Dir: r.Dir, Env: r.Env})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(snapshot.New(rp, nil), rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Diagnostics
}

func dockerOnly(ds []diag.Diagnostic, rule string) []diag.Diagnostic {
	var out []diag.Diagnostic
	for _, d := range ds {
		if d.Rule == rule {
			out = append(out, d)
		}
	}
	return out
}

// TestDockerCorpus runs the Dockerfile rules over BuildKit's parser test
// files, copied into a scratch repository: nothing panics, and every file
// dockerfile.Parse rejects gives exactly one LG901 with a line.
func TestDockerCorpus(t *testing.T) {
	dir := testenv.Corpus(t, "dockerfile-parser")
	var files []string
	for _, sub := range []string{"testfiles", "testfiles-negative"} {
		m, _ := filepath.Glob(filepath.Join(dir, sub, "*", "Dockerfile"))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("corpus has no Dockerfiles")
	}
	r := testenv.NewRepo(t)
	rejected := map[string]int{}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r.Write(rel, string(data))
		if _, err := dockerfile.Parse(rel, data); err != nil {
			var pe *dockerfile.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%s: %v is not a *ParseError", rel, err)
			}
			rejected[rel] = 0
		}
	}
	r.Commit("corpus")
	ds := dockerRunRules(t, r, ParseErrorRule, DockerCopyClobbersGenerated, DockerCopySourceUncommitted, NixFlakesNotEnabled)
	for _, d := range ds {
		if d.Rule != "LG901" {
			continue
		}
		n, ok := rejected[d.Path]
		if !ok {
			t.Errorf("LG901 on %s, which parses: %s", d.Path, d.Message)
			continue
		}
		if d.Line < 1 {
			t.Errorf("%s: LG901 at line %d", d.Path, d.Line)
		}
		rejected[d.Path] = n + 1
	}
	for p, n := range rejected {
		if n != 1 {
			t.Errorf("%s: %d LG901 findings, want 1", p, n)
		}
	}
	t.Logf("%d Dockerfiles, %d rejected, %d findings", len(files), len(rejected), len(ds))
}

// TestDockerParseErrors: a broken Dockerfile, compose file or .dockerignore
// is LG901 (also when only LG901 is selected); the other files are checked.
func TestDockerParseErrors(t *testing.T) {
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{
		"bad/Dockerfile":         "FROM alpine\nRUN echo hi\nFROBNICATE x\n",
		"compose.yml":            "services:\n  api:\n    build: [\n",
		"ig/Dockerfile":          "FROM alpine\nCOPY a.txt ./\n",
		"ig/.dockerignore":       "ok\n!\n",
		"good/Dockerfile":        "FROM nixos/nix\nRUN nix build .#x\n",
		"good/Dockerfile.second": "FROM nixos/nix\nRUN nix --extra-experimental-features 'nix-command flakes' build\n",
	})
	r.Commit("init")
	ds := dockerRunRules(t, r, ParseErrorRule)
	got := map[string]int{}
	for _, d := range ds {
		got[d.Path] = d.Line
	}
	want := map[string]int{"bad/Dockerfile": 3, "compose.yml": 3, "ig/.dockerignore": 2}
	for p, line := range want {
		if l, ok := got[p]; !ok || l != line {
			t.Errorf("LG901 on %s: line %d (found %v), want line %d; all: %v", p, l, ok, line, ds)
		}
	}
	if len(ds) != len(want) {
		t.Errorf("got %d findings, want %d: %v", len(ds), len(want), ds)
	}
	ds = dockerRunRules(t, r, NixFlakesNotEnabled)
	if len(ds) != 1 || ds[0].Path != "good/Dockerfile" || ds[0].Line != 2 {
		t.Errorf("LG402: %v", ds)
	}
}

// TestDockerCopyForms covers COPY forms for LG301: a glob source, a single
// file to a file destination, --parents, a multi-stage FROM, a cache mount
// and an IfMissing generator whose file the context already brought.
func TestDockerCopyForms(t *testing.T) {
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{
		"Cargo.toml":  "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
		"Cargo.lock":  "version = 4\n\n[[package]]\nname = \"x\"\nversion = \"0.1.0\"\n",
		"config.json": "{}\n",
		"Dockerfile": strings.Join([]string{
			"FROM rust AS base", // 1
			"WORKDIR /app",
			"COPY Cargo.toml ./",
			"RUN cargo generate-lockfile",
			"COPY *.lock ./", // 5: LG301 (glob)
			"RUN echo '{}' > /etc/app.json",
			"COPY config.json /etc/app.json", // 7: LG301 (file to file)
			"RUN --mount=type=cache,target=/cache cd /cache && cargo generate-lockfile",
			"COPY . /cache/", // 9: silent (generated into a mount)
			"RUN cargo build",
			"COPY . .", // 11: silent (cargo build keeps the lock the COPY at 5 brought)
			"RUN cargo update",
			"FROM base AS child",
			"COPY Cargo.lock /app/Cargo.lock", // 14: LG301 (generated in the parent stage)
			"COPY Cargo.lock /app/Cargo.lock", // 15: silent (already overwritten)
		}, "\n") + "\n",
	})
	r.Commit("init")
	ds := dockerOnly(dockerRunRules(t, r, DockerCopyClobbersGenerated), "LG301")
	var lines []string
	for _, d := range ds {
		lines = append(lines, fmt.Sprint(d.Line))
		if d.Fix == nil || d.Fix.Applicability != diag.Unsafe || len(d.Related) != 1 {
			t.Errorf("line %d: fix %v related %v", d.Line, d.Fix, d.Related)
		}
	}
	if got := strings.Join(lines, ","); got != "5,7,14" {
		t.Errorf("LG301 at lines %s, want 5,7,14: %v", got, ds)
	}
}

// TestDockerContextsFromCompose: `build: dir` form, a context shared by two
// Dockerfiles, and a Dockerfile checked in two contexts.
func TestDockerContextsFromCompose(t *testing.T) {
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{
		"docker-compose.yml":  "services:\n  web:\n    build: web\n  alt:\n    build:\n      context: alt\n      dockerfile: ../web/Dockerfile\n",
		"web/Dockerfile":      "FROM alpine\nCOPY only-in-web.txt /\n",
		"web/only-in-web.txt": "",
		"alt/other.txt":       "",
	})
	r.Commit("init")
	ds := dockerOnly(dockerRunRules(t, r, DockerCopySourceUncommitted), "LG303")
	if len(ds) != 1 || !strings.Contains(ds[0].Message, "alt/only-in-web.txt") || len(ds[0].Related) != 1 ||
		ds[0].Related[0].Path != "docker-compose.yml" || ds[0].Related[0].Line != 7 || !strings.Contains(ds[0].Related[0].Message, "compose service alt") {
		t.Errorf("want one LG303 for the alt context: %v", ds)
	}
}

// BenchmarkDockerRules runs LG301, LG303 and LG402 over 1,000 generated
// Dockerfiles (with findings of each rule) in a scratch repository.
func BenchmarkDockerRules(b *testing.B) {
	const n = 1000
	r := testenv.NewRepo(b)
	for i := range n {
		d := fmt.Sprintf("svc/s%04d", i)
		r.Write(d+"/backend/Cargo.toml", fmt.Sprintf("[package]\nname = \"s%d\"\nversion = \"0.1.0\"\n", i))
		r.Write(d+"/backend/Cargo.lock", fmt.Sprintf("version = 4\n\n[[package]]\nname = \"s%d\"\nversion = \"0.1.0\"\n", i))
		r.Write(d+"/flake.nix", "{ outputs = { self }: { }; }\n")
		r.Write(d+"/.dockerignore", "*.tmp\ntarget/\n")
		r.Write(d+"/Dockerfile", fmt.Sprintf(`FROM nixos/nix:2.24.0 AS build
ARG n=%d
WORKDIR /build
COPY flake.nix flake.lock ./
COPY backend ./backend/
RUN cd backend && cargo generate-lockfile && cargo build --release
COPY . .
RUN nix build .#backend && echo done > /build/done.txt
RUN bash -c "nix develop --command cargo test"

FROM debian:bookworm-slim
COPY --from=build /build/backend/target/release/s$n /usr/local/bin/
RUN apt-get update && apt-get install -y ca-certificates > /dev/null
`, i))
	}
	r.Commit("bench")
	rp, err := repo.Open(repo.Options{Dir: r.Dir, Env: r.Env})
	if err != nil {
		b.Fatal(err)
	}
	rules := []*Rule{DockerCopyClobbersGenerated, DockerCopySourceUncommitted, NixFlakesNotEnabled}
	b.ResetTimer()
	var found int
	for b.Loop() {
		res, err := Run(snapshot.New(rp, nil), rules, Options{})
		if err != nil {
			b.Fatal(err)
		}
		found = len(res.Diagnostics)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/Dockerfile")
	if found < 3*n {
		b.Fatalf("only %d findings", found)
	}
}

// TestIgnorePatternRoundTrip: LG301's .dockerignore entry, read back by
// the .dockerignore parser (moby's patternmatcher), excludes exactly the
// path — also one starting with "!" (an exception otherwise) or "#" (a
// comment otherwise), or holding glob characters — and a path no line can
// name (a line break, surrounding white space) gets no entry (issue 17
// item 3).
func TestIgnorePatternRoundTrip(t *testing.T) {
	for _, rel := range []string{"Cargo.lock", "!gen/Cargo.lock", "#x/Cargo.lock", "a*b?/[c]/Cargo.lock", `back\slash/Cargo.lock`, "dir/!x", "dir/#y", "sp ace/Cargo.lock", "trail /Cargo.lock"} {
		pat, ok := ignorePattern(rel)
		if !ok {
			t.Errorf("%q: refused", rel)
			continue
		}
		ig, err := dockerfile.ParseIgnore(".dockerignore", []byte("keep.txt\n"+pat+"\n"))
		if err != nil {
			t.Errorf("%q: line %q does not parse: %v", rel, pat, err)
			continue
		}
		if !ig.Excluded(rel, false) {
			t.Errorf("%q: line %q does not exclude it", rel, pat)
		}
		for _, other := range []string{"other.txt", "gen/Cargo.lock", "x/Cargo.lock", "aXbY/c/Cargo.lock"} {
			if other != rel && ig.Excluded(other, false) {
				t.Errorf("%q: line %q also excludes %q", rel, pat, other)
			}
		}
	}
	for _, rel := range []string{"new\nline/Cargo.lock", "cr\r/Cargo.lock", " lead/Cargo.lock", "Cargo.lock "} {
		if pat, ok := ignorePattern(rel); ok {
			t.Errorf("%q: got line %q, want a refusal", rel, pat)
		}
	}
}
