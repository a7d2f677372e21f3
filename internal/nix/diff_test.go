package nix

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// oracleVerdict is what `nix-instantiate --parse` says about a file.
type oracleVerdict int

const (
	oracleAccept oracleVerdict = iota
	oracleReject
	oracleCrash // signal or exit status >= 128: no verdict
)

type oracle struct {
	bin string
	env []string
}

func newOracle(t testing.TB) *oracle {
	bin := testenv.Tool(t, "nix-instantiate")
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "NIX_") || k == "HOME" || k == "XDG_CONFIG_HOME" || k == "XDG_CACHE_HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		// build-users-group is empty so that a root user without the
		// nixbld group (a fresh CI machine) gets no warning at all.
		"NIX_CONFIG=experimental-features = nix-command flakes\nbuild-users-group =",
	)
	return &oracle{bin: bin, env: env}
}

// parse runs nix-instantiate --parse on a file. Because --parse also
// resolves variables, "undefined variable" errors count as acceptance.
func (o *oracle) parse(path string) (oracleVerdict, string) {
	cmd := exec.Command(o.bin, "--parse", path)
	cmd.Env = o.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	msg := oracleMessage(stderr.String())
	if err == nil {
		return oracleAccept, ""
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return oracleCrash, err.Error()
	}
	if code := ee.ExitCode(); code < 0 || code >= 128 {
		return oracleCrash, fmt.Sprintf("%v %s", err, msg)
	}
	if strings.HasPrefix(msg, "error: undefined variable") {
		return oracleAccept, msg
	}
	return oracleReject, msg
}

// oracleMessage is the first line of Nix's stderr that is not a warning:
// Nix prints warnings (an unknown build-users-group, an untrusted
// substituter …) before the error that carries the verdict.
func oracleMessage(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "warning:") {
			continue
		}
		return line
	}
	return ""
}

// knownDisagreement explains why we and Nix 2.8 differ on some inputs.
func knownDisagreement(name string, src []byte) string {
	if bytes.Contains(src, []byte("|>")) || bytes.Contains(src, []byte("<|")) {
		return "pipe operators: always parsed here, unknown to Nix 2.8"
	}
	return ""
}

type diffCase struct {
	name string
	src  []byte
	path string // existing file, or "" to write src to a temp file
}

// variants makes small mutations of src: truncations, a deleted ';', a
// doubled '}', and a '/' appended to a path literal.
func variants(name string, src []byte) []diffCase {
	var out []diffCase
	add := func(kind string, b []byte) {
		if !bytes.Equal(b, src) {
			out = append(out, diffCase{name: name + "~" + kind, src: b})
		}
	}
	if n := len(src); n >= 8 {
		add("trunc1/2", src[:n/2])
	}
	if i := bytes.IndexByte(src, ';'); i >= 0 {
		add("del;", append(append([]byte{}, src[:i]...), src[i+1:]...))
	}
	if i := bytes.LastIndexByte(src, '}'); i >= 0 {
		add("dup}", append(append(append([]byte{}, src[:i]...), '}'), src[i:]...))
	}
	// '/' after the first path literal, located with our lexer
	lx := lexer{src: string(src), stack: []uint8{sInitial}}
	for {
		t := lx.next()
		if t.kind == tEOF {
			break
		}
		if t.kind == tPath && lx.top() == sInPath {
			add("path/", append(append(append([]byte{}, src[:t.end]...), '/'), src[t.end:]...))
			break
		}
	}
	return out
}

func TestDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs nix-instantiate on every corpus file")
	}
	_, files := corpusFiles(t)
	o := newOracle(t)
	var cases []diffCase
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		cases = append(cases, diffCase{name: name, src: src, path: path})
		cases = append(cases, variants(name, src)...)
	}
	results := runOracle(t, o, cases)
	compareWithOracle(t, cases, results, len(files))
}

type oracleResult struct {
	verdict oracleVerdict
	msg     string
}

// runOracle runs nix-instantiate --parse on every case with two workers.
func runOracle(t *testing.T, o *oracle, cases []diffCase) []oracleResult {
	tmp := t.TempDir()
	for i := range cases {
		if cases[i].path == "" {
			cases[i].path = filepath.Join(tmp, fmt.Sprintf("v%05d.nix", i))
			if err := os.WriteFile(cases[i].path, cases[i].src, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	results := make([]oracleResult, len(cases))
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				v, msg := o.parse(cases[i].path)
				results[i] = oracleResult{v, msg}
			}
		}()
	}
	for i := range cases {
		work <- i
	}
	close(work)
	wg.Wait()
	return results
}

func compareWithOracle(t *testing.T, cases []diffCase, results []oracleResult, nfiles int) {
	var agree, known, crash, total int
	for i, c := range cases {
		r := results[i]
		if r.verdict == oracleCrash {
			crash++
			t.Logf("no verdict (oracle crashed) on %s: %s", c.name, r.msg)
			continue
		}
		total++
		_, err := Parse(c.name, c.src)
		ours := err == nil
		theirs := r.verdict == oracleAccept
		if ours == theirs {
			agree++
			continue
		}
		if why := knownDisagreement(c.name, c.src); why != "" && ours {
			known++
			t.Logf("known disagreement on %s: %s", c.name, why)
			continue
		}
		t.Errorf("%s: we %s (%v), nix-instantiate %s (%s)", c.name, verdictWord(ours), err, verdictWord(theirs), r.msg)
	}
	t.Logf("agree on %d/%d files (%d known disagreements, %d oracle crashes without verdict; %d originals + %d variants)",
		agree, total, known, crash, nfiles, len(cases)-nfiles)
}

func verdictWord(accept bool) string {
	if accept {
		return "accept"
	}
	return "reject"
}

// snippets reads testdata/snippets.txt: one expression per line, with \n,
// \r and \t standing for newline, carriage return and tab; "## " starts a
// comment line.
func snippets(t testing.TB) []string {
	data, err := os.ReadFile(filepath.Join("testdata", "snippets.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "## ") {
			continue
		}
		out = append(out, strings.NewReplacer(`\n`, "\n", `\r`, "\r", `\t`, "\t").Replace(line))
	}
	return out
}

func TestDifferentialSnippets(t *testing.T) {
	o := newOracle(t)
	var cases []diffCase
	for i, s := range snippets(t) {
		cases = append(cases, diffCase{name: fmt.Sprintf("snippet%d %q", i+1, s), src: []byte(s)})
	}
	results := runOracle(t, o, cases)
	compareWithOracle(t, cases, results, len(cases))
}

// TestOracleMessageSkipsWarnings pins the oracle's parsing of Nix's stderr:
// on a fresh machine as root, Nix 2.8 warns about the missing nixbld group
// before the real error, and the verdict must come from the error.
func TestOracleMessageSkipsWarnings(t *testing.T) {
	in := "warning: the group 'nixbld' specified in 'build-users-group' does not exist\nerror: undefined variable 'a'\n\n       at /tmp/x.nix:1:4:\n"
	if got := oracleMessage(in); got != "error: undefined variable 'a'" {
		t.Fatalf("oracleMessage = %q", got)
	}
	if got := oracleMessage("warning: only a warning\n"); got != "" {
		t.Fatalf("oracleMessage of warnings only = %q", got)
	}
}
