package buildctx

import (
	"bytes"
	"path"
	"regexp"
	"strings"

	"github.com/lockguard/lockguard/internal/shell"
	"go.yaml.in/yaml/v3"
)

var ghaExpr = regexp.MustCompile(`\$\{\{.*?\}\}`)

func scalar(n *yaml.Node) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, true
}

// scriptText turns a run:/script: scalar into shell text and the file line
// of its first line; CI expressions become an unknown variable.
func scriptText(n *yaml.Node) (string, int, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", 0, false
	}
	line := n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		line++
	}
	text := workspaceVar.ReplaceAllString(n.Value, root)
	return ghaExpr.ReplaceAllString(text, "$$__ci"), line, true
}

// workspaceVar are the CI variables naming the repository's checkout.
var workspaceVar = regexp.MustCompile(`\$\{\{\s*github\.workspace\s*\}\}|\$\{(?:CI_PROJECT_DIR|GITHUB_WORKSPACE)\}|\$(?:CI_PROJECT_DIR|GITHUB_WORKSPACE)\b`)

// workflow reads a GitHub Actions workflow (or a composite action): each
// job's steps in order, with the artifacts earlier steps create.
func (sc *scanner) workflow(p string) {
	src, ok := sc.in.Read(p)
	if !ok || !mayBuild(src) {
		return
	}
	r := shell.YAMLRoot(src)
	if r == nil {
		return
	}
	for _, job := range shell.WorkflowJobs(r) {
		sc.steps(p, job.Steps, matrixOf(shell.MapGet(shell.MapGet(job.Node, "strategy"), "matrix")))
	}
}

// matrixOf reads a job's strategy.matrix: each key's literal values
// (from its list and from include entries). A matrix given by an
// expression gives nil.
func matrixOf(n *yaml.Node) map[string][]string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := map[string][]string{}
	addVal := func(k string, v *yaml.Node) {
		if v.Kind == yaml.ScalarNode && !strings.Contains(v.Value, "${{") {
			for _, have := range out[k] {
				if have == v.Value {
					return
				}
			}
			out[k] = append(out[k], v.Value)
		} else {
			out[k] = append(out[k], "\x00") // not literal
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch {
		case k == "include":
			if v.Kind != yaml.SequenceNode {
				continue
			}
			for _, e := range v.Content {
				if e.Kind != yaml.MappingNode {
					continue
				}
				for j := 0; j+1 < len(e.Content); j += 2 {
					addVal(e.Content[j].Value, e.Content[j+1])
				}
			}
		case k == "exclude":
		case v.Kind == yaml.SequenceNode:
			for _, e := range v.Content {
				addVal(k, e)
			}
		default:
			addVal(k, v)
		}
	}
	return out
}

var matrixRef = regexp.MustCompile(`\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}`)

// expandMatrix expands the ${{ matrix.X }} references of v with the job's
// matrix values; ok is false when v holds another expression or a value
// that is not literal.
func expandMatrix(v string, m map[string][]string) ([]string, bool) {
	refs := matrixRef.FindAllStringSubmatch(v, -1)
	if len(refs) == 0 || strings.Contains(matrixRef.ReplaceAllString(v, ""), "${{") {
		return nil, false
	}
	out := []string{v}
	for _, r := range refs {
		vals, ok := m[r[1]]
		if !ok || len(vals) == 0 {
			return nil, false
		}
		var next []string
		for _, o := range out {
			for _, val := range vals {
				if val == "\x00" {
					return nil, false
				}
				next = append(next, strings.Replace(o, r[0], val, 1))
			}
		}
		if len(next) > 256 {
			return nil, false
		}
		out = next
	}
	return out, true
}

// composite reads a composite action's steps.
func (sc *scanner) composite(p string) {
	src, ok := sc.in.Read(p)
	if !ok || !mayBuild(src) {
		return
	}
	runs := shell.MapGet(shell.YAMLRoot(src), "runs")
	if v, _ := scalar(shell.MapGet(runs, "using")); v != "composite" {
		return
	}
	sc.steps(p, shell.ActionSteps(shell.MapGet(runs, "steps")), nil)
}

// mayBuild reports whether a workflow or action file can hold a build: it
// names a builder (mentionsBuilder), or has a backslash, with which a YAML
// double-quoted string can spell one ("d\x6fcker"). Builds come only from
// steps naming a builder, so a file that cannot is not parsed.
func mayBuild(src []byte) bool {
	return mentionsBuilder(string(src)) || bytes.IndexByte(src, '\\') >= 0
}

func (sc *scanner) steps(p string, steps []shell.Step, matrix map[string][]string) {
	// Artifacts only matter to the builds after them in the same job:
	// steps after the last one that can build are not read at all.
	last := -1
	for i, st := range steps {
		step := st.Node
		uses, _ := scalar(shell.MapGet(step, "uses"))
		action, _, _ := strings.Cut(uses, "@")
		run, _ := scalar(shell.MapGet(step, "run"))
		if action == "docker/build-push-action" || action == "docker/bake-action" || uses == "" && mentionsBuilder(run) {
			last = i
		}
	}
	var arts []Artifact
	for _, st := range steps[:last+1] {
		step := st.Node
		uses, _ := scalar(shell.MapGet(step, "uses"))
		with := shell.MapGet(step, "with")
		action, _, _ := strings.Cut(uses, "@")
		switch {
		case uses != "":
			line := shell.MapGet(step, "uses").Line
			o := Origin{File: p, Line: line, What: action}
			switch action {
			case "docker/build-push-action":
				for _, b := range sc.buildPushAction(with, o, matrix) {
					b.Artifacts = append([]Artifact(nil), arts...)
					sc.add(b)
				}
			case "docker/bake-action":
				wd := ""
				if v, ok := scalar(shell.MapGet(with, "workdir")); ok {
					if d, ok := join("", v); ok && !strings.Contains(v, "$") {
						wd = d
					} else {
						continue
					}
				}
				if set, _ := scalar(shell.MapGet(with, "set")); strings.Contains(set, ".context=") || strings.Contains(set, ".dockerfile=") {
					continue
				}
				files, _ := scalar(shell.MapGet(with, "files"))
				for _, f := range listValues(files) {
					if fp, ok := join(wd, f); ok && sc.tracked[fp] {
						sc.bakeRefs = append(sc.bakeRefs, fileRef{file: fp, dir: wd, artifacts: append([]Artifact(nil), arts...)})
					}
				}
			case "actions/download-artifact":
				pv, _ := scalar(shell.MapGet(with, "path"))
				pv = strings.TrimSpace(pv)
				if strings.Contains(pv, "${{") || strings.HasPrefix(pv, "~") || strings.HasPrefix(pv, "/") {
					arts = append(arts, Artifact{Any: true, Origin: o})
					continue
				}
				for _, v := range listValues(pv) {
					d, ok := join("", v)
					if !ok {
						continue
					}
					arts = append(arts, Artifact{Path: d, Origin: o})
				}
				if len(listValues(pv)) == 0 {
					arts = append(arts, Artifact{Path: "", Origin: o}) // the workspace
				}
			}
		default:
			run := shell.MapGet(step, "run")
			if run == nil {
				continue
			}
			text, line, tok := scriptText(run)
			if !st.DirOK || !st.Posix() || !tok {
				continue
			}
			evs, aok := analyze(p, text, line, st.Dir, sc.isDir)
			if !aok {
				continue
			}
			arts = sc.runEvents([][]event{evs}, arts)
		}
	}
}

// listValues splits a multi-line or comma-separated action input.
func listValues(v string) []string {
	var out []string
	for _, l := range strings.Split(v, "\n") {
		for _, f := range strings.Split(l, ",") {
			if f = strings.TrimSpace(f); f != "" && !strings.HasPrefix(f, "#") {
				out = append(out, f)
			}
		}
	}
	return out
}

// buildPushAction reads docker/build-push-action's inputs. Without a
// context input the action builds the Git context: the repository root of
// the commit.
func (sc *scanner) buildPushAction(with *yaml.Node, o Origin, matrix map[string][]string) []Build {
	b, ok := sc.buildPushOne(with, o)
	if !ok {
		return nil
	}
	if !b.Pattern {
		return []Build{b}
	}
	v, _ := scalar(shell.MapGet(with, "file"))
	files, ok := expandMatrix(strings.TrimSpace(v), matrix)
	if !ok {
		return []Build{b}
	}
	var out []Build
	for _, f := range files {
		fp, ok := join("", f)
		if !ok || strings.Contains(f, "$") {
			continue
		}
		nb := b
		nb.Dockerfile, nb.Pattern = fp, false
		if !sc.dockerfiles[fp] {
			continue // a matrix value for another step's file
		}
		out = append(out, nb)
	}
	return out
}

func (sc *scanner) buildPushOne(with *yaml.Node, o Origin) (Build, bool) {
	b := Build{Origin: o}
	ctx := "."
	if v, ok := scalar(shell.MapGet(with, "context")); ok {
		ctx = strings.TrimSpace(v)
		if strings.Contains(ctx, "{{defaultContext}}") {
			ctx = "."
		}
	}
	if ctx == "" {
		ctx = "."
	}
	if strings.Contains(ctx, "${{") || strings.Contains(ctx, "$") || isRemote(ctx) {
		return b, false
	}
	c, ok := join("", ctx)
	if !ok {
		return b, false
	}
	b.Context = c
	if n := shell.MapGet(with, "file"); n != nil {
		v, _ := scalar(n)
		v = strings.TrimSpace(v)
		if strings.Contains(v, "${{") {
			pat := patternOf(v)
			f, ok := join("", pat)
			if pat == "" || !ok {
				if _, mok := expandMatrix(v, map[string][]string{}); !matrixRef.MatchString(v) || mok {
					return b, false
				}
				f = "\x00" // expanded by the caller
			}
			b.Dockerfile, b.Pattern, b.Named = f, true, true
		} else {
			f, ok := join("", v)
			if !ok || strings.Contains(v, "$") {
				return b, false
			}
			b.Dockerfile, b.Named = f, true
		}
		if n.Line > 0 {
			b.Origin.Line = n.Line
		}
	} else {
		b.Dockerfile = path.Join(b.Context, "Dockerfile")
	}
	if n := shell.MapGet(with, "target"); n != nil {
		v, _ := scalar(n)
		if strings.Contains(v, "$") {
			return b, false
		}
		b.Target = strings.TrimSpace(v)
	}
	if v, ok := scalar(shell.MapGet(with, "build-args")); ok {
		for _, l := range strings.Split(v, "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			k, val, has := strings.Cut(l, "=")
			k = strings.TrimSpace(k)
			switch {
			case !has:
				b.unknownArg(k)
			case strings.Contains(val, "${{"):
				b.unknownArg(k)
			default:
				b.arg(k, val)
			}
		}
	}
	return b, true
}

// gitlab reads .gitlab-ci.yml: each job's before_script, script and
// after_script (and the default ones) run in the repository root. GitLab
// hands the artifacts of earlier jobs to later ones: every job's
// artifacts:paths count as created before any other job's build.
func (sc *scanner) gitlab(p string) {
	src, ok := sc.in.Read(p)
	if !ok {
		return
	}
	r := shell.YAMLRoot(src)
	if r == nil || r.Kind != yaml.MappingNode {
		return
	}
	type job struct {
		name    string
		scripts []*yaml.Node
		paths   []Artifact
	}
	var jobs []job
	var defaults []*yaml.Node
	flat := func(n *yaml.Node) []*yaml.Node {
		var out []*yaml.Node
		var walk func(*yaml.Node)
		walk = func(n *yaml.Node) {
			switch {
			case n == nil:
			case n.Kind == yaml.SequenceNode:
				for _, c := range n.Content {
					walk(c)
				}
			case n.Kind == yaml.ScalarNode:
				out = append(out, n)
			}
		}
		walk(n)
		return out
	}
	for i := 0; i+1 < len(r.Content); i += 2 {
		k, v := r.Content[i].Value, r.Content[i+1]
		if k == "before_script" {
			defaults = append(defaults, flat(v)...)
			continue
		}
		if k == "default" {
			defaults = append(defaults, flat(shell.MapGet(v, "before_script"))...)
			continue
		}
		if v.Kind != yaml.MappingNode {
			continue
		}
		j := job{name: k}
		for _, key := range []string{"before_script", "script", "after_script"} {
			j.scripts = append(j.scripts, flat(shell.MapGet(v, key))...)
		}
		for _, pn := range flat(shell.MapGet(shell.MapGet(v, "artifacts"), "paths")) {
			if d, ok := join("", pn.Value); ok && !strings.Contains(pn.Value, "$") {
				j.paths = append(j.paths, Artifact{Path: d, Origin: Origin{File: p, Line: pn.Line, What: "artifacts of job " + k}})
			}
		}
		jobs = append(jobs, j)
	}
	for ji, j := range jobs {
		var arts []Artifact
		for jo, other := range jobs {
			if jo != ji {
				arts = append(arts, other.paths...)
			}
		}
		for _, n := range append(append([]*yaml.Node(nil), defaults...), j.scripts...) {
			text, line, ok := scriptText(n)
			if !ok {
				continue
			}
			evs, aok := analyze(p, text, line, "", sc.isDir)
			if !aok {
				continue
			}
			arts = sc.runEvents([][]event{evs}, arts)
		}
	}
}
