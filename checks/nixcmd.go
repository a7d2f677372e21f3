package checks

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/lockguard/lockguard/internal/cargo"
	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/nix"
)

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

Bad:

    RUN nix build .#backend        # the flake has packages.server and devShells.default

Good:

    RUN nix develop --command bash -c "cd backend && cargo build --release"

or build the package the flake does define (nix build .#server).

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

func init() { register(NixBuildMissingOutput) }

// ---- output lookup ----

var perSystemSets = map[string]bool{"packages": true, "legacyPackages": true, "devShells": true, "apps": true, "checks": true, "formatter": true}

// lacksOutput decides whether `nix <sub> <ref>#attr` (hasAttr false or
// attr "": the default) finds nothing in the outputs o. tried lists what
// nix tries, for the message. ok is false when lockguard cannot tell.
func lacksOutput(o nix.Outputs, sub, attr string, hasAttr bool) (tried string, lacks, ok bool) {
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
	calls []dockerfile.NixCall // the commands of the same script, for locating words
	ci    int
	// resolve returns the flake an installable's reference names, the
	// flake's directory and the command's directory in the same absolute
	// path space (the image's, or the repository's under scriptRoot);
	// nil when unknown.
	resolve func(ref string) (*nix.Flake, string, string)
	// rescan returns the nix calls on line of the file with the edit
	// applied, to verify a
	// fix; nil: the file kind gets no fix.
	rescan func(edit diag.TextEdit, line int) []dockerfile.NixCall
	// escape spells shell text for the file (make doubles $); nil: as is.
	escape func(string) string
}

func checkNixBuildMissingOutput(p *Pass) {
	s := p.Snap
	var sites []nixSite
	sites = append(sites, s.dockerNixSites()...)
	sites = append(sites, s.scriptNixSites()...)
	seen := map[string]bool{}
	for _, site := range sites {
		for _, d := range s.missingOutputDiags(site) {
			key := fmt.Sprintf("%s:%d:%d:%s", d.Path, d.Line, d.Column, d.Message)
			if !seen[key] {
				seen[key] = true
				p.Report(d)
			}
		}
	}
}

func (s *Snapshot) missingOutputDiags(site nixSite) []diag.Diagnostic {
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
		if dockerfile.LocalFlakeDir(strings.SplitN(ref, "?", 2)[0], "/") == "" {
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
			if fix, text := s.developFix(site, flake, flakeAbs, cwd, ref, attr); text != "" {
				d.Fix = fix
				help = fmt.Sprintf("build inside the dev shell: `%s`", text)
			}
		}
		if len(o.Packages) > 0 {
			help += fmt.Sprintf(", or build a package the flake defines (%s)", names(o.Packages))
		}
		d.Help = help
		d.At(nixCallSpan(site.src, site.calls, site.ci))
		out = append(out, d)
	}
	return out
}

// developFix rewrites the nix build command to build with cargo inside the
// dev shell, when exactly one Cargo root under the flake says what to build.
func (s *Snapshot) developFix(site nixSite, flake *nix.Flake, flakeAbs, cwd, ref, attr string) (*diag.Fix, string) {
	if cwd == "" || flakeAbs == "" {
		return nil, ""
	}
	var roots []cargo.Root
	for _, r := range s.Cargo().Roots {
		if under(r.Dir(), flake.Dir) {
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
	cd, ok := relPath(cwd, cargoAbs)
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
	nixIdx, words := nixRawWords(call.Cmd)
	if nixIdx < 0 {
		return nil, ""
	}
	keepRaw, keepArgs := keptNixOptions(call.Cmd, nixIdx)
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
			head = append(head, shellQuote(target, q, false))
		}
		head = append(head, "--command")
		for i, w := range inner {
			head = append(head, shellQuote(w, q, i == 2))
		}
		text := strings.Join(head, " ")
		if got, ok := dockerfile.LiteralArgv(text); !ok || !slices.Equal(got, argv) || slices.Contains(variants, text) {
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
	off, ok := nixWordAt(site.src, site.calls, site.ci)
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
	end, ok := matchWords(site.src, off.nix, escWords)
	if !ok {
		return nil, variants[0]
	}
	for _, text := range variants {
		edit := diag.TextEdit{Start: off.nix, End: end, NewText: esc(text)}
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

// shellQuote spells the word w for a POSIX shell: as it is when it is a
// plain word (and force is false), else in the quotes q.
func shellQuote(w, q string, force bool) string {
	if !force && w != "" && plainWord.MatchString(w) {
		return w
	}
	if q == "'" {
		return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range w {
		if strings.ContainsRune("$`\\\"", r) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	sb.WriteByte('"')
	return sb.String()
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,#-]+$`)

// rewrittenAs reports whether the re-parsed calls hold the rewritten
// command exactly: its source words are text, taken by the shell as the
// intended argv (so the file's own quoting, YAML's or make's, did not
// change it).
func rewrittenAs(calls []dockerfile.NixCall, text string, argv []string) bool {
	for _, c := range calls {
		i, raw := nixRawWords(c.Cmd)
		if i < 0 || strings.Join(raw, " ") != text {
			continue
		}
		if slices.Equal(c.Cmd.Args[i:], argv) && !slices.Contains(c.Cmd.Dynamic[i:], true) {
			return true
		}
	}
	return false
}

// relPath is the relative path from the directory from to the directory to.
func relPath(from, to string) (string, bool) {
	if !path.IsAbs(from) || !path.IsAbs(to) {
		return "", false
	}
	f := strings.Split(strings.Trim(from, "/"), "/")
	t := strings.Split(strings.Trim(to, "/"), "/")
	if from == "/" {
		f = nil
	}
	if to == "/" {
		t = nil
	}
	i := 0
	for i < len(f) && i < len(t) && f[i] == t[i] {
		i++
	}
	var parts []string
	for range f[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[i:]...)
	if len(parts) == 0 {
		return ".", true
	}
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t\n'\"$`\\&;|<>()*?[]#~") {
			return "", false
		}
	}
	return strings.Join(parts, "/"), true
}

// nixRawWords returns the index of the nix word in c.Raw and the raw words
// from it to the end of the command (-1 when not found).
func nixRawWords(c dockerfile.Command) (int, []string) {
	for i, a := range c.Args {
		if i < len(c.Dynamic) && c.Dynamic[i] {
			return -1, nil
		}
		if path.Base(a) == "nix" {
			if len(c.Raw) != len(c.Args) {
				return -1, nil
			}
			return i, c.Raw[i:]
		}
	}
	return -1, nil
}

// keptNixOptions are the options of a nix command that the rewrite
// keeps: every option before the subcommand, and the experimental-features
// settings after it.
func keptNixOptions(c dockerfile.Command, nixIdx int) (raw, argv []string) {
	args, rawWords := c.Args[nixIdx+1:], c.Raw[nixIdx+1:]
	before := true
	for i := 0; i < len(args); i++ {
		a := args[i]
		if before && !strings.HasPrefix(a, "-") {
			before = false
			continue
		}
		n := dockerfile.NixOptionArity(a)
		features := strings.HasPrefix(a, "--extra-experimental-features") || strings.HasPrefix(a, "--experimental-features") ||
			(a == "--option" && i+1 < len(args) && strings.HasSuffix(args[i+1], "experimental-features"))
		if before || features {
			end := min(i+1+n, len(args))
			raw = append(raw, rawWords[i:end]...)
			argv = append(argv, args[i:end]...)
		}
		i += n
	}
	return raw, argv
}

// nixWordAt finds the nix word of calls[ci] in src, on the command's line:
// the word followed by the command's next word; when the line has several
// such places, calls on the line that look the same are matched to them in
// order, and a count mismatch gives ok false.
func nixWordAt(src []byte, calls []dockerfile.NixCall, ci int) (nixOffsets, bool) {
	call := calls[ci]
	word, next, ok := nixWords(call.Cmd)
	if !ok || src == nil {
		return nixOffsets{}, false
	}
	ls := lineStart(src, call.Cmd.Line)
	if ls < 0 {
		return nixOffsets{}, false
	}
	le := len(src)
	if i := bytes.IndexByte(src[ls:], '\n'); i >= 0 {
		le = ls + i
	}
	lineText := string(src[ls:le])
	re, err := regexp.Compile(`(?:^|[\s;&|(){}'"` + "`" + `@-])(` + regexp.QuoteMeta(word) + `)[ \t]+(` + regexp.QuoteMeta(next) + `)(?:$|[\s;&|()'"` + "`" + `\\])`)
	if err != nil {
		return nixOffsets{}, false
	}
	matches := re.FindAllStringSubmatchIndex(lineText, -1)
	k, same := 0, 0
	for j, c := range calls {
		if c.Cmd.Line != call.Cmd.Line {
			continue
		}
		if w, n, ok := nixWords(c.Cmd); ok && w == word && n == next {
			if j < ci {
				k++
			}
			same++
		}
	}
	if len(matches) == 0 || len(matches) != same {
		return nixOffsets{}, false
	}
	return nixOffsets{nix: ls + matches[k][2], sub: ls + matches[k][4], word: word}, true
}

// matchWords matches the raw words in src from off, separated by blanks
// and line continuations; it returns the offset after the last word.
func matchWords(src []byte, off int, words []string) (int, bool) {
	for i, w := range words {
		if i > 0 {
			start := off
			for off < len(src) {
				switch {
				case src[off] == ' ' || src[off] == '\t':
					off++
					continue
				case src[off] == '\\' && off+1 < len(src) && src[off+1] == '\n':
					off += 2
					continue
				}
				break
			}
			if off == start {
				return 0, false
			}
		}
		if !bytes.HasPrefix(src[off:], []byte(w)) {
			return 0, false
		}
		off += len(w)
	}
	return off, true
}

// nixCallSpan spans the nix word of calls[ci] (the command's line when it
// cannot be located).
func nixCallSpan(src []byte, calls []dockerfile.NixCall, ci int) diag.Span {
	call := calls[ci]
	line := call.Cmd.Line
	if off, ok := nixWordAt(src, calls, ci); ok {
		ls := lineStart(src, line)
		col := utf8.RuneCount(src[ls:off.nix]) + 1
		return spanOf(line, col, line, col+utf8.RuneCountInString(off.word))
	}
	if ls := lineStart(src, line); ls >= 0 {
		le := len(src)
		if i := bytes.IndexByte(src[ls:], '\n'); i >= 0 {
			le = ls + i
		}
		f := &dockerfile.File{Lines: []string{string(src[ls:le])}}
		if c, e := f.Span(1, "nix"); c > 0 {
			return spanOf(line, c, line, e)
		}
	}
	return diag.Span{Line: line}
}

// ---- Dockerfiles ----

func (s *Snapshot) dockerNixSites() []nixSite {
	var out []nixSite
	s.eachNixRun(func(df *DockerFile, ctx *DockerContext, st *dockerfile.Stage, list []stageInstr, i int, calls []dockerfile.NixCall) {
		in := list[i].in
		prior := instrsOf(list[:i])
		for ci, call := range calls {
			cwd := call.Cmd.Dir
			site := nixSite{path: df.Path, src: df.Src, calls: calls, ci: ci}
			if in.Run.Exec {
				site.src = nil
			}
			site.resolve = func(ref string) (*nix.Flake, string, string) {
				dir := localFlakeImageDir(ref, cwd)
				if dir == "" {
					return nil, "", ""
				}
				f, fdir := s.imageFlake(ctx, prior, dir)
				return f, fdir, cwd
			}
			site.rescan = func(edit diag.TextEdit, line int) []dockerfile.NixCall {
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
func rescanRun(df *DockerFile, in *dockerfile.Instr, edit diag.TextEdit, line int) []dockerfile.NixCall {
	start := lineStart(df.Src, in.StartLine)
	end := lineStart(df.Src, in.EndLine+1)
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
	nf, err := dockerfile.Parse(df.Path, mini)
	if err != nil || len(nf.Stages) != 1 {
		return nil
	}
	for _, ni := range nf.Stages[0].Instrs {
		if ni.StartLine == n+1 && ni.Run != nil {
			return callsOnLine(ni.Run.Commands, line-shift)
		}
	}
	return nil
}

func callsOnLine(cmds []dockerfile.Command, line int) []dockerfile.NixCall {
	var out []dockerfile.NixCall
	for _, c := range dockerfile.NixInvocations(cmds) {
		if c.Cmd.Line == line {
			out = append(out, c)
		}
	}
	return out
}

// ---- scripts, Makefiles, justfiles, CI files ----

// scriptRoot is the absolute directory standing for the repository root
// when scripts are analysed (a cd to an absolute path leaves it).
const scriptRoot = "/.lockguard-repository"

// scriptPiece is a shell script inside a file: a whole *.sh file, one
// recipe line, one CI step.
type scriptPiece struct {
	text string
	line int      // file line of the text's first line
	dirs []string // repo-relative directories it may start in ("" root); a finding needs all to agree
}

// scriptKind reads the script pieces of one kind of file.
type scriptKind struct {
	scan    func(p string, src []byte) []scriptPiece
	fixable bool
	escape  func(string) string // see nixSite.escape
}

func (s *Snapshot) scriptFiles() map[string]scriptKind {
	out := map[string]scriptKind{}
	shell := scriptKind{scan: scanShellScript, fixable: true}
	for _, e := range s.Repo.Entries() {
		if e.Submodule {
			continue
		}
		base := path.Base(e.Path)
		switch {
		case strings.HasSuffix(base, ".sh"):
			out[e.Path] = shell
		case base == "Makefile" || base == "makefile" || base == "GNUmakefile" || strings.HasSuffix(base, ".mk"):
			out[e.Path] = scriptKind{scan: scanMakefile, fixable: true, escape: makeEscape}
		case base == "justfile" || base == "Justfile" || base == ".justfile" || strings.HasSuffix(base, ".just"):
			out[e.Path] = scriptKind{scan: scanJustfile, fixable: true}
		case strings.HasPrefix(e.Path, ".github/workflows/") && (strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")):
			out[e.Path] = scriptKind{scan: scanWorkflow, fixable: true}
		case e.Path == ".gitlab-ci.yml" || e.Path == ".gitlab-ci.yaml":
			out[e.Path] = scriptKind{scan: scanGitlabCI, fixable: true}
		case e.Mode == 0o100755:
			if fi, err := s.Repo.Lstat(e.Path); err != nil || !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
				continue
			}
			if data, err := s.ReadFile(e.Path); err == nil && shellShebang.Match(data) {
				out[e.Path] = shell
			}
		}
	}
	return out
}

var shellShebang = regexp.MustCompile(`^#![ \t]*(?:/usr)?/bin/(?:env[ \t]+)?(?:sh|bash|dash)(?:[ \t]|\r?\n|$)`)

func (s *Snapshot) scriptNixSites() []nixSite {
	files := s.scriptFiles()
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
		for _, piece := range kind.scan(p, src) {
			out = append(out, s.pieceSites(p, src, kind, piece)...)
		}
	}
	return out
}

// pieceSites analyses a script piece from each of its start directories
// and keeps the nix calls whose flake all of them agree on.
func (s *Snapshot) pieceSites(p string, src []byte, kind scriptKind, piece scriptPiece) []nixSite {
	if !strings.Contains(piece.text, "nix") {
		return nil
	}
	var runs [][]dockerfile.NixCall
	for _, d := range piece.dirs {
		cmds, err := dockerfile.AnalyzeScript(piece.text, path.Join(scriptRoot, d), piece.line)
		if err != nil {
			return nil
		}
		runs = append(runs, dockerfile.NixInvocations(cmds))
	}
	if len(runs) == 0 {
		return nil
	}
	var out []nixSite
	for ci := range runs[0] {
		ci := ci
		site := nixSite{path: p, src: src, calls: runs[0], ci: ci, escape: kind.escape}
		site.resolve = func(ref string) (*nix.Flake, string, string) {
			var flake *nix.Flake
			var fdir, cwd string
			for i, calls := range runs {
				if ci >= len(calls) {
					return nil, "", ""
				}
				c := calls[ci].Cmd.Dir
				f, d := s.scriptFlake(ref, c)
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
		if kind.fixable {
			site.rescan = func(edit diag.TextEdit, line int) []dockerfile.NixCall {
				edited, err := applyEdits(src, []diag.TextEdit{edit})
				if err != nil {
					return nil
				}
				var all []dockerfile.NixCall
				for _, pc := range kind.scan(p, edited) {
					cmds, err := dockerfile.AnalyzeScript(pc.text, scriptRoot, pc.line)
					if err != nil {
						continue
					}
					all = append(all, callsOnLine(cmds, line)...)
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
func (s *Snapshot) scriptFlake(ref, cwd string) (*nix.Flake, string) {
	dir := localFlakeImageDir(ref, cwd)
	if dir == "" {
		return nil, ""
	}
	rel, ok := strings.CutPrefix(dir, scriptRoot)
	if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
		return nil, ""
	}
	for d := strings.TrimPrefix(rel, "/"); ; d = dirOf(d) {
		if f := s.flakeByDir(d); f != nil {
			return f, path.Join(scriptRoot, d)
		}
		if d == "" {
			return nil, ""
		}
	}
}

// scanShellScript: the whole file, started at the repository root or in
// the script's directory.
func scanShellScript(p string, src []byte) []scriptPiece {
	dirs := []string{""}
	if d := dirOf(p); d != "" {
		dirs = append(dirs, d)
	}
	return []scriptPiece{{text: string(src), line: 1, dirs: dirs}}
}

var (
	makeRuleRE = regexp.MustCompile(`^[^\t#=:]+(?:::?|&:)(?:[^=]|$)`)
	justRuleRE = regexp.MustCompile(`^@?[A-Za-z_][A-Za-z0-9_-]*(?:[ \t][^:]*)?:(?:[^=]|$)`)
	justInterp = regexp.MustCompile(`\{\{.*?\}\}`)
	ghaInterp  = regexp.MustCompile(`\$\{\{.*?\}\}`)
)

// scanMakefile: each logical recipe line (tab-indented, after a rule
// line; `\` continuations joined), without @, - and + prefixes, in the
// Makefile's directory.
func scanMakefile(p string, src []byte) []scriptPiece {
	lines := strings.Split(string(src), "\n")
	var out []scriptPiece
	inRule := false
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSuffix(lines[i], "\r")
		switch {
		case strings.HasPrefix(l, "\t") && inRule:
			start := i
			text := strings.TrimPrefix(l, "\t")
			for strings.HasSuffix(text, "\\") && i+1 < len(lines) {
				i++
				text += "\n" + strings.TrimPrefix(strings.TrimSuffix(lines[i], "\r"), "\t")
			}
			text = strings.TrimLeft(text, "@-+ \t")
			// make expands $(…) and ${…}, and $$ is a literal $.
			text = strings.ReplaceAll(text, "$$", "\x00")
			text = makeVarRE.ReplaceAllString(text, "$$__make")
			text = strings.ReplaceAll(text, "\x00", "$")
			out = append(out, scriptPiece{text: text, line: start + 1, dirs: []string{dirOf(p)}})
		case strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#"):
		case makeRuleRE.MatchString(l):
			inRule = true
		default:
			inRule = false
		}
	}
	return out
}

// makeEscape spells shell text in a recipe: make expands $.
func makeEscape(s string) string { return strings.ReplaceAll(s, "$", "$$") }

var makeVarRE = regexp.MustCompile(`\$(?:\([^()]*\)|\{[^{}]*\}|[A-Za-z_@<^+*?%])`)

// scanJustfile: each indented recipe line (a shebang recipe's body as
// lines too), without @ and - prefixes, in the justfile's directory;
// {{…}} interpolations are unknown.
func scanJustfile(p string, src []byte) []scriptPiece {
	lines := strings.Split(string(src), "\n")
	var out []scriptPiece
	inRule := false
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSuffix(lines[i], "\r")
		trimmed := strings.TrimLeft(l, " \t")
		switch {
		case trimmed != l && inRule:
			if strings.HasPrefix(trimmed, "#") {
				continue
			}
			start := i
			text := trimmed
			for strings.HasSuffix(text, "\\") && i+1 < len(lines) {
				i++
				text += "\n" + strings.TrimLeft(strings.TrimSuffix(lines[i], "\r"), " \t")
			}
			text = strings.TrimLeft(text, "@-")
			text = justInterp.ReplaceAllString(text, "$$__just")
			out = append(out, scriptPiece{text: text, line: start + 1, dirs: []string{dirOf(p)}})
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case justRuleRE.MatchString(l) && !strings.HasPrefix(l, "set ") && !strings.HasPrefix(l, "alias ") && !strings.HasPrefix(l, "export "):
			inRule = true
		default:
			inRule = false
		}
	}
	return out
}

// yamlScript turns a scalar node into a script piece starting in dir.
func yamlScript(n *yaml.Node, dir string) (scriptPiece, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return scriptPiece{}, false
	}
	line := n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		line++
	}
	if n.Style&yaml.FoldedStyle != 0 && strings.Count(strings.TrimSuffix(n.Value, "\n"), "\n") > 0 {
		return scriptPiece{}, false // folded lines do not map to file lines
	}
	return scriptPiece{text: ghaInterp.ReplaceAllString(n.Value, "$$__ci"), line: line, dirs: []string{dir}}, true
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func yamlDoc(src []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// workDir resolves a working-directory value against the repository root
// ("", false when it is dynamic or leaves the repository).
func workDir(n *yaml.Node, base string) (string, bool) {
	if n == nil {
		return base, true
	}
	if n.Kind != yaml.ScalarNode || strings.Contains(n.Value, "$") || path.IsAbs(n.Value) {
		return "", false
	}
	return repoRel(path.Join(base, n.Value))
}

func posixShell(n *yaml.Node) bool {
	if n == nil {
		return true
	}
	f := strings.Fields(n.Value)
	return len(f) > 0 && (f[0] == "bash" || f[0] == "sh")
}

// scanWorkflow: the run: steps of a GitHub Actions workflow, in the
// repository root or their working-directory.
func scanWorkflow(_ string, src []byte) []scriptPiece {
	root := yamlDoc(src)
	if root == nil {
		return nil
	}
	defDir, defOK := workDir(mapGet(mapGet(mapGet(root, "defaults"), "run"), "working-directory"), "")
	defShell := mapGet(mapGet(mapGet(root, "defaults"), "run"), "shell")
	var out []scriptPiece
	jobs := mapGet(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return nil
	}
	for i := 1; i < len(jobs.Content); i += 2 {
		job := jobs.Content[i]
		jobRun := mapGet(mapGet(job, "defaults"), "run")
		jobDir, jobOK := defDir, defOK
		if wd := mapGet(jobRun, "working-directory"); wd != nil {
			jobDir, jobOK = workDir(wd, "")
		}
		jobShell := defShell
		if sh := mapGet(jobRun, "shell"); sh != nil {
			jobShell = sh
		}
		steps := mapGet(job, "steps")
		if steps == nil || steps.Kind != yaml.SequenceNode {
			continue
		}
		for _, step := range steps.Content {
			run := mapGet(step, "run")
			if run == nil {
				continue
			}
			dir, ok := jobDir, jobOK
			if wd := mapGet(step, "working-directory"); wd != nil {
				dir, ok = workDir(wd, "")
			}
			sh := jobShell
			if v := mapGet(step, "shell"); v != nil {
				sh = v
			}
			if !ok || !posixShell(sh) {
				continue
			}
			if pc, ok := yamlScript(run, dir); ok {
				out = append(out, pc)
			}
		}
	}
	return out
}

// scanGitlabCI: script:, before_script: and after_script: entries of every
// job (and default:), in the repository root.
func scanGitlabCI(_ string, src []byte) []scriptPiece {
	root := yamlDoc(src)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil
	}
	var out []scriptPiece
	var add func(n *yaml.Node)
	add = func(n *yaml.Node) {
		switch {
		case n == nil:
		case n.Kind == yaml.SequenceNode:
			for _, c := range n.Content {
				add(c)
			}
		default:
			if pc, ok := yamlScript(n, ""); ok {
				out = append(out, pc)
			}
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "before_script" || root.Content[i].Value == "after_script" {
			add(root.Content[i+1])
			continue
		}
		job := root.Content[i+1]
		if job.Kind != yaml.MappingNode {
			continue
		}
		for _, k := range []string{"before_script", "script", "after_script"} {
			add(mapGet(job, k))
		}
	}
	return out
}
