package checks

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

// imageFlake finds the flake a nix command evaluates when it names the
// image directory dir: the nearest flake.nix at or above dir that a COPY
// from the context put there (Nix searches upwards). It returns the
// flake, and its directory in the image.
func imageFlake(s *snapshot.Snapshot, ctx *snapshot.DockerContext, prior []*snapshot.Instr, dir string) (*snapshot.Flake, string) {
	for d := dir; d != ""; d = path.Dir(d) {
		if rel, ok := s.LatestLanding(ctx, prior, path.Join(d, "flake.nix")); ok {
			if f := s.FlakeByDir(snapshot.DirOf(snapshot.Join(ctx.Dir, rel))); f != nil && path.Base(rel) == "flake.nix" {
				return f, d
			}
			return nil, ""
		}
		if d == "/" {
			break
		}
	}
	return nil, ""
}

// LG401: `nix build .#x` (or `nix run`) names an output the flake does not
// have, while the flake has dev shells. It looks at Dockerfile RUNs, shell
// scripts, Makefile and justfile recipes, GitHub Actions `run:` steps and
// .gitlab-ci.yml scripts.

var NixBuildMissingOutput = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG401",
		Name:     "nix-build-missing-output",
		Summary:  "`nix build .#x` names an output the flake does not have, while it has a dev shell",
		Severity: diag.Error,
		Fixable:  true,
		Unsafe:   true,
		Doc: `A command builds (or runs) a flake output the flake does not define:

    nix build .#backend

tries packages.<system>.backend, legacyPackages.<system>.backend and the
top-level attribute backend (nix run tries apps.<system>.backend first); a
bare ` + "`nix build`" + ` or ` + "`nix build .`" + ` tries packages.<system>.default and
defaultPackage.<system> (nix run: apps default and defaultApp first). When
none exists, nix fails with

    error: flake 'git+file:///build' does not provide attribute 'packages.x86_64-linux.backend', 'legacyPackages.x86_64-linux.backend' or 'backend'

lockguard reports this only when the flake defines dev shells — the usual
situation: the flake is a development environment, and the build was meant to
run inside it — and only when its static analysis of the outputs is complete
(plain attribute sets, forAllSystems/genAttrs, flake-utils, flake-parts
perSystem). Remote flakes (github:…) are not checked.

lockguard looks at Dockerfile RUNs (the flake found through WORKDIR, cd and
the COPYs from the build context), shell scripts (*.sh, and tracked
executables with a sh/bash shebang; they are assumed to start at the
repository root, and a finding is kept only when the script's own directory
gives the same flake), Makefile and justfile recipes (run in the file's
directory), GitHub Actions run: steps (working-directory honoured) and
.gitlab-ci.yml script:, before_script: and after_script: entries.

Fix (unsafe: it changes what is built): when exactly one Cargo root lies under
the flake's directory, rewrite the command to
` + "`nix develop --command bash -c \"cd <dir> && cargo build --release\"`" + ` (keeping
--extra-experimental-features, and the flake reference quoted when it is not
a plain word). In Dockerfiles, shell scripts, Makefiles, justfiles, GitHub
Actions steps and GitLab CI scripts (keeping the YAML quoting valid); a
rewrite that the file's own parser would not read back as exactly that
command is not offered. Review it with ` + "`lockguard fix --diff`" + `.`,
	},
	Check: checkNixBuildMissingOutput,
}

// ---- output lookup ----

var perSystemSets = map[string]bool{"packages": true, "legacyPackages": true, "devShells": true, "apps": true, "checks": true, "formatter": true}

// lacksOutput decides whether `nix <sub> <ref>#attr` (hasAttr false or
// attr "": the default) finds nothing in the outputs o. tried lists what
// nix tries, for the message. ok is false when lockguard cannot tell.
func lacksOutput(o snapshot.Outputs, sub, attr string, hasAttr bool) (tried string, lacks, ok bool) {
	run := sub == "run"
	if !hasAttr || attr == "" {
		if o.Packages["default"] || (run && o.Apps["default"]) {
			return "", false, true
		}
		tried = "packages.<system>.default or defaultPackage.<system>"
		if run {
			tried = "apps.<system>.default, defaultApp.<system>, " + tried
		}
		return tried, true, true
	}
	if strings.ContainsAny(attr, "\"$'{}\\") {
		return "", false, false
	}
	attr, _, _ = strings.Cut(attr, "^") // output selection: .#x^out
	exact := strings.HasPrefix(attr, ".")
	parts := strings.Split(strings.TrimPrefix(attr, "."), ".")
	if slices.Contains(parts, "") {
		return "", false, false
	}
	topHas := func() bool {
		if !o.TopLevel[parts[0]] {
			return false
		}
		if perSystemSets[parts[0]] && len(parts) >= 3 {
			set := map[string]map[string]bool{"packages": o.Packages, "legacyPackages": o.LegacyPackages, "devShells": o.DevShells, "apps": o.Apps}[parts[0]]
			if set != nil {
				return set[parts[2]]
			}
		}
		return true
	}
	if exact {
		return "top-level " + strings.Join(parts, "."), !topHas(), true
	}
	if o.Packages[parts[0]] || o.LegacyPackages[parts[0]] || (run && o.Apps[parts[0]]) || topHas() {
		return "", false, true
	}
	tried = fmt.Sprintf("packages.<system>.%s, legacyPackages.<system>.%s or top-level %s", attr, attr, attr)
	if run {
		tried = fmt.Sprintf("apps.<system>.%s, %s", attr, tried)
	}
	return tried, true, true
}

func names(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// ---- sites: where a nix command is written ----

// nixSite is one nix command line found in a file.
type nixSite struct {
	path  string
	src   []byte
	calls []snapshot.NixCall // the commands of the same script, for locating words
	ci    int
	// resolve returns the flake an installable's reference names, the
	// flake's directory and the command's directory in the same absolute
	// path space (the image's, or the repository's under scriptRoot);
	// nil when unknown.
	resolve func(ref string) (*snapshot.Flake, string, string)
	// rescan returns the nix calls on line of the file with the edit
	// applied, to verify a
	// fix; nil: the file kind gets no fix.
	rescan func(edit diag.TextEdit, line int) []snapshot.NixCall
	// escape spells shell text for the file (make doubles $); nil: as is.
	escape func(string) string
}

func checkNixBuildMissingOutput(p *Pass) {
	s := p.Snap
	var sites []nixSite
	sites = append(sites, dockerNixSites(s)...)
	sites = append(sites, scriptNixSites(s)...)
	seen := map[string]bool{}
	for _, site := range sites {
		for _, d := range missingOutputDiags(s, site) {
			key := fmt.Sprintf("%s:%d:%d:%s", d.Path, d.Line, d.Column, d.Message)
			if !seen[key] {
				seen[key] = true
				p.Report(d)
			}
		}
	}
}

func missingOutputDiags(s *snapshot.Snapshot, site nixSite) []diag.Diagnostic {
	call := site.calls[site.ci]
	if call.Legacy || call.Cmd.InNixDevelop || call.FlakeRef == "" || (call.Sub != "build" && call.Sub != "run") {
		return nil
	}
	insts := call.Installables
	if len(insts) == 0 {
		insts = []string{"."}
	}
	if call.Sub == "run" {
		insts = insts[:1]
	}
	var out []diag.Diagnostic
	for _, inst := range insts {
		if strings.HasPrefix(inst, "/nix/store/") {
			continue
		}
		ref, attr, has := strings.Cut(inst, "#")
		if ref == "" {
			ref = "."
		}
		if snapshot.LocalFlakeDir(strings.SplitN(ref, "?", 2)[0], "/") == "" {
			continue // remote or registry flake
		}
		flake, flakeAbs, cwd := site.resolve(ref)
		if flake == nil {
			continue
		}
		o := flake.Outputs
		if !o.Complete || len(o.DevShells) == 0 {
			continue
		}
		tried, lacks, ok := lacksOutput(o, call.Sub, attr, has)
		if !ok || !lacks {
			continue
		}
		what := "nix " + call.Sub + " " + inst
		if len(call.Installables) == 0 {
			what = "nix " + call.Sub
		}
		d := diag.Diagnostic{
			Path: site.path,
			Message: fmt.Sprintf("`%s` names an output %s does not have: nix tries %s and fails with \"does not provide attribute\" (the flake has packages: %s; dev shells: %s)",
				what, flake.Path, tried, names(o.Packages), names(o.DevShells)),
		}
		help := "build inside the dev shell: `nix develop --command <build command>` (e.g. `nix develop --command cargo build --release`)"
		if call.Sub == "build" && len(insts) == 1 {
			if fix, text := developFix(s, site, flake, flakeAbs, cwd, ref, attr); text != "" {
				d.Fix = fix
				help = fmt.Sprintf("build inside the dev shell: `%s`", text)
			}
		}
		if len(o.Packages) > 0 {
			help += fmt.Sprintf(", or build a package the flake defines (%s)", names(o.Packages))
		}
		d.Help = help
		d.At(snapshot.NixCallSpan(site.src, site.calls, site.ci))
		out = append(out, d)
	}
	return out
}

// developFix rewrites the nix build command to build with cargo inside the
// dev shell, when exactly one Cargo root under the flake says what to build.
func developFix(s *snapshot.Snapshot, site nixSite, flake *snapshot.Flake, flakeAbs, cwd, ref, attr string) (*diag.Fix, string) {
	if cwd == "" || flakeAbs == "" {
		return nil, ""
	}
	var roots []snapshot.Root
	for _, r := range s.Cargo().Roots {
		if snapshot.Under(r.Dir(), flake.Dir) {
			roots = append(roots, r)
		}
	}
	if len(roots) != 1 {
		return nil, ""
	}
	o := flake.Outputs
	shell := ""
	switch {
	case attr != "" && o.DevShells[attr]:
		shell = "#" + attr
	case o.DevShells["default"]:
	default:
		return nil, ""
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(roots[0].Dir(), flake.Dir), "/")
	cargoAbs := path.Join(flakeAbs, rel)
	cd, ok := snapshot.RelPath(cwd, cargoAbs)
	if !ok {
		return nil, ""
	}
	target := ""
	if ref != "." || shell != "" {
		target = ref + shell
	}
	return developRewrite(site, target, cd)
}

// developRewrite rewrites the nix command of site to
// `nix develop [target] --command …` building in cd. It offers only a
// rewrite that its file's own parser reads back as exactly that argv.
func developRewrite(site nixSite, target, cd string) (*diag.Fix, string) {
	call := site.calls[site.ci]
	nixIdx, words := snapshot.NixRawWords(call.Cmd)
	if nixIdx < 0 {
		return nil, ""
	}
	keepRaw, keepArgs := snapshot.KeptNixOptions(call.Cmd, nixIdx)
	// The intended argv, and its spellings: the reference is quoted when
	// it is not a plain word, so that nothing in it (a ?query holding
	// $(…)) becomes shell syntax.
	inner := []string{"cargo", "build", "--release"}
	if cd != "." {
		inner = []string{"bash", "-c", "cd " + cd + " && cargo build --release"}
	}
	argv := append(append([]string{call.Cmd.Args[nixIdx]}, keepArgs...), "develop")
	if target != "" {
		argv = append(argv, target)
	}
	argv = append(append(argv, "--command"), inner...)
	var variants []string
	for _, q := range []string{`"`, `'`} {
		head := append(append([]string{words[0]}, keepRaw...), "develop")
		if target != "" {
			head = append(head, snapshot.ShellQuote(target, q[0], false))
		}
		head = append(head, "--command")
		for i, w := range inner {
			head = append(head, snapshot.ShellQuote(w, q[0], i == 2))
		}
		text := strings.Join(head, " ")
		if got, ok := snapshot.LiteralArgv(text); !ok || !slices.Equal(got, argv) || slices.Contains(variants, text) {
			continue
		}
		variants = append(variants, text)
	}
	if len(variants) == 0 {
		return nil, ""
	}
	if site.rescan == nil {
		return nil, variants[0]
	}
	off, ok := snapshot.NixWordAt(site.src, site.calls, site.ci)
	if !ok {
		return nil, variants[0]
	}
	esc := func(s string) string { return s }
	if site.escape != nil {
		esc = site.escape
	}
	escWords := make([]string, len(words))
	for i, w := range words {
		escWords[i] = esc(w)
	}
	end, ok := snapshot.MatchWords(site.src, off.Nix, escWords)
	if !ok {
		return nil, variants[0]
	}
	for _, text := range variants {
		edit := diag.TextEdit{Start: off.Nix, End: end, NewText: esc(text)}
		if !rewrittenAs(site.rescan(edit, call.Cmd.Line), text, argv) {
			continue
		}
		return &diag.Fix{
			Applicability: diag.Unsafe,
			Description:   fmt.Sprintf("replace the command with `%s`", text),
			Actions:       []diag.Action{{Kind: diag.ActionEdit, Path: site.path, Edits: []diag.TextEdit{edit}}},
		}, text
	}
	return nil, ""
}

// rewrittenAs reports whether the re-parsed calls hold the rewritten
// command exactly: its source words are text, taken by the shell as the
// intended argv (so the file's own quoting, YAML's or make's, did not
// change it).
func rewrittenAs(calls []snapshot.NixCall, text string, argv []string) bool {
	for _, c := range calls {
		i, raw := snapshot.NixRawWords(c.Cmd)
		if i < 0 || strings.Join(raw, " ") != text {
			continue
		}
		if slices.Equal(c.Cmd.Args[i:], argv) && !slices.Contains(c.Cmd.Dynamic[i:], true) {
			return true
		}
	}
	return false
}

// ---- Dockerfiles ----

func dockerNixSites(s *snapshot.Snapshot) []nixSite {
	var out []nixSite
	s.EachNixRun(func(df *snapshot.DockerFile, ctx *snapshot.DockerContext, st *snapshot.Stage, list []snapshot.StageInstr, i int, calls []snapshot.NixCall) {
		in := list[i].In
		prior := snapshot.InstrsOf(list[:i])
		for ci, call := range calls {
			cwd := call.Cmd.Dir
			site := nixSite{path: df.Path, src: df.Src, calls: calls, ci: ci}
			if in.Run.Exec {
				site.src = nil
			}
			site.resolve = func(ref string) (*snapshot.Flake, string, string) {
				dir := snapshot.LocalFlakeImageDir(ref, cwd)
				if dir == "" {
					return nil, "", ""
				}
				f, fdir := imageFlake(s, ctx, prior, dir)
				return f, fdir, cwd
			}
			site.rescan = func(edit diag.TextEdit, line int) []snapshot.NixCall {
				return rescanRun(df, in, edit, line)
			}
			out = append(out, site)
		}
	})
	return out
}

// rescanRun parses the RUN in of df again with an edit inside it and
// returns its nix calls on line. Only the RUN is parsed, after the file's
// parser directives and a FROM: re-parsing the whole file for every
// rewrite made a Dockerfile with many nix RUNs quadratic.
func rescanRun(df *snapshot.DockerFile, in *snapshot.Instr, edit diag.TextEdit, line int) []snapshot.NixCall {
	start := snapshot.LineStart(df.Src, in.StartLine)
	end := snapshot.LineStart(df.Src, in.EndLine+1)
	if end < 0 {
		end = len(df.Src)
	}
	if start < 1 || edit.Start < start || edit.End > end || edit.Start > edit.End {
		return nil
	}
	var mini []byte
	n := 0 // lines before the RUN in mini
	for off := 0; off < start && df.Src[off] == '#'; n++ {
		i := bytes.IndexByte(df.Src[off:], '\n')
		if i < 0 {
			return nil
		}
		mini = append(mini, df.Src[off:off+i+1]...)
		off += i + 1
	}
	mini = append(mini, "FROM scratch\n"...)
	n++
	mini = append(mini, df.Src[start:edit.Start]...)
	mini = append(mini, edit.NewText...)
	mini = append(mini, df.Src[edit.End:end]...)
	shift := in.StartLine - (n + 1)
	nf, err := snapshot.Parse(df.Path, mini)
	if err != nil || len(nf.Stages) != 1 {
		return nil
	}
	for _, ni := range nf.Stages[0].Instrs {
		if ni.StartLine == n+1 && ni.Run != nil {
			return snapshot.CallsOnLine(ni.Run.Commands, line-shift)
		}
	}
	return nil
}

// ---- scripts, Makefiles, justfiles, CI files ----

// scriptRoot is the absolute directory standing for the repository root
// when scripts are analysed (a cd to an absolute path leaves it).
const scriptRoot = "/.lockguard-repository"

func scriptNixSites(s *snapshot.Snapshot) []nixSite {
	files := s.ScriptFiles()
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var out []nixSite
	for _, p := range paths {
		kind := files[p]
		src, err := s.ReadFile(p)
		if err != nil || !strings.Contains(string(src), "nix") {
			continue
		}
		for _, piece := range kind.Scan(p, src) {
			out = append(out, pieceSites(s, p, src, kind, piece)...)
		}
	}
	return out
}

// pieceSites analyses a script piece from each of its start directories
// and keeps the nix calls whose flake all of them agree on.
func pieceSites(s *snapshot.Snapshot, p string, src []byte, kind snapshot.ScriptKind, piece snapshot.ScriptPiece) []nixSite {
	if !strings.Contains(piece.Text, "nix") {
		return nil
	}
	var runs [][]snapshot.NixCall
	for _, d := range piece.Dirs {
		cmds, err := snapshot.AnalyzeScript(piece.Text, path.Join(scriptRoot, d), piece.Line)
		if err != nil {
			return nil
		}
		runs = append(runs, snapshot.NixInvocations(cmds))
	}
	if len(runs) == 0 {
		return nil
	}
	var out []nixSite
	for ci := range runs[0] {
		ci := ci
		site := nixSite{path: p, src: src, calls: runs[0], ci: ci, escape: kind.Escape}
		site.resolve = func(ref string) (*snapshot.Flake, string, string) {
			var flake *snapshot.Flake
			var fdir, cwd string
			for i, calls := range runs {
				if ci >= len(calls) {
					return nil, "", ""
				}
				c := calls[ci].Cmd.Dir
				f, d := scriptFlake(s, ref, c)
				if f == nil {
					continue
				}
				if flake != nil && f != flake {
					return nil, "", ""
				}
				flake, fdir = f, d
				if i == 0 || cwd == "" {
					cwd = c
				}
			}
			return flake, fdir, cwd
		}
		if kind.Fixable {
			site.rescan = func(edit diag.TextEdit, line int) []snapshot.NixCall {
				edited, err := diag.ApplyEdits(src, []diag.TextEdit{edit})
				if err != nil {
					return nil
				}
				var all []snapshot.NixCall
				for _, pc := range kind.Scan(p, edited) {
					cmds, err := snapshot.AnalyzeScript(pc.Text, scriptRoot, pc.Line)
					if err != nil {
						continue
					}
					all = append(all, snapshot.CallsOnLine(cmds, line)...)
				}
				return all
			}
		}
		out = append(out, site)
	}
	return out
}

// scriptFlake resolves a flake reference of a script command run in cwd
// (under scriptRoot): the nearest flake at or above the directory, within
// the repository.
func scriptFlake(s *snapshot.Snapshot, ref, cwd string) (*snapshot.Flake, string) {
	dir := snapshot.LocalFlakeImageDir(ref, cwd)
	if dir == "" {
		return nil, ""
	}
	rel, ok := strings.CutPrefix(dir, scriptRoot)
	if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
		return nil, ""
	}
	for d := strings.TrimPrefix(rel, "/"); ; d = snapshot.DirOf(d) {
		if f := s.FlakeByDir(d); f != nil {
			return f, path.Join(scriptRoot, d)
		}
		if d == "" {
			return nil, ""
		}
	}
}
