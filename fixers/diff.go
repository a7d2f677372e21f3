package fixers

import (
	udiff "github.com/aymanbagabas/go-udiff"
)

// UnifiedDiff renders the change from old to updated of the repo-relative
// file path as a unified diff with three lines of context, as `git diff`
// shows it ("" when they are equal); `git apply` accepts it. The diff is
// computed by go-udiff (the Myers-style line diff of gopls), so it costs
// O((n+m)·d) for d changed lines, not a table of n·m.
func UnifiedDiff(path, old, updated string) string {
	if old == updated {
		return ""
	}
	from, to := "a/"+path, "b/"+path
	if old == "" {
		from = "/dev/null"
	}
	return udiff.Unified(from, to, old, updated)
}
