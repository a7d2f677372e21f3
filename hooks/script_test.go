package hooks

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/lockguard/lockguard/internal/shell"
)

func TestScriptSyntax(t *testing.T) {
	t.Parallel()
	for _, sh := range shells(t) {
		for _, typ := range []string{"pre-commit", "pre-push"} {
			for _, bin := range []string{"", "/opt/lock guard/it's/lockguard", "lockguard-dev"} {
				for _, fb := range []string{"", "/home/u/Down loads/it's/lockguard"} {
					s := Script(typ, bin, fb)
					cmd := exec.Command(sh, "-n")
					cmd.Stdin = strings.NewReader(s)
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Errorf("%s -n on Script(%q, %q, %q): %v\n%s\n%s", sh, typ, bin, fb, err, out, s)
					}
					if !strings.HasPrefix(s, "#!/bin/sh\n") || !IsLockguardScript([]byte(s)) {
						t.Errorf("Script(%q, %q, %q) lacks the shebang or the marker", typ, bin, fb)
					}
					if !strings.Contains(s, "hook run \"$hook_type\" \"$@\"") || !strings.Contains(s, "hook_type='"+typ+"'") {
						t.Errorf("Script(%q, %q, %q) does not run `lockguard hook run %s`", typ, bin, fb, typ)
					}
				}
			}
		}
	}
	if Script("", "", "") != Script("pre-commit", "", "") {
		t.Error(`Script("") is not the pre-commit script`)
	}
}

func TestIsLockguardScript(t *testing.T) {
	t.Parallel()
	for content, want := range map[string]bool{
		"#!/bin/sh\n# lockguard-hook: v1\n":        true,
		"#!/bin/sh\r\n# lockguard-hook: v7\r\n":    true,
		"#!/bin/sh\nexec lockguard check\n":        false,
		"#!/bin/sh\necho '# lockguard-hook: v1'\n": false,
		"": false,
	} {
		if got := IsLockguardScript([]byte(content)); got != want {
			t.Errorf("IsLockguardScript(%q) = %v", content, got)
		}
	}
}

func TestShQuote(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "it's", "''", `a "b" $c \d` + "`e`", "new\nline"} {
		out, err := exec.Command("sh", "-c", "printf %s "+shell.QuoteWith(s, '\'', true)).Output()
		if err != nil || string(out) != s {
			t.Errorf("sh read %s as %q (%v), want %q", shell.QuoteWith(s, '\'', true), out, err, s)
		}
	}
}
