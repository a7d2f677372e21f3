package buildctx

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/lockguard/lockguard/internal/shell"
	"go.yaml.in/yaml/v3"
)

// composeNames are the compose files Compose finds by itself.
var composeNames = map[string]bool{
	"docker-compose.yml": true, "docker-compose.yaml": true, "compose.yml": true, "compose.yaml": true,
	"docker-compose.override.yml": true, "docker-compose.override.yaml": true,
	"compose.override.yml": true, "compose.override.yaml": true,
}

// bakeNames are the bake files bake finds by itself.
var bakeNames = map[string]bool{
	"docker-bake.hcl": true, "docker-bake.json": true, "docker-bake.override.hcl": true, "docker-bake.override.json": true,
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// composeRoot parses a compose file once, however many commands name it;
// ok is false when it is unreadable or not YAML (reported once).
func (sc *scanner) composeRoot(p string) (*yaml.Node, bool) {
	if r, seen := sc.composeDocs[p]; seen {
		return r, r != nil
	}
	if sc.composeDocs == nil {
		sc.composeDocs = map[string]*yaml.Node{}
	}
	sc.composeDocs[p] = nil
	src, ok := sc.in.Read(p)
	if !ok {
		return nil, false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line := 1
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		sc.problems = append(sc.problems, Problem{Path: p, Line: max(line, 1), Msg: "compose file: " + strings.TrimPrefix(err.Error(), "yaml: ")})
		return nil, false
	}
	r := &yaml.Node{Kind: yaml.MappingNode}
	if len(doc.Content) > 0 {
		r = doc.Content[0]
	}
	sc.composeDocs[p] = r
	return r, true
}

// compose reads the services of a compose file that build from a local
// context: `build: dir` or `build: {context: dir, dockerfile: name, args}`.
// The context is relative to the compose file's directory, the Dockerfile
// to the context. Contexts with variables, remote contexts and paths
// leaving the repository are skipped.
func (sc *scanner) compose(p string, arts []Artifact) {
	r, ok := sc.composeRoot(p)
	if !ok {
		return
	}
	services := shell.MapGet(r, "services")
	if services == nil || services.Kind != yaml.MappingNode {
		return
	}
	base := dirOf(p)
	for i := 0; i+1 < len(services.Content); i += 2 {
		name, svc := services.Content[i].Value, services.Content[i+1]
		bn := shell.MapGet(svc, "build")
		if bn == nil {
			continue
		}
		ctx, file, line, target := ".", "", bn.Line, ""
		var args *yaml.Node
		switch bn.Kind {
		case yaml.ScalarNode:
			ctx = bn.Value
		case yaml.MappingNode:
			if v, ok := scalar(shell.MapGet(bn, "context")); ok {
				ctx = v
			}
			if n := shell.MapGet(bn, "dockerfile"); n != nil {
				file, _ = scalar(n)
				line = n.Line
			}
			if shell.MapGet(bn, "dockerfile_inline") != nil {
				continue
			}
			args = shell.MapGet(bn, "args")
			if v, ok := scalar(shell.MapGet(bn, "target")); ok {
				if strings.Contains(v, "$") {
					continue
				}
				target = v
			}
		default:
			continue
		}
		if ctx == "" || strings.Contains(ctx, "$") || strings.Contains(file, "$") || isRemote(ctx) {
			continue
		}
		cdir, ok := join(base, ctx)
		if !ok {
			continue
		}
		b := Build{Context: cdir, Target: target, Origin: Origin{File: p, Line: line, What: "compose service " + name}, Artifacts: append([]Artifact(nil), arts...)}
		if file != "" {
			f, ok := join(cdir, file)
			if !ok {
				continue
			}
			b.Dockerfile, b.Named = f, true
		} else {
			b.Dockerfile = strings.TrimPrefix(cdir+"/Dockerfile", "/")
		}
		composeArgs(&b, args)
		if !b.Named && !sc.dockerfiles[b.Dockerfile] {
			continue
		}
		sc.add(b)
	}
}

// composeArgs reads build.args, a map or a KEY=VALUE list; values with
// variables, and keys without a value, are unknown.
func composeArgs(b *Build, n *yaml.Node) {
	set := func(k, v string, has bool) {
		if !has || strings.Contains(v, "$") {
			b.unknownArg(k)
			return
		}
		b.arg(k, v)
	}
	switch {
	case n == nil:
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			v := n.Content[i+1]
			set(n.Content[i].Value, v.Value, v.Kind == yaml.ScalarNode && v.Tag != "!!null")
		}
	case n.Kind == yaml.SequenceNode:
		for _, c := range n.Content {
			k, v, has := strings.Cut(c.Value, "=")
			set(k, v, has)
		}
	}
}

// bakeTarget is one target of a bake file.
type bakeTarget struct {
	name       string
	line       int
	context    *string
	dockerfile *string
	target     *string
	args       map[string]string
	unknown    map[string]bool
	inherits   []string
	dynamic    bool // a context or dockerfile with a variable or function
}

// bake reads a docker-bake.hcl/json run from dir: each target's context
// (relative to dir, default ".") and dockerfile (relative to the context,
// default "Dockerfile"), after inherits.
func (sc *scanner) bake(p, dir string, arts []Artifact) {
	src, ok := sc.in.Read(p)
	if !ok {
		return
	}
	var targets map[string]*bakeTarget
	if strings.HasSuffix(p, ".json") {
		targets = bakeJSON(src)
	} else {
		targets = bakeHCL(src)
	}
	names := make([]string, 0, len(targets))
	for n := range targets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := resolveBake(targets, n, 0)
		if t == nil || t.dynamic {
			continue
		}
		ctx := "."
		if t.context != nil {
			ctx = *t.context
		}
		if isRemote(ctx) || strings.HasPrefix(ctx, "target:") {
			continue
		}
		ctx = strings.TrimPrefix(ctx, "cwd://")
		cdir, ok := join(dir, ctx)
		if !ok {
			continue
		}
		b := Build{Context: cdir, Origin: Origin{File: p, Line: targets[n].line, What: "bake target " + n}, Artifacts: append([]Artifact(nil), arts...)}
		file := "Dockerfile"
		if t.dockerfile != nil {
			file = *t.dockerfile
			b.Named = true
		}
		f, ok := join(cdir, strings.TrimPrefix(file, "cwd://"))
		if strings.HasPrefix(file, "cwd://") {
			f, ok = join(dir, strings.TrimPrefix(file, "cwd://"))
		}
		if !ok {
			continue
		}
		b.Dockerfile = f
		if t.target != nil {
			b.Target = *t.target
		}
		for k, v := range t.args {
			b.arg(k, v)
		}
		for k := range t.unknown {
			b.unknownArg(k)
		}
		if !b.Named && !sc.dockerfiles[f] {
			continue
		}
		sc.add(b)
	}
}

// resolveBake merges a target with the targets it inherits.
func resolveBake(ts map[string]*bakeTarget, name string, depth int) *bakeTarget {
	t := ts[name]
	if t == nil || depth > 16 {
		return nil
	}
	out := &bakeTarget{name: name, line: t.line, args: map[string]string{}, unknown: map[string]bool{}}
	for _, in := range t.inherits {
		p := resolveBake(ts, in, depth+1)
		if p != nil {
			out.overlay(p)
		}
	}
	out.overlay(t)
	return out
}

// overlay sets what t sets on top of what b has.
func (b *bakeTarget) overlay(t *bakeTarget) {
	if t.context != nil {
		b.context = t.context
	}
	if t.dockerfile != nil {
		b.dockerfile = t.dockerfile
	}
	if t.target != nil {
		b.target = t.target
	}
	for k, v := range t.args {
		b.args[k] = v
		delete(b.unknown, k)
	}
	for k := range t.unknown {
		b.unknown[k] = true
		delete(b.args, k)
	}
	b.dynamic = b.dynamic || t.dynamic
}

func bakeJSON(src []byte) map[string]*bakeTarget {
	var doc struct {
		Target map[string]struct {
			Context    *string         `json:"context"`
			Dockerfile *string         `json:"dockerfile"`
			Target     *string         `json:"target"`
			Args       map[string]any  `json:"args"`
			Inherits   []string        `json:"inherits"`
			Contexts   json.RawMessage `json:"contexts"`
		} `json:"target"`
	}
	if err := json.Unmarshal(src, &doc); err != nil {
		return nil
	}
	out := map[string]*bakeTarget{}
	for n, t := range doc.Target {
		bt := &bakeTarget{name: n, context: t.Context, dockerfile: t.Dockerfile, target: t.Target, inherits: t.Inherits, args: map[string]string{}, unknown: map[string]bool{}}
		for k, v := range t.Args {
			if s, ok := v.(string); ok && !strings.Contains(s, "$") {
				bt.args[k] = s
			} else {
				bt.unknown[k] = true
			}
		}
		bt.dynamic = (t.Context != nil && strings.Contains(*t.Context, "$")) || (t.Dockerfile != nil && strings.Contains(*t.Dockerfile, "$")) ||
			(t.Target != nil && strings.Contains(*t.Target, "$"))
		out[n] = bt
	}
	return out
}
