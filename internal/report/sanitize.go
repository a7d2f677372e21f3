package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lockguard/lockguard/internal/shell"
)

const hexDigits = "0123456789abcdef"

// Sanitize makes s safe to print on a terminal or in a CI log: it replaces
// control characters with visible escapes, so that a file name or a message
// cannot move the cursor, change colours, rewrite the line or start a
// workflow command. Tab, newline and carriage return become \t, \n and \r;
// other C0 controls and DEL become \xNN (ESC is \x1b); C1 controls, Unicode
// bidirectional overrides and line/paragraph separators become \uNNNN; bytes
// that are not valid UTF-8 become \xNN. Everything else, including
// backslashes and printable non-ASCII text, is kept as is.
func Sanitize(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			break // C0 or DEL
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || needsEscape(r) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			writeByteEscape(&b, s[i])
		} else if needsEscape(r) {
			writeRuneEscape(&b, r)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// SanitizeText is Sanitize for text whose line breaks and tabs are meant,
// such as a diff or the output of a command: it keeps each "\n" (and a "\r"
// right before it, harmless on a terminal) and each tab, and sanitizes the
// rest. Text whose line breaks may come from a file name (a message, a help
// text, a path) goes through Sanitize instead, so that it stays on one line.
func SanitizeText(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return Sanitize(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		cr := i < len(lines)-1 && strings.HasSuffix(l, "\r")
		if cr {
			l = l[:len(l)-1]
		}
		fields := strings.Split(l, "\t")
		for j, f := range fields {
			fields[j] = Sanitize(f)
		}
		lines[i] = strings.Join(fields, "\t")
		if cr {
			lines[i] += "\r"
		}
	}
	return strings.Join(lines, "\n")
}

// ShellQuote quotes s as one word for a POSIX shell, in a form that is safe
// to print: a plain word is left alone, other words are single-quoted, and a
// word holding a character Sanitize escapes (a line break, a terminal
// escape, a bidirectional control, invalid UTF-8) is written in the $'…'
// quoting of bash, ksh and zsh with Sanitize's escapes, which those shells
// read back as the same bytes.
func ShellQuote(s string) string {
	if Sanitize(s) == s {
		return shell.Quote(s)
	}
	// Inside $'…' every character Sanitize escapes is written byte by byte
	// as \xHH: bash reads \uHHHH back only in a UTF-8 locale (under
	// LANG=C, $'\u202e' stays those six characters), \xHH in any locale.
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1 || needsEscape(r):
			for _, c := range []byte(s[i : i+size]) {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteString("'")
	return b.String()
}

// ShellJoin quotes args with ShellQuote and joins them with spaces.
func ShellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = ShellQuote(a)
	}
	return strings.Join(q, " ")
}

// needsEscape reports whether Sanitize replaces r.
func needsEscape(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true
	case r < 0x80:
		return false
	case r <= 0x9f: // C1 controls, e.g. U+009B CSI
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidirectional marks, embeddings, overrides and isolates
	}
	return false
}

type escapeWriter interface {
	WriteByte(byte) error
	WriteString(string) (int, error)
}

func writeRuneEscape(b escapeWriter, r rune) {
	switch r {
	case '\t':
		b.WriteString(`\t`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	default:
		if r < 0x80 {
			writeByteEscape(b, byte(r))
			return
		}
		b.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hexDigits[(r>>shift)&0xf])
		}
	}
}

func writeByteEscape(b escapeWriter, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

// escapeLen is the display width of the escape Sanitize writes for r (or
// for an invalid byte, when invalid is set).
func escapeLen(r rune, invalid bool) int {
	switch {
	case invalid:
		return 4
	case r == '\t', r == '\n', r == '\r':
		return 2
	case r < 0x80:
		return 4
	}
	return 6
}

// tabWidth is the distance between tab stops in snippets.
const tabWidth = 4

// renderLine turns a source line into what the text format prints: tabs
// expanded to the next multiple of tabWidth, unsafe characters escaped as by
// Sanitize. cols[i] is the display column (0-based) at which the line's i-th
// character starts, and cols[n] (n characters) is the width of the line. A
// character is a rune; each byte that is not valid UTF-8 is one character.
func renderLine(line []byte) (string, []int) {
	var b strings.Builder
	b.Grow(len(line) + 8)
	cols := make([]int, 0, len(line)+1)
	col := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRune(line[i:])
		cols = append(cols, col)
		switch {
		case r == '\t':
			n := tabWidth - col%tabWidth
			b.WriteString("    "[:n])
			col += n
		case r == utf8.RuneError && size == 1:
			writeByteEscape(&b, line[i])
			col += escapeLen(r, true)
		case needsEscape(r):
			writeRuneEscape(&b, r)
			col += escapeLen(r, false)
		default:
			b.Write(line[i : i+size])
			col += runeWidth(r)
		}
		i += size
	}
	cols = append(cols, col)
	return b.String(), cols
}

// runeWidth is the number of terminal cells r takes: 0 for combining marks
// and format characters, 2 for East Asian wide and fullwidth characters and
// most emoji, 1 otherwise.
func runeWidth(r rune) int {
	if r < 0x300 {
		return 1
	}
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return 0
	}
	// Binary search in the sorted, non-overlapping wide ranges.
	lo, hi := 0, len(wideRanges)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < wideRanges[m][0]:
			hi = m
		case r > wideRanges[m][1]:
			lo = m + 1
		default:
			return 2
		}
	}
	return 1
}

// wideRanges approximates the East Asian Wide (W) and Fullwidth (F) ranges
// of Unicode's EastAsianWidth.txt, coarsely for emoji blocks.
var wideRanges = [][2]rune{
	{0x1100, 0x115f},   // Hangul Jamo initial consonants
	{0x231a, 0x231b},   // watch, hourglass
	{0x2329, 0x232a},   // angle brackets
	{0x23e9, 0x23ec},   // media controls
	{0x23f0, 0x23f0},   // alarm clock
	{0x23f3, 0x23f3},   // hourglass
	{0x25fd, 0x25fe},   // small squares
	{0x2614, 0x2615},   // umbrella, hot beverage
	{0x2648, 0x2653},   // zodiac
	{0x267f, 0x267f},   // wheelchair
	{0x2693, 0x2693},   // anchor
	{0x26a1, 0x26a1},   // high voltage
	{0x26aa, 0x26ab},   // circles
	{0x26bd, 0x26be},   // balls
	{0x26c4, 0x26c5},   // snowman, sun
	{0x26ce, 0x26ce},   // ophiuchus
	{0x26d4, 0x26d4},   // no entry
	{0x26ea, 0x26ea},   // church
	{0x26f2, 0x26f3},   // fountain, golf
	{0x26f5, 0x26f5},   // sailboat
	{0x26fa, 0x26fa},   // tent
	{0x26fd, 0x26fd},   // fuel pump
	{0x2705, 0x2705},   // check mark
	{0x270a, 0x270b},   // fists
	{0x2728, 0x2728},   // sparkles
	{0x274c, 0x274c},   // cross mark
	{0x274e, 0x274e},   // cross mark
	{0x2753, 0x2755},   // question marks
	{0x2757, 0x2757},   // exclamation
	{0x2795, 0x2797},   // plus, minus, division
	{0x27b0, 0x27b0},   // curly loop
	{0x27bf, 0x27bf},   // double curly loop
	{0x2b1b, 0x2b1c},   // large squares
	{0x2b50, 0x2b50},   // star
	{0x2b55, 0x2b55},   // circle
	{0x2e80, 0x303e},   // CJK radicals, Kangxi, ideographic description, CJK symbols
	{0x3041, 0x33ff},   // Hiragana, Katakana, Bopomofo, Hangul compatibility, Kanbun, CJK compatibility
	{0x3400, 0x4dbf},   // CJK extension A
	{0x4e00, 0x9fff},   // CJK unified ideographs
	{0xa000, 0xa4cf},   // Yi
	{0xa960, 0xa97f},   // Hangul Jamo extended A
	{0xac00, 0xd7a3},   // Hangul syllables
	{0xf900, 0xfaff},   // CJK compatibility ideographs
	{0xfe10, 0xfe19},   // vertical forms
	{0xfe30, 0xfe6f},   // CJK compatibility forms, small form variants
	{0xff00, 0xff60},   // fullwidth forms
	{0xffe0, 0xffe6},   // fullwidth signs
	{0x16fe0, 0x16fe4}, // ideographic symbols
	{0x17000, 0x18cff}, // Tangut
	{0x1b000, 0x1b2ff}, // Kana supplement, Nushu
	{0x1f004, 0x1f004}, // mahjong
	{0x1f0cf, 0x1f0cf}, // joker
	{0x1f18e, 0x1f18e}, // AB button
	{0x1f191, 0x1f19a}, // squared words
	{0x1f200, 0x1f251}, // enclosed ideographic supplement
	{0x1f300, 0x1f64f}, // pictographs, emoticons
	{0x1f680, 0x1f6ff}, // transport and map
	{0x1f7e0, 0x1f7eb}, // coloured circles and squares
	{0x1f90c, 0x1f9ff}, // supplemental symbols and pictographs
	{0x1fa70, 0x1faff}, // symbols and pictographs extended A
	{0x20000, 0x2fffd}, // CJK extensions B-F
	{0x30000, 0x3fffd}, // CJK extension G
}
