package checks_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/checks"
	"github.com/lockguard/lockguard/fixers"
	"github.com/lockguard/lockguard/internal/config"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/nar"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
)

// importCargoLockReplica reproduces, with builtins only, what nixpkgs'
// pkgs/build-support/rust/import-cargo-lock.nix decides at evaluation time:
// parseGit's regular expression, the "<name>-<version>" → commit mapping
// (builtins.listToAttrs, first package wins), outputHashes mapped to commits
// with the throw on an unused key (lib.mapAttrs' over attrNames, forced by
// deepSeq), the throw for a commit without a hash unless
// allowBuiltinFetchGit, and the hash check. nixpkgs' fetchgit is a
// fixed-output derivation whose recursive hash is the NAR SHA-256 of the
// checkout (submodules, no .git); builtins.fetchGit's narHash is the same
// NAR hash (internal/nar's tests show both equal `nix hash path`), so
// fetchGit { narHash } fails exactly when fetchgit's hash would mismatch.
const importCargoLockReplica = `{
  importCargoLock = { lockFile ? null, lockFileContents ? null, allowBuiltinFetchGit ? false, outputHashes ? { } }:
    let
      parseGit = src:
        let parts = builtins.match ''git\+([^?]+)(\?(rev|tag|branch)=(.*))?#(.*)'' src;
        in if parts == null then null else { url = builtins.elemAt parts 0; sha = builtins.elemAt parts 4; };
      contents = if lockFile != null then builtins.readFile lockFile else lockFileContents;
      depPackages = builtins.filter (p: p ? source) (builtins.fromTOML contents).package;
      namesGitShas = builtins.listToAttrs (map (p: { name = "${p.name}-${p.version}"; value = (parseGit p.source).sha; })
        (builtins.filter (p: builtins.substring 0 4 p.source == "git+") depPackages));
      gitShaOutputHash = builtins.listToAttrs (map (nameVer: {
        name = namesGitShas.${nameVer} or (throw "A hash was specified for ${nameVer}, but there is no corresponding git dependency.");
        value = outputHashes.${nameVer};
      }) (builtins.attrNames outputHashes));
      mkCrate = p:
        let g = parseGit p.source; in
        if g == null then "${p.name}-${p.version}"
        else if gitShaOutputHash ? ${g.sha} then
          (builtins.fetchGit { inherit (g) url; rev = g.sha; submodules = true; narHash = gitShaOutputHash.${g.sha}; }).narHash
        else if allowBuiltinFetchGit then
          (builtins.fetchGit { inherit (g) url; rev = g.sha; allRefs = true; submodules = true; }).narHash
        else throw "No hash was found while vendoring the git dependency ${p.name}-${p.version}.";
    in builtins.deepSeq gitShaOutputHash (map mkCrate depPackages);
}
`

// gitDeps is a Rust application with git dependencies on local
// repositories: a workspace repository (two packages at one commit, with a
// submodule) and a one-package repository. Its Cargo.lock is made by
// cargo.
type gitDeps struct {
	app            *testenv.Repo
	ws, solo       *testenv.Repo
	env            []string
	wsURL, soloURL string
}

func newGitDeps(t *testing.T) *gitDeps {
	t.Helper()
	testenv.Tool(t, "cargo")
	sub := testenv.NewRepo(t)
	sub.Write("data.txt", "submodule data\n")
	sub.Commit("sub")

	g := &gitDeps{ws: testenv.NewRepo(t), solo: testenv.NewRepo(t), app: testenv.NewRepo(t)}
	// Every repository shares one HOME, whose git config allows file://
	// submodules (git refuses them by default since 2.38.1).
	home := g.app.Home
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte("[protocol \"file\"]\n\tallow = always\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.env = append(testenv.GitEnv(home), "CARGO_HOME="+filepath.Join(home, ".cargo-home"))
	for _, r := range []*testenv.Repo{sub, g.ws, g.solo} {
		r.Home, r.Env = home, g.env
	}
	g.app.Env = g.env

	g.ws.Write("Cargo.toml", "[workspace]\nmembers = [\"depa\", \"depb\"]\nresolver = \"2\"\n")
	for _, p := range []string{"depa", "depb"} {
		g.ws.Write(p+"/Cargo.toml", "[package]\nname = \""+p+"\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
		g.ws.Write(p+"/src/lib.rs", "pub fn f() {}\n")
	}
	g.ws.Git("submodule", "add", "-q", "file://"+sub.Dir, "vendor/sub")
	g.ws.Commit("workspace")
	g.solo.Write("Cargo.toml", "[package]\nname = \"solo\"\nversion = \"0.2.0\"\nedition = \"2021\"\n")
	g.solo.Write("src/lib.rs", "pub fn g() {}\n")
	g.solo.Commit("solo")
	g.wsURL, g.soloURL = "file://"+g.ws.Dir, "file://"+g.solo.Dir

	g.app.Write("Cargo.toml", fmt.Sprintf("[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ndepa = { git = %q }\ndepb = { git = %q }\nsolo = { git = %q, branch = \"main\" }\n", g.wsURL, g.wsURL, g.soloURL))
	g.app.Write("src/main.rs", "fn main() {}\n")
	// The git sources are local: cargo fetches them into its CARGO_HOME
	// (no network), and then --offline resolves from that cache.
	g.cargo(t, "generate-lockfile")
	g.cargo(t, "generate-lockfile", "--offline")
	return g
}

func (g *gitDeps) cargo(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("cargo", args...)
	cmd.Dir, cmd.Env = g.app.Dir, g.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cargo %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func rev(r *testenv.Repo) string { return strings.TrimSpace(r.Git("rev-parse", "HEAD")) }

// flake is a self-contained flake whose check evaluates the replica on
// cargoLock, the way buildRustPackage passes it on.
func flakeFor(cargoLock string) string {
	return `{
  outputs = { self }:
    let
      build = rustPlatform: rustPlatform.buildRustPackage {
        pname = "app";
        src = ./.;
        cargoLock = ` + cargoLock + `;
      };
      replica = import ./replica.nix;
    in {
      check = build { buildRustPackage = args: replica.importCargoLock args.cargoLock; };
    };
}
`
}

// evalCheck runs nix eval .#check; it returns the output, or the error line.
func evalCheck(t *testing.T, nixBin string, g *gitDeps) (string, bool) {
	t.Helper()
	cmd := exec.Command(nixBin, "eval", "--json", "--no-write-lock-file", ".#check")
	cmd.Dir, cmd.Env = g.app.Dir, testenv.NixEnv(g.app.Home, g.env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		for _, l := range strings.Split(stderr.String(), "\n") {
			if strings.HasPrefix(l, "error:") {
				return l, false
			}
		}
		return stderr.String(), false
	}
	return strings.TrimSpace(stdout.String()), true
}

func lg105(t *testing.T, dir string, env []string, staged bool) (*repo.Repo, []diag.Diagnostic) {
	t.Helper()
	rp, err := repo.Open(repo.Options{Dir: dir, Env: env, Staged: staged})
	if err != nil {
		t.Fatal(err)
	}
	res, err := checks.Run(snapshot.New(rp, config.Default()), []*checks.Rule{checks.CargoGitHashMissing}, checks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rp, res.Diagnostics
}

// kindOf names a finding (or a Nix error) as missing, unused or stale.
func kindOf(msg string) string {
	switch {
	case strings.Contains(msg, "has no outputHashes entry"), strings.Contains(msg, "No hash was found"):
		return "missing"
	case strings.Contains(msg, "has no git dependency"), strings.Contains(msg, "A hash was specified"):
		return "unused"
	case strings.Contains(msg, "unchanged since HEAD"), strings.Contains(msg, "NAR hash mismatch"):
		return "stale"
	}
	return "other: " + msg
}

// TestLG105AgainstNix judges each cargoLock with lockguard and with real Nix
// evaluating the replica, and runs the fix.
func TestLG105AgainstNix(t *testing.T) {
	nixBin := testenv.Tool(t, "nix")
	g := newGitDeps(t)
	wsRev, soloRev := rev(g.ws), rev(g.solo)
	lock, err := os.ReadFile(g.app.Path("Cargo.lock"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"git+" + g.wsURL + "#" + wsRev, "git+" + g.soloURL + "?branch=main#" + soloRev} {
		if !bytes.Contains(lock, []byte(want)) {
			t.Fatalf("Cargo.lock lacks %s:\n%s", want, lock)
		}
	}
	g.app.Write("replica.nix", importCargoLockReplica)

	// The hashes, three ways: lockguard's NAR of a clone, nix hash path
	// of the same checkout without .git, and fetchGit's narHash.
	wsHash := checkoutHash(t, nixBin, g, g.wsURL, wsRev)
	soloHash := checkoutHash(t, nixBin, g, g.soloURL, soloRev)

	judge := func(name, cargoLock string, want []string) {
		t.Helper()
		g.app.Write("flake.nix", flakeFor(cargoLock))
		g.app.Commit(name)
		_, ds := lg105(t, g.app.Dir, g.env, false)
		var got []string
		for _, d := range ds {
			got = append(got, kindOf(d.Message))
		}
		out, ok := evalCheck(t, nixBin, g)
		nixKind := "ok"
		if !ok {
			nixKind = kindOf(out)
		}
		switch {
		case !slices.Equal(got, want):
			t.Errorf("%s: lockguard reports %v, want %v:%s", name, got, want, describe(ds))
		case ok != (len(got) == 0):
			t.Errorf("%s: lockguard reports %v, but Nix says %s", name, got, out)
		case !ok && !slices.Contains(got, nixKind):
			t.Errorf("%s: Nix fails with %s (%s), lockguard reports %v", name, nixKind, out, got)
		}
		t.Logf("%s: lockguard %v, nix %s", name, got, out)
	}

	judge("missing", `{ lockFile = ./Cargo.lock; }`, []string{"missing", "missing"})
	judge("one entry covers the workspace commit", fmt.Sprintf(`{
          lockFile = ./Cargo.lock;
          outputHashes = {
            "depb-0.1.0" = %q;
            "solo-0.2.0" = %q;
          };
        }`, wsHash, soloHash), nil)
	judge("unused", fmt.Sprintf(`{ lockFile = ./Cargo.lock; outputHashes = { "depa-0.1.0" = %q; "solo-0.2.0" = %q; "gone-1.0.0" = %q; }; }`, wsHash, soloHash, soloHash), []string{"unused"})
	judge("allowBuiltinFetchGit", `{ lockFileContents = builtins.readFile ./Cargo.lock; allowBuiltinFetchGit = true; }`, nil)
	judge("allowBuiltinFetchGit with an unused entry", fmt.Sprintf(`{ lockFile = ./Cargo.lock; allowBuiltinFetchGit = true; outputHashes."gone-1.0.0" = %q; }`, soloHash), []string{"unused"})
	// A lock lockguard cannot resolve statically gets no finding (Nix may
	// well fail: silence is no claim).
	g.app.Write("flake.nix", flakeFor(`{ lockFile = rustPlatform.lock or ./Cargo.lock; }`))
	g.app.Commit("dynamic")
	if _, ds := lg105(t, g.app.Dir, g.env, false); len(ds) != 0 {
		t.Errorf("dynamic lock:%s", describe(ds))
	}

	// The fix: from no outputHashes to the hashes Nix accepts.
	g.app.Write("flake.nix", flakeFor("{\n          lockFile = ./Cargo.lock;\n        }"))
	g.app.Commit("before fix")
	rp, ds := lg105(t, g.app.Dir, g.env, false)
	if len(ds) != 2 {
		t.Fatalf("want 2 missing findings before the fix:%s", describe(ds))
	}
	var out bytes.Buffer
	res, err := fixers.Apply(context.Background(), rp, ds, fixers.Options{Stage: true, Env: g.env, Out: &out})
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("fix: %v %v\n%s", err, res.Failed, out.String())
	}
	fixed, _ := os.ReadFile(g.app.Path("flake.nix"))
	for _, h := range []string{`"depa-0.1.0" = "` + wsHash + `";`, `"solo-0.2.0" = "` + soloHash + `";`} {
		if !bytes.Contains(fixed, []byte(h)) {
			t.Errorf("the fixed flake.nix lacks %s:\n%s", h, fixed)
		}
	}
	if !bytes.Contains(fixed, []byte("\n          outputHashes = {\n            \"depa-0.1.0\"")) {
		t.Errorf("the fix does not keep the layout:\n%s", fixed)
	}
	if _, ds := lg105(t, g.app.Dir, g.env, false); len(ds) != 0 {
		t.Errorf("findings after the fix:%s", describe(ds))
	}
	g.app.Commit("fixed")
	if out, ok := evalCheck(t, nixBin, g); !ok {
		t.Errorf("Nix rejects the fixed flake: %s", out)
	}

	// Stale: the workspace moves to a new commit; the lock follows
	// (staged), the hash does not.
	g.ws.Write("depa/src/lib.rs", "pub fn f() { /* v2 */ }\n")
	g.ws.Commit("v2")
	g.cargo(t, "update", "depa")
	g.app.Git("add", "Cargo.lock")
	rp, ds = lg105(t, g.app.Dir, g.env, true)
	if len(ds) != 1 || kindOf(ds[0].Message) != "stale" || ds[0].Severity != diag.Error {
		t.Fatalf("want one stale error with --staged:%s", describe(ds))
	}
	if out, ok := evalCheck(t, nixBin, g); ok || kindOf(out) != "stale" {
		t.Errorf("Nix on the stale hash: %s", out)
	}
	// The fix computes the new commit's hash.
	out.Reset()
	res, err = fixers.Apply(context.Background(), rp, ds, fixers.Options{Stage: true, Staged: true, Env: g.env, Out: &out})
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("fix: %v %v\n%s", err, res.Failed, out.String())
	}
	newHash := checkoutHash(t, nixBin, g, g.wsURL, rev(g.ws))
	if fixed, _ := os.ReadFile(g.app.Path("flake.nix")); !bytes.Contains(fixed, []byte(`"depa-0.1.0" = "`+newHash+`";`)) || newHash == wsHash {
		t.Errorf("the fix did not write the new hash %s:\n%s", newHash, fixed)
	}
	if _, ds := lg105(t, g.app.Dir, g.env, true); len(ds) != 0 {
		t.Errorf("findings after the fix:%s", describe(ds))
	}
	if out, ok := evalCheck(t, nixBin, g); !ok {
		t.Errorf("Nix rejects the fixed flake: %s", out)
	}
}

// checkoutHash computes the hash of url at rev three ways and fails unless
// they agree.
func checkoutHash(t *testing.T, nixBin string, g *gitDeps, url, rev string) string {
	t.Helper()
	co := filepath.Join(t.TempDir(), "co")
	run := func(dir string, name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, testenv.NixEnv(g.app.Home, g.env)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	run("", "git", "clone", "-q", "--recurse-submodules", url, co)
	run(co, "git", "checkout", "-q", rev)
	h, err := nar.SRI(co, nar.ExcludeGit)
	if err != nil {
		t.Fatal(err)
	}
	fetchGit := run("", nixBin, "eval", "--raw", "--impure", "--expr",
		fmt.Sprintf(`(builtins.fetchGit { url = %q; rev = %q; submodules = true; }).narHash`, url, rev))
	run(co, "sh", "-c", "find . -name .git -prune -exec rm -rf {} +")
	hashPath := run("", nixBin, "hash", "path", co)
	if h != fetchGit || h != hashPath {
		t.Fatalf("%s at %s: lockguard %s, fetchGit narHash %s, nix hash path %s", url, rev, h, fetchGit, hashPath)
	}
	return h
}
