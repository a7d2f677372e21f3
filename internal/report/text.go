package report

import (
	"bufio"
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/fatih/color"

	"github.com/lockguard/lockguard/internal/diag"
)

// palette holds the styles of the human formats. fatih/color decides from
// stdout at init whether to colour; each style here is switched on or off
// explicitly from Options.Color instead, so the global never matters.
type palette struct {
	on      bool
	err     style // rule IDs and carets of errors
	warn    style // ... of warnings
	gutter  style // line numbers, "|", "-->", "="
	bold    style
	helpKey style
}

// style is the escape sequences around a painted string, computed once from
// a fatih/color Color (whose Sprint formats its sequence on every call).
type style struct{ pre, post string }

func newStyle(on bool, attrs ...color.Attribute) style {
	c := color.New(attrs...)
	if !on {
		c.DisableColor()
		return style{}
	}
	c.EnableColor()
	s := c.Sprint("\x00")
	i := strings.IndexByte(s, 0)
	return style{pre: s[:i], post: s[i+1:]}
}

func newPalette(on bool) *palette {
	return &palette{
		on:      on,
		err:     newStyle(on, color.FgRed, color.Bold),
		warn:    newStyle(on, color.FgYellow, color.Bold),
		gutter:  newStyle(on, color.FgBlue, color.Bold),
		bold:    newStyle(on, color.Bold),
		helpKey: newStyle(on, color.FgCyan, color.Bold),
	}
}

// paint applies st to s when colour is on.
func (p *palette) paint(st style, s string) string {
	if !p.on || s == "" {
		return s
	}
	return st.pre + s + st.post
}

func (p *palette) severity(s diag.Severity) style {
	if s == diag.Error {
		return p.err
	}
	return p.warn
}

// maxSpanLines is how many lines of a multi-line span the text format shows
// after the first.
const maxSpanLines = 3

func writeText(w *bufio.Writer, in *Input, opts Options) error {
	p := newPalette(opts.Color)
	src := newSources(in.Source)
	for i := range in.Diagnostics {
		writeFinding(w, &in.Diagnostics[i], src, p, opts)
		w.WriteByte('\n')
	}
	w.WriteString(p.paint(p.bold, summaryLine(Summary(in), in.FilesChecked)))
	w.WriteByte('\n')
	return nil
}

func header(d *diag.Diagnostic, p *palette) string {
	sev := p.severity(d.Severity)
	// The severity is a word too, not only a colour: NO_COLOR, logs and
	// screen readers keep it.
	h := p.paint(sev, Sanitize(d.Rule)) + " [" + p.paint(sev, Sanitize(string(d.Severity))) + "]"
	if d.Name != "" {
		h += " " + Sanitize(d.Name)
	}
	return h + ": " + p.paint(p.bold, Sanitize(d.Message))
}

// writeFinding writes one finding of the text format:
//
//	LG101 [error] cargo-lock-missing: message
//	 --> path:line:col
//	  |
//	1 | source line
//	  | ^^^^
//	  |
//	  = help: ...
func writeFinding(w *bufio.Writer, d *diag.Diagnostic, src *sources, p *palette, opts Options) {
	w.WriteString(header(d, p))
	w.WriteByte('\n')

	snip := snippetFor(d, src)
	width := 1
	if snip != nil {
		width = len(strconv.Itoa(snip.last))
	}
	pad := strings.Repeat(" ", width)
	bar := p.paint(p.gutter, "|")

	w.WriteString(pad + p.paint(p.gutter, "-->") + " " + location(d.Path, d.Line, d.Column) + "\n")
	if snip != nil {
		w.WriteString(pad + " " + bar + "\n")
		for _, l := range snip.lines {
			if l.caret {
				w.WriteString(pad + " " + bar + " " + p.paint(p.severity(d.Severity), l.text) + "\n")
				continue
			}
			if l.num == 0 { // elided lines of a long span
				w.WriteString(pad + " " + bar + " ...\n")
				continue
			}
			num := strconv.Itoa(l.num)
			w.WriteString(p.paint(p.gutter, strings.Repeat(" ", width-len(num))+num) + " " + bar)
			if l.text != "" {
				w.WriteString(" " + l.text)
			}
			w.WriteByte('\n')
		}
		w.WriteString(pad + " " + bar + "\n")
	}

	note := func(key, text string) {
		w.WriteString(pad + " " + p.paint(p.gutter, "=") + " " + p.paint(p.helpKey, key) + ": ")
		w.WriteString(strings.ReplaceAll(text, "\n", "\n"+pad+"   "+strings.Repeat(" ", len(key)+2)))
		w.WriteByte('\n')
	}
	if d.Help != "" {
		note("help", Sanitize(d.Help))
	}
	for _, r := range d.Related {
		note("note", location(r.Path, r.Line, 0)+": "+Sanitize(r.Message))
	}
	if d.Fix != nil {
		note("fix ("+applicability(d.Fix)+")", Sanitize(d.Fix.Description))
		if opts.ShowFixes {
			for _, l := range fixLines(d.Fix, src) {
				w.WriteString(pad + "     " + l + "\n")
			}
		}
	}
}

type snippet struct {
	lines []snipLine
	last  int // largest line number shown
}

type snipLine struct {
	num   int // 0: elided lines
	text  string
	caret bool // the underline, not a source line
}

// snippetFor builds the source excerpt of d, or nil when the file or the
// line is unavailable.
func snippetFor(d *diag.Diagnostic, src *sources) *snippet {
	if d.Line <= 0 {
		return nil
	}
	f := src.file(d.Path)
	if f == nil {
		return nil
	}
	first, ok := f.line(d.Line)
	if !ok {
		return nil
	}
	s := &snippet{}
	if d.Line > 1 {
		prev, _ := f.line(d.Line - 1)
		text, _ := renderLine(prev)
		s.lines = append(s.lines, snipLine{num: d.Line - 1, text: text})
	}
	text, cols := renderLine(first)
	s.lines = append(s.lines, snipLine{num: d.Line, text: text})
	s.last = d.Line

	// Underline [Column, EndColumn) of the first line, or to its end when
	// the span goes on.
	n := len(cols) - 1
	start := min(max(d.Column-1, 0), n)
	end := n
	if d.EndLine <= d.Line {
		end = min(max(d.EndColumn-1, start), n)
	}
	w := max(cols[end]-cols[start], 1)
	s.lines = append(s.lines, snipLine{caret: true, text: strings.Repeat(" ", cols[start]) + strings.Repeat("^", w)})

	if d.EndLine > d.Line {
		last := min(d.EndLine, f.numLines())
		for ln := d.Line + 1; ln <= last; ln++ {
			if ln > d.Line+maxSpanLines {
				s.lines = append(s.lines, snipLine{num: 0})
				break
			}
			l, _ := f.line(ln)
			text, _ := renderLine(l)
			s.lines = append(s.lines, snipLine{num: ln, text: text})
			s.last = ln
		}
	}
	return s
}

// writeConcise writes `path:line:col: LG101 [error] message [*]` per finding.
func writeConcise(w *bufio.Writer, in *Input, opts Options) error {
	p := newPalette(opts.Color)
	for i := range in.Diagnostics {
		d := &in.Diagnostics[i]
		sev := p.severity(d.Severity)
		w.WriteString(p.paint(p.bold, location(d.Path, d.Line, d.Column)) + ": ")
		w.WriteString(p.paint(sev, Sanitize(d.Rule)) + " [" + p.paint(sev, Sanitize(string(d.Severity))) + "] ")
		w.WriteString(Sanitize(d.Message))
		if hasSafeFix(d) {
			w.WriteString(" [*]")
		}
		w.WriteByte('\n')
	}
	w.WriteString(p.paint(p.bold, summaryLine(Summary(in), in.FilesChecked)))
	w.WriteByte('\n')
	return nil
}

type ruleStat struct {
	id, name string
	count    int
	fixable  bool
	severity diag.Severity // the most severe seen
}

// statistics counts the findings of in per rule, most frequent first.
func statistics(in *Input) []*ruleStat {
	names := map[string]string{}
	for _, r := range in.Rules {
		names[r.ID] = r.Name
	}
	byID := map[string]*ruleStat{}
	var stats []*ruleStat
	for i := range in.Diagnostics {
		d := &in.Diagnostics[i]
		st := byID[d.Rule]
		if st == nil {
			st = &ruleStat{id: d.Rule, name: cmp.Or(d.Name, names[d.Rule]), severity: d.Severity}
			byID[d.Rule] = st
			stats = append(stats, st)
		}
		st.count++
		st.fixable = st.fixable || hasSafeFix(d)
		if d.Severity.Rank() > st.severity.Rank() {
			st.severity = d.Severity
		}
	}
	slices.SortFunc(stats, func(a, b *ruleStat) int {
		return cmp.Or(cmp.Compare(b.count, a.count), strings.Compare(a.id, b.id))
	})
	return stats
}

func writeStatistics(w *bufio.Writer, in *Input, opts Options) error {
	p := newPalette(opts.Color)
	if len(in.Diagnostics) == 0 {
		w.WriteString(summaryLine(Counts{}, in.FilesChecked) + "\n")
		return nil
	}
	stats := statistics(in)
	countW, idW := 0, 0
	for _, st := range stats {
		countW = max(countW, len(strconv.Itoa(st.count)))
		idW = max(idW, len(Sanitize(st.id)))
	}
	for _, st := range stats {
		c := strconv.Itoa(st.count)
		id := Sanitize(st.id)
		mark := "[ ]"
		if st.fixable {
			mark = "[*]"
		}
		w.WriteString(strings.Repeat(" ", countW-len(c)) + p.paint(p.bold, c) + "  ")
		w.WriteString(p.paint(p.severity(st.severity), id) + strings.Repeat(" ", idW-len(id)) + "  ")
		w.WriteString(mark + " " + Sanitize(st.name) + "\n")
	}
	return nil
}
