package checks

import (
	"fmt"
	"testing"

	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
)

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
