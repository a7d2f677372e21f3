package cli

// Adoption on an existing repository: --since REV reports only findings on
// files changed since REV; --write-baseline FILE records today's findings and
// --baseline FILE hides them.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/repo"
	"github.com/lockguard/lockguard/internal/snapshot"
)

// baselineVersion is the version of the baseline file format.
const baselineVersion = 1

// baselineFile is what --write-baseline writes and --baseline reads:
//
//	{"version": 1, "tool": "lockguard", "findings": [
//	  {"rule": "LG101", "path": "backend/Cargo.toml", "fingerprint": "…", "message": "…"}]}
//
// A finding matches by fingerprint: a hash of its rule, path, message and the
// trimmed text of the line it is reported on, never its line number, so edits
// elsewhere in the file that move it do not bring it back. Rule, path and
// message are there for people reading the file (and reviewing its diff).
type baselineFile struct {
	Version  int             `json:"version"`
	Tool     string          `json:"tool"`
	Findings []baselineEntry `json:"findings"`
}

type baselineEntry struct {
	Rule        string `json:"rule"`
	Path        string `json:"path"`
	Fingerprint string `json:"fingerprint"`
	Message     string `json:"message"`
}

// fingerprint identifies a finding independently of its line number.
func fingerprint(d diag.Diagnostic, src []byte) string {
	h := sha256.New()
	for _, s := range []string{d.Rule, d.Path, d.Message, sourceLine(src, d.Line)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// sourceLine is line n (1-based) of src with surrounding blanks trimmed, or "".
func sourceLine(src []byte, n int) string {
	if n <= 0 || src == nil {
		return ""
	}
	for i := 1; len(src) > 0; i++ {
		line, rest, _ := bytes.Cut(src, []byte{'\n'})
		if i == n {
			return strings.TrimSpace(string(line))
		}
		src = rest
	}
	return ""
}

// writeBaseline records ds in file.
func (e *env) writeBaseline(file string, ds []diag.Diagnostic, snap *snapshot.Snapshot) error {
	b := baselineFile{Version: baselineVersion, Tool: "lockguard", Findings: []baselineEntry{}}
	for _, d := range ds {
		b.Findings = append(b.Findings, baselineEntry{
			Rule:        d.Rule,
			Path:        d.Path,
			Fingerprint: fingerprint(d, snap.Source(d.Path)),
			Message:     d.Message,
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return err
	}
	if err := os.WriteFile(e.path(file), buf.Bytes(), 0o644); err != nil {
		return usagef("cannot write the baseline: %v", err)
	}
	fmt.Fprintf(e.stdout, "recorded %d finding%s in %s; `lockguard check --baseline %s` hides them\n", len(ds), plural(len(ds)), file, file)
	return nil
}

// readBaseline reads a baseline file into a multiset of fingerprints.
// file is its path, name how the user wrote it.
func readBaseline(file, name string) (map[string]int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, usagef("cannot read the baseline: %v", err)
	}
	var b baselineFile
	if err := decodeBaseline(data, &b); err != nil {
		return nil, usagef("%s is not a lockguard baseline: %v; write one with `lockguard check --write-baseline FILE`", name, err)
	}
	if b.Version != baselineVersion {
		return nil, usagef("%s: unsupported baseline version %d (want %d); write it again with --write-baseline", name, b.Version, baselineVersion)
	}
	counts := map[string]int{}
	for _, f := range b.Findings {
		counts[f.Fingerprint]++
	}
	return counts, nil
}

// adopt applies --since and --baseline to the findings of a run.
func (e *env) adopt(rf *runFlags, r *repo.Repo, snap *snapshot.Snapshot, ds []diag.Diagnostic) ([]diag.Diagnostic, error) {
	if rf.since != "" {
		changed, err := changedSince(e.ctx, r, rf.since)
		if err != nil {
			return nil, err
		}
		var kept []diag.Diagnostic
		for _, d := range ds {
			if touches(d, changed) {
				kept = append(kept, d)
			}
		}
		ds = kept
	}
	if rf.baseline != "" {
		counts, err := readBaseline(e.path(rf.baseline), rf.baseline)
		if err != nil {
			return nil, err
		}
		var kept []diag.Diagnostic
		hidden := 0
		for _, d := range ds {
			fp := fingerprint(d, snap.Source(d.Path))
			if counts[fp] > 0 {
				counts[fp]--
				hidden++
				continue
			}
			kept = append(kept, d)
		}
		ds = kept
		if hidden > 0 {
			fmt.Fprintf(e.stderr, "lockguard: %d finding%s hidden by the baseline %s\n", hidden, plural(hidden), rf.baseline)
		}
	}
	return ds, nil
}

// touches reports whether a finding concerns a changed path: the file it is
// reported on, a related location, or a file its fix would generate, edit or
// stage (an LG101 on an old Cargo.toml whose lock was deleted counts).
func touches(d diag.Diagnostic, changed map[string]bool) bool {
	if changed[d.Path] {
		return true
	}
	for _, rel := range d.Related {
		if changed[rel.Path] {
			return true
		}
	}
	if d.Fix != nil {
		for _, a := range d.Fix.Actions {
			if changed[a.Path] {
				return true
			}
			for _, p := range append(append([]string{}, a.Paths...), a.Outputs...) {
				if changed[p] {
					return true
				}
			}
		}
	}
	return false
}

// changedSince lists the repo-relative paths that differ between the commit
// rev and the work tree or the index, plus untracked files that are not
// ignored. It runs git with the inherited environment (a hook's
// GIT_INDEX_FILE is honoured), through plumbing that does not refresh or
// write the index and runs no filter, textconv or external diff: a work
// tree file whose stat information changed counts as changed.
func changedSince(ctx context.Context, r *repo.Repo, rev string) (map[string]bool, error) {
	out, err := r.GitRead(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	commit := strings.TrimSpace(string(out))
	if err != nil || commit == "" {
		return nil, usagef("--since %s: not a commit in this repository", rev)
	}
	// Comparing racily clean work tree files reads them through the clean
	// filter the repository's .gitattributes name: switch every
	// configured filter driver off.
	var noFilters []string
	if out, err := r.GitRead(ctx, "config", "-z", "--get-regexp", `^filter\.`); err == nil {
		seen := map[string]bool{}
		for _, kv := range strings.Split(string(out), "\x00") {
			key, _, _ := strings.Cut(kv, "\n")
			name, ok := strings.CutPrefix(key, "filter.")
			if i := strings.LastIndexByte(name, '.'); ok && i > 0 && !seen[name[:i]] {
				seen[name[:i]] = true
				d := "filter." + name[:i]
				noFilters = append(noFilters, "-c", d+".clean=", "-c", d+".process=", "-c", d+".required=false")
			}
		}
	}
	changed := map[string]bool{}
	for _, args := range [][]string{
		append(noFilters, "diff-index", "--name-only", "-z", "--no-renames", commit, "--"),
		{"diff-index", "--cached", "--name-only", "-z", "--no-renames", commit, "--"},
		{"ls-files", "-z", "--others", "--exclude-standard"},
	} {
		out, err := r.GitRead(ctx, args...)
		if err != nil {
			return nil, err
		}
		for _, p := range strings.Split(string(out), "\x00") {
			if p != "" {
				changed[p] = true
			}
		}
	}
	return changed, nil
}

// decodeBaseline decodes a baseline file, with errors in the file's terms
// (a line, a JSON key), never Go's struct and field names.
func decodeBaseline(data []byte, b *baselineFile) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("line %d: invalid JSON (%v)", lineAt(data, se.Offset), err)
		}
		return errors.New("not a JSON object")
	}
	var tool string
	if json.Unmarshal(probe["tool"], &tool) != nil || tool != "lockguard" {
		if _, ok := probe["runs"]; ok {
			return errors.New(`it looks like a SARIF report (it has "runs"), and a baseline has "tool": "lockguard"`)
		}
		return errors.New(`it has no "tool": "lockguard"`)
	}
	if err := json.Unmarshal(data, b); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("line %d: %q must be %s, not %s", lineAt(data, te.Offset), te.Field, jsonKind(te.Type.Kind()), article(te.Value))
		}
		return err
	}
	return nil
}

func lineAt(data []byte, off int64) int {
	return bytes.Count(data[:min(int(off), len(data))], []byte("\n")) + 1
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "an array"
	case reflect.Struct:
		return "an object"
	}
	return k.String()
}

func article(noun string) string {
	if noun != "" && strings.IndexByte("aeiou", noun[0]) >= 0 {
		return "an " + noun
	}
	return "a " + noun
}
