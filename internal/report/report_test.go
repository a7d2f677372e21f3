package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/diag"
)

func TestGolden(t *testing.T) {
	tests := []struct {
		golden string
		format string
		empty  bool
		opts   Options
	}{
		{"text.golden", "text", false, Options{}},
		{"text_color.golden", "text", false, Options{Color: true}},
		{"text_showfixes.golden", "text", false, Options{ShowFixes: true}},
		{"text_empty.golden", "text", true, Options{}},
		{"concise.golden", "concise", false, Options{}},
		{"concise_color.golden", "concise", false, Options{Color: true}},
		{"concise_empty.golden", "concise", true, Options{}},
		{"json.golden", "json", false, Options{}},
		{"json_empty.golden", "json", true, Options{}},
		{"sarif.golden", "sarif", false, Options{}},
		{"sarif_empty.golden", "sarif", true, Options{}},
		{"github.golden", "github", false, Options{}},
		{"github_empty.golden", "github", true, Options{}},
		{"gitlab.golden", "gitlab", false, Options{}},
		{"gitlab_empty.golden", "gitlab", true, Options{}},
		{"junit.golden", "junit", false, Options{}},
		{"junit_empty.golden", "junit", true, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			in := fixtureInput(t)
			if tt.empty {
				in = emptyInput()
			}
			golden(t, tt.golden, render(t, tt.format, in, tt.opts))
		})
	}
}

func TestGoldenStatistics(t *testing.T) {
	for name, opts := range map[string]Options{"statistics.golden": {}, "statistics_color.golden": {Color: true}} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteStatistics(&buf, fixtureInput(t), opts); err != nil {
				t.Fatal(err)
			}
			golden(t, name, buf.Bytes())
		})
	}
}

func TestStatisticsOrder(t *testing.T) {
	in := &Input{Diagnostics: []diag.Diagnostic{
		{Rule: "LG2", Name: "b", Severity: diag.Warning},
		{Rule: "LG3", Name: "c", Severity: diag.Warning},
		{Rule: "LG1", Name: "a", Severity: diag.Error},
		{Rule: "LG3", Name: "c", Severity: diag.Warning, Fix: &diag.Fix{Applicability: diag.Safe}},
		{Rule: "LG1", Name: "a", Severity: diag.Error, Fix: &diag.Fix{Applicability: diag.Unsafe}},
		{Rule: "LG3", Name: "c", Severity: diag.Warning},
	}}
	var buf bytes.Buffer
	if err := WriteStatistics(&buf, in, Options{}); err != nil {
		t.Fatal(err)
	}
	want := "3  LG3  [*] c\n2  LG1  [ ] a\n1  LG2  [ ] b\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := WriteStatistics(&buf, &Input{FilesChecked: 2}, Options{}); err != nil || buf.String() != "No problems found (2 files checked).\n" {
		t.Errorf("empty statistics = %q, %v", buf.String(), err)
	}
}

func TestFormatsAndUnknown(t *testing.T) {
	want := []string{"text", "concise", "json", "sarif", "github", "gitlab", "junit"}
	if got := Formats(); !slices.Equal(got, want) {
		t.Fatalf("Formats() = %v, want %v", got, want)
	}
	Formats()[0] = "mutated"
	if Formats()[0] != "text" {
		t.Fatal("Formats returns the package's own slice")
	}
	for _, f := range want {
		if err := Write(&bytes.Buffer{}, f, emptyInput(), Options{}); err != nil {
			t.Errorf("Write(%q): %v", f, err)
		}
	}
	var buf bytes.Buffer
	err := Write(&buf, "xml", fixtureInput(t), Options{})
	if err == nil {
		t.Fatal("Write with an unknown format succeeded")
	}
	for _, f := range want {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not list %q", err, f)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("unknown format wrote %q", buf.String())
	}
	// The default format is text; a nil input is an empty report.
	if got := render(t, "", nil, Options{}); string(got) != "No problems found (0 files checked).\n" {
		t.Errorf("default format with nil input: %q", got)
	}
}

func TestSummary(t *testing.T) {
	c := Summary(fixtureInput(t))
	want := Counts{Errors: 4, Warnings: 2, Fixable: 2, UnsafeFixable: 1}
	if c != want {
		t.Errorf("Summary = %+v, want %+v", c, want)
	}
	if Summary(nil) != (Counts{}) {
		t.Error("Summary(nil) is not zero")
	}
	for _, tt := range []struct {
		c     Counts
		files int
		want  string
	}{
		{Counts{}, 1, "No problems found (1 file checked)."},
		{Counts{}, 0, "No problems found (0 files checked)."},
		{Counts{Errors: 2, Warnings: 1, Fixable: 2}, 3, "Found 2 errors and 1 warning (2 fixable with `lockguard fix`)."},
		{Counts{Errors: 1}, 3, "Found 1 error."},
		{Counts{Warnings: 2, UnsafeFixable: 1}, 3, "Found 2 warnings (1 fixable with `lockguard fix --unsafe-fixes`)."},
		{Counts{Errors: 3, Fixable: 1, UnsafeFixable: 1}, 3, "Found 3 errors (1 fixable with `lockguard fix`, 1 more with `lockguard fix --unsafe-fixes`)."},
	} {
		if got := summaryLine(tt.c, tt.files); got != tt.want {
			t.Errorf("summaryLine(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		"backend/Cargo.toml":      "backend/Cargo.toml",
		"Grüße 日本 <x> & \\ ok":    "Grüße 日本 <x> & \\ ok",
		"a\x1b[31mred":            `a\x1b[31mred`,
		"tab\there":               `tab\there`,
		"line\nbreak\r":           `line\nbreak\r`,
		"nul\x00del\x7f":          `nul\x00del\x7f`,
		"c1 \u009b31m":            `c1 \u009b31m`,
		"bidi \u202eevil":         `bidi \u202eevil`,
		"sep\u2028x":              `sep\u2028x`,
		"bad \xff\xfe utf8":       `bad \xff\xfe utf8`,
		"osc \x1b]0;title\x07end": `osc \x1b]0;title\x07end`,
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SanitizeText("one\r\ntwo\x1b\rthree\n\tfour\u202e"); got != "one\r\ntwo\\x1b\\rthree\n\tfour\\u202e" {
		t.Errorf("SanitizeText = %q", got)
	}
	for in, want := range map[string]string{
		"Cargo.lock":   "Cargo.lock",
		"-P":           "-P",
		"":             "''",
		"a b":          "'a b'",
		"it's":         `'it'\''s'`,
		"x\n  ::error": `$'x\x0a  ::error'`,
		"\x1b[31m'\\":  `$'\x1b[31m\'\\'`,
		"rtl\u202e":    `$'rtl\xe2\x80\xae'`,
		"bad\xff":      `$'bad\xff'`,
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestRenderLine(t *testing.T) {
	for _, tt := range []struct {
		line string
		text string
		cols []int
	}{
		{"abc", "abc", []int{0, 1, 2, 3}},
		{"\ta", "    a", []int{0, 4, 5}},
		{"ab\tc", "ab  c", []int{0, 1, 2, 4, 5}},
		{"日本x", "日本x", []int{0, 2, 4, 5}},
		{"ü\t日", "ü   日", []int{0, 1, 4, 6}},
		{"e\u0301x", "e\u0301x", []int{0, 1, 1, 2}}, // combining acute accent has no width
		{"\x1bx", `\x1bx`, []int{0, 4, 5}},
		{"\xffx", `\xffx`, []int{0, 4, 5}},
	} {
		text, cols := renderLine([]byte(tt.line))
		if text != tt.text || !slices.Equal(cols, tt.cols) {
			t.Errorf("renderLine(%q) = %q %v, want %q %v", tt.line, text, cols, tt.text, tt.cols)
		}
	}
}

// TestCaretAlignment checks, independently of the golden file, that the
// caret sits under the reported text on a line with a tab and wide runes.
func TestCaretAlignment(t *testing.T) {
	out := string(render(t, "text", fixtureInput(t), Options{}))
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "2 | ") {
			continue
		}
		src, caret := l[len("2 | "):], strings.TrimPrefix(lines[i+1], "  | ")
		if strings.Contains(src, "\t") {
			t.Fatalf("tab not expanded: %q", src)
		}
		prefix := src[:strings.Index(src, "<demo>")]
		// Display width: runes, with the two CJK characters counting double.
		want := len([]rune(prefix)) + strings.Count(prefix, "日") + strings.Count(prefix, "本")
		if got := strings.Index(caret, "^"); got != want {
			t.Errorf("caret at column %d, want %d\n%s\n%s", got, want, l, lines[i+1])
		}
		if n := strings.Count(caret, "^"); n != len("<demo>") {
			t.Errorf("caret is %d wide, want %d", n, len("<demo>"))
		}
		return
	}
	t.Fatalf("no snippet for flake.nix:2 in\n%s", out)
}

func TestTextMissingSource(t *testing.T) {
	in := fixtureInput(t)
	in.Source = nil
	out := string(render(t, "text", in, Options{}))
	if strings.Contains(out, " | ") || strings.Contains(out, "^") {
		t.Errorf("snippet printed without a source:\n%s", out)
	}
	for _, want := range []string{
		// Without colour the severity is still a word (NO_COLOR).
		"LG101 [error] cargo-lock-missing: backend/Cargo.lock is needed by the flake but not tracked by git\n --> backend/Cargo.toml:1:1\n  = help: ",
		"LG201 [warning] docker-copy-overwrites-lock: ",
		"  = fix (safe): Generate backend/Cargo.lock and stage it\n",
		"  = note: flake.nix:5: the flake's default package builds this crate\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// CRLF line endings are not shown.
	in = &Input{Source: func(string) []byte { return []byte("a = 1\r\nb = 2\r\n") }, Diagnostics: []diag.Diagnostic{
		{Rule: "LG101", Severity: diag.Error, Path: "x.toml", Line: 2, Column: 1, EndLine: 2, EndColumn: 2, Message: "m"}}}
	if out := string(render(t, "text", in, Options{})); !strings.Contains(out, "1 | a = 1\n2 | b = 2\n  | ^\n") {
		t.Errorf("CRLF snippet:\n%s", out)
	}
	// So are lone CRs, which end a line as in the Nix parser.
	in.Source = func(string) []byte { return []byte("a = 1\rb = 2\r") }
	if out := string(render(t, "text", in, Options{})); !strings.Contains(out, "1 | a = 1\n2 | b = 2\n  | ^\n") {
		t.Errorf("CR snippet:\n%s", out)
	}
	// A line past the end of the file has no snippet either.
	in = fixtureInput(t)
	in.Diagnostics = []diag.Diagnostic{{Rule: "LG101", Severity: diag.Error, Path: "flake.nix", Line: 99, Column: 1, Message: "m"}}
	if out := string(render(t, "text", in, Options{})); strings.Contains(out, "|") {
		t.Errorf("snippet for a line past the end:\n%s", out)
	}
}

func TestNoColorMeansNoEscapes(t *testing.T) {
	in := fixtureInput(t)
	for _, f := range Formats() {
		for _, opts := range []Options{{}, {ShowFixes: true}} {
			if out := render(t, f, in, opts); bytes.IndexByte(out, 0x1b) >= 0 {
				t.Errorf("%s without colour contains ESC:\n%q", f, out)
			}
		}
	}
	var buf bytes.Buffer
	if err := WriteStatistics(&buf, in, Options{}); err != nil {
		t.Fatal(err)
	}
	if bytes.IndexByte(buf.Bytes(), 0x1b) >= 0 {
		t.Errorf("statistics without colour contain ESC: %q", buf.String())
	}
	// With colour, escapes come only from the palette: the ones in the file
	// name and the message stay escaped.
	for _, f := range []string{"text", "concise"} {
		out := string(render(t, f, in, Options{Color: true}))
		if !strings.Contains(out, "\x1b[") {
			t.Errorf("%s with colour has no colour", f)
		}
		for _, raw := range []string{"\x1b[31m.toml", "\x1b]0;", "\x07"} {
			if strings.Contains(out, raw) {
				t.Errorf("%s passes %q through raw", f, raw)
			}
		}
	}
}

// TestNoAbsolutePaths renders every format from repo-relative input and
// checks that no output names a directory of this machine or an absolute
// path or file URI.
func TestNoAbsolutePaths(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	in := fixtureInput(t)
	for _, f := range Formats() {
		out := string(render(t, f, in, Options{ShowFixes: true}))
		for _, bad := range []string{wd, filepath.Dir(wd), "file://", "\"/", "=/", " /backend", " /flake"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output contains %q", f, bad)
			}
		}
		if home != "" && home != "/" && strings.Contains(out, home) {
			t.Errorf("%s output contains the home directory", f)
		}
	}
	// Every SARIF artifact URI is relative to %SRCROOT%.
	var log struct {
		Runs []struct {
			Results []struct {
				Locations, RelatedLocations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string } `json:"artifactLocation"`
					} `json:"physicalLocation"`
				}
			}
		}
	}
	if err := json.Unmarshal(render(t, "sarif", in, Options{}), &log); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range log.Runs[0].Results {
		for _, l := range append(r.Locations, r.RelatedLocations...) {
			al := l.PhysicalLocation.ArtifactLocation
			if strings.HasPrefix(al.URI, "/") || strings.Contains(al.URI, ":") || al.URIBaseID != "%SRCROOT%" {
				t.Errorf("artifact location %+v is not repo-relative", al)
			}
			n++
		}
	}
	if n < len(in.Diagnostics) {
		t.Errorf("found %d artifact locations, want at least %d", n, len(in.Diagnostics))
	}
}

func TestJSONShape(t *testing.T) {
	out := render(t, "json", fixtureInput(t), Options{})
	if !bytes.HasSuffix(out, []byte("}\n")) || bytes.Contains(out, []byte(`\u003c`)) || !bytes.Contains(out, []byte("<demo>")) {
		t.Errorf("JSON is not newline-terminated or escapes HTML:\n%s", out)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["version"] != 1.0 {
		t.Errorf("version = %v", doc["version"])
	}
	ds := doc["diagnostics"].([]any)
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	base := []string{"column", "end_column", "end_line", "fix", "help", "line", "message", "name", "path", "rule", "severity"}
	for i, d := range ds {
		m := d.(map[string]any)
		want := base
		if len(fixtureDiagnostics(t)[i].Related) > 0 {
			want = append(slices.Clone(base), "related")
			slices.Sort(want)
		}
		if got := keys(m); !slices.Equal(got, want) {
			t.Errorf("diagnostic %d keys = %v, want %v", i, got, want)
		}
	}
	if fix, ok := ds[1].(map[string]any)["fix"]; !ok || fix != nil {
		t.Errorf("fix of a diagnostic without one = %v, want null", fix)
	}
	if got := keys(doc["summary"].(map[string]any)); !slices.Equal(got, []string{"errors", "files_checked", "fixable", "warnings"}) {
		t.Errorf("summary keys = %v", got)
	}
	if !bytes.Contains(render(t, "json", emptyInput(), Options{}), []byte(`"diagnostics": []`)) {
		t.Error("empty diagnostics are not []")
	}
}

func TestGitHubEscaping(t *testing.T) {
	if got := ghData("100% done\r\nnext: a,b"); got != "100%25 done%0D%0Anext: a,b" {
		t.Errorf("ghData = %q", got)
	}
	if got := ghProperty("a%b:c,d\ne"); got != "a%25b%3Ac%2Cd%0Ae" {
		t.Errorf("ghProperty = %q", got)
	}
	in := &Input{Diagnostics: []diag.Diagnostic{{
		Rule: "LG101", Name: "cargo-lock-missing", Severity: diag.Error, Path: "a,b:c/100%.toml",
		Line: 2, Column: 3, EndLine: 2, EndColumn: 7,
		Message: "50% of\nthe lines\r\n::error::injected", Help: "x:y, z",
	}, {
		Rule: "LG201", Severity: diag.Warning, Path: "Dockerfile", Message: "whole file",
	}, {
		// A newline in a path is %0A, which GitHub decodes to the real name.
		Rule: "LG201", Severity: diag.Warning, Path: "odd\nname\x1b[31m/Dockerfile", Message: "m",
	}}}
	want := "::error file=a%2Cb%3Ac/100%25.toml,line=2,col=3,endLine=2,endColumn=7,title=LG101 cargo-lock-missing::50%25 of\\nthe lines\\r\\n::error::injected%0Ahelp: x:y, z\n" +
		"::warning file=Dockerfile,title=LG201::whole file\n" +
		"::warning file=odd%0Aname\\x1b[31m/Dockerfile,title=LG201::m\n"
	if got := string(render(t, "github", in, Options{})); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Each finding is exactly one line: an embedded newline cannot start a
	// second workflow command.
	out := string(render(t, "github", fixtureInput(t), Options{}))
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !strings.HasPrefix(l, "::error file=") && !strings.HasPrefix(l, "::warning file=") {
			t.Errorf("unexpected line %q", l)
		}
	}
}

func TestGitLabFingerprints(t *testing.T) {
	dup := func(line1, line2 int) *Input {
		mk := func(line int) diag.Diagnostic {
			return diag.Diagnostic{Rule: "LG201", Name: "docker-copy-overwrites-lock", Severity: diag.Warning,
				Path: "Dockerfile", Line: line, Column: 1, EndLine: line, EndColumn: 5, Message: "COPY overwrites Cargo.lock"}
		}
		return &Input{Diagnostics: []diag.Diagnostic{mk(line1), mk(line2)}}
	}
	type issue struct {
		Fingerprint string `json:"fingerprint"`
		CheckName   string `json:"check_name"`
		Severity    string `json:"severity"`
		Location    struct {
			Path  string `json:"path"`
			Lines struct {
				Begin int `json:"begin"`
			} `json:"lines"`
		} `json:"location"`
	}
	parse := func(in *Input) []issue {
		var is []issue
		if err := json.Unmarshal(render(t, "gitlab", in, Options{}), &is); err != nil {
			t.Fatal(err)
		}
		return is
	}
	a := parse(dup(3, 7))
	if len(a) != 2 || a[0].Fingerprint == "" || a[0].Fingerprint == a[1].Fingerprint {
		t.Fatalf("identical findings on lines 3 and 7 share a fingerprint: %+v", a)
	}
	if a[0].CheckName != "LG201" || a[0].Severity != "minor" || a[0].Location.Path != "Dockerfile" || a[1].Location.Lines.Begin != 7 {
		t.Errorf("unexpected issue %+v", a)
	}
	// Lines moved by an unrelated edit: same fingerprints.
	if b := parse(dup(4, 9)); b[0].Fingerprint != a[0].Fingerprint || b[1].Fingerprint != a[1].Fingerprint {
		t.Errorf("fingerprints changed with the lines: %v %v -> %v %v", a[0].Fingerprint, a[1].Fingerprint, b[0].Fingerprint, b[1].Fingerprint)
	}
	// All fixture fingerprints are unique.
	seen := map[string]bool{}
	for _, is := range parse(fixtureInput(t)) {
		if seen[is.Fingerprint] {
			t.Errorf("duplicate fingerprint %s", is.Fingerprint)
		}
		seen[is.Fingerprint] = true
		if is.Location.Lines.Begin < 1 {
			t.Errorf("lines.begin %d < 1", is.Location.Lines.Begin)
		}
	}
	if got := string(render(t, "gitlab", emptyInput(), Options{})); got != "[]\n" {
		t.Errorf("empty gitlab report = %q", got)
	}
}

func TestJUnit(t *testing.T) {
	type tc struct {
		Classname string `xml:"classname,attr"`
		Name      string `xml:"name,attr"`
		Failure   *struct {
			Message string `xml:"message,attr"`
			Type    string `xml:"type,attr"`
			Text    string `xml:",chardata"`
		} `xml:"failure"`
	}
	type docT struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []tc   `xml:"testcase"`
		} `xml:"testsuite"`
	}
	var doc docT
	in := fixtureInput(t)
	if err := xml.Unmarshal(render(t, "junit", in, Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	n := len(in.Diagnostics)
	if len(doc.Suites) != 1 || doc.Suites[0].Name != "lockguard" || doc.Tests != n || doc.Failures != n ||
		doc.Suites[0].Tests != n || doc.Suites[0].Failures != n || len(doc.Suites[0].Cases) != n {
		t.Fatalf("counts wrong: %+v", doc)
	}
	c := doc.Suites[0].Cases[0]
	if c.Classname != "backend/Cargo.toml" || c.Name != "LG101 cargo-lock-missing at line 1" || c.Failure == nil ||
		c.Failure.Type != "LG101" || !strings.Contains(c.Failure.Text, "backend/Cargo.toml:1:1: [error] backend/Cargo.lock is needed") {
		t.Errorf("first test case = %+v", c)
	}
	if got := doc.Suites[0].Cases[3].Failure.Message; !strings.Contains(got, "`<demo>`") {
		t.Errorf("message did not survive XML escaping: %q", got)
	}

	doc = docT{}
	if err := xml.Unmarshal(render(t, "junit", emptyInput(), Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 1 || doc.Failures != 0 || len(doc.Suites[0].Cases) != 1 || doc.Suites[0].Cases[0].Failure != nil {
		t.Errorf("empty report is not one passing test: %+v", doc)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriteError(t *testing.T) {
	boom := errors.New("disk full")
	for _, f := range Formats() {
		if err := Write(failWriter{boom}, f, fixtureInput(t), Options{}); !errors.Is(err, boom) {
			t.Errorf("Write(%s) to a failing writer = %v, want %v", f, err, boom)
		}
	}
	if err := WriteStatistics(failWriter{boom}, fixtureInput(t), Options{}); !errors.Is(err, boom) {
		t.Errorf("WriteStatistics to a failing writer = %v", err)
	}
}

// TestShellQuoteRoundTrip: bash reads every quoted word back as the same
// bytes, in the C locale too (a clean CI machine has no LANG; $'\u202e'
// is not read back there).
func TestShellQuoteRoundTrip(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	for _, locale := range []string{"C", "C.UTF-8"} {
		for _, in := range []string{"plain", "a b", "it's", "x\n  ::error", "\x1b]0;pwned\x07'\\", "rtl\u202e", "bad\xff\xfe", "\u0085nel", "é\u2028", "tab\there"} {
			cmd := exec.Command(bash, "-c", "printf %s "+ShellQuote(in))
			cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=" + locale, "LC_ALL=" + locale}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: bash -c %q: %v", locale, "printf %s "+ShellQuote(in), err)
			}
			if string(out) != in {
				t.Errorf("%s: bash read %q back as %q", locale, ShellQuote(in), out)
			}
		}
	}
}
