package hooks

import (
	"strings"

	"github.com/lockguard/lockguard/internal/shell"
)

// Marker is the line that identifies a hook script written by lockguard. Any
// line starting with MarkerPrefix marks a lockguard script, whatever its
// version.
const (
	MarkerPrefix = "# lockguard-hook: "
	Marker       = MarkerPrefix + "v1"
)

// PrevSuffix is appended to a hook's file name to keep the foreign hook that
// lockguard's script replaced and runs first.
const PrevSuffix = ".lockguard-prev"

// notInstalled is printed by the hook when lockguard cannot be found.
const notInstalled = "lockguard is not installed; install it with " +
	"`go install github.com/lockguard/lockguard/cmd/lockguard@latest` or set LOCKGUARD_SKIP=1"

// readsStdin reports whether git feeds the hook type data on standard input,
// which the script must then copy for both the chained hook and lockguard.
func readsStdin(typ string) bool {
	switch typ {
	case "pre-push", "pre-receive", "post-receive", "reference-transaction", "post-rewrite":
		return true
	}
	return false
}

// Script returns the text of lockguard's hook script for a hook type
// ("pre-commit", "pre-push"). binary is how the hook invokes lockguard: a
// path, or a name looked up on PATH when the hook runs; "" means "lockguard".
// fallback, when binary is "", is the absolute path of the lockguard that
// installed the hook: the hook runs it when no lockguard is on PATH (as
// pre-commit records the interpreter that installed it). The package
// documentation describes what the script does.
func Script(typ, binary, fallback string) string {
	if typ == "" {
		typ = "pre-commit"
	}
	var b strings.Builder
	w := func(lines ...string) {
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	w("#!/bin/sh",
		Marker,
		"# lockguard's "+typ+" hook, written by `lockguard hooks install`.",
		"# `lockguard hooks uninstall` removes it and restores the hook it replaced.",
		"# LOCKGUARD_SKIP=1 skips lockguard (a replaced hook, kept as",
		"# "+typ+PrevSuffix+", still runs first). Do not edit: reinstalling overwrites it.",
		"",
		"hook_type="+shell.QuoteWith(typ, '\'', true),
		"lockguard_bin="+shell.QuoteWith(binary, '\'', true),
		"# The lockguard that installed this hook, run when none is on PATH.",
		"lockguard_fallback="+shell.QuoteWith(fallback, '\'', true),
		"")
	stdin := readsStdin(typ)
	if stdin {
		w("# git writes the refs on standard input: keep a copy for each reader.",
			"# (The dot keeps trailing newlines from being stripped.)",
			"hook_stdin=$(cat; echo .)",
			"hook_stdin=${hook_stdin%.}",
			"")
	}
	w("# The hook that was here before lockguard runs first; its failure stops here.",
		`prev="$0`+PrevSuffix+`"`,
		`if [ -f "$prev" ] && [ -x "$prev" ]; then`)
	if stdin {
		w(`	printf '%s' "$hook_stdin" | "$prev" "$@" || exit $?`)
	} else {
		w(`	"$prev" "$@" || exit $?`)
	}
	w("fi",
		"",
		"case ${LOCKGUARD_SKIP:-} in",
		"''|0) ;;",
		"*) exit 0 ;;",
		"esac",
		"",
		`lockguard=${lockguard_bin:-lockguard}`,
		`case $lockguard in`,
		`*/*) [ -f "$lockguard" ] && [ -x "$lockguard" ] || lockguard= ;;`,
		`*) lockguard=$(command -v "$lockguard") || lockguard= ;;`,
		"esac",
		`if [ -z "$lockguard" ] && [ -z "$lockguard_bin" ] && [ -n "$lockguard_fallback" ] &&`,
		`	[ -f "$lockguard_fallback" ] && [ -x "$lockguard_fallback" ]; then`,
		`	lockguard=$lockguard_fallback`,
		"fi",
		`if [ -z "$lockguard" ]; then`,
		`	if [ -n "$lockguard_bin" ]; then`,
		`		printf '%s\n' "lockguard: $lockguard_bin was not found" >&2`,
		`	elif [ -n "$lockguard_fallback" ]; then`,
		`		printf '%s\n' "lockguard: no lockguard on PATH, and $lockguard_fallback (which installed this hook) is gone" >&2`,
		"	fi",
		"	printf '%s\\n' "+shell.QuoteWith(notInstalled, '\'', true)+" >&2",
		"	exit 1",
		"fi",
		"")
	if stdin {
		w(`printf '%s' "$hook_stdin" | "$lockguard" hook run "$hook_type" "$@"`)
	} else {
		w(`exec "$lockguard" hook run "$hook_type" "$@"`)
	}
	return b.String()
}

// IsLockguardScript reports whether a hook file's content is a script written
// by lockguard (of any version): it has a line starting with MarkerPrefix.
func IsLockguardScript(content []byte) bool {
	for line := range strings.Lines(string(content)) {
		if strings.HasPrefix(line, MarkerPrefix) {
			return true
		}
	}
	return false
}
