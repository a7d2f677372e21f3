package demo

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// TestFiles: the embedded archive parses (golang.org/x/tools/txtar) into
// the failing monorepo: a Cargo package without a lock, a flake that reads
// the lock, a Dockerfile.
func TestFiles(t *testing.T) {
	fs := Files()
	for _, name := range []string{"backend/Cargo.toml", "flake.nix", "Dockerfile"} {
		if fs[name] == "" {
			t.Errorf("the demo has no %s (files: %d)", name, len(fs))
		}
	}
	if _, ok := fs["backend/Cargo.lock"]; ok {
		t.Error("the demo has a Cargo.lock: it would not fail")
	}
	if !strings.Contains(fs["flake.nix"], "Cargo.lock") {
		t.Error("the demo's flake does not read the lock")
	}
}

// TestBinaryDeps (issue 16 item 12): the lockguard binary links no test
// library: go-internal (testscript, txtar) is for tests only; the demo reads
// its archive with golang.org/x/tools/txtar. YAML is read with
// go.yaml.in/yaml/v3, the maintained successor of the archived
// gopkg.in/yaml.v3, which go.mod no longer requires.
func TestBinaryDeps(t *testing.T) {
	goBin := testenv.Tool(t, "go")
	cmd := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "github.com/lockguard/lockguard/cmd/lockguard")
	cmd.Dir = testenv.ModuleRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if strings.HasPrefix(pkg, "github.com/rogpeppe/go-internal") {
			t.Errorf("the lockguard binary links %s", pkg)
		}
		if !strings.HasPrefix(pkg, "github.com/lockguard/lockguard/") || pkg == "github.com/lockguard/lockguard/checks" {
			continue
		}
		for _, imp := range strings.Fields(imports) {
			if imp == "gopkg.in/yaml.v3" {
				t.Errorf("%s imports the archived gopkg.in/yaml.v3; use go.yaml.in/yaml/v3", pkg)
			}
		}
	}
}
