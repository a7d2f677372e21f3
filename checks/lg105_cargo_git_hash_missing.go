package checks

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/lockguard/lockguard/internal/diag"
	"github.com/lockguard/lockguard/internal/snapshot"
)

var CargoGitHashMissing = &Rule{
	RuleInfo: diag.RuleInfo{
		ID:       "LG105",
		Name:     "cargo-git-hash-missing",
		Summary:  "A git dependency in Cargo.lock has no (or a stale) outputHashes entry, or an entry matches no git dependency",
		Severity: diag.Error,
		Fixable:  true,
		Doc: `nixpkgs' importCargoLock, which rustPlatform.buildRustPackage calls for
` + "`cargoLock = { lockFile = ./Cargo.lock; … }`" + `, vendors every [[package]] of
Cargo.lock whose source is git+… with fetchgit, and fetchgit needs the hash
of the checkout. The hashes come from ` + "`outputHashes`" + `, keyed by
"<name>-<version>" and mapped to the package's git commit, so one entry covers
every package of that commit (a workspace repository). Evaluation fails:

  - for a git commit none of whose packages has an entry (missing):
    error: No hash was found while vendoring the git dependency foo-0.1.0.
  - for an entry whose key is no git package of the lock (unused; importCargoLock
    forces the whole mapping):
    error: A hash was specified for foo-0.1.0, but there is no corresponding git dependency.
  - and the build fails with a hash mismatch when the package moved to another
    commit while its entry kept the hash it had in HEAD (stale; judged against
    HEAD, or the index against HEAD with --staged).

` + "`allowBuiltinFetchGit = true`" + ` fetches with builtins.fetchGit and needs no hash:
no missing finding, but an unused entry still fails. Semantics from nixpkgs'
pkgs/build-support/rust/import-cargo-lock.nix (parseGit, namesGitShas,
gitShaOutputHash, missingHash, unusedHash).

Modelled builders: importCargoLock { lockFile | lockFileContents =
builtins.readFile …; outputHashes; allowBuiltinFetchGit; } and
buildRustPackage { cargoLock = { … }; } (also cargoLock.lockFile = …; and
buildRustPackage (finalAttrs: { … })), found through the flake's imports with
constant folding. A lock that is not a static repository path (a fetched
source, a function argument) and outputHashes that are not a written set get
no finding. crane, naersk, crate2nix and other builders fetch git
dependencies themselves: no finding.

Fix (safe when it computes hashes): fetch each commit with the git CLI into a
temporary directory (the only network access, and only in ` + "`lockguard fix`" + `;
` + "`--dry-run`" + ` lists the URLs), check out its submodules, compute the NAR
SHA-256 of the checkout without .git (what fetchgit expects, equal to
` + "`nix hash path`" + ` and to builtins.fetchGit's narHash), and add or update the entry,
adding ` + "`outputHashes = { … };`" + ` inside cargoLock when there is none. When a
fetch fails, nothing is changed and the message names the URL and what to add
by hand. Removing an unused entry alone is an unsafe fix (--unsafe-fixes).`,
	},
	Check: checkCargoGitHash,
}

// gitCommit is the packages of a lock that come from one git commit.
type gitCommit struct {
	src  snapshot.GitSource
	pkgs []snapshot.LockPackage
}

func checkCargoGitHash(p *Pass) {
	s := p.Snap
	seen := map[string]bool{}
	for _, f := range s.Flakes().Flakes {
		for _, u := range f.CargoLocks {
			k := fmt.Sprintf("%s:%d:%d", u.File, u.Line, u.Column)
			if seen[k] || u.Dynamic || u.Lock == "" || u.HashesUnknown {
				continue
			}
			seen[k] = true
			checkCargoLockUse(p, u)
		}
	}
}

func checkCargoLockUse(p *Pass, u snapshot.CargoLockUse) {
	s := p.Snap
	data, err := s.ReadFile(u.Lock)
	if err != nil {
		return // absent or unreadable: LG2xx / LG901 say so
	}
	lock, err := snapshot.ParseLock(u.Lock, data)
	if err != nil {
		return
	}
	// namesGitShas: "<name>-<version>" → commit; the first package wins
	// (builtins.listToAttrs).
	keyCommit := map[string]string{}
	keyPkg := map[string]snapshot.LockPackage{}
	var commits []*gitCommit
	byCommit := map[string]*gitCommit{}
	for _, pkg := range lock.GitPackages() {
		src, _ := snapshot.ParseGitSource(pkg.Source)
		key := pkg.Name + "-" + pkg.Version
		if _, ok := keyCommit[key]; !ok {
			keyCommit[key], keyPkg[key] = src.Commit, pkg
		}
		c := byCommit[src.Commit]
		if c == nil {
			c = &gitCommit{src: src}
			byCommit[src.Commit] = c
			commits = append(commits, c)
		}
		c.pkgs = append(c.pkgs, pkg)
	}

	var entries []snapshot.HashEntry
	if u.Hashes != nil {
		entries = u.Hashes.Entries
	}
	hashed := map[string]bool{}
	for _, e := range entries {
		if c, ok := keyCommit[e.Key]; ok {
			hashed[c] = true
		}
	}

	// Missing.
	if u.AllowBuiltinFetchGit == "false" && (u.Hashes == nil || !u.Hashes.Partial) {
		var missing []*gitCommit
		for _, c := range commits {
			if !hashed[c.src.Commit] {
				missing = append(missing, c)
			}
		}
		for _, c := range missing {
			p.Report(missingHashDiag(s, u, c, missing, keyCommit))
		}
	}

	// Unused.
	src := s.Source(u.File)
	for _, e := range entries {
		if _, ok := keyCommit[e.Key]; ok {
			continue
		}
		d := diag.Diagnostic{
			Path:    u.File,
			Message: fmt.Sprintf("outputHashes has an entry for %s, but %s has no git dependency %s: importCargoLock fails with \"A hash was specified for %s, but there is no corresponding git dependency.\"", e.Key, u.Lock, e.Key, e.Key),
			Help:    "remove the entry (the dependency is gone, or is no longer a git dependency), or correct its key to \"<name>-<version>\" of a git package in " + u.Lock,
			Fix: &diag.Fix{
				Applicability: diag.Unsafe,
				Description:   "remove the outputHashes entry " + e.Key,
			},
		}
		if e.End <= len(src) {
			d.Fix.Actions = []diag.Action{{Kind: diag.ActionEdit, Path: u.File, Edits: []diag.TextEdit{removeBinding(src, e.Start, e.End)}}}
		}
		d.At(diag.Span{Line: e.Line, Column: e.Column, EndLine: e.EndLine, EndColumn: e.EndColumn})
		p.Report(d)
	}

	// Stale: the key's commit moved since HEAD, the hash did not.
	staleEntries(p, u, entries, keyCommit, byCommit)
}

func missingHashDiag(s *snapshot.Snapshot, u snapshot.CargoLockUse, c *gitCommit, missing []*gitCommit, keyCommit map[string]string) diag.Diagnostic {
	key := commitKey(c, keyCommit)
	var names []string
	for _, pkg := range c.pkgs {
		names = append(names, pkg.Name+"-"+pkg.Version)
	}
	covers := ""
	if len(names) > 1 {
		covers = fmt.Sprintf("; one entry covers %s, which come from the same commit", strings.Join(names, ", "))
	}
	attr := "outputHashes"
	if u.Builder == "buildRustPackage" {
		attr = "cargoLock.outputHashes"
	}
	d := diag.Diagnostic{
		Path: u.File,
		Message: fmt.Sprintf("git dependency %s (%s at %s, in %s) has no outputHashes entry: %s fails with \"No hash was found while vendoring the git dependency %s\"",
			key, c.src.URL, shortRev(c.src.Commit), u.Lock, u.Builder, key),
		Help:    fmt.Sprintf("add \"%s\" = \"sha256-…\"; to %s (lockguard fix computes the hash), or set allowBuiltinFetchGit = true%s", key, attr, covers),
		Related: []diag.Related{{Path: u.Lock, Line: c.pkgs[0].Line, Column: 1, Message: fmt.Sprintf("%s is locked here to %s", key, c.src.Commit)}},
	}
	if u.Hashes != nil {
		d.At(diag.Span{Line: u.Hashes.Line, Column: u.Hashes.Column})
	} else {
		d.At(diag.Span{Line: u.Line, Column: u.Column})
	}
	fix := &diag.Fix{Applicability: diag.Safe, Description: "compute the hash of " + c.src.URL + " at " + c.src.Commit + " and add \"" + key + "\" to outputHashes"}
	var edit diag.TextEdit
	h := u.Hashes
	if h == nil || h.Empty {
		// One shared edit for every missing commit: identical in each
		// finding's fix, so the fixer applies it once.
		for _, m := range missing {
			fix.Actions = append(fix.Actions, fetchGitAction(u, m, keyCommit))
		}
		edit = newHashesEdit(u, missing, keyCommit)
	} else {
		fix.Actions = append(fix.Actions, fetchGitAction(u, c, keyCommit))
		edit = diag.TextEdit{Start: h.InsertAt, End: h.InsertAt, NewText: h.EntryIndent + hashEntryText(h.EntryPrefix, key, c.src)}
	}
	fix.Actions = append(fix.Actions, diag.Action{Kind: diag.ActionEdit, Path: u.File, Edits: []diag.TextEdit{edit}})
	d.Fix = fix
	return d
}

// commitKey is the key an entry for commit c gets: its first package whose
// key maps to c.
func commitKey(c *gitCommit, keyCommit map[string]string) string {
	for _, pkg := range c.pkgs {
		if k := pkg.Name + "-" + pkg.Version; keyCommit[k] == c.src.Commit {
			return k
		}
	}
	return c.pkgs[0].Name + "-" + c.pkgs[0].Version
}

func fetchGitAction(u snapshot.CargoLockUse, c *gitCommit, keyCommit map[string]string) diag.Action {
	key := commitKey(c, keyCommit)
	return diag.Action{Kind: diag.ActionFetchGit, URL: c.src.URL, Rev: c.src.Commit,
		Hint: fmt.Sprintf("add \"%s\" = \"<hash>\"; to outputHashes in %s by hand; nix-prefetch-git --url %s --rev %s --fetch-submodules prints the hash", key, u.File, c.src.URL, c.src.Commit)}
}

func hashEntryText(prefix, key string, src snapshot.GitSource) string {
	return prefix + nixString(key) + " = \"" + diag.GitHashPlaceholder(src.URL, src.Commit) + "\";"
}

// newHashesEdit writes a whole outputHashes set with the missing commits'
// entries: a new attribute in cargoLock, or in place of an empty set.
func newHashesEdit(u snapshot.CargoLockUse, missing []*gitCommit, keyCommit map[string]string) diag.TextEdit {
	indent := u.Indent
	if h := u.Hashes; h != nil {
		indent = h.EntryIndent
	}
	inner, closing := " ", " "
	if strings.HasPrefix(indent, "\n") {
		if u.Hashes != nil {
			inner, closing = indent, strings.TrimSuffix(indent, "  ")
		} else {
			inner, closing = indent+"  ", indent
		}
	}
	var b strings.Builder
	b.WriteString("{")
	for _, m := range missing {
		b.WriteString(inner + hashEntryText("", commitKey(m, keyCommit), m.src))
	}
	b.WriteString(closing + "}")
	if h := u.Hashes; h != nil {
		return diag.TextEdit{Start: h.SetStart, End: h.SetEnd, NewText: b.String()}
	}
	return diag.TextEdit{Start: u.InsertAt, End: u.InsertAt, NewText: indent + u.AttrPrefix + "outputHashes = " + b.String() + ";"}
}

// staleEntries reports entries whose package now comes from another commit
// than in HEAD while the hash is the one HEAD had.
func staleEntries(p *Pass, u snapshot.CargoLockUse, entries []snapshot.HashEntry, keyCommit map[string]string, byCommit map[string]*gitCommit) {
	s := p.Snap
	var candidates []snapshot.HashEntry
	for _, e := range entries {
		if _, ok := keyCommit[e.Key]; ok && e.Static && e.Value != "" {
			candidates = append(candidates, e)
		}
	}
	if len(candidates) == 0 {
		return
	}
	headLock, err := s.Repo.ReadHEAD(u.Lock, snapshot.MaxFileSize)
	if err != nil {
		return
	}
	headNix, err := s.Repo.ReadHEAD(u.File, snapshot.MaxFileSize)
	if err != nil {
		return
	}
	hl, err := snapshot.ParseLock(u.Lock, headLock)
	if err != nil {
		return
	}
	headCommit := map[string]string{}
	for _, pkg := range hl.GitPackages() {
		src, _ := snapshot.ParseGitSource(pkg.Source)
		if k := pkg.Name + "-" + pkg.Version; headCommit[k] == "" {
			headCommit[k] = src.Commit
		}
	}
	for _, e := range candidates {
		now, then := keyCommit[e.Key], headCommit[e.Key]
		if then == "" || then == now || !bytes.Contains(headNix, []byte(nixString(e.Value))) {
			continue
		}
		c := byCommit[now]
		d := diag.Diagnostic{
			Path: u.File,
			Message: fmt.Sprintf("the outputHashes entry for %s is unchanged since HEAD, but %s moved it from commit %s to %s: fetchgit fails with a hash mismatch",
				e.Key, u.Lock, shortRev(then), shortRev(now)),
			Help: "replace the hash with the one of the new commit (lockguard fix computes it)",
			Fix: &diag.Fix{
				Applicability: diag.Safe,
				Description:   "compute the hash of " + c.src.URL + " at " + now + " for " + e.Key,
				Actions: []diag.Action{
					{Kind: diag.ActionFetchGit, URL: c.src.URL, Rev: now,
						Hint: fmt.Sprintf("replace the hash of \"%s\" in %s by hand; nix-prefetch-git --url %s --rev %s --fetch-submodules prints it", e.Key, u.File, c.src.URL, now)},
					{Kind: diag.ActionEdit, Path: u.File, Edits: []diag.TextEdit{{Start: e.ValueStart, End: e.ValueEnd, NewText: "\"" + diag.GitHashPlaceholder(c.src.URL, now) + "\""}}},
				},
			},
		}
		if i := slices.IndexFunc(c.pkgs, func(pkg snapshot.LockPackage) bool { return pkg.Name+"-"+pkg.Version == e.Key }); i >= 0 {
			d.Related = []diag.Related{{Path: u.Lock, Line: c.pkgs[i].Line, Column: 1, Message: e.Key + " is locked here to " + now}}
		}
		d.At(diag.Span{Line: e.Line, Column: e.Column, EndLine: e.EndLine, EndColumn: e.EndColumn})
		p.Report(d)
	}
}

func shortRev(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// nixString quotes s as a Nix string literal.
func nixString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// removeBinding deletes the bytes [start, end) of src, and the line they
// are on when nothing else is written there.
func removeBinding(src []byte, start, end int) diag.TextEdit {
	ls := bytes.LastIndexByte(src[:start], '\n') + 1
	le := bytes.IndexByte(src[end:], '\n')
	if le < 0 {
		le = len(src)
	} else {
		le += end
	}
	if len(bytes.TrimSpace(src[ls:start])) == 0 && len(bytes.TrimSpace(src[end:le])) == 0 {
		if le < len(src) {
			le++
		}
		return diag.TextEdit{Start: ls, End: le}
	}
	for start > 0 && (src[start-1] == ' ' || src[start-1] == '\t') {
		start--
	}
	return diag.TextEdit{Start: start, End: end}
}
