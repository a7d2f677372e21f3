// Command lockguard guards Nix flake, Cargo and Docker repositories against
// uncommitted, missing and stale lockfiles. See the README.
package main

import (
	"os"

	"github.com/lockguard/lockguard/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
