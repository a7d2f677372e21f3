package dockerfile

import (
	"path"
	"slices"
	"strings"
)

// Generator describes a command that writes a file into the image. The
// table documents (and drives) Generated; `lockguard explain LG301` prints it.
type Generator struct {
	// Command is the command pattern, e.g. "cargo generate-lockfile|update".
	Command string
	// Creates is the file written, relative to the project root (the
	// directory the command runs in unless noted).
	Creates string
	Note    string
	// IfMissing: the file is only created when absent (or out of date),
	// an existing up-to-date file is left alone.
	IfMissing bool

	tool   string
	subs   []string // accepted subcommands ("" = none given)
	skip   []string // flags that stop the command from writing the file
	values []string // global options that take a value (skipped)
	dirs   []string // options whose value is the project directory
}

// Generators is the table of known file generators.
var Generators = []Generator{
	{Command: "cargo generate-lockfile|update", Creates: "Cargo.lock",
		Note: "always (re)writes the lock file at the Cargo workspace root; --manifest-path selects the package",
		tool: "cargo", subs: []string{"generate-lockfile", "update"}, skip: []string{"--locked", "--frozen"},
		values: []string{"-Z", "--config", "--color"}, dirs: []string{"-C"}},
	{Command: "cargo build|check|fetch|metadata|run|test|bench|doc|clippy|tree|add|remove|vendor", Creates: "Cargo.lock", IfMissing: true,
		Note: "writes the lock file when it is missing or out of date, unless --locked/--frozen; aliases b, c, r, t too",
		tool: "cargo", subs: []string{"build", "b", "check", "c", "fetch", "metadata", "run", "r", "test", "t", "bench", "doc", "clippy", "tree", "add", "remove", "rm", "vendor"},
		skip: []string{"--locked", "--frozen"}, values: []string{"-Z", "--config", "--color"}, dirs: []string{"-C"}},
	{Command: "npm install|i|add|update", Creates: "package-lock.json",
		Note: "npm ci never writes the lock; --no-package-lock, --package-lock=false and -g do not either",
		tool: "npm", subs: []string{"install", "i", "add", "update", "up", "install-test", "it"},
		skip: []string{"--no-package-lock", "--package-lock=false", "-g", "--global", "--no-save"}, dirs: []string{"--prefix"}},
	{Command: "yarn|yarn install|add|upgrade", Creates: "yarn.lock",
		Note: "not with --frozen-lockfile or --immutable", tool: "yarn", subs: []string{"", "install", "add", "upgrade", "up"},
		skip: []string{"--frozen-lockfile", "--immutable", "--pure-lockfile"}, dirs: []string{"--cwd"}},
	{Command: "pnpm install|i|add|update", Creates: "pnpm-lock.yaml",
		Note: "not with --frozen-lockfile or --lockfile-only=false", tool: "pnpm", subs: []string{"install", "i", "add", "update", "up"},
		skip: []string{"--frozen-lockfile", "--no-lockfile"}, dirs: []string{"-C", "--dir"}},
	{Command: "go mod tidy", Creates: "go.sum", Note: "rewrites go.mod and go.sum of the main module",
		tool: "go", subs: []string{"mod tidy"}},
	{Command: "poetry lock|install|add|update", Creates: "poetry.lock", Note: "install writes the lock when it is missing",
		tool: "poetry", subs: []string{"lock", "install", "add", "update"}, dirs: []string{"-C", "--directory", "-P", "--project"}},
	{Command: "uv lock|sync|add", Creates: "uv.lock", Note: "not with --locked or --frozen",
		tool: "uv", subs: []string{"lock", "sync", "add"}, skip: []string{"--locked", "--frozen"}, dirs: []string{"--directory", "--project"}},
	{Command: "bundle install|lock|update", Creates: "Gemfile.lock", Note: "not with --frozen or --deployment",
		tool: "bundle", subs: []string{"install", "lock", "update", ""}, skip: []string{"--frozen", "--deployment"}},
	{Command: "composer install|update|require", Creates: "composer.lock", Note: "install writes the lock when it is missing",
		tool: "composer", subs: []string{"install", "update", "require"}, dirs: []string{"-d", "--working-dir"}},
	{Command: "nix flake lock|update [flake]", Creates: "flake.lock",
		Note: "in the flake's directory: the current directory or the flake given (`nix flake lock ./sub`, `--flake ./sub`)"},
	{Command: "nix build|develop|run|shell|eval|flake check [flake]", Creates: "flake.lock", IfMissing: true,
		Note: "a local flake without a lock file gets one, unless --no-write-lock-file"},
	{Command: "> file, >> file, &> file, tee [-a] file", Creates: "file",
		Note: "shell redirections and tee write the named file (resolved against the current directory)"},
}

// GeneratedFile is one file a command writes.
type GeneratedFile struct {
	Path      string // absolute image path
	Generator *Generator
}

// Generated returns the absolute image paths cmd creates or rewrites:
// lock files of the package managers in Generators, redirections and tee
// targets. cargoRootFor maps a directory to its Cargo workspace root (the
// caller knows the repository layout); nil means "the directory itself".
// Commands whose directory is unknown generate nothing that depends on it.
// A command nested in `nix develop --command` is its own Command in
// Run.Commands, so the wrapper itself is not unwrapped here.
func Generated(cmd Command, cargoRootFor func(dir string) (string, bool)) []string {
	var out []string
	for _, g := range GeneratedFiles(cmd, cargoRootFor) {
		out = append(out, g.Path)
	}
	return out
}

// GeneratedFiles is Generated with the matching Generator.
func GeneratedFiles(cmd Command, cargoRootFor func(dir string) (string, bool)) []GeneratedFile {
	var out []GeneratedFile
	add := func(p string, g *Generator) {
		if p == "" || strings.HasPrefix(p, "/dev/") || strings.HasPrefix(p, "/proc/") || p == "/dev" {
			return
		}
		for _, o := range out {
			if o.Path == p {
				return
			}
		}
		out = append(out, GeneratedFile{Path: p, Generator: g})
	}
	redir := &Generators[len(Generators)-1]
	for _, w := range cmd.Writes {
		add(w.Path, redir)
	}
	args, dyn := stripWrappersDyn(cmd.Args, cmd.Dynamic)
	if len(args) == 0 || dyn[0] {
		return out
	}
	tool := path.Base(args[0])
	if tool == "nix" {
		if p, g := nixGenerated(cmd, args); p != "" {
			add(p, g)
		}
		return out
	}
	for gi := range Generators {
		g := &Generators[gi]
		if g.tool != tool {
			continue
		}
		root, sub, ok := g.match(args, dyn, cmd.Dir)
		if !ok {
			continue
		}
		_ = sub
		if g.tool == "cargo" {
			if mp, ok := optValue(args, dyn, "--manifest-path"); ok {
				if mp == "" {
					continue
				}
				root = resolve(root, path.Dir(mp))
			}
			if root == "" {
				continue
			}
			if cargoRootFor != nil {
				if r, ok := cargoRootFor(root); ok {
					root = r
				}
			}
		}
		if root == "" {
			continue
		}
		add(path.Join(root, g.Creates), g)
		break
	}
	return out
}

// match checks a tool argv against the generator: returns the project
// root (resolved against dir) and the subcommand.
func (g *Generator) match(args []string, dyn []bool, dir string) (root, sub string, ok bool) {
	root = dir
	var pos []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		if dyn[i] {
			if len(pos) == 0 {
				return "", "", false // the subcommand itself is unknown
			}
			pos = append(pos, "")
			continue
		}
		if a == "--" {
			break
		}
		if g.tool == "cargo" && strings.HasPrefix(a, "+") && len(pos) == 0 {
			continue // toolchain
		}
		if slices.Contains(g.skip, a) {
			return "", "", false
		}
		if k, v, eq := strings.Cut(a, "="); eq && slices.Contains(g.dirs, k) {
			root = resolve(root, v)
			continue
		}
		if slices.Contains(g.dirs, a) {
			if i+1 < len(args) && !dyn[i+1] {
				root = resolve(root, args[i+1])
			} else {
				root = ""
			}
			i++
			continue
		}
		if slices.Contains(g.values, a) {
			i++
			continue
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		pos = append(pos, a)
	}
	for _, s := range g.subs {
		want := strings.Fields(s)
		if len(want) == 0 {
			if len(pos) == 0 {
				return root, "", true
			}
			continue
		}
		if len(pos) >= len(want) && slices.Equal(pos[:len(want)], want) {
			return root, s, true
		}
	}
	return "", "", false
}

// optValue finds --name value or --name=value.
func optValue(args []string, dyn []bool, name string) (string, bool) {
	for i := 1; i < len(args); i++ {
		if args[i] == "--" {
			break
		}
		if dyn[i] {
			continue
		}
		if args[i] == name {
			if i+1 < len(args) && !dyn[i+1] {
				return args[i+1], true
			}
			return "", true
		}
		if v, ok := strings.CutPrefix(args[i], name+"="); ok {
			return v, true
		}
	}
	return "", false
}

func nixGenerated(cmd Command, args []string) (string, *Generator) {
	call, ok := parseNix(args)
	if !ok || call.Legacy || call.NoWriteLockFile || call.Expr {
		return "", nil
	}
	var g *Generator
	switch {
	case call.Sub == "flake" && (call.Action == "lock" || call.Action == "update"):
		g = &Generators[len(Generators)-3]
	case call.Sub == "flake" && call.Action == "check", subsWithFlake[call.Sub] && call.Sub != "search" && call.Sub != "fmt":
		g = &Generators[len(Generators)-2]
	default:
		return "", nil
	}
	dir := localFlakeDir(call.FlakeRef, cmd.Dir)
	if dir == "" {
		return "", nil
	}
	return path.Join(dir, "flake.lock"), g
}

// localFlakeDir resolves a local flake reference (".", "./sub", "/abs",
// "path:/x", "git+file:///x") to an absolute directory; "" for remote or
// registry references.
func localFlakeDir(ref, dir string) string {
	ref, _, _ = strings.Cut(ref, "?")
	switch {
	case strings.HasPrefix(ref, "path:"):
		ref = strings.TrimPrefix(ref, "path:")
	case strings.HasPrefix(ref, "git+file://"):
		ref = strings.TrimPrefix(ref, "git+file://")
	case strings.HasPrefix(ref, "file://"):
		ref = strings.TrimPrefix(ref, "file://")
	}
	if !looksLikePath(ref) && !path.IsAbs(ref) {
		return ""
	}
	return resolve(dir, ref)
}

// Generated returns the files all of the RUN's commands generate, in order
// and without duplicates.
func (r *Run) Generated(cargoRootFor func(dir string) (string, bool)) []GeneratedFile {
	var out []GeneratedFile
	seen := map[string]bool{}
	for _, c := range r.Commands {
		for _, g := range GeneratedFiles(c, cargoRootFor) {
			if !seen[g.Path] {
				seen[g.Path] = true
				out = append(out, g)
			}
		}
	}
	return out
}
