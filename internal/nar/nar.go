// Package nar writes Nix archives (NAR) and hashes them the way Nix does:
// `nix hash path` and the narHash of builtins.fetchGit are the SHA-256 of a
// directory tree's NAR serialisation, and nixpkgs' fetchgit (with its default
// recursive output hash) expects the same digest in SRI form (sha256-…).
//
// The format (Eelco Dolstra's thesis, §5.2.1; Nix's src/libutil/archive.cc):
// every string is its length as a little-endian uint64, its bytes, and zero
// padding to a multiple of 8. An archive is "nix-archive-1" followed by one
// node: "(" "type" "regular" ["executable" ""] "contents" <bytes> ")",
// "(" "type" "symlink" "target" <target> ")", or "(" "type" "directory"
// {"entry" "(" "name" <name> "node" <node> ")"} ")" with entries sorted by
// name byte-wise. A regular file is executable when its owner execute bit
// is set. Nothing else (times, owners, other permission bits) is recorded.
package nar

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Filter decides whether an entry is archived. rel is the slash-separated
// path relative to the root ("" is never passed: the root is always
// archived), name its last element.
type Filter func(rel, name string, mode fs.FileMode) bool

// ExcludeGit drops every entry named ".git" at any depth: what
// nix-prefetch-git (behind nixpkgs' fetchgit) and builtins.fetchGit with
// submodules leave out of a checkout.
func ExcludeGit(_, name string, _ fs.FileMode) bool { return name != ".git" }

// Write writes the NAR serialisation of path to w. filter may be nil.
func Write(w io.Writer, path string, filter Filter) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	e := &encoder{w: bw, filter: filter}
	e.str("nix-archive-1")
	if err := e.node(path, ""); err != nil {
		return err
	}
	if e.err != nil {
		return e.err
	}
	return bw.Flush()
}

// Hash returns the SHA-256 of path's NAR serialisation.
func Hash(path string, filter Filter) ([sha256.Size]byte, error) {
	h := sha256.New()
	var sum [sha256.Size]byte
	if err := Write(h, path, filter); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// SRI returns the hash of path's NAR in SRI form, "sha256-<base64>", as
// fetchgit's hash/sha256 argument and importCargoLock's outputHashes take it.
func SRI(path string, filter Filter) (string, error) {
	sum, err := Hash(path, filter)
	if err != nil {
		return "", err
	}
	return FormatSRI(sum), nil
}

// FormatSRI formats a SHA-256 digest as "sha256-<base64>".
func FormatSRI(sum [sha256.Size]byte) string {
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// FormatHex formats a SHA-256 digest as lowercase hex (nix hash path --base16).
func FormatHex(sum [sha256.Size]byte) string { return hex.EncodeToString(sum[:]) }

type encoder struct {
	w      *bufio.Writer
	filter Filter
	err    error
	buf    [8]byte
}

var zeros [8]byte

func (e *encoder) u64(n uint64) {
	if e.err != nil {
		return
	}
	binary.LittleEndian.PutUint64(e.buf[:], n)
	_, e.err = e.w.Write(e.buf[:])
}

func (e *encoder) pad(n uint64) {
	if r := n % 8; r != 0 && e.err == nil {
		_, e.err = e.w.Write(zeros[:8-r])
	}
}

func (e *encoder) str(s string) {
	e.u64(uint64(len(s)))
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
	e.pad(uint64(len(s)))
}

func (e *encoder) node(path, rel string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	e.str("(")
	e.str("type")
	switch m := st.Mode(); {
	case m.IsRegular():
		e.str("regular")
		if m.Perm()&0o100 != 0 {
			e.str("executable")
			e.str("")
		}
		e.str("contents")
		if err := e.contents(path, st.Size()); err != nil {
			return err
		}
	case m&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		e.str("symlink")
		e.str("target")
		e.str(target)
	case m.IsDir():
		e.str("directory")
		ents, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		names := make([]string, 0, len(ents))
		for _, d := range ents {
			child := d.Name()
			if rel != "" {
				child = rel + "/" + d.Name()
			}
			if e.filter != nil && !e.filter(child, d.Name(), d.Type()) {
				continue
			}
			names = append(names, d.Name())
		}
		sort.Strings(names) // byte-wise, as Nix's std::map<string, …>
		for _, name := range names {
			child := name
			if rel != "" {
				child = rel + "/" + name
			}
			e.str("entry")
			e.str("(")
			e.str("name")
			e.str(name)
			e.str("node")
			if err := e.node(filepath.Join(path, name), child); err != nil {
				return err
			}
			e.str(")")
		}
	default:
		return fmt.Errorf("%s: cannot archive a %s (NAR holds only regular files, symlinks and directories)", path, m.Type())
	}
	e.str(")")
	return e.err
}

func (e *encoder) contents(path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	e.u64(uint64(size))
	if e.err != nil {
		return e.err
	}
	n, err := io.Copy(e.w, io.LimitReader(f, size))
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%s: changed while being archived (read %d of %d bytes)", path, n, size)
	}
	e.pad(uint64(size))
	return e.err
}
