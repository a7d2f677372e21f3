package cargo

import (
	"errors"
	"strings"
	"testing"
)

const fullManifest = `# a comment
[package]
name = "app"
version.workspace = true
workspace = "../"
autobins = false

[dependencies]
serde = "1.0"
util = { path = "../util", optional = true }
real = { package = "real-name", version = "2", registry = "corp" }
shared.workspace = true

[dependencies.gitdep]
git = "https://github.com/o/r"
branch = "main"

[dev_dependencies]
pretty = "0.1"

[build-dependencies]
cc = "1"

[target.'cfg(unix)'.dependencies]
nix = { version = "0.27" }

[target.x86_64-pc-windows-msvc.dev-dependencies]
winx = "*"

[[bin]]
name = "tool"
path = "src/tool.rs"

[[bin]]
name = "other"

[workspace]
members = ["crates/*"]
exclude = ["crates/old"]

[workspace.package]
version = "1.4.0"

[workspace.dependencies]
shared = { path = "crates/shared", version = "0.3" }

[patch.crates-io]
serde = { path = "vendor/serde" }
`

func TestParseManifest(t *testing.T) {
	m, err := ParseManifest("app/Cargo.toml", []byte(fullManifest))
	if err != nil {
		t.Fatal(err)
	}
	if m.Path != "app/Cargo.toml" || m.Dir != "app" {
		t.Errorf("Path, Dir = %q, %q", m.Path, m.Dir)
	}
	p := m.Package
	if p == nil || p.Name != "app" || p.Version != "" || !p.VersionWorkspace || p.Workspace != "../" {
		t.Fatalf("Package = %+v", p)
	}
	if p.Pos != (Pos{Line: 2, Column: 1, EndLine: 2, EndColumn: 10}) || m.HeaderPos != p.Pos {
		t.Errorf("Package.Pos = %+v, HeaderPos = %+v", p.Pos, m.HeaderPos)
	}
	if m.AutoBins {
		t.Error("AutoBins should be false")
	}
	type dk struct{ key, name, req, path, git, kind, target string }
	var got []dk
	for _, d := range m.Deps {
		got = append(got, dk{d.Key, d.Name, d.Req, d.Path, d.Git, d.Kind, d.Target})
	}
	want := []dk{
		{"serde", "serde", "1.0", "", "", "normal", ""},
		{"util", "util", "", "../util", "", "normal", ""},
		{"real", "real-name", "2", "", "", "normal", ""},
		{"shared", "shared", "", "", "", "normal", ""},
		{"gitdep", "gitdep", "", "", "https://github.com/o/r", "normal", ""},
		{"pretty", "pretty", "0.1", "", "", "dev", ""},
		{"cc", "cc", "1", "", "", "build", ""},
		{"nix", "nix", "0.27", "", "", "normal", "cfg(unix)"},
		{"winx", "winx", "*", "", "", "dev", "x86_64-pc-windows-msvc"},
	}
	if len(got) != len(want) {
		t.Fatalf("Deps = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Deps[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	byKey := map[string]Dep{}
	for _, d := range m.Deps {
		byKey[d.Key] = d
	}
	if !byKey["util"].Optional || byKey["serde"].Optional {
		t.Error("Optional flags wrong")
	}
	if !byKey["shared"].Workspace || byKey["real"].Registry != "corp" || byKey["gitdep"].Branch != "main" {
		t.Errorf("shared/real/gitdep = %+v %+v %+v", byKey["shared"], byKey["real"], byKey["gitdep"])
	}
	// Positions: a key = value line, a [dependencies.x] header, a dotted key.
	for k, want := range map[string]Pos{
		"serde":  {Line: 9, Column: 1, EndLine: 9, EndColumn: 14},
		"gitdep": {Line: 14, Column: 1, EndLine: 14, EndColumn: 22},
		"shared": {Line: 12, Column: 1, EndLine: 12, EndColumn: 24},
		"nix":    {Line: 25, Column: 1, EndLine: 25, EndColumn: 27},
	} {
		if got := byKey[k].Pos; got != want {
			t.Errorf("Pos of %s = %+v, want %+v", k, got, want)
		}
	}
	if len(m.Bins) != 2 || m.Bins[0] != (Target{"tool", "src/tool.rs"}) || m.Bins[1].Name != "other" {
		t.Errorf("Bins = %+v", m.Bins)
	}
	ws := m.Workspace
	if ws == nil || strings.Join(ws.Members, ",") != "crates/*" || strings.Join(ws.Exclude, ",") != "crates/old" {
		t.Fatalf("Workspace = %+v", ws)
	}
	if ws.Pos.Line != 37 || ws.Package["version"] != "1.4.0" {
		t.Errorf("Workspace.Pos = %+v, package = %v", ws.Pos, ws.Package)
	}
	if d := ws.Deps["shared"]; d.Path != "crates/shared" || d.Req != "0.3" {
		t.Errorf("workspace dep = %+v", d)
	}
	if len(m.Patches) != 1 || m.Patches[0].Name != "serde" || m.Patches[0].Kind != "patch" || m.Patches[0].Target != "crates-io" {
		t.Errorf("Patches = %+v", m.Patches)
	}
}

func TestParseManifestShapes(t *testing.T) {
	tests := []struct {
		name, path, src string
		check           func(t *testing.T, m *Manifest)
	}{
		{"virtual", "Cargo.toml", "\n\n[workspace]\nmembers = []\n", func(t *testing.T, m *Manifest) {
			if m.Package != nil || m.Workspace == nil || m.HeaderPos.Line != 3 || m.Dir != "" {
				t.Errorf("got %+v", m)
			}
		}},
		{"neither", "x/y/Cargo.toml", "[dependencies]\na = \"1\"\n", func(t *testing.T, m *Manifest) {
			if m.Package != nil || m.Workspace != nil || m.HeaderPos.Line != 1 || m.Dir != "x/y" {
				t.Errorf("got %+v", m)
			}
		}},
		{"legacy project table", "Cargo.toml", "[project]\nname = \"p\"\nversion = \"0.1.0\"\n", func(t *testing.T, m *Manifest) {
			if m.Package == nil || m.Package.Name != "p" || m.HeaderPos.Line != 1 || !m.AutoBins {
				t.Errorf("got %+v", m)
			}
		}},
		{"dotted package keys", "Cargo.toml", "package.name = \"p\"\npackage.version = \"1.0.0\"\n", func(t *testing.T, m *Manifest) {
			if m.Package == nil || m.Package.Version != "1.0.0" || m.HeaderPos.Line != 1 {
				t.Errorf("got %+v", m)
			}
		}},
		{"inline dep table in target", "Cargo.toml", "[package]\nname=\"p\"\n[target]\n\"cfg(windows)\" = { build-dependencies = { w = { path = \"w\" } } }\n", func(t *testing.T, m *Manifest) {
			if len(m.Deps) != 1 || m.Deps[0].Target != "cfg(windows)" || m.Deps[0].Kind != "build" || m.Deps[0].Pos.Line != 4 {
				t.Errorf("got %+v", m.Deps)
			}
		}},
		{"crlf", "Cargo.toml", "[package]\r\nname = \"p\"\r\n[dependencies]\r\na = \"1\"\r\n", func(t *testing.T, m *Manifest) {
			if len(m.Deps) != 1 || m.Deps[0].Pos.Line != 4 {
				t.Errorf("got %+v", m.Deps)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest(tt.path, []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, m)
		})
	}
}

func TestParseManifestErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"unterminated string", "[package]\nname = \"x\n", 2, 10, "new lines"},
		{"bad header", "[package\nname = \"x\"\n", 1, 9, ""},
		{"duplicate key", "[package]\nname = \"a\"\nname = \"b\"\n", 3, 1, "already"},
		{"duplicate table", "[dependencies]\n[package]\nname=\"a\"\n[dependencies]\n", 4, 2, "already"},
		{"members not an array", "[workspace]\nmembers = \"crates/*\"\n", 2, 11, "workspace.members"},
		{"member not a string", "[workspace]\nmembers = [\n  \"a\",\n  7,\n]\n", 4, 3, "workspace.members"},
		{"exclude wrong", "[workspace]\nexclude = { a = 1 }\n", 2, 11, "workspace.exclude"},
		{"dep integer", "[package]\nname=\"a\"\n[dependencies]\nfoo = 1\n", 4, 7, "dependencies.foo"},
		{"dep bad req", "[package]\nname=\"a\"\n[dependencies]\nfoo = { version = \"1.x.3\" }\n", 4, 19, "version requirement"},
		{"dep empty req", "[package]\nname=\"a\"\n[dependencies]\nfoo = \"\"\n", 4, 7, "version requirement"},
		{"dep path not string", "[package]\nname=\"a\"\n[dependencies]\nfoo = { path = true }\n", 4, 16, "dependencies.foo.path"},
		{"optional not bool", "[package]\nname=\"a\"\n[dev-dependencies.foo]\nversion = \"1\"\noptional = \"yes\"\n", 5, 12, "optional"},
		{"package version invalid", "[package]\nname=\"a\"\nversion = \"1.0\"\n", 3, 11, "invalid version"},
		{"package version wrong type", "[package]\nname=\"a\"\nversion = 1\n", 3, 11, "package.version"},
		{"missing name", "\n[package]\nversion = \"1.0.0\"\n", 2, 1, "name"},
		{"package not a table", "package = 3\n", 1, 11, "package"},
		{"autobins not bool", "[package]\nname = \"a\"\nautobins = 0\n", 3, 12, "autobins"},
		{"bin not array", "[package]\nname = \"a\"\n[bin]\nname = \"x\"\n", 3, 1, "bin"},
		{"bin name not string", "[package]\nname = \"a\"\n[[bin]]\nname = \"x\"\n[[bin]]\nname = 2\n", 6, 8, "name"},
		{"workspace dep inherits", "[workspace.dependencies]\na = { workspace = true }\n", 2, 5, "inherit"},
		{"target not table", "target = []\n", 1, 10, "target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseManifest("sub/Cargo.toml", []byte(tt.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *ParseError", err, err)
			}
			if pe.Path != "sub/Cargo.toml" || pe.Line != tt.line || pe.Column != tt.col || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got %q (line %d col %d), want line %d col %d containing %q", pe.Error(), pe.Line, pe.Column, tt.line, tt.col, tt.msg)
			}
			if !strings.HasPrefix(pe.Error(), "sub/Cargo.toml:") {
				t.Errorf("Error() = %q", pe.Error())
			}
		})
	}
}

func TestHasBinary(t *testing.T) {
	files := map[string]bool{"a/src/main.rs": true, "c/src/bin/x.rs": true, "src/main.rs": true}
	exists := func(p string) bool { return files[p] }
	under := func(d string) bool {
		for f := range files {
			if strings.HasPrefix(f, d+"/") {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name, path, src string
		want            bool
	}{
		{"main.rs", "a/Cargo.toml", "[package]\nname=\"a\"\n", true},
		{"lib only", "b/Cargo.toml", "[package]\nname=\"b\"\n", false},
		{"src/bin", "c/Cargo.toml", "[package]\nname=\"c\"\n", true},
		{"explicit bin", "b/Cargo.toml", "[package]\nname=\"b\"\n[[bin]]\nname=\"t\"\npath=\"t.rs\"\n", true},
		{"autobins off", "a/Cargo.toml", "[package]\nname=\"a\"\nautobins=false\n", false},
		{"autobins off but [[bin]]", "a/Cargo.toml", "[package]\nname=\"a\"\nautobins=false\n[[bin]]\nname=\"a\"\n", true},
		{"root main.rs", "Cargo.toml", "[package]\nname=\"r\"\n", true},
		{"virtual", "Cargo.toml", "[workspace]\n", false},
	}
	for _, tt := range tests {
		m, err := ParseManifest(tt.path, []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		if got := HasBinary(m, exists, under); got != tt.want {
			t.Errorf("%s: HasBinary = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseLock(t *testing.T) {
	src := `# This file is automatically @generated by Cargo.
version = 4

[[package]]
name = "a"
version = "0.1.0"
dependencies = [
 "b",
 "serde 1.0.1 (registry+https://github.com/rust-lang/crates.io-index)",
]

[[package]]
name = "serde"
version = "1.0.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "00"
`
	l, err := ParseLock("Cargo.lock", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if l.Version != 4 || len(l.Packages) != 2 {
		t.Fatalf("got %+v", l)
	}
	a, s := l.Packages[0], l.Packages[1]
	if a.Name != "a" || a.Version != "0.1.0" || a.Source != "" || a.Line != 4 || len(a.Dependencies) != 2 {
		t.Errorf("a = %+v", a)
	}
	if s.Line != 12 || !strings.HasPrefix(s.Source, "registry+") {
		t.Errorf("serde = %+v", s)
	}
	r := parseLockRef(a.Dependencies[1])
	if r.name != "serde" || r.version != "1.0.1" || r.source != s.Source {
		t.Errorf("ref = %+v", r)
	}
	if l, err := ParseLock("Cargo.lock", nil); err != nil || l.Version != 0 || len(l.Packages) != 0 {
		t.Errorf("empty lock: %+v %v", l, err)
	}

	bad := []struct {
		src       string
		line, col int
	}{
		{"version = \"4\"\n", 1, 11},
		{"[[package]]\nname = \"a\"\n", 1, 1},               // missing version
		{"[[package]]\nname = \"a\"\nversion = 1\n", 3, 11}, // wrong type
		{"[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = \"b\"\n", 4, 16},
		{"[package]\nname = \"a\"\n", 1, 1},
		{"[[package]]\nname = \"a\"\nversion = \"1\"\n\n[[package]]\nname = \"b\"\nname = \"c\"\n", 7, 1},
		{"[[package]\n", 1, 10},
	}
	for _, b := range bad {
		_, err := ParseLock("x/Cargo.lock", []byte(b.src))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != b.line || pe.Column != b.col {
			t.Errorf("ParseLock(%q) = %v, want a ParseError at %d:%d", b.src, err, b.line, b.col)
		}
	}
}
