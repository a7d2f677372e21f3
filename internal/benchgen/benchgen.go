// Package benchgen generates realistic monorepos for benchmarks: Cargo
// workspaces and standalone roots with path and registry dependencies,
// flakes that import .nix files and read the Cargo locks, Dockerfiles with
// .dockerignore files, scripts and CI workflows that call nix, filler
// source files, and a configurable share of defects of every rule family.
// It writes the files in parallel and commits them with one `git add -A`.
// The output is deterministic for a given Options.Seed.
package benchgen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options describe the repository to generate.
type Options struct {
	Files      int     // tracked files in total (about; never fewer than the structure needs)
	CargoRoots int     // Cargo roots (standalone packages and workspaces); 0: Files/100
	Flakes     int     // flake projects; 0: max(1, Files/1000); <0: none
	Defects    float64 // share of roots, flakes, Dockerfiles and scripts with a defect
	Seed       uint64
	Env        []string // environment for git (nil: os.Environ())
}

// Stats says what was generated.
type Stats struct {
	Files       int // tracked files
	Untracked   int // files left untracked or ignored on purpose
	Roots       int // Cargo roots
	Flakes      int
	Dockerfiles int
	Scripts     int // scripts/*.sh and .github/workflows/*.yml calling nix
	// Missing counts Cargo roots without a lock (also in Defects["LG101"]).
	Missing int
	// Defects counts the planted defects by kind: the rule that should
	// report them ("LG101", …) or a descriptive name for rules still to come
	// ("nix-missing-package", "script-nix-features").
	Defects map[string]int
}

func (s Stats) String() string {
	kinds := make([]string, 0, len(s.Defects))
	for k := range s.Defects {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var d []string
	n := 0
	for _, k := range kinds {
		d = append(d, fmt.Sprintf("%s=%d", k, s.Defects[k]))
		n += s.Defects[k]
	}
	return fmt.Sprintf("files=%d untracked=%d cargo-roots=%d flakes=%d dockerfiles=%d scripts=%d defects=%d (%s)",
		s.Files, s.Untracked, s.Roots, s.Flakes, s.Dockerfiles, s.Scripts, n, strings.Join(d, " "))
}

type file struct{ path, content string }

type gen struct {
	o     Options
	rng   *rand.Rand
	files []file // tracked
	later []file // written after the commit: untracked or ignored
	crate []string
	st    Stats
}

func (g *gen) add(p, c string)      { g.files = append(g.files, file{p, c}) }
func (g *gen) addLater(p, c string) { g.later = append(g.later, file{p, c}) }

// defect decides whether the next unit is defective, and which of kinds.
// It always draws the same random numbers, so that adding a kind does not
// reshuffle the rest of the repository.
func (g *gen) defect(kinds ...string) string {
	hit := g.rng.Float64() < g.o.Defects
	k := kinds[g.rng.IntN(len(kinds))]
	if !hit {
		return ""
	}
	g.st.Defects[k]++
	return k
}

// Generate writes and commits the repository in dir (which must exist and be empty).
func Generate(dir string, o Options) (Stats, error) {
	if o.CargoRoots == 0 {
		o.CargoRoots = max(o.Files/100, 1)
	}
	if o.Flakes == 0 {
		o.Flakes = max(o.Files/1000, 1)
	}
	g := &gen{o: o, rng: rand.New(rand.NewPCG(o.Seed, 7)), st: Stats{Defects: map[string]int{}}}
	g.add(".gitignore", "target/\nresult\nresult-*\n.direnv/\n*.swp\n")
	flakes := max(o.Flakes, 0)
	for i := range flakes {
		g.flakeProject(i)
	}
	for i := flakes; i < o.CargoRoots; i++ {
		if i%3 == 0 {
			g.workspace(fmt.Sprintf("workspaces/ws%04d", i), fmt.Sprintf("ws%04d", i), 2+i%3, "")
		} else {
			g.standalone(fmt.Sprintf("services/svc%04d", i), fmt.Sprintf("svc%04d", i), i%5 == 0)
		}
	}
	g.fill()
	g.st.Files = len(g.files)
	g.st.Untracked = len(g.later)
	return g.st, g.commit(dir)
}

// GenerateFix writes and commits a repository with n independent Cargo
// workspaces (two members joined by a path dependency, no registry
// dependency) that have no Cargo.lock: `lockguard fix` generates n locks
// offline. Roots are roots/rNN. Nothing in the repository builds them, so
// its lockguard.toml asks for every root's lock (require-lock = "all-roots").
func GenerateFix(dir string, n int, env []string) error {
	g := &gen{o: Options{Env: env}, rng: rand.New(rand.NewPCG(1, 7)), st: Stats{Defects: map[string]int{}}}
	g.add(".gitignore", "target/\n")
	g.add("lockguard.toml", "[cargo]\nrequire-lock = \"all-roots\"\n")
	for i := range n {
		root := fmt.Sprintf("roots/r%02d", i)
		name := fmt.Sprintf("fix%02d", i)
		g.add(root+"/Cargo.toml", "[workspace]\nmembers = [\"app\", \"core\"]\nresolver = \"2\"\n")
		g.add(root+"/app/Cargo.toml", fmt.Sprintf("[package]\nname = \"%s-app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n%s-core = { path = \"../core\" }\n", name, name))
		g.add(root+"/app/src/main.rs", "fn main() {}\n")
		g.add(root+"/core/Cargo.toml", fmt.Sprintf("[package]\nname = \"%s-core\"\nversion = \"0.1.0\"\nedition = \"2021\"\n", name))
		g.add(root+"/core/src/lib.rs", "pub fn core() {}\n")
	}
	return g.commit(dir)
}

// registry is the registry crates manifests depend on: the requirement
// written in manifests and the version the committed lock holds.
var registry = []struct{ name, req, locked string }{
	{"serde", "1.0", "1.0.203"},
	{"anyhow", "1", "1.0.86"},
	{"tokio", "1.38", "1.38.0"},
	{"rand", "0.8", "0.8.5"},
	{"log", "0.4.20", "0.4.21"},
	{"thiserror", "1.0", "1.0.61"},
	{"regex", "1.10", "1.10.5"},
	{"once_cell", "1.19", "1.19.0"},
	{"bytes", "1", "1.6.0"},
	{"itoa", "1.0", "1.0.11"},
}

const registrySource = "registry+https://github.com/rust-lang/crates.io-index"

func checksum(name, version string) string {
	h := sha256.Sum256([]byte(name + "@" + version))
	return hex.EncodeToString(h[:])
}

// lockPkg is one [[package]] of a Cargo.lock.
type lockPkg struct {
	name, version, source string
	deps                  []string
}

func renderLock(pkgs []lockPkg) string {
	slices.SortFunc(pkgs, func(a, b lockPkg) int { return strings.Compare(a.name, b.name) })
	pkgs = slices.CompactFunc(pkgs, func(a, b lockPkg) bool { return a.name == b.name })
	var b strings.Builder
	b.WriteString("# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n")
	for _, p := range pkgs {
		fmt.Fprintf(&b, "\n[[package]]\nname = %q\nversion = %q\n", p.name, p.version)
		if p.source != "" {
			fmt.Fprintf(&b, "source = %q\nchecksum = %q\n", p.source, checksum(p.name, p.version))
		}
		if len(p.deps) > 0 {
			d := slices.Clone(p.deps)
			slices.Sort(d)
			b.WriteString("dependencies = [\n")
			for _, x := range slices.Compact(d) {
				fmt.Fprintf(&b, " %q,\n", x)
			}
			b.WriteString("]\n")
		}
	}
	return b.String()
}

// regDeps picks k registry crates for a package.
func (g *gen) regDeps(k int) []int {
	perm := g.rng.Perm(len(registry))
	return perm[:k]
}

// cargoDefects are the Cargo lock defects (LG101, LG102 untracked or
// ignored, LG103).
var cargoDefects = []string{"LG101", "LG102", "LG102-ignored", "LG103"}

// finishLock writes root's lock according to the defect.
func (g *gen) finishLock(root, lock, defect string) {
	g.st.Roots++
	switch defect {
	case "LG101":
		g.st.Missing++
	case "LG102":
		g.addLater(root+"/Cargo.lock", lock)
	case "LG102-ignored":
		g.add(root+"/.gitignore", "# local builds\n/target\nCargo.lock\n")
		g.addLater(root+"/Cargo.lock", lock)
	default:
		g.add(root+"/Cargo.lock", lock)
	}
}

// workspace writes a Cargo workspace at root with n members under crates/:
// member i depends on member i+1 by path, and on registry crates (one of
// them inherited from [workspace.dependencies]). defect "" draws one.
func (g *gen) workspace(root, prefix string, n int, defect string) {
	if defect == "" {
		defect = g.defect(cargoDefects...)
	}
	var m strings.Builder
	if g.rng.IntN(2) == 0 {
		m.WriteString("[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n")
	} else {
		m.WriteString("[workspace]\nresolver = \"2\"\nmembers = [\n")
		for i := range n {
			fmt.Fprintf(&m, "  \"crates/m%d\",\n", i)
		}
		m.WriteString("]\n")
	}
	m.WriteString("\n[workspace.dependencies]\nserde = { version = \"1.0\", features = [\"derive\"] }\n")
	m.WriteString("\n[profile.release]\nlto = true\n")
	g.add(root+"/Cargo.toml", m.String())
	pkgs := []lockPkg{{name: "serde", version: "1.0.203", source: registrySource}}
	stale := defect == "LG103"
	for i := range n {
		name := fmt.Sprintf("%s-m%d", prefix, i)
		dir := fmt.Sprintf("%s/crates/m%d", root, i)
		var b strings.Builder
		fmt.Fprintf(&b, "[package]\nname = %q\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n", name)
		lp := lockPkg{name: name, version: "0.1.0", deps: []string{"serde"}}
		b.WriteString("serde = { workspace = true }\n")
		if i+1 < n {
			dep := fmt.Sprintf("%s-m%d", prefix, i+1)
			fmt.Fprintf(&b, "%s = { path = \"../m%d\" }\n", dep, i+1)
			lp.deps = append(lp.deps, dep)
		}
		for _, r := range g.regDeps(2) {
			c := registry[r]
			if c.name == "serde" {
				continue
			}
			fmt.Fprintf(&b, "%s = %q\n", c.name, c.req)
			lp.deps = append(lp.deps, c.name)
			pkgs = append(pkgs, lockPkg{name: c.name, version: c.locked, source: registrySource})
		}
		if stale && i == n-1 {
			b.WriteString("uuid = { version = \"1.8\", features = [\"v4\"] }\n") // not in the lock
		}
		pkgs = append(pkgs, lp)
		g.add(dir+"/Cargo.toml", b.String())
		if i == 0 {
			g.add(dir+"/src/main.rs", "fn main() {\n    println!(\"hello\");\n}\n")
		} else {
			g.add(dir+"/src/lib.rs", "pub fn run() -> u32 {\n    42\n}\n")
		}
		g.crate = append(g.crate, dir)
	}
	g.finishLock(root, renderLock(pkgs), defect)
}

// standalone writes a package no workspace claims, with registry deps and
// a dev-dependency; docker adds a Dockerfile that builds it.
func (g *gen) standalone(root, name string, docker bool) {
	defect := g.defect(cargoDefects...)
	var b strings.Builder
	fmt.Fprintf(&b, "[package]\nname = %q\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n", name)
	lp := lockPkg{name: name, version: "0.1.0"}
	var pkgs []lockPkg
	for j, r := range g.regDeps(3) {
		c := registry[r]
		req := c.req
		if defect == "LG103" && j == 0 {
			req = c.locked + "9" // above the locked version
		}
		fmt.Fprintf(&b, "%s = %q\n", c.name, req)
		lp.deps = append(lp.deps, c.name)
		pkgs = append(pkgs, lockPkg{name: c.name, version: c.locked, source: registrySource})
	}
	b.WriteString("\n[dev-dependencies]\nitoa = \"1.0\"\n")
	lp.deps = append(lp.deps, "itoa")
	pkgs = append(pkgs, lockPkg{name: "itoa", version: "1.0.11", source: registrySource}, lp)
	g.add(root+"/Cargo.toml", b.String())
	g.add(root+"/src/main.rs", "fn main() {}\n")
	g.crate = append(g.crate, root)
	g.finishLock(root, renderLock(pkgs), defect)
	if docker {
		g.dockerfile(root, "", name)
	}
}

// flakeProject writes projects/pNNN: a flake importing ./nix/*.nix and
// building ./backend (a Cargo workspace) with cargoLock.lockFile, a
// Dockerfile and .dockerignore, and scripts and a workflow calling nix.
func (g *gen) flakeProject(i int) {
	dir := fmt.Sprintf("projects/p%03d", i)
	name := fmt.Sprintf("p%03d", i)
	g.st.Flakes++
	// The backend's lock defects are flake defects too (LG201, LG204).
	g.workspace(dir+"/backend", name, 3, "")
	defect := g.defect("LG201", "LG202", "LG203", "LG205")
	extraImport := ""
	switch defect {
	case "LG201":
		// A file read by the flake exists but is untracked.
		g.addLater(dir+"/VERSION", "0.1.0\n")
		extraImport = "      lib.version = nixpkgs.lib.fileContents ./VERSION;\n"
	case "LG202":
		extraImport = "      lib.extra = import ./nix/missing.nix;\n"
	case "LG205":
		g.addLater(dir+"/nix/tools.nix", "{ pkgs }: [ pkgs.jq pkgs.ripgrep ]\n")
		extraImport = "      lib.tools = import ./nix/tools.nix;\n"
	}
	flake := fmt.Sprintf(`{
  description = "%s: backend, dev shell and image";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  };

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      overlay = import ./nix/overlay.nix;
    in
    {
      overlays.default = overlay;
%s
      packages = forAllSystems (pkgs: {
        backend = pkgs.rustPlatform.buildRustPackage {
          pname = "%s-backend";
          version = "0.1.0";
          src = ./backend;
          cargoLock.lockFile = ./backend/Cargo.lock;
        };
        docs = pkgs.callPackage ./nix/docs.nix { };
        default = self.packages.${pkgs.system}.backend;
      });

      devShells = forAllSystems (pkgs: {
        default = import ./nix/shell.nix { inherit pkgs; };
      });
    };
}
`, name, extraImport, name)
	g.add(dir+"/flake.nix", flake)
	if defect != "LG203" {
		g.add(dir+"/flake.lock", fmt.Sprintf(`{
  "nodes": {
    "nixpkgs": {
      "locked": {
        "lastModified": 1720535198,
        "narHash": "sha256-%s=",
        "owner": "NixOS",
        "repo": "nixpkgs",
        "rev": "%s",
        "type": "github"
      },
      "original": {
        "owner": "NixOS",
        "ref": "nixos-24.05",
        "repo": "nixpkgs",
        "type": "github"
      }
    },
    "root": {
      "inputs": {
        "nixpkgs": "nixpkgs"
      }
    }
  },
  "root": "root",
  "version": 7
}
`, checksum(name, "nar")[:43], checksum(name, "rev")[:40]))
	}
	g.add(dir+"/nix/overlay.nix", "final: prev: {\n  "+name+"-tools = prev.callPackage ./docs.nix { };\n}\n")
	g.add(dir+"/nix/shell.nix", "{ pkgs }:\npkgs.mkShell {\n  packages = [ pkgs.cargo pkgs.rustc pkgs.rust-analyzer pkgs.clippy ];\n  RUST_BACKTRACE = \"1\";\n}\n")
	g.add(dir+"/nix/docs.nix", "{ stdenvNoCC, mdbook }:\nstdenvNoCC.mkDerivation {\n  name = \"docs\";\n  src = ../docs;\n  nativeBuildInputs = [ mdbook ];\n  buildPhase = \"mdbook build\";\n  installPhase = \"cp -r book $out\";\n}\n")
	g.add(dir+"/docs/book.toml", "[book]\ntitle = \""+name+"\"\n")
	g.add(dir+"/docs/src/SUMMARY.md", "# Summary\n\n- [Intro](intro.md)\n")
	g.dockerfile(dir, "backend", name)
	g.scripts(dir, name)
}

// dockerfile writes dir/Dockerfile and dir/.dockerignore building the Cargo
// workspace in dir/sub ("" = dir itself), with a nix stage when sub != "".
func (g *gen) dockerfile(dir, sub, name string) {
	g.st.Dockerfiles++
	kinds := []string{"LG301", "LG303", "LG303-dockerignored", "LG402", "nix-missing-package"}
	if sub == "" {
		kinds = kinds[:3] // no nix stage
	}
	defect := g.defect(kinds...)
	src := "."
	wd := "/src"
	if sub != "" {
		src, wd = sub, "/src/"+sub
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# syntax=docker/dockerfile:1\nFROM rust:1.79-bookworm AS build\nWORKDIR %s\n", wd)
	if defect == "LG301" {
		// The lock generated here is overwritten by the host's (or lack of one).
		fmt.Fprintf(&b, "COPY %s/Cargo.toml ./\nRUN cargo generate-lockfile\nCOPY %s/ ./\n", src, src)
	} else {
		fmt.Fprintf(&b, "COPY %s/Cargo.toml %s/Cargo.lock ./\nRUN --mount=type=cache,target=/usr/local/cargo/registry cargo fetch --locked\nCOPY %s/ ./\n", src, src, src)
	}
	b.WriteString("RUN --mount=type=cache,target=/usr/local/cargo/registry cargo build --release --locked\n")
	switch defect {
	case "LG303":
		g.addLater(dir+"/config/app.toml", "port = 8080\n")
		b.WriteString("COPY config/app.toml /etc/app.toml\n")
	case "LG303-dockerignored":
		g.add(dir+"/assets/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n")
		b.WriteString("COPY assets /srv/assets\n")
	}
	if sub != "" {
		b.WriteString("\nFROM nixos/nix:2.24.0 AS nix\nWORKDIR /src\n")
		if defect != "LG402" {
			b.WriteString("ENV NIX_CONFIG=\"experimental-features = nix-command flakes\"\n")
		}
		fmt.Fprintf(&b, "COPY flake.nix flake.lock ./\nCOPY nix ./nix\nCOPY docs ./docs\nCOPY %s ./%s\n", sub, sub)
		pkg := "backend"
		if defect == "nix-missing-package" {
			pkg = "frontend" // not among the flake's packages
		}
		fmt.Fprintf(&b, "RUN nix build .#%s -L && cp -rL result /out\n", pkg)
	}
	fmt.Fprintf(&b, "\nFROM debian:bookworm-slim\nCOPY --from=build %s/target/release/%s /usr/local/bin/app\nENTRYPOINT [\"/usr/local/bin/app\"]\n", wd, name)
	g.add(path.Join(dir, "Dockerfile"), b.String())
	ign := "target\n**/target\n.git\nresult\n*.md\n"
	if defect == "LG303-dockerignored" {
		ign += "assets\n"
	}
	g.add(path.Join(dir, ".dockerignore"), ign)
}

// scripts writes dir/scripts/*.sh and a workflow calling nix.
func (g *gen) scripts(dir, name string) {
	g.st.Scripts += 3
	features := "--extra-experimental-features 'nix-command flakes' "
	build := features
	pkg := "backend"
	switch g.defect("script-nix-features", "nix-missing-package") {
	case "script-nix-features":
		build = ""
	case "nix-missing-package":
		pkg = "server"
	}
	g.add(dir+"/scripts/build.sh", fmt.Sprintf("#!/usr/bin/env bash\nset -euo pipefail\ncd \"$(dirname \"$0\")/..\"\nnix %sbuild .#%s -L\nls -l result/bin\n", build, pkg))
	g.add(dir+"/scripts/dev.sh", fmt.Sprintf("#!/usr/bin/env bash\nset -euo pipefail\ncd \"$(dirname \"$0\")/..\"\nexec nix %sdevelop --command cargo run --manifest-path backend/Cargo.toml\n", features))
	g.add(fmt.Sprintf(".github/workflows/%s.yml", name), fmt.Sprintf(`name: %s
on:
  push:
    paths: ["%s/**"]
  pull_request:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: cachix/install-nix-action@v27
      - run: nix %sbuild ./%s#%s -L
      - run: nix flake check ./%s
`, name, dir, build, dir, pkg, dir))
}

// fill adds source files to the crates and documentation until the
// repository has o.Files tracked files.
func (g *gen) fill() {
	n := 0
	for len(g.files) < g.o.Files {
		if len(g.crate) > 0 && n%4 != 3 {
			c := g.crate[(n/4)%len(g.crate)]
			g.add(fmt.Sprintf("%s/src/mod%05d.rs", c, n), fmt.Sprintf("//! Module %d.\n\npub fn f%d(x: u64) -> u64 {\n    x.wrapping_mul(%d)\n}\n", n, n, n%97+1))
		} else {
			g.add(fmt.Sprintf("docs/s%03d/page%05d.md", n/800, n), fmt.Sprintf("# Page %d\n\nSee [the index](../index.md).\n", n))
		}
		n++
	}
}

// commit writes the tracked files, commits them with one `git add -A`,
// then writes the untracked and ignored ones.
func (g *gen) commit(dir string) error {
	if err := writeAll(dir, g.files); err != nil {
		return err
	}
	lastWrite := time.Now()
	git := func(args ...string) error {
		cmd := exec.Command("git", append([]string{"-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false", "-c", "gc.auto=0"}, args...)...)
		cmd.Dir = dir
		cmd.Env = g.o.Env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := git("init", "-q", "-b", "main"); err != nil {
		return err
	}
	if err := git("add", "-A"); err != nil {
		return err
	}
	if err := git("-c", "user.name=bench", "-c", "user.email=bench@lockguard.invalid", "commit", "-q", "--no-verify", "-m", "generated"); err != nil {
		return err
	}
	if err := writeAll(dir, g.later); err != nil {
		return err
	}
	// Files written in the same second as the index are "racily clean":
	// git would re-hash them on every status. Refresh once when the clock
	// has moved on, so that timings measure the steady state.
	if d := time.Until(lastWrite.Add(1100 * time.Millisecond)); d > 0 {
		time.Sleep(d)
	}
	return git("update-index", "-q", "--really-refresh")
}

// writeAll writes files below dir: directories first, then the files on
// several goroutines.
func writeAll(dir string, files []file) error {
	dirs := map[string]bool{}
	for _, f := range files {
		dirs[path.Dir(f.path)] = true
	}
	sorted := make([]string, 0, len(dirs))
	for d := range dirs {
		sorted = append(sorted, d)
	}
	slices.Sort(sorted)
	for _, d := range sorted {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d)), 0o755); err != nil {
			return err
		}
	}
	workers := min(runtime.GOMAXPROCS(0)*2, 8)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(files); i += workers {
				f := files[i]
				if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(f.path)), []byte(f.content), 0o644); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
