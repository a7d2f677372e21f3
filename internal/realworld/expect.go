// Package realworld is the precision gate: it compares lockguard's findings
// on real public repositories (../shared/corpus/realworld, one git bundle
// each) with judged expectations in testdata/realworld/expected.tsv.
//
// Every finding on the corpus must have an expectation row, keyed by
// repository, rule, path and line, with a verdict:
//
//	TRUE    a real defect: must be reported, as an error
//	WEAK    true in fact, but nothing builds it: either way is acceptable
//	INTENT  deliberate (a template flake, a lock gitignored on purpose): must
//	        not fail the default check (no error, no warning)
//	FALSE   lockguard's facts are wrong: must not be reported at all
//
// Rows between "# BEGIN expected-failures" and "# END expected-failures" are
// known-wrong findings that are still reported and tolerated until the issue
// that fixes their rule lands. A tolerated row that is no longer reported
// fails the gate too, so the block only ever shrinks: move the row out.
package realworld

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Verdicts.
const (
	True   = "TRUE"
	Weak   = "WEAK"
	Intent = "INTENT"
	False  = "FALSE"
)

// Block markers of the expected-failures block.
const (
	BeginXfail = "# BEGIN expected-failures"
	EndXfail   = "# END expected-failures"
)

// Key identifies a finding across runs.
type Key struct {
	Repo, Rule, Path string
	Line             int
}

func (k Key) String() string { return fmt.Sprintf("%s %s %s:%d", k.Repo, k.Rule, k.Path, k.Line) }

// Expectation is one judged row.
type Expectation struct {
	Key
	Verdict string
	Reason  string
	Xfail   bool // inside the expected-failures block
	Line    int  // line in expected.tsv
}

// Finding is what lockguard reported, reduced to what the gate compares.
type Finding struct {
	Key
	Severity string
	Message  string
}

// ParseExpectations reads expected.tsv. Errors carry the line number.
func ParseExpectations(r io.Reader) (map[Key]*Expectation, error) {
	out := map[Key]*Expectation{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	inXfail := false
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, BeginXfail):
			if inXfail {
				return nil, fmt.Errorf("expected.tsv:%d: nested %q", n, BeginXfail)
			}
			inXfail = true
			continue
		case strings.HasPrefix(line, EndXfail):
			if !inXfail {
				return nil, fmt.Errorf("expected.tsv:%d: %q without %q", n, EndXfail, BeginXfail)
			}
			inXfail = false
			continue
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 6 {
			return nil, fmt.Errorf("expected.tsv:%d: want 6 tab-separated columns (repo, rule, path, line, verdict, reason), got %d", n, len(f))
		}
		ln, err := strconv.Atoi(f[3])
		if err != nil || ln < 0 {
			return nil, fmt.Errorf("expected.tsv:%d: line %q is not a number", n, f[3])
		}
		e := &Expectation{Key: Key{Repo: f[0], Rule: f[1], Path: f[2], Line: ln}, Verdict: f[4], Reason: f[5], Xfail: inXfail, Line: n}
		switch e.Verdict {
		case True, Weak, Intent, False:
		default:
			return nil, fmt.Errorf("expected.tsv:%d: verdict %q is not one of TRUE, WEAK, INTENT, FALSE", n, e.Verdict)
		}
		if strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("expected.tsv:%d: a verdict needs a reason", n)
		}
		if e.Xfail && e.Verdict != False && e.Verdict != Intent {
			return nil, fmt.Errorf("expected.tsv:%d: only FALSE and INTENT rows belong in the expected-failures block", n)
		}
		if prev, ok := out[e.Key]; ok {
			return nil, fmt.Errorf("expected.tsv:%d: %s is already judged on line %d", n, e.Key, prev.Line)
		}
		out[e.Key] = e
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if inXfail {
		return nil, fmt.Errorf("expected.tsv: %q is never closed", BeginXfail)
	}
	return out, nil
}

// fails reports whether a finding of this severity fails the default check
// (--fail-on warning).
func fails(severity string) bool { return severity == "error" || severity == "warning" }

// RuleStats is one row of the per-rule table.
type RuleStats struct {
	Rule       string
	Findings   int // reported
	TrueKept   int // TRUE findings reported as errors
	Wrong      int // FALSE reported, or INTENT failing the check (tolerated ones included)
	Tolerated  int // of Wrong, in the expected-failures block
	Unlabelled int
}

// Result is the outcome of one comparison.
type Result struct {
	Problems []string // each fails the gate
	Rules    []RuleStats
	Total    RuleStats
}

// Compare judges the findings against the expectations. repos lists the
// repositories that were checked; expectations of other repositories are
// ignored (a bundle may be absent from a partial run).
func Compare(findings []Finding, exp map[Key]*Expectation, repos []string) Result {
	stats := map[string]*RuleStats{}
	st := func(rule string) *RuleStats {
		if stats[rule] == nil {
			stats[rule] = &RuleStats{Rule: rule}
		}
		return stats[rule]
	}
	var res Result
	seen := map[Key]bool{}
	for _, f := range findings {
		s := st(f.Rule)
		s.Findings++
		seen[f.Key] = true
		e := exp[f.Key]
		if e == nil {
			s.Unlabelled++
			res.Problems = append(res.Problems, fmt.Sprintf("unlabelled: %s (%s): %s\n\tjudge it: add a row\t%s\t%s\t%s\t%d\tVERDICT\treason", f.Key, f.Severity, f.Message, f.Repo, f.Rule, f.Path, f.Line))
			continue
		}
		switch e.Verdict {
		case True:
			if f.Severity == "error" {
				s.TrueKept++
			} else {
				res.Problems = append(res.Problems, fmt.Sprintf("TRUE finding reported as %s, not error: %s (expected.tsv:%d)", f.Severity, f.Key, e.Line))
			}
		case False, Intent:
			if e.Verdict == Intent && !fails(f.Severity) {
				break
			}
			s.Wrong++
			if e.Xfail {
				s.Tolerated++
				break
			}
			res.Problems = append(res.Problems, fmt.Sprintf("wrong finding reported (%s, expected.tsv:%d: %s): %s (%s): %s", e.Verdict, e.Line, e.Reason, f.Key, f.Severity, f.Message))
		}
	}
	inRun := map[string]bool{}
	for _, r := range repos {
		inRun[r] = true
	}
	var missing []*Expectation
	for _, e := range exp {
		if !inRun[e.Repo] || seen[e.Key] {
			continue
		}
		if e.Verdict == True || e.Xfail {
			missing = append(missing, e)
		}
	}
	slices.SortFunc(missing, func(a, b *Expectation) int { return cmp.Compare(a.Line, b.Line) })
	for _, e := range missing {
		if e.Verdict == True {
			res.Problems = append(res.Problems, fmt.Sprintf("TRUE finding no longer reported: %s (expected.tsv:%d: %s)", e.Key, e.Line, e.Reason))
		} else {
			res.Problems = append(res.Problems, fmt.Sprintf("expected failure no longer reported: %s (expected.tsv:%d): move the row out of the expected-failures block, so it guards against a regression", e.Key, e.Line))
		}
	}
	for _, s := range stats {
		res.Rules = append(res.Rules, *s)
		res.Total.Findings += s.Findings
		res.Total.TrueKept += s.TrueKept
		res.Total.Wrong += s.Wrong
		res.Total.Tolerated += s.Tolerated
		res.Total.Unlabelled += s.Unlabelled
	}
	res.Total.Rule = "total"
	slices.SortFunc(res.Rules, func(a, b RuleStats) int { return cmp.Compare(a.Rule, b.Rule) })
	return res
}

// WriteTable prints the per-rule table.
func WriteTable(w io.Writer, res Result) {
	fmt.Fprintf(w, "%-7s %9s %10s %6s %10s %11s\n", "rule", "findings", "true kept", "wrong", "tolerated", "unlabelled")
	for _, s := range append(slices.Clone(res.Rules), res.Total) {
		fmt.Fprintf(w, "%-7s %9d %10d %6d %10d %11d\n", s.Rule, s.Findings, s.TrueKept, s.Wrong, s.Tolerated, s.Unlabelled)
	}
}
