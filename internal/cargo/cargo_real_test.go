package cargo

// Tests that compare this package's verdicts with real cargo on scratch
// trees. Only path dependencies and a vendored directory source are used, so
// no network or registry is needed.

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

type cargoTree struct {
	t     *testing.T
	cargo string
	dir   string
	env   []string
}

func newCargoTree(t *testing.T) *cargoTree {
	t.Helper()
	cargo := testenv.Tool(t, "cargo")
	repo := testenv.NewRepo(t)
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CARGO_") || k == "RUSTFLAGS" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "CARGO_HOME="+home, "CARGO_NET_OFFLINE=true", "CARGO_TERM_COLOR=never")
	return &cargoTree{t: t, cargo: cargo, dir: repo.Dir, env: env}
}

// pkg renders a package manifest.
func pkg(name, version, rest string) string {
	return fmt.Sprintf("[package]\nname = %q\nversion = %q\nedition = \"2021\"\n\n%s\n", name, version, rest)
}

// write writes files (repo-relative) and a src/lib.rs next to every package
// manifest that has none.
func (c *cargoTree) write(files map[string]string) {
	c.t.Helper()
	for rel, content := range files {
		p := filepath.Join(c.dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			c.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			c.t.Fatal(err)
		}
		if filepath.Base(p) == "Cargo.toml" && strings.Contains(content, "[package]") {
			lib := filepath.Join(filepath.Dir(p), "src", "lib.rs")
			if _, err := os.Stat(lib); err != nil {
				if err := os.MkdirAll(filepath.Dir(lib), 0o755); err != nil {
					c.t.Fatal(err)
				}
				if err := os.WriteFile(lib, nil, 0o644); err != nil {
					c.t.Fatal(err)
				}
			}
		}
	}
}

func (c *cargoTree) run(dir string, args ...string) (string, error) {
	c.t.Helper()
	cmd := exec.Command(c.cargo, args...)
	cmd.Dir = filepath.Join(c.dir, filepath.FromSlash(dir))
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *cargoTree) mustRun(dir string, args ...string) string {
	c.t.Helper()
	out, err := c.run(dir, args...)
	if err != nil {
		c.t.Fatalf("cargo %s in %q: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return out
}

// lock generates the lock of the root in dir (only when it is missing, as
// generate-lockfile rebuilds everything) or updates it minimally.
func (c *cargoTree) lock(dir string) {
	c.t.Helper()
	c.mustRun(dir, "metadata", "--format-version", "1", "--offline")
}

// cargoStale runs `cargo metadata --locked` in dir: true when cargo refuses
// to use the lock because it needs an update. Any other failure is fatal.
func (c *cargoTree) cargoStale(dir string) bool {
	c.t.Helper()
	out, err := c.run(dir, "metadata", "--format-version", "1", "--locked", "--offline")
	if err == nil {
		return false
	}
	if !strings.Contains(out, "because --locked was passed") {
		c.t.Fatalf("cargo metadata --locked in %q failed for another reason:\n%s", dir, out)
	}
	return true
}

// load parses every Cargo.toml of the tree.
func (c *cargoTree) load() ([]*Manifest, map[string]*Manifest) {
	c.t.Helper()
	var ms []*Manifest
	byDir := map[string]*Manifest{}
	err := filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "target") {
			return filepath.SkipDir
		}
		if d.Name() != "Cargo.toml" {
			return nil
		}
		rel, _ := filepath.Rel(c.dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m, err := ParseManifest(filepath.ToSlash(rel), data)
		if err != nil {
			c.t.Fatalf("ParseManifest: %v", err)
		}
		ms = append(ms, m)
		byDir[m.Dir] = m
		return nil
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return ms, byDir
}

func (c *cargoTree) exists(rel string) bool {
	_, err := os.Stat(filepath.Join(c.dir, filepath.FromSlash(rel)))
	return err == nil
}

// root returns our Root for dir.
func (c *cargoTree) root(dir string) (Root, map[string]*Manifest) {
	c.t.Helper()
	ms, byDir := c.load()
	roots, _ := FindRoots(ms, c.exists)
	for _, r := range roots {
		if r.Dir() == dir {
			return r, byDir
		}
	}
	c.t.Fatalf("no root %q among %v", dir, rootDirs(roots))
	return Root{}, nil
}

func rootDirs(roots []Root) []string {
	var out []string
	for _, r := range roots {
		out = append(out, r.Dir())
	}
	return out
}

// ourStale runs FindRoots + ParseLock + CheckLock for the root in dir.
func (c *cargoTree) ourStale(dir string) []Stale {
	c.t.Helper()
	r, byDir := c.root(dir)
	data, err := os.ReadFile(filepath.Join(c.dir, filepath.FromSlash(r.LockPath())))
	if err != nil {
		c.t.Fatal(err)
	}
	l, err := ParseLock(r.LockPath(), data)
	if err != nil {
		c.t.Fatal(err)
	}
	env := EnvFor(c.configs(), r.Dir())
	own := CheckLockEnv(r, l, byDir, env)
	// The graph a caller builds once for every root (LockEnv.Graph) must
	// give what the check's own graph gives.
	env.Graph = NewGraph(byDir)
	if shared := CheckLockEnv(r, l, byDir, env); !reflect.DeepEqual(shared, own) {
		c.t.Errorf("CheckLockEnv with a shared Graph gives %+v, with its own %+v", shared, own)
	}
	return own
}

// configs parses the tree's .cargo/config.toml files.
func (c *cargoTree) configs() []*CargoConfig {
	c.t.Helper()
	var out []*CargoConfig
	err := filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "vendor" || d.Name() == "target") {
			return filepath.SkipDir
		}
		if d.Name() != "config.toml" || filepath.Base(filepath.Dir(p)) != ".cargo" {
			return nil
		}
		rel, _ := filepath.Rel(c.dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		cfg, err := ParseCargoConfig(filepath.ToSlash(rel), data)
		if err != nil {
			c.t.Fatalf("ParseCargoConfig: %v", err)
		}
		out = append(out, cfg)
		return nil
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

// agree asserts that cargo's --locked verdict and ours are both want, and
// that every finding mentions mustMention. It returns our findings.
func (c *cargoTree) agree(dir string, want bool, mustMention ...string) []Stale {
	c.t.Helper()
	cargoSays := c.cargoStale(dir)
	ours := c.ourStale(dir)
	if cargoSays != want {
		c.t.Fatalf("cargo --locked in %q: stale = %v, test expects %v", dir, cargoSays, want)
	}
	if (len(ours) > 0) != want {
		c.t.Fatalf("CheckLock for %q = %+v, want stale = %v (cargo agrees with %v)", dir, ours, want, want)
	}
	for _, s := range ours {
		for _, w := range mustMention {
			if !strings.Contains(s.Msg, w) {
				c.t.Errorf("finding %q does not mention %q", s.Msg, w)
			}
		}
	}
	return ours
}

// members asserts that our Root.Members for dir equal cargo's workspace
// members (from `cargo metadata --no-deps`).
func (c *cargoTree) members(dir string) {
	c.t.Helper()
	out := c.mustRun(dir, "metadata", "--format-version", "1", "--no-deps", "--offline")
	var md struct {
		Packages []struct {
			ManifestPath string `json:"manifest_path"`
		} `json:"packages"`
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &md); err != nil {
		c.t.Fatal(err)
	}
	var want []string
	for _, p := range md.Packages {
		rel, err := filepath.Rel(c.dir, p.ManifestPath)
		if err != nil {
			c.t.Fatal(err)
		}
		want = append(want, filepath.ToSlash(rel))
	}
	r, _ := c.root(dir)
	var got []string
	for _, m := range r.Members {
		got = append(got, m.Path)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		c.t.Errorf("members of root %q: ours %v, cargo %v", dir, got, want)
	}
}

func TestRealCargoSinglePackage(t *testing.T) {
	t.Parallel()
	c := newCargoTree(t)
	c.write(map[string]string{"Cargo.toml": pkg("solo", "0.1.0", "")})
	c.lock("")
	c.members("")
	c.agree("", false)
	// Removing a dependency or leaving extra packages in the lock is fine.
	c.write(map[string]string{
		"Cargo.toml":        pkg("solo", "0.1.0", "[dependencies]\nhelper = { path = \"helper\" }\n"),
		"helper/Cargo.toml": pkg("helper", "0.1.0", ""),
	})
	c.lock("")
	c.agree("", false)
	c.write(map[string]string{"Cargo.toml": pkg("solo", "0.1.0", "")})
	c.agree("", false)
	// A version bump of the package itself makes the lock stale.
	c.write(map[string]string{"Cargo.toml": pkg("solo", "0.2.0", "")})
	st := c.agree("", true, "solo", "Cargo.lock")
	if st[0].Path != "Cargo.toml" || st[0].Pos.Line != 1 {
		t.Errorf("finding = %+v, want at the [package] header of Cargo.toml", st[0])
	}
}

func TestRealCargoWorkspace(t *testing.T) {
	t.Parallel()
	c := newCargoTree(t)
	c.write(map[string]string{
		"Cargo.toml":          "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\"]\n",
		"crates/a/Cargo.toml": pkg("a", "0.1.0", "[dependencies]\nb = { path = \"../b\" }\n"),
		"crates/b/Cargo.toml": pkg("b", "0.1.0", ""),
		"crates/c/Cargo.toml": pkg("c", "0.1.0", ""),
	})
	c.lock("")
	c.members("")
	c.agree("", false)

	// A path dependency added after locking, to a package already in the
	// lock: the edge is missing.
	c.write(map[string]string{"crates/c/Cargo.toml": pkg("c", "0.1.0", "[dependencies]\nb = { path = \"../b\" }\n")})
	st := c.agree("", true, "crates/c/Cargo.toml", "b", "Cargo.lock")
	if len(st) != 1 || st[0].Path != "crates/c/Cargo.toml" || st[0].Pos.Line != 7 {
		t.Errorf("findings = %+v, want one at crates/c/Cargo.toml:7", st)
	}
	c.lock("")
	c.agree("", false)

	// A member added by the glob.
	c.write(map[string]string{"crates/d/Cargo.toml": pkg("d", "0.1.0", "")})
	c.members("")
	c.agree("", true, "d", "missing")
	c.lock("")
	c.agree("", false)

	// A member version bump.
	c.write(map[string]string{"crates/b/Cargo.toml": pkg("b", "0.2.0", "")})
	c.agree("", true, "0.2.0", "0.1.0")
	c.lock("")
	c.agree("", false)

}

func TestRealCargoDependencyKinds(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"Cargo.toml": "[workspace]\nresolver = \"2\"\nmembers = [\"app\"]\n\n[workspace.dependencies]\nshared = { path = \"libs/shared\" }\n",
		// libs/* are implicit members: path dependencies inside the workspace directory.
		"libs/shared/Cargo.toml": pkg("shared", "0.1.0", ""),
		"libs/util/Cargo.toml":   pkg("util", "0.3.0", ""),
		"app/Cargo.toml":         pkg("app", "0.1.0", "[dependencies]\nshared.workspace = true\n"),
	}
	tests := []struct {
		name    string
		app     string
		mention string
	}{
		{"normal", "[dependencies]\nshared.workspace = true\nutil = { path = \"../libs/util\" }\n", "util"},
		{"renamed", "[dependencies]\nshared.workspace = true\nu = { path = \"../libs/util\", package = \"util\" }\n", "util"},
		{"dev", "[dependencies]\nshared.workspace = true\n[dev-dependencies]\nutil = { path = \"../libs/util\" }\n", "dev-"},
		{"build", "[dependencies]\nshared.workspace = true\n[build-dependencies]\nutil = { path = \"../libs/util\" }\n", "build-"},
		{"target", "[dependencies]\nshared.workspace = true\n[target.'cfg(windows)'.dependencies]\nutil = { path = \"../libs/util\" }\n", "util"},
		{"optional", "[dependencies]\nshared.workspace = true\nutil = { path = \"../libs/util\", optional = true }\n", "util"},
		{"workspace inherited", "[dependencies]\nshared.workspace = true\nutil.workspace = true\n", "util"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCargoTree(t)
			c.write(base)
			c.write(map[string]string{"libs/util/Cargo.toml": pkg("util", "0.3.0", "")})
			c.lock("")
			c.members("")
			c.agree("", false)
			if tt.name == "workspace inherited" {
				c.write(map[string]string{"Cargo.toml": base["Cargo.toml"] + "util = { path = \"libs/util\", version = \"0.3\" }\n"})
				c.agree("", false) // declaring a workspace dependency alone changes nothing
			}
			c.write(map[string]string{"app/Cargo.toml": pkg("app", "0.1.0", tt.app)})
			c.members("")
			st := c.agree("", true, tt.mention, "app/Cargo.toml")
			for _, s := range st {
				if s.Path != "app/Cargo.toml" {
					t.Errorf("finding at %s, want app/Cargo.toml: %+v", s.Path, s)
				}
			}
			c.lock("")
			c.agree("", false)
		})
	}
}

// Implicit members (path dependencies inside the workspace directory) get
// their dev-dependencies locked; path dependencies outside it do not.
func TestRealCargoImplicitMembersAndDevDeps(t *testing.T) {
	t.Parallel()
	c := newCargoTree(t)
	c.write(map[string]string{
		"ws/Cargo.toml":            "[workspace]\nresolver = \"2\"\nmembers = [\"app\"]\n",
		"ws/app/Cargo.toml":        pkg("app", "0.1.0", "[dependencies]\ninner = { path = \"../inner\" }\nouter = { path = \"../../outer\" }\n"),
		"ws/inner/Cargo.toml":      pkg("inner", "0.1.0", ""),
		"outer/Cargo.toml":         pkg("outer", "0.1.0", ""),
		"tools/devonly/Cargo.toml": pkg("devonly", "0.1.0", ""),
	})
	c.lock("ws")
	c.members("ws")
	c.agree("ws", false)

	// A dev-dependency of the non-member path dependency: not resolved.
	c.write(map[string]string{"outer/Cargo.toml": pkg("outer", "0.1.0", "[dev-dependencies]\ndevonly = { path = \"../tools/devonly\" }\n")})
	c.agree("ws", false)
	// A build-dependency of it: resolved.
	c.write(map[string]string{"outer/Cargo.toml": pkg("outer", "0.1.0", "[build-dependencies]\ndevonly = { path = \"../tools/devonly\" }\n")})
	c.agree("ws", true, "outer/Cargo.toml", "devonly")
	c.write(map[string]string{"outer/Cargo.toml": pkg("outer", "0.1.0", "")})
	// A dev-dependency of the implicit member: resolved.
	c.write(map[string]string{"ws/inner/Cargo.toml": pkg("inner", "0.1.0", "[dev-dependencies]\ndevonly = { path = \"../../tools/devonly\" }\n")})
	c.members("ws")
	c.agree("ws", true, "ws/inner/Cargo.toml", "devonly")
	c.lock("ws")
	c.agree("ws", false)
	// outer is not claimed by any workspace: it is a root of its own.
	ms, _ := c.load()
	roots, problems := FindRoots(ms, c.exists)
	if got := rootDirs(roots); !slices.Equal(got, []string{"outer", "tools/devonly", "ws"}) {
		t.Errorf("roots = %v", got)
	}
	if len(problems) != 0 {
		t.Errorf("problems = %+v", problems)
	}
}

func TestRealCargoExcludeNestedAndPointer(t *testing.T) {
	t.Parallel()
	c := newCargoTree(t)
	c.write(map[string]string{
		"Cargo.toml":            pkg("top", "1.0.0", "[dependencies]\na = { path = \"crates/a\" }\n\n[workspace]\nmembers = [\"crates/*\", \"pointer/member\"]\nexclude = [\"crates/old\", \"nested\"]\n"),
		"crates/a/Cargo.toml":   pkg("a", "0.1.0", ""),
		"crates/old/Cargo.toml": pkg("old", "0.1.0", ""),
		// A nested workspace with its own lock.
		"nested/Cargo.toml":    "[workspace]\nresolver = \"2\"\nmembers = [\"n1\"]\n",
		"nested/n1/Cargo.toml": pkg("n1", "0.1.0", ""),
		// A member that names its root explicitly.
		"pointer/member/Cargo.toml": "[package]\nname = \"pm\"\nversion = \"0.1.0\"\nedition = \"2021\"\nworkspace = \"../..\"\n",
	})
	c.lock("")
	c.lock("nested")
	c.lock("crates/old")
	c.members("")
	c.members("nested")
	c.members("crates/old")
	c.agree("", false)
	c.agree("nested", false)
	c.agree("crates/old", false)

	// A change in the excluded package does not touch the workspace lock.
	c.write(map[string]string{"crates/old/Cargo.toml": pkg("old", "0.2.0", "")})
	c.agree("", false)
	c.agree("crates/old", true, "old")
	// A change in the nested workspace only touches the nested lock.
	c.write(map[string]string{"nested/n1/Cargo.toml": pkg("n1", "0.1.1", "")})
	c.agree("", false)
	c.agree("nested", true, "n1")
	// The package.workspace member is locked by the top workspace.
	c.write(map[string]string{"pointer/member/Cargo.toml": "[package]\nname = \"pm\"\nversion = \"0.1.0\"\nedition = \"2021\"\nworkspace = \"../..\"\n[dependencies]\na = { path = \"../../crates/a\" }\n"})
	c.agree("", true, "pointer/member/Cargo.toml", "a")
}

// Registry dependencies, resolved from a vendored directory source standing
// in for crates.io.
func TestRealCargoRegistryRequirements(t *testing.T) {
	t.Parallel()
	c := newCargoTree(t)
	files := map[string]string{
		".cargo/config.toml": "[source.crates-io]\nreplace-with = \"vendored\"\n[source.vendored]\ndirectory = \"vendor\"\n",
	}
	for _, v := range []string{"1.0.0", "1.2.0", "2.0.0"} {
		d := "vendor/foo-" + v
		files[d+"/Cargo.toml"] = pkg("foo", v, "")
		files[d+"/.cargo-checksum.json"] = `{"files":{},"package":"0000000000000000000000000000000000000000000000000000000000000000"}`
	}
	c.write(files)
	steps := []struct {
		req   string
		stale bool
	}{
		{"1", false},         // lock it (1.2.0)
		{">=1.1, <2", false}, // still satisfied
		{"~1.2.0", false},    //
		{"=1.0.0", true},     // needs a downgrade
		{"2", true},          // needs 2.0.0
		{"^1.2", false},      //
	}
	c.write(map[string]string{"Cargo.toml": pkg("app", "0.1.0", "[dependencies]\nfoo = \"1\"\n")})
	c.lock("")
	for _, s := range steps {
		c.write(map[string]string{"Cargo.toml": pkg("app", "0.1.0", fmt.Sprintf("[dependencies]\nfoo = %q\n", s.req))})
		c.agree("", s.stale, "foo")
	}
	// Renamed registry dependency, and the same package as a dev-dependency.
	c.write(map[string]string{"Cargo.toml": pkg("app", "0.1.0", "[dependencies]\nf = { package = \"foo\", version = \"1.2\" }\n")})
	c.agree("", false)
	c.write(map[string]string{"Cargo.toml": pkg("app", "0.1.0", "[dependencies]\nf = { package = \"foo\", version = \"2\" }\n")})
	c.agree("", true, "f (package \"foo\")", "1.2.0")
	c.write(map[string]string{"Cargo.toml": pkg("app", "0.1.0", "[dependencies]\nf = { package = \"foo\", version = \"1.2\" }\nbar = \"1\"\n")})
	c.write(map[string]string{"vendor/bar-1.0.0/Cargo.toml": pkg("bar", "1.0.0", ""), "vendor/bar-1.0.0/.cargo-checksum.json": `{"files":{},"package":"0000000000000000000000000000000000000000000000000000000000000000"}`})
	c.agree("", true, "bar", "missing")
}

// VersionReq.Matches against cargo: lock foo at one version, then ask cargo
// whether the lock still satisfies a requirement.
func TestRealCargoReqOracle(t *testing.T) {
	t.Parallel()
	versions := []string{"0.9.0", "1.0.0-alpha.1", "1.0.0", "1.4.2", "2.0.0-rc.1", "2.0.0"}
	reqs := []string{"1", "~1.4", "*", ">=1.0.0-alpha.0", "<2.0.0", ">1.4.2, <=2", "0.9", "=2.0.0-rc.1", "1.*", "^1.0.0-alpha.1"}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			c := newCargoTree(t)
			files := map[string]string{
				".cargo/config.toml": "[source.crates-io]\nreplace-with = \"vendored\"\n[source.vendored]\ndirectory = \"vendor\"\n",
				"Cargo.lock":         fmt.Sprintf("version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"foo\",\n]\n\n[[package]]\nname = \"foo\"\nversion = %q\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"0000000000000000000000000000000000000000000000000000000000000000\"\n", v),
			}
			for _, v := range versions {
				d := "vendor/foo-" + v
				files[d+"/Cargo.toml"] = pkg("foo", v, "")
				files[d+"/.cargo-checksum.json"] = `{"files":{},"package":"0000000000000000000000000000000000000000000000000000000000000000"}`
			}
			c.write(files)
			for _, r := range reqs {
				c.write(map[string]string{"Cargo.toml": pkg("app", "0.1.0", fmt.Sprintf("[dependencies]\nfoo = %q\n", r))})
				cargoStale := c.cargoStale("")
				req, err := ParseReq(r)
				if err != nil {
					t.Fatal(err)
				}
				if matches := req.Matches(mustVersion(t, v)); matches == cargoStale {
					t.Errorf("req %q, locked %s: Matches = %v but cargo stale = %v", r, v, matches, cargoStale)
				}
				if ours := c.ourStale(""); (len(ours) > 0) != cargoStale {
					t.Errorf("req %q, locked %s: CheckLock = %+v but cargo stale = %v", r, v, ours, cargoStale)
				}
			}
		})
	}
}
