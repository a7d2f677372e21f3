package cargo

import "testing"

func TestParseGitSource(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want GitSource
		ok   bool
	}{
		{"git+https://github.com/a/b?branch=main#0123abc", GitSource{"https://github.com/a/b", "branch", "main", "0123abc"}, true},
		{"git+https://github.com/a/b#0123abc", GitSource{"https://github.com/a/b", "", "", "0123abc"}, true},
		{"git+file:///tmp/r?rev=v1#deadbeef", GitSource{"file:///tmp/r", "rev", "v1", "deadbeef"}, true},
		{"git+https://h/r?tag=release%2F1#c0ffee", GitSource{"https://h/r", "tag", "release%2F1", "c0ffee"}, true},
		{"registry+https://github.com/rust-lang/crates.io-index", GitSource{}, false},
		{"git+https://h/r?foo=1#c0ffee", GitSource{}, false},
		{"git+https://h/r", GitSource{}, false},
	} {
		got, ok := ParseGitSource(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: got %+v %v, want %+v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
