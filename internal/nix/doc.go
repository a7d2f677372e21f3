// Package nix is a lexer and parser for the complete Nix expression
// language, written for lockguard's static analysis of flakes (finding the
// files a flake reads, such as cargoLock.lockFile = ./Cargo.lock).
//
// # Design
//
// The lexer is a hand-written transcription of NixOS/nix src/libexpr/lexer.l:
// flex's longest-match rule with ties broken by rule order, and the same
// stack of start conditions (DEFAULT, STRING, IND_STRING, INPATH,
// INPATH_SLASH) driven by '{', '${' and '}' alone. So a/b and 1/2 are paths,
// x:x is a URI, a-b and x' are identifiers, 1.5/2 is a path, 8.x is the
// float 8. applied to x, and "$${x}" is the literal $${x}. Because the lexer
// never needs the parser's help, the parser looks ahead up to three tokens,
// which is how it decides between a formal-parameter set and an attribute
// set at '{' (Nix's GLR parser tries both).
//
// The parser is recursive descent following src/libexpr/parser.y: precedence
// climbing for the operators (from loosest: |> and <| (experimental pipes),
// -> (right), ||, &&, == != (non-associative), < > <= >= (non-associative),
// // (right), ! (prefix), + -, * /, ++ (right), ? (attribute path operand),
// unary -, application, select), a.b.c or d with "or" also accepted as an
// attribute name and as the argument in f or, legacy let { … }, and the
// checks that Nix performs while parsing: duplicate attributes (including
// its merging of a.b = …; a = { … };), duplicate formals, dynamic attributes
// in let and inherit, path has a trailing slash, invalid integer and float
// literals. Indented strings get Nix's indentation stripping; literal parts
// of strings hold their final values.
//
// Every node carries a byte Span [Start, End); (*File).Position converts an
// offset to a 1-based line and a 1-based column counted in runes (Nix counts
// bytes). Errors are *SyntaxError with the same coordinates. Parsing stops at
// the first error.
//
// Robustness: the parser never panics on any input (fuzzed with FuzzParse),
// nesting deeper than MaxDepth is a SyntaxError rather than a stack
// overflow, Walk is iterative, and lexing and string building are linear
// even on adversarial input.
//
// # Deviations from Nix
//
//   - The pipe operators |> and <| are always parsed; Nix 2.8 does not know
//     them and newer Nix gates them behind the pipe-operators feature.
//   - Undefined variables are not reported: `nix-instantiate --parse` also
//     runs variable resolution, but that is not syntax.
//   - Columns count runes, not bytes.
//   - The AST keeps the source form: parentheses (*Paren), operators such as
//     a - b and a < b (which Nix desugars into calls of __sub and __lessThan), paths
//     as written (not made absolute), and <nixpkgs> as a Search path rather
//     than a call of __findFile.
//   - Lexer errors (an unterminated string or comment) are reported with
//     their own message where Nix reports "unexpected end of file".
package nix
