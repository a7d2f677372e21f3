package snapshot

import "testing"

func TestRunsCargoInPlace(t *testing.T) {
	for l, want := range map[string]bool{
		"cargo build --release":                                         true,
		"cd crates/gui && cargo +nightly test":                          true,
		"cargo sort -w --check templates/x/template &&":                 false,
		"cargo generate --init --path ../templates/x":                   false,
		"cargo install cargo-sort && cargo sort crates/a":               false,
		"cargo install --path crates/cli":                               true,
		"cargo new demo && cargo build --manifest-path demo/Cargo.toml": true,
		"RUSTFLAGS=x cargo --locked build":                              true,
		"echo cargo":                                                    true,
	} {
		if got := runsCargoInPlace(l); got != want {
			t.Errorf("runsCargoInPlace(%q) = %v, want %v", l, got, want)
		}
	}
}
