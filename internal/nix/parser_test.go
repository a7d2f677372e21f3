package nix

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := ParseString("t.nix", src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return f
}

func TestParseShapes(t *testing.T) {
	tests := []struct{ src, want string }{
		// precedence and associativity
		{"a -> b -> c", "(-> a (-> b c))"},
		{"a || b && c", "(|| a (&& b c))"},
		{"a + b * c - d", "(- (+ a (* b c)) d)"},
		{"a // b // c", "(// a (// b c))"},
		{"a ++ b ++ c", "(++ a (++ b c))"},
		{"!a == b", "(== (! a) b)"},
		{"!a + b", "(! (+ a b))"},
		{"-a ? b", "(? (neg a) b)"},
		{"a ? b ? c", "(? (? a b) c)"},
		{"a ? b.\"c\".${d}", "(? a b.\"c\".${d})"},
		{"a < b == c", "(== (< a b) c)"},
		{"a - -b", "(- a (neg b))"},
		{"f -1", "(- f 1)"},
		{"f x y", "((f x) y)"},
		{"a |> f |> g", "(|> (|> a f) g)"},
		{"g <| f <| a", "(<| g (<| f a))"},
		{"x: a |> f", "(x: (|> a f))"},
		// select and or
		{"a.b.c or d", "(. a b.c or d)"},
		{"a.b or c.d or e", "(. a b or (. c d or e))"},
		{"f or", "(f or)"},
		{"[ f or ]", "[(f or)]"},
		{"x.or", "(. x or)"},
		{"{ or = 1; }", "{or = 1;}"},
		{"a.${b}.\"c d\"", "(. a ${b}.\"c d\")"},
		{"8.x", "(8. x)"},
		{"1.5.2", "(1.5 0.2)"},
		// literals
		{"01", "1"},
		{".5e3", "500."},
		{"1e3", "(1 e3)"},
		{"x:x", `(uri "x:x")`},
		{"github:NixOS/nixpkgs", `(uri "github:NixOS/nixpkgs")`},
		{"a-b'", "a-b'"},
		{"a->b", "(> a- b)"},
		{"__curPos", "__curPos"},
		// paths
		{"./a/b.nix", `(path "./a/b.nix")`},
		{"a/b", `(path "a/b")`},
		{"1/2", `(path "1/2")`},
		{"1 / 2", "(/ 1 2)"},
		{"/abs", `(path/absolute "/abs")`},
		{"~/x", `(path/home "~/x")`},
		{"<nixpkgs/lib>", `(path/search "nixpkgs/lib")`},
		{"./${x}.nix", `(path "./" ${x} ".nix")`},
		{"./a/${b}/c", `(path "./a/" ${b} "/c")`},
		{"./a${b}", `(path "./a" ${b})`},
		{"~/${x}", `(path/home "~/" ${x})`},
		// strings
		{`"a\nb\t\"\\\${x}"`, `"a\nb\t\"\\${x}"`},
		{`"$${x}"`, `"$${x}"`},
		{`"a$"`, `"a$"`},
		{`"a${b}c"`, `(str "a" ${b} "c")`},
		{"\"a\r\nb\rc\"", `"a\nb\nc"`},
		{"''\n  a\n    b\n  ''", `(istr "a\n  b\n")`},
		{"''''$ ''' ''\\n ''\\t''", `(istr "$ '' \n \t")`},
		{"''\n  a ${x}\n  b''", `(istr "a " ${x} "\nb")`},
		{"''  a\n ''", `(istr "a\n")`},
		{"''  a\n b''", `(istr " a\nb")`},
		{"''a'b$c''", `(istr "a'b$c")`},
		// constructs
		{"let a = 1; in a", "(let a = 1; in a)"},
		{"let { body = 1; }", "(let {body = 1;})"},
		{"rec { a = 1; inherit b; inherit (c) d \"e\"; }", `rec{a = 1; inherit b; inherit (c) d "e";}`},
		{"{ a.b.c = 1; ${x} = 2; \"y\" = 3; }", `{a.b.c = 1; ${x} = 2; "y" = 3;}`},
		{"with a; assert b; c", "(with a; (assert b; c))"},
		{"if a then b else c", "(if a then b else c)"},
		{"{ a, b ? 1, ... }: a", "({a, b ? 1, ...}: a)"},
		{"args@{ a }: a", "(args@{a}: a)"},
		{"{ a }@args: a", "({a}@args: a)"},
		{"{}: 1", "({}: 1)"},
		{"{ }", "{}"},
		{"{ a = 1; }: 1", ""}, // error, checked below
		{"[ 1 (-2) a.b c ]", "[1 (paren (neg 2)) (. a b) c]"},
		{"f let { body = 1; }", "(f (let {body = 1;}))"},
		{"/** doc */ x", "x"},
	}
	for _, tt := range tests {
		f, err := ParseString("t.nix", tt.src)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Parse(%q) = %s, want an error", tt.src, Sprint(f.Expr))
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.src, err)
			continue
		}
		if got := Sprint(f.Expr); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.src, got, tt.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		src          string
		line, column int
		msg          string
	}{
		{"{ a = 1; }}", 1, 11, "unexpected '}', expecting end of file"},
		{"[ 1 2", 1, 6, "unexpected end of file, expecting ']' or a list element"},
		{"let a = ; in a", 1, 9, "unexpected ';', expecting an expression"},
		{"\"abc", 1, 5, "unterminated string"},
		{"''abc", 1, 6, "unterminated indented string"},
		{"/nix/store/", 1, 12, "path has a trailing slash"},
		{"./a/${b}/", 1, 10, "path has a trailing slash"},
		{"1 /* x", 1, 3, "unterminated comment"},
		{"a == b == c", 1, 8, "unexpected '=='"},
		{"a |> b <| c", 1, 8, "mixing '|>' and '<|' requires parentheses"},
		{"{ a = 1; a = 2; }", 1, 10, "attribute 'a' already defined at 1:3"},
		{"{ a.b = 1; a.b.c = 2; }", 1, 12, "attribute 'a.b.c' already defined at 1:3"},
		{"{ a = {b=1;}; a = {b=2;}; }", 1, 20, "attribute 'b' already defined at 1:8"},
		{"{ inherit a; a = 1; }", 1, 14, "attribute 'a' already defined at 1:11"},
		{"{ a, a }: a", 1, 6, "duplicate formal function argument 'a'"},
		{"a@{ a }: a", 1, 1, "duplicate formal function argument 'a'"},
		{"let ${x} = 1; in 2", 1, 1, "dynamic attributes not allowed in let"},
		{"let \"${x}\" = 1; in 2", 1, 1, "dynamic attributes not allowed in let"},
		{"{ inherit ${x}; }", 1, 11, "dynamic attributes not allowed in inherit"},
		{"99999999999999999999", 1, 1, "invalid integer '99999999999999999999'"},
		{"1.0e400", 1, 1, "invalid float '1.0e400'"},
		{"or", 1, 1, "unexpected 'or', expecting an expression"},
		{"\n  \"é\" \"é\" }", 2, 11, "unexpected '}', expecting end of file"}, // rune columns
		{"a\r\nb\rc }", 3, 3, "unexpected '}', expecting end of file"},
		{"a & b", 1, 3, `unexpected character "&", expecting end of file`},
	}
	for _, tt := range tests {
		_, err := ParseString("t.nix", tt.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error = %v, want a *SyntaxError", tt.src, err)
			continue
		}
		if se.Line != tt.line || se.Column != tt.column || se.Msg != tt.msg || se.Filename != "t.nix" {
			t.Errorf("Parse(%q) = %d:%d %q, want %d:%d %q", tt.src, se.Line, se.Column, se.Msg, tt.line, tt.column, tt.msg)
		}
		if want := "t.nix:"; !strings.HasPrefix(se.Error(), want) {
			t.Errorf("Error() = %q", se.Error())
		}
	}
}

func TestAcceptedSemantics(t *testing.T) {
	// Things Nix's parser accepts although they look like duplicates.
	for _, src := range []string{
		"{ a.b = 1; a.c = 2; }",
		"{ a = { b = 1; }; a.c = 2; }",
		"{ a.b = 1; a = { c = 2; }; }",
		"{ a = ({ b = 1; }); a.c = 2; }",
		"{ a = rec { b = 1; }; a = { c = 2; }; }",
		"{ ${x} = 1; ${x} = 2; }",
		"let ${\"a\"} = 1; in a",
		"let a.${x} = 1; in a",
		"{ inherit ${\"a\"} \"b\"; }",
		"{ inherit; }",
		"let { a = 1; ${x} = 2; body = a; }",
	} {
		if _, err := ParseString("t.nix", src); err != nil {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
}

func TestPositionsAndSpans(t *testing.T) {
	src := "# héllo\n{\n  \"ä\" = \"ö\"; b = ./x/${y}.nix;\n}\n"
	f := mustParse(t, src)
	set := f.Expr.(*AttrSet)
	if set.Start != strings.Index(src, "{") || set.End != strings.LastIndex(src, "}")+1 {
		t.Errorf("set span = %+v", set.Span)
	}
	b := set.Bindings[1].(*Binding)
	p := b.Value.(*Path)
	if got := f.Text(p); got != "./x/${y}.nix" {
		t.Errorf("path text = %q", got)
	}
	pos := f.Position(p.Start)
	if pos.Line != 3 || pos.Column != 18 || // runes; bytes would give 20
		pos.Offset != p.Start {
		t.Errorf("path position = %+v, want 3:18", pos)
	}
	if _, ok := p.Literal(); ok {
		t.Errorf("interpolated path reported as literal")
	}
	if len(p.Parts) != 3 || p.Parts[0].Literal != "./x/" || p.Parts[2].Literal != ".nix" {
		t.Errorf("path parts = %+v", p.Parts)
	}
	if id, ok := p.Parts[1].Expr.(*Ident); !ok || id.Name != "y" || f.Text(p.Parts[1]) != "${y}" {
		t.Errorf("interpolation part = %+v", p.Parts[1])
	}
	a := set.Bindings[0].(*Binding)
	if a.Path[0].Name != "ä" || f.Position(a.Path[0].Start).Column != 3 {
		t.Errorf("attr = %+v at %v", a.Path[0], f.Position(a.Path[0].Start))
	}
	if s, ok := a.Value.(*String).Literal(); !ok || s != "ö" {
		t.Errorf("string literal = %q, %v", s, ok)
	}
	if len(f.Comments) != 1 || f.Comments[0].Text != "# héllo" || f.Comments[0].Kind != LineComment {
		t.Errorf("comments = %+v", f.Comments)
	}
	// Walk visits every node in order and can prune.
	var kinds []string
	Walk(f.Expr, func(n Node) bool {
		switch n := n.(type) {
		case *Ident:
			kinds = append(kinds, "id:"+n.Name)
		case *Path:
			kinds = append(kinds, "path")
		case *String:
			kinds = append(kinds, "str")
		}
		return true
	})
	if got := strings.Join(kinds, ","); got != "str,str,path,id:y" {
		t.Errorf("walk = %s", got)
	}
	count := 0
	Walk(f.Expr, func(n Node) bool { count++; _, isBinding := n.(*Binding); return !isBinding })
	if count != 3 { // set + 2 bindings
		t.Errorf("pruned walk visited %d nodes, want 3", count)
	}
}

func TestLiterals(t *testing.T) {
	f := mustParse(t, `[ ./a/b "x\ty" ''  z'' <nixpkgs> ~/h /abs "a${b}" ''a''$'' ]`)
	l := f.Expr.(*List)
	type lit interface{ Literal() (string, bool) }
	want := []struct {
		s  string
		ok bool
	}{{"./a/b", true}, {"x\ty", true}, {"z", true}, {"nixpkgs", true}, {"~/h", true}, {"/abs", true}, {"", false}, {"a$", true}}
	for i, e := range l.Elems {
		s, ok := e.(lit).Literal()
		if s != want[i].s || ok != want[i].ok {
			t.Errorf("elem %d: Literal() = %q, %v; want %q, %v", i, s, ok, want[i].s, want[i].ok)
		}
	}
	kinds := []PathKind{Relative, Search, Home, Absolute}
	for i, j := range []int{0, 3, 4, 5} {
		if k := l.Elems[j].(*Path).Kind; k != kinds[i] {
			t.Errorf("elem %d kind = %v, want %v", j, k, kinds[i])
		}
	}
}

func TestDocComments(t *testing.T) {
	f := mustParse(t, "/** doc */ /* plain */ /**/ /***/ # line\n1")
	var got []CommentKind
	for _, c := range f.Comments {
		got = append(got, c.Kind)
	}
	want := []CommentKind{DocComment, BlockComment, BlockComment, BlockComment, LineComment}
	if len(got) != len(want) {
		t.Fatalf("comments = %+v", f.Comments)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("comment %d (%q) kind = %v, want %v", i, f.Comments[i].Text, got[i], want[i])
		}
	}
}

func TestDeepNesting(t *testing.T) {
	const n = 100000
	inputs := map[string]string{
		"lists":  strings.Repeat("[", n) + strings.Repeat("]", n),
		"parens": strings.Repeat("(", n) + "1" + strings.Repeat(")", n),
		"sets":   strings.Repeat("{a=", n) + "1" + strings.Repeat(";}", n),
		"not":    strings.Repeat("!", n) + "a",
		"neg":    strings.Repeat("-", n) + "a",
		"lambda": strings.Repeat("x: ", n) + "x",
		"strs":   strings.Repeat(`"${`, n) + "1" + strings.Repeat(`}"`, n),
		"unterm": strings.Repeat("{a=", n),
	}
	for name, src := range inputs {
		_, err := ParseString(name, src)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Msg != "expression nested too deeply" {
			t.Errorf("%s: err = %v, want expression nested too deeply", name, err)
		}
	}
	// Within the bound, nesting works; long flat chains are not nesting.
	ok := map[string]string{
		"lists": strings.Repeat("[", 1000) + strings.Repeat("]", 1000),
		"sets":  strings.Repeat("{a=", 1000) + "1" + strings.Repeat(";}", 1000),
		"plus":  "1" + strings.Repeat(" + 1", n),
		"app":   "f" + strings.Repeat(" x", n),
		"++":    "a" + strings.Repeat(" ++ a", n),
		"or":    "a" + strings.Repeat(".a or a", 1000),
	}
	for name, src := range ok {
		f, err := ParseString(name, src)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		nodes := 0
		Walk(f.Expr, func(Node) bool { nodes++; return true })
		if nodes < 1000 {
			t.Errorf("%s: only %d nodes", name, nodes)
		}
		_ = Sprint(f.Expr) // must not overflow the stack
	}
}

func TestNoPanicOnGarbage(t *testing.T) {
	for _, s := range snippets(t) {
		for i := 0; i <= len(s); i++ {
			ParseString("t.nix", s[:i])
			ParseString("t.nix", s[i:])
		}
	}
}

// TestLinearTime feeds inputs that make naive lexers or string builders
// quadratic; with 1 MB each they finish quickly only when linear (no timing
// assertion: a quadratic implementation would take hours and time out).
func TestLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("parses several MB")
	}
	const n = 1 << 20
	for name, src := range map[string]string{
		"dotted-run":    "x: x" + strings.Repeat(".a", n/2),
		"failed-uri":    "[" + strings.Repeat("a.", n/2) + "_x:y ]",
		"failed-path":   "[" + strings.Repeat("a.", n/2) + "a/ ]",
		"ind-escapes":   "''" + strings.Repeat("''$", n/3) + "''",
		"string-escape": `"` + strings.Repeat(`\n`, n/2) + `"`,
		"many-attrs":    "{ a.b.c = 1; " + genAttrs(n/16) + "}",
	} {
		_, err := ParseString(name, src)
		if err != nil && name != "failed-uri" && name != "failed-path" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func genAttrs(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("a")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(fmt.Sprint(i))
		b.WriteString(" = 1; ")
	}
	return b.String()
}
