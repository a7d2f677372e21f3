// Command lockguard guards Nix flake, Cargo and Docker repositories against
// uncommitted, missing and stale lockfiles. See the README.
package main

import (
	"os"
	"runtime/debug"

	"github.com/lockguard/lockguard/internal/cli"
)

func main() {
	// A run is short, allocates much and keeps little: collecting when the
	// heap reaches 3× what is live instead of 2× cuts the collector's work
	// by about a third, and peak memory stays within the targets of
	// scripts/bench.sh. GOGC, when set, decides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
