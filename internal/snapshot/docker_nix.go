package snapshot

import (
	"path"
	"strings"

	"github.com/lockguard/lockguard/internal/dockerfile"
	"github.com/lockguard/lockguard/internal/nix"
)

// stageInstr is an instruction of a stage's ancestry, in build order.
type StageInstr struct {
	st *dockerfile.Stage
	In *dockerfile.Instr
}

// stageChain lists the instructions of st's ancestry (FROM <stage>) and of
// st itself, in build order; nil when the ancestry is not sound.
func stageChain(df *DockerFile, st *dockerfile.Stage) []StageInstr {
	var chain []*dockerfile.Stage
	for a := st; a != nil; a = a.FromStage {
		chain = append([]*dockerfile.Stage{a}, chain...)
		if len(chain) > len(df.File.Stages) {
			return nil
		}
	}
	var out []StageInstr
	for _, a := range chain {
		for _, in := range a.Instrs {
			out = append(out, StageInstr{a, in})
		}
	}
	return out
}

func InstrsOf(list []StageInstr) []*dockerfile.Instr {
	out := make([]*dockerfile.Instr, len(list))
	for i, si := range list {
		out[i] = si.In
	}
	return out
}

// flakeRefDir splits "?dir=sub" off a flake reference: the reference
// without its query, and the subdirectory.
func flakeRefDir(ref string) (string, string) {
	base, q, ok := strings.Cut(ref, "?")
	if !ok {
		return ref, ""
	}
	for _, kv := range strings.Split(q, "&") {
		if v, ok := strings.CutPrefix(kv, "dir="); ok {
			return base, v
		}
	}
	return base, ""
}

// localFlakeImageDir resolves a flake reference of a command to an absolute
// directory ("" for remote references or an unknown directory).
func LocalFlakeImageDir(ref, cwd string) string {
	base, sub := flakeRefDir(ref)
	d := dockerfile.LocalFlakeDir(base, cwd)
	if d == "" {
		return ""
	}
	if sub != "" {
		d = path.Join(d, sub)
	}
	return d
}

// flakeByDir returns the analysed flake whose directory is dir.
func (s *Snapshot) FlakeByDir(dir string) *nix.Flake {
	for _, f := range s.Flakes().Flakes {
		if f.Dir == dir {
			return f
		}
	}
	return nil
}

// eachNixRun calls f for every RUN that runs nix commands, in every
// Dockerfile, build context and stage: list is the stage's chain of
// instructions (through FROM <stage>) and list[i] is the RUN.
func (s *Snapshot) EachNixRun(f func(df *DockerFile, ctx *DockerContext, st *dockerfile.Stage, list []StageInstr, i int, calls []dockerfile.NixCall)) {
	for _, df := range s.Docker().Files {
		if df.File == nil {
			continue
		}
		for _, ctx := range df.Contexts {
			if ctx.Unknown && len(df.Contexts) > 1 && ctx.Dir != DirOf(df.Path) {
				continue // the replay runs against the Dockerfile's directory only
			}
			for _, st := range df.File.Stages {
				list := stageChain(df, st)
				for i, si := range list {
					if si.st != st || si.In.Run == nil {
						continue
					}
					if calls := dockerfile.NixInvocations(si.In.Run.Commands); len(calls) > 0 {
						f(df, ctx, st, list, i, calls)
					}
				}
			}
		}
	}
}
