package dockerfile

import (
	"strings"
	"unicode/utf8"
)

// Span finds substr on the 1-based source line and returns its 1-based
// rune columns, end exclusive, for carets. An occurrence delimited by
// non-word characters is preferred (so "cargo" is not found inside
// "mycargo"); (0, 0) when the line or text is absent.
func (f *File) Span(line int, substr string) (col, endCol int) {
	if f == nil || line < 1 || line > len(f.Lines) || substr == "" {
		return 0, 0
	}
	l := f.Lines[line-1]
	first := -1
	for off := 0; off <= len(l); {
		i := strings.Index(l[off:], substr)
		if i < 0 {
			break
		}
		i += off
		if first < 0 {
			first = i
		}
		j := i + len(substr)
		if (i == 0 || !isWordByte(l[i-1])) && (j >= len(l) || !isWordByte(l[j])) {
			first = i
			break
		}
		off = i + 1
	}
	if first < 0 {
		return 0, 0
	}
	col = utf8.RuneCountInString(l[:first]) + 1
	return col, col + utf8.RuneCountInString(substr)
}

func isWordByte(b byte) bool {
	return b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}
