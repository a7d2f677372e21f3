package nix

import (
	"fmt"
	"sort"
	"unicode/utf8"
)

// File is a parsed Nix file.
type File struct {
	Name     string
	Expr     Expr
	Comments []Comment // in source order

	src   string
	lines []int // offsets of line starts, computed on first use
}

// Source returns the parsed source text.
func (f *File) Source() string { return f.src }

// Text returns the source text covered by n.
func (f *File) Text(n Node) string {
	s := n.Bounds()
	return f.src[s.Start:s.End]
}

// Position is a location in a file. Line and Column are 1-based; Column
// counts runes (an invalid UTF-8 byte counts as one), not bytes, and a tab
// counts as one column. A line ends at "\n", "\r\n" or a lone "\r" (as in Nix).
type Position struct {
	Filename string
	Offset   int // byte offset
	Line     int
	Column   int
}

func (p Position) String() string {
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// Position converts a byte offset into a Position.
func (f *File) Position(offset int) Position {
	if f.lines == nil {
		f.lines = lineStarts(f.src)
	}
	return position(f.Name, f.src, f.lines, offset)
}

func lineStarts(src string) []int {
	lines := []int{0}
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\n':
			lines = append(lines, i+1)
		case '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			lines = append(lines, i+1)
		}
	}
	return lines
}

func position(name, src string, lines []int, offset int) Position {
	if offset < 0 {
		offset = 0
	}
	if offset > len(src) {
		offset = len(src)
	}
	l := sort.Search(len(lines), func(i int) bool { return lines[i] > offset }) - 1
	col := utf8.RuneCountInString(src[lines[l]:offset]) + 1
	return Position{Filename: name, Offset: offset, Line: l + 1, Column: col}
}

// SyntaxError is the error returned by Parse.
type SyntaxError struct {
	Filename     string
	Line, Column int // 1-based; Column counts runes
	Offset       int // byte offset
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Filename, e.Line, e.Column, e.Msg)
}
