package dockerfile

import (
	"slices"
	"strings"
	"testing"
)

func TestGenerated(t *testing.T) {
	tests := []struct {
		script string
		want   []string // over all commands of the RUN, deduplicated
	}{
		{"cargo generate-lockfile", []string{"/w/Cargo.lock"}},
		{"cargo +nightly -Z unstable-options build --release", []string{"/w/Cargo.lock"}},
		{"cargo --color always update -p serde", []string{"/w/Cargo.lock"}},
		{"cargo b", []string{"/w/Cargo.lock"}},
		{"cargo build --locked", nil},
		{"cargo test --frozen", nil},
		{"cargo install ripgrep", nil},
		{"cargo --version", nil},
		{"cargo generate-lockfile --manifest-path backend/Cargo.toml", []string{"/w/backend/Cargo.lock"}},
		{"cargo build --manifest-path=/src/x/Cargo.toml", []string{"/src/x/Cargo.lock"}},
		{"cargo build --manifest-path $M", nil},
		{"cargo -C sub build", []string{"/w/sub/Cargo.lock"}},
		{"cd backend && cargo check", []string{"/w/backend/Cargo.lock"}},
		{"cd $X && cargo check", nil},
		{"sudo cargo fetch", []string{"/w/Cargo.lock"}},
		{"npm install", []string{"/w/package-lock.json"}},
		{"npm i express", []string{"/w/package-lock.json"}},
		{"npm ci", nil},
		{"npm install -g typescript", nil},
		{"npm run build", nil},
		{"yarn", []string{"/w/yarn.lock"}},
		{"yarn install --frozen-lockfile", nil},
		{"yarn build", nil},
		{"pnpm install", []string{"/w/pnpm-lock.yaml"}},
		{"pnpm i --frozen-lockfile", nil},
		{"go mod tidy", []string{"/w/go.sum"}},
		{"go mod download", nil},
		{"go build ./...", nil},
		{"poetry lock", []string{"/w/poetry.lock"}},
		{"poetry install --no-root", []string{"/w/poetry.lock"}},
		{"uv lock", []string{"/w/uv.lock"}},
		{"uv sync --frozen", nil},
		{"bundle install", []string{"/w/Gemfile.lock"}},
		{"bundle install --deployment", nil},
		{"composer install -d app", []string{"/w/app/composer.lock"}},
		{"nix flake lock", []string{"/w/flake.lock"}},
		{"nix flake lock ./sub", []string{"/w/sub/flake.lock"}},
		{"nix flake update", []string{"/w/flake.lock"}},
		{"nix flake update nixpkgs --flake /src", []string{"/src/flake.lock"}},
		{"nix flake show", nil},
		{"nix flake lock github:owner/repo", nil},
		{"nix build .#backend", []string{"/w/flake.lock"}},
		{"nix build --no-write-lock-file .#backend", nil},
		{"nix build -f default.nix hello", nil},
		{"nix-build", nil},
		{"nix develop --command cargo generate-lockfile", []string{"/w/flake.lock", "/w/Cargo.lock"}},
		{`nix develop --no-write-lock-file -c bash -c "cd be && cargo generate-lockfile"`, []string{"/w/be/Cargo.lock"}},
		{"echo hi > out.txt && date >> /var/log/x", []string{"/w/out.txt", "/var/log/x"}},
		{"make 2>/dev/null", nil},
		{"echo x | tee -a a.txt /abs/b", []string{"/w/a.txt", "/abs/b"}},
		{"echo x > $OUT", nil},
		{"ls", nil},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			f := mustParse(t, "FROM alpine\nWORKDIR /w\nRUN "+tt.script+"\n")
			run := instr(t, f, 0, "RUN", 0).Run
			var got []string
			for _, g := range run.Generated(nil) {
				got = append(got, g.Path)
				if g.Generator == nil || g.Generator.Creates == "" {
					t.Errorf("%s: no generator", g.Path)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q%s", got, tt.want, dumpCmds(run.Commands))
			}
		})
	}
}

func TestGeneratedCargoRootCallback(t *testing.T) {
	cmds := runCmds(t, "FROM rust\nWORKDIR /w\nRUN cd crates/api && cargo build && cargo generate-lockfile --manifest-path ../cli/Cargo.toml\n")
	var seen []string
	cb := func(dir string) (string, bool) {
		seen = append(seen, dir)
		if strings.HasPrefix(dir, "/w/") {
			return "/w", true
		}
		return "", false
	}
	var got []string
	for _, c := range cmds {
		got = append(got, Generated(c, cb)...)
	}
	if !slices.Equal(got, []string{"/w/Cargo.lock", "/w/Cargo.lock"}) {
		t.Errorf("got %q", got)
	}
	if !slices.Equal(seen, []string{"/w/crates/api", "/w/crates/cli"}) {
		t.Errorf("callback saw %q", seen)
	}
	// A callback that does not know the directory leaves the cwd.
	none := func(string) (string, bool) { return "", false }
	if got := Generated(find(t, cmds, "cargo", "build"), none); !slices.Equal(got, []string{"/w/crates/api/Cargo.lock"}) {
		t.Errorf("got %q", got)
	}
}

func TestGeneratorsTableDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range Generators {
		if g.Command == "" || g.Creates == "" || g.Note == "" {
			t.Errorf("incomplete generator %+v", g)
		}
		seen[g.Creates] = true
	}
	for _, want := range []string{"Cargo.lock", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "go.sum", "poetry.lock", "uv.lock", "Gemfile.lock", "composer.lock", "flake.lock", "file"} {
		if !seen[want] {
			t.Errorf("no generator creates %s", want)
		}
	}
}
