package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseFull(t *testing.T) {
	src := `select = ["LG1", "flake-path-missing"]
fail-on = "error"

[cargo]
require-lock = "binaries"

[fix]
stage = false

[hook]
fix = true

[[docker.build]]
dockerfile = "./docker/app.Dockerfile"
context = "."

[[ignore]]
paths = ["vendor/**"]
rules = ["LG101"]

[[ignore]]
rules = ["LG902"]
`
	c, err := Parse("lockguard.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Select, []string{"LG1", "flake-path-missing"}) || c.FailOn != "error" ||
		c.Cargo.RequireLock != "binaries" || c.Fix.Stage || !c.Hook.Fix {
		t.Fatalf("decoded wrongly: %+v", c)
	}
	if len(c.Docker.Build) != 1 || c.Docker.Build[0].Dockerfile != "docker/app.Dockerfile" || c.Docker.Build[0].Context != "" {
		t.Fatalf("docker.build: %+v", c.Docker.Build)
	}
	if len(c.PathIgnores) != 1 || c.PathIgnores[0].Line != 17 || !slices.Equal(c.PathIgnores[0].Rules, []string{"LG101"}) {
		t.Fatalf("path ignores: %+v", c.PathIgnores)
	}
	if !slices.Equal(c.Ignore, []string{"LG902"}) {
		t.Fatalf("global ignores: %v", c.Ignore)
	}
	if c.Line("fail-on") != 2 || c.Line("select") != 1 {
		t.Fatalf("lines: %v", c.lines)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Parse("x.toml", []byte("# nothing\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.FailOn != "warning" || c.Cargo.RequireLock != "consumed" || !c.Fix.Stage || c.Hook.Fix {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		src, want string
	}{
		{"select = [\"LG1\"]\nfrobnicate = 1\n", `lockguard.toml:2:1: unknown key "frobnicate"`},
		{"[cargo]\nrequire-lock = \"all\"\nfoo = 2\n", `lockguard.toml:3:1: unknown key "cargo.foo"`},
		{"[cargo]\n\nrequire-lock = \"some\"\n", `lockguard.toml:3: cargo.require-lock must be "consumed", "all-roots" or "binaries", not "some"`},
		{"fail-on = \"info\"\n", `lockguard.toml:1: fail-on must be "error", "warning" or "never", not "info"`},
		{"select = [\n", `lockguard.toml:1:11: array is incomplete`},
		{"[[ignore]]\npaths = [\"a\"]\nrule = [\"LG101\"]\n", `lockguard.toml:3: unknown key "rule" in [[ignore]]`},
		{"[[ignore]]\npaths = [\"a\"]\n", `lockguard.toml:1: [[ignore]] needs rules`},
		{"select = \"LG1\"\n", `lockguard.toml:1:10: select must be an array of strings, not a string`},
		{"select = [1]\n", `lockguard.toml:1:11: select must be an array of strings, not an integer`},
		{"[fix]\nstage = \"yes\"\n", `lockguard.toml:2:9: fix.stage must be true or false, not a string`},
		{"fail-on = 3\n", `lockguard.toml:1:11: fail-on must be a string, not an integer`},
		{"fix = 3\n", `lockguard.toml:1:7: fix must be a table ([fix]), not an integer`},
		{"[docker]\nbuild = 3\n", `lockguard.toml:2:9: docker.build must be an array of tables ([[docker.build]]), not an integer`},
		{"[[docker.build]]\ncontext = 3\n", `lockguard.toml:2:11: docker.build.context must be a string, not an integer`},
	} {
		_, err := Parse("lockguard.toml", []byte(tc.src))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%q: got %v, want a *config.Error", tc.src, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "struct") {
			t.Errorf("%q:\n got %s\nwant prefix %s", tc.src, err, tc.want)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	c, err := Find(dir, "")
	if err != nil || c.Path != "" {
		t.Fatalf("no file: %v %+v", err, c)
	}
	if err := os.WriteFile(filepath.Join(dir, ".lockguard.toml"), []byte("fail-on = \"never\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Find(dir, "")
	if err != nil || c.Path != ".lockguard.toml" || c.FailOn != "never" {
		t.Fatalf("dot file: %v %+v", err, c)
	}
	if err := os.WriteFile(filepath.Join(dir, "lockguard.toml"), []byte("fail-on = \"error\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ = Find(dir, "")
	if c.Path != "lockguard.toml" {
		t.Fatalf("lockguard.toml must win over .lockguard.toml, got %s", c.Path)
	}
	if _, err := Find(dir, filepath.Join(dir, "nope.toml")); err == nil || !strings.Contains(err.Error(), "cannot read config") {
		t.Fatalf("explicit missing file: %v", err)
	}
}

func TestMatchPath(t *testing.T) {
	for _, tc := range []struct {
		pat, p string
		want   bool
	}{
		{"vendor/**", "vendor/a/Cargo.toml", true},
		{"vendor/**", "vendorx/Cargo.toml", false},
		{"vendor", "vendor/a/Cargo.toml", true},
		{"*/Cargo.toml", "a/Cargo.toml", true},
		{"*/Cargo.toml", "a/b/Cargo.toml", false},
		{"**/Cargo.toml", "a/b/Cargo.toml", true},
		{"**/Cargo.toml", "Cargo.toml", true},
		{"crates/*/Cargo.toml", "crates/x/Cargo.toml", true},
		{"./docs/", "docs/x.md", true},
		{"", "x", false},
	} {
		if got := MatchPath(tc.pat, tc.p); got != tc.want {
			t.Errorf("MatchPath(%q, %q) = %v, want %v", tc.pat, tc.p, got, tc.want)
		}
	}
}
