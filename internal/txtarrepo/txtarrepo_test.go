package txtarrepo

import (
	"strings"
	"testing"
)

func TestParseWants(t *testing.T) {
	r, err := Parse("x.txtar", []byte(`comment
-- Dockerfile --
FROM nixos/nix
# want LG301 "overwrites" LG303
COPY . .
RUN nix build .#backend # want LG402
RUN echo '#' # want LG401 LG401 "a # in a pattern"
-- want --
# comment
package.json:3 LG303
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range r.Wants {
		got = append(got, w.String()+" @"+w.At)
	}
	want := []string{
		`Dockerfile:3 LG301 "overwrites" @x.txtar:4`,
		`Dockerfile:3 LG303 @x.txtar:4`,
		`Dockerfile:4 LG402 @x.txtar:6`,
		`Dockerfile:5 LG401 @x.txtar:7`,
		`Dockerfile:5 LG401 "a # in a pattern" @x.txtar:7`,
		`package.json:3 LG303 @x.txtar:10`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("wants:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(r.Files) != 1 || r.Files[0].Path != "Dockerfile" || r.Files[0].State != Committed {
		t.Errorf("files: %+v", r.Files)
	}
}

func TestParseMarkers(t *testing.T) {
	r, err := Parse("x", []byte(`
-- a [untracked] --
-- b [symlink,staged] --
a
-- c [intent-to-add executable] --
-- a2 --
-- a2 [modified] --
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range r.Files {
		got = append(got, f.Path+" "+f.Marker()+" "+string(f.Data))
	}
	want := "a [untracked] |b [staged, symlink] a|c [intent-to-add, executable] |a2  |a2 [modified] "
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("got  %q\nwant %q", g, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ archive, want string }{
		{"-- a [frozen] --\n", `x:1: unknown marker "frozen"`},
		{"-- a [untracked staged] --\n", "two states"},
		{"-- a [modified] --\n", "needs a committed or staged version earlier"},
		{"-- a --\n-- a --\n", "appears again"},
		{"-- a [untracked] --\n-- a [modified] --\n", "appears again"},
		{"-- a --\n-- a [modified] --\n-- a [staged] --\n", "appears again"},
		{"-- ../a --\n", "bad repository path"},
		{"-- .git/config --\n", "bad repository path"},
		{"-- a --\nx # want LG1\n", `x:2: "LG1" is not a rule ID`},
		{"-- a --\n# want\nx\n", "names no rule"},
		{"-- a --\nx # want LG101 \"(\"\n", "error parsing regexp"},
		{"-- a --\nx # want \"re\"\n", "a quoted message pattern follows a rule ID"},
		{"-- a --\nx # wanted\n", ""}, // not a want
		{"-- a --\n# want \"re\" LG101\nx\n", "a quoted message pattern follows a rule ID"},
		{"-- a --\nx\n# want LG101\n", "on the last line has no line after it"},
		{"-- want --\nCargo.toml LG101\n", "want lines read path:line LGxxx"},
		{"-- want --\nCargo.toml:0 LG101\n", "bad line number"},
	} {
		_, err := Parse("x", []byte(tc.archive))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.archive, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.archive, err, tc.want)
		}
	}
}

func TestParseExamples(t *testing.T) {
	exs, err := ParseExamples("LG101.txtar", []byte(`why the examples are as they are
-- bad --
A root without a lock.
-- bad/Cargo.toml --
[package] # want LG101
-- good/Cargo.toml --
[package]
-- good/Cargo.lock --
version = 4
-- good --
The lock committed.
-- good-consumed/x --
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range exs {
		got = append(got, e.Name+":"+e.Caption+":"+e.Files[0].Path+":"+string(rune('0'+len(e.Wants))))
	}
	if g, w := strings.Join(got, "|"), "bad:A root without a lock.:Cargo.toml:1|good:The lock committed.:Cargo.toml:0|good-consumed::x:0"; g != w {
		t.Errorf("got  %s\nwant %s", g, w)
	}
	if !exs[0].Bad() || exs[1].Bad() {
		t.Error("Bad()")
	}
	for _, tc := range []struct{ archive, want string }{
		{"-- Cargo.toml --\n", "an example's name starts with bad or good"},
		{"-- ugly/Cargo.toml --\n", "an example's directory starts with bad or good"},
		{"-- bad --\nx\n", "has a caption but no files"},
		{"-- badly/x --\n", "starts with bad or good"},
	} {
		if _, err := ParseExamples("x", []byte(tc.archive)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.archive, err, tc.want)
		}
	}
}
