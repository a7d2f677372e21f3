package fixers

// Editing files so that nothing is lost: saving and restoring what a
// generator or an edit replaces, atomic writes, and line endings as git sees them.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
)

// savedFile remembers what was at a path before a command, to undo a
// failure: nothing, a regular file (its bytes and mode), a symbolic link
// (its target text, and what it pointed to, saved the same way), or
// something else (a directory), which is left alone.
type savedFile struct {
	path   string
	kind   savedKind
	data   []byte
	mode   os.FileMode
	link   string     // kindLink: the link's target as written
	target *savedFile // kindLink: what the link pointed to
}

type savedKind int

// maxLinkDepth bounds the symbolic links followed by save (as the kernel does).
const maxLinkDepth = 40

func save(p string) savedFile { return saveDepth(p, 0) }

func saveDepth(p string, depth int) savedFile {
	fi, err := os.Lstat(p)
	switch {
	case err != nil:
		return savedFile{path: p}
	case fi.Mode()&os.ModeSymlink != 0:
		link, err := os.Readlink(p)
		if err != nil || depth >= maxLinkDepth {
			return savedFile{path: p, kind: kindOther}
		}
		tp := link
		if !filepath.IsAbs(tp) {
			tp = filepath.Join(filepath.Dir(p), tp)
		}
		t := saveDepth(tp, depth+1)
		return savedFile{path: p, kind: kindLink, link: link, target: &t}
	case !fi.Mode().IsRegular():
		return savedFile{path: p, kind: kindOther}
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return savedFile{path: p, kind: kindOther}
	}
	return savedFile{path: p, kind: kindRegular, data: data, mode: fi.Mode().Perm()}
}

func (s savedFile) changed() bool {
	fi, err := os.Lstat(s.path)
	switch s.kind {
	case kindNone:
		return err == nil
	case kindOther:
		return false
	case kindLink:
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return true
		}
		if link, err := os.Readlink(s.path); err != nil || link != s.link {
			return true
		}
		return s.target.changed()
	}
	if err != nil || !fi.Mode().IsRegular() {
		return true
	}
	data, err := os.ReadFile(s.path)
	return err != nil || !bytes.Equal(data, s.data)
}

// restore puts back what was saved: it removes a file that was not there,
// writes a regular file's bytes back (atomically, with its mode), and
// recreates a symbolic link a command replaced, then restores what the link
// pointed to. It never removes a directory.
func (s savedFile) restore() error {
	if !s.changed() {
		return nil
	}
	switch s.kind {
	case kindNone:
		if fi, err := os.Lstat(s.path); err == nil && !fi.IsDir() {
			if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		return nil
	case kindRegular:
		return WriteFileAtomic(s.path, s.data, s.mode)
	case kindLink:
		fi, err := os.Lstat(s.path)
		sameLink := false
		if err == nil && fi.Mode()&os.ModeSymlink != 0 {
			link, _ := os.Readlink(s.path)
			sameLink = link == s.link
		}
		if !sameLink {
			if err == nil {
				if fi.IsDir() {
					return fmt.Errorf("a directory replaced the symbolic link")
				}
				if err := os.Remove(s.path); err != nil {
					return err
				}
			}
			if err := os.Symlink(s.link, s.path); err != nil {
				return err
			}
		}
		return s.target.restore()
	}
	return nil
}

// resolveEdits maps each edited path through symbolic links to the file it
// names, and merges the edits of paths that name one file (a Dockerfile and
// the link to it are checked as two files with the same content). A file is
// written by renaming a new file over it, which would replace a link by a
// regular file: so a link is edited through, when the file it names is in
// the repository, and refused otherwise.
func (a *applier) resolveEdits(steps []editStep) ([]editStep, []Failure) {
	root := a.r.Root()
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		realRoot = root
	}
	var (
		out   []editStep
		fails []Failure
		idx   = map[string]int{}
	)
	fail := func(e editStep, format string, args ...any) {
		fails = append(fails, Failure{Action: diag.Action{Kind: diag.ActionEdit, Path: e.path}, Err: fmt.Errorf(format, args...)})
	}
	for _, e := range steps {
		full := filepath.Join(root, filepath.FromSlash(e.path))
		resolved, err := filepath.EvalSymlinks(full)
		if err != nil {
			if fi, lerr := os.Lstat(full); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
				fail(e, "%s is a symbolic link to a file that does not exist; lockguard does not replace the link: point it at a file, or remove it", show(e.path))
				continue
			}
			// A file the fix creates: its directory decides where it goes.
			dir, derr := filepath.EvalSymlinks(filepath.Dir(full))
			if derr != nil {
				fail(e, "cannot write %s: %v", show(e.path), ioReason(derr))
				continue
			}
			resolved = filepath.Join(dir, filepath.Base(full))
		}
		rel, err := filepath.Rel(realRoot, resolved)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			fail(e, "%s is a symbolic link to a file outside the repository: lockguard edits only files of the repository, and does not replace the link with a copy; apply the fix to the file it points to yourself (lockguard fix --diff shows it)", show(e.path))
			continue
		}
		rel = filepath.ToSlash(rel)
		i, ok := idx[rel]
		if !ok {
			e.path = rel
			idx[rel] = len(out)
			out = append(out, e)
			continue
		}
		if out[i].base != e.base {
			fail(e, "%s and %s are the same file but were checked with different contents; run lockguard fix again", show(e.path), show(rel))
			continue
		}
		for _, te := range e.edits {
			if !slices.Contains(out[i].edits, te) {
				out[i].edits = append(out[i].edits, te)
			}
		}
	}
	return out, fails
}

// edit applies text edits to one file (or prints them as a diff). It
// reports whether the edited file may be staged: a file the fix created, or
// one whose work-tree content equalled its staged content before the edit
// (as git compares: after the clean filter and end-of-line conversion;
// staging a file with unrelated unstaged changes would commit them too).
func (a *applier) edit(ctx context.Context, e editStep) (stage bool, err error) {
	full := filepath.Join(a.r.Root(), filepath.FromSlash(e.path))
	old, err := os.ReadFile(full)
	existed := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("cannot read %s: %v", show(e.path), ioReason(err))
	}
	rounds := a.opts.Rounds
	dry := a.opts.Diff || a.opts.DryRun
	if dry && rounds != nil {
		if cur, ok := rounds.cur[e.path]; ok {
			// An earlier round of this dry run planned edits here; these
			// must have been computed against them.
			if e.base != "" && e.base != diag.BlobHash(cur) {
				return false, nil
			}
			old = cur
		} else {
			rounds.orig[e.path], rounds.existed[e.path] = old, existed
		}
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(full); err == nil {
		mode = fi.Mode().Perm()
	}
	// The edits' offsets are into the content that was checked. With
	// --staged that is the staged blob, which differs from a clean work
	// tree file when git converts line endings (core.autocrlf,
	// eol=crlf): then edit the blob's text and convert it back.
	src, crlf := old, false
	if existed && e.base != "" && e.base != diag.BlobHash(old) {
		if lf := bytes.ReplaceAll(old, []byte("\r\n"), []byte("\n")); diag.BlobHash(lf) == e.base && a.sameAsIndex(ctx, e.path, old, e.base) {
			src, crlf = lf, true
		}
	}
	updated, err := diag.ApplyEdits(src, e.edits)
	if err != nil {
		return false, fmt.Errorf("%s: %w", show(e.path), err)
	}
	if crlf {
		updated = toCRLF(updated)
	}
	if bytes.Equal(old, updated) {
		return false, nil
	}
	if dry {
		if rounds != nil {
			rounds.cur[e.path] = updated // the caller prints the combined diff
		} else {
			fmt.Fprint(a.opts.Out, showDiff(e.path, string(old), string(updated)))
		}
		return false, nil
	}
	if e.base != "" && !crlf && e.base != diag.BlobHash(old) {
		return false, fmt.Errorf("%s changed since it was checked (with --staged, its staged content differs from the work tree); run lockguard fix again without --staged", show(e.path))
	}
	clean := !existed
	if ent, ok := a.r.Entry(e.path); ok && existed && !ent.IntentToAdd && !ent.Conflicted {
		clean = a.sameAsIndex(ctx, e.path, old, ent.Hash)
	}
	if err := WriteFileAtomic(full, updated, mode); err != nil {
		return false, fmt.Errorf("cannot write %s: %v; it is unchanged", show(e.path), ioReason(err))
	}
	a.mu.Lock()
	a.res.Changed = append(a.res.Changed, e.path)
	a.mu.Unlock()
	return clean, nil
}

// toCRLF turns every line feed not preceded by a carriage return into CR LF,
// as git's checkout does with core.autocrlf = true.
func toCRLF(b []byte) []byte {
	var out bytes.Buffer
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out.WriteByte('\r')
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}

// sameAsIndex reports whether git would store data, written at path
// rel, as the blob hash: byte for byte, or, as git add and git status
// compare, after the clean filter and the end-of-line conversion that
// .gitattributes and core.autocrlf ask for (`git hash-object --path`,
// run only when the bytes differ).
func (a *applier) sameAsIndex(ctx context.Context, rel string, data []byte, hash string) bool {
	if diag.BlobHash(data) == hash {
		return true
	}
	cmd := exec.CommandContext(ctx, "git", "hash-object", "--path="+rel, "--stdin")
	cmd.Dir = a.r.Root()
	cmd.Env = a.opts.Env
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	return err == nil && strings.TrimSpace(string(out)) == hash
}

// WriteFileAtomic writes data to a temporary file beside path and renames it
// over path, keeping mode. A crash leaves either the old or the new file.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".lockguard-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

const (
	kindNone savedKind = iota
	kindRegular
	kindLink
	kindOther
)
