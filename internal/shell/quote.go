package shell

import "strings"

// Quote spells w as one POSIX shell word: as it is when it is a plain word
// (letters, digits and _./:@%+=,- ; a # that does not start the word),
// else in single quotes.
func Quote(w string) string { return QuoteWith(w, '\'', false) }

// QuoteWith spells w as one POSIX shell word in the quotes q (' or "):
// as it is when it is a plain word and force is false. Inside single
// quotes a ' closes the quoting, is escaped and reopens it; inside double
// quotes $ ` \ and " are escaped.
func QuoteWith(w string, q byte, force bool) string {
	if !force && Plain(w) {
		return w
	}
	if q != '"' {
		return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range w {
		if strings.ContainsRune("$`\\\"", r) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	sb.WriteByte('"')
	return sb.String()
}

// Plain reports whether w is a shell word that needs no quoting.
func Plain(w string) bool {
	if w == "" || w[0] == '#' {
		return false
	}
	for _, c := range []byte(w) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_./:@%+=,#-", c) >= 0) {
			return false
		}
	}
	return true
}

// Join renders argv as a shell command line, each word quoted as needed.
func Join(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}
