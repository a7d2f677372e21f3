package cargo

// Layouts of the other direction of staleness (what the lock records that
// the manifests no longer ask for), of [patch] and [[patch.unused]], and of
// sources (alternative registries, [source] replacement).

import (
	"fmt"
	"strings"
	"testing"
)

const zeroSum = "0000000000000000000000000000000000000000000000000000000000000000"

// addPackage appends a [[package]] to a lock.
func addPackage(name, version, source string) func(string) string {
	return func(lock string) string {
		s := fmt.Sprintf("\n[[package]]\nname = %q\nversion = %q\n", name, version)
		if source != "" {
			s += fmt.Sprintf("source = %q\nchecksum = %q\n", source, zeroSum)
		}
		return lock + s
	}
}

// addEdge adds dep to the dependencies of the lock package name 0.1.0.
func addEdge(name, dep string) func(string) string {
	return func(lock string) string {
		head := fmt.Sprintf("name = %q\nversion = \"0.1.0\"\n", name)
		if i := strings.Index(lock, head); i >= 0 && strings.HasPrefix(lock[i+len(head):], "dependencies = [\n") {
			at := i + len(head) + len("dependencies = [\n")
			return lock[:at] + fmt.Sprintf(" %q,\n", dep) + lock[at:]
		}
		return strings.Replace(lock, head, head+fmt.Sprintf("dependencies = [\n %q,\n]\n", dep), 1)
	}
}

func both(fs ...func(string) string) func(string) string {
	return func(s string) string {
		for _, f := range fs {
			s = f(s)
		}
		return s
	}
}

// reverseLayouts: lock contents the manifests no longer ask for.
func reverseLayouts() []layout {
	app := func(deps string) string { return pkg("app", "0.1.0", "[dependencies]\n"+deps) }
	ws := func(members string) string {
		return "[workspace]\nresolver = \"2\"\nmembers = [" + members + "]\n"
	}
	two := func(a, b string) map[string]string {
		return merge(registry(), map[string]string{
			"Cargo.toml":   ws(`"a", "b"`),
			"a/Cargo.toml": pkg("a", "0.1.0", "[dependencies]\n"+a),
			"b/Cargo.toml": pkg("b", "0.1.0", "[dependencies]\n"+b),
		})
	}
	outside := func(appDeps, lib string) map[string]string {
		return merge(registry(), map[string]string{
			"ws/Cargo.toml":     ws(`"app"`),
			"ws/app/Cargo.toml": app(appDeps),
			"lib/Cargo.toml":    pkg("lib", "0.1.0", lib),
			"helper/Cargo.toml": pkg("helper", "0.1.0", ""),
		})
	}
	return []layout{
		// A registry package no member needs any more.
		{name: "registry dependency removed", files: merge(registry(), map[string]string{"Cargo.toml": app(`baz = "1"`)}),
			change: map[string]string{"Cargo.toml": app("")}},
		{name: "member's dev-dependency removed", files: merge(registry(), map[string]string{"Cargo.toml": pkg("app", "0.1.0", "[dev-dependencies]\nbaz = \"1\"\n")}),
			change: map[string]string{"Cargo.toml": app("")}},
		// An edge removed to a registry package another member still uses.
		{name: "edge removed, package still used", files: two(`baz = "1"`, `baz = "1"`),
			change: map[string]string{"a/Cargo.toml": pkg("a", "0.1.0", "")}},
		// An edge removed between two members.
		{name: "edge between members removed", files: two(`b = { path = "../b" }`, ""),
			change: map[string]string{"a/Cargo.toml": pkg("a", "0.1.0", "")}},
		// A path dependency removed with what it pulled in: the registry package stays behind.
		{name: "path dependency with registry deps removed", files: merge(outside(`lib = { path = "../../lib" }`, "[dependencies]\nbaz = \"1\"\n")),
			change: map[string]string{"ws/app/Cargo.toml": app("")}, root: "ws"},
		// A path dependency removed on its own: Cargo drops it silently.
		{name: "path dependency removed", files: outside(`lib = { path = "../../lib" }`, ""),
			change: map[string]string{"ws/app/Cargo.toml": app("")}, root: "ws"},
		{name: "path dependency's directory deleted", files: outside(`lib = { path = "../../lib" }`, ""),
			change: map[string]string{"ws/app/Cargo.toml": app(""), "lib": ""}, root: "ws"},
		// …unless Cargo still finds it: a dev-dependency of a non-member.
		{name: "path package left as a non-member's dev-dependency", root: "ws",
			files:  outside("lib = { path = \"../../lib\" }\nhelper = { path = \"../../helper\" }\n", "[dev-dependencies]\nhelper = { path = \"../helper\" }\n"),
			change: map[string]string{"ws/app/Cargo.toml": app(`lib = { path = "../../lib" }`)}},
		// An optional path dependency of a non-member turned off.
		{name: "optional path dependency turned off", root: "ws",
			files:  outside(`lib = { path = "../../lib", features = ["helper"] }`, "[dependencies]\nhelper = { path = \"../helper\", optional = true }\n"),
			change: map[string]string{"ws/app/Cargo.toml": app(`lib = { path = "../../lib" }`)}},
		// An optional registry dependency of a non-member turned off.
		{name: "optional registry dependency turned off", root: "ws",
			files:  outside(`lib = { path = "../../lib", features = ["baz"] }`, "[dependencies]\nbaz = { version = \"1\", optional = true }\n"),
			change: map[string]string{"ws/app/Cargo.toml": app(`lib = { path = "../../lib" }`)}},
		// A dev-dependency of a non-member recorded in the lock.
		{name: "non-member's dev-dependency recorded", root: "ws",
			files: outside(`lib = { path = "../../lib" }`, "[dev-dependencies]\nbaz = \"1\"\n"),
			edit:  both(addEdge("lib", "baz"), addPackage("baz", "1.0.0", CratesIO))},
		{name: "non-member's path dev-dependency recorded", root: "ws",
			files: outside(`lib = { path = "../../lib" }`, "[dev-dependencies]\nhelper = { path = \"../helper\" }\n"),
			edit:  both(addEdge("lib", "helper"), addPackage("helper", "0.1.0", ""))},
		// An edge to a path package Cargo does not know is dropped with it.
		{name: "edge to an unknown path package", files: merge(registry(), map[string]string{"Cargo.toml": app("")}),
			edit: both(addEdge("app", "ghost"), addPackage("ghost", "0.1.0", ""))},
		// Extra registry packages: one nothing provides, another version.
		{name: "unknown registry package", files: merge(registry(), map[string]string{"Cargo.toml": app("")}),
			edit: addPackage("nothere", "1.0.0", CratesIO)},
		{name: "second version nothing uses", files: merge(registry(), map[string]string{"Cargo.toml": app(`bar = "1"`)}),
			edit: addPackage("bar", "2.0.0", CratesIO)},
		// Order does not matter: Cargo compares the parsed graphs.
		{name: "packages reordered", files: merge(registry(), map[string]string{"Cargo.toml": app("bar = \"1\"\nbaz = \"1\"\n")}),
			edit: func(lock string) string {
				head, pkgs, _ := strings.Cut(lock, "[[package]]")
				parts := strings.Split("[[package]]"+pkgs, "\n[[package]]")
				for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
					parts[i], parts[j] = parts[j], parts[i]
				}
				for i := range parts {
					parts[i] = strings.TrimSpace(strings.TrimPrefix(parts[i], "[[package]]"))
				}
				return head + "[[package]]\n" + strings.Join(parts, "\n\n[[package]]\n") + "\n"
			}},
		// A member dropped from the workspace: its lock entry goes silently,
		// the registry packages only it used do not.
		{name: "member dropped", files: two("", ""), change: map[string]string{"Cargo.toml": ws(`"a"`), "b": ""}},
		{name: "member with registry deps dropped", files: two("", `baz = "1"`), change: map[string]string{"Cargo.toml": ws(`"a"`), "b": ""}},
		// Replacing a dependency by another of the same package keeps it.
		{name: "dependency renamed", files: merge(registry(), map[string]string{"Cargo.toml": app(`baz = "1"`)}),
			change: map[string]string{"Cargo.toml": app(`z = { package = "baz", version = "1" }`)}},
	}
}

// patchLayouts: [patch] and [[patch.unused]].
func patchLayouts(t *testing.T) []layout {
	gu, _ := gitCrate(t, "baz", "1.0.0", nil, nil)
	app := func(deps, patch string) string {
		return pkg("app", "0.1.0", "[dependencies]\n"+deps+"\n[patch.crates-io]\n"+patch)
	}
	local := func(deps, patch, version string) map[string]string {
		return merge(registry(), map[string]string{
			"Cargo.toml":           app(deps, patch),
			"local/baz/Cargo.toml": pkg("baz", version, ""),
			"local/bar/Cargo.toml": pkg("bar", "1.0.0", ""),
		})
	}
	pbaz := `baz = { path = "local/baz" }`
	pbar := `bar = { path = "local/bar" }`
	return []layout{
		{name: "path patch used", files: local(`baz = "1"`, pbaz, "1.0.5")},
		{name: "path patch bumped within the requirement", files: local(`baz = "1"`, pbaz, "1.0.5"),
			change: map[string]string{"local/baz/Cargo.toml": pkg("baz", "1.0.6", "")}},
		{name: "path patch bumped out of the requirement", files: local(`baz = "1"`, pbaz, "1.0.5"),
			change: map[string]string{"local/baz/Cargo.toml": pkg("baz", "2.0.0", "")}},
		{name: "path patch added after locking", files: local(`baz = "1"`, "", "1.0.5"),
			change: map[string]string{"Cargo.toml": app(`baz = "1"`, pbaz)}},
		{name: "used path patch removed", files: local(`baz = "1"`, pbaz, "1.0.5"),
			change: map[string]string{"Cargo.toml": app(`baz = "1"`, "")}},
		{name: "unused path patch", files: local(`baz = "1"`, pbar, "1.0.5")},
		{name: "unused path patch added after locking", files: local(`baz = "1"`, "", "1.0.5"),
			change: map[string]string{"Cargo.toml": app(`baz = "1"`, pbar)}},
		{name: "unused path patch bumped", files: local(`baz = "1"`, pbar, "1.0.5"),
			change: map[string]string{"local/bar/Cargo.toml": pkg("bar", "1.0.1", "")}},
		{name: "unused path patch removed", files: local(`baz = "1"`, pbar, "1.0.5"),
			change: map[string]string{"Cargo.toml": app(`baz = "1"`, "")}},
		{name: "unused path patch becomes used", files: local(`baz = "1"`, pbar, "1.0.5"),
			change: map[string]string{"Cargo.toml": app("baz = \"1\"\nbar = \"1\"\n", pbar)}},
		{name: "patched package's version out of its requirement", files: local(`baz = "1"`, pbaz, "1.0.5"),
			change: map[string]string{"Cargo.toml": app(`baz = "=1.0.0"`, pbaz)}},
		{name: "git patch used", files: merge(registry(), map[string]string{"Cargo.toml": app(`baz = "1"`, fmt.Sprintf("baz = { git = %q }", gu))})},
		{name: "git patch removed", files: merge(registry(), map[string]string{"Cargo.toml": app(`baz = "1"`, fmt.Sprintf("baz = { git = %q }", gu))}),
			change: map[string]string{"Cargo.toml": app(`baz = "1"`, "")}},
		{name: "unused git patch", files: merge(registry(), map[string]string{"Cargo.toml": app(`bar = "1"`, fmt.Sprintf("baz = { git = %q }", gu))})},
		{name: "unused git patch removed", files: merge(registry(), map[string]string{"Cargo.toml": app(`bar = "1"`, fmt.Sprintf("baz = { git = %q }", gu))}),
			change: map[string]string{"Cargo.toml": app(`bar = "1"`, "")}},
	}
}

// altRegistry adds an alternative registry "alt" whose index a directory
// source replaces; it has baz 1.1.0 (crates.io has baz 1.0.0).
func altRegistry() map[string]string {
	const index = "sparse+https://alt.example.com/index/"
	files := registry()
	files[".cargo/config.toml"] = vendorConfig + fmt.Sprintf("[registries.alt]\nindex = %q\n[source.altsrc]\nregistry = %q\nreplace-with = \"altvendored\"\n[source.altvendored]\ndirectory = \"altv\"\n", index, index)
	files["altv/baz-1.1.0/Cargo.toml"] = pkg("baz", "1.1.0", "")
	files["altv/baz-1.1.0/.cargo-checksum.json"] = `{"files":{},"package":"` + zeroSum + `"}`
	return files
}

// sourceLayouts: sources are compared, not just names.
func sourceLayouts() []layout {
	app := func(deps string) string { return pkg("app", "0.1.0", "[dependencies]\n"+deps) }
	alt := `baz = { version = "1", registry = "alt" }`
	return []layout{
		{name: "alternative registry", files: merge(altRegistry(), map[string]string{"Cargo.toml": app(alt)})},
		{name: "crates.io dependency moved to the alternative registry", files: merge(altRegistry(), map[string]string{"Cargo.toml": app(`baz = "1"`)}),
			change: map[string]string{"Cargo.toml": app(alt)}},
		{name: "alternative registry dependency moved to crates.io", files: merge(altRegistry(), map[string]string{"Cargo.toml": app(alt)}),
			change: map[string]string{"Cargo.toml": app(`baz = "1"`)}},
		{name: "alternative registry package locked from crates.io", files: merge(altRegistry(), map[string]string{"Cargo.toml": app(`baz = "1"`)}),
			change: map[string]string{"Cargo.toml": app(`baz = { version = "1", registry = "alt" }`)},
			edit:   func(l string) string { return strings.Replace(l, "version = \"1.0.0\"", "version = \"1.1.0\"", 1) }},
		{name: "both registries", files: merge(altRegistry(), map[string]string{"Cargo.toml": app("baz = \"1\"\nbaz-alt = { package = \"baz\", version = \"1\", registry = \"alt\" }\n")})},
		{name: "crates.io recorded as sparse", files: merge(registry(), map[string]string{"Cargo.toml": app(`baz = "1"`)}),
			edit: func(l string) string { return strings.Replace(l, CratesIO, "sparse+https://index.crates.io/", 1) }},
	}
}
