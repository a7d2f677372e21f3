package cargo

import (
	"bytes"
	"slices"
	"strconv"
)

// Edit replaces the bytes [Start, End) of a file with Text.
type Edit struct {
	Start, End int
	Text       string
}

// Apply returns src with the edit applied.
func (e Edit) Apply(src []byte) []byte {
	out := make([]byte, 0, len(src)+len(e.Text))
	out = append(out, src[:e.Start]...)
	out = append(out, e.Text...)
	return append(out, src[e.End:]...)
}

// ExcludeEdit returns the edit of a workspace manifest (its path and
// source) that adds entry to `workspace.exclude`: appended to an existing
// array (after its last element, keeping its layout), or as a new
// `exclude = [...]` line after `members` (or after the [workspace] header).
// ok is false when the manifest does not write [workspace] as a table with
// a header, when the array is written in a way the edit would not keep
// valid, or when the edited manifest would not exclude entry by Cargo's
// rules (a `members` entry naming it literally wins over `exclude`).
func ExcludeEdit(manifestPath string, src []byte, entry string) (Edit, bool) {
	d, err := parseDoc(manifestPath, src)
	if err != nil {
		return Edit{}, false
	}
	ws, ok := d.root["workspace"].(map[string]any)
	if !ok {
		return Edit{}, false
	}
	d.at() // build the position index
	hp, ok := d.pos[key("workspace")]
	if !ok {
		return Edit{}, false
	}
	header := src[d.offset(hp.whole.Line, hp.whole.Column):d.offset(hp.whole.EndLine, hp.whole.EndColumn)]
	if string(bytes.ReplaceAll(bytes.ReplaceAll(header, []byte(" "), nil), []byte("\t"), nil)) != "[workspace]" {
		return Edit{}, false // dotted keys, an inline table, or [workspace.x] first: not edited
	}
	quoted := strconv.Quote(entry)
	var e Edit
	if arr, has := ws["exclude"]; has {
		elems, isArr := arr.([]any)
		vp, ok := d.pos[key("workspace", "exclude")]
		if !isArr || !ok {
			return Edit{}, false
		}
		if slices.Contains(elems, any(entry)) {
			return Edit{}, false
		}
		if len(elems) == 0 {
			open := d.offset(vp.val.Line, vp.val.Column)
			if open >= len(src) || src[open] != '[' {
				return Edit{}, false
			}
			e = Edit{Start: open + 1, End: open + 1, Text: quoted}
		} else {
			lp, ok := d.pos[key("workspace", "exclude", strconv.Itoa(len(elems)-1))]
			if !ok {
				return Edit{}, false
			}
			end := d.offset(lp.val.EndLine, lp.val.EndColumn)
			i := end
			for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
				i++
			}
			multiline := bytes.Contains(src[end:d.closing(end)], []byte("\n"))
			indent := d.indentOf(lp.val.Line)
			switch {
			case i < len(src) && src[i] == ',' && multiline:
				e = Edit{Start: i + 1, End: i + 1, Text: "\n" + indent + quoted + ","}
			case i < len(src) && src[i] == ',':
				e = Edit{Start: i + 1, End: i + 1, Text: " " + quoted}
			case multiline:
				e = Edit{Start: end, End: end, Text: ",\n" + indent + quoted}
			default:
				e = Edit{Start: end, End: end, Text: ", " + quoted}
			}
		}
	} else {
		line := "exclude = [" + quoted + "]"
		if mp, ok := d.pos[key("workspace", "members")]; ok && mp.whole.Line > hp.whole.Line {
			end := d.offset(mp.whole.EndLine, mp.whole.EndColumn)
			e = Edit{Start: end, End: end, Text: "\n" + line}
		} else {
			at := len(src)
			if hp.whole.EndLine < len(d.lines) {
				at = d.lines[hp.whole.EndLine]
			}
			text := line + "\n"
			if at == len(src) && (len(src) == 0 || src[len(src)-1] != '\n') {
				text = "\n" + text
			}
			e = Edit{Start: at, End: at, Text: text}
		}
	}
	// The edited manifest must parse and exclude the entry, by Cargo's rules.
	m, err := ParseManifest(manifestPath, e.Apply(src))
	if err != nil || m.Workspace == nil || !slices.Contains(m.Workspace.Exclude, entry) {
		return Edit{}, false
	}
	dir, ok := cleanJoin(m.Dir, entry)
	if !ok || !excluded(m, manifestPathOf(dir)) {
		return Edit{}, false
	}
	return e, true
}

// offset converts a 1-based line and byte column into a byte offset.
func (d *doc) offset(line, col int) int {
	if line < 1 || line > len(d.lines) {
		return len(d.data)
	}
	return min(d.lines[line-1]+col-1, len(d.data))
}

// closing returns the offset of the first ']' at or after i outside strings
// and comments (the end of the array whose last element ends at i).
func (d *doc) closing(i int) int {
	for i < len(d.data) {
		switch d.data[i] {
		case ']':
			return i
		case '#':
			for i < len(d.data) && d.data[i] != '\n' {
				i++
			}
			continue
		}
		i++
	}
	return len(d.data)
}

// indentOf returns the leading white space of a 1-based line.
func (d *doc) indentOf(line int) string {
	start := d.offset(line, 1)
	i := start
	for i < len(d.data) && (d.data[i] == ' ' || d.data[i] == '\t') {
		i++
	}
	return string(d.data[start:i])
}
