package snapshot

import (
	"bytes"
	"sync"
	"unsafe"
)

// Line starts of large files, so that rules locating many findings in one
// file (a Dockerfile with thousands of nix RUNs) stay linear: a file is
// indexed once, not scanned from its start for every finding.
var lineIndexes struct {
	sync.Mutex
	files []indexedFile
}

type indexedFile struct {
	src    []byte // kept so that the address cannot be reused while cached
	starts []int  // starts[i] is the offset of line i+1
}

const (
	indexMinSize    = 32 << 10
	indexedFilesCap = 16
)

// lineStart is the offset of the 1-based line in src (-1 past the end).
func LineStart(src []byte, line int) int {
	if line < 1 {
		return -1
	}
	if len(src) < indexMinSize {
		off := 0
		for l := 1; l < line; l++ {
			i := bytes.IndexByte(src[off:], '\n')
			if i < 0 {
				return -1
			}
			off += i + 1
		}
		return off
	}
	starts := lineStarts(src)
	if line > len(starts) {
		return -1
	}
	return starts[line-1]
}

func lineStarts(src []byte) []int {
	lineIndexes.Lock()
	defer lineIndexes.Unlock()
	for _, f := range lineIndexes.files {
		if len(f.src) == len(src) && unsafe.SliceData(f.src) == unsafe.SliceData(src) {
			return f.starts
		}
	}
	starts := []int{0}
	for off := 0; ; {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
		starts = append(starts, off)
	}
	if len(lineIndexes.files) >= indexedFilesCap {
		lineIndexes.files = lineIndexes.files[1:]
	}
	lineIndexes.files = append(lineIndexes.files, indexedFile{src: src, starts: starts})
	return starts
}
