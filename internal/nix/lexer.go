package nix

// The lexer mirrors the flex scanner of NixOS/nix (src/libexpr/lexer.l):
// longest match across all rules, ties broken by rule order, and a stack of
// start conditions (DEFAULT, STRING, IND_STRING, INPATH, INPATH_SLASH) that
// the lexer maintains on its own: '{' and '${' push, '}' pops. Because the
// lexer never needs help from the parser, the parser may look ahead freely.

type tokKind uint8

const (
	tEOF tokKind = iota
	tID
	tOrKw
	tIf
	tThen
	tElse
	tAssert
	tWith
	tLet
	tIn
	tRec
	tInherit
	tEllipsis
	tEq
	tNeq
	tLeq
	tGeq
	tAnd
	tOr
	tImpl
	tUpdate
	tConcat
	tPipeFrom
	tPipeInto
	tInt
	tFloat
	tDollarCurly
	tLBrace
	tRBrace
	tDQuote   // '"' opening or closing a string
	tStr      // text inside "…" (escapes not yet applied)
	tIndOpen  // ''
	tIndClose // ''
	tIndStr   // raw text inside ''…'' (subject to indentation stripping)
	tIndEsc   // ''$ ''' ''\x and a lone ' or $ inside ''…''
	tPath     // path start: ./a, a/b, /x, ./ (before ${)
	tHPath    // ~/x, ~/ (before ${)
	tPathStr  // further literal text of an interpolated path
	tPathEnd  // zero-width end of a path
	tSPath    // <nixpkgs/lib>
	tURI      // github:foo/bar
	tLParen
	tRParen
	tLBrack
	tRBrack
	tSemi
	tColon
	tComma
	tDot
	tAssign
	tQuestion
	tAt
	tNot
	tPlus
	tMinus
	tStar
	tSlash
	tLt
	tGt
	tOther // any other byte: always a syntax error
)

var tokNames = [...]string{
	tEOF: "end of file", tID: "identifier", tOrKw: "'or'", tIf: "'if'", tThen: "'then'",
	tElse: "'else'", tAssert: "'assert'", tWith: "'with'", tLet: "'let'", tIn: "'in'",
	tRec: "'rec'", tInherit: "'inherit'", tEllipsis: "'...'", tEq: "'=='", tNeq: "'!='",
	tLeq: "'<='", tGeq: "'>='", tAnd: "'&&'", tOr: "'||'", tImpl: "'->'", tUpdate: "'//'",
	tConcat: "'++'", tPipeFrom: "'<|'", tPipeInto: "'|>'", tInt: "integer", tFloat: "float",
	tDollarCurly: "'${'", tLBrace: "'{'", tRBrace: "'}'", tDQuote: "'\"'", tStr: "string text",
	tIndOpen: "\"''\"", tIndClose: "\"''\"", tIndStr: "string text", tIndEsc: "string text",
	tPath: "path", tHPath: "path", tPathStr: "path text", tPathEnd: "end of path",
	tSPath: "search path", tURI: "URI", tLParen: "'('", tRParen: "')'", tLBrack: "'['",
	tRBrack: "']'", tSemi: "';'", tColon: "':'", tComma: "','", tDot: "'.'", tAssign: "'='",
	tQuestion: "'?'", tAt: "'@'", tNot: "'!'", tPlus: "'+'", tMinus: "'-'", tStar: "'*'",
	tSlash: "'/'", tLt: "'<'", tGt: "'>'", tOther: "character",
}

type token struct {
	kind       tokKind
	start, end int
}

// Start conditions.
const (
	sInitial uint8 = iota // bottom of the stack; '}' does not pop it
	sDefault
	sString
	sInd
	sInPath
	sInPathSlash
)

// Character classes.
const (
	cID0    = 1 << iota // [a-zA-Z_]
	cID                 // [a-zA-Z0-9_'-]
	cPath               // [a-zA-Z0-9._\-+]
	cURI                // [a-zA-Z0-9%/?:@&=+$,\-_.!~*']
	cScheme             // [a-zA-Z0-9+\-.]
	cDigit
	cAlpha
)

var cls [256]uint8

func init() {
	for c := 0; c < 256; c++ {
		var m uint8
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if alpha {
			m |= cAlpha
		}
		if digit {
			m |= cDigit
		}
		if alpha || c == '_' {
			m |= cID0
		}
		if alpha || digit || c == '_' || c == '\'' || c == '-' {
			m |= cID
		}
		if alpha || digit || c == '.' || c == '_' || c == '-' || c == '+' {
			m |= cPath
		}
		if alpha || digit || c == '+' || c == '-' || c == '.' {
			m |= cScheme
		}
		if alpha || digit || byteIn(byte(c), "%/?:@&=+$,-_.!~*'") {
			m |= cURI
		}
		cls[c] = m
	}
}

func byteIn(c byte, set string) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}

// Comment kinds.
type CommentKind uint8

const (
	LineComment  CommentKind = iota // # …
	BlockComment                    // /* … */
	DocComment                      // /** … */
)

// Comment is a comment in the source.
type Comment struct {
	Span
	Kind CommentKind
	Text string // the comment including its delimiters
}

type lexer struct {
	src      string
	pos      int
	stack    []uint8
	comments []Comment
	// error state: set when the lexer meets an error; the token returned is tEOF
	// and the parser reports errMsg at errPos.
	errMsg string
	errPos int

	// Memoised matches, so that lexing stays linear even on adversarial
	// input such as a.a.a.a…: the maximal run of PATH_CHARs around the
	// current position, and what follows it.
	runStart, runEnd int
	runSeg           int  // length of (\/{PATH_CHAR}+)+\/? at runEnd
	runSlash         bool // that match ends in '/'
	runSegDollar     bool // "/${" at runEnd
	schemeFrom       int  // src[schemeFrom:schemeStop] are URI scheme chars,
	schemeStop       int  // and src[schemeStop] is not
	uriAt, uriEnd    int  // URI body after the ':' at uriAt ends at uriEnd
}

// run returns the end of the maximal run of PATH_CHARs starting at i.
func (lx *lexer) run(i int) int {
	if i >= lx.runStart && i < lx.runEnd {
		return lx.runEnd
	}
	j := i
	for j < len(lx.src) && cls[lx.src[j]]&cPath != 0 {
		j++
	}
	lx.runStart, lx.runEnd = i, j
	lx.runSeg, lx.runSlash = lx.matchSegments(j)
	lx.runSegDollar = lx.at(j) == '/' && lx.at(j+1) == '$' && lx.at(j+2) == '{'
	return j
}

func (lx *lexer) top() uint8   { return lx.stack[len(lx.stack)-1] }
func (lx *lexer) push(s uint8) { lx.stack = append(lx.stack, s) }
func (lx *lexer) pop() {
	if len(lx.stack) > 1 {
		lx.stack = lx.stack[:len(lx.stack)-1]
	}
}
func (lx *lexer) replaceTop(s uint8) { lx.stack[len(lx.stack)-1] = s }

func (lx *lexer) fail(pos int, msg string) token {
	if lx.errMsg == "" {
		lx.errMsg, lx.errPos = msg, pos
	}
	lx.pos = len(lx.src)
	return token{kind: tEOF, start: pos, end: pos}
}

func (lx *lexer) at(i int) byte {
	if i < len(lx.src) {
		return lx.src[i]
	}
	return 0
}

// next returns the next token.
func (lx *lexer) next() token {
	if lx.errMsg != "" {
		return token{kind: tEOF, start: len(lx.src), end: len(lx.src)}
	}
	switch lx.top() {
	case sString:
		return lx.lexString()
	case sInd:
		return lx.lexInd()
	case sInPath, sInPathSlash:
		return lx.lexInPath()
	}
	return lx.lexDefault()
}

func (lx *lexer) tok(k tokKind, start, n int) token {
	lx.pos = start + n
	return token{kind: k, start: start, end: start + n}
}

func (lx *lexer) lexDefault() token {
	src := lx.src
	i := lx.pos
	// whitespace and comments
	for i < len(src) {
		c := src[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		if c == '#' {
			j := i + 1
			for j < len(src) && src[j] != '\n' && src[j] != '\r' {
				j++
			}
			lx.comments = append(lx.comments, Comment{Span{i, j}, LineComment, src[i:j]})
			i = j
			continue
		}
		if c == '/' && lx.at(i+1) == '*' {
			j := i + 2
			for {
				if j+1 >= len(src) {
					return lx.fail(i, "unterminated comment")
				}
				if src[j] == '*' && src[j+1] == '/' {
					break
				}
				j++
			}
			j += 2
			kind := BlockComment
			if j-i > 4 && src[i+2] == '*' && src[i+3] != '*' && src[i+3] != '/' {
				kind = DocComment
			}
			lx.comments = append(lx.comments, Comment{Span{i, j}, kind, src[i:j]})
			i = j
			continue
		}
		break
	}
	lx.pos = i
	if i >= len(src) {
		return token{kind: tEOF, start: i, end: i}
	}
	c := src[i]
	c1 := lx.at(i + 1)
	switch c {
	case '(':
		return lx.tok(tLParen, i, 1)
	case ')':
		return lx.tok(tRParen, i, 1)
	case '[':
		return lx.tok(tLBrack, i, 1)
	case ']':
		return lx.tok(tRBrack, i, 1)
	case ';':
		return lx.tok(tSemi, i, 1)
	case ':':
		return lx.tok(tColon, i, 1)
	case ',':
		return lx.tok(tComma, i, 1)
	case '?':
		return lx.tok(tQuestion, i, 1)
	case '@':
		return lx.tok(tAt, i, 1)
	case '*':
		return lx.tok(tStar, i, 1)
	case '{':
		lx.push(sDefault)
		return lx.tok(tLBrace, i, 1)
	case '}':
		if lx.top() != sInitial {
			lx.pop()
		}
		return lx.tok(tRBrace, i, 1)
	case '"':
		lx.push(sString)
		return lx.tok(tDQuote, i, 1)
	case '=':
		if c1 == '=' {
			return lx.tok(tEq, i, 2)
		}
		return lx.tok(tAssign, i, 1)
	case '!':
		if c1 == '=' {
			return lx.tok(tNeq, i, 2)
		}
		return lx.tok(tNot, i, 1)
	case '&':
		if c1 == '&' {
			return lx.tok(tAnd, i, 2)
		}
		return lx.tok(tOther, i, 1)
	case '|':
		if c1 == '|' {
			return lx.tok(tOr, i, 2)
		}
		if c1 == '>' {
			return lx.tok(tPipeInto, i, 2)
		}
		return lx.tok(tOther, i, 1)
	case '>':
		if c1 == '=' {
			return lx.tok(tGeq, i, 2)
		}
		return lx.tok(tGt, i, 1)
	case '<':
		if n := lx.matchSPath(i); n > 0 {
			return lx.tok(tSPath, i, n)
		}
		if c1 == '=' {
			return lx.tok(tLeq, i, 2)
		}
		if c1 == '|' {
			return lx.tok(tPipeFrom, i, 2)
		}
		return lx.tok(tLt, i, 1)
	case '$':
		if c1 == '{' {
			lx.push(sDefault)
			return lx.tok(tDollarCurly, i, 2)
		}
		return lx.tok(tOther, i, 1)
	case '\'':
		if c1 == '\'' {
			j := i + 2
			for j < len(src) && src[j] == ' ' {
				j++
			}
			if j < len(src) && src[j] == '\n' {
				j++
			} else {
				j = i + 2
			}
			lx.push(sInd)
			return lx.tok(tIndOpen, i, j-i)
		}
		return lx.tok(tOther, i, 1)
	case '~':
		if c1 == '/' && lx.at(i+2) == '$' && lx.at(i+3) == '{' {
			// HPATH_START${ (4) vs HPATH: HPATH cannot continue past "~/".
			lx.push(sInPathSlash)
			return lx.tok(tHPath, i, 2)
		}
		if n, slash := lx.matchSegments(i + 1); n > 0 {
			lx.pushPathState(slash)
			return lx.tok(tHPath, i, n+1)
		}
		return lx.tok(tOther, i, 1)
	}
	if cls[c]&cPath == 0 && c != '/' {
		return lx.tok(tOther, i, 1)
	}
	if c == '/' {
		best, kind := 1, tSlash
		if c1 == '/' {
			best, kind = 2, tUpdate
		}
		seg := 0
		if c1 == '$' && lx.at(i+2) == '{' {
			seg = 3
		}
		p, slash := lx.matchSegments(i)
		if seg > best && seg > p {
			lx.push(sInPathSlash)
			return lx.tok(tPath, i, 1)
		}
		if p > best {
			lx.pushPathState(slash)
			return lx.tok(tPath, i, p)
		}
		return lx.tok(kind, i, best)
	}
	// A path, path segment or URI needs the run of PATH_CHARs starting here
	// to be followed by '/' or ':'.
	j := lx.run(i)
	if stop := lx.at(j); stop == '/' || stop == ':' {
		return lx.lexWordOrNumber(i, lx.pathLikeLen(i))
	}
	return lx.lexWordOrNumber(i, 0)
}

// pathLikeLen is the length of the longest match at i of PATH_SEG${ (counting
// the ${) or PATH; URI is handled by the caller. It returns 0 when neither
// matches.
func (lx *lexer) pathLikeLen(i int) int {
	seg, p, _ := lx.pathMatches(i)
	return max(seg, p)
}

// pathMatches returns the lengths of PATH_SEG${ (including "${") and PATH
// at i, using the memoised run (i must lie in the current run).
func (lx *lexer) pathMatches(i int) (seg, p int, slash bool) {
	j := lx.run(i)
	if lx.runSegDollar {
		seg = j + 3 - i
	}
	if lx.runSeg > 0 {
		p, slash = j-i+lx.runSeg, lx.runSlash
	}
	return seg, p, slash
}

// emitPathLike emits a PATH token at i (choosing between PATH_SEG${ and PATH
// like flex: longest match, PATH_SEG${ first on ties — ties cannot happen).
func (lx *lexer) emitPathLike(i int) token {
	seg, p, slash := lx.pathMatches(i)
	if seg > p {
		lx.push(sInPathSlash)
		return lx.tok(tPath, i, seg-2)
	}
	lx.pushPathState(slash)
	return lx.tok(tPath, i, p)
}

func (lx *lexer) pushPathState(slash bool) {
	if slash {
		lx.push(sInPathSlash)
	} else {
		lx.push(sInPath)
	}
}

// lexWordOrNumber lexes at i the best of: keywords/ID, INT, FLOAT, ELLIPSIS,
// the operators starting with '-', '+', '.', and (when pathLen > 0) a path
// of that length, and a URI.
func (lx *lexer) lexWordOrNumber(i int, pathLen int) token {
	src := lx.src
	c := src[i]
	best, kind := 0, tOther
	set := func(n int, k tokKind) {
		if n > best {
			best, kind = n, k
		}
	}
	c1 := lx.at(i + 1)
	switch c {
	case '.':
		if c1 == '.' && lx.at(i+2) == '.' {
			set(3, tEllipsis)
		}
		set(1, tDot)
	case '-':
		if c1 == '>' {
			set(2, tImpl)
		}
		set(1, tMinus)
	case '+':
		if c1 == '+' {
			set(2, tConcat)
		}
		set(1, tPlus)
	}
	if cls[c]&cID0 != 0 {
		j := i + 1
		for j < len(src) && cls[src[j]]&cID != 0 {
			j++
		}
		k := tID
		if j-i <= 7 {
			k = keyword(src[i:j])
		}
		set(j-i, k)
	}
	if cls[c]&cDigit != 0 {
		j := i + 1
		for j < len(src) && cls[src[j]]&cDigit != 0 {
			j++
		}
		set(j-i, tInt)
	}
	if c == '.' || cls[c]&cDigit != 0 {
		if n := lx.matchFloat(i); n > 0 {
			set(n, tFloat)
		}
	}
	if pathLen > best {
		return lx.emitPathLike(i)
	}
	if cls[c]&cAlpha != 0 {
		if n := lx.matchURI(i); n > best {
			return lx.tok(tURI, i, n)
		}
	}
	return lx.tok(kind, i, best)
}

func keyword(s string) tokKind {
	switch s {
	case "if":
		return tIf
	case "then":
		return tThen
	case "else":
		return tElse
	case "assert":
		return tAssert
	case "with":
		return tWith
	case "let":
		return tLet
	case "in":
		return tIn
	case "rec":
		return tRec
	case "inherit":
		return tInherit
	case "or":
		return tOrKw
	}
	return tID
}

// matchFloat matches (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)?
func (lx *lexer) matchFloat(i int) int {
	src := lx.src
	j := i
	digits := func() {
		for j < len(src) && src[j] >= '0' && src[j] <= '9' {
			j++
		}
	}
	switch c := src[i]; {
	case c >= '1' && c <= '9':
		j++
		digits()
		if lx.at(j) != '.' {
			return 0
		}
		j++
		digits()
	default:
		if c == '0' {
			j++
		}
		if lx.at(j) != '.' {
			return 0
		}
		j++
		k := j
		digits()
		if j == k {
			return 0
		}
	}
	if e := lx.at(j); e == 'e' || e == 'E' {
		k := j + 1
		if s := lx.at(k); s == '+' || s == '-' {
			k++
		}
		d := k
		for k < len(src) && src[k] >= '0' && src[k] <= '9' {
			k++
		}
		if k > d {
			j = k
		}
	}
	return j - i
}

// matchSegments matches (\/{PATH_CHAR}+)+\/? at i; it reports the length and
// whether the match ends in '/'.
func (lx *lexer) matchSegments(i int) (int, bool) {
	src := lx.src
	j := i
	nseg := 0
	for j+1 < len(src) && src[j] == '/' && cls[src[j+1]]&cPath != 0 {
		j += 2
		for j < len(src) && cls[src[j]]&cPath != 0 {
			j++
		}
		nseg++
	}
	if nseg == 0 {
		return 0, false
	}
	if j < len(src) && src[j] == '/' {
		return j + 1 - i, true
	}
	return j - i, false
}

// matchPath matches PATH = {PATH_CHAR}*(\/{PATH_CHAR}+)+\/? at i.
func (lx *lexer) matchPath(i int) (int, bool) {
	j := i
	for j < len(lx.src) && cls[lx.src[j]]&cPath != 0 {
		j++
	}
	n, slash := lx.matchSegments(j)
	if n == 0 {
		return 0, false
	}
	return j - i + n, slash
}

// matchSPath matches \<{PATH_CHAR}+(\/{PATH_CHAR}+)*\> at i.
func (lx *lexer) matchSPath(i int) int {
	src := lx.src
	j := i + 1
	k := j
	for j < len(src) && cls[src[j]]&cPath != 0 {
		j++
	}
	if j == k {
		return 0
	}
	for j+1 < len(src) && src[j] == '/' && cls[src[j+1]]&cPath != 0 {
		j += 2
		for j < len(src) && cls[src[j]]&cPath != 0 {
			j++
		}
	}
	if lx.at(j) != '>' {
		return 0
	}
	return j + 1 - i
}

// matchURI matches [a-zA-Z][a-zA-Z0-9\+\-\.]*\:[a-zA-Z0-9\%\/\?\:\@\&\=\+\$\,\-\_\.\!\~\*\']+
func (lx *lexer) matchURI(i int) int {
	src := lx.src
	from := i + 1
	if from < lx.schemeFrom || from > lx.schemeStop {
		j := from
		for j < len(src) && cls[src[j]]&cScheme != 0 {
			j++
		}
		lx.schemeFrom, lx.schemeStop = from, j
	}
	j := lx.schemeStop
	if lx.at(j) != ':' {
		return 0
	}
	if lx.uriAt != j || lx.uriEnd == 0 {
		k := j + 1
		for k < len(src) && cls[src[k]]&cURI != 0 {
			k++
		}
		lx.uriAt, lx.uriEnd = j, k
	}
	if lx.uriEnd == j+1 {
		return 0
	}
	return lx.uriEnd - i
}

func (lx *lexer) lexInPath() token {
	src := lx.src
	i := lx.pos
	if i+1 < len(src) && src[i] == '$' && src[i+1] == '{' {
		lx.replaceTop(sInPath)
		lx.push(sDefault)
		return lx.tok(tDollarCurly, i, 2)
	}
	// {PATH}|{PATH_SEG}|{PATH_CHAR}+
	best, slash := lx.matchPath(i)
	j := i
	for j < len(src) && cls[src[j]]&cPath != 0 {
		j++
	}
	if j < len(src) && src[j] == '/' && j+1-i > best {
		best, slash = j+1-i, true
	}
	if j-i > best {
		best, slash = j-i, false
	}
	if best > 0 {
		if slash {
			lx.replaceTop(sInPathSlash)
		} else {
			lx.replaceTop(sInPath)
		}
		return lx.tok(tPathStr, i, best)
	}
	if lx.top() == sInPathSlash {
		return lx.fail(i, "path has a trailing slash")
	}
	lx.pop()
	return token{kind: tPathEnd, start: i, end: i}
}

func (lx *lexer) lexString() token {
	src := lx.src
	i := lx.pos
	if i >= len(src) {
		return lx.fail(i, "unterminated string")
	}
	switch src[i] {
	case '"':
		lx.pop()
		return lx.tok(tDQuote, i, 1)
	case '$':
		if lx.at(i+1) == '{' {
			lx.push(sDefault)
			return lx.tok(tDollarCurly, i, 2)
		}
	}
	j := i
loop:
	for j < len(src) {
		switch src[j] {
		case '"':
			break loop
		case '\\':
			if j+1 >= len(src) {
				break loop
			}
			j += 2
		case '$':
			if j+1 >= len(src) {
				break loop
			}
			switch src[j+1] {
			case '{':
				break loop
			case '"':
				j++ // "$" right before the closing quote
				break loop
			case '\\':
				if j+2 >= len(src) {
					break loop
				}
				j += 3
			default:
				j += 2
			}
		default:
			j++
		}
	}
	if j == i {
		// only a lone '$' or '\' at end of input remains
		return lx.fail(i, "unterminated string")
	}
	return lx.tok(tStr, i, j-i)
}

func (lx *lexer) lexInd() token {
	src := lx.src
	i := lx.pos
	if i >= len(src) {
		return lx.fail(i, "unterminated indented string")
	}
	c := src[i]
	c1 := lx.at(i + 1)
	switch {
	case c == '\'' && c1 == '\'':
		switch c2 := lx.at(i + 2); {
		case c2 == '$' || c2 == '\'' && i+2 < len(src):
			return lx.tok(tIndEsc, i, 3)
		case c2 == '\\' && i+3 < len(src):
			return lx.tok(tIndEsc, i, 4)
		}
		lx.pop()
		return lx.tok(tIndClose, i, 2)
	case c == '$' && c1 == '{':
		lx.push(sDefault)
		return lx.tok(tDollarCurly, i, 2)
	case c == '$' && (c1 == '\'' || i+1 >= len(src)):
		return lx.tok(tIndEsc, i, 1)
	case c == '\'' && (c1 == '$' || i+1 >= len(src)):
		return lx.tok(tIndEsc, i, 1)
	}
	// ([^\$\']|\$[^\{\']|\'[^\'\$])+
	j := i
	for j < len(src) {
		c := src[j]
		if c != '$' && c != '\'' {
			j++
			continue
		}
		if j+1 >= len(src) {
			break
		}
		d := src[j+1]
		if c == '$' && d != '{' && d != '\'' || c == '\'' && d != '\'' && d != '$' {
			j += 2
			continue
		}
		break
	}
	return lx.tok(tIndStr, i, j-i)
}

// referenceFree reports whether src lexes without error and has no token
// through which a flake could refer to a file: no path literal (./x, a/b,
// ~/x, including inside strings) and no self or inputs. Such a file
// (generated data, say) needs no parse for the reference analysis.
func referenceFree(src []byte) bool {
	lx := lexer{src: string(src), stack: []uint8{sInitial}}
	for {
		t := lx.next()
		switch t.kind {
		case tEOF:
			return lx.errMsg == ""
		case tPath, tHPath:
			return false
		case tID:
			if w := lx.src[t.start:t.end]; w == "self" || w == "inputs" {
				return false
			}
		}
	}
}
