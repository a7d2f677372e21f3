package snapshot

import "testing"

// A panic in a Parallel worker reaches the caller instead of killing the
// process.
func TestParallelPanic(t *testing.T) {
	items := make([]int, 50)
	for i := range items {
		items[i] = i
	}
	defer func() {
		if v := recover(); v != "boom" {
			t.Errorf("recovered %v, want boom", v)
		}
	}()
	Parallel(items, func(i int) {
		if i == 7 {
			panic("boom")
		}
	})
	t.Error("the panic did not reach the caller")
}
