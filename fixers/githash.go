package fixers

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/nar"
)

// Git hashes: an ActionFetchGit fetches one commit into a temporary
// directory, the only network access a fix makes, and its NAR hash replaces
// diag.GitHashPlaceholder in the fix's edits. A file whose edits still hold
// a placeholder after the fetches (one failed) is left unchanged.

type fetchStep struct {
	action diag.Action
}

// addFetch records a fetch once per URL and commit.
func (p *fixPlan) addFetch(act diag.Action, seen map[string]bool) {
	k := act.URL + "\x00" + act.Rev
	if seen[k] {
		return
	}
	seen[k] = true
	p.fetches = append(p.fetches, fetchStep{action: act})
}

// fetchGitHashes runs the fetches and fills their hashes into the edits. It
// returns the edit steps that can be applied.
func (a *applier) fetchGitHashes(ctx context.Context, fetches []fetchStep, edits []editStep) []editStep {
	// Only the commits whose placeholders this round's edits hold: a later
	// round of the same fix run does not fetch again for edits it no
	// longer applies.
	var needed []fetchStep
	for _, f := range fetches {
		ph := diag.GitHashPlaceholder(f.action.URL, f.action.Rev)
		if slices.ContainsFunc(edits, func(e editStep) bool {
			return slices.ContainsFunc(e.edits, func(t diag.TextEdit) bool { return strings.Contains(t.NewText, ph) })
		}) {
			needed = append(needed, f)
		}
	}
	fetches = needed
	if len(fetches) == 0 {
		return edits
	}
	repl := map[string]string{}
	for _, f := range fetches {
		act := f.action
		a.announce(fmt.Sprintf("git fetch %s %s  # into a temporary directory, to compute its NAR hash", shellQuote(act.URL), shellQuote(act.Rev)), "")
		if a.opts.DryRun {
			continue
		}
		h, err := a.gitHash(ctx, act.URL, act.Rev)
		if err != nil {
			a.mu.Lock()
			a.res.Failed = append(a.res.Failed, Failure{Action: act, Err: fmt.Errorf("fetching %s at %s failed, so no hash was computed and the file was not changed: %v\n  %s", show(act.URL), show(act.Rev), err, show(act.Hint))})
			a.mu.Unlock()
			continue
		}
		fmt.Fprintf(a.opts.Out, "%s at %s: %s\n", show(act.URL), show(shortCommit(act.Rev)), h)
		repl[diag.GitHashPlaceholder(act.URL, act.Rev)] = h
	}
	if a.opts.DryRun {
		return edits // the diff shows the placeholders
	}
	var out []editStep
	for _, e := range edits {
		ok := true
		for i := range e.edits {
			t := e.edits[i].NewText
			for _, f := range fetches {
				ph := diag.GitHashPlaceholder(f.action.URL, f.action.Rev)
				if !strings.Contains(t, ph) {
					continue
				}
				h, found := repl[ph]
				if !found {
					ok = false
					break
				}
				t = strings.ReplaceAll(t, ph, h)
			}
			e.edits[i].NewText = t
		}
		if ok {
			out = append(out, e)
		}
	}
	return out
}

// gitHash fetches commit rev of url with the git CLI into a temporary
// directory, checks it out with its submodules, and returns the SRI NAR
// hash of the checkout without .git.
func (a *applier) gitHash(ctx context.Context, url, rev string) (string, error) {
	dir, err := os.MkdirTemp("", "lockguard-git-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	env := fetchEnv(a.opts.Env)
	git := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir, cmd.Env = dir, env
		cmd.WaitDelay = 5 * time.Second
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := runChild(cmd); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted")
			}
			return fmt.Errorf("`git %s` failed (%v):\n%s", strings.Join(args, " "), err, lastLines(out.String(), 8))
		}
		return nil
	}
	if _, err := a.opts.LookPath("git"); err != nil {
		return "", fmt.Errorf("git is not on PATH")
	}
	if err := git("init", "-q"); err != nil {
		return "", err
	}
	// origin, so that relative submodule URLs resolve against url.
	if err := git("remote", "add", "origin", url); err != nil {
		return "", err
	}
	// A commit by its name (servers allow reachable commits); fall back to
	// every ref for servers that refuse a bare commit.
	if err := git("fetch", "-q", "--depth=1", "origin", rev); err != nil {
		if err2 := git("fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"); err2 != nil {
			return "", err
		}
	}
	if err := git("-c", "advice.detachedHead=false", "checkout", "-q", rev); err != nil {
		return "", err
	}
	if err := git("submodule", "update", "-q", "--init", "--recursive"); err != nil {
		return "", err
	}
	return nar.SRI(dir, nar.ExcludeGit)
}

// fetchEnv is the environment of the fetch: the fix's, without the
// variables a git hook sets for the user's repository (they would point
// the temporary clone at it), and with no terminal prompt for credentials.
func fetchEnv(env []string) []string {
	if env == nil {
		env = os.Environ()
	}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
			"GIT_COMMON_DIR", "GIT_PREFIX", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES", "GIT_TERMINAL_PROMPT":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GIT_TERMINAL_PROMPT=0")
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
