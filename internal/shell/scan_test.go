package shell

import (
	"slices"
	"strings"
	"testing"
)

func TestScanners(t *testing.T) {
	mk := "VAR := x\n.PHONY: a\na: b\n\t@echo $(VAR)\n\t-nix build .#x \\\n\t  -L\n\nb:\n\tcd sub && nix build\nc = d\n\tnot a recipe\n"
	got := Makefile("dir/Makefile", []byte(mk))
	if len(got) != 3 || got[1].Line != 5 || got[1].Text != "nix build .#x \\\n  -L" || got[2].Line != 9 || got[0].Dirs[0] != "dir" {
		t.Errorf("Makefile pieces: %+v", got)
	}
	if !strings.Contains(got[0].Text, "$__make") {
		t.Errorf("make variables are not made dynamic: %q", got[0].Text)
	}

	just := "set shell := [\"bash\", \"-c\"]\nx := \"1\"\n# comment\n@build target:\n    @nix build .#{{target}}\n    nix build .#server\n\n[private]\nother:\n\tnix run\n"
	got = Justfile("justfile", []byte(just))
	if len(got) != 3 || got[0].Line != 5 || got[1].Text != "nix build .#server" || got[2].Line != 10 {
		t.Errorf("justfile pieces: %+v", got)
	}
	if strings.Contains(got[0].Text, "{{") {
		t.Errorf("just interpolation kept: %q", got[0].Text)
	}

	wf := "on: push\ndefaults:\n  run:\n    working-directory: app\njobs:\n  a:\n    defaults:\n      run:\n        shell: pwsh\n    steps:\n      - run: nix build\n  b:\n    steps:\n      - run: nix build\n      - working-directory: ./sub/\n        run: |\n          echo\n          nix build\n      - working-directory: ${{ env.X }}\n        run: nix build\n      - shell: python\n        run: print()\n"
	got = Workflow("", []byte(wf))
	if len(got) != 2 || got[0].Line != 14 || got[0].Dirs[0] != "app" || got[1].Line != 17 || got[1].Dirs[0] != "sub" {
		t.Errorf("workflow pieces: %+v", got)
	}

	// A job that checks the repository out into a subdirectory is left out.
	sub := "on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          path: src\n      - run: nix build ./src\n  b:\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          repository: org/other\n          path: other\n      - run: nix build\n"
	if got = Workflow("", []byte(sub)); len(got) != 1 || got[0].Line != 15 {
		t.Errorf("workflow pieces with checkouts into subdirectories: %+v", got)
	}

	gl := "before_script:\n  - nix build .#a\nbuild:\n  script:\n    - echo\n    - - nix build\n  after_script: nix run\nvariables:\n  X: y\n"
	got = GitlabCI("", []byte(gl))
	var lines []int
	for _, pc := range got {
		lines = append(lines, pc.Line)
	}
	if !slices.Equal(lines, []int{2, 5, 6, 7}) {
		t.Errorf("gitlab pieces at lines %v", lines)
	}
}
