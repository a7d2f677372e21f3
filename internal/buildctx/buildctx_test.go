package buildctx

import (
	"sort"
	"strings"
	"testing"
)

func scanFiles(files map[string]string, scripts ...Script) []Build {
	var tracked, dockerfiles []string
	for p := range files {
		tracked = append(tracked, p)
		if strings.Contains(p, "Dockerfile") || strings.Contains(p, "Containerfile") {
			dockerfiles = append(dockerfiles, p)
		}
	}
	sort.Strings(tracked)
	builds, _ := Scan(Input{Tracked: tracked, Dockerfiles: dockerfiles, Scripts: scripts,
		Read: func(p string) ([]byte, bool) { d, ok := files[p]; return []byte(d), ok }})
	return builds
}

func summary(bs []Build) string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Dockerfile+"@"+b.Context)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestWorkflowBuilds(t *testing.T) {
	bs := scanFiles(map[string]string{
		".github/workflows/ci.yml": `on: push
jobs:
  m:
    strategy:
      matrix:
        svc: [a, b]
        include:
          - svc: c
    steps:
      - uses: docker/build-push-action@v6
        with:
          context: .
          file: docker/${{ matrix.svc }}/Dockerfile
          target: runtime
          build-args: |
            A=1
            B=${{ github.sha }}
  r:
    steps:
      - run: docker build -f Dockerfile ..
        working-directory: tools
      - run: docker build "$DIR"
      - run: docker build -f "$DOCKERFILE" .
`,
		"docker/a/Dockerfile": "", "docker/b/Dockerfile": "", "docker/c/Dockerfile": "", "docker/d/Dockerfile": "",
		"tools/Dockerfile": "",
	})
	if got, want := summary(bs), "docker/a/Dockerfile@ docker/b/Dockerfile@ docker/c/Dockerfile@ tools/Dockerfile@"; got != want {
		t.Fatalf("builds %q, want %q", got, want)
	}
	for _, b := range bs {
		if strings.HasPrefix(b.Dockerfile, "docker/") && (b.Target != "runtime" || b.Args["A"] != "1" || !b.UnknownArgs["B"]) {
			t.Errorf("%s: target %q args %v unknown %v", b.Dockerfile, b.Target, b.Args, b.UnknownArgs)
		}
	}
}

func TestArtifactsBeforeBuild(t *testing.T) {
	bs := scanFiles(map[string]string{
		".github/workflows/ci.yml": `on: push
jobs:
  j:
    steps:
      - uses: actions/download-artifact@v4
        with:
          path: dl
      - run: |
          gsutil -m cp gs://bucket/keys/setup.key docker/x
          run_retried curl -LO https://example.com/a/setup_2\^24.key
          docker build -f docker/x/Dockerfile .
          cp late.txt docker/x/late.txt
  k:
    steps:
      - run: ./scripts/prepare.sh
      - run: docker build -f docker/y/Dockerfile .
`,
		"docker/x/Dockerfile": "", "docker/x/keep": "", "docker/y/Dockerfile": "",
	})
	if len(bs) != 2 || bs[1].Dockerfile != "docker/y/Dockerfile" || len(bs[1].Artifacts) != 1 || !bs[1].Artifacts[0].Any {
		t.Fatalf("builds: %+v", bs)
	}
	bs = bs[:1]
	covered := func(p string) bool {
		for _, a := range bs[0].Artifacts {
			if a.Covers(p) {
				return true
			}
		}
		return false
	}
	for _, p := range []string{"dl/app", "docker/x/setup.key", "setup_2^24.key"} {
		if !covered(p) {
			t.Errorf("%s is not an artifact: %v", p, bs[0].Artifacts)
		}
	}
	for _, p := range []string{"docker/x/other.key", "docker/x/late.txt", "missing.txt"} {
		if covered(p) {
			t.Errorf("%s is an artifact: %v", p, bs[0].Artifacts)
		}
	}
}

func TestSubstMakeVars(t *testing.T) {
	src := "DIR := docker\nSUB = $(DIR)/sub\nTWICE = a\nTWICE = b\nMORE = x\nMORE += y\nimage:\n\tcd $(SUB) && docker build ${DIR} $(TWICE) $(MORE) $$(HOME)\n"
	got := string(SubstMakeVars([]byte(src)))
	want := "\tcd docker/sub && docker build docker $(TWICE) $(MORE) $$(HOME)"
	if !strings.Contains(got, want+"\n") {
		t.Errorf("got %q, want a line %q", got, want)
	}
	if strings.Count(got, "\n") != strings.Count(src, "\n") {
		t.Error("line count changed")
	}
	if line, pre := NewMakeRules([]byte("a: b c\n\techo\nd:\n\techo\n")).Of(2); line != 1 || pre != "b c" {
		t.Errorf("rule of line 2: %d %q", line, pre)
	}
	if line, pre := NewMakeRules([]byte("a: b c\n\techo\nd:\n\techo\n")).Of(4); line != 3 || pre != "" {
		t.Errorf("rule of line 4: %d %q", line, pre)
	}
}

func TestBake(t *testing.T) {
	bs := scanFiles(map[string]string{
		"docker-bake.hcl": `variable "TAG" { default = "x" }
// a comment
target "base" {
  context = "."
  args = { A = "1", B = "${TAG}" }
}
target "app" {
  inherits = ["base"]
  dockerfile = "app/Dockerfile"
  target = "prod"
}
target "dyn" {
  context = "${CTX}"
}
group "default" { targets = ["app"] }
`,
		"app/Dockerfile": "", "Dockerfile": "",
	})
	var app *Build
	for i := range bs {
		if strings.HasSuffix(bs[i].Origin.What, " app") {
			app = &bs[i]
		}
		if strings.HasSuffix(bs[i].Origin.What, " dyn") {
			t.Errorf("a dynamic context was read: %v", bs[i])
		}
	}
	if app == nil || app.Dockerfile != "app/Dockerfile" || app.Context != "" || app.Target != "prod" || app.Args["A"] != "1" || !app.UnknownArgs["B"] {
		t.Fatalf("app: %+v (all %v)", app, bs)
	}
}

func TestPatternOf(t *testing.T) {
	for raw, want := range map[string]string{
		`"${DOCKERFILE}"`:                   "",
		`$__ci`:                             "",
		`docker/${{ matrix.x }}/Dockerfile`: "docker/*/Dockerfile",
		`"./Dockerfile.ci.$__ci-base"`:      "./Dockerfile.ci.*-base",
	} {
		if got := patternOf(raw); got != want {
			t.Errorf("patternOf(%q) = %q, want %q", raw, got, want)
		}
	}
}

// A workflow is parsed only when it can name a builder; a YAML escape can
// spell one, so a file with a backslash is parsed too. Steps after a job's
// last build are not read, and the builds before them keep their
// artifacts.
func TestWorkflowPrefilter(t *testing.T) {
	bs := scanFiles(map[string]string{
		".github/workflows/escaped.yml": `on: push
jobs:
  j:
    steps:
      - run: mkdir -p img/z/gen
      - run: "d\x6fcker build -f img/z/Dockerfile ."
      - run: echo after > img/z/after.txt
`,
		".github/workflows/plain.yml": "on: push\njobs:\n  j:\n    steps:\n      - run: cargo test\n",
		"img/z/Dockerfile":            "",
	})
	if summary(bs) != "img/z/Dockerfile@" {
		t.Fatalf("builds: %s", summary(bs))
	}
	var arts []string
	for _, a := range bs[0].Artifacts {
		arts = append(arts, a.Path)
	}
	if len(arts) != 1 || arts[0] != "img/z/gen" {
		t.Errorf("artifacts of the escaped build: %q, want [img/z/gen]", arts)
	}
	for _, src := range []string{"run: cargo test", `run: "d\x6fcker"`, "uses: docker/build-push-action@v6"} {
		if got, want := mayBuild([]byte(src)), src != "run: cargo test"; got != want {
			t.Errorf("mayBuild(%q) = %v, want %v", src, got, want)
		}
	}
}

// A job that checks the repository out into a subdirectory runs its
// commands from the directory above the repository: lockguard does not
// model it, so its builds are left out (build-trust/ockam builds
// ./ockam-healthcheck/tools/docker/healthcheck/Dockerfile). A checkout of
// another repository into a subdirectory changes nothing.
func TestCheckoutElsewhere(t *testing.T) {
	bs := scanFiles(map[string]string{
		".github/workflows/release.yml": `on: push
jobs:
  sub:
    steps:
      - uses: actions/checkout@v4
        with:
          path: repo
      - run: docker build -f ./repo/tools/Dockerfile .
  other:
    steps:
      - uses: actions/checkout@v4
      - uses: actions/checkout@v4
        with:
          repository: org/tools
          path: vendor-tools
      - run: docker build -f tools/Dockerfile tools
`,
		"tools/Dockerfile": "",
	})
	if got := summary(bs); got != "tools/Dockerfile@tools" {
		t.Errorf("builds: %s, want only the other job's tools/Dockerfile@tools", got)
	}
}
