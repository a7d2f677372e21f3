package ruledocs

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/lockguard/lockguard/checks/examples"
	"github.com/lockguard/lockguard/internal/txtarrepo"
)

// ExamplesNote says how to read the examples.
const ExamplesNote = "Each example is a repository; its files are committed unless marked. " +
	"`# want LGxxx` marks the line a finding is reported at (the examples are tested: checks/examples)."

// state describes a file's git state for a reader ("" when committed).
func state(f txtarrepo.File) string {
	var s []string
	switch f.State {
	case txtarrepo.Untracked:
		s = append(s, "untracked")
	case txtarrepo.Staged:
		s = append(s, "staged, not committed")
	case txtarrepo.IntentToAdd:
		s = append(s, "intent-to-add: git add -N")
	case txtarrepo.Modified:
		s = append(s, "changed in the work tree, not staged")
	case txtarrepo.Deleted:
		s = append(s, "committed, deleted from the work tree")
	}
	if f.Symlink {
		s = append(s, "symbolic link to "+string(f.Data))
	}
	if f.Executable {
		s = append(s, "executable")
	}
	return strings.Join(s, ", ")
}

// generated reports whether a file is a lock a tool writes whose content
// the reader need not see (folded in the docs).
func generated(p string) bool { return path.Base(p) == "flake.lock" }

// lang is the code block language of a file.
func lang(p string) string {
	base := path.Base(p)
	switch {
	case base == "Dockerfile" || strings.HasPrefix(base, "Dockerfile.") || strings.HasSuffix(base, ".Dockerfile"):
		return "dockerfile"
	case base == "Cargo.lock" || strings.HasSuffix(base, ".toml"):
		return "toml"
	case strings.HasSuffix(base, ".nix"):
		return "nix"
	case strings.HasSuffix(base, ".sh"):
		return "sh"
	case strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml"):
		return "yaml"
	case strings.HasSuffix(base, ".json") || base == "flake.lock":
		return "json"
	case base == "Makefile":
		return "make"
	}
	return "text"
}

func label(ex *txtarrepo.Repo) string {
	kind := "Bad"
	if !ex.Bad() {
		kind = "Good"
	}
	return kind
}

// wantLines are the expectations not written in the files (a want section).
func wantLines(ex *txtarrepo.Repo) []string {
	var out []string
	for _, w := range ex.Wants {
		if w.InSection {
			out = append(out, fmt.Sprintf("%s:%d %s", w.Path, w.Line, w.Rule))
		}
	}
	return out
}

// examplesMarkdown writes a rule's examples as Markdown.
func examplesMarkdown(b *bytes.Buffer, id string) {
	exs, err := examples.For(id)
	if err != nil {
		fmt.Fprintf(b, "\n(The examples do not parse: %v.)\n", err)
		return
	}
	if len(exs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### Examples\n\n%s\n", ExamplesNote)
	for _, ex := range exs {
		fmt.Fprintf(b, "\n**%s** (`%s`). %s\n", label(ex), ex.Name, ex.Caption)
		for _, f := range ex.Files {
			st := state(f)
			if st != "" {
				st = " (" + st + ")"
			}
			if f.Symlink {
				fmt.Fprintf(b, "\n`%s`%s\n", f.Path, st)
				continue
			}
			fence := "```"
			for strings.Contains(string(f.Data), fence) {
				fence += "`"
			}
			data := string(f.Data)
			if data != "" && !strings.HasSuffix(data, "\n") {
				data += "\n"
			}
			if data == "" {
				fmt.Fprintf(b, "\n`%s`%s: empty\n", f.Path, st)
				continue
			}
			if generated(f.Path) {
				// Written by a tool, not the point of the example: folded.
				fmt.Fprintf(b, "\n<details><summary><code>%s</code>%s</summary>\n\n%s%s\n%s%s\n\n</details>\n", f.Path, st, fence, lang(f.Path), data, fence)
				continue
			}
			fmt.Fprintf(b, "\n`%s`%s:\n\n%s%s\n%s%s\n", f.Path, st, fence, lang(f.Path), data, fence)
		}
		if ws := wantLines(ex); len(ws) > 0 {
			fmt.Fprintf(b, "\nReported: `%s`\n", strings.Join(ws, "`, `"))
		}
	}
}

// ExamplesText is a rule's examples as plain text for a terminal (lockguard
// explain): a "Bad:" or "Good:" line with the caption, then each file,
// indented.
func ExamplesText(id string) string {
	exs, err := examples.For(id)
	if err != nil {
		return fmt.Sprintf("(The examples do not parse: %v.)\n", err)
	}
	if len(exs) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Examples. %s\n", ExamplesNote)
	for _, ex := range exs {
		fmt.Fprintf(&b, "\n%s: %s\n", label(ex), ex.Caption)
		for _, f := range ex.Files {
			st := state(f)
			if st != "" {
				st = " (" + st + ")"
			}
			if f.Symlink || len(f.Data) == 0 {
				fmt.Fprintf(&b, "\n  %s%s\n", f.Path, st)
				continue
			}
			if generated(f.Path) && !bytes.Contains(f.Data, []byte("want")) {
				fmt.Fprintf(&b, "\n  %s%s: as `nix flake lock` writes it (shown in %s)\n", f.Path, st, RulesFile)
				continue
			}
			fmt.Fprintf(&b, "\n  %s%s:\n", f.Path, st)
			for _, l := range strings.Split(strings.TrimSuffix(string(f.Data), "\n"), "\n") {
				if l == "" {
					b.WriteString("\n")
					continue
				}
				fmt.Fprintf(&b, "      %s\n", l)
			}
		}
		if ws := wantLines(ex); len(ws) > 0 {
			fmt.Fprintf(&b, "\n  Reported: %s\n", strings.Join(ws, ", "))
		}
	}
	return b.String()
}
