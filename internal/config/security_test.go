package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSecurityConfigStaysInRepo: issue 17 items 5 and 9. lockguard.toml is
// read like every other file of the repository: a symbolic link leaving
// the repository is not followed (and nothing of the target is quoted), a
// FIFO is not opened, a huge file is not read; a link inside the
// repository is followed.
func TestSecurityConfigStaysInRepo(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.toml")
	if err := os.WriteFile(secret, []byte("select = [\"TOPSECRET\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		setup func(root string) error
		want  string // "" = loads
	}{
		{"link outside", func(root string) error { return os.Symlink(secret, filepath.Join(root, "lockguard.toml")) }, "leaves the repository"},
		{"fifo", func(root string) error { return syscall.Mkfifo(filepath.Join(root, "lockguard.toml"), 0o644) }, "not a regular file"},
		{"huge", func(root string) error {
			return os.WriteFile(filepath.Join(root, "lockguard.toml"), []byte("# "+strings.Repeat("x", 2<<20)+"\n"), 0o644)
		}, "larger than"},
		{"link inside", func(root string) error {
			if err := os.WriteFile(filepath.Join(root, "conf.toml"), []byte("fail-on = \"error\"\n"), 0o644); err != nil {
				return err
			}
			return os.Symlink("conf.toml", filepath.Join(root, ".lockguard.toml"))
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := tc.setup(root); err != nil {
				t.Fatal(err)
			}
			c, err := Find(root, "")
			if tc.want == "" {
				if err != nil || c.FailOn != "error" {
					t.Fatalf("Find: %v, %+v", err, c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Find: %v, want an error saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "TOPSECRET") || strings.Contains(err.Error(), outside) || strings.Contains(err.Error(), root) {
				t.Errorf("the error quotes or names something outside the repository: %v", err)
			}
		})
	}
}
