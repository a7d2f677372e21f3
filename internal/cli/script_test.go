package cli_test

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/lockguard/lockguard/internal/cli"
	"github.com/lockguard/lockguard/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"lockguard": func() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scenarios in testdata/script: real git
// repositories made by the real git binary, real cargo (path dependencies,
// offline), real nix.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(t, filepath.Join(testenv.ModuleRoot(t), "testdata", "script")))
}

func scriptParams(t *testing.T, dir string) testscript.Params {
	home, _ := os.UserHomeDir()
	return testscript.Params{
		Dir:                 dir,
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			h := filepath.Join(env.WorkDir, ".home")
			if err := os.MkdirAll(h, 0o755); err != nil {
				return err
			}
			for _, kv := range testenv.GitEnv(h) {
				k, v, _ := strings.Cut(kv, "=")
				if strings.HasPrefix(k, "GIT_") || k == "HOME" || k == "XDG_CONFIG_HOME" || k == "RUSTUP_HOME" || k == "CARGO_HOME" {
					env.Setenv(k, v)
				}
			}
			if env.Getenv("RUSTUP_HOME") == "" && home != "" {
				env.Setenv("RUSTUP_HOME", filepath.Join(home, ".rustup"))
			}
			env.Setenv("CARGO_NET_OFFLINE", "true")
			env.Setenv("NIX_CONFIG", "experimental-features = nix-command flakes")
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if tool, ok := strings.CutPrefix(cond, "tool:"); ok {
				if _, err := exec.LookPath(tool); err == nil {
					return true, nil
				}
				if testenv.ToolsRequired() {
					return false, fmt.Errorf("%s is not on PATH, and %s is set", tool, testenv.RequireToolsEnv)
				}
				return false, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"filehash": fileHash,
			"status":   exitStatus,
			"onlybin":  onlyBin,
		},
	}
}

// fileHash records (`filehash save FILE NAME`) or compares (`filehash same
// FILE NAME`) the bytes of a file.
func fileHash(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: filehash save|same FILE NAME")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	key := "filehash:" + args[2]
	switch args[0] {
	case "save":
		ts.Setenv(key, fmt.Sprintf("%x", sha256.Sum256(data)))
	case "same":
		same := ts.Getenv(key) == fmt.Sprintf("%x", sha256.Sum256(data))
		if same == neg {
			ts.Fatalf("%s: same=%v, want %v", args[1], same, !neg)
		}
	default:
		ts.Fatalf("filehash: unknown verb %q", args[0])
	}
}

// exitStatus runs a command like exec and checks its exit status:
// `status 2 lockguard check --format nope`.
func exitStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N COMMAND [ARGS...]")
	}
	var want int
	if _, err := fmt.Sscan(args[0], &want); err != nil {
		ts.Fatalf("status: bad exit code %q", args[0])
	}
	err := ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("status: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// onlyBin makes $WORK/onlybin hold symlinks to just the named programs (from
// the current PATH), for running lockguard with a PATH that lacks a tool:
// `onlybin git` then `env PATH=$WORK/onlybin`.
func onlyBin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: onlybin PROGRAM...")
	}
	dir := ts.MkAbs("onlybin")
	ts.Check(os.MkdirAll(dir, 0o755))
	for _, name := range args {
		p, err := exec.LookPath(name)
		if err != nil {
			ts.Fatalf("onlybin: %v", err)
		}
		ts.Check(os.Symlink(p, filepath.Join(dir, name)))
	}
}
