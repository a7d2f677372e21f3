package fixers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// bigFile is n numbered lines, with the lines in change replaced.
func bigFile(n int, change map[int]string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if s, ok := change[i]; ok {
			b.WriteString(s)
			continue
		}
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// TestUnifiedDiffApplies: what --diff prints is a unified diff that `git
// apply --check` accepts in a real repository, and `git apply` turns the
// old file into the new one, for edits at the start and the end, a missing
// final newline, CRLF lines, a new file, and a large file with two changes
// far apart (two small hunks: the hand-written LCS it replaced gave up on
// files this size and printed every line between the changes).
func TestUnifiedDiffApplies(t *testing.T) {
	git := testenv.Tool(t, "git")
	big := bigFile(20000, nil)
	bigChanged := bigFile(20000, map[int]string{10: "changed 10\n", 19990: "changed 19990\n"})
	cases := []struct {
		name, old, updated string
		maxLines           int // the diff's line count at most (0: no bound)
	}{
		{"middle", "a\nb\nc\nd\ne\nf\ng\nG\nh\ni\nj\n", "a\nb\nc\nD\ne\nf\ng\nG\nh\ni\nj\nk\n", 0},
		{"insert at start", "b\nc\n", "a\nb\nc\n", 0},
		{"delete at end", "a\nb\nc\n", "a\nb\n", 0},
		{"no final newline", "a\nb", "a\nB", 0},
		{"add final newline", "a\nb", "a\nb\n", 0},
		{"drop final newline", "a\nb\n", "a\nb", 0},
		{"crlf", "FROM x\r\nRUN a\r\n", "FROM x\r\nRUN b\r\n", 0},
		{"new file", "", "backend/Cargo.lock\n", 0},
		{"large file, two changes", big, bigChanged, 2 + 2*(1+8)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := UnifiedDiff("dir/f.txt", c.old, c.updated)
			if c.maxLines > 0 && strings.Count(d, "\n") > c.maxLines {
				t.Fatalf("%d lines of diff for two changed lines, want at most %d", strings.Count(d, "\n"), c.maxLines)
			}
			r := testenv.NewRepo(t)
			if c.old != "" {
				r.Write("dir/f.txt", c.old)
				r.Commit("old")
			} else {
				r.Write("README", "x\n")
				r.Commit("init")
			}
			patch := filepath.Join(t.TempDir(), "p.diff")
			if err := os.WriteFile(patch, []byte(d), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"apply", "--check", patch}, {"apply", patch}} {
				cmd := exec.Command(git, args...)
				cmd.Dir, cmd.Env = r.Dir, r.Env
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %s: %v\n%s\n%s", args[0], err, out, d)
				}
			}
			got, err := os.ReadFile(r.Path("dir/f.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.updated {
				t.Fatalf("after git apply: %q, want %q", got, c.updated)
			}
		})
	}
}
