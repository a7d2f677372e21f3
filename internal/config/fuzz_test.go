package config

import (
	"errors"
	"testing"
)

func FuzzConfig(f *testing.F) {
	for _, s := range []string{
		"select = [\"LG1\"]\nfail-on = \"error\"\n",
		"[cargo]\nrequire-lock = \"binaries\"\n",
		"[[ignore]]\npaths = [\"vendor/**\"]\nrules = [\"LG101\"]\n[[ignore]]\nrules = [\"LG902\"]\n",
		"ignore = [\"LG902\", { paths = [\"a\"], rules = [\"LG1\"] }]\n",
		"[[docker.build]]\ndockerfile = \"d/Dockerfile\"\ncontext = \".\"\n",
		"[fix]\nstage = false\n[hook]\nfix = true\n",
		"select = [\n", "[[ignore]]\npaths = 1\n", "x = 1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("lockguard.toml", data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is not a *config.Error: %T %v", err, err)
			}
			return
		}
		for _, pi := range c.PathIgnores {
			for _, p := range pi.Paths {
				_ = MatchPath(p, "a/b/c")
			}
		}
	})
}
