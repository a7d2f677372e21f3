package buildctx

import (
	"path"
	"regexp"
	"strings"

	"github.com/lockguard/lockguard/internal/dockerfile"
)

// root is the absolute directory standing for the repository root when a
// script is analysed.
const root = "/.lockguard-repository"

// repoDir turns an analysed command's absolute directory back into a
// repo-relative one; ok is false when it is unknown or outside.
func repoDir(abs string) (string, bool) {
	if abs == "" {
		return "", false
	}
	r, ok := strings.CutPrefix(abs, root)
	if !ok || (r != "" && !strings.HasPrefix(r, "/")) {
		return "", false
	}
	return strings.TrimPrefix(r, "/"), true
}

// event is what one command of a script does for the builds.
type event struct {
	build     *Build
	compose   []string // compose files it names (repo-relative)
	bake      []string // bake files it names
	dir       string
	artifacts []Artifact
}

// analyze runs the shell analyzer on a piece started in dir and returns
// the events of its commands, in order.
func analyze(file, text string, line int, dir string, isDir func(string) bool) ([]event, bool) {
	evs := analyzeDirs(file, text, line, []string{dir}, isDir)
	if evs == nil {
		return nil, false
	}
	return evs[0], true
}

// analyzeDirs is analyze started in each of dirs, the piece parsed once;
// the events of the directories in which it parses, nil when it does not.
func analyzeDirs(file, text string, line int, dirs []string, isDir func(string) bool) [][]event {
	out := make([][]event, len(dirs))
	if !mayMatter(text) {
		return out
	}
	abs := make([]string, len(dirs))
	for i, d := range dirs {
		abs[i] = path.Join(root, d)
	}
	perDir, err := dockerfile.AnalyzeScriptDirs(text, abs, line)
	if err != nil {
		return nil
	}
	for i, cmds := range perDir {
		for _, c := range cmds {
			if ev, ok := commandEvent(file, c, isDir); ok {
				out[i] = append(out[i], ev)
			}
		}
	}
	return out
}

// mayMatter is a cheap filter: the piece mentions a builder or a creator.
func mayMatter(text string) bool {
	return mentionsBuilder(text) || creatorWord.MatchString(text)
}

// mentionsBuilder is a cheap superset of the pieces commandEvent can find a
// build, compose or bake call in: each of its builder words (docker,
// podman, nerdctl, buildah, docker-compose, podman-compose, kaniko's
// executor) contains one of these.
func mentionsBuilder(text string) bool {
	return strings.Contains(text, "docker") || strings.Contains(text, "podman") || strings.Contains(text, "buildah") ||
		strings.Contains(text, "nerdctl") || strings.Contains(text, "compose") || strings.Contains(text, "executor") ||
		strings.Contains(text, "kaniko")
}

var creatorWord = regexp.MustCompile(`\b(?:cp|mv|mkdir|curl|wget|tar|unzip|cargo|nix|nix-build|go|make|gmake|just|touch|install|ln|rsync|git|npm|yarn|pnpm|bun|task|earthly|bash|sh|python3?|node)\b|>|\./|[A-Za-z0-9_]/[A-Za-z0-9_.-]+\.sh\b`)

// commandEvent classifies one command.
func commandEvent(file string, c dockerfile.Command, isDir func(string) bool) (event, bool) {
	dir, dirOK := repoDir(c.Dir)
	origin := Origin{File: file, Line: c.Line}
	args, dyn := c.Args, c.Dynamic
	if len(dyn) < len(args) {
		dyn = append(append([]bool(nil), dyn...), make([]bool, len(args)-len(dyn))...)
	}
	if dirOK && len(args) > 0 && !dyn[0] && (path.Base(args[0]) == "executor" || path.Base(args[0]) == "kaniko") {
		if b := kanikoBuild(words{args: args[1:], dyn: dyn[1:], raw: rawOf(c, 1)}, dir, origin); b != nil {
			return event{dir: dir, build: b}, true
		}
	}
	// Find the builder word anywhere (wrappers such as ci_run, sudo, time).
	for i, a := range args {
		if dyn[i] {
			continue
		}
		switch path.Base(a) {
		case "docker", "podman", "nerdctl", "buildah", "docker-compose", "podman-compose":
		default:
			continue
		}
		if !dirOK {
			return event{}, false
		}
		ev := event{dir: dir}
		w := words{args: args[i:], dyn: dyn[i:], raw: rawOf(c, i)}
		switch base := path.Base(a); base {
		case "docker-compose", "podman-compose":
			ev.compose = composeFiles(w.from(1), dir)
		case "buildah":
			if sub := w.arg(1); sub == "bud" || sub == "build" {
				ev.build = buildOf(w.from(2), dir, origin, base+" "+sub, true)
			}
		default:
			j := skipGlobal(w, 1)
			switch sub := w.arg(j); {
			case sub == "build" && !w.dyn[j]:
				ev.build = buildOf(w.from(j+1), dir, origin, base+" build", base == "podman")
			case (sub == "buildx" || sub == "image" || sub == "builder") && (w.arg(j+1) == "build" || (sub == "buildx" && w.arg(j+1) == "b")):
				ev.build = buildOf(w.from(j+2), dir, origin, base+" "+sub+" build", base == "podman")
			case sub == "buildx" && w.arg(j+1) == "bake", sub == "bake":
				k := j + 1
				if sub == "buildx" {
					k++
				}
				ev.bake = bakeFiles(w.from(k), dir)
				if ev.bake == nil {
					return event{}, false
				}
			case sub == "compose":
				ev.compose = composeFiles(w.from(j+1), dir)
			case sub == "cp" && base == "docker":
				if d := lastOperand(w.from(j + 1)); d != "" {
					if p, ok := join(dir, d); ok {
						ev.artifacts = append(ev.artifacts, Artifact{Path: p, Origin: withWhat(origin, "docker cp")})
					}
				}
			default:
				return event{}, false
			}
		}
		if ev.build == nil && ev.compose == nil && ev.bake == nil && ev.artifacts == nil {
			return event{}, false
		}
		return ev, true
	}
	if !dirOK {
		return event{}, false
	}
	arts := creates(c, dir, origin, isDir)
	if len(arts) == 0 {
		return event{}, false
	}
	return event{dir: dir, artifacts: arts}, true
}

func withWhat(o Origin, what string) Origin { o.What = what; return o }

// rawOf returns the raw words of c from index i (after wrapper stripping
// the indexes of Args and Raw agree only when Raw is as long).
func rawOf(c dockerfile.Command, i int) []string {
	if len(c.Raw) == len(c.Args) {
		return c.Raw[i:]
	}
	return nil
}

// words is an argument vector with its dynamic flags and raw text.
type words struct {
	args []string
	dyn  []bool
	raw  []string
}

func (w words) arg(i int) string {
	if i < 0 || i >= len(w.args) || w.dyn[i] {
		return ""
	}
	return w.args[i]
}

func (w words) from(i int) words {
	if i > len(w.args) {
		i = len(w.args)
	}
	out := words{args: w.args[i:], dyn: w.dyn[i:]}
	if w.raw != nil {
		out.raw = w.raw[i:]
	}
	return out
}

// skipGlobal skips docker's global options (docker --context x build).
func skipGlobal(w words, i int) int {
	for i < len(w.args) && strings.HasPrefix(w.arg(i), "-") {
		a := w.arg(i)
		i++
		if strings.Contains(a, "=") {
			continue
		}
		switch a {
		case "-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey":
			i++
		}
	}
	return i
}

// buildBool are the boolean options of docker/podman/buildah build.
var buildBool = map[string]bool{
	"--push": true, "--load": true, "--no-cache": true, "--pull": true, "-q": true, "--quiet": true,
	"--rm": true, "--force-rm": true, "--squash": true, "--squash-all": true, "--compress": true,
	"--disable-content-trust": true, "--check": true, "--debug": true, "-D": true, "--layers": true,
	"--no-hosts": true, "--tls-verify": true, "--identity-label": true, "--disable-compression": true,
	"--omit-history": true, "--skip-unused-stages": true, "--stdin": true, "--all-platforms": true,
	"--no-cache-filter": false,
}

// buildOf parses the options and operand of a build command run in dir.
// podmanLike: without a context operand, the context is the Dockerfile's
// directory (podman, buildah); docker needs the operand.
func buildOf(w words, dir string, origin Origin, what string, podmanLike bool) *Build {
	b := &Build{Origin: withWhat(origin, what)}
	var file, fileRaw string
	fileDyn := false
	var operands []int
	for i := 0; i < len(w.args); i++ {
		a := w.arg(i)
		if w.dyn[i] {
			operands = append(operands, i)
			continue
		}
		if a == "--" {
			for j := i + 1; j < len(w.args); j++ {
				operands = append(operands, j)
			}
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			operands = append(operands, i)
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		if !hasVal && len(name) > 2 && name[1] != '-' && (name[:2] == "-f" || name[:2] == "-t") {
			name, val, hasVal = name[:2], name[2:], true // -fDockerfile
		}
		if buildBool[name] {
			continue
		}
		valDyn, valRaw := false, ""
		if !hasVal {
			i++
			if i >= len(w.args) {
				break
			}
			val, valDyn = w.args[i], w.dyn[i]
			if w.raw != nil {
				valRaw = w.raw[i]
			}
		}
		switch name {
		case "-f", "--file":
			file, fileDyn, fileRaw = val, valDyn, valRaw
		case "--target":
			if valDyn {
				return nil // the stages built are not known
			}
			b.Target = val
		case "--build-arg":
			k, v, ok := strings.Cut(val, "=")
			switch {
			case valDyn:
				if k := argKey(valRaw); k != "" {
					b.unknownArg(k)
				}
			case !ok:
				b.unknownArg(k) // taken from the environment
			default:
				b.arg(k, v)
			}
		}
	}
	if len(operands) > 1 {
		return nil
	}
	var ctx string
	switch {
	case len(operands) == 1:
		i := operands[0]
		if w.dyn[i] || w.args[i] == "-" || isRemote(w.args[i]) {
			return nil
		}
		c, ok := join(dir, w.args[i])
		if !ok {
			return nil
		}
		ctx = c
	case podmanLike && file != "" && !fileDyn:
		f, ok := join(dir, file)
		if !ok {
			return nil
		}
		ctx = dirOf(f)
	default:
		return nil
	}
	b.Context = ctx
	switch {
	case fileDyn:
		pat := patternOf(fileRaw)
		if pat == "" {
			return nil
		}
		f, ok := join(dir, pat)
		if !ok {
			return nil
		}
		b.Dockerfile, b.Pattern, b.Named = f, true, true
	case file == "-":
		return nil
	case file != "":
		f, ok := join(dir, file)
		if !ok {
			return nil
		}
		b.Dockerfile, b.Named = f, true
	default:
		b.Dockerfile = path.Join(ctx, "Dockerfile")
		if ctx == "" {
			b.Dockerfile = "Dockerfile"
		}
		if podmanLike {
			b.Dockerfile = path.Join(ctx, "Containerfile") + "\x00" + b.Dockerfile // resolved by the caller
		}
	}
	return b
}

func (b *Build) arg(k, v string) {
	if b.Args == nil {
		b.Args = map[string]string{}
	}
	b.Args[k] = v
	delete(b.UnknownArgs, k)
}

func (b *Build) unknownArg(k string) {
	if b.UnknownArgs == nil {
		b.UnknownArgs = map[string]bool{}
	}
	b.UnknownArgs[k] = true
	delete(b.Args, k)
}

var argKeyRE = regexp.MustCompile(`^["']?([A-Za-z_][A-Za-z0-9_]*)=`)

// argKey is the literal KEY of a dynamic "KEY=$value" word.
func argKey(raw string) string {
	if m := argKeyRE.FindStringSubmatch(raw); m != nil {
		return m[1]
	}
	return ""
}

var dynPart = regexp.MustCompile(`\$\{\{.*?\}\}|\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\$__ci|\$__make|\$__just`)

// patternOf turns a raw word with expansions into a path.Match pattern
// where each expansion is "*". It gives "" when too little of the word is
// literal to name a Dockerfile (e.g. "$DOCKERFILE").
func patternOf(raw string) string {
	if raw == "" {
		return ""
	}
	s := strings.NewReplacer(`"`, "", `'`, "").Replace(raw)
	s = dynPart.ReplaceAllString(s, "*")
	if strings.ContainsAny(s, "$`\\[]?") {
		return ""
	}
	lit := strings.NewReplacer("*", "", "/", "", ".", "", "Dockerfile", "", "dockerfile", "", "Containerfile", "").Replace(s)
	if len(lit) < 3 {
		return ""
	}
	for strings.Contains(s, "**") {
		s = strings.ReplaceAll(s, "**", "*")
	}
	return s
}

func isRemote(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@") || strings.HasPrefix(s, "github.com/")
}

// composeFiles are the -f/--file operands of a compose command.
func composeFiles(w words, dir string) []string {
	var out []string
	for i := 0; i < len(w.args); i++ {
		a := w.arg(i)
		name, val, hasVal := strings.Cut(a, "=")
		if name != "-f" && name != "--file" {
			if name == "--project-directory" {
				return nil // paths resolve against another directory
			}
			continue
		}
		if !hasVal {
			i++
			val = w.arg(i)
		}
		if val == "" || val == "-" {
			continue
		}
		if p, ok := join(dir, val); ok {
			out = append(out, p)
		}
	}
	return out
}

// bakeFiles are the -f/--file operands of a bake command; nil when a --set
// changes a context or Dockerfile (the build then differs from the file).
func bakeFiles(w words, dir string) []string {
	out := []string{}
	for i := 0; i < len(w.args); i++ {
		a := w.arg(i)
		name, val, hasVal := strings.Cut(a, "=")
		switch name {
		case "-f", "--file", "--set":
		default:
			continue
		}
		if !hasVal {
			i++
			val = w.arg(i)
			if i < len(w.dyn) && w.dyn[i] && name == "--set" {
				return nil
			}
		}
		if name == "--set" {
			if strings.Contains(val, ".context=") || strings.Contains(val, ".dockerfile=") {
				return nil
			}
			continue
		}
		if p, ok := join(dir, val); ok && val != "" {
			out = append(out, p)
		}
	}
	return out
}

// lastOperand is the last argument that is not an option.
func lastOperand(w words) string {
	for i := len(w.args) - 1; i >= 0; i-- {
		if w.dyn[i] {
			return ""
		}
		if a := w.args[i]; !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}
