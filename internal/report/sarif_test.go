package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lockguard/lockguard/internal/diag"
)

// sarifSchemaFile is the OASIS SARIF 2.1.0 schema; see testdata/README.md.
const sarifSchemaFile = "testdata/sarif-schema-2.1.0.json"

// offlineLoader refuses every URL: the schema is added as a resource and its
// draft-07 meta-schema is built into jsonschema, so nothing is fetched.
type offlineLoader struct{ t *testing.T }

func (l offlineLoader) Load(url string) (any, error) {
	l.t.Fatalf("schema compilation tried to load %s", url)
	return nil, nil
}

func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(offlineLoader{t})
	c.AssertFormat() // check uri, uri-reference and the like too
	// The schema's own $id; registered here, so it is never fetched.
	const url = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compiling the SARIF schema: %v", err)
	}
	return sch
}

func validateSARIF(t *testing.T, sch *jsonschema.Schema, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("SARIF output does not match the 2.1.0 schema: %v\n%s", err, out)
	}
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	sch := compileSARIFSchema(t)

	// The schema must reject something, or this test proves nothing.
	bad := []byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if sch.Validate(inst) == nil {
		t.Fatal("the schema accepted an invalid level")
	}

	dups := &Input{
		Rules: append(fixtureRules(), fixtureRules()[0]), // a duplicate rule ID
		Diagnostics: []diag.Diagnostic{
			{Rule: "LG201", Severity: diag.Warning, Path: "a b/Dockerfile", Line: 3, Column: 1, EndLine: 3, EndColumn: 2, Message: "same",
				Related: []diag.Related{{Path: "x", Line: 1, Message: "r"}, {Path: "x", Line: 1, Message: "r"}}},
			{Rule: "LG201", Severity: diag.Warning, Path: "a b/Dockerfile", Line: 7, Message: "same"},
			{Rule: "LG999", Severity: diag.Error, Path: "c:d#e?f%g.nix", Message: "unknown rule",
				Fix: &diag.Fix{Description: "commands only", Actions: []diag.Action{{Kind: diag.ActionRun, Command: []string{"true"}}}}},
		},
	}
	for name, in := range map[string]*Input{"fixture": fixtureInput(t), "empty": emptyInput(), "duplicates": dups, "nil": nil} {
		t.Run(name, func(t *testing.T) { validateSARIF(t, sch, render(t, "sarif", in, Options{})) })
	}
}

type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID      string `json:"id"`
					HelpURI string `json:"helpUri"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine, StartColumn, EndLine, EndColumn int
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Fixes               []struct {
				ArtifactChanges []struct {
					Replacements []struct {
						DeletedRegion   map[string]int    `json:"deletedRegion"`
						InsertedContent map[string]string `json:"insertedContent"`
					} `json:"replacements"`
				} `json:"artifactChanges"`
			} `json:"fixes"`
		} `json:"results"`
	} `json:"runs"`
}

func parseSARIF(t *testing.T, in *Input) sarifDoc {
	t.Helper()
	var doc sarifDoc
	if err := json.Unmarshal(render(t, "sarif", in, Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSARIFContent(t *testing.T) {
	in := fixtureInput(t)
	doc := parseSARIF(t, in)
	if doc.Version != "2.1.0" || doc.Schema != "https://json.schemastore.org/sarif-2.1.0.json" || len(doc.Runs) != 1 {
		t.Fatalf("header: %+v", doc)
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "lockguard" || run.Tool.Driver.Version != "0.1.0-test" || len(run.Tool.Driver.Rules) != len(in.Rules) {
		t.Errorf("driver: %+v", run.Tool.Driver)
	}
	if len(run.Results) != len(in.Diagnostics) {
		t.Fatalf("%d results for %d diagnostics", len(run.Results), len(in.Diagnostics))
	}
	for i, r := range run.Results {
		d := in.Diagnostics[i]
		if r.RuleIndex == nil || run.Tool.Driver.Rules[*r.RuleIndex].ID != d.Rule {
			t.Errorf("result %d: ruleIndex does not point at %s", i, d.Rule)
		}
		if !strings.HasPrefix(r.Message.Text, d.Message) || (d.Help != "" && !strings.Contains(r.Message.Text, "help: "+d.Help)) {
			t.Errorf("result %d: message %q lacks message or help", i, r.Message.Text)
		}
	}
	if got := run.Results[5].Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "my%20dir/evil%1B%5B31m.toml" {
		t.Errorf("escaped URI = %q", got)
	}
	if reg := run.Results[2].Locations[0].PhysicalLocation.Region; reg != nil {
		t.Errorf("whole-file finding has a region: %+v", reg)
	}
	// Commands are in the message; only edits become SARIF fixes.
	if !strings.Contains(run.Results[0].Message.Text, "run in backend: cargo generate-lockfile") || len(run.Results[0].Fixes) != 0 {
		t.Errorf("command fix: %q, %d fixes", run.Results[0].Message.Text, len(run.Results[0].Fixes))
	}
	fixes := run.Results[3].Fixes
	src := fixtureFiles["flake.nix"]
	want := strings.Index(src, " <demo>")
	if len(fixes) != 1 || fixes[0].ArtifactChanges[0].Replacements[0].DeletedRegion["byteOffset"] != want ||
		fixes[0].ArtifactChanges[0].Replacements[0].DeletedRegion["byteLength"] != len(" <demo>") {
		t.Errorf("edit fix = %+v, want byteOffset %d", fixes, want)
	}
}

func TestSARIFFingerprintIgnoresLine(t *testing.T) {
	mk := func(line int) *Input {
		return &Input{Diagnostics: []diag.Diagnostic{{Rule: "LG101", Severity: diag.Error, Path: "a/Cargo.toml", Line: line, Message: "m"}}}
	}
	a := parseSARIF(t, mk(3)).Runs[0].Results[0].PartialFingerprints
	b := parseSARIF(t, mk(30)).Runs[0].Results[0].PartialFingerprints
	if len(a) == 0 || a["lockguard/v1"] == "" || a["lockguard/v1"] != b["lockguard/v1"] {
		t.Errorf("fingerprints differ by line or are empty: %v %v", a, b)
	}
	c := &Input{Diagnostics: []diag.Diagnostic{{Rule: "LG101", Severity: diag.Error, Path: "a/Cargo.toml", Line: 3, Message: "other"}}}
	if parseSARIF(t, c).Runs[0].Results[0].PartialFingerprints["lockguard/v1"] == a["lockguard/v1"] {
		t.Error("a different message has the same fingerprint")
	}
}

func TestURIEscape(t *testing.T) {
	for in, want := range map[string]string{
		"backend/Cargo.toml": "backend/Cargo.toml",
		"my dir/a b.nix":     "my%20dir/a%20b.nix",
		"c:/x":               "c%3A/x",
		"100%/#?.nix":        "100%25/%23%3F.nix",
		"日本/x":               "%E6%97%A5%E6%9C%AC/x",
	} {
		if got := uriEscape(in); got != want {
			t.Errorf("uriEscape(%q) = %q, want %q", in, got, want)
		}
	}
}
