package checks

import (
	"fmt"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

// LG304: a build (compose service, bake target, CI step, script) names a
// Dockerfile that a clean checkout does not have.

var DockerBuildFileMissing = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG304",
		Name:     "docker-build-file-missing",
		Summary:  "A compose service, bake target, CI step or script builds a Dockerfile that is not committed",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `A place that builds an image names its Dockerfile explicitly — a compose
service's build.dockerfile (relative to its context), a bake target's
dockerfile, docker/build-push-action's file:, or docker build -f FILE in a
CI step, script, Makefile or justfile recipe — and a clean checkout has no
such file: it does not exist, or exists only on this machine (untracked,
ignored by git, intent-to-add). The build fails with

    failed to read dockerfile: open Dockerfile.prod: no such file or directory

Compose files are read under any name a script or CI job passes with -f,
not just compose.yaml / docker-compose.yml. A Dockerfile that an earlier
step of the same job or recipe creates (cp, curl -o, make, a downloaded
artifact), one the repository's ignore rules exclude, one whose name holds
a variable, and one in a build context that does not exist are not
reported.

Fix (safe): stage the Dockerfile with git add when it exists on disk (an
ignored one needs ` + "`lockguard fix --force`" + `). A missing one has no fix: the
message names it relative to the repository.`,
	},
	Check: checkBuildFileMissing,
}

func checkBuildFileMissing(p *Pass) {
	s := p.Snap
	seen := map[string]bool{}
	for _, b := range s.Docker().Builds {
		if b.Pattern || !b.Named || b.Dockerfile == "" {
			continue
		}
		key := b.Origin.File + "\x00" + fmt.Sprint(b.Origin.Line) + "\x00" + b.Dockerfile
		if seen[key] {
			continue
		}
		seen[key] = true
		if b.Context != "" && !s.Exists(b.Context) {
			continue // the whole context is made elsewhere
		}
		st := s.Repo.Status(b.Dockerfile)
		ctx := &snapshot.DockerContext{Dir: b.Context, Artifacts: b.Artifacts}
		d := diag.Diagnostic{Path: b.Origin.File}
		const fails = "the build fails with \"failed to read dockerfile: no such file or directory\""
		switch st.State {
		case snapshot.StateMissing:
			if s.ArtifactOf(ctx, b.Dockerfile, st) {
				continue
			}
			d.Message = fmt.Sprintf("%s builds the Dockerfile %s (build context %s), which does not exist (it is neither in the index nor on disk): %s",
				b.Origin.What, b.Dockerfile, snapshot.Display(b.Context), fails)
			d.Help = fmt.Sprintf("create and commit %s, or fix the Dockerfile's path at %s", b.Dockerfile, b.Origin.String())
		case snapshot.StateUntracked, snapshot.StateIgnored, snapshot.StateIntentToAdd:
			what := map[snapshot.State]string{snapshot.StateUntracked: "untracked", snapshot.StateIgnored: "ignored by git (" + snapshot.IgnoreReason(st) + ")", snapshot.StateIntentToAdd: "only intent-to-add (git add -N)"}[st.State]
			d.Message = fmt.Sprintf("%s builds the Dockerfile %s, which is %s: a clean checkout (CI) does not have it, and there %s",
				b.Origin.What, b.Dockerfile, what, fails)
			d.Help = fmt.Sprintf("git add %s", b.Dockerfile)
			d.Fix = snapshot.StageFix(b.Dockerfile, st)
		default:
			continue
		}
		d.At(diag.Span{Line: max(b.Origin.Line, 1)})
		p.Report(d)
	}
}
