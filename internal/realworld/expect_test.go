package realworld

import (
	"strings"
	"testing"
)

const sample = "# comment\n" +
	"o/a\tLG101\tx/Cargo.toml\t1\tTRUE\treal\n" +
	"o/a\tLG203\tt/flake.nix\t4\tINTENT\ttemplate\n" +
	"o/a\tLG303\tDockerfile\t2\tFALSE\tcontext\n" +
	BeginXfail + " (issue 11)\n" +
	"o/a\tLG103\tCargo.toml\t9\tFALSE\toptional dep\n" +
	EndXfail + "\n"

func TestCompare(t *testing.T) {
	exp, err := ParseExpectations(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	f := func(rule, path string, line int, sev string) Finding {
		return Finding{Key: Key{"o/a", rule, path, line}, Severity: sev}
	}
	cases := []struct {
		name     string
		findings []Finding
		want     []string // substrings of the problems, in order
		wrong    int
	}{
		{"as expected", []Finding{f("LG101", "x/Cargo.toml", 1, "error"), f("LG103", "Cargo.toml", 9, "error")}, nil, 1},
		{"intent below the bar is fine", []Finding{f("LG101", "x/Cargo.toml", 1, "error"), f("LG103", "Cargo.toml", 9, "error"), f("LG203", "t/flake.nix", 4, "info")}, nil, 1},
		{"true lost, xfail gone", nil, []string{"TRUE finding no longer reported", "expected failure no longer reported"}, 0},
		{"true demoted", []Finding{f("LG101", "x/Cargo.toml", 1, "warning"), f("LG103", "Cargo.toml", 9, "error")}, []string{"TRUE finding reported as warning"}, 1},
		{"false and intent reported", []Finding{f("LG101", "x/Cargo.toml", 1, "error"), f("LG103", "Cargo.toml", 9, "error"), f("LG303", "Dockerfile", 2, "error"), f("LG203", "t/flake.nix", 4, "warning")}, []string{"wrong finding reported (FALSE", "wrong finding reported (INTENT"}, 3},
		{"unlabelled", []Finding{f("LG101", "x/Cargo.toml", 1, "error"), f("LG103", "Cargo.toml", 9, "error"), f("LG101", "y/Cargo.toml", 1, "error")}, []string{"unlabelled: o/a LG101 y/Cargo.toml:1"}, 1},
	}
	for _, c := range cases {
		res := Compare(c.findings, exp, []string{"o/a"})
		joined := strings.Join(res.Problems, "\n")
		if len(res.Problems) != len(c.want) {
			t.Errorf("%s: problems:\n%s\nwant %d", c.name, joined, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(res.Problems[i], w) {
				t.Errorf("%s: problem %d = %q, want it to contain %q", c.name, i, res.Problems[i], w)
			}
		}
		if res.Total.Wrong != c.wrong {
			t.Errorf("%s: wrong = %d, want %d", c.name, res.Total.Wrong, c.wrong)
		}
	}
	// Expectations of repositories outside the run are not missing.
	if res := Compare(nil, exp, []string{"o/other"}); len(res.Problems) != 0 {
		t.Errorf("other repo: %v", res.Problems)
	}
}

func TestParseExpectationsErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"o/a\tLG101\tp\t1\tMAYBE\tr\n", "expected.tsv:1: verdict"},
		{"o/a\tLG101\tp\tx\tTRUE\tr\n", "expected.tsv:1: line"},
		{"o/a\tLG101\tp\t1\tTRUE\n", "expected.tsv:1: want 6"},
		{"o/a\tLG101\tp\t1\tTRUE\t \n", "needs a reason"},
		{"o/a\tLG101\tp\t1\tTRUE\tr\no/a\tLG101\tp\t1\tFALSE\tr\n", "expected.tsv:2: o/a LG101 p:1 is already judged on line 1"},
		{BeginXfail + "\no/a\tLG101\tp\t1\tTRUE\tr\n" + EndXfail + "\n", "only FALSE and INTENT"},
		{BeginXfail + "\n", "never closed"},
		{EndXfail + "\n", "without"},
	} {
		_, err := ParseExpectations(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseExpectations(%q) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
}
