package dockerfile

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestIsDockerfileName(t *testing.T) {
	yes := []string{"Dockerfile", "sub/Dockerfile", "Containerfile", "Dockerfile.dev", "app.Dockerfile", "build.Dockerfile.prod", "dockerfile", `c:\x\Dockerfile`}
	no := []string{"Dockerfile.dockerignore", "app.Dockerfile.dockerignore", ".dockerignore", "Dockerfiles", "Dockerfile-old", "README.md", "docker-compose.yml", "my.dockerfile.txt", "DOCKERFILE",
		"builder/templates/rust.Dockerfile.jinja2", "Dockerfile.j2", "Dockerfile.tmpl", "Dockerfile.template", "Dockerfile.in"}
	for _, p := range yes {
		if !IsDockerfileName(p) {
			t.Errorf("IsDockerfileName(%q) = false", p)
		}
	}
	for _, p := range no {
		if IsDockerfileName(p) {
			t.Errorf("IsDockerfileName(%q) = true", p)
		}
	}
}

func TestIgnoreFileFor(t *testing.T) {
	files := map[string]bool{}
	exists := func(p string) bool { return files[p] }
	if got := IgnoreFileFor("docker/app.Dockerfile", ".", exists); got != "" {
		t.Errorf("none: %q", got)
	}
	files["./.dockerignore"] = true
	if got := IgnoreFileFor("docker/app.Dockerfile", ".", exists); got != "./.dockerignore" {
		t.Errorf("context: %q", got)
	}
	files["docker/app.Dockerfile.dockerignore"] = true
	if got := IgnoreFileFor("docker/app.Dockerfile", ".", exists); got != "docker/app.Dockerfile.dockerignore" {
		t.Errorf("specific wins: %q", got)
	}
	// Only <name>.dockerignore of the same Dockerfile counts.
	if got := IgnoreFileFor("docker/Dockerfile", ".", exists); got != "./.dockerignore" {
		t.Errorf("other dockerfile: %q", got)
	}
	files["/repo/.dockerignore"] = true
	if got := IgnoreFileFor("/repo/Dockerfile", "/repo/", exists); got != "/repo/.dockerignore" {
		t.Errorf("trailing slash: %q", got)
	}
	if got := IgnoreFileFor("Dockerfile", "", nil); got != "" {
		t.Errorf("nil exists: %q", got)
	}
}

func TestIgnoreExcluded(t *testing.T) {
	type c struct {
		path  string
		isDir bool
		want  bool
	}
	tests := []struct {
		name  string
		file  string
		cases []c
	}{
		{"basic", "target\n*.md\n!README.md\n", []c{
			{"target/debug/app", false, true}, {"target", true, true}, {"README.md", false, false},
			{"CHANGES.md", false, true}, {"sub/x.md", false, false}, {"src/main.rs", false, false}}},
		{"git", ".git\n", []c{{".git", true, true}, {".git/HEAD", false, true}, {".github/workflows/ci.yml", false, false}}},
		{"comments blank leading slash", "\ufeff# comment\n\n  /Cargo.lock  \n", []c{{"Cargo.lock", false, true}, {"sub/Cargo.lock", false, false}}},
		{"double star", "**/Cargo.lock\n", []c{{"Cargo.lock", false, true}, {"a/b/Cargo.lock", false, true}}},
		// fsutil walk: docs is excluded, but !docs/keep.md names a path below it,
		// so the walk enters docs and keeps keep.md even though * excludes it
		// in a one-shot match.
		{"walk semantics", "docs\n!docs/keep.md\n*\n", []c{{"docs/keep.md", false, false}, {"docs/other.md", false, true}, {"x", false, true}}},
		// A wildcard exception disables directory skipping.
		{"wildcard exception", "*\n!*/Cargo.lock\n", []c{{"backend/Cargo.lock", false, false}, {"backend/src/lib.rs", false, true}}},
		// A plain exception below an excluded directory keeps the walk going
		// into it, and only the named file comes back.
		{"exception below dir", "vendor\n!vendor/keep\n", []c{{"vendor/keep", false, false}, {"vendor/other", false, true}, {"vendor", true, true}}},
		{"exclude all but", "*\n!backend\n", []c{{"backend/Cargo.lock", false, false}, {"frontend/x", false, true}, {"Cargo.lock", false, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ig, err := ParseIgnore(".dockerignore", []byte(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			for _, cc := range tt.cases {
				if got := ig.Excluded(cc.path, cc.isDir); got != cc.want {
					t.Errorf("Excluded(%q) = %v, want %v", cc.path, got, cc.want)
				}
			}
		})
	}
	var nilIg *Ignore
	if nilIg.Excluded(".git", true) {
		t.Error("nil Ignore excludes")
	}
}

func TestIgnoreMatch(t *testing.T) {
	ig, err := ParseIgnore(".dockerignore", []byte("# build output\ntarget\n\n*.lock\n!Cargo.lock\n.git\n"))
	if err != nil {
		t.Fatal(err)
	}
	if line, pat, ok := ig.Match("target/debug/x"); !ok || line != 2 || pat != "target" {
		t.Errorf("target: %d %q %v", line, pat, ok)
	}
	if line, pat, ok := ig.Match("yarn.lock"); !ok || line != 4 || pat != "*.lock" {
		t.Errorf("yarn.lock: %d %q %v", line, pat, ok)
	}
	if _, _, ok := ig.Match("Cargo.lock"); ok {
		t.Error("Cargo.lock is re-included")
	}
	if line, _, ok := ig.Match(".git/config"); !ok || line != 6 {
		t.Errorf(".git: %d %v", line, ok)
	}
	if _, _, ok := ig.Match("src/main.rs"); ok {
		t.Error("src excluded")
	}
}

func TestParseIgnoreErrors(t *testing.T) {
	for _, tt := range []struct {
		data string
		line int
	}{
		{"ok\n!\n", 2},
		{"a\nb\n[\n", 3},
		{"x\n!  \n", 2},
	} {
		_, err := ParseIgnore("ctx/.dockerignore", []byte(tt.data))
		var ie *IgnoreError
		if !errors.As(err, &ie) || ie.Line != tt.line || ie.Path != "ctx/.dockerignore" {
			t.Errorf("%q: err = %v, want line %d", tt.data, err, tt.line)
		}
	}
	if _, err := ParseIgnore(".dockerignore", []byte("a\n#!\n\n")); err != nil {
		t.Errorf("valid file: %v", err)
	}
}

// TestIgnoreConcurrentExcluded: check's rules run in parallel and share one
// parsed .dockerignore; patternmatcher compiles patterns lazily, so matching
// must be serialised (this test fails under -race without it).
func TestIgnoreConcurrentExcluded(t *testing.T) {
	ig, err := ParseIgnore(".dockerignore", []byte("target\n**/*.log\n!keep.log\nsrc/*/gen\n"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !ig.Excluded("a/b.log", false) || ig.Excluded("keep.log", false) || !ig.Excluded("src/x/gen", true) || ig.Excluded(fmt.Sprintf("ok%d", i), false) {
				t.Error("wrong verdict under concurrency")
			}
		}()
	}
	wg.Wait()
}
