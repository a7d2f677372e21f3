// Package hooks installs and uninstalls lockguard's native git hooks.
//
// # Where the hook goes
//
// The hooks directory is the one git itself uses: `git rev-parse
// --path-format=absolute --git-path hooks`, run in Options.Dir. That honours
// core.hooksPath (a relative value is resolved against the work tree), sends a
// linked worktree to the main repository's hooks directory and a submodule to
// .git/modules/<name>/hooks.
//
// When the hooks belong to husky or lefthook, Install writes nothing and
// returns a *ManagedError (errors.Is(err, ErrManaged)) whose text is the line
// to add to their configuration: `lockguard check --staged` appended to
// .husky/pre-commit, or a `commands: lockguard:` entry in lefthook.yml.
// (For pre-push the command is `lockguard check`.) Options.Force installs
// lockguard's own hook there anyway, with a note in Result.Message that the
// other tool may bypass or replace it (husky v9's stubs find the user's
// script from their own file name, so a chained stub runs nothing). Hooks count as
// husky's when core.hooksPath is .husky or .husky/_ or a directory of husky
// stubs, and as lefthook's when a lefthook configuration file is at the top
// of the work tree or the hook files are lefthook's (whether or not
// core.hooksPath is set: lefthook installs into .git/hooks and renames any
// other hook out of the way). Any other core.hooksPath is used as is; when it
// comes from the global or system configuration, Result.Message warns that
// the hook will run in every repository sharing it, and when the hook it
// replaces is tracked by git (a committed hooks directory), that the move
// shows in git status.
//
// # Chaining a hook that was already there
//
// A hook file without lockguard's marker line ("# lockguard-hook: v1") is
// foreign. Install moves it to <hook>.lockguard-prev, keeping its bytes and
// mode, and lockguard's script runs it first with the same arguments (and,
// for pre-push, the same standard input), stopping with its exit status when
// it fails, as pre-commit's migration mode does. Uninstall moves it back.
// Install refuses when <hook>.lockguard-prev exists and the hook is foreign
// (something replaced lockguard's script); Force then keeps both, renaming
// the older copy to <hook>.lockguard-prev.old (or .old.N).
//
// Install is idempotent: the same script is not rewritten and
// Result.AlreadyInstalled is set. A lockguard script that differs (an older
// version, another binary) is replaced. Uninstall never removes a foreign
// hook.
//
// # The hook script and the `lockguard hook run` contract
//
// The script (see Script) is POSIX sh and leaves the environment alone, so
// GIT_INDEX_FILE, GIT_DIR and the rest reach lockguard as git set them. It
//
//  1. runs <hook>.lockguard-prev when it exists and is executable (git ignores
//     a hook that is not executable, and so does the script), exiting with
//     its status when that is not 0;
//  2. exits 0 when LOCKGUARD_SKIP is set to anything but "" or "0" (the
//     chained hook has already run: the variable skips only lockguard);
//  3. finds lockguard: Options.Binary when it was given (a path, or a name
//     looked up on PATH), else `lockguard` on PATH when the hook runs, else
//     the fallback Install recorded: the absolute path of the lockguard that
//     installed the hook (Options.Executable), as pre-commit records its
//     interpreter. A temporary build (`go run`'s binary, under a go-build
//     directory or the Go build cache) is never recorded: Install refuses
//     (ErrTemporaryBinary) when no lockguard is on PATH either, so that no
//     hook is written that cannot run. When lockguard is missing it prints "lockguard is not installed; install it with `go
//     install github.com/lockguard/lockguard/cmd/lockguard@latest` or set
//     LOCKGUARD_SKIP=1" to stderr and exits 1;
//  4. execs `lockguard hook run <type> <git's hook arguments...>`, giving it
//     the hook's standard input (for pre-push, the lines naming the refs being
//     pushed, which the script keeps a copy of for step 1).
//
// `lockguard hook run <type>` is the CLI's side of the contract: it runs in the
// directory git runs hooks in (the top of the work tree), reads the
// repository's lockguard.toml, and decides what to do. For pre-commit: when
// `[hook] fix = true` and the user allowed it (`git config lockguard.hookFix
// true`, which a repository cannot set), `fix --staged --stage` first, then
// `check --staged`.
// Its exit status is the hook's: non-zero blocks the commit or push. The
// shell script deliberately parses no configuration, so that the Go side can
// change behaviour without reinstalling hooks.
package hooks
