package diag

import (
	"fmt"
	"slices"
)

// ApplyEdits applies edits to src and returns the result; src is not
// changed. Edits are applied in order of Start, then End, so that at one
// offset an insertion (Start == End) goes before a replacement starting
// there; insertions at the same offset keep their order. Overlapping or
// out-of-range edits are an error.
//
// Rules (to check a planned fix) and fixers (to apply it) both use it, so a
// fix reads back as it is applied.
func ApplyEdits(src []byte, edits []TextEdit) ([]byte, error) {
	es := slices.Clone(edits)
	slices.SortStableFunc(es, func(x, y TextEdit) int {
		if x.Start != y.Start {
			return x.Start - y.Start
		}
		return x.End - y.End
	})
	out := make([]byte, 0, len(src))
	last := 0
	for _, e := range es {
		if e.Start < last || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("overlapping or out-of-range edits at byte %d", e.Start)
		}
		out = append(append(out, src[last:e.Start]...), e.NewText...)
		last = e.End
	}
	return append(out, src[last:]...), nil
}
