//go:build !unix

package fixers

import "os/exec"

// runChild runs a generator; on cancellation exec kills it (no process
// groups or parent-death signal on this platform).
func runChild(cmd *exec.Cmd) error { return cmd.Run() }
