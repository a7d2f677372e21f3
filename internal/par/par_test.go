package par

import (
	"sync"
	"testing"
)

// Do runs every index once, and a panic in a worker reaches the caller
// instead of killing the process.
func TestDo(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	Do(100, func(i int) {
		mu.Lock()
		seen[i]++
		mu.Unlock()
	})
	for i := range 100 {
		if seen[i] != 1 {
			t.Fatalf("index %d ran %d times", i, seen[i])
		}
	}
	defer func() {
		if v := recover(); v != "boom" {
			t.Errorf("recovered %v, want boom", v)
		}
	}()
	Each([]int{1, 2, 3, 4, 5, 6, 7, 8}, func(i int) {
		if i == 5 {
			panic("boom")
		}
	})
	t.Error("the panic did not reach the caller")
}
