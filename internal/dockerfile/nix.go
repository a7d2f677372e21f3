package dockerfile

import (
	"path"
	"strings"
)

// NixCall is one invocation of the nix CLI found in a RUN.
type NixCall struct {
	Cmd Command
	// Sub is the nix subcommand: build, develop, run, shell, flake, eval,
	// profile, …; for the legacy tools it is the tool name (nix-build,
	// nix-shell, nix-env, nix-instantiate) and Legacy is set.
	Sub    string
	Action string // flake/profile sub-action: lock, update, check, install, …
	Legacy bool
	// FlakeRef and Attr split the first installable at "#" (".#backend" →
	// ".", "backend"). FlakeRef defaults to "." for commands that take a
	// flake and got none; it is "" when --expr/--file make the
	// installables non-flake (Expr is then set).
	FlakeRef     string
	Attr         string
	HasAttr      bool
	Installables []string
	Expr         bool
	// FeaturesFlag: the command line enables both nix-command and flakes
	// (--extra-experimental-features / --experimental-features / --option,
	// one argument "nix-command flakes" or repeated options).
	FeaturesFlag bool
	Features     []string
	// InnerCommand is the command run by develop/shell --command (or the
	// script of nix-shell --run, as one element).
	InnerCommand    []string
	NoWriteLockFile bool // --no-write-lock-file / --no-update-lock-file
	Impure          bool
}

// nixArity is the number of values the nix CLI options take. Options not
// listed take none, except --extra-<setting> (one).
var nixArity = map[string]int{
	"--option": 2, "--arg": 2, "--argstr": 2, "--override-input": 2, "--override-flake": 2,
	"--redirect": 2, "--set-env-var": 2, "-s": 2, "--arg-from-file": 2, "--arg-from-stdin": 1,
	"--out-link": 1, "-o": 1, "--profile": 1, "--phase": 1, "--update-input": 1,
	"--inputs-from": 1, "--expr": 1, "--file": 1, "-f": 1, "--include": 1, "-I": 1,
	"--keep": 1, "-k": 1, "--unset": 1, "-u": 1, "--chdir": 1, "--eval-store": 1,
	"--store": 1, "--log-format": 1, "--reference-lock-file": 1, "--output-lock-file": 1,
	"--experimental-features": 1, "--max-jobs": 1, "-j": 1, "--cores": 1, "--system": 1,
	"--builders": 1, "--substituters": 1, "--to": 1, "--from": 1, "--priority": 1,
	"--template": 1, "-t": 1, "--flake": 1, "--apply": 1, "--outputs": 1, "--output": 1,
	"--keep-env-var": 1, "--derivation": 0, "--build-users-group": 1,
}

// nix-shell/nix-build options with values.
var legacyArity = map[string]int{
	"--run": 1, "--command": 1, "-p": 0, "--packages": 0, "-A": 1, "--attr": 1,
	"--arg": 2, "--argstr": 2, "-I": 1, "--option": 2, "-o": 1, "--out-link": 1,
	"--keep": 1, "--exclude": 1, "-j": 1, "--max-jobs": 1, "--cores": 1, "-E": 0, "--expr": 0,
}

func optArity(table map[string]int, a string) int {
	if n, ok := table[a]; ok {
		return n
	}
	if strings.HasPrefix(a, "--extra-") && !strings.Contains(a, "=") {
		return 1
	}
	return 0
}

// subsWithFlake are nix subcommands whose installables are flakes.
var subsWithFlake = map[string]bool{
	"build": true, "develop": true, "run": true, "shell": true, "eval": true,
	"print-dev-env": true, "bundle": true, "path-info": true, "log": true, "why-depends": true,
	"derivation": true, "copy": true, "edit": true, "search": true, "fmt": true,
}

// parseNix decodes a `nix …` argv (args[0] is nix). ok is false when it
// is not a nix invocation.
func parseNix(args []string) (call NixCall, ok bool) {
	if len(args) == 0 {
		return call, false
	}
	tool := path.Base(args[0])
	switch tool {
	case "nix":
	case "nix-shell", "nix-build", "nix-env", "nix-instantiate", "nix-store", "nix-channel":
		call.Sub, call.Legacy = tool, true
		for i := 1; i < len(args); i++ {
			a := args[i]
			if (a == "--run" || a == "--command") && i+1 < len(args) {
				call.InnerCommand = []string{args[i+1]}
			}
			if a == "--option" && i+2 < len(args) {
				call.addFeatures(args[i+1], args[i+2])
			}
			i += optArity(legacyArity, a)
		}
		return call, true
	default:
		return call, false
	}
	var pos []string
	features := func(i int) int {
		a := args[i]
		k, v, hasEq := strings.Cut(a, "=")
		switch {
		case k == "--extra-experimental-features" || k == "--experimental-features":
			if hasEq {
				call.addFeatures(strings.TrimPrefix(k, "--"), v)
				return 0
			}
			if i+1 < len(args) {
				call.addFeatures(strings.TrimPrefix(k, "--"), args[i+1])
			}
		case a == "--option" && i+2 < len(args):
			call.addFeatures(args[i+1], args[i+2])
		case a == "--no-write-lock-file" || a == "--no-update-lock-file":
			call.NoWriteLockFile = true
		case a == "--impure":
			call.Impure = true
		case a == "--expr" || a == "--file" || a == "-f":
			call.Expr = true
		}
		return optArity(nixArity, a)
	}
	i := 1
	for ; i < len(args); i++ {
		a := args[i]
		if call.Sub != "" && (a == "--command" || a == "-c") && (call.Sub == "develop" || call.Sub == "shell") {
			call.InnerCommand = append([]string(nil), args[i+1:]...)
			break
		}
		if a == "--" {
			if call.Sub == "" {
				continue
			}
			break // nix run … -- args
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			if !strings.HasPrefix(a, "--") && len(a) > 2 { // -Lv: clustered short flags
				continue
			}
			i += features(i)
			continue
		}
		switch {
		case call.Sub == "":
			call.Sub = a
		case (call.Sub == "flake" || call.Sub == "profile" || call.Sub == "registry" || call.Sub == "store" ||
			call.Sub == "derivation" || call.Sub == "hash" || call.Sub == "key" || call.Sub == "nar") && call.Action == "":
			call.Action = a
		default:
			pos = append(pos, a)
		}
	}
	if call.Sub == "" {
		return call, true
	}
	takesFlake := subsWithFlake[call.Sub]
	if call.Sub == "flake" {
		switch call.Action {
		case "lock", "check", "show", "metadata", "info", "archive", "prefetch-inputs", "clone":
			takesFlake = true
		case "update":
			// nix ≥ 2.19: positionals are input names; the flake is --flake.
			takesFlake = true
			var kept []string
			for _, p := range pos {
				if looksLikePath(p) {
					kept = append(kept, p)
				}
			}
			pos = kept
			for j := 1; j+1 < len(args); j++ {
				if args[j] == "--flake" {
					pos = append([]string{args[j+1]}, pos...)
				}
			}
		}
	}
	if call.Sub == "profile" && (call.Action == "install" || call.Action == "add") {
		takesFlake = true
	}
	if call.Sub == "run" || call.Sub == "bundle" {
		if len(pos) > 1 {
			pos = pos[:1]
		}
	}
	call.Installables = pos
	if takesFlake && !call.Expr {
		inst := "."
		if len(pos) > 0 {
			inst = pos[0]
		}
		ref, attr, has := strings.Cut(inst, "#")
		if ref == "" && has {
			ref = "."
		}
		call.FlakeRef, call.Attr, call.HasAttr = ref, attr, has
	}
	return call, true
}

func looksLikePath(s string) bool {
	return s == "." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "path:")
}

func (c *NixCall) addFeatures(key, value string) {
	if key != "experimental-features" && key != "extra-experimental-features" {
		return
	}
	c.Features = append(c.Features, strings.Fields(value)...)
	c.FeaturesFlag = hasBoth(c.Features)
}

func hasBoth(fs []string) bool {
	var cmd, fl bool
	for _, f := range fs {
		cmd = cmd || f == "nix-command"
		fl = fl || f == "flakes"
	}
	return cmd && fl
}

// NixInvocations returns the nix CLI calls among cmds (wrappers such as
// sudo and env stripped). Calls nested in `nix develop --command` appear
// as their own commands (with InNixDevelop set).
func NixInvocations(cmds []Command) []NixCall {
	var out []NixCall
	for _, c := range cmds {
		args, dyn := stripWrappersDyn(c.Args, c.Dynamic)
		if len(args) == 0 || dyn[0] {
			continue
		}
		call, ok := parseNix(args)
		if !ok {
			continue
		}
		call.Cmd = c
		out = append(out, call)
	}
	return out
}

// nixWrapped recognises commands that run another command inside a nix
// environment: `nix develop|shell … --command|-c cmd…` (inner is the
// index of cmd) and `nix-shell … --run|--command 'script'` (script is the
// index of the script word). Otherwise ok is false.
func nixWrapped(args []string) (inner, script int, ok bool) {
	inner, script = -1, -1
	if len(args) == 0 {
		return inner, script, false
	}
	switch path.Base(args[0]) {
	case "nix":
		call, isNix := parseNix(args)
		if !isNix || call.InnerCommand == nil || len(call.InnerCommand) == 0 {
			return inner, script, false
		}
		return len(args) - len(call.InnerCommand), -1, true
	case "nix-shell":
		for i := 1; i < len(args); i++ {
			if (args[i] == "--run" || args[i] == "--command") && i+1 < len(args) {
				script = i + 1
			}
			i += optArity(legacyArity, args[i])
		}
		return -1, script, script >= 0
	}
	return inner, script, false
}

// configEnablesFlakes reports whether nix configuration text (nix.conf
// content, NIX_CONFIG, or an echo/printf command line writing it) sets
// experimental-features or extra-experimental-features to include both
// nix-command and flakes.
func configEnablesFlakes(text string) bool {
	text = strings.ReplaceAll(text, `\n`, "\n")
	var fs []string
	for _, line := range strings.Split(text, "\n") {
		i := strings.Index(line, "experimental-features")
		if i < 0 {
			continue
		}
		rest := strings.TrimSpace(line[i+len("experimental-features"):])
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		for _, f := range strings.Fields(rest[1:]) {
			f = strings.Trim(f, `'"`)
			if strings.HasPrefix(f, "#") {
				break
			}
			fs = append(fs, f)
		}
	}
	return hasBoth(fs)
}

// isNixConf reports whether a written path is a nix.conf nix reads:
// /etc/nix/nix.conf, ~/.config/nix/nix.conf, $XDG_CONFIG_HOME/nix/nix.conf, ….
func isNixConf(w Write) bool {
	p := w.Path
	if p == "" {
		p = w.Raw
	}
	p = strings.Trim(p, `'"`)
	return path.Base(p) == "nix.conf" && path.Base(path.Dir(p)) == "nix"
}

// nixConfWrite looks for commands writing a nix.conf. ok is false when
// none does; otherwise enabled says whether flakes are enabled after it
// (an appended line without the features leaves the previous state, which
// is reported as ok=false).
func nixConfWrite(cmds []Command) (enabled, ok bool) {
	for i := range cmds {
		for _, w := range cmds[i].Writes {
			if !isNixConf(w) {
				continue
			}
			text := commandText(&cmds[i])
			if cmds[i].Pipeline != 0 {
				text = ""
				for j := range cmds {
					if cmds[j].Pipeline == cmds[i].Pipeline {
						text += commandText(&cmds[j]) + "\n"
					}
				}
			}
			switch {
			case configEnablesFlakes(text):
				enabled, ok = true, true
			case !w.Append:
				enabled, ok = false, true
			}
		}
	}
	return enabled, ok
}

func commandText(c *Command) string {
	parts := make([]string, 0, len(c.Args)+1)
	for i, a := range c.Args {
		if c.Dynamic[i] {
			a = c.Raw[i]
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ") + "\n" + c.Stdin
}

func (s state) flakesEnabled() bool {
	if s.confFlake {
		return true
	}
	v, ok := scopeEnv{&s}.Get("NIX_CONFIG")
	return ok && configEnablesFlakes(v)
}

// FlakesEnabledBefore reports whether, before Instrs[instrIndex] runs,
// nix has both nix-command and flakes enabled through the image state
// built so far in this stage (or the stage it is FROM): ENV/ARG NIX_CONFIG,
// or an earlier RUN writing a nix.conf. Base images are not assumed to
// enable anything (nixos/nix does not enable flakes). Features enabled on
// the command line or by `export NIX_CONFIG` inside a RUN are per command:
// see NixCall.FeaturesFlag and Command.FlakesEnv.
func (s *Stage) FlakesEnabledBefore(instrIndex int) bool {
	if instrIndex < 0 {
		instrIndex = 0
	}
	if instrIndex >= len(s.flakes) {
		instrIndex = len(s.flakes) - 1
	}
	if instrIndex < 0 {
		return false
	}
	return s.flakes[instrIndex]
}

// FlakesConfiguredBefore reports whether a command of this RUN before
// Commands[cmdIndex] wrote a nix.conf enabling nix-command and flakes, as in
// `echo 'experimental-features = nix-command flakes' >> /etc/nix/nix.conf && nix build`
// (Stage.FlakesEnabledBefore only sees the state before the whole RUN).
func (r *Run) FlakesConfiguredBefore(cmdIndex int) bool {
	if r == nil || cmdIndex <= 0 {
		return false
	}
	if cmdIndex > len(r.Commands) {
		cmdIndex = len(r.Commands)
	}
	enabled, ok := nixConfWrite(r.Commands[:cmdIndex])
	return ok && enabled
}

// flakesImages are base images documented to enable nix-command and
// flakes: Determinate Systems' (its installer enables them) and
// nixpkgs/nix-flakes.
var flakesImages = []string{"ghcr.io/determinatesystems/nix", "determinatesystems/nix", "nixpkgs/nix-flakes", "docker.io/nixpkgs/nix-flakes"}

// FlakesImage reports whether a base image enables the features itself.
func FlakesImage(base string) bool {
	name := strings.ToLower(base)
	if i := strings.IndexAny(name, "@"); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 && !strings.Contains(name[i:], "/") {
		name = name[:i]
	}
	for _, img := range flakesImages {
		if name == img {
			return true
		}
	}
	return false
}

// copied records the context files a COPY puts into the image (single
// file sources), so that a nix.conf copied in can be read later; a COPY
// onto a nix.conf path counts as a write of that configuration.
func (b *builder) copied(c *Copy, s *state) {
	if !c.FromContext() || c.Heredoc {
		return
	}
	for i, src := range c.Sources {
		if !c.SourceResolved(i) || isRemote(src) || hasMeta(src) {
			continue
		}
		rel := cleanRel(src)
		if rel == "." {
			continue
		}
		t, ok := c.Target(rel)
		if !ok {
			continue
		}
		s.files[t] = rel
		if isNixConf(Write{Path: t}) {
			if en, known := b.contextConf(rel); en || !known {
				s.confFlake = true
			} else {
				s.confFlake = false
			}
		}
	}
}

// contextConf reads a nix configuration file from the build context:
// whether it enables both features, and whether its content is known (a
// context that cannot be read, or an empty file, is not).
func (b *builder) contextConf(rel string) (enables, known bool) {
	if b.opts.ReadContext == nil {
		return false, false
	}
	data, ok := b.opts.ReadContext(rel)
	if !ok || len(strings.TrimSpace(string(data))) == 0 {
		return false, false
	}
	return configEnablesFlakes(string(data)), true
}

// imageConf is contextConf for a file in the image that a COPY put there.
func (b *builder) imageConf(p string, s *state) (enables, known bool) {
	rel, ok := s.files[p]
	if !ok {
		return false, false
	}
	return b.contextConf(rel)
}

// installerEnables reports whether a RUN installs nix in a way that
// enables nix-command and flakes for later RUNs:
//   - Determinate Systems' installer (install.determinate.systems, or its
//     nix-installer binary's install), which enables them by default;
//   - the installer's --extra-conf / --nix-extra-conf-file naming
//     configuration that enables them (a file copied from the context is
//     read; one that cannot be read, or is empty, is given the benefit of
//     the doubt);
//   - cp/mv/install of a copied-in configuration onto a nix.conf path.
func (b *builder) installerEnables(cmds []Command, s *state) bool {
	enabled := false
	for _, c := range cmds {
		for i, a := range c.Args {
			if i < len(c.Dynamic) && c.Dynamic[i] {
				continue
			}
			if strings.Contains(a, "install.determinate.systems") {
				enabled = true
			}
			name, val, hasVal := strings.Cut(a, "=")
			if !hasVal && i+1 < len(c.Args) && !(i+1 < len(c.Dynamic) && c.Dynamic[i+1]) {
				val = c.Args[i+1]
			}
			switch name {
			case "--extra-conf":
				if configEnablesFlakes(val) {
					enabled = true
				}
			case "--nix-extra-conf-file":
				p := val
				if p != "" && !path.IsAbs(p) && c.Dir != "" {
					p = path.Join(c.Dir, p)
				}
				if en, known := b.imageConf(p, s); en || !known {
					enabled = true
				}
			}
		}
		w := stripWrappers(c.Args)
		if len(w) >= 2 && path.Base(w[0]) == "nix-installer" && w[1] == "install" {
			enabled = true
		}
		if len(w) >= 3 && (w[0] == "cp" || w[0] == "mv" || w[0] == "install" || w[0] == "ln") {
			dest := w[len(w)-1]
			if isNixConf(Write{Path: dest}) || strings.HasSuffix(dest, "/nix") || strings.HasSuffix(dest, "/nix/") {
				src := w[len(w)-2]
				if !path.IsAbs(src) && c.Dir != "" {
					src = path.Join(c.Dir, src)
				}
				if path.Base(src) == "nix.conf" || isNixConf(Write{Path: dest}) {
					if en, _ := b.imageConf(src, s); en {
						enabled = true
					}
				}
			}
		}
	}
	return enabled
}
