package cargo

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Pos is a span in a file: 1-based lines and columns (columns count bytes),
// EndColumn exclusive. The zero Pos means "unknown".
type Pos struct{ Line, Column, EndLine, EndColumn int }

// ParseError is a syntax or type error in a TOML file, with its position.
// Column is 0 when only the line is known.
type ParseError struct {
	Path         string
	Line, Column int
	Msg          string
}

func (e *ParseError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
}

// doc is a decoded TOML document plus the position of every table and key.
//
// Values come from go-toml's decoder, which enforces the TOML rules Cargo's
// parser (toml_edit) enforces too: duplicate keys, redefined tables, mixed
// array/table definitions. Positions come from a second pass with go-toml's
// unstable parser, indexed by key path (parts joined with sep; elements of
// arrays of tables and of arrays get their decimal index as a part).
type doc struct {
	path  string
	data  []byte
	root  map[string]any
	pos   map[string]keyPos // built on first use by at (see index)
	lines []int             // byte offset of each line start

	indexed bool
}

type keyPos struct {
	whole Pos // table header, or key = value
	val   Pos // the value (for key = value and array elements), else = whole
}

const sep = "\x1f"

func key(parts ...string) string { return strings.Join(parts, sep) }

func parseDoc(path string, data []byte) (d *doc, err error) {
	d = &doc{path: path, data: data, pos: map[string]keyPos{}}
	d.lines = append(d.lines, 0)
	for i, c := range data {
		if c == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	// go-toml is not supposed to panic, but this package promises callers it
	// never does: turn any panic into a ParseError.
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, &ParseError{Path: path, Line: 1, Column: 1, Msg: fmt.Sprintf("cannot parse TOML: %v", r)}
		}
	}()
	if err := toml.Unmarshal(data, &d.root); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			if line < 1 {
				line = 1
			}
			return nil, &ParseError{Path: path, Line: line, Column: col, Msg: strings.TrimPrefix(de.Error(), "toml: ")}
		}
		return nil, &ParseError{Path: path, Line: 1, Column: 1, Msg: err.Error()}
	}
	if d.root == nil {
		d.root = map[string]any{}
	}
	// Positions are indexed lazily, on the first at: a Cargo.lock whose
	// package lines are found by headerLines never needs them.
	return d, nil
}

// position converts a byte offset into a line and a column.
func (d *doc) position(off int) (int, int) {
	i := sort.Search(len(d.lines), func(i int) bool { return d.lines[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return i + 1, off - d.lines[i] + 1
}

func (d *doc) span(start, end int) Pos {
	l1, c1 := d.position(start)
	l2, c2 := d.position(end)
	return Pos{Line: l1, Column: c1, EndLine: l2, EndColumn: c2}
}

func (d *doc) skipSpace(i int) int {
	for i < len(d.data) && (d.data[i] == ' ' || d.data[i] == '\t') {
		i++
	}
	return i
}

func (d *doc) setPos(k string, p keyPos) {
	if _, ok := d.pos[k]; !ok {
		d.pos[k] = p
	}
}

// index walks the document with the unstable parser and records positions.
func (d *doc) index() {
	var p unstable.Parser
	p.Reset(d.data)
	var cur []string           // current table path (with array indexes)
	arrays := map[string]int{} // array-of-tables path → element count
	resolve := func(parts []string, last bool) []string {
		// Insert the index of the current element after every prefix that
		// names an array of tables (TOML: [[a]] then [a.b] means a[-1].b).
		var out []string
		for i, part := range parts {
			out = append(out, part)
			if i == len(parts)-1 && !last {
				break
			}
			if n := arrays[key(out...)]; n > 0 {
				out = append(out, strconv.Itoa(n-1))
			}
		}
		return out
	}
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts, first, last := keyParts(e)
			start, end := int(first.Offset), int(last.Offset+last.Length)
			for start > 0 && d.data[start-1] != '[' {
				start--
			}
			for start > 0 && d.data[start-1] == '[' {
				start--
			}
			for end < len(d.data) && d.data[end] != ']' {
				end++
			}
			n := 1
			if e.Kind == unstable.ArrayTable {
				n = 2
			}
			end = min(end+n, len(d.data))
			hp := d.span(start, end)
			if e.Kind == unstable.Table {
				cur = resolve(parts, true)
			} else {
				base := resolve(parts, false)
				k := key(base...)
				cur = append(base, strconv.Itoa(arrays[k]))
				arrays[k]++
			}
			for i := 1; i <= len(cur); i++ {
				d.setPos(key(cur[:i]...), keyPos{whole: hp, val: hp})
			}
		case unstable.KeyValue:
			d.indexKeyValue(e, cur)
		}
	}
}

func keyParts(n *unstable.Node) (parts []string, first, last unstable.Range) {
	it := n.Key()
	for it.Next() {
		k := it.Node()
		if len(parts) == 0 {
			first = k.Raw
		}
		last = k.Raw
		parts = append(parts, string(k.Data))
	}
	return parts, first, last
}

func (d *doc) indexKeyValue(e *unstable.Node, base []string) {
	parts, first, last := keyParts(e)
	end := int(e.Raw.Offset + e.Raw.Length)
	vstart := d.skipSpace(int(last.Offset + last.Length))
	if vstart < len(d.data) && d.data[vstart] == '=' {
		vstart = d.skipSpace(vstart + 1)
	}
	if vstart > end {
		vstart = end
	}
	kp := keyPos{whole: d.span(int(first.Offset), end), val: d.span(vstart, end)}
	full := append(append([]string(nil), base...), parts...)
	for i := len(base) + 1; i < len(full); i++ {
		d.setPos(key(full[:i]...), keyPos{whole: kp.whole, val: kp.whole})
	}
	d.setPos(key(full...), kp)
	d.indexValue(e.Value(), full, kp.val)
}

func (d *doc) indexValue(v *unstable.Node, path []string, vp Pos) {
	switch v.Kind {
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				d.indexKeyValue(c, path)
			}
		}
	case unstable.Array:
		it := v.Children()
		i := 0
		for it.Next() {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			ep := vp
			if c.Raw.Length > 0 {
				ep = d.span(int(c.Raw.Offset), int(c.Raw.Offset+c.Raw.Length))
				if c.Kind == unstable.InlineTable {
					ep.EndLine, ep.EndColumn = ep.Line, ep.Column+1
				}
			}
			k := append(append([]string(nil), path...), strconv.Itoa(i))
			d.setPos(key(k...), keyPos{whole: ep, val: ep})
			d.indexValue(c, k, ep)
			i++
		}
	}
}

// at returns the recorded position of a key path, falling back to its
// nearest recorded ancestor, then to line 1.
func (d *doc) at(parts ...string) keyPos {
	if !d.indexed {
		d.indexed = true
		if len(d.pos) == 0 {
			d.pos = make(map[string]keyPos, 2*len(d.lines))
		}
		d.index()
	}
	for n := len(parts); n > 0; n-- {
		if p, ok := d.pos[key(parts[:n]...)]; ok {
			return p
		}
	}
	one := Pos{Line: 1, Column: 1, EndLine: 1, EndColumn: 1}
	return keyPos{whole: one, val: one}
}

// headerLines returns the 1-based lines of the table headers written
// exactly as header (such as "[[package]]") at the start of a line, or nil
// when some line holds a differently written header for the same table
// (spaces, quotes, a comment), which only the full index understands.
func (d *doc) headerLines(header, table string) []int {
	var out []int
	for i, start := range d.lines {
		line := d.data[start:]
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		line = bytes.TrimSpace(line)
		switch {
		case string(line) == header:
			out = append(out, i+1)
		case len(line) > 0 && line[0] == '[' && bytes.Contains(line, []byte(table)):
			return nil
		}
	}
	return out
}

// errAt makes a ParseError at the value of a key path.
func (d *doc) errAt(parts []string, format string, args ...any) *ParseError {
	p := d.at(parts...).val
	return &ParseError{Path: d.path, Line: p.Line, Column: p.Column, Msg: fmt.Sprintf(format, args...)}
}

// typeName names a decoded TOML value the way Cargo's errors do.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64:
		return "integer"
	case float64:
		return "float"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	default:
		return "datetime"
	}
}

func dotted(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		if p == "" || strings.ContainsFunc(p, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) {
			b.WriteString(strconv.Quote(p))
		} else {
			b.WriteString(p)
		}
	}
	return b.String()
}

// Typed accessors: each returns ok=false when the key is absent and a
// ParseError when it has the wrong type.

func (d *doc) table(m map[string]any, path []string, k string) (map[string]any, error) {
	v, ok := m[k]
	if !ok {
		return nil, nil
	}
	t, ok := v.(map[string]any)
	if !ok {
		p := append(append([]string(nil), path...), k)
		return nil, d.errAt(p, "invalid type: %s, expected a table for `%s`", typeName(v), dotted(p))
	}
	return t, nil
}

func (d *doc) str(m map[string]any, path []string, k string) (string, bool, error) {
	v, ok := m[k]
	if !ok {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		p := append(append([]string(nil), path...), k)
		return "", false, d.errAt(p, "invalid type: %s, expected a string for `%s`", typeName(v), dotted(p))
	}
	return s, true, nil
}

func (d *doc) boolean(m map[string]any, path []string, k string) (bool, bool, error) {
	v, ok := m[k]
	if !ok {
		return false, false, nil
	}
	b, ok := v.(bool)
	if !ok {
		p := append(append([]string(nil), path...), k)
		return false, false, d.errAt(p, "invalid type: %s, expected a boolean for `%s`", typeName(v), dotted(p))
	}
	return b, true, nil
}

func (d *doc) strings(m map[string]any, path []string, k string) ([]string, error) {
	v, ok := m[k]
	if !ok {
		return nil, nil
	}
	p := append(append([]string(nil), path...), k)
	a, ok := v.([]any)
	if !ok {
		return nil, d.errAt(p, "invalid type: %s, expected an array of strings for `%s`", typeName(v), dotted(p))
	}
	out := make([]string, 0, len(a))
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			return nil, d.errAt(append(p, strconv.Itoa(i)), "invalid type: %s, expected a string in `%s`", typeName(e), dotted(p))
		}
		out = append(out, s)
	}
	return out, nil
}
