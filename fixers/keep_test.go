package fixers

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/testenv"
)

// Issue 17, section 4 ("fixes lose nothing"): the fixers-level tests. The
// CLI scenarios are testdata/script/fix_*.txtar and internal/cli's
// fixsafe_test.go.

// TestRestoreSymlinkedOutput: a generator that fails after replacing a
// symbolic link (or writing through it) gets the link back, pointing where
// it pointed, and the file it points to back byte for byte.
func TestRestoreSymlinkedOutput(t *testing.T) {
	testenv.Tool(t, "sh")
	for name, script := range map[string]string{
		"writes-through": "echo clobbered > Cargo.lock; exit 1",
		"replaces-link":  "rm Cargo.lock; echo clobbered > Cargo.lock; exit 1",
		"deletes-link":   "rm Cargo.lock; exit 1",
	} {
		t.Run(name, func(t *testing.T) {
			r := testenv.NewRepo(t)
			r.Write("locks/app.lock", "original\n")
			if err := os.MkdirAll(r.Path("app"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("../locks/app.lock", r.Path("app/Cargo.lock")); err != nil {
				t.Fatal(err)
			}
			r.Commit("init")
			rp := openRepo(t, r)
			ds := []diag.Diagnostic{{Fix: &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{
				{Kind: diag.ActionRun, Command: []string{"sh", "-c", script}, Dir: "app", Outputs: []string{"app/Cargo.lock"}},
				{Kind: diag.ActionStage, Paths: []string{"app/Cargo.lock"}},
			}}}}
			res, err := Apply(context.Background(), rp, ds, Options{Stage: true, Env: r.Env})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "nothing was changed") {
				t.Fatalf("failed: %+v", res.Failed)
			}
			if link, err := os.Readlink(r.Path("app/Cargo.lock")); err != nil || link != "../locks/app.lock" {
				t.Fatalf("the link is %q, %v", link, err)
			}
			if b, _ := os.ReadFile(r.Path("locks/app.lock")); string(b) != "original\n" {
				t.Fatalf("the linked lock is %q", b)
			}
			if st := r.Git("status", "--porcelain"); st != "" {
				t.Fatalf("git status:\n%s", st)
			}
		})
	}
}

// TestRestoreLeavesDirectory: an output path that was a directory before
// the generator ran is left alone by the restore, even when empty.
func TestRestoreLeavesDirectory(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Cargo.lock")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	s := save(p)
	if err := s.restore(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
		t.Fatalf("the directory is gone: %v", err)
	}
}

// TestEditThroughLinkOutsideRefused: an edit of a symbolic link whose
// target is outside the repository is refused with the reason; the link
// and the outside file are unchanged.
func TestEditThroughLinkOutsideRefused(t *testing.T) {
	r := testenv.NewRepo(t)
	outside := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(outside, []byte("FROM x\nRUN nix build\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, r.Path("Dockerfile")); err != nil {
		t.Fatal(err)
	}
	r.Commit("init")
	rp := openRepo(t, r)
	ds := []diag.Diagnostic{{Fix: &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{
		{Kind: diag.ActionEdit, Path: "Dockerfile", Edits: []diag.TextEdit{{Start: 11, End: 11, NewText: "--flag "}}},
	}}}}
	var out bytes.Buffer
	res, err := Apply(context.Background(), rp, ds, Options{Stage: true, Out: &out, Env: r.Env})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "Dockerfile is a symbolic link to a file outside the repository") {
		t.Fatalf("failed: %+v", res.Failed)
	}
	if strings.Contains(res.Failed[0].Err.Error(), outside) {
		t.Errorf("the message names the outside path: %v", res.Failed[0].Err)
	}
	if link, err := os.Readlink(r.Path("Dockerfile")); err != nil || link != outside {
		t.Fatalf("the link is %q, %v", link, err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "FROM x\nRUN nix build\n" {
		t.Fatalf("the outside file was edited: %q", b)
	}
	if len(res.Changed)+len(res.Staged) != 0 {
		t.Fatalf("changed %v, staged %v", res.Changed, res.Staged)
	}
}

// TestInterruptedApplyEditsNothing: once the context is cancelled (SIGINT),
// Apply applies no edit and stages nothing, and says it was interrupted.
func TestInterruptedApplyEditsNothing(t *testing.T) {
	r := testenv.NewRepo(t)
	r.Write("Dockerfile", "FROM x\nRUN nix build\n")
	r.Commit("init")
	rp := openRepo(t, r)
	ds := []diag.Diagnostic{{Fix: &diag.Fix{Applicability: diag.Safe, Actions: []diag.Action{
		{Kind: diag.ActionEdit, Path: "Dockerfile", Edits: []diag.TextEdit{{Start: 11, End: 11, NewText: "--flag "}}},
	}}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	res, err := Apply(ctx, rp, ds, Options{Stage: true, Out: &out, Env: r.Env})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || len(res.Changed)+len(res.Staged) != 0 || out.Len() != 0 {
		t.Fatalf("interrupted %v, changed %v, staged %v, out %q", res.Interrupted, res.Changed, res.Staged, out.String())
	}
	if b, _ := os.ReadFile(r.Path("Dockerfile")); string(b) != "FROM x\nRUN nix build\n" {
		t.Fatalf("edited after the interrupt: %q", b)
	}
}
