package report

import (
	"bufio"
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
)

// ---- GitHub Actions workflow commands ----

// writeGitHub writes one annotation command per finding:
//
//	::error file=path,line=L,col=C,endLine=EL,endColumn=EC,title=LG101 name::message%0Ahelp: …
func writeGitHub(w *bufio.Writer, in *Input, _ Options) error {
	for i := range in.Diagnostics {
		d := &in.Diagnostics[i]
		level := "warning"
		if d.Severity == diag.Error {
			level = "error"
		}
		props := []string{"file=" + ghProperty(ghPath(d.Path))}
		if d.Line > 0 {
			props = append(props, "line="+strconv.Itoa(d.Line))
			if d.Column > 0 {
				props = append(props, "col="+strconv.Itoa(d.Column))
			}
			if d.EndLine >= d.Line {
				props = append(props, "endLine="+strconv.Itoa(d.EndLine))
				if d.EndColumn > 0 {
					props = append(props, "endColumn="+strconv.Itoa(d.EndColumn))
				}
			}
		}
		title := d.Rule
		if d.Name != "" {
			title += " " + d.Name
		}
		props = append(props, "title="+ghProperty(Sanitize(title)))

		msg := Sanitize(d.Message)
		if d.Help != "" {
			msg += "\nhelp: " + Sanitize(d.Help)
		}
		if d.Fix != nil {
			msg += "\nfix (" + applicability(d.Fix) + "): " + Sanitize(d.Fix.Description)
		}
		w.WriteString("::" + level + " " + strings.Join(props, ",") + "::" + ghData(msg) + "\n")
	}
	return nil
}

var (
	ghDataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghPropertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// ghPath keeps a path's newlines and carriage returns (the property escaper
// writes them as %0A and %0D, which GitHub decodes back to the real file
// name) and sanitizes the other control characters.
func ghPath(p string) string {
	var b strings.Builder
	for {
		i := strings.IndexAny(p, "\r\n")
		if i < 0 {
			b.WriteString(Sanitize(p))
			return b.String()
		}
		b.WriteString(Sanitize(p[:i]))
		b.WriteByte(p[i])
		p = p[i+1:]
	}
}

// ghData escapes the message of a workflow command.
func ghData(s string) string { return ghDataEscaper.Replace(s) }

// ghProperty escapes a property value of a workflow command.
func ghProperty(s string) string { return ghPropertyEscaper.Replace(s) }

// ---- GitLab Code Quality ----

type gitlabIssue struct {
	Description string         `json:"description"`
	CheckName   string         `json:"check_name"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"`
	Location    gitlabLocation `json:"location"`
}

type gitlabLocation struct {
	Path  string      `json:"path"`
	Lines gitlabLines `json:"lines"`
}

type gitlabLines struct {
	Begin int `json:"begin"`
}

// writeGitLab writes a GitLab Code Quality report (a JSON array).
func writeGitLab(w *bufio.Writer, in *Input, _ Options) error {
	fps := fingerprints(in.Diagnostics)
	issues := make([]gitlabIssue, 0, len(in.Diagnostics))
	for i := range in.Diagnostics {
		d := &in.Diagnostics[i]
		sev := "minor"
		if d.Severity == diag.Error {
			sev = "major"
		}
		issues = append(issues, gitlabIssue{
			Description: d.Rule + " " + d.Message,
			CheckName:   d.Rule,
			Fingerprint: fps[i],
			Severity:    sev,
			Location:    gitlabLocation{Path: d.Path, Lines: gitlabLines{Begin: max(d.Line, 1)}},
		})
	}
	return encodeJSON(w, issues)
}

// ---- JUnit XML ----

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes one test suite with a failed test case per finding, or
// one passing test case when there are none. Text is sanitized: XML 1.0
// cannot carry most control characters even escaped.
func writeJUnit(w *bufio.Writer, in *Input, _ Options) error {
	suite := junitSuite{Name: toolName}
	for i := range in.Diagnostics {
		d := &in.Diagnostics[i]
		path := Sanitize(d.Path)
		name := Sanitize(d.Rule)
		if d.Name != "" {
			name += " " + Sanitize(d.Name)
		}
		if d.Line > 0 {
			name += " at line " + strconv.Itoa(d.Line)
		}
		text := location(d.Path, d.Line, d.Column) + ": [" + Sanitize(string(d.Severity)) + "] " + Sanitize(d.Message)
		if d.Help != "" {
			text += "\nhelp: " + Sanitize(d.Help)
		}
		if d.Fix != nil {
			text += "\nfix (" + applicability(d.Fix) + "): " + Sanitize(d.Fix.Description)
		}
		suite.Cases = append(suite.Cases, junitCase{
			Classname: path,
			Name:      name,
			File:      path,
			Line:      d.Line,
			Failure:   &junitFailure{Message: Sanitize(d.Message), Type: Sanitize(d.Rule), Text: text},
		})
	}
	suite.Failures = len(suite.Cases)
	if len(suite.Cases) == 0 {
		suite.Cases = []junitCase{{Classname: toolName, Name: toolName}}
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{Name: toolName, Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}

	w.WriteString(xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	w.WriteByte('\n')
	return nil
}
