package checks

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/snapshot"
	"github.com/lockguard/lockguard/internal/testenv"
)

var contextsReport = flag.Bool("docker.contexts", false, "report where the real-world corpus's Dockerfiles get their build contexts from")

// TestDockerContextsRealWorld clones the real-world corpus and reports,
// per Dockerfile, where its build contexts come from (the figures issue 12
// asks for). Every Dockerfile has a context; a known one names the file
// that sets it; unknown ones come as the two candidates. Run it with
//
//	go test ./checks -run TestDockerContextsRealWorld -docker.contexts -v
func TestDockerContextsRealWorld(t *testing.T) {
	if !*contextsReport {
		t.Skip("pass -docker.contexts")
	}
	git := testenv.Tool(t, "git")
	corpus := testenv.Corpus(t, "realworld")
	bundles, _ := filepath.Glob(filepath.Join(corpus, "*.bundle"))
	if len(bundles) == 0 {
		t.Fatal("no bundles")
	}
	bySource := map[string]int{}
	files, known := 0, 0
	for _, b := range bundles {
		name := strings.TrimSuffix(filepath.Base(b), ".bundle")
		dir := filepath.Join(t.TempDir(), name)
		if out, err := exec.Command(git, "clone", "-q", "-b", "main", b, dir).CombinedOutput(); err != nil {
			t.Fatalf("clone %s: %v\n%s", name, err, out)
		}
		rp, err := repo.Open(repo.Options{Dir: dir, Env: os.Environ()})
		if err != nil {
			t.Fatal(err)
		}
		s := snapshot.New(rp, nil)
		for _, df := range s.Docker().Files {
			files++
			if len(df.Contexts) == 0 {
				t.Errorf("%s %s: no context", name, df.Path)
				continue
			}
			var srcs []string
			unknown := 0
			for _, c := range df.Contexts {
				src := contextSource(c)
				if c.Unknown {
					unknown++
				} else if c.SetBy.File != "" && c.SetBy.Line == 0 && !strings.HasPrefix(src, "lockguard.toml") {
					t.Errorf("%s %s: context %q set by %s without a line", name, df.Path, c.Dir, c.SetBy.File)
				}
				srcs = append(srcs, fmt.Sprintf("%s=%s", snapshot.Display(c.Dir), src))
			}
			if unknown > 0 && unknown != len(df.Contexts) {
				t.Errorf("%s %s: known and unknown contexts mixed", name, df.Path)
			}
			kind := contextSource(df.Contexts[0])
			if unknown == 0 {
				known++
			}
			bySource[kind]++
			t.Logf("%-34s %-55s %s", name, df.Path, strings.Join(srcs, "; "))
		}
	}
	var kinds []string
	for k := range bySource {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	t.Logf("%d Dockerfiles, %d with a known context", files, known)
	for _, k := range kinds {
		t.Logf("  %-28s %d", k, bySource[k])
	}
}

// contextSource classifies where a context comes from.
func contextSource(c *snapshot.DockerContext) string {
	o := c.SetBy
	switch {
	case c.Unknown:
		return "unknown"
	case o.File == "":
		return "guessed from COPY sources"
	case o.What == "[[docker.build]]":
		return "lockguard.toml"
	case strings.HasPrefix(o.What, "compose service"):
		return "compose"
	case strings.HasPrefix(o.What, "bake target"):
		return "bake"
	case strings.HasPrefix(o.File, ".github/workflows/") || strings.HasSuffix(o.File, "action.yml") || strings.HasSuffix(o.File, "action.yaml"):
		return "GitHub Actions"
	case strings.HasPrefix(o.File, ".gitlab-ci"):
		return "GitLab CI"
	case strings.HasSuffix(o.File, "Makefile") || strings.HasSuffix(o.File, ".mk") || strings.HasSuffix(o.File, "makefile"):
		return "Makefile"
	case strings.HasSuffix(strings.ToLower(o.File), "justfile") || strings.HasSuffix(o.File, ".just"):
		return "justfile"
	}
	return "script"
}
