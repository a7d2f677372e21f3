package dockerfile

import (
	"reflect"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// analyzeOnce is the analysis of one directory with a parse of its own
// (the analyzer's parseAndWalk, as Dockerfile RUNs use it).
func analyzeOnce(t *testing.T, src, dir string, line int) []Command {
	t.Helper()
	a := newAnalyzer(line, runEnv{&state{}})
	st := shState{dir: dir}
	ctx := &scriptCtx{src: src, line: func(p syntax.Pos) int { return line + int(p.Line()) - 1 }}
	if err := a.parseAndWalk(ctx, &st); err != nil {
		t.Fatal(err)
	}
	return a.cmds
}

// AnalyzeScriptDirs walks one parse from several directories: each must
// give what a parse of its own gives (the walk leaves the tree as it is).
func TestAnalyzeScriptDirsAgrees(t *testing.T) {
	scripts := []string{
		"cd sub && docker build -t x .\ncargo build --locked\n",
		"build() { cd \"$1\" && docker build -f Dockerfile .; }\nbuild app\nbuild ../tools\n",
		"for d in a b; do (cd $d && nix build .#x); done\npushd deploy\ndocker compose -f compose.yml build\npopd\n",
		"X=docker; DIR=./ctx\n$X build -f $DIR/Dockerfile $DIR &\nwait\ncp out.bin docker/\n",
	}
	dirs := []string{"/r", "/r/sub", ""}
	for _, src := range scripts {
		got, err := AnalyzeScriptDirs(src, dirs, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range dirs {
			if want := analyzeOnce(t, src, d, 3); !reflect.DeepEqual(got[i], want) {
				t.Errorf("%q from %q:\n got %+v\nwant %+v", src, d, got[i], want)
			}
		}
	}
}
