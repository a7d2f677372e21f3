// Package repo is lockguard's model of a git repository: where the work tree
// and git directories are, which paths the index tracks, whether a path is
// ignored (with git's exact semantics and `git check-ignore -v` style match
// information), and staging of files.
//
// # Two read backends
//
// A [Repo] is a snapshot taken by [Open]: the index is read once and turned
// into a sorted slice of [Entry] plus a path map, so lookups are O(1) and
// [Repo.TrackedUnder] is a binary search. The index can be read two ways:
//
//   - "go-git": the repository is opened with go-git
//     (PlainOpenWithOptions with DetectDotGit and EnableDotGitCommonDir, which
//     linked worktrees need) and the index is decoded in process. No
//     subprocess is started, which keeps `lockguard check` fast.
//   - "git": the git binary is asked (`git rev-parse`, `git ls-files -z
//     --stage --debug`, `git cat-file`). This is authoritative and is used
//     whenever go-git v5 would read the wrong thing or cannot read at all:
//     when GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE (hooks during `git commit
//     -a` / `git commit <paths>`), GIT_COMMON_DIR, GIT_OBJECT_DIRECTORY,
//     GIT_ALTERNATE_OBJECT_DIRECTORIES, GIT_CEILING_DIRECTORIES or
//     GIT_DISCOVERY_ACROSS_FILESYSTEM is set (go-git ignores them), when
//     core.worktree is configured, and when go-git fails to open the
//     repository or decode its index (split index, sparse index,
//     extensions.worktreeConfig set by `git sparse-checkout`, SHA-256
//     repositories, future index versions, ...).
//
// [Options.Backend] forces one backend; tests run both and compare them.
//
// # Ignore rules
//
// go-git's gitignore matcher loses the file and line of a match, misses the
// common-dir info/exclude of linked worktrees and the XDG excludes file, and
// can re-include paths below an excluded directory. This package therefore
// implements git's algorithm itself (dir.c: prep_exclude,
// last_matching_pattern_from_list, match_basename, match_pathname and a port
// of wildmatch.c). Only the .gitignore files on the way from the root to the
// queried path are read, lazily, and cached per directory; the work tree is
// never walked.
//
// # Writes go through `git add`
//
// Nothing in this package writes the index except [Repo.Stage], which runs
// `git add`. go-git v5 is unsafe for writes: it ignores GIT_INDEX_FILE (what
// a pre-commit hook stages during `git commit -a` would be lost), takes no
// index.lock and rewrites the index in place, drops index extensions and the
// assume-unchanged bit, corrupts conflicted entries, and bypasses
// .gitattributes filters (eol, LFS). `git add` honours all of that, inherits
// the caller's environment, and refuses to run while another git process
// holds index.lock, which Stage reports as [ErrIndexLocked].
package repo
