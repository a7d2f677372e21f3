package repo

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/testenv"
)

// The decoder agrees with `git ls-files --stage` on index versions 2, 3 and 4,
// and rejects garbage without panicking.
func TestDecodeIndexVersions(t *testing.T) {
	r := testenv.NewRepo(t)
	r.WriteFiles(map[string]string{"a.txt": "a", "dir/b c.txt": "b", "dir/sub/ü.txt": "c", "x/y/z/deep.txt": "d"})
	r.Commit("init")
	r.Write("ita.txt", "i")
	r.Git("add", "-N", "ita.txt")
	for _, v := range []string{"2", "3", "4"} {
		r.Git("update-index", "--index-version", v)
		raw, err := readIndex(filepath.Join(r.Dir, ".git", "index"))
		if err != nil {
			t.Fatalf("v%s: %v", v, err)
		}
		if len(raw) != 5 {
			t.Fatalf("v%s: %d entries", v, len(raw))
		}
		var ita bool
		for _, e := range raw {
			if e.Path == "ita.txt" {
				ita = e.IntentToAdd
			}
		}
		if !ita {
			t.Fatalf("v%s: intent-to-add flag lost: %+v", v, raw)
		}
		want := strings.TrimSpace(r.Git("hash-object", "dir/sub/ü.txt"))
		if raw[2].Path != "dir/sub/ü.txt" || raw[2].Hash != want || raw[2].Mode != 0o100644 {
			t.Fatalf("v%s: entry 2 = %+v, want hash %s", v, raw[2], want)
		}
	}
	r.Git("update-index", "--split-index")
	if _, err := readIndex(filepath.Join(r.Dir, ".git", "index")); !errors.Is(err, errNeedsCLI) {
		t.Fatalf("split index: %v, want errNeedsCLI", err)
	}
}

func TestDecodeIndexGarbage(t *testing.T) {
	for _, in := range []string{"", "DIRC", "DIRC\x00\x00\x00\x02\xff\xff\xff\xff" + string(make([]byte, 20)), "XXXX" + string(make([]byte, 40))} {
		if _, err := decodeIndex([]byte(in)); err == nil {
			t.Errorf("decodeIndex(%q) accepted garbage", in)
		}
	}
	if raw, err := readIndex(filepath.Join(t.TempDir(), "none")); err != nil || raw != nil {
		t.Fatalf("missing index: %v %v", raw, err)
	}
}

func FuzzDecodeIndex(f *testing.F) {
	f.Add([]byte("DIRC\x00\x00\x00\x02\x00\x00\x00\x00" + string(make([]byte, 20))))
	f.Add([]byte("DIRC\x00\x00\x00\x04\x00\x00\x00\x01" + string(make([]byte, 90))))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decodeIndex(data) // must not panic
	})
}
