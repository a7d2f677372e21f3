package nix

import (
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"{ lib, ... }@args: with lib; let a = ./x/${b}.nix; in { inherit (a) c; d.e = [ 1 2.5 ]; }",
		"''\n  a ''${x} ''' ''\\n ${y}\n''",
		`"a\n$${b}${c}"`,
		"x: x.a or b |> f <| g",
		"let { body = rec { a = 1; b = a; }; }",
		"a ? b.c -> !d == -e // f ++ g",
		"~/a/${b} <n/x> github:a/b /** doc */ # c",
		"{ a, b ? 1, ... }: assert a; if b then c else d",
		"{ a = 1; a.b = 2; }",
		"./a/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, err := ParseString("fuzz.nix", src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError", err)
			}
			if se.Offset < 0 || se.Offset > len(src) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("bad error position %+v", se)
			}
			return
		}
		// Spans must lie within the source and nest.
		Walk(file.Expr, func(n Node) bool {
			s := n.Bounds()
			if s.Start < 0 || s.End > len(src) || s.Start > s.End {
				t.Fatalf("%T span %+v out of range (len %d)", n, s, len(src))
			}
			for _, c := range Children(n) {
				cs := c.Bounds()
				if cs.Start < s.Start || cs.End > s.End {
					t.Fatalf("%T span %+v not inside parent %T %+v", c, cs, n, s)
				}
			}
			return true
		})
		_ = Sprint(file.Expr)
	})
}
