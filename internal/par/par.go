// Package par runs independent work on all cores, the one way lockguard
// does: a panic in a worker is raised again in the caller (where the rule
// that asked recovers it as an internal error) instead of killing the
// process.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Do runs f(0), …, f(n-1) on all cores and returns when all are done.
func Do(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		once    sync.Once
		panicky any
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					once.Do(func() { panicky = v })
				}
			}()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
	if panicky != nil {
		panic(panicky)
	}
}

// Each runs f on every item on all cores.
func Each[T any](items []T, f func(T)) {
	Do(len(items), func(i int) { f(items[i]) })
}
