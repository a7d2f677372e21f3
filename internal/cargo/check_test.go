package cargo

import (
	"strings"
	"testing"
)

const crates = "registry+https://github.com/rust-lang/crates.io-index"

func checkFixture(t *testing.T, files map[string]string, lock string) []Stale {
	t.Helper()
	ms := mustManifests(t, files)
	roots, _ := FindRoots(ms, func(string) bool { return false })
	byDir := map[string]*Manifest{}
	for _, m := range ms {
		byDir[m.Dir] = m
	}
	l, err := ParseLock("Cargo.lock", []byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roots {
		if r.Dir() == "" {
			return CheckLock(r, l, byDir)
		}
	}
	t.Fatal("no root at the repository root")
	return nil
}

func TestCheckLockSourced(t *testing.T) {
	lockWith := func(deps string, extra string) string {
		return "version = 4\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [" + deps + "]\n" + extra
	}
	serde := "[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"" + crates + "\"\n"
	serde2 := "[[package]]\nname = \"serde\"\nversion = \"2.0.0\"\nsource = \"" + crates + "\"\n"
	// Cargo writes crates.io as the registry+ source whatever the
	// protocol: a sparse+ crates.io package is another source (cargo 1.95
	// refuses such a lock under --locked).
	sparse := "[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"sparse+https://index.crates.io/\"\n"
	alt := "[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"sparse+https://alt.example/index/\"\n"
	gitdep := "[[package]]\nname = \"g\"\nversion = \"0.1.0\"\nsource = \"git+https://github.com/Org/G.git?branch=dev#0123abc\"\n"
	tests := []struct {
		name, deps, lock string
		want             []string // substrings of the messages; none = fresh
	}{
		{"fresh registry", `serde = "1.0.100"`, lockWith(`"serde"`, serde), nil},
		{"req excludes locked", `serde = "=1.0.199"`, lockWith(`"serde"`, serde), []string{"serde =1.0.199 but Cargo.lock only has serde 1.0.200"}},
		{"missing", `serde = "1"`, lockWith(``, ""), []string{"depends on serde ^1, which is missing from Cargo.lock"}},
		{"not linked", `serde = "1"`, lockWith(``, serde), []string{"does not record that dependency of app"}},
		{"two versions, qualified refs", "serde = \"2\"\ns1 = { package = \"serde\", version = \"1\" }", lockWith(`"serde 1.0.200", "serde 2.0.0"`, serde+serde2), nil},
		{"qualified ref to the wrong one", `serde = "2"`, lockWith(`"serde 1.0.200"`, serde+serde2), []string{"does not record"}},
		{"path package is not a registry package", `serde = "1"`, lockWith(`"serde"`, "[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\n"), []string{"only has serde 1.0.0 (path)"}},
		{"renamed", `s = { package = "serde", version = "1.0" }`, lockWith(`"serde"`, serde), nil},
		{"crates.io is never sparse+ in a lock", `serde = "1"`, lockWith(`"serde"`, sparse), []string{"only has serde 1.0.200 (sparse+https://index.crates.io/)"}},
		{"alternative registry, undefined here", `serde = { version = "1", registry = "alt" }`, lockWith(`"serde"`, alt), nil},
		{"alternative registry locked from crates.io", `serde = { version = "1", registry = "alt" }`, lockWith(`"serde"`, serde), []string{`serde ^1 (registry "alt") but Cargo.lock only has serde 1.0.200`}},
		{"crates.io dependency locked from a registry", `serde = "1"`, lockWith(`"serde"`, alt), []string{"only has serde 1.0.200 (sparse+https://alt.example/index/)"}},
		{"renamed stale", `s = { package = "serde", version = "1.1" }`, lockWith(`"serde"`, serde+serde2), []string{"only has serde 1.0.200, serde 2.0.0"}},
		{"renamed stale 2", `s = { package = "serde", version = "3" }`, lockWith(`"serde 1.0.200", "serde 2.0.0"`, serde+serde2), []string{`s (package "serde") ^3`}},
		{"git fresh (canonical URL)", `g = { git = "https://github.com/org/g", branch = "dev" }`, lockWith(`"g"`, gitdep), nil},
		{"git other branch", `g = { git = "https://github.com/org/g", branch = "main" }`, lockWith(`"g"`, gitdep), []string{"git https://github.com/org/g?branch=main"}},
		{"git other url", `g = { git = "https://example.com/g", branch = "dev" }`, lockWith(`"g"`, gitdep), []string{"only has g 0.1.0 (git+"}},
		{"git dep locked from registry", `g = { git = "https://github.com/org/g", branch = "dev" }`, lockWith(`"g"`, "[[package]]\nname = \"g\"\nversion = \"0.1.0\"\nsource = \""+crates+"\"\n"), []string{"git"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := checkFixture(t, map[string]string{"Cargo.toml": p("app", "[dependencies]\n"+tt.deps)}, tt.lock)
			if len(st) != len(tt.want) {
				t.Fatalf("got %+v, want %d findings", st, len(tt.want))
			}
			for i, s := range st {
				if !strings.Contains(s.Msg, tt.want[i]) || s.Path != "Cargo.toml" || s.Pos.Line != 5 {
					t.Errorf("finding %+v, want Cargo.toml:5 containing %q", s, tt.want[i])
				}
			}
		})
	}
}

func TestCheckLockPatchAndMembers(t *testing.T) {
	files := map[string]string{
		"Cargo.toml":       p("app", "[dependencies]\nserde = \"0.1\"\n[patch.crates-io]\nserde = { path = \"serde\" }\n[workspace]\nmembers = [\"m\"]"),
		"m/Cargo.toml":     "[package]\nname = \"m\"\nversion.workspace = true\n",
		"serde/Cargo.toml": p("serde"),
	}
	files["Cargo.toml"] += "[workspace.package]\nversion = \"3.1.0\"\n"
	lock := "version = 4\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"serde\"]\n[[package]]\nname = \"serde\"\nversion = \"0.1.0\"\n[[package]]\nname = \"m\"\nversion = \"3.1.0\"\n"
	if st := checkFixture(t, files, lock); len(st) != 0 {
		t.Errorf("patched dependency and inherited version: %+v", st)
	}
	lock = strings.Replace(lock, "3.1.0", "3.0.0", 1)
	st := checkFixture(t, files, lock)
	if len(st) != 1 || st[0].Path != "m/Cargo.toml" || !strings.Contains(st[0].Msg, "workspace member m is version 3.1.0 but Cargo.lock locks it at 3.0.0") || st[0].Pos.Line != 1 {
		t.Errorf("got %+v", st)
	}
	// An empty lock: every member is missing, reported once each at its
	// header, and so is the package the [patch] resolves to.
	st = checkFixture(t, files, "")
	if len(st) != 3 || !strings.Contains(st[0].Msg, "app 0.1.0 (Cargo.toml) is missing from Cargo.lock") {
		t.Errorf("got %+v", st)
	}
}

func TestCheckLockNilLock(t *testing.T) {
	ms := mustManifests(t, map[string]string{"Cargo.toml": p("a")})
	roots, _ := FindRoots(ms, func(string) bool { return false })
	if st := CheckLock(roots[0], nil, map[string]*Manifest{"": ms[0]}); len(st) != 1 {
		t.Errorf("got %+v", st)
	}
}

// A workspace version bump that the lock missed is one finding, at
// workspace.package.version, naming the packages that inherit it.
func TestCheckLockVersionBumpGrouped(t *testing.T) {
	files := map[string]string{
		"Cargo.toml":   "[workspace]\nmembers = [\"a\", \"b\", \"c\"]\n\n[workspace.package]\nversion = \"2.0.0\"\n",
		"a/Cargo.toml": "[package]\nname = \"a\"\nversion.workspace = true\n",
		"b/Cargo.toml": "[package]\nname = \"b\"\nversion.workspace = true\n",
		"c/Cargo.toml": "[package]\nname = \"c\"\nversion = \"1.0.0\"\n",
	}
	lock := "version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n[[package]]\nname = \"c\"\nversion = \"0.9.0\"\n"
	st := checkFixture(t, files, lock)
	if len(st) != 2 {
		t.Fatalf("got %+v, want the bump once and c once", st)
	}
	if st[0].Path != "Cargo.toml" {
		st[0], st[1] = st[1], st[0]
	}
	want := "2 packages inherit version 2.0.0 from Cargo.toml (workspace.package.version), but Cargo.lock locks them at 1.0.0: a, b"
	if st[0].Path != "Cargo.toml" || st[0].Pos.Line != 5 || st[0].Msg != want {
		t.Errorf("got %s:%d %q, want Cargo.toml:5 %q", st[0].Path, st[0].Pos.Line, st[0].Msg, want)
	}
	if st[1].Path != "c/Cargo.toml" || !strings.Contains(st[1].Msg, "workspace member c is version 1.0.0 but Cargo.lock locks it at 0.9.0") {
		t.Errorf("got %+v", st[1])
	}
}

// A [workspace.dependencies] entry bumped without the lock is one finding
// at the entry, naming the packages that inherit it; a lone inheritor
// keeps its finding at its own dependency.
func TestCheckLockWorkspaceDependencyGrouped(t *testing.T) {
	files := map[string]string{
		"Cargo.toml":   "[workspace]\nmembers = [\"a\", \"b\"]\n\n[workspace.dependencies]\nserde = \"2\"\n",
		"a/Cargo.toml": "[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = { workspace = true }\n",
		"b/Cargo.toml": "[package]\nname = \"b\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde.workspace = true\n",
	}
	lock := "version = 4\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\"serde\"]\n[[package]]\nname = \"b\"\nversion = \"0.1.0\"\ndependencies = [\"serde\"]\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"" + crates + "\"\n"
	st := checkFixture(t, files, lock)
	want := "2 packages inherit serde ^2 from Cargo.toml ([workspace.dependencies]), but Cargo.lock only has serde 1.0.200: a, b"
	if len(st) != 1 || st[0].Path != "Cargo.toml" || st[0].Pos.Line != 5 || st[0].Msg != want {
		t.Fatalf("got %+v, want one finding at Cargo.toml:5 %q", st, want)
	}
	files["Cargo.toml"] = "[workspace]\nmembers = [\"a\"]\n\n[workspace.dependencies]\nserde = \"2\"\n"
	delete(files, "b/Cargo.toml")
	lock = strings.Replace(lock, "[[package]]\nname = \"b\"\nversion = \"0.1.0\"\ndependencies = [\"serde\"]\n", "", 1)
	st = checkFixture(t, files, lock)
	if len(st) != 1 || st[0].Path != "a/Cargo.toml" || !strings.Contains(st[0].Msg, "a/Cargo.toml depends on serde ^2 but Cargo.lock only has serde 1.0.200") {
		t.Fatalf("lone inheritor: got %+v", st)
	}
}
