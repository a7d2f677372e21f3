package fixers

// What fix prints: progress, paths and commands, sanitised and quoted.

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lockguard/lockguard/internal/report"
)

// progress shows "[i/n] …" on Err while generators run, once they take
// longer than a second, when Progress is set.
func (a *applier) progress(n int) (stop func()) {
	if !a.opts.Progress || n == 0 || a.opts.DryRun {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		shown := false
		for {
			select {
			case <-done:
				if shown {
					fmt.Fprint(a.opts.Err, "\r\033[K")
				}
				return
			case <-t.C:
				if time.Since(start) < time.Second {
					continue
				}
				a.mu.Lock()
				fmt.Fprintf(a.opts.Err, "\r\033[Klockguard fix: %d/%d generators done (%s)", a.doneRuns, n, time.Since(start).Round(time.Second))
				a.mu.Unlock()
				shown = true
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (a *applier) tick() {
	a.mu.Lock()
	a.doneRuns++
	a.mu.Unlock()
}

func relTo(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

func displayDir(d string) string {
	if d == "" {
		return "the repository root"
	}
	return show(d) + "/"
}

// lastLines is the end of a command's output, each line sanitized and
// quoted with "    | ", so that no line of it can pass for lockguard's own
// output or start a CI workflow command.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = "    | " + report.SanitizeText(strings.TrimSuffix(l, "\r"))
	}
	return strings.Join(lines, "\n")
}

// show is a repo-relative path (or another name from the repository) as
// fix prints it: on one line, without terminal escapes or bidirectional
// controls, as check prints it.
func show(p string) string { return report.Sanitize(p) }

// showAll is paths as show prints them, separated by spaces.
func showAll(paths []string) string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = show(p)
	}
	return strings.Join(out, " ")
}

// showDiff is UnifiedDiff sanitized for printing: the path as show prints
// it, and each line of the diff as check prints source lines.
func showDiff(path, old, updated string) string {
	return report.SanitizeText(UnifiedDiff(show(path), old, updated))
}

// shellJoin renders argv as a shell command line that is safe to print
// (see report.ShellQuote).
func shellJoin(argv []string) string { return report.ShellJoin(argv) }

func shellQuote(s string) string { return report.ShellQuote(s) }
