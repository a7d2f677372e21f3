package cargo

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pat, name string
		want      bool
	}{
		{"crates/*", "crates/a", true},
		{"crates/*", "crates/a/b", false},
		{"crates/*", "crates", false},
		{"crates/*", "crates/.hidden", true},
		{"crates/a?c", "crates/abc", true},
		{"crates/a?c", "crates/ac", false},
		{"crates/[ab]*", "crates/bx", true},
		{"crates/[ab]*", "crates/cx", false},
		{"crates/[!ab]*", "crates/cx", true},
		{"crates/[a-c]", "crates/b", true},
		{"crates/[]]", "crates/]", true},
		{"crates/[x", "crates/[x", true}, // unclosed class: literal
		{"crates/**", "crates/a/b", true},
		{"crates/**", "crates", false},
		{"crates/**/x", "crates/x", true},
		{"crates/**/x", "crates/a/b/x", true},
		{"crates/**/x", "crates/a/b/y", false},
		{"**/x", "x", true},
		{"Crates/*", "crates/a", false},
		{"*-svc", "auth-svc", true},
		{"*-svc", "auth-svc2", false},
	}
	for _, tt := range tests {
		if got := globMatch(splitDir(tt.pat), splitDir(tt.name)); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pat, tt.name, got, tt.want)
		}
	}
}

func mustManifests(t testing.TB, files map[string]string) []*Manifest {
	t.Helper()
	var ms []*Manifest
	for p, src := range files {
		m, err := ParseManifest(p, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

func describeRoots(roots []Root) []string {
	var out []string
	for _, r := range roots {
		var mem []string
		for _, m := range r.Members {
			d := m.Dir
			if d == "" {
				d = "."
			}
			mem = append(mem, d)
		}
		v := ""
		if r.Virtual {
			v = " virtual"
		}
		out = append(out, fmt.Sprintf("%s%s [%s]", r.LockPath(), v, strings.Join(mem, " ")))
	}
	return out
}

func p(name string, extra ...string) string {
	return "[package]\nname = \"" + name + "\"\nversion = \"0.1.0\"\n" + strings.Join(extra, "\n") + "\n"
}

func TestFindRoots(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		roots    []string
		problems []string // substrings, one per problem, in order
	}{
		{
			name:  "single package",
			files: map[string]string{"Cargo.toml": p("a")},
			roots: []string{"Cargo.lock [.]"},
		},
		{
			name: "virtual workspace with globs and exclude",
			files: map[string]string{
				"Cargo.toml":          "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/old\"]\n",
				"crates/a/Cargo.toml": p("a"), "crates/b/Cargo.toml": p("b"), "crates/old/Cargo.toml": p("old"),
				"crates/a/deep/Cargo.toml": p("deep"), // under a member, not matched, not a path dep
			},
			roots:    []string{"Cargo.lock virtual [crates/a crates/b]", "crates/a/deep/Cargo.lock [crates/a/deep]", "crates/old/Cargo.lock [crates/old]"},
			problems: []string{"package deep believes it is in workspace Cargo.toml"},
		},
		{
			name: "explicit member entry beats exclude",
			files: map[string]string{
				"Cargo.toml":            "[workspace]\nmembers = [\"crates/old\"]\nexclude = [\"crates\"]\n",
				"crates/old/Cargo.toml": p("old"), "crates/x/Cargo.toml": p("x"),
			},
			roots: []string{"Cargo.lock virtual [crates/old]", "crates/x/Cargo.lock [crates/x]"},
		},
		{
			name: "exclude is a component prefix, not a string prefix",
			files: map[string]string{
				"Cargo.toml":     "[workspace]\nmembers = [\"*\"]\nexclude = [\"ol\"]\n",
				"old/Cargo.toml": p("old"),
			},
			roots: []string{"Cargo.lock virtual [old]"},
		},
		{
			name: "root package plus implicit path members",
			files: map[string]string{
				"Cargo.toml":        p("top", "[dependencies]\nu = { path = \"libs/u\" }\n[workspace]\n"),
				"libs/u/Cargo.toml": p("u", "[dev-dependencies]\nv = { path = \"../v\" }"),
				"libs/v/Cargo.toml": p("v"),
			},
			roots: []string{"Cargo.lock [. libs/u libs/v]"},
		},
		{
			name: "workspace-inherited path dependency is an implicit member",
			files: map[string]string{
				"Cargo.toml":        "[workspace]\nmembers = [\"app\"]\n[workspace.dependencies]\nu = { path = \"libs/u\" }\n",
				"app/Cargo.toml":    p("app", "[dependencies]\nu.workspace = true"),
				"libs/u/Cargo.toml": p("u"),
			},
			roots: []string{"Cargo.lock virtual [app libs/u]"},
		},
		{
			name: "path dependency outside the workspace dir is not a member",
			files: map[string]string{
				"ws/Cargo.toml":     "[workspace]\nmembers = [\"app\"]\n",
				"ws/app/Cargo.toml": p("app", "[dependencies]\next = { path = \"../../ext\" }"),
				"ext/Cargo.toml":    p("ext"),
			},
			roots: []string{"ext/Cargo.lock [ext]", "ws/Cargo.lock virtual [ws/app]"},
		},
		{
			name: "nested workspace",
			files: map[string]string{
				"Cargo.toml":         "[workspace]\nmembers = [\"a\"]\n",
				"a/Cargo.toml":       p("a"),
				"inner/Cargo.toml":   p("inner", "[workspace]\nmembers = [\"x\"]"),
				"inner/x/Cargo.toml": p("x"),
				"inner/y/Cargo.toml": p("y"), // nearest workspace is inner, which does not list it
			},
			roots:    []string{"Cargo.lock virtual [a]", "inner/Cargo.lock [inner inner/x]", "inner/y/Cargo.lock [inner/y]"},
			problems: []string{"package y believes it is in workspace inner/Cargo.toml"},
		},
		{
			name: "excluded by the nearest workspace, claimed by the next one up",
			files: map[string]string{
				"Cargo.toml":         "[workspace]\nmembers = [\"inner/z\"]\n",
				"inner/Cargo.toml":   "[workspace]\nexclude = [\"z\"]\n",
				"inner/z/Cargo.toml": p("z"),
			},
			roots: []string{"Cargo.lock virtual [inner/z]", "inner/Cargo.lock virtual []"},
		},
		{
			name: "member whose own root search ends elsewhere is locked by both",
			files: map[string]string{
				"Cargo.toml":         "[workspace]\nmembers = [\"inner/*\"]\n",
				"inner/Cargo.toml":   "[workspace]\nmembers = [\"z\"]\n",
				"inner/z/Cargo.toml": p("z"),
			},
			roots: []string{"Cargo.lock virtual [inner/z]", "inner/Cargo.lock virtual [inner/z]"},
		},
		{
			name: "member that is a workspace root",
			files: map[string]string{
				"Cargo.toml":       p("top", "[workspace]\nmembers = [\"inner\"]"),
				"inner/Cargo.toml": p("inner", "[workspace]"),
			},
			roots:    []string{"Cargo.lock [.]", "inner/Cargo.lock [inner]"},
			problems: []string{"multiple workspace roots"},
		},
		{
			name: "member outside without a pointer",
			files: map[string]string{
				"ws/Cargo.toml":  "[workspace]\nmembers = [\"../ext\"]\n",
				"ext/Cargo.toml": p("ext"),
			},
			roots:    []string{"ext/Cargo.lock [ext]", "ws/Cargo.lock virtual []"},
			problems: []string{`ws/Cargo.toml: workspace member ext/Cargo.toml is not hierarchically below the workspace root ws/Cargo.toml: add ` + "`workspace = \"../ws\"`"},
		},
		{
			name: "package.workspace pointers",
			files: map[string]string{
				"ws/Cargo.toml":     "[workspace]\nmembers = [\"../pm\"]\n",
				"pm/Cargo.toml":     p("pm", "workspace = \"../ws\""),
				"nows/Cargo.toml":   p("nows", "workspace = \"../pm\""),
				"gone/Cargo.toml":   p("gone", "workspace = \"../missing\""),
				"broken/Cargo.toml": p("broken", "workspace = \"../unparsed\""),
			},
			roots: []string{"broken/Cargo.lock [broken]", "gone/Cargo.lock [gone]", "nows/Cargo.lock [nows]", "ws/Cargo.lock virtual [pm]"},
			problems: []string{
				`gone/Cargo.toml: package.workspace = "../missing" points at missing/Cargo.toml, which does not exist`,
				`nows/Cargo.toml: package.workspace = "../pm" points at pm/Cargo.toml, which has no [workspace]`,
			},
		},
		{
			name: "ancestor package pointer is inherited by a nested package",
			files: map[string]string{
				"ws/Cargo.toml":        "[workspace]\nmembers = [\"../outer\", \"../outer/sub\"]\n",
				"outer/Cargo.toml":     p("outer", "workspace = \"../ws\""),
				"outer/sub/Cargo.toml": p("sub"),
			},
			roots: []string{"ws/Cargo.lock virtual [outer outer/sub]"},
		},
		{
			name: "manifest with neither table",
			files: map[string]string{
				"Cargo.toml":   "[dependencies]\n",
				"a/Cargo.toml": p("a"),
			},
			roots: []string{"a/Cargo.lock [a]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := mustManifests(t, tt.files)
			exists := func(rel string) bool { return rel == "unparsed/Cargo.toml" || tt.files[rel] != "" }
			roots, problems := FindRoots(ms, exists)
			if got := describeRoots(roots); !slices.Equal(got, tt.roots) {
				t.Errorf("roots:\n got %q\nwant %q", got, tt.roots)
			}
			if len(problems) != len(tt.problems) {
				t.Fatalf("problems = %+v, want %d", problems, len(tt.problems))
			}
			for i, pr := range problems {
				if s := pr.Path + ": " + pr.Msg; !strings.Contains(s, tt.problems[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, s, tt.problems[i])
				}
				if pr.Pos.Line == 0 {
					t.Errorf("problem %d has no position", i)
				}
			}
		})
	}
}
