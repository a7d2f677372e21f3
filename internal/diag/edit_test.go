package diag

import "testing"

func TestApplyEdits(t *testing.T) {
	src := []byte("abcdef")
	got, err := ApplyEdits(src, []TextEdit{{Start: 4, End: 5, NewText: "E"}, {Start: 0, End: 0, NewText: ">"}, {Start: 1, End: 3, NewText: ""}})
	if err != nil || string(got) != ">adEf" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := ApplyEdits(src, []TextEdit{{Start: 0, End: 3}, {Start: 2, End: 4}}); err == nil {
		t.Fatal("overlapping edits must fail")
	}
	if _, err := ApplyEdits(src, []TextEdit{{Start: 5, End: 9}}); err == nil {
		t.Fatal("out-of-range edit must fail")
	}
	if string(src) != "abcdef" {
		t.Fatalf("src changed: %q", src)
	}
}

// TestApplyEditsTies: edits at the same offset. An insertion goes before a
// replacement that starts there, whatever their order in the list (the
// checks' copy, sorting by Start alone, called this an overlap when the
// replacement came first); insertions at one offset keep their order.
func TestApplyEditsTies(t *testing.T) {
	src := []byte("nix build")
	for _, edits := range [][]TextEdit{
		{{Start: 0, End: 3, NewText: "NIX"}, {Start: 0, End: 0, NewText: "sudo "}},
		{{Start: 0, End: 0, NewText: "sudo "}, {Start: 0, End: 3, NewText: "NIX"}},
	} {
		got, err := ApplyEdits(src, edits)
		if err != nil || string(got) != "sudo NIX build" {
			t.Errorf("%v: got %q, %v", edits, got, err)
		}
	}
	got, err := ApplyEdits(src, []TextEdit{{Start: 3, End: 3, NewText: " a"}, {Start: 3, End: 3, NewText: " b"}})
	if err != nil || string(got) != "nix a b build" {
		t.Errorf("insertions at one offset: got %q, %v", got, err)
	}
}
