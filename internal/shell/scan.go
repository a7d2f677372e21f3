// Package shell reads the shell scripts embedded in other file formats:
// whole *.sh files, Makefile and justfile recipe lines, GitHub Actions run:
// steps and GitLab CI script: entries. Each gives Pieces of shell text with
// the file line they start on and the directories they may run in.
package shell

import (
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Piece is a shell script inside a file: a whole *.sh file, one
// recipe line, one CI step.
type Piece struct {
	Text string
	Line int      // file line of the text's first line
	Dirs []string // repo-relative directories it may start in ("" root); a finding needs all to agree
}

// Kind reads the script pieces of one kind of file.
type Kind struct {
	Scan    func(p string, src []byte) []Piece
	Fixable bool
	Escape  func(string) string // see nixSite.escape
}

// Shebang matches the first line of a POSIX shell script.
var Shebang = regexp.MustCompile(`^#![ \t]*(?:/usr)?/bin/(?:env[ \t]+)?(?:sh|bash|dash)(?:[ \t]|\r?\n|$)`)

// ShellScript: the whole file, started at the repository root or in
// the script's directory.
func ShellScript(p string, src []byte) []Piece {
	dirs := []string{""}
	if d := dirOf(p); d != "" {
		dirs = append(dirs, d)
	}
	return []Piece{{Text: string(src), Line: 1, Dirs: dirs}}
}

var (
	makeRuleRE = regexp.MustCompile(`^[^\t#=:]+(?:::?|&:)(?:[^=]|$)`)
)

var (
	justRuleRE = regexp.MustCompile(`^@?[A-Za-z_][A-Za-z0-9_-]*(?:[ \t][^:]*)?:(?:[^=]|$)`)
)

var (
	justInterp = regexp.MustCompile(`\{\{.*?\}\}`)
)

var (
	ghaInterp = regexp.MustCompile(`\$\{\{.*?\}\}`)
)

// Makefile: each logical recipe line (tab-indented, after a rule
// line; `\` continuations joined), without @, - and + prefixes, in the
// Makefile's directory.
func Makefile(p string, src []byte) []Piece {
	lines := strings.Split(string(src), "\n")
	var out []Piece
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
			out = append(out, Piece{Text: text, Line: start + 1, Dirs: []string{dirOf(p)}})
		case strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#"):
		case makeRuleRE.MatchString(l):
			inRule = true
		default:
			inRule = false
		}
	}
	return out
}

// MakeEscape spells shell text in a recipe: make expands $.
func MakeEscape(s string) string { return strings.ReplaceAll(s, "$", "$$") }

var makeVarRE = regexp.MustCompile(`\$(?:\([^()]*\)|\{[^{}]*\}|[A-Za-z_@<^+*?%])`)

// Justfile: each indented recipe line (a shebang recipe's body as
// lines too), without @ and - prefixes, in the justfile's directory;
// {{…}} interpolations are unknown.
func Justfile(p string, src []byte) []Piece {
	lines := strings.Split(string(src), "\n")
	var out []Piece
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
			out = append(out, Piece{Text: text, Line: start + 1, Dirs: []string{dirOf(p)}})
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
func yamlScript(n *yaml.Node, dir string) (Piece, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return Piece{}, false
	}
	line := n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		line++
	}
	if n.Style&yaml.FoldedStyle != 0 && strings.Count(strings.TrimSuffix(n.Value, "\n"), "\n") > 0 {
		return Piece{}, false // folded lines do not map to file lines
	}
	return Piece{Text: ghaInterp.ReplaceAllString(n.Value, "$$__ci"), Line: line, Dirs: []string{dir}}, true
}

// MapGet is the value of key in the YAML mapping n (nil when n is not a
// mapping or has no such key).
func MapGet(n *yaml.Node, key string) *yaml.Node {
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

// YAMLRoot parses src and returns its first document's root node (nil when
// src is not YAML or empty).
func YAMLRoot(src []byte) *yaml.Node {
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
	return Rel(path.Join(base, n.Value))
}

func posixShell(n *yaml.Node) bool {
	if n == nil {
		return true
	}
	f := strings.Fields(n.Value)
	return len(f) > 0 && (f[0] == "bash" || f[0] == "sh")
}

// CheckoutElsewhere reports whether a job's steps check the repository out
// somewhere other than the workspace root (actions/checkout with a path
// input): paths in its later steps are then relative to a directory above
// the repository, which lockguard does not model, so the job is left out.
// A checkout of another repository (a repository input) does not count.
func CheckoutElsewhere(steps *yaml.Node) bool {
	if steps == nil || steps.Kind != yaml.SequenceNode {
		return false
	}
	for _, st := range steps.Content {
		uses := MapGet(st, "uses")
		if uses == nil || uses.Kind != yaml.ScalarNode {
			continue
		}
		action, _, _ := strings.Cut(uses.Value, "@")
		if !strings.EqualFold(action, "actions/checkout") {
			continue
		}
		with := MapGet(st, "with")
		if repo := MapGet(with, "repository"); repo != nil && !strings.Contains(repo.Value, "github.repository") {
			continue
		}
		if p := MapGet(with, "path"); p != nil {
			if v := strings.TrimSpace(p.Value); v != "" && path.Clean(v) != "." && path.Clean(v) != "${{ github.workspace }}" {
				return true
			}
		}
	}
	return false
}

// A Step is one step of a GitHub Actions job or composite action, with the
// working directory and shell it runs in (defaults.run applied).
type Step struct {
	Node  *yaml.Node // the step's mapping
	Dir   string     // repository-relative working directory
	DirOK bool       // false when the directory is dynamic or leaves the repository
	Shell *yaml.Node // the shell in effect; nil: the default (bash)
}

// A Job is one job of a workflow: its node and its steps.
type Job struct {
	Node  *yaml.Node
	Steps []Step
}

// WorkflowJobs walks a parsed GitHub Actions workflow: every job whose
// steps run in the repository (CheckoutElsewhere jobs are left out), with
// the workflow's and the job's defaults.run applied to each step. The one
// walk both the nix-command scan (Workflow) and the build-context scan use.
func WorkflowJobs(root *yaml.Node) []Job {
	defRun := MapGet(MapGet(root, "defaults"), "run")
	defDir, defOK := workDir(MapGet(defRun, "working-directory"), "")
	defShell := MapGet(defRun, "shell")
	jobs := MapGet(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return nil
	}
	var out []Job
	for i := 1; i < len(jobs.Content); i += 2 {
		job := jobs.Content[i]
		jobRun := MapGet(MapGet(job, "defaults"), "run")
		jobDir, jobOK := defDir, defOK
		if wd := MapGet(jobRun, "working-directory"); wd != nil {
			jobDir, jobOK = workDir(wd, "")
		}
		jobShell := defShell
		if sh := MapGet(jobRun, "shell"); sh != nil {
			jobShell = sh
		}
		steps := MapGet(job, "steps")
		if CheckoutElsewhere(steps) {
			continue
		}
		out = append(out, Job{Node: job, Steps: stepsIn(steps, jobDir, jobOK, jobShell)})
	}
	return out
}

// ActionSteps are the steps of a composite action (runs.steps), run in the
// repository root.
func ActionSteps(steps *yaml.Node) []Step { return stepsIn(steps, "", true, nil) }

func stepsIn(steps *yaml.Node, dir string, dirOK bool, sh *yaml.Node) []Step {
	if steps == nil || steps.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]Step, 0, len(steps.Content))
	for _, step := range steps.Content {
		st := Step{Node: step, Dir: dir, DirOK: dirOK, Shell: sh}
		if wd := MapGet(step, "working-directory"); wd != nil {
			st.Dir, st.DirOK = workDir(wd, "")
		}
		if v := MapGet(step, "shell"); v != nil {
			st.Shell = v
		}
		out = append(out, st)
	}
	return out
}

// Posix reports whether a step's shell (Step.Shell) runs POSIX shell text:
// unset (bash), or a bash or sh command line.
func (st Step) Posix() bool { return posixShell(st.Shell) }

// Workflow: the run: steps of a GitHub Actions workflow, in the
// repository root or their working-directory.
func Workflow(_ string, src []byte) []Piece {
	root := YAMLRoot(src)
	if root == nil {
		return nil
	}
	var out []Piece
	for _, job := range WorkflowJobs(root) {
		for _, st := range job.Steps {
			run := MapGet(st.Node, "run")
			if run == nil || !st.DirOK || !st.Posix() {
				continue
			}
			if pc, ok := yamlScript(run, st.Dir); ok {
				out = append(out, pc)
			}
		}
	}
	return out
}

// GitlabCI: script:, before_script: and after_script: entries of every
// job (and default:), in the repository root.
func GitlabCI(_ string, src []byte) []Piece {
	root := YAMLRoot(src)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil
	}
	var out []Piece
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
			add(MapGet(job, k))
		}
	}
	return out
}

// dirOf is path.Dir with "" for the root.
func dirOf(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

// Rel cleans a slash path relative to the repository root; ok is false when
// it leaves the repository (or is absolute).
func Rel(p string) (string, bool) {
	p = path.Clean(p)
	switch {
	case p == ".":
		return "", true
	case p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p):
		return "", false
	}
	return p, true
}
