package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lockguard/lockguard/internal/demo"
)

func (e *env) demoCommand() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "demo",
		Short: "Run check, fix and check on a throwaway copy of a failing monorepo",
		Long: `Create a throwaway git repository from an embedded copy of a failing
monorepo (a Rust backend with no committed Cargo.lock, a flake that reads
backend/Cargo.lock, and a Dockerfile), then run lockguard check, lockguard fix
and lockguard check again, and print where the repository is.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return e.runDemo(dir) },
	}
	c.Flags().StringVar(&dir, "dir", "", "create the demo repository in `DIR` (must not exist) instead of a temporary directory")
	return c
}

func (e *env) runDemo(dir string) error {
	if _, err := exec.LookPath("git"); err != nil {
		return usagef("the demo needs git on PATH")
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "lockguard-demo-")
		if err != nil {
			return err
		}
		dir = d
	} else {
		if _, err := os.Stat(dir); err == nil {
			return usagef("--dir %s already exists; pick a new directory", dir)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := demo.Write(dir); err != nil {
		return err
	}
	// A clean git environment: the demo may run inside a hook, and the user
	// may have no identity configured.
	var genv []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			genv = append(genv, kv)
		}
	}
	git := func(args ...string) error {
		cmd := exec.Command("git", append([]string{"-c", "user.name=lockguard demo", "-c", "user.email=demo@lockguard.invalid", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = dir
		cmd.Env = genv
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "monorepo without a Cargo.lock"}} {
		if err := git(args...); err != nil {
			return err
		}
	}

	out := e.stdout
	fmt.Fprintf(out, "lockguard demo: a throwaway copy of a failing monorepo in\n  %s\n", dir)
	fmt.Fprintln(out, "Its flake reads backend/Cargo.lock, which was never committed, so `nix build` fails with\n  error: path '/nix/store/…-source/backend/Cargo.lock' does not exist")

	sub := &env{stdin: e.stdin, stdout: e.stdout, stderr: e.stderr, getenv: e.getenv, ctx: e.ctx, dir: dir, color: e.color}
	section := func(title string) { fmt.Fprintf(out, "\n━━ %s\n\n", title) }

	section("lockguard check")
	checkErr := sub.runCheck(&runFlags{}, &outputFlags{format: "text"}, nil)
	if err := demoErr(checkErr); err != nil {
		return err
	}

	section("lockguard fix")
	_, cargoErr := exec.LookPath("cargo")
	fixErr := sub.runFix(&runFlags{}, &fixFlags{}, nil)
	if err := demoErr(fixErr); err != nil {
		return err
	}

	section("lockguard check (after the fix)")
	after := sub.runCheck(&runFlags{}, &outputFlags{format: "text"}, nil)
	if err := demoErr(after); err != nil {
		return err
	}

	var ee exitError
	if errors.As(after, &ee) {
		section("lockguard fix --unsafe-fixes --diff (what the unsafe fixes would change; nothing is applied)")
		if err := demoErr(sub.runFix(&runFlags{}, &fixFlags{diff: true, unsafe: true}, nil)); err != nil {
			return err
		}
	}

	fmt.Fprintln(out)
	if cargoErr != nil {
		fmt.Fprintln(out, "cargo is not on PATH, so the fix could not generate backend/Cargo.lock.")
		fmt.Fprintln(out, "Install Rust (https://rustup.rs) or Nix, and run `lockguard fix` in the demo repository.")
	}
	fmt.Fprintf(out, "The demo repository is at %s\n  cd %s && git status   # look around; rm -rf it when done\n", dir, dir)
	return nil
}

// demoErr lets findings (exit 1) through: showing them is the point.
func demoErr(err error) error {
	var ee exitError
	if err == nil || errors.As(err, &ee) {
		return nil
	}
	return err
}
