package fixers

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// assertOnly fails unless dir holds exactly the named entries (no temporary
// file left behind).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Fatalf("%s holds %q, want %q", dir, got, names)
	}
}

// TestSafetyWriteFileAtomicRenameFails: the temporary file is written and
// then the rename fails (the target is an immutable file, or a directory):
// the original is intact, and the temporary file is gone.
func TestSafetyWriteFileAtomicRenameFails(t *testing.T) {
	t.Run("immutable-file", func(t *testing.T) {
		chattr, err := exec.LookPath("chattr")
		if err != nil {
			t.Skip("chattr is not on PATH")
		}
		dir := t.TempDir()
		p := filepath.Join(dir, ".dockerignore")
		if err := os.WriteFile(p, []byte("old\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(chattr, "+i", p).CombinedOutput(); err != nil {
			t.Skipf("cannot make a file immutable here (needs root and a file system with attributes): %v %s", err, out)
		}
		t.Cleanup(func() { _ = exec.Command(chattr, "-i", p).Run() })
		if err := WriteFileAtomic(p, []byte("new\n"), 0o640); err == nil {
			t.Fatal("WriteFileAtomic over an immutable file succeeded")
		}
		if b, err := os.ReadFile(p); err != nil || string(b) != "old\n" {
			t.Fatalf("original changed: %q, %v", b, err)
		}
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o640 {
			t.Fatalf("original mode changed: %v, %v", fi.Mode(), err)
		}
		assertOnly(t, dir, ".dockerignore")
	})
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "target")
		if err := os.MkdirAll(filepath.Join(p, "keep"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteFileAtomic(p, []byte("new\n"), 0o644); err == nil {
			t.Fatal("WriteFileAtomic over a directory succeeded")
		}
		assertOnly(t, dir, "target")
		assertOnly(t, p, "keep")
	})
}

// TestSafetyWriteFileAtomicReadOnlyDir: the temporary file cannot be
// created: an error, the original intact, nothing new in the directory.
func TestSafetyWriteFileAtomicReadOnlyDir(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Cargo.lock")
	if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	probe := filepath.Join(dir, "probe")
	if f, err := os.Create(probe); err == nil {
		f.Close()
		os.Remove(probe)
		t.Skip("a read-only directory is writable here (running as root); see TestSafetyWriteFileAtomicRenameFails")
	}
	if err := WriteFileAtomic(p, []byte("new\n"), 0o644); err == nil {
		t.Fatal("WriteFileAtomic in a read-only directory succeeded")
	}
	if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, []byte("old\n")) {
		t.Fatalf("original changed: %q, %v", b, err)
	}
	assertOnly(t, dir, "Cargo.lock")
}

// TestSafetyRestoreKeepsOriginal: a failed generator's outputs are put back
// byte for byte with their mode, or removed when they did not exist, and
// restore leaves no temporary file.
func TestSafetyRestoreKeepsOriginal(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "Cargo.lock")
	if err := os.WriteFile(existing, []byte("old lock\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	created := filepath.Join(dir, "flake.lock")
	saved := []savedFile{save(existing), save(created)}
	// The "generator" truncates one output and creates the other.
	if err := os.WriteFile(existing, []byte("par"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(created, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range saved {
		s.restore()
	}
	if b, err := os.ReadFile(existing); err != nil || string(b) != "old lock\n" {
		t.Fatalf("Cargo.lock: %q, %v", b, err)
	}
	if fi, _ := os.Stat(existing); fi.Mode().Perm() != 0o600 {
		t.Fatalf("Cargo.lock mode %v", fi.Mode())
	}
	assertOnly(t, dir, "Cargo.lock")
}
