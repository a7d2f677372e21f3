package dockerfile

import (
	"slices"
	"testing"
)

// The Dockerfiles of the incident report (Cargo.lock generation, attempts
// 3, 4, 5 and the final solution), completed with FROM/WORKDIR lines.

const attempt3 = `FROM nixos/nix AS backend-builder
WORKDIR /build
COPY . .
RUN if [ ! -f "backend/Cargo.lock" ]; then cargo generate-lockfile; fi
RUN nix build .#backend
`

const attempt4 = `FROM nixos/nix AS backend-builder
WORKDIR /build
COPY flake.nix flake.lock ./
COPY backend ./backend/
RUN cargo generate-lockfile
COPY . .
RUN nix build .#backend
`

const attempt5 = `FROM nixos/nix AS backend-builder
WORKDIR /build
COPY . .
RUN if [ ! -f "backend/Cargo.lock" ]; then cargo generate-lockfile; fi && nix build .#backend
`

const finalSolution = `FROM nixos/nix AS backend-builder
ARG backend_subdir=backend
WORKDIR /build
# Copy entire monorepo (to access flake.nix and backend directory)
COPY . .

# Build backend using Nix dev environment + cargo (avoids flake package issues)
RUN nix --extra-experimental-features "nix-command flakes" develop --command bash -c "cd $backend_subdir && cargo build --release"

FROM debian:bookworm-slim AS final
ARG backend_subdir=backend
# Copy built backend from cargo target directory
COPY --from=backend-builder /build/$backend_subdir/target/release /tmp/backend-result
RUN mkdir -p /opt/backend && \
    echo "Copying Rust backend binaries from cargo build..."; \
    find /tmp/backend-result -type f -executable ! -name "*.d" | while read binary; do \
        binary_name=$(basename "$binary"); \
        echo "Found backend binary: $binary_name"; \
        cp "$binary" "/opt/backend/$binary_name"; \
    done && \
    chmod +x /opt/backend/* 2>/dev/null || true && \
    rm -rf /tmp/backend-result
`

// rootAt is a cargo-root callback: every directory under root belongs to
// the Cargo workspace at root.
func rootAt(root string) func(string) (string, bool) {
	return func(dir string) (string, bool) {
		if dir == root || len(dir) > len(root) && dir[:len(root)+1] == root+"/" {
			return root, true
		}
		return "", false
	}
}

func TestIncidentAttempt3(t *testing.T) {
	f := mustParse(t, attempt3)
	st := f.Stages[0]
	gen := instr(t, f, 0, "RUN", 0)
	if gen.Workdir != "/build" {
		t.Errorf("workdir = %q", gen.Workdir)
	}
	c := find(t, gen.Run.Commands, "cargo", "generate-lockfile")
	if c.Dir != "/build" || c.Line != 4 {
		t.Errorf("cargo: dir %q line %d", c.Dir, c.Line)
	}
	// The lock lands where the callback says the workspace is.
	// /build is not inside /build/backend: the callback does not know it,
	// so the cwd is the root.
	if got := Generated(c, rootAt("/build/backend")); !slices.Equal(got, []string{"/build/Cargo.lock"}) {
		t.Errorf("Generated = %q", got)
	}
	// nix build .#backend: a flake package, no features, not in develop.
	nb := instr(t, f, 0, "RUN", 1)
	calls := NixInvocations(nb.Run.Commands)
	if len(calls) != 1 {
		t.Fatalf("calls = %+v", calls)
	}
	nc := calls[0]
	if nc.Sub != "build" || nc.FlakeRef != "." || nc.Attr != "backend" || !nc.HasAttr || nc.FeaturesFlag || nc.Cmd.InNixDevelop {
		t.Errorf("nix call = %+v", nc)
	}
	if st.FlakesEnabledBefore(nb.Index) {
		t.Error("flakes enabled without configuration")
	}
	// The earlier COPY . . transfers backend/Cargo.lock to /build/backend/Cargo.lock.
	cp := instr(t, f, 0, "COPY", 0).Copy
	if p, ok := cp.Target("backend/Cargo.lock"); !ok || p != "/build/backend/Cargo.lock" {
		t.Errorf("Target = %q %v", p, ok)
	}
}

func TestIncidentAttempt4(t *testing.T) {
	f := mustParse(t, attempt4)
	gen := instr(t, f, 0, "RUN", 0)
	c := find(t, gen.Run.Commands, "cargo", "generate-lockfile")
	// With a workspace at the context root the lock is /build/Cargo.lock …
	got := Generated(c, rootAt("/build"))
	if !slices.Equal(got, []string{"/build/Cargo.lock"}) {
		t.Fatalf("Generated = %q", got)
	}
	// … and the later COPY . . puts the context's Cargo.lock right there.
	later := instr(t, f, 0, "COPY", 2)
	if later.Index <= gen.Index {
		t.Fatal("order")
	}
	if p, ok := later.Copy.Target("Cargo.lock"); !ok || p != got[0] {
		t.Errorf("COPY . . Target(Cargo.lock) = %q %v, want %q", p, ok, got[0])
	}
	// The earlier COPY backend ./backend/ lands under /build/backend.
	early := instr(t, f, 0, "COPY", 1)
	if p, ok := early.Copy.Target("backend/Cargo.toml"); !ok || p != "/build/backend/Cargo.toml" {
		t.Errorf("COPY backend Target = %q %v", p, ok)
	}
	if _, ok := early.Copy.Target("Cargo.lock"); ok {
		t.Error("COPY backend must not transfer the root Cargo.lock")
	}
	// A callback placing the workspace in backend/ moves the lock there.
	cb := func(dir string) (string, bool) { return dir + "/backend", true }
	if got := Generated(c, cb); !slices.Equal(got, []string{"/build/backend/Cargo.lock"}) {
		t.Errorf("Generated with callback = %q", got)
	}
}

func TestIncidentAttempt5(t *testing.T) {
	f := mustParse(t, attempt5)
	run := instr(t, f, 0, "RUN", 0).Run
	cargo := find(t, run.Commands, "cargo", "generate-lockfile")
	nix := find(t, run.Commands, "nix", "build")
	if cargo.Index >= nix.Index {
		t.Errorf("order: cargo %d nix %d", cargo.Index, nix.Index)
	}
	if cargo.Dir != "/build" || nix.Dir != "/build" {
		t.Errorf("dirs %q %q", cargo.Dir, nix.Dir)
	}
	calls := NixInvocations(run.Commands)
	if len(calls) != 1 || calls[0].Attr != "backend" {
		t.Errorf("calls = %+v", calls)
	}
}

func TestIncidentFinalSolution(t *testing.T) {
	f := mustParse(t, finalSolution)
	if len(f.Stages) != 2 {
		t.Fatalf("stages = %d", len(f.Stages))
	}
	run := instr(t, f, 0, "RUN", 0)
	if run.StartLine != 8 {
		t.Errorf("RUN line %d", run.StartLine)
	}
	calls := NixInvocations(run.Run.Commands)
	if len(calls) != 1 {
		t.Fatalf("calls: %+v", calls)
	}
	nc := calls[0]
	if nc.Sub != "develop" || !nc.FeaturesFlag || nc.HasAttr || nc.FlakeRef != "." {
		t.Errorf("develop call = %+v", nc)
	}
	if !slices.Equal(nc.InnerCommand, []string{"bash", "-c", "cd backend && cargo build --release"}) {
		t.Errorf("inner = %q", nc.InnerCommand)
	}
	// $backend_subdir comes from the ARG, so the nested script is analysed.
	cb := find(t, run.Run.Commands, "cargo", "build")
	if !cb.InNixDevelop || cb.Dir != "/build/backend" || cb.Line != 8 {
		t.Errorf("cargo build = %+v", cb)
	}
	if got := Generated(cb, nil); !slices.Equal(got, []string{"/build/backend/Cargo.lock"}) {
		t.Errorf("Generated = %q", got)
	}
	// Final stage: COPY --from the builder, with the ARG expanded.
	cp := instr(t, f, 1, "COPY", 0).Copy
	if cp.From != "backend-builder" || cp.FromStage != f.Stages[0] || cp.FromContext() {
		t.Errorf("from = %q %p", cp.From, cp.FromStage)
	}
	if !slices.Equal(cp.Sources, []string{"/build/backend/target/release"}) || cp.Dest != "/tmp/backend-result" {
		t.Errorf("copy = %q → %q", cp.Sources, cp.Dest)
	}
	if p, ok := cp.Target("build/backend/target/release/app"); !ok || p != "/tmp/backend-result/app" {
		t.Errorf("Target = %q %v", p, ok)
	}
	// The shell loop: commands inside while get an unknown-safe dir (no cd).
	last := instr(t, f, 1, "RUN", 0)
	cpCmd := find(t, last.Run.Commands, "cp")
	if cpCmd.Line != 19 || cpCmd.Dir != "/" {
		t.Errorf("cp: line %d dir %q", cpCmd.Line, cpCmd.Dir)
	}
	rm := find(t, last.Run.Commands, "rm")
	if rm.Line != 22 {
		t.Errorf("rm line %d", rm.Line)
	}
	if f.Stages[1].FlakesEnabledBefore(0) {
		t.Error("debian stage has flakes")
	}
}
