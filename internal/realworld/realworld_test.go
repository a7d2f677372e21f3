package realworld

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockguard/lockguard/internal/cli"
	"github.com/lockguard/lockguard/internal/testenv"
)

var (
	only       = flag.String("realworld.only", "", "check only this repository (owner/name)")
	unlabelled = flag.String("realworld.unlabelled", "", "write the unlabelled findings to this file as expected.tsv rows to judge")
)

type repoRun struct {
	repo     string
	findings []Finding
	dur      time.Duration
	err      error
}

// TestRealWorld is the precision gate: lockguard check on every bundle of
// ../shared/corpus/realworld, compared with testdata/realworld/expected.tsv.
// scripts/realworld.sh runs it verbosely, which prints the tables.
func TestRealWorld(t *testing.T) {
	corpus := testenv.Corpus(t, "realworld")
	testenv.Tool(t, "git")
	expPath := filepath.Join(testenv.ModuleRoot(t), "testdata", "realworld", "expected.tsv")
	ef, err := os.Open(expPath)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := ParseExpectations(ef)
	ef.Close()
	if err != nil {
		t.Fatal(err)
	}
	bundles, err := filepath.Glob(filepath.Join(corpus, "*.bundle"))
	if err != nil || len(bundles) == 0 {
		t.Fatalf("no bundles in %s (%v)", corpus, err)
	}

	// A clean git environment: no user or system config (a developer's
	// core.excludesFile would change what is ignored).
	home := t.TempDir()
	genv := testenv.GitEnv(home)
	for _, kv := range genv {
		k, v, _ := strings.Cut(kv, "=")
		if k == "HOME" || k == "XDG_CONFIG_HOME" || strings.HasPrefix(k, "GIT_CONFIG") {
			t.Setenv(k, v)
		}
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "GIT_") && !strings.HasPrefix(k, "GIT_CONFIG") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}

	work := t.TempDir()
	var repos []string
	for _, b := range bundles {
		name := strings.TrimSuffix(filepath.Base(b), ".bundle")
		repo := strings.Replace(name, "+", "/", 1)
		if *only != "" && repo != *only {
			continue
		}
		repos = append(repos, repo)
	}
	if len(repos) == 0 {
		t.Fatalf("no bundle for %q", *only)
	}

	// Clone, then check, each repository; two workers (CI has two cores).
	start := time.Now()
	runs := make([]repoRun, len(repos))
	var checkTotal time.Duration
	var mu sync.Mutex
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				repo := repos[i]
				dir := filepath.Join(work, strings.Replace(repo, "/", "+", 1))
				bundle := filepath.Join(corpus, strings.Replace(repo, "/", "+", 1)+".bundle")
				cmd := exec.Command("git", "clone", "-q", "-b", "main", bundle, dir)
				cmd.Env = genv
				if out, err := cmd.CombinedOutput(); err != nil {
					runs[i] = repoRun{repo: repo, err: fmt.Errorf("git clone: %v\n%s", err, out)}
					continue
				}
				r := check(repo, dir)
				runs[i] = r
				mu.Lock()
				checkTotal += r.dur
				mu.Unlock()
			}
		}()
	}
	for i := range repos {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	wall := time.Since(start)

	var all []Finding
	out := &strings.Builder{}
	slowest := runs[0]
	for _, r := range runs {
		if r.err != nil {
			t.Errorf("%s: %v", r.repo, r.err)
			continue
		}
		all = append(all, r.findings...)
		if r.dur > slowest.dur {
			slowest = r
		}
		var e, w int
		for _, f := range r.findings {
			if f.Severity == "error" {
				e++
			} else {
				w++
			}
		}
		fmt.Fprintf(out, "%-45s %3d findings (%d errors, %d warnings) %6.1f ms\n", r.repo, len(r.findings), e, w, float64(r.dur.Microseconds())/1000)
	}
	res := Compare(all, exp, repos)
	fmt.Fprintln(out)
	WriteTable(out, res)
	fmt.Fprintf(out, "\n%d repositories: check took %.2f s in all (slowest: %s, %.0f ms); clone and check, two at a time: %.1f s wall\n",
		len(repos), checkTotal.Seconds(), slowest.repo, float64(slowest.dur.Microseconds())/1000, wall.Seconds())
	if testing.Verbose() {
		fmt.Print(out.String())
	} else {
		t.Log("\n" + out.String())
	}
	if *unlabelled != "" {
		var b bytes.Buffer
		for _, f := range all {
			if exp[f.Key] == nil {
				fmt.Fprintf(&b, "%s\t%s\t%s\t%d\tVERDICT\treason (%s: %s)\n", f.Repo, f.Rule, f.Path, f.Line, f.Severity, f.Message)
			}
		}
		if err := os.WriteFile(*unlabelled, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range res.Problems {
		t.Error(p)
	}
}

// check runs lockguard check --format json in process, with the default
// configuration, as a user would in CI.
func check(repo, dir string) repoRun {
	var stdout, stderr bytes.Buffer
	t0 := time.Now()
	code := cli.Main([]string{"-C", dir, "check", "--format", "json"}, strings.NewReader(""), &stdout, &stderr)
	r := repoRun{repo: repo, dur: time.Since(t0)}
	if code != 0 && code != 1 {
		r.err = fmt.Errorf("lockguard check exited %d: %s", code, stderr.String())
		return r
	}
	var rep struct {
		Diagnostics []struct {
			Rule, Severity, Path, Message string
			Line                          int
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		r.err = fmt.Errorf("lockguard check --format json: %v", err)
		return r
	}
	for _, d := range rep.Diagnostics {
		r.findings = append(r.findings, Finding{Key: Key{Repo: repo, Rule: d.Rule, Path: d.Path, Line: d.Line}, Severity: d.Severity, Message: d.Message})
	}
	slices.SortFunc(r.findings, func(a, b Finding) int { return strings.Compare(a.Key.String(), b.Key.String()) })
	return r
}
