package dockerfile

import (
	"slices"
	"testing"
)

func TestNixInvocations(t *testing.T) {
	tests := []struct {
		script             string
		sub, action, ref   string
		attr               string
		hasAttr, features  bool
		inner              []string
		legacy, expr, none bool
	}{
		{script: "nix build .#backend", sub: "build", ref: ".", attr: "backend", hasAttr: true},
		{script: "nix build", sub: "build", ref: "."},
		{script: "nix build -L --print-build-logs .#a .#b", sub: "build", ref: ".", attr: "a", hasAttr: true},
		{script: `nix --extra-experimental-features "nix-command flakes" develop --command cargo build`, sub: "develop", ref: ".", features: true, inner: []string{"cargo", "build"}},
		{script: "nix --extra-experimental-features nix-command --extra-experimental-features flakes build path:/src#pkg", sub: "build", ref: "path:/src", attr: "pkg", hasAttr: true, features: true},
		{script: "nix --experimental-features 'nix-command flakes' run .#app -- --port 80", sub: "run", ref: ".", attr: "app", hasAttr: true, features: true},
		{script: "nix --option experimental-features 'nix-command flakes' --impure --accept-flake-config build .#x", sub: "build", ref: ".", attr: "x", hasAttr: true, features: true},
		{script: "nix --option sandbox false build ./sub#x", sub: "build", ref: "./sub", attr: "x", hasAttr: true},
		{script: "nix --extra-experimental-features nix-command build .#x", sub: "build", ref: ".", attr: "x", hasAttr: true},
		{script: "nix develop .#ci -c make", sub: "develop", ref: ".", attr: "ci", hasAttr: true, inner: []string{"make"}},
		{script: "nix shell nixpkgs#hello --command hello", sub: "shell", ref: "nixpkgs", attr: "hello", hasAttr: true, inner: []string{"hello"}},
		{script: "nix flake lock ./sub", sub: "flake", action: "lock", ref: "./sub"},
		{script: "nix flake check", sub: "flake", action: "check", ref: "."},
		{script: "nix eval --expr 1", sub: "eval", expr: true},
		{script: "nix-build -A x", sub: "nix-build", legacy: true},
		{script: `nix-shell --run "make"`, sub: "nix-shell", legacy: true, inner: []string{"make"}},
		{script: "sudo nix profile install nixpkgs#git", sub: "profile", action: "install", ref: "nixpkgs", attr: "git", hasAttr: true},
		{script: "nixfmt x.nix", none: true},
		{script: "echo nix build", none: true},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			cmds := runCmds(t, "FROM nixos/nix\nRUN "+tt.script+"\n")
			calls := NixInvocations(cmds)
			if tt.none {
				if len(calls) != 0 {
					t.Fatalf("calls = %+v", calls)
				}
				return
			}
			if len(calls) != 1 {
				t.Fatalf("calls = %+v", calls)
			}
			c := calls[0]
			if c.Sub != tt.sub || c.Action != tt.action || c.FlakeRef != tt.ref || c.Attr != tt.attr || c.HasAttr != tt.hasAttr ||
				c.FeaturesFlag != tt.features || c.Legacy != tt.legacy || c.Expr != tt.expr || !slices.Equal(c.InnerCommand, tt.inner) {
				t.Errorf("got %+v", c)
			}
		})
	}
}

func TestFlakesEnabledBefore(t *testing.T) {
	tests := []struct {
		name   string
		lines  string // instructions after FROM; the probe is the last RUN
		before bool
	}{
		{"nothing", "RUN true", false},
		{"ENV NIX_CONFIG", `ENV NIX_CONFIG="experimental-features = nix-command flakes"`, true},
		{"ENV extra", `ENV NIX_CONFIG="extra-experimental-features = nix-command flakes"`, true},
		{"ENV only nix-command", `ENV NIX_CONFIG="experimental-features = nix-command"`, false},
		{"ARG NIX_CONFIG", `ARG NIX_CONFIG="experimental-features = nix-command flakes"`, true},
		{"etc nix.conf", `RUN mkdir -p /etc/nix && echo "experimental-features = nix-command flakes" >> /etc/nix/nix.conf`, true},
		{"home nix.conf", `RUN mkdir -p ~/.config/nix && echo 'experimental-features = nix-command flakes' > ~/.config/nix/nix.conf`, true},
		{"$HOME nix.conf", `RUN echo "experimental-features = nix-command flakes" >> $HOME/.config/nix/nix.conf`, true},
		{"tee", `RUN echo "extra-experimental-features = nix-command flakes" | tee -a /etc/nix/nix.conf`, true},
		{"printf", `RUN printf 'sandbox = false\nexperimental-features = nix-command flakes\n' > /etc/nix/nix.conf`, true},
		{"other file", `RUN echo "experimental-features = nix-command flakes" > /tmp/nix.txt`, false},
		{"overwritten", "RUN echo \"experimental-features = nix-command flakes\" > /etc/nix/nix.conf\nRUN echo 'sandbox = false' > /etc/nix/nix.conf", false},
		{"append keeps", "RUN echo \"experimental-features = nix-command flakes\" > /etc/nix/nix.conf\nRUN echo 'sandbox = false' >> /etc/nix/nix.conf", true},
		{"export in a RUN is per RUN", `RUN export NIX_CONFIG="experimental-features = nix-command flakes"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, "FROM nixos/nix\n"+tt.lines+"\nRUN nix build .#x\n")
			st := f.Stages[0]
			last := len(st.Instrs) - 1
			if got := st.FlakesEnabledBefore(last); got != tt.before {
				t.Errorf("FlakesEnabledBefore = %v, want %v", got, tt.before)
			}
			if st.FlakesEnabledBefore(0) {
				t.Error("enabled before the first instruction")
			}
		})
	}
}

func TestFlakesInheritedThroughFromStage(t *testing.T) {
	f := mustParse(t, "FROM nixos/nix AS base\nENV NIX_CONFIG=\"experimental-features = nix-command flakes\"\n"+
		"FROM base AS build\nRUN nix build\nFROM nixos/nix\nRUN nix build\n")
	if !f.Stages[1].FlakesEnabledBefore(0) {
		t.Error("not inherited through FROM base")
	}
	if f.Stages[2].FlakesEnabledBefore(0) {
		t.Error("an unrelated stage has flakes")
	}
}

func TestFlakesEnvPerCommand(t *testing.T) {
	cmds := runCmds(t, "FROM nixos/nix\n"+`RUN nix build .#a && export NIX_CONFIG="experimental-features = nix-command flakes" && nix build .#b && (unset X; NIX_CONFIG=x nix build .#c)`+"\n")
	calls := NixInvocations(cmds)
	if len(calls) != 3 {
		t.Fatalf("calls: %+v", calls)
	}
	if calls[0].Cmd.FlakesEnv || !calls[1].Cmd.FlakesEnv || calls[2].Cmd.FlakesEnv {
		t.Errorf("FlakesEnv = %v %v %v", calls[0].Cmd.FlakesEnv, calls[1].Cmd.FlakesEnv, calls[2].Cmd.FlakesEnv)
	}
	// ENV NIX_CONFIG is visible to the commands as well.
	cmds = runCmds(t, "FROM nixos/nix\nENV NIX_CONFIG=\"experimental-features = nix-command flakes\"\nRUN nix build\n")
	if !cmds[0].FlakesEnv {
		t.Error("ENV NIX_CONFIG not seen by the command")
	}
}
