package repo

import (
	"strings"
	"testing"
)

func TestWildmatch(t *testing.T) {
	for _, c := range []struct {
		pat, text string
		pathname  bool
		want      bool
	}{
		{"foo", "foo", true, true},
		{"foo", "fo", true, false},
		{"*", "foo/bar", true, false},
		{"*", "foo/bar", false, true},
		{"**/foo", "foo", true, true},
		{"**/foo", "a/b/foo", true, true},
		{"foo/**/bar", "foo/bar", true, true},
		{"foo/**/bar", "foo/x/y/bar", true, true},
		{"foo/**", "foo/x/y", true, true},
		{"foo/**", "foo", true, false},
		{"a**b", "a/x/b", true, false},
		{"*/foo", "a/b/foo", true, false},
		{"*/foo", "a/foo", true, true},
		{"?", "/", true, false},
		{"?", "/", false, true},
		{"[a-c]x", "bx", true, true},
		{"[!a-c]x", "bx", true, false},
		{"[^a-c]x", "dx", true, true},
		{"[]]", "]", true, true},
		{"[]-a]", "^", true, true},
		{"a[[:digit:]]b", "a1b", true, true},
		{"a[[:digit:]]b", "axb", true, false},
		{"[[:alpha:][:digit:]]", "7", true, true},
		{"*[[:nope:]]", "x", true, false},
		{`\*`, "*", true, true},
		{`\*`, "x", true, false},
		{`foo\`, "foo", true, false},
		{"[", "[", true, false},
		{"[a", "a", true, false},
		{"*.c", "x.c", true, true},
		{"*.c", "dir/x.c", true, false},
		{"**", "", true, true},
		{"", "", true, true},
		{"", "x", true, false},
	} {
		if got := wildmatch(c.pat, c.text, c.pathname); got != c.want {
			t.Errorf("wildmatch(%q, %q, pathname=%v) = %v, want %v", c.pat, c.text, c.pathname, got, c.want)
		}
	}
}

func FuzzWildmatch(f *testing.F) {
	for _, s := range []string{"**/a", "[", "[[:", "[a-", `\`, "*[!]]*", "a/**/b/**"} {
		f.Add(s, "a/b/c", true)
	}
	f.Fuzz(func(t *testing.T, pat, text string, pathname bool) {
		_ = wildmatch(pat, text, pathname) // must not panic
		l := parseIgnore([]byte(pat), "f", "d")
		for i := range l.rules {
			_ = matchBasename(text, &l.rules[i])
			_ = matchPathname("d/"+text, &l.rules[i])
		}
	})
}

func TestParseLsFilesDebugRejectsGarbage(t *testing.T) {
	for _, in := range []string{
		"garbage",
		"100644 abc 0\tpath\x00", // no debug block
		"100644 abc\tpath\x00  flags: 0\n",
		"1006x4 abc 0\tpath\x00  flags: 0\n",
		"100644 abc 0\tpath\x00  flags: zz\n",
	} {
		if _, err := parseLsFilesDebug([]byte(in)); err == nil {
			t.Errorf("parseLsFilesDebug(%q) accepted garbage", in)
		}
	}
	raw, err := parseLsFilesDebug([]byte("100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\tnew\nline\x00  ctime: 0:0\n  size: 0\tflags: 60004000\n160000 1111111111111111111111111111111111111111 0\tsub\x00  size: 0\tflags: 0\n"))
	if err != nil || len(raw) != 2 {
		t.Fatalf("parse = %+v, %v", raw, err)
	}
	if e := raw[0]; e.Path != "new\nline" || !e.IntentToAdd || !e.SkipWorktree || e.Mode != 0o100644 {
		t.Errorf("entry 0 = %+v", e)
	}
	if e := raw[1]; e.Path != "sub" || e.IntentToAdd || e.Mode != 0o160000 {
		t.Errorf("entry 1 = %+v", e)
	}
}

// TestWildmatchBounded: issue 17 item 12. One .gitignore line with many
// "**" against a deep path made git's backtracking take minutes; each
// pattern/text suffix pair is now evaluated at most once.
func TestWildmatchBounded(t *testing.T) {
	pat := "**/a/**/a/**/a/**/a/**/a/**/a/**/b0"
	for _, depth := range []int{10, 60} {
		text := strings.Repeat("a/", depth) + "Cargo.lock"
		m := wildMatcher{p: pat, t: text, pathname: true}
		if m.dowild(0, 0) == wmMatch {
			t.Errorf("%s matched %s", pat, text)
		}
		if limit := (len(pat) + 1) * (len(text) + 1); m.calls > limit {
			t.Errorf("depth %d: %d evaluations, more than the %d suffix pairs", depth, m.calls, limit)
		}
	}
	if !wildmatch(pat, strings.Repeat("a/", 60)+"b0", true) {
		t.Error("the pattern does not match a/…/a/b0")
	}
}

func BenchmarkWildmatchStarStar(b *testing.B) {
	pat := "**/a/**/a/**/a/**/a/**/a/**/a/**/b0"
	text := strings.Repeat("a/", 60) + "Cargo.lock"
	for i := 0; i < b.N; i++ {
		wildmatch(pat, text, true)
	}
}
