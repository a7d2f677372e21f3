package buildctx

// Commands that create files a later docker build copies (build artifacts).

import (
	"net/url"
	"path"
	"strings"

	"github.com/lockguard/lockguard/internal/dockerfile"
)

// creates lists the paths a command creates (repo-relative).
func creates(c dockerfile.Command, dir string, origin Origin, isDir func(string) bool) []Artifact {
	var out []Artifact
	add := func(p, what string) {
		if p == "" {
			return
		}
		if r, ok := join(dir, p); ok {
			out = append(out, Artifact{Path: r, Origin: withWhat(origin, what)})
		}
	}
	for _, wr := range c.Writes {
		if r, ok := repoDir(wr.Path); ok {
			out = append(out, Artifact{Path: r, Origin: withWhat(origin, "redirection")})
		}
	}
	// copyInto: SRC… DEST creates DEST, or DEST/<base of SRC> when DEST is
	// a directory of the repository; rsync's and sync's names are unknown.
	copyInto := func(w words, verb, what string) {
		ops := operands(w)
		if len(ops) < 2 {
			return
		}
		dest := ops[len(ops)-1]
		d, ok := join(dir, dest)
		if !ok {
			return
		}
		if verb == "rsync" || verb == "sync" || !(isDir(d) || strings.HasSuffix(dest, "/")) {
			add(dest, what)
			return
		}
		for _, src := range ops[:len(ops)-1] {
			if b := urlBase(strings.TrimSuffix(src, "/")); b != "" && b != "." && b != "/" && !strings.ContainsAny(b, "*?[") {
				add(path.Join(dest, b), what)
			} else {
				add(dest, what)
			}
		}
	}
	args, dyn := c.Args, c.Dynamic
	if len(dyn) < len(args) {
		dyn = append(append([]bool(nil), dyn...), make([]bool, len(args)-len(dyn))...)
	}
	w := words{args: args, dyn: dyn}
	name := c.Name()
	// Skip wrappers the same way Name does.
	for len(w.args) > 0 && !w.dyn[0] && path.Base(w.args[0]) != name {
		w = w.from(1)
	}
	if len(w.args) == 0 {
		return out
	}
	if !creators[name] && len(w.args) > 1 && !w.dyn[1] && creators[path.Base(w.args[1])] {
		// one unknown wrapper word: run_retried curl -LO …, retry cp …
		w = w.from(1)
		name = path.Base(w.args[0])
	}
	if runsScript(w) {
		return append(out, Artifact{Any: true, Origin: withWhat(origin, "runs "+w.args[0])})
	}
	if !creators[name] {
		// TOOL [options] cp|rsync|mv SRC… DEST: gsutil -m cp, aws s3 cp,
		// gcloud storage cp, kubectl cp
		for i := 1; i < len(w.args) && i < 4; i++ {
			a := w.arg(i)
			if a == "cp" || a == "mv" || a == "rsync" || a == "sync" {
				copyInto(w.from(i+1), a, name+" "+a)
				return out
			}
			if !strings.HasPrefix(a, "-") && a != "s3" && a != "storage" {
				break
			}
		}
		return out
	}
	opts := w.from(1)
	switch name {
	case "cp", "mv", "rsync", "install", "ln", "scp":
		if t := optValue(opts, "-t", "--target-directory"); t != "" {
			add(t, name)
			break
		}
		copyInto(opts, name, name)
	case "mkdir", "touch":
		for i, a := range opts.args {
			if !opts.dyn[i] && !strings.HasPrefix(a, "-") {
				add(a, name)
			}
		}
	case "curl":
		if o := optValue(opts, "-o", "--output"); o != "" {
			add(o, name)
		}
		if hasShort(opts, 'O') || hasLong(opts, "--remote-name") || hasLong(opts, "--remote-name-all") {
			for i, a := range opts.args {
				if !opts.dyn[i] && strings.Contains(a, "://") {
					add(urlBase(a), name)
				}
			}
		}
	case "wget":
		if o := optValue(opts, "-O", "--output-document"); o != "" {
			add(o, name)
			break
		}
		prefix := optValue(opts, "-P", "--directory-prefix")
		for i, a := range opts.args {
			if !opts.dyn[i] && strings.Contains(a, "://") {
				add(path.Join(prefix, urlBase(a)), name)
			}
		}
	case "tar":
		x := false
		for i, a := range opts.args {
			if opts.dyn[i] {
				continue
			}
			if a == "--extract" || a == "--get" || (strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "x")) || (i == 0 && !strings.HasPrefix(a, "-") && strings.Contains(a, "x")) {
				x = true
			}
		}
		if x {
			d := optValue(opts, "-C", "--directory")
			if d == "" {
				d = "."
			}
			add(d, "tar -x")
		}
	case "unzip":
		d := optValue(opts, "-d", "")
		if d == "" {
			d = "."
		}
		add(d, "unzip")
	case "go":
		if sub := opts.arg(0); sub == "build" || sub == "test" || sub == "install" {
			add(optValue(opts.from(1), "-o", ""), "go "+sub)
		}
	case "cargo", "cross":
		if sub := opts.arg(0); sub == "build" || sub == "install" || sub == "b" || sub == "zigbuild" || sub == "auditable" {
			add("target", name+" "+sub)
			for _, f := range []string{"--out-dir", "--artifact-dir", "--target-dir", "--root"} {
				add(optValue(opts.from(1), f, ""), name+" "+sub)
			}
		}
	case "nix", "nix-build":
		if name == "nix-build" || opts.arg(0) == "build" {
			o := optValue(opts, "-o", "--out-link")
			if o == "" {
				o = "result"
			}
			add(o, name+" build")
		}
	case "git":
		if opts.arg(0) == "clone" {
			ops := operands(opts.from(1))
			if len(ops) == 2 {
				add(ops[1], "git clone")
			} else if len(ops) == 1 {
				add(strings.TrimSuffix(urlBase(ops[0]), ".git"), "git clone")
			}
		}
	case "make", "gmake", "just":
		out = append(out, Artifact{Any: true, Origin: withWhat(origin, name)})
	}
	return out
}

// creators are the commands creates knows.
var creators = map[string]bool{
	"cp": true, "mv": true, "rsync": true, "install": true, "ln": true, "scp": true, "mkdir": true, "touch": true,
	"curl": true, "wget": true, "tar": true, "unzip": true, "go": true, "cargo": true, "cross": true,
	"nix": true, "nix-build": true, "git": true, "make": true, "gmake": true, "just": true,
}

// operands are the non-option arguments (nil when one is dynamic).
func operands(w words) []string {
	var out []string
	for i, a := range w.args {
		if w.dyn[i] {
			return nil
		}
		if !strings.HasPrefix(a, "-") {
			out = append(out, a)
		}
	}
	return out
}

// optValue finds the value of a short or long option (-o X, -oX, --out X,
// --out=X); "" when absent or dynamic.
func optValue(w words, short, long string) string {
	for i := 0; i < len(w.args); i++ {
		if w.dyn[i] {
			continue
		}
		a := w.args[i]
		switch {
		case a == short || (long != "" && a == long):
			return w.arg(i + 1)
		case long != "" && strings.HasPrefix(a, long+"="):
			return a[len(long)+1:]
		case short != "" && strings.HasPrefix(a, short) && len(a) > len(short) && !strings.HasPrefix(a, "--"):
			return a[len(short):]
		}
	}
	return ""
}

// hasShort reports a short flag letter, alone or in a cluster (-sSLO).
func hasShort(w words, letter byte) bool {
	for i, a := range w.args {
		if w.dyn[i] || !strings.HasPrefix(a, "-") || strings.HasPrefix(a, "--") {
			continue
		}
		if strings.IndexByte(a[1:], letter) >= 0 {
			return true
		}
	}
	return false
}

func hasLong(w words, flag string) bool {
	for i, a := range w.args {
		if !w.dyn[i] && a == flag {
			return true
		}
	}
	return false
}

// urlBase is the file name a download of u is saved as.
func urlBase(u string) string {
	if pu, err := url.Parse(u); err == nil && pu.Path != "" {
		if p, err := url.PathUnescape(pu.Path); err == nil {
			return path.Base(p)
		}
		return path.Base(pu.Path)
	}
	return path.Base(u)
}

// absOrJoin resolves p (absolute under the analysed root, or relative to
// dir) to a repo-relative path.
func absOrJoin(dir, p string) (string, bool) {
	if path.IsAbs(p) {
		return repoDir(path.Clean(p))
	}
	return join(dir, p)
}

// runsScript reports a command whose outputs are unknown: a script of the
// repository (./build.sh, scripts/prepare, bash ci/setup.sh) or a package
// manager's build script (npm/yarn/pnpm/bun run …, cargo xtask).
func runsScript(w words) bool {
	if len(w.args) == 0 || w.dyn[0] {
		return false
	}
	a := w.args[0]
	switch base := path.Base(a); {
	case !path.IsAbs(a) && strings.Contains(a, "/"):
		return true
	case base == "bash" || base == "sh" || base == "zsh" || base == "python" || base == "python3" || base == "node":
		next := w.arg(1)
		return next != "" && !strings.HasPrefix(next, "-") && (strings.Contains(next, "/") || strings.Contains(next, "."))
	case base == "npm" || base == "yarn" || base == "pnpm" || base == "bun":
		sub := w.arg(1)
		return sub == "run" || sub == "build" || sub == "run-script" || sub == "exec"
	case base == "cargo":
		return w.arg(1) == "xtask" || w.arg(1) == "make" || w.arg(1) == "run"
	case base == "task" || base == "earthly":
		return true
	}
	return false
}
